"""Where a field's numbers come from: citations of the bibliography, and the numbers without one.

Each table of a scenario that holds numbers has a ``sources`` table keyed by field name (a record:
each figure's ``source``, and ``sources`` for the rest). A source is either a citation of
``docs/references.bib`` — ``[@key]`` or ``[@key, locator]``, as Pandoc writes them, anywhere in
the text — or ``assumption: <reason>`` (``assumption, sampled below: <reason>`` where the
uncertainties range over it), which may cite the literature its reason rests on as well.
:func:`unsourced` lists the numbers of a field that have neither; the built-in fields have none
(``tests/model/test_sources.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

__all__ = ["cited", "is_sourced", "source_texts", "unsourced", "unsourced_record"]

#: a citation: ``[@key]`` or ``[@key, locator]``; several in one bracket are separated by ``;``
_CITE = re.compile(r"\[(@[^\]]+)\]")
_KEY = re.compile(r"@([A-Za-z0-9_:\-]+)")
#: an assumption with its reason: the word, any qualifier ("assumption, sampled below"), a colon, a reason
_ASSUMPTION = re.compile(r"^assumption\b[^:]*:\s*\S")


def cited(text: str) -> list[str]:
    """The bibliography keys ``text`` cites, in order (``[@upham1980, ch. IV; @groves1974]``)."""
    return [key for group in _CITE.findall(text) for key in _KEY.findall(group)]


def is_sourced(text: str) -> bool:
    """Whether ``text`` cites a key, or is an assumption that gives its reason."""
    return bool(cited(text)) or bool(_ASSUMPTION.match(text.strip()))


def _has_number(value: Any) -> bool:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, BaseModel):
        return any(_has_number(getattr(value, name)) for name in type(value).model_fields)
    if isinstance(value, dict):
        return any(_has_number(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_number(v) for v in value)
    return False


def _sourced_tables(value: Any) -> bool:
    """Whether ``value`` is a table with its own ``sources`` (or a mapping of such tables)."""
    if isinstance(value, BaseModel):
        return "sources" in type(value).model_fields
    items = list(value.values()) if isinstance(value, dict) else value if isinstance(value, list) else None
    return bool(items) and all(_sourced_tables(v) for v in items)


#: lists whose numbers are sourced elsewhere: an uncertainty's range is argued in the source of
#: the field it samples
_ELSEWHERE = {"uncertainties"}


def _walk(model: BaseModel, path: str) -> Iterator[tuple[str, str | None]]:
    """``(dotted path, its source or None)`` of each field of ``model`` that holds numbers."""
    sources: dict[str, str] = dict(getattr(model, "sources", {}))
    if isinstance(getattr(model, "source", None), str):  # a record's figure: its value's source
        sources.setdefault("value", model.source)  # type: ignore[attr-defined]
    for name in type(model).model_fields:
        if name in ("sources", "source") or name in _ELSEWHERE:
            continue
        value = getattr(model, name)
        here = f"{path}.{name}" if path else name
        if _sourced_tables(value):
            if isinstance(value, BaseModel):
                yield from _walk(value, here)
                continue
            tables = value.items() if isinstance(value, dict) else enumerate(value)
            for key, table in tables:
                yield from _walk(table, f"{here}.{key}")
        elif _has_number(value):
            yield here, sources.get(name)


def source_texts(model: BaseModel) -> Iterator[tuple[str, str]]:
    """``(dotted path, text)`` of every source ``model`` gives (a scenario or a record), each
    ``sources`` entry and each record figure's ``source``."""

    def visit(value: Any, path: str) -> Iterator[tuple[str, str]]:
        if isinstance(value, BaseModel):
            fields = type(value).model_fields
            if "sources" in fields:
                for key, text in value.sources.items():  # type: ignore[attr-defined]
                    yield f"{path}.sources.{key}".lstrip("."), text
            if "source" in fields and isinstance(value.source, str):  # type: ignore[attr-defined]
                yield f"{path}.source".lstrip("."), value.source  # type: ignore[attr-defined]
            for name in fields:
                if name not in ("sources", "source"):
                    yield from visit(getattr(value, name), f"{path}.{name}")
        elif isinstance(value, dict):
            for key, v in value.items():
                yield from visit(v, f"{path}.{key}")
        elif isinstance(value, list | tuple):
            for i, v in enumerate(value):
                yield from visit(v, f"{path}.{i}")

    yield from visit(model, "")


def unsourced(scenario: BaseModel) -> list[str]:
    """Dotted paths of the numeric fields of ``scenario`` whose table's ``sources`` neither cites
    the bibliography for them nor calls them an assumption with a reason."""
    return [path for path, text in _walk(scenario, "") if text is None or not is_sourced(text)]


def unsourced_record(record: BaseModel) -> list[str]:
    """The same for a record (:mod:`lever.calibration.record`): each figure's ``value`` is
    sourced by its ``source``, which must cite the bibliography (a figure of history is never
    an assumption); its ``sd`` by its ``sources``; the record's ``discrepancy`` by the
    record's ``sources``."""
    out = unsourced(record)
    for i, fig in enumerate(record.figures):  # type: ignore[attr-defined]
        if not cited(fig.source) and f"figures.{i}.value" not in out:
            out.append(f"figures.{i}.value")
    return out
