"""The static social layer: woven from workplaces, or brought by the user.

Branch ties are not stored here: they follow membership and are rebuilt each step by
:func:`lever.kernels.social.regroup_branches`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

import numba as nb
import numpy as np

from lever.model.state import MAX_TIES, Network

if TYPE_CHECKING:
    import networkx as nx

    from lever.model.scenario import Scenario


class NetworkError(ValueError):
    """A user-supplied network does not fit the population."""


def from_edges(src: np.ndarray, dst: np.ndarray, n: int) -> Network:
    """Symmetric CSR network on ``n`` nodes from edge endpoints; drops self-loops and repeats.

    Neighbours are sorted within each row. Built by a compiled counting sort, so it needs
    about the memory of the result plus the edges given (it scales to 10^8 nodes).
    """
    src = np.asarray(src)
    dst = np.asarray(dst)
    if src.size and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n):
        raise NetworkError(f"node ids must lie in 0..{n - 1} (the population has {n} agents)")
    src = src.astype(np.int64, copy=False)
    dst = dst.astype(np.int64, copy=False)
    indptr = np.zeros(n + 1, np.int64)
    _count(indptr, src, dst, 0)
    indices = _alloc(indptr)
    _fill(indptr, indices, src, dst, 0)
    return _finish(indptr, indices)


def checked_network(net: Network, n: int) -> Network:
    """``net`` if it is what the engine reads: a CSR network on ``n`` nodes, symmetric, each row
    sorted, with no repeats or self-loops, and no node over ``MAX_TIES`` ties (what
    :func:`from_edges` builds); otherwise a :class:`NetworkError` saying so. A network built
    again from its own edges must come out the same."""
    indptr, indices = np.asarray(net.indptr), np.asarray(net.indices)
    if indptr.ndim != 1 or indptr.shape[0] != n + 1 or indptr[0] != 0 or indptr[-1] != indices.shape[0]:
        raise NetworkError(f"the network's indptr must hold {n + 1} offsets from 0 to its {indices.shape[0]} ties")
    if np.any(np.diff(indptr) < 0):
        raise NetworkError("the network's indptr must not decrease")
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    again = from_edges(rows, indices, n)
    if not (np.array_equal(again.indptr, indptr) and np.array_equal(again.indices, indices)):
        raise NetworkError("the network must be symmetric, its rows sorted, with no repeated tie or self-loop "
                           "(lever.model.network.from_edges builds one from edge endpoints)")  # fmt: skip
    return again


def _alloc(indptr: np.ndarray) -> np.ndarray:
    np.cumsum(indptr, out=indptr)
    return np.empty(int(indptr[-1]), np.int32)


def _finish(indptr: np.ndarray, indices: np.ndarray) -> Network:
    _shift(indptr)
    used = _sort_unique_rows(indptr, indices)
    if used < indices.size:
        indices = indices[:used].copy()
    most = int(np.diff(indptr).max()) if indptr.size > 1 else 0
    if most > MAX_TIES:
        raise NetworkError(f"a node has {most:,} ties; at most {MAX_TIES:,} are supported")
    return Network(indptr, indices)


@nb.njit(cache=True)
def _count(indptr: np.ndarray, src: np.ndarray, dst: np.ndarray, per: int) -> None:  # pragma: no cover - compiled
    """Add each non-loop edge's two ends to ``indptr[node + 1]``; with ``per > 0`` the source of
    edge ``e`` is ``e // per`` and ``src`` is unused."""
    for e in range(dst.shape[0]):
        s = e // per if per > 0 else src[e]
        d = dst[e]
        if s != d:
            indptr[s + 1] += 1
            indptr[d + 1] += 1


@nb.njit(cache=True)
def _fill(
    indptr: np.ndarray, indices: np.ndarray, src: np.ndarray, dst: np.ndarray, per: int
) -> None:  # pragma: no cover - compiled
    """Write both ends using ``indptr[node]`` as the row's insertion point (advanced as it goes;
    :func:`_shift` puts the offsets back)."""
    for e in range(dst.shape[0]):
        s = e // per if per > 0 else src[e]
        d = dst[e]
        if s != d:
            indices[indptr[s]] = d
            indptr[s] += 1
            indices[indptr[d]] = s
            indptr[d] += 1


@nb.njit(cache=True)
def _shift(indptr: np.ndarray) -> None:  # pragma: no cover - compiled
    for i in range(indptr.shape[0] - 1, 0, -1):
        indptr[i] = indptr[i - 1]
    indptr[0] = 0


@nb.njit(cache=True)
def _sort_unique_rows(indptr: np.ndarray, indices: np.ndarray) -> int:  # pragma: no cover - compiled
    """Sort each row, drop repeats and compact the rows in place; returns the entries kept."""
    n = indptr.shape[0] - 1
    w = 0
    lo = indptr[0]
    for i in range(n):
        hi = indptr[i + 1]
        if hi - lo > 32:
            indices[lo:hi].sort()
        else:  # insertion sort: rows are short
            for a in range(lo + 1, hi):
                v = indices[a]
                b = a - 1
                while b >= lo and indices[b] > v:
                    indices[b + 1] = indices[b]
                    b -= 1
                indices[b + 1] = v
        indptr[i] = w
        for a in range(lo, hi):
            if a == lo or indices[a] != indices[a - 1]:
                indices[w] = indices[a]
                w += 1
        lo = hi
    indptr[n] = w
    return w


def workplace_network(
    n: int, workplace_size: int, workplace_ties: int, random_ties: int, rng: np.random.Generator
) -> Network:
    """Each agent works in one of ``n // workplace_size`` random workplaces, ties to
    ``workplace_ties`` random colleagues and ``random_ties`` random others (then symmetrized).

    The draws are made in chunks of agents (the same numbers as one big draw), so the edges
    never exist as 64-bit pairs: at 10^8 agents the build needs little beyond the result.
    """
    if n < 2:
        return from_edges(np.empty(0), np.empty(0), n)
    n_wp = max(1, n // workplace_size)
    wp = rng.integers(0, n_wp, n)
    order = np.argsort(wp, kind="stable").astype(np.int32)
    counts = np.bincount(wp, minlength=n_wp)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    dst_w = np.empty(n * workplace_ties, np.int32)
    chunk = max(1, _CHUNK // max(workplace_ties, 1))
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        own = np.repeat(wp[lo:hi], workplace_ties)
        u = rng.random(own.size)
        dst_w[lo * workplace_ties : hi * workplace_ties] = order[start[own] + (u * counts[own]).astype(np.int64)]
    del wp, order, counts, start
    dst_r = np.empty(n * random_ties, np.int32)
    step = _CHUNK
    for lo in range(0, dst_r.size, step):
        hi = min(dst_r.size, lo + step)
        dst_r[lo:hi] = rng.integers(0, n, hi - lo)
    empty = np.empty(0, np.int64)
    indptr = np.zeros(n + 1, np.int64)
    _count(indptr, empty, dst_w, workplace_ties)
    _count(indptr, empty, dst_r, random_ties)
    indices = _alloc(indptr)
    _fill(indptr, indices, empty, dst_w, workplace_ties)
    _fill(indptr, indices, empty, dst_r, random_ties)
    del dst_w, dst_r
    return _finish(indptr, indices)


#: agents' draws made at once when weaving a workplace network
_CHUNK = 1 << 22


def _regular_text(path: Path) -> str:
    """A regular file's text; a pipe, device or folder is refused (reading one could block forever)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise OSError(f"not a regular file ({stat.filemode(os.fstat(fh.fileno()).st_mode)[0]!r})")
        return fh.read().decode()


def read_edge_list(path: str | Path, n: int) -> Network:
    """An edge list file (two integer columns, whitespace or comma separated, ``#`` comments)
    whose ids are agents ``0..n-1`` (numbered as :func:`agent_ids` says); every agent must
    appear in some edge, so a file written for another field is caught."""
    try:
        text = _regular_text(Path(path)).replace(",", " ")
    except (OSError, UnicodeDecodeError) as err:
        raise NetworkError(f"{path}: cannot read the edge list: {err}") from None
    rows = [line.split()[:2] for line in text.splitlines() if line.strip() and not line.startswith("#")]
    try:
        edges = np.array(rows, dtype=np.int64).reshape(-1, 2)
    except ValueError:
        raise NetworkError(f"{path}: each line must hold two integer node ids") from None
    if edges.size == 0:
        raise NetworkError(f"{path}: the edge list is empty; the field has {n:,} agents")
    if edges.min() < 0 or edges.max() >= n:
        raise NetworkError(f"{path}: node ids must lie in 0..{n - 1} (the field has {n:,} agents); "
                           f"the file's run from {edges.min()} to {edges.max()}")  # fmt: skip
    named = np.zeros(n, bool)
    named[edges.ravel()] = True
    if not named.all():
        first = int(np.argmin(named))
        raise NetworkError(f"{path}: names {int(named.sum()):,} of the field's {n:,} agents (first missing: "
                           f"{first}); every agent 0..{n - 1} must appear in an edge")  # fmt: skip
    return from_edges(edges[:, 0], edges[:, 1], n)


def from_networkx(graph: nx.Graph, n: int, mapping: dict | None = None) -> Network:
    """A NetworkX graph with one node per agent.

    Nodes that are exactly the integers ``0..n-1`` are agent ids. Nodes of any other hashable
    kind (names, tuples, integers from 1) stand for agents in the graph's node order
    (``list(graph.nodes)``: the order they were added): the first node is agent 0. Pass
    ``mapping`` (node -> agent id) to choose instead. Agents are numbered organization by
    organization in the scenario's order, the unorganized last (:func:`agent_ids`). A graph
    with more or fewer nodes than the field has agents is refused in one line.
    """
    nodes = list(graph.nodes)
    if not nodes:
        raise NetworkError(f"the graph is empty; it needs one node per agent ({n:,})")
    if len(nodes) != n:
        raise NetworkError(f"the graph has {len(nodes):,} nodes but the field has {n:,} agents: "
                           "it needs one node per agent")  # fmt: skip
    if mapping is None:
        if all(type(v) is int for v in nodes) and min(nodes) == 0 and max(nodes) == n - 1:
            mapping = {v: v for v in nodes}
        else:
            mapping = {v: i for i, v in enumerate(nodes)}
    missing = [v for v in nodes if v not in mapping]
    if missing:
        raise NetworkError(f"mapping: node {missing[0]!r} has no agent id ({len(missing):,} nodes lack one)")
    ids = np.array([mapping[v] for v in nodes], dtype=np.int64)
    if ids.min() < 0 or ids.max() >= n or np.unique(ids).size != n:
        raise NetworkError(f"mapping: agent ids must be 0..{n - 1}, each used once")
    edges = np.array([(mapping[a], mapping[b]) for a, b in graph.edges()], dtype=np.int64).reshape(-1, 2)
    return from_edges(edges[:, 0], edges[:, 1], n)


def agent_ids(scenario: Scenario) -> dict[str, range]:
    """Which agent ids each population holds: organizations in the scenario's order, then the
    unorganized (key ``none``), each a contiguous block, as the engine builds them."""
    from lever.model.build import agent_counts
    from lever.model.scenario import NONE

    counts = agent_counts(scenario)
    starts = np.concatenate([[0], np.cumsum(counts)])
    keys = [*scenario.org_keys, NONE]
    return {k: range(int(starts[i]), int(starts[i + 1])) for i, k in enumerate(keys)}
