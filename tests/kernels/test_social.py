"""Who talks to whom (branches, ties) and how much they trust each other."""

from __future__ import annotations

import numpy as np
import pytest
from inner_calls import called

from lever.kernels import recruitment
from lever.kernels.draw import RECRUIT, step_key
from lever.kernels.social import branches_of, regroup_branches, trust_of, trust_table

BIG, HOST, RIVAL, GROUP, K = 0, 1, 2, 3, 4

contact = called(recruitment.contact)


def test_trust_table_carries_the_params(hand):
    params = hand.params()
    table = trust_table(params)
    assert table[:6] == (K, GROUP, params.trust_inside, params.trust_outside, params.trust_rival, params.trust_expelled)
    assert table[6] is params.brand and table[7] is params.declared_trust


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
        listed = members[start[b] : start[b + 1]]
        assert sorted(listed) == sorted(np.nonzero(branch == b)[0])
    assert sorted(members[start[nb] :]) == sorted(np.nonzero(branch < 0)[0])
    assert np.array_equal(np.sort(members), np.arange(n))  # everyone exactly once


def test_the_layer_of_a_few_branches_lists_them_as_the_whole_layer_does(hand):
    """branches_of (recruitment's view of its cadre's branches): each branch a chosen person
    belongs to lists the same agents in the same order as regroup_branches' layer; every other
    branch is empty; the unorganized chosen add nothing; only the first ``n`` agents count."""
    rng = np.random.default_rng(1)
    n, nb = 800, hand.n_branches
    branch = rng.integers(-1, nb, n).astype(np.int32)
    state = hand.state(np.full(n, K, np.int16), np.full((n, 2), 0.5), branch=branch)
    regroup_branches(state, nb)
    chosen = np.array([3, 17, 17, 400, int(np.flatnonzero(branch < 0)[0])])
    start, members = branches_of(branch, n, chosen, nb)
    wanted = {int(branch[c]) for c in chosen if branch[c] >= 0}
    assert len(wanted) >= 3
    for b in range(nb):
        listed = members[start[b] : start[b + 1]].tolist()
        whole = state.branch_members[state.branch_start[b] : state.branch_start[b + 1]].tolist()
        assert listed == (whole if b in wanted else [])
    first = branches_of(branch, 300, chosen[:2], nb)
    b = int(branch[3])
    assert b >= 0
    assert first[1][first[0][b] : first[0][b + 1]].tolist() == [i for i in range(300) if branch[i] == b]


def _contacts(state, net, c, branch_talk=0.5, draws=300):
    """Whom cadre member ``c`` approaches over ``draws`` keyed draws."""
    keys = (np.uint64(step_key(np.uint64(3), RECRUIT, t)) for t in range(draws))
    return {
        int(contact(state, net, state.branch_start, state.branch_members, c, branch_talk, GROUP, k, 1)) for k in keys
    }


def test_a_contact_inside_a_host_is_a_branch_mate_or_a_social_tie_never_one_of_the_group(hand):
    b = hand.first_branch(HOST)
    # 0 is the group's, inside the host: branch mates 1, 2 and 3 (3 is the group's too), tie 4
    state = hand.state(
        [HOST] * 4 + [K], np.full((5, 2), 0.5), branch=[b, b, b, b, -1], faction=[True, False, False, True, False]
    )
    net = hand.net(5, [(0, 4), (0, 3)])
    # -1: every try this time fell on the group's own (a few percent of contacts)
    assert _contacts(state, net, 0) - {-1} == {1, 2, 4}
    assert _contacts(state, net, 0, branch_talk=0.0) - {-1} == {4}


def test_outside_the_group_recruits_through_its_ties_not_its_branch(hand):
    b = hand.first_branch(GROUP)
    state = hand.state(
        [GROUP, GROUP, K, K], np.full((4, 2), 0.5), branch=[b, b, -1, -1], faction=[True, True, False, False]
    )
    net = hand.net(4, [(0, 1), (0, 2), (0, 3)])
    assert _contacts(state, net, 0, branch_talk=1.0) - {-1} == {2, 3}


def test_a_contact_with_nobody_to_approach_is_none(hand):
    b = hand.first_branch(HOST)
    state = hand.state([HOST, HOST], np.full((2, 2), 0.5), branch=[b, b + 1], faction=[True, False])
    assert _contacts(state, hand.net(2), 0) == {-1}


def test_a_split_off_person_reads_the_ties_of_the_agent_it_came_from(hand):
    state = hand.state([K, K, K], np.full((3, 2), 0.5), faction=[True, False, False], social=[1, 1, 2])
    net = hand.net(3, [(1, 2)])  # row 1 (which 0 reads) knows 2 only
    assert _contacts(state, net, 0) == {2}


# -- the brand of splitters and the prestige of a declaration (issue 11) ---------------------

#: 0 a rival member, 1 an unorganized reader, 2 a big-party member, 3 one the host expelled
#: (back in the group), 4 a host member, 5 the group's person inside the host
_ORG = np.array([RIVAL, K, BIG, GROUP, HOST, HOST], np.int16)
_FACTION = np.array([False, False, False, True, False, True])
_EXPELLED = np.array([-1, -1, -1, HOST, -1, -1], np.int16)


def _trust(params, listener, speaker):
    return trust_of(_ORG, _FACTION, _EXPELLED, trust_table(params), listener, speaker)


def test_without_branding_only_the_expelling_partys_members_distrust_the_expelled(hand):
    params = hand.params()
    assert not params.brand.any()
    assert _trust(params, 4, 3) == params.trust_expelled
    assert _trust(params, 0, 3) == params.trust_rival  # the rival hears the group from outside
    assert _trust(params, 1, 3) == params.trust_outside


@pytest.mark.parametrize("branding", [0.3, 1.0])
def test_branding_lowers_the_trust_of_the_rivals_members_and_the_hosts_readers(hand, tiny, branding):
    from lever.model.build import build_params
    from lever.model.loading import with_values

    params = build_params(with_values(tiny, {"dynamics.branding": branding}, "test"), None)
    te = params.trust_expelled
    # the rival's members: the brand reaches them with weight ``branding``
    assert _trust(params, 0, 3) == pytest.approx(branding * te + (1 - branding) * params.trust_rival)
    # the unorganized read the host's paper (circulation 0.05 among them): that share of it
    b = branding * 0.05
    assert _trust(params, 1, 3) == pytest.approx(b * te + (1 - b) * params.trust_outside)
    # the big party reads no paper of the host's: untouched
    assert _trust(params, 2, 3) == params.trust_rival
    assert _trust(params, 4, 3) == te
    assert _trust(params, 0, 3) < params.trust_rival and _trust(params, 1, 3) < params.trust_outside


@pytest.mark.parametrize(("change", "expected"), [(0.05, 0.9 * 1.05), (0.5, 1.0), (-0.3, 0.9 * 0.7)])
def test_a_declared_entry_scales_the_host_members_trust_in_the_groups_people_inside(hand, tiny, change, expected):
    from lever.model.build import build_params
    from lever.model.loading import with_values

    field = with_values(tiny, {"dynamics.declaration_trust": change}, "test")
    declared = build_params(field, field.strategies["enter"])
    undeclared = build_params(field, field.strategies["enter_individuals"])
    assert _trust(declared, 4, 5) == pytest.approx(expected)  # capped at 1
    assert _trust(undeclared, 4, 5) == declared.trust_inside
    assert _trust(declared, 5, 4) == declared.trust_inside  # the group's person hears as before
