"""Weigh the group's strategies: every strategy x draws of the uncertainties x replications.

Draws come from a Latin hypercube over the scenario's uncertainty ranges, or, for the paths a
posterior holds (``lever calibrate``'s file), from that posterior. Common random numbers
pair the comparisons: every strategy runs draw ``d``, replication ``r`` with the same seed, so
two identical strategies give identical histories. Runs go through any
``concurrent.futures``-style executor (``submit`` returning futures), a local process pool by
default, so a distributed one can replace it.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from lever.engine import World, build_world, simulate
from lever.outcomes import OUTCOMES, outcomes, twin_view, TwinView
from lever.scenario import Scenario
from lever.scenarios import with_values

if TYPE_CHECKING:
    from lever.store import Experiment

#: Per-step series kept from every run, for the bands in the report.
TRACKED = ("group_members", "won", "size_host")


@dataclass(frozen=True)
class Factor:
    """A factor varied on purpose: each level is a set of dotted-path changes, applied over the
    sampled uncertainties (a level wins where both set the same path)."""

    name: str
    levels: tuple[dict[str, Any], ...]
    labels: tuple[str, ...]
    #: the number that stands for each level in tables, rules and figures
    values: tuple[float, ...]


@dataclass(frozen=True)
class Task:
    """One run of the design."""

    index: int
    strategy: str
    level: int
    draw: int
    replication: int
    seed: int
    values: dict[str, Any]

    def run(self, scenario: Scenario, steps: int | None) -> dict[str, Any]:
        """What the executors call (:func:`run_task`)."""
        return run_task(scenario, steps, self)


@dataclass(frozen=True)
class Design:
    """What to run: ``strategies`` x ``samples`` draws x ``replications`` on ``scenario``."""

    scenario: Scenario
    samples: int
    replications: int
    seed: int = 0
    steps: int | None = None
    strategies: tuple[str, ...] = ()
    factor: Factor | None = None
    #: a further batch of ``samples`` draws (``--until-sure``): its own Latin hypercube, its
    #: draws numbered after the earlier batches', so that their seeds differ too
    batch: int = 0
    #: draws of a calibration's posterior (a column per path); the uncertainties whose path it
    #: holds are drawn from it (whole rows, resampled), the others from their prior ranges
    posterior: pd.DataFrame | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.strategies:
            object.__setattr__(self, "strategies", tuple(self.scenario.strategies))

    @property
    def from_posterior(self) -> list[str]:
        """The uncertainties' paths drawn from the posterior (none without one)."""
        held = set(self.posterior.columns) if self.posterior is not None else set()
        return [u.path for u in self.scenario.uncertainties if u.path in held]

    def draws(self) -> pd.DataFrame:
        """The sampled uncertainties: one row per draw, one column per uncertainty path."""
        paths = [u.path for u in self.scenario.uncertainties]
        index = pd.RangeIndex(self.first_draw, self.first_draw + self.samples, name="draw")
        if not paths:
            return pd.DataFrame(index=index)
        key = (0,) if self.batch == 0 else (0, self.batch)
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))
        unit = qmc.LatinHypercube(d=len(paths), rng=rng).random(self.samples)
        low = np.array([u.low for u in self.scenario.uncertainties])
        high = np.array([u.high for u in self.scenario.uncertainties])
        draws = pd.DataFrame(low + unit * (high - low), columns=paths, index=index)
        if self.from_posterior:
            assert self.posterior is not None
            # whole rows, so that what the record tied together (one high, another low) stays
            # tied; a later batch picks its own rows
            key = (2,) if self.batch == 0 else (2, self.batch)
            rows = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))
            picked = rows.integers(0, len(self.posterior), self.samples)
            draws[self.from_posterior] = self.posterior[self.from_posterior].to_numpy()[picked]
        return draws

    @property
    def first_draw(self) -> int:
        return self.batch * self.samples

    def run_seed(self, draw: int, replication: int) -> int:
        """The seed shared by every strategy in one (draw, replication): common random numbers."""
        ss = np.random.SeedSequence(self.seed, spawn_key=(1, draw, replication))
        return int(ss.generate_state(1, np.uint32)[0])

    @property
    def levels(self) -> tuple[dict[str, Any], ...]:
        return self.factor.levels if self.factor else ({},)

    def tasks(self) -> list[Task]:
        """Every level x draw x replication x strategy; the seed depends on the draw and the
        replication only, so strategies and levels are compared in the same worlds."""
        draws = self.draws()
        out = []
        for lv, changes in enumerate(self.levels):
            for d in draws.index:
                values = {k: float(v) for k, v in draws.loc[d].items()} | changes
                for r in range(self.replications):
                    for s in self.strategies:
                        out.append(Task(len(out), s, lv, d, r, self.run_seed(d, r), values))
        return out


@dataclass
class WeighResult:
    """Everything weigh produced.

    runs : one row per run: strategy, draw, replication, seed, the sampled values, outcomes.
    series : strategy -> array ``(runs, steps + 1, len(TRACKED))`` of per-step series.
    flows : strategy -> mean from->to matrix of persons over its runs.
    level_series, level_flows : the same per (strategy, level).
    """

    design: Design
    runs: pd.DataFrame
    weeks: np.ndarray
    series: dict[str, np.ndarray] = field(default_factory=dict)
    flows: dict[str, np.ndarray] = field(default_factory=dict)
    level_series: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)
    level_flows: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)


def run_task(scenario: Scenario, steps: int | None, task: Task) -> dict[str, Any]:
    """Run one task beside its world's twin (the strategies of one world share the world
    and the twin: see :func:`_world`); returns the outcomes, tracked series and flows
    (picklable, for workers)."""
    field_ = with_values(scenario, task.values, "uncertainties")
    start, twin = _world(field_, task, steps)
    run = simulate(field_, task.strategy, seed=task.seed, steps=steps, start=start)
    s = run.series
    tracked = np.column_stack([s[name] for name in _tracked_columns(scenario)])
    return {"task": task, "outcomes": outcomes(run, twin), "series": tracked, "flows": run.flows,
            "weeks": s["week"].to_numpy()}  # fmt: skip


def _tracked_columns(scenario: Scenario) -> list[str]:
    return ["group_members", "won", f"size_{scenario.host}"]


#: the last few worlds this process ran and their twins, keyed by the world (see :func:`_world`)
_WORLDS: OrderedDict[tuple, tuple[World, TwinView]] = OrderedDict()
_WORLDS_KEPT = 4


def _world(field_: Scenario, task: Task, steps: int | None) -> tuple[World, TwinView]:
    """``task``'s world at week 0 and its twin (the same field and seed, the group doing
    nothing). The strategies of a world run one after another in one process (the executor
    hands them out together), so a small cache builds each world and runs each twin once."""
    key = (field_.model_dump_json(exclude={"strategies", "default_strategy"}), task.seed, steps)
    if key not in _WORLDS:
        start = build_world(field_, task.seed)
        twin = simulate(field_, task.strategy, seed=task.seed, steps=steps, twin=True, start=start)
        _WORLDS[key] = (start, twin_view(twin))
        while len(_WORLDS) > _WORLDS_KEPT:
            _WORLDS.popitem(last=False)
    return _WORLDS[key]


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def local_executor(jobs: int) -> Executor:
    """A process pool of ``jobs`` workers (spawned: safe beside Numba's threads)."""
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))


def weigh(
    design: Design,
    *,
    jobs: int = 1,
    executor: Executor | str | None = None,
    on_done: Callable[[int, int], None] | None = None,
    store: Experiment | None = None,
) -> WeighResult:
    """Run the design. ``executor`` overrides the default (in-process for ``jobs == 1``,
    else a local process pool): any ``concurrent.futures`` executor, ``"dask"`` or
    ``"dask://HOST:PORT"``; ``on_done(done, total)`` reports progress.

    With ``store`` (an experiment of the results store), every run is written there as it
    finishes, runs already stored are not run again (a rerun after a crash resumes), a failing
    run is recorded and the others go on (:class:`RunsFailed` is raised at the end), and the
    result is read back from the store."""
    from lever.experiments.execute import execute, make_pool, sweep
    from lever.store import outputs_from_store

    tasks = design.tasks()
    seen = set()
    for t in tasks:  # fail before any run on a value that cannot be set
        if (t.level, t.draw) not in seen:
            seen.add((t.level, t.draw))
            with_values(design.scenario, t.values, f"uncertainties (draw {t.draw})")
    if store is not None:
        store.write_design(pd.DataFrame([{"task": t.index, "strategy": t.strategy, "level": t.level, "draw": t.draw,
                                          "replication": t.replication, "seed": t.seed}
                                         | {p: float(v) for p, v in t.values.items() if isinstance(v, float)}
                                         for t in tasks]))  # fmt: skip
        swept = sweep(tasks, design.scenario, design.steps, store, jobs=jobs, executor=executor, on_done=on_done)
        if swept.failed:
            raise RunsFailed(store.name, swept.failed, swept.total)
        return _collect(design, outputs_from_store(store, tasks))
    outputs: list[dict[str, Any]] = []
    pool = make_pool(design.scenario, design.steps, jobs=jobs, catch=False, executor=executor)
    try:
        execute(tasks, pool, outputs.append, todo=iter(range(len(tasks))), catch=False,
                on_done=on_done and (lambda: on_done(len(outputs), len(tasks))))  # fmt: skip
    finally:
        pool.stop()
    return _collect(design, sorted(outputs, key=lambda o: o["task"].index))


class RunsFailed(RuntimeError):
    """Some runs of a stored sweep failed; they are in the store with their errors."""

    def __init__(self, name: str, failed: int, total: int) -> None:
        super().__init__(f"{failed} of {total} runs failed; see lever results {name} (a rerun retries them)")
        self.name, self.failed, self.total = name, failed, total


def _collect(design: Design, outputs: list[dict[str, Any]]) -> WeighResult:
    rows = []
    for out in outputs:
        t: Task = out["task"]
        level = {"level": t.level, "factor": design.factor.values[t.level]} if design.factor else {}
        sampled = {k: v for k, v in t.values.items() if isinstance(v, float)}
        rows.append({"strategy": t.strategy, **level, "draw": t.draw, "replication": t.replication,
                     "seed": t.seed, **sampled, **out["outcomes"]})  # fmt: skip
    runs = pd.DataFrame(rows)
    result = WeighResult(design, runs, outputs[0]["weeks"], labels=[*design.scenario.org_keys, "none"])
    for s in design.strategies:
        mine = [o for o in outputs if o["task"].strategy == s]
        result.series[s] = np.stack([o["series"] for o in mine])
        result.flows[s] = np.mean([o["flows"] for o in mine], axis=0)
        for lv in range(len(design.levels)):
            at = [o for o in mine if o["task"].level == lv]
            result.level_series[s, lv] = np.stack([o["series"] for o in at])
            result.level_flows[s, lv] = np.mean([o["flows"] for o in at], axis=0)
    return result


def combine(results: list[WeighResult]) -> WeighResult:
    """Batches of one design (``Design.batch`` 0, 1, ...) as one result over all their draws."""
    first = results[0]
    if len(results) == 1:
        return first
    design = replace(first.design, samples=sum(r.design.samples for r in results))
    runs = pd.concat([r.runs for r in results], ignore_index=True)
    out = WeighResult(design, runs, first.weeks, labels=first.labels)
    for name in ("series", "level_series"):
        for key in getattr(first, name):
            getattr(out, name)[key] = np.concatenate([getattr(r, name)[key] for r in results])
    for name, counts in (("flows", "series"), ("level_flows", "level_series")):
        for key in getattr(first, name):
            weights = [len(getattr(r, counts)[key]) for r in results]
            getattr(out, name)[key] = np.average([getattr(r, name)[key] for r in results], axis=0, weights=weights)
    return out
