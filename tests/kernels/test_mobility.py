"""Mechanisms 3 and 4: satisfaction, leaving and joining, and the gravity of destinations."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from inner_calls import called

from lever.kernels import mobility, resolution
from lever.kernels.draw import MOBILITY, keyed, step_key
from lever.kernels.mobility import BRANCH_SLOT, leave_and_join, update_satisfaction
from lever.model.state import (
    PER_AGENT,
    TALLY_HOST_KERNEL_TO_RIVAL,
    TALLY_HOST_LEFT,
    TALLY_HOST_LEFT_TO_GROUP,
    TALLY_HOST_LEFT_TO_RIVAL,
    TALLY_MISSED,
    TALLY_SPLIT,
)

choose_destination, move, org_sizes = called(mobility.choose_destination, mobility.move, mobility.org_sizes)
one_person, split_off = called(resolution.one_person, resolution.split_off)

BIG, HOST, RIVAL, GROUP, K = 0, 1, 2, 3, 4
EVEN = np.ones(4)  # every organization's pull the same


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


def test_an_openings_elation_lifts_satisfaction_above_fit(hand):
    """Under a schedule below 0 (an opening's elation) a member far from the platform settles at
    the elation, not at 0: it is held whatever its fit (Klandermans 1984), and never above 1."""
    elated = hand.params(satisfaction_rate=1.0)
    elated.disappointment[3, HOST] = -0.3
    state = hand.state([HOST, HOST], [[0.0, 0.0], [0.7, 0.6]], satisfaction=[0.9, 0.2])
    update_satisfaction(state, elated, 3)
    assert state.satisfaction[0] == pytest.approx(0.3, abs=1e-14)  # fit 0, lifted by 0.3
    assert state.satisfaction[1] == 1.0  # fit 1 - 0.1 / 0.8, plus 0.3, clipped


def test_satisfaction_of_the_groups_people_follows_the_line_and_the_groups_schedule(hand):
    params = hand.params()
    state = hand.state([HOST], [[0.9, 0.95]], satisfaction=[0.5], faction=[True])
    update_satisfaction(state, params, 3)  # the group has no disappointment; fit with the line is 1
    assert state.satisfaction[0] == pytest.approx(0.5 + params.satisfaction_rate * 0.5, abs=1e-14)


def test_satisfaction_stays_in_unit_interval_and_skips_unorganized_and_committed(hand):
    params = hand.params(satisfaction_rate=1.0)
    state = hand.state(
        [HOST, HOST, K, HOST],
        [[0.0, 0.0], [0.6, 0.6], [0.0, 0.0], [0.0, 0.0]],
        satisfaction=[0.3, 0.3, 0.3, 0.3],
        committed=[False, False, False, True],
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
    leave_and_join(state, params, hand.net(5), 1, flows, np.uint64(0))
    assert np.all(state.org == K)
    assert np.all(state.branch == -1)
    assert flows[HOST, K] == 15.0 and flows.sum() == 15.0


def test_leaver_not_staying_unorganized_goes_to_another_organization(hand):
    params = hand.params(stay_unorganized=0.0)
    # the others need members to be destinations
    state = hand.state(
        [HOST] * 20 + [BIG, RIVAL, GROUP],
        np.full((23, 2), 0.6),
        satisfaction=[0.0] * 20 + [1.0] * 3,
        committed=[False] * 20 + [True] * 3,
    )
    flows = hand.flows()
    leave_and_join(state, params, hand.net(23), 1, flows, np.uint64(0))
    assert set(state.org[:20].tolist()) <= {BIG, RIVAL, GROUP}
    assert flows[HOST, :].sum() == 20 and flows[HOST, K] == 0


def test_satisfied_and_committed_members_never_leave(hand):
    params = hand.params(join_rate=0.0)
    state = hand.state([HOST, HOST], np.full((2, 2), 0.6), satisfaction=[1.0, 0.0], committed=[False, True])
    flows = hand.flows()
    for step in range(200):
        leave_and_join(state, params, hand.net(2), step, flows, np.uint64(0))
    assert np.array_equal(state.org, [HOST, HOST])
    assert flows.sum() == 0


def test_groups_person_inside_a_host_leaves_the_group_but_stays_in_the_host(hand):
    params = hand.params()
    state = hand.state([HOST], [[0.7, 0.6]], satisfaction=[0.0], faction=[True])
    flows = hand.flows()
    leave_and_join(state, params, hand.net(1), 1, flows, np.uint64(0))
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
        leave_and_join(state, params, hand.net(n + 4), 1, flows, np.uint64(0))
        assert np.count_nonzero(state.org[:n] != K) == joined
        assert flows[K, :K].sum() == joined


# --- destinations -----------------------------------------------------------------------------


def _modal_destination(hand, gravity: float) -> tuple[int, Counter]:
    params = hand.params(gravity=gravity, closeness=6.0, ties_weight=0.0)
    state = hand.state([K], [[0.5, 0.5]])
    state.platform[:] = [[0.8, 0.5], [0.55, 0.5], [0.2, 0.9], [0.9, 0.95]]
    size = np.array([1000.0, 10.0, 0.0, 0.0, 5.0])  # big but farther; tiny but closest; empty
    net = hand.net(1)
    # the uniform on an even grid: each option's share of the draws is its weight's, to 1/2000
    draws = Counter(
        int(choose_destination(state, params, net, 0, K, size, (t + 0.5) / 2000, EVEN)) for t in range(2000)
    )
    return draws.most_common(1)[0][0], draws


def test_gravity_zero_sends_the_disappointed_to_the_closest_platform_even_if_tiny(hand):
    modal, draws = _modal_destination(hand, 0.0)
    assert modal == HOST
    assert set(draws) == {BIG, HOST}  # empty organizations are no option
    # weights exp(-6 * 0.05) : exp(-6 * 0.3)
    share = np.exp(-0.3) / (np.exp(-0.3) + np.exp(-1.8))
    assert draws[HOST] / 2000 == pytest.approx(share, abs=1 / 2000)


def test_gravity_three_sends_the_disappointed_to_the_biggest_even_if_farther(hand):
    modal, draws = _modal_destination(hand, 3.0)
    assert modal == BIG
    assert draws[BIG] >= 1995


def test_destination_weighs_ties_and_excludes_the_origin(hand):
    params = hand.params(gravity=0.0, closeness=0.0, ties_weight=100.0)
    state = hand.state([HOST, RIVAL, RIVAL, BIG], np.full((4, 2), 0.5))
    size = np.array([1.0, 1.0, 2.0, 0.0, 0.0])
    net = hand.net(4, [(0, 1), (0, 2)])
    draws = Counter(
        int(choose_destination(state, params, net, 0, HOST, size, (t + 0.5) / 500, EVEN)) for t in range(500)
    )
    assert HOST not in draws
    assert draws[RIVAL] == pytest.approx(500 * 201 / 202, abs=1)  # weight 201 against 1
    # the ties are read from the agent's row of the network: a person split off 0 knows them
    net = hand.net(5, [(0, 1), (0, 2)])
    split = hand.state([HOST, RIVAL, RIVAL, BIG, HOST], np.full((5, 2), 0.5), social=[0, 1, 2, 3, 0])
    alone = hand.state([HOST, RIVAL, RIVAL, BIG, HOST], np.full((5, 2), 0.5))  # its own row: no ties
    assert choose_destination(split, params, net, 4, HOST, size, 0.4, EVEN) == RIVAL  # 201 : 1
    assert choose_destination(alone, params, net, 4, HOST, size, 0.4, EVEN) == BIG  # 1 : 1, BIG first


def test_no_destination_with_weight_means_none(hand):
    params = hand.params()
    state = hand.state([HOST], [[0.5, 0.5]])
    size = np.array([0.0, 5.0, 0.0, 0.0, 3.0])
    for u in (0.0, 0.5, 0.999):
        assert choose_destination(state, params, hand.net(1), 0, HOST, size, u, params.attraction[0]) == K


# --- moving -----------------------------------------------------------------------------------


def test_move_keeps_sizes_and_flows_and_sets_a_branch_of_the_destination(hand):
    params = hand.params()
    assert not params.fine[BIG] and not params.fine[K] and params.fine[GROUP] and params.fine[HOST]
    state = hand.state([K, HOST, K], np.full((3, 2), 0.5), weight=[3.0, 1.0, 1.0], satisfaction=[0.2, 1.0, 0.3])
    size = org_sizes(state, K)
    assert np.array_equal(size, [0, 1, 0, 0, 4])
    flows = hand.flows()
    skey = np.uint64(step_key(np.uint64(0), MOBILITY, 7))
    # a coarse agent into a coarse population moves as a whole
    assert move(state, params, 0, BIG, 7, size, flows, skey)
    assert state.n == 3 and state.org[0] == BIG and state.weight[0] == 3.0 and flows[K, BIG] == 3.0
    lo, hi = params.branch_offset[BIG], params.branch_offset[BIG + 1]
    assert state.branch[0] == lo + min(int(keyed(skey, state.ident[0], BRANCH_SLOT) * (hi - lo)), hi - lo - 1)
    assert np.array_equal(size, org_sizes(state, K))
    assert state.satisfaction[0] == 1.0 and not state.faction[0]
    # one person into the group becomes one of its people
    assert move(state, params, 2, GROUP, 7, size, flows, skey)
    lo, hi = params.branch_offset[GROUP], params.branch_offset[GROUP + 1]
    assert lo <= state.branch[2] < hi
    assert state.faction[2] and state.faction_since[2] == 7
    assert state.satisfaction[2] == 1.0
    # a branch given is kept
    assert move(state, params, 1, BIG, 8, size, flows, skey, params.branch_offset[BIG] + 1)
    assert state.branch[1] == params.branch_offset[BIG] + 1
    assert move(state, params, 0, K, 9, size, flows, skey)
    assert state.branch[0] == -1
    assert np.array_equal(size, org_sizes(state, K))
    assert flows.sum() == 3 + 1 + 1 + 3 and flows[BIG, K] == 3.0


def test_a_coarse_agent_moves_into_a_fine_population_person_by_person(hand):
    params = hand.params()
    state = hand.state(
        [K, BIG], np.full((2, 2), 0.5), room=4, weight=[4.0, 1.0], satisfaction=[0.2, 1.0], ident=[20, 21]
    )
    size = org_sizes(state, K)
    flows = hand.flows()
    skey = np.uint64(step_key(np.uint64(1), MOBILITY, 5))
    assert move(state, params, 0, GROUP, 5, size, flows, skey)
    moved = [0, 2, 3, 4]
    assert state.n == 5
    assert state.weight[:5].tolist() == [1.0] * 5
    assert np.all(state.org[moved] == GROUP) and state.org[1] == BIG
    assert state.faction[moved].all() and np.all(state.faction_since[moved] == 5)
    assert np.all(state.root[moved] == 0) and np.all(state.social[moved] == 0)
    assert len({int(x) for x in state.ident[moved]}) == 4
    lo, hi = params.branch_offset[GROUP], params.branch_offset[GROUP + 1]
    for j in moved:  # each person draws a branch of their own
        assert state.branch[j] == lo + min(int(keyed(skey, state.ident[j], BRANCH_SLOT) * (hi - lo)), hi - lo - 1)
    assert flows[K, GROUP] == 4.0 and flows.sum() == 4.0
    assert np.array_equal(size, org_sizes(state, K)) and size[GROUP] == 4.0 and size[K] == 0.0


def test_without_room_a_coarse_agent_does_not_move_into_a_fine_population(hand):
    params = hand.params()
    state = hand.state([K, BIG], np.full((2, 2), 0.5), room=2, weight=[4.0, 1.0], satisfaction=[0.2, 1.0])
    before = state.copy()
    size = org_sizes(state, K)
    flows = hand.flows()
    skey = np.uint64(step_key(np.uint64(1), MOBILITY, 5))
    assert not move(state, params, 0, HOST, 5, size, flows, skey)  # needs 3 spare rows, has 2
    for name in PER_AGENT + ("count",):
        assert np.array_equal(getattr(state, name), getattr(before, name)), name
    assert flows.sum() == 0 and np.array_equal(size, org_sizes(before, K))


# --- keyed draws and tallies -------------------------------------------------------------------


def test_leaving_is_drawn_per_person_with_the_leaving_chance(hand):
    # (1 - s) ** 6 = 1/2: each leaves with chance 1/2, by their own draw (slot 0)
    params = hand.params(stay_unorganized=1.0, join_rate=0.0)
    n = 400
    s = 1 - 0.5 ** (1 / params.leave_steepness)
    state = hand.state([BIG] * n, np.full((n, 2), 0.3), satisfaction=np.full(n, s))
    leave_and_join(state, params, hand.net(n), 4, hand.flows(), np.uint64(2))
    left = state.org == K
    assert abs(np.count_nonzero(left) - n / 2) < 4 * np.sqrt(n / 4)
    skey = np.uint64(step_key(np.uint64(2), MOBILITY, 4))
    assert np.array_equal(left, [keyed(skey, np.uint64(i), 0) < (1 - s) ** params.leave_steepness for i in range(n)])
    # an unrelated person in front changes nobody's draw
    more = hand.state(
        [K] + [BIG] * n,
        np.full((n + 1, 2), 0.3),
        satisfaction=np.r_[1.0, np.full(n, s)],
        ident=[5000] + list(range(n)),
        committed=[True] + [False] * n,
    )
    leave_and_join(more, params, hand.net(n + 1), 4, hand.flows(), np.uint64(2))
    assert np.array_equal(more.org[1:] == K, left)


def test_the_stay_unorganized_coin_is_fair_to_its_share(hand):
    params = hand.params(stay_unorganized=0.3, join_rate=0.0)
    n = 1000
    state = hand.state(
        [BIG] * n + [RIVAL], np.full((n + 1, 2), 0.5), satisfaction=[0.0] * n + [1.0], committed=[False] * n + [True]
    )
    leave_and_join(state, params, hand.net(n + 1), 1, hand.flows(), np.uint64(3))
    stayed_out = np.count_nonzero(state.org[:n] == K) / n
    assert stayed_out == pytest.approx(0.3, abs=4 * np.sqrt(0.21 / n))
    assert np.all(np.isin(state.org[:n], [K, RIVAL]))  # the only other option


def test_a_leavers_destination_is_picked_by_their_own_draw_in_slot_2(hand):
    params = hand.params(
        stay_unorganized=0.0,
        join_rate=0.0,
        gravity=0.0,
        closeness=0.0,
        ties_weight=0.0,
        attraction=np.ones_like(hand.params().attraction),
    )
    n = 300
    # three options of equal weight: big, rival and the group (one committed member each)
    state = hand.state(
        [HOST] * n + [BIG, RIVAL, GROUP],
        np.full((n + 3, 2), 0.5),
        satisfaction=[0.0] * n + [1.0] * 3,
        committed=[False] * n + [True] * 3,
    )
    leave_and_join(state, params, hand.net(n + 3), 6, hand.flows(), np.uint64(8))
    skey = np.uint64(step_key(np.uint64(8), MOBILITY, 6))
    expected = [(BIG, RIVAL, GROUP)[min(int(keyed(skey, np.uint64(i), 2) * 3), 2)] for i in range(n)]
    assert state.org[:n].tolist() == expected
    for k in (BIG, RIVAL, GROUP):
        assert np.mean(state.org[:n] == k) == pytest.approx(1 / 3, abs=4 * np.sqrt(2 / 9 / n))


def test_unorganized_join_at_a_fractional_rate(hand):
    params = hand.params(join_rate=0.1)
    n = 2000
    state = hand.state([K] * n + [BIG], np.full((n + 1, 2), 0.3), committed=[False] * n + [True])
    flows = hand.flows()
    leave_and_join(state, params, hand.net(n + 1), 1, flows, np.uint64(4))
    joined = np.count_nonzero(state.org[:n] == BIG)
    assert joined / n == pytest.approx(0.1, abs=4 * np.sqrt(0.09 / n))
    assert flows[K, BIG] == joined


def _joined_under(hand, mobilisation: float, exit_ties: float = 0.0, shares=(0.0, 0.0, 1.0, 0.0), empty=(),
                  member_recruitment: float = 0.0, start_size=(1.0, 1.0, 1.0, 1.0)):  # fmt: skip
    """Where 4,000 unorganized persons near BIG's platform are after a step at join_rate 0.05,
    the step's joining ``mobilisation`` times that, its added joiners recruited by the leaders'
    ``shares``; ``empty``: organizations with no member. ``exit_ties`` > 0 takes leaving's tied path.
    Every other organization has one member (a committed one), against ``start_size`` at the start."""
    n = 4000
    params = hand.params(join_rate=0.05, gravity=0.0, closeness=6.0, ties_weight=0.0, exit_ties=exit_ties)
    params = params._replace(joining=np.full_like(params.joining, mobilisation),
                             mobilised=np.tile(shares, (params.joining.size, 1)),
                             member_recruitment=member_recruitment, start_size=np.array(start_size))  # fmt: skip
    kept = [m for m in (BIG, HOST, RIVAL, GROUP) if m not in empty]  # one committed member each
    state = hand.state([K] * n + kept, np.full((n + len(kept), 2), 0.25), committed=[False] * n + [True] * len(kept))
    leave_and_join(state, params, hand.net(n + len(kept)), 1, hand.flows(), np.uint64(9))
    return state.org[:n].copy()


@pytest.mark.parametrize("exit_ties", [0.0, 0.5])
def test_an_opening_adds_joiners_and_its_leader_recruits_them(hand, exit_ties):
    """Issue 24: the joiners an opening adds go to the organization that leads it; those the
    base rate brings choose as before, with the same draws (on leaving's plain and tied paths)."""
    n = 4000
    base, opened = _joined_under(hand, 1.0, exit_ties), _joined_under(hand, 3.0, exit_ties)
    joined = base != K
    assert joined.mean() == pytest.approx(0.05, abs=4 * np.sqrt(0.05 * 0.95 / n))
    assert (opened != K).mean() == pytest.approx(0.15, abs=4 * np.sqrt(0.15 * 0.85 / n))
    assert np.array_equal(opened[joined], base[joined])  # the base rate's joiners: the same choices
    added = (opened != K) & ~joined
    assert np.all(opened[added] == RIVAL)
    assert (base == RIVAL).mean() < 0.01  # the rival is far: without the opening few choose it


def test_the_added_joiners_are_shared_by_the_leaders_and_choose_freely_where_theirs_is_empty(hand):
    n = 4000
    base = _joined_under(hand, 1.0) != K
    shared = _joined_under(hand, 4.0, shares=(0.0, 1 / 3, 2 / 3, 0.0))
    added = (shared != K) & ~base
    assert added.mean() == pytest.approx(0.15, abs=4 * np.sqrt(0.15 * 0.85 / n))
    assert set(shared[added]) == {HOST, RIVAL}
    assert np.mean(shared[added] == HOST) == pytest.approx(1 / 3, abs=4 * np.sqrt(2 / 9 / added.sum()))
    # the rival has no members: those it would have recruited choose by gravity, and still join
    orphaned = _joined_under(hand, 3.0, empty=(RIVAL,))
    assert (orphaned != K).mean() == pytest.approx(0.15, abs=4 * np.sqrt(0.15 * 0.85 / n))
    assert not np.any(orphaned == RIVAL)


@pytest.mark.parametrize(("recruitment", "start", "added"), [(1.0, 0.5, 0.2), (1.0, 2.0, 0.05), (0.5, 0.5, 0.15)])
def test_a_campaign_recruiting_through_its_members_adds_joiners_as_its_leader_grew(hand, recruitment, start, added):
    """Issue 24: under member_recruitment v the joiners an opening adds (here 0.10 a step, twice
    the base rate) are times 1 - v + v x the leader's members over its start: the rival, one
    member now, started with ``start``. The base rate's joiners keep their draws and choices."""
    n = 4000
    base = _joined_under(hand, 1.0)
    grown = _joined_under(hand, 3.0, member_recruitment=recruitment, start_size=(1.0, 1.0, start, 1.0))
    joined = base != K
    p = 0.05 + added
    assert (grown != K).mean() == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / n))
    assert np.array_equal(grown[joined], base[joined])
    assert np.all(grown[(grown != K) & ~joined] == RIVAL)


def test_member_recruitment_off_or_no_growth_leaves_joining_as_it_was(hand):
    """At v = 0 any start size gives today's joiners, person for person; a leader at its start
    size recruits as many at v = 1 (the same chance, up to rounding, and so the same draws)."""
    plain = _joined_under(hand, 3.0)
    assert np.array_equal(_joined_under(hand, 3.0, start_size=(1.0, 1.0, 9.0, 1.0)), plain)
    assert np.array_equal(_joined_under(hand, 3.0, member_recruitment=1.0), plain)


def test_a_run_shares_the_added_joiners_by_each_leaders_growth(hand):
    """Two leaders with equal shares, the host at twice its start and the rival at half (v = 1):
    the host recruits four in five of the joiners the openings add, and they add 0.125 a step."""
    n = 4000
    base = _joined_under(hand, 1.0) != K
    grown = _joined_under(hand, 3.0, shares=(0.0, 0.5, 0.5, 0.0), member_recruitment=1.0,
                          start_size=(1.0, 0.5, 2.0, 1.0))  # fmt: skip
    added = (grown != K) & ~base
    assert added.mean() == pytest.approx(0.125, abs=4 * np.sqrt(0.125 * 0.875 / n))
    assert set(grown[added]) == {HOST, RIVAL}
    assert np.mean(grown[added] == HOST) == pytest.approx(0.8, abs=4 * np.sqrt(0.16 / added.sum()))


def test_a_leader_with_no_members_adds_its_unscaled_share_who_choose_freely(hand):
    """At v = 0.5 a leader with no members left adds half its joiners (0.05 a step of the 0.10),
    who choose by gravity; so does a leader that started empty (its growth counts as none)."""
    n = 4000
    for kwargs in ({"empty": (RIVAL,)}, {"start_size": (1.0, 1.0, 0.0, 1.0)}):
        base = _joined_under(hand, 1.0, **kwargs) != K
        joined = _joined_under(hand, 3.0, member_recruitment=0.5, **kwargs)
        added = (joined != K) & ~base
        assert added.mean() == pytest.approx(0.05, abs=4 * np.sqrt(0.05 * 0.95 / n))
        assert not np.any(joined[added] == RIVAL) if "empty" in kwargs else np.all(joined[added] == RIVAL)


def test_member_recruitment_shares_the_added_joiners_by_each_leaders_growth(hand):
    """Two leaders with equal shares: the one that doubled recruits twice as many as the one that
    stayed at its start (v = 1)."""
    size = np.array([1.0, 2.0, 1.0, 1.0, 10.0])
    params = hand.params(join_rate=0.05)._replace(member_recruitment=1.0, start_size=np.ones(4))
    params = params._replace(joining=np.full_like(params.joining, 3.0),
                             mobilised=np.tile((0.0, 0.5, 0.5, 0.0), (params.joining.size, 1)))  # fmt: skip
    join, leaders = mobility.joining_through_members(params, size, 1)
    assert join == pytest.approx(0.05 * (1.0 + 2.0 * (0.5 * 2.0 + 0.5 * 1.0)))
    assert leaders == pytest.approx([0.0, 2 / 3, 1 / 3, 0.0])


def test_an_openings_pull_multiplies_its_leaders_weight_from_its_step(hand):
    """The unorganized choose by the step's row of the pull: four equal options, the rival's pull
    five times the others' from step 1."""
    n = 4000
    params = hand.params(join_rate=1.0, gravity=0.0, closeness=0.0, ties_weight=0.0)
    pull = np.ones_like(params.attraction)
    pull[1:, RIVAL] = 5.0
    params = params._replace(attraction=pull)
    for step, share in ((0, 1 / 4), (1, 5 / 8)):
        state = hand.state([K] * n + [BIG, HOST, RIVAL, GROUP], np.full((n + 4, 2), 0.5),
                           committed=[False] * n + [True] * 4)  # fmt: skip
        leave_and_join(state, params, hand.net(n + 4), step, hand.flows(), np.uint64(5))
        assert np.mean(state.org[:n] == RIVAL) == pytest.approx(share, abs=4 * np.sqrt(share * (1 - share) / n))


@pytest.mark.parametrize("dest", [RIVAL, GROUP])
def test_host_leavers_are_tallied_by_destination(hand, dest):
    params = hand.params(stay_unorganized=0.0, join_rate=0.0)
    theta = params.kernel_threshold
    # five host members leave for the only organization with members; two are in the kernel
    radicalism = [0.5, theta, 0.9, 0.3, 0.6]
    opinion = [[r, 0.5] for r in radicalism] + [[0.5, 0.5]]
    state = hand.state([HOST] * 5 + [dest], opinion, satisfaction=[0.0] * 5 + [1.0], committed=[False] * 5 + [True])
    leave_and_join(state, params, hand.net(6), 1, hand.flows(), np.uint64(0))
    assert np.all(state.org[:5] == dest)
    tally = state.tally
    assert tally[TALLY_HOST_LEFT] == 5
    assert tally[TALLY_HOST_LEFT_TO_RIVAL] == (5 if dest == RIVAL else 0)
    assert tally[TALLY_HOST_KERNEL_TO_RIVAL] == (2 if dest == RIVAL else 0)
    assert tally[TALLY_HOST_LEFT_TO_GROUP] == (5 if dest == GROUP else 0)


def test_leavers_of_other_organizations_are_not_tallied(hand):
    params = hand.params(stay_unorganized=0.0, join_rate=0.0)
    state = hand.state(
        [BIG] * 5 + [RIVAL], np.full((6, 2), 0.8), satisfaction=[0.0] * 5 + [1.0], committed=[False] * 5 + [True]
    )
    leave_and_join(state, params, hand.net(6), 1, hand.flows(), np.uint64(0))
    assert np.all(state.org[:5] == RIVAL) and not state.tally.any()


# --- splitting persons off ------------------------------------------------------------------


def _coarse(hand, room):
    return hand.state(
        [BIG, K],
        [[0.3, 0.4], [0.5, 0.6]],
        room=room,
        weight=[5.0, 3.0],
        stratum=[1, 0],
        satisfaction=[0.7, 1.0],
        committed=[True, False],
        faction=[True, False],
        cadre=[True, False],
        convinced=[True, False],
        faction_since=[4, 0],
        expelled_from=[HOST, -1],
        branch=[2, -1],
        origin=[HOST, K],
        kernel0=[True, False],
        ident=[40, 41],
        root=[7, 8],
        social=[9, 10],
    )


def test_split_off_takes_one_person_and_copies_the_rest(hand):
    state = _coarse(hand, 2)
    j = split_off(state, 0)
    assert j == 2 and state.n == 3
    assert state.weight[:3].tolist() == [4.0, 3.0, 1.0]
    for name in (
        "org",
        "branch",
        "stratum",
        "opinion",
        "satisfaction",
        "committed",
        "faction",
        "cadre",
        "convinced",
        "faction_since",
        "expelled_from",
        "origin",
        "kernel0",
        "root",
        "social",
    ):
        assert np.array_equal(getattr(state, name)[2], getattr(state, name)[0]), name
    assert state.ident[2] not in (40, 41) and state.splits[0] == 1 and state.splits[2] == 0
    assert state.tally[TALLY_SPLIT] == 1 and state.tally[TALLY_MISSED] == 0
    # a second person gets an ident of their own (derived from how many were split before)
    k = split_off(state, 0)
    assert k == 3 and state.ident[3] not in (40, 41, state.ident[2]) and state.splits[0] == 2
    assert state.weight[:4].tolist() == [3.0, 3.0, 1.0, 1.0] and state.tally[TALLY_SPLIT] == 2
    # the same agent split the same way gets the same idents: they are who the persons are
    again = _coarse(hand, 2)
    split_off(again, 0)
    split_off(again, 0)
    assert np.array_equal(again.ident[:4], state.ident[:4])


def test_split_off_without_room_changes_nothing_but_the_missed_tally(hand):
    state = _coarse(hand, 0)
    before = state.copy()
    assert split_off(state, 0) == -1
    for name in PER_AGENT + ("count",):
        assert np.array_equal(getattr(state, name), getattr(before, name)), name
    assert state.tally[TALLY_MISSED] == 1 and state.tally[TALLY_SPLIT] == 0


def test_one_person_is_the_agent_itself_when_it_is_one(hand):
    state = hand.state([K, K], np.full((2, 2), 0.5), room=1, weight=[1.0, 2.0])
    assert one_person(state, 0) == 0 and state.n == 2
    assert one_person(state, 1) == 2 and state.weight[:3].tolist() == [1.0, 1.0, 1.0]
    assert one_person(state, 1) == 1  # now one person: no room needed
