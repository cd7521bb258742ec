"""The bounded-confidence exchange shared by conversation and the classic models."""

from __future__ import annotations

import numpy as np
import pytest

from lever.kernels.opinion import deffuant_exchange, distance


def test_distance_is_euclidean():
    x = np.array([[0.0, 0.0], [0.3, 0.4]])
    assert distance(x, 0, 1) == pytest.approx(0.5, abs=1e-15)


def test_close_pair_moves_toward_each_other_from_the_old_opinions():
    x = np.array([[0.2, 0.5], [0.4, 0.5]])
    assert deffuant_exchange(x, 0, 1, 0.25, 0.1, 0.3)
    assert x[0] == pytest.approx([0.22, 0.5], abs=1e-15)
    assert x[1] == pytest.approx([0.34, 0.5], abs=1e-15)


@pytest.mark.parametrize("gap", [0.25, 0.3, 0.9])
def test_no_exchange_at_or_beyond_the_bound(gap):
    x = np.array([[0.0, 0.5], [gap, 0.5]])
    before = x.copy()
    assert not deffuant_exchange(x, 0, 1, 0.25, 0.5, 0.5)
    assert np.array_equal(x, before)


@pytest.mark.parametrize("bound", [0.3, 1e-3, 1e-160, 1e-250])
def test_the_one_dimensional_path_gives_the_general_paths_bits(bound):
    # a second column that never differs leaves the general path's distance that of the first
    rng = np.random.default_rng(3)
    scale = min(1.0, bound * 2)
    one = rng.random((400, 1)) * scale
    two = np.column_stack((one[:, 0], np.full(400, 0.25)))
    pairs = rng.integers(0, 400, (5000, 2))
    for i, j in pairs:
        if i != j:
            assert deffuant_exchange(one, i, j, bound, 0.3, 0.2) == deffuant_exchange(two, i, j, bound, 0.3, 0.2)
    assert np.array_equal(one[:, 0], two[:, 0])
