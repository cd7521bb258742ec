"""Scenarios as files: built-ins, loading, clear errors, changing values by path, round trips."""

from __future__ import annotations

import pickle

import pytest

from lever.model.loading import (
    ScenarioError,
    builtin_names,
    builtin_text,
    load,
    parse,
    parse_assignments,
    to_toml,
    validate,
    with_scale,
    with_values,
)

BRITAIN = "britain-1933"


@pytest.fixture(scope="module")
def britain():
    return load(BRITAIN)


def test_britain_is_a_builtin(britain):
    assert BRITAIN in builtin_names()
    assert britain.name == BRITAIN
    assert britain.org_keys == ["labour", "ilp", "cpgb", "group"]
    assert (britain.group, britain.rival, britain.host) == ("group", "cpgb", "ilp")
    assert britain.organizations["group"].size == 40.0
    assert britain.steps == 104


def test_unknown_builtin_text_names_the_builtins():
    with pytest.raises(ScenarioError, match="no such built-in scenario.*britain-1933"):
        builtin_text("atlantis-1848")


def test_load_missing_file_is_a_scenario_error(tmp_path):
    path = tmp_path / "absent.toml"
    with pytest.raises(ScenarioError) as err:
        load(path)
    assert err.value.source == str(path)
    assert "no such file" in err.value.problem
    assert str(err.value).startswith(f"{path}: ")


def test_load_a_file_equals_the_builtin(tmp_path, britain):
    path = tmp_path / "copy.toml"
    path.write_text(builtin_text(BRITAIN))
    assert load(path) == britain


def test_malformed_toml_names_the_file():
    with pytest.raises(ScenarioError, match=r"^bad\.toml: malformed TOML: .*line 1"):
        parse("a = = 1", "bad.toml")


def test_validate_names_file_field_and_problem(field_data):
    data = field_data()
    data["organizations"]["host"]["homogeneity"] = 1.5
    with pytest.raises(ScenarioError) as err:
        validate(data, "f.toml")
    assert err.value.source == "f.toml"
    assert err.value.field == "organizations.host.homogeneity"
    assert "less than or equal to 1" in err.value.problem
    assert str(err.value) == f"f.toml: organizations.host.homogeneity: {err.value.problem}"


def test_validate_misspelt_optional_field(field_data):
    data = field_data()
    data["dynamics"] = {"gravty": 2.0}
    with pytest.raises(ScenarioError) as err:
        validate(data, "f.toml")
    assert err.value.field == "dynamics.gravty"
    assert err.value.problem == "unknown field (misspelt?)"


def test_validate_misspelt_required_field_names_the_misspelling(field_data):
    """A misspelt required field must be reported as the unknown name the user wrote, not
    only as the correct name missing."""
    data = field_data()
    data["organizations"]["host"]["homogenity"] = data["organizations"]["host"].pop("homogeneity")
    with pytest.raises(ScenarioError) as err:
        validate(data, "f.toml")
    assert "organizations.host.homogenity" in str(err.value)


def test_to_toml_round_trips(tiny, britain, tmp_path):
    for scenario in (tiny, britain):
        assert validate(parse(to_toml(scenario), "x"), "x") == scenario
    path = tmp_path / "tiny.toml"
    path.write_text(to_toml(tiny))
    assert load(path) == tiny


def test_with_values_sets_dotted_paths_and_list_entries(britain):
    changed = with_values(britain, {"dynamics.gravity": 2, "organizations.ilp.disappointment.0.end_level": 0.6})
    assert changed.dynamics.gravity == 2.0
    assert changed.organizations["ilp"].disappointment[0].end_level == 0.6
    assert britain.dynamics.gravity == 1.0  # the original is untouched
    assert with_values(britain, {}) is britain


def test_with_values_sets_one_number_of_a_point(britain):
    """A platform is two numbers; one of them can be set (and so sampled) alone."""
    changed = with_values(britain, {"organizations.cpgb.platform.0": 0.6})
    assert changed.organizations["cpgb"].platform == (0.6, britain.organizations["cpgb"].platform[1])
    assert britain.organizations["cpgb"].platform[0] != 0.6  # the original is untouched
    with pytest.raises(ScenarioError) as err:
        with_values(britain, {"organizations.cpgb.platform.2": 0.6}, "src")
    assert err.value.field == "organizations.cpgb.platform.2"


def test_with_values_on_a_share_table_rescales_the_others(britain):
    changed = with_values(britain, {"organizations.labour.strata.worker": 0.4})
    assert changed.organizations["labour"].strata == pytest.approx({"worker": 0.4, "petty_bourgeois": 0.6})
    three = with_values(britain, {"strategies.split_cpgb_ilp.allocation.labour": 0.2})
    alloc = three.strategies["split_cpgb_ilp"].allocation
    assert alloc == pytest.approx({"cpgb": 0.25 * 0.8, "ilp": 0.75 * 0.8, "labour": 0.2})
    assert sum(alloc.values()) == pytest.approx(1.0)


def test_with_values_on_a_share_table_with_zero_rest_shares_equally(britain):
    changed = with_values(britain, {"strategies.split_cpgb_ilp.allocation.cpgb": 1.0})
    changed = with_values(changed, {"strategies.split_cpgb_ilp.allocation.cpgb": 0.4})
    assert changed.strategies["split_cpgb_ilp"].allocation == pytest.approx({"cpgb": 0.4, "ilp": 0.6})


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"dynamics.nosuch": 1}, "dynamics.nosuch"),
        ({"organizations.nowhere.size": 1.0}, "organizations.nowhere"),
        ({"organizations.ilp.disappointment.5.level": 0.1}, "organizations.ilp.disappointment.5"),
        ({"organizations.ilp.disappointment.7": 0.1}, "organizations.ilp.disappointment.7"),
        ({"organizations.ilp.homogeneity": 1.5}, "organizations.ilp.homogeneity"),
        ({"organizations.ilp.strata.worker": 1.5}, "organizations.ilp.strata"),
    ],
)
def test_with_values_errors_name_the_field(britain, values, field):
    with pytest.raises(ScenarioError) as err:
        with_values(britain, values, "src")
    assert err.value.source == "src"
    assert err.value.field.startswith(field)


def test_with_values_on_the_strata_definitions_is_a_scenario_error(britain):
    """``strata.worker`` is a stratum's table, not a share: setting it to a number must be
    a clear error, not a crash inside the share rescaling."""
    with pytest.raises(ScenarioError):
        with_values(britain, {"strata.worker": 0.5}, "src")


def test_parse_assignments():
    assert parse_assignments(["a.b=1", " c = 2.5 ", "d=true", "e=[1, 2]", "f=host", 'g="x"']) == {
        "a.b": 1,
        "c": 2.5,
        "d": True,
        "e": [1, 2],
        "f": "host",
        "g": "x",
    }
    for bad in ("novalue", "=3"):
        with pytest.raises(ScenarioError, match="expected path=value"):
            parse_assignments([bad])


def test_with_scale_changes_the_mass_populations_only(britain):
    scaled = with_scale(britain, 50.0)
    for key, org in scaled.organizations.items():
        assert org.persons_per_agent == (1.0 if key in ("group", "ilp", "cpgb") else 50.0)
    assert scaled.unorganized.persons_per_agent == 50.0


def test_relative_edge_list_is_read_beside_its_scenario(tmp_path, tiny):
    folder = tmp_path / "sub"
    folder.mkdir()
    path = folder / "field.toml"
    path.write_text(to_toml(with_values(tiny, {"network.edges": "edges.txt"})))
    assert load(path).network.edges == str(folder / "edges.txt")
    absolute = str(tmp_path / "elsewhere.txt")
    path.write_text(to_toml(with_values(tiny, {"network.edges": absolute})))
    assert load(path).network.edges == absolute


def test_scenario_error_crosses_a_process_boundary():
    import pickle

    from lever.model.loading import ScenarioError

    err = pickle.loads(pickle.dumps(ScenarioError("f.toml", "dynamics.gravity", "too big")))
    assert (err.source, err.field, err.problem) == ("f.toml", "dynamics.gravity", "too big")
    assert str(err) == "f.toml: dynamics.gravity: too big"


def test_entries_of_one_share_table_set_together_keep_their_values():
    from lever.model.loading import load, with_values

    sc = load("britain-1933")
    three = with_values(sc, {"strategies.split_cpgb_ilp.allocation": {"cpgb": 0.2, "ilp": 0.3, "labour": 0.5}})
    both = with_values(three, {"strategies.split_cpgb_ilp.allocation.cpgb": 0.1,
                               "strategies.split_cpgb_ilp.allocation.ilp": 0.6})  # fmt: skip
    alloc = both.strategies["split_cpgb_ilp"].allocation
    assert alloc["cpgb"] == 0.1 and alloc["ilp"] == 0.6
    assert abs(alloc["labour"] - 0.3) < 1e-12


def test_without_uncertainties_drops_paths_fixed_on_purpose():
    from lever.model.loading import load, without_uncertainties

    sc = without_uncertainties(load("britain-1933"), ["dynamics.gravity", "organizations.ilp.disappointment"], "t")
    paths = [u.path for u in sc.uncertainties]
    assert "dynamics.gravity" not in paths
    assert not any(p.startswith("organizations.ilp.disappointment") for p in paths)
    assert "dynamics.confidence" in paths


def test_britain_1932_starts_where_the_record_does_and_enters_early_in_1934():
    import datetime as dt

    from lever.calibration import load_record
    from lever.calibration.record import step_of

    sc = load("britain-1932")
    first = {
        f.series: f
        for f in sorted(load_record("britain").figures, key=lambda f: f.date, reverse=True)
        if f.date >= dt.date.fromisoformat(sc.start)
    }  # fmt: skip  (the earliest is written last)
    assert sc.organizations["ilp"].size == first["size_ilp"].value == 16773.0
    assert sc.organizations["group"].size < 12 and sc.strategies[sc.default_strategy].allocation == {"ilp": 1.0}
    assert round(step_of(sc, dt.date(1934, 2, 1))) == sc.strategies["historical"].entry_week
    # spell 0 is britain-1933's crisis on this calendar: the same path means the same thing
    spell = sc.organizations["ilp"].disappointment[0]
    assert round(step_of(sc, dt.date(1933, 10, 2))) == spell.start_week and spell.end_week - spell.start_week == 104


# --- every problem of a file at once ------------------------------------------------------------


def test_validate_names_every_problem_at_once(field_data):
    """A first field of one's own should not take a round per error: the fields' own errors
    and the rules across fields (checked on what can be read) come out together."""
    data = field_data()
    del data["default_strategy"]  # a required field missing
    del data["organizations"]["host"]["homogeneity"]  # another, inside a table
    data["organizations"]["host"]["persons_per_agent"] = 20.0  # the roles are counted person by person
    data["organizations"]["rival"]["persons_per_agent"] = 20.0
    data["organizations"]["big"]["size"] = -5.0  # out of bounds
    data["organs"]["own_organ"]["owner"] = "sect"  # a reference to nothing
    with pytest.raises(ScenarioError) as err:
        validate(data, "f.toml")
    assert sorted(err.value.problems) == sorted([
        ("default_strategy", "required field missing"),
        ("organizations.host.homogeneity", "required field missing"),
        ("organizations.host.persons_per_agent", "the host is counted person by person (1), since the group acts there"),
        ("organizations.rival.persons_per_agent", "the rival is counted person by person (1), since the group acts there"),
        ("organizations.big.size", "Input should be greater than or equal to 0"),
        ("organs.own_organ.owner", "unknown organization 'sect'"),
    ])  # fmt: skip
    lines = str(err.value).splitlines()
    assert len(lines) == 6 and all(line.startswith("f.toml: ") for line in lines)


def test_a_rule_across_fields_is_not_checked_on_a_value_already_wrong(field_data):
    data = field_data()
    data["organizations"]["host"]["persons_per_agent"] = -1.0  # wrong in itself: said once
    data["default_strategy"] = 3  # not a string: the rule naming a strategy cannot read it
    with pytest.raises(ScenarioError) as err:
        validate(data, "f.toml")
    assert [f for f, _ in err.value.problems] == ["default_strategy", "organizations.host.persons_per_agent"]


def test_a_misspelt_required_field_is_said_once_with_its_right_name(field_data):
    data = field_data()
    data["organizations"]["host"]["homogenity"] = data["organizations"]["host"].pop("homogeneity")
    with pytest.raises(ScenarioError) as err:
        validate(data, "f.toml")
    assert err.value.problems == [("organizations.host.homogenity", "unknown field (misspelt 'homogeneity'?)")]


def test_every_problem_crosses_back_from_a_worker(field_data):
    data = field_data()
    data["organizations"]["big"]["size"] = -5.0
    data["organs"]["own_organ"]["owner"] = "sect"
    with pytest.raises(ScenarioError) as err:
        validate(data, "f.toml")
    again = pickle.loads(pickle.dumps(err.value))
    assert str(again) == str(err.value) and again.problems == err.value.problems
