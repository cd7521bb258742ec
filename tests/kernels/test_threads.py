"""The parallel kernels give the same bits on one thread and on all, and so does the classic
Deffuant sweep's serial twin.

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

from lever.build import build_params, build_state
from lever.classic import barabasi_albert
from lever.classic.deffuant import _deffuant_sweep, _deffuant_sweep_serial
from lever.engine import make_network
from lever.kernels.draw import CONVERSE, fresh_key, step_key
from lever.kernels.conversation import _BLOCK, _pack, _talks
from lever.kernels.social import regroup_branches, trust_table
from lever.scenarios import load, with_values


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


@pytest.mark.parametrize("active", [True, False])
def test_a_block_of_conversations_is_the_same_on_any_number_of_threads(active):
    built, params, who, net = _inputs(3)
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
        _on_threads(threads, _talks, st, st.opinion, who, st.ident, _links(st, net), params.receptivity,
                    trust_table(params), params.convergence, params.confidence, params.branch_talk, active,
                    skey, pi, ps, pj, pu, pv, m)  # fmt: skip
        out.append((st, pj, pu, pv))
    (a, *rest_a), (b, *rest_b) = out
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


def test_a_whole_sweep_is_the_same_on_any_number_of_threads():
    from lever.kernels.conversation import _SWEEP

    built, params, _, net = _inputs(3)
    skey = np.uint64(step_key(np.uint64(4), CONVERSE, 0))
    out = []
    for threads in (1, 2):
        st = built.copy()
        _on_threads(threads, _SWEEP.kernel, st, st.opinion, st.committed, st.stratum, st.org, st.faction,
                    st.expelled_from, st.ident, _links(st, net), params.receptivity, trust_table(params),
                    params.convergence, params.confidence, params.branch_talk, params.committed_talk,
                    params.active, skey)  # fmt: skip
        out.append(st)
    assert all(np.array_equal(x, y) for x, y in zip(out[0], out[1], strict=True))
    assert not np.array_equal(out[0].opinion, built.opinion)


@pytest.fixture
def every_way():
    """Run every step kernel one way (``Threaded.force``), restored after the test."""
    from lever.kernels.threads import Threaded

    def force(way):
        Threaded.force = way

    yield force
    Threaded.force = None


def test_whole_runs_are_the_same_on_all_threads_and_on_one(threads, every_way):
    """Every mechanism with a parallel kernel (press, conversation, satisfaction, the choice of
    who may move, the branches' layer), run on all threads and then on one over a whole run
    of a field with coarse agents and the group entering: the same bits, series and final
    state."""
    from lever.engine import simulate

    sc = with_values(load("britain-1933"), {"organizations.labour.size": 20000.0, "unorganized.size": 20000.0})
    runs = []
    for way in (True, False):
        every_way(way)
        runs.append(simulate(sc, "enter_ilp_faction", seed=11, steps=20))
    parallel, serial = runs
    pd.testing.assert_frame_equal(parallel.series, serial.series, check_exact=True)
    assert all(np.array_equal(x, y) for x, y in zip(parallel.final, serial.final, strict=True))
    assert parallel.series["group_members"].iloc[-1] != parallel.series["group_members"].iloc[0]


def test_a_kernel_runs_on_one_thread_below_its_size_and_else_as_its_choice_says(every_way):
    from lever.kernels.threads import Threaded

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("one thread only")
    threads: list[int] = []
    kernel = Threaded(kernel=lambda x: threads.append(numba.get_num_threads()) or x, min_agents=100)
    before = numba.get_num_threads()
    numba.set_num_threads(2)
    try:
        assert kernel(99, 7) == 7 and threads == [1]
        threads.clear()
        for _ in range(4):  # a size's first calls try both ways (a way's first call is not measured)
            kernel(100, 0)
        assert sorted(threads) == [1, 1, 2, 2] and 100 .bit_length() in kernel.choices
        threads.clear()
        every_way(True)
        kernel(5, 0)
        every_way(False)
        kernel(10**9, 0)
        assert threads == [2, 1] and numba.get_num_threads() == 2  # one thread only for the call
    finally:
        numba.set_num_threads(before)
