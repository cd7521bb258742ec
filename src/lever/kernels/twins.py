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
    return nb.njit(cache=True, parallel=True)(body), nb.njit(cache=True)(renamed(body, "serial"))


def renamed(body: Callable, suffix: str, **globals_: object) -> Callable:
    """A copy of ``body`` named ``<name>_<suffix>`` (so that its compiled code has its own
    on-disk cache), whose global names in ``globals_`` stand for other objects: one source
    compiled against, say, a serial or a parallel kernel. With ``globals_`` the copy sees
    the module's names as they stand when it is made: make it after all it uses."""
    names = {**body.__globals__, **globals_} if globals_ else body.__globals__
    copy = types.FunctionType(body.__code__, names,
                              f"{body.__name__}_{suffix}", body.__defaults__,
                              body.__closure__)  # fmt: skip
    copy.__qualname__ = f"{body.__qualname__}_{suffix}"
    copy.__doc__ = body.__doc__
    return copy
