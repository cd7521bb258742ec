"""One run in the results store: the settings that name its experiment, and its rows.

``lever run`` and the page's Run tab both store a run this way, so the same settings from
either name the same experiment.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from lever.model.loading import to_toml
from lever.model.scenario import Scenario
from lever.sim.engine import Run
from lever.sim.results import summarize
from lever.store import Experiment


def run_spec(field: Scenario, strategy: str, seed: int, steps: int | None) -> dict[str, Any]:
    """The experiment settings of one run."""
    return {"kind": "run", "scenario_name": field.name, "scenario": to_toml(field), "strategy": strategy,
            "seed": seed, "steps": steps, "runs": 1}  # fmt: skip


def store_run(exp: Experiment, run: Run) -> None:
    """One run into the store: its summary's numbers as a runs row, its series as the series."""
    summary = summarize(run)
    numbers = {k: float("nan") if v is None else float(v) for k, v in summary.items()
               if k not in ("seed", "steps", "agents") and (v is None or isinstance(v, int | float))}  # fmt: skip
    row = {"task": 0, "strategy": run.strategy, "level": 0, "draw": 0, "replication": 0, "seed": run.seed,
           "status": "ok", "error": pd.NA, **numbers}  # fmt: skip
    runs = pd.DataFrame([row]).astype({"error": pd.StringDtype()})
    exp.append(runs, run.series.assign(task=0))
    exp.finish({"runs": 1, "ok": 1, "failed": 0})
