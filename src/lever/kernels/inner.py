"""Kernels that only other kernels call: compiled without the wrappers that let Python call them.

Numba compiles, beside each function, a CPython wrapper (which unboxes every argument from
its Python object) and a C wrapper. For a kernel that takes the population (``State``, 28
arrays) and ``Params`` (some 70 fields) the CPython wrapper is a large part of its compile
time, and for a kernel only other kernels call it is never used: issue 26 measured the
sixteen such kernels' wrappers at 5 s of a cold first run's 43 s of compiling.

A kernel made with :func:`inner` refuses a call from Python with a TypeError (without its
wrapper Numba would crash); a test calls one through a compiled function
(``tests/kernels/calls.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba as nb
from numba.core.registry import CPUDispatcher

#: ``numba.njit``, whose stubs do not list its ``no_cpython_wrapper`` and ``no_cfunc_wrapper`` options
_njit: Any = nb.njit


class InnerKernel(CPUDispatcher):
    """A Numba dispatcher compiled without its CPython wrapper, which a call from Python refuses."""

    def __call__(self, *_args: object, **_kwargs: object) -> Any:
        name = self.py_func.__qualname__
        raise TypeError(f"{name} is compiled for calls from other kernels only (it has no wrapper for Python)")


def inner(func: Callable | None = None, *, parallel: bool = False) -> Any:
    """``func`` compiled (and cached) for calls from other kernels only: ``@inner`` or
    ``@inner(parallel=True)``."""

    def compiled(body: Callable) -> Any:
        kernel = _njit(cache=True, parallel=parallel, no_cpython_wrapper=True, no_cfunc_wrapper=True)(body)
        if isinstance(kernel, CPUDispatcher):  # not under NUMBA_DISABLE_JIT, which returns the function
            kernel.__class__ = InnerKernel
        return kernel

    return compiled if func is None else compiled(func)
