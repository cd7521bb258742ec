"""The contract between the executors and the store: what a task is, and what its run returns.

A task is anything the executors can run (weigh's strategy runs, explore's design points,
calibration's probes): it is keyed by its index in its experiment and by the world it runs
in, and it runs itself. Its run returns a :class:`TaskOutput`, which the store writes as a
row of the runs table and rows of the series table, and reads back the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from lever.model.scenario import Scenario


class RunTask(Protocol):
    """What the executors run: one simulation, keyed by what the store records of it."""

    @property
    def index(self) -> int: ...
    @property
    def strategy(self) -> str: ...
    @property
    def level(self) -> int: ...
    @property
    def draw(self) -> int: ...
    @property
    def replication(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def values(self) -> dict[str, Any]: ...

    def run(self, scenario: Scenario, steps: int | None) -> TaskOutput: ...


@dataclass(frozen=True)
class TaskOutput:
    """One task's run: its outcomes, its tracked per-step series ``(steps + 1, tracked)``, its
    from->to flows and weeks; or, for a run that failed, only its ``error``."""

    task: RunTask
    outcomes: dict[str, float] = field(default_factory=dict)
    series: np.ndarray | None = None
    flows: np.ndarray | None = None
    weeks: np.ndarray | None = None
    error: str | None = None

    @classmethod
    def failed(cls, task: RunTask, error: str) -> TaskOutput:
        return cls(task, error=error[:2000])
