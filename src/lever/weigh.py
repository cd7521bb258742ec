"""Weigh the group's strategies: every strategy x draws of the uncertainties x replications.

Draws come from a Latin hypercube over the scenario's uncertainty ranges. Common random numbers
pair the comparisons: every strategy runs draw ``d``, replication ``r`` with the same seed, so
two identical strategies give identical histories. Runs go through any
``concurrent.futures``-style executor (``submit`` returning futures), a local process pool by
default, so a distributed one can replace it.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from lever.engine import simulate
from lever.scenario import Scenario
from lever.scenarios import with_values

#: Outcomes recorded per run (MODEL.md §7): name -> (what it is, whether more is better).
OUTCOMES: dict[str, tuple[str, bool]] = {
    "group_members": ("the group's members at the horizon", True),
    "group_cadre": ("the group's trained cadre at the horizon", True),
    "won": ("revolutionary-minded people won to the group's views", True),
    "host_kernel": ("the host's revolutionary kernel at the horizon", True),
    "host_revolutionaries_in_rival": ("the host's revolutionaries of week 0 now in the rival", False),
    "expelled": ("persons expelled over the run", False),
    "weeks_to_1000": ("weeks for the group to reach 1,000 (NaN: never)", False),
}

#: Per-step series kept from every run, for the bands in the report.
TRACKED = ("group_members", "won", "size_host")


@dataclass(frozen=True)
class Task:
    """One run of the design."""

    index: int
    strategy: str
    draw: int
    replication: int
    seed: int
    values: dict[str, float]


@dataclass(frozen=True)
class Design:
    """What to run: ``strategies`` x ``samples`` draws x ``replications`` on ``scenario``."""

    scenario: Scenario
    samples: int
    replications: int
    seed: int = 0
    steps: int | None = None
    strategies: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.strategies:
            object.__setattr__(self, "strategies", tuple(self.scenario.strategies))

    def draws(self) -> pd.DataFrame:
        """The sampled uncertainties: one row per draw, one column per uncertainty path."""
        paths = [u.path for u in self.scenario.uncertainties]
        if not paths:
            return pd.DataFrame(index=pd.RangeIndex(self.samples, name="draw"))
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(0,)))
        unit = qmc.LatinHypercube(d=len(paths), rng=rng).random(self.samples)
        low = np.array([u.low for u in self.scenario.uncertainties])
        high = np.array([u.high for u in self.scenario.uncertainties])
        return pd.DataFrame(low + unit * (high - low), columns=paths).rename_axis("draw")

    def run_seed(self, draw: int, replication: int) -> int:
        """The seed shared by every strategy in one (draw, replication): common random numbers."""
        ss = np.random.SeedSequence(self.seed, spawn_key=(1, draw, replication))
        return int(ss.generate_state(1, np.uint32)[0])

    def tasks(self) -> list[Task]:
        draws = self.draws()
        out = []
        for d in range(self.samples):
            values = {k: float(v) for k, v in draws.iloc[d].items()}
            for r in range(self.replications):
                for s in self.strategies:
                    out.append(Task(len(out), s, d, r, self.run_seed(d, r), values))
        return out


@dataclass
class WeighResult:
    """Everything weigh produced.

    runs : one row per run: strategy, draw, replication, seed, the sampled values, outcomes.
    series : strategy -> array ``(runs, steps + 1, len(TRACKED))`` of per-step series.
    flows : strategy -> mean from->to matrix of persons over its runs.
    """

    design: Design
    runs: pd.DataFrame
    weeks: np.ndarray
    series: dict[str, np.ndarray] = field(default_factory=dict)
    flows: dict[str, np.ndarray] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)


def run_task(scenario: Scenario, steps: int | None, task: Task) -> dict[str, Any]:
    """Run one task; returns its outcomes, tracked series and flows (picklable, for workers)."""
    field_ = with_values(scenario, task.values, "uncertainties")
    run = simulate(field_, task.strategy, seed=task.seed, steps=steps)
    s = run.series
    host, last = scenario.host, s.iloc[-1]
    reached = np.nonzero(s["group_members"].to_numpy() >= 1000)[0]
    outcomes = {
        "group_members": last["group_members"],
        "group_cadre": last["group_cadre"],
        "won": last["won"],
        "host_kernel": last[f"kernel_{host}"],
        "host_revolutionaries_in_rival": last["host_revolutionaries_in_rival"],
        "expelled": last["expelled"],
        "weeks_to_1000": float(s["week"].iloc[reached[0]]) if reached.size else math.nan,
    }
    tracked = np.column_stack([s["group_members"], s["won"], s[f"size_{host}"]])
    return {"task": task, "outcomes": outcomes, "series": tracked, "flows": run.flows,
            "weeks": s["week"].to_numpy()}  # fmt: skip


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def local_executor(jobs: int) -> Executor:
    """A process pool of ``jobs`` workers (spawned: safe beside Numba's threads)."""
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))


def weigh(
    design: Design,
    *,
    jobs: int = 1,
    executor: Executor | None = None,
    on_done: Callable[[int, int], None] | None = None,
) -> WeighResult:
    """Run the design. ``executor`` overrides the default (in-process for ``jobs == 1``,
    else a local process pool); ``on_done(done, total)`` reports progress."""
    for u in design.scenario.uncertainties:  # fail before any run on a path that cannot be set
        with_values(design.scenario, {u.path: u.low}, f"uncertainties ({u.path})")
    tasks = design.tasks()
    outputs: list[dict[str, Any] | None] = [None] * len(tasks)
    if executor is None and jobs == 1:
        for n, task in enumerate(tasks, 1):
            outputs[task.index] = run_task(design.scenario, design.steps, task)
            if on_done:
                on_done(n, len(tasks))
    else:
        pool = executor or local_executor(jobs)
        try:
            futures: list[Future] = [
                pool.submit(run_task, design.scenario, design.steps, t) for t in tasks
            ]
            for n, fut in enumerate(as_completed(futures), 1):
                out = fut.result()
                outputs[out["task"].index] = out
                if on_done:
                    on_done(n, len(tasks))
        finally:
            if executor is None:
                pool.shutdown(cancel_futures=True)
    return _collect(design, [o for o in outputs if o is not None])


def _collect(design: Design, outputs: list[dict[str, Any]]) -> WeighResult:
    rows = []
    for out in outputs:
        t: Task = out["task"]
        rows.append({"strategy": t.strategy, "draw": t.draw, "replication": t.replication,
                     "seed": t.seed, **t.values, **out["outcomes"]})  # fmt: skip
    runs = pd.DataFrame(rows)
    result = WeighResult(design, runs, outputs[0]["weeks"], labels=[*design.scenario.org_keys, "none"])
    for s in design.strategies:
        mine = [o for o in outputs if o["task"].strategy == s]
        result.series[s] = np.stack([o["series"] for o in mine])
        result.flows[s] = np.mean([o["flows"] for o in mine], axis=0)
    return result
