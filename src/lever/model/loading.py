"""Scenarios as files: the built-ins, loading TOML, clear errors, and changing values by path."""

from __future__ import annotations

import copy
import difflib
import os
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from lever.model.scenario import Scenario, current_path

#: Tables whose entries are shares summing to 1: setting one entry rescales the rest.
SHARE_TABLES = ("strata", "allocation")


class ScenarioError(ValueError):
    """A scenario that cannot be used: the file, the field and the problem in one line, and one
    more line for each further problem (``more``: ``(field, problem)`` pairs of the same
    source, or ``(source, field, problem)``)."""

    def __init__(self, source: str, field: str, problem: str, more: list[tuple[str, ...]] | None = None) -> None:
        self.source, self.field, self.problem = source, field, problem
        self.more = [m if len(m) == 3 else (source, *m) for m in more or []]
        lines = [(source, field, problem), *self.more]
        super().__init__("\n".join(f"{s}: {f}: {p}" if f else f"{s}: {p}" for s, f, p in lines))

    @property
    def problems(self) -> list[tuple[str, str]]:
        """Every problem found, ``(field, problem)``, the first one first."""
        return [(self.field, self.problem), *((f, p) for _, f, p in self.more)]

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[str, str, str, list[tuple[str, ...]]]]:
        # raised in a worker process, it must cross back to the parent
        return (type(self), (self.source, self.field, self.problem, self.more))

    @classmethod
    def of(cls, errors: list[ScenarioError]) -> ScenarioError:
        """One error holding every problem of several."""
        lines = [line for e in errors for line in [(e.source, e.field, e.problem), *e.more]]
        return cls(*lines[0], more=lines[1:])


def builtin_names() -> list[str]:
    """Names of the scenarios shipped with Lever."""
    folder = resources.files("lever") / "model" / "builtin"
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def builtin_text(name: str) -> str:
    """The TOML text of a built-in scenario."""
    if name not in builtin_names():
        known = ", ".join(builtin_names())
        raise ScenarioError(name, "", f"no such built-in scenario (built-ins: {known})")
    return (resources.files("lever") / "model" / "builtin" / f"{name}.toml").read_text()


def template_names() -> list[str]:
    """Names of the starting points for a field of one's own: no history in them, every number
    a neutral default explained in its sources (``assumption: template default, ...``)."""
    folder = resources.files("lever") / "model" / "builtin" / "templates"
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def template_text(name: str) -> str:
    """The TOML text of a template."""
    if name not in template_names():
        raise ScenarioError(name, "", f"no such template (templates: {', '.join(template_names())})")
    return (resources.files("lever") / "model" / "builtin" / "templates" / f"{name}.toml").read_text()


def load_template(name: str) -> Scenario:
    """A template, validated: the field the CLI and the page offer as a starting point."""
    return validate(parse(template_text(name), name), name)


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if p not in ("function-after", "tagged-union"))


#: What one machine can hold (beside the schema's own bounds on every number).
#: measured at 10^6 (benchmarks/lever_model.py): 189 B held (issue 23's arrays and tie counts; 137
#: at b3bdfbb, before them) and ~315 B at the peak of a step, over the interpreter; with room for what a run keeps
BYTES_PER_AGENT = 400


def max_agents() -> int:
    """Agents whose state fits in this machine's memory."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        memory = 8 << 30
    return int(memory // BYTES_PER_AGENT)


def _check_scale(scenario: Scenario, source: str) -> Scenario:
    """Refuse a field too large for this machine's memory (a clear line, not a crash); the
    schema bounds every number and the total of agents everywhere else."""
    pops = {f"organizations.{k}": p for k, p in scenario.organizations.items()} | {"unorganized": scenario.unorganized}
    agents = {k: p.size / p.persons_per_agent for k, p in pops.items()}
    if sum(agents.values()) > max_agents():
        biggest = max(agents, key=agents.__getitem__)
        raise ScenarioError(source, f"{biggest}.size", f"{sum(agents.values()):,.0f} agents do not fit in this machine's memory "
                            f"(at most {max_agents():,}; raise persons_per_agent or --scale)")  # fmt: skip
    return scenario


def validate(data: dict[str, Any], source: str) -> Scenario:
    """A :class:`Scenario` from plain data, or a :class:`ScenarioError` naming every problem."""
    try:
        return _check_scale(Scenario.model_validate(data), source)
    except ValidationError as err:
        problems = _problems(err.errors())
        raise ScenarioError(source, *problems[0], more=problems[1:]) from None


def _problems(errors: list[Any]) -> list[tuple[str, str]]:
    """``(field, problem)`` for each of pydantic's errors, misspellings first: a misspelt
    required name also leaves the correct name missing, which is then said once, beside the
    misspelling."""
    missing = {tuple(e["loc"]) for e in errors if e["type"] == "missing"}
    said: set[tuple[Any, ...]] = set()
    first, rest = [], []
    for e in errors:
        loc = tuple(e["loc"])
        problem = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            names = [str(m[-1]) for m in missing if m[:-1] == loc[:-1]]
            close = difflib.get_close_matches(str(loc[-1]), names, n=1)
            problem = f"unknown field (misspelt '{close[0]}'?)" if close else "unknown field (misspelt?)"
            said |= {(*loc[:-1], c) for c in close}
            first.append((_field(loc), problem))
        elif e["type"] == "missing":
            rest.append((loc, "required field missing"))
        else:
            rest.append((loc, problem))
    return first + [(_field(loc), problem) for loc, problem in rest if loc not in said]


def parse(text: str, source: str) -> dict[str, Any]:
    """TOML text as data, or a :class:`ScenarioError` pointing at the bad line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(source, "", f"malformed TOML: {err}") from None
    except RecursionError:
        raise ScenarioError(source, "", "malformed TOML: nested too deeply to read") from None
    except ValueError as err:  # such as an integer of more digits than Python converts
        raise ScenarioError(source, "", f"malformed TOML: {' '.join(str(err).split())}") from None


def load(name_or_path: str | Path) -> Scenario:
    """A built-in scenario by name, or a TOML file by path."""
    spec = str(name_or_path)
    if spec in builtin_names():
        return validate(parse(builtin_text(spec), spec), spec)
    path = Path(spec)
    if not path.is_file():
        known = ", ".join(builtin_names())
        raise ScenarioError(spec, "", f"no such file, nor a built-in scenario (built-ins: {known})")
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as err:
        raise ScenarioError(spec, "", f"cannot read: {err}") from None
    scenario = validate(parse(text, spec), spec)
    edges = scenario.network.edges
    # an edge list sits beside its scenario; made absolute, a copy of the scenario (provenance) finds it too
    if edges and not Path(edges).is_absolute():
        scenario = with_values(scenario, {"network.edges": str((path.parent / edges).resolve())}, spec)
    return scenario


def to_toml(scenario: Scenario) -> str:
    """The scenario as TOML that :func:`load` reads back to an equal scenario."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    return tomli_w.dumps(data)


def _parse_value(text: str) -> Any:
    """A ``--set`` value: TOML syntax where it parses (numbers, booleans, arrays), else a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):  # ValueError: too many digits
        return text


def _set(data: Any, parts: list[str], value: Any, path: str, source: str, named: set[str]) -> None:
    node = data
    for depth, part in enumerate(parts[:-1]):
        key: Any = int(part) if isinstance(node, list) and part.isdigit() else part
        try:
            child = node[key]
        except (KeyError, IndexError, TypeError):
            raise ScenarioError(source, ".".join(parts[: depth + 1]), f"no such field in '{path}'") from None
        if isinstance(child, tuple):  # a point (two numbers) is set number by number, as a list
            child = node[key] = list(child)
        node = child
    last = parts[-1]
    if isinstance(node, list):
        if not last.isdigit() or int(last) >= len(node):
            raise ScenarioError(source, path, "no such list entry")
        node[int(last)] = value
        return
    if not isinstance(node, dict):
        raise ScenarioError(source, path, "no such field")
    shares = all(isinstance(v, int | float) for v in node.values())  # not [strata.<name>] tables
    if len(parts) >= 2 and parts[-2] in SHARE_TABLES and shares and isinstance(value, int | float):
        _rescale(node, last, float(value), named)
    node[last] = value


def _rescale(shares: dict[str, float], key: str, value: float, named: set[str]) -> None:
    """Keep a share table summing to 1 when one entry is set: the entries not set in the same
    call share what is left in their old proportions."""
    fixed = sum(v for k, v in shares.items() if k in named and k != key)
    others = {k: v for k, v in shares.items() if k != key and k not in named}
    if not others:
        return
    rest = sum(others.values())
    left = 1.0 - value - fixed
    for k, v in others.items():
        shares[k] = left * (v / rest if rest > 0 else 1.0 / len(others))


def with_values(scenario: Scenario, values: dict[str, Any], source: str = "--set") -> Scenario:
    """A copy of ``scenario`` with dotted paths set (``"dynamics.gravity": 2.0``), validated.

    Setting an entry of a share table (``strata``, ``allocation``) rescales its other entries
    so the table still sums to 1.
    """
    if not values:
        return scenario
    values = {current_path(path): value for path, value in values.items()}  # old names still work
    data = copy.deepcopy(scenario.model_dump(mode="python"))
    for path, value in values.items():
        parent = path.rpartition(".")[0]
        named = {p.rpartition(".")[2] for p in values if p.rpartition(".")[0] == parent}
        _set(data, path.split("."), value, path, source, named)
    return validate(data, source)


def check_scenario(scenario: Scenario, source: str) -> int:
    """What ``lever check`` checks beyond the schema: the edge list, and that each uncertainty's
    ends are values the field accepts (each checked on the field without its uncertainties, so
    the time grows with their number, not its square). Returns the field's agents."""
    from lever.model.build import agent_counts
    from lever.model.network import read_edge_list

    agents = int(agent_counts(scenario).sum())
    if scenario.network.edges:
        read_edge_list(scenario.network.edges, agents)
    bare = _bare(scenario)
    found = []  # every end the field refuses, not only the first
    for u in scenario.uncertainties:
        field, path = _with_entry(bare, scenario, u.path)
        for end in (u.low, u.high):
            try:
                with_values(field, {path: end}, f"{source}: uncertainties ({u.path}={end:g})")
            except ScenarioError as err:  # name the crisis by its own index, not the one it had alone
                found.append(ScenarioError(err.source, err.field.replace(path, u.path), err.problem))
    if found:
        raise ScenarioError.of(found)
    return agents


def _bare(scenario: Scenario) -> Scenario:
    """``scenario`` without what one changed number cannot make invalid elsewhere: its
    uncertainties, crises, organs and strategies but the default (a number changes no key)."""
    orgs = {k: o.model_copy(update={"disappointment": []}) for k, o in scenario.organizations.items()}
    strategies = {scenario.default_strategy: scenario.strategies[scenario.default_strategy]}
    return scenario.model_copy(update={"uncertainties": [], "organs": {}, "strategies": strategies,
                                       "organizations": orgs})  # fmt: skip


def _with_entry(bare: Scenario, scenario: Scenario, path: str) -> tuple[Scenario, str]:
    """``bare`` with the organization, organ or strategy ``path`` leads into whole again (of an
    organization's crises, only the one it names, as crisis 0), and the path into it."""
    parts = path.split(".")
    table, key = parts[0], parts[1] if len(parts) > 1 else ""
    if table not in ("organizations", "organs", "strategies") or key not in getattr(scenario, table):
        return bare, path
    entry = getattr(scenario, table)[key]
    crises = getattr(entry, "disappointment", [])
    if table == "organizations" and len(parts) > 3 and parts[2] == "disappointment" and parts[3].isdigit():
        index = int(parts[3])
        entry = entry.model_copy(update={"disappointment": crises[index : index + 1]})
        path = ".".join([*parts[:3], "0" if index < len(crises) else parts[3], *parts[4:]])
    entries = dict(getattr(bare, table)) | {key: entry}
    return bare.model_copy(update={table: entries}), path


def without_uncertainties(scenario: Scenario, paths: list[str], source: str) -> Scenario:
    """``scenario`` no longer sampling what ``paths`` (or a table above it) fix on purpose."""
    paths = [current_path(p) for p in paths]
    kept = [u.model_dump() for u in scenario.uncertainties
            if not any(u.path == p or u.path.startswith(p + ".") for p in paths)]  # fmt: skip
    if len(kept) == len(scenario.uncertainties):
        return scenario
    return with_values(scenario, {"uncertainties": kept}, source)


def parse_assignments(items: list[str]) -> dict[str, Any]:
    """``["a.b=1", ...]`` from the command line as ``{"a.b": 1}``."""
    out: dict[str, Any] = {}
    for item in items:
        path, sep, text = item.partition("=")
        if not sep or not path.strip():
            raise ScenarioError("--set", item, "expected path=value")
        out[path.strip()] = _parse_value(text.strip())
    return out


def with_scale(scenario: Scenario, persons_per_agent: float) -> Scenario:
    """The mass populations (every organization but the group, the host and the rival, and
    the unorganized) at ``persons_per_agent`` persons per agent. The group, the host and the
    rival are always counted person by person: the group acts there (docs/ODD.md §2)."""
    person_by_person = {scenario.group, scenario.host, scenario.rival}
    values: dict[str, Any] = {
        f"organizations.{k}.persons_per_agent": persons_per_agent
        for k in scenario.organizations
        if k not in person_by_person
    }
    values["unorganized.persons_per_agent"] = persons_per_agent
    return with_values(scenario, values, "--scale")
