"""One kernel body compiled twice: spread over threads, and on one thread."""

from __future__ import annotations

import time
import types
from collections.abc import Callable

import numba as nb


def parallel_and_serial(body: Callable) -> tuple[Callable, Callable]:
    """``body`` compiled with ``parallel=True`` (its ``prange`` loops spread over Numba's
    threads) and without (``prange`` runs as ``range``). Small fields take the serial one:
    parallel stages cost more than they save there and slow down badly on busy cores. One
    source for both, so the two cannot drift apart; the copy gets its own name so that each
    has its own on-disk cache."""
    return nb.njit(cache=True, parallel=True)(body), nb.njit(cache=True)(renamed(body, "serial"))


def renamed(body: Callable, suffix: str, **globals_: object) -> Callable:
    """A copy of ``body`` named ``<name>_<suffix>`` (so that its compiled code has its own
    on-disk cache), whose global names in ``globals_`` stand for other objects: one source
    compiled against, say, a serial or a parallel kernel. With ``globals_`` the copy sees
    the module's names as they stand when it is made: make it after all it uses."""
    names = {**body.__globals__, **globals_} if globals_ else body.__globals__
    copy = types.FunctionType(body.__code__, names,
                              f"{body.__name__}_{suffix}", body.__defaults__,
                              body.__closure__)  # fmt: skip
    copy.__qualname__ = f"{body.__qualname__}_{suffix}"
    copy.__doc__ = body.__doc__
    return copy

#: a path not in use is tried again once the other has run this many times as long as the
#: try took last time: a try that stalls costs at most 1 / EXPLORE of the time
EXPLORE = 50


class PathChoice:
    """Which way the next call of a kernel runs: on all of Numba's threads or on one.

    On a busy machine a helper thread can lose its core for a scheduler slice or longer, and
    a call on all threads then ends late (its parallel region ends when every thread is
    done). Each call is timed, per update; the next runs the way that was faster when last
    measured, and the other way is tried again once the chosen one has run ``EXPLORE``
    times as long as that way's last try took (at once if never measured), so that a
    machine that frees up is noticed, and a try that stalls costs little. A way's first
    call is not measured: it may start Numba's threads. The bits are the same either way
    (pairs depend only on their update's index)."""

    def __init__(self, clock=time.perf_counter) -> None:
        self.clock = clock
        self.cost: dict[bool, float | None] = {True: None, False: None}  # seconds per update
        self.took: dict[bool, float] = {True: 0.0, False: 0.0}  # the last call's seconds
        self.since: dict[bool, float] = {True: 0.0, False: 0.0}  # seconds run the other way
        self.calls: dict[bool, int] = {True: 0, False: 0}

    def parallel(self) -> bool:
        """Whether the next call should run on all threads."""
        for way in (True, False):
            if self.cost[way] is None or self.since[way] >= EXPLORE * self.took[way]:
                return way
        return self.cost[True] <= self.cost[False]

    def record(self, parallel: bool, updates: int, seconds: float) -> None:
        self.calls[parallel] += 1
        self.since[not parallel] += seconds
        if self.calls[parallel] > 1:
            self.cost[parallel] = seconds / max(updates, 1)
            self.took[parallel] = seconds
            self.since[parallel] = 0.0


#: agents from which a step's kernels may run on all of Numba's threads. Below it they stay
#: on one: the parallel stages would cost more than they save, and a small field then never
#: compiles the parallel copy (seconds of a first run).
PARALLEL_MIN = 1 << 19


class Twins:
    """A kernel compiled twice (on all threads, on one) and the choice between the two per
    field size (:class:`PathChoice`, by bit length of the agents alive). Both give the same
    bits, so the choice is only about time.

    ``Twins.force`` (None, True or False) makes every twin run one way, whatever the size:
    for the tests that compare the two."""

    force: bool | None = None

    def __init__(self, body: Callable | None = None, *, parallel: Callable | None = None,
                 serial: Callable | None = None, min_agents: int = PARALLEL_MIN) -> None:  # fmt: skip
        if body is not None:
            parallel, serial = parallel_and_serial(body)
        assert parallel is not None and serial is not None
        self.parallel, self.serial, self.min_agents = parallel, serial, min_agents
        self.choices: dict[int, PathChoice] = {}

    def __call__(self, agents: int, *args: object) -> object:
        """Run on ``args`` the way that is faster for a field of ``agents``."""
        if Twins.force is not None:
            return (self.parallel if Twins.force else self.serial)(*args)
        if agents < self.min_agents:
            return self.serial(*args)
        choice = self.choices.setdefault(agents.bit_length(), PathChoice())
        parallel = choice.parallel()
        start = time.perf_counter()
        out = (self.parallel if parallel else self.serial)(*args)
        choice.record(parallel, agents, time.perf_counter() - start)
        return out
