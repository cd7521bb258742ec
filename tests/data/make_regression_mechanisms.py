"""Write ``regression-mechanisms.npz``: series of britain-1933 with the mechanisms it runs (issue
23's persuasion, exits through ties and their cascades, encapsulation, homophily; at 40 persons
per coarse agent, 60 weeks, seed 3) under every built-in strategy and in the twin world. Written
at 84743aa, the last commit before issue 24's openings, by running this file in a checkout of it;
mechanisms added later, off in britain-1933, must give these bits again
(tests/sim/test_regression.py). Run once, at the commit named in the file; never to make a test
pass."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

import lever
from lever.model.loading import with_scale
from lever.sim.engine import simulate

HERE = Path(__file__).parent


def field() -> lever.Scenario:
    return with_scale(lever.load("britain-1933"), 40.0)


def main() -> None:
    base = field()
    arrays: dict[str, np.ndarray] = {}
    for name in [*base.strategies, None]:
        key = name or "twin"
        s = simulate(base, name, seed=3, steps=60, twin=name is None).series
        arrays[key] = s.to_numpy(np.float64)
        arrays[f"{key}.columns"] = np.array(list(s.columns))
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=HERE).stdout.strip()
    arrays["commit"] = np.array(commit)
    np.savez_compressed(HERE / "regression-mechanisms.npz", **arrays)


if __name__ == "__main__":
    main()
