"""Run a design and gather its runs: the table, the tracked series and the flows per strategy.

Runs go through any ``concurrent.futures``-style executor (``submit`` returning futures), a
local process pool or Dask (:mod:`lever.experiments.execute`); with a store, through the
store, so that a rerun after a crash resumes.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from lever.experiments.design import Design
from lever.experiments.execute import LocalPool, execute, make_pool, sweep
from lever.model.loading import with_values
from lever.store import outputs_from_store
from lever.store.outputs import TaskOutput

if TYPE_CHECKING:
    from lever.store import Experiment


@dataclass
class DesignResult:
    """Everything a design's runs produced.

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


class RunsFailed(RuntimeError):
    """Some runs of a stored sweep failed; they are in the store with their errors."""

    def __init__(self, name: str, failed: int, total: int) -> None:
        super().__init__(f"{failed} of {total} runs failed; see lever results {name} (a rerun retries them)")
        self.name, self.failed, self.total = name, failed, total


def run_design(
    design: Design,
    *,
    jobs: int = 1,
    executor: Executor | str | LocalPool | None = None,
    on_done: Callable[[int, int], None] | None = None,
    store: Experiment | None = None,
) -> DesignResult:
    """Run the design. ``executor`` overrides the default (in-process for ``jobs == 1``,
    else a local process pool): any ``concurrent.futures`` executor, ``"dask"`` or
    ``"dask://HOST:PORT"``; ``on_done(done, total)`` reports progress.

    With ``store`` (an experiment of the results store), every run is written there as it
    finishes, runs already stored are not run again (a rerun after a crash resumes), a failing
    run is recorded and the others go on (:class:`RunsFailed` is raised at the end), and the
    result is read back from the store."""
    tasks = design.tasks()
    seen = set()
    for t in tasks:  # fail before any run on a value that cannot be set
        if (t.level, t.draw) not in seen:
            seen.add((t.level, t.draw))
            with_values(design.scenario, t.values, f"uncertainties (draw {t.draw})")
    if store is not None:
        store.write_design(_design_table(tasks))
        swept = sweep(tasks, design.scenario, design.steps, store, jobs=jobs, executor=executor, on_done=on_done)
        if swept.failed:
            raise RunsFailed(store.name, swept.failed, swept.total)
        return _collect(design, outputs_from_store(store, tasks))
    outputs: list[TaskOutput] = []
    with make_pool(design.scenario, design.steps, jobs=jobs, catch=False, executor=executor) as pool:
        execute(tasks, pool, outputs.append, todo=iter(range(len(tasks))), catch=False,
                on_done=on_done and (lambda: on_done(len(outputs), len(tasks))))  # fmt: skip
    return _collect(design, sorted(outputs, key=lambda o: o.task.index))


def _design_table(tasks: list) -> pd.DataFrame:
    return pd.DataFrame([{"task": t.index, "strategy": t.strategy, "level": t.level, "draw": t.draw,
                          "replication": t.replication, "seed": t.seed}
                         | {p: float(v) for p, v in t.values.items() if isinstance(v, float)}
                         for t in tasks])  # fmt: skip


def _collect(design: Design, outputs: list[TaskOutput]) -> DesignResult:
    rows = []
    for out in outputs:
        t = out.task
        level = {"level": t.level, "factor": design.factor.values[t.level]} if design.factor else {}
        sampled = {k: v for k, v in t.values.items() if isinstance(v, float)}
        rows.append({"strategy": t.strategy, **level, "draw": t.draw, "replication": t.replication,
                     "seed": t.seed, **sampled, **out.outcomes})  # fmt: skip
    runs = pd.DataFrame(rows)
    weeks = outputs[0].weeks
    assert weeks is not None
    result = DesignResult(design, runs, weeks, labels=[*design.scenario.org_keys, "none"])
    # every output here is a finished run's (a failed one stops the design before), and a
    # finished run has its series and flows
    for s in design.strategies:
        mine = [o for o in outputs if o.task.strategy == s]
        result.series[s] = np.stack(cast(list[np.ndarray], [o.series for o in mine]))
        result.flows[s] = np.mean(cast(list[np.ndarray], [o.flows for o in mine]), axis=0)
        for lv in range(len(design.levels)):
            at = [o for o in mine if o.task.level == lv]
            result.level_series[s, lv] = np.stack(cast(list[np.ndarray], [o.series for o in at]))
            result.level_flows[s, lv] = np.mean(cast(list[np.ndarray], [o.flows for o in at]), axis=0)
    return result


def combine(results: list[DesignResult]) -> DesignResult:
    """Batches of one design (``Design.batch`` 0, 1, ...) as one result over all their draws;
    or looks at the draws of one design (``Design.draw_range``, in order) as that design's
    result, its runs and series in its own order (level, then draw)."""
    first = results[0]
    if len(results) == 1:
        return first
    ranges = [r.design.draw_range for r in results]
    looks = all(ranges)  # looks at one hypercube's draws: together, its runs in its order
    runs = pd.concat([r.runs for r in results], ignore_index=True)
    if looks:
        lows, highs = zip(*(cast(tuple[int, int], r) for r in ranges), strict=True)
        design = replace(first.design, draw_range=(min(lows), max(highs)))
        runs = runs.sort_values(["level", "draw"] if "level" in runs else ["draw"], kind="stable", ignore_index=True)
    else:
        design = replace(first.design, samples=sum(r.design.samples for r in results))
    out = DesignResult(design, runs, first.weeks, labels=first.labels)
    for key in first.level_series:
        out.level_series[key] = np.concatenate([r.level_series[key] for r in results])
    for key in first.series:
        # looks: each level's series over the draws in order, level by level, as the runs
        out.series[key] = (np.concatenate([out.level_series[key, lv] for lv in range(len(design.levels))]) if looks
                           else np.concatenate([r.series[key] for r in results]))  # fmt: skip
    for name, counts in (("flows", "series"), ("level_flows", "level_series")):
        for key in getattr(first, name):
            weights = [len(getattr(r, counts)[key]) for r in results]
            getattr(out, name)[key] = np.average([getattr(r, name)[key] for r in results], axis=0, weights=weights)
    return out
