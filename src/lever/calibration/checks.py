"""What a calibration predicts: each figure beside the model's posterior predictive interval,
and the plausibility measures the record does not count."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lever.calibration.fit import BEFORE, BEYOND, Calibration
from lever.calibration.probe import observed

#: The plausibility measures read at the horizon, and what each is, in words.
PLAUSIBILITY = {
    "host_leavers_to_rival_share": "share of the host's leavers (over the whole run) who went to the rival",
    "host_radicalism_change": "move of the host's platform on the first axis (radicalism), start to horizon",
    "host_independence_change": "move of the host's platform on the second axis, start to horizon",
}


def figures_table(cal: Calibration) -> pd.DataFrame:
    """One row per figure: its date, series, value and sd, role, and where the model has it:
    the predictive median and 90% interval, and whether the figure falls inside."""
    rows = []
    for t in cal.targets:
        row = {"date": t.figure.date.isoformat(), "series": t.figure.series, "value": t.figure.value,
               "sd": t.figure.sd, "basis": t.figure.basis, "role": t.role, "median": np.nan, "q05": np.nan, "q95": np.nan,
               "inside_90": None}  # fmt: skip
        column = observed(t.figure.series, t.step)
        if t.role not in (BEFORE, BEYOND) and column in cal.predictive:
            q05, q50, q95 = cal.predictive[column].quantile([0.05, 0.5, 0.95]).to_numpy()
            row |= {"median": q50, "q05": q05, "q95": q95, "inside_90": bool(q05 <= t.figure.value <= q95)}
        rows.append(row)
    return pd.DataFrame(rows)


def plausibility_table(cal: Calibration) -> pd.DataFrame:
    """Median and 90% interval over the predictive runs of each plausibility measure, the
    share of the host's members at the horizon by where they were at week 0 among them."""
    sc = cal.scenario
    about = {
        f"host_from_{k}": f"share of the host's members at the horizon who were in {name} at week 0"
        for k, name in [*((k, o.name) for k, o in sc.organizations.items()), ("none", "no organization")]
    }
    about |= PLAUSIBILITY
    rows = []
    for column, text in about.items():
        if column in cal.predictive:
            q05, q50, q95 = cal.predictive[column].quantile([0.05, 0.5, 0.95]).to_numpy()
            rows.append({"measure": column, "about": text, "median": q50, "q05": q05, "q95": q95})
    return pd.DataFrame(rows)
