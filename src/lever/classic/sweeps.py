"""The run loop, clock and time series shared by the classic models.

Time is counted in sweeps: one sweep is ``n`` elementary updates done in random sequential
order (asynchronous), so every agent is updated once per sweep on average. Models whose
update is synchronous (Hegselmann–Krause) or in continuous time (Bass) say how they map
onto this clock.
"""

from __future__ import annotations

from typing import Self

import numpy as np

from lever.classic.network import Network, complete, from_networkx

__all__ = ["ConsensusModel", "SweepModel", "as_network", "as_rng", "fill_records"]


def as_network(network: Network | int | object) -> Network:
    """A :class:`Network` from a Network, a node count (complete graph) or a NetworkX graph."""
    if isinstance(network, Network):
        return network
    if isinstance(network, (int, np.integer)):
        return complete(int(network))
    return from_networkx(network)


def as_rng(rng: np.random.Generator | int | np.random.SeedSequence | None) -> np.random.Generator:
    """A Generator from a seed, a SeedSequence or a Generator (which is used as is)."""
    return np.random.default_rng(rng)


class SweepModel:
    """Clock, stopping rule and history shared by the classic models.

    Every model has an absorbing (or stationary) state: consensus for the voter model,
    majority rule and naming game, convergence for Deffuant and Hegselmann–Krause, full
    adoption for Bass. :meth:`run` advances the clock by a fixed amount;
    :meth:`run_until_absorbed` (aliased per model as ``run_until_consensus`` or
    ``run_until_converged``) stops as soon as that state is reached.

    Subclasses set ``self.n`` and ``self.record`` and implement ``_observe`` (the recorded
    quantity now), ``_absorbed`` and ``_advance`` (run up to a number of sweeps).

    Attributes
    ----------
    time : float
        Sweeps elapsed; fractional when a run stopped inside a sweep.
    stop_time : float or None
        Time at which the absorbing state was first reached, if it was.
    """

    n: int
    record: bool
    time: float
    stop_time: float | None

    def _start_clock(self) -> None:
        self.time = 0.0
        self.stop_time = 0.0 if self._absorbed() else None
        self._times: list[np.ndarray] = [np.zeros(1)]
        self._series: list[np.ndarray] = [np.asarray(self._observe())[None].copy()]

    @property
    def absorbed(self) -> bool:
        """Whether the model is in its absorbing state now."""
        return self._absorbed()

    @property
    def times(self) -> np.ndarray:
        """Times (sweeps) of the recorded observations; only time 0 if ``record`` is off."""
        return np.concatenate(self._times)

    @property
    def series(self) -> np.ndarray:
        """The recorded observations, one row per entry of :attr:`times`."""
        return np.concatenate(self._series)

    def run(self, sweeps: float) -> Self:
        """Advance the clock by ``sweeps`` sweeps.

        An absorbed state is fast-forwarded, which changes nothing but the random stream
        used afterwards.

        Returns
        -------
        Self
            The model, for chaining.
        """
        return self._run(sweeps, False)

    def run_until_absorbed(self, max_sweeps: float) -> bool:
        """Run until the absorbing state or for ``max_sweeps`` sweeps, whichever is first.

        Returns
        -------
        bool
            Whether the absorbing state was reached.
        """
        self._run(max_sweeps, True)
        return self._absorbed()

    def _run(self, sweeps: float, stop: bool) -> Self:
        if sweeps < 0:
            raise ValueError(f"sweeps must be >= 0, got {sweeps}")
        if stop and self._absorbed():
            return self
        elapsed, rec_t, rec, hit = self._advance(sweeps, stop)
        if hit is not None and self.stop_time is None:
            self.stop_time = self.time + hit
        if self.record and len(rec_t):
            self._times.append(self.time + np.asarray(rec_t, dtype=np.float64))
            self._series.append(np.asarray(rec))
        self.time += elapsed
        return self

    # -- subclass hooks -------------------------------------------------------------------
    def _observe(self) -> np.ndarray | float:  # pragma: no cover - abstract
        raise NotImplementedError

    def _absorbed(self) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def _advance(self, sweeps: float, stop: bool) -> tuple[float, np.ndarray, np.ndarray, float | None]:
        """Run; return (sweeps elapsed, record times relative to now, records, time of
        first absorption relative to now or None)."""
        raise NotImplementedError  # pragma: no cover - abstract


class ConsensusModel(SweepModel):
    """A discrete-opinion model whose absorbing state is consensus."""

    @property
    def consensus(self) -> bool:
        """Whether all agents agree now."""
        return self._absorbed()

    @property
    def consensus_time(self) -> float | None:
        """Sweeps until consensus was first reached, or None."""
        return self.stop_time

    def run_until_consensus(self, max_sweeps: float) -> bool:
        """Run until consensus or for ``max_sweeps`` sweeps; return whether it was reached."""
        return self.run_until_absorbed(max_sweeps)


def fill_records(
    n: int, updates: int, hit: int, sweeps: int, record: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray, float | None]:
    """Turn a sweep kernel's raw output into :meth:`SweepModel._advance`'s return value.

    The kernels fill ``record[s]`` after each completed sweep ``s`` and return the number
    of elementary updates done and the update at which consensus was first hit (``-1``
    if not). A run that stopped inside a sweep gets one final observation at the stop.
    """
    full = updates // n
    times = np.arange(1, full + 1, dtype=np.float64)
    rec = record[:full]
    if updates % n and full < sweeps:
        times = np.append(times, updates / n)
        rec = record[: full + 1]
    return updates / n, times, rec, (hit / n if hit >= 0 else None)
