"""Majority rule with groups of three (Galam; Krapivsky & Redner 2003, PRL 90:238701).

An elementary update draws a group of three distinct agents and sets all three to the
group's majority opinion. On the complete graph the group is a uniform random triple; on a
network it is a uniform random node and two distinct random neighbors of it (nodes with
fewer than two neighbors do nothing). Time is in sweeps of ``n`` group updates.

On the complete graph the ``+`` count moves by one per effective update and the exit
probability from ``k`` ``+`` agents is exactly ``P(Binomial(n - 3, 1/2) <= k - 2)``
(:func:`exit_probability`), which sharpens to the step ``Θ(ρ - 1/2)`` as ``n`` grows,
while the consensus time grows as ``ln n``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import numba as nb
import numpy as np
from scipy.stats import binom

from lever.classic.network import Network, uniform_index
from lever.classic.sweeps import ConsensusModel, as_network, as_rng, fill_records

__all__ = ["MajorityRule", "exit_probability"]


@dataclass(eq=False)
class MajorityRule(ConsensusModel):
    """Majority rule for groups of three.

    Parameters
    ----------
    network : Network, int or networkx.Graph
        The interaction network; an int ``n`` means the complete graph on ``n`` nodes
        (``n >= 3``).
    rho : float
        Initial share of ``+``, in [0, 1]; the count is ``round(rho * n)``, placed at random.
    rng : numpy.random.Generator, int or None
        Random source or seed.
    record : bool
        Keep the per-sweep time series.

    Attributes
    ----------
    opinion : numpy.ndarray
        Current opinions, int8, 1 for ``+`` and 0 for ``-``.
    series : numpy.ndarray
        Number of ``+`` agents after each recorded sweep.
    """

    network: Network | int | object
    rho: float = 0.5
    rng: np.random.Generator | int | None = None
    record: bool = True
    opinion: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.network = as_network(self.network)
        self.rng = as_rng(self.rng)
        self.n = self.network.n
        if self.n < 3:
            raise ValueError("majority rule needs at least 3 agents")
        if not 0.0 <= self.rho <= 1.0:
            raise ValueError(f"rho must lie in [0, 1], got {self.rho}")
        self.opinion = np.zeros(self.n, dtype=np.int8)
        self.opinion[self.rng.permutation(self.n)[: int(round(self.rho * self.n))]] = 1
        self._plus = int(self.opinion.sum())
        self._start_clock()

    @property
    def plus_share(self) -> float:
        """Current share of ``+``."""
        return self._plus / self.n

    def _observe(self) -> int:
        return self._plus

    def _absorbed(self) -> bool:
        return self._plus in (0, self.n)

    def _advance(self, sweeps, stop):
        sweeps = int(sweeps)
        net = cast(Network, self.network)  # made one by __post_init__
        record = np.empty(sweeps + 1, dtype=np.int64)
        updates, hit, self._plus = _majority_kernel(
            self.opinion, self._plus, net.n, net.is_complete, net.indptr, net.indices,
            sweeps, stop, record, self.rng,
        )  # fmt: skip
        return fill_records(self.n, updates, hit, sweeps, record)


@nb.njit(cache=True, inline="always")
def _group(n, is_complete, indptr, indices, rng):
    """Three distinct agents, or ``(-1, -1, -1)`` when the drawn node has < 2 neighbors."""
    i = uniform_index(n, rng)
    if is_complete:
        # Draw the others from shrinking ranges and skip past the taken ones.
        j = uniform_index(n - 1, rng)
        j += j >= i
        k = uniform_index(n - 2, rng)
        lo, hi = (i, j) if i < j else (j, i)
        k += k >= lo
        k += k >= hi
        return i, j, k
    a = indptr[i]
    d = indptr[i + 1] - a
    if d < 2:
        return -1, -1, -1
    x = uniform_index(d, rng)
    y = uniform_index(d - 1, rng)
    y += y >= x
    return i, indices[a + x], indices[a + y]


@nb.njit(cache=True)
def _majority_kernel(opinion, plus, n, is_complete, indptr, indices, sweeps, stop, record,
                     rng):  # fmt: skip
    """Random sequential group updates; see ``fill_records`` for the output contract."""
    total = sweeps * n
    hit = 0 if plus == 0 or plus == n else -1
    u = 0
    in_sweep = 0
    while u < total:
        if hit >= 0:
            if stop:
                break
            for s in range(u // n, sweeps):
                record[s] = plus
            return total, hit, plus
        i, j, k = _group(n, is_complete, indptr, indices, rng)
        u += 1
        in_sweep += 1
        if i >= 0:
            votes = opinion[i] + opinion[j] + opinion[k]
            if 0 < votes < 3:  # exactly one dissenter, who switches
                win = 1 if votes == 2 else 0
                plus += 1 if win == 1 else -1
                opinion[i] = win
                opinion[j] = win
                opinion[k] = win
                if plus == 0 or plus == n:
                    hit = u
        if in_sweep == n:
            in_sweep = 0
            record[u // n - 1] = plus
    if u % n:
        record[u // n] = plus
    return u, hit, plus


def exit_probability(n: int, k: int | np.ndarray) -> float | np.ndarray:
    """Exact probability that the complete-graph majority rule ends all ``+`` from ``k``.

    The ``+`` count is a birth-death chain whose down/up ratio at ``k`` is
    ``(n - k - 1) / (k - 1)``; one agent alone can never win a group, so ``k = 1`` falls to 0
    and ``k = n - 1`` rises to ``n``. Summing the chain's products gives
    ``P(Binomial(n - 3, 1/2) <= k - 2)``.
    """
    return binom.cdf(np.asarray(k) - 2, n - 3, 0.5)
