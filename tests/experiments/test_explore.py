"""Designs of ``lever explore``: row counts, common random numbers, SALib reading the store."""

from __future__ import annotations

import numpy as np
import pytest
from fields import tiny

from lever.experiments.design import Design
from lever.experiments.execute import sweep
from lever.experiments.explore import DesignError, Exploration, problem, rows_for
from lever.store import Experiment

UNCERTAIN = [
    {"path": "dynamics.gravity", "low": 0.5, "high": 2.0},
    {"path": "dynamics.confidence", "low": 0.1, "high": 0.4},
    {"path": "organizations.ilp.homogeneity", "low": 0.0, "high": 1.0},
]


@pytest.fixture(scope="module")
def field():
    return tiny(uncertainties=UNCERTAIN)


@pytest.mark.parametrize(("sampler", "samples", "rows"), [("sobol", 8, 8 * (2 * 3 + 2)),
                                                           ("morris", 5, 5 * (3 + 1)),
                                                           ("factorial", 3, 27), ("lhs", 7, 7)])  # fmt: skip
def test_each_design_has_its_number_of_rows_inside_the_ranges(field, sampler, samples, rows):
    design = Exploration(field, sampler, samples, replications=2, strategies=("outside", "enter_ilp_faction"))
    assert rows_for(sampler, 3, samples) == rows == len(design.grid)
    assert len(design) == rows * 2 * 2
    low = np.array([u["low"] for u in UNCERTAIN])
    high = np.array([u["high"] for u in UNCERTAIN])
    assert ((design.grid >= low) & (design.grid <= high)).all()
    table = design.table()
    assert table["task"].tolist() == list(range(len(design)))
    for i in (0, 5, len(design) - 1):
        t = design[i]
        row = table.iloc[i]
        assert (t.strategy, t.draw, t.replication, t.seed) == (
            row["strategy"],
            row["draw"],
            row["replication"],
            row["seed"],
        )
        assert t.values == {u["path"]: row[u["path"]] for u in UNCERTAIN}


def test_lhs_draws_and_seeds_are_those_of_weigh(field):
    explore = Exploration(field, "lhs", 4, replications=2)
    weigh = Design(field, samples=4, replications=2)
    assert [(t.strategy, t.draw, t.replication, t.seed, t.values) for t in weigh.tasks()] == [
        (t.strategy, t.draw, t.replication, t.seed, t.values) for t in (explore[i] for i in range(len(explore)))
    ]


def test_seeds_depend_on_the_draw_and_replication_only(field):
    design = Exploration(field, "morris", 2, replications=2)
    table = design.table()
    assert (table.groupby(["draw", "replication"])["seed"].nunique() == 1).all()
    assert table.groupby("draw")["seed"].nunique().eq(2).all()


@pytest.mark.parametrize(("sampler", "samples", "needle"), [("sobol", 6, "power of two"),
                                                            ("factorial", 1, "at least 2"),
                                                            ("factorial", 1000, "more than")])  # fmt: skip
def test_designs_that_cannot_be_made_name_the_option(field, sampler, samples, needle):
    with pytest.raises(DesignError, match=needle):
        Exploration(field, sampler, samples)


def test_a_field_without_uncertainties_cannot_be_explored():
    with pytest.raises(DesignError, match="no \\[\\[uncertainties\\]\\]"):
        Exploration(tiny(uncertainties=[]), "sobol", 4)


def test_salib_analyzes_the_stored_sobol_outcomes_as_they_are(field, tmp_path):
    """N(2D+2) rows, run into the store; SALib's analyze takes the stored column unchanged."""
    from SALib.analyze import sobol

    design = Exploration(field, "sobol", 4, steps=3, strategies=("outside",))
    exp = Experiment.create(tmp_path, "sobol", design.spec())
    exp.write_design(design.table())
    swept = sweep(design, field, 3, exp, jobs=1)
    assert (swept.total, swept.ok, swept.failed) == (4 * (2 * 3 + 2), 32, 0)
    runs = exp.runs()
    assert np.array_equal(runs[design.paths].to_numpy(), design.grid)
    indices = sobol.analyze(problem(field), runs["host_kernel"].to_numpy(), calc_second_order=True, seed=1)
    assert indices["S1"].shape == (3,) and indices["S2"].shape == (3, 3)
    assert exp.status() == "complete"
