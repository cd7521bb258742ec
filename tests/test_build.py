"""From a validated scenario to the arrays the engine steps."""

from __future__ import annotations

import numpy as np
import pytest

from lever.build import (
    MIN_BRANCH_AGENTS,
    agent_counts,
    allocation_vector,
    branch_counts,
    build_params,
    build_state,
)
from lever.scenarios import load, with_values

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


def test_state_shapes_and_dtypes(state, tiny):
    n = 520
    assert state.n == n
    expected = {"org": np.int16, "branch": np.int32, "stratum": np.int8, "opinion": np.float64,
                "satisfaction": np.float64, "committed": np.bool_, "faction": np.bool_, "cadre": np.bool_,
                "convinced": np.bool_, "faction_since": np.int32, "expelled_from": np.int16,
                "weight": np.float64, "origin": np.int16, "revolutionary0": np.bool_, "platform": np.float64}
    for name, dtype in expected.items():
        assert getattr(state, name).dtype == dtype, name
    assert state.opinion.shape == (n, 2) and state.platform.shape == (4, 2)
    assert state.branch_start.shape == (int(branch_counts(tiny).sum()) + 1,)


def test_state_places_everyone_with_weights_summing_to_sizes(state, tiny):
    sizes = [o.size for o in tiny.organizations.values()] + [tiny.unorganized.size]
    assert np.bincount(state.org, weights=state.weight).tolist() == pytest.approx(sizes)
    assert np.array_equal(state.origin, state.org)
    offsets = np.concatenate([[0], np.cumsum(branch_counts(tiny))])
    for k in range(K):
        inside = state.branch[state.org == k]
        assert np.all((inside >= offsets[k]) & (inside < offsets[k + 1]))
    assert np.all(state.branch[state.org == K] == -1)
    assert np.all((state.opinion >= 0) & (state.opinion <= 1))
    assert np.all(state.satisfaction == 1) and np.all(state.expelled_from == -1)


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


def test_revolutionary_share_is_exact_per_stratum(state, tiny):
    theta = tiny.dynamics.kernel_threshold
    host = (state.org == HOST) & ~state.committed
    for s, key in enumerate(tiny.strata):
        members = host & (state.stratum == s)
        share = tiny.organizations["host"].kernel[key]
        assert np.count_nonzero(state.opinion[members, 0] >= theta) == round(share * members.sum())
    assert np.array_equal(state.revolutionary0, state.opinion[:, 0] >= theta)


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
    assert (p.bloc_weight, p.visibility, p.expel_share) == (3.0, 1.0, 1.0)


@pytest.mark.parametrize(
    ("form", "declaration", "bloc", "visibility", "share"),
    [("faction", True, 3.0, 1.0, 1.0), ("faction", False, 3.0, 0.5, 1.0),
     ("individuals", True, 1.0, 0.4, 0.5), ("individuals", False, 1.0, 0.2, 0.5)],
)
def test_form_and_declaration(tiny, form, declaration, bloc, visibility, share):
    s = with_values(tiny, {"strategies.enter.form": form, "strategies.enter.declaration": declaration})
    p = build_params(s, s.strategies["enter"])
    assert p.bloc_weight == bloc
    assert p.visibility == pytest.approx(visibility)
    assert p.expel_share == share
    # the group's voice in the host's press is halved without a declaration
    assert p.organ_voice.tolist() == pytest.approx([0.3 * (1.0 if declaration else 0.5), 0, 0])


@pytest.mark.parametrize(
    ("press", "own_reach", "host_voice", "contacts"),
    [("own", True, 0.0, 0.7), ("host", False, 0.3, 1.0), ("both", True, 0.3, 0.7)],
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


def test_britain_builds_at_a_coarse_scale():
    from lever.scenarios import with_scale

    britain = with_scale(load("britain-1933"), 200.0)
    counts = agent_counts(britain)
    assert counts.tolist() == [round(371600 / 200), 50, 25, 40, 1000]
