"""Random pairs for the classic models' random sequential updates, drawn ahead in blocks.

An elementary update of the voter or Deffuant model pairs a uniform random node with a
uniform random neighbour. Who is paired never depends on opinions, so the pairs of later
blocks can be drawn by other threads while one thread makes a block's updates in order:
the same process, pipelined (the hand-over below). Update ``t`` of a run
draws outputs ``2t`` and ``2t + 1`` of a SplitMix64 stream keyed once per model
(:func:`lever.kernels.draw.keyed_uniform`), so a pair depends on nothing but ``t`` and the
same seed gives the same bits whatever the number of threads, and however a run is split
into calls.

The lookups of a block are random reads into the network; drawn in a loop of their own,
without a branch, the compiler turns them into vector gathers that the memory system
overlaps; with the lookups spread over the cores as well, an update costs a few
nanoseconds (BENCHMARKS.md). Whether a call uses the other threads at all is decided by
measurement (:class:`PathChoice`): on a busy machine one thread can be the faster.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager

import numba as nb
import numpy as np

from lever.classic.network import Network
from lever.kernels.atomic import cas, load_acquire, store_release, yield_cpu
from lever.kernels.draw import keyed_uniform
from lever.kernels.threads import PathChoice

__all__ = ["BLOCK", "PARALLEL_MIN", "draw_pairs", "help_draw", "one_draw_enough", "paced", "take_block",
           "worker_count"]  # fmt: skip

#: updates per block
BLOCK = 8192

#: nodes from which a model runs on all of Numba's threads (below, one block or less, there
#: is nothing to overlap)
PARALLEL_MIN = 1 << 13


#: whether calls choose, by their measured speed, between all of Numba's threads and one
#: (tests switch it off to run a given layout of threads)
ADAPTIVE = True


_CHOICES: dict[tuple[str, int, int], PathChoice] = {}  # (kernel, bits of n, bits of updates)


class Call:
    """One paced call: the parts to split its work into (``parts``), and the updates it
    made (``updates``; set it if the call stopped early)."""

    def __init__(self, parts: int, updates: int) -> None:
        self.parts = parts
        self.updates = updates


@contextmanager
def paced(kernel: str, n: int, updates: int, parts: int, clock: Callable[[], float] = time.perf_counter):
    """One call of ``kernel`` on ``n`` nodes, of ``updates`` updates, run the way its
    :class:`PathChoice` says: yields a :class:`Call` whose ``parts`` is ``parts`` on all
    threads, or 1 on one thread. Networks below ``PARALLEL_MIN`` run serially anyway.
    ``clock`` times the call where its choice is made first (tests pass a fake one)."""
    threads = nb.get_num_threads()
    if not ADAPTIVE or n < PARALLEL_MIN:
        yield Call(parts, updates)
        return
    if threads == 1:
        yield Call(1, updates)
        return
    # per size of network and of call: a short call pays the parallel region's start for few
    # updates, so what is faster for it says little about a long one
    where = (kernel, n.bit_length(), updates.bit_length())
    choice = _CHOICES.get(where)
    if choice is None:
        choice = _CHOICES[where] = PathChoice(clock)
    parallel = choice.parallel(updates)
    if not parallel:
        nb.set_num_threads(1)
    call = Call(parts if parallel else 1, updates)
    t = choice.clock()
    try:
        yield call
    finally:
        choice.record(parallel, call.updates, choice.clock() - t)
        if not parallel:
            nb.set_num_threads(threads)


def worker_count() -> int:
    """Workers of a call's parallel region: at least two, so that one can update while
    another draws; on one thread they simply run one after the other (the same bits)."""
    return max(2, nb.get_num_threads())


def one_draw_enough(net: Network) -> bool:
    """Whether one draw can pick both the node and its neighbour: the fraction left over
    from the node's 53-bit draw (about ``2**-53 * n`` fine) is fine enough to pick among
    its neighbours, to one part in 2**20 of a neighbour's chance, when ``n`` times the
    largest degree is below 2**32 (as for ``uniform_index`` itself)."""
    return not net.is_complete and net.n * int(net.degrees.max(initial=0)) <= 2**32


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


# -- handing blocks over without a barrier ------------------------------------------------
#
# A sweep kernel is one parallel region per call. Worker 0 (the updater) makes the updates
# block by block, in order; the other workers (helpers) draw blocks ahead into a ring of
# slots and publish each with a release store. The updater never waits for a helper: a
# block that is not ready it draws itself (claiming it first, so that no helper draws it
# again; or, when a helper is on it, drawing the block after it meanwhile, then the block
# itself if it is still not ready). A helper that loses its core for a scheduler slice
# therefore delays no one, and a busy machine costs at most the updater's own serial rate;
# the only wait left is the region's end, once per call. A pair depends on nothing but its
# update's index, so whoever draws it, the bits are the same.

#: slots of the ring (rounded up to a multiple of the helpers, so that each slot has one
#: writer): how far the helpers may draw ahead of the updater
RING = 32

# the state shared in a call: ``state[CONSUMED]`` blocks updated so far (written by the
# updater), ``state[STOP]`` set when it is done, ``state[STARTED]`` once it has begun,
# ``state[AHEAD]`` the block the updater drew ahead into its second buffer (its own)
CONSUMED, STOP, STARTED, AHEAD = 0, 1, 2, 3


@nb.njit(cache=True, inline="always")
def ring_slots(blocks, threads):
    """Slots for a call of ``blocks`` blocks with ``threads`` workers: ``RING`` rounded up
    to a multiple of the helpers, or fewer when the call has fewer blocks (then no slot is
    used twice)."""
    helpers = max(1, threads - 1)
    return min(blocks, (RING + helpers - 1) // helpers * helpers)


@nb.njit(cache=True, inline="always")
def pair_buffers(slots, size, indices):
    """The ring's pairs (``slots`` blocks of ``size``: ``ri``, ``rj``) and the two blocks the
    updater draws for itself (``ai``, ``aj``, ``bi``, ``bj``), in ``indices``' dtype."""
    t = indices.dtype
    return (np.empty(slots * size, t), np.empty(slots * size, t), np.empty(size, t),
            np.empty(size, t), np.empty(size, t), np.empty(size, t))  # fmt: skip


@nb.njit(cache=True, inline="always")
def handoff_state(slots):
    """``ready`` (the block whose pairs slot ``s`` holds, -1 none), ``claim`` (the last
    block claimed in slot ``s``: block ``k`` goes to slot ``k % slots``, claimed once) and
    the shared ``state``."""
    ready = np.full(max(slots, 1), -1, np.int64)
    claim = np.arange(max(slots, 1), dtype=np.int64) - slots
    state = np.zeros(4, np.int64)
    state[AHEAD] = -1
    return ready, claim, state


@nb.njit(cache=True, inline="always")
def help_draw(w, threads, ri, rj, ready, claim, state, slots, size, blocks, total, t0,
              n, is_complete, indptr, indices, split, key):  # fmt: skip
    """Helper ``w`` (1 ..): draws blocks ``w - 1``, ``w - 1 + helpers``, ... that no one has
    claimed into their slots of the ring ``ri, rj``, each once the updater is done with the
    block the slot held before; returns when the updater is done (or, when the ring is full
    and the updater has not begun, at once: on one thread the updater runs after)."""
    helpers = threads - 1
    k = w - 1
    while k < blocks:
        done = load_acquire(state, CONSUMED)
        if load_acquire(state, STOP) != 0:
            return
        if k < done:  # the updater has passed it: go to this helper's next block after it
            k += (done - k + helpers - 1) // helpers * helpers
            continue
        s = k % slots
        if cas(claim, s, k - slots, k):
            while load_acquire(state, CONSUMED) <= k - slots:  # the slot is still in use
                if load_acquire(state, STOP) != 0 or load_acquire(state, STARTED) == 0:
                    return
                yield_cpu()
            a = s * size
            m = min(size, total - k * size)
            draw_pairs(ri, rj, t0 + k * size - a, a, a + m, n, is_complete, indptr, indices,
                       split, key)  # fmt: skip
            store_release(ready, s, k)
        k += helpers


@nb.njit(cache=True, inline="always")
def take_block(k, ai, aj, bi, bj, ready, claim, state, slots, size, blocks, total, t0,
               n, is_complete, indptr, indices, split, key):  # fmt: skip
    """The updater's block ``k``, without waiting: where its pairs are, 0 in the ring (slot
    ``k % slots``), 1 in ``ai, aj``, 2 in ``bi, bj`` (each from offset 0 but the ring's)."""
    if state[AHEAD] == k:
        return 2
    s = k % slots
    if load_acquire(ready, s) == k:
        return 0
    m = min(size, total - k * size)
    if not cas(claim, s, k - slots, k):
        # a helper is drawing it: draw the next block meanwhile, if no one has claimed it
        nxt = k + 1
        if nxt < blocks and cas(claim, nxt % slots, nxt - slots, nxt):
            draw_pairs(bi, bj, t0 + nxt * size, 0, min(size, total - nxt * size), n,
                       is_complete, indptr, indices, split, key)  # fmt: skip
            state[AHEAD] = nxt
        if load_acquire(ready, s) == k:
            return 0
    draw_pairs(ai, aj, t0 + k * size, 0, m, n, is_complete, indptr, indices, split, key)
    return 1
