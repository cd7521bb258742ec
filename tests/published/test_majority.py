"""Published results for majority rule (groups of three) on the complete graph."""

from __future__ import annotations

import numpy as np

from lever.classic.majority import MajorityRule, exit_probability


def _outcomes(n: int, rho: float, runs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    won = np.empty(runs)
    time = np.empty(runs)
    for r, child in enumerate(np.random.SeedSequence(seed).spawn(runs)):
        m = MajorityRule(network=n, rho=rho, rng=np.random.default_rng(child), record=False)
        assert m.run_until_consensus(10_000)
        won[r] = m.plus_share == 1.0
        time[r] = m.consensus_time
    return won, time


def test_exit_probability_is_one_half_at_one_half():
    """Source: Krapivsky & Redner, PRL 90, 238701 (2003): the exit probability E(rho) is
    1/2 at rho = 1/2 (by symmetry). Setup: N = 100, 50 agents +, 4000 runs.
    Expected 0.5. Tolerance: 4 binomial standard errors (0.032)."""
    won, _ = _outcomes(100, 0.5, 4000, seed=1)
    assert abs(won.mean() - 0.5) < 4 * np.sqrt(0.25 / won.size)


def test_exit_probability_sharpens_with_n():
    """Source: Krapivsky & Redner 2003 (above): E(rho) tends to the step Theta(rho - 1/2)
    as N grows. For finite N on the complete graph the + count is a birth-death chain with
    exit probability P(Binomial(N - 3, 1/2) <= k - 2) (derived from the same rule).
    Setup: rho = 0.55, N = 100 and N = 400, 2000 runs each. Expected: 0.845 and 0.978, the
    larger N closer to 1. Tolerance: 4 binomial standard errors each."""
    measured = {}
    for n, seed in ((100, 2), (400, 3)):
        won, _ = _outcomes(n, 0.55, 2000, seed)
        e = float(exit_probability(n, round(0.55 * n)))
        assert abs(won.mean() - e) < 4 * np.sqrt(e * (1 - e) / won.size), (n, won.mean(), e)
        measured[n] = won.mean()
    assert measured[400] > measured[100]


def test_consensus_time_grows_as_log_n():
    """Source: Krapivsky & Redner 2003 (above): mean-field consensus time grows as ln N.
    With one sweep = N group updates their rate equation reads
    d rho/dt = 3 rho (1 - rho)(2 rho - 1), whose approach to rho = 1 at rate 3 gives
    T(N) = (1/3) ln N + C(rho0). Setup: rho0 = 0.75, N = 100, 400, 1600, 6400, 1000 runs
    each; weighted least-squares slope of mean T against ln N. Expected slope 1/3.
    Tolerance: 4 standard errors of the fitted slope (about 0.02)."""
    ns = np.array([100, 400, 1600, 6400])
    means, ses = [], []
    for n in ns:
        _, t = _outcomes(int(n), 0.75, 1000, seed=int(n))
        means.append(t.mean())
        ses.append(t.std(ddof=1) / np.sqrt(t.size))
    x, y, w = np.log(ns), np.array(means), 1 / np.array(ses) ** 2
    xm = np.sum(w * x) / w.sum()
    slope = np.sum(w * (x - xm) * y) / np.sum(w * (x - xm) ** 2)
    slope_se = 1 / np.sqrt(np.sum(w * (x - xm) ** 2))
    assert abs(slope - 1 / 3) < 4 * slope_se, (slope, slope_se)
