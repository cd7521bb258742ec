"""Relative agreement with extremists (Deffuant, Amblard, Weisbuch & Faure 2002, JASSS 5(4) 1).

Each agent holds an opinion ``x`` in [-1, 1] and an uncertainty ``u``. An elementary update
picks a uniform random agent and a random neighbour, and each moves the other by the relative
agreement of their segments (:func:`lever.kernels.opinion.relative_agreement_exchange`, the
kernel the engine's conversation uses). Time is in sweeps of ``n`` updates.

Opinions start uniform on [-1, 1]; the ``pe n`` agents with the most extreme opinions are the
extremists, ``p+ = pe (1 + delta) / 2`` of them at the top and ``p- = pe (1 - delta) / 2`` at
the bottom (``delta = 0``: balanced), with uncertainty ``ue``; the moderates have ``U``. The
paper's indicator ``y = p'+^2 + p'-^2``, with ``p'+`` (``p'-``) the share of moderates that end
beyond ``+0.8`` (below ``-0.8``), tells the three regimes apart: about 0 when the moderates
converge to the centre, about 0.5 when they split between both extremes, about 1 when they all
go to one extreme.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import numba as nb
import numpy as np

from lever.classic.network import Network
from lever.classic.pairs import draw_pairs, one_draw_enough
from lever.classic.sweeps import SweepModel, as_network, as_rng
from lever.kernels.draw import fresh_key
from lever.kernels.opinion import relative_agreement_exchange

__all__ = ["RelativeAgreement", "y_indicator"]

#: opinions beyond which a moderate counts as gone over to an extreme (the indicator's cut)
EXTREME_FROM = 0.8

#: updates drawn ahead at a time
_BLOCK = 4096


@dataclass(eq=False)
class RelativeAgreement(SweepModel):
    """Relative-agreement model with extremists, 1-D opinions in [-1, 1].

    Parameters
    ----------
    network : Network, int or networkx.Graph
        The interaction network; an int ``n`` means the complete graph on ``n`` nodes.
    U : float
        The moderates' initial uncertainty, > 0.
    pe : float
        Share of extremists, in [0, 1].
    ue : float
        The extremists' uncertainty, > 0.
    mu : float
        Convergence parameter in (0, 0.5].
    delta : float
        Imbalance of the extremists, in [-1, 1]: ``(p+ - p-) / pe``; 0 balanced, 1 all at +1.
    rng : numpy.random.Generator, int or None
        Random source or seed; the same seed gives the same run bit for bit.
    tol : float
        The state counts as converged once no opinion moved more than ``tol`` in a sweep.
    record : bool
        Keep the indicator ``y`` after every sweep.

    Attributes
    ----------
    opinion : numpy.ndarray
        Current opinions, shape ``(n, 1)`` float64 (the layout the engine kernel expects).
    uncertainty : numpy.ndarray
        Current uncertainties, shape ``(n,)``.
    extremist : numpy.ndarray
        Boolean mask of the agents that started as extremists.
    """

    network: Network | int | object
    U: float = 1.4
    pe: float = 0.2
    ue: float = 0.1
    mu: float = 0.5
    delta: float = 0.0
    rng: np.random.Generator | int | None = None
    tol: float = 1e-6
    record: bool = False
    opinion: np.ndarray = field(init=False, repr=False)
    uncertainty: np.ndarray = field(init=False, repr=False)
    extremist: np.ndarray = field(init=False, repr=False)
    _moved: float = field(default=np.inf, init=False, repr=False)
    _key: np.uint64 = field(init=False, repr=False)
    _drawn: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        self.network = as_network(self.network)
        self.rng = as_rng(self.rng)
        self.n = self.network.n
        _check(self.U, self.pe, self.ue, self.mu, self.delta)
        self.opinion, self.uncertainty, self.extremist = initial_state(
            self.n, self.U, self.pe, self.ue, self.delta, self.rng
        )
        self._key = fresh_key(self.rng)
        self._start_clock()

    run_until_converged = SweepModel.run_until_absorbed

    @property
    def y(self) -> float:
        """The paper's indicator ``p'+^2 + p'-^2`` now."""
        return y_indicator(self.opinion[:, 0], self.extremist)

    def _observe(self) -> float:
        return self.y

    def _absorbed(self) -> bool:
        return self._moved <= self.tol

    def _advance(self, sweeps, stop):
        net = cast(Network, self.network)  # made one by __post_init__
        split = one_draw_enough(net)
        times, recs, hit = [], [], None
        s = 0
        total = int(sweeps)
        while s < total:
            self._moved = _sweeps(self.opinion, self.uncertainty, self.mu, net.n, net.is_complete,
                                  net.indptr, net.indices, split, self._key, self._drawn, 1)  # fmt: skip
            self._drawn += net.n
            s += 1
            if self.record:
                times.append(s)
                recs.append(self.y)
            if self._absorbed():
                hit = hit if hit is not None else float(s)
                if stop:
                    break
        elapsed = float(s) if stop and hit is not None else float(total)
        return elapsed, np.array(times, dtype=np.float64), np.array(recs, dtype=np.float64), hit


def _check(U: float, pe: float, ue: float, mu: float, delta: float) -> None:
    if not U > 0.0 or not ue > 0.0:
        raise ValueError(f"uncertainties U and ue must be positive, got {U}, {ue}")
    if not 0.0 <= pe <= 1.0:
        raise ValueError(f"pe must lie in [0, 1], got {pe}")
    if not 0.0 < mu <= 0.5:
        raise ValueError(f"mu must lie in (0, 0.5], got {mu}")
    if not -1.0 <= delta <= 1.0:
        raise ValueError(f"delta must lie in [-1, 1], got {delta}")


def initial_state(n: int, U: float, pe: float, ue: float, delta: float, rng: np.random.Generator):
    """Opinions uniform on [-1, 1], the most extreme ``round(pe n)`` the extremists (split
    ``(1 + delta) / 2`` on top), uncertainties ``ue`` for them and ``U`` for the rest."""
    x = rng.uniform(-1.0, 1.0, n)
    extremes = int(round(pe * n))
    top = int(round(extremes * (1.0 + delta) / 2.0))
    order = np.argsort(x)
    extremist = np.zeros(n, np.bool_)
    extremist[order[: extremes - top]] = True
    if top:
        extremist[order[n - top :]] = True
    u = np.where(extremist, ue, U)
    return x.reshape(n, 1), u.astype(np.float64), extremist


def y_indicator(x: np.ndarray, extremist: np.ndarray, cut: float = EXTREME_FROM) -> float:
    """``p'+^2 + p'-^2``: the squared shares of the moderates beyond ``+cut`` and below ``-cut``."""
    moderate = x[~extremist]
    if moderate.size == 0:
        return float("nan")
    plus = np.count_nonzero(moderate > cut) / moderate.size
    minus = np.count_nonzero(moderate < -cut) / moderate.size
    return plus * plus + minus * minus


@nb.njit(cache=True)
def _sweeps(opinion, uncertainty, mu, n, is_complete, indptr, indices, split, key, t0, sweeps):
    """Updates ``t0 .. t0 + sweeps * n`` in order, their pairs drawn a block ahead (keyed by the
    update's index: :func:`lever.classic.pairs.draw_pairs`). Returns the largest opinion move."""
    total = sweeps * n
    pi = np.empty(_BLOCK, np.int64)
    pj = np.empty(_BLOCK, np.int64)
    moved = 0.0
    for lo in range(0, total, _BLOCK):
        m = min(_BLOCK, total - lo)
        draw_pairs(pi, pj, t0 + lo, 0, m, n, is_complete, indptr, indices, split, key)
        for b in range(m):
            i, j = pi[b], pj[b]
            if j < 0:
                continue
            xi, xj = opinion[i, 0], opinion[j, 0]
            relative_agreement_exchange(opinion, uncertainty, i, j, mu, mu)
            moved = max(moved, abs(opinion[i, 0] - xi), abs(opinion[j, 0] - xj))
    return moved
