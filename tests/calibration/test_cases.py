"""Several cases fitted together: one mechanism parameter shared by both, each case's field facts
its own. Figures after a case's cutoff change nothing (bit for bit), a figure before it changes the
shared posterior, and on synthetic data the joint fit finds the shared parameter's true value,
tighter than either case alone. The emulator's posterior is many draws; under ten it is not summarized."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from fields import tiny_1932

from lever.calibration import Budget, Case, calibrate_cases, summary
from lever.calibration.fit import MIN_POSTERIOR, joint_prior
from lever.calibration.record import Figure, Record
from lever.calibration.report import TOO_FEW, joint_report_text, report_text
from lever.model.loading import with_values
from lever.sim.engine import simulate

START = dt.date(1932, 7, 31)
SHARED = "dynamics.join_rate"
TRUTH = {SHARED: 0.004, "organizations.ilp.disappointment.1.level": 0.35, "organizations.cpgb.attraction": 2.0}


def week(w: float) -> dt.date:
    return START + dt.timedelta(weeks=w)


#: the mass party and the unorganized at five persons an agent, so that a few joiners show
FINE = {"organizations.labour.persons_per_agent": 5.0, "unorganized.persons_per_agent": 5.0}


def field_a():
    """A tiny field sampling the shared join rate and the depth of its host's crisis."""
    return tiny_1932(**FINE, uncertainties=[
        {"path": SHARED, "low": 0.001, "high": 0.01, "label": "join rate"},
        {"path": "organizations.ilp.disappointment.1.level", "low": 0.0, "high": 0.5, "label": "crisis"},
    ])  # fmt: skip


def field_b():
    """Another tiny field (other sizes, another name) sampling the same join rate and its rival's pull."""
    return tiny_1932(**FINE, **{
        "name": "tiny-b", "organizations.ilp.size": 300.0, "organizations.cpgb.size": 150.0,
        "unorganized.size": 1500.0, "organizations.labour.size": 1500.0,
        "uncertainties": [
            {"path": SHARED, "low": 0.0005, "high": 0.012, "label": "join rate"},
            {"path": "organizations.cpgb.attraction", "low": 0.5, "high": 4.0, "label": "pull"},
        ],
    })  # fmt: skip


def synthetic(scenario, seed: int, weeks=(4, 8, 12, 16, 20, 24, 28)) -> Record:
    """The field's own series at the true values (one replication, a seed no fit uses), read at
    ``weeks`` with noise of known size (2% of each value, at least 2)."""
    truth = {k: v for k, v in TRUTH.items() if k in {u.path for u in scenario.uncertainties}}
    s = simulate(with_values(scenario, truth), seed=seed).series
    rng = np.random.default_rng(seed)
    figures = []
    for w in weeks:
        for col in ("size_ilp", "size_labour"):  # the tiny rival swings too far in one run to be read
            sd = max(2.0, 0.02 * float(s[col].iat[w]))
            figures.append(Figure(series=col, date=week(w), value=max(0.0, float(s[col].iat[w]) + rng.normal(0, sd)),
                                  sd=sd, source="test"))  # fmt: skip
    return Record(name=f"synthetic-{scenario.name}", discrepancy=0.0, figures=figures)


def test_the_joint_prior_shares_the_mechanism_and_keeps_each_fields_facts():
    prior = joint_prior([Case(field_a(), synthetic(field_a(), 1)), Case(field_b(), synthetic(field_b(), 2))])
    assert list(prior.index) == [SHARED, "britain-1932:organizations.ilp.disappointment.1.level",
                                 "tiny-b:organizations.cpgb.attraction"]  # fmt: skip
    assert (prior.loc[SHARED, "low"], prior.loc[SHARED, "high"]) == (0.001, 0.01)  # the ranges' intersection


SMALL = Budget(points=12, waves=2, replications=2, predictive=3, candidates=500)


def _record(scenario, late: list[Figure], labour: float | None = None) -> Record:
    """Figures before the cutoff near what the field does, and ``late`` ones after it."""
    ilp = scenario.organizations["ilp"].size
    early = [Figure(series="size_ilp", date=week(4), value=ilp * 0.95, sd=20.0, source="test"),
             Figure(series="size_ilp", date=week(10), value=ilp * 0.9, sd=20.0, source="test"),
             Figure(series="size_labour", date=week(8), value=labour or scenario.organizations["labour"].size, sd=15.0,
                    source="test")]  # fmt: skip
    return Record(name="r", discrepancy=0.01, figures=[*early, *late])


def _joint(rec_a: Record, rec_b: Record, store):
    cases = [Case(field_a(), rec_a, week(13)), Case(field_b(), rec_b, week(13))]
    return calibrate_cases(cases, budget=SMALL, seed=5, store=store)


def test_figures_after_each_cases_cutoff_change_nothing_in_the_joint_fit_bit_for_bit(tmp_path):
    a, b = field_a(), field_b()
    first = _joint(_record(a, [Figure(series="size_ilp", date=week(20), value=300.0, sd=20.0, source="t")]),
                   _record(b, []), tmp_path / "1")  # fmt: skip
    later = [Figure(series="size_ilp", date=week(14), value=9999.0, sd=1.0, source="t"),
             Figure(series="size_cpgb", date=week(25), value=0.0, sd=500.0, source="t")]  # fmt: skip
    second = _joint(_record(a, later[:1]), _record(b, later), tmp_path / "2")
    assert len(first.posterior) > 0, "the fit must keep draws for the comparison to mean anything"
    pd.testing.assert_frame_equal(first.posterior, second.posterior, check_exact=True)
    for one, two in zip(first.cases, second.cases, strict=True):
        for x, y in zip(one.waves, two.waves, strict=True):
            pd.testing.assert_frame_equal(x.values, y.values, check_exact=True)
            pd.testing.assert_frame_equal(x.implausibility, y.implausibility, check_exact=True)
            assert np.array_equal(x.kept, y.kept)


def test_a_figure_before_one_cases_cutoff_changes_the_shared_posterior(tmp_path):
    """The test above can fail: a change before case b's cutoff reaches the shared parameter."""
    a, b = field_a(), field_b()
    first = _joint(_record(a, []), _record(b, []), tmp_path / "1")
    # more joined Labour by week 8 in case b: the join rate, shared, must be higher
    second = _joint(_record(a, []), _record(b, [], labour=b.organizations["labour"].size * 1.037), tmp_path / "2")
    assert len(first.posterior) and len(second.posterior)
    assert not first.posterior[SHARED].equals(second.posterior[SHARED])
    # case a's own figures did not change; its view of the fit did, through the shared parameter
    assert not first.cases[0].posterior.equals(second.cases[0].posterior)


def _width(cal) -> tuple[float, float, float]:
    row = summary(cal).loc[SHARED]
    return row["q05"], row["q95"], row["q95"] - row["q05"]


def test_the_joint_fit_finds_the_shared_parameter_tighter_than_either_case_alone(tmp_path):
    a, b = field_a(), field_b()
    rec_a, rec_b = synthetic(a, 12345), synthetic(b, 54321)
    budget = Budget(points=16, waves=3, replications=2, predictive=2, candidates=1000)
    cutoff = week(30)

    def fit(cases, where):
        return calibrate_cases(cases, budget=budget, seed=0, store=tmp_path / where)

    joint = fit([Case(a, rec_a, cutoff), Case(b, rec_b, cutoff)], "joint")
    alone_a = fit([Case(a, rec_a, cutoff)], "a").cases[0]
    alone_b = fit([Case(b, rec_b, cutoff)], "b").cases[0]
    assert len(joint.posterior) >= MIN_POSTERIOR, "the emulator keeps a posterior of many draws"
    low, high, width = _width(joint.cases[0])
    assert low <= TRUTH[SHARED] <= high, f"true {TRUTH[SHARED]} outside the joint 90% interval [{low}, {high}]"
    assert width < _width(alone_a)[2] and width < _width(alone_b)[2], (width, _width(alone_a), _width(alone_b))


def test_under_ten_kept_draws_the_report_says_too_few_to_summarize(tmp_path):
    a, b = field_a(), field_b()
    joint = _joint(_record(a, []), _record(b, []), tmp_path / "1")
    cal = joint.cases[0]
    assert len(cal.posterior) >= 10
    assert "posterior median [90%]" in report_text(cal) and f"kept draws: {TOO_FEW}" not in report_text(cal)
    cal.posterior = cal.posterior.iloc[:9]
    text = report_text(cal)
    assert f"9 kept draws: {TOO_FEW}" in text and "posterior median [90%]" not in text
    # three predictive draws are too few as well: no interval for any figure, nor in the cross-case table
    assert "3 predictive draws: too few" in text and TOO_FEW in joint_report_text(joint).split("## The shared")[0]
