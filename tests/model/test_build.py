"""From a validated scenario to the arrays the engine steps."""

from __future__ import annotations

import numpy as np
import pytest

from lever.model.build import (
    MIN_BRANCH_AGENTS,
    _disappointment,
    agent_counts,
    allocation_vector,
    branch_counts,
    build_params,
    build_state,
)
from lever.model.loading import ScenarioError, load, validate, with_values
from lever.model.state import N_TALLY

BIG, HOST, RIVAL, GROUP, K = 0, 1, 2, 3, 4
HOST_PAPER, RIVAL_PAPER, OWN_ORGAN = 0, 1, 2


@pytest.fixture(scope="module")
def state(tiny):
    return build_state(tiny, np.random.default_rng(0))


def test_agent_and_branch_counts(tiny):
    assert agent_counts(tiny).tolist() == [200, 150, 60, 10, 100]
    # big: 200 agents, 6 per branch -> at least MIN_BRANCH_AGENTS; host: 150 / 30
    assert branch_counts(tiny).tolist() == [200 // MIN_BRANCH_AGENTS, 5, 2, 1]
    empty = with_values(tiny, {"organizations.big.size": 0.0})
    assert agent_counts(empty)[BIG] == 0 and branch_counts(empty)[BIG] == 1


def test_branches_are_dealt_evenly(state, tiny):
    offsets = np.concatenate([[0], np.cumsum(branch_counts(tiny))])
    for k in range(K):
        per_branch = np.bincount(state.branch[state.org == k] - offsets[k], minlength=offsets[k + 1] - offsets[k])
        assert per_branch.max() - per_branch.min() <= 1, k


@pytest.mark.parametrize("sorting", [0.5, 1.0])
def test_sorted_branches_are_dealt_evenly_and_hold_like_views(tiny, sorting):
    """Under branch_sorting a branch holds members of like views (the big organization's
    radicalism by branch rises with the branch's index, and the more so the stronger the
    sorting), dealt as evenly as at random; at 0 no draw moves (the random order is the same)."""
    offsets = np.concatenate([[0], np.cumsum(branch_counts(tiny))])
    sorted_ = build_state(with_values(tiny, {"network.branch_sorting": sorting}), np.random.default_rng(0))
    plain = build_state(tiny, np.random.default_rng(0))
    assert np.array_equal(sorted_.opinion, plain.opinion) and np.array_equal(sorted_.org, plain.org)
    big = sorted_.org == BIG
    branch = sorted_.branch[big] - offsets[BIG]
    per_branch = np.bincount(branch)
    assert per_branch.max() - per_branch.min() <= 1
    mean = np.bincount(branch, weights=sorted_.opinion[big, 0]) / per_branch
    if sorting == 1.0:  # sorted outright: each branch's members all lie above the last branch's
        assert np.all(np.diff(mean) > 0.0)
    assert np.corrcoef(np.arange(mean.size), mean)[0, 1] > 0.8
    at_random = np.bincount(plain.branch[big] - offsets[BIG], weights=plain.opinion[big, 0]) / per_branch
    assert np.ptp(mean) > 2 * np.ptp(at_random)


def test_state_shapes_and_dtypes(state, tiny):
    n = 520
    assert state.n == n
    expected = {
        "org": np.int16,
        "branch": np.int32,
        "stratum": np.int8,
        "opinion": np.float64,
        "satisfaction": np.float64,
        "committed": np.bool_,
        "faction": np.bool_,
        "cadre": np.bool_,
        "convinced": np.bool_,
        "faction_since": np.int32,
        "expelled_from": np.int16,
        "weight": np.float64,
        "origin": np.int16,
        "kernel0": np.bool_,
        "platform": np.float64,
        "ident": np.uint64,
        "root": np.int64,
        "social": np.int32,
        "splits": np.int32,
        "count": np.int64,
        "tally": np.float64,
    }
    for name, dtype in expected.items():
        assert getattr(state, name).dtype == dtype, name
    assert state.opinion.shape == (n, 2) and state.platform.shape == (4, 2)
    assert state.branch_start.shape == (int(branch_counts(tiny).sum()) + 1,)
    assert state.count.tolist() == [n] and state.capacity == n and state.tally.shape == (N_TALLY,)
    assert not state.tally.any() and not state.splits.any()
    # each agent is its own person at step 0: its own ident, root and row of the network
    for name in ("ident", "root", "social"):
        assert np.array_equal(getattr(state, name), np.arange(n)), name


def test_agents_are_laid_out_in_a_random_order(state, tiny):
    # not grouped by population: conversations are held in index order
    assert np.count_nonzero(np.diff(state.org) != 0) > 100
    assert np.array_equal(np.bincount(state.org), agent_counts(tiny))


def test_state_places_everyone_with_weights_summing_to_sizes(state, tiny):
    sizes = [o.size for o in tiny.organizations.values()] + [tiny.unorganized.size]
    assert np.bincount(state.org, weights=state.weight).tolist() == [round(x) for x in sizes]
    # whole persons, dealt as evenly as can be
    assert np.array_equal(state.weight, np.round(state.weight)) and state.weight.min() >= 1
    for k in range(K + 1):
        w = state.weight[state.org == k]
        assert w.max() - w.min() <= 1, k
    assert np.array_equal(state.origin, state.org)
    offsets = np.concatenate([[0], np.cumsum(branch_counts(tiny))])
    for k in range(K):
        inside = state.branch[state.org == k]
        assert np.all((inside >= offsets[k]) & (inside < offsets[k + 1]))
    assert np.all(state.branch[state.org == K] == -1)
    assert np.all((state.opinion >= 0) & (state.opinion <= 1))
    assert np.all(state.expelled_from == -1)


def test_the_start_sizes_member_recruitment_reads_are_the_persons_at_week_0(state, tiny):
    """Issue 24: a leader's growth is read against its persons at week 0, whatever the scale."""
    coarse = [k for k in tiny.org_keys if k not in (tiny.group, tiny.host, tiny.rival)]
    for field in (tiny, with_values(tiny, {f"organizations.{k}.persons_per_agent": 3.0 for k in coarse})):
        params = build_params(field, None)
        built = build_state(field, np.random.default_rng(0))
        persons = np.bincount(built.org[: built.n], weights=built.weight[: built.n], minlength=K + 1)
        assert params.start_size.tolist() == persons[:K].tolist()


def test_members_start_as_satisfied_as_fit_less_disappointment_allows(state, tiny):
    dis = _disappointment(tiny)[0]
    assert dis[HOST] == 0.2
    for k, org in enumerate(tiny.organizations.values()):
        members = (state.org == k) & ~state.committed
        gap = np.linalg.norm(state.opinion[members] - np.array(org.platform), axis=1)
        expected = np.clip(np.maximum(0.0, 1.0 - gap / org.tolerance) - dis[k], 0.0, 1.0)
        assert state.satisfaction[members] == pytest.approx(expected, abs=1e-12), k
    assert np.all(state.satisfaction[state.committed | (state.org == K)] == 1.0)
    assert np.all(state.satisfaction[(state.org == HOST) & ~state.committed] <= 0.8)


def _more_content_elsewhere(scenario, state, k):
    orgs = list(scenario.organizations.values())
    dis = _disappointment(scenario)[0]
    members = (state.org == k) & ~state.committed

    def content(m):
        gap = np.linalg.norm(state.opinion[members] - np.array(orgs[m].platform), axis=1)
        return np.maximum(0.0, 1.0 - gap / orgs[m].tolerance) - dis[m]

    # the group is not a place one drifts into: it wins its people by recruiting them
    elsewhere = np.max([content(m) for m in range(len(orgs)) if m not in (k, GROUP)], axis=0)
    return members, elsewhere > content(k)


def test_members_are_settled_where_they_would_stay(tiny):
    """Nobody starts where they would be more content elsewhere, but those the exact
    kernel share holds in place (the big party's kernel few have no better
    place in it); without the settling, some would."""
    unsettled = with_values(tiny, {"dynamics.settled_weeks": 0.0})
    for seed in range(3):
        settled = build_state(tiny, np.random.default_rng(seed))
        for k in (BIG, HOST, RIVAL):
            members, elsewhere = _more_content_elsewhere(tiny, settled, k)
            assert np.all(settled.kernel0[members][elsewhere]), (seed, k)
            if k != BIG:
                assert not elsewhere.any(), (seed, k)
    plain = build_state(unsettled, np.random.default_rng(0))
    assert _more_content_elsewhere(unsettled, plain, HOST)[1].sum() > 5


def test_group_members_are_committed_cadre_on_the_line(state, tiny):
    group = state.org == GROUP
    for arr in (state.faction, state.cadre, state.convinced):
        assert np.array_equal(arr, group)
    assert state.committed[group].all()
    assert np.all(state.opinion[group] == tiny.organizations["group"].platform)


def test_committed_core_holds_its_platform(state, tiny):
    rival = (state.org == RIVAL) & state.committed
    assert rival.sum() > 10
    assert np.all(state.opinion[rival] == tiny.organizations["rival"].platform)


def test_kernel_share_is_exact_per_stratum(state, tiny):
    theta = tiny.dynamics.kernel_threshold
    host = (state.org == HOST) & ~state.committed
    for s, key in enumerate(tiny.strata):
        members = host & (state.stratum == s)
        share = tiny.organizations["host"].kernel[key]
        assert np.count_nonzero(state.opinion[members, 0] >= theta) == round(share * members.sum())
    assert np.array_equal(state.kernel0, state.opinion[:, 0] >= theta)


def test_build_state_is_reproducible(tiny):
    a = build_state(tiny, np.random.default_rng(9))
    b = build_state(tiny, np.random.default_rng(9))
    c = build_state(tiny, np.random.default_rng(10))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a.opinion, c.opinion)


def test_disappointment_schedule_is_linear_within_its_spell(tiny):
    params = build_params(tiny, None)
    assert params.disappointment.shape == (11, 4)
    expected = [0.2 + 0.02 * t for t in range(11)]  # from level at week 0 to end_level at week 10
    assert params.disappointment[:, HOST] == pytest.approx(expected)
    assert np.all(params.disappointment[:, [BIG, RIVAL, GROUP]] == 0)


def test_without_openings_the_pull_is_the_attraction_and_joining_the_base_rate(tiny):
    params = build_params(tiny, None)
    assert params.attraction.shape == (11, 4)
    assert np.array_equal(params.attraction, np.tile([o.attraction for o in tiny.organizations.values()], (11, 1)))
    assert np.all(params.joining == 1.0) and np.all(params.mobilised == 0.0)


def test_an_opening_ramps_its_leaders_pull_and_the_joining_then_holds_them(tiny):
    opening = [{"start_week": 2.0, "end_week": 6.0, "pull": 3.0, "mobilisation": 2.0}]
    params = build_params(with_values(tiny, {"organizations.rival.opening": opening}), None)
    ramp = np.clip((np.arange(11) - 2.0) / 4.0, 0.0, 1.0)  # 0 to week 2, 1 from week 6
    assert params.attraction[:, RIVAL] == pytest.approx(2.0 * (1.0 + 2.0 * ramp))  # the rival's attraction is 2
    assert np.array_equal(
        params.attraction[:, [BIG, HOST, GROUP]], build_params(tiny, None).attraction[:, [BIG, HOST, GROUP]]
    )
    assert params.joining == pytest.approx(1.0 + ramp)
    assert params.mobilised[:, RIVAL].tolist() == [0.0] * 3 + [1.0] * 8  # it recruits all it adds, once it adds any
    assert np.all(params.mobilised[:, [BIG, HOST, GROUP]] == 0.0)


def test_an_openings_elation_is_its_leaders_crisis_turned_round(tiny):
    """Elation lowers the leader's disappointment schedule below 0 on the opening's ramp, added to
    its crises; the other organizations' schedules keep their bits."""
    opening = [{"start_week": 2.0, "end_week": 6.0, "mobilisation": 2.0, "elation": 0.4}]
    bare = build_params(tiny, None)
    params = build_params(with_values(tiny, {"organizations.host.opening": opening}), None)
    ramp = np.clip((np.arange(11) - 2.0) / 4.0, 0.0, 1.0)
    assert params.disappointment[:, HOST] == pytest.approx(bare.disappointment[:, HOST] - 0.4 * ramp)
    assert params.disappointment[6, HOST] < 0.0  # the tiny host's crisis (0.2 rising to 0.4) outweighed
    others = [BIG, RIVAL, GROUP]
    assert np.array_equal(params.disappointment[:, others], bare.disappointment[:, others])
    crises = [{"start_week": 0.0, "end_week": 10.0, "level": 0.8}, {"start_week": 0.0, "end_week": 10.0, "level": 0.6}]
    heavy = with_values(tiny, {"organizations.host.opening": opening, "organizations.host.disappointment": crises})
    # crises past 1 are clipped before the elation is subtracted: none of it is lost
    assert build_params(heavy, None).disappointment[:, HOST] == pytest.approx(1.0 - 0.4 * ramp)
    quiet = [{"start_week": 2.0, "end_week": 6.0, "mobilisation": 2.0}]  # no elation: no bit moves
    assert np.array_equal(build_params(with_values(tiny, {"organizations.host.opening": quiet}), None).disappointment,
                          bare.disappointment)  # fmt: skip


def test_openings_add_joiners_and_each_leader_recruits_its_share(field_data):
    """Two openings, fully open: 1 + (2 - 1) + (3 - 1) times the base rate; the rival recruits a
    third of the added joiners, the host two thirds."""
    data = field_data()
    data["organizations"]["rival"]["opening"] = [{"start_week": 0.0, "end_week": 0.0, "mobilisation": 2.0}]
    data["organizations"]["host"]["opening"] = [{"start_week": 0.0, "end_week": 0.0, "mobilisation": 3.0}]
    params = build_params(validate(data, "two"), None)
    assert params.joining == pytest.approx(np.full(11, 4.0))
    assert params.mobilised[:, [RIVAL, HOST]] == pytest.approx(np.tile([1 / 3, 2 / 3], (11, 1)))


def test_params_copy_the_scenario(tiny):
    p = build_params(tiny, None)
    assert (p.n_orgs, p.group, p.rival, p.host) == (4, GROUP, RIVAL, HOST)
    assert p.homogeneity.tolist() == [0.8, 0.2, 0.95, 0.9]
    assert p.receptivity.tolist() == [1.0, 0.5]
    assert p.line.tolist() == [0.9, 0.95]
    assert p.branch_offset.tolist() == [0, 25, 30, 32, 33]
    assert p.training_steps == 26 and p.confidence == 0.25 and p.branch_talk == 0.5
    strength = tiny.dynamics.press_strength
    assert p.organ_owner.tolist() == [HOST, RIVAL, GROUP]
    assert p.organ_reach[HOST_PAPER].tolist() == pytest.approx([0, 0.6 * strength, 0, 0, 0.05 * strength])
    assert p.organ_reach[OWN_ORGAN].tolist() == pytest.approx([0, 0.05 * strength, 0, strength, 0.01 * strength])


def test_training_steps_follow_the_step_length(tiny):
    weekly = with_values(tiny, {"step_weeks": 2.0, "dynamics.training_weeks": 27.0})
    assert build_params(weekly, None).training_steps == 14  # round(13.5) -> 14 (banker's: 14)


# --- the levers in the parameters ---------------------------------------------------------------


def test_before_entry_the_group_keeps_its_organ_and_has_no_voice(tiny):
    p = build_params(tiny, None)
    assert p.organ_voice.tolist() == [0, 0, 0]
    assert p.organ_reach[OWN_ORGAN].sum() > 0
    dyn = tiny.dynamics
    assert p.recruit_contacts == pytest.approx(dyn.recruit_contacts * (1 - dyn.organ_cost))
    assert p.bloc_weight == 3.0
    # in the rival the group's people count as undeclared individuals
    assert p.visibility.tolist() == [1.0, 1.0, 0.2, 1.0]
    assert p.expel_share.tolist() == [1.0, 1.0, 0.5, 1.0]
    assert p.active


def test_recruit_radius_is_capped_at_the_confidence_bound(tiny):
    wide_radius = with_values(tiny, {"dynamics.recruit_radius": 0.45})
    assert build_params(wide_radius, None).recruit_radius == tiny.dynamics.confidence == 0.25
    wide = with_values(wide_radius, {"dynamics.confidence": 0.6})
    assert build_params(wide, None).recruit_radius == 0.45


def test_populations_held_person_by_person(tiny):
    # big and the unorganized are coarse (10 persons an agent); host, rival, group person by person
    assert build_params(tiny, None).fine.tolist() == [False, True, True, True, False]


@pytest.mark.parametrize(
    ("form", "declaration", "bloc", "visibility", "share"),
    [
        ("faction", True, 3.0, 1.0, 1.0),
        ("faction", False, 3.0, 0.5, 1.0),
        ("individuals", True, 1.0, 0.4, 0.5),
        ("individuals", False, 1.0, 0.2, 0.5),
    ],
)
def test_form_and_declaration(tiny, form, declaration, bloc, visibility, share):
    s = with_values(tiny, {"strategies.enter.form": form, "strategies.enter.declaration": declaration})
    p = build_params(s, s.strategies["enter"])
    assert p.bloc_weight == bloc
    assert p.visibility.tolist() == pytest.approx([visibility, visibility, 0.2, visibility])
    assert p.expel_share.tolist() == [share, share, 0.5, share]
    # the group's voice in the host's press is halved without a declaration
    assert p.organ_voice.tolist() == pytest.approx([0.3 * (1.0 if declaration else 0.5), 0, 0])


@pytest.mark.parametrize(
    ("press", "own_reach", "host_voice", "contacts"),
    [("own", True, 0.0, 0.7), ("host", False, 0.3, 1.0), ("both", True, 0.3, 0.7), ("none", False, 0.0, 1.0)],
)
def test_press(tiny, press, own_reach, host_voice, contacts):
    """``contacts``: the share of recruiting effort left (organ_cost 0.3 with an own organ)."""
    assert tiny.dynamics.organ_cost == 0.3
    s = with_values(tiny, {"strategies.enter.press": press})
    p = build_params(s, s.strategies["enter"])
    assert (p.organ_reach[OWN_ORGAN].sum() > 0) == own_reach
    assert p.organ_reach[HOST_PAPER].tolist() == build_params(s, None).organ_reach[HOST_PAPER].tolist()
    assert p.organ_voice.tolist() == pytest.approx([host_voice, 0.0, 0.0])
    assert p.recruit_contacts == pytest.approx(contacts * tiny.dynamics.recruit_contacts)


def test_the_twin_world_is_silent_has_no_paper_and_does_not_recruit(tiny):
    strategy = tiny.strategies["keep_organ"]  # own organ and a voice in the host's press
    live = build_params(tiny, strategy)
    assert live.active and live.recruit_contacts > 0
    assert live.organ_reach[OWN_ORGAN].sum() > 0 and live.organ_voice[HOST_PAPER] > 0
    twin = build_params(tiny, strategy, active=False)
    assert not twin.active and twin.recruit_contacts == 0
    assert not twin.organ_reach[OWN_ORGAN].any() and not twin.organ_voice.any()
    # others' papers still reach their readers
    assert twin.organ_reach[HOST_PAPER].tolist() == live.organ_reach[HOST_PAPER].tolist()
    assert twin.organ_reach[RIVAL_PAPER].tolist() == live.organ_reach[RIVAL_PAPER].tolist()
    before = build_params(tiny, None, active=False)
    assert not before.active and before.recruit_contacts == 0 and not before.organ_reach[OWN_ORGAN].any()


@pytest.mark.parametrize(("speak", "recruit"), [(False, True), (True, False), (False, False)])
def test_a_strategy_may_keep_the_group_silent_or_not_recruiting(tiny, speak, recruit):
    s = with_values(tiny, {"strategies.enter.speak": speak, "strategies.enter.recruit": recruit})
    p = build_params(s, s.strategies["enter"])
    assert p.active == speak
    assert (p.recruit_contacts > 0) == recruit
    assert p.organ_voice[HOST_PAPER] > 0  # the paper is the press lever's, not these


@pytest.mark.parametrize("role", ["group", "host", "rival"])
def test_the_group_host_and_rival_are_counted_person_by_person(field_data, role):
    data = field_data()
    data["organizations"][role]["persons_per_agent"] = 2.0
    with pytest.raises(ScenarioError, match="persons_per_agent"):
        validate(data, "tiny")


def test_voice_only_in_organs_of_allocated_hosts(tiny):
    p = build_params(tiny, tiny.strategies["outside"])
    assert p.organ_voice.tolist() == [0, 0, 0]  # staying outside: no voice anywhere
    p = build_params(tiny, tiny.strategies["split"])  # host and rival, press "own" (default)
    assert p.organ_voice.tolist() == [0, 0, 0]
    s = with_values(tiny, {"strategies.split.press": "host", "organs.rival_paper.openness": 0.2})
    p = build_params(s, s.strategies["split"])
    assert p.organ_voice.tolist() == pytest.approx([0.3, 0.2, 0.0])


def test_allocation_vector(tiny):
    assert allocation_vector(tiny, tiny.strategies["split"]).tolist() == [0, 0.5, 0.5, 0]
    assert allocation_vector(tiny, tiny.strategies["outside"]).tolist() == [0, 0, 0, 1]


def test_britain_builds_at_a_coarse_scale_but_the_group_host_and_rival_person_by_person():
    from lever.model.loading import with_scale

    britain = with_scale(load("britain-1933"), 200.0)
    counts = agent_counts(britain)
    assert counts.tolist() == [round(371600 / 200), 10000, 5000, 40, 1000]
