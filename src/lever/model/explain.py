"""The schema, explained: a scenario as TOML with each field's meaning above it, and the
reference of every field (``docs/FIELDS.md``), both written from the schema's descriptions."""

from __future__ import annotations

import difflib
import re
import textwrap
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from lever.model.loading import to_toml
from lever.model.scenario import Scenario, walk

_HEADER = re.compile(r"^\[\[?([^\]]+)\]\]?\s*$")
_KEY = re.compile(r"^([A-Za-z0-9_\-]+|\"[^\"]*\") = ")


def _field(path: str) -> tuple[str, str] | None:
    """``((model, name), "description (units)")`` of the field a dotted path ends on, or ``None``
    where it ends on a key of a table (an organization's name, a source)."""
    steps = walk(path)
    if len(steps) < len(path.split(".")) or not steps or steps[-1] is None:
        return None
    model, name, info = steps[-1]
    units = (info.json_schema_extra or {}).get("units", "")
    return (f"{model.__name__}.{name}", f"{info.description} ({units})")


def fields_of(path: str) -> list[str]:
    """Field names of the model held in the list at ``path`` (``[]`` if none)."""
    model, name, info = walk(path)[-1]  # type: ignore[misc]
    inner = [a for a in getattr(info.annotation, "__args__", ()) if isinstance(a, type) and issubclass(a, BaseModel)]
    return list(inner[0].model_fields) if inner else []


def _comment(text: str) -> list[str]:
    return ["# " + line for line in textwrap.wrap(text, 94)]


def commented_toml(scenario: Scenario) -> str:
    """``scenario`` as TOML, each field preceded (where it first appears) by a comment saying
    what it means and in what units; the loader reads it back to an equal scenario."""
    out: list[str] = []
    table = ""
    counts: dict[str, int] = {}
    said: set[str] = set()

    def explain(path: str, prefix: str = "") -> None:
        found = _field(path)
        if found and found[0] not in said:
            said.add(found[0])
            out.extend(_comment(prefix + found[1]))

    for line in to_toml(scenario).splitlines():
        head = _HEADER.match(line)
        key = _KEY.match(line)
        if head:
            table = head.group(1)
            if line.startswith("[["):  # an array of tables: entries are numbered from 0
                counts[table] = counts.get(table, -1) + 1
                explain(table, f"[[{table}]]: ")
                table = f"{table}.{counts[table]}"
            else:
                parts = table.split(".")
                for depth in range(1, len(parts) + 1):  # [organizations.ilp] explains organizations
                    explain(".".join(parts[:depth]), f"[{'.'.join(parts[:depth])}]: ")
        elif key:
            path = f"{table}.{key.group(1)}" if table else key.group(1)
            explain(path)
            entry = walk(f"{path}.0")  # a list of tables written inline: explain their fields
            if len(entry) == len(path.split(".")) + 1 and entry[-1] is None:
                for sub in fields_of(path):
                    explain(f"{path}.0.{sub}", f"{key.group(1)}[].{sub}: ")
        out.append(line)
    return "\n".join(out) + "\n"


# --- one field: required or its default, units and bounds -----------------------------------


def _optional(tp: Any) -> Any:
    """``X`` from ``X | None``."""
    args = [a for a in get_args(tp) if a is not type(None)]
    return args[0] if get_origin(tp) in (Union, UnionType) and len(args) == 1 else tp


def _constraints(tp: Any, metadata: list[Any] = ()) -> list[str]:  # type: ignore[assignment]
    """The bounds a type puts on a value, as ``ge 0.0``, ``le 1.0`` (each entry's, for a table,
    a list or a pair), or its choices."""
    out = [
        f"{k} {getattr(m, k):g}" for m in metadata for k in ("ge", "gt", "le", "lt") if getattr(m, k, None) is not None
    ]
    tp = _optional(tp)
    if get_origin(tp) is Annotated:
        inner = [m for a in get_args(tp)[1:] for m in (a.metadata if isinstance(a, FieldInfo) else [a])]
        return out + _constraints(get_args(tp)[0], inner)
    if get_origin(tp) is Literal:
        return [*out, "one of " + ", ".join(map(str, get_args(tp)))]
    if not out and get_origin(tp) in (dict, list, tuple):
        entry = get_args(tp)[-1] if get_origin(tp) is dict else get_args(tp)[0] if get_args(tp) else None
        inner = _constraints(entry) if entry is not None else []
        return [f"each {inner[0]}", *inner[1:]] if inner else []
    return out


def requirement(info: FieldInfo) -> str:
    """``required`` or ``optional; default: ...``, as a scenario file meets it."""
    if info.is_required():
        return "required"
    default = info.get_default(call_default_factory=True)
    if default is None:
        return "optional; default: absent"
    if isinstance(default, BaseModel):
        return "optional; default: every field of it at its default"
    if isinstance(default, dict | list) and not default:
        return "optional; default: empty"
    if isinstance(default, tuple) and all(isinstance(d, BaseModel) for d in default):
        return "optional; default: " + ", ".join(str(getattr(d, "name", d)) for d in default)
    return f"optional; default: {default!r}"


def bounds(info: FieldInfo) -> str:
    """The bounds of a field's values (``""`` where it has none)."""
    return ", ".join(_constraints(info.annotation, info.metadata))


def _entry(info: FieldInfo) -> type[BaseModel] | None:
    """The model each entry of a table or list field holds (``Organization`` for organizations)."""
    tp = _optional(info.annotation)
    if get_origin(tp) in (dict, list, tuple):
        args = get_args(tp)
        entry = args[-1] if get_origin(tp) is dict else args[0] if args else None
        if isinstance(entry, type) and issubclass(entry, BaseModel):
            return entry
    return None


def _pattern(path: str) -> str:
    """``path`` with its keys and indices as ``<key>`` and ``<n>``."""
    parts = path.split(".")
    out = []
    for part, step in zip(parts, walk(path), strict=False):
        out.append(step[1] if step is not None else ("<n>" if part.isdigit() or part == "<n>" else "<key>"))
    return ".".join(out + parts[len(out) :])


def explain(path: str) -> str:
    """What the field at a dotted path means: its model, units, meaning, whether a scenario
    must give it or its default, and its bounds. ``<key>``, a concrete key (``organizations.ilp``)
    or none at all (``organizations.size``, read as ``organizations.<key>.size``) lead to the
    same field. Raises ``KeyError`` naming the first segment the schema does not know."""
    parts = path.split(".") if path else []
    steps = walk(path) if path else []
    note = ""
    if steps and len(steps) < len(parts) + 1 and len(steps) >= 2 and steps[-1] is None:
        table = steps[-2]  # a field name where a table's key belongs: the field of its entries
        entry = _entry(table[2]) if table is not None else None
        if entry is not None and parts[len(steps) - 1] in entry.model_fields and len(steps) == len(parts):
            fixed = ".".join([*parts[: len(steps) - 1], "<key>", *parts[len(steps) - 1 :]])
            note = f"  ({'.'.join(parts[: len(steps) - 1])} is a table keyed by names you choose: read as {fixed})"
            path, parts, steps = fixed, fixed.split("."), walk(fixed)
    if len(steps) < len(parts):
        known = ".".join(parts[: len(steps)])
        problem = f"'{parts[len(steps)]}' is not a field{' of ' + known if known else ''}"
        model = steps[-1][2].annotation if steps and steps[-1] is not None else Scenario if not steps else None
        model = _optional(model)
        if isinstance(model, type) and issubclass(model, BaseModel):
            close = difflib.get_close_matches(parts[len(steps)], list(model.model_fields), n=1)
            problem += f" (did you mean '{close[0]}'?)" if close else ""
        raise KeyError(problem)
    if not steps:
        return "the scenario: " + ", ".join(Scenario.model_fields)
    if steps[-1] is None:
        table = steps[-2] if len(steps) >= 2 else None
        entry = _entry(table[2]) if table is not None else None
        what = f"an entry of {'.'.join(parts[:-1])}" + (f" ({entry.__name__})" if entry else "")
        named = "its position in the list, from 0" if parts[-1].isdigit() or parts[-1] == "<n>" else "its key"
        lines = [f"{path}: {what}, named by {named}"]
        if entry is not None:
            lines.append("  fields: " + ", ".join(entry.model_fields) + f"  (lever explain {_pattern(path)}.FIELD)")
        return "\n".join(lines)
    model, name, info = steps[-1]
    units = (info.json_schema_extra or {}).get("units", "")
    shown = ".".join(parts[:-1] + [name])
    need = requirement(info)
    if need == "required":
        need += ": every entry must give it" if "<" in _pattern(shown) else ": every scenario must give it"
    lines = [f"{shown}  ({model.__name__}.{name}, {units})", f"  {info.description}", f"  {need}"]
    if found := bounds(info):
        lines.append(f"  bounds: {found}")
    if _pattern(shown) != shown:
        lines.append(f"  the same field in every entry: {_pattern(shown)}")
    if entry := _entry(info):
        lines.append(f"  each entry ({entry.__name__}) holds: " + ", ".join(entry.model_fields))
    return "\n".join(lines + ([note] if note else []))


def _path_pattern(model: type[BaseModel], prefix: str = "") -> list[tuple[str, FieldInfo]]:
    """(dotted path with ``<key>``/``<n>`` placeholders, its field) of every field."""
    rows: list[tuple[str, FieldInfo]] = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        rows.append((path, info))
        node, suffix = info.annotation, ""
        for _ in range(3):  # unwrap X | None, dict[str, X], list[X], tuple[X, X]
            args = [a for a in getattr(node, "__args__", ()) if a is not type(None)]
            origin = getattr(node, "__origin__", None)
            if origin is dict:
                node, suffix = args[-1], suffix + ".<key>"
            elif origin in (list, tuple):
                node, suffix = args[0], suffix + ".<n>"
            elif args and origin is None:
                node = args[0]
            else:
                break
        if isinstance(node, type) and issubclass(node, BaseModel):
            rows.extend(_path_pattern(node, f"{path}{suffix}."))
    return rows


def reference_markdown() -> str:
    """Every field of a scenario as a Markdown table: path, units, meaning (``docs/FIELDS.md``)."""
    lines = [
        "# Every field of a scenario",
        "",
        "Written from the schema (`src/lever/model/scenario.py`) by `lever explain --all`; a test",
        "keeps this file equal to it. `<key>` stands for a name you choose (an organization, a",
        "stratum, a strategy), `<n>` for a position in a list. A *required* field must be in every",
        "scenario (of a table's entry: in every entry); any other may be left out, and then holds",
        "its default. Bounds are inclusive (`ge`, `le`) or strict (`gt`, `lt`), and every number",
        "must be finite. `lever explain PATH` prints one field (`organizations.<key>.size`, or with",
        "a key of yours, `organizations.ilp.size`); `lever check FILE` names every problem of a",
        "file; `lever scenario show FILE --explain` writes a scenario with these meanings as",
        "comments.",
        "",
        "| path | units | required, or the default | bounds | meaning |",
        "|---|---|---|---|---|",
    ]
    for path, info in _path_pattern(Scenario):
        units = (info.json_schema_extra or {}).get("units", "")
        cells = [f"`{path}`", str(units), requirement(info).replace("optional; default: ", "default: "),
                 bounds(info), info.description or ""]  # fmt: skip
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def top_level_list() -> str:
    """The scenario's top-level fields as a Markdown list (the README's "A field of your own"
    holds it between ``<!-- fields -->`` markers; a test keeps the two equal)."""
    lines = []
    for name, info in Scenario.model_fields.items():
        units = (info.json_schema_extra or {}).get("units", "")
        lines.append(f"- `{name}` ({units}): {info.description}")
    return "\n".join(lines) + "\n"
