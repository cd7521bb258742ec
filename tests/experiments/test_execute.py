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


def test_a_ctrl_c_while_workers_start_reaches_the_driver_when_they_have_started():
    """SIGINT is blocked in the thread that starts workers, but the kernel hands a Ctrl-C to any
    thread that does not block it (Rich's, say): it is held until the block ends, then raised.

    SIGINT at Python's default for the test, as at a terminal: a suite started as a background job
    (by a shell without job control) starts with it ignored, and a Ctrl-C held and raised again
    is then ignored as it should be (the test failed so twice in a fresh clone's CI started that
    way). The block waits until the signal has been handled, not a fixed time."""
    idle = threading.Event()
    other = threading.Thread(target=idle.wait, daemon=True)  # a thread the signal can go to
    other.start()
    reached: list[str] = []
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            with execute._sigint_held() as noted:  # noqa: SLF001 - the block the pool starts workers in
                os.kill(os.getpid(), signal.SIGINT)
                deadline = time.monotonic() + 60.0
                while not noted and time.monotonic() < deadline:
                    time.sleep(0.01)  # the handler runs here, on the main thread, once the signal is taken
                reached.append(f"end of block, {len(noted)} noted")
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back as it was
    finally:
        idle.set()
        signal.signal(signal.SIGINT, before)
    assert reached == ["end of block, 1 noted"]
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])


def test_workers_kept_across_sweeps_run_each_field_as_its_own_pool_would_and_start_once(field):
    """The theses' looks share one pool: each sweep's field reaches the workers with its first
    world, so sweeps of different fields give their own runs, and no worker starts again."""
    other = tiny(uncertainties=[{"path": "dynamics.gravity", "low": 0.5, "high": 2.0}],
                 **{"organizations.ilp.size": 500.0})  # fmt: skip
    designs = [Design(f, samples=3, replications=1, seed=4, steps=2) for f in (field, other, field)]
    with execute.LocalPool.kept(2) as workers:
        kept = [run_design(d, jobs=2, executor=workers).runs for d in designs]
        started = {p.pid for p in workers.pool._processes.values()}  # noqa: SLF001 - no public handle
        again = run_design(designs[1], jobs=2, executor=workers).runs
        assert {p.pid for p in workers.pool._processes.values()} == started  # noqa: SLF001
    for design, runs in zip([*designs, designs[1]], [*kept, again], strict=True):
        pd.testing.assert_frame_equal(runs, run_design(design).runs, check_exact=True)
    assert not kept[0].equals(kept[1])  # the fields differ, and so do their runs


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


def _blocked_signals(pid: int) -> int:
    """The process's blocked-signal mask, as Linux reports it (bit n-1 for signal n)."""
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1], 16) for line in status if line.startswith("SigBlk:"))


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads the mask from Linux's /proc")
def test_a_local_worker_is_out_of_reach_of_ctrl_c_from_its_start_and_the_driver_is_not(field):
    """CI met a Ctrl-C that landed while a worker was still importing, before its initializer
    ignored it: the worker exited and printed a line of its own. A worker is started with
    SIGINT blocked, so no moment of its life can take it; the driver's mask is as before."""
    sigint = 1 << (signal.SIGINT - 1)
    tasks = list(Exploration(field, "lhs", 4, steps=2, strategies=("outside",)))
    with execute.LocalPool(field, 2, jobs=2, catch=True) as pool:
        for future in [pool.submit([task]) for task in tasks]:
            future.result(timeout=120)
        workers = [process.pid for process in pool.pool._processes.values()]  # noqa: SLF001 - no public handle
        assert workers and all(_blocked_signals(pid) & sigint for pid in workers)
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])


def _twins_counted(monkeypatch) -> list[int]:
    """Every twin a run in this process simulates, counted (the world cache emptied first)."""
    from lever.experiments import tasks as tasks_module

    twins: list[int] = []
    real = tasks_module.simulate

    def counting(*args, **kwargs):
        if kwargs.get("twin"):
            twins.append(kwargs["seed"])
        return real(*args, **kwargs)

    monkeypatch.setattr(tasks_module, "simulate", counting)
    tasks_module._WORLDS.clear()  # noqa: SLF001 - a cache earlier tests filled
    return twins


@pytest.mark.parametrize(("path", "shared"), [("strategies.enter_ilp_faction.conviction", True),
                                              ("dynamics.gravity", False)])  # fmt: skip
def test_levels_that_change_only_a_strategy_share_one_twin_and_give_the_same_runs(field, monkeypatch, path, shared):
    """A factor whose levels set only a strategy (as thesis 7's allocation) runs each world's twin
    once across its levels; a factor that changes the field runs one twin per level. The runs
    are those of one world at a time, bit for bit (a window of one task gathers nothing)."""
    from lever.experiments.design import Factor

    levels = (0.5, 0.75, 1.0)
    factor = Factor("level", tuple({path: v} for v in levels), tuple(map(str, levels)), levels)
    # more worlds than a worker keeps (tasks._WORLDS_KEPT): taken level by level, each level's
    # worlds would push the last level's out before they came round again
    design = Design(field, samples=6, replications=1, seed=3, steps=2, strategies=("enter_ilp_faction",),
                    factor=factor)  # fmt: skip
    twins = _twins_counted(monkeypatch)
    gathered = run_design(design).runs
    assert len(twins) == (6 if shared else 6 * len(levels))
    monkeypatch.setattr(execute, "WORLD_WINDOW", 1)
    twins.clear()
    execute_one = run_design(design).runs
    pd.testing.assert_frame_equal(gathered, execute_one, check_exact=True)
