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

import numba as nb
import numpy as np
from scipy.linalg import solve_banded

from lever.classic.network import Network, random_neighbor, uniform_index
from lever.classic.sweeps import ConsensusModel, as_network, as_rng, fill_records

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

    def __post_init__(self) -> None:
        self.network = as_network(self.network)
        self.rng = as_rng(self.rng)
        self.n = self.network.n
        _check_share("rho", self.rho)
        if self.zealots_plus < 0 or self.zealots_minus < 0:
            raise ValueError("zealot counts must be >= 0")
        if self.zealots_plus + self.zealots_minus > self.n:
            raise ValueError("more zealots than nodes")
        self.opinion, self.zealot = _initial_state(
            self.n, self.rho, self.zealots_plus, self.zealots_minus, self.rng
        )
        self._plus = int(self.opinion.sum())
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
        net = self.network
        record = np.empty(sweeps + 1, dtype=np.int64)
        updates, hit, self._plus = _voter_kernel(
            self.opinion, self.zealot, self._plus, net.n, net.is_complete,
            net.indptr, net.indices, sweeps, stop, record, self.rng,
        )  # fmt: skip
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


@nb.njit(cache=True)
def _voter_kernel(opinion, zealot, plus, n, is_complete, indptr, indices, sweeps, stop,
                  record, rng):  # fmt: skip
    """Random sequential voter updates; see ``fill_records`` for the output contract."""
    total = sweeps * n
    hit = 0 if plus == 0 or plus == n else -1
    u = 0
    in_sweep = 0  # updates done in the current sweep; avoids a division per update
    while u < total:
        if hit >= 0:  # consensus is absorbing: nothing can change any more
            if stop:
                break
            for s in range(u // n, sweeps):
                record[s] = plus
            return total, hit, plus
        i = uniform_index(n, rng)
        j = random_neighbor(i, n, is_complete, indptr, indices, rng)
        u += 1
        in_sweep += 1
        if j >= 0 and not zealot[i] and opinion[i] != opinion[j]:
            plus += 1 if opinion[j] == 1 else -1
            opinion[i] = opinion[j]
            if plus == 0 or plus == n:
                hit = u
        if in_sweep == n:
            in_sweep = 0
            record[u // n - 1] = plus
    if u % n:
        record[u // n] = plus
    return u, hit, plus


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
