"""What ties a stored Parquet file to its experiment: its identity, its tasks and a hash of its rows.

Every Parquet file the store writes (a batch's ``runs`` and ``series`` parts, ``design.parquet``)
carries, in its key-value metadata under ``lever_part``, the experiment's identity (a hash of
its settings), the file's name and kind, the tasks it holds and a hash of its rows. A batch is
committed by its manifest, ``manifests/part-NNNNNN.json``, written (atomically) after both
parts: it holds the same and each file's SHA-256. A reader keeps a part only where the
manifest, the file's bytes and its metadata all agree with the experiment it reads.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from lever.store.files import write_atomic

#: The Parquet key-value metadata key of a store file's identity.
META_KEY = b"lever_part"
MANIFESTS = "manifests"
#: Where bad files are moved (never deleted): ``<store>/.quarantine/<experiment>/<when>/``.
QUARANTINE = ".quarantine"


def identity_of(spec: dict[str, Any]) -> str:
    """An experiment's identity: a hash of its settings (the same settings, the same identity)."""
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:24]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _type_name(kind: pa.DataType) -> str:
    """A column type as Parquet gives it back (list item names, string widths and dictionary
    encoding are not kept apart)."""
    if pa.types.is_dictionary(kind):
        return _type_name(kind.value_type)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return f"list<{_type_name(kind.value_type)}>"
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "string"
    return str(kind)


def _digest_array(digest: Any, arr: pa.Array) -> None:
    """Feed one column's type, nulls and values to ``digest`` (independent of chunking)."""
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    digest.update(_type_name(arr.type).encode())
    digest.update(np.packbits(arr.is_null().to_numpy(zero_copy_only=False)).tobytes())
    kind = arr.type
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        digest.update(arr.value_lengths().fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64).tobytes())
        _digest_array(digest, arr.flatten())
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        texts = ["" if s is None else s for s in arr.to_pylist()]
        digest.update(np.array([len(s) for s in texts], dtype=np.int64).tobytes())
        digest.update("".join(texts).encode("utf-8", "surrogatepass"))
    elif pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind):
        filled = arr.fill_null(False if pa.types.is_boolean(kind) else 0)
        digest.update(np.ascontiguousarray(filled.to_numpy(zero_copy_only=False)).tobytes())
    else:
        digest.update(repr(arr.to_pylist()).encode())


def rows_sha256(table: pa.Table) -> str:
    """A hash of a table's rows: column names, types and values (not its metadata)."""
    digest = hashlib.sha256()
    for name in table.column_names:
        digest.update(name.encode() + b"\0")
        _digest_array(digest, table.column(name).combine_chunks())
    return digest.hexdigest()


def task_list(frame: pd.DataFrame) -> list[int]:
    return sorted({int(t) for t in frame["task"]}) if "task" in frame.columns else []


def write_part(path: Path, frame: pd.DataFrame, identity: str, kind: str) -> dict[str, Any]:
    """Write ``frame`` atomically as Parquet carrying its identity; return what its manifest
    records of it (name, kind, tasks, rows, rows hash, file hash)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    record = {"experiment": identity, "file": path.name, "kind": kind, "tasks": task_list(frame),
              "rows": table.num_rows, "rows_sha256": rows_sha256(table)}  # fmt: skip
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), META_KEY: json.dumps(record).encode()})
    write_atomic(path, lambda p: pq.write_table(table, p))
    return record | {"sha256": file_sha256(path)}


def file_meta(path: Path) -> dict[str, Any] | None:
    """The identity a Parquet file carries (None without one); raises on an unreadable file."""
    meta = pq.read_schema(path).metadata or {}
    return json.loads(meta[META_KEY]) if META_KEY in meta else None


def read_manifest(path: Path) -> dict[str, Any]:
    """A manifest as data; ``ValueError`` where it is not a JSON object."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise ValueError("not a manifest")
    return data


@dataclass(frozen=True)
class Finding:
    """One thing wrong with one file of an experiment (``path`` relative to its folder)."""

    path: str
    kind: str  # missing, foreign, truncated, corrupt, duplicated, stray, uncommitted
    reason: str
    part: str | None = None

    def line(self) -> str:
        return f"{self.path}: {self.kind}: {self.reason}"


def _file_findings(folder: Path, sub: str, entry: dict[str, Any], identity: str, part: str) -> list[Finding]:
    path = folder / sub / part
    rel = f"{sub}/{part}"
    if not path.is_file():
        return [Finding(rel, "missing", "its manifest lists it but it is not there", part)]
    if file_sha256(path) == entry.get("sha256"):
        return []
    try:
        meta = file_meta(path)
    except (pa.ArrowException, OSError, ValueError) as err:
        return [Finding(rel, "truncated", f"not a whole Parquet file ({type(err).__name__})", part)]
    if meta is None or meta.get("experiment") != identity:
        return [Finding(rel, "foreign", "written for another experiment", part)]
    return [Finding(rel, "corrupt", "its bytes differ from those its manifest recorded", part)]


def _uncommitted(folder: Path, identity: str, part: str) -> Finding:
    """A batch without a manifest: this experiment's, left by a writer stopped before its commit
    (``uncommitted``), or files from elsewhere (``foreign``)."""
    sub = "runs" if (folder / "runs" / part).is_file() else "series"
    try:
        meta = file_meta(folder / sub / part)
    except (pa.ArrowException, OSError, ValueError) as err:
        reason = f"not a whole Parquet file, and no manifest ({type(err).__name__})"
        return Finding(f"{sub}/{part}", "truncated", reason, part)
    if meta is None:
        return Finding(f"{sub}/{part}", "foreign", "carries no experiment identity (written by an older Lever, or "
                       "not by Lever), and no manifest", part)  # fmt: skip
    if meta.get("experiment") != identity or meta.get("file") != part:
        return Finding(f"{sub}/{part}", "foreign", "written for another experiment or batch, and no manifest", part)
    return Finding(f"{sub}/{part}", "uncommitted", "no manifest: its writer stopped before committing it, or the "
                   "manifest was lost", part)  # fmt: skip


def part_findings(folder: Path, identity: str, part: str) -> list[Finding]:
    """What is wrong with committed batch ``part`` (empty: its files are the ones written)."""
    rel = f"{MANIFESTS}/{Path(part).stem}.json"
    manifest_path = folder / rel
    if not manifest_path.is_file():
        return [_uncommitted(folder, identity, part)]
    try:
        manifest = read_manifest(manifest_path)
    except (ValueError, OSError, UnicodeDecodeError):
        return [Finding(rel, "corrupt", "not a readable manifest", part)]
    if manifest.get("experiment") != identity or manifest.get("part") != part:
        return [Finding(rel, "foreign", "the manifest of another experiment or part", part)]
    out = []
    for sub, entry in manifest["files"].items():
        out += _file_findings(folder, sub, entry, identity, part)
    return out


def batch_files(part: str) -> list[str]:
    """The three files of batch ``part``, relative to the experiment's folder."""
    return [f"runs/{part}", f"series/{part}", f"{MANIFESTS}/{Path(part).stem}.json"]


def quarantine(folder: Path) -> Path:
    """A fresh quarantine folder for experiment ``folder`` inside its store."""
    return folder.parent / QUARANTINE / folder.name / f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{os.getpid()}"


def move_aside(folder: Path, where: Path, files: Iterable[str]) -> list[str]:
    """Move ``files`` (relative to ``folder``) that exist into ``where``, keeping their paths."""
    present = [f for f in dict.fromkeys(files) if (folder / f).exists()]
    for rel in present:
        (where / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(folder / rel, where / rel)
    return present


def part_names(folder: Path) -> list[str]:
    """Every batch name found in ``runs/``, ``series/`` or ``manifests/``, in order."""
    names: set[str] = set()
    for sub in ("runs", "series"):
        names |= {p.name for p in _listing(folder / sub) if _is_part(p.name)}
    names |= {f"{p.stem}.parquet" for p in _listing(folder / MANIFESTS) if _is_part(f"{p.stem}.parquet")
              and p.suffix == ".json"}  # fmt: skip
    return sorted(names)


def _listing(folder: Path) -> Iterable[Path]:
    return folder.iterdir() if folder.is_dir() else ()


def _is_part(name: str) -> bool:
    stem = name.removesuffix(".parquet")
    return name.endswith(".parquet") and stem.startswith("part-") and stem[5:].isdigit() and len(stem) >= 11
