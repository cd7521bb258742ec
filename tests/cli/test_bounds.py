"""Every option and every scenario number finite and bounded, names that stay inside the output
root, output folders complete with a marker or recognizably unfinished: the issue's examples."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from fields import tiny
from typer.testing import CliRunner

from lever.cli.main import app
from lever.model.loading import to_toml
from lever.store import Experiment, experiments
from lever.store.files import COMPLETE, complete_folder

runner = CliRunner()


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("field") / "tiny.toml"
    path.write_text(to_toml(tiny()))
    return path


def refused(result, needle: str) -> None:
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and needle in errors[0], result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("assignment", "field"), [
    ("dynamics.bloc_weight=inf", "dynamics.bloc_weight"),
    ("horizon_weeks=inf", "horizon_weeks"),
    ("horizon_weeks=nan", "horizon_weeks"),
    ("organizations.ilp.size=1e300", "organizations.ilp.size"),
    ("dynamics.training_weeks=1e300", "dynamics.training_weeks"),
    ("horizon_weeks=1e9", "horizon_weeks"),
    ("organizations.labour.size=1e11", "organizations.labour.size"),
])  # fmt: skip
def test_non_finite_or_absurd_scenario_numbers_are_refused_by_field(scenario_file, tmp_path, assignment, field):
    refused(runner.invoke(app, ["run", str(scenario_file), "--set", assignment, "--out", str(tmp_path)]), field)


@pytest.mark.parametrize(("command", "args", "option"), [
    ("run", ["--scale", "inf"], "--scale"),
    ("run", ["--scale", "nan"], "--scale"),
    ("run", ["--steps", "1000000000"], "--steps"),
    ("run", ["--seed", "-1"], "--seed"),
    ("weigh", ["--samples", "1000000000000"], "--samples"),
    ("weigh", ["--replications", "nan"], "--replications"),
    ("weigh", ["--jobs", "100000"], "--jobs"),
    ("weigh", ["--seed", "99999999999999999999"], "--seed"),
    ("explore", ["--samples", "1000000000"], "--samples"),
    ("explore", ["--sampler", "sobol", "--samples", "6"], "--samples"),
    ("explore", ["--sampler", "random"], "--sampler"),
    ("explore", ["--executor", "spark"], "--executor"),
    ("explore", ["--strategies", "nosuch"], "--strategies"),
    ("explore", ["--name", "../../escaped"], "--name"),
    ("explore", ["--sampler", "factorial", "--samples", "100"], "--samples"),
    ("theses", ["--only", "9"], "--only"),
    ("theses", ["--replications", "0"], "--replications"),
])  # fmt: skip
def test_every_option_is_bounded_and_named_when_refused(scenario_file, tmp_path, command, args, option):
    where = ["--scenario", str(scenario_file)] if command == "theses" else [str(scenario_file)]
    refused(runner.invoke(app, [command, *where, *args, "--store", str(tmp_path)]), option)
    assert not experiments(tmp_path) or command != "explore"  # nothing ran


@pytest.mark.parametrize(("args", "needle"), [
    (["bass", "--p", "0", "--q", "0"], "--p, --q"),
    (["bass", "--q", "nan"], "--q"),
    (["voter", "--rho", "inf"], "--rho"),
    (["voter", "--runs", "100000000"], "--runs"),
    (["voter", "--max-sweeps", "inf"], "--max-sweeps"),
])  # fmt: skip
def test_classic_bad_numbers_are_refused(args, needle):
    refused(runner.invoke(app, ["classic", *args]), needle)


@pytest.mark.parametrize(("p", "q"), [("0", "0.3"), ("0.03", "0")])
def test_bass_with_one_rate_zero_runs_without_dividing_by_zero(p, q):
    result = runner.invoke(app, ["classic", "bass", "--p", p, "--q", q, "--n", "50", "--max-sweeps", "2"])
    assert result.exit_code == 0, result.output
    assert "nan" not in result.output.lower() and "e+16" not in result.output


def test_a_scenario_named_to_escape_the_output_root_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "escape.toml"
    path.write_text(to_toml(tiny(name="../../escaped")))
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    monkeypatch.chdir(inner)
    refused(runner.invoke(app, ["run", str(path), "--steps", "1", "--store", str(inner / "store")]), "name")
    assert not (tmp_path / "escaped").exists()
    # with --out given, it runs; its experiment in the store has a plain name inside the store
    result = runner.invoke(app, ["run", str(path), "--steps", "1", "--out", str(inner / "out"),
                                 "--store", str(inner / "store")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [e.name.startswith("escaped-run-") for e in experiments(inner / "store")] == [True]
    assert not (tmp_path / "escaped").exists()


def test_an_output_folder_that_cannot_be_written_is_refused_before_any_run(scenario_file, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for command in ("run", "weigh"):
        result = runner.invoke(app, [command, str(scenario_file), "--out", str(blocker / "out"),
                                     "--store", str(tmp_path / "store")])  # fmt: skip
        refused(result, "--out")
    assert not experiments(tmp_path / "store")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_is_refused_before_any_run(scenario_file, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    refused(runner.invoke(app, ["weigh", str(scenario_file), "--out", str(folder)]), "--out")


def test_a_folder_is_marked_complete_only_when_written_whole(tmp_path):
    with pytest.raises(RuntimeError), complete_folder(tmp_path):
        (tmp_path / ".timeseries.parquet.x.tmp").write_text("left by a killed writer")
        (tmp_path / "one.csv").write_text("1")
        raise RuntimeError("killed halfway")
    assert not (tmp_path / COMPLETE).exists()
    with complete_folder(tmp_path):  # the folder is Lever's (its writing marker says so): written again
        assert not list(tmp_path.glob(".*.tmp"))
        (tmp_path / "one.csv").write_text("2")
    assert (tmp_path / COMPLETE).exists()


def test_weigh_resumes_from_the_store_and_gives_the_same_table(scenario_file, tmp_path, monkeypatch):
    from lever.experiments import execute

    monkeypatch.setattr(execute, "BATCH_RUNS", 3)  # batches of 3 runs: a kill can fall between them
    args = ["weigh", str(scenario_file), "--samples", "2", "--replications", "1", "--jobs", "1", "--steps", "3",
            "--store", str(tmp_path / "store")]  # fmt: skip
    first = runner.invoke(app, [*args, "--out", str(tmp_path / "one")])
    assert first.exit_code == 0, first.output
    [exp] = experiments(tmp_path / "store")
    assert exp.status() == "complete" and len(exp.runs()) == 2 * len(tiny().strategies)
    parts = sorted((exp.folder / "runs").glob("part-*.parquet"))
    assert len(parts) > 1
    # as if killed after its first batch: drop the other batches (every file of each) and the marker
    for p in parts[1:]:
        for sub, name in (("runs", p.name), ("series", p.name), ("manifests", f"{p.stem}.json")):
            (exp.folder / sub / name).unlink(missing_ok=True)
    (exp.folder / "COMPLETE").unlink()
    second = runner.invoke(app, [*args, "--out", str(tmp_path / "two")])
    assert second.exit_code == 0, second.output
    assert Experiment.read(tmp_path / "store", exp.name).status() == "complete"
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "one" / "runs.parquet"),
                                  pd.read_parquet(tmp_path / "two" / "runs.parquet"), check_exact=True)  # fmt: skip


def test_results_lists_shows_the_ranking_and_exports(scenario_file, tmp_path):
    store = str(tmp_path / "store")
    args = ["explore", str(scenario_file), "--samples", "3", "--steps", "2", "--jobs", "1",
            "--strategies", "outside,enter_ilp_faction", "--store", store, "--name", "e"]  # fmt: skip
    assert runner.invoke(app, args).exit_code == 0
    listed = runner.invoke(app, ["results", "--store", store])
    assert listed.exit_code == 0 and "e" in listed.output and "complete" in listed.output
    shown = runner.invoke(app, ["results", "e", "--store", store])
    assert shown.exit_code == 0 and "ranked by persons holding the group's views" in shown.output  # weigh's default
    members = runner.invoke(app, ["results", "e", "--store", store, "--outcome", "group_members"])
    assert members.exit_code == 0 and "ranked by the group's members" in members.output
    refused(runner.invoke(app, ["results", "e", "--store", store, "--outcome", "weeks_to_first"]), "--outcome")
    for suffix in ("csv", "parquet"):
        out = tmp_path / f"runs.{suffix}"
        assert runner.invoke(app, ["results", "e", "--store", store, "--export", str(out)]).exit_code == 0
        table = pd.read_csv(out) if suffix == "csv" else pd.read_parquet(out)
        assert len(table) == 6 and table["task"].tolist() == list(range(6))
    refused(runner.invoke(app, ["results", "e", "--store", store, "--export", str(tmp_path / "x.xlsx")]), "--export")
    refused(runner.invoke(app, ["results", "nosuch", "--store", store]), "nosuch")
