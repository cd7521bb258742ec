"""Deffuant bounded-confidence model (Deffuant, Neau, Amblard & Weisbuch 2000).

Opinions lie in [0, 1]. An elementary update picks a uniform random agent and a random
neighbor; if their opinions differ by less than the bound ``d`` each moves the fraction
``mu`` of the gap toward the other (the engine's own
:func:`lever.kernels.opinion.deffuant_exchange`). Time is in sweeps of ``n`` updates.

Started uniform on [0, 1] on the complete graph, the population settles into about
``⌊1 / (2d)⌋`` major clusters for small ``d`` and a single one for ``d >= 0.3``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numba as nb
import numpy as np

from lever.classic.clusters import MAJOR_SHARE, cluster_summary
from lever.classic.network import Network, random_neighbor, uniform_index
from lever.classic.sweeps import SweepModel, as_network, as_rng
from lever.kernels.opinion import deffuant_exchange, distance
from lever.kernels.twins import parallel_and_serial

__all__ = ["Deffuant", "converged_1d"]


@dataclass(eq=False)
class Deffuant(SweepModel):
    """Deffuant bounded-confidence model with 1-D opinions.

    Parameters
    ----------
    network : Network, int or networkx.Graph
        The interaction network; an int ``n`` means the complete graph on ``n`` nodes.
    bound : float
        Confidence bound ``d`` in (0, 1]: agents closer than this talk.
    mu : float
        Convergence parameter in (0, 0.5]: the share of the gap each side moves.
    rng : numpy.random.Generator, int or None
        Random source or seed.
    initial : numpy.ndarray or None
        Starting opinions (length ``n``, in [0, 1]); uniform on [0, 1] if None.
    tol : float
        Convergence tolerance: the state counts as converged once every pair of neighbors
        is either at least ``bound`` apart (they never talk again) or within ``tol``.
    record : bool
        Keep a snapshot of all opinions after every sweep (``n`` floats per sweep).

    Attributes
    ----------
    opinion : numpy.ndarray
        Current opinions, shape ``(n, 1)`` float64 (the layout the engine kernel expects).
    series : numpy.ndarray
        Opinion snapshots, shape ``(T, n)``.
    """

    network: Network | int | object
    bound: float = 0.2
    mu: float = 0.5
    rng: np.random.Generator | int | None = None
    initial: np.ndarray | None = None
    tol: float = 1e-6
    record: bool = True
    opinion: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.network = as_network(self.network)
        self.rng = as_rng(self.rng)
        self.n = self.network.n
        if not 0.0 < self.bound <= 1.0:
            raise ValueError(f"bound must lie in (0, 1], got {self.bound}")
        if not 0.0 < self.mu <= 0.5:
            raise ValueError(f"mu must lie in (0, 0.5], got {self.mu}")
        self.opinion = _initial_opinions(self.n, self.initial, self.rng)
        self._start_clock()

    run_until_converged = SweepModel.run_until_absorbed

    @property
    def converged(self) -> bool:
        """Whether the opinions have stopped moving (to within ``tol``)."""
        return self._absorbed()

    @property
    def converged_time(self) -> float | None:
        """Sweeps until convergence was first detected (checked after each sweep), or None."""
        return self.stop_time

    def clusters(self, min_share: float = MAJOR_SHARE) -> tuple[int, int]:
        """Numbers of (all, major) clusters; see :mod:`lever.classic.clusters`."""
        return cluster_summary(self.opinion[:, 0], self.bound, min_share)

    def _observe(self) -> np.ndarray:
        return self.opinion[:, 0].copy()

    def _absorbed(self) -> bool:
        net = self.network
        if net.is_complete:
            return converged_1d(self.opinion[:, 0], self.bound, self.tol)
        return _converged_on_network(self.opinion, net.indptr, net.indices, self.bound, self.tol)

    def _advance(self, sweeps, stop):
        net = self.network
        times, recs, hit = [], [], None
        s = 0
        # the leftover fraction of i's draw (about 2**-52 * n fine) may pick j when n times
        # the largest degree is below 2**32
        split = not net.is_complete and net.n * int(net.degrees.max(initial=0)) <= 2**32
        sweep = _deffuant_sweep if net.n >= PARALLEL_MIN else _deffuant_sweep_serial
        for s in range(1, int(sweeps) + 1):
            sweep(self.opinion, self.bound, self.mu, net.n, net.is_complete,
                  net.indptr, net.indices, split, self.rng)  # fmt: skip
            if self.record:
                times.append(s)
                recs.append(self._observe())
            if (stop or hit is None) and self._absorbed():
                hit = hit if hit is not None else float(s)
                if stop:
                    break
        elapsed = float(s) if stop and hit is not None else float(int(sweeps))
        return elapsed, np.array(times, dtype=np.float64), _stack(recs, self.n), hit


def _stack(recs: list[np.ndarray], n: int) -> np.ndarray:
    return np.array(recs) if recs else np.zeros((0, n))


def _initial_opinions(n: int, initial: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
    if initial is None:
        return rng.random((n, 1))
    x = np.array(initial, dtype=np.float64).reshape(-1, 1)
    if x.shape[0] != n:
        raise ValueError(f"initial has {x.shape[0]} opinions for {n} agents")
    if np.any((x < 0) | (x > 1)):
        raise ValueError("initial opinions must lie in [0, 1]")
    return x


def converged_1d(x: np.ndarray, bound: float, tol: float) -> bool:
    """Whether 1-D opinions on the complete graph are converged.

    Sorted opinions split into groups wherever a gap reaches ``bound`` (across such a gap no
    pair ever talks again); the state is converged when every group spans at most ``tol``.
    """
    xs = np.sort(x)
    cut = np.flatnonzero(np.diff(xs) >= bound)
    first = np.concatenate(([0], cut + 1))
    last = np.concatenate((cut, [xs.size - 1]))
    return bool(np.all(xs[last] - xs[first] <= tol))


@nb.njit(cache=True)
def _converged_on_network(opinion, indptr, indices, bound, tol):
    for i in range(indptr.size - 1):
        for a in range(indptr[i], indptr[i + 1]):
            d = distance(opinion, i, indices[a])
            if tol < d < bound:
                return False
    return True


#: updates whose pairs are drawn before they are made (see :func:`_deffuant_sweep`)
_BLOCK = 4096


def _deffuant_sweep_body(opinion, bound, mu, n, is_complete, indptr, indices, split, rng):
    """``n`` random sequential updates, in blocks: the block's draws first, then its
    neighbour lookups (on all of Numba's threads: they draw nothing and read only the
    network), then its exchanges in order. Pairs never depend on opinions, so this is the
    same process, and the same seed gives the same bits whatever the number of threads.
    Compiled twice (:func:`lever.kernels.twins.parallel_and_serial`); small networks use
    the serial ``_deffuant_sweep_serial``."""
    pi = np.empty(_BLOCK, np.int64)
    pj = np.empty(_BLOCK, np.int64)
    pu = np.empty(_BLOCK)
    for lo in range(0, n, _BLOCK):
        m = min(_BLOCK, n - lo)
        for b in range(m):
            x = rng.random() * n
            i = min(int(x), n - 1)
            pi[b] = i
            # one draw per update where its fraction left over is fine enough: below one part
            # in 2**20 of a neighbour's chance (``split``), as for ``uniform_index`` itself
            pu[b] = x - i if split else rng.random()
        for b in nb.prange(m):
            pj[b] = _neighbor(pi[b], pu[b], n, is_complete, indptr, indices)
        for b in range(m):
            if pj[b] >= 0:
                deffuant_exchange(opinion, pi[b], pj[b], bound, mu, mu)


_deffuant_sweep, _deffuant_sweep_serial = parallel_and_serial(_deffuant_sweep_body)


#: nodes from which a sweep's lookups run on all of Numba's threads (below, they would cost
#: more than they save)
PARALLEL_MIN = 1 << 16


@nb.njit(cache=True, inline="always")
def _neighbor(i, u, n, is_complete, indptr, indices):
    """:func:`random_neighbor` from a uniform ``u`` already drawn."""
    if is_complete:
        j = min(int(u * (n - 1)), n - 2)
        return j + 1 if j >= i else j
    lo = indptr[i]
    d = indptr[i + 1] - lo
    if d == 0:
        return -1
    return indices[lo + min(int(u * d), d - 1)]
