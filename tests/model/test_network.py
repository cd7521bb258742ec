"""The static social layer: CSR from edges, workplaces, edge lists and NetworkX graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from lever.model.network import NetworkError, from_edges, from_networkx, read_edge_list, workplace_network


def neighbours(net, i: int) -> list[int]:
    return sorted(net.indices[net.indptr[i] : net.indptr[i + 1]].tolist())


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


# --- a network of your own, checked: one clear line per mistake ---------------------------------


@pytest.mark.parametrize(("graph", "needle"), [
    (nx.path_graph(3), "the graph has 3 nodes but the field has 5 agents"),
    (nx.path_graph(9), "the graph has 9 nodes but the field has 5 agents"),
    (nx.Graph(), "the graph is empty; it needs one node per agent (5)"),
])  # fmt: skip
def test_a_graph_not_covering_the_field_is_refused_in_one_line(graph, needle):
    with pytest.raises(NetworkError) as err:
        from_networkx(graph, 5)
    assert str(err.value) == needle + ("" if "empty" in needle else ": it needs one node per agent")
    assert "\n" not in str(err.value)


def test_string_labels_stand_for_agents_in_node_order():
    g = nx.Graph([("ann", "bob"), ("bob", "cy"), ("cy", "dee")])
    g.add_node("eve")
    net = from_networkx(g, 5)  # ann 0, bob 1, cy 2, dee 3, eve 4: the order they were added
    assert [neighbours(net, i) for i in range(5)] == [[1], [0, 2], [1, 3], [2], []]
    chosen = from_networkx(g, 5, mapping={"eve": 0, "ann": 1, "bob": 2, "cy": 3, "dee": 4})
    assert [neighbours(chosen, i) for i in range(5)] == [[], [2], [1, 3], [2, 4], [3]]
    with pytest.raises(NetworkError, match="mapping: node 'eve' has no agent id"):
        from_networkx(g, 5, mapping={"ann": 0, "bob": 1, "cy": 2, "dee": 3})
    with pytest.raises(NetworkError, match=r"mapping: agent ids must be 0\.\.4, each used once"):
        from_networkx(g, 5, mapping={"ann": 0, "bob": 0, "cy": 2, "dee": 3, "eve": 4})


def test_an_edge_list_must_name_every_agent(tmp_path):
    path = tmp_path / "edges.txt"
    path.write_text("0 1\n1 2\n")
    with pytest.raises(NetworkError, match="names 3 of the field's 5 agents \\(first missing: 3\\)"):
        read_edge_list(path, 5)
    path.write_text("# nothing\n")
    with pytest.raises(NetworkError, match="the edge list is empty"):
        read_edge_list(path, 5)


def test_agent_ids_are_blocks_in_the_scenario_order(tiny):
    from lever.model.network import agent_ids

    ids = agent_ids(tiny)
    assert list(ids) == [*tiny.org_keys, "none"]
    assert ids["big"].start == 0 and ids["none"].stop == sum(len(r) for r in ids.values())
    assert all(a.stop == b.start for a, b in zip(list(ids.values()), list(ids.values())[1:], strict=False))


def test_simulate_refuses_a_graph_of_the_wrong_size_and_takes_named_nodes(tiny):
    from lever.model.build import agent_counts
    from lever.sim.engine import simulate

    n = int(agent_counts(tiny).sum())
    with pytest.raises(NetworkError, match=f"the graph has 10 nodes but the field has {n:,} agents"):
        simulate(tiny, "outside", seed=0, steps=1, network=nx.path_graph(10))
    numbered = nx.cycle_graph(n)
    named = nx.relabel_nodes(numbered, {i: f"person-{i}" for i in range(n)})
    a = simulate(tiny, "outside", seed=0, steps=2, network=numbered).series
    b = simulate(tiny, "outside", seed=0, steps=2, network=named).series
    assert a.equals(b)


def test_cli_edge_list_for_another_field_is_one_line(tiny, tmp_path):
    from typer.testing import CliRunner

    from lever.cli.main import app
    from lever.model.loading import to_toml, with_values

    (tmp_path / "edges.txt").write_text("0 1\n1 2\n")
    path = tmp_path / "net.toml"
    path.write_text(to_toml(with_values(tiny, {"network.edges": "edges.txt"})))
    result = CliRunner().invoke(app, ["run", str(path), "--steps", "1", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "names 3 of the field's" in lines[0]
