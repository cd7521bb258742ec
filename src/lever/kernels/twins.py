"""One kernel body compiled twice: spread over threads, and on one thread."""

from __future__ import annotations

import types
from collections.abc import Callable

import numba as nb


def parallel_and_serial(body: Callable) -> tuple[Callable, Callable]:
    """``body`` compiled with ``parallel=True`` (its ``prange`` loops spread over Numba's
    threads) and without (``prange`` runs as ``range``). Small fields take the serial one:
    parallel stages cost more than they save there and slow down badly on busy cores. One
    source for both, so the two cannot drift apart; the copy gets its own name so that each
    has its own on-disk cache."""
    copy = types.FunctionType(body.__code__, body.__globals__, f"{body.__name__}_serial",
                              body.__defaults__, body.__closure__)  # fmt: skip
    copy.__qualname__ = f"{body.__qualname__}_serial"
    copy.__doc__ = body.__doc__
    return nb.njit(cache=True, parallel=True)(body), nb.njit(cache=True)(copy)
