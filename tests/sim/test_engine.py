"""The step loop: shape of a run, conservation and determinism (property-based), the levers."""

from __future__ import annotations

from unittest import mock

import hypothesis.strategies as st
import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import lever.sim.engine
from lever.model.loading import validate, with_values
from lever.model.network import from_edges
from lever.sim.engine import TALLIES, Run, simulate

BIG, HOST, RIVAL, GROUP, K = 0, 1, 2, 3, 4
LABELS = ["big", "host", "rival", "group", "none"]
SIZES = [f"size_{k}" for k in LABELS]


# --- the shape of a run -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run(tiny) -> Run:
    return simulate(tiny, seed=1)


def test_series_has_one_row_per_step_and_the_documented_columns(run, tiny):
    s = run.series
    assert len(s) == tiny.steps + 1 == 11
    assert s["step"].tolist() == list(range(11))
    assert s["week"].tolist() == [float(t) for t in range(11)]
    expected = [
        "step",
        "week",
        *SIZES,
        *(f"kernel_{k}" for k in LABELS),
        "group_members",
        "group_cadre",
        "won",
        "host_kernel_in_rival",
    ]
    for k in LABELS[:-1]:
        expected += [f"radicalism_{k}", f"independence_{k}"]
    assert list(s.columns) == [*expected, "expelled", *TALLIES]
    assert run.strategy == "enter" and run.seed == 1
    first = s.iloc[0]
    assert first[SIZES].tolist() == [2000, 150, 60, 10, 1000]
    assert first["group_members"] == 10 and first["group_cadre"] == 10 and first["expelled"] == 0
    assert first[["radicalism_host", "independence_host"]].tolist() == [0.6, 0.6]


def test_flow_table_is_labelled(run):
    table = run.flow_table()
    assert run.labels == LABELS
    assert list(table.index) == LABELS and list(table.columns) == LABELS
    assert table.index.name == "from"
    assert np.array_equal(table.to_numpy(), run.flows)


def test_week_follows_step_length(field_data):
    scenario = validate(field_data() | {"step_weeks": 2.0, "horizon_weeks": 10.0}, "x")
    s = simulate(scenario, seed=0).series
    assert s["week"].tolist() == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]


def test_steps_past_the_horizon_and_progress_callback(tiny):
    seen = []
    r = simulate(tiny, seed=0, steps=15, on_step=seen.append)
    assert seen == list(range(1, 16))
    assert len(r.series) == 16


def test_an_opening_at_its_off_values_changes_no_bit_and_one_on_runs_past_the_horizon(tiny):
    off = with_values(tiny, {"organizations.rival.opening": [{"start_week": 0.0, "end_week": 5.0}]})
    assert simulate(off, seed=3).series.equals(simulate(tiny, seed=3).series)
    on = with_values(tiny, {"organizations.rival.opening": [{"start_week": 0.0, "end_week": 5.0, "pull": 4.0,
                                                             "mobilisation": 3.0}]})  # fmt: skip
    run = simulate(on, seed=3, steps=15)  # the schedules hold their last row past the horizon
    assert len(run.series) == 16
    assert run.flows[-1, 2] > simulate(tiny, seed=3, steps=15).flows[-1, 2]  # the rival gains joiners


def test_strategy_defaults_to_the_scenarios(tiny):
    assert simulate(tiny, steps=1).strategy == tiny.default_strategy
    assert simulate(tiny, "outside", steps=1).strategy == "outside"
    with pytest.raises(KeyError):
        simulate(tiny, "dither", steps=1)


def test_a_given_network_replaces_the_social_layer(tiny):
    n = 520
    empty = from_edges(np.empty(0), np.empty(0), n)
    default = simulate(tiny, seed=3)
    alone = simulate(tiny, seed=3, network=empty)
    graph = nx.empty_graph(n)
    assert not np.array_equal(alone.final.opinion, default.final.opinion)
    via_nx = simulate(tiny, seed=3, network=graph)
    assert np.array_equal(via_nx.final.opinion, alone.final.opinion)
    assert np.array_equal(via_nx.series.to_numpy(), alone.series.to_numpy())


# --- properties over random small fields --------------------------------------------------------

unit = st.floats(0.0, 1.0)


@st.composite
def fields(draw, base):
    data = base()
    for key, (lo, hi) in {"big": (0, 3000), "host": (5, 300), "rival": (0, 120), "group": (0, 30)}.items():
        org = data["organizations"][key]
        org["size"] = float(draw(st.integers(lo, hi)))
        org["platform"] = [draw(unit), draw(unit)]
        org["homogeneity"] = draw(unit)
        org["spread"] = draw(st.floats(0.01, 0.3))
    data["unorganized"]["size"] = float(draw(st.integers(0, 2000)))
    dyn = data["dynamics"]
    dyn["detection"] = draw(unit)
    dyn["gravity"] = draw(st.floats(0.0, 3.0))
    dyn["join_rate"] = draw(st.floats(0.0, 0.3))
    dyn["stay_unorganized"] = draw(unit)
    dyn["recruit_prob"] = draw(unit)
    dyn["recruit_radius"] = draw(st.floats(0.1, 1.5))
    dyn["training_weeks"] = float(draw(st.integers(0, 6)))
    dyn["confidence"] = draw(st.floats(0.05, 1.5))
    dyn["convergence"] = draw(st.floats(0.01, 0.5))
    dyn["leave_steepness"] = draw(st.floats(1.0, 8.0))
    dyn["satisfaction_rate"] = draw(unit)
    spell = data["organizations"]["host"]["disappointment"][0]
    spell["level"], spell["end_level"] = draw(unit), draw(unit)
    data["horizon_weeks"] = float(draw(st.integers(1, 12)))
    name = draw(st.sampled_from(sorted(data["strategies"])))
    strategy = data["strategies"][name]
    strategy["entry_week"] = float(draw(st.integers(0, 5)))
    strategy["conviction"] = draw(unit)
    strategy["form"] = draw(st.sampled_from(["faction", "individuals"]))
    strategy["declaration"] = draw(st.booleans())
    strategy["press"] = draw(st.sampled_from(["own", "host", "both", "none"]))
    strategy["speak"] = draw(st.booleans())
    strategy["recruit"] = draw(st.booleans())
    data["default_strategy"] = name
    return validate(data, "hypothesis")


def check_persons(state, params, failures: list[str], totals: list[float]) -> None:
    """Person by person where the group acts: no agent of the group, the host or the rival
    (nor any of the group's people, nor anyone in a population held one by one) stands for
    more than one person; every agent stands for a whole number of persons; persons are
    conserved exactly (the first call records the total)."""
    w = state.weight
    fine = params.fine[state.org]
    for k, name in ((params.group, "group"), (params.host, "host"), (params.rival, "rival")):
        if np.any(w[state.org == k] > 1.0):
            failures.append(f"an agent of the {name} weighs {w[state.org == k].max()}")
    if np.any(w[fine] > 1.0) or np.any(w[state.faction] > 1.0):
        failures.append("a coarse agent in a population held person by person, or in the group")
    if np.any(w < 1.0) or np.any(w != np.floor(w)):
        failures.append("an agent stands for a part of a person")
    if not totals:
        totals.append(float(w.sum()))
    elif float(w.sum()) != totals[0]:
        failures.append(f"persons not conserved: {w.sum()} != {totals[0]}")
    if state.tally[6] != 0:
        failures.append("a person could not be split off for want of room")


def _checking_observe(failures: list[str], real):
    """``observe`` that also checks the population's invariants at every step."""
    totals: list[float] = []

    def observe(state, params):
        K_ = params.n_orgs
        alive = state.trimmed()  # the rows past count[0] are room, not persons
        check_persons(alive, params, failures, totals)
        state = alive
        where = f"step with {int(state.faction.sum())} in the faction"
        if not np.all((state.org >= 0) & (state.org <= K_)):
            failures.append(f"org out of 0..K at {where}")
        for k in range(K_ + 1):
            inside = state.branch[state.org == k]
            if k == K_:
                ok = np.all(inside == -1)
            else:
                ok = np.all((inside >= params.branch_offset[k]) & (inside < params.branch_offset[k + 1]))
            if not ok:
                failures.append(f"branch outside organization {k} at {where}")
        if not np.all((state.opinion >= 0) & (state.opinion <= 1)):
            failures.append(f"opinion outside [0,1]^2 at {where}")
        if not np.all((state.satisfaction >= 0) & (state.satisfaction <= 1)):
            failures.append(f"satisfaction outside [0,1] at {where}")
        if np.any(state.cadre & ~state.faction) or np.any(state.cadre & ~state.committed):
            failures.append(f"cadre outside the faction or uncommitted at {where}")
        return real(state, params)

    return observe


@settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_conservation_bounds_and_determinism(field_data, data, seed):
    scenario = data.draw(fields(field_data))
    failures: list[str] = []
    with mock.patch.object(lever.sim.engine, "observe", _checking_observe(failures, lever.sim.engine.observe)):
        run = simulate(scenario, seed=seed)
    assert failures == []
    s = run.series
    assert len(s) == scenario.steps + 1
    sizes = s[SIZES].to_numpy()
    total = sizes[0].sum()
    assert total == pytest.approx(sum(o.size for o in scenario.organizations.values()) + scenario.unorganized.size)
    assert np.all(sizes.sum(axis=1) == total)  # whole persons: conserved exactly
    # flows: what came in minus what went out is the change in size
    net_in = run.flows.sum(axis=0) - run.flows.sum(axis=1)
    assert np.allclose(sizes[-1] - sizes[0], net_in, rtol=0, atol=1e-9 * max(total, 1.0))
    assert np.all(run.flows >= 0)
    final = run.final
    assert np.all((final.org >= 0) & (final.org <= K))
    assert np.allclose(np.bincount(final.org, weights=final.weight, minlength=K + 1), sizes[-1])
    assert s["group_members"].iloc[-1] == pytest.approx(final.weight[final.faction].sum())
    assert np.all(np.diff(s["expelled"].to_numpy()) >= 0)
    # determinism: the same seed gives the same bits, another seed another history
    again = simulate(scenario, seed=seed)
    assert np.array_equal(again.series.to_numpy(), s.to_numpy())
    assert np.array_equal(again.flows, run.flows)
    for a, b in zip(again.final, final, strict=True):
        assert np.array_equal(a, b)
    other = simulate(scenario, seed=seed + 1)
    assert not np.array_equal(other.final.opinion, final.opinion)


# --- the levers in runs -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def quiet(tiny):
    """The tiny field where nobody joins, leavers join nothing and nobody is expelled: the
    group's size moves only by its own strategy and recruiting."""
    return with_values(tiny, {"dynamics.join_rate": 0.0, "dynamics.stay_unorganized": 1.0, "dynamics.detection": 0.0})


def _group_people(run: Run) -> np.ndarray:
    return run.final.org[run.final.origin == GROUP]


def test_allocation_entry_puts_the_group_in_the_host(quiet):
    run = simulate(quiet, "enter", seed=0, steps=1)
    assert np.all(_group_people(run) == HOST)
    assert run.series["size_group"].tolist() == [10, 0]
    assert run.flows[GROUP, HOST] == 10


def test_allocation_outside_keeps_the_group_in_its_own_organization(quiet):
    run = simulate(quiet, "outside", seed=0)
    assert np.all(_group_people(run) == GROUP)
    assert run.flows[GROUP].sum() == 0


def test_allocation_split_between_two_hosts(quiet):
    run = simulate(quiet, "split", seed=0, steps=1)
    assert np.bincount(_group_people(run), minlength=K + 1).tolist() == [0, 5, 5, 0, 0]


@pytest.mark.parametrize("entry_week", [0.0, 3.0, 7.0])
def test_timing_delays_entry(quiet, entry_week):
    scenario = with_values(quiet, {"strategies.enter.entry_week": entry_week, "dynamics.recruit_prob": 0.0})
    sizes = simulate(scenario, "enter", seed=2).series["size_group"].tolist()
    entered = int(entry_week) + 1  # entry opens the step after week entry_week
    assert sizes == [10.0] * entered + [0.0] * (11 - entered)


def test_conviction_zero_means_no_recruiting_inside(quiet):
    eager = with_values(quiet, {"dynamics.recruit_prob": 1.0, "dynamics.recruit_radius": 1.5})
    none = with_values(eager, {"strategies.enter.conviction": 0.0})
    doubting = simulate(none, "enter", seed=4)
    assert doubting.series["group_members"].tolist() == [10.0] * 11
    assert not np.any(doubting.final.convinced & doubting.final.cadre)
    convinced = simulate(eager, "enter", seed=4)
    assert convinced.series["group_members"].iloc[-1] > 10
    assert np.all(convinced.final.convinced[convinced.final.origin == GROUP])


def test_a_monolithic_host_expels_a_declared_faction_at_once(tiny):
    scenario = with_values(tiny, {"organizations.host.homogeneity": 1.0, "dynamics.detection": 1.0})
    run = simulate(scenario, "enter", seed=0, steps=3)
    assert run.series["expelled"].tolist() == [0, 10, 10, 10]
    assert run.flows[HOST, GROUP] >= 10
    assert np.all(run.final.expelled_from[run.final.origin == GROUP] == HOST)


def test_committed_people_never_move_over_a_long_run(tiny):
    from lever.model.build import build_state

    scenario = with_values(tiny, {"dynamics.join_rate": 0.05, "dynamics.detection": 0.0})
    start = build_state(scenario, np.random.default_rng(np.random.SeedSequence(11)))
    run = simulate(scenario, "outside", seed=11, steps=60)
    committed = start.committed
    n0 = start.n  # persons split off later sit past the agents of step 0
    assert committed.sum() > 30
    assert np.array_equal(run.final.org[:n0][committed], start.org[committed])
    assert np.array_equal(run.final.opinion[:n0][committed], start.opinion[committed])
    assert not np.array_equal(run.final.org[:n0][~committed], start.org[~committed])  # others did move


def test_same_seed_same_run_whatever_the_number_of_threads(tiny):
    import numba

    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = simulate(tiny, seed=4, steps=6)
        numba.set_num_threads(before)
        many = simulate(tiny, seed=4, steps=6)
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(one.final.opinion, many.final.opinion)
    assert one.series.equals(many.series)


# -- what makes entry fatal, or useless (issue 11) ----------------------------------------------


def test_a_group_that_gave_up_its_paper_has_it_back_the_stated_time_after_its_first_expulsion(tiny):
    from lever.model.build import build_params, build_state
    from lever.sim.engine import _rebuilt_paper

    field = with_values(tiny, {"dynamics.rebuild_weeks": 4.0}, "test")
    enter = field.strategies["enter"]
    after = build_params(field, enter)
    own = list(field.organs).index("own_organ")
    assert after.rebuild_steps == 4 and not after.organ_reach[own].any()
    state = build_state(field, np.random.default_rng(0))
    assert _rebuilt_paper(field, enter, after, state, 9) is after  # no expulsion yet
    state.expulsion[1] = 5
    assert _rebuilt_paper(field, enter, after, state, 8) is after
    back = _rebuilt_paper(field, enter, after, state, 9)
    assert back.organ_reach[own].any() and back.rebuild_steps == -1
    assert back.recruit_contacts == pytest.approx(after.recruit_contacts * (1 - field.dynamics.organ_cost))
    # a group that kept its paper, or the mechanism off: nothing to rebuild
    assert build_params(field, field.strategies["keep_organ"]).rebuild_steps == -1
    assert build_params(tiny, enter).rebuild_steps == -1


def _cadre_at_horizon(field, strategy: str, worlds: int) -> np.ndarray:
    from lever.experiments.design import Design

    design = Design(field, samples=worlds, replications=1, seed=11)
    out = []
    for task in (t for t in design.tasks() if t.strategy == strategy):
        world = with_values(field, task.values, "test")
        out.append(simulate(world, strategy, seed=task.seed).series["group_cadre"].iloc[-1])
    return np.array(out)


def test_a_homogeneous_host_that_expels_and_breaks_cadre_makes_entry_cost_cadre_in_every_world(tiny):
    # 20 weeks, shorter than training: cadre at the horizon are those the group kept
    fatal = with_values(
        tiny,
        {
            "horizon_weeks": 20.0,
            "organizations.host.homogeneity": 1.0,
            "dynamics.detection": 1.0,
            "dynamics.capitulation": 1.0,
            "dynamics.assimilation_weeks": 1.0,
            "dynamics.demoralisation": 0.5,
        },
        "test",
    )
    inside, outside = _cadre_at_horizon(fatal, "enter", 8), _cadre_at_horizon(fatal, "outside", 8)
    assert (inside < outside).all(), (inside, outside)
    loose = with_values(
        tiny,
        {
            "horizon_weeks": 20.0,
            "organizations.host.homogeneity": 0.2,
            "organizations.host.size": 3000.0,
            "dynamics.demoralisation": 0.5,
        },
        "test",
    )
    inside, outside = _cadre_at_horizon(loose, "enter", 8), _cadre_at_horizon(loose, "outside", 8)
    assert not (inside < outside).all() and (inside >= outside).mean() >= 0.75, (inside, outside)


@pytest.mark.parametrize("last", [11.0, 1e6])
def test_a_run_until_its_milestones_ends_in_the_week_the_group_reaches_the_last_with_the_same_bits(last):
    """Up to the week the group first counts the last milestone the run is the full run, bit for
    bit; it ends there. A milestone never reached runs to the horizon."""
    from fields import tiny

    from lever.sim.results import weeks_to

    field = tiny(milestones=[10.5, last])
    full = simulate(field, "enter_ilp_faction", seed=4)
    reached = weeks_to(full, last)
    short = simulate(field, "enter_ilp_faction", seed=4, until_milestones=True)
    rows = len(full.series) if reached is None else int(reached / field.step_weeks) + 1
    if last == 1e6:
        assert reached is None
    else:  # reached before the horizon: the short run is shorter
        assert reached is not None and rows < len(full.series)
    assert len(short.series) == rows
    np.testing.assert_array_equal(short.series.to_numpy(), full.series.iloc[:rows].to_numpy())
