"""What an experiment runs: every strategy x draws of the uncertainties x replications.

Draws come from a Latin hypercube over the scenario's uncertainty ranges, or, for the paths a
posterior holds (``lever calibrate``'s file), from that posterior. A :class:`Factor` varies
something on purpose (a thesis's levels) over the same worlds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from lever.experiments.tasks import Task, run_seed
from lever.model.scenario import Scenario


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
    #: each run ends when the group reaches its last milestone, without a twin (thesis 3 reads
    #: only the weeks to the milestones; :attr:`lever.experiments.tasks.Task.until_milestones`)
    until_milestones: bool = False
    #: only the draws numbered ``[start, stop)`` of the hypercube of ``samples`` (a thesis's look
    #: at half its draws): the same draws and seeds as the whole design's, so the looks together
    #: are that design's runs
    draw_range: tuple[int, int] | None = None

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
        if self.draw_range is not None:
            return draws.iloc[self.draw_range[0] : self.draw_range[1]]
        return draws

    @property
    def first_draw(self) -> int:
        return self.batch * self.samples

    def run_seed(self, draw: int, replication: int) -> int:
        """The seed shared by every strategy in one (draw, replication): common random numbers."""
        return run_seed(self.seed, draw, replication)

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
                        out.append(Task(len(out), s, lv, d, r, self.run_seed(d, r), values, self.until_milestones))
        return out

    @property
    def runs(self) -> int:
        """How many tasks :meth:`tasks` makes, without making them."""
        return len(self.levels) * self.drawn * self.replications * len(self.strategies)

    @property
    def drawn(self) -> int:
        """How many draws it runs: ``samples``, or those of its ``draw_range``."""
        return self.samples if self.draw_range is None else self.draw_range[1] - self.draw_range[0]
