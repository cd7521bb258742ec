"""Who talks to whom (branches, ties) and how much they trust each other."""

from __future__ import annotations

import numpy as np
import pytest

from lever.kernels.social import branch_mate, partner, regroup_branches, trust_of, trust_table

BIG, HOST, RIVAL, GROUP, K = 0, 1, 2, 3, 4


def test_trust_table_carries_the_params(hand):
    params = hand.params()
    assert trust_table(params) == (
        K, GROUP, params.trust_inside, params.trust_outside, params.trust_rival, params.trust_expelled
    )


@pytest.mark.parametrize(
    ("listener", "speaker", "expected"),
    [
        (0, 1, "trust_inside"),  # two host members
        (0, 2, "trust_outside"),  # host member hears a big-party member
        (0, 3, "trust_rival"),  # host member hears the group speaking from outside
        (0, 4, "trust_expelled"),  # host member hears one the host expelled
        (4, 0, "trust_outside"),  # the expelled one (in the group) hears a host member
        (5, 3, "trust_outside"),  # the unorganized hear the group as any outsider
        (2, 4, "trust_rival"),  # the big party did not expel them: the group from outside
        (3, 4, "trust_inside"),  # inside the group
        (6, 0, "trust_outside"),  # a recruit inside the big party hears a host member
        (0, 6, "trust_outside"),  # the group inside another party is no rival voice
    ],
)
def test_trust_of(hand, listener, speaker, expected):
    params = hand.params()
    org = np.array([HOST, HOST, BIG, GROUP, GROUP, K, BIG], np.int16)
    faction = np.array([False, False, False, True, True, False, True])
    expelled = np.array([-1, -1, -1, -1, HOST, -1, -1], np.int16)
    assert trust_of(org, faction, expelled, trust_table(params), listener, speaker) == getattr(params, expected)


def test_regroup_branches_builds_a_correct_csr(hand):
    rng = np.random.default_rng(0)
    n, nb = 500, hand.n_branches
    branch = rng.integers(-1, nb, n).astype(np.int32)
    org = np.full(n, K, np.int16)
    state = hand.state(org, np.full((n, 2), 0.5), branch=branch)
    regroup_branches(state, nb)
    start, members = state.branch_start, state.branch_members
    assert start[0] == 0 and np.all(np.diff(start) >= 0)
    assert start[nb] == np.count_nonzero(branch >= 0)
    for b in range(nb):
        listed = members[start[b]:start[b + 1]]
        assert sorted(listed) == sorted(np.nonzero(branch == b)[0])
    assert sorted(members[start[nb]:]) == sorted(np.nonzero(branch < 0)[0])
    assert np.array_equal(np.sort(members), np.arange(n))  # everyone exactly once


def test_branch_mate_is_another_member_and_reaches_all_of_them(hand):
    b = hand.first_branch(HOST)
    state = hand.state([HOST] * 4 + [K], np.full((5, 2), 0.5), branch=[b, b, b, b, -1])
    rng = np.random.default_rng(0)
    drawn = {int(branch_mate(state.branch, state.branch_start, state.branch_members, 2, rng)) for _ in range(300)}
    assert drawn == {0, 1, 3}
    assert branch_mate(state.branch, state.branch_start, state.branch_members, 4, rng) == -1


def test_alone_in_a_branch_and_without_ties_has_no_partner(hand):
    b = hand.first_branch(HOST)
    state = hand.state([HOST, HOST], np.full((2, 2), 0.5), branch=[b, b + 1])
    net = hand.net(2)
    links = (state.branch, state.branch_start, state.branch_members, net.indptr, net.indices)
    rng = np.random.default_rng(0)
    assert {partner(links, 0.5, 0, rng) for _ in range(50)} == {-1}


def test_partner_falls_back_to_social_ties(hand):
    state = hand.state([K, K, K], np.full((3, 2), 0.5))
    net = hand.net(3, [(0, 1), (0, 2)])
    links = (state.branch, state.branch_start, state.branch_members, net.indptr, net.indices)
    rng = np.random.default_rng(0)
    assert {partner(links, 1.0, 0, rng) for _ in range(100)} == {1, 2}
    assert {partner(links, 1.0, 1, rng) for _ in range(20)} == {0}
