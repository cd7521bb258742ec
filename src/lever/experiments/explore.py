"""Explore a scenario's uncertainties with a design of many runs, streamed to the store.

Four samplers over the ranges under ``[[uncertainties]]``: a Latin hypercube (the draws
``lever weigh`` makes for the same seed), a full factorial, and SALib's Sobol (Saltelli) and
Morris designs, whose rows come in the order SALib's ``analyze`` expects. Every strategy runs
every row and replication with common random numbers: the seed depends on the row and the
replication only, as in :class:`lever.experiments.design.Design`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from lever.experiments.design import Design
from lever.experiments.tasks import Task, run_seed
from lever.model.loading import to_toml
from lever.model.scenario import Scenario

Sampler = Literal["lhs", "sobol", "morris", "factorial"]
SAMPLERS: tuple[str, ...] = ("lhs", "sobol", "morris", "factorial")
#: Morris grid levels (SALib's default).
MORRIS_LEVELS = 4
#: The most runs one exploration may plan (rows x replications x strategies).
MAX_RUNS = 10_000_000


class DesignError(ValueError):
    """A design that cannot be made, said in one line naming the option."""


def problem(scenario: Scenario) -> dict[str, Any]:
    """The scenario's uncertainties as a SALib problem (names are the dotted paths)."""
    us = scenario.uncertainties
    return {"num_vars": len(us), "names": [u.path for u in us], "bounds": [[u.low, u.high] for u in us]}


def rows_for(sampler: str, dims: int, samples: int) -> int:
    """How many rows a design has: LHS N, Sobol N(2D+2), Morris N(D+1), factorial N^D."""
    return {"lhs": samples, "sobol": samples * (2 * dims + 2), "morris": samples * (dims + 1),
            "factorial": samples**dims}[sampler]  # fmt: skip


def points(sampler: str, scenario: Scenario, samples: int, seed: int) -> np.ndarray:
    """The design: one row per point, one column per uncertainty, in the scenario's units."""
    prob = problem(scenario)
    dims = prob["num_vars"]
    if dims == 0:
        raise DesignError(f"{scenario.name}: the scenario has no [[uncertainties]] to explore")
    if sampler == "lhs":
        return Design(scenario, samples=samples, replications=1, seed=seed).draws().to_numpy()
    if sampler in ("sobol", "morris"):
        return salib_points(sampler, prob, samples, seed)
    if samples < 2:
        raise DesignError("--samples: a factorial design needs at least 2 levels per uncertainty")
    grids = [np.linspace(lo, hi, samples) for lo, hi in prob["bounds"]]
    return np.array(list(itertools.product(*grids)), dtype=float)


def salib_points(sampler: str, prob: dict[str, Any], samples: int, seed: int) -> np.ndarray:
    """SALib's Sobol (Saltelli, second order) or Morris design for a SALib ``problem``: the
    rows :mod:`lever.analysis.sensitivity` reads back in the same order."""
    if sampler == "sobol":
        if samples & (samples - 1):
            raise DesignError(f"--samples: Sobol needs a power of two (got {samples})")
        from SALib.sample import sobol

        return sobol.sample(prob, samples, calc_second_order=True, seed=seed)
    from SALib.sample import morris

    return morris.sample(prob, samples, num_levels=MORRIS_LEVELS, seed=seed)


@dataclass(frozen=True)
class Exploration:
    """Every strategy x design row x replication; task ``i`` is made on demand."""

    scenario: Scenario
    sampler: str
    samples: int
    replications: int = 1
    seed: int = 0
    steps: int | None = None
    strategies: tuple[str, ...] = ()
    grid: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.strategies:
            object.__setattr__(self, "strategies", tuple(self.scenario.strategies))
        dims = len(self.scenario.uncertainties)
        planned = rows_for(self.sampler, dims, self.samples) * self.replications * len(self.strategies)
        if planned > MAX_RUNS:
            raise DesignError(f"--samples: {planned:,} runs planned, more than {MAX_RUNS:,} "
                              "(fewer samples, replications or strategies)")  # fmt: skip
        object.__setattr__(self, "grid", points(self.sampler, self.scenario, self.samples, self.seed))

    @property
    def paths(self) -> list[str]:
        return [u.path for u in self.scenario.uncertainties]

    def __len__(self) -> int:
        return len(self.grid) * self.replications * len(self.strategies)

    def __getitem__(self, i: int) -> Task:
        if not 0 <= i < len(self):
            raise IndexError(i)
        draw, rest = divmod(i, self.replications * len(self.strategies))
        rep, s = divmod(rest, len(self.strategies))
        values = dict(zip(self.paths, (float(v) for v in self.grid[draw]), strict=True))
        return Task(i, self.strategies[s], 0, draw, rep, self.run_seed(draw, rep), values)

    def run_seed(self, draw: int, replication: int) -> int:
        """Common random numbers: the seed of ``lever weigh`` for the same draw and replication."""
        return run_seed(self.seed, draw, replication)

    def table(self) -> pd.DataFrame:
        """The design as a table, one row per task (what ``design.parquet`` holds)."""
        n_s, n_r = len(self.strategies), self.replications
        task = np.arange(len(self), dtype=np.int64)
        draw, rest = np.divmod(task, n_r * n_s)
        rep, s = np.divmod(rest, n_s)
        seeds = np.array([[self.run_seed(d, r) for r in range(n_r)] for d in range(len(self.grid))], dtype=np.int64)
        # small at 10^7 runs; the ignore: pandas takes any list of categories, its stubs only an Index
        strategy = pd.Categorical.from_codes(s, categories=list(self.strategies))  # pyright: ignore[reportCallIssue, reportArgumentType]
        out = pd.DataFrame({"task": task, "strategy": strategy, "level": 0, "draw": draw, "replication": rep,
                            "seed": seeds[draw, rep]})  # fmt: skip
        for j, path in enumerate(self.paths):
            out[path] = self.grid[draw, j]
        return out

    def spec(self) -> dict[str, Any]:
        """What identifies the exploration in the store (a rerun with the same spec resumes)."""
        return {"kind": "explore", "scenario_name": self.scenario.name, "scenario": to_toml(self.scenario),
                "sampler": self.sampler, "samples": self.samples, "replications": self.replications,
                "seed": self.seed, "steps": self.steps, "strategies": list(self.strategies),
                "problem": problem(self.scenario), "runs": len(self),
                "rows": len(self.grid)}  # fmt: skip
