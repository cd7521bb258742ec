"""Write the stored series of britain-1933 (at 40 persons per coarse agent, 60 weeks, seed 3)
under every built-in strategy and in the twin world, which tests/sim/test_regression.py compares:

- ``regression-issue10.npz``, as the engine of issue 10 gave them; mechanisms added later,
  switched off, must give these bits again (``python make_regression.py issue10``);
- ``regression-mechanisms.npz``, with the mechanisms britain-1933 runs (issue 23's persuasion,
  exits through ties and their cascades, encapsulation, homophily), written at 84743aa, the last
  commit before issue 24's openings, by running this file in a checkout of it; mechanisms added
  later, off in britain-1933, must give these bits again (``python make_regression.py mechanisms``).

Run each once, at the commit named in its file; never to make a test pass."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

import lever
from lever.model.loading import with_scale
from lever.sim.engine import simulate

HERE = Path(__file__).parent
#: each stored file by the name given on the command line
FILES = {"issue10": "regression-issue10.npz", "mechanisms": "regression-mechanisms.npz"}


def field() -> lever.Scenario:
    return with_scale(lever.load("britain-1933"), 40.0)


def main(which: str) -> None:
    base = field()
    arrays: dict[str, np.ndarray] = {}
    for name in [*base.strategies, None]:
        key = name or "twin"
        s = simulate(base, name, seed=3, steps=60, twin=name is None).series
        arrays[key] = s.to_numpy(np.float64)
        arrays[f"{key}.columns"] = np.array(list(s.columns))
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=HERE).stdout.strip()
    arrays["commit"] = np.array(commit)
    np.savez_compressed(HERE / FILES[which], **arrays)


if __name__ == "__main__":
    main(sys.argv[1])
