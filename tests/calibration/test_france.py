"""france-1934 and its record: they load, pass `lever check`, and their calendars agree: the
record's dates fall on the field's steps, the historical entry on 29 August 1934, and the field's
starting sizes sit within what the figures dated before the entry allow."""

from __future__ import annotations

import datetime as dt

from typer.testing import CliRunner

from lever.calibration import load_record, place
from lever.calibration.fit import BEFORE, BEYOND, HELD_OUT, PRIOR
from lever.calibration.record import check_against, start_date, step_of
from lever.cli.main import app
from lever.model.loading import load

ENTRY = dt.date(1934, 8, 29)


def test_france_1934_passes_lever_check():
    result = CliRunner().invoke(app, ["check", "france-1934"])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output and "host sfio" in result.output and "rival pcf" in result.output


def test_the_historical_entry_is_29_august_1934_and_keeps_la_verite():
    sc = load("france-1934")
    entry = sc.strategies[sc.default_strategy]
    assert sc.default_strategy == "historical" and entry.allocation == {"sfio": 1.0}
    assert step_of(sc, ENTRY) == entry.entry_week, "the entry week must fall on 29 August 1934"
    assert start_date(sc) + dt.timedelta(weeks=entry.entry_week) == ENTRY
    assert entry.form == "faction" and entry.declaration and entry.press in ("own", "both")
    assert "group" in {o.owner for o in sc.organs.values()}, "the group keeps its paper (La Vérité)"


def test_the_record_falls_on_the_fields_calendar():
    sc, rec = load("france-1934"), load_record("france")
    check_against(rec, sc, "france")
    start = start_date(sc)
    assert dt.date(1934, 7, 1) <= start < ENTRY, "the field starts in July 1934, before the entry"
    roles = {(t.figure.series, t.figure.date): t.role for t in place(rec, sc, ENTRY, "france", require=False)}
    for fig in rec.figures:
        role = roles[(fig.series, fig.date)]
        step = step_of(sc, fig.date)
        if fig.date < start:
            assert role == BEFORE
        elif step > sc.steps:
            assert role == BEYOND
        elif fig.date >= ENTRY:
            assert role == HELD_OUT
        else:
            assert role == PRIOR and fig.prior
    # what came after is there to judge: the PCF read at Villeurbanne, January 1936
    assert roles[("size_pcf", dt.date(1936, 1, 24))] == HELD_OUT


def test_the_starting_sizes_sit_within_the_figures_dated_before_the_entry():
    sc, rec = load("france-1934"), load_record("france")
    ranges = {u.path: (u.low, u.high) for u in sc.uncertainties}
    before = [f for f in rec.figures if f.date < start_date(sc)]
    for org, series in (("sfio", "size_sfio"), ("pcf", "size_pcf"), ("group", "group_members")):
        low, high = ranges[f"organizations.{org}.size"]
        assert low <= sc.organizations[org].size <= high
        near = [f for f in before if f.series == series and f.date.year >= 1933]
        assert near, f"no figure before the entry bounds {org}"
        assert any(low - 2 * f.sd <= f.value <= high + 2 * f.sd for f in near), org


def test_every_thesis_builds_its_design_on_france_1934_from_the_fields_roles():
    """The theses take their roles from the field (the SFIO as host, the PCF as rival), and a
    field's uncertainty about a strategy a thesis does not play is dropped, not drawn."""
    from lever.theses.job import THESES, design_for, field_for

    base = load("france-1934")
    for thesis in THESES:
        field = field_for(base, thesis)
        assert not any(u.path.startswith("strategies.historical") for u in field.uncertainties
                       if "historical" not in field.strategies), thesis.number  # fmt: skip
        design_for(base, thesis, replications=1).draws()


def test_the_default_cases_cut_each_history_at_its_groups_entry():
    from lever.cli.calibrate import DEFAULT_CASES

    for case in DEFAULT_CASES:
        name, record, cutoff = case.rsplit(":", 2)
        sc = load(name)
        check_against(load_record(record), sc, record)
        week = sc.strategies[sc.default_strategy].entry_week
        assert round(step_of(sc, dt.date.fromisoformat(cutoff))) == week, f"{name}: the cutoff is not the entry"
