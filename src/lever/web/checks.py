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
from lever.model.scenario import NONE, Scenario
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
    if said is None:
        text = str(e.get("msg", "")).removeprefix("Value error, ")
        said = text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
    elif kind not in ("missing", "extra_forbidden") and isinstance(given, (int, float, str)) and len(str(given)) < 40:
        said = f"{said[:-1]} (it is {given if given != '' else 'empty'})."
    return said


def _where(e: dict[str, Any]) -> str:
    """The field a problem belongs to: a share table's sum is its table's, not its owner's."""
    field = _path(e["loc"])
    msg = str(e.get("msg", "")).removeprefix("Value error, ")
    for table in ("strata", "allocation"):
        if msg.startswith(f"{table} must sum"):
            return f"{field}.{table}" if field else table
    if msg.startswith("end_week must not precede"):
        return f"{field}.end_week"
    if msg.startswith("high must not be below"):
        return f"{field}.high"
    return field


def field_errors(err: ValidationError) -> list[dict[str, str]]:
    """Every problem pydantic found, as (field path, sentence)."""
    return [{"field": _where(dict(e)), "message": sentence(dict(e))} for e in err.errors()]


def _table(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _worded(schema: list[dict[str, str]], references: list[dict[str, str]]) -> list[dict[str, str]]:
    """The schema's problems at their fields, and the broken references in the page's words: a
    reference the schema also found (at the same field, or the table holding it) is said once."""
    said = [r["field"] for r in references]
    kept = [e for e in schema if e["field"] and not any(f == e["field"] or f.startswith(e["field"] + ".")
                                                       for f in said)]  # fmt: skip
    return kept + references


def reference_problems(data: dict[str, Any]) -> list[dict[str, str]]:
    """Every broken reference between the scenario's tables at once, each at the field that holds
    it (the schema's own check stops at the first): roles, strategies, strata, owners, readers."""
    orgs, strata, strategies = _table(data, "organizations"), _table(data, "strata"), _table(data, "strategies")
    names = ", ".join(orgs) or "none yet"
    out: list[dict[str, str]] = []

    def bad(field: str, message: str) -> None:
        out.append({"field": field, "message": message})

    if NONE in orgs:
        bad(f"organizations.{NONE}", f"'{NONE}' is kept for the unorganized: give this organization another key.")
    for role in ("group", "host", "rival"):
        key = data.get(role)
        if isinstance(key, str) and key not in orgs:
            bad(role, f"'{key}' is not one of the organizations (they are: {names}).")
        elif isinstance(key, str) and isinstance(orgs[key], dict):
            ppa = orgs[key].get("persons_per_agent")
            if isinstance(ppa, (int, float)) and ppa != 1:
                bad(f"organizations.{key}.persons_per_agent",
                    f"The {role} is counted person by person: this must be 1.")  # fmt: skip
    reach = data.get("reach_stratum")
    if isinstance(reach, str) and reach not in strata:
        bad("reach_stratum", f"'{reach}' is not one of the strata (they are: {', '.join(strata) or 'none yet'}).")
    default = data.get("default_strategy")
    if isinstance(default, str) and default not in strategies:
        bad(
            "default_strategy",
            f"'{default}' is not one of the strategies (they are: {', '.join(strategies) or 'none yet'}).",
        )
    pops = [(f"organizations.{k}", v) for k, v in orgs.items()] + [("unorganized", data.get("unorganized"))]
    for where, pop in pops:
        for table in ("strata", "kernel"):
            for key in _table(pop, table):
                if key not in strata:
                    bad(f"{where}.{table}.{key}", f"'{key}' is not one of the strata (they are: {', '.join(strata)}).")
    for key, organ in _table(data, "organs").items():
        owner = organ.get("owner") if isinstance(organ, dict) else None
        if isinstance(owner, str) and owner not in orgs:
            bad(f"organs.{key}.owner", f"'{owner}' is not one of the organizations (they are: {names}).")
        for reader in _table(organ, "circulation"):
            if reader not in orgs and reader != NONE:
                bad(f"organs.{key}.circulation.{reader}",
                    f"'{reader}' is not one of the organizations (they are: {names}, or '{NONE}').")  # fmt: skip
    for key, strategy in strategies.items():
        for target in _table(strategy, "allocation"):
            if target not in orgs:
                bad(f"strategies.{key}.allocation.{target}",
                    f"'{target}' is not one of the organizations (they are: {names}).")  # fmt: skip
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
            errors = _worded(field_errors(err), reference_problems(data))
            errors = errors or field_errors(err)  # a problem of the whole field: at the top
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
            [{"field": "unorganized.size", "message": f"{agents:,} agents: at most {limits.agents:,}"}],
        )
    total = steps if steps is not None else scenario.steps
    if total > limits.steps:
        raise Refused(
            422,
            f"steps: {total:,} steps; this server runs at most {limits.steps:,} "
            "(shorten horizon_weeks, or restart with --max-steps)",
            [{"field": "horizon_weeks", "message": f"{total:,} steps: at most {limits.steps:,}"}],
        )
    if runs > limits.runs:
        raise Refused(422, f"{runs:,} runs; this server weighs at most {limits.runs:,} at once "
                      "(fewer samples or replications, or restart with --max-runs)",
                      [{"field": "samples", "message": f"{runs:,} runs in all (every strategy, draw and replication); "
                        f"this server weighs at most {limits.runs:,} at once: ask for fewer draws or replications."}])  # fmt: skip
