"""One run of an experiment beside its world's twin, and the seeds that pair the runs.

Common random numbers: every strategy (and level) of one (draw, replication) runs with the
seed :func:`run_seed` gives, so two identical strategies give identical histories and every
comparison is paired. Each world's twin (the same field and seed, the group doing nothing)
runs once per worker process for all the strategies of that world (:func:`_world`).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from lever.model.loading import with_values
from lever.model.scenario import Scenario
from lever.sim.engine import Run, World, build_world, simulate
from lever.sim.outcomes import TwinView, no_twin, outcomes, twin_view
from lever.store.outputs import TaskOutput

#: Per-step series kept from every run, for the bands in the report (the third is the host's size).
TRACKED = ("group_members", "won", "size_host")


def tracked_columns(scenario: Scenario) -> list[str]:
    """The run's series columns that :data:`TRACKED` names, for ``scenario``'s host."""
    return ["group_members", "won", f"size_{scenario.host}"]


def run_seed(seed: int, draw: int, replication: int) -> int:
    """The seed shared by every strategy in one (draw, replication): common random numbers."""
    ss = np.random.SeedSequence(seed, spawn_key=(1, draw, replication))
    return int(ss.generate_state(1, np.uint32)[0])


@dataclass(frozen=True)
class Task:
    """One strategy run of a design, in the world of its level, draw and replication."""

    index: int
    strategy: str
    level: int
    draw: int
    replication: int
    seed: int
    values: dict[str, Any]
    #: end the run when the group reaches its last milestone, and run no twin: for a design
    #: that reads only the weeks to the milestones (thesis 3); its outcomes against the twin are NaN
    until_milestones: bool = False

    def run(self, scenario: Scenario, steps: int | None) -> TaskOutput:
        """What the executors call (:func:`run_task`)."""
        return run_task(scenario, steps, self)


def run_task(scenario: Scenario, steps: int | None, task: Task) -> TaskOutput:
    """Run one task beside its world's twin (the strategies of one world share the world
    and the twin: see :func:`_world`); returns the outcomes, tracked series and flows
    (picklable, for workers)."""
    field_ = with_values(scenario, task.values, "uncertainties")
    if task.until_milestones:
        return _until_milestones(field_, steps, task)
    start, twin = _world(field_, task, steps)
    run = simulate(field_, task.strategy, seed=task.seed, steps=steps, start=start)
    return TaskOutput(task, outcomes(run, twin), _tracked(run), run.flows, run.series["week"].to_numpy())


def _tracked(run: Run) -> np.ndarray:
    """The run's :data:`TRACKED` series, a column each."""
    return np.column_stack([run.series[name] for name in tracked_columns(run.scenario)])


def _until_milestones(field_: Scenario, steps: int | None, task: Task) -> TaskOutput:
    """A run that ends at the group's last milestone, without a twin: its outcomes against
    the twin are NaN, and its tracked series is NaN past its last week (the design's runs are
    stacked week by week)."""
    run = simulate(field_, task.strategy, seed=task.seed, steps=steps, until_milestones=True)
    weeks = np.arange((field_.steps if steps is None else steps) + 1) * field_.step_weeks
    tracked = np.full((weeks.size, len(TRACKED)), np.nan)
    tracked[: len(run.series)] = _tracked(run)
    return TaskOutput(task, outcomes(run, no_twin(run)), tracked, run.flows, weeks)


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
