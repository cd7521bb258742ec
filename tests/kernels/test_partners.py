"""Issue 23, whom one talks with: homophily (the nearer of two partners) and encapsulation (recruits
in training talk with the group's cadre)."""

from __future__ import annotations

import numba as nb
import numpy as np
import pytest

from lever.kernels.conversation import _choose_nearer, _encapsulate, _pack, _second, _second_slot
from lever.kernels.draw import keyed, keyed_below
from lever.kernels.opinion import distance
from lever.model.loading import with_values

BIG, HOST, RIVAL, GROUP, K = 0, 1, 2, 3, 4


@nb.njit
def _choose(opinion, who, ident, links, talk, active, pi, ps, pj, pq, pr, pw, m, ekey, encapsulation, cadre, hkey,
            homophily):  # fmt: skip
    """Issue 23's partner choice for the talks ``pi[:m]`` (slots ``ps``, first partners ``pj``,
    replaced where the choice says), as :func:`_talks` makes it: homophily's second partner
    (:func:`_second_slot`, :func:`_second`), then :func:`_encapsulate`, then
    :func:`_choose_nearer`. :func:`_talks` draws the second partner in the passes that draw the
    first (their loads overlap); this is the same choice in passes of its own, for these tests.
    ``pq`` is scratch, ``pw`` and ``pr`` hold the second draw's uniform and partner."""
    branch, branch_start, members, indptr, indices, social = links
    if homophily > 0.0:
        for b in range(m):
            pw[b], pq[b] = _second_slot(branch, branch_start, ident, hkey, talk, pi[b], ps[b])
            pr[b] = _second(branch, branch_start, members, indptr, indices, social, pi[b], pq[b], pw[b], pj[b])
    if encapsulation > 0.0 and active and cadre.shape[0] > 0:
        _encapsulate(who, ident, pi, ps, pj, pr, m, ekey, encapsulation, cadre)
    if homophily > 0.0:
        _choose_nearer(opinion, ident, pi, ps, pj, pr, m, hkey, homophily)


def _ring(hand, faction=None, committed=None):
    """Person 0 at (0.5, 0.5) tied to 20 others spread along the first axis (0.5 .. 1.45)."""
    n = 21
    opinion = np.column_stack([0.5 + 0.05 * np.arange(n) * (np.arange(n) > 0), np.full(n, 0.5)])
    state = hand.state([HOST] * n, opinion, faction=faction or [False] * n, committed=committed or [False] * n)
    net = hand.net(n, [(0, j) for j in range(1, n)])
    who = np.array([_pack(state.org[i], state.expelled_from[i], state.stratum[i], state.committed[i],
                          state.faction[i]) for i in range(n)], np.int64)  # fmt: skip
    links = (state.branch, state.branch_start, state.branch_members, net.indptr, net.indices, state.social)
    return state, who, links


NOBODY = np.zeros(0, np.int64)


def _partners(state, who, links, encapsulation, homophily, cadre=NOBODY):
    """Partners of person 0 in 2,000 talks (first partners, its ties, from a fixed stream) as the
    sweep's stages choose them, and the first ones."""
    rng = np.random.default_rng(3)
    indptr, indices = links[3], links[4]
    first = indices[indptr[0] + np.minimum((rng.random(2000) * 20).astype(np.int64), 19)]
    m = first.shape[0]
    talker, slot = np.zeros(m, np.int64), np.arange(m, dtype=np.int64)
    chosen, scratch, kind = first.copy(), np.empty(m, np.int64), np.empty(m, np.int64)
    _choose(state.opinion, who, state.ident, links, 0.0, True, talker, slot, chosen, scratch, kind, np.empty(m), m,
            np.uint64(5), encapsulation, cadre, np.uint64(6), homophily)  # fmt: skip
    return first, chosen


@pytest.mark.parametrize("homophily", [10.0, 0.0])
def test_homophily_brings_partners_nearer(hand, homophily):
    """McPherson, Smith-Lovin & Cook (2001): with homophily 10 the mean distance to one's partners falls
    well below that of the first drawn; at 0 every partner is the first drawn (the sign fails there)."""
    state, who, links = _ring(hand)
    first, chosen = _partners(state, who, links, 0.0, homophily)
    d = np.abs(state.opinion[:, 0] - 0.5)
    if homophily == 0.0:
        assert np.array_equal(first, chosen)
        return
    assert d[chosen].mean() < 0.75 * d[first].mean()


@pytest.mark.parametrize("encapsulation", [0.6, 0.0])
def test_a_recruit_in_training_talks_with_the_cadre_in_the_share_encapsulation_says(hand, encapsulation):
    """Greil & Rudy (1984): a recruit (person 0: the group's, not committed) talks with the cadre
    (persons 19 and 20, whom its ties do not favour) in about the share ``encapsulation`` of its talks
    beyond the 2 in 20 its ties give; off, only those."""
    faction = [True] + [False] * 18 + [True, True]
    state, who, links = _ring(hand, faction=faction, committed=[False] * 19 + [True, True])
    _, chosen = _partners(state, who, links, encapsulation, 0.0, cadre=np.array([19, 20], np.int64))
    share = np.isin(chosen, [19, 20]).mean()
    assert share == pytest.approx(encapsulation + (1 - encapsulation) * 2 / 20, abs=0.04)


def _chosen_reference(
    opinion, who, ident, links, talk, active, i, slot, j, ekey, encapsulation, cadre, hkey, homophily
):
    """The choice of one talk as the engine made it talk by talk before the staged passes
    (plain Python over the same keyed draws): the reference the passes must equal."""
    branch, branch_start, branch_members, indptr, indices, social = links
    wi = int(who[i])
    trainee = (wi >> 41) & 1 and not (wi >> 40) & 1
    if encapsulation > 0.0 and active and trainee and cadre.shape[0] > 0:
        if keyed(ekey, ident[i], 3 * slot) < encapsulation:
            return int(cadre[keyed_below(ekey, ident[i], 3 * slot + 1, cadre.shape[0])])
    if homophily > 0.0 and j >= 0:
        u, v = keyed(hkey, ident[i], 3 * slot), keyed(hkey, ident[i], 3 * slot + 1)
        other = -1
        br = branch[i]
        if br >= 0 and u < talk and branch_start[br + 1] - branch_start[br] >= 2:
            first, size = branch_start[br], branch_start[br + 1] - branch_start[br]
            other = branch_members[first + min(int(v * (size - 1)), size - 2)]
            if other == i:
                other = branch_members[branch_start[br + 1] - 1]
        else:
            row = social[i]
            deg = indptr[row + 1] - indptr[row]
            if deg > 0:
                other = indices[indptr[row] + min(int(v * deg), deg - 1)]
        if other >= 0 and other != i:
            gap = distance(opinion, i, j) - distance(opinion, i, other)
            if gap > 0.0 and keyed(hkey, ident[i], 3 * slot + 2) < 1.0 - np.exp(-homophily * gap):
                return int(other)
    return int(j)


def test_the_staged_passes_choose_as_the_talk_by_talk_rule_did(tiny):
    """A random block of talks in a built field (branches, ties, the group's trainees and cadre, some
    talks with no first partner): ``_choose`` gives every talk the partner the talk-by-talk rule
    gives, encapsulation and homophily on together (the same on any number of threads:
    tests/kernels/test_threads.py)."""
    from lever.sim.engine import build_world

    state, net = build_world(with_values(tiny, {"organizations.group.size": 60.0}), 4)
    n = state.n
    rng = np.random.default_rng(8)
    state.faction[rng.choice(n, 40, replace=False)] = True  # trainees and cadre among everyone
    state.committed[rng.choice(np.flatnonzero(state.faction[:n]), 10, replace=False)] = True
    who = np.array([_pack(state.org[i], state.expelled_from[i], state.stratum[i], state.committed[i],
                          state.faction[i]) for i in range(n)], np.int64)  # fmt: skip
    links = (state.branch, state.branch_start, state.branch_members, net.indptr, net.indices, state.social)
    cadre = np.flatnonzero(state.faction[:n] & state.committed[:n])
    m = 3000
    talker = rng.integers(0, n, m)
    slot = rng.integers(0, 5, m)
    first = np.where(rng.random(m) < 0.1, -1, rng.integers(0, n, m))
    keys = (np.uint64(11), 0.5, cadre, np.uint64(12), 5.0)
    want = [_chosen_reference(state.opinion, who, state.ident, links, 0.5, True, int(talker[b]), int(slot[b]),
                              int(first[b]), *keys) for b in range(m)]  # fmt: skip
    chosen = first.copy()
    _choose(state.opinion, who, state.ident, links, 0.5, True, talker, slot, chosen, np.empty(m, np.int64),
            np.empty(m, np.int64), np.empty(m), m, *keys)  # fmt: skip
    assert chosen.tolist() == want
    assert (chosen != first).mean() > 0.1  # the rule did choose: not a block of first partners


def _first_reference(branch, branch_start, branch_members, indptr, indices, social, talk, i, u, v):
    """The first partner as the talk-by-talk engine drew it (plain Python, with branches)."""
    br = branch[i]
    if br >= 0 and u < talk and branch_start[br + 1] - branch_start[br] >= 2:
        first, size = branch_start[br], branch_start[br + 1] - branch_start[br]
        j = branch_members[first + min(int(v * (size - 1)), size - 2)]
        return int(branch_members[branch_start[br + 1] - 1] if j == i else j)
    row = social[i]
    deg = indptr[row + 1] - indptr[row]
    return int(indices[indptr[row] + min(int(v * deg), deg - 1)]) if deg > 0 else -1


def test_the_sweeps_own_passes_choose_as_the_talk_by_talk_rule_did(tiny):
    """The passes the sweep runs (``_talks``: the first and second partners drawn together, then
    encapsulation, then the nearer) give every talk the partner the talk-by-talk rule gives, for the
    first partner and the choice alike; ``_choose`` is the same choice in passes of its own."""
    from inner_calls import called

    from lever.kernels.conversation import _talks, _trust_of_kinds
    from lever.kernels.draw import CONVERSE, step_key
    from lever.kernels.social import trust_table
    from lever.model.build import build_params
    from lever.sim.engine import build_world

    field = with_values(tiny, {"organizations.group.size": 60.0})
    state, net = build_world(field, 4)
    n = state.n
    rng = np.random.default_rng(8)
    state.faction[rng.choice(n, 40, replace=False)] = True
    state.committed[rng.choice(np.flatnonzero(state.faction[:n]), 10, replace=False)] = True
    who = np.array([_pack(state.org[i], state.expelled_from[i], state.stratum[i], state.committed[i],
                          state.faction[i]) for i in range(n)], np.int64)  # fmt: skip
    links = (state.branch, state.branch_start, state.branch_members, net.indptr, net.indices, state.social)
    cadre = np.flatnonzero(state.faction[:n] & state.committed[:n])
    params = build_params(field, None)
    m = 3000
    talker = rng.integers(0, n, m)
    slot = 2 * rng.integers(0, 3, m)
    skey = np.uint64(step_key(np.uint64(5), CONVERSE, 2))
    keys = (np.uint64(11), 0.5, cadre, np.uint64(12), 5.0)
    opinion = state.opinion.copy()  # the choice reads opinions before the block's exchanges
    want = []
    for b in range(m):
        i, s = int(talker[b]), int(slot[b])
        first = _first_reference(*links, 0.5, i, keyed(skey, state.ident[i], s), keyed(skey, state.ident[i], s + 1))
        want.append(_chosen_reference(opinion, who, state.ident, links, 0.5, True, i, s, first, *keys))
    pj = np.empty(m, np.int64)
    scratch = [np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m), np.empty(m), np.empty(m)]
    called(_talks)(state.with_capacity(n + 4 * m), opinion.copy(), state.uncertainty.copy(), who, state.ident, links,
                   params.receptivity, _trust_of_kinds(trust_table(params)), params.convergence, params.confidence,
                   0.5, True, skey, 0.0, talker, slot, pj, *scratch[:2], *scratch[2:], np.int64(m), keys)  # fmt: skip
    assert pj.tolist() == want
