"""The eight theses: each design produces the runs it claims; each comparison decides right."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from fields import tiny

from lever.experiments.runs import DesignResult, run_design
from lever.theses.job import (
    PROPORTIONAL_RATIO,
    THESES,
    Comparison,
    Outcome,
    batches,
    beyond_doubt,
    design_for,
    differences,
    factor_for,
    field_for,
    growth_margin,
    looks,
    run_theses,
    share,
)
from lever.theses.report import line, write_theses_report


def test_there_are_eight_theses_numbered_in_order():
    assert [t.number for t in THESES] == list(range(1, 9))
    assert PROPORTIONAL_RATIO == pytest.approx(1.3979, abs=1e-4)


@pytest.mark.parametrize("thesis", THESES, ids=lambda t: f"thesis{t.number}")
def test_each_design_produces_the_runs_it_claims(thesis):
    base = tiny()
    design = design_for(base, thesis, replications=2)
    tasks = design.tasks()
    levels = len(thesis.factor.levels) if thesis.factor else 1
    assert len(tasks) == levels * thesis.samples * 2 * len(thesis.strategies)
    assert set(design.scenario.strategies) == set(thesis.strategies)
    for task in tasks:
        level = design.factor.levels[task.level] if thesis.factor else {}
        assert "{" not in "".join(level)  # role names filled in: organizations.ilp.size
        assert all(task.values[k] == v for k, v in level.items())
        # strategies in one (draw, replication) share a seed: the comparisons are paired
    seeds = pd.DataFrame([(t.level, t.draw, t.replication, t.seed) for t in tasks])
    assert (seeds.groupby([1, 2])[3].nunique() == 1).all()


def test_a_thesis_field_drops_the_uncertainties_it_sets_itself():
    growth = THESES[2]
    sc = field_for(tiny(), growth)
    assert all(not u.path.startswith("organizations.ilp.disappointment") for u in sc.uncertainties)
    homogeneity = THESES[4]
    paths = [u.path for u in field_for(tiny(), homogeneity).uncertainties]
    assert "organizations.ilp.homogeneity" not in paths and "dynamics.gravity" in paths


def _runs(values: dict[tuple[str, int], list[float]]) -> pd.DataFrame:
    rows = []
    for (strategy, level), outcome in values.items():
        for draw, v in enumerate(outcome):
            rows.append({"strategy": strategy, "level": level, "factor": float(level), "draw": draw,
                         "replication": 0, "group_members": v, "p": float(draw)})  # fmt: skip
    return pd.DataFrame(rows)


def test_strategies_comparison_subtracts_within_each_world():
    runs = _runs({("a", 0): [5, 6, 7], ("b", 0): [1, 1, 9]})
    d, feats = differences(runs, Comparison("strategies", "a", "b"), ["p"])
    assert d.tolist() == [4, 5, -2]
    assert feats["p"].tolist() == [0, 1, 2]


def test_levels_comparison_takes_first_minus_last_level_per_world():
    runs = _runs({("a", 0): [10, 10], ("a", 1): [7, 7], ("a", 2): [3, 12]})
    d, _ = differences(runs, Comparison("levels", "a", level_a=0, level_b=-1), ["p"])
    assert d.tolist() == [7, -2]


def test_crossover_needs_both_halves_in_the_same_world():
    runs = _runs({("a", 0): [9, 9, 2], ("b", 0): [5, 5, 5], ("a", 1): [1, 8, 1], ("b", 1): [4, 4, 4]})
    d, _ = differences(runs, Comparison("crossover", "a", "b"), ["p"])
    assert d.tolist() == [3, -4, -3]  # min(a-b at first level, b-a at last level)


def test_growth_margin_handles_finished_censored_and_unfinished_runs():
    runs = pd.DataFrame({
        "weeks_to_first": [70.0, 40.0, 400.0, np.nan],
        "weeks_to_second": [120.0, np.nan, np.nan, np.nan],
    })  # fmt: skip
    m = growth_margin(runs, horizon=520.0)
    assert m[0] == pytest.approx(70 / 50 - PROPORTIONAL_RATIO)
    assert m[1] == pytest.approx(40 / 480 - PROPORTIONAL_RATIO)  # censored, already short
    assert math.isnan(m[2])  # censored, but 400/120 could still exceed 1.40
    assert math.isnan(m[3])


def test_a_thesis_is_run_in_two_looks_only_where_each_half_has_enough_draws():
    assert {t.number: looks(t) for t in THESES} == {1: 2, 2: 2, 3: 1, 4: 2, 5: 1, 6: 2, 7: 2, 8: 2}


def _looked(a: list[float], b: list[float], replications: int = 1) -> DesignResult:
    runs = _runs({("a", 0): a, ("b", 0): b}).assign(replication=0)
    runs["draw"] //= replications
    runs["replication"] = np.arange(len(runs)) % replications
    return DesignResult(design_for(tiny(), THESES[3], 1), runs, np.zeros(1))


@pytest.mark.parametrize(("a", "b", "decided"), [
    ([9.0] * 8, [1.0] * 8, True),  # every world by far: supported beyond doubt
    ([1.0] * 8, [9.0] * 8, True),  # refuted beyond doubt
    ([9.0] * 7 + [0.0], [1.0] * 8, False),  # holds in 7 of 8 worlds (88%): not the 90% an early stop needs
    ([3.0, 1.0, 3.0, 1.0, 3.0, 1.0, 3.0, 1.0], [2.0] * 8, False),  # as often lost as won
])  # fmt: skip
def test_the_first_look_stops_a_thesis_only_beyond_doubt(a, b, decided):
    assert beyond_doubt(dataclasses.replace(THESES[3], comparison=Comparison("strategies", "a", "b")),
                        _looked(a, b)) is decided  # fmt: skip


def test_replications_do_not_make_a_first_look_decisive():
    """Worlds of one draw share its parameters: eight worlds that all hold, from two draws of
    four replications, are too few draws to stop on (the interval resamples draws)."""
    thesis = dataclasses.replace(THESES[3], comparison=Comparison("strategies", "a", "b"))
    assert beyond_doubt(thesis, _looked([9.0] * 8, [1.0] * 8, replications=4)) is False
    assert beyond_doubt(thesis, _looked([9.0] * 8, [1.0] * 8, replications=2)) is True


def test_a_crossover_is_never_stopped_at_the_first_look():
    runs = _runs({("a", 0): [9.0] * 8, ("b", 0): [1.0] * 8, ("a", 1): [1.0] * 8, ("b", 1): [9.0] * 8})
    result = DesignResult(design_for(tiny(), THESES[4], 1), runs, np.zeros(1))
    assert beyond_doubt(THESES[4], result) is False


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    small = []
    for t in THESES:
        changes = {"horizon_weeks": 16.0} if t.number == 3 else t.changes
        small.append(dataclasses.replace(t, samples=1, changes=changes))
    outcomes = run_theses(tiny(), small, replications=1)
    return outcomes, write_theses_report(outcomes, tmp_path_factory.mktemp("theses"))


def test_report_has_all_eight_sections_with_figures(report):
    outcomes, paths = report
    page = paths["report"].read_text()
    for n in range(1, 9):
        assert f'<section id="thesis-{n}">' in page
        assert paths[f"thesis{n}"].read_bytes()[:4] == b"\x89PNG"
    assert page.count('src="data:image/png;base64,') == 8
    assert "ln25/ln10" in page and "Verdict" in page
    assert "://" not in page


def test_every_thesis_decides_on_one_difference_per_paired_world(report):
    """One draw and one replication: a strategies comparison has one world per level, a
    levels or crossover comparison one world; growth may have none (never reached 1,000)."""
    outcomes, _ = report
    for o in outcomes:
        kind = o.thesis.comparison.kind
        levels = len(o.thesis.factor.levels) if o.thesis.factor else 1
        expected = {"strategies": levels, "levels": 1, "crossover": 1, "growth": o.verdict.worlds}[kind]
        assert o.verdict.worlds == expected, o.thesis.number
        assert o.verdict.worlds <= 1 or kind == "strategies"
        labels = ("supported", "refuted", "undecided")
        assert o.verdict.label in labels or o.verdict.label.startswith("holds where ")


def test_theses_name_organizations_by_role_and_fill_them_from_the_field():
    base = tiny()
    allocation = THESES[6]
    sc = field_for(base, allocation)
    assert sc.strategies["split"].allocation == {"ilp": 0.5, "cpgb": 0.5}
    assert factor_for(base, allocation).levels[1] == {"strategies.split.allocation.cpgb": 0.25}
    assert factor_for(base, THESES[1]).name == "host's worker share"


def _thesis5_runs(effect, draws: int = 12, noise: float = 2.0) -> DesignResult:
    """Synthetic runs of thesis 5's design: entry minus outside is ``effect(h)`` plus noise, and
    a sampled uncertainty (the ILP's worker share) that entry's margin tracks at h = 1/3."""

    design = design_for(tiny(), THESES[4], replications=2)
    rng = np.random.default_rng(5)
    rows = []
    for d in range(draws):
        share = rng.uniform(0.1, 0.8)
        for r in range(2):
            for level, h in enumerate(design.factor.values):
                gap = effect(h) + rng.normal(0, noise)
                for strategy, won in (("enter", 50 + gap), ("outside", 50.0)):
                    rows.append({"strategy": strategy, "level": level, "factor": h, "draw": d, "replication": r,
                                 "newly_won": won, "organizations.ilp.strata.worker": share})  # fmt: skip
    return DesignResult(design, pd.DataFrame(rows), np.arange(2))


def test_thesis5_holds_where_is_stated_on_homogeneity_and_judged_on_both_halves():
    from lever.theses.job import evaluate

    o = evaluate(THESES[4], _thesis5_runs(lambda h: 12.0 if h < 0.5 else -12.0 if h > 0.5 else 0.0))
    assert o.verdict.label == "supported"  # both halves hold in every world: h=0 wins, h=1 loses
    # a real but noisy crossover: too few worlds hold both halves at once to support it, yet
    # entry's mean margin is above zero where the party is loose and below where it is not
    o = evaluate(THESES[4], _thesis5_runs(lambda h: 5.0 if h < 0.5 else -5.0, noise=6.0))
    assert o.verdict.label.startswith("holds where host homogeneity h < 0.5: enter wins below and loses above")
    assert "held-out accuracy" in o.verdict.label and o.crossover.holds
    assert "worker" not in o.verdict.label  # stated on the factor the thesis varies, not another parameter


def test_thesis5_never_reports_a_region_where_entry_loses_in_most_worlds():
    from lever.theses.job import evaluate

    o = evaluate(THESES[4], _thesis5_runs(lambda h: -30.0))
    assert not o.verdict.label.startswith("holds where")
    assert o.verdict.label == "refuted"


def _thesis4_result(to_rival: float) -> DesignResult:
    """Thesis 4's design with the host's leavers split between none and the rival as asked."""

    design = design_for(tiny(), THESES[3], replications=1)
    sc = design.scenario
    keys = [*sc.org_keys, "none"]
    host, rival, none = keys.index(sc.host), keys.index(sc.rival), keys.index("none")
    flows = np.zeros((len(keys), len(keys)))
    flows[host, host], flows[host, rival], flows[host, none] = 500.0, 100.0 * to_rival, 100.0 * (1 - to_rival)
    return DesignResult(design, pd.DataFrame(), np.arange(2), flows={"enter": flows, "outside": flows})


@pytest.mark.parametrize("to_rival, warned", [(0.01, True), (0.3, False)])
def test_thesis4_says_when_few_of_the_host_s_leavers_reach_the_rival(to_rival, warned):
    from lever.theses.job import LEAVERS_TO_RIVAL, _mechanism, caution

    result = _thesis4_result(to_rival)
    extras = _mechanism(THESES[3], result)
    assert extras[LEAVERS_TO_RIVAL] == pytest.approx(to_rival)
    o = dataclasses.replace(_a_thesis4_outcome(result), extras=extras)
    said = caution(o)
    assert (said is not None) == warned
    if warned:
        assert "1.0% of the host's leavers joined the rival" in said
        assert "caution: the mechanism this claim rests on is barely present" in line(o)


def _a_thesis4_outcome(result: DesignResult) -> Outcome:
    from lever.analysis.verdict import Verdict

    verdict = Verdict("undecided", 0.0, -1.0, 1.0, 0.0, -1.0, 1.0, 0.5, 10, None)
    return Outcome(THESES[3], result, verdict, {})


def test_every_thesis_figure_is_readable_at_its_size(report):
    from readable import problems

    from lever.theses.report import figure

    outcomes, _ = report
    assert {o.thesis.number: problems(figure(o)) for o in outcomes} == {o.thesis.number: [] for o in outcomes}


@pytest.mark.parametrize("decided", [True, False])
def test_a_thesis_decided_at_its_first_look_runs_half_its_draws_and_says_so(monkeypatch, decided):
    from lever.theses import job

    monkeypatch.setattr(job, "beyond_doubt", lambda thesis, result: decided)
    counted: list[tuple[int, int]] = []
    thesis = dataclasses.replace(THESES[5], samples=8)
    (o,) = run_theses(tiny(), [thesis], replications=1, on_done=lambda done, total: counted.append((done, total)))
    runs = 8 * len(thesis.strategies)
    assert o.result.design.drawn == (4 if decided else 8)
    assert sorted(o.result.runs["draw"].unique()) == list(range(4 if decided else 8))
    # the looks are halves of one design: together (not stopped), its runs, bit for bit and in its order
    whole = run_design(design_for(tiny(), thesis, 1)).runs
    first = whole[whole["draw"] < 4].reset_index(drop=True)
    pd.testing.assert_frame_equal(o.result.runs, first if decided else whole, check_exact=True)
    assert counted[-1] == ((runs // 2, runs // 2) if decided else (runs, runs))
    said = job.early(o)
    assert (said is not None) is decided
    assert (said or "") in line(o)
    if decided:
        assert said is not None and "on 4 of its 8 draws" in said


def test_thesis_3_s_runs_end_at_the_second_milestone_without_a_twin_and_keep_its_margin():
    """The growth thesis reads only the weeks to the milestones: its runs end at the second
    (the same weeks as the run to the horizon), its outcomes against a twin are NaN, not 0, and
    its tracked series is NaN past the run's last week."""
    from lever.experiments.tasks import run_task

    thesis = dataclasses.replace(THESES[2], changes={**THESES[2].changes, "organizations.{host}.size": 400.0,
                                                     "horizon_weeks": 40.0, "milestones": [12.0, 16.0]})  # fmt: skip
    design = design_for(tiny(), thesis, 1)
    assert design.until_milestones
    task = design.tasks()[0]
    short = run_task(design.scenario, design.steps, task)
    full = run_task(design.scenario, design.steps, dataclasses.replace(task, until_milestones=False))
    assert short.outcomes["weeks_to_second"] == full.outcomes["weeks_to_second"] < 40.0
    assert short.outcomes["weeks_to_first"] == full.outcomes["weeks_to_first"]
    assert math.isnan(short.outcomes["newly_won"]) and math.isnan(short.outcomes["newly_won_gross"])
    ended = int(short.outcomes["weeks_to_second"])
    assert np.isnan(short.series[ended + 1 :]).all() and not np.isnan(short.series[: ended + 1]).any()
    assert short.series.shape == full.series.shape


def test_theses_on_one_field_but_for_their_strategies_run_together_and_each_reads_its_own_runs():
    """Theses 4, 6 and 8 (with as many draws each) play the same worlds: they run as one design,
    each world with one twin and the strategy they share (entry as a declared faction, by the
    host's press) once; each thesis's part of it is, bit for bit and in order, what its own
    design gives."""
    base = tiny()
    theses = [dataclasses.replace(t, samples=4) for t in THESES]
    designs = [design_for(base, t, 1) for t in theses]
    together = batches(theses, designs)
    assert [[t.number for t in b.theses] for b in together] == [[1], [2], [3], [4, 6, 8], [5], [7]]
    (batch,) = [b for b in together if len(b.members) > 1]
    assert batch.names[0]["enter"] == batch.names[1]["host_press"] == batch.names[2]["declared"]
    assert len(batch.design.strategies) == sum(len(theses[n - 1].strategies) for n in (4, 6, 8)) - 2
    ran = run_design(batch.design)
    for design, names in zip(batch.designs, batch.names, strict=True):
        _same_result(share(ran, design, names), run_design(design))


def _same_result(mine: DesignResult, own: DesignResult) -> None:
    """The runs, series and flows (whole and by level) of two results, bit for bit."""
    pd.testing.assert_frame_equal(mine.runs, own.runs, check_exact=True)
    assert mine.series.keys() == own.series.keys() and mine.level_series.keys() == own.level_series.keys()
    for s in own.series:
        np.testing.assert_array_equal(mine.series[s], own.series[s])
        np.testing.assert_array_equal(mine.flows[s], own.flows[s])
    for key in own.level_series:
        np.testing.assert_array_equal(mine.level_series[key], own.level_series[key])
        np.testing.assert_array_equal(mine.level_flows[key], own.level_flows[key])


def test_a_batch_s_second_look_runs_only_the_strategies_of_its_theses_still_open(monkeypatch):
    from lever.theses import job

    monkeypatch.setattr(job, "beyond_doubt", lambda thesis, result: thesis.number == 6)
    counted: list[tuple[int, int]] = []
    six, eight = (dataclasses.replace(THESES[n - 1], samples=8) for n in (6, 8))
    outcomes = run_theses(
        tiny(), [six, eight], replications=1, on_done=lambda done, total: counted.append((done, total))
    )
    assert [o.result.design.drawn for o in outcomes] == [4, 8]
    # the first look: 4 draws of the six strategies the two play; the second: 4 of thesis 8's four
    assert counted[-1] == (4 * 6 + 4 * 4,) * 2
    first_half = dataclasses.replace(design_for(tiny(), six, 1), draw_range=(0, 4))
    _same_result(outcomes[0].result, run_design(first_half))  # thesis 6: its own first look
    _same_result(outcomes[1].result, run_design(design_for(tiny(), eight, 1)))  # thesis 8: its whole design


def test_a_batch_s_looks_are_kept_in_the_store_and_a_rerun_runs_nothing_again(tmp_path, monkeypatch):
    from lever.experiments import tasks

    six, eight = (dataclasses.replace(THESES[n - 1], samples=8) for n in (6, 8))
    first = run_theses(tiny(), [six, eight], replications=1, store=tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir() if p.is_dir())
    assert names and all("-theses6-8-" in n for n in names)  # one experiment per look, named by the batch

    def no_run(*args, **kwargs):
        raise AssertionError("a run the store holds was run again")

    monkeypatch.setattr(tasks, "run_task", no_run)
    again = run_theses(tiny(), [six, eight], replications=1, store=tmp_path)
    for a, b in zip(first, again, strict=True):
        _same_result(b.result, a.result)
