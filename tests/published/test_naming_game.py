"""Published results for the binary-agreement naming game with committed agents."""

from __future__ import annotations

import numpy as np
import pytest

from lever.classic.naming_game import NamingGame, mean_field_critical_share


def test_mean_field_critical_share():
    """Source: Xie, Sreenivasan, Korniss, Zhang, Lim & Szymanski, PRE 84, 011130 (2011):
    in the mean-field equations (their eq. 1) a committed share above p_c = 0.0979 takes
    the population from all-B to all-A. Setup: bisection on the integrated mean-field flow
    (LSODA, 1e5 sweeps). Expected 0.0979. Tolerance: 6e-5 (half a unit in the published
    last digit plus the bisection width 1e-5)."""
    assert mean_field_critical_share() == pytest.approx(0.0979, abs=6e-5)


def _reached(p: float, runs: int, seed: int) -> int:
    hits = 0
    for child in np.random.SeedSequence(seed).spawn(runs):
        m = NamingGame(network=1000, committed=p, rng=np.random.default_rng(child), record=False)
        hits += m.run_until_consensus(1000)
    return hits


def test_below_critical_share_no_consensus():
    """Source: Xie et al. 2011 (above): below p_c the B-dominated state is metastable, its
    lifetime growing exponentially with N. Setup: complete graph, N = 1000, p = 0.08,
    20 runs of at most 1000 sweeps. Expected: no run reaches consensus. Tolerance: none
    (an escape at N = 1000 within 1000 sweeps has negligible probability)."""
    assert _reached(0.08, 20, seed=1) == 0


def test_above_critical_share_consensus_every_run():
    """Source: Xie et al. 2011 (above): above p_c consensus on A comes in a time of order
    ln N. Setup: complete graph, N = 1000, p = 0.10, 20 runs of at most 1000 sweeps
    (typical consensus time ~100 sweeps). Expected: all 20 runs reach all-A."""
    assert _reached(0.10, 20, seed=2) == 20
