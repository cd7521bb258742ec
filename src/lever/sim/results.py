"""What a run leaves behind: a summary, and files a user opens with DuckDB, pandas or polars."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from lever.model.scenario import NONE
from lever.sim.engine import Run
from lever.sim.funnel import funnel
from lever.store.files import write_atomic
from lever.store.provenance import Provenance, write_parquet

#: The summary's keys for the first week the group reaches each of the field's two
#: milestones (``Scenario.milestone_sizes``; britain-1933: 1,000 and 10,000, the letter's point 3).
MILESTONES = ("first", "second")


def weeks_to(run: Run, persons: float) -> float | None:
    """First week the group counts at least ``persons`` members, or ``None`` if never."""
    hit = np.nonzero(run.series["group_members"].to_numpy() >= persons)[0]
    return float(run.series["week"].iloc[hit[0]]) if hit.size else None


def summarize(run: Run) -> dict[str, Any]:
    """The run's outcomes at start and horizon (docs/ODD.md, outputs), as plain JSON-ready data."""
    first, last = run.series.iloc[0], run.series.iloc[-1]
    names = {k: o.name for k, o in run.scenario.organizations.items()} | {NONE: "unorganized"}
    orgs = [
        {
            "key": key,
            "name": names[key],
            "size_start": float(first[f"size_{key}"]),
            "size_end": float(last[f"size_{key}"]),
            "kernel_start": float(first[f"kernel_{key}"]),
            "kernel_end": float(last[f"kernel_{key}"]),
        }
        for key in run.labels
    ]
    return {
        "scenario": run.scenario.name,
        "strategy": run.strategy,
        "seed": run.seed,
        "steps": int(last["step"]),
        "weeks": float(last["week"]),
        "agents_start": int(run.final.root.max()) + 1,
        "agents": run.final.n,
        "organizations": orgs,
        "group_members_start": float(first["group_members"]),
        "group_members_end": float(last["group_members"]),
        "group_cadre_end": float(last["group_cadre"]),
        "won_start": float(first["won"]),
        "won_end": float(last["won"]),
        "host_kernel_in_rival": float(last["host_kernel_in_rival"]),
        "expelled": float(last["expelled"]),
        "milestones": list(run.scenario.milestone_sizes),
        **{
            f"weeks_to_{m}": weeks_to(run, size)
            for m, size in zip(MILESTONES, run.scenario.milestone_sizes, strict=True)
        },
        # JSON has no NaN: a share with nobody to share among is null
        "funnel": {k: (None if np.isnan(v) else v) for k, v in funnel(run).items()},
    }


def write_run(run: Run, out: str | Path, provenance: Provenance | None = None) -> dict[str, Path]:
    """Write the run's four outputs into ``out`` and return their paths:
    ``timeseries.parquet`` (one row per step), ``summary.json``, ``flows.csv`` (persons moved
    from row to column) and ``trajectories.png``; with a ``provenance``, also
    ``scenario.toml`` and ``provenance.json`` (and the Parquet file carries it)."""
    from lever.sim.plots import plot_run, png_bytes  # Matplotlib is slow to import; only writers need it

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "timeseries": folder / "timeseries.parquet",
        "summary": folder / "summary.json",
        "flows": folder / "flows.csv",
        "figure": folder / "trajectories.png",
    }
    summary = summarize(run)
    write_parquet(run.series, paths["timeseries"], provenance)
    write_atomic(paths["summary"], lambda p: p.write_text(json.dumps(summary, indent=2) + "\n"))
    write_atomic(paths["flows"], lambda p: run.flow_table().to_csv(p))
    write_atomic(paths["figure"], lambda p: p.write_bytes(png_bytes(plot_run(run))))
    if provenance is not None:
        paths |= provenance.write(folder)
    return paths
