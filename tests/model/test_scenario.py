"""The scenario schema: what it accepts and what it refuses."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from lever.model.loading import ScenarioError, validate
from lever.model.scenario import NONE, Disappointment, Network, Opening, Scenario, Strategy, Uncertainty


def test_tiny_field_validates_with_org_keys_and_steps(tiny):
    assert tiny.org_keys == ["big", "host", "rival", "group"]
    assert tiny.steps == 10
    assert NONE == "none"


@pytest.mark.parametrize(("horizon", "step", "steps"), [(104.0, 1.0, 104), (10.0, 4.0, 2), (1.0, 7.0, 1)])
def test_steps_round_the_horizon_and_are_at_least_one(field_data, horizon, step, steps):
    data = field_data() | {"horizon_weeks": horizon, "step_weeks": step}
    assert Scenario.model_validate(data).steps == steps


def _refused(data, match: str) -> None:
    """Refused, with a problem that reads ``field: problem`` as the loader writes it."""
    with pytest.raises(ValidationError) as err:
        Scenario.model_validate(data)
    found = [".".join(map(str, e["loc"])) + ": " + e["msg"] for e in err.value.errors()]
    assert any(re.search(match, line) for line in found), found


def test_none_is_reserved(field_data):
    data = field_data()
    data["organizations"]["none"] = data["organizations"].pop("big")
    _refused(data, "'none' is reserved")


@pytest.mark.parametrize(
    ("role", "match"), [("group", "group 'nowhere'"), ("rival", "rival 'nowhere'"), ("host", "host 'nowhere'")]
)
def test_roles_must_be_organizations(field_data, role, match):
    _refused(field_data() | {role: "nowhere"}, match)


def test_default_strategy_must_exist(field_data):
    _refused(field_data() | {"default_strategy": "dither"}, "default_strategy 'dither'")


def test_unknown_stratum_is_refused(field_data):
    data = field_data()
    data["organizations"]["host"]["kernel"] = {"peasant": 0.5}
    _refused(data, "organizations.host.kernel: unknown stratum 'peasant'")


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
    [
        (("homogeneity",), 1.5),
        (("size",), -1.0),
        (("persons_per_agent",), 0.0),
        (("spread",), -0.1),
        (("platform",), [0.5, 1.2]),
        (("committed",), 2.0),
    ],
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


def test_the_group_leads_no_opening(field_data):
    data = field_data()
    data["organizations"]["group"]["opening"] = [{"start_week": 0.0, "end_week": 2.0, "mobilisation": 2.0}]
    with pytest.raises(ScenarioError, match="the group leads no opening") as refused:
        validate(data, "f.toml")
    assert "organizations.group.opening" in str(refused.value)
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        Opening(start_week=0, end_week=1, mobilisation=0.5)  # an opening adds joiners, never takes them


def test_disappointment_and_uncertainty_must_be_ordered():
    with pytest.raises(ValidationError, match="end_week must not precede start_week"):
        Disappointment(start_week=5, end_week=4, level=0.1)
    with pytest.raises(ValidationError, match="end_week must not precede start_week"):
        Opening(start_week=5, end_week=4, pull=2.0)
    with pytest.raises(ValidationError, match="high must not be below low"):
        Uncertainty(path="dynamics.gravity", low=2, high=1)


def test_models_are_frozen(tiny):
    with pytest.raises(ValidationError):
        tiny.name = "other"


def test_network_defaults():
    net = Network()
    assert (net.workplace_size, net.workplace_ties, net.random_ties, net.branch_talk, net.edges) == (
        20,
        6,
        2,
        0.5,
        None,
    )


# --- every field explained, every number bounded ------------------------------------------------

from lever.model.explain import explain  # noqa: E402
from lever.model.scenario import RenamedFieldWarning, fields  # noqa: E402


@pytest.mark.parametrize(
    ("model", "name", "info"), fields(), ids=lambda x: getattr(x, "__name__", x) if not hasattr(x, "annotation") else ""
)
def test_every_field_has_a_description_and_units(model, name, info):
    assert info.description and len(info.description) > 10, f"{model.__name__}.{name} has no description"
    assert (info.json_schema_extra or {}).get("units"), f"{model.__name__}.{name} has no units"


def test_the_schema_speaks_of_no_particular_field():
    words = ("moscow", "stalin", "worker", "ilp", "cpgb", "labour")
    for model, name, info in fields():
        if name == "description" and model.__name__ == "Scenario":
            continue
        text = f"{name} {info.description}".lower().replace("britain-1933:", "|").split("|")[0]
        assert not any(w in text for w in words), f"{model.__name__}.{name}: {info.description}"


def test_explain_names_model_units_bounds_and_default():
    text = explain("organizations.ilp.homogeneity")
    assert text.startswith("organizations.ilp.homogeneity  (Organization.homogeneity, 0-1)")
    assert "bounds: ge 0, le 1" in text
    assert "default: 0.1" in explain("dynamics.trust_group_outside")
    with pytest.raises(KeyError, match="'gravitas' is not a field of dynamics"):
        explain("dynamics.gravitas")


@pytest.mark.parametrize(("path", "value", "match"), [
    ("dynamics.bloc_weight", float("inf"), "finite number"),
    ("horizon_weeks", float("inf"), "finite number"),
    ("horizon_weeks", 1e9, "less than or equal to 5200"),
    ("training_weeks", 1e300, "less than or equal to 5200"),
    ("committed_talk", 1e6, "less than or equal to 10"),
    ("dynamics.gravity", float("nan"), "finite number"),
    ("size", 1e300, "less than or equal to 10000000000"),
    ("agents", 2e8, "agents is more than 100,000,000"),
])  # fmt: skip
def test_numbers_are_finite_and_within_what_a_machine_runs(field_data, path, value, match):
    data = field_data()
    if path in ("training_weeks", "committed_talk"):
        data["dynamics"][path] = value
    elif path == "size":
        data["organizations"]["host"]["size"] = value
    elif path == "agents":
        data["unorganized"] |= {"size": value, "persons_per_agent": 1.0}
    elif "." in path:
        data["dynamics"][path.split(".")[1]] = value
    else:
        data[path] = value
    _refused(data, match)


def test_old_names_are_read_with_a_warning(field_data):
    data = field_data()
    data["dynamics"]["trust_rival"] = data["dynamics"].pop("trust_group_outside")
    data["unorganized"]["revolutionary"] = data["unorganized"].pop("kernel")
    with pytest.warns(RenamedFieldWarning) as caught:
        sc = Scenario.model_validate(data)
    said = {str(w.message) for w in caught}
    assert "'trust_rival' is now called 'trust_group_outside'; the old name still works" in said
    assert "'revolutionary' is now called 'kernel'; the old name still works" in said
    assert sc.dynamics.trust_group_outside == 0.1 == sc.dynamics.trust_rival
    assert sc.unorganized.kernel == {"worker": 0.05}


def test_old_and_new_name_together_are_refused(field_data):
    data = field_data()
    data["dynamics"]["trust_rival"] = 0.3
    _refused(data, "'trust_rival' is the old name of 'trust_group_outside'")


def test_old_paths_work_in_set_and_uncertainties(tiny):
    from lever.model.loading import with_values

    with pytest.warns(RenamedFieldWarning):
        changed = with_values(tiny, {"dynamics.trust_rival": 0.3, "uncertainties": [
            {"path": "dynamics.revolutionary_threshold", "low": 0.5, "high": 0.7}]})  # fmt: skip
    assert changed.dynamics.trust_group_outside == 0.3
    assert changed.uncertainties[0].path == "dynamics.kernel_threshold"


def test_a_field_without_a_rival_is_valid(field_data):
    data = field_data()
    del data["rival"]
    assert Scenario.model_validate(data).roles == {"group": "group", "host": "host"}
