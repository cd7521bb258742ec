"""The fit: figures after the cutoff cannot reach it, and on data the model made at known
values it recovers the values of the parameters it calls identified."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from fields import tiny_1932

from lever.calibration import Budget, calibrate, place, summary
from lever.calibration.fit import BEFORE, BEYOND, FITTED, HELD_OUT, PRIOR
from lever.calibration.posterior import write_posterior
from lever.calibration.record import Figure, Record
from lever.model.loading import ScenarioError, with_values
from lever.sim.engine import simulate

START = dt.date(1932, 7, 31)
CUTOFF = START + dt.timedelta(weeks=13)
BUDGET = Budget(points=12, waves=2, replications=2, predictive=3)


def week(w: float) -> dt.date:
    return START + dt.timedelta(weeks=w)


def figure(series: str, w: float, value: float, sd: float) -> Figure:
    return Figure(series=series, date=week(w), value=value, sd=sd, source="test")


def record(late: list[Figure]) -> Record:
    """Fitted figures near what the tiny field does at its defaults, and ``late`` ones."""
    early = [figure("size_ilp", 4, 380.0, 20.0), figure("size_ilp", 12, 350.0, 20.0),
             figure("size_cpgb", 8, 200.0, 15.0), figure("group_members", 10, 10.0, 2.0)]  # fmt: skip
    return Record(name="test", discrepancy=0.05, figures=[figure("size_cpgb", -20, 150.0, 10.0), *early, *late])


def test_each_figure_has_its_role():
    late = [figure("size_ilp", 20, 300.0, 20.0), figure("size_ilp", 40, 200.0, 20.0)]
    roles = [t.role for t in place(record(late), tiny_1932(), CUTOFF, "test")]
    assert roles == [BEFORE, FITTED, FITTED, FITTED, FITTED, HELD_OUT, BEYOND]


def test_a_record_with_nothing_before_the_cutoff_is_refused():
    with pytest.raises(ScenarioError, match="nothing to fit"):
        place(record([]), tiny_1932(), START, "test")


def _fit(rec: Record, store, scenario=None):
    return calibrate(scenario or tiny_1932(), rec, cutoff=CUTOFF, budget=BUDGET, seed=3, store=store)


def test_figures_after_the_cutoff_change_nothing_in_the_fit_bit_for_bit(tmp_path):
    first = _fit(record([figure("size_ilp", 20, 300.0, 20.0), figure("group_members", 25, 12.0, 3.0)]), tmp_path / "a")
    # other values, uncertainties and dates after the cutoff, one more figure, one fewer
    other = [figure("size_ilp", 14, 9999.0, 1.0), figure("size_cpgb", 29, 0.0, 500.0),
             figure("size_labour", 60, 1.0, 1.0)]  # fmt: skip
    second = _fit(record(other), tmp_path / "b")
    assert len(first.posterior) > 0, "the fit must keep draws for the comparison to mean anything"
    for a, b in zip(first.waves, second.waves, strict=True):
        pd.testing.assert_frame_equal(a.values, b.values, check_exact=True)
        pd.testing.assert_frame_equal(a.implausibility, b.implausibility, check_exact=True)
        assert np.array_equal(a.kept, b.kept)
    write_posterior(first, tmp_path / "a.csv")
    write_posterior(second, tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_a_figure_before_the_cutoff_does_change_the_fit(tmp_path):
    """The test above can fail: the same change before the cutoff reaches the fit."""
    first = _fit(record([]), tmp_path / "a")
    changed = record([])
    figures = [*changed.figures]
    figures[2] = figure("size_ilp", 12, 250.0, 20.0)
    second = _fit(changed.model_copy(update={"figures": figures}), tmp_path / "b")
    assert not first.waves[0].implausibility.equals(second.waves[0].implausibility)


def test_a_prior_before_the_cutoff_is_never_fitted(tmp_path):
    """A figure the record marks a prior is shown, not fitted: changing its value changes nothing;
    the same figure read in a source does change the fit (so the test can fail)."""

    def with_extra(value: float, basis: str) -> Record:
        extra = figure("size_ilp", 8, value, 10.0).model_copy(update={"basis": basis})
        return record([extra])

    assert PRIOR in [t.role for t in place(with_extra(360.0, "prior"), tiny_1932(), CUTOFF, "test")]
    first, second = _fit(with_extra(360.0, "prior"), tmp_path / "a"), _fit(with_extra(100.0, "prior"), tmp_path / "b")
    for a, b in zip(first.waves, second.waves, strict=True):
        pd.testing.assert_frame_equal(a.implausibility, b.implausibility, check_exact=True)
    pd.testing.assert_frame_equal(first.posterior, second.posterior, check_exact=True)
    read = _fit(with_extra(100.0, "read"), tmp_path / "c")
    assert not first.waves[0].implausibility.equals(read.waves[0].implausibility)


TRUTH = {"organizations.ilp.disappointment.1.level": 0.35, "dynamics.join_rate": 0.004}


def synthetic_record(scenario, weeks=(3, 6, 9, 12, 15, 18, 21, 24), seed=12345) -> Record:
    """The model's own series at ``TRUTH`` (one replication, a seed no fit uses), read at
    ``weeks`` as a record with a 5% uncertainty."""
    s = simulate(with_values(scenario, TRUTH), seed=seed).series
    figures = [figure(col, w, float(s[col].iat[w]), max(2.0, 0.05 * float(s[col].iat[w])))
               for w in weeks for col in ("size_ilp", "size_cpgb", "size_labour")]  # fmt: skip
    return Record(name="synthetic", discrepancy=0.0, figures=figures)


def test_the_fit_recovers_the_identified_parameters_of_synthetic_data(tmp_path):
    scenario = tiny_1932()
    rec = synthetic_record(scenario)
    cal = calibrate(scenario, rec, cutoff=week(30), budget=Budget(points=24, waves=3, replications=2, predictive=2),
                    seed=0, store=tmp_path)  # fmt: skip
    table = summary(cal)
    identified = table[table["identified"]]
    assert len(identified) >= 1, f"nothing identified: the test would prove nothing\n{table}"
    for path, row in identified.iterrows():
        assert row["q05"] <= TRUTH[path] <= row["q95"], f"{path}: true {TRUTH[path]} outside\n{table}"
