"""``lever explain``: each field with whether a scenario must give it, its default, units and bounds."""

from __future__ import annotations

import pytest

from lever.model.explain import explain, reference_markdown
from lever.model.scenario import Scenario


def test_a_required_field_says_so_with_its_units_and_bounds():
    text = explain("organizations.<key>.persons_per_agent")
    assert (
        text.splitlines()[0]
        == "organizations.<key>.persons_per_agent  (Organization.persons_per_agent, persons per agent)"
    )
    assert "  required: every entry must give it" in text.splitlines()
    assert "  bounds: ge 0.001, le 1e+10" in text.splitlines()
    assert "  required: every scenario must give it" in explain("default_strategy").splitlines()


@pytest.mark.parametrize(("path", "default"), [
    ("dynamics.gravity", "optional; default: 1.0"),
    ("rival", "optional; default: absent"),
    ("organs", "optional; default: empty"),
    ("network", "optional; default: every field of it at its default"),
    ("strategies.<key>.press", "optional; default: 'own'"),
])  # fmt: skip
def test_an_optional_field_gives_its_default(path, default):
    assert f"  {default}" in explain(path).splitlines()


def test_a_key_of_ones_own_or_none_leads_to_the_same_field():
    pattern = explain("organizations.<key>.size").splitlines()
    concrete = explain("organizations.ilp.size").splitlines()
    assert concrete[0] == "organizations.ilp.size  (Organization.size, persons)"
    assert concrete[1:4] == pattern[1:4]  # meaning, required, bounds
    assert "  the same field in every entry: organizations.<key>.size" in concrete
    # a table's key left out: the field of its entries, saying how it was read
    missing = explain("organizations.persons_per_agent")
    assert missing.splitlines()[0].startswith("organizations.<key>.persons_per_agent  (Organization.persons_per_agent")
    assert "read as organizations.<key>.persons_per_agent" in missing
    assert "an entry of" not in missing


def test_an_entry_lists_its_fields_and_an_unknown_name_is_refused_with_a_guess():
    entry = explain("organizations.ilp")
    assert entry.startswith("organizations.ilp: an entry of organizations (Organization), named by its key")
    assert "persons_per_agent" in entry and "homogeneity" in entry
    assert "position in the list" in explain("uncertainties.0")
    with pytest.raises(KeyError, match="'gravty' is not a field of dynamics \\(did you mean 'gravity'\\?\\)"):
        explain("dynamics.gravty")


def test_the_reference_says_for_every_field_required_or_its_default():
    rows = [line for line in reference_markdown().splitlines() if line.startswith("| `")]
    assert len(rows) > 100
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        assert len(cells) == 5, row
        assert cells[2] == "required" or cells[2].startswith("default: "), row
    by_path = {r.split(" | ")[0].strip("| `"): r for r in rows}
    assert " | required | ge 0.001, le 1e+10 | " in by_path["organizations.<key>.persons_per_agent"]
    assert " | default: 1.0 | ge 0, le 5 | " in by_path["dynamics.gravity"]
    assert all(f"`{name}`" in reference_markdown() for name in Scenario.model_fields)
