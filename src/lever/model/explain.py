"""The schema, explained: a scenario as TOML with each field's meaning above it, and the
reference of every field (``docs/FIELDS.md``), both written from the schema's descriptions."""

from __future__ import annotations

import re
import textwrap

from pydantic import BaseModel

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


def _path_pattern(model: type[BaseModel], prefix: str = "") -> list[tuple[str, str, str]]:
    """(dotted path with ``<key>``/``<n>`` placeholders, units, description) of every field."""
    rows: list[tuple[str, str, str]] = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        units = (info.json_schema_extra or {}).get("units", "")
        rows.append((path, str(units), info.description or ""))
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
        "Written from the schema (`src/lever/scenario.py`) by `lever explain --all`; a test keeps",
        "this file equal to it. `<key>` stands for a name you choose (an organization, a stratum, a",
        "strategy), `<n>` for a position in a list. `lever explain PATH` prints one field with its",
        "bounds and default; `lever scenario show FILE --explain` writes a scenario with these",
        "meanings as comments.",
        "",
        "| path | units | meaning |",
        "|---|---|---|",
    ]
    for path, units, about in _path_pattern(Scenario):
        lines.append(f"| `{path}` | {units} | {about.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def top_level_list() -> str:
    """The scenario's top-level fields as a Markdown list (the README's "A field of your own"
    holds it between ``<!-- fields -->`` markers; a test keeps the two equal)."""
    lines = []
    for name, info in Scenario.model_fields.items():
        units = (info.json_schema_extra or {}).get("units", "")
        lines.append(f"- `{name}` ({units}): {info.description}")
    return "\n".join(lines) + "\n"
