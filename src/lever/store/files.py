"""Writing result files so that a process killed halfway never leaves a torn one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

#: Written last into an output folder: every file in it comes from the same command.
COMPLETE = "COMPLETE"
#: What Lever writes in it: a ``COMPLETE`` holding anything else is not Lever's.
LEVER_MARK = "written whole by lever\n"
#: Present while Lever writes a folder (and after a writer was killed): the folder is Lever's.
WRITING = ".lever-writing"


def writable_folder(folder: Path) -> None:
    """Make ``folder`` and prove it can be written (a test file made and removed), so that a
    bad or unwritable path fails before any work; raises ``OSError`` otherwise."""
    folder.mkdir(parents=True, exist_ok=True)
    probe = folder / f".lever-probe-{os.getpid()}"
    probe.write_bytes(b"")
    probe.unlink()


def _fsync(path: str | Path, flags: int = os.O_RDONLY) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write`` on a temporary file in ``path``'s folder, flush it to the disk, then
    rename it to ``path`` (and flush the folder): a reader sees the old file or the whole new
    one, never part of it, even after a power cut."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes it private; results are for sharing
        _fsync(tmp)
        os.replace(tmp, path)
        _fsync(path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class FolderTaken(OSError):
    """An output folder that holds files Lever did not write (Lever writes nothing there)."""


def lever_wrote(folder: Path) -> bool:
    """Whether ``folder``'s marker says Lever wrote it (whole, or was writing it when stopped)."""
    if (folder / WRITING).is_file():
        return True
    try:
        return (folder / COMPLETE).read_text(encoding="utf-8", errors="replace") == LEVER_MARK
    except OSError:
        return False


def output_folder(folder: Path) -> None:
    """Make ``folder`` ready for a command's files: it must be new, empty, or one Lever wrote
    (its marker says so), else :class:`FolderTaken`; then proved writable (``OSError``)."""
    if folder.is_dir() and any(folder.iterdir()) and not lever_wrote(folder):
        raise FolderTaken(f"{folder} holds files Lever did not write; give a new or empty folder")
    writable_folder(folder)


@contextmanager
def complete_folder(folder: Path) -> Iterator[None]:
    """Write a folder's files inside this block: its ``COMPLETE`` marker is removed first
    (with hidden temporary files a killed writer left) and written back only when the block
    ends without error, so a folder without it is recognizably unfinished. A folder holding
    files Lever did not write is refused (:class:`FolderTaken`): nothing of it is removed."""
    output_folder(folder)
    write_atomic(folder / WRITING, lambda p: p.write_text("lever is writing this folder\n"))
    (folder / COMPLETE).unlink(missing_ok=True)
    for stale in folder.glob(".*.tmp"):
        stale.unlink(missing_ok=True)
    yield
    write_atomic(folder / COMPLETE, lambda p: p.write_text(LEVER_MARK))
    (folder / WRITING).unlink(missing_ok=True)
