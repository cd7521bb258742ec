"""Naming game: seeding, committed agents, bookkeeping, small cases, mean-field rates."""

from __future__ import annotations

import numpy as np
import pytest

from lever.classic.naming_game import AB, A, B, NamingGame, mean_field_rhs
from lever.classic.network import barabasi_albert


def test_same_seed_same_bits():
    a = NamingGame(network=400, committed=0.1, rng=11).run(30)
    b = NamingGame(network=400, committed=0.1, rng=11).run(30)
    assert np.array_equal(a.words, b.words) and np.array_equal(a.series, b.series)


def test_initial_state_and_counts_match_words():
    m = NamingGame(network=1000, committed=0.08, rng=1)
    assert m.is_committed.sum() == 80
    assert np.all(m.words[m.is_committed] == A) and np.all(m.words[~m.is_committed] == B)
    m.run(25)
    counts = np.bincount(m.words, minlength=3)
    assert np.array_equal(counts, m.series[-1]) and counts.sum() == 1000
    assert set(np.unique(m.words)) <= {A, B, AB}


def test_committed_never_change():
    m = NamingGame(network=300, committed=0.05, rng=3)
    m.run(200)
    assert np.all(m.words[m.is_committed] == A)


def test_no_committed_means_all_b_is_already_consensus():
    m = NamingGame(network=100, committed=0.0, rng=0)
    assert m.consensus and m.consensus_time == 0.0
    m.run(10)
    assert np.all(m.words == B)


def test_two_agents_one_committed():
    # The uncommitted agent holds B. Whoever speaks first, the B agent ends up with {A, B}
    # (it hears A) or the committed one ignores B; from {A, B} the next game that uses A
    # collapses it to A. So it must reach all-A, and never holds anything but B, AB, A.
    m = NamingGame(network=2, committed=0.5, rng=5)
    assert m.run_until_consensus(1000)
    assert np.all(m.words == A)


def test_all_committed_is_consensus():
    assert NamingGame(network=10, committed=1.0, rng=0).consensus


def test_runs_on_a_network():
    net = barabasi_albert(500, 3, np.random.default_rng(1))
    m = NamingGame(network=net, committed=0.2, rng=2)
    assert m.run_until_consensus(5000)


def test_mean_field_fixed_points():
    p = 0.05
    # All uncommitted on A is a fixed point; all on B is not (the committed keep converting).
    assert np.allclose(mean_field_rhs(0, np.array([1 - p, 0.0]), p), 0.0)
    assert mean_field_rhs(0, np.array([0.0, 1 - p]), p)[1] < 0


def test_bad_share():
    with pytest.raises(ValueError):
        NamingGame(network=10, committed=-0.1)
