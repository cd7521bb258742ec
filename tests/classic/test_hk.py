"""Hegselmann–Krause: small exact steps, order, exact finite-time fixed points."""

from __future__ import annotations

import numpy as np
import pytest

from lever.classic.hk import HegselmannKrause, hk_step
from lever.classic.network import complete, from_edges


def test_two_agents_within_reach_jump_to_their_mean():
    m = HegselmannKrause(network=2, epsilon=0.2, initial=np.array([0.0, 0.1]))
    assert m.run_until_converged(10)
    assert m.opinion.tolist() == [0.05, 0.05]
    assert m.converged_time == 1.0


def test_three_agents_one_step():
    x = np.array([0.0, 0.15, 0.3])
    new, moved = hk_step(x, 0.2, complete(3))
    # 0 hears {0, 0.15}; 0.15 hears all; 0.3 hears {0.15, 0.3}.
    assert new == pytest.approx([0.075, 0.15, 0.225])
    assert moved == pytest.approx(0.075)


def test_matches_the_materialized_complete_graph():
    # The distinct-values shortcut must agree with plain per-agent averaging.
    n = 200
    x = np.random.default_rng(1).random(n)
    u, v = np.triu_indices(n, 1)
    explicit = from_edges(n, np.column_stack((u, v)))
    a, _ = hk_step(x, 0.1, complete(n))
    b, _ = hk_step(x, 0.1, explicit)
    assert np.allclose(a, b, atol=1e-14)


def test_order_is_preserved_and_range_kept():
    m = HegselmannKrause(network=500, epsilon=0.1, rng=2)
    order = np.argsort(m.opinion, kind="stable")
    m.run(3)
    assert np.all(np.diff(m.opinion[order]) >= -1e-15)  # order holds up to rounding
    assert 0 <= m.opinion.min() and m.opinion.max() <= 1


def test_exact_fixed_point_and_separated_clusters():
    m = HegselmannKrause(network=1000, epsilon=0.12, rng=3, record=False)
    assert m.run_until_converged(1000)
    values = np.unique(m.opinion)
    assert np.array_equal(hk_step(m.opinion, 0.12, complete(1000))[0], m.opinion)
    assert np.all(np.diff(values) > 0.12)


def test_seeded_and_recorded():
    a = HegselmannKrause(network=100, epsilon=0.3, rng=5).run(4)
    b = HegselmannKrause(network=100, epsilon=0.3, rng=5).run(4)
    assert np.array_equal(a.series, b.series) and a.series.shape == (5, 100)


def test_network_version_with_tolerance():
    net = from_edges(3, np.array([[0, 1], [1, 2]]))
    m = HegselmannKrause(network=net, epsilon=1.0, initial=[0.0, 0.5, 1.0], tol=1e-12)
    assert m.run_until_converged(10_000)
    assert m.opinion == pytest.approx([0.5] * 3, abs=1e-10)


def test_bad_epsilon():
    with pytest.raises(ValueError):
        HegselmannKrause(network=10, epsilon=1.5)
