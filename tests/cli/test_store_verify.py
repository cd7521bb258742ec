"""``lever store check|repair`` and what ``lever results`` does with a store that is not whole:
a foreign or cut-short part is named and left out, a damaged experiment is listed as damaged
beside the others, and nothing a user wrote is read as Rich markup."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lever.cli.main import app
from lever.model.loading import to_toml
from lever.store import experiments


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def tiny_file(tiny, tmp_path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(to_toml(tiny))
    return path


def _run(runner, tiny_file, store, out, seed, *extra):
    result = runner.invoke(app, ["run", str(tiny_file), "--steps", "3", "--seed", str(seed), "--store", str(store),
                                 "--out", str(out), *extra])  # fmt: skip
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def two_runs(runner, tiny_file, tmp_path):
    """A store holding two runs of the same field with other seeds: (store, first, second)."""
    store = tmp_path / "store"
    _run(runner, tiny_file, store, tmp_path / "a", 0)
    _run(runner, tiny_file, store, tmp_path / "b", 1)
    first, second = sorted(experiments(store), key=lambda e: e.spec["seed"])
    return store, first, second


def test_a_foreign_part_is_named_left_out_and_repaired(runner, tiny_file, tmp_path, two_runs):
    store, first, second = two_runs
    for sub in ("runs", "series"):
        shutil.copyfile(second.folder / sub / "part-000000.parquet", first.folder / sub / "part-000001.parquet")
    shown = runner.invoke(app, ["results", first.name, "--store", str(store)])
    assert shown.exit_code == 0 and "Traceback" not in shown.output
    assert "left out:" in shown.stderr and "part-000001.parquet" in shown.stderr
    assert "damaged" in shown.stdout and ", complete)" not in shown.stdout
    checked = runner.invoke(app, ["store", "check", first.name, "--store", str(store)])
    assert checked.exit_code == 1 and "runs/part-000001.parquet: foreign" in checked.stdout
    assert runner.invoke(app, ["store", "check", second.name, "--store", str(store)]).exit_code == 0
    repaired = runner.invoke(app, ["store", "repair", "--store", str(store)])
    assert repaired.exit_code == 0 and "runs/part-000001.parquet" in repaired.stdout
    assert runner.invoke(app, ["store", "check", "--store", str(store)]).exit_code == 0


def test_a_truncated_part_ends_in_no_traceback(runner, two_runs, tmp_path):
    store, first, _ = two_runs
    part = first.folder / "runs" / "part-000000.parquet"
    part.write_bytes(part.read_bytes()[:100])
    for args in (["results", first.name], ["results"], ["results", first.name, "--export", str(tmp_path / "x.csv")]):
        result = runner.invoke(app, [*args, "--store", str(store)])
        assert result.exit_code == 0, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    checked = runner.invoke(app, ["store", "check", first.name, "--store", str(store)])
    assert "runs/part-000000.parquet: truncated" in checked.stdout


def test_a_damaged_experiment_is_listed_beside_the_others(runner, two_runs):
    store, first, second = two_runs
    (first.folder / "experiment.json").write_text("{not json")
    listed = runner.invoke(app, ["results", "--store", str(store)])
    assert listed.exit_code == 0, listed.output
    assert second.name in listed.stdout and "damaged" in listed.stdout
    shown = runner.invoke(app, ["results", first.name, "--store", str(store)])
    assert shown.exit_code == 2 and "experiment.json is damaged" in shown.stderr


def test_a_tilde_in_the_store_is_the_home_folder(runner, tiny_file, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    _run(runner, tiny_file, "~/s", tmp_path / "out", 0)
    assert not (tmp_path / "~").exists()
    assert len(experiments(tmp_path / "home" / "s")) == 1
    listed = runner.invoke(app, ["results", "--store", "~/s"])
    assert "tiny-run-" in listed.stdout


@pytest.mark.parametrize("name", ["nosuch[/x].toml", "nosuch[red].toml", "[bold]x[/bold]"])
def test_a_file_name_is_printed_as_written_not_as_markup(runner, tmp_path, name):
    result = runner.invoke(app, ["check", str(tmp_path / name)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert name in result.stderr


def test_a_label_with_brackets_is_printed_as_written(runner, tiny_file, tmp_path):
    result = _run(runner, tiny_file, tmp_path / "store", tmp_path / "out", 0, "--set", "labels.won=[/x]")
    assert "[/x] (start" in result.stdout


def test_a_tilde_in_lever_store_is_the_home_folder(tmp_path):
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LEVER_STORE": "~/s"}
    code = "from lever.store import DEFAULT_STORE; print(DEFAULT_STORE)"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == str(tmp_path / "s"), done.stderr
