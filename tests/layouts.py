"""Run the same thing under every way of sharing the work out among threads."""

from __future__ import annotations

from collections.abc import Callable

import numba

from lever.classic import pairs

#: (Numba's threads, parts of each pipelined stage)
LAYOUTS = ((1, 2), (2, 2), (2, 3), (2, 7))


def under_every_layout(monkeypatch, module, run: Callable[[], object]) -> list[object]:
    """``run()`` once per layout, the stage parts patched into ``module.worker_count`` (and
    the choice between all threads and one, by measured speed, switched off)."""
    monkeypatch.setattr(pairs, "ADAPTIVE", False)
    out = []
    for threads, parts in LAYOUTS:
        monkeypatch.setattr(module, "worker_count", lambda parts=parts: parts)
        before = numba.get_num_threads()
        try:
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
            out.append(run())
        finally:
            numba.set_num_threads(before)
    return out
