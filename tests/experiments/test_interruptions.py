"""A sweep that is killed, stopped or fails loses nothing: the rerun runs exactly what is missing
and the store then equals an uninterrupted run's bit for bit; no worker outlives its driver."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest
from fields import tiny
from typer.testing import CliRunner

from lever.cli.main import app
from lever.model.loading import to_toml
from lever.store import Experiment

runner = CliRunner()
LEVER = str(Path(sys.executable).parent / "lever")
UNCERTAIN = [{"path": "dynamics.gravity", "low": 0.5, "high": 2.0},
             {"path": "organizations.ilp.homogeneity", "low": 0.0, "high": 1.0}]  # fmt: skip
SWEEP = ["--sampler", "lhs", "--samples", "60", "--strategies", "outside,enter_ilp_faction",
         "--steps", "12", "--name", "sweep"]  # fmt: skip


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("field") / "tiny.toml"
    path.write_text(to_toml(tiny(uncertainties=UNCERTAIN)))
    return path


@pytest.fixture(scope="module")
def reference(scenario_file, tmp_path_factory):
    """The uncertainties' sweep run whole, in the driver itself."""
    store = tmp_path_factory.mktemp("reference")
    result = runner.invoke(app, ["explore", str(scenario_file), *SWEEP, "--jobs", "1", "--store", str(store)])
    assert result.exit_code == 0, result.output
    return Experiment.read(store, "sweep")


def start(scenario_file, store: Path) -> subprocess.Popen:
    env = os.environ | {"LEVER_BATCH_RUNS": "4"}
    return subprocess.Popen([LEVER, "explore", str(scenario_file), *SWEEP, "--jobs", "2", "--store", str(store)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def wait_for_parts(store: Path, proc: subprocess.Popen, parts: int = 2) -> None:
    folder = store / "sweep" / "runs"
    deadline = time.monotonic() + 120
    while not (folder.is_dir() and len(list(folder.glob("part-*.parquet"))) >= parts):
        assert proc.poll() is None, proc.communicate() if proc.stdout else proc.returncode
        assert time.monotonic() < deadline
        time.sleep(0.02)


def assert_no_worker_alive(pids: list[int], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [p for p in alive if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"workers still alive {within} s after their driver died: {alive}"


def stored_rows(store: Path) -> int:
    """Rows of the committed batches (a batch a killed driver wrote but never committed, with
    no manifest, is set aside by the resume and run again)."""
    folder = store / "sweep"
    return sum(len(pd.read_parquet(p)) for p in (folder / "runs").glob("part-*.parquet")
               if (folder / "manifests" / f"{p.stem}.json").exists())  # fmt: skip


def test_sigkill_of_the_driver_then_rerun_runs_exactly_the_missing_runs(scenario_file, reference, tmp_path):
    proc = start(scenario_file, tmp_path)
    wait_for_parts(tmp_path, proc)
    workers = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    assert workers
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert_no_worker_alive(workers)

    killed = Experiment.read(tmp_path, "sweep")
    kept = len(killed.runs())
    assert killed.status() == "unfinished" and 0 < kept < 120
    rows_before = stored_rows(tmp_path)
    result = runner.invoke(app, ["explore", str(scenario_file), *SWEEP, "--jobs", "2", "--store", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"({kept} were there already)" in result.output
    assert stored_rows(tmp_path) - rows_before == 120 - kept  # exactly the missing runs

    resumed = Experiment.read(tmp_path, "sweep")
    assert resumed.status() == "complete"
    pd.testing.assert_frame_equal(resumed.runs(), reference.runs(), check_exact=True)
    pd.testing.assert_frame_equal(resumed.series(), reference.series(), check_exact=True)


def test_sigterm_is_ctrl_c_one_line_keeps_the_finished_runs_and_names_the_command(scenario_file, tmp_path):
    proc = start(scenario_file, tmp_path)
    wait_for_parts(tmp_path, proc)
    workers = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    # off a terminal, progress comes as plain lines "explore sweep: N/120 runs..."; then one line
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("explore sweep: ")]
    assert len(lines) == 1 and "Traceback" not in err, err
    kept = len(Experiment.read(tmp_path, "sweep").runs())
    assert lines[0].startswith(f"Stopped: kept {kept} of 120 runs in ")
    assert f"resume with: lever explore {scenario_file}" in lines[0]
    assert_no_worker_alive(workers, within=5)


def test_a_failing_run_is_data_and_a_rerun_retries_it(tmp_path):
    # homogeneity drawn from [-1, 1]: the runs whose draw is negative cannot be set up
    path = tmp_path / "half-bad.toml"
    path.write_text(to_toml(tiny(uncertainties=[{"path": "organizations.ilp.homogeneity", "low": -1.0, "high": 1.0}])))
    args = ["explore", str(path), "--samples", "6", "--strategies", "outside", "--steps", "2", "--jobs", "1",
            "--store", str(tmp_path / "store"), "--name", "bad"]  # fmt: skip
    first = runner.invoke(app, args)
    assert first.exit_code == 1, first.output
    exp = Experiment.read(tmp_path / "store", "bad")
    runs = exp.runs()
    failed = runs[runs["status"] == "failed"]
    assert 0 < len(failed) < 6 and len(runs) == 6
    assert failed["error"].str.contains("homogeneity").all()
    assert (failed["organizations.ilp.homogeneity"] < 0).all() and failed["seed"].notna().all()
    assert exp.status() == "complete with failures"

    shown = runner.invoke(app, ["results", "bad", "--store", str(tmp_path / "store")])
    assert shown.exit_code == 0 and f"{len(failed)} failed runs" in shown.output

    parts = len(list((exp.folder / "runs").glob("part-*.parquet")))
    again = runner.invoke(app, args)
    assert again.exit_code == 1
    assert f"({6 - len(failed)} were there already)" in again.output  # the failed ones ran again
    assert len(list((exp.folder / "runs").glob("part-*.parquet"))) == parts + 1


def test_an_unwritable_store_is_refused_before_any_run(scenario_file, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = runner.invoke(app, ["explore", str(scenario_file), *SWEEP, "--store", str(blocker / "store")])
    assert result.exit_code == 2
    assert "--store: cannot write" in result.output and "Traceback" not in result.output


def test_sigkill_of_a_driver_with_a_local_dask_cluster_leaves_no_worker(scenario_file, tmp_path):
    env = os.environ | {"LEVER_BATCH_RUNS": "4"}
    proc = subprocess.Popen([LEVER, "explore", str(scenario_file), *SWEEP, "--executor", "dask", "--jobs", "2",
                             "--store", str(tmp_path)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    wait_for_parts(tmp_path, proc, parts=1)
    workers = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    assert workers
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert_no_worker_alive(workers)


def test_ctrl_c_at_the_terminal_reaches_every_process_and_still_ends_in_one_line(scenario_file, tmp_path):
    """A terminal sends SIGINT to the whole process group: the workers leave it to the driver."""
    env = os.environ | {"LEVER_BATCH_RUNS": "4"}
    # ten times the steps: on a loaded machine the short sweep could end before the signal lands
    longer = [*SWEEP[: SWEEP.index("--steps") + 1], "120", *SWEEP[SWEEP.index("--steps") + 2 :]]
    # as from a terminal: SIGINT at its default even where this test runs in a background job
    # (a shell without job control starts those with SIGINT ignored, and children inherit it)
    proc = subprocess.Popen([LEVER, "explore", str(scenario_file), *longer, "--jobs", "2", "--store", str(tmp_path)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # fmt: skip
    wait_for_parts(tmp_path, proc)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("explore sweep: ")]
    assert len(lines) == 1 and lines[0].startswith("Stopped: kept "), err


def test_sigkill_of_lever_weigh_leaves_no_worker_and_a_rerun_resumes(scenario_file, tmp_path):
    """The issue's first report: weigh's pool outlived a kill -9 of its driver."""
    args = [LEVER, "weigh", str(scenario_file), "--samples", "20", "--replications", "1", "--steps", "12",
            "--jobs", "2", "--store", str(tmp_path / "store")]  # fmt: skip
    env = os.environ | {"LEVER_BATCH_RUNS": "4"}
    proc = subprocess.Popen([*args, "--out", str(tmp_path / "one")], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 120
    while not list((tmp_path / "store").glob("*/manifests/part-*.json")):  # a batch committed
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    workers = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    assert workers
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert_no_worker_alive(workers)
    [folder] = (tmp_path / "store").iterdir()
    kept = len(Experiment.read(tmp_path / "store", folder.name).runs())
    assert 0 < kept < 20 * len(tiny().strategies)
    again = subprocess.run([*args, "--out", str(tmp_path / "two")], env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert Experiment.read(tmp_path / "store", folder.name).status() == "complete"
