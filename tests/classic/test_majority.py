"""Majority rule: seeding, group sampling, small exact cases, the exit-probability formula."""

from __future__ import annotations

import numba as nb
import numpy as np
import pytest

from lever.classic.majority import MajorityRule, _group, exit_probability
from lever.classic.network import complete, from_edges


@nb.njit(cache=True)
def _groups(n, is_complete, indptr, indices, rng, k):
    out = np.empty((k, 3), dtype=np.int64)
    for a in range(k):
        out[a, 0], out[a, 1], out[a, 2] = _group(n, is_complete, indptr, indices, rng)
    return out


def test_complete_groups_are_distinct_and_uniform():
    net = complete(6)
    g = _groups(6, True, net.indptr, net.indices, np.random.default_rng(1), 60_000)
    assert np.all((g[:, 0] != g[:, 1]) & (g[:, 0] != g[:, 2]) & (g[:, 1] != g[:, 2]))
    counts = np.bincount(g.ravel(), minlength=6)  # each node in 1/2 of groups: 30_000
    assert np.all(np.abs(counts - 30_000) < 5 * np.sqrt(60_000 * 0.25))


def test_network_groups_are_a_node_and_two_neighbors():
    net = from_edges(5, np.array([[0, 1], [0, 2], [0, 3], [3, 4]]))
    g = _groups(5, False, net.indptr, net.indices, np.random.default_rng(2), 2000)
    live = g[g[:, 0] >= 0]
    for i, j, k in live:
        nbrs = set(net.indices[net.indptr[i] : net.indptr[i + 1]].tolist())
        assert j != k and {j, k} <= nbrs
    assert set(live[:, 0].tolist()) == {0, 3}  # only nodes with two or more neighbors


def test_seeded_and_conserving():
    a = MajorityRule(network=500, rho=0.45, rng=9).run(3)
    b = MajorityRule(network=500, rho=0.45, rng=9).run(3)
    assert np.array_equal(a.opinion, b.opinion)
    assert a.series[-1] == a.opinion.sum()


def test_three_agents_agree_after_one_update():
    m = MajorityRule(network=3, rho=1 / 3, rng=0)
    m.run_until_consensus(10)
    assert m.consensus_time == pytest.approx(1 / 3) and m.plus_share == 0.0


def test_exit_probability_formula():
    n = 50
    e = exit_probability(n, np.arange(n + 1))
    assert e[1] == 0.0 and e[n - 1] == 1.0  # a lone agent can never win a group
    assert e[n // 2] == pytest.approx(0.5)
    assert np.allclose(e + e[::-1], 1.0)  # + / - symmetry
    assert np.all(np.diff(e) >= 0)


def test_too_small():
    with pytest.raises(ValueError):
        MajorityRule(network=2)
