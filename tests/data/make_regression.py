"""Write ``regression-issue10.npz``: series of britain-1933 (at 40 persons per coarse agent,
60 weeks, seed 3) under every built-in strategy and in the twin world, as the engine of
issue 10 gave them. Mechanisms added later, switched off, must give these bits again
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
    for name in base.strategies:
        s = simulate(base, name, seed=3, steps=60).series
        arrays[name] = s.to_numpy(np.float64)
        arrays[f"{name}.columns"] = np.array(list(s.columns))
    twin = simulate(base, seed=3, steps=60, twin=True).series
    arrays["twin"] = twin.to_numpy(np.float64)
    arrays["twin.columns"] = np.array(list(twin.columns))
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=HERE).stdout.strip()
    arrays["commit"] = np.array(commit)
    np.savez_compressed(HERE / "regression-issue10.npz", **arrays)


if __name__ == "__main__":
    main()
