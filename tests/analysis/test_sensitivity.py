"""Sensitivity indices through the path Lever's explorations take: SALib's design written to
the store as an experiment, read back and analyzed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lever.analysis.sensitivity import drivers, from_experiment, rbd_fast_indices
from lever.experiments.explore import salib_points
from lever.store import Experiment

ISHIGAMI = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
A, B = 7.0, 0.1


def ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])


def analytic() -> dict[str, dict[str, float]]:
    """Ishigami and Homma (1990); e.g. Saltelli et al. (2008), Global Sensitivity Analysis, §4."""
    v1 = 0.5 * (1 + B * np.pi**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * np.pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return {"S1": {"x1": v1 / var, "x2": v2 / var, "x3": 0.0},
            "ST": {"x1": (v1 + v13) / var, "x2": v2 / var, "x3": v13 / var}}  # fmt: skip


def _stored(tmp_path, sampler: str, samples: int) -> Experiment:
    """An exploration as `lever explore` stores it, with the Ishigami function as its outcome."""
    x = salib_points(sampler, ISHIGAMI, samples, seed=0)
    spec = {"kind": "explore", "sampler": sampler, "samples": samples, "problem": ISHIGAMI, "rows": len(x),
            "runs": len(x)}  # fmt: skip
    exp = Experiment.create(tmp_path, f"ishigami-{sampler}", spec)
    design = pd.DataFrame({"task": np.arange(len(x)), "strategy": "f", "level": 0, "draw": np.arange(len(x)),
                           "replication": 0, "seed": 0, "x1": x[:, 0], "x2": x[:, 1], "x3": x[:, 2]})  # fmt: skip
    exp.write_design(design)
    exp.append(design.assign(status="ok", ishigami=ishigami(x)))
    exp.finish({"runs": len(x)})
    exp.close()
    return Experiment.read(tmp_path, exp.name)


def test_sobol_indices_of_ishigami_come_within_0_03_of_the_analytic_values(tmp_path):
    """N = 4096 base samples (32,768 runs): the estimator's own error is about 0.01 there."""
    table = from_experiment(_stored(tmp_path, "sobol", 4096), ["ishigami"])
    for index, expected in analytic().items():
        got = table[table["index"] == index].set_index("parameter")["value"]
        for name, value in expected.items():
            assert got[name] == pytest.approx(value, abs=0.03), (index, name)
    st = table[table["index"] == "ST"].set_index("parameter")
    assert (st["low"] < st["value"]).all() and (st["value"] < st["high"]).all()


def test_morris_ranks_ishigami_x1_and_x2_above_x3(tmp_path):
    table = from_experiment(_stored(tmp_path, "morris", 200), ["ishigami"])
    mu = table[table["index"] == "mu_star"].set_index("parameter")["value"]
    assert mu["x3"] < mu["x1"] and mu["x3"] < mu["x2"]


def test_rbd_fast_from_few_draws_names_only_what_clears_its_noise_floor():
    """64 Latin-hypercube-like draws: y depends on a alone; b and c get indices too (RBD-FAST
    is biased upward with few draws) but only a clears the floor made by shuffling y."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (64, 3))
    y = 5 * x[:, 0] + rng.normal(0, 0.5, 64)
    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    table = pd.DataFrame(rbd_fast_indices(problem, x, y)).assign(target="difference", strategy="s", outcome="o")
    assert drivers(table)["parameter"].tolist() == ["a"]
