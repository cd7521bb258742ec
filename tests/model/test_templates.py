"""Templates (issue 25): starting points for a field of one's own, with no history in them."""

from __future__ import annotations

import re
from importlib import resources

from typer.testing import CliRunner

from lever.cli.main import app
from lever.model.loading import parse, template_names, template_text, validate

HISTORY = re.compile(r"labour|ilp|cpgb|moscow|stalin|trotsky|19[0-9][0-9]|britain|bolshevik", re.IGNORECASE)


def test_every_template_is_a_valid_field_without_history():
    assert template_names() == ["join-or-stay", "join-or-stay-alone"]
    for name in template_names():
        text = template_text(name)
        assert HISTORY.findall(text) == []
        field = validate(parse(text, name), name)
        assert {"group", "host"} <= set(field.roles)
        assert all(not o.disappointment for o in field.organizations.values())  # no crisis unless she adds one
        assert field.organs == {}


def test_every_template_s_sources_say_they_are_defaults():
    for name in template_names():
        field = validate(parse(template_text(name), name), name)
        tables = [
            field,
            *field.organizations.values(),
            field.unorganized,
            *field.strategies.values(),
            *field.strata.values(),
        ]
        said = [s for t in tables for s in t.sources.values()]
        assert said and all(s.startswith("assumption: template default") for s in said)


def test_lever_check_passes_each_template_file():
    folder = resources.files("lever") / "model" / "builtin" / "templates"
    for name in template_names():
        result = CliRunner().invoke(app, ["check", str(folder / f"{name}.toml")])
        assert result.exit_code == 0 and "valid" in result.output, result.output


def test_templates_are_not_built_ins():
    from lever.model.loading import builtin_names

    assert not set(template_names()) & set(builtin_names())  # the built-ins stay examples of history
