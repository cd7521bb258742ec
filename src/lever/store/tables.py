"""Runs as store rows and back: the tables an experiment's Parquet parts hold."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import pandas as pd

from lever.store.experiment import Experiment
from lever.store.outputs import RunTask, TaskOutput

#: Columns of the runs table that are neither sampled values nor outcomes.
KEYS = ("task", "strategy", "level", "draw", "replication", "seed", "status", "error")


def spec_name(kind: str, scenario: str, spec: dict[str, Any]) -> str:
    """A default experiment name: the same settings give the same name (so a rerun resumes)."""
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:8]
    plain = re.sub(r"[^A-Za-z0-9_-]+", "-", scenario).strip("-")[:60] or "scenario"
    return f"{plain}-{kind}-{digest}"


def _sampled(values: dict[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in values.items() if isinstance(v, float)}


def _series_names(tracked: Sequence[str], width: int) -> list[str]:
    return list(tracked) if len(tracked) == width else [f"series_{j}" for j in range(width)]


def output_rows(outputs: Sequence[TaskOutput], tracked: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A batch of run outputs as a runs table (one row per run, ``status`` ok or failed with
    its ``error``) and a series table (one row per run and step)."""
    rows, series = [], []
    for out in outputs:
        t = out.task
        error = out.error
        row = {"task": t.index, "strategy": t.strategy, "level": t.level, "draw": t.draw,
               "replication": t.replication, "seed": t.seed, "status": "failed" if error else "ok",
               "error": error, **_sampled(t.values)}  # fmt: skip
        if not error:
            row |= {k: float(v) for k, v in out.outcomes.items()}
            row["flows"] = np.asarray(out.flows, dtype=float).ravel()
            s = np.asarray(out.series, dtype=float)
            cols = {n: s[:, j] for j, n in enumerate(_series_names(tracked, s.shape[1]))}
            series.append(pd.DataFrame({"task": np.full(len(s), t.index, dtype=np.int64),
                                        "step": np.arange(len(s), dtype=np.int64),
                                        "week": np.asarray(out.weeks, dtype=float), **cols}))  # fmt: skip
        rows.append(row)
    runs = pd.DataFrame(rows)
    runs["error"] = runs["error"].astype(pd.StringDtype())
    return runs, (pd.concat(series, ignore_index=True) if series else pd.DataFrame())


def outputs_from_store(exp: Experiment, tasks: Sequence[RunTask]) -> list[TaskOutput]:
    """The outputs of ``tasks`` as their runs returned them, read back
    from the store (every task must be stored with status ok)."""
    runs = exp.runs().set_index("task")
    series = exp.series()
    by_task = {int(cast(int, k)): g for k, g in series.groupby("task")} if len(series) else {}  # task numbers
    tracked = [c for c in series.columns if c not in ("task", "step", "week")]
    skip = set(KEYS) | {"flows"} | {k for t in tasks for k in _sampled(t.values)}
    outputs = []
    for t in tasks:
        row = cast(pd.Series, runs.loc[t.index])  # one row: a task is stored once
        outcomes = {c: float(row[c]) for c in runs.columns if c not in skip}
        flows = np.asarray(row["flows"], dtype=float)
        side = math.isqrt(len(flows))
        s = by_task[t.index]
        outputs.append(TaskOutput(t, outcomes, s[tracked].to_numpy(), flows.reshape(side, side), s["week"].to_numpy()))
    return outputs
