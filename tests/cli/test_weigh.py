"""``lever weigh`` on the command line: a good run, and bad arguments exiting 2."""

from __future__ import annotations

import pytest
from fields import tiny
from typer.testing import CliRunner

from lever.cli.main import app
from lever.model.loading import to_toml

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
    total = 2 * len(tiny().strategies)
    assert f"weigh britain-1933: {total}/{total} runs" in result.stderr.splitlines()  # plain lines off a terminal
    for name in ("report.html", "runs.parquet", "trajectories.png", "outcomes.png", "flows.png", "funnel.png"):
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


@pytest.mark.parametrize("old", ["host_revolutionaries_to_rival", "host_revolutionaries_to_rival_vs_twin"])
def test_an_outcome_named_in_the_letters_words_names_its_new_name_in_one_line(scenario_file, tmp_path, old):
    """The outcomes once named after the British field's revolutionaries are named for any field
    now (issue 26): the old name is refused, in one line that gives the new one, by weigh and by
    results."""
    new = old.replace("revolutionaries", "kernel")
    for args in (["weigh", str(scenario_file), "--out", str(tmp_path)], ["results", "nowhere"]):
        result = runner.invoke(app, [*args, "--outcome", old])
        assert result.exit_code == 2 and "Traceback" not in result.output
        [line] = result.stderr.strip().splitlines()
        assert f"'{old}' is now called '{new}'" in line, line


# --- provenance: every result traceable, and rerun from its folder alone -----------------------


def test_a_weigh_reruns_from_its_folder_alone_to_identical_runs(scenario_file, tmp_path, monkeypatch):
    import json
    import shlex

    import pandas as pd
    import pyarrow.parquet as pq

    first = tmp_path / "first"
    args = ["weigh", str(scenario_file), "--samples", "2", "--replications", "1", "--jobs", "1", "--steps", "3",
            "--seed", "11", "--set", "dynamics.gravity=1.5", "--set", "dynamics.join_rate=0.01", "--out", str(first)]  # fmt: skip
    monkeypatch.setattr("sys.argv", ["lever", *args])
    assert runner.invoke(app, args).exit_code == 0
    record = json.loads((first / "provenance.json").read_text())
    assert record["command"] == shlex.join(["lever", *args])
    assert record["seed"] == 11 and record["lever_version"] and record["set"] == args[-5:-1:2]
    meta = json.loads(pq.read_schema(first / "runs.parquet").metadata[b"lever"])
    assert meta["seed"] == 11 and "gravity = 1.5" in meta["scenario_toml"]
    assert (
        "lever weigh" in (first / "report.html").read_text() and "scenario.toml" in (first / "report.html").read_text()
    )
    scenario_file.unlink()  # the folder alone: nothing of the first command's inputs remains
    rerun = shlex.split(record["rerun"])[1:] + ["--jobs", "1", "--out", str(tmp_path / "again")]
    assert rerun[1] == str(first / "scenario.toml")
    assert runner.invoke(app, rerun).exit_code == 0, rerun
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "again" / "runs.parquet"),
                                  pd.read_parquet(first / "runs.parquet"))  # fmt: skip


def test_a_rerun_never_overwrites_a_result(tmp_path, monkeypatch):
    path = tmp_path / "tiny.toml"
    path.write_text(to_toml(tiny()))
    monkeypatch.chdir(tmp_path)
    args = ["weigh", "tiny.toml", "--samples", "1", "--replications", "1", "--jobs", "1", "--steps", "1"]
    for _ in range(2):
        assert runner.invoke(app, args).exit_code == 0
    assert sorted(p.name for p in (tmp_path / "lever-out" / "britain-1933").iterdir()) == ["weigh", "weigh-2"]
    result = runner.invoke(app, [*args, "--out", "lever-out/britain-1933/weigh"])
    assert result.exit_code == 2
    assert "already holds a result (provenance.json)" in result.stderr and "Traceback" not in result.output


@pytest.fixture()
def field_file(tmp_path_factory):
    """The tiny field in a file of its own (a test above deletes the shared one)."""
    path = tmp_path_factory.mktemp("own") / "tiny.toml"
    path.write_text(to_toml(tiny()))
    return path


def test_weigh_reports_regions_drivers_and_warns_of_few_draws(field_file, tmp_path):
    args = ["weigh", str(field_file), "--samples", "2", "--replications", "1", "--jobs", "1", "--steps", "2",
            "--out", str(tmp_path)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Where each strategy beats 'outside'" in result.stdout
    assert "only 2 draws" in result.stderr
    for strategy in tiny().strategies:
        if strategy != "outside":
            assert f"  {strategy}: " in result.stdout
    page = (tmp_path / "report.html").read_text()
    assert "what drives it" in page and "How sure" in page
    assert (tmp_path / "regions.png").read_bytes()[:4] == b"\x89PNG" and 'alt="regions"' in page


def test_until_sure_adds_batches_until_the_budget_and_says_why_it_stopped(field_file, tmp_path):
    """Two steps of the tiny field cannot separate the strategies: the budget of three
    batches is spent, and the line says so with the number of runs."""
    per_batch = 2 * len(tiny().strategies)
    args = ["weigh", str(field_file), "--samples", "2", "--replications", "1", "--jobs", "1", "--steps", "2",
            "--until-sure", "--budget", str(3 * per_batch + 1), "--out", str(tmp_path)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stdout.splitlines() if x.startswith("until-sure: stopped"))
    if "budget spent" in line:
        assert f"after {3 * per_batch} runs in 3 batches" in line
    else:
        assert "sure after" in line and "excludes zero" in line
    assert len(__import__("pandas").read_parquet(tmp_path / "runs.parquet")) <= 3 * per_batch


def test_budget_without_until_sure_is_refused(field_file, tmp_path):
    result = runner.invoke(app, ["weigh", str(field_file), "--budget", "10", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "--budget" in result.output
