"""What pairing with the twin buys: the spread of persons newly won, paired and unpaired.

Reads a weigh's ``runs.parquet`` (default: run ``lever weigh`` first) and prints, per
strategy, the standard deviation of ``newly_won`` (the run minus its own twin, same seed)
beside that of the run minus the twin of the other replication of the same draw (same
parameters, another seed): what the difference would look like without keyed, common
random numbers.

    .venv/bin/python benchmarks/twins.py [lever-out/britain-1933/weigh/runs.parquet]
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd


def spreads(runs: pd.DataFrame) -> pd.DataFrame:
    runs = runs.assign(twin_views=runs["views_held"] - runs["newly_won"])
    rows = []
    for strategy, mine in runs.groupby("strategy", sort=False):
        unpaired = []
        for _, world in mine.sort_values("replication").groupby("draw"):
            held, twin = world["views_held"].to_numpy(), world["twin_views"].to_numpy()
            unpaired += list(held - np.roll(twin, 1))  # another replication's twin
        rows.append({"strategy": strategy, "paired_sd": mine["newly_won"].std(),
                     "unpaired_sd": float(np.std(unpaired, ddof=1)),
                     "paired_median": mine["newly_won"].median()})  # fmt: skip
    return pd.DataFrame(rows)


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else "lever-out/britain-1933/weigh/runs.parquet"
    print(spreads(pd.read_parquet(path)).round(1).to_string(index=False))
