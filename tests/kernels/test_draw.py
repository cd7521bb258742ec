"""Draws inside kernels: the keyed stream is SplitMix64 and behaves like a uniform."""

from __future__ import annotations

import numpy as np
from scipy import stats
from splitmix import splitmix64, splitmix_uniform

from lever.kernels.draw import fresh_key, keyed_uniform


def test_the_keyed_stream_is_splitmix64():
    # the first outputs of SplitMix64 seeded with 1234567 (the published generator's own
    # sequence, as its C reference prints it)
    assert [splitmix64(1234567, t) for t in (1, 2, 3)] == [
        6457827717110365317, 3203168211198807973, 9817491932198370423]  # fmt: skip
    key = np.uint64(1234567)
    for t in (0, 1, 2, 3, 1000, 2**40):
        assert keyed_uniform(key, t) == splitmix_uniform(1234567, t)


def test_keyed_draws_look_uniform_and_independent():
    rng = np.random.default_rng(0)
    key = fresh_key(rng)
    assert isinstance(key, np.uint64) and key != fresh_key(rng)
    u = np.array([keyed_uniform(key, t) for t in range(40_000)])
    assert u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    # an update's two draws (2t, 2t + 1) are unrelated, and so are neighbours in the stream
    assert abs(np.corrcoef(u[0::2], u[1::2])[0, 1]) < 0.05
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.05
