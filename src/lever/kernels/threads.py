"""Kernels on all of Numba's threads or on one, whichever is faster (:class:`Threaded`,
:class:`PathChoice`); and one kernel body compiled twice, with and without ``parallel``
(:func:`parallel_and_serial`: the one-thread way of the step's kernels, and the classic
models' small networks)."""

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


def renamed(body: Callable, suffix: str) -> Callable:
    """A copy of ``body`` named ``<name>_<suffix>``, so that its compiled code has its own
    on-disk cache."""
    copy = types.FunctionType(body.__code__, body.__globals__, f"{body.__name__}_{suffix}", body.__defaults__,
                              body.__closure__)  # fmt: skip
    copy.__qualname__ = f"{body.__qualname__}_{suffix}"
    copy.__doc__ = body.__doc__
    return copy


#: a way not in use is tried again once the other has run this many times as long as the
#: try would take (its last measured cost per update times the call's updates): a try that
#: stalls costs at most 1 / EXPLORE of the time
EXPLORE = 50

#: each try that loses again doubles the wait before the next, up to this many times as long
#: as the try would take: on a machine that stays busy the tries cost almost nothing
#: (1 / 3,200), and one that frees up is still noticed within seconds
EXPLORE_MAX = 64 * EXPLORE


#: the way in use is measured as a moving average over its calls, each new call weighing this
#: much: one call slowed by the scheduler does not move the choice, a lasting change does
SMOOTH = 0.25

#: the way not in use must be faster than the way in use by this fraction to take over (and
#: the way in use slower by as much to be left): under load a call on all threads is sometimes
#: fast and mostly slow, and ways measured about as fast are not worth the gamble
MARGIN = 0.1


class PathChoice:
    """Which way the next call of a kernel runs: on all of Numba's threads or on one.

    On a busy machine a helper thread can lose its core for a scheduler slice or longer, and
    a call on all threads then ends late (its parallel region ends when every thread is
    done). Each call is timed, per update. The way in use (one thread, until both are
    measured) is kept until the other is measured faster by ``MARGIN``; its own cost is a
    moving average (``SMOOTH``) over its calls. Both because under load the time of a call
    on all threads is bimodal: at 10^5 nodes with one core taken, ~10 ms when the scheduler
    leaves the updater a core of its own, 15-19 ms when not (37-60 ms before ``import lever``
    shortened OpenMP's spin), against 14 ms on one thread; a choice that followed each
    call's time went to all threads whenever one call on one thread was slow. Together the
    two had cost ~1% of the rate under load (12 pairs: 0.987 and 0.991 of the single-thread
    rate; after both, 1.006 and 0.999). The way not in use is
    tried again once the chosen one has run ``EXPLORE`` times as long as the try would take
    (at once if never measured), so that a machine that frees up is noticed, and a try that
    stalls costs little. A try that loses doubles that wait (up to ``EXPLORE_MAX``): a
    machine that stays busy is not taxed by tries that keep losing. The wait is reckoned in
    the coming call's updates, not the last try's (a try measured on a short call would
    otherwise come back often on long ones). A way's first call is not measured: it may
    start Numba's threads. The bits are the same either way (pairs depend only on their
    update's index)."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock  # seconds, read before and after each call (tests pass a fake one)
        self.cost: dict[bool, float | None] = {True: None, False: None}  # seconds per update
        self.since: dict[bool, float] = {True: 0.0, False: 0.0}  # seconds run the other way
        self.calls: dict[bool, int] = {True: 0, False: 0}
        self.patience: dict[bool, float] = {True: EXPLORE, False: EXPLORE}  # in tries' times
        self.way = False  # the way in use

    def parallel(self, updates: int) -> bool:
        """Whether the next call, of ``updates`` updates, should run on all threads."""
        for way in (True, False):
            cost = self.cost[way]
            if cost is None or (way != self.way and self.since[way] >= self.patience[way] * cost * updates):
                return way
        return self.way

    def record(self, parallel: bool, updates: int, seconds: float) -> None:
        self.calls[parallel] += 1
        self.since[not parallel] += seconds
        if self.calls[parallel] == 1:
            return
        measured = seconds / max(updates, 1)
        cost = self.cost[parallel]
        in_use = parallel == self.way
        now = cost + SMOOTH * (measured - cost) if in_use and cost is not None else measured
        self.cost[parallel] = now
        self.since[parallel] = 0.0
        other = self.cost[not parallel]
        if other is None:
            return
        if in_use:
            lost = now > (1 + MARGIN) * other
        else:
            lost = now * (1 + MARGIN) >= other
        if in_use == lost:
            self.way = not self.way
        self.patience[parallel] = min(2 * self.patience[parallel], EXPLORE_MAX) if lost else EXPLORE


#: agents from which a step's kernels may run on all of Numba's threads. Below it they stay
#: on one: the parallel stages would cost more than they save there.
PARALLEL_MIN = 1 << 19


class Threaded:
    """A kernel run on all of Numba's threads or on one, whichever is faster for a field of its
    size (:class:`PathChoice`, by bit length of the agents alive). Its ``prange`` loops give
    the same bits on any number of threads, so the choice is only about time.

    From a ``body``, two kernels, each compiled on its first call: the one-thread way runs
    ``body`` compiled without ``parallel`` (``prange`` as ``range``), the all-threads way
    compiled with it. Fields below ``min_agents`` (britain-1933 at its default scale among
    them) always run on one thread (parallel regions would cost more than they save there,
    and stall on a busy machine), so they never compile the parallel kernel (but for the
    conversation's stages, below): Numba's parfor lowering roughly doubles a kernel's compile
    time (issue 26: the step's four per-person scans compiled parallel took 5.5 s more of a
    cold first run's 43 s).

    ``kernel`` and ``serial`` (default the same) give the two ways' kernels instead: the
    conversation's sweep, a serial kernel that calls a parallel one, gives only ``kernel``, and
    its one-thread way runs the parallel stages on one thread. Issue 26 had measured its stages
    compiled serial as fast on one thread (a sweep 3.15 against 3.32 ms at britain-1933's
    size); with issue 23's partner choice and relative agreement they took 1.6 times as long
    (9.0 against 5.5 ms), so they have no serial copy, and every field compiles them parallel
    (a cold first run 35.6 s wall, 33.9 s CPU, on a busy machine; nothing more after install,
    which compiles them anyway).

    ``Threaded.force`` (None, True or False) makes every kernel run one way, whatever the size:
    for the tests that compare the two. ``clock`` times the calls (default
    :func:`time.perf_counter`): a test passes a fake one, so that the choice it sees does not
    depend on how busy the machine is."""

    force: bool | None = None

    def __init__(self, body: Callable | None = None, *, kernel: Callable | None = None,
                 serial: Callable | None = None, min_agents: int = PARALLEL_MIN,
                 clock: Callable[[], float] = time.perf_counter) -> None:  # fmt: skip
        if kernel is None:
            assert body is not None, "Threaded needs a body to compile, or a kernel"
            kernel, serial = parallel_and_serial(body)
        self.kernel = kernel  # the all-threads way
        self.serial = kernel if serial is None else serial  # the one-thread way
        self.min_agents = min_agents
        self.clock = clock
        self.choices: dict[int, PathChoice] = {}

    def __call__(self, agents: int, *args: object) -> object:
        """Run on ``args`` the way that is faster for a field of ``agents``."""
        if Threaded.force is not None:
            return self._run(Threaded.force, args)
        if agents < self.min_agents:
            return self._run(False, args)
        choice = self.choices.get(agents.bit_length())
        if choice is None:
            choice = self.choices[agents.bit_length()] = PathChoice(self.clock)
        parallel = choice.parallel(agents)
        start = choice.clock()
        out = self._run(parallel, args)
        choice.record(parallel, agents, choice.clock() - start)
        return out

    def one_thread(self, agents: int) -> bool:
        """Whether a call for a field of ``agents`` is sure to run on one thread (forced so, too
        small for threads, or Numba has one): a caller with a one-thread way of its own, that
        fuses this kernel with others, can take it then."""
        if Threaded.force is not None:
            return not Threaded.force
        return agents < self.min_agents or nb.get_num_threads() == 1

    def _run(self, parallel: bool, args: tuple) -> object:
        if parallel:
            return self.kernel(*args)
        threads = nb.get_num_threads()
        if threads == 1:
            return self.serial(*args)
        nb.set_num_threads(1)  # a kernel given without a serial copy runs its parallel code on one
        try:
            return self.serial(*args)
        finally:
            nb.set_num_threads(threads)
