"""Lever: simulate and weigh the strategy of a small committed group in a field of organizations.

The public API::

    import lever
    field = lever.load("britain-1933")                 # or a TOML file of your own
    field = lever.with_values(field, {"dynamics.gravity": 2.0})
    run = lever.simulate(field, "enter_ilp_faction", seed=1)
    run.series          # pandas DataFrame, one row per week
    run.flow_table()    # persons moved from row to column
    run.final.opinion   # the population's arrays at the horizon
    weighed = lever.weigh.weigh(field, lever.weigh.WeighSettings(samples=8), "lever-out/store")
    weighed.ranking.table  # the strategies ranked, with intervals

The package's layers, each a folder that imports only the layers below it: ``model`` (the
schema, the built-in fields, the population) -> ``kernels`` -> ``store`` -> ``sim`` (one run)
and ``classic`` -> ``experiments`` (designs, tasks, executors) -> ``analysis`` ->
``calibration`` -> ``weigh`` -> ``theses`` -> the two faces, ``cli`` and ``web``
(docs/DESIGN.md).
"""

import os
import signal
import sys
from types import ModuleType

_COMMAND = os.path.basename(sys.argv[0] if sys.argv else "") == "lever"  # the console script, not a library user
if _COMMAND and signal.getsignal(signal.SIGINT) is signal.default_int_handler:

    def _stopped_early(signum: int, frame: object) -> None:  # noqa: ARG001 - a signal handler's signature
        """Ctrl-C while the command loads (before lever.cli.main restores the usual handler)."""
        os.write(2, b"Stopped (Ctrl-C) before the command began.\n")
        os._exit(130)

    signal.signal(signal.SIGINT, _stopped_early)

# Before Numba loads its OpenMP runtime (GNU libgomp, read once when loaded): a helper thread
# that has finished a parallel region spins for up to GOMP_SPINCOUNT turns (300,000 by
# default, milliseconds) before it sleeps. On a busy machine that spinning takes the core
# from the thread that still has work: measured at 10^5 nodes with one of two cores taken,
# a voter call on all threads took 37-60 ms against 14 ms on one thread; with 30,000 turns
# 15-19 ms, and idle nothing measurable is lost (the engine's step at 10^6 agents within 1%
# of the default's, 91-94 ms; at 3,000 turns it lost 10%, its conversation's regions follow
# one another too closely). A value the user set, or a wait policy, is left alone.
if "GOMP_SPINCOUNT" not in os.environ and "OMP_WAIT_POLICY" not in os.environ:
    os.environ["GOMP_SPINCOUNT"] = "30000"


from lever.kernels.cache import numba_cache_folder

# Compile once, for everyone: the CLI, bin/* and a plain `import lever` share one compile cache
# (set before Numba is imported anywhere; a folder the user chose is kept).
if not os.environ.get("NUMBA_CACHE_DIR"):
    os.environ["NUMBA_CACHE_DIR"] = numba_cache_folder()

from lever.model.loading import (
    ScenarioError,
    builtin_names,
    load,
    to_toml,
    with_scale,
    with_values,
)
from lever.model.scenario import Scenario, Strategy
from lever.sim.engine import Run, simulate
from lever.sim.results import summarize, write_run

__all__ = [
    "Run",
    "Scenario",
    "ScenarioError",
    "Strategy",
    "builtin_names",
    "load",
    "simulate",
    "summarize",
    "to_toml",
    "with_scale",
    "with_values",
    "write_run",
]

#: Layers reached as attributes of the package (``lever.weigh.weigh(...)``), imported when
#: first used so that ``import lever`` stays quick.
_SUBMODULES = ("analysis", "calibration", "classic", "experiments", "model", "sim", "store", "theses", "weigh")


def __getattr__(name: str) -> ModuleType:
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f"lever.{name}")
    raise AttributeError(f"module 'lever' has no attribute {name!r}")
