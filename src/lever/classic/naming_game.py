"""The binary-agreement naming game with committed agents (Xie et al. 2011, PRE 84:011130).

Each agent holds the word list ``{A}``, ``{B}`` or ``{A, B}``. In an elementary update a
uniform random speaker sends a word picked at random from its list to a random neighbor (the
listener). If the listener has the word, both collapse to that word alone; otherwise the
listener adds it. Committed agents hold ``{A}`` forever, as speakers and as listeners.
Everyone uncommitted starts with ``{B}``. Time is in sweeps of ``n`` updates.

In the mean-field limit a committed share above ``p_c = 0.0979`` brings the whole
population to ``A`` quickly; below it a ``B`` majority survives for a time that grows
exponentially with ``n``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import numba as nb
import numpy as np
from scipy.integrate import solve_ivp

from lever.classic.network import Network, random_neighbor, uniform_index
from lever.classic.sweeps import ConsensusModel, as_network, as_rng, fill_records

__all__ = [
    "A",
    "AB",
    "B",
    "NamingGame",
    "mean_field_critical_share",
    "mean_field_rhs",
]

A, B, AB = 0, 1, 2  # word-list codes held in ``NamingGame.words``


@dataclass(eq=False)
class NamingGame(ConsensusModel):
    """Binary-agreement naming game with a committed minority holding ``A``.

    Parameters
    ----------
    network : Network, int or networkx.Graph
        The interaction network; an int ``n`` means the complete graph on ``n`` nodes.
    committed : float
        Share of committed agents, in [0, 1]; their count is ``round(committed * n)``,
        placed at random.
    rng : numpy.random.Generator, int or None
        Random source or seed.
    record : bool
        Keep the per-sweep time series.

    Attributes
    ----------
    words : numpy.ndarray
        Current word lists, int8 codes :data:`A`, :data:`B`, :data:`AB`.
    is_committed : numpy.ndarray
        Boolean mask of committed agents.
    series : numpy.ndarray
        Shape ``(T, 3)``: counts holding ``{A}`` (committed included), ``{B}``, ``{A, B}``.
    """

    network: Network | int | object
    committed: float = 0.1
    rng: np.random.Generator | int | None = None
    record: bool = True
    words: np.ndarray = field(init=False, repr=False)
    is_committed: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.network = as_network(self.network)
        self.rng = as_rng(self.rng)
        self.n = self.network.n
        if not 0.0 <= self.committed <= 1.0:
            raise ValueError(f"committed must lie in [0, 1], got {self.committed}")
        k = int(round(self.committed * self.n))
        self.is_committed = np.zeros(self.n, dtype=np.bool_)
        self.is_committed[self.rng.permutation(self.n)[:k]] = True
        self.words = np.where(self.is_committed, A, B).astype(np.int8)
        self._counts = np.bincount(self.words, minlength=3).astype(np.int64)
        self._start_clock()

    @property
    def shares(self) -> np.ndarray:
        """Current shares holding ``{A}``, ``{B}``, ``{A, B}``."""
        return self._counts / self.n

    def _observe(self) -> np.ndarray:
        return self._counts.copy()

    def _absorbed(self) -> bool:
        # All-A is the only consensus the committed allow once there are any; with none,
        # all-B is absorbing too.
        return self._counts[A] == self.n or self._counts[B] == self.n

    def _advance(self, sweeps, stop):
        sweeps = int(sweeps)
        net = cast(Network, self.network)  # made one by __post_init__
        record = np.empty((sweeps + 1, 3), dtype=np.int64)
        updates, hit = _naming_kernel(
            self.words, self.is_committed, self._counts, net.n, net.is_complete,
            net.indptr, net.indices, sweeps, stop, record, self.rng,
        )  # fmt: skip
        return fill_records(self.n, updates, hit, sweeps, record)


@nb.njit(cache=True, inline="always")
def _spoken_word(held, rng):
    if held == AB:
        return A if rng.random() < 0.5 else B
    return held


@nb.njit(cache=True, inline="always")
def _set(words, counts, committed, i, new):
    if committed[i]:
        return
    counts[words[i]] -= 1
    counts[new] += 1
    words[i] = new


@nb.njit(cache=True)
def _naming_kernel(words, committed, counts, n, is_complete, indptr, indices, sweeps, stop,
                   record, rng):  # fmt: skip
    """Random sequential speaker-listener games; see ``fill_records`` for the output."""
    total = sweeps * n
    hit = 0 if counts[A] == n or counts[B] == n else -1
    u = 0
    in_sweep = 0
    while u < total:
        if hit >= 0:  # consensus on one word is absorbing
            if stop:
                break
            for s in range(u // n, sweeps):
                record[s, :] = counts
            return total, hit
        s_ = uniform_index(n, rng)
        l_ = random_neighbor(s_, n, is_complete, indptr, indices, rng)
        u += 1
        in_sweep += 1
        if l_ >= 0:
            w = _spoken_word(words[s_], rng)
            held = words[l_]
            if held == w or held == AB:  # the listener knows the word: agreement
                _set(words, counts, committed, s_, w)
                _set(words, counts, committed, l_, w)
                if counts[A] == n or counts[B] == n:
                    hit = u
            else:  # the listener learns the word
                _set(words, counts, committed, l_, AB)
        if in_sweep == n:
            in_sweep = 0
            record[u // n - 1, :] = counts
    if u % n:
        record[u // n, :] = counts
    return u, hit


def mean_field_rhs(t: float, y: np.ndarray, p: float) -> np.ndarray:  # noqa: ARG001 (solve_ivp's fun(t, y, *args))
    """Mean-field rates for the uncommitted shares ``(n_A, n_B)`` with committed share ``p``.

    ``dn_A/dt = -n_A n_B + n_AB^2 + n_A n_AB + 3/2 p n_AB`` and
    ``dn_B/dt = -n_A n_B + n_AB^2 + n_B n_AB - p n_B``, with
    ``n_AB = 1 - p - n_A - n_B`` (Xie et al. 2011, eq. 1), time in sweeps.
    """
    na, nb_ = y
    nab = 1.0 - p - na - nb_
    return np.array(
        [
            -na * nb_ + nab * nab + na * nab + 1.5 * p * nab,
            -na * nb_ + nab * nab + nb_ * nab - p * nb_,
        ]
    )


def _b_survives(p: float, horizon: float) -> bool:
    """Does the mean-field flow started from all-B keep a B majority up to ``horizon``?"""
    sol = solve_ivp(mean_field_rhs, (0.0, horizon), [0.0, 1.0 - p], args=(p,),
                    method="LSODA", rtol=1e-10, atol=1e-12)  # fmt: skip
    return bool(sol.y[1, -1] > 0.5 * (1.0 - p))


def mean_field_critical_share(tol: float = 1e-5, horizon: float = 1e5) -> float:
    """The committed share ``p_c`` above which the mean-field flow from all-B reaches all-A.

    Found by bisection on whether ``n_B`` still holds a majority after ``horizon`` sweeps;
    near ``p_c`` the passage time grows like ``(p - p_c)^(-1/2)``, so a long horizon keeps
    the bracket honest down to ``tol``.
    """
    lo, hi = 0.05, 0.2
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if _b_survives(mid, horizon):
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)
