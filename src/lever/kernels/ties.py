"""Each member's ties by where they stand, counted once and recounted only where they changed
(issue 23's exit mechanisms, made cheap for issue 28).

Leaving reads, for every member, the share of its ties organized elsewhere less the share in
its own organization, and the share who recently left what it belongs to (McPherson, Popielarz
& Drobnic 1992; Granovetter 1978). Counted afresh each week, that is a pass over every tie of
the field, the cost of the week's leaving; but a week moves a few hundred persons of tens of
thousands, and a member's counts change only when it or one of its ties changed. So each
person keeps its counts (``State.tie_counts``) and the word its ties read of it when they were
counted (``State.tie_word``); a week recounts only the persons on the rows of the network
that hold someone whose word changed. The counts are whole numbers: the shares come out with
the same bits as a fresh count. A word of -1 (a new population, a person just split off)
matches no person's word, so the first week counts everyone.

The network is symmetric (:func:`lever.sim.engine.make_network` refuses one that is not) and its
nodes are the agents of step 0: the rows that hold node ``j`` are the rows of ``j``'s ties. A
person split off an agent is no node (ties name the agent it came from): its change moves nobody
else's counts. A run starts with every word -1 (:func:`lever.sim.engine.simulate`), so counts
never outlive the network they were taken on.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from lever.kernels.threads import Threaded

#: what a tie reads of a person, packed in one word: bits 0-15 its organization, 16 whether it
#: is one of the group's, 17-32 what it left + 1 if it left since the cascade's horizon (else
#: 0); bit 33, committed, is read by its own count only (the committed are not counted)
_FACTION, _GONE, _COMMITTED = 16, 17, 33

#: the three counts of a person packed in one word, each in 21 bits (lever.model.state.MAX_TIES)
_BITS = 21
_MASK = (1 << _BITS) - 1


def tie_shares(state, net, K: int, group: int, since: int) -> tuple[np.ndarray, np.ndarray]:
    """Each of the first ``state.count[0]`` persons' ``lean`` (the share of its ties organized
    elsewhere less the share in its own organization; for the group's people, among the
    group's people) and ``recent`` (the share of its ties who left the same organization, the
    group for its people, at step ``since`` or later). The unorganized, the committed and those
    with no tie get 0 (not read). Recounts where something changed and keeps the counts and
    words in ``state`` (module docstring)."""
    n = int(state.count[0])
    recount = rows_to_recount(state, net, since)
    lean, recent = np.empty(n), np.empty(n)
    _SHARES(n, n, state.org, state.committed, state.faction, state.social, net.indptr, net.indices, K, group,
            recount, state.tie_word, state.tie_counts, lean, recent)  # fmt: skip
    return lean, recent


def rows_to_recount(state, net, since: int) -> np.ndarray:
    """Each person's word brought up to date (``State.tie_word``), and the rows of the network whose
    persons' counts may have changed since they were kept (module docstring)."""
    n = int(state.count[0])
    changed = np.empty(n, np.bool_)
    _WORDS(n, n, state.org, state.committed, state.faction, state.left_at, state.left_from, since, state.tie_word,
           changed)  # fmt: skip
    return _rows_to_recount(n, changed, state.social, net.indptr, net.indices)


def _words_body(n, org, committed, faction, left_at, left_from, since, word, changed) -> None:
    """Each person's word now (into ``word``), and whether it differs from the one kept."""
    for j in nb.prange(n):
        gone = np.int64(left_from[j]) + 1 if left_at[j] >= since else 0
        now = (np.int64(org[j]) | (np.int64(faction[j]) << _FACTION) | (gone << _GONE)
               | (np.int64(committed[j]) << _COMMITTED))  # fmt: skip
        changed[j] = now != word[j]
        word[j] = now


_WORDS = Threaded(_words_body)


@nb.njit(cache=True)
def _rows_to_recount(n, changed, social, indptr, indices):
    """The rows whose persons' counts may have changed: a changed person's own row (its own
    counts), and, for a node of the network (an agent of step 0, whom ties name), the rows of
    its ties (theirs: the network is symmetric), whatever row it reads its own ties from."""
    nodes = indptr.shape[0] - 1
    recount = np.zeros(nodes, np.bool_)
    for j in range(n):
        if not changed[j]:
            continue
        recount[social[j]] = True
        if j < nodes:
            for e in range(indptr[j], indptr[j + 1]):
                recount[indices[e]] = True
    return recount


def _shares_body(n, org, committed, faction, social, indptr, indices, K, group, recount, word, counts, lean,
                 recent) -> None:  # fmt: skip
    """Each person's counts, recounted on the rows ``recount`` marks (else kept), and its shares."""
    for i in nb.prange(n):
        k = org[i]
        row = social[i]
        first = indptr[row]
        deg = indptr[row + 1] - first
        if k == K or committed[i] or deg == 0:
            lean[i] = 0.0
            recent[i] = 0.0
            continue
        if recount[row]:
            counts[i] = count_ties(word, indices, first, deg, k, group if faction[i] else k, faction[i], K)
        lean[i], recent[i] = shares(counts[i], deg)


@nb.njit(cache=True, inline="always")
def shares(counts, deg):
    """``lean`` and ``recent`` (:func:`tie_shares`) of a person's packed counts and its ``deg`` ties
    (at least one)."""
    inside = counts & _MASK
    outside = (counts >> _BITS) & _MASK
    left = counts >> (2 * _BITS)
    return (outside - inside) / deg, left / deg


@nb.njit(cache=True, inline="always")
def count_ties(word, indices, first, deg, k, mine, in_group, K):
    """A person's ties in its own organization (the group's people: in the group), elsewhere, and
    who left ``mine`` recently, packed in one word."""
    inside = outside = left = np.int64(0)
    for e in range(first, first + deg):
        wj = word[indices[e]]
        oj = wj & 0xFFFF
        if ((wj >> _FACTION) & 1 == 1) if in_group else oj == k:
            inside += 1
        elif oj != K:
            outside += 1
        if (wj >> _GONE) & 0xFFFF == mine + 1:
            left += 1
    return inside | (outside << _BITS) | (left << (2 * _BITS))


_SHARES = Threaded(_shares_body)
