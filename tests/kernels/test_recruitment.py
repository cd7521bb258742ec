"""Mechanism 5, recruitment: only those tied to a convinced cadre member, near the line."""

from __future__ import annotations

import numpy as np

from lever.kernels.recruitment import recruit

BIG, HOST, RIVAL, GROUP, K = 0, 1, 2, 3, 4
LINE = [0.9, 0.95]


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
    state = hand.state(
        [GROUP, K, K, BIG], [LINE] * 4, branch=[g, -1, -1, big], **_cadre(3)
    )
    net = hand.net(4, [(0, 1)])
    rng = np.random.default_rng(0)
    flows = hand.flows()
    for step in range(1, 60):
        recruit(state, params, net, step, flows, rng)
    assert state.faction[1] and state.org[1] == GROUP
    assert not state.faction[2] and state.org[2] == K
    assert not state.faction[3] and state.org[3] == BIG
    assert flows.sum() == 1.0


def test_outside_recruit_moves_into_the_recruiters_organization_and_branch(hand):
    params = hand.params(recruit_prob=1.0, recruit_contacts=1.0, trust_outside=1.0)
    b = hand.first_branch(HOST) + 2
    state = hand.state([HOST, K], [LINE, [0.85, 0.9]], branch=[b, -1], weight=[1.0, 4.0], **_cadre(1))
    flows = hand.flows()
    recruit(state, params, hand.net(2, [(0, 1)]), 5, flows, np.random.default_rng(0))
    assert state.org[1] == HOST and state.branch[1] == b
    assert state.faction[1] and state.faction_since[1] == 5 and not state.cadre[1]
    assert state.satisfaction[1] == 1.0
    assert flows[K, HOST] == 4.0 and flows.sum() == 4.0


def test_recruit_inside_a_host_stays_a_member_of_the_host(hand):
    params = hand.params(recruit_prob=1.0, recruit_contacts=1.0, trust_inside=1.0)
    state = hand.state([HOST, HOST], [LINE, [0.85, 0.9]], **_cadre(1))
    flows = hand.flows()
    recruit(state, params, hand.net(2, [(0, 1)]), 3, flows, np.random.default_rng(0))
    assert state.faction[1] and state.org[1] == HOST
    assert flows.sum() == 0


def test_far_from_the_line_committed_or_already_in_the_group_are_not_recruited(hand):
    params = hand.params(recruit_prob=1.0, recruit_contacts=5.0, trust_outside=1.0, training_steps=1000)
    far = [LINE[0] - params.recruit_radius - 0.01, LINE[1]]
    state = hand.state(
        [GROUP, K, K, K], [LINE, far, LINE, LINE],
        **_cadre(3, committed=[True, False, True, False], faction=[True, False, False, True],
                 faction_since=[0, 0, 0, 0]),
    )
    net = hand.net(4, [(0, 1), (0, 2), (0, 3)])
    rng = np.random.default_rng(0)
    flows = hand.flows()
    for step in range(1, 30):
        recruit(state, params, net, step, flows, rng)
    assert np.array_equal(state.org, [GROUP, K, K, K])
    assert np.array_equal(state.faction, [True, False, False, True])
    assert flows.sum() == 0


def test_unconvinced_or_unorganized_cadre_do_not_recruit(hand):
    params = hand.params(recruit_prob=1.0, recruit_contacts=5.0, trust_outside=1.0, trust_inside=1.0)
    state = hand.state(
        [HOST, HOST, K, K], [LINE] * 4,
        committed=[True, False, True, False], faction=[True, False, True, False],
        cadre=[True, False, True, False], convinced=[False, False, True, False],
    )
    net = hand.net(4, [(0, 1), (2, 3)])
    rng = np.random.default_rng(0)
    for step in range(1, 30):
        recruit(state, params, net, step, flows := hand.flows(), rng)
        assert flows.sum() == 0
    assert not state.faction[1] and not state.faction[3]


def test_recruits_become_cadre_after_training(hand):
    params = hand.params(recruit_prob=0.0, training_steps=3)
    state = hand.state([HOST, GROUP], [LINE, LINE], faction=[True, True], faction_since=[10, 11])
    rng = np.random.default_rng(0)
    recruit(state, params, hand.net(2), 12, hand.flows(), rng)
    assert not state.cadre.any() and not state.committed.any()
    recruit(state, params, hand.net(2), 13, hand.flows(), rng)
    assert np.array_equal(state.cadre, [True, False])
    assert np.array_equal(state.committed, [True, False])
    assert np.array_equal(state.convinced, [True, False])
    recruit(state, params, hand.net(2), 14, hand.flows(), rng)
    assert state.cadre.all() and state.committed.all() and state.convinced.all()
