"""Pairs drawn ahead: the right pairs, uniformly, however the draws are shared out."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from splitmix import reference_pair

from lever.classic.network import complete, erdos_renyi, from_edges
from lever.classic.pairs import draw_block, draw_pairs, one_draw_enough, share_start
from lever.kernels.draw import fresh_key


@pytest.mark.parametrize("threads", [2, 3, 8])
@pytest.mark.parametrize("cost", [0.0, 0.6, 5.0])
@pytest.mark.parametrize("m", [0, 1, 7, 8192])
def test_shares_cover_the_block_once_in_order(threads, cost, m):
    starts = [share_start(w, threads, m, cost) for w in range(threads + 1)]
    assert starts[0] == 0 and starts[-1] == m
    assert all(a <= b for a, b in zip(starts, starts[1:]))
    if cost > 0 and m >= 8:  # the worker that also updates draws less than the others
        assert starts[1] - starts[0] < starts[2] - starts[1]


@pytest.mark.parametrize("split", [True, False])
@pytest.mark.parametrize("net", [erdos_renyi(300, 4, np.random.default_rng(0)), complete(40),
                                 from_edges(50, np.array([[0, 1], [2, 3]]))], ids=["er", "complete", "isolated"])  # fmt: skip
def test_the_pairs_are_the_reference_pairs(net, split):
    key = fresh_key(np.random.default_rng(1))
    pi, pj = np.full(600, -9, net.indices.dtype), np.full(600, -9, net.indices.dtype)
    draw_block(pi, pj, 1000, 600, 3, net.n, net.is_complete, net.indptr, net.indices, split, key)
    want = [reference_pair(net, split and not net.is_complete, key, 1000 + b) for b in range(600)]
    assert list(zip(pi.tolist(), pj.tolist())) == want


def test_every_node_and_neighbour_is_equally_likely():
    # a star with leaves 1..4 and a path 5-6-7: each (node, neighbour) has chance 1/(n deg)
    net = from_edges(8, np.array([[0, 1], [0, 2], [0, 3], [0, 4], [5, 6], [6, 7]]))
    key = fresh_key(np.random.default_rng(2))
    k = 200_000
    pi, pj = np.empty(k, np.int32), np.empty(k, np.int32)
    draw_pairs(pi, pj, 0, 0, k, net.n, False, net.indptr, net.indices, True, key)
    deg = np.diff(net.indptr)
    src = np.repeat(np.arange(net.n), deg)
    expected = k / (net.n * deg[src])
    counts = np.array([np.sum((pi == a) & (pj == b)) for a, b in zip(src, net.indices)])
    assert counts.sum() == k
    assert stats.chisquare(counts, expected).pvalue > 1e-3


def test_one_draw_is_enough_only_where_its_leftover_is_fine():
    assert one_draw_enough(erdos_renyi(1000, 6, np.random.default_rng(0)))
    assert not one_draw_enough(complete(10))
    star = from_edges(70_000, np.column_stack((np.zeros(69_999, int), np.arange(1, 70_000))))
    assert not one_draw_enough(star)  # 70,000 nodes x degree 69,999 > 2**32
