"""The ``lever`` command: good runs write their outputs; bad input ends in one clear line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from lever.cli import app
from lever.engine import simulate
from lever.scenarios import builtin_text, load, parse, to_toml, validate, with_values

LEVER = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "lever"
OUTPUTS = ["COMPLETE", "flows.csv", "summary.json", "timeseries.parquet", "trajectories.png"]  # COMPLETE: written last


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


def test_scenario_show_round_trips(shown):
    assert shown == builtin_text("britain-1933")
    assert validate(parse(shown, "shown"), "shown") == load("britain-1933")


def test_scenario_show_unknown(runner):
    assert_one_clean_error(runner.invoke(app, ["scenario", "show", "atlantis"]), "atlantis", "no such built-in")


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
    result = runner.invoke(app, ["run", str(tiny_file), "--steps", "3", "--out", str(out),
                                 "--set", "dynamics.gravity=2", "--set", "dynamics.join_rate=0.2"])
    assert result.exit_code == 0, result.output
    changed = with_values(tiny, {"dynamics.gravity": 2.0, "dynamics.join_rate": 0.2})
    pd.testing.assert_frame_equal(pd.read_parquet(out / "timeseries.parquet"),
                                  simulate(changed, seed=0, steps=3).series)
    assert not pd.read_parquet(out / "timeseries.parquet").equals(simulate(tiny, seed=0, steps=3).series)


def test_run_scale(runner, tiny_file, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(tiny_file), "--steps", "1", "--out", str(out), "--scale", "50"])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "summary.json").read_text())["agents"] == 40 + 3 + 1 + 10 + 20  # 60 / 50 rounds to 1; the group is never scaled


# --- bad input ----------------------------------------------------------------------------------

BAD_FILES = {
    "unknown_organization_in_allocation": (
        "allocation = { labour = 1.0 }", "allocation = { labor = 1.0 }",
        ["strategies.enter_labour.allocation", "unknown organization 'labor'"]),
    "allocation_not_summing_to_one": (
        "allocation = { cpgb = 0.25, ilp = 0.75 }", "allocation = { cpgb = 0.25, ilp = 0.5 }",
        ["strategies.split_cpgb_ilp", "allocation must sum to 1"]),
    "negative_size": (
        "size = 10000.0", "size = -5.0",
        ["organizations.ilp.size", "greater than or equal to 0"]),
    "fraction_above_one": (
        "homogeneity = 0.2\n", "homogeneity = 1.5\n",
        ["organizations.ilp.homogeneity", "less than or equal to 1"]),
    "misspelt_optional_field": (
        "gravity = 1.0\n", "gravty = 1.0\n",
        ["dynamics.gravty", "unknown field"]),
    "misspelt_field": (
        "homogeneity = 0.2\n", "homogenity = 0.2\n",
        ["organizations.ilp.homogenity"]),
    "malformed_toml": (
        "gravity = 1.0\n", "gravity = = 1.0\n",
        ["malformed TOML", "line"]),
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
