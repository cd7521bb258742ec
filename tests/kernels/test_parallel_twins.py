"""The parallel kernels and their serial twins give the same bits.

Large fields run the lookups of a block of conversations on all of Numba's threads; small
ones run a serial copy. Nothing random is drawn in the parallel stages, so the two must agree
exactly: checked here on the same inputs, below the size threshold that picks between them.
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
from lever.kernels.conversation import _BLOCK, _block, _block_serial, _pack
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


@pytest.mark.parametrize("active", [True, False])
def test_a_block_of_conversations_is_the_same_on_any_number_of_threads(threads, active):
    built, params, who, net = _inputs(3)
    n = built.n
    m = min(_BLOCK, n)
    skey = np.uint64(step_key(np.uint64(5), CONVERSE, 2))
    out = []
    for kernel in (_block, _block_serial):
        st = built.copy()
        draws = np.random.default_rng(9)
        pi = draws.integers(0, n, _BLOCK)
        ps = 2 * draws.integers(0, 3, _BLOCK)  # the sweep's slot or a committed one's extra talks
        pj, pu, pv = np.zeros(_BLOCK, np.int64), np.zeros(_BLOCK), np.zeros(_BLOCK)
        kernel(st, st.opinion, who, st.ident, _links(st, net), params.receptivity, trust_table(params),
               params.convergence, params.confidence, params.branch_talk, active, skey, pi, ps, pj, pu, pv,
               m)  # fmt: skip
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


def test_a_whole_sweep_is_the_same_whichever_twin_holds_the_talks(threads):
    from lever.kernels.conversation import _sweep_parallel, _sweep_serial

    built, params, _, net = _inputs(3)
    skey = np.uint64(step_key(np.uint64(4), CONVERSE, 0))
    out = []
    for sweep in (_sweep_parallel, _sweep_serial):
        st = built.copy()
        sweep(st, st.opinion, st.committed, st.stratum, st.org, st.faction, st.expelled_from, st.ident,
              _links(st, net), params.receptivity, trust_table(params), params.convergence,
              params.confidence, params.branch_talk, params.committed_talk, params.active, skey)  # fmt: skip
        out.append(st)
    assert all(np.array_equal(x, y) for x, y in zip(out[0], out[1], strict=True))
    assert not np.array_equal(out[0].opinion, built.opinion)


@pytest.fixture
def every_twin():
    """Run every step kernel one way (``Twins.force``), restored after the test."""
    from lever.kernels.twins import Twins

    def force(way):
        Twins.force = way

    yield force
    Twins.force = None


def test_whole_runs_are_the_same_whichever_twins_run_them(threads, every_twin):
    """Every mechanism with a parallel twin (press, conversation, satisfaction, the choice of
    who may move, the branches' layer), run one way and then the other over a whole run of a
    field with coarse agents and the group entering: the same bits, series and final state."""
    from lever.engine import simulate

    sc = with_values(load("britain-1933"), {"organizations.labour.size": 20000.0, "unorganized.size": 20000.0})
    runs = []
    for way in (True, False):
        every_twin(way)
        runs.append(simulate(sc, "enter_ilp_faction", seed=11, steps=20))
    parallel, serial = runs
    pd.testing.assert_frame_equal(parallel.series, serial.series, check_exact=True)
    assert all(np.array_equal(x, y) for x, y in zip(parallel.final, serial.final, strict=True))
    assert parallel.series["group_members"].iloc[-1] != parallel.series["group_members"].iloc[0]


def test_a_twin_runs_serial_below_its_size_and_else_as_its_choice_says(every_twin):
    from lever.kernels.twins import Twins

    calls: list[str] = []
    twin = Twins(parallel=lambda x: calls.append("parallel") or x, serial=lambda x: calls.append("serial") or x,
                 min_agents=100)  # fmt: skip
    assert twin(99, 7) == 7 and calls == ["serial"]
    calls.clear()
    for _ in range(4):  # a size's first calls try both ways (a way's first call is not measured)
        twin(100, 0)
    assert set(calls) == {"parallel", "serial"} and 100 .bit_length() in twin.choices
    calls.clear()
    every_twin(True)
    twin(5, 0)
    every_twin(False)
    twin(10**9, 0)
    assert calls == ["parallel", "serial"]
