"""Hegselmann–Krause bounded-confidence model (Hegselmann & Krause 2002).

Opinions lie in [0, 1]. In one step every agent, simultaneously, moves to the mean opinion
of the agents it hears that lie within ``epsilon`` of its own, itself included (on a network:
its neighbors and itself). Here one synchronous step is one sweep.

On the complete graph the dynamics reach a fixed point in finite time. Agents that share an
opinion share it forever, so the step works on distinct values with multiplicities and
averages exact differences: a settled cluster then reproduces itself bit for bit and
convergence is detected exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import numba as nb
import numpy as np

from lever.classic.clusters import MAJOR_SHARE, cluster_summary
from lever.classic.network import Network
from lever.classic.sweeps import SweepModel, as_network, as_rng

__all__ = ["HegselmannKrause", "hk_step"]


@dataclass(eq=False)
class HegselmannKrause(SweepModel):
    """Hegselmann–Krause model with 1-D opinions and synchronous updates.

    Parameters
    ----------
    network : Network, int or networkx.Graph
        The interaction network; an int ``n`` means the complete graph on ``n`` nodes.
    epsilon : float
        Confidence bound in (0, 1]: agents within ``epsilon`` (inclusive) are heard.
    rng : numpy.random.Generator, int or None
        Random source or seed (used only for the initial opinions).
    initial : numpy.ndarray or None
        Starting opinions (length ``n``, in [0, 1]); uniform on [0, 1] if None.
    tol : float
        The state counts as converged when no opinion moves by more than ``tol`` in a step.
        Zero (exact fixed point) suits the complete graph; on a network clusters can only
        approach their limit, so use a small positive value.
    record : bool
        Keep a snapshot of all opinions after every step (``n`` floats per step).

    Attributes
    ----------
    opinion : numpy.ndarray
        Current opinions, shape ``(n,)`` float64.
    series : numpy.ndarray
        Opinion snapshots, shape ``(T, n)``.
    """

    network: Network | int | object
    epsilon: float = 0.2
    rng: np.random.Generator | int | None = None
    initial: np.ndarray | None = None
    tol: float = 0.0
    record: bool = True
    opinion: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.network = as_network(self.network)
        self.rng = as_rng(self.rng)
        self.n = self.network.n
        if not 0.0 < self.epsilon <= 1.0:
            raise ValueError(f"epsilon must lie in (0, 1], got {self.epsilon}")
        if self.initial is None:
            self.opinion = self.rng.random(self.n)
        else:
            self.opinion = np.array(self.initial, dtype=np.float64).ravel()
            if self.opinion.size != self.n or np.any((self.opinion < 0) | (self.opinion > 1)):
                raise ValueError(f"initial must hold {self.n} opinions in [0, 1]")
        self._moved = np.inf  # largest move in the last step; unknown before the first
        self._start_clock()

    run_until_converged = SweepModel.run_until_absorbed

    @property
    def converged(self) -> bool:
        """Whether the last step moved no opinion by more than ``tol``."""
        return self._absorbed()

    @property
    def converged_time(self) -> float | None:
        """Steps until the opinions stopped moving (the first still step), or None.

        This counts the last step that changed something, so a state that is already
        fixed at the start gives 0.
        """
        return self.stop_time

    def clusters(self, min_share: float = MAJOR_SHARE) -> tuple[int, int]:
        """Numbers of (all, major) clusters; see :mod:`lever.classic.clusters`.

        Settled HK clusters sit more than ``epsilon`` apart, so ``epsilon`` is the gap.
        """
        return cluster_summary(self.opinion, self.epsilon, min_share)

    def _observe(self) -> np.ndarray:
        return self.opinion.copy()

    def _absorbed(self) -> bool:
        return self._moved <= self.tol

    def _advance(self, sweeps, stop):
        times, recs, hit = [], [], None
        s = 0
        for s in range(1, int(sweeps) + 1):
            new, self._moved = hk_step(self.opinion, self.epsilon, cast(Network, self.network))  # see __post_init__
            self.opinion = new
            if self.record:
                times.append(s)
                recs.append(self.opinion.copy())
            if hit is None and self._absorbed():
                hit = float(s - 1)  # the previous step already produced this state
                if stop:
                    break
        elapsed = float(s) if stop and hit is not None else float(int(sweeps))
        recs_arr = np.array(recs) if recs else np.zeros((0, self.n))
        return elapsed, np.array(times, dtype=np.float64), recs_arr, hit


def hk_step(x: np.ndarray, epsilon: float, network: Network) -> tuple[np.ndarray, float]:
    """One synchronous Hegselmann–Krause step.

    Returns
    -------
    new : numpy.ndarray
        The updated opinions.
    moved : float
        The largest absolute change of any opinion.
    """
    if network.is_complete:
        new = _hk_complete(x, epsilon)
    else:
        new = _hk_network(x, epsilon, network.indptr, network.indices)
    return new, float(np.max(np.abs(new - x))) if x.size else 0.0


@nb.njit(cache=True)
def _hk_complete(x, eps):
    order = np.argsort(x)
    xs = x[order]
    # Distinct values and their multiplicities, in increasing order.
    vals = np.empty_like(xs)
    cnt = np.zeros(xs.size, dtype=np.int64)
    of = np.empty(xs.size, dtype=np.int64)
    u = -1
    for k in range(xs.size):
        if u < 0 or xs[k] != vals[u]:
            u += 1
            vals[u] = xs[k]
        cnt[u] += 1
        of[k] = u
    m = u + 1
    moved = np.empty(m)
    lo = 0
    hi = 0
    for a in range(m):
        while vals[a] - vals[lo] > eps:
            lo += 1
        while hi + 1 < m and vals[hi + 1] - vals[a] <= eps:
            hi += 1
        s = 0.0
        c = 0
        for b in range(lo, hi + 1):
            s += cnt[b] * (vals[b] - vals[a])
            c += cnt[b]
        moved[a] = vals[a] + s / c
    out = np.empty_like(x)
    for k in range(xs.size):
        out[order[k]] = moved[of[k]]
    return out


@nb.njit(cache=True)
def _hk_network(x, eps, indptr, indices):
    out = np.empty_like(x)
    for i in range(x.size):
        s = 0.0
        c = 1
        for a in range(indptr[i], indptr[i + 1]):
            d = x[indices[a]] - x[i]
            if abs(d) <= eps:
                s += d
                c += 1
        out[i] = x[i] + s / c
    return out
