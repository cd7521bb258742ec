"""Dask as the executor: a scheduler and two worker processes started here, joined by address,
give the local pool's results exactly; a worker killed mid-sweep loses and doubles nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from fields import tiny
from typer.testing import CliRunner

from lever.cli.main import app
from lever.experiments import execute
from lever.model.loading import to_toml
from lever.store import Experiment

runner = CliRunner()
DASK = str(Path(sys.executable).parent / "dask")
UNCERTAIN = [{"path": "dynamics.gravity", "low": 0.5, "high": 2.0},
             {"path": "dynamics.confidence", "low": 0.1, "high": 0.4}]  # fmt: skip
SWEEP = ["--sampler", "sobol", "--samples", "8", "--strategies", "outside,enter_ilp_faction", "--steps", "8"]


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("field") / "tiny.toml"
    path.write_text(to_toml(tiny(uncertainties=UNCERTAIN)))
    return path


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A scheduler and two single-thread workers, each its own process (no nanny: a killed
    worker stays dead)."""
    folder = tmp_path_factory.mktemp("dask")
    info = folder / "scheduler.json"
    common = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": folder}
    scheduler = subprocess.Popen([DASK, "scheduler", "--scheduler-file", str(info), "--port", "0",
                                  "--no-dashboard"], **common)  # fmt: skip
    deadline = time.monotonic() + 60
    while not info.exists():
        assert time.monotonic() < deadline and scheduler.poll() is None
        time.sleep(0.1)
    workers = [
        subprocess.Popen(
            [DASK, "worker", "--scheduler-file", str(info), "--nthreads", "1", "--no-nanny", "--no-dashboard"], **common
        )  # fmt: skip
        for _ in range(2)
    ]
    from distributed import Client

    with Client(scheduler_file=str(info), timeout="30s") as client:
        client.wait_for_workers(2, timeout=60)
        address = client.scheduler.address
    yield address.replace("tcp://", "dask://"), workers
    for proc in [*workers, scheduler]:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def local(scenario_file, tmp_path_factory):
    store = tmp_path_factory.mktemp("local")
    result = runner.invoke(app, ["explore", str(scenario_file), *SWEEP, "--jobs", "2", "--store", str(store),
                                 "--name", "x"])  # fmt: skip
    assert result.exit_code == 0, result.output
    return Experiment.read(store, "x")


def test_a_dask_cluster_gives_the_local_pools_results_exactly(scenario_file, cluster, local, tmp_path):
    address, _ = cluster
    result = runner.invoke(app, ["explore", str(scenario_file), *SWEEP, "--executor", address,
                                 "--store", str(tmp_path), "--name", "x"])  # fmt: skip
    assert result.exit_code == 0, result.output
    remote = Experiment.read(tmp_path, "x")
    assert len(remote.runs()) == 8 * 6 * 2
    pd.testing.assert_frame_equal(remote.runs(), local.runs(), check_exact=True)
    pd.testing.assert_frame_equal(remote.series(), local.series(), check_exact=True)


def test_a_dask_worker_killed_mid_sweep_has_its_runs_retried_without_loss_or_doubles(
    scenario_file, cluster, local, tmp_path, monkeypatch
):
    address, workers = cluster
    monkeypatch.setattr(execute, "BATCH_RUNS", 4)
    runs_folder = tmp_path / "x" / "runs"

    def kill_after_first_batch() -> None:
        deadline = time.monotonic() + 120
        while not (runs_folder.is_dir() and any(runs_folder.glob("part-*.parquet"))):
            if time.monotonic() > deadline:
                return
            time.sleep(0.01)
        os.kill(workers[0].pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_after_first_batch)
    killer.start()
    result = runner.invoke(app, ["explore", str(scenario_file), *SWEEP, "--executor", address,
                                 "--store", str(tmp_path), "--name", "x"])  # fmt: skip
    killer.join()
    assert result.exit_code == 0, result.output
    assert workers[0].wait(timeout=10) == -signal.SIGKILL
    rows = sum(len(pd.read_parquet(p)) for p in runs_folder.glob("part-*.parquet"))
    assert rows == 8 * 6 * 2  # every run stored once: none lost, none doubled
    pd.testing.assert_frame_equal(Experiment.read(tmp_path, "x").runs(), local.runs(), check_exact=True)
