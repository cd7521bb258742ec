"""One simulation of a calibration: a run of the field at one draw, read at the record's dates.

A :class:`Probe` is a task the project's executors run like one of weigh's (it carries its
index, draw, replication, seed and values, and knows how to run itself), so calibration's
simulations go through the same pools (local or Dask) and into the same store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from lever.experiments.tasks import tracked_columns
from lever.model.loading import with_values
from lever.model.scenario import Scenario
from lever.sim.engine import Run, simulate
from lever.store.outputs import TaskOutput


@dataclass(frozen=True)
class Probe:
    """Run ``strategy`` at ``values`` with ``seed`` for ``steps`` steps and read each
    ``(series, step)`` of ``observe``; a run to the horizon also measures its plausibility."""

    index: int
    strategy: str
    draw: int
    replication: int
    seed: int
    values: dict[str, Any]
    observe: tuple[tuple[str, int], ...]
    steps: int
    level: int = 0  # the store's tables have a level column; calibration varies no factor

    def run(self, scenario: Scenario, steps: int | None = None) -> TaskOutput:  # noqa: ARG002 (RunTask's run signature)
        """The output the store keeps of a task (as :func:`lever.experiments.tasks.run_task`'s);
        the probe's own ``steps`` decide the run's length, not the sweep's."""
        field_ = with_values(scenario, self.values, "uncertainties")
        run = simulate(field_, self.strategy, seed=self.seed, steps=self.steps)
        s = run.series
        # the run's series are numbers (pandas' stubs allow any cell: a date, a period)
        found = {observed(col, step): float(cast(float, s[col].iat[step])) for col, step in self.observe}
        if self.steps == field_.steps:
            found |= plausibility(run)
        tracked = np.column_stack([s[name] for name in tracked_columns(scenario)])
        return TaskOutput(self, found, tracked, run.flows, s["week"].to_numpy())


def observed(series: str, step: int) -> str:
    """The outcome column holding ``series`` at ``step``."""
    return f"{series}@{step}"


def plausibility(run: Run) -> dict[str, float]:
    """What the record does not count but a historian would check, at the horizon: the share of
    the host's members who were in each organization at week 0 (``host_from_<key>``), the
    share of the host's leavers who went to the rival, and the move of the host's platform."""
    sc, st = run.scenario, run.final
    host = sc.org_keys.index(sc.host)
    inside = st.org == host
    by_origin = np.bincount(st.origin[inside], weights=st.weight[inside], minlength=len(run.labels))
    out = {f"host_from_{key}": float(by_origin[k] / max(by_origin.sum(), 1e-12)) for k, key in enumerate(run.labels)}
    left = run.flows[host].sum() - run.flows[host, host]
    rival = sc.org_keys.index(sc.rival) if sc.rival else None
    out["host_leavers_to_rival_share"] = (
        float(run.flows[host, rival] / left) if rival is not None and left else float("nan")
    )
    for axis in ("radicalism", "independence"):
        col = run.series[f"{axis}_{sc.host}"]
        out[f"host_{axis}_change"] = float(cast(float, col.iat[-1]) - cast(float, col.iat[0]))  # numbers, as above
    return out
