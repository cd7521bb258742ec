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


#: The keys of :func:`own_field`, made to appear in no word of its names and descriptions: a
#: figure or a table showing one of them shows a key where the field gives words.
OWN_KEYS = ("grp9", "big9", "riv9", "stay9", "join9", "kind9")


def own_field() -> Scenario:
    """The join-or-stay template as an organizer makes it her own: her keys (:data:`OWN_KEYS`),
    names, axes and strategies, shrunk to a few hundred people and 8 weeks."""
    from lever.model.loading import parse, template_text, validate

    data = parse(template_text("join-or-stay"), "join-or-stay")
    orgs = data["organizations"]
    moved = {"group": "grp9", "larger": "big9", "rival": "riv9"}
    names = {"grp9": "Eastside Tenants' Caucus", "big9": "Citywide Tenants Association", "riv9": "Renters' Front"}
    sizes = {"grp9": 10.0, "big9": 300.0, "riv9": 60.0}
    data["organizations"] = {new: orgs[old] | {"name": names[new], "size": sizes[new]} for old, new in moved.items()}
    for pop in [*data["organizations"].values(), data["unorganized"]]:
        for table in ("strata", "kernel"):
            if table in pop:
                pop[table] = {"kind9": pop[table]["everyone"]}
    data["strata"] = {"kind9": data["strata"]["everyone"]}
    data["unorganized"]["size"] = 200.0
    data |= {"group": "grp9", "host": "big9", "rival": "riv9", "default_strategy": "stay9", "horizon_weeks": 8.0,
             "title": "Should our caucus join the citywide association?"}  # fmt: skip
    data["labels"] |= {"kernel": "tenants ready to strike", "won": "tenants for the strike"}
    data["strategies"] = {
        "stay9": data["strategies"]["stay"] | {"description": "stay independent, building by building",
                                               "allocation": {"grp9": 1.0}},
        "join9": data["strategies"]["join"] | {"description": "enter the association as an open caucus",
                                               "allocation": {"big9": 1.0}},
    }  # fmt: skip
    for u in data["uncertainties"]:
        u["path"] = u["path"].replace("organizations.larger.", "organizations.big9.")
    return validate(data, "own-field")
