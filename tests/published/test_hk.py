"""Published results for the Hegselmann–Krause model on the complete graph."""

from __future__ import annotations

import numpy as np
import pytest

from lever.classic.hk import HegselmannKrause


def _runs(epsilon: float, runs: int, seed: int) -> list[HegselmannKrause]:
    out = []
    for child in np.random.SeedSequence(seed).spawn(runs):
        m = HegselmannKrause(network=1000, epsilon=epsilon, rng=np.random.default_rng(child),
                             record=False)  # fmt: skip
        m.run_until_converged(1000)
        out.append(m)
    return out


@pytest.mark.parametrize("epsilon", [0.25, 0.3])
def test_consensus_above_threshold(epsilon):
    """Source: Hegselmann & Krause, JASSS 5(3) (2002); Fortunato, Int. J. Mod. Phys. C 16,
    259 (2005) and Lorenz, JASSS 9(1) (2006): from uniform opinions the complete-graph
    model reaches consensus above a threshold epsilon_c ~ 0.2 for large n.
    Setup: n = 1000, uniform start, 30 runs, until the state stops changing.
    Expected: every run ends with all 1000 agents in one cluster."""
    for m in _runs(epsilon, 30, seed=int(epsilon * 100)):
        assert m.converged and m.clusters(min_share=0.0) == (1, 1)


def test_no_consensus_well_below_threshold():
    """Source: as above; epsilon = 0.1 is far below epsilon_c ~ 0.2.
    Setup: n = 1000, 30 runs. Expected: no run ends in consensus (ours end with 3-5
    clusters)."""
    assert all(m.clusters()[1] >= 2 for m in _runs(0.1, 30, seed=10))


@pytest.mark.parametrize("epsilon", [0.05, 0.15, 0.22])
def test_finite_time_convergence_to_separated_clusters(epsilon):
    """Source: Dittmer, Nonlinear Anal. 47, 4615 (2001); Lorenz, Physica A 355, 217 (2005):
    the model reaches a fixed point in finite time, and at a fixed point any two distinct
    opinions are more than epsilon apart. Setup: n = 1000, 30 runs of at most 1000 steps.
    Expected: every run is exactly stationary (a further step changes no bit) and its
    clusters (distinct values, merging those within 1e-12) are > epsilon apart."""
    for m in _runs(epsilon, 30, seed=int(epsilon * 1000)):
        assert m.converged and m.converged_time < 1000
        values = np.unique(m.opinion)
        gaps = np.diff(values)
        assert np.all(gaps[gaps > 1e-12] > epsilon)
