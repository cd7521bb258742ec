"""Lever: simulate and weigh the strategy of a small committed group in a field of organizations.

The public API::

    import lever
    field = lever.load("britain-1933")                 # or a TOML file of your own
    field = lever.with_values(field, {"dynamics.gravity": 2.0})
    run = lever.simulate(field, "enter_ilp_faction", seed=1)
    run.series          # pandas DataFrame, one row per week
    run.flow_table()    # persons moved from row to column
    run.final.opinion   # the population's arrays at the horizon
    lever.weigh.weigh(lever.weigh.Design(field, samples=8, replications=2))
"""

from lever.engine import Run, simulate
from lever.results import summarize, write_run
from lever.scenario import Scenario, Strategy
from lever.scenarios import (
    ScenarioError,
    builtin_names,
    load,
    to_toml,
    with_scale,
    with_values,
)

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

#: Modules reached as attributes of the package (``lever.weigh.weigh(...)``), imported when
#: first used so that ``import lever`` stays quick.
_SUBMODULES = ("analysis", "explain", "network", "provenance", "report", "theses", "weigh")


def __getattr__(name: str):
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f"lever.{name}")
    raise AttributeError(f"module 'lever' has no attribute {name!r}")
