"""One experiment in the results store: a folder that DuckDB, pandas and polars read as it is.

Layout of ``<store>/<name>/``::

    experiment.json        what was asked: kind, command, design settings, the scenario (TOML)
    design.parquet         one row per run: task, strategy, level, draw, replication, seed, values
    runs/part-NNNNNN.parquet    outcomes of a batch of runs: task, status, error, outcomes, flows
    series/part-NNNNNN.parquet  the per-step series of the same batch: task, step, week, columns
    COMPLETE               written last: every run is in (a folder without it is unfinished)
    .lock                  held (flock) by the one driver writing the experiment

Every file is written to a hidden temporary file and renamed (:func:`lever.store.files.write_atomic`),
so a reader sees whole files only. A batch is committed by its ``runs`` part: its ``series``
part is written first and read only beside it. A task counts as done when a ``runs`` part
holds it with status ``ok``; a rerun skips those and retries the rest, and reading keeps the
last row per task, so a crash at any point loses at most the batch being written.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from lever.store.files import writable_folder, write_atomic

#: Where experiments go unless ``--store`` (or the ``LEVER_STORE`` environment variable) says otherwise.
DEFAULT_STORE = Path(os.environ.get("LEVER_STORE", Path("lever-out") / "store"))
MARKER = "COMPLETE"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_PART = re.compile(r"part-(\d{6,})\.parquet")


class StoreError(ValueError):
    """A store or experiment that cannot be used, said in one line."""


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


@dataclass
class Experiment:
    """An experiment folder; open it with :meth:`create` (to write) or :meth:`read` (to read)."""

    folder: Path
    spec: dict[str, Any]
    _lock: int | None = None

    @property
    def name(self) -> str:
        return self.folder.name

    @classmethod
    def create(cls, store: Path, name: str, spec: dict[str, Any], option: str = "--store") -> Experiment:
        """Open ``store/name`` to write, making it if new. An existing one must have been made
        with the same ``spec`` (then this resumes it); its marker is removed until it is whole."""
        folder = Path(store) / check_name(name)
        _probe(Path(store), option)
        _probe(folder, option)
        exp = cls(folder, spec)
        exp._take_lock()
        path = folder / "experiment.json"
        if path.exists():
            old = json.loads(path.read_text())
            if old != spec:
                exp.close()
                raise StoreError(f"--name: experiment '{name}' in {store} was made with other settings "
                                 "(choose another --name, or delete it)")  # fmt: skip
        else:
            write_atomic(path, lambda p: p.write_text(json.dumps(spec, indent=2, sort_keys=True) + "\n"))
        for sub in ("runs", "series"):
            (folder / sub).mkdir(exist_ok=True)
            for stale in (folder / sub).glob(".*.tmp"):  # left by a writer killed mid-file
                stale.unlink(missing_ok=True)
        (folder / MARKER).unlink(missing_ok=True)
        return exp

    @classmethod
    def read(cls, store: Path, name: str) -> Experiment:
        folder = Path(store) / check_name(name, "NAME")
        path = folder / "experiment.json"
        if not path.is_file():
            raise StoreError(f"NAME: no experiment '{name}' in {store} (lever results --store {store} lists them)")
        return cls(folder, json.loads(path.read_text()))

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
            write_atomic(path, lambda p: design.to_parquet(p, index=False))

    def _next_part(self) -> int:
        numbers = [int(m.group(1)) for p in (self.folder / "runs").iterdir() if (m := _PART.fullmatch(p.name))]
        return max(numbers, default=-1) + 1

    def append(self, runs: pd.DataFrame, series: pd.DataFrame | None = None) -> None:
        """Commit a batch: its series part, then its runs part (the commit)."""
        part = f"part-{self._next_part():06d}.parquet"
        if series is not None and len(series):
            write_atomic(self.folder / "series" / part, lambda p: series.to_parquet(p, index=False))
        write_atomic(self.folder / "runs" / part, lambda p: runs.to_parquet(p, index=False))

    def finish(self, summary: dict[str, Any]) -> None:
        """Write the marker: every planned run is in the store (ok or failed)."""
        text = json.dumps(summary, indent=2, sort_keys=True) + "\n"
        write_atomic(self.folder / MARKER, lambda p: p.write_text(text))

    # -- reading -------------------------------------------------------------------------------

    def _parts(self, sub: str) -> list[Path]:
        return sorted(p for p in (self.folder / sub).glob("part-*.parquet") if _PART.fullmatch(p.name))

    def planned(self) -> int:
        return int(self.spec.get("runs", 0))

    def design(self) -> pd.DataFrame:
        return pd.read_parquet(self.folder / "design.parquet")

    def done(self, total: int) -> np.ndarray:
        """A boolean per task: whether a run of it is stored with status ``ok``."""
        out = np.zeros(total, dtype=bool)
        for part in self._parts("runs"):
            t = pq.read_table(part, columns=["task", "status"])
            task = t.column("task").to_numpy()
            ok = np.asarray(t.column("status").to_pylist()) == "ok"
            out[task[(task < total) & ok]] = True
        return out

    def _runs(self) -> pd.DataFrame:
        parts = self._parts("runs")
        if not parts:
            return pd.DataFrame({"task": pd.Series(dtype="int64"), "status": pd.Series(dtype="object"),
                                 "_part": pd.Series(dtype="int64")})  # fmt: skip
        table = pd.concat([pd.read_parquet(p).assign(_part=k) for k, p in enumerate(parts)], ignore_index=True)
        table = table.drop_duplicates("task", keep="last").sort_values("task", kind="stable")
        return table.reset_index(drop=True)

    def runs(self) -> pd.DataFrame:
        """Every run, one row per task (the last stored attempt), ordered by task."""
        return self._runs().drop(columns="_part")

    def series(self) -> pd.DataFrame:
        """The per-step series of the runs kept by :meth:`runs` (from the same batch), ordered
        by task and step."""
        kept = self._runs()
        frames = []
        for k, part in enumerate(self._parts("runs")):
            path = self.folder / "series" / part.name
            tasks = kept.loc[(kept["_part"] == k) & (kept["status"] == "ok"), "task"]
            if path.exists() and len(tasks):
                table = pd.read_parquet(path)
                frames.append(table[table["task"].isin(tasks)])
        if not frames:
            return pd.DataFrame()
        table = pd.concat(frames, ignore_index=True)
        return table.sort_values(["task", "step"], kind="stable").reset_index(drop=True)

    def status(self) -> str:
        """``complete``, ``complete with failures`` or ``unfinished``."""
        marker = self.folder / MARKER
        if not marker.exists():
            return "unfinished"
        return "complete with failures" if json.loads(marker.read_text()).get("failed") else "complete"


def experiments(store: Path) -> list[Experiment]:
    """Every experiment in ``store``, by name."""
    root = Path(store)
    if not root.is_dir():
        return []
    return [Experiment.read(root, p.name) for p in sorted(root.iterdir())
            if (p / "experiment.json").is_file() and _NAME.fullmatch(p.name)]  # fmt: skip
