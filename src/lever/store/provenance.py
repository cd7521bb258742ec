"""What produced a result: every output folder holds the resolved scenario, the command line,
Lever's version, the git commit of its source, the versions of the libraries that decide its
numbers and the seed, so the result can be traced, cited and rerun from the folder alone.

``scenario.toml`` is the scenario as run (after ``--set``, ``--scale`` and what a user fixed);
``provenance.json`` holds the rest; each Parquet file written beside them carries both in its
metadata under the key ``lever`` (``pyarrow.parquet.read_schema(path).metadata[b"lever"]``).
"""

from __future__ import annotations

import functools
import json
import shlex
import subprocess
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


#: the libraries whose versions decide a result's numbers (draws, kernels, sums, validation)
LIBRARIES = ("numpy", "numba", "scipy", "pandas", "pydantic")
#: what a build fact is when it cannot be known (no git checkout, no git, a library missing)
UNKNOWN = "unknown"


def _git(folder: Path, *args: str) -> str | None:
    """``git args`` run in ``folder``: its output, or ``None`` where git or a checkout is missing."""
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=10,
                              check=False)  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def source_commit(package: Path | None = None) -> tuple[str, bool | str]:
    """The git commit of the source Lever runs from, and whether its tracked files were as
    committed (``True``: clean; ``False``: changed since); ``("unknown", "unknown")`` where the
    installed source is not a git checkout (a wheel in site-packages, an unpacked archive).
    ``package``: the folder of the ``lever`` package (default: the one imported)."""
    if package is None:  # this file is src/lever/store/provenance.py: the package is two folders up
        package = Path(__file__).resolve().parents[1]
    package = Path(package).resolve()
    top = _git(package, "rev-parse", "--show-toplevel")
    # the checkout must be Lever's own (src/lever), not a repository that merely holds an install
    if not top or Path(top).resolve() / "src" / "lever" != package:
        return UNKNOWN, UNKNOWN
    commit = _git(package, "rev-parse", "HEAD")
    status = _git(package, "status", "--porcelain", "--untracked-files=no")
    if not commit:
        return UNKNOWN, UNKNOWN
    return commit, UNKNOWN if status is None else status == ""


def library_versions() -> dict[str, str]:
    """The installed versions of :data:`LIBRARIES` (``unknown`` for one not installed)."""
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - all are dependencies
            out[name] = UNKNOWN
    return out


@functools.cache
def build() -> dict[str, Any]:
    """What Lever is, to cite and rerun a result: its version, the commit of its source and
    whether the tree was clean, Python's and the deciding libraries' versions. Read once a
    process (the source does not change under a running command)."""
    commit, clean = source_commit()
    return {"lever_version": lever_version(), "lever_commit": commit, "lever_tree_clean": clean,
            "python": sys.version.split()[0], "libraries": library_versions()}  # fmt: skip


def build_line(record: dict[str, Any]) -> str:
    """A record's build in one line, for a report's footer: ``Lever 0.1.0 (commit 1a2b3c4d5e6f,
    clean tree); numpy 2.1.3, numba 0.60.0, ...; Python 3.11.9``."""
    commit = str(record.get("lever_commit", UNKNOWN))
    clean = record.get("lever_tree_clean", UNKNOWN)
    tree = "clean tree" if clean is True else "tree changed since the commit" if clean is False else "tree unknown"
    where = f"commit {commit[:12]}, {tree}" if commit != UNKNOWN else "commit unknown: not run from a git checkout"
    libs = ", ".join(f"{k} {v}" for k, v in (record.get("libraries") or {}).items())
    return f"Lever {record.get('lever_version', UNKNOWN)} ({where}); {libs}; Python {record.get('python', UNKNOWN)}"


@dataclass(frozen=True)
class Provenance:
    """How a result was made: the command, its settings, and the scenario as run."""

    command: str
    scenario: Scenario
    settings: dict[str, Any] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        """Plain data: the command line, Lever's build (:func:`build`: version, commit, the
        deciding libraries), the settings (seed among them)."""
        return {
            "command": self.command,
            "argv": list(sys.argv),
            **build(),
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
