"""Networks: builders, generators, file reading and the compiled neighbor sampler."""

from __future__ import annotations

import networkx as nx
import numba as nb
import numpy as np
import pytest

from lever.classic.network import (
    NetworkSpecError,
    barabasi_albert,
    complete,
    erdos_renyi,
    from_csr,
    from_edge_list,
    from_edges,
    from_networkx,
    make_network,
    random_neighbor,
)


def _is_simple_symmetric(net) -> bool:
    e = net.edges()
    both = {(int(u), int(v)) for u, v in e}
    src = np.repeat(np.arange(net.n), net.degrees)
    directed = set(zip(src.tolist(), net.indices.tolist(), strict=True))
    no_loops = all(u != v for u, v in directed)
    symmetric = all((v, u) in directed for u, v in directed)
    return no_loops and symmetric and len(directed) == 2 * len(both) == net.indices.size


def test_complete_graph_keeps_no_edges():
    net = complete(10**7)
    assert net.is_complete and net.indices.size == 0
    assert net.n_edges == 10**7 * (10**7 - 1) // 2


def test_from_edges_drops_loops_duplicates_and_direction():
    net = from_edges(4, np.array([[0, 1], [1, 0], [2, 2], [1, 2], [0, 1]]))
    assert net.n_edges == 2
    assert net.degrees.tolist() == [1, 2, 1, 0]
    assert _is_simple_symmetric(net)


def test_from_csr_symmetrizes():
    # A directed CSR with only 0->1 and 1->2 becomes the undirected path 0-1-2.
    net = from_csr(np.array([0, 1, 2, 2]), np.array([1, 2]))
    assert net.degrees.tolist() == [1, 2, 1]


def test_from_csr_rejects_inconsistent_arrays():
    with pytest.raises(NetworkSpecError):
        from_csr(np.array([0, 3]), np.array([1]))


def test_edge_list_file_whitespace_comma_comments_and_relabel(tmp_path):
    f = tmp_path / "g.txt"
    f.write_text("# a comment\n10 20\n20,30\n\n30\t10  # trailing\n")
    net = from_edge_list(f)
    assert net.n == 3 and net.n_edges == 3  # labels 10, 20, 30 -> 0, 1, 2


@pytest.mark.parametrize("text", ["1\n", "a b\n", ""])
def test_edge_list_file_bad_content(tmp_path, text):
    f = tmp_path / "bad.txt"
    f.write_text(text)
    with pytest.raises(NetworkSpecError):
        from_edge_list(f)


def test_make_network_errors(tmp_path):
    rng = np.random.default_rng(0)
    for spec in ["nope", "er", "er:x", "ba:0", "er:5000", str(tmp_path / "missing.txt")]:
        with pytest.raises(NetworkSpecError):
            make_network(spec, 100, rng)


def test_make_network_file_rejects_wrong_n(tmp_path):
    f = tmp_path / "g.csv"
    f.write_text("0,1\n1,2\n")
    assert make_network(str(f), None, np.random.default_rng(0)).n == 3
    with pytest.raises(NetworkSpecError):
        make_network(str(f), 10, np.random.default_rng(0))


@pytest.mark.parametrize("n", [1500, 4000])  # the per-pair and the sparse sampling paths
def test_erdos_renyi_mean_degree(n):
    net = erdos_renyi(n, 6.0, np.random.default_rng(1))
    # Edge count is Binomial(pairs, p): sd of the mean degree ~ sqrt(2 * 6 / n).
    assert abs(net.degrees.mean() - 6.0) < 5 * np.sqrt(12 / n)
    assert _is_simple_symmetric(net)


def test_barabasi_albert_structure():
    n, m = 3000, 3
    net = barabasi_albert(n, m, np.random.default_rng(2))
    assert net.n_edges == m + (n - m - 1) * m
    assert net.degrees.min() >= 1 and np.sort(net.degrees)[m + 1 :].min() >= m
    assert net.degrees.max() > 10 * m  # hubs: preferential attachment, not uniform
    assert _is_simple_symmetric(net)


def test_generators_are_seeded():
    a = barabasi_albert(500, 2, np.random.default_rng(5))
    b = barabasi_albert(500, 2, np.random.default_rng(5))
    assert np.array_equal(a.indices, b.indices)
    c = erdos_renyi(5000, 4, np.random.default_rng(5))
    d = erdos_renyi(5000, 4, np.random.default_rng(5))
    assert np.array_equal(c.indices, d.indices)


def test_from_networkx_matches_edges():
    g = nx.karate_club_graph()
    net = from_networkx(g)
    assert net.n == 34 and net.n_edges == g.number_of_edges()


@nb.njit(cache=True)
def _draw(i, n, is_complete, indptr, indices, rng, k):
    out = np.empty(k, dtype=np.int64)
    for a in range(k):
        out[a] = random_neighbor(i, n, is_complete, indptr, indices, rng)
    return out


def test_random_neighbor_complete_is_uniform_over_others():
    net = complete(5)
    draws = _draw(2, 5, True, net.indptr, net.indices, np.random.default_rng(3), 40_000)
    counts = np.bincount(draws, minlength=5)
    assert counts[2] == 0
    # Each of 4 others: mean 10_000, sd ~ 87.
    assert np.all(np.abs(counts[[0, 1, 3, 4]] - 10_000) < 5 * 87)


def test_random_neighbor_network_and_isolated():
    net = from_edges(4, np.array([[0, 1], [0, 2]]))
    got = set(_draw(0, 4, False, net.indptr, net.indices, np.random.default_rng(4), 200))
    assert got == {1, 2}
    assert _draw(3, 4, False, net.indptr, net.indices, np.random.default_rng(4), 3).tolist() == [
        -1,
        -1,
        -1,
    ]
