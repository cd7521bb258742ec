"""The posterior as a file, and what it says about each parameter.

The file is CSV: one row per draw not ruled out, one column per dotted path, values as Python
writes a float exactly (so the same fit writes the same bytes). ``lever weigh --posterior``
reads it back, resampling whole rows (the draws keep what the fit tied together).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lever.calibration.fit import Calibration
from lever.model.loading import ScenarioError
from lever.model.scenario import Scenario

#: A parameter is *identified* by the record where its posterior's 90% interval is narrower
#: than this share of its prior range (a rule set before any fit; the rest the record leaves open),
IDENTIFIED_WIDTH = 0.5
#: and the posterior holds at least this many draws (a few draws are narrow by chance).
IDENTIFIED_DRAWS = 10


def write_posterior(cal: Calibration, path: Path) -> None:
    """The posterior draws as CSV (exact floats)."""
    cal.posterior.to_csv(path, index=False, float_format="%.17g")


def read_posterior(path: Path, scenario: Scenario) -> pd.DataFrame:  # noqa: ARG001 (public signature; the caller drops the columns)
    """The posterior draws of ``path``, or a :class:`ScenarioError` naming the file and the column.
    Columns the scenario does not sample are dropped by the caller, who says so."""
    source = str(path)
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise ScenarioError(source, "", "no such file (lever calibrate writes posterior.csv)") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise ScenarioError(source, "", f"cannot read as CSV: {str(err).splitlines()[0]}") from None
    if frame.empty:
        raise ScenarioError(source, "", "holds no draws (a calibration that ruled everything out writes none)")
    for column in frame.columns:
        if not pd.api.types.is_float_dtype(frame[column]) and not pd.api.types.is_integer_dtype(frame[column]):
            raise ScenarioError(source, column, "not a column of numbers")
        if not np.isfinite(frame[column]).all():
            raise ScenarioError(source, column, "holds a value that is not a finite number")
    return frame.astype(float)


def summary(cal: Calibration) -> pd.DataFrame:
    """Per parameter: its prior range, the posterior's median and 90% interval, how much of
    the prior's width that interval keeps, and whether the record identifies it."""
    prior = cal.prior
    post = cal.posterior
    rows = []
    for path, p in prior.iterrows():
        col = post[path] if len(post) else pd.Series(dtype=float)
        q05, q50, q95 = col.quantile([0.05, 0.5, 0.95]).to_numpy() if len(col) else (np.nan,) * 3
        width = (q95 - q05) / (p["high"] - p["low"]) if p["high"] > p["low"] else np.nan
        rows.append({"path": path, "label": p["label"], "prior_low": p["low"], "prior_high": p["high"],
                     "median": q50, "q05": q05, "q95": q95, "width_kept": width,
                     "identified": bool(width < IDENTIFIED_WIDTH and len(post) >= IDENTIFIED_DRAWS)})  # fmt: skip
    return pd.DataFrame(rows).set_index("path")
