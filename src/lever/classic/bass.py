"""Bass diffusion (Bass 1969): as an agent model on a network and as its ODE.

The ODE for the adopted share ``F`` is ``dF/dt = (p + q F)(1 - F)``: innovation ``p`` and
imitation ``q`` per year. Its adoption rate peaks at ``t* = ln(q/p) / (p + q)`` with
``F(t*) = (q - p) / (2q)``.

In the agent model each non-adopter adopts at hazard ``p + q f_i``, ``f_i`` being the share
of its neighbors that have adopted (on the complete graph: of everyone else). Time advances
in steps of ``dt`` years, each agent adopting within a step with probability
``1 - exp(-(p + q f_i) dt)``, all from the state at the start of the step (synchronous).
Here one "sweep" of :class:`~lever.classic.sweeps.SweepModel` is one year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import cast

import numba as nb
import numpy as np
from scipy.integrate import solve_ivp

from lever.classic.network import Network, uniform_index
from lever.classic.sweeps import SweepModel, as_network, as_rng

__all__ = ["Bass", "bass_closed_form", "bass_ode", "bass_peak"]


@dataclass(eq=False)
class Bass(SweepModel):
    """Agent-based Bass diffusion.

    Parameters
    ----------
    network : Network, int or networkx.Graph
        The interaction network; an int ``n`` means the complete graph on ``n`` nodes.
    p, q : float
        Innovation and imitation rates per year (>= 0).
    dt : float
        Time step in years, in (0, 1].
    rng : numpy.random.Generator, int or None
        Random source or seed.
    record : bool
        Keep the adopted share after every step.

    Attributes
    ----------
    adopted : numpy.ndarray
        Boolean mask of adopters.
    adoption_time : numpy.ndarray
        Year each agent adopted (end of its step), NaN for non-adopters.
    series : numpy.ndarray
        Adopted share after each recorded step (see :attr:`times`, in years).
    """

    network: Network | int | object
    p: float = 0.03
    q: float = 0.38
    dt: float = 0.01
    rng: np.random.Generator | int | None = None
    record: bool = True
    adopted: np.ndarray = field(init=False, repr=False)
    adoption_time: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.network = as_network(self.network)
        self.rng = as_rng(self.rng)
        self.n = self.network.n
        if self.p < 0 or self.q < 0:
            raise ValueError("p and q must be >= 0")
        if not 0.0 < self.dt <= 1.0:
            raise ValueError(f"dt must lie in (0, 1], got {self.dt}")
        self.adopted = np.zeros(self.n, dtype=np.bool_)
        self.adoption_time = np.full(self.n, np.nan)
        self._heard = np.zeros(self.n, dtype=np.int64)  # adopted neighbors of each agent
        self._waiting = np.arange(self.n, dtype=np.int64)  # non-adopters first
        self._count = 0
        self._start_clock()

    run_until_saturated = SweepModel.run_until_absorbed

    @property
    def adopted_share(self) -> float:
        """Current share of adopters."""
        return self._count / self.n

    def _observe(self) -> float:
        return self._count / self.n

    def _absorbed(self) -> bool:
        return self._count == self.n

    def _advance(self, years, stop):
        steps = int(round(years / self.dt))
        net = cast(Network, self.network)  # made one by __post_init__
        record = np.empty(steps, dtype=np.float64)
        done, hit_step, self._count = _bass_kernel(
            self.adopted, self.adoption_time, self._heard, self._waiting, self._count,
            self.time, net.n,
            net.is_complete, net.indptr, net.indices, self.p, self.q, self.dt, steps,
            stop, record, self.rng,
        )  # fmt: skip
        times = np.arange(1, done + 1) * self.dt
        hit = hit_step * self.dt if hit_step >= 0 else None
        elapsed = done * self.dt if stop and hit is not None else steps * self.dt
        return elapsed, times, record[:done], hit


@nb.njit(cache=True)
def _bass_kernel(adopted, when, heard, waiting, count, t0, n, is_complete, indptr, indices, p,
                 q, dt, steps, stop, record, rng):  # fmt: skip
    """Synchronous hazard steps; returns (steps done, first step ending with everyone
    adopted or -1, adopter count).

    ``waiting[:n - count]`` lists the non-adopters; this step's adopters are moved to the
    end of that stretch and then dropped from it.
    """
    hit = 0 if count == n else -1
    for s in range(steps):
        if hit >= 0 and stop:
            return s, hit, count
        w = n - count
        if is_complete:
            m = _pick_complete(waiting, w, count, n, p, q, dt, rng)
        else:
            m = _pick_network(waiting, w, heard, indptr, p, q, dt, rng)
        for a in range(w - m, w):  # apply after the draw: everyone saw the same start state
            i = waiting[a]
            adopted[i] = True
            when[i] = t0 + (s + 1) * dt
            if not is_complete:
                for b in range(indptr[i], indptr[i + 1]):
                    heard[indices[b]] += 1
        count += m
        record[s] = count / n
        if count == n and hit < 0:
            hit = s + 1
    return steps, hit, count


@nb.njit(cache=True, inline="always")
def _pick_complete(waiting, w, count, n, p, q, dt, rng):
    """Every non-adopter faces the same hazard, so the number adopting is binomial and
    which of them adopt is a uniform subset (partial Fisher-Yates onto the tail)."""
    prob = 1.0 - np.exp(-(p + q * count / (n - 1)) * dt)
    m = rng.binomial(w, prob) if w > 0 else 0
    for a in range(m):
        r = uniform_index(w - a, rng)
        last = w - 1 - a
        waiting[r], waiting[last] = waiting[last], waiting[r]
    return m


@nb.njit(cache=True, inline="always")
def _pick_network(waiting, w, heard, indptr, p, q, dt, rng):
    """One coin per non-adopter; adopters are moved to the tail, order otherwise kept."""
    keep = 0
    m = 0
    tail = np.empty(w, dtype=np.int64)
    for a in range(w):
        i = waiting[a]
        d = indptr[i + 1] - indptr[i]
        f = heard[i] / d if d > 0 else 0.0
        if rng.random() < 1.0 - np.exp(-(p + q * f) * dt):
            tail[m] = i
            m += 1
        else:
            waiting[keep] = i
            keep += 1
    for a in range(m):
        waiting[keep + a] = tail[a]
    return m


def bass_ode(p: float, q: float, t: np.ndarray) -> np.ndarray:
    """Adopted share ``F(t)`` from ``F(0) = 0``, integrating the Bass ODE with SciPy."""
    t = np.asarray(t, dtype=np.float64)
    sol = solve_ivp(lambda _, f: (p + q * f) * (1.0 - f), (0.0, float(t.max())), [0.0],
                    t_eval=t, method="DOP853", rtol=1e-10, atol=1e-12)  # fmt: skip
    return sol.y[0]


def bass_closed_form(p: float, q: float, t: np.ndarray) -> np.ndarray:
    """Closed-form solution ``F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})``."""
    e = np.exp(-(p + q) * np.asarray(t, dtype=np.float64))
    return (1.0 - e) / (1.0 + (q / p) * e)


def bass_peak(p: float, q: float) -> tuple[float, float]:
    """Time of peak adoption rate and the share adopted then: ``(ln(q/p)/(p+q), (q-p)/(2q))``.

    Where ``q <= p`` the rate only falls, so it peaks at the start: ``(0, 0)``; where ``p == 0``
    nobody ever adopts and there is no peak: ``(nan, nan)``."""
    if not p > 0:
        return math.nan, math.nan
    if not q > p:
        return 0.0, 0.0
    return float(np.log(q / p) / (p + q)), float((q - p) / (2.0 * q))
