"""Published results for the voter model on the complete graph."""

from __future__ import annotations

import numpy as np
import pytest

from lever.classic.voter import Voter, exact_consensus_time, mean_field_consensus_time


def _consensus_times(n: int, rho: float, runs: int, seed: int) -> np.ndarray:
    out = np.empty(runs)
    for r, child in enumerate(np.random.SeedSequence(seed).spawn(runs)):
        m = Voter(network=n, rho=rho, rng=np.random.default_rng(child), record=False)
        assert m.run_until_consensus(100 * n)
        out[r] = m.consensus_time
    return out


@pytest.mark.parametrize("rho", [0.5, 0.2])
def test_mean_consensus_time(rho):
    """Mean consensus time of the voter model on the complete graph.

    Source: Castellano, Fortunato & Loreto, Rev. Mod. Phys. 81, 591 (2009), Sec. III.A
    (after Redner, *A Guide to First-Passage Processes*, 2001):
    T_N(rho) = -N [rho ln rho + (1 - rho) ln(1 - rho)] sweeps for large N.
    Setup: N = 100, each update a random node copies a random other node, 10 000 runs.
    Expected: the exact finite-N mean (birth-death chain; 68.13 sweeps at rho = 1/2, which
    the large-N formula, 69.31, overstates by an O(1) correction). Tolerance: 4 standard
    errors of the sample mean (about 2 %); the formula itself must hold within 3 %.
    """
    n, runs = 100, 10_000
    t = _consensus_times(n, rho, runs, seed=2024)
    se = t.std(ddof=1) / np.sqrt(runs)
    exact = exact_consensus_time(n, round(rho * n))
    assert abs(t.mean() - exact) < 4 * se, (t.mean(), se, exact)
    assert abs(t.mean() / mean_field_consensus_time(n, rho) - 1) < 0.03


def test_formula_value_for_n_1000():
    """Source: as above. The large-N formula gives 693.15 sweeps for N = 1000, rho = 1/2; the
    exact finite-N mean is 691.95. Tolerance: 1e-2 sweeps (pure arithmetic)."""
    assert mean_field_consensus_time(1000, 0.5) == pytest.approx(693.147, abs=1e-2)
    assert exact_consensus_time(1000, 500) == pytest.approx(691.95, abs=1e-2)


@pytest.mark.parametrize(("z_plus", "z_minus"), [(4, 2), (1, 3)])
def test_zealots_set_the_mean_share(z_plus, z_minus):
    """Voter model with zealots of both sides on the complete graph.

    Source: Mobilia, Petersen & Redner, J. Stat. Mech. P08029 (2007): the floating agents'
    mean magnetization is (Z+ - Z-)/(Z+ + Z-), i.e. mean share of + = Z+/(Z+ + Z-).
    Setup: N = 200 (Z+ + Z- of them zealots), floating agents start half +, 20 independent
    runs of 20 000 sweeps, the first 2 000 discarded, share time-averaged per run.
    Expected: 2/3 for (4, 2), 1/4 for (1, 3). Tolerance: 4 standard errors across runs
    (about 0.01).
    """
    runs = 20
    avg = np.empty(runs)
    for r, child in enumerate(np.random.SeedSequence(7).spawn(runs)):
        m = Voter(network=200, rho=0.5, zealots_plus=z_plus, zealots_minus=z_minus,
                  rng=np.random.default_rng(child))  # fmt: skip
        m.run(20_000)
        avg[r] = m.free_plus_series()[2_001:].mean()
    se = avg.std(ddof=1) / np.sqrt(runs)
    expected = z_plus / (z_plus + z_minus)
    assert abs(avg.mean() - expected) < 4 * se, (avg.mean(), se, expected)
