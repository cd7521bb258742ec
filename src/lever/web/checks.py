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
from lever.model.scenario import Scenario
from lever.web.limits import Limits


@dataclass
class Refused(Exception):
    """A request the page will not serve: ``status``, a one-line ``message``, and the
    ``errors`` per field (``{"field": path, "message": text}``)."""

    status: int
    message: str
    errors: list[dict[str, str]] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        return {"detail": self.message, "errors": self.errors}


def _path(loc: tuple[Any, ...]) -> str:
    # pydantic puts validator names in the location of a model's own checks
    return ".".join(str(p) for p in loc if p not in ("function-after", "tagged-union"))


def field_errors(err: ValidationError) -> list[dict[str, str]]:
    """Every problem pydantic found, as (field path, message)."""
    out = []
    for e in err.errors():
        message = e["msg"].removeprefix("Value error, ")
        out.append({"field": _path(e["loc"]), "message": "unknown field (misspelt?)"
                    if e["type"] == "extra_forbidden" else message})  # fmt: skip
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
            errors = field_errors(err)
            raise Refused(422, f"scenario: {errors[0]['field'] or 'the scenario'}: {errors[0]['message']}",
                          errors) from None  # fmt: skip
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
                      "(fewer samples or replications, or restart with --max-runs)")  # fmt: skip
