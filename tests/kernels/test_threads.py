"""The parallel kernels give the same bits on one thread and on all, and so do their serial
copies (the one-thread way of the step's kernels, and the classic Deffuant sweep's; the
conversation's stages have none: its one-thread way runs them on one thread); and the choice
between the two ways (``PathChoice``) keeps the faster one without being moved by one slow call.

Large fields run the lookups of a block of conversations (and the step's per-person scans) on
all of Numba's threads; small ones on one. Nothing random is drawn in the parallel stages, so
the two must agree exactly: checked here on the same inputs, below the size threshold that
picks between them.
"""

from __future__ import annotations

import numba
import numpy as np
import pandas as pd
import pytest
from inner_calls import called

from lever.classic import barabasi_albert
from lever.classic.deffuant import _deffuant_sweep, _deffuant_sweep_serial
from lever.kernels.conversation import _BLOCK, _pack, _trust_of_kinds
from lever.kernels.conversation import _talks as _talks_inner
from lever.kernels.draw import CONVERSE, fresh_key, step_key
from lever.kernels.social import regroup_branches, trust_table
from lever.kernels.threads import EXPLORE, EXPLORE_MAX, MARGIN, PathChoice
from lever.model.build import build_params, build_state
from lever.model.loading import load, with_values
from lever.sim.engine import make_network

_talks = called(_talks_inner)


@pytest.fixture(params=[1, 2], ids=["1 thread", "2 threads"])
def threads(request):
    before = numba.get_num_threads()
    numba.set_num_threads(min(request.param, numba.config.NUMBA_NUM_THREADS))
    yield request.param
    numba.set_num_threads(before)


def _inputs(seed: int):
    sc = with_values(load("britain-1933"), {"organizations.labour.size": 20000.0, "unorganized.size": 20000.0})
    rng = np.random.default_rng(seed)
    st = build_state(sc, rng)
    net = make_network(sc, st.n, rng)
    st = st.with_capacity(st.n + 2 * _BLOCK)  # room for persons split off in a block
    regroup_branches(st, st.branch_start.shape[0] - 1)
    params = build_params(sc, sc.strategies["enter_ilp_faction"])
    who = np.array([_pack(st.org[i], st.expelled_from[i], st.stratum[i], st.committed[i], st.faction[i])
                    for i in range(st.n)], np.int64)  # fmt: skip
    return st, params, who, net


def _links(st, net):
    return (st.branch, st.branch_start, st.branch_members, net.indptr, net.indices, st.social)


def _on_threads(count, kernel, *args):
    before = numba.get_num_threads()
    numba.set_num_threads(min(count, numba.config.NUMBA_NUM_THREADS))
    try:
        return kernel(*args)
    finally:
        numba.set_num_threads(before)


@pytest.mark.parametrize("active, weight, choosing", [(True, 0.0, False), (False, 0.0, False), (True, 0.5, False),
                                                      (True, 0.0, True)])  # fmt: skip
def test_a_block_of_conversations_is_the_same_on_any_number_of_threads(active, weight, choosing):
    """Also with issue 23's choice of partner (encapsulation, homophily) on."""
    built, params, who, net = _inputs(3)
    cadre = np.flatnonzero(built.faction[: built.n] & built.committed[: built.n])
    choice = (np.uint64(7), 0.5 if choosing else 0.0, cadre, np.uint64(8), 5.0 if choosing else 0.0)
    n = built.n
    m = min(_BLOCK, n)
    skey = np.uint64(step_key(np.uint64(5), CONVERSE, 2))
    out = []
    for threads in (1, 2):
        st = built.copy()
        draws = np.random.default_rng(9)
        pi = draws.integers(0, n, _BLOCK)
        ps = 2 * draws.integers(0, 3, _BLOCK)  # the sweep's slot or a committed one's extra talks
        pj, pu, pv = np.zeros(_BLOCK, np.int64), np.zeros(_BLOCK), np.zeros(_BLOCK)
        pq, pr = np.zeros(_BLOCK, np.int64), np.zeros(_BLOCK, np.int64)  # the second partner's scratch
        pw = np.zeros(_BLOCK)
        _on_threads(threads, _talks, st, st.opinion, st.uncertainty, who, st.ident, _links(st, net),
                    params.receptivity, _trust_of_kinds(trust_table(params)), params.convergence, params.confidence,
                    params.branch_talk, active, skey, weight, pi, ps, pj, pq, pr, pu, pv, pw, m, choice)  # fmt: skip
        out.append((st, pj, pu, pv))
    (a, *rest_a), *others = out
    for b, *rest_b in others:
        assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
        for x, y in zip(rest_a, rest_b, strict=True):
            assert np.array_equal(x, y)
    assert not np.array_equal(a.opinion, built.opinion)  # the block did move opinions


def test_a_classic_deffuant_sweep_is_the_same_on_any_number_of_threads(threads):
    net = barabasi_albert(5000, 5, np.random.default_rng(1))
    start = np.random.default_rng(2).random((net.n, 1))
    out = []
    for sweep in (_deffuant_sweep, _deffuant_sweep_serial):
        opinion = start.copy()
        key = fresh_key(np.random.default_rng(7))
        sweep(opinion, 0.3, 0.5, net.n, net.is_complete, net.indptr, net.indices, True, key, 0, 2)
        out.append(opinion)
    assert np.array_equal(out[0], out[1])
    assert not np.array_equal(out[0], start)


@pytest.mark.parametrize("weight, choosing", [(0.0, False), (0.5, False), (0.0, True)])
def test_a_whole_sweep_is_the_same_on_any_number_of_threads(weight, choosing):
    from lever.kernels.conversation import _SWEEP

    built, params, _, net = _inputs(3)
    cadre = np.flatnonzero(built.faction[: built.n] & built.committed[: built.n])
    choice = (np.uint64(7), 0.5 if choosing else 0.0, cadre, np.uint64(8), 5.0 if choosing else 0.0)
    skey = np.uint64(step_key(np.uint64(4), CONVERSE, 0))
    assert _SWEEP.serial is _SWEEP.kernel  # the one-thread way: the same kernel on one thread
    out = []
    for threads in (1, 2):
        st = built.copy()
        _on_threads(threads, _SWEEP.kernel, st, st.opinion, st.uncertainty, st.committed, st.stratum, st.org,
                    st.faction, st.expelled_from, st.ident, _links(st, net), params.receptivity,
                    trust_table(params), params.convergence, params.confidence, params.branch_talk,
                    params.committed_talk, params.active, skey, weight, choice)  # fmt: skip
        out.append(st)
    for other in out[1:]:
        assert all(np.array_equal(x, y) for x, y in zip(out[0], other, strict=True))
    assert not np.array_equal(out[0].opinion, built.opinion)


@pytest.fixture
def every_way():
    """Run every step kernel one way (``Threaded.force``), restored after the test."""
    from lever.kernels.threads import Threaded

    def force(way):
        Threaded.force = way

    yield force
    Threaded.force = None


@pytest.mark.parametrize("mechanisms", [{}, {"dynamics.relative_agreement": 0.7, "dynamics.strain_uncertainty": 1.0,
                                               "dynamics.anchoring": 0.05, "dynamics.recruit_by_agreement": True,
                                               "dynamics.targeting": 5.0, "dynamics.exit_ties": 1.0,
                                               "dynamics.exit_cascade": 5.0, "dynamics.nearer_gravity": 0.25,
                                               "dynamics.encapsulation": 0.5, "dynamics.homophily": 5.0}],
                         ids=["", "issue 23 on"])  # fmt: skip
def test_whole_runs_are_the_same_on_all_threads_and_on_one(threads, every_way, mechanisms):
    """Every mechanism with a parallel kernel (press, conversation, satisfaction, the choice of
    who may move, the branches' layer; issue 23's strain, anchoring, tied exits and partner
    choice), run on all threads and then on one over a whole run of a field with coarse agents and the group entering: the same
    bits, series and final state."""
    from lever.sim.engine import simulate

    sc = with_values(load("britain-1933"), {"organizations.labour.size": 20000.0, "unorganized.size": 20000.0,
                                            **mechanisms})  # fmt: skip
    runs = []
    for way in (True, False):
        every_way(way)
        runs.append(simulate(sc, "enter_ilp_faction", seed=11, steps=20))
    parallel, serial = runs
    pd.testing.assert_frame_equal(parallel.series, serial.series, check_exact=True)
    assert all(np.array_equal(x, y) for x, y in zip(parallel.final, serial.final, strict=True))
    assert parallel.series["group_members"].iloc[-1] != parallel.series["group_members"].iloc[0]


def test_a_kernel_runs_on_one_thread_below_its_size_and_else_as_its_choice_says(every_way):
    """The choice is driven by a fake clock (every call takes one tick), so what it picks does
    not depend on how busy the machine is: all threads twice (the first call is not measured),
    then one thread twice, and one thread kept (all threads measured no faster)."""
    from lever.kernels.threads import Threaded

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("one thread only")
    threads: list[int] = []
    clock = _Ticks(0.001)
    kernel = Threaded(kernel=lambda x: threads.append(numba.get_num_threads()) or x, min_agents=100, clock=clock)
    before = numba.get_num_threads()
    numba.set_num_threads(2)
    try:
        assert kernel(99, 7) == 7 and threads == [1] and clock.reads == 0  # below its size: not timed
        threads.clear()
        for _ in range(6):  # a size's first calls try both ways (a way's first call is not measured)
            kernel(100, 0)
        assert threads == [2, 2, 1, 1, 1, 1] and (100).bit_length() in kernel.choices
        assert clock.reads == 12  # each call read the injected clock, before and after
        threads.clear()
        every_way(True)
        kernel(5, 0)
        every_way(False)
        kernel(10**9, 0)
        assert threads == [2, 1] and numba.get_num_threads() == 2  # one thread only for the call
        # what a caller with a one-thread way of its own asks (lever.kernels.mobility)
        assert kernel.one_thread(10**9) and not (every_way(True) or kernel.one_thread(5))
        every_way(None)
        assert kernel.one_thread(99) and not kernel.one_thread(100)
        numba.set_num_threads(1)
        assert kernel.one_thread(10**9)
    finally:
        numba.set_num_threads(before)


# -- the choice between all threads and one -------------------------------------------------


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class _Ticks:
    """A fake clock that moves on ``tick`` seconds each time it is read."""

    def __init__(self, tick):
        self.tick, self.now, self.reads = tick, 0.0, 0

    def __call__(self):
        self.now += self.tick
        self.reads += 1
        return self.now


def _call(choice, clock, seconds_if):
    way = choice.parallel(1000)
    clock.now += seconds_if[way]
    choice.record(way, 1000, seconds_if[way])
    return way


def test_the_choice_tries_both_ways_then_keeps_the_faster():
    clock = _Clock()
    choice = PathChoice(clock)
    # first calls: each way twice (its first call may start threads: not measured)
    ways = [_call(choice, clock, {True: 0.001, False: 0.004}) for _ in range(4)]
    assert ways == [True, True, False, False]
    assert all(_call(choice, clock, {True: 0.001, False: 0.004}) for _ in range(50))


def test_a_slow_way_is_tried_again_after_the_other_ran_explore_times_its_last_try():
    clock = _Clock()
    choice = PathChoice(clock)
    busy = {True: 0.030, False: 0.002}  # all threads stall: a helper lost its core
    ways = [_call(choice, clock, busy) for _ in range(4 + int(EXPLORE * 0.030 / 0.002) + 2)]
    assert ways[:4] == [True, True, False, False]
    tries = [i for i, w in enumerate(ways) if w and i >= 4]
    assert len(tries) == 1  # tried once again, after EXPLORE x 30 ms spent the other way
    spent = sum(busy[w] for w in ways[2 : tries[0]])  # since all threads' last measured call
    assert EXPLORE * 0.030 <= spent + 1e-12 < EXPLORE * 0.030 + 0.002 + 1e-12
    # the machine frees up: the next try wins and all threads are kept
    free = {True: 0.001, False: 0.002}
    while _call(choice, clock, free) is False:
        pass
    assert all(_call(choice, clock, free) for _ in range(20))


def _settled_on_one_thread(clock, serial, parallel):
    """A choice that has measured both ways (all threads at ``parallel`` s a call, one
    thread at ``serial``), and runs one thread."""
    choice = PathChoice(clock)
    for way in (True, True, False, False):
        assert choice.parallel(1000) is way
        clock.now += parallel if way else serial
        choice.record(way, 1000, parallel if way else serial)
    assert choice.parallel(1000) is False
    return choice


def test_one_slow_call_of_the_way_in_use_does_not_move_the_choice():
    """Under load one call on one thread is sometimes slowed by the scheduler; if all threads
    were last measured about as fast, that one call must not send the next ones there
    (where, under load, most calls are slow)."""
    clock = _Clock()
    choice = _settled_on_one_thread(clock, serial=0.002, parallel=0.0021)
    assert _call(choice, clock, {True: 0.0021, False: 0.003}) is False  # one slow call
    assert [_call(choice, clock, {True: 0.030, False: 0.002}) for _ in range(5)] == [False] * 5


def test_a_try_must_win_by_the_margin_to_take_over():
    clock = _Clock()
    choice = _settled_on_one_thread(clock, serial=0.002, parallel=0.030)
    slightly = {True: 0.002 / (1 + MARGIN) * 1.01, False: 0.002}  # faster, by less than MARGIN
    ways = [_call(choice, clock, slightly) for _ in range(int(EXPLORE * 15) + 5)]
    assert ways.count(True) == 1 and ways[-1] is False  # tried, not taken
    clearly = {True: 0.002 / (1 + MARGIN) * 0.99, False: 0.002}
    while not choice.parallel(1000):
        _call(choice, clock, clearly)
    assert all(_call(choice, clock, clearly) for _ in range(10))


def test_a_way_in_use_that_slows_down_for_good_is_left_at_once_when_the_change_is_large():
    clock = _Clock()
    choice = PathChoice(clock)
    free = {True: 0.001, False: 0.002}
    [_call(choice, clock, free) for _ in range(4)]
    assert all(_call(choice, clock, free) for _ in range(10))
    busy = {True: 0.030, False: 0.002}  # the machine gets busy
    assert [_call(choice, clock, busy) for _ in range(3)] == [True, False, False]


def test_on_a_machine_that_stays_busy_each_losing_try_doubles_the_wait_for_the_next():
    clock = _Clock()
    choice = PathChoice(clock)
    busy = {True: 0.030, False: 0.002}
    ways = [_call(choice, clock, busy) for _ in range(4 + int(EXPLORE_MAX * 0.030 / 0.002) * 3)]
    tries = [i for i, w in enumerate(ways) if w and i >= 4]
    waits = [sum(busy[w] for w in ways[a + 1 : b]) / 0.030 for a, b in zip([1, *tries], tries, strict=False)]
    expected = [min(EXPLORE * 2**k, EXPLORE_MAX) for k in range(len(waits))]
    assert len(waits) >= 8  # it got to the cap and stayed there
    assert waits == pytest.approx(expected, abs=0.002 / 0.030 + 1e-9)
    # what the tries cost, in the end: under 1 / EXPLORE_MAX of the time, not 1 / EXPLORE
    assert 0.030 / (waits[-1] * 0.030) <= 1 / EXPLORE_MAX + 1e-12


def test_a_try_measured_on_a_short_call_waits_as_long_as_it_would_take_on_the_coming_ones():
    """A warm-up's short call must not make tries frequent on long calls: the wait is the
    coming call's updates times the way's cost, EXPLORE times over."""
    clock = _Clock()
    choice = PathChoice(clock)
    per_update = {True: 3e-8, False: 1e-8}  # all threads three times slower: a busy machine
    for way in (True, True, False, False):  # the warm-up: short calls of 100 updates
        assert choice.parallel(100) is way
        choice.record(way, 100, per_update[way] * 100)
    long = 2_000_000
    serial_calls = 0
    while not choice.parallel(long):
        choice.record(False, long, per_update[False] * long)
        serial_calls += 1
    # the try (0.06 s) comes once the serial way has run EXPLORE times that, not EXPLORE
    # times the warm-up's 3 microseconds
    assert serial_calls * per_update[False] * long >= EXPLORE * per_update[True] * long
