"""Published results for Bass diffusion."""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import minimize_scalar

from lever.classic.bass import Bass, bass_ode, bass_peak

P, Q = 0.03, 0.38


def test_ode_peak():
    """Source: Bass, Management Science 15, 215 (1969): the adoption rate of
    dF/dt = (p + qF)(1 - F) peaks at t* = ln(q/p)/(p+q) with F(t*) = (q-p)/(2q).
    Setup: p = 0.03, q = 0.38 per year; the ODE integrated with SciPy (DOP853) and its rate
    maximized numerically. Expected t* = 6.19 years, F(t*) = 46.05 %. Tolerance: 0.005
    years and 5e-5 (the published rounding)."""
    sol = solve_ivp(lambda _, f: (P + Q * f) * (1 - f), (0, 20), [0.0], method="DOP853",
                    dense_output=True, rtol=1e-11, atol=1e-13)  # fmt: skip

    def rate(t: float) -> float:
        f = sol.sol(t)[0]
        return -(P + Q * f) * (1 - f)

    best = minimize_scalar(rate, bounds=(1, 15), method="bounded", options={"xatol": 1e-8})
    assert abs(best.x - 6.19) < 0.005
    assert abs(sol.sol(best.x)[0] - 0.4605) < 5e-5
    assert np.allclose(bass_peak(P, Q), (best.x, sol.sol(best.x)[0]), atol=1e-5)


def test_agent_model_follows_the_ode():
    """Source: Bass 1969 (above); the agent model with hazard p + qF is its stochastic
    counterpart. Setup: complete graph, N = 1e6, dt = 0.001 year, 20 runs of 20 years.
    Expected: the mean adopted share at t = 1, 2, ..., 20 years equals the ODE's F(t), and
    the time at which F reaches (q-p)/(2q) equals t* = 6.193. Tolerance: 4 standard errors
    across runs at each point (SE <= 2e-4 in F, ~0.005 years in time); the step's O(dt)
    lag (~1e-4 in F at dt = 0.001) is below that. (At dt = 0.01 the lag is ~1e-3.)"""
    runs, dt = 20, 0.001
    grid = np.arange(1, 21) * int(round(1 / dt))
    shares, crossings = [], []
    t_star, f_star = bass_peak(P, Q)
    for child in np.random.SeedSequence(5).spawn(runs):
        m = Bass(network=10**6, p=P, q=Q, dt=dt, rng=np.random.default_rng(child)).run(20)
        shares.append(m.series[grid])
        crossings.append(np.interp(f_star, m.series, m.times))
    shares, crossings = np.array(shares), np.array(crossings)
    ode = bass_ode(P, Q, grid * dt)
    se = shares.std(axis=0, ddof=1) / np.sqrt(runs)
    assert np.all(np.abs(shares.mean(axis=0) - ode) < 4 * se), (shares.mean(axis=0) - ode) / se
    c_se = crossings.std(ddof=1) / np.sqrt(runs)
    assert abs(crossings.mean() - t_star) < 4 * c_se, (crossings.mean(), c_se)
