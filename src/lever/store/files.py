"""Writing result files so that a process killed halfway never leaves a torn one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

#: Written last into an output folder: every file in it comes from the same command.
COMPLETE = "COMPLETE"


def writable_folder(folder: Path) -> None:
    """Make ``folder`` and prove it can be written (a test file made and removed), so that a
    bad or unwritable path fails before any work; raises ``OSError`` otherwise."""
    folder.mkdir(parents=True, exist_ok=True)
    probe = folder / f".lever-probe-{os.getpid()}"
    probe.write_bytes(b"")
    probe.unlink()


def write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write`` on a temporary file in ``path``'s folder, then rename it to ``path``:
    a reader sees the old file or the whole new one, never part of it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes it private; results are for sharing
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@contextmanager
def complete_folder(folder: Path) -> Iterator[None]:
    """Write a folder's files inside this block: its ``COMPLETE`` marker is removed first
    (with hidden temporary files a killed writer left) and written back only when the block
    ends without error, so a folder without it is recognizably unfinished."""
    (folder / COMPLETE).unlink(missing_ok=True)
    for stale in folder.glob(".*.tmp"):
        stale.unlink(missing_ok=True)
    yield
    write_atomic(folder / COMPLETE, lambda p: p.write_text("written whole by lever\n"))
