"""Small fields for fast tests of the layers above the engine."""

from __future__ import annotations

from lever.model.loading import load, with_values
from lever.model.scenario import Scenario


def tiny(**values) -> Scenario:
    """britain-1933 shrunk to a few hundred agents and 12 weeks; ``values`` are further
    dotted-path changes."""
    base = {
        "organizations.labour.size": 2000.0,
        "organizations.ilp.size": 300.0,
        "organizations.cpgb.size": 200.0,
        "organizations.group.size": 10.0,
        "unorganized.size": 1000.0,
        "horizon_weeks": 12.0,
    }
    return with_values(load("britain-1933"), base | values)


def tiny_1932(**values) -> Scenario:
    """britain-1932 shrunk to a few hundred agents and 30 weeks (the group stays outside:
    its entry is in week 79), sampling two uncertainties; ``values`` are further changes."""
    base = {
        "organizations.labour.size": 2000.0,
        "organizations.ilp.size": 400.0,
        "organizations.cpgb.size": 200.0,
        "organizations.group.size": 10.0,
        "unorganized.size": 1000.0,
        "horizon_weeks": 30.0,
        "uncertainties": [
            {"path": "organizations.ilp.disappointment.1.level", "low": 0.0, "high": 0.5, "label": "crisis"},
            {"path": "dynamics.join_rate", "low": 0.001, "high": 0.01, "label": "join rate"},
        ],
    }
    return with_values(load("britain-1932"), base | values)
