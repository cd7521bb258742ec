"""Checking an experiment's files against what was written, and moving the bad ones aside.

:func:`check_experiment` names every file that is missing, foreign (written for another
experiment, or another batch), truncated, corrupt (changed since it was written), duplicated
(a batch whose tasks an earlier batch already holds) or stray (a temporary file a killed writer
left). :func:`repair_experiment` moves those files into ``<store>/.quarantine/<name>/<when>/``
(nothing is deleted) and removes the marker, so the same command run again recomputes exactly
the tasks they held.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from lever.store.experiment import MARKER, SPEC_FILE, StoreError, check_name, read_spec
from lever.store.parts import (
    MANIFESTS,
    Finding,
    batch_files,
    file_meta,
    file_sha256,
    identity_of,
    move_aside,
    part_findings,
    part_names,
    quarantine,
    read_manifest,
    rows_sha256,
)

DESIGN = "design.parquet"
#: Columns a batch's rows share with the design's row of the same task.
KEY_COLUMNS = ("strategy", "level", "draw", "replication", "seed")


@dataclass
class Check:
    """What :func:`check_experiment` found: ``findings`` (empty: the experiment is sound)."""

    name: str
    folder: Path
    findings: list[Finding] = field(default_factory=list)
    kept_parts: list[str] = field(default_factory=list)
    planned: int = 0
    tasks_kept: int = 0

    @property
    def sound(self) -> bool:
        return not self.findings


@dataclass
class Repair:
    """What :func:`repair_experiment` moved, and where to."""

    check: Check
    moved: list[str]
    quarantine: Path | None


def _folder(store: Path, name: str) -> Path:
    folder = Path(store).expanduser() / check_name(name, "EXPERIMENT")
    if not folder.is_dir():
        raise StoreError(f"EXPERIMENT: no experiment '{name}' in {store}")
    return folder


def _manifest_identities(folder: Path) -> Counter:
    seen: Counter = Counter()
    for path in (folder / MANIFESTS).glob("part-*.json") if (folder / MANIFESTS).is_dir() else ():
        try:
            seen[read_manifest(path).get("experiment")] += 1
        except (ValueError, OSError, UnicodeDecodeError):
            pass
    return seen


def _identity(folder: Path, found: list[Finding]) -> tuple[str | None, dict[str, Any] | None]:
    """The identity to check the parts against: the settings', unless they are missing,
    damaged or other than every batch was written for (then the batches' own)."""
    parts_say = _manifest_identities(folder)
    consensus = parts_say.most_common(1)[0][0] if parts_say else None
    if not (folder / SPEC_FILE).is_file():
        found.append(Finding(SPEC_FILE, "missing", "the experiment's settings are not there"))
        return consensus, None
    try:
        spec = read_spec(folder)
    except StoreError:
        found.append(Finding(SPEC_FILE, "corrupt", "not readable JSON settings"))
        return consensus, None
    mine = identity_of(spec)
    if parts_say and mine not in parts_say:
        found.append(Finding(SPEC_FILE, "foreign", "its batches were all written for other settings"))
        return consensus, spec
    return mine, spec


def _read_checked(path: Path, rel: str, identity: str, part: str | None) -> tuple[pd.DataFrame | None, list[Finding]]:
    """A Parquet file's rows, if its identity and its rows' hash are the ones it was written with."""
    try:
        meta = file_meta(path)
        table = pq.read_table(path)
    except (pa.ArrowException, OSError, ValueError) as err:
        return None, [Finding(rel, "truncated", f"not a whole Parquet file ({type(err).__name__})", part)]
    if meta is None or meta.get("experiment") != identity or (part and meta.get("file") != part):
        return None, [Finding(rel, "foreign", "written for another experiment or batch", part)]
    if meta.get("rows_sha256") != rows_sha256(table):
        return None, [Finding(rel, "corrupt", "its rows differ from those written", part)]
    return table.to_pandas(), []


def _design(folder: Path, identity: str, found: list[Finding]) -> pd.DataFrame | None:
    path = folder / DESIGN
    if not path.is_file():
        return None
    design, problems = _read_checked(path, DESIGN, identity, None)
    found += problems
    return design.set_index("task") if design is not None and "task" in design.columns else None


def _keys_differ(runs: pd.DataFrame, design: pd.DataFrame | None) -> bool:
    if design is None:
        return False
    if not runs["task"].isin(design.index).all():
        return True
    planned = design.loc[runs["task"]]
    cols = [c for c in KEY_COLUMNS if c in runs.columns and c in design.columns]
    return any((runs[c].astype(str).to_numpy() != planned[c].astype(str).to_numpy()).any() for c in cols)


def _part_rows(folder: Path, identity: str, part: str, design: pd.DataFrame | None,
               ok_before: set[int]) -> tuple[set[int], set[int], list[Finding]]:  # fmt: skip
    """A kept batch read whole: its rows' hash, its tasks against the manifest and the design,
    and whether an earlier batch already holds them ok."""
    runs, found = _read_checked(folder / "runs" / part, f"runs/{part}", identity, part)
    if (folder / "series" / part).is_file():
        found += _read_checked(folder / "series" / part, f"series/{part}", identity, part)[1]
    if runs is None or found:
        return set(), set(), found
    manifest = read_manifest(folder / MANIFESTS / f"{Path(part).stem}.json")
    if sorted({int(t) for t in runs["task"]}) != manifest.get("tasks"):
        return set(), set(), [Finding(f"runs/{part}", "foreign", "its tasks are not those its manifest lists", part)]
    if _keys_differ(runs, design):
        reason = "its rows are not its tasks' rows of the design"
        return set(), set(), [Finding(f"runs/{part}", "foreign", reason, part)]
    ok = {int(t) for t in runs.loc[runs["status"] == "ok", "task"]}
    if ok & ok_before:
        return set(), set(), [Finding(f"runs/{part}", "duplicated", f"{len(ok & ok_before)} of its tasks are stored "
                               "ok in an earlier batch", part)]  # fmt: skip
    return ok, {int(t) for t in runs["task"]}, []


def _stray(folder: Path) -> list[Finding]:
    found = []
    for sub in ("", "runs", "series", MANIFESTS):
        here = folder / sub
        for path in sorted(here.glob(".*.tmp")) if here.is_dir() else ():
            found.append(Finding(str(path.relative_to(folder)), "stray", "a temporary file a stopped writer left"))
    return found


def _marker(folder: Path, identity: str | None, kept: list[str], design_found: bool, whole: bool) -> list[Finding]:
    path = folder / MARKER
    if not path.exists():
        return [Finding(MARKER, "missing", "every planned task is stored, but not the marker")] if whole else []
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(record, dict)
    except (OSError, UnicodeDecodeError, ValueError, AssertionError):
        return [Finding(MARKER, "corrupt", "not a readable marker")]
    if record.get("experiment") != identity:
        return [Finding(MARKER, "foreign", "the marker of another experiment")]
    lost = [p for p in record.get("parts", []) if p not in kept]
    gone = [p for p in lost if not any((folder / f).exists() for f in batch_files(p))]
    found = [Finding(f"runs/{p}", "missing", f"{MARKER} lists this batch", p) for p in gone]
    if record.get("design") and not design_found:
        found.append(Finding(DESIGN, "missing", f"{MARKER} lists the design"))
    elif record.get("design") and file_sha256(folder / DESIGN) != record["design"]:
        found.append(Finding(DESIGN, "corrupt", f"its bytes differ from those {MARKER} recorded"))
    if lost or set(kept) - set(record.get("parts", [])):
        found.append(Finding(MARKER, "corrupt", "it names other batches than those kept"))
    return found


def check_experiment(store: Path, name: str) -> Check:
    """Every file of experiment ``name`` that is not the one written for it, named with why."""
    folder = _folder(store, name)
    found: list[Finding] = []
    identity, spec = _identity(folder, found)
    result = Check(name, folder, planned=int((spec or {}).get("runs", 0) or 0))
    design = _design(folder, identity, found) if identity else None
    ok_before: set[int] = set()
    stored: set[int] = set()
    for part in part_names(folder):
        problems = part_findings(folder, identity, part) if identity else [
            Finding(f"runs/{part}", "foreign", "no experiment to check it against", part)]  # fmt: skip
        if not problems and identity:
            ok, tasks, problems = _part_rows(folder, identity, part, design, ok_before)
            ok_before, stored = ok_before | ok, stored | tasks
        found += problems
        if not problems and (folder / "runs" / part).is_file():
            result.kept_parts.append(part)
    whole = result.planned > 0 and len(stored) >= result.planned
    found += _marker(folder, identity, result.kept_parts, (folder / DESIGN).is_file(), whole) + _stray(folder)
    result.findings, result.tasks_kept = found, len(stored)
    return result


def _lock(folder: Path) -> int:
    fd = os.open(folder / ".lock", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise StoreError(f"experiment '{folder.name}' is being written by another command") from None
    return fd


def _files_of(finding: Finding) -> list[str]:
    """The files a finding sends to quarantine: a batch's three together, else the one file."""
    return [finding.path] if finding.part is None else batch_files(finding.part)


def repair_experiment(store: Path, name: str) -> Repair:
    """Move every file :func:`check_experiment` finds bad into the store's quarantine folder,
    and the marker with them: the next run of the same command recomputes exactly their tasks."""
    folder = _folder(store, name)
    fd = _lock(folder)
    try:
        check = check_experiment(store, name)
        where = quarantine(folder)
        moved = move_aside(folder, where, [f for finding in check.findings for f in _files_of(finding)])
        if moved and check_experiment(store, name).findings:  # the marker no longer tells the truth
            moved += move_aside(folder, where, [MARKER])
        return Repair(check, moved, where if moved else None)
    finally:
        os.close(fd)


__all__ = ["Check", "Finding", "Repair", "check_experiment", "file_sha256", "repair_experiment"]
