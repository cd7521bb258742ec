"""Pairs drawn ahead: the right pairs, uniformly, whoever draws them and in whatever order;
and the choice between all threads and one, by measured speed."""

from __future__ import annotations

import numba as nb
import numpy as np
import pytest
from scipy import stats
from splitmix import reference_pair

import lever.classic.pairs as pairs
from lever.classic.network import complete, erdos_renyi, from_edges
from lever.classic.pairs import (
    AHEAD,
    CONSUMED,
    STARTED,
    STOP,
    draw_pairs,
    handoff_state,
    help_draw,
    one_draw_enough,
    paced,
    pair_buffers,
    ring_slots,
    take_block,  # fmt: skip
)
from lever.kernels.draw import fresh_key

_NETS = [erdos_renyi(300, 4, np.random.default_rng(0)), complete(40),
         from_edges(50, np.array([[0, 1], [2, 3]]))]  # fmt: skip


@pytest.mark.parametrize("split", [True, False])
@pytest.mark.parametrize("net", _NETS, ids=["er", "complete", "isolated"])
def test_the_pairs_are_the_reference_pairs(net, split):
    key = fresh_key(np.random.default_rng(1))
    pi, pj = np.full(600, -9, net.indices.dtype), np.full(600, -9, net.indices.dtype)
    for a, e in ((0, 250), (250, 251), (251, 600)):  # drawn in pieces, as workers do
        draw_pairs(pi, pj, 1000, a, e, net.n, net.is_complete, net.indptr, net.indices, split, key)
    want = [reference_pair(net, split and not net.is_complete, key, 1000 + b) for b in range(600)]
    assert list(zip(pi.tolist(), pj.tolist(), strict=True)) == want


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
    counts = np.array([np.sum((pi == a) & (pj == b)) for a, b in zip(src, net.indices, strict=True)])
    assert counts.sum() == k
    assert stats.chisquare(counts, expected).pvalue > 1e-3


def test_one_draw_is_enough_only_where_its_leftover_is_fine():
    assert one_draw_enough(erdos_renyi(1000, 6, np.random.default_rng(0)))
    assert not one_draw_enough(complete(10))
    star = from_edges(70_000, np.column_stack((np.zeros(69_999, int), np.arange(1, 70_000))))
    assert not one_draw_enough(star)  # 70,000 nodes x degree 69,999 > 2**32


@pytest.mark.parametrize("threads", [2, 3, 4, 7])
@pytest.mark.parametrize("blocks", [1, 5, 40, 200])
def test_each_slot_has_one_writer(threads, blocks):
    slots = ring_slots(blocks, threads)
    assert 1 <= slots <= blocks
    if slots < blocks:  # slots are reused: block k and k + slots belong to the same helper
        assert slots % (threads - 1) == 0 and slots >= pairs.RING


@nb.njit
def _helper_then_updater(threads, size, total, t0, n, indptr, indices, key):
    """One thread: the helpers first (the order no scheduler promises, the worst for a
    hand-over), then the updater; returns every block's pairs as the updater saw them and
    where it found them."""
    blocks = (total + size - 1) // size
    slots = ring_slots(blocks, threads)
    ri, rj, ai, aj, bi, bj = pair_buffers(slots, size, indices)
    ready, claim, state = handoff_state(slots)
    for w in range(1, threads):
        help_draw(
            w,
            threads,
            ri,
            rj,
            ready,
            claim,
            state,
            slots,
            size,
            blocks,
            total,
            t0,
            n,
            False,
            indptr,
            indices,
            True,
            key,
        )
    gi = np.empty(total, indices.dtype)
    gj = np.empty(total, indices.dtype)
    where = np.empty(blocks, np.int64)
    state[STARTED] = 1
    for k in range(blocks):
        m = min(size, total - k * size)
        where[k] = take_block(
            k, ai, aj, bi, bj, ready, claim, state, slots, size, blocks, total, t0, n, False, indptr, indices, True, key
        )
        for b in range(m):
            if where[k] == 0:
                gi[k * size + b] = ri[(k % slots) * size + b]
                gj[k * size + b] = rj[(k % slots) * size + b]
            elif where[k] == 1:
                gi[k * size + b] = ai[b]
                gj[k * size + b] = aj[b]
            else:
                gi[k * size + b] = bi[b]
                gj[k * size + b] = bj[b]
        state[CONSUMED] = k + 1
    state[STOP] = 1
    return gi, gj, where


@pytest.mark.parametrize("threads", [2, 3, 5])
def test_blocks_drawn_ahead_before_the_updater_starts_are_the_right_pairs(threads):
    net = erdos_renyi(500, 4, np.random.default_rng(3))
    key = fresh_key(np.random.default_rng(4))
    size, total, t0 = 64, 64 * 70 + 13, 999
    gi, gj, where = _helper_then_updater(threads, size, total, t0, net.n, net.indptr, net.indices, key)
    want = [reference_pair(net, True, key, t0 + b) for b in range(total)]
    assert list(zip(gi.tolist(), gj.tolist(), strict=True)) == want
    slots = ring_slots(70 + 1, threads)
    # the helpers filled the ring and stopped (the updater had not begun); it drew the rest
    # itself (a block a helper claimed and left, after drawing the next one meanwhile)
    assert (where[:slots] == 0).all() and (where[slots:] > 0).all()


def test_a_block_a_helper_is_on_is_not_waited_for():
    net = erdos_renyi(500, 4, np.random.default_rng(3))
    key = fresh_key(np.random.default_rng(5))
    size, total, t0 = 64, 64 * 10, 0
    ready, claim, state = handoff_state(10)
    claim[0] = 0  # a helper claimed block 0 and has not finished it
    buf = [np.empty(size, net.indices.dtype) for _ in range(4)]
    ri = np.empty(10 * size, net.indices.dtype)
    where = take_block(0, *buf, ready, claim, state, 10, size, 10, total, t0, net.n, False,
                       net.indptr, net.indices, True, key)  # fmt: skip
    assert where == 1  # drawn by the updater itself
    assert state[AHEAD] == 1 and claim[1] == 1  # and the next block meanwhile, claimed
    assert take_block(1, *buf, ready, claim, state, 10, size, 10, total, t0, net.n, False,
                      net.indptr, net.indices, True, key) == 2  # fmt: skip
    for k, (pi, pj) in ((0, buf[:2]), (1, buf[2:])):
        want = [reference_pair(net, True, key, t0 + k * size + b) for b in range(size)]
        assert list(zip(pi.tolist(), pj.tolist(), strict=True)) == want
    assert ri.size == 10 * size


def test_paced_calls_run_one_thread_when_that_was_faster(monkeypatch):
    """Driven by a fake clock on which a call on all threads takes ten times as long as one on
    one thread: all threads twice (the first call is not measured), then one thread, kept."""
    monkeypatch.setattr(pairs, "_CHOICES", {})
    if nb.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("one thread only")
    before = nb.get_num_threads()
    nb.set_num_threads(2)
    now = [0.0]

    def clock():
        return now[0]

    try:
        seen = []
        for updates in [10] * 6:
            with paced("test", 1 << 16, updates, 2, clock=clock) as call:
                seen.append((call.parts, nb.get_num_threads()))
                now[0] += 0.010 if call.parts > 1 else 0.001
        assert seen == [(2, 2), (2, 2)] + [(1, 1)] * 4  # one thread really one, and kept
        assert nb.get_num_threads() == 2
        with paced("test", 100, 10, 2, clock=clock) as call:  # below PARALLEL_MIN: not chosen, as given
            assert call.parts == 2
    finally:
        nb.set_num_threads(before)
