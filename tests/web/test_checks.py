"""The page's words for a field's problems: one rule set (the schema's), worded for the page.

No server: :func:`lever.web.checks.scenario_from` is what every route that takes a field calls.
"""

from __future__ import annotations

import re

import pytest

from lever.model.loading import ScenarioError, parse, template_text, validate
from lever.web.checks import Refused, scenario_from


def _template() -> dict:
    return parse(template_text("join-or-stay"), "join-or-stay")


def _breaks() -> dict[str, dict]:
    """One field per rule of the schema, broken by that rule alone (but the cap on steps: the
    bounds of the horizon and the step cannot reach it)."""
    out = {}

    def broken(rule: str, change) -> None:
        data = _template()
        change(data)
        out[rule] = data

    broken("unknown role", lambda d: d.update(host="nobody"))
    broken("unknown stratum", lambda d: d["organizations"]["larger"].update(kernel={"nobody": 0.1}))
    broken("unknown reach", lambda d: d.update(reach_stratum="nobody"))
    broken("unknown default", lambda d: d.update(default_strategy="nothing"))
    broken("unknown allocation", lambda d: d["strategies"]["join"].update(allocation={"nowhere": 1.0}))
    broken("unknown owner", lambda d: d.update(organs={"paper": {"name": "our paper", "owner": "nobody",
                                                                  "circulation": {"group": 1.0}}}))  # fmt: skip
    broken("reserved", lambda d: d["organizations"].update(none=d["organizations"]["rival"]))
    broken("person by person", lambda d: d["organizations"]["larger"].update(persons_per_agent=10.0))
    broken("two roles", lambda d: d.update(rival="larger"))
    broken("bad key", lambda d: d["strategies"].update({"a.b": d["strategies"]["stay"]}))
    broken("sampled twice", lambda d: d["uncertainties"].append(dict(d["uncertainties"][0])))
    broken("too many agents", lambda d: d["unorganized"].update(size=1e9))
    broken("too many organizations", lambda d: d["organizations"].update(
        {f"other{k}": dict(d["organizations"]["rival"]) for k in range(100)}))  # fmt: skip
    broken("shares", lambda d: d["strategies"]["join"].update(allocation={"larger": 0.5}))
    broken("crisis order", lambda d: d["organizations"]["larger"].update(
        disappointment=[{"start_week": 10.0, "end_week": 2.0, "level": 0.3}]))  # fmt: skip
    broken("group opening", lambda d: d["organizations"]["group"].update(
        opening=[{"start_week": 0.0, "end_week": 2.0, "mobilisation": 2.0}]))  # fmt: skip
    broken("opening order", lambda d: d["organizations"]["larger"].update(
        opening=[{"start_week": 10.0, "end_week": 2.0, "pull": 2.0}]))  # fmt: skip
    broken("range order", lambda d: d["uncertainties"][0].update(low=0.5, high=0.1))
    broken("old and new name", lambda d: d["organizations"]["larger"].update(revolutionary={"everyone": 0.1}))
    return out


@pytest.mark.parametrize(("rule", "data"), list(_breaks().items()))
def test_the_page_words_every_rule_of_the_schema_at_the_field_lever_check_names(rule, data):
    """The page and ``lever check`` find the same problems (one rule set, the schema's), at the
    same fields (the page nearer: a share table's entry, a crisis's end week); the page says each
    in its own sentence, without the schema's names for fields, roles or tables."""
    with pytest.raises(ScenarioError) as check:
        validate(data, "f.toml")
    with pytest.raises(Refused) as page:
        scenario_from(data)
    checked = check.value.problems
    said = page.value.errors
    assert len(said) == len(checked), (said, checked)
    for (field, line), e in zip(checked, said, strict=True):
        assert e["field"] == field or e["field"].startswith(field + "."), (e, field)
        assert e["message"] != line[:1].upper() + line[1:] + ".", e  # worded for the page, not lever check's line
        assert e["message"].endswith("."), e
        words = re.sub(r"'[^']*'", "", e["message"])  # her keys, quoted, may be anything
        assert not re.search(r"\b[a-z]+_[a-z_]+\b|\b[a-z_]+\.[a-z_]+\b|\b(?:host|kernel|strata|allocation)\b", words), e
        assert not re.search(r"\b\w+\.\w+\b|_", e["label"]), e


def test_a_broken_reference_is_placed_at_its_entry_and_named_in_words():
    data = _template()
    data["organizations"]["larger"]["kernel"] = {"nobody": 0.1}
    with pytest.raises(Refused) as page:
        scenario_from(data)
    assert page.value.errors == [{
        "field": "organizations.larger.kernel.nobody",
        "message": "'nobody' is not one of the kinds of people (they are: everyone).",
        "label": "the larger organization, members close to your group's views",
    }]  # fmt: skip
