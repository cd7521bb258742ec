"""The group's entry: its people move into the hosts its strategy allocates them to."""

from __future__ import annotations

import numba as nb
import numpy as np

from lever.kernels.draw import ENTRY, keyed, step_key
from lever.kernels.inner import inner
from lever.kernels.mobility import move, org_sizes
from lever.model.state import TALLY_BROKE_AWAY


def enter(state, params, allocation, conviction: float, step: int, flows, key) -> None:
    """Send the group's people in its own organization into the organizations of
    ``allocation`` (float64 ``(K,)`` summing to 1; the group's own share stays outside).

    Counts per host follow the largest-remainder rule; who goes where is a random draw; each
    entrant takes a random branch of the host, so the group sits spread among its branches.
    Each member is convinced of the step with chance ``conviction``; an unconvinced one
    breaks away with chance ``split_share`` (:func:`_break_away`), or else enters and, if
    cadre, makes no recruiting contacts ("your entry will be to no purpose").
    The order in which members are dealt out is keyed by who they are: sorted by a draw of
    each, here in NumPy (compiled, a sort is seconds of a cold first run's compile; the draws
    are 53-bit, so two members tie, where a sort's kind would matter, with chance ~n^2 / 2^54).
    """
    alive = int(state.count[0])
    members = np.flatnonzero(state.faction[:alive] & (state.org[:alive] == params.group))
    if members.shape[0] == 0:
        return
    skey = np.uint64(step_key(key, ENTRY, step))
    order = np.argsort(_ranks(state.ident, members, skey), kind="stable")
    _enter(state, params, allocation, conviction, step, flows, skey, members, order)


@nb.njit(cache=True)
def _ranks(ident, members, skey) -> np.ndarray:
    """Each member's draw that deals them out."""
    rank = np.empty(members.shape[0])
    for m in range(members.shape[0]):
        rank[m] = keyed(skey, ident[members[m]], 0)
    return rank


@nb.njit(cache=True)
def _enter(state, params, allocation, conviction: float, step: int, flows, skey, members, order) -> None:
    """The moves of :func:`enter`: ``members`` dealt out in ``order``."""
    K = params.n_orgs
    n = members.shape[0]
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
                    _break_away(state, params, i, step, size, flows, skey)
                    continue
                move(state, params, i, k, step, size, flows, skey, np.int64(-1))
                if state.cadre[i]:
                    state.convinced[i] = convinced


@inner
def _break_away(state, params, i: int, step: int, size, flows, skey) -> None:
    """Member ``i``, not convinced of the step, breaks away instead of entering: they leave
    the group for no organization, keeping their views (the British group split over entry in
    December 1933; the minority stayed outside)."""
    move(state, params, i, np.int64(params.n_orgs), step, size, flows, skey, np.int64(-1))
    state.faction[i] = False
    state.cadre[i] = False
    state.convinced[i] = False
    state.tally[TALLY_BROKE_AWAY] += state.weight[i]
