"""A prefetch is a hint: it changes nothing and takes only rows it can name."""

from __future__ import annotations

import numba as nb
import numpy as np
import pytest
from numba.core.errors import TypingError

from lever.kernels.prefetch import prefetch


@nb.njit
def _sum_with_hints(x, order, ahead):
    s = 0.0
    for b in range(order.size):
        if b + ahead < order.size:
            prefetch(x, order[b + ahead])
        s += x[order[b]] if x.ndim == 1 else x[order[b], 0]
    return s


@pytest.mark.parametrize("shape", [(1000,), (1000, 2)])
def test_hints_change_no_value(shape):
    x = np.random.default_rng(0).random(shape)
    before = x.copy()
    order = np.random.default_rng(1).integers(0, 1000, 5000).astype(np.int32)
    got = _sum_with_hints(x, order, 16)
    want = _sum_with_hints(x, order, order.size)  # never hints
    assert got == want and np.array_equal(x, before)
    ir = "".join(_sum_with_hints.inspect_llvm().values())
    assert "llvm.prefetch" in ir  # and the hint is really there


def test_only_rows_of_one_or_two_dimensional_arrays():
    @nb.njit
    def bad(x):
        prefetch(x, 0)

    with pytest.raises(TypingError):
        bad(np.zeros((2, 2, 2)))

    @nb.njit
    def by_float(x):
        prefetch(x, 0.5)

    with pytest.raises(TypingError):
        by_float(np.zeros(4))
