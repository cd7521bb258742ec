"""The voter model, with optional zealots of either side.

Each elementary update picks a uniform random node, which copies the opinion of a uniform
random neighbor (on the complete graph: a random other node). Zealots never change. Time is
in sweeps of ``n`` updates. On the complete graph, started from a density ``rho`` of ``+``,
the mean consensus time is ``-n [rho ln rho + (1 - rho) ln(1 - rho)]`` sweeps for large ``n``
(see :func:`mean_field_consensus_time`; :func:`exact_consensus_time` gives the finite-``n``
value). With ``Z+`` and ``Z-`` zealots the floating nodes' mean share of ``+`` is
``Z+ / (Z+ + Z-)`` (Mobilia, Petersen & Redner 2007).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import numba as nb
import numpy as np
from scipy.linalg import solve_banded

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
from lever.classic.sweeps import ConsensusModel, as_network, as_rng, fill_records
from lever.kernels.atomic import store_release
from lever.kernels.draw import fresh_key
from lever.kernels.threads import parallel_and_serial

__all__ = ["Voter", "exact_consensus_time", "mean_field_consensus_time"]


@dataclass(eq=False)
class Voter(ConsensusModel):
    """Voter model on a network.

    Parameters
    ----------
    network : Network, int or networkx.Graph
        The interaction network; an int ``n`` means the complete graph on ``n`` nodes.
    rho : float
        Initial share of ``+`` among the floating (non-zealot) nodes, in [0, 1]; the count
        is ``round(rho * floating)``, placed at random.
    zealots_plus, zealots_minus : int
        Numbers of nodes that hold ``+`` / ``-`` forever, placed at random.
    rng : numpy.random.Generator, int or None
        Random source or seed; the same seed gives the same run bit for bit.
    record : bool
        Keep the per-sweep time series.

    Attributes
    ----------
    opinion : numpy.ndarray
        Current opinions, int8, 1 for ``+`` and 0 for ``-``.
    zealot : numpy.ndarray
        Boolean mask of zealots.
    series : numpy.ndarray
        Number of ``+`` nodes after each recorded sweep (see :attr:`times`).
    """

    network: Network | int | object
    rho: float = 0.5
    zealots_plus: int = 0
    zealots_minus: int = 0
    rng: np.random.Generator | int | None = None
    record: bool = True
    opinion: np.ndarray = field(init=False, repr=False)
    zealot: np.ndarray = field(init=False, repr=False)
    # the run's pair stream (see lever.classic.pairs) and how many updates it has served
    _key: np.uint64 = field(init=False, repr=False)
    _drawn: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        self.network = as_network(self.network)
        self.rng = as_rng(self.rng)
        self.n = self.network.n
        _check_share("rho", self.rho)
        if self.zealots_plus < 0 or self.zealots_minus < 0:
            raise ValueError("zealot counts must be >= 0")
        if self.zealots_plus + self.zealots_minus > self.n:
            raise ValueError("more zealots than nodes")
        self.opinion, self.zealot = _initial_state(self.n, self.rho, self.zealots_plus, self.zealots_minus, self.rng)
        self._plus = int(self.opinion.sum())
        self._key = fresh_key(self.rng)
        self._start_clock()

    @property
    def plus_share(self) -> float:
        """Share of ``+`` among all nodes."""
        return self._plus / self.n

    @property
    def free_plus_share(self) -> float:
        """Share of ``+`` among floating (non-zealot) nodes."""
        free = self.n - self.zealots_plus - self.zealots_minus
        return (self._plus - self.zealots_plus) / free if free else float("nan")

    def free_plus_series(self) -> np.ndarray:
        """Share of ``+`` among floating nodes at each recorded time."""
        free = self.n - self.zealots_plus - self.zealots_minus
        return (self.series - self.zealots_plus) / free

    def _observe(self) -> int:
        return self._plus

    def _absorbed(self) -> bool:
        return self._plus in (0, self.n)

    def _advance(self, sweeps, stop):
        sweeps = int(sweeps)
        net = cast(Network, self.network)  # made one by __post_init__
        record = np.empty(sweeps + 1, dtype=np.int64)
        kernel = _voter_sweeps if net.n >= PARALLEL_MIN else _voter_sweeps_serial
        # zealots as bytes: Numba takes a read from a bool array for a possible alias of it,
        # and would then not vectorize the draws beside
        with paced("voter", net.n, sweeps * net.n, worker_count()) as call:
            updates, hit, self._plus = kernel(
                self.opinion, self.zealot.view(np.uint8), self._plus, net.n, net.is_complete,
                net.indptr, net.indices, sweeps, stop, record, one_draw_enough(net), self._key,
                self._drawn, call.parts,
            )  # fmt: skip
            call.updates = updates
        self._drawn += updates
        return fill_records(self.n, updates, hit, sweeps, record)


def _check_share(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {value}")


def _initial_state(n, rho, z_plus, z_minus, rng):
    order = rng.permutation(n)
    free = order[z_plus + z_minus :]
    k = int(round(rho * free.size))
    opinion = np.zeros(n, dtype=np.int8)
    opinion[order[:z_plus]] = 1
    opinion[free[:k]] = 1
    zealot = np.zeros(n, dtype=np.bool_)
    zealot[order[: z_plus + z_minus]] = True
    return opinion, zealot


def _voter_body(opinion, zealot, plus, n, is_complete, indptr, indices, sweeps, stop, record,
                split, key, t0, threads):  # fmt: skip
    """Updates ``t0 ..`` of the run, ``sweeps`` sweeps of them or up to consensus (``stop``),
    in one parallel region (:mod:`lever.classic.pairs`): worker 0 makes the copies block by
    block, in order, while the others draw blocks ahead; worker 0 never waits for them.
    Blocks are a sweep at most, so a run that stops at consensus draws little it does not
    use. Returns the updates made, the update at which consensus was hit (``-1`` if not)
    and the ``+`` count; see ``fill_records``. Compiled twice
    (:func:`lever.kernels.threads.parallel_and_serial`)."""
    total = sweeps * n
    # updates made, + count, update at which consensus was hit, updates into the sweep
    st = np.zeros(4, np.int64)
    st[1] = plus
    st[2] = 0 if plus == 0 or plus == n else -1
    size = min(BLOCK, n)
    blocks = (total + size - 1) // size if st[2] < 0 else 0
    slots = ring_slots(blocks, threads)
    ri, rj, ai, aj, bi, bj = pair_buffers(slots, size, indices)
    ready, claim, state = handoff_state(slots)
    for w in nb.prange(threads):
        if w == 0:
            store_release(state, STARTED, 1)
            for k in range(blocks):
                m = min(size, total - k * size)
                where = take_block(k, ai, aj, bi, bj, ready, claim, state, slots, size, blocks,
                                   total, t0, n, is_complete, indptr, indices, split, key)  # fmt: skip
                if where == 0:
                    a = (k % slots) * size
                    _copy(opinion, zealot, n, record, st, ri, rj, a, a + m)
                elif where == 1:
                    _copy(opinion, zealot, n, record, st, ai, aj, 0, m)
                else:
                    _copy(opinion, zealot, n, record, st, bi, bj, 0, m)
                store_release(state, CONSUMED, k + 1)
                if st[2] >= 0:
                    break
            store_release(state, STOP, 1)
        else:
            help_draw(w, threads, ri, rj, ready, claim, state, slots, size, blocks, total, t0,
                      n, is_complete, indptr, indices, split, key)  # fmt: skip
    u, plus, hit = st[0], st[1], st[2]
    if hit >= 0 and not stop:  # consensus is absorbing: nothing can change any more
        for s in range(u // n, sweeps):
            record[s] = plus
        return total, hit, plus
    if u % n:
        record[u // n] = plus
    return u, hit, plus


@nb.njit(cache=True, inline="always")
def _copy(opinion, zealot, n, record, st, pi, pj, a, e):
    """The copies of pairs ``pi[a:e], pj[a:e]`` in order (up to consensus), recording the
    ``+`` count at each sweep's end."""
    u = st[0]
    plus = st[1]
    in_sweep = st[3]
    for b in range(a, e):
        i = pi[b]
        j = pj[b]
        u += 1
        in_sweep += 1
        # without a branch on the pair (a coin flip the CPU cannot predict): an isolated
        # node (``j < 0``) or a zealot copies itself
        old = opinion[i]
        new = opinion[j if j >= 0 else i]
        new = old if zealot[i] else new
        plus += new - old
        opinion[i] = new
        hit = (plus == 0) | (plus == n)
        if in_sweep == n:  # a counter, not u % n: no division per update
            in_sweep = 0
            record[u // n - 1] = plus
        if hit:
            st[2] = u
            break
    st[0] = u
    st[1] = plus
    st[3] = in_sweep


_voter_sweeps, _voter_sweeps_serial = parallel_and_serial(_voter_body)


def mean_field_consensus_time(n: int, rho: float) -> float:
    """Large-``n`` mean consensus time on the complete graph, in sweeps.

    ``T = -n [rho ln rho + (1 - rho) ln(1 - rho)]``.
    """
    if rho in (0.0, 1.0):
        return 0.0
    return -n * (rho * np.log(rho) + (1 - rho) * np.log(1 - rho))


def exact_consensus_time(n: int, k: int) -> float:
    """Exact mean consensus time on the complete graph from ``k`` ``+`` nodes, in sweeps.

    The ``+`` count is a birth-death chain that moves up or down with probability
    ``k (n-k) / (n (n-1))`` per update; its mean exit time solves a tridiagonal system.
    """
    if k <= 0 or k >= n:
        return 0.0
    ks = np.arange(1, n, dtype=np.float64)
    w = ks * (n - ks) / (n * (n - 1.0))
    bands = np.zeros((3, n - 1))
    bands[0, 1:] = w[:-1]
    bands[1] = -2.0 * w
    bands[2, :-1] = w[1:]
    t = solve_banded((1, 1), bands, -np.ones(n - 1))
    return float(t[k - 1] / n)
