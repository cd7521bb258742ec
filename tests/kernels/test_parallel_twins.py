"""The parallel kernels and their serial twins give the same bits.

Large fields run the lookups of a block of conversations on all of Numba's threads; small
ones run a serial copy. Nothing random is drawn in the parallel stages, so the two must agree
exactly: checked here on the same inputs, below the size threshold that picks between them.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from lever.build import build_params, build_state
from lever.classic import barabasi_albert
from lever.classic.deffuant import _deffuant_sweep, _deffuant_sweep_serial
from lever.engine import make_network
from lever.kernels.draw import fresh_key
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
    regroup_branches(st, st.branch_start.shape[0] - 1)
    params = build_params(sc, sc.strategies["enter_ilp_faction"])
    who = np.array([_pack(st.org[i], st.expelled_from[i], st.stratum[i], st.committed[i], st.faction[i])
                    for i in range(st.n)], np.int64)  # fmt: skip
    links = (st.branch, st.branch_start, st.branch_members, net.indptr, net.indices)
    return st, params, who, links


@pytest.mark.parametrize("tossed", [True, False])
def test_a_block_of_conversations_is_the_same_on_any_number_of_threads(threads, tossed):
    st, params, who, links = _inputs(3)
    m = min(_BLOCK, st.n)
    out = []
    for kernel in (_block, _block_serial):
        draws = np.random.default_rng(9)
        pi = draws.integers(0, st.n, _BLOCK)
        pu = draws.random(_BLOCK)
        pj, pv = np.zeros(_BLOCK, np.int64), np.zeros(_BLOCK)
        opinion = st.opinion.copy()
        kernel(opinion, who, links, params.receptivity, trust_table(params), params.convergence,
               params.confidence, params.branch_talk, pi, pj, pu, pv, m, tossed, np.random.default_rng(5))  # fmt: skip
        out.append((opinion, pj, pu, pv))
    for a, b in zip(*out, strict=True):
        assert np.array_equal(a, b)
    assert not np.array_equal(out[0][0], st.opinion)  # the block did move opinions


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

    st, params, _, links = _inputs(3)
    out = []
    for sweep in (_sweep_parallel, _sweep_serial):
        opinion = st.opinion.copy()
        sweep(opinion, st.committed, st.stratum, st.org, st.faction, st.expelled_from, links,
              params.receptivity, trust_table(params), params.convergence, params.confidence,
              params.branch_talk, params.committed_talk, np.random.default_rng(4))  # fmt: skip
        out.append(opinion)
    assert np.array_equal(out[0], out[1])
    assert not np.array_equal(out[0], st.opinion)
