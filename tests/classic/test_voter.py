"""Voter model: seeding, conservation, zealots, absorbing consensus, small exact cases."""

from __future__ import annotations

import numpy as np
import pytest
from layouts import under_every_layout
from splitmix import reference_pair

from lever.classic.network import barabasi_albert, complete, erdos_renyi, from_edges
from lever.classic.voter import Voter, exact_consensus_time, mean_field_consensus_time
from lever.kernels.draw import fresh_key


def test_same_seed_same_bits_different_seed_differs():
    a = Voter(network=300, rho=0.4, rng=7).run(50)
    b = Voter(network=300, rho=0.4, rng=7).run(50)
    c = Voter(network=300, rho=0.4, rng=8).run(50)
    assert np.array_equal(a.opinion, b.opinion) and np.array_equal(a.series, b.series)
    assert not np.array_equal(a.series, c.series)


def test_generator_argument_is_used_as_given():
    rng = np.random.default_rng(3)
    a = Voter(network=100, rng=rng).run(5)
    b = Voter(network=100, rng=np.random.default_rng(3)).run(5)
    assert np.array_equal(a.opinion, b.opinion)


def test_initial_density_and_counts_conserved():
    m = Voter(network=1000, rho=0.3, rng=1)
    assert m.opinion.sum() == 300
    m.run(20)
    assert set(np.unique(m.opinion)) <= {0, 1}
    assert m.series[-1] == m.opinion.sum() == round(m.plus_share * 1000)
    assert m.times.tolist() == list(range(21))


def test_zealots_never_change_and_free_share():
    m = Voter(network=200, rho=0.0, zealots_plus=5, zealots_minus=7, rng=2)
    before = m.opinion[m.zealot].copy()
    assert m.opinion[m.zealot].sum() == 5
    m.run(500)
    assert np.array_equal(m.opinion[m.zealot], before)
    assert not m.consensus and m.consensus_time is None  # both sides are pinned
    free = ~m.zealot
    assert m.free_plus_share == pytest.approx(m.opinion[free].mean())


def test_one_sided_zealots_win():
    m = Voter(network=100, rho=0.0, zealots_plus=3, rng=4)
    assert m.run_until_consensus(100_000)
    assert m.plus_share == 1.0


def test_two_nodes_reach_consensus_on_the_first_update():
    # n = 2: the first update copies the other node, so consensus at 1 update = 0.5 sweep.
    m = Voter(network=2, rho=0.5, rng=0)
    assert m.run_until_consensus(10)
    assert m.consensus_time == 0.5 and m.time == 0.5
    assert m.times[-1] == 0.5


def test_consensus_is_absorbing_and_fast_forwarded():
    m = Voter(network=50, rho=0.5, rng=5).run(5000)
    assert m.consensus and m.time == 5000
    t = m.consensus_time
    m.run(10)
    assert m.consensus_time == t and m.series[-1] in (0, 50)


def test_isolated_nodes_do_not_move():
    net = from_edges(3, np.array([[0, 1]]))
    m = Voter(network=net, rho=0.5, rng=1)
    iso = m.opinion[2]
    m.run(100)
    assert m.opinion[2] == iso


def test_runs_on_a_random_network():
    net = erdos_renyi(500, 8, np.random.default_rng(1))
    m = Voter(network=net, rho=0.5, rng=1).run(20)
    assert 0 <= m.series.min() and m.series.max() <= 500


@pytest.mark.parametrize("bad", [dict(rho=1.5), dict(zealots_plus=-1),
                                 dict(zealots_plus=60, zealots_minus=50)])  # fmt: skip
def test_bad_parameters(bad):
    with pytest.raises(ValueError):
        Voter(network=100, **bad)


def test_exact_time_approaches_mean_field():
    assert exact_consensus_time(1000, 500) == pytest.approx(691.9548, abs=1e-3)
    # The finite-n correction is O(1) sweeps: relative error shrinks like 1/n.
    for n in (100, 1000, 10_000):
        rel = abs(exact_consensus_time(n, n // 5) / mean_field_consensus_time(n, 0.2) - 1)
        assert rel < 20.0 / n
    assert exact_consensus_time(10, 0) == 0.0 == mean_field_consensus_time(10, 1.0)


def _reference_voter(opinion, zealot, net, split, key, t0, sweeps, stop):
    """Voter updates as plain Python: update ``t`` takes the pair ``reference_pair`` gives;
    the node copies its neighbour unless it is a zealot or has none. Returns the updates
    made (all of them unless ``stop`` and consensus), the update that reached consensus
    (-1 if none) and the + count after each sweep (a stop inside a sweep records there)."""
    n = net.n
    plus = int(opinion.sum())
    records = []
    for u in range(1, sweeps * n + 1):
        i, j = reference_pair(net, split, key, t0 + u - 1)
        if j >= 0 and not zealot[i]:
            plus += int(opinion[j]) - int(opinion[i])
            opinion[i] = opinion[j]
        if u % n == 0:
            records.append(plus)
        if plus in (0, n):  # absorbing: later sweeps record the same count
            if stop:
                return u, u, records + ([plus] if u % n else [])
            return sweeps * n, u, records + [plus] * (sweeps - len(records))
    return sweeps * n, -1, records


_VOTER_CASES = {  # network, one draw per update, sweeps, zealots' share
    "BA 20000, one draw per update": (barabasi_albert(20_000, 3, np.random.default_rng(5)), True, 3, 0.05),
    "ER 3000, two draws per update": (erdos_renyi(3000, 6, np.random.default_rng(4)), False, 3, 0.05),
    "isolated nodes": (from_edges(500, np.array([[0, 1], [1, 2], [3, 4]])), True, 3, 0.05),
    "complete 60, to consensus": (complete(60), False, 1000, 0.0),
}


@pytest.mark.parametrize("stop", [True, False], ids=["stop at consensus", "run on"])
@pytest.mark.parametrize("case", list(_VOTER_CASES))
def test_the_pipelined_kernel_is_the_plain_sequential_process(case, stop):
    from lever.classic.voter import _voter_sweeps, _voter_sweeps_serial

    net, split, sweeps, zealots = _VOTER_CASES[case]
    rng = np.random.default_rng(8)
    start = (rng.random(net.n) < 0.5).astype(np.int8)
    zealot = rng.random(net.n) < zealots
    key = fresh_key(rng)
    t0 = 777
    want = start.copy()
    made, reached, records = _reference_voter(want, zealot, net, split, key, t0, sweeps, stop)
    assert not np.array_equal(want, start)
    if zealots == 0.0:
        assert reached > 0  # the case meant to reach consensus did
    for kernel in (_voter_sweeps, _voter_sweeps_serial):
        for threads in (1, 2, 3, 7):  # how the draws are shared out must not matter
            x = start.copy()
            record = np.full(sweeps + 1, -9, np.int64)
            updates, hit, plus = kernel(x, zealot.view(np.uint8), int(start.sum()), net.n,
                                        net.is_complete, net.indptr, net.indices, sweeps, stop,
                                        record, split, key, t0, threads)  # fmt: skip
            assert np.array_equal(x, want), (kernel.__name__, threads)
            assert (updates, hit, plus) == (made, reached, want.sum())
            assert record[: len(records)].tolist() == records


def test_a_run_split_into_calls_is_the_same_run():
    net = barabasi_albert(20_000, 3, np.random.default_rng(1))
    whole = Voter(net, rho=0.5, rng=3).run(7)
    parts = Voter(net, rho=0.5, rng=3).run(3).run(4)
    assert np.array_equal(whole.opinion, parts.opinion)
    assert np.array_equal(whole.series, parts.series)


def test_same_seed_same_bits_whatever_the_number_of_threads(monkeypatch):
    import lever.classic.voter as voter

    net = barabasi_albert(20_000, 3, np.random.default_rng(2))  # above PARALLEL_MIN
    runs = under_every_layout(monkeypatch, voter,
                              lambda: Voter(net, rho=0.5, rng=7, record=False).run(3).opinion)  # fmt: skip
    assert all(np.array_equal(runs[0], r) for r in runs[1:])
