"""Calling from a test a kernel that only other kernels call (made with
:func:`lever.kernels.inner.inner`: it has no wrapper for Python, and refuses a call from it):
through a compiled function that calls it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba as nb


@nb.njit
def _call(kernel, *args):
    return kernel(*args)


def _from_python(kernel: Any) -> Callable:
    def call(*args: object) -> Any:
        return _call(kernel, *args)

    call.__name__ = call.__qualname__ = kernel.py_func.__name__
    return call


def called(*kernels: Any) -> Any:
    """Each kernel as a function Python can call (one kernel: the function itself)."""
    calls = tuple(_from_python(k) for k in kernels)
    return calls[0] if len(calls) == 1 else calls
