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
    entrant takes a random branch of the host, so the group sits spread among its branches, or,
    where branches differ in views (``branch_sorting`` > 0), a branch of its own, those nearest
    the group's line first (:func:`_sympathetic_branches`).
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
    ranked = _sympathetic_branches(state, params, alive) if params.branch_sorting > 0.0 else np.zeros(0, np.int64)
    _enter(state, params, allocation, conviction, step, flows, skey, members, order, ranked)


def _sympathetic_branches(state, params, alive: int) -> np.ndarray:
    """Every organization's branches, each organization's run ordered by its members' mean
    distance to the group's line, nearest first (where the group's people are, the host's left is:
    the Ligue's Parisians entered a Seine federation that leaned left)."""
    top = int(params.branch_offset[-1])
    inside = (state.branch[:alive] >= 0) & (state.org[:alive] < params.n_orgs)
    b = state.branch[:alive][inside]
    gap = np.linalg.norm(state.opinion[:alive][inside] - params.line, axis=1)
    w = state.weight[:alive][inside]
    total = np.bincount(b, weights=w, minlength=top)
    mean = np.divide(np.bincount(b, weights=w * gap, minlength=top), total, out=np.full(top, np.inf), where=total > 0)
    ranked = np.empty(top, np.int64)
    for k in range(params.n_orgs):
        lo, hi = int(params.branch_offset[k]), int(params.branch_offset[k + 1])
        ranked[lo:hi] = lo + np.argsort(mean[lo:hi], kind="stable")
    return ranked


@nb.njit(cache=True)
def _ranks(ident, members, skey) -> np.ndarray:
    """Each member's draw that deals them out."""
    rank = np.empty(members.shape[0])
    for m in range(members.shape[0]):
        rank[m] = keyed(skey, ident[members[m]], 0)
    return rank


@nb.njit(cache=True)
def _enter(state, params, allocation, conviction: float, step: int, flows, skey, members, order, ranked) -> None:
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
        placed = 0
        for _ in range(counts[k]):
            i = members[order[pos]]
            pos += 1
            if k != params.group:
                convinced = keyed(skey, state.ident[i], 1) < conviction
                if not convinced and params.split_share > 0.0 and keyed(skey, state.ident[i], 2) < params.split_share:
                    _break_away(state, params, i, step, size, flows, skey)
                    continue
                branch = np.int64(-1)
                if ranked.shape[0] > 0:  # one entrant a branch, the most sympathetic first
                    lo = params.branch_offset[k]
                    branch = np.int64(ranked[lo + placed % (params.branch_offset[k + 1] - lo)])
                    placed += 1
                move(state, params, i, k, step, size, flows, skey, branch)
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
