"""Draws inside kernels: the keyed stream is SplitMix64 and behaves like a uniform."""

from __future__ import annotations

import numpy as np
from scipy import stats
from splitmix import splitmix64, splitmix_uniform

from lever.kernels.draw import fresh_keys, keyed_uniform


def test_the_keyed_stream_is_splitmix64():
    # the first outputs of SplitMix64 seeded with 1234567 (the published generator's own
    # sequence, as its C reference prints it)
    assert [splitmix64(1234567, t) for t in (1, 2, 3)] == [
        6457827717110365317, 3203168211198807973, 9817491932198370423]  # fmt: skip
    key = np.uint64(1234567)
    for t in (0, 1, 2, 3, 1000, 2**40):
        assert keyed_uniform(key, t) == splitmix_uniform(1234567, t)


def test_keyed_draws_look_uniform_and_keys_differ():
    keys = fresh_keys(np.random.default_rng(0), 2)
    assert keys.dtype == np.uint64 and keys[0] != keys[1]
    u = np.array([keyed_uniform(keys[0], t) for t in range(20_000)])
    assert u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    w = np.array([keyed_uniform(keys[1], t) for t in range(20_000)])
    assert abs(np.corrcoef(u, w)[0, 1]) < 0.05  # another key, another stream
