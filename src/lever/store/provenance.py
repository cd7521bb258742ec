"""What produced a result: every output folder holds the resolved scenario, the command line,
Lever's version and the seed, so the result can be traced, and rerun, from the folder alone.

``scenario.toml`` is the scenario as run (after ``--set``, ``--scale`` and what a user fixed);
``provenance.json`` holds the rest; each Parquet file written beside them carries both in its
metadata under the key ``lever`` (``pyarrow.parquet.read_schema(path).metadata[b"lever"]``).
"""

from __future__ import annotations

import json
import shlex
import sys
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from lever.model.loading import load, to_toml
from lever.model.scenario import Scenario
from lever.store.files import write_atomic

SCENARIO_FILE = "scenario.toml"
PROVENANCE_FILE = "provenance.json"


def lever_version() -> str:
    """The installed Lever's version (``unknown`` when run from an uninstalled tree)."""
    try:
        return version("lever-abm")
    except PackageNotFoundError:  # pragma: no cover - always installed by bin/
        return "unknown"


@dataclass(frozen=True)
class Provenance:
    """How a result was made: the command, its settings, and the scenario as run."""

    command: str
    scenario: Scenario
    settings: dict[str, Any] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        """Plain data: the command line, Lever's version, the settings (seed among them)."""
        return {
            "command": self.command,
            "argv": list(sys.argv),
            "lever_version": lever_version(),
            "python": sys.version.split()[0],
            "scenario": self.scenario.name,
            "scenario_file": SCENARIO_FILE,
            **self.settings,
        }

    def write(self, folder: Path) -> dict[str, Path]:
        """Write ``scenario.toml`` and ``provenance.json`` into ``folder``."""
        paths = {"scenario": folder / SCENARIO_FILE, "provenance": folder / PROVENANCE_FILE}
        text = to_toml(self.scenario)
        write_atomic(paths["scenario"], lambda p: p.write_text(text, encoding="utf-8"))
        record = json.dumps(self.record(), indent=2) + "\n"
        write_atomic(paths["provenance"], lambda p: p.write_text(record, encoding="utf-8"))
        return paths

    def metadata(self) -> bytes:
        """The record and the scenario's TOML, for a Parquet file's metadata."""
        return json.dumps(self.record() | {"scenario_toml": to_toml(self.scenario)}).encode()


def command_line() -> str:
    """The command as typed (``lever weigh my.toml --set ...``), quoted for a shell."""
    return shlex.join(["lever", *sys.argv[1:]]) if sys.argv else "lever"


def write_parquet(frame: pd.DataFrame, path: Path, provenance: Provenance | None) -> None:
    """``frame`` as Parquet at ``path``, with the provenance in its metadata under ``lever``."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if provenance is not None:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"lever": provenance.metadata()})
    write_atomic(path, lambda p: pq.write_table(table, p))


def read(folder: str | Path) -> tuple[Scenario, dict[str, Any]]:
    """The scenario and the record a folder's provenance holds."""
    folder = Path(folder)
    record = json.loads((folder / PROVENANCE_FILE).read_text(encoding="utf-8"))
    return load(folder / SCENARIO_FILE), record


def fresh_folder(default: Path) -> Path:
    """``default`` if it does not exist yet, else the first of ``default-2``, ``default-3`` ...
    that does not: a rerun never overwrites an earlier result."""
    if not default.exists():
        return default
    n = 2
    while (candidate := default.with_name(f"{default.name}-{n}")).exists():
        n += 1
    return candidate


def holds_results(folder: Path) -> bool:
    """Whether ``folder`` already holds a Lever result (its provenance)."""
    return (folder / PROVENANCE_FILE).exists()
