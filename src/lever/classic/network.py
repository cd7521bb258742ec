"""Interaction networks for the classic models: the complete graph, CSR arrays and generators.

Every model talks to its network through :class:`Network` and the compiled helpers
:func:`random_neighbor` / :func:`degree`. The complete graph is never materialized: a
neighbor is a uniform random *other* node, so it costs nothing at any ``n``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numba as nb
import numpy as np

__all__ = [
    "Network",
    "NetworkSpecError",
    "barabasi_albert",
    "complete",
    "degree",
    "erdos_renyi",
    "from_csr",
    "from_edge_list",
    "from_edges",
    "from_networkx",
    "make_network",
    "random_neighbor",
    "uniform_index",
]

# Below this many node pairs the ER generator flips one coin per pair (exact and simple);
# above it, it draws the edge count and then that many distinct random pairs.
_DENSE_PAIRS = 4_000_000


class NetworkSpecError(ValueError):
    """A network specification or edge-list file that cannot be used."""


@dataclass(frozen=True, eq=False)  # arrays have no single truth value to compare
class Network:
    """An undirected network on nodes ``0 .. n-1``.

    Parameters
    ----------
    n : int
        Number of nodes.
    indptr, indices : numpy.ndarray
        CSR adjacency: the neighbors of ``i`` are ``indices[indptr[i]:indptr[i+1]]``,
        each undirected edge listed from both ends, no self-loops or duplicates. Empty for
        the complete graph. Both are int32 where they fit (int64 beyond 2**31 - 1 entries):
        a random neighbour is two dependent random reads, and half the bytes keep more of
        them in cache.
    is_complete : bool
        True for the complete graph, whose edges are implicit.
    name : str
        A short label for reports, e.g. ``"complete"`` or ``"er:8"``.
    """

    n: int
    indptr: np.ndarray
    indices: np.ndarray
    is_complete: bool = False
    name: str = "network"

    @property
    def degrees(self) -> np.ndarray:
        """Degree of every node (int64)."""
        if self.is_complete:
            return np.full(self.n, self.n - 1, dtype=np.int64)
        return np.diff(self.indptr).astype(np.int64)

    @property
    def n_edges(self) -> int:
        """Number of undirected edges."""
        if self.is_complete:
            return self.n * (self.n - 1) // 2
        return int(self.indices.size // 2)

    def edges(self) -> np.ndarray:
        """Undirected edges as an ``(m, 2)`` array with ``u < v`` (not for the complete graph)."""
        if self.is_complete:
            raise ValueError("the complete graph keeps no edge list")
        src = np.repeat(np.arange(self.n, dtype=np.int64), self.degrees)
        keep = src < self.indices
        return np.column_stack((src[keep], self.indices[keep]))


def complete(n: int) -> Network:
    """The complete graph on ``n`` nodes, without materializing its edges."""
    _check_n(n, 2)
    empty = np.zeros(0, dtype=_index_dtype(n))
    return Network(n, np.zeros(n + 1, dtype=np.int32), empty, True, "complete")


def from_edges(n: int, edges: np.ndarray, name: str = "network") -> Network:
    """Build a :class:`Network` from an ``(m, 2)`` integer edge array on nodes ``0 .. n-1``.

    Self-loops and repeated edges are dropped; direction is ignored.
    """
    e = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    if e.size and (e.min() < 0 or e.max() >= n):
        raise NetworkSpecError(f"edge endpoints must lie in 0..{n - 1}")
    e = e[e[:, 0] != e[:, 1]]
    both = np.concatenate((e, e[:, ::-1]))
    # One integer key per directed edge sorts by source then target and dedupes in one pass.
    keys = np.unique(both[:, 0] * n + both[:, 1])
    src, dst = np.divmod(keys, n)
    indptr = np.zeros(n + 1, dtype=_index_dtype(keys.size))
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return Network(n, indptr, dst.astype(_index_dtype(n)), False, name)


def _index_dtype(largest: int) -> type:
    return np.int32 if largest <= np.iinfo(np.int32).max else np.int64


def from_csr(indptr: np.ndarray, indices: np.ndarray, name: str = "csr") -> Network:
    """Build a :class:`Network` from CSR arrays; the graph is symmetrized and cleaned."""
    indptr = np.asarray(indptr, dtype=np.int64)
    indices = np.asarray(indices, dtype=np.int64)
    if indptr.ndim != 1 or indptr.size < 2 or indptr[0] != 0 or np.any(np.diff(indptr) < 0):
        raise NetworkSpecError("indptr must start at 0 and never decrease")
    if indptr[-1] != indices.size:
        raise NetworkSpecError("indptr[-1] must equal len(indices)")
    n = indptr.size - 1
    src = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    return from_edges(n, np.column_stack((src, indices)), name)


def from_networkx(graph, name: str = "networkx") -> Network:
    """Build a :class:`Network` from a NetworkX graph; nodes are numbered in iteration order."""
    nodes = list(graph.nodes())
    index = {v: k for k, v in enumerate(nodes)}
    edges = np.array([(index[u], index[v]) for u, v in graph.edges()], dtype=np.int64)
    return from_edges(len(nodes), edges.reshape(-1, 2), name)


def from_edge_list(path: str | os.PathLike[str]) -> Network:
    """Read an edge-list file: two integer columns, whitespace or comma separated.

    Lines starting with ``#`` and blank lines are skipped. Node labels are renumbered
    ``0 .. n-1`` in increasing order of label, so ``n`` is the number of distinct labels.
    """
    p = Path(path)
    if not p.is_file():
        raise NetworkSpecError(f"edge-list file not found: {p}")
    rows = []
    with p.open() as fh:
        for lineno, line in enumerate(fh, 1):
            text = line.split("#", 1)[0].replace(",", " ").split()
            if not text:
                continue
            if len(text) < 2:
                raise NetworkSpecError(f"{p}:{lineno}: expected two integer columns")
            try:
                rows.append((int(text[0]), int(text[1])))
            except ValueError:
                raise NetworkSpecError(f"{p}:{lineno}: node labels must be integers") from None
    if not rows:
        raise NetworkSpecError(f"{p}: no edges found")
    labels, flat = np.unique(np.array(rows, dtype=np.int64), return_inverse=True)
    return from_edges(labels.size, flat.reshape(-1, 2), p.name)


def erdos_renyi(n: int, mean_degree: float, rng: np.random.Generator) -> Network:
    """Erdős–Rényi graph G(n, p) with ``p = mean_degree / (n - 1)``.

    Small graphs flip a coin per pair; large sparse ones draw the edge count from its
    binomial law and then that many distinct uniform pairs, which is the same distribution.
    """
    _check_n(n, 2)
    if not 0 <= mean_degree <= n - 1:
        raise NetworkSpecError(f"er mean degree must lie in [0, {n - 1}], got {mean_degree}")
    p = mean_degree / (n - 1)
    pairs = n * (n - 1) // 2
    if pairs <= _DENSE_PAIRS:
        u, v = np.triu_indices(n, k=1)
        keep = rng.random(pairs) < p
        edges = np.column_stack((u[keep], v[keep]))
    else:
        edges = _distinct_pairs(n, int(rng.binomial(pairs, p)), rng)
    return from_edges(n, edges, f"er:{mean_degree:g}")


def _distinct_pairs(n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """``m`` distinct unordered pairs of distinct nodes, uniformly at random."""
    keys = np.zeros(0, dtype=np.int64)
    while keys.size < m:
        need = m - keys.size
        a = rng.integers(0, n, size=need + need // 10 + 16)
        b = rng.integers(0, n, size=a.size)
        ok = a != b
        lo, hi = np.minimum(a[ok], b[ok]), np.maximum(a[ok], b[ok])
        # Keep first occurrences in draw order so the kept set does not favor small keys.
        merged = np.concatenate((keys, lo * n + hi))
        _, first = np.unique(merged, return_index=True)
        keys = merged[np.sort(first)][:m]
    return np.column_stack(np.divmod(keys, n))


def barabasi_albert(n: int, m: int, rng: np.random.Generator) -> Network:
    """Barabási–Albert graph: each new node links to ``m`` distinct existing nodes.

    Starts from a star on ``m + 1`` nodes (as NetworkX does); targets are drawn with
    probability proportional to degree from the list of edge endpoints.
    """
    _check_n(n, 2)
    if not 1 <= m < n:
        raise NetworkSpecError(f"ba needs 1 <= M < n, got M={m}, n={n}")
    edges = _ba_edges(n, m, rng)
    return from_edges(n, edges, f"ba:{m}")


@nb.njit(cache=True)
def _ba_edges(n, m, rng):
    n_edges = m + (n - m - 1) * m
    edges = np.empty((n_edges, 2), dtype=np.int64)
    ends = np.empty(2 * n_edges, dtype=np.int64)
    for k in range(m):  # the seed star: node m is the hub
        edges[k, 0] = m
        edges[k, 1] = k
        ends[2 * k] = m
        ends[2 * k + 1] = k
    e = m
    chosen = np.empty(m, dtype=np.int64)
    for v in range(m + 1, n):
        filled = 2 * e
        c = 0
        while c < m:
            t = ends[uniform_index(filled, rng)]
            dup = False
            for s in range(c):
                if chosen[s] == t:
                    dup = True
                    break
            if not dup:
                chosen[c] = t
                c += 1
        for s in range(m):
            edges[e, 0] = v
            edges[e, 1] = chosen[s]
            ends[2 * e] = v
            ends[2 * e + 1] = chosen[s]
            e += 1
    return edges


def make_network(spec: str | Network | object, n: int | None, rng: np.random.Generator) -> Network:
    """Resolve a network specification.

    Parameters
    ----------
    spec : str, Network or networkx.Graph
        ``"complete"``, ``"er:K"`` (mean degree K), ``"ba:M"`` (M links per new node), a path
        to an edge-list file, a :class:`Network`, or a NetworkX graph.
    n : int or None
        Number of nodes for generated graphs; must match the file's node count if given
        with a file.
    rng : numpy.random.Generator
        Source of randomness for the generators.

    Raises
    ------
    NetworkSpecError
        For an unknown specification, a bad parameter or an unreadable file.
    """
    if isinstance(spec, Network):
        return spec
    if not isinstance(spec, str):
        return from_networkx(spec)
    kind, _, arg = spec.partition(":")
    if spec == "complete":
        return complete(_need_n(n))
    if kind in ("er", "ba") and arg:
        return _generated(kind, arg, _need_n(n), rng)
    if kind in ("er", "ba"):
        raise NetworkSpecError(f"network '{spec}' needs a parameter, e.g. {kind}:4")
    if not Path(spec).exists():
        if any(c in spec for c in "/\\."):  # looks like a path rather than a network name
            raise NetworkSpecError(f"edge-list file not found: {spec}")
        raise NetworkSpecError(f"unknown network '{spec}': use complete, er:K, ba:M or an edge-list file")
    net = from_edge_list(spec)
    if n is not None and n != net.n:
        raise NetworkSpecError(f"--n {n} disagrees with the {net.n} nodes in {spec}")
    return net


def _generated(kind: str, arg: str, n: int, rng: np.random.Generator) -> Network:
    try:
        value = float(arg) if kind == "er" else int(arg)
    except ValueError:
        raise NetworkSpecError(f"bad parameter in network '{kind}:{arg}'") from None
    if kind == "er":
        return erdos_renyi(n, value, rng)
    return barabasi_albert(n, int(value), rng)


def _need_n(n: int | None) -> int:
    if n is None:
        raise NetworkSpecError("a generated network needs a node count n")
    _check_n(n, 2)
    return n


def _check_n(n: int, least: int) -> None:
    if n < least:
        raise NetworkSpecError(f"need at least {least} nodes, got {n}")


@nb.njit(cache=True, inline="always")
def uniform_index(n, rng):
    """A uniform integer in ``0 .. n-1``.

    ``Generator.integers`` costs ~15x a ``random()`` draw inside Numba; flooring a 53-bit
    uniform is uniform to within ``n / 2**53``, far below anything a simulation can see.
    """
    k = int(rng.random() * n)
    return k if k < n else n - 1  # rounding can reach n for huge n


@nb.njit(cache=True, inline="always")
def degree(i, n, is_complete, indptr):
    """Degree of node ``i``."""
    if is_complete:
        return n - 1
    return indptr[i + 1] - indptr[i]


@nb.njit(cache=True, inline="always")
def random_neighbor(i, n, is_complete, indptr, indices, rng):
    """A uniform random neighbor of ``i``, or ``-1`` if ``i`` is isolated.

    On the complete graph this is a uniform random node other than ``i``.
    """
    if is_complete:
        j = uniform_index(n - 1, rng)
        return j + 1 if j >= i else j  # skip i without a retry loop
    lo = indptr[i]
    d = indptr[i + 1] - lo
    if d == 0:
        return -1
    return indices[lo + uniform_index(d, rng)]
