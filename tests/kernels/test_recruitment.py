"""Mechanism 5, recruitment: only those tied to a convinced cadre member, near the line."""

from __future__ import annotations

import numpy as np
import pytest
from inner_calls import called

from lever.kernels import recruitment
from lever.kernels.draw import RECRUIT, step_key
from lever.kernels.recruitment import recruit
from lever.model.state import (
    TALLY_HOST_LEFT_TO_GROUP,
    TALLY_HOST_WON_INSIDE,
    TALLY_MISSED,
    TALLY_RECRUITED,
    TALLY_SPLIT,
)

BIG, HOST, RIVAL, GROUP, K = 0, 1, 2, 3, 4
LINE = [0.9, 0.95]

contact = called(recruitment.contact)


def _cadre(n_others: int, **arrays):
    """Agent 0 is a convinced cadre member; the others are given by ``arrays``."""
    out = {
        "committed": [True] + [False] * n_others,
        "faction": [True] + [False] * n_others,
        "cadre": [True] + [False] * n_others,
        "convinced": [True] + [False] * n_others,
    }
    out.update(arrays)
    return out


def test_person_without_ties_is_never_recruited_but_a_tied_one_is(hand):
    params = hand.params(recruit_prob=1.0, recruit_contacts=3.0, training_steps=1000)
    g, big = hand.first_branch(GROUP), hand.first_branch(BIG)
    # 0 cadre; 1 tied, unorganized; 2 untied, unorganized; 3 alone in a big-party branch, untied
    state = hand.state([GROUP, K, K, BIG], [LINE] * 4, branch=[g, -1, -1, big], **_cadre(3))
    net = hand.net(4, [(0, 1)])
    flows = hand.flows()
    for step in range(1, 60):
        recruit(state, params, net, step, flows, np.uint64(0))
    assert state.faction[1] and state.org[1] == GROUP
    assert not state.faction[2] and state.org[2] == K
    assert not state.faction[3] and state.org[3] == BIG
    assert flows.sum() == 1.0


def test_outside_recruit_moves_into_the_recruiters_organization_and_branch(hand):
    params = hand.params(recruit_prob=1.0, recruit_contacts=1.0, trust_outside=1.0)
    b = hand.first_branch(HOST) + 2
    state = hand.state([HOST, K], [LINE, [0.85, 0.9]], branch=[b, -1], satisfaction=[1.0, 0.3], **_cadre(1))
    flows = hand.flows()
    recruit(state, params, hand.net(2, [(0, 1)]), 5, flows, np.uint64(0))
    assert state.org[1] == HOST and state.branch[1] == b
    assert state.faction[1] and state.faction_since[1] == 5 and not state.cadre[1]
    assert state.satisfaction[1] == 1.0
    assert flows[K, HOST] == 1.0 and flows.sum() == 1.0
    # not a host member: nothing tallied of the host's (the funnel counts the contact and recruit)
    assert not state.tally[[TALLY_HOST_LEFT_TO_GROUP, TALLY_HOST_WON_INSIDE, TALLY_SPLIT]].any()
    assert state.tally[TALLY_RECRUITED] == 1.0


def test_recruiting_a_coarse_contact_splits_exactly_one_person_off(hand):
    params = hand.params(recruit_prob=1.0, recruit_contacts=1.0, trust_outside=1.0)
    b = hand.first_branch(HOST) + 2
    state = hand.state(
        [HOST, K], [LINE, [0.85, 0.9]], room=3, branch=[b, -1], weight=[1.0, 4.0], satisfaction=[1.0, 0.3], **_cadre(1)
    )
    flows = hand.flows()
    recruit(state, params, hand.net(2, [(0, 1)]), 5, flows, np.uint64(0))
    assert state.n == 3 and state.tally[TALLY_SPLIT] == 1
    assert state.weight[:3].tolist() == [1.0, 3.0, 1.0]
    # the agent stays where it was; the person split off joins, into the recruiter's branch
    assert state.org[1] == K and not state.faction[1] and state.satisfaction[1] == 0.3
    assert state.org[2] == HOST and state.branch[2] == b and state.faction[2] and state.faction_since[2] == 5
    assert state.root[2] == 1 and state.social[2] == 1 and state.ident[2] != state.ident[1]
    assert np.array_equal(state.opinion[2], state.opinion[1])
    assert flows[K, HOST] == 1.0 and flows.sum() == 1.0


def test_without_room_a_coarse_contact_is_not_recruited(hand):
    params = hand.params(recruit_prob=1.0, recruit_contacts=1.0, trust_outside=1.0)
    b = hand.first_branch(HOST) + 2
    state = hand.state([HOST, K], [LINE, [0.85, 0.9]], branch=[b, -1], weight=[1.0, 4.0], **_cadre(1))
    flows = hand.flows()
    recruit(state, params, hand.net(2, [(0, 1)]), 5, flows, np.uint64(0))
    assert state.n == 2 and state.org[1] == K and not state.faction[1] and state.weight[1] == 4.0
    assert state.tally[TALLY_MISSED] == 1 and flows.sum() == 0


def test_recruit_inside_a_host_stays_a_member_of_the_host(hand):
    params = hand.params(recruit_prob=1.0, recruit_contacts=1.0, trust_inside=1.0)
    state = hand.state([HOST, HOST], [LINE, [0.85, 0.9]], **_cadre(1))
    flows = hand.flows()
    recruit(state, params, hand.net(2, [(0, 1)]), 3, flows, np.uint64(0))
    assert state.faction[1] and state.org[1] == HOST
    assert flows.sum() == 0
    assert state.tally[TALLY_HOST_WON_INSIDE] == 1 and state.tally[TALLY_HOST_LEFT_TO_GROUP] == 0


def test_a_host_member_recruited_from_outside_leaves_the_host_for_the_group(hand):
    params = hand.params(recruit_prob=1.0, recruit_contacts=1.0, trust_rival=1.0)  # the group outside
    g = hand.first_branch(GROUP)
    state = hand.state([GROUP, HOST], [LINE, [0.85, 0.9]], branch=[g, -1], **_cadre(1))
    flows = hand.flows()
    recruit(state, params, hand.net(2, [(0, 1)]), 3, flows, np.uint64(0))
    assert state.faction[1] and state.org[1] == GROUP and state.branch[1] == g
    assert flows[HOST, GROUP] == 1.0
    assert state.tally[TALLY_HOST_LEFT_TO_GROUP] == 1 and state.tally[TALLY_HOST_WON_INSIDE] == 0


def test_far_from_the_line_committed_or_already_in_the_group_are_not_recruited(hand):
    params = hand.params(recruit_prob=1.0, recruit_contacts=5.0, trust_outside=1.0, training_steps=1000)
    far = [LINE[0] - params.recruit_radius - 0.01, LINE[1]]
    assert params.recruit_radius == params.confidence  # capped: one beyond it would not listen
    state = hand.state(
        [GROUP, K, K, K],
        [LINE, far, LINE, LINE],
        **_cadre(
            3, committed=[True, False, True, False], faction=[True, False, False, True], faction_since=[0, 0, 0, 0]
        ),
    )
    net = hand.net(4, [(0, 1), (0, 2), (0, 3)])
    flows = hand.flows()
    for step in range(1, 30):
        recruit(state, params, net, step, flows, np.uint64(0))
    assert np.array_equal(state.org, [GROUP, K, K, K])
    assert np.array_equal(state.faction, [True, False, False, True])
    assert flows.sum() == 0


def test_unconvinced_or_unorganized_cadre_do_not_recruit(hand):
    params = hand.params(recruit_prob=1.0, recruit_contacts=5.0, trust_outside=1.0, trust_inside=1.0)
    state = hand.state(
        [HOST, HOST, K, K],
        [LINE] * 4,
        committed=[True, False, True, False],
        faction=[True, False, True, False],
        cadre=[True, False, True, False],
        convinced=[False, False, True, False],
    )
    net = hand.net(4, [(0, 1), (2, 3)])
    for step in range(1, 30):
        recruit(state, params, net, step, flows := hand.flows(), np.uint64(0))
        assert flows.sum() == 0
    assert not state.faction[1] and not state.faction[3]


def test_recruits_become_cadre_after_training(hand):
    params = hand.params(recruit_prob=0.0, training_steps=3)
    state = hand.state([HOST, GROUP], [LINE, LINE], faction=[True, True], faction_since=[10, 11])
    key = np.uint64(0)
    recruit(state, params, hand.net(2), 12, hand.flows(), key)
    assert not state.cadre.any() and not state.committed.any()
    recruit(state, params, hand.net(2), 13, hand.flows(), key)
    assert np.array_equal(state.cadre, [True, False])
    assert np.array_equal(state.committed, [True, False])
    assert np.array_equal(state.convinced, [True, False])
    recruit(state, params, hand.net(2), 14, hand.flows(), key)
    assert state.cadre.all() and state.committed.all() and state.convinced.all()


def _contacts(state, net, c, branch_talk, group, runs=2000):
    keys = (np.uint64(step_key(np.uint64(1), RECRUIT, t)) for t in range(runs))
    return [contact(state, net, state.branch_start, state.branch_members, c, branch_talk, group, k, 1) for k in keys]


def test_a_cadre_member_inside_another_organization_approaches_branch_mates(hand):
    b = hand.first_branch(HOST)
    # 0 cadre in a host branch with 1 and 2 (2 also of the group), no social ties
    state = hand.state([HOST, HOST, HOST], [LINE] * 3, branch=[b, b, b], faction=[True, False, True])
    met = _contacts(state, hand.net(3), 0, 1.0, GROUP)
    # the mate is drawn among the branch's three: 1 with chance 1/3; 0 itself or 2 give no one
    assert set(met) == {1, -1}
    share = np.mean(np.array(met) == 1)
    assert share == pytest.approx(1 / 3, abs=4 * np.sqrt(2 / 9 / len(met)))
    assert set(_contacts(state, hand.net(3), 0, 0.0, GROUP)) == {-1}  # branch_talk 0: the network only


def test_outside_the_groups_branch_is_no_one_to_approach(hand):
    g = hand.first_branch(GROUP)
    state = hand.state([GROUP, GROUP, K], [LINE] * 3, branch=[g, g, -1], faction=[True, False, False])
    assert set(_contacts(state, hand.net(3), 0, 1.0, GROUP, 300)) == {-1}
    # its social neighbours it does approach
    assert set(_contacts(state, hand.net(3, [(0, 2)]), 0, 1.0, GROUP, 300)) == {2}


def test_contacts_pass_over_the_groups_people_and_use_the_agents_row(hand):
    # 3 is a cadre member split off 0: it knows whom 0 knew (1 and 2, of whom 1 is the group's)
    state = hand.state([K, K, K, K], [LINE] * 4, faction=[True, True, False, True], social=[0, 1, 2, 0])
    net = hand.net(4, [(0, 1), (0, 2)])
    met = _contacts(state, net, 3, 0.0, GROUP)
    assert set(met) == {2, -1}
    # up to four tries, each finding 2 with chance 1/2
    share = np.mean(np.array(met) == 2)
    assert share == pytest.approx(1 - 0.5**4, abs=4 * np.sqrt(0.0586 / len(met)))


# -- the gag and the rebuilding of contacts (issue 11) -----------------------------------------


def _inside_recruiter(hand, n_contacts: int):
    """Agent 0, a convinced cadre member inside the host, tied to ``n_contacts`` host members on
    the line."""
    n = n_contacts + 1
    h = hand.first_branch(HOST)
    state = hand.state([HOST] * n, [LINE] * n, branch=[h] * n, **_cadre(n_contacts))
    return state, hand.net(n, [(0, j) for j in range(1, n)])


@pytest.mark.parametrize("gag", [0.3, 0.8])
def test_a_gagged_current_recruits_the_expected_fraction(hand, gag):
    h, vis = 0.9, 1.0
    base = {
        "homogeneity": np.full(4, h),
        "visibility": np.full(4, vis),
        "recruit_prob": 0.3,
        "recruit_contacts": 1.0,
        "training_steps": 1000,
    }
    won = {}
    for g in (0.0, gag):
        params = hand.params("enter", gag=g, **base)
        count = 0
        for step in range(1, 3001):
            state, net = _inside_recruiter(hand, 30)
            recruit(state, params, net, step, hand.flows(), np.uint64(1))
            count += np.count_nonzero(state.faction[1:])
        won[g] = count
    f = 1 - gag * h * vis
    # the same keyed draws: the gagged run's recruits are those of the free run with u < p f
    assert won[gag] / won[0.0] == pytest.approx(f, abs=4 * np.sqrt(f * (1 - f) / won[0.0]))


def test_outside_the_gag_does_not_reach(hand):
    g = hand.first_branch(GROUP)
    params = hand.params(gag=1.0, homogeneity=np.ones(4), recruit_prob=1.0, recruit_contacts=3.0)
    state = hand.state([GROUP, K], [LINE] * 2, branch=[g, -1], **_cadre(1))
    for step in range(1, 60):
        recruit(state, params, hand.net(2, [(0, 1)]), step, hand.flows(), np.uint64(0))
    assert state.faction[1]


def test_after_an_expulsion_a_group_without_its_paper_rebuilds_its_contacts_over_the_stated_time(hand):
    from lever.kernels.recruitment import _rebuilt

    g = hand.first_branch(GROUP)
    params = hand.params("enter", rebuild_steps=10)
    state = hand.state([GROUP, GROUP, HOST], [LINE] * 3, branch=[g, g, -1], expelled_from=[HOST, -1, -1], **_cadre(2))
    state.expulsion[HOST] = 5
    assert [_rebuilt(state, params, 0, t) for t in (5, 6, 10, 15, 30)] == [0.0, 0.1, 0.5, 1.0, 1.0]
    assert _rebuilt(state, params, 1, 6) == 1.0  # never expelled
    assert _rebuilt(state, hand.params("enter", rebuild_steps=-1), 0, 6) == 1.0  # the mechanism off
    # fewer contacts, fewer recruits: expelled cadre tied to 40 unorganized on the line
    n = 41
    params = hand.params("enter", rebuild_steps=20, recruit_prob=1.0, recruit_contacts=2.0, training_steps=1000)
    won = []
    for t in (6, 15, 40):
        state = hand.state(
            [GROUP] + [K] * 40, [LINE] * n, branch=[g] + [-1] * 40, expelled_from=[HOST] + [-1] * 40, **_cadre(40)
        )
        state.expulsion[HOST] = 5
        for step in range(t, t + 5):
            recruit(state, params, hand.net(n, [(0, j) for j in range(1, n)]), step, hand.flows(), np.uint64(2))
        won.append(np.count_nonzero(state.faction[1:]))
    assert won[0] < won[1] < won[2]


def test_recruiting_from_its_cadres_branch_lists_draws_as_from_the_whole_layer_rebuilt():
    """Recruitment lists its cadre's branches itself (lever.kernels.social.branches_of) where the
    step used to rebuild the whole membership layer before it: britain-1933 inside the ILP, the
    layer as the step's start built it and a week's moves since, recruiting from its own lists
    and from the whole layer rebuilt give the same bits in every array of the population."""
    from lever.kernels.entry import enter
    from lever.kernels.recruitment import _recruit, _train
    from lever.kernels.social import regroup_branches
    from lever.model.build import allocation_vector, build_params
    from lever.model.loading import load
    from lever.model.state import TALLY_CONTACTS, TALLY_RECRUITED
    from lever.sim.engine import build_world, step, with_room

    scenario = load("britain-1933")
    chosen = scenario.strategies[scenario.default_strategy]
    world = build_world(scenario, 4)
    state, net = world.state.copy(), world.network
    state.tie_word[:] = -1
    params = build_params(scenario, chosen)
    K, key = params.n_orgs, np.uint64(5)
    flows = np.zeros((K + 1, K + 1))
    n_branches = state.branch_start.shape[0] - 1
    for t in range(1, 13):
        state = with_room(state, params)
        if t == 1:
            enter(state, params, allocation_vector(scenario, chosen), chosen.conviction, t, flows, key)
        step(state, params, net, t, flows, key, n_branches)
    own, whole = state.copy(), state.copy()
    regroup_branches(whole, n_branches)
    assert not np.array_equal(whole.branch_members, state.branch_members)  # the week moved people
    n = whole.n
    recruiters = np.flatnonzero(whole.cadre[:n] & whole.convinced[:n])
    _recruit(whole, params, net, 13, flows.copy(), key, recruiters, whole.branch_start, whole.branch_members)
    n = whole.n
    _train(whole, params, 13, np.flatnonzero(whole.faction[:n] & ~whole.cadre[:n]))
    recruit(own, params, net, 13, flows.copy(), key)
    layer = {"branch_start", "branch_members"}
    assert all(np.array_equal(getattr(own, f), getattr(whole, f)) for f in own._fields if f not in layer)
    assert own.tally[TALLY_CONTACTS] > state.tally[TALLY_CONTACTS] and own.tally[TALLY_RECRUITED] > 0
