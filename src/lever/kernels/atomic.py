"""Atomic reads, writes and compare-and-swap on one element of an int64 array, inside kernels.

Threads of one parallel region that hand work to each other without waiting at a barrier
(:mod:`lever.classic.pairs`) publish "block ``k`` is ready" with a release store and read it
with an acquire load: what was written before the store is seen by whoever reads the flag
it set. Numba has no atomics of its own on the CPU; these emit LLVM's. ``yield_cpu`` gives
the core up (``sched_yield``) to a thread that has work while this one has none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, cast

from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

__all__ = ["cas", "load_acquire", "store_release", "typed_intrinsic", "yield_cpu"]

_P = ParamSpec("_P")


def typed_intrinsic(typing: Callable[Concatenate[Any, _P], object]) -> Callable[_P, Any]:
    """Numba's ``@intrinsic``, typed as kernels call what it makes: without the typing
    context, which Numba passes, and returning what the generated code returns (not the
    typing function's signature and code generator)."""
    return cast(Callable[_P, Any], intrinsic(typing))


def _is_int64_vector(array) -> bool:
    return isinstance(array, types.Array) and array.ndim == 1 and array.dtype == types.int64


def _pointer(context, builder, arrty, arr, index, indexty):
    ary = context.make_array(arrty)(context, builder, arr)
    i = context.cast(builder, index, indexty, types.intp)
    return cgutils.get_item_pointer(context, builder, arrty, ary, [i], wraparound=False)


@typed_intrinsic
def load_acquire(typingctx, array, index):  # noqa: ARG001 (Numba's intrinsic signature)
    """``array[index]`` read atomically, with acquire ordering (``array``: 1-D int64)."""
    if not (_is_int64_vector(array) and isinstance(index, types.Integer)):
        return None
    sig = types.int64(array, index)

    def codegen(context, builder, signature, args):
        ptr = _pointer(context, builder, signature.args[0], args[0], args[1], signature.args[1])
        return builder.load_atomic(ptr, "acquire", 8)

    return sig, codegen


@typed_intrinsic
def store_release(typingctx, array, index, value):  # noqa: ARG001 (Numba's intrinsic signature)
    """``array[index] = value`` atomically, with release ordering (``array``: 1-D int64)."""
    if not (_is_int64_vector(array) and isinstance(index, types.Integer)
            and isinstance(value, types.Integer)):  # fmt: skip
        return None
    sig = types.void(array, index, value)

    def codegen(context, builder, signature, args):
        ptr = _pointer(context, builder, signature.args[0], args[0], args[1], signature.args[1])
        v = context.cast(builder, args[2], signature.args[2], types.int64)
        builder.store_atomic(v, ptr, "release", 8)
        return context.get_dummy_value()

    return sig, codegen


@typed_intrinsic
def cas(typingctx, array, index, expected, new):  # noqa: ARG001 (Numba's intrinsic signature)
    """Set ``array[index]`` to ``new`` if it holds ``expected``, atomically (sequentially
    consistent); whether it did (``array``: 1-D int64)."""
    if not (_is_int64_vector(array) and isinstance(index, types.Integer)
            and isinstance(expected, types.Integer) and isinstance(new, types.Integer)):  # fmt: skip
        return None
    sig = types.boolean(array, index, expected, new)

    def codegen(context, builder, signature, args):
        ptr = _pointer(context, builder, signature.args[0], args[0], args[1], signature.args[1])
        old = context.cast(builder, args[2], signature.args[2], types.int64)
        val = context.cast(builder, args[3], signature.args[3], types.int64)
        pair = builder.cmpxchg(ptr, old, val, "seq_cst", "seq_cst")
        return builder.extract_value(pair, 1)

    return sig, codegen


@typed_intrinsic
def yield_cpu(typingctx):  # noqa: ARG001 (Numba's intrinsic signature)
    """Give this thread's core up to another runnable thread, if there is one."""
    sig = types.void()

    def codegen(context, builder, signature, args):  # noqa: ARG001 (Numba's codegen signature)
        fnty = ir.FunctionType(ir.IntType(32), [])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "sched_yield")
        builder.call(fn, [])
        return context.get_dummy_value()

    return sig, codegen
