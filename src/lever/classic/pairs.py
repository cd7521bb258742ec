"""Random pairs for the classic models' random sequential updates, drawn ahead in blocks.

An elementary update of the voter or Deffuant model pairs a uniform random node with a
uniform random neighbour. Who is paired never depends on opinions, so the pairs of a block
can be drawn before its updates are made, on all of Numba's threads, while one thread makes
the previous block's updates in order: the same process, pipelined. Update ``t`` of a run
draws outputs ``2t`` and ``2t + 1`` of a SplitMix64 stream keyed once per model
(:func:`lever.kernels.draw.keyed_uniform`), so a pair depends on nothing but ``t`` and the
same seed gives the same bits whatever the number of threads, and however a run is split
into calls.

The lookups of a block are random reads into the network; drawn in a loop of their own,
without a branch, the compiler turns them into vector gathers that the memory system
overlaps; with the lookups spread over the cores as well, an update costs a few
nanoseconds (BENCHMARKS.md).
"""

from __future__ import annotations

import numba as nb

from lever.classic.network import Network
from lever.kernels.draw import keyed_uniform

__all__ = ["BLOCK", "PARALLEL_MIN", "UPDATE_COST", "draw_block", "draw_pairs", "one_draw_enough",
           "share_start", "worker_count"]  # fmt: skip

#: updates per block
BLOCK = 8192

#: what a block of updates made in order costs beside drawing and looking up as many pairs
#: (about 0.6 for the voter's copies and Deffuant's exchanges, measured on this project's
#: 2-core machine): the thread that makes them draws that much less of the next block
UPDATE_COST = 0.6

#: nodes from which a model runs on all of Numba's threads (below, one block or less, there
#: is nothing to overlap)
PARALLEL_MIN = 1 << 13


def worker_count() -> int:
    """Parts of each pipelined stage: at least two, so that one can update while another
    draws; on one thread they simply run one after the other (the same bits)."""
    return max(2, nb.get_num_threads())


def one_draw_enough(net: Network) -> bool:
    """Whether one draw can pick both the node and its neighbour: the fraction left over
    from the node's 53-bit draw (about ``2**-53 * n`` fine) is fine enough to pick among
    its neighbours, to one part in 2**20 of a neighbour's chance, when ``n`` times the
    largest degree is below 2**32 (as for ``uniform_index`` itself)."""
    return not net.is_complete and net.n * int(net.degrees.max(initial=0)) <= 2**32


@nb.njit(cache=True, inline="always")
def share_start(w, threads, m, cost):
    """Where worker ``w``'s part of ``m`` draws begins (it ends where ``w + 1``'s begins)
    when they are shared among ``threads`` workers and worker 0 also makes a block of
    updates that costs ``cost`` times as much as drawing as many pairs: worker 0 draws that
    much less, the others the rest in equal parts. (Scalars, not a pair: a tuple here keeps
    the compiler from vectorizing the draws.)"""
    if w == 0:
        return 0
    own = int(m * max(0.0, (1.0 + cost) / threads - cost))
    return own + (w - 1) * (m - own) // (threads - 1)


@nb.njit(cache=True, inline="always")
def draw_block(pi, pj, t0, m, threads, n, is_complete, indptr, indices, split, key):
    """The pairs of updates ``t0 .. t0 + m`` into ``pi[:m], pj[:m]``, on all threads."""
    for w in nb.prange(threads):
        a = share_start(w, threads, m, 0.0)
        e = share_start(w + 1, threads, m, 0.0)
        draw_pairs(pi, pj, t0, a, e, n, is_complete, indptr, indices, split, key)


@nb.njit(cache=True, inline="always")
def draw_pairs(pi, pj, t0, a, e, n, is_complete, indptr, indices, split, key):
    """Pairs of updates ``t0 + a .. t0 + e`` into ``pi[a:e], pj[a:e]``: a uniform node and
    a uniform neighbour (on the complete graph another node; ``-1`` if there is none), from
    draws ``2t`` (the node) and ``2t + 1`` (the neighbour, unless ``split``). One loop per
    kind of draw, each without a branch, so that the lookups vectorize."""
    if is_complete:
        for b in range(a, e):
            t = 2 * (t0 + b)
            i = min(int(keyed_uniform(key, t) * n), n - 1)
            j = min(int(keyed_uniform(key, t + 1) * (n - 1)), n - 2)
            pi[b] = i
            pj[b] = j + 1 if j >= i else j
    elif split:
        for b in range(a, e):
            x = keyed_uniform(key, 2 * (t0 + b)) * n
            i = min(int(x), n - 1)
            pi[b] = i
            pj[b] = _neighbor(i, x - i, indptr, indices)
    else:
        for b in range(a, e):
            t = 2 * (t0 + b)
            i = min(int(keyed_uniform(key, t) * n), n - 1)
            pi[b] = i
            pj[b] = _neighbor(i, keyed_uniform(key, t + 1), indptr, indices)


@nb.njit(cache=True, inline="always")
def _neighbor(i, u, indptr, indices):
    """A neighbour of ``i`` from a uniform ``u`` already drawn, or ``-1`` if it has none."""
    lo = indptr[i]
    d = indptr[i + 1] - lo
    return indices[lo + min(int(u * d), d - 1)] if d > 0 else -1
