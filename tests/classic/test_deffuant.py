"""Deffuant model: the shared engine kernel, invariants, convergence detection."""

from __future__ import annotations

import numpy as np
import pytest
from layouts import under_every_layout
from splitmix import reference_pair

from lever.classic.deffuant import Deffuant, converged_1d
from lever.classic.network import barabasi_albert, complete, erdos_renyi, from_edges
from lever.kernels.draw import fresh_key


def test_two_agents_meet_in_the_middle():
    # n = 2: every update pairs them; mu = 0.5 puts both at the midpoint at once.
    m = Deffuant(network=2, bound=0.5, mu=0.5, initial=np.array([0.2, 0.6]), rng=0)
    m.run(1)
    assert m.opinion[:, 0] == pytest.approx([0.4, 0.4])
    assert m.converged and m.converged_time == 1.0


def test_agents_beyond_the_bound_never_move():
    m = Deffuant(network=2, bound=0.3, initial=np.array([0.1, 0.5]), rng=0).run(10)
    assert m.opinion[:, 0].tolist() == [0.1, 0.5]
    assert m.converged  # nothing can ever change


def test_mean_is_conserved_and_opinions_stay_in_range():
    # Symmetric mu moves both ends of a pair by equal and opposite amounts.
    m = Deffuant(network=500, bound=0.3, mu=0.3, rng=1)
    mean0 = m.opinion.mean()
    m.run(50)
    assert m.opinion.mean() == pytest.approx(mean0, abs=1e-12)
    assert m.opinion.min() >= 0 and m.opinion.max() <= 1
    assert m.series.shape == (51, 500)


def test_seeded():
    a = Deffuant(network=300, rng=4).run(10)
    b = Deffuant(network=300, rng=4).run(10)
    assert np.array_equal(a.opinion, b.opinion)


def test_converged_1d():
    assert converged_1d(np.array([0.1, 0.1 + 1e-8, 0.5, 0.5]), 0.2, 1e-6)
    assert not converged_1d(np.array([0.1, 0.2, 0.5]), 0.2, 1e-6)  # 0.1 and 0.2 still talk
    assert converged_1d(np.array([0.25, 0.5]), 0.25, 1e-6)  # exactly d apart: never talk
    # 0.3 - 0.1 rounds below 0.2, and the engine kernel would let them talk, so not converged.
    assert not converged_1d(np.array([0.1, 0.3]), 0.2, 1e-6)


def test_until_converged_stops_and_counts_clusters():
    m = Deffuant(network=400, bound=0.35, rng=2, record=False)
    assert m.run_until_converged(20_000)
    assert m.time == m.converged_time
    assert m.clusters()[1] == 1


def test_runs_on_a_network_and_isolated_agents_stay():
    net = from_edges(4, np.array([[0, 1], [1, 2]]))
    m = Deffuant(network=net, bound=1.0, initial=np.array([0.0, 0.5, 1.0, 0.3]), rng=3)
    assert m.run_until_converged(10_000)
    assert m.opinion[3, 0] == 0.3
    assert m.opinion[:3, 0] == pytest.approx([0.5] * 3, abs=1e-5)
    big = Deffuant(network=erdos_renyi(300, 6, np.random.default_rng(0)), rng=0).run(5)
    assert big.opinion.shape == (300, 1)


@pytest.mark.parametrize("bad", [dict(bound=0.0), dict(mu=0.7), dict(initial=[0.5, 1.2])])
def test_bad_parameters(bad):
    with pytest.raises(ValueError):
        Deffuant(network=2, **bad)


def test_same_seed_same_opinions_whatever_the_number_of_threads(monkeypatch):
    import lever.classic.deffuant as deffuant

    net = erdos_renyi(20_000, 6, np.random.default_rng(2))  # above PARALLEL_MIN: parallel
    runs = under_every_layout(monkeypatch, deffuant,
                              lambda: Deffuant(net, bound=0.3, mu=0.5, rng=7, record=False).run(3).opinion)  # fmt: skip
    assert all(np.array_equal(runs[0], r) for r in runs[1:])


def _reference_sweep(x, bound, mu, net, split, key, t0):
    """The sweep as plain Python: update ``t`` takes the pair ``reference_pair`` gives,
    then the exchange, one update after the other."""
    for t in range(t0, t0 + net.n):
        i, j = reference_pair(net, split, key, t)
        if j < 0:
            continue
        a, b = x[i, 0], x[j, 0]
        if abs(a - b) < bound:
            x[i, 0], x[j, 0] = a + mu * (b - a), b + mu * (a - b)


_SWEEP_CASES = {
    "ER 3000, one draw per update": (erdos_renyi(3000, 6, np.random.default_rng(4)), True),
    "ER 3000, two draws per update": (erdos_renyi(3000, 6, np.random.default_rng(4)), False),
    "BA 20000, three blocks": (barabasi_albert(20_000, 3, np.random.default_rng(5)), True),
    "isolated nodes": (from_edges(500, np.array([[0, 1], [1, 2], [3, 4]])), True),
    "complete 60": (complete(60), False),
}


@pytest.mark.parametrize("case", list(_SWEEP_CASES))
def test_the_pipelined_sweep_is_the_plain_sequential_process(case):
    from lever.classic.deffuant import _deffuant_sweep, _deffuant_sweep_serial

    net, split = _SWEEP_CASES[case]
    x0 = np.random.default_rng(5).random((net.n, 1))
    key = fresh_key(np.random.default_rng(6))
    t0 = 12_345  # the sweep's place in the run's stream
    want = x0.copy()
    _reference_sweep(want, 0.3, 0.5, net, split, key, t0)
    assert not np.array_equal(want, x0)
    for sweep in (_deffuant_sweep, _deffuant_sweep_serial):
        for threads in (1, 2, 3, 7):  # how the draws are shared out must not matter
            x = x0.copy()
            sweep(x, 0.3, 0.5, net.n, net.is_complete, net.indptr, net.indices, split, key, t0, threads)
            assert np.array_equal(x, want), (sweep.__name__, threads)


def test_a_run_split_into_calls_is_the_same_run():
    net = barabasi_albert(10_000, 3, np.random.default_rng(1))
    whole = Deffuant(net, bound=0.3, mu=0.5, rng=3, record=False).run(5)
    parts = Deffuant(net, bound=0.3, mu=0.5, rng=3, record=False).run(2).run(3)
    assert np.array_equal(whole.opinion, parts.opinion)
