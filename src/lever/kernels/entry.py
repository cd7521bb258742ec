"""The group's entry: its people move into the hosts its strategy allocates them to."""

from __future__ import annotations

import numba as nb
import numpy as np

from lever.kernels.draw import ENTRY, keyed, step_key
from lever.kernels.mobility import move, org_sizes
from lever.model.state import TALLY_BROKE_AWAY


@nb.njit(cache=True)
def enter(state, params, allocation, conviction: float, step: int, flows, key) -> None:
    """Send the group's people in its own organization into the organizations of
    ``allocation`` (float64 ``(K,)`` summing to 1; the group's own share stays outside).

    Counts per host follow the largest-remainder rule; who goes where is a random draw; each
    entrant takes a random branch of the host, so the group sits spread among its branches.
    Each member is convinced of the step with chance ``conviction``; an unconvinced one
    breaks away with chance ``split_share`` (:func:`_break_away`), or else enters and, if
    cadre, makes no recruiting contacts ("your entry will be to no purpose").
    The order in which members are dealt out is keyed by who they are.
    """
    K = params.n_orgs
    alive = state.count[0]
    members = np.nonzero(state.faction[:alive] & (state.org[:alive] == params.group))[0]
    n = members.shape[0]
    if n == 0:
        return
    skey = step_key(key, ENTRY, step)
    rank = np.empty(n)
    for m in range(n):
        rank[m] = keyed(skey, state.ident[members[m]], 0)
    order = np.argsort(rank)
    exact = allocation * n
    counts = np.floor(exact).astype(np.int64)
    rest = exact - counts
    for _ in range(n - counts.sum()):
        m = np.argmax(rest)
        counts[m] += 1
        rest[m] = -1.0
    size = org_sizes(state, K)
    pos = 0
    for k in range(K):
        for _ in range(counts[k]):
            i = members[order[pos]]
            pos += 1
            if k != params.group:
                convinced = keyed(skey, state.ident[i], 1) < conviction
                if not convinced and params.split_share > 0.0 and keyed(skey, state.ident[i], 2) < params.split_share:
                    # the ignores: i is an int64 read from an index array; NumPy's stubs, given
                    # an element of order (Any), choose their overload that returns an array
                    _break_away(state, params, i, step, size, flows, skey)  # pyright: ignore[reportArgumentType]
                    continue
                move(state, params, i, k, step, size, flows, skey, np.int64(-1))  # pyright: ignore[reportArgumentType]
                if state.cadre[i]:
                    state.convinced[i] = convinced


@nb.njit(cache=True)
def _break_away(state, params, i: int, step: int, size, flows, skey) -> None:
    """Member ``i``, not convinced of the step, breaks away instead of entering: they leave
    the group for no organization, keeping their views (the British group split over entry in
    December 1933; the minority stayed outside)."""
    move(state, params, i, np.int64(params.n_orgs), step, size, flows, skey, np.int64(-1))
    state.faction[i] = False
    state.cadre[i] = False
    state.convinced[i] = False
    state.tally[TALLY_BROKE_AWAY] += state.weight[i]
