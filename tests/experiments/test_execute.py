"""The driver: any executor gives the same runs; a local worker that dies is replaced and its
runs are run again, with nothing lost or stored twice."""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import psutil
import pytest
from fields import tiny

from lever.experiments import execute
from lever.experiments.design import Design
from lever.experiments.execute import sweep
from lever.experiments.explore import Exploration
from lever.experiments.runs import run_design
from lever.store import Experiment
from lever.store.outputs import TaskOutput


@pytest.fixture(scope="module")
def field():
    return tiny(uncertainties=[{"path": "dynamics.gravity", "low": 0.5, "high": 2.0}])


def test_a_caller_s_executor_gives_the_in_process_runs(field):
    design = Design(field, samples=2, replications=1, seed=3, steps=2)
    with ThreadPoolExecutor(2) as pool:
        threaded = run_design(design, executor=pool)
    pd.testing.assert_frame_equal(threaded.runs, run_design(design).runs, check_exact=True)


def test_a_local_worker_killed_mid_sweep_is_replaced_and_its_runs_run_again(field, tmp_path, monkeypatch):
    design = Exploration(field, "lhs", 40, steps=8, strategies=("outside", "enter_ilp_faction"))
    reference = Experiment.create(tmp_path, "reference", design.spec())
    sweep(design, field, 8, reference, jobs=1)

    monkeypatch.setattr(execute, "BATCH_RUNS", 4)
    exp = Experiment.create(tmp_path, "killed", design.spec())
    runs = exp.folder / "runs"
    killed: list[int] = []

    def kill_one_worker() -> None:
        deadline = time.monotonic() + 120
        while not any(runs.glob("part-*.parquet")) and time.monotonic() < deadline:
            time.sleep(0.01)
        workers = [c for c in psutil.Process().children() if "spawn_main" in " ".join(c.cmdline())]
        if workers:
            killed.append(workers[0].pid)
            os.kill(workers[0].pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_one_worker)
    killer.start()
    swept = sweep(design, field, 8, exp, jobs=2)
    killer.join()
    assert killed, "no worker was running to be killed"
    assert (swept.ok, swept.failed) == (80, 0)
    stored = sum(len(pd.read_parquet(p)) for p in runs.glob("part-*.parquet"))
    assert stored == 80  # none lost, none stored twice
    pd.testing.assert_frame_equal(exp.runs(), reference.runs(), check_exact=True)


def test_a_worker_that_dies_between_a_wait_and_the_next_submit_is_replaced(field):
    """The race CI met: the pool broke after one world finished and before the next was
    handed out, so the hand-out itself raised. It must restart the pool like any other death."""
    design = Exploration(field, "lhs", 4, steps=2, strategies=("outside",))
    tasks = list(design)
    with execute.LocalPool(field, 2, jobs=2, catch=True) as pool:
        first = pool.submit([tasks[0]])
        first.result(timeout=120)
        for process in list(pool.pool._processes.values()):  # noqa: SLF001 - the test breaks the pool on purpose
            os.kill(process.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while not pool.pool._broken and time.monotonic() < deadline:  # noqa: SLF001
            time.sleep(0.01)
        outs: list[TaskOutput] = []
        execute.execute(tasks, pool, outs.append, todo=iter(range(1, len(tasks))), catch=True)
    assert sorted(o.task.index for o in outs) == list(range(1, len(tasks)))
    assert not any(o.error for o in outs)
