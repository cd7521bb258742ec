"""The static social layer: woven from workplaces, or brought by the user.

Branch ties are not stored here: they follow membership and are rebuilt each step by
:func:`lever.kernels.social.regroup_branches`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from lever.state import Network

if TYPE_CHECKING:
    import networkx as nx


class NetworkError(ValueError):
    """A user-supplied network does not fit the population."""


def from_edges(src: np.ndarray, dst: np.ndarray, n: int) -> Network:
    """Symmetric CSR network on ``n`` nodes from edge endpoints; drops self-loops and repeats."""
    src = np.asarray(src, np.int64)
    dst = np.asarray(dst, np.int64)
    if src.size and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n):
        raise NetworkError(f"node ids must lie in 0..{n - 1} (the population has {n} agents)")
    keep = src != dst
    src, dst = src[keep], dst[keep]
    rows = np.concatenate([src, dst])
    cols = np.concatenate([dst, src])
    m = sp.csr_matrix((np.ones(rows.size, np.int8), (rows, cols)), shape=(n, n))
    m.sum_duplicates()
    return Network(m.indptr.astype(np.int64), m.indices.astype(np.int32))


def workplace_network(
    n: int, workplace_size: int, workplace_ties: int, random_ties: int, rng: np.random.Generator
) -> Network:
    """Each agent works in one of ``n // workplace_size`` random workplaces, ties to
    ``workplace_ties`` random colleagues and ``random_ties`` random others (then symmetrized)."""
    if n < 2:
        return from_edges(np.empty(0), np.empty(0), n)
    n_wp = max(1, n // workplace_size)
    wp = rng.integers(0, n_wp, n)
    order = np.argsort(wp, kind="stable")
    counts = np.bincount(wp, minlength=n_wp)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    src_w = np.repeat(np.arange(n), workplace_ties)
    own = wp[src_w]
    dst_w = order[start[own] + (rng.random(src_w.size) * counts[own]).astype(np.int64)]
    src_r = np.repeat(np.arange(n), random_ties)
    dst_r = rng.integers(0, n, src_r.size)
    return from_edges(np.concatenate([src_w, src_r]), np.concatenate([dst_w, dst_r]), n)


def read_edge_list(path: str | Path, n: int) -> Network:
    """An edge list file (two integer columns, whitespace or comma separated, ``#`` comments)."""
    try:
        text = Path(path).read_text().replace(",", " ")
    except (OSError, UnicodeDecodeError) as err:
        raise NetworkError(f"{path}: cannot read the edge list: {err}") from None
    rows = [line.split()[:2] for line in text.splitlines() if line.strip() and not line.startswith("#")]
    try:
        edges = np.array(rows, dtype=np.int64).reshape(-1, 2)
    except ValueError as err:
        raise NetworkError(f"{path}: each line must hold two integer node ids") from err
    return from_edges(edges[:, 0], edges[:, 1], n)


def from_networkx(graph: nx.Graph, n: int) -> Network:
    """A NetworkX graph whose nodes are the integers ``0..n-1`` (agent ids)."""
    if graph.number_of_nodes() and (min(graph.nodes) < 0 or max(graph.nodes) >= n):
        raise NetworkError(f"graph nodes must be the integers 0..{n - 1}")
    edges = np.array(list(graph.edges()), dtype=np.int64).reshape(-1, 2)
    return from_edges(edges[:, 0], edges[:, 1], n)
