"""The scenario schema: what it accepts and what it refuses."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lever.scenario import NONE, Disappointment, Network, Scenario, Strategy, Uncertainty


def test_tiny_field_validates_with_org_keys_and_steps(tiny):
    assert tiny.org_keys == ["big", "host", "rival", "group"]
    assert tiny.steps == 10
    assert NONE == "none"


@pytest.mark.parametrize(("horizon", "step", "steps"), [(104.0, 1.0, 104), (10.0, 4.0, 2), (1.0, 7.0, 1)])
def test_steps_round_the_horizon_and_are_at_least_one(field_data, horizon, step, steps):
    data = field_data() | {"horizon_weeks": horizon, "step_weeks": step}
    assert Scenario.model_validate(data).steps == steps


def _refused(data, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        Scenario.model_validate(data)


def test_none_is_reserved(field_data):
    data = field_data()
    data["organizations"]["none"] = data["organizations"].pop("big")
    _refused(data, "'none' is reserved")


@pytest.mark.parametrize(("role", "match"), [("group", "group 'nowhere'"), ("rival", "rival 'nowhere'"),
                                             ("host", "host 'nowhere'")])
def test_roles_must_be_organizations(field_data, role, match):
    _refused(field_data() | {role: "nowhere"}, match)


def test_default_strategy_must_exist(field_data):
    _refused(field_data() | {"default_strategy": "dither"}, "default_strategy 'dither'")


def test_unknown_stratum_is_refused(field_data):
    data = field_data()
    data["organizations"]["host"]["revolutionary"] = {"peasant": 0.5}
    _refused(data, "organizations.host.revolutionary: unknown stratum 'peasant'")


def test_organ_owner_and_circulation_must_be_organizations(field_data):
    data = field_data()
    data["organs"]["own_organ"]["owner"] = "sect"
    _refused(data, "organs.own_organ.owner: unknown organization 'sect'")
    data = field_data()
    data["organs"]["own_organ"]["circulation"]["sect"] = 0.1
    _refused(data, "organs.own_organ.circulation: unknown organization 'sect'")


def test_allocation_to_unknown_organization_is_refused(field_data):
    data = field_data()
    data["strategies"]["enter"]["allocation"] = {"sect": 1.0}
    _refused(data, "strategies.enter.allocation: unknown organization 'sect'")


@pytest.mark.parametrize("shares", [{"host": 0.5}, {"host": 0.7, "group": 0.5}])
def test_allocation_must_sum_to_one(shares):
    with pytest.raises(ValidationError, match="allocation must sum to 1"):
        Strategy(allocation=shares)


def test_strata_shares_must_sum_to_one(field_data):
    data = field_data()
    data["organizations"]["host"]["strata"] = {"worker": 0.7, "clerk": 0.4}
    _refused(data, "strata must sum to 1")


@pytest.mark.parametrize(
    ("path", "value"),
    [(("homogeneity",), 1.5), (("size",), -1.0), (("persons_per_agent",), 0.0), (("spread",), -0.1),
     (("platform",), [0.5, 1.2]), (("committed",), 2.0)],
)
def test_out_of_range_values_are_refused(field_data, path, value):
    data = field_data()
    data["organizations"]["host"][path[0]] = value
    with pytest.raises(ValidationError):
        Scenario.model_validate(data)


def test_unknown_field_is_refused(field_data):
    data = field_data()
    data["dynamics"] = {"gravty": 2.0}
    _refused(data, "Extra inputs are not permitted")


def test_disappointment_and_uncertainty_must_be_ordered():
    with pytest.raises(ValidationError, match="end_week must not precede start_week"):
        Disappointment(start_week=5, end_week=4, level=0.1)
    with pytest.raises(ValidationError, match="high must not be below low"):
        Uncertainty(path="dynamics.gravity", low=2, high=1)


def test_models_are_frozen(tiny):
    with pytest.raises(ValidationError):
        tiny.name = "other"


def test_network_defaults():
    net = Network()
    assert (net.workplace_size, net.workplace_ties, net.random_ties, net.branch_talk, net.edges) == (20, 6, 2, 0.5, None)
