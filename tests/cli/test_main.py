"""The ``lever`` command: good runs write their outputs; bad input ends in one clear line."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from lever.cli.main import app
from lever.model.loading import builtin_text, load, parse, to_toml, validate, with_values
from lever.sim.engine import simulate

LEVER = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "lever"
OUTPUTS = [
    "COMPLETE",
    "flows.csv",
    "provenance.json",
    "scenario.toml",
    "summary.json",
    "timeseries.parquet",
    "trajectories.png",
]  # COMPLETE: written last


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def shown(runner) -> str:
    """The text of ``lever scenario show britain-1933``."""
    result = runner.invoke(app, ["scenario", "show", "britain-1933"])
    assert result.exit_code == 0
    return result.stdout


@pytest.fixture
def tiny_file(tiny, tmp_path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(to_toml(tiny))
    return path


def edited(text: str, old: str, new: str) -> str:
    assert old in text, f"the built-in no longer holds {old!r}"
    return text.replace(old, new, 1)


def assert_one_clean_error(result, *needles: str) -> None:
    """Exit code 2, nothing on stdout, one line on stderr holding every needle, no traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for needle in needles:
        assert needle in lines[0]


# --- good runs ----------------------------------------------------------------------------------


def test_scenarios_lists_britain(runner):
    result = runner.invoke(app, ["scenarios"])
    assert result.exit_code == 0
    assert "britain-1933" in result.stdout
    assert load("britain-1933").title in result.stdout


def test_scenarios_lists_the_templates_too(runner):
    """A new user looked for the README's templates in `lever scenarios` and did not find them."""
    result = runner.invoke(app, ["scenarios"], terminal_width=200)
    assert result.exit_code == 0
    assert "join-or-stay-alone" in result.stdout and "template" in result.stdout


def test_scenario_show_round_trips(shown):
    assert shown == builtin_text("britain-1933")
    assert validate(parse(shown, "shown"), "shown") == load("britain-1933")


def test_scenario_show_unknown(runner):
    assert_one_clean_error(
        runner.invoke(app, ["scenario", "show", "atlantis"]), "atlantis", "no such file, nor a built-in"
    )


@pytest.mark.parametrize("explain", [False, True])
def test_scenario_show_writes_a_template_that_checks(runner, tmp_path, explain):
    """A new user's starting point is reachable from the command line: the template as shipped (or
    with every field explained) loads, and `lever check` passes it."""
    from lever.model.loading import template_text

    result = runner.invoke(app, ["scenario", "show", "join-or-stay", *(["--explain"] if explain else [])])
    assert result.exit_code == 0, result.output
    if not explain:
        assert result.stdout == template_text("join-or-stay")
    path = tmp_path / "mine.toml"
    path.write_text(result.stdout)
    checked = runner.invoke(app, ["check", str(path)])
    assert checked.exit_code == 0, checked.output


def test_run_writes_the_four_outputs(runner, tiny, tiny_file, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(tiny_file), "--steps", "3", "--out", str(out), "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in out.iterdir()) == OUTPUTS
    frame = pd.read_parquet(out / "timeseries.parquet")
    expected = simulate(tiny, seed=5, steps=3).series
    pd.testing.assert_frame_equal(frame, expected)
    assert duckdb.sql(f"select count(*) from '{out / 'timeseries.parquet'}'").fetchall() == [(4,)]
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["scenario"], summary["strategy"], summary["seed"], summary["steps"]) == ("tiny", "enter", 5, 3)
    assert list(pd.read_csv(out / "flows.csv", index_col=0).columns) == ["big", "host", "rival", "group", "none"]
    assert "Wrote" in result.stdout


def test_run_default_output_folder(runner, tiny_file, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["run", str(tiny_file), "--steps", "2", "--strategy", "outside"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "lever-out" / "tiny" / "outside-seed0").iterdir()) == OUTPUTS


def test_run_set_changes_the_scenario(runner, tiny, tiny_file, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "run",
            str(tiny_file),
            "--steps",
            "3",
            "--out",
            str(out),
            "--set",
            "dynamics.gravity=2",
            "--set",
            "dynamics.join_rate=0.2",
        ],
    )
    assert result.exit_code == 0, result.output
    changed = with_values(tiny, {"dynamics.gravity": 2.0, "dynamics.join_rate": 0.2})
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "timeseries.parquet"), simulate(changed, seed=0, steps=3).series
    )
    assert not pd.read_parquet(out / "timeseries.parquet").equals(simulate(tiny, seed=0, steps=3).series)


def test_run_scale(runner, tiny_file, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(tiny_file), "--steps", "1", "--out", str(out), "--scale", "50"])
    assert result.exit_code == 0, result.output
    # 2000 / 50 + 1000 / 50: the big party and the unorganized; the host (150), the rival (60)
    # and the group (10) are held person by person at any scale
    assert json.loads((out / "summary.json").read_text())["agents_start"] == 40 + 150 + 60 + 10 + 20


# --- bad input ----------------------------------------------------------------------------------

BAD_FILES = {
    "unknown_organization_in_allocation": (
        "allocation = { labour = 1.0 }",
        "allocation = { labor = 1.0 }",
        ["strategies.enter_labour.allocation", "unknown organization 'labor'"],
    ),
    "allocation_not_summing_to_one": (
        "allocation = { cpgb = 0.25, ilp = 0.75 }",
        "allocation = { cpgb = 0.25, ilp = 0.5 }",
        ["strategies.split_cpgb_ilp", "allocation must sum to 1"],
    ),
    "negative_size": ("size = 10000.0", "size = -5.0", ["organizations.ilp.size", "greater than or equal to 0"]),
    "fraction_above_one": (
        "homogeneity = 0.2\n",
        "homogeneity = 1.5\n",
        ["organizations.ilp.homogeneity", "less than or equal to 1"],
    ),
    "misspelt_optional_field": ("gravity = 1.0\n", "gravty = 1.0\n", ["dynamics.gravty", "unknown field"]),
    "misspelt_field": ("homogeneity = 0.2\n", "homogenity = 0.2\n", ["organizations.ilp.homogenity"]),
    "malformed_toml": ("gravity = 1.0\n", "gravity = = 1.0\n", ["malformed TOML", "line"]),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_scenario_file_ends_in_one_clear_line(runner, shown, tmp_path, case):
    old, new, needles = BAD_FILES[case]
    path = tmp_path / "bad.toml"
    path.write_text(edited(shown, old, new))
    result = runner.invoke(app, ["run", str(path), "--steps", "1", "--out", str(tmp_path / "out")])
    assert_one_clean_error(result, str(path), *needles)
    assert not (tmp_path / "out").exists()


def test_missing_file(runner, tmp_path):
    path = tmp_path / "absent.toml"
    assert_one_clean_error(runner.invoke(app, ["run", str(path)]), str(path), "no such file")


def test_set_unknown_field(runner, tiny_file):
    result = runner.invoke(app, ["run", str(tiny_file), "--steps", "1", "--set", "dynamics.nosuch=1"])
    assert_one_clean_error(result, str(tiny_file), "(--set)", "dynamics.nosuch", "unknown field")


@pytest.mark.parametrize("assignment", ["dynamics.gravity", "organizations.host.homogeneity=1.5"])
def test_set_bad_assignment(runner, tiny_file, assignment):
    result = runner.invoke(app, ["run", str(tiny_file), "--steps", "1", "--set", assignment])
    assert_one_clean_error(result, assignment.split("=")[0])


def test_set_a_number_on_a_stratum_table_is_a_clean_error(runner, tiny_file):
    result = runner.invoke(app, ["run", str(tiny_file), "--steps", "1", "--set", "strata.worker=0.5"])
    assert_one_clean_error(result, "strata.worker")


def test_unknown_strategy(runner, tiny_file):
    result = runner.invoke(app, ["run", str(tiny_file), "--steps", "1", "--strategy", "dither"])
    assert_one_clean_error(result, str(tiny_file), "strategy 'dither' not found", "outside")


def test_bad_edge_list(runner, tiny, tmp_path):
    (tmp_path / "edges.txt").write_text("0 1\n1 x\n")
    path = tmp_path / "net.toml"
    path.write_text(to_toml(with_values(tiny, {"network.edges": "edges.txt"})))
    result = runner.invoke(app, ["run", str(path), "--steps", "1", "--out", str(tmp_path / "out")])
    assert_one_clean_error(result, "edges.txt", "two integer node ids")


def test_missing_edge_list(runner, tiny, tmp_path):
    path = tmp_path / "net.toml"
    path.write_text(to_toml(with_values(tiny, {"network.edges": "no_edges.txt"})))
    result = runner.invoke(app, ["run", str(path), "--steps", "1", "--out", str(tmp_path / "out")])
    assert_one_clean_error(result, "no_edges.txt")


# --- through a real process ---------------------------------------------------------------------


def _lever(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LEVER), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_real_process_bad_file_prints_no_traceback(shown, tmp_path):
    (tmp_path / "bad.toml").write_text(edited(shown, "homogeneity = 0.2\n", "homogeneity = 1.5\n"))
    done = _lever("run", "bad.toml", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines == ["error: bad.toml: organizations.ilp.homogeneity: Input should be less than or equal to 1"]


def test_real_process_missing_file(tmp_path):
    done = _lever("run", "absent.toml", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: absent.toml: no such file")


def test_real_process_bad_set_prints_no_traceback(tiny_file, tmp_path):
    done = _lever("run", tiny_file.name, "--set", "strata.worker=0.5", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr


# --- check, show and explain any file -----------------------------------------------------------


def test_check_a_good_file_prints_one_line_and_runs_nothing(runner, tiny_file, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["check", str(tiny_file)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{tiny_file}: valid — 4 organizations (group group, host host, rival rival)")
    assert not (tmp_path / "lever-out").exists()


@pytest.mark.parametrize("case", ["negative_size", "misspelt_field", "malformed_toml"])
def test_check_a_bad_file_ends_in_one_clear_line(runner, shown, tmp_path, case):
    old, new, needles = BAD_FILES[case]
    path = tmp_path / "bad.toml"
    path.write_text(edited(shown, old, new))
    assert_one_clean_error(runner.invoke(app, ["check", str(path)]), str(path), *needles)


def test_check_and_run_report_the_same_agents_and_say_why_a_run_ends_with_more(runner, tiny_file, tmp_path):
    """check counts the agents built at week 0; run says the same count, and the count it ends
    with, which is larger once persons are split off coarse agents."""
    checked = runner.invoke(app, ["check", str(tiny_file)])
    assert checked.exit_code == 0, checked.output
    week0 = re.search(r"([\d,]+) agents at week 0 \(a run splits persons off coarse agents", checked.stdout)
    assert week0, checked.stdout
    out = tmp_path / "out"
    ran = runner.invoke(app, ["run", str(tiny_file), "--steps", "10", "--out", str(out)], terminal_width=400)
    assert ran.exit_code == 0, ran.output
    summary = json.loads((out / "summary.json").read_text())
    assert f"{summary['agents_start']:,}" == week0.group(1)
    assert f"{week0.group(1)} agents at week 0" in ran.stdout
    assert summary["agents"] > summary["agents_start"]  # the tiny field splits persons off within 10 steps
    assert f"{summary['agents']:,} at the end: persons split off coarse agents" in " ".join(ran.stdout.split())


def test_check_names_every_problem_of_a_file_in_one_run(runner, shown, tmp_path):
    """Five independent mistakes, five lines, one run (not five rounds), exit 2, no traceback."""
    text = edited(shown, 'default_strategy = "enter_ilp_faction"\n', "")
    text = edited(text, "homogeneity = 0.2\n", "")  # the ILP's
    for key in ("ilp", "cpgb", "group"):  # the roles, counted person by person
        head = f"[organizations.{key}]\n"
        table = text[text.index(head) :]
        text = text.replace(table, edited(table, "persons_per_agent = 1.0\n", "persons_per_agent = 20.0\n"), 1)
    path = tmp_path / "mine.toml"
    path.write_text(text)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2 and result.stdout == "" and "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert sorted(lines) == sorted(f"error: {path}: {line}" for line in [
        "default_strategy: required field missing",
        "organizations.ilp.homogeneity: required field missing",
        "organizations.ilp.persons_per_agent: the host is counted person by person (1), since the group acts there",
        "organizations.cpgb.persons_per_agent: the rival is counted person by person (1), since the group acts there",
        "organizations.group.persons_per_agent: the group is counted person by person (1), since the group acts there",
    ]), result.stderr  # fmt: skip


def test_check_names_every_uncertainty_a_field_refuses(runner, tiny, tmp_path):
    bad = [
        {"path": "dynamics.gravity", "low": -1.0, "high": 9.0},
        {"path": "dynamics.closeness", "low": 1.0, "high": 200.0},
    ]
    path = tmp_path / "ranges.toml"
    path.write_text(to_toml(with_values(tiny, {"uncertainties": bad})))
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert [line.split(": uncertainties ")[1].split(")")[0] for line in lines] == [
        "(dynamics.gravity=-1", "(dynamics.gravity=9", "(dynamics.closeness=200"]  # fmt: skip


def test_check_reads_the_edge_list(runner, tiny, tmp_path):
    (tmp_path / "edges.txt").write_text("0 1\n1 x\n")
    path = tmp_path / "net.toml"
    path.write_text(to_toml(with_values(tiny, {"network.edges": "edges.txt"})))
    assert_one_clean_error(runner.invoke(app, ["check", str(path)]), "edges.txt", "two integer node ids")


@pytest.mark.parametrize(("assignment", "needle"), [
    ("dynamics.bloc_weight=inf", "dynamics.bloc_weight: Input should be a finite number"),
    ("horizon_weeks=inf", "horizon_weeks: Input should be a finite number"),
    ("organizations.ilp.size=1e300", "organizations.ilp.size: Input should be less than or equal to"),
    ("dynamics.training_weeks=1e300", "dynamics.training_weeks: Input should be less than or equal to 5200"),
    ("dynamics.committed_talk=1e6", "dynamics.committed_talk: Input should be less than or equal to 10"),
    ("unorganized.persons_per_agent=0.001", "200,033,620 agents is more than 100,000,000"),
])  # fmt: skip
def test_numbers_a_machine_cannot_run_are_refused_in_one_line(runner, assignment, needle):
    result = runner.invoke(app, ["check", "britain-1933", "--set", assignment])
    assert_one_clean_error(result, "britain-1933 (--set)", needle)


def test_an_old_name_is_read_and_warned_about_in_one_line(runner):
    result = runner.invoke(app, ["check", "britain-1933", "--set", "dynamics.trust_rival=0.2"])
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == (
        "warning: 'trust_rival' is now called 'trust_group_outside'; the old name still works"
    )


def test_scenario_show_a_file_prints_what_the_loader_reads(runner, tiny, tiny_file):
    result = runner.invoke(app, ["scenario", "show", str(tiny_file)])
    assert result.exit_code == 0, result.output
    assert validate(parse(result.stdout, "shown"), "shown") == tiny


@pytest.mark.parametrize("spec", ["britain-1933", "file"])
def test_scenario_show_explain_round_trips_with_every_field_explained(runner, tiny, tiny_file, spec):
    result = runner.invoke(app, ["scenario", "show", str(tiny_file) if spec == "file" else spec, "--explain"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert validate(parse(text, "shown"), "shown") == (tiny if spec == "file" else load("britain-1933"))
    assert "# how many people start here (persons)\nsize = " in text
    assert "trust the group's people" not in text and "formerly trust_rival" in text
    comments = sum(line.startswith("#") for line in text.splitlines())
    assert comments > 80


def test_explain_prints_one_field_and_refuses_an_unknown_one(runner):
    result = runner.invoke(app, ["explain", "organizations.persons_per_agent"])
    assert result.exit_code == 0 and "required" in result.stdout, result.output
    result = runner.invoke(app, ["explain", "organizations.ilp.homogeneity"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "organizations.ilp.homogeneity  (Organization.homogeneity, 0-1)"
    assert_one_clean_error(runner.invoke(app, ["explain", "dynamics.gravitas"]), "'gravitas' is not a field")


def test_docs_fields_is_written_from_the_schema(runner):
    """docs/FIELDS.md is what `lever explain --all` prints: regenerate it when the schema changes
    (``lever explain --all > docs/FIELDS.md``)."""
    result = runner.invoke(app, ["explain", "--all"])
    assert result.exit_code == 0
    assert (Path(__file__).resolve().parents[2] / "docs" / "FIELDS.md").read_text() == result.stdout


def test_warm_runs_every_kernel_of_the_engine_and_says_where_it_keeps_them(runner, monkeypatch):
    """``lever warm`` (what bin/_venv.sh runs at install) runs the histories of
    :func:`lever.sim.warm.warm`: the default strategy over the horizon (the built-in field runs
    every mechanism of issue 23), the twin, and (unless ``--no-parallel``) a few steps on all
    threads."""
    from lever.kernels.threads import Threaded

    calls = []
    monkeypatch.setattr("lever.sim.warm.simulate", lambda *a, **k: calls.append((k, Threaded.force)))
    result = runner.invoke(app, ["warm"])
    assert result.exit_code == 0 and "Compiled Lever's kernels" in result.stdout, result.output
    assert [k.get("twin", False) for k, _ in calls] == [False, True, False]
    assert [force for _, force in calls] == [None, None, True] and Threaded.force is None
    calls.clear()
    assert runner.invoke(app, ["warm", "--no-parallel"]).exit_code == 0 and len(calls) == 2
