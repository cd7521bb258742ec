"""``lever weigh`` on the command line: a good run, and bad arguments exiting 2."""

from __future__ import annotations

import pytest
from fields import tiny
from typer.testing import CliRunner

from lever.cli import app
from lever.scenarios import to_toml

runner = CliRunner()


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("field") / "tiny.toml"
    path.write_text(to_toml(tiny()))
    return path


def test_weigh_prints_the_ranked_table_and_writes_the_report(scenario_file, tmp_path):
    args = ["weigh", str(scenario_file), "--samples", "2", "--replications", "1", "--jobs", "1", "--out", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "regret" in result.output and "outside" in result.output
    for name in ("report.html", "runs.parquet", "trajectories.png", "outcomes.png", "flows.png"):
        assert (tmp_path / name).is_file()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--replications", "0"], "replications"),
        (["--samples", "0"], "samples"),
        (["--jobs", "0"], "jobs"),
        (["--outcome", "happiness"], "outcome"),
        (["--set", "dynamics.nosuch=1"], "nosuch"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(scenario_file, tmp_path, args, needle):
    result = runner.invoke(app, ["weigh", str(scenario_file), "--out", str(tmp_path), *args])
    assert result.exit_code == 2
    assert needle in result.output
    assert "Traceback" not in result.output


def test_missing_scenario_file_exits_2(tmp_path):
    result = runner.invoke(app, ["weigh", str(tmp_path / "nowhere.toml")])
    assert result.exit_code == 2
    assert "nowhere.toml" in result.output and "Traceback" not in result.output


def test_a_value_fixed_with_set_is_not_sampled(scenario_file, tmp_path):
    args = ["weigh", str(scenario_file), "--samples", "3", "--replications", "1", "--jobs", "1",
            "--steps", "2", "--set", "dynamics.gravity=1.0", "--out", str(tmp_path)]  # fmt: skip
    assert runner.invoke(app, args).exit_code == 0
    import pandas as pd

    runs = pd.read_parquet(tmp_path / "runs.parquet")
    assert "dynamics.gravity" not in runs.columns and "dynamics.confidence" in runs.columns


def test_an_uncertainty_a_worker_cannot_set_is_one_clean_line_even_in_a_pool(scenario_file, tmp_path):
    args = ["weigh", str(scenario_file), "--samples", "3", "--replications", "1", "--jobs", "2", "--steps", "2",
            "--set", "uncertainties.0.low=0.9", "--set", "uncertainties.0.high=50", "--out", str(tmp_path)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "strata" in result.output and "Traceback" not in result.output


def test_an_output_path_that_is_a_file_fails_before_any_run(scenario_file, tmp_path):
    blocker = tmp_path / "taken"
    blocker.write_text("")
    result = runner.invoke(app, ["weigh", str(scenario_file), "--out", str(blocker)])
    assert result.exit_code == 2 and "--out" in result.output


def test_outcomes_missing_where_never_reached_cannot_rank(scenario_file, tmp_path):
    result = runner.invoke(app, ["weigh", str(scenario_file), "--outcome", "weeks_to_first", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "weeks_to_first" in result.output
