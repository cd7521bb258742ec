"""The record: dated figures of a field's history, each with its source and uncertainty.

A record is a TOML file (``src/lever/calibration/records/record-britain.toml``) of figures, each a value of
one of the engine's series (``size_<org>``, ``group_members``) on a calendar date. It is
validated at the edge: a bad file ends in one line naming the file and the field.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lever.model.loading import ScenarioError, parse
from lever.model.scenario import Scenario

#: The records shipped with Lever, by name.
BUILTIN = {"britain": "record-britain.toml", "france": "record-france.toml"}
#: Series a figure may measure: an organization's size, or the group's members.
_SERIES_PREFIX = "size_"
_GROUP_SERIES = "group_members"

Persons = Annotated[float, Field(ge=0.0, le=1e10, allow_inf_nan=False)]


class RecordError(ScenarioError):
    """A record that cannot be used: the file, the field and the problem in one line."""


class Figure(BaseModel):
    """One dated figure: ``series`` was ``value`` (give or take ``sd``) on ``date``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    series: str
    date: dt.date
    value: Persons
    sd: Annotated[float, Field(gt=0.0, le=1e10, allow_inf_nan=False)]
    #: where ``value`` comes from: a citation of docs/references.bib ([@key] or [@key, locator])
    source: Annotated[str, Field(min_length=1)]
    note: str = ""
    #: "read": the value was read in the source cited; "prior": general knowledge the source is
    #: cited for but that was not read in it. A prior is never fitted as data (it may bound a
    #: field's range, and is judged against the model where held out).
    basis: Literal["read", "prior"] = "read"
    #: where the other numbers come from (``sd``), keyed by field name, as a scenario's ``sources``
    sources: dict[str, str] = {}

    @field_validator("series")
    @classmethod
    def _known_kind(cls, series: str) -> str:
        if series != _GROUP_SERIES and not (series.startswith(_SERIES_PREFIX) and len(series) > len(_SERIES_PREFIX)):
            raise ValueError(f"'{series}' is not a series a figure can measure (size_<organization> or group_members)")
        return series

    @property
    def label(self) -> str:
        return f"{self.series} {self.date.isoformat()}"

    @property
    def prior(self) -> bool:
        """Whether the figure is a prior, never fitted as data."""
        return self.basis == "prior"


class Record(BaseModel):
    """A field's record: its figures and the model discrepancy they are fitted with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title: str = ""
    discrepancy: Annotated[float, Field(ge=0.0, le=10.0, allow_inf_nan=False)] = 0.1
    figures: Annotated[list[Figure], Field(min_length=1)]
    #: where ``discrepancy`` comes from, as a scenario's ``sources``
    sources: dict[str, str] = {}


def load_record(name_or_path: str | Path) -> Record:
    """A built-in record by name (``britain``), or a TOML file by path."""
    spec = str(name_or_path)
    if spec in BUILTIN:
        text = (resources.files("lever") / "calibration" / "records" / BUILTIN[spec]).read_text()
        return record_from_text(text, spec)
    path = Path(spec)
    if not path.is_file():
        raise RecordError(spec, "", f"no such file, nor a built-in record (built-ins: {', '.join(BUILTIN)})")
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as err:
        raise RecordError(spec, "", f"cannot read: {err}") from None
    return record_from_text(text, spec)


def record_from_text(text: str, source: str) -> Record:
    """A :class:`Record` from TOML text, or a :class:`RecordError` naming the first problem."""
    try:
        data = parse(text, source)
    except ScenarioError as err:
        raise RecordError(source, "", err.problem) from None
    try:
        return Record.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        problem = "unknown field (misspelt?)" if first["type"] == "extra_forbidden" else first["msg"]
        raise RecordError(source, field, problem.removeprefix("Value error, ")) from None


def step_of(scenario: Scenario, date: dt.date) -> float:
    """The (fractional) step of ``scenario`` at which ``date`` falls (negative: before week 0)."""
    return (date - start_date(scenario)).days / 7.0 / scenario.step_weeks


def start_date(scenario: Scenario) -> dt.date:
    try:
        return dt.date.fromisoformat(scenario.start)
    except ValueError:
        raise ScenarioError(
            scenario.name,
            "start",
            f"'{scenario.start}' is not a date (YYYY-MM-DD): calibration needs the calendar date of week 0",
        ) from None


def check_against(record: Record, scenario: Scenario, source: str) -> None:
    """Every figure measures a series the scenario has, or a :class:`RecordError` naming it."""
    known = {f"size_{k}" for k in scenario.org_keys} | {_GROUP_SERIES}
    for i, fig in enumerate(record.figures):
        if fig.series not in known:
            raise RecordError(source, f"figures.{i}.series", f"'{fig.series}' is not a series of {scenario.name} "
                              f"(known: {', '.join(sorted(known))})")  # fmt: skip
