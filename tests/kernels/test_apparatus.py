"""Mechanism 6, the apparatus: loose platforms drift; homogeneous ones expel currents."""

from __future__ import annotations

import numpy as np
import pytest

from lever.kernels.apparatus import drift_platforms, expel_currents
from lever.kernels.conversation import converse
from lever.kernels.draw import APPARATUS, keyed, step_key
from lever.kernels.social import trust_of, trust_table

BIG, HOST, RIVAL, GROUP, K = 0, 1, 2, 3, 4


def test_loose_platform_drifts_toward_members_weighted_mean_and_faction_votes_as_a_bloc(hand):
    params = hand.params(homogeneity=np.array([1.0, 0.0, 0.5, 0.0]), platform_drift=0.1, bloc_weight=3.0)
    state = hand.state(
        [HOST, HOST, BIG, RIVAL, GROUP, K],
        [[0.2, 0.4], [0.8, 0.6], [0.9, 0.9], [0.0, 0.0], [0.0, 0.0], [1, 1]],
        weight=[2.0, 1.0, 1.0, 1.0, 1.0, 5.0],
        faction=[False, True, False, False, True, False],
    )
    before = state.platform.copy()
    drift_platforms(state, params)
    mean = (2 * np.array([0.2, 0.4]) + 3 * np.array([0.8, 0.6])) / 5
    assert state.platform[HOST] == pytest.approx(before[HOST] + 0.1 * (mean - before[HOST]), abs=1e-15)
    assert np.array_equal(state.platform[BIG], before[BIG])  # h = 1: no drift
    assert state.platform[RIVAL] == pytest.approx(before[RIVAL] * (1 - 0.05), abs=1e-15)  # h = 0.5
    assert np.array_equal(state.platform[GROUP], before[GROUP])  # the group's line never drifts


def test_empty_organization_keeps_its_platform(hand):
    params = hand.params(homogeneity=np.zeros(4), platform_drift=1.0)
    state = hand.state([K], [[0.0, 0.0]])
    before = state.platform.copy()
    drift_platforms(state, params)
    assert np.array_equal(state.platform, before)


def _host_with_faction(hand):
    # 0-3 host members of the group's faction (two cadre), 4-5 ordinary host members,
    # 6 a faction member in the group's own organization, 7 a faction member in the big party;
    # the group's people are single persons (the host is held person by person)
    org = [HOST, HOST, HOST, HOST, HOST, HOST, GROUP, BIG]
    faction = [True, True, True, True, False, False, True, True]
    cadre = [True, True, False, False, False, False, True, False]
    return hand.state(
        org, np.full((8, 2), 0.7), faction=faction, cadre=cadre, committed=cadre, weight=[1, 1, 1, 1, 2, 1, 1, 1]
    )


def test_detected_faction_is_expelled_to_the_group_and_then_distrusted(hand):
    params = hand.params(
        homogeneity=np.array([0.0, 1.0, 1.0, 1.0]), detection=1.0, visibility=np.ones(4), expel_share=np.ones(4)
    )
    state = _host_with_faction(hand)
    flows = hand.flows()
    expelled = expel_currents(state, params, 4, flows, np.uint64(0))
    assert expelled == 4.0
    assert np.array_equal(state.org, [GROUP, GROUP, GROUP, GROUP, HOST, HOST, GROUP, BIG])
    assert np.array_equal(state.expelled_from, [HOST] * 4 + [-1] * 4)
    assert state.faction[:4].all()
    assert flows[HOST, GROUP] == 4.0 and flows.sum() == 4.0
    g = params.branch_offset[GROUP]
    assert np.all((state.branch[:4] >= g) & (state.branch[:4] < params.branch_offset[GROUP + 1]))
    table = trust_table(params)
    for speaker in range(4):
        assert trust_of(state.org, state.faction, state.expelled_from, table, 4, speaker) == params.trust_expelled
    assert trust_of(state.org, state.faction, state.expelled_from, table, 4, 5) == params.trust_inside


@pytest.mark.parametrize("room", [0, 1])
def test_a_coarse_faction_agent_expelled_into_the_fine_group_is_expelled_person_by_person(hand, room):
    params = hand.params(
        homogeneity=np.array([0.0, 1.0, 1.0, 1.0]), detection=1.0, visibility=np.ones(4), expel_share=np.ones(4)
    )
    state = hand.state([HOST, HOST], np.full((2, 2), 0.7), room=room, faction=[True, True], weight=[1, 2])
    flows = hand.flows()
    expelled = expel_currents(state, params, 4, flows, np.uint64(0))
    n = state.n
    moved = state.org[:n] == GROUP
    assert expelled == state.weight[:n][moved].sum() == flows[HOST, GROUP]
    assert np.array_equal(state.expelled_from[:n] == HOST, moved)


def test_host_member_moves_less_toward_an_expelled_speaker_than_toward_a_fellow_member(hand):
    params = hand.params(
        homogeneity=np.array([0.0, 1.0, 1.0, 1.0]), detection=1.0, visibility=np.ones(4), committed_talk=0.0
    )
    # listener 0 (host), speaker 1 (committed, of the group's faction in the host)
    moved = {}
    for case in ("fellow", "expelled"):
        state = hand.state(
            [HOST, HOST], [[0.5, 0.5], [0.6, 0.5]], faction=[False, True], cadre=[False, True], committed=[False, True]
        )
        if case == "expelled":
            assert expel_currents(state, params, 1, hand.flows(), np.uint64(0)) == 1.0
        converse(state, params, hand.net(2, [(0, 1)]), np.uint64(0), 1)
        moved[case] = state.opinion[0, 0] - 0.5
    mu = params.convergence
    assert moved["fellow"] == pytest.approx(0.1 * (1 - (1 - mu * params.trust_inside) ** 2), abs=1e-14)
    assert moved["expelled"] == pytest.approx(0.1 * (1 - (1 - mu * params.trust_expelled) ** 2), abs=1e-14)
    assert 0 < moved["expelled"] < moved["fellow"]


def test_no_detection_no_expulsion(hand):
    params = hand.params(homogeneity=np.ones(4), detection=0.0)
    state = _host_with_faction(hand)
    flows = hand.flows()
    for step in range(100):
        assert expel_currents(state, params, step, flows, np.uint64(0)) == 0.0
    assert np.array_equal(state.org, [HOST] * 6 + [GROUP, BIG])
    assert flows.sum() == 0


def test_loose_apparatus_never_expels(hand):
    params = hand.params(homogeneity=np.array([0.0, 0.0, 0.0, 1.0]), detection=1.0)
    state = _host_with_faction(hand)
    for step in range(100):
        assert expel_currents(state, params, step, hand.flows(), np.uint64(0)) == 0.0
    assert (state.expelled_from == -1).all()


@pytest.mark.parametrize(("strategy", "where"), [("enter_individuals", HOST), ("enter", RIVAL)])
def test_individuals_are_expelled_only_in_part(hand, strategy, where):
    """Individuals (and the group's people in the rival, where they count as undeclared
    individuals) are expelled one by one with chance 1/2 once detected."""
    params = hand.params(strategy, homogeneity=np.ones(4), detection=5.0)
    assert params.expel_share[where] == 0.5
    assert params.detection * params.visibility[where] >= 1.0  # detected for certain
    n = 400
    state = hand.state([where] * n, np.full((n, 2), 0.7), faction=np.ones(n, bool))
    expelled = expel_currents(state, params, 1, hand.flows(), np.uint64(0))
    # binomial(400, 1/2): sd 10
    assert abs(expelled - n / 2) < 4 * np.sqrt(n / 4)
    assert expelled == np.count_nonzero(state.org == GROUP) == np.count_nonzero(state.expelled_from == where)
    # drawn per person: exactly those whose own draw fell below the share
    skey = np.uint64(step_key(np.uint64(0), APPARATUS, 1))
    drawn = np.array([keyed(skey, np.uint64(i), 1) < 0.5 for i in range(n)])
    assert np.array_equal(state.org == GROUP, drawn)


def test_whom_a_detection_expels_does_not_depend_on_the_order_or_on_others(hand):
    params = hand.params("enter_individuals", homogeneity=np.ones(4), detection=5.0)
    n = 60
    state = hand.state([HOST] * n, np.full((n, 2), 0.7), faction=np.ones(n, bool))
    expel_currents(state, params, 3, hand.flows(), np.uint64(11))
    # the same persons (idents) in reverse order, with an unrelated member at the end
    org = [HOST] * n + [BIG]
    ident = list(range(n - 1, -1, -1)) + [1000]
    other = hand.state(org, np.full((n + 1, 2), 0.7), faction=[True] * n + [False], ident=ident)
    expel_currents(other, params, 3, hand.flows(), np.uint64(11))
    assert np.array_equal(other.org[:n][::-1], state.org)
    assert 0 < np.count_nonzero(state.org == GROUP) < n


@pytest.mark.parametrize(("where", "visibility"), [(HOST, 1.0), (RIVAL, 0.2)])
def test_a_current_is_detected_per_step_with_chance_detection_times_h_cubed_times_visibility(hand, where, visibility):
    params = hand.params("enter", homogeneity=np.full(4, 0.8), detection=0.5)
    assert params.visibility[where] == pytest.approx(visibility)
    p = 0.5 * 0.8**3 * visibility
    steps = 3000
    detected = 0
    for step in range(steps):
        state = hand.state([where] * 3, np.full((3, 2), 0.7), faction=np.ones(3, bool))
        expelled = expel_currents(state, params, step, hand.flows(), np.uint64(4))
        # a faction's members stand or fall together in the host (share 1); one draw per step
        if where == HOST:
            assert expelled in (0.0, 3.0)
        detected += np.any(state.expelled_from == where)
    if where == HOST:
        assert detected / steps == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / steps))
    else:  # detected with chance p, then each of three expelled with chance 1/2
        q = p * (1 - 0.5**3)
        assert detected / steps == pytest.approx(q, abs=4 * np.sqrt(q * (1 - q) / steps))


# -- what makes entry fatal (issue 11): capitulation, demoralisation -------------------------


def _cadre_inside(hand, n: int, since: int = 0):
    faction = np.ones(n, bool)
    return hand.state(
        [HOST] * n,
        np.full((n, 2), 0.9),
        faction=faction,
        cadre=faction,
        committed=faction,
        convinced=faction,
        faction_since=np.full(n, since),
    )


def _distance(hand) -> float:
    line = np.array(hand.scenario.organizations["group"].platform)
    host = np.array(hand.scenario.organizations["host"].platform)
    return float(np.linalg.norm(line - host) / np.sqrt(2.0))


@pytest.mark.parametrize(("h", "assimilation"), [(1.0, 1.0), (0.5, 1.0), (1.0, 8.0)])
def test_capitulation_loses_the_expected_share_of_cadre_after_t_steps(hand, h, assimilation):
    from lever.kernels.apparatus import capitulate
    from lever.model.state import TALLY_CAPITULATED

    n, steps, rate = 4000, 10, 0.2
    params = hand.params(
        "enter", homogeneity=np.full(4, h), capitulation=rate, assimilation_steps=assimilation, entry_step=0
    )
    state = _cadre_inside(hand, n)
    for t in range(1, steps + 1):
        capitulate(state, params, t, np.uint64(3))
    hazard = [rate * h * _distance(hand) * min(1.0, t / assimilation) for t in range(1, steps + 1)]
    lost = 1.0 - np.prod(1.0 - np.array(hazard))
    share = 1.0 - np.count_nonzero(state.cadre) / n
    assert share == pytest.approx(lost, abs=4 * np.sqrt(lost * (1 - lost) / n))
    gone = ~state.cadre
    # who capitulated gave up the group's views for the host's platform and stays a member
    assert not (state.faction[gone] | state.committed[gone] | state.convinced[gone]).any()
    assert np.allclose(state.opinion[gone], state.platform[HOST])
    assert (state.org == HOST).all()
    assert state.tally[TALLY_CAPITULATED] == np.count_nonzero(gone)


def test_no_capitulation_under_a_loose_apparatus_outside_or_when_off(hand):
    from lever.kernels.apparatus import capitulate

    for changes in ({"homogeneity": np.zeros(4), "capitulation": 1.0}, {"capitulation": 0.0}):
        params = hand.params("enter", entry_step=0, assimilation_steps=1.0, **changes)
        state = _cadre_inside(hand, 200)
        for t in range(1, 20):
            capitulate(state, params, t, np.uint64(3))
        assert state.cadre.all()
    params = hand.params("enter", homogeneity=np.ones(4), capitulation=1.0, entry_step=0, assimilation_steps=1.0)
    outside = hand.state([GROUP] * 50, np.full((50, 2), 0.9), faction=np.ones(50, bool), cadre=np.ones(50, bool))
    for t in range(1, 20):
        capitulate(outside, params, t, np.uint64(3))
    assert outside.cadre.all()


def test_time_inside_counts_from_entry_or_from_being_won_inside(hand):
    from lever.kernels.apparatus import capitulate

    # assimilation over 100 steps: at step 10 the hazard of one won at step 8 is a fifth of
    # the hazard of one inside since the entry at step 0
    params = hand.params("enter", homogeneity=np.ones(4), capitulation=1.0, entry_step=0, assimilation_steps=100.0)
    early, late = _cadre_inside(hand, 20000, since=0), _cadre_inside(hand, 20000, since=8)
    capitulate(early, params, 10, np.uint64(5))
    capitulate(late, params, 10, np.uint64(5))
    d = _distance(hand)
    for state, t in ((early, 10), (late, 2)):
        p = d * t / 100.0
        assert 1 - state.cadre.mean() == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / 20000))


@pytest.mark.parametrize("share", [0.0, 0.4, 1.0])
def test_demoralised_expelled_cadre_leave_politics(hand, share):
    from lever.model.state import TALLY_DEMORALISED

    n = 3000
    params = hand.params(
        "enter",
        homogeneity=np.ones(4),
        detection=1.0,
        visibility=np.ones(4),
        expel_share=np.ones(4),
        demoralisation=share,
    )
    cadre = np.arange(n) < 2 * n // 3  # a third are recruits still in training
    faction = np.ones(n, bool)
    state = hand.state(
        [HOST] * n, np.full((n, 2), 0.9), room=0, faction=faction, cadre=cadre, committed=cadre, convinced=cadre
    )
    assert expel_currents(state, params, 2, hand.flows(), np.uint64(0)) == n
    left = state.org == K
    assert not left[~cadre].any()  # only cadre are demoralised
    m = cadre.sum()
    assert left.sum() == pytest.approx(share * m, abs=4 * np.sqrt(share * (1 - share) * m) + 1e-9)
    assert not (state.faction[left] | state.committed[left] | state.cadre[left]).any()
    assert (state.expelled_from == HOST).all()
    assert state.expulsion[HOST] == 2
    assert state.tally[TALLY_DEMORALISED] == left.sum()
