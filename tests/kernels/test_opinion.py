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
