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


# --- draws keyed by what they decide -------------------------------------------------------------


def test_keyed_draws_are_uniform_and_independent_across_persons_slots_and_steps():
    from scipy import stats

    from lever.kernels.draw import CONVERSE, MOBILITY, keyed, step_key

    key = np.uint64(12345)
    s1 = np.uint64(step_key(key, CONVERSE, 1))
    by_person = np.array([keyed(s1, np.uint64(i), 0) for i in range(20000)])
    by_slot = np.array([keyed(s1, np.uint64(7), j) for j in range(20000)])
    by_step = np.array([keyed(np.uint64(step_key(key, CONVERSE, t)), np.uint64(7), 0) for t in range(20000)])
    by_mechanism = np.array([keyed(np.uint64(step_key(key, MOBILITY, 1)), np.uint64(i), 0) for i in range(20000)])
    for u in (by_person, by_slot, by_step, by_mechanism):
        assert np.all((u >= 0) & (u < 1))
        assert stats.kstest(u, "uniform").pvalue > 1e-3
    # neighbouring persons, and two mechanisms at the same person, are uncorrelated
    assert abs(np.corrcoef(by_person[:-1], by_person[1:])[0, 1]) < 0.03
    assert abs(np.corrcoef(by_person, by_mechanism)[0, 1]) < 0.03


def test_a_keyed_draw_depends_only_on_what_it_decides():
    from lever.kernels.draw import PRESS, keyed, keyed_below, run_key, step_key

    a = np.uint64(step_key(run_key(3), PRESS, 5))
    assert keyed(a, np.uint64(9), 2) == keyed(a, np.uint64(9), 2)
    assert keyed(a, np.uint64(9), 2) != keyed(a, np.uint64(9), 3)
    assert keyed(a, np.uint64(9), 2) != keyed(np.uint64(step_key(run_key(4), PRESS, 5)), np.uint64(9), 2)
    assert run_key(3) == run_key(3) and run_key(3) != run_key(4)
    drawn = {keyed_below(a, np.uint64(i), 0, 3) for i in range(200)}
    assert drawn == {0, 1, 2}
