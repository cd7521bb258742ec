"""Mechanisms 3 and 4: satisfaction, leaving and joining, and the gravity of destinations."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from lever.kernels.mobility import choose_destination, leave_and_join, move, org_sizes, update_satisfaction

BIG, HOST, RIVAL, GROUP, K = 0, 1, 2, 3, 4


# --- satisfaction -----------------------------------------------------------------------------

def test_satisfaction_relaxes_toward_fit_minus_disappointment(hand):
    params = hand.params()
    state = hand.state([HOST, BIG], [[0.7, 0.6], [0.25, 0.5]], satisfaction=[1.0, 0.5])
    update_satisfaction(state, params, 3)
    fit_host = 1 - 0.1 / 0.8  # 0.1 from the host's platform, tolerance 0.8
    dis = params.disappointment[3, HOST]
    assert dis == pytest.approx(0.2 + 0.2 * 3 / 10)  # the tiny field's rising spell
    rate = params.satisfaction_rate
    assert state.satisfaction[0] == pytest.approx(1 + rate * (fit_host - dis - 1), abs=1e-14)
    # on its platform, no disappointment: relaxes toward 1
    assert state.satisfaction[1] == pytest.approx(0.5 + rate * 0.5, abs=1e-14)


def test_satisfaction_of_the_groups_people_follows_the_line_and_the_groups_schedule(hand):
    params = hand.params()
    state = hand.state([HOST], [[0.9, 0.95]], satisfaction=[0.5], faction=[True])
    update_satisfaction(state, params, 3)  # the group has no disappointment; fit with the line is 1
    assert state.satisfaction[0] == pytest.approx(0.5 + params.satisfaction_rate * 0.5, abs=1e-14)


def test_satisfaction_stays_in_unit_interval_and_skips_unorganized_and_committed(hand):
    params = hand.params(satisfaction_rate=1.0)
    state = hand.state(
        [HOST, HOST, K, HOST], [[0.0, 0.0], [0.6, 0.6], [0.0, 0.0], [0.0, 0.0]],
        satisfaction=[0.3, 0.3, 0.3, 0.3], committed=[False, False, False, True],
    )
    update_satisfaction(state, params, 0)
    assert state.satisfaction[0] == 0.0  # target far below 0 is clipped
    assert state.satisfaction[1] == pytest.approx(1.0 - params.disappointment[0, HOST], abs=1e-14)
    assert state.satisfaction[2] == 0.3 and state.satisfaction[3] == 0.3


# --- leaving and joining ----------------------------------------------------------------------

def test_member_at_zero_satisfaction_leaves(hand):
    params = hand.params(stay_unorganized=1.0, join_rate=0.0)
    state = hand.state([HOST] * 5, np.full((5, 2), 0.6), satisfaction=np.zeros(5), weight=[1, 2, 3, 4, 5])
    flows = hand.flows()
    leave_and_join(state, params, hand.net(5), 1, flows, np.random.default_rng(0))
    assert np.all(state.org == K)
    assert np.all(state.branch == -1)
    assert flows[HOST, K] == 15.0 and flows.sum() == 15.0


def test_leaver_not_staying_unorganized_goes_to_another_organization(hand):
    params = hand.params(stay_unorganized=0.0)
    # the others need members to be destinations
    state = hand.state([HOST] * 20 + [BIG, RIVAL, GROUP], np.full((23, 2), 0.6),
                       satisfaction=[0.0] * 20 + [1.0] * 3, committed=[False] * 20 + [True] * 3)
    flows = hand.flows()
    leave_and_join(state, params, hand.net(23), 1, flows, np.random.default_rng(0))
    assert set(state.org[:20].tolist()) <= {BIG, RIVAL, GROUP}
    assert flows[HOST, :].sum() == 20 and flows[HOST, K] == 0


def test_satisfied_and_committed_members_never_leave(hand):
    params = hand.params(join_rate=0.0)
    state = hand.state([HOST, HOST], np.full((2, 2), 0.6), satisfaction=[1.0, 0.0], committed=[False, True])
    rng = np.random.default_rng(0)
    flows = hand.flows()
    for step in range(200):
        leave_and_join(state, params, hand.net(2), step, flows, rng)
    assert np.array_equal(state.org, [HOST, HOST])
    assert flows.sum() == 0


def test_groups_person_inside_a_host_leaves_the_group_but_stays_in_the_host(hand):
    params = hand.params()
    state = hand.state([HOST], [[0.7, 0.6]], satisfaction=[0.0], faction=[True])
    flows = hand.flows()
    leave_and_join(state, params, hand.net(1), 1, flows, np.random.default_rng(0))
    assert state.org[0] == HOST and not state.faction[0]
    assert state.satisfaction[0] == pytest.approx(1 - 0.1 / 0.8, abs=1e-14)  # fit with the host
    assert flows.sum() == 0


def test_unorganized_join_at_the_base_rate(hand):
    n = 50
    org = [K] * n + [BIG, HOST, RIVAL, GROUP]
    committed = [False] * n + [True] * 4
    for rate, joined in ((0.0, 0), (1.0, n)):
        params = hand.params(join_rate=rate)
        state = hand.state(org, np.full((n + 4, 2), 0.5), committed=committed)
        flows = hand.flows()
        leave_and_join(state, params, hand.net(n + 4), 1, flows, np.random.default_rng(0))
        assert np.count_nonzero(state.org[:n] != K) == joined
        assert flows[K, :K].sum() == joined


# --- destinations -----------------------------------------------------------------------------

def _modal_destination(hand, gravity: float) -> tuple[int, Counter]:
    params = hand.params(gravity=gravity, closeness=6.0, ties_weight=0.0,
                         attraction=np.ones(4))
    state = hand.state([K], [[0.5, 0.5]])
    state.platform[:] = [[0.8, 0.5], [0.55, 0.5], [0.2, 0.9], [0.9, 0.95]]
    size = np.array([1000.0, 10.0, 0.0, 0.0, 5.0])  # big but farther; tiny but closest; empty
    rng = np.random.default_rng(0)
    net = hand.net(1)
    draws = Counter(int(choose_destination(state, params, net, 0, K, size, rng)) for _ in range(2000))
    return draws.most_common(1)[0][0], draws


def test_gravity_zero_sends_the_disappointed_to_the_closest_platform_even_if_tiny(hand):
    modal, draws = _modal_destination(hand, 0.0)
    assert modal == HOST
    assert set(draws) == {BIG, HOST}  # empty organizations are no option
    # weights exp(-6 * 0.05) : exp(-6 * 0.3)
    share = np.exp(-0.3) / (np.exp(-0.3) + np.exp(-1.8))
    assert draws[HOST] / 2000 == pytest.approx(share, abs=0.03)


def test_gravity_three_sends_the_disappointed_to_the_biggest_even_if_farther(hand):
    modal, draws = _modal_destination(hand, 3.0)
    assert modal == BIG
    assert draws[BIG] >= 1995


def test_destination_weighs_ties_and_excludes_the_origin(hand):
    params = hand.params(gravity=0.0, closeness=0.0, ties_weight=100.0, attraction=np.ones(4))
    state = hand.state([HOST, RIVAL, RIVAL, BIG], np.full((4, 2), 0.5))
    size = np.array([1.0, 1.0, 2.0, 0.0, 0.0])
    net = hand.net(4, [(0, 1), (0, 2)])
    rng = np.random.default_rng(0)
    draws = Counter(int(choose_destination(state, params, net, 0, HOST, size, rng)) for _ in range(500))
    assert HOST not in draws
    assert draws[RIVAL] > 480  # weight 201 against 1


def test_no_destination_with_weight_means_none(hand):
    params = hand.params()
    state = hand.state([HOST], [[0.5, 0.5]])
    size = np.array([0.0, 5.0, 0.0, 0.0, 3.0])
    assert choose_destination(state, params, hand.net(1), 0, HOST, size, np.random.default_rng(0)) == K


# --- moving -----------------------------------------------------------------------------------

def test_move_keeps_sizes_and_flows_and_sets_a_branch_of_the_destination(hand):
    params = hand.params()
    state = hand.state([K, HOST], np.full((2, 2), 0.5), weight=[3.0, 1.0], satisfaction=[0.2, 1.0])
    size = org_sizes(state, K)
    assert np.array_equal(size, [0, 1, 0, 0, 3])
    flows = hand.flows()
    move(state, params, 0, GROUP, 7, size, flows, np.random.default_rng(0))
    assert state.org[0] == GROUP and flows[K, GROUP] == 3.0
    assert np.array_equal(size, org_sizes(state, K))
    lo, hi = params.branch_offset[GROUP], params.branch_offset[GROUP + 1]
    assert lo <= state.branch[0] < hi
    assert state.faction[0] and state.faction_since[0] == 7  # joining the group makes one of its people
    assert state.satisfaction[0] == 1.0
    move(state, params, 0, BIG, 8, size, flows, np.random.default_rng(0))
    assert params.branch_offset[BIG] <= state.branch[0] < params.branch_offset[BIG + 1]
    move(state, params, 0, K, 9, size, flows, np.random.default_rng(0))
    assert state.branch[0] == -1
    assert np.array_equal(size, [0, 1, 0, 0, 3])
