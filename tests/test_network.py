"""The static social layer: CSR from edges, workplaces, edge lists and NetworkX graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from lever.network import NetworkError, from_edges, from_networkx, read_edge_list, workplace_network


def neighbours(net, i: int) -> list[int]:
    return sorted(net.indices[net.indptr[i]:net.indptr[i + 1]].tolist())


def edge_set(net) -> set[tuple[int, int]]:
    n = net.indptr.size - 1
    return {(i, j) for i in range(n) for j in neighbours(net, i)}


def test_from_edges_is_symmetric_without_self_loops_or_repeats():
    net = from_edges(np.array([0, 1, 2, 2, 3, 1]), np.array([1, 0, 2, 3, 2, 3]), 5)
    assert net.indptr.dtype == np.int64 and net.indices.dtype == np.int32
    assert [neighbours(net, i) for i in range(5)] == [[1], [0, 3], [3], [1, 2], []]


def test_from_edges_empty_and_out_of_range():
    net = from_edges(np.empty(0), np.empty(0), 3)
    assert net.indptr.tolist() == [0, 0, 0, 0] and net.indices.size == 0
    with pytest.raises(NetworkError, match=r"0\.\.2"):
        from_edges(np.array([0]), np.array([3]), 3)
    with pytest.raises(NetworkError):
        from_edges(np.array([-1]), np.array([0]), 3)


def test_workplace_network_is_symmetric_reproducible_and_sparse():
    net = workplace_network(400, 10, 4, 1, np.random.default_rng(0))
    assert net.indptr.size == 401
    edges = edge_set(net)
    assert all((j, i) in edges for i, j in edges)
    assert all(i != j for i, j in edges)
    degree = np.diff(net.indptr)
    assert degree.sum() <= 2 * 400 * 5 and degree.mean() > 5  # at most 5 drawn per agent, each twice
    again = workplace_network(400, 10, 4, 1, np.random.default_rng(0))
    assert np.array_equal(net.indptr, again.indptr) and np.array_equal(net.indices, again.indices)


def test_workplace_ties_stay_inside_a_workplace_when_no_random_ties():
    net = workplace_network(200, 200, 3, 0, np.random.default_rng(1))  # one workplace
    assert np.diff(net.indptr).max() > 0
    net = workplace_network(1, 10, 3, 2, np.random.default_rng(1))
    assert net.indptr.tolist() == [0, 0]


def test_read_edge_list(tmp_path):
    path = tmp_path / "edges.txt"
    path.write_text("# a comment\n0 1\n1,2\n\n2 3 extra\n")
    net = read_edge_list(path, 4)
    assert edge_set(net) == {(0, 1), (1, 0), (1, 2), (2, 1), (2, 3), (3, 2)}
    path.write_text("0 1\n1 x\n")
    with pytest.raises(NetworkError, match="two integer node ids"):
        read_edge_list(path, 4)
    path.write_text("0 9\n")
    with pytest.raises(NetworkError):
        read_edge_list(path, 4)


def test_from_networkx():
    g = nx.path_graph(4)
    g.add_node(4)
    net = from_networkx(g, 5)
    assert [neighbours(net, i) for i in range(5)] == [[1], [0, 2], [1, 3], [2], []]
    with pytest.raises(NetworkError):
        from_networkx(nx.path_graph(6), 5)


def test_from_edges_matches_a_sparse_matrix_build():
    import scipy.sparse as sp

    rng = np.random.default_rng(5)
    n = 300
    src, dst = rng.integers(0, n, 5000), rng.integers(0, n, 5000)
    net = from_edges(src, dst, n)
    keep = src != dst
    m = sp.csr_matrix(
        (np.ones(2 * keep.sum()), (np.r_[src[keep], dst[keep]], np.r_[dst[keep], src[keep]])), shape=(n, n)
    )
    m.sum_duplicates()
    assert np.array_equal(net.indptr, m.indptr) and np.array_equal(net.indices, m.indices)
    hub = from_edges(np.zeros(100, np.int64), np.arange(100), 100)  # a row long enough to sort
    assert neighbours(hub, 0) == list(range(1, 100)) and hub.indices[:99].tolist() == list(range(1, 100))
