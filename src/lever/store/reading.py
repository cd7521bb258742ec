"""What the store holds, as both faces show it: the experiments listed, and one summarized.

``lever results`` prints these rows as tables and the page sends them as JSON; neither
computes them itself.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from lever.store.experiment import Experiment, experiments

#: Outcomes summarized per strategy (when the runs have them).
SHOWN = ("group_members", "won", "host_kernel", "expelled", "newly_won")


def listing(root: Path) -> list[dict[str, Any]]:
    """Every experiment in the store: its name, kind, scenario, runs stored, failed and planned, status."""
    out = []
    for exp in experiments(root):
        runs = exp.runs()
        failed = int((runs["status"] != "ok").sum()) if len(runs) else 0
        out.append({"name": exp.name, "kind": str(exp.spec.get("kind", "?")),
                    "scenario": str(exp.spec.get("scenario_name", "?")), "stored": len(runs) - failed,
                    "failed": failed, "planned": exp.planned(), "status": exp.status()})  # fmt: skip
    return out


def _finite(x: Any) -> float | None:
    return float(x) if x is not None and math.isfinite(float(x)) else None


def strategy_summaries(exp: Experiment) -> list[dict[str, Any]]:
    """Per strategy: runs ok and failed, and for each outcome of :data:`SHOWN` the runs have,
    its 5%, 50% and 95% quantiles over the runs ok (None where none is finite)."""
    runs = exp.runs()
    rows: list[dict[str, Any]] = []
    if not len(runs):
        return rows
    for strategy, group in runs.groupby("strategy", sort=False):
        ok = group[group["status"] == "ok"]
        row: dict[str, Any] = {"strategy": str(strategy), "ok": len(ok), "failed": len(group) - len(ok)}
        for col in shown_outcomes(exp):
            v = ok[col].dropna().to_numpy(dtype=float)
            row[col] = [_finite(x) for x in np.quantile(v, [0.05, 0.5, 0.95])] if len(v) else None
        rows.append(row)
    return rows


def shown_outcomes(exp: Experiment) -> list[str]:
    """The outcomes of :data:`SHOWN` that the experiment's runs hold."""
    columns = exp.runs().columns
    return [c for c in SHOWN if c in columns]
