"""What the page accepts: a scenario from the browser, validated and bounded before any work.

Every refusal is a :class:`Refused`: an HTTP status, one line, and for a scenario the fields
at fault (dotted paths, as ``lever explain`` takes them), so the page shows each beside its control.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from lever.model.loading import ScenarioError, parse, validate
from lever.model.scenario import NONE, RULE_ERRORS, Scenario
from lever.web.limits import Limits


@dataclass
class Refused(Exception):
    """A request the page will not serve: ``status``, a one-line ``message``, and the
    ``errors`` per field (``{"field": path, "message": text}``)."""

    status: int
    message: str
    errors: list[dict[str, str]] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        return refusal(self.message, self.errors)


def one_line(text: str) -> str:
    """``text`` with its line breaks and other unprintable characters written as escapes
    (``\\n``, ``\\x00``, ``\\u2028``): a name the request gave (a path's ``%0A``, a key of its
    body) is echoed in the refusal, which stays one line."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def refusal(detail: str, errors: list[dict[str, str]]) -> dict[str, Any]:
    """A refusal's body: its one line, and each field's problem, each one line."""
    return {"detail": one_line(detail), "errors": [{k: one_line(str(v)) for k, v in e.items()} for e in errors]}


def _path(loc: tuple[Any, ...]) -> str:
    # pydantic puts validator names in the location of a model's own checks
    return ".".join(str(p) for p in loc if p not in ("function-after", "tagged-union"))


def _shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


#: The roles as the builder names them.
ROLES = {"group": "your group", "host": "the larger organization", "rival": "the rival"}
#: What each table's keys name, as a rule's sentence says it.
TABLES = {"organizations": "organizations", "strata": "kinds of people", "strategies": "strategies"}


def _listed(keys: list[str]) -> str:
    return ", ".join(keys) or "none yet"


def _rule(found: dict[str, Any]) -> str:
    """A problem one of the schema's rules found (its context: the rule's name and values), as
    the page says it."""
    rule, given = found.get("rule"), found.get("given")
    if rule == "unknown_reference":
        table = TABLES.get(found.get("table", ""), found.get("table", ""))
        also = f", or '{NONE}' for the unorganized" if found.get("unorganized") else ""
        keys = _listed(found.get("keys", []))
        if given == "":
            return f"None is chosen: choose one of the {table} (they are: {keys}{also})."
        return f"'{given}' is not one of the {table} (they are: {keys}{also})."
    if rule == "reserved_key":
        return f"'{NONE}' is kept for the unorganized: give this organization another key."
    if rule == "person_by_person":
        role = ROLES.get(found.get("role", ""), "this organization")
        return f"{role[:1].upper()}{role[1:]} is counted person by person: this must be 1."
    if rule == "same_organization":
        other = ROLES.get(found.get("other", ""), "another role")
        return f"'{given}' is already the key of {other}: each organization needs its own key."
    if rule == "bad_key":
        return f"The key '{given}' must be a name without '.' and without spaces at either end."
    if rule == "sampled_twice":
        return f"'{given}' already has a range above: give each number one range."
    if rule == "too_many_steps":
        return f"The run would take more than {found.get('most', 0):,} steps: shorten it, or lengthen each step."
    if rule == "too_many_agents":
        return (f"{found.get('agents', 0):,} simulated people is more than {found.get('most', 0):,}: "
                "let one simulated person stand for several (persons per agent).")  # fmt: skip
    if rule == "too_many_organizations":
        return (f"{found.get('given', 0)} organizations is more than {found.get('most', 0)}: "
                "merge the smallest, or leave out those your question does not need.")  # fmt: skip
    if rule == "shares_sum":
        what = "where the group goes" if found.get("table") == "allocation" else "the strata"
        return f"The shares of {what} add up to {_shown(found.get('total'))}; they must add up to 1."
    if rule == "crisis_order":
        return "The crisis ends before it starts: its end week must not come before its start week."
    if rule == "group_opening":
        return "Your group leads no opening: it wins people through its members. Give it to the organization whose campaign it is."
    if rule == "opening_order":
        return "The opening is full before it starts: its end week must not come before its start week."
    if rule == "range_order":
        return "The highest value is below the lowest: swap them."
    if rule == "old_and_new_name":
        old, new = found.get("old"), found.get("new")
        return f"This gives both '{old}' and '{new}', an old and a new name of one field: keep only '{new}'."
    return ""


def sentence(e: dict[str, Any]) -> str:
    """One pydantic problem as a sentence a reader without Python follows: what the value must
    be, and what it was where that is short."""
    kind, ctx, given = e.get("type", ""), e.get("ctx") or {}, e.get("input")
    said = {
        "missing": "This is required: fill it in.",
        "extra_forbidden": "This is not a field of this table (misspelt?).",
        "less_than_equal": f"Must be at most {_shown(ctx.get('le'))}.",
        "less_than": f"Must be less than {_shown(ctx.get('lt'))}.",
        "greater_than_equal": f"Must be at least {_shown(ctx.get('ge'))}.",
        "greater_than": f"Must be more than {_shown(ctx.get('gt'))}.",
        "finite_number": "Must be a finite number.",
        "float_parsing": "Must be a number.",
        "float_type": "Must be a number.",
        "int_parsing": "Must be a whole number.",
        "int_type": "Must be a whole number.",
        "int_from_float": "Must be a whole number.",
        "string_type": "Must be text.",
        "bool_type": "Must be yes or no.",
        "bool_parsing": "Must be yes or no.",
        "literal_error": f"Must be one of {ctx.get('expected', 'the choices offered')}.",
        "dict_type": "Must be a table of entries.",
        "model_type": "Must be a table of fields.",
        "model_attributes_type": "Must be a table of fields.",
        "list_type": "Must be a list.",
        "tuple_type": "Must be a list.",
        "too_short": f"Needs {ctx.get('min_length', 'more')} values.",
        "too_long": f"Takes at most {ctx.get('max_length', 'fewer')} values.",
    }.get(kind)
    if kind in RULE_ERRORS:
        said = _rule(ctx) or None
    if said is None:
        text = str(e.get("msg", "")).removeprefix("Value error, ")
        said = text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
    elif (
        kind not in ("missing", "extra_forbidden", *RULE_ERRORS)
        and isinstance(given, (int, float, str))
        and len(str(given)) < 40
    ):
        said = f"{said[:-1]} (it is {given if given != '' else 'empty'})."
    return said


#: Where in its table a rule's problem belongs: a share table's sum is its table's, a crisis's
#: or opening's order its end week's, a range's order its high end's.
_PLACED = {"crisis_order": "end_week", "opening_order": "end_week", "range_order": "high"}


def _where(e: dict[str, Any]) -> str:
    """The field a problem belongs to: a share table's sum is its table's, not its owner's; a
    reference in a share table is its entry's."""
    field = _path(e["loc"])
    found = (e.get("ctx") or {}) if e.get("type") in RULE_ERRORS else {}
    below = found.get("table") if found.get("rule") == "shares_sum" else _PLACED.get(found.get("rule", ""))
    below = below or found.get("entry")
    return ".".join(p for p in (field, below) if p) if below else field


#: The builder's words for the fields it shows, and a few more: every other field is called by
#: its name in the form, without underscores.
FIELD_WORDS = {
    "size": "members", "name": "name", "title": "title", "kernel": "members close to your group's views",
    "homogeneity": "how loose it is", "disappointment": "crisis", "level": "how deep",
    "persons_per_agent": "persons per simulated person", "allocation": "where the group goes",
    "description": "what it is", "form": "how", "circulation": "readers", "owner": "whose paper it is",
    "strata": "kinds of people", "platform": "where its members' views start", "default_strategy":
    "the strategy a run uses unless told", "reach_stratum": "the kind of people the group most seeks",
    "horizon_weeks": "how long a run lasts", "step_weeks": "weeks in a step", "path": "the number it varies",
}  # fmt: skip
_HEADS = {"unorganized": "the unorganized", "dynamics": "the mechanisms", "network": "the social ties",
          "labels": "the field's words", "uncertainties": "what nobody knows for sure", "organs": "papers",
          "strategies": "strategies", "organizations": "organizations", "strata": "kinds of people"}  # fmt: skip


def _entry(table: str, key: str, data: dict[str, Any]) -> str:
    """An entry of a keyed table in her words: an organization or a paper by its name, a
    strategy by its description."""
    entry = _table(data, table).get(key)
    attr = {"organizations": "name", "organs": "name", "strategies": "description"}.get(table, "")
    said = entry.get(attr) if isinstance(entry, dict) else None
    if isinstance(said, str) and said.strip():
        return f"the strategy “{said}”" if table == "strategies" else said
    return f"'{key}'"


def field_words(path: str, data: Any) -> str:
    """A field's path in the page's words: ``organizations.larger.kernel.everyone`` is "the
    larger organization (its name), members close to your group's views, everyone"."""
    data = data if isinstance(data, dict) else {}
    parts = [p for p in path.split(".") if p]
    if not parts:
        return ""
    head, rest = parts[0], parts[1:]
    if head in ROLES and not rest:
        return f"the key of {ROLES[head]}"
    said: list[str] = []
    if head in ("organizations", "organs", "strategies", "strata") and rest:
        said.append(_entry(head, rest[0], data))
        rest = rest[1:]
    else:
        said.append(_HEADS.get(head, FIELD_WORDS.get(head, head.replace("_", " "))))
    for i, part in enumerate(rest):
        if part.isdigit():
            said[-1] = f"{said[-1]} {int(part) + 1}"
        elif i > 0 and rest[i - 1] in ("allocation", "circulation"):
            said.append("the unorganized" if part == NONE else _entry("organizations", part, data))
        elif i > 0 and rest[i - 1] in ("strata", "kernel"):
            if len(_table(data, "strata")) != 1:  # where everyone is of one kind, its key says nothing
                said[-1] = f"{said[-1]} among '{part}'"
        else:
            said.append(FIELD_WORDS.get(part, part.replace("_", " ")))
    return ", ".join(said)


def _table(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def field_errors(err: ValidationError, data: Any = None) -> list[dict[str, str]]:
    """Every problem pydantic and the schema's rules found, each as its field's path (where the
    page shows it), a sentence, and the field in words (``label``)."""
    out = []
    for e in err.errors():
        where = _where(dict(e))
        out.append({"field": where, "message": sentence(dict(e)), "label": field_words(where, data)})
    return out


def scenario_from(data: Any) -> Scenario:
    """A validated scenario from the browser's JSON, every field's problem named."""
    if not isinstance(data, dict):
        raise Refused(422, "scenario: expected an object of the scenario's fields")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an old field name is read as the new one, quietly
        try:
            Scenario.model_validate(data)
        except ValidationError as err:
            errors = field_errors(err, data)
            raise Refused(422, f"scenario: {errors[0]['field'] or 'the scenario'}: {errors[0]['message']}"
                          + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""), errors) from None  # fmt: skip
        except (ValueError, TypeError, RecursionError) as err:
            raise Refused(422, f"scenario: {err}") from None
        try:
            scenario = validate(data, "scenario")
        except ScenarioError as err:
            raise Refused(422, str(err), [{"field": err.field, "message": err.problem}]) from None
    if scenario.network.edges:  # a path would name a file on the server's disk
        raise Refused(
            422,
            "scenario: network.edges: a file path cannot come from the browser (leave it empty)",
            [{"field": "network.edges", "message": "a file path cannot come from the browser"}],
        )
    return scenario


def scenario_from_toml(text: str) -> dict[str, Any]:
    """The scenario a TOML file holds, as JSON data for the page's form."""
    try:
        data = parse(text, "the file")
    except ScenarioError as err:
        raise Refused(422, str(err)) from None
    return scenario_from(data).model_dump(mode="json")


def agents_in(scenario: Scenario) -> int:
    pops = [*scenario.organizations.values(), scenario.unorganized]
    return round(sum(p.size / p.persons_per_agent for p in pops))


def check_size(scenario: Scenario, steps: int | None, limits: Limits, runs: int = 1) -> None:
    """Refuse a field, a run or a weigh beyond what this server allows (``lever serve``'s options)."""
    agents = agents_in(scenario)
    if agents > limits.agents:
        raise Refused(
            422,
            f"scenario: {agents:,} agents; this server runs at most {limits.agents:,} "
            "(raise persons_per_agent, lower sizes, or restart with --max-agents)",
            [
                {
                    "field": "unorganized.size",
                    "label": "the unorganized, people",
                    "message": f"{agents:,} simulated people in all: this server runs at most {limits.agents:,} "
                    "(lower the sizes, or let one simulated person stand for several).",
                }
            ],
        )
    total = steps if steps is not None else scenario.steps
    if total > limits.steps:
        raise Refused(
            422,
            f"steps: {total:,} steps; this server runs at most {limits.steps:,} "
            "(shorten horizon_weeks, or restart with --max-steps)",
            [
                {
                    "field": "horizon_weeks" if steps is None else "steps",
                    "label": "how long a run lasts",
                    "message": f"{total:,} steps: this server runs at most {limits.steps:,}.",
                }
            ],
        )
    if runs > limits.runs:
        raise Refused(422, f"{runs:,} runs; this server weighs at most {limits.runs:,} at once "
                      "(fewer samples or replications, or restart with --max-runs)",
                      [{"field": "samples", "message": f"{runs:,} runs in all (every strategy, draw and replication); "
                        f"this server weighs at most {limits.runs:,} at once: ask for fewer draws or replications."}])  # fmt: skip
