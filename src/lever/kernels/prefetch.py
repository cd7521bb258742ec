"""Asking the CPU to fetch memory ahead of a loop that will read it.

A loop that makes updates in order (an exchange reads two random rows, then writes them)
waits on each cache miss with most of the loop's later work stuck behind it. A prefetch
some iterations ahead starts those misses early and retires at once, so many are under
way together. It changes no value: only when the memory arrives.
"""

from __future__ import annotations

from llvmlite import ir
from numba.core import cgutils, types

from lever.kernels.atomic import typed_intrinsic

__all__ = ["prefetch"]


@typed_intrinsic
def prefetch(typingctx, array, row):  # noqa: ARG001 (Numba's intrinsic signature)
    """Hint that element ``row`` of a 1-D ``array``, or row ``row`` of a C-contiguous 2-D one,
    will soon be read or written.

    ``row`` must lie in ``0 .. array.shape[0] - 1``; nothing is checked, nothing is read.
    """
    if not (isinstance(array, types.Array) and array.ndim in (1, 2)
            and isinstance(row, types.Integer)):  # fmt: skip
        return None
    sig = types.void(array, row)

    def codegen(context, builder, signature, args):
        arrty, rowty = signature.args
        arr = context.make_array(arrty)(context, builder, args[0])
        r = context.cast(builder, args[1], rowty, types.intp)
        at = [r] + [context.get_constant(types.intp, 0)] * (arrty.ndim - 1)
        ptr = cgutils.get_item_pointer(context, builder, arrty, arr, at, wraparound=False)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        # write intent (1), keep in all cache levels (3), data cache (1)
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(1), i32(3), i32(1)])
        return context.get_dummy_value()

    return sig, codegen
