"""One experiment in the results store: a folder that DuckDB, pandas and polars read as it is.

Layout of ``<store>/<name>/``::

    experiment.json        what was asked: kind, command, design settings, the scenario (TOML)
    design.parquet         one row per run: task, strategy, level, draw, replication, seed, values
    runs/part-NNNNNN.parquet    outcomes of a batch of runs: task, status, error, outcomes, flows
    series/part-NNNNNN.parquet  the per-step series of the same batch: task, step, week, columns
    manifests/part-NNNNNN.json  written last for a batch (its commit): identity, tasks, hashes
    COMPLETE               written last: every run is in (a folder without it is unfinished)
    .lock                  held (flock) by the one driver writing the experiment

Every file is written to a hidden temporary file and renamed (:func:`lever.store.files.write_atomic`),
so a reader sees whole files only. A batch is committed by its manifest, written after its
``series`` and ``runs`` parts; each Parquet file carries the experiment's identity, its tasks
and a hash of its rows (:mod:`lever.store.parts`). A reader keeps only the batches whose
manifest, bytes and identity agree with the experiment (a part copied from another experiment,
cut short or changed is left out and named: :func:`lever.store.verify.check_experiment`). A
task counts as done when a kept part holds it with status ``ok``; a rerun skips those and
retries the rest, so a crash at any point loses at most the batch being written.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from lever.store.files import writable_folder, write_atomic
from lever.store.parts import (
    MANIFESTS,
    Finding,
    batch_files,
    file_sha256,
    identity_of,
    move_aside,
    part_findings,
    part_names,
    quarantine,
    write_part,
)

#: Where experiments go unless ``--store`` (or the ``LEVER_STORE`` environment variable) says otherwise.
DEFAULT_STORE = Path(os.environ.get("LEVER_STORE", Path("lever-out") / "store")).expanduser()
MARKER = "COMPLETE"
SPEC_FILE = "experiment.json"
#: Columns an older Lever wrote under names in the letter's words for its British field, read
#: under today's neutral ones (issue 26; the values are the same): old name -> new name.
RENAMED_COLUMNS = {
    "host_revolutionaries_to_rival": "host_kernel_to_rival",
    "host_revolutionaries_to_rival_vs_twin": "host_kernel_to_rival_vs_twin",
    "host_revolutionaries_in_rival": "host_kernel_in_rival",
    "host_revolutionary_workers_start": "host_kernel_in_reach_start",
}
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_PART = re.compile(r"part-(\d{6,})\.parquet")


class StoreError(ValueError):
    """A store or experiment that cannot be used, said in one line."""


class LeftOutWarning(UserWarning):
    """A resumed experiment holds files that are not the ones written for it: they are left
    out (their tasks run again) and named."""


def check_name(name: str, option: str = "--name") -> str:
    """``name`` if it is a plain folder name (letters, digits, ``.``, ``_``, ``-``; no
    ``..``), else a :class:`StoreError`: a name never leads outside the store."""
    if not _NAME.fullmatch(name) or ".." in name:
        raise StoreError(f"{option}: '{name}' is not a plain name (use letters, digits, '.', '_', '-'; "
                         "at most 100; no '..' or '/')")  # fmt: skip
    return name


def _probe(folder: Path, option: str) -> None:
    """Refuse a folder that cannot be written, before any run."""
    try:
        writable_folder(folder)
    except OSError as err:
        raise StoreError(f"{option}: cannot write in {folder}: {err.strerror or err}") from None


def read_spec(folder: Path) -> dict[str, Any]:
    """An experiment's settings; a :class:`StoreError` saying why where they cannot be read."""
    try:
        spec = json.loads((folder / SPEC_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        raise StoreError(f"experiment '{folder.name}': {SPEC_FILE} is damaged ({type(err).__name__}; "
                         f"lever store repair {folder.name})") from None  # fmt: skip
    if not isinstance(spec, dict):
        raise StoreError(f"experiment '{folder.name}': {SPEC_FILE} is damaged (not a JSON object; "
                         f"lever store repair {folder.name})")  # fmt: skip
    return spec


@dataclass
class Experiment:
    """An experiment folder; open it with :meth:`create` (to write) or :meth:`read` (to read).
    ``problem`` says why one found in a listing cannot be read (its settings are damaged)."""

    folder: Path
    spec: dict[str, Any]
    problem: str | None = None
    _lock: int | None = None
    _checked: tuple[Any, list[str], list[Finding]] | None = field(default=None, repr=False)
    _stored_ok: set[int] | None = field(default=None, repr=False)  # the writer's tasks stored ok

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def identity(self) -> str:
        """A hash of the settings: every file the experiment writes carries it."""
        return identity_of(self.spec)

    @classmethod
    def create(cls, store: Path, name: str, spec: dict[str, Any], option: str = "--store") -> Experiment:
        """Open ``store/name`` to write, making it if new. An existing one must have been made
        with the same ``spec`` (then this resumes it); its marker is removed until it is whole."""
        store = Path(store).expanduser()
        folder = store / check_name(name)
        _probe(store, option)
        _probe(folder, option)
        exp = cls(folder, spec)
        exp._take_lock()
        path = folder / SPEC_FILE
        if path.exists():
            try:
                old = read_spec(folder)
            except StoreError:
                exp.close()
                raise
            if old != spec:
                exp.close()
                raise StoreError(f"--name: experiment '{name}' in {store} was made with other settings "
                                 "(choose another --name, or delete it)")  # fmt: skip
        else:
            write_atomic(path, lambda p: p.write_text(json.dumps(spec, indent=2, sort_keys=True) + "\n"))
        for sub in ("runs", "series", MANIFESTS):
            (folder / sub).mkdir(exist_ok=True)
            for stale in (folder / sub).glob(".*.tmp"):  # left by a writer killed mid-file
                stale.unlink(missing_ok=True)
        (folder / MARKER).unlink(missing_ok=True)
        # batches a writer stopped before committing (no manifest): set aside, not deleted; run again
        torn = [f.part for f in exp._verify()[1] if f.kind == "uncommitted" and f.part is not None]
        if torn:
            move_aside(folder, quarantine(folder), [f for part in torn for f in batch_files(part)])
        exp._warn_left_out()
        return exp

    def _warn_left_out(self) -> None:
        bad = self.bad_parts()
        if bad:
            named = "; ".join(f.line() for f in bad[:5]) + (f"; and {len(bad) - 5} more" if len(bad) > 5 else "")
            warnings.warn(f"experiment '{self.name}': left out {len(bad)} files not written for it, their tasks "
                          f"run again ({named}; lever store repair {self.name} moves them aside)",
                          LeftOutWarning, stacklevel=3)  # fmt: skip

    @classmethod
    def read(cls, store: Path, name: str) -> Experiment:
        store = Path(store).expanduser()
        folder = store / check_name(name, "NAME")
        if not (folder / SPEC_FILE).is_file():
            raise StoreError(f"NAME: no experiment '{name}' in {store} (lever results --store {store} lists them)")
        return cls(folder, read_spec(folder))

    def _take_lock(self) -> None:
        fd = os.open(self.folder / ".lock", os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise StoreError(f"--name: experiment '{self.name}' is being written by another command") from None
        self._lock = fd

    def close(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    # -- writing -------------------------------------------------------------------------------

    def write_design(self, design: pd.DataFrame) -> None:
        """The planned runs, one row per task (written once; a resume finds it there)."""
        path = self.folder / "design.parquet"
        if not path.exists():
            write_part(path, design, self.identity, "design")

    def _next_part(self) -> int:
        numbers = [int(m.group(1)) for n in part_names(self.folder) if (m := _PART.fullmatch(n))]
        return max(numbers, default=-1) + 1

    def append(self, runs: pd.DataFrame, series: pd.DataFrame | None = None) -> None:
        """Commit a batch: its series part, its runs part, then its manifest (the commit).
        Tasks already stored ok are not stored again."""
        if self._stored_ok is None:
            self._stored_ok = self._ok_tasks()
        stored = self._stored_ok
        if stored:
            runs = runs[~runs["task"].isin(stored)].reset_index(drop=True)
            if series is not None and len(series):
                series = series[~series["task"].isin(stored)].reset_index(drop=True)
        if not len(runs):
            return
        part = f"part-{self._next_part():06d}.parquet"
        files = {}
        if series is not None and len(series):
            files["series"] = write_part(self.folder / "series" / part, series, self.identity, "series")
        files["runs"] = write_part(self.folder / "runs" / part, runs, self.identity, "runs")
        manifest = {"experiment": self.identity, "part": part, "tasks": files["runs"]["tasks"], "files": files}
        text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
        write_atomic(self.folder / MANIFESTS / f"{Path(part).stem}.json", lambda p: p.write_text(text))
        stored |= {int(t) for t in runs.loc[runs["status"] == "ok", "task"]}

    def finish(self, summary: dict[str, Any]) -> None:
        """Write the marker: every planned run is in the store (ok or failed); it names the
        experiment, its design and its batches, so a batch lost later is seen as lost."""
        design = self.folder / "design.parquet"
        record = summary | {"experiment": self.identity, "parts": self.good_parts(),
                            "design": file_sha256(design) if design.is_file() else None}  # fmt: skip
        text = json.dumps(record, indent=2, sort_keys=True) + "\n"
        write_atomic(self.folder / MARKER, lambda p: p.write_text(text))

    # -- reading -------------------------------------------------------------------------------

    def _signature(self) -> tuple:
        entries = []
        for sub in ("runs", "series", MANIFESTS):
            folder = self.folder / sub
            for p in sorted(folder.iterdir()) if folder.is_dir() else ():
                st = p.stat()
                entries.append((sub, p.name, st.st_mtime_ns, st.st_size, st.st_ino))
        return tuple(entries)

    def _verify(self) -> tuple[list[str], list[Finding]]:
        """The batches whose files are the ones written for this experiment, and what is wrong
        with the others (cached until a file changes)."""
        signature = self._signature()
        if self._checked is None or self._checked[0] != signature:
            good, bad = [], []
            for part in part_names(self.folder) if self.problem is None else []:
                found = part_findings(self.folder, self.identity, part)
                if found:
                    bad += found
                elif (self.folder / "runs" / part).is_file():
                    good.append(part)
            self._checked = (signature, good, bad)
        return self._checked[1], self._checked[2]

    def good_parts(self) -> list[str]:
        """The names of the committed batches a reader keeps."""
        return self._verify()[0]

    def bad_parts(self) -> list[Finding]:
        """What is wrong with the batches a reader leaves out (each named), but for those a
        stopped writer left uncommitted (an unfinished experiment, not a damaged one)."""
        return [f for f in self._verify()[1] if f.kind != "uncommitted"]

    def planned(self) -> int:
        return int(self.spec.get("runs", 0) or 0)

    def design(self) -> pd.DataFrame:
        """The planned runs; a :class:`StoreError` where ``design.parquet`` cannot be read."""
        try:
            return pd.read_parquet(self.folder / "design.parquet")
        except (pa.ArrowException, OSError) as err:
            raise StoreError(f"experiment '{self.name}': design.parquet cannot be read ({type(err).__name__}; "
                             f"lever store check {self.name})") from None  # fmt: skip

    def _ok_tasks(self) -> set[int]:
        tasks: set[int] = set()
        for part in self.good_parts():
            t = pq.read_table(self.folder / "runs" / part, columns=["task", "status"])
            ok = np.asarray(t.column("status").to_pylist()) == "ok"
            tasks |= {int(x) for x in t.column("task").to_numpy()[ok]}
        return tasks

    def done(self, total: int) -> np.ndarray:
        """A boolean per task: whether a kept batch holds a run of it with status ``ok``."""
        out = np.zeros(total, dtype=bool)
        tasks = np.fromiter(self._ok_tasks(), dtype=np.int64)
        out[tasks[(tasks >= 0) & (tasks < total)]] = True
        return out

    def _runs(self) -> pd.DataFrame:
        parts = self.good_parts()
        if not parts:
            return pd.DataFrame({"task": pd.Series(dtype="int64"), "status": pd.Series(dtype="object"),
                                 "_part": pd.Series(dtype="int64")})  # fmt: skip
        frames = [_renamed(pd.read_parquet(self.folder / "runs" / p)).assign(_part=k) for k, p in enumerate(parts)]
        table = pd.concat(frames, ignore_index=True)
        # per task: its first ok run, else its last failed attempt
        ok = (table["status"] == "ok").to_numpy()
        table["_order"] = np.where(ok, table["_part"], 2 * len(parts) - table["_part"])
        table = table.sort_values(["task", "_order"], kind="stable").drop_duplicates("task", keep="first")
        return table.drop(columns="_order").reset_index(drop=True)

    def runs(self) -> pd.DataFrame:
        """Every run, one row per task (its ok run, else its last attempt), ordered by task."""
        return self._runs().drop(columns="_part")

    def series(self) -> pd.DataFrame:
        """The per-step series of the runs kept by :meth:`runs` (from the same batch), ordered
        by task and step."""
        kept = self._runs()
        frames = []
        for k, part in enumerate(self.good_parts()):
            path = self.folder / "series" / part
            tasks = kept.loc[(kept["_part"] == k) & (kept["status"] == "ok"), "task"]
            if path.exists() and len(tasks):
                table = _renamed(pd.read_parquet(path))
                frames.append(table[table["task"].isin(tasks)])
        if not frames:
            return pd.DataFrame()
        table = pd.concat(frames, ignore_index=True)
        return table.sort_values(["task", "step"], kind="stable").reset_index(drop=True)

    def marker(self) -> dict[str, Any] | None:
        """The marker's record (None without one); a :class:`StoreError` where it is damaged."""
        path = self.folder / MARKER
        if not path.exists():
            return None
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            raise StoreError(f"experiment '{self.name}': {MARKER} is damaged") from None
        if not isinstance(record, dict):
            raise StoreError(f"experiment '{self.name}': {MARKER} is damaged")
        return record

    def status(self) -> str:
        """``complete``, ``complete with failures``, ``unfinished`` or ``damaged: <why>``."""
        if self.problem is not None:
            return f"damaged: {self.problem}"
        bad = self.bad_parts()
        if bad:
            return f"damaged: {len(bad)} bad files left out, e.g. {bad[0].line()} (lever store check {self.name})"
        try:
            record = self.marker()
        except StoreError as err:
            return f"damaged: {err}"
        if record is None:
            return "unfinished"
        if record.get("experiment", self.identity) != self.identity or not set(record.get("parts", [])) <= set(
            self.good_parts()
        ):
            return f"damaged: {MARKER} names batches or settings not there (lever store check {self.name})"
        return "complete with failures" if record.get("failed") else "complete"


def experiments(store: Path) -> list[Experiment]:
    """Every experiment in ``store``, by name; one whose settings cannot be read is listed with
    its ``problem`` (it never hides the others)."""
    root = Path(store).expanduser()
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(root.iterdir()):
        if not (_NAME.fullmatch(folder.name) and (folder / SPEC_FILE).is_file()):
            continue
        try:
            found.append(Experiment(folder, read_spec(folder)))
        except StoreError as err:
            found.append(Experiment(folder, {}, problem=str(err).split(": ", 1)[1]))
    return found


def _renamed(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the columns of :data:`RENAMED_COLUMNS` under their new names."""
    old = [c for c in table.columns if c in RENAMED_COLUMNS]
    return table.rename(columns={c: RENAMED_COLUMNS[c] for c in old}) if old else table
