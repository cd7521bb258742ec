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
from typing import cast

import numba as nb
import numpy as np

from lever.classic.clusters import MAJOR_SHARE, cluster_summary
from lever.classic.network import Network
from lever.classic.pairs import (
    BLOCK,
    CONSUMED,
    PARALLEL_MIN,
    STARTED,
    STOP,
    handoff_state,
    help_draw,
    one_draw_enough,
    paced,
    pair_buffers,
    ring_slots,
    take_block,
    worker_count,  # fmt: skip
)
from lever.classic.sweeps import SweepModel, as_network, as_rng
from lever.kernels.atomic import store_release
from lever.kernels.draw import fresh_key
from lever.kernels.opinion import deffuant_exchange, distance
from lever.kernels.threads import parallel_and_serial

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
    # where the last convergence check found two neighbours still moving
    _talking: int = field(default=0, init=False, repr=False)
    # the run's pair stream (see lever.classic.pairs) and how many updates it has served
    _key: np.uint64 = field(init=False, repr=False)
    _drawn: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        self.network = as_network(self.network)
        self.rng = as_rng(self.rng)
        self.n = self.network.n
        if not 0.0 < self.bound <= 1.0:
            raise ValueError(f"bound must lie in (0, 1], got {self.bound}")
        if not 0.0 < self.mu <= 0.5:
            raise ValueError(f"mu must lie in (0, 0.5], got {self.mu}")
        self.opinion = _initial_opinions(self.n, self.initial, self.rng)
        self._key = fresh_key(self.rng)
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
        net = cast(Network, self.network)  # made one by __post_init__
        if net.is_complete:
            return converged_1d(self.opinion[:, 0], self.bound, self.tol)
        # a network that is not converged mostly stays so where it last was not: start there
        self._talking = _talking_node(self.opinion, net.indptr, net.indices, self.bound,
                                      self.tol, max(self._talking, 0))  # fmt: skip
        return self._talking < 0

    def _advance(self, sweeps, stop):
        net = cast(Network, self.network)  # made one by __post_init__
        times, recs, hit = [], [], None
        s = 0
        split = one_draw_enough(net)
        sweep = _deffuant_sweep if net.n >= PARALLEL_MIN else _deffuant_sweep_serial
        total = int(sweeps)
        while s < total:
            # once nothing is looked at after each sweep, the rest in one call (one parallel
            # region: its end is the one place the threads wait for each other)
            watch = self.record or stop or (hit is None and self.stop_time is None)
            k = 1 if watch else total - s
            with paced("deffuant", net.n, k * net.n, worker_count()) as call:
                sweep(self.opinion, self.bound, self.mu, net.n, net.is_complete, net.indptr,
                      net.indices, split, self._key, self._drawn, call.parts, k)  # fmt: skip
            self._drawn += k * net.n
            s += k
            if self.record:
                times.append(s)
                recs.append(self._observe())
            # once convergence has been seen, only a run that stops on it looks again
            if (stop or (hit is None and self.stop_time is None)) and self._absorbed():
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
def _talking_node(opinion, indptr, indices, bound, tol, start):
    """A node, searched from ``start`` round, with a neighbour it still moves toward
    (closer than ``bound``, farther than ``tol``), or -1 if there is none (converged)."""
    n = indptr.size - 1
    for k in range(n):
        i = (start + k) % n
        for a in range(indptr[i], indptr[i + 1]):
            d = distance(opinion, i, indices[a])
            if tol < d < bound:
                return i
    return -1


def _deffuant_sweep_body(opinion, bound, mu, n, is_complete, indptr, indices, split, key, t0,
                         threads, sweeps=1):  # fmt: skip
    """Updates ``t0 .. t0 + sweeps * n``, in one parallel region (:mod:`lever.classic.pairs`):
    worker 0 makes the exchanges block by block, in order, while the others draw blocks
    ahead; worker 0 never waits for them. Compiled twice
    (:func:`lever.kernels.threads.parallel_and_serial`); small networks use the serial
    ``_deffuant_sweep_serial``."""
    total = sweeps * n
    blocks = (total + BLOCK - 1) // BLOCK
    slots = ring_slots(blocks, threads)
    ri, rj, ai, aj, bi, bj = pair_buffers(slots, BLOCK, indices)
    ready, claim, state = handoff_state(slots)
    for w in nb.prange(threads):
        if w == 0:
            store_release(state, STARTED, 1)
            for k in range(blocks):
                m = min(BLOCK, total - k * BLOCK)
                where = take_block(k, ai, aj, bi, bj, ready, claim, state, slots, BLOCK, blocks,
                                   total, t0, n, is_complete, indptr, indices, split, key)  # fmt: skip
                if where == 0:
                    a = (k % slots) * BLOCK
                    _exchanges(opinion, bound, mu, ri, rj, a, a + m)
                elif where == 1:
                    _exchanges(opinion, bound, mu, ai, aj, 0, m)
                else:
                    _exchanges(opinion, bound, mu, bi, bj, 0, m)
                store_release(state, CONSUMED, k + 1)
            store_release(state, STOP, 1)
        else:
            help_draw(w, threads, ri, rj, ready, claim, state, slots, BLOCK, blocks, total, t0,
                      n, is_complete, indptr, indices, split, key)  # fmt: skip


@nb.njit(cache=True, inline="always")
def _exchanges(opinion, bound, mu, pi, pj, a, e):
    """The exchanges of pairs ``pi[a:e], pj[a:e]``, in order."""
    for b in range(a, e):
        if pj[b] >= 0:
            deffuant_exchange(opinion, pi[b], pj[b], bound, mu, mu)


_deffuant_sweep, _deffuant_sweep_serial = parallel_and_serial(_deffuant_sweep_body)
