"""History matching's pieces, on numbers worked by hand."""

from __future__ import annotations

import numpy as np

from lever.calibration.matching import implausibility, latin, not_ruled_out, refocus


def test_implausibility_counts_observation_discrepancy_and_replicate_variance():
    sims = np.array([[[90.0], [110.0]]])  # one draw, two replications: mean 100, variance 200
    imp = implausibility(np.array([130.0]), np.array([10.0]), np.array([np.sqrt(90.0)]), sims)
    assert imp.shape == (1, 1)
    assert np.isclose(imp[0, 0], 30.0 / np.sqrt(100.0 + 90.0 + 200.0))


def test_one_replication_counts_no_replicate_variance():
    imp = implausibility(np.array([13.0]), np.array([1.0]), np.array([0.0]), np.array([[[10.0]]]))
    assert imp[0, 0] == 3.0


def test_a_draw_is_ruled_out_by_its_worst_figure():
    imp = np.array([[0.5, 2.9], [0.1, 3.1], [3.0, 3.0]])
    assert not_ruled_out(imp).tolist() == [True, False, True]
    assert not_ruled_out(np.zeros((2, 0))).tolist() == [True, True]


def test_refocus_widens_the_kept_box_within_the_prior():
    values = np.array([[0.2, 5.0], [0.4, 6.0], [0.9, 9.0]] + [[0.3, 5.5]] * 9)
    kept = np.array([True, True, False] + [True] * 9)
    low, high = refocus(values, kept, np.array([0.0, 5.0]), np.array([1.0, 10.0]))
    assert np.allclose(low, [0.1, 5.0])  # 6.0 - 0.5 would leave the prior
    assert np.allclose(high, [0.5, 6.5])


def test_latin_draws_fill_each_slice_of_the_box_once():
    x = latin(np.array([0.0, 10.0]), np.array([1.0, 20.0]), 10, np.random.default_rng(0))
    assert sorted(np.floor(x[:, 0] * 10).astype(int)) == list(range(10))
    assert sorted(np.floor(x[:, 1] - 10).astype(int)) == list(range(10))


def test_refocus_keeps_the_box_on_too_few_draws():
    values = np.random.default_rng(0).random((20, 2))
    kept = np.zeros(20, dtype=bool)
    kept[:9] = True
    assert refocus(values, kept, np.zeros(2), np.ones(2)) is None
