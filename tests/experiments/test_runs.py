"""Weigh: the design, common random numbers, executors, and answers known by construction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fields import tiny

from lever.analysis import baseline_strategy, rank, regret
from lever.experiments.design import Design
from lever.experiments.runs import run_design
from lever.model.loading import with_values


@pytest.fixture(scope="module")
def field():
    sc = tiny()
    twin = sc.strategies["outside"].model_dump()
    return with_values(sc, {"strategies.outside_twin": twin})


@pytest.fixture(scope="module")
def result(field):
    return run_design(Design(field, samples=3, replications=2, seed=5))


def test_design_runs_every_strategy_draw_and_replication(field, result):
    runs = result.runs
    assert len(runs) == len(field.strategies) * 3 * 2
    counts = runs.groupby(["strategy", "draw", "replication"]).size()
    assert (counts == 1).all() and len(counts) == len(runs)


def test_draws_are_a_latin_hypercube_within_the_ranges(field):
    draws = Design(field, samples=10, replications=1).draws()
    for u in field.uncertainties:
        column = draws[u.path].to_numpy()
        assert ((column >= u.low) & (column <= u.high)).all()
        # one draw in each tenth of the range: the Latin-hypercube property
        bins = np.floor((column - u.low) / (u.high - u.low) * 10).clip(0, 9)
        assert sorted(bins) == list(range(10))


def test_common_random_numbers_share_seed_and_values_across_strategies(result):
    per_world = result.runs.groupby(["draw", "replication"])
    assert (per_world["seed"].nunique() == 1).all()
    assert (per_world["dynamics.gravity"].nunique() == 1).all()
    assert result.runs.groupby("draw")["seed"].nunique().min() == 2


def test_identical_strategies_differ_by_exactly_zero_in_every_run(result):
    table = result.runs.pivot_table(index=["draw", "replication"], columns="strategy", values="group_members")
    assert (table["outside_twin"] - table["outside"] == 0).all()
    ranking = rank(result.runs, "group_members", "outside")
    twin = ranking.table.set_index("strategy").loc["outside_twin"]
    assert twin["diff_median"] == twin["diff_low"] == twin["diff_high"] == 0
    assert twin["p_beat"] == 0


def test_regret_is_zero_for_the_best_strategy_of_each_run(result):
    for outcome in ("group_members", "newly_won", "expelled"):
        table = regret(result.runs, outcome)
        assert (table.min(axis=1) == 0).all()
        assert (table >= 0).all().all()


def test_one_and_two_jobs_give_identical_results(field, result):
    two = run_design(Design(field, samples=3, replications=2, seed=5), jobs=2)
    pd.testing.assert_frame_equal(result.runs, two.runs)
    for s in result.series:
        assert np.array_equal(result.series[s], two.series[s])


def test_a_different_seed_gives_different_runs(field, result):
    other = run_design(Design(field, samples=3, replications=2, seed=6))
    assert not result.runs["seed"].equals(other.runs["seed"])
    assert not result.runs["views_held"].equals(other.runs["views_held"])


def test_uncertainty_on_a_missing_path_fails_before_running(field):
    data = field.model_dump()
    data["uncertainties"] = [{"path": "dynamics.nosuch", "low": 0.0, "high": 1.0}]
    from lever.model.loading import ScenarioError, validate

    with pytest.raises(ScenarioError, match="nosuch"):
        run_design(Design(validate(data, "t"), samples=2, replications=1))


def _mean_rank(sc, samples=4, replications=3):
    runs = run_design(Design(sc, samples=samples, replications=replications, seed=1)).runs
    order = list(rank(runs, "group_members", baseline_strategy(sc)).table["strategy"])
    return order, runs.groupby("strategy")["group_members"].mean()


def entry_field(**changes):
    """A radical host holding the group's likeliest recruits, no crisis, no uncertainty, and
    two strategies that differ only in entry (both keep the own organ)."""
    return tiny(**{
        "organizations.ilp.platform": [0.75, 0.8],
        "organizations.ilp.kernel": {"worker": 0.8, "petty_bourgeois": 0.6},
        "organizations.ilp.disappointment": [],
        "uncertainties": [],
        "strategies": {
            "outside": {"allocation": {"group": 1.0}, "press": "own"},
            "enter": {"allocation": {"ilp": 1.0}, "form": "faction", "press": "own"},
        },
        "default_strategy": "enter",
        **changes,
    })  # fmt: skip


def test_entry_into_a_host_that_tolerates_no_current_ranks_below_staying_outside():
    """h = 1 and certain detection: the faction is expelled at once and then distrusted."""
    sc = entry_field(**{
        "organizations.group.size": 40.0,
        "organizations.ilp.homogeneity": 1.0,
        "dynamics.detection": 1.0,
        "horizon_weeks": 104.0,  # long enough for the distrust to tell
    })  # fmt: skip
    order, means = _mean_rank(sc)
    assert order.index("enter") > order.index("outside")
    assert means["enter"] < means["outside"]


def test_entry_into_a_loose_large_leftward_host_ranks_above_staying_outside():
    """h = 0, a host 50 times the group whose members pull its platform toward revolution."""
    sc = entry_field(**{
        "organizations.ilp.homogeneity": 0.0,
        "organizations.ilp.size": 500.0,
        "dynamics.platform_drift": 0.2,
        "horizon_weeks": 30.0,
    })  # fmt: skip
    order, means = _mean_rank(sc)
    assert order.index("enter") < order.index("outside")
    assert means["enter"] > means["outside"]


def test_the_host_kernel_to_win_is_counted_in_the_field_s_reach_stratum_or_every_stratum():
    """Not silently 0 where no stratum is called 'worker': without a reach_stratum every
    stratum counts; with one, that stratum alone."""
    from lever.experiments.tasks import Task, run_task

    base = tiny(**{"uncertainties": []})
    renamed = base.model_dump(mode="python")
    renamed["strata"] = {"shop_floor" if k == "worker" else k: v for k, v in renamed["strata"].items()}
    for pop in [*renamed["organizations"].values(), renamed["unorganized"]]:
        for table in ("strata", "kernel"):
            pop[table] = {"shop_floor" if k == "worker" else k: v for k, v in pop[table].items()}
    renamed["reach_stratum"] = None
    from lever.model.loading import validate

    field = validate(renamed, "renamed")
    task = Task(0, "outside", 0, 0, 0, 1, {})
    every = run_task(field, 1, task).outcomes
    assert every["host_kernel_in_reach_start"] == every["host_kernel_start"] > 0
    shop = run_task(with_values(field, {"reach_stratum": "shop_floor"}), 1, task).outcomes
    assert 0 < shop["host_kernel_in_reach_start"] < every["host_kernel_start"]
