"""Compile the engine's kernels once, ahead of the first run: ``lever warm``, or
``python -m lever.sim.warm``. ``bin/_venv.sh`` runs it when it installs Lever, as a package
with C extensions builds them at install.

Numba compiles a kernel on its first call and keeps it in the compile cache
(:mod:`lever.kernels.cache`: ``import lever`` points ``NUMBA_CACHE_DIR`` at it), keyed by the
package's source; a later process loads it in well under a second. Compiling the engine takes
about 35 s of one core (issues 26, 23), which without this step the first ``lever run`` would pay.
Here one short history of britain-1933 calls every kernel of the engine: its default strategy
over the whole horizon (entry, recruiting, training, expulsion), then a few steps with every
mechanism of issue 23 switched on, and, unless ``parallel`` is false, a few steps on all threads
(the kernels that fields of ``PARALLEL_MIN`` agents and more run there).
"""

from __future__ import annotations

import sys
import time

import numpy as np

from lever.kernels.mobility import persons_by_org
from lever.kernels.threads import Threaded
from lever.model.loading import load
from lever.sim.engine import simulate


def warm(parallel: bool = True) -> float:
    """Compile (or load from the cache) every kernel a run of the engine calls; returns the
    seconds it took."""
    start = time.perf_counter()
    field = load("britain-1933")
    simulate(field)
    simulate(field, steps=4, twin=True)  # the built-in field runs every mechanism of issue 23
    # read only under an opening that recruits through its members, which britain-1933 has not
    persons_by_org(np.zeros(1, np.int16), np.ones(1), 1, 1)
    if parallel:
        before = Threaded.force
        Threaded.force = True
        try:
            simulate(field, steps=2)
        finally:
            Threaded.force = before
    return time.perf_counter() - start


if __name__ == "__main__":
    seconds = warm(parallel="--no-parallel" not in sys.argv[1:])
    print(f"Lever's kernels are compiled ({seconds:.0f} s)", file=sys.stderr)
