"""The britain-1933 field scaled to a given number of agents (one agent per person)."""

from __future__ import annotations

import lever


def scaled_field(agents: int, workplace_ties: int | None = 4, random_ties: int | None = 1):
    """britain-1933 with every population but the group's forty scaled so the field has about
    ``agents`` agents, each one person. ``workplace_ties=4, random_ties=1`` give a mean degree
    near 10 (the default 6 and 2 give about 16); None keeps the scenario's value."""
    base = lever.load("britain-1933")
    scalable = {k: o.size for k, o in base.organizations.items() if k != base.group}
    total = sum(scalable.values()) + base.unorganized.size
    f = (agents - base.organizations[base.group].size) / total
    values: dict = {}
    for k, size in scalable.items():
        values[f"organizations.{k}.size"] = size * f
        values[f"organizations.{k}.persons_per_agent"] = 1.0
    values["unorganized.size"] = base.unorganized.size * f
    values["unorganized.persons_per_agent"] = 1.0
    if workplace_ties is not None:
        values["network.workplace_ties"] = workplace_ties
    if random_ties is not None:
        values["network.random_ties"] = random_ties
    return lever.with_values(base, values, "benchmarks")
