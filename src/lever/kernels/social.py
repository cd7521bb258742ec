"""Who talks to whom and how much they trust each other: helpers the mechanisms share."""

from __future__ import annotations

import numba
import numba as nb
import numpy as np

from lever.kernels.threads import Threaded


@nb.njit(cache=True, inline="always")
def trust(state, params, listener: int, speaker: int) -> float:
    """See :func:`trust_of`; unpacks what it needs so the call stays cheap."""
    return trust_of(state.org, state.faction, state.expelled_from, trust_table(params), listener, speaker)


@nb.njit(cache=True, inline="always")
def trust_table(params):
    """The few numbers :func:`trust_of` reads, as a small tuple (passing the whole ``params``
    into a helper costs a copy per call)."""
    return (
        params.n_orgs,
        params.group,
        params.trust_inside,
        params.trust_outside,
        params.trust_rival,
        params.trust_expelled,
        params.brand,
        params.declared_trust,
    )


@nb.njit(cache=True, inline="always")
def trust_of(org, faction, expelled_from, table, listener: int, speaker: int) -> float:
    """How much ``listener`` trusts ``speaker``, in [0, 1] (:func:`trust_between`)."""
    return trust_between(table, org[listener], org[speaker], faction[speaker], expelled_from[speaker])


@nb.njit(cache=True, inline="always")
def trust_between(table, k, speaker_org, speaker_faction, speaker_expelled_from) -> float:
    """How much a listener in organization ``k`` trusts a speaker (their organization, whether
    one of the group's people, who expelled them), in [0, 1].

    Lowest toward someone their own organization expelled, high between members of one
    organization ("fellow workers"; toward the group's people inside a host after a declared
    entry, times ``declared_trust``, at most 1), low toward outsiders, and lower still toward
    the group when it speaks from outside ("adversaries who want to split the party from
    outside"). Toward someone another organization expelled, the brand of splitters weighs
    in where it reaches (``brand``: the rival's members, that party's readers).
    """
    n_orgs, group, inside, outside, rival, expelled, brand, declared = table
    e = speaker_expelled_from
    if k < n_orgs and e == k:
        return expelled
    base = outside
    if k < n_orgs:
        if speaker_org == k:
            base = min(1.0, inside * declared[k]) if speaker_faction and k != group else inside
        elif speaker_faction and speaker_org == group:
            base = rival
    if e >= 0:
        b = brand[k, e]
        if b > 0.0:
            return b * expelled + (1.0 - b) * base
    return base


def regroup_branches(state, n_branches: int) -> None:
    """Rebuild the membership layer (``branch_start``, ``branch_members``) from ``branch``.

    A stable counting sort, O(n): agents of branch ``b`` are
    ``branch_members[branch_start[b]:branch_start[b + 1]]`` in index order; the unorganized
    follow the last. Counted and placed in slices of agents, on all threads for large fields:
    the result does not depend on how many slices or threads.
    """
    n = int(state.count[0])
    # a table of counts per slice and branch: no larger than a quarter of the agents' count
    slices = max(1, min(max(4, numba.get_num_threads()), n // (4 * (n_branches + 1))))
    _REGROUP(n, n, state.branch, state.branch_start, state.branch_members, n_branches, slices)


def _regroup_body(n, branch, branch_start, branch_members, n_branches, slices) -> None:
    """:func:`regroup_branches` on plain arrays; column ``n_branches`` holds the unorganized."""
    width = (n + slices - 1) // slices
    at = np.zeros((slices, n_branches + 1), np.int64)
    for c in nb.prange(slices):
        for i in range(c * width, min(n, (c + 1) * width)):
            b = branch[i]
            at[c, b if b >= 0 else n_branches] += 1
    # branch b starts after every agent of the branches before it, and within b, slice c
    # after the slices before c: counts become each slice's first place
    total = 0
    for b in range(n_branches + 1):
        branch_start[b] = total
        for c in range(slices):
            count = at[c, b]
            at[c, b] = total
            total += count
    for c in nb.prange(slices):
        for i in range(c * width, min(n, (c + 1) * width)):
            b = branch[i]
            col = b if b >= 0 else n_branches
            branch_members[at[c, col]] = i
            at[c, col] += 1


_REGROUP = Threaded(_regroup_body)


@nb.njit(cache=True)
def branches_of(branch, n: int, persons, n_branches: int) -> tuple[np.ndarray, np.ndarray]:
    """The membership layer of only the branches ``persons`` belong to, as
    :func:`regroup_branches` would build it now: ``(start, members)``, where
    ``members[start[b]:start[b + 1]]`` are the first ``n`` agents of such a branch ``b`` in
    index order, as in the State's layer; every other branch is listed empty. For a kernel that
    reads the branches of a few (the recruiting cadre): one pass over the agents' branches
    keeps those of such branches, and only they are sorted, where the whole layer's sort writes
    every agent (issue 28: a tenth of its cost)."""
    # wanted[b + 1]: 1 for a branch to list (0 for none, b = -1); the pass adds it, with no branch
    # on it (a test per agent ran eight times as long)
    wanted = np.zeros(n_branches + 2, np.int64)
    for c in persons:
        wanted[branch[c] + 1] = 1 if branch[c] >= 0 else 0
    kept = np.empty(n, np.int64)
    m = 0
    for i in range(n):
        kept[m] = i
        m += wanted[branch[i] + 1]
    start = np.zeros(n_branches + 1, np.int64)
    for t in range(m):
        start[branch[kept[t]] + 1] += 1
    for b in range(n_branches):
        start[b + 1] += start[b]
    members = np.empty(m, np.int64)
    at = start.copy()
    for t in range(m):
        b = branch[kept[t]]
        members[at[b]] = kept[t]
        at[b] += 1
    return start, members
