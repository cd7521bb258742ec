"""What every command of the ``lever`` command line shares: its consoles, the one-line
errors, the output folder and the store option, progress, and clean stops.

Nothing here runs a model: the commands call the layers below and only say what they got.
"""

from __future__ import annotations

import os
import shlex
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from lever.model.loading import ScenarioError, load, parse_assignments, with_scale, with_values
from lever.model.network import NetworkError
from lever.model.scenario import RenamedFieldWarning, Scenario
from lever.store import DEFAULT_STORE, Experiment, StoreError, check_name, spec_name
from lever.store.files import output_folder
from lever.store.provenance import Provenance

DEFAULT_SCENARIO = "britain-1933"

# piped output is not squeezed to 80 columns unless COLUMNS says so: the tables are meant to be read whole;
# markup off: a name, key or label a user wrote is printed as written, never read as Rich markup
_WIDTH = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS") or 160)
out_console = Console(width=_WIDTH, markup=False)
err_console = Console(stderr=True, markup=False)


StoreOption = Annotated[Path | None, typer.Option("--store", help=f"results store folder (default: {DEFAULT_STORE})")]
NameOption = Annotated[
    str | None, typer.Option("--name", help="experiment name in the store (default: from the settings)")
]


def said(label: str, style: str, message: object) -> Text:
    """``label`` styled, then ``message`` as plain text (never read as markup)."""
    return Text.assemble((label, style), " ", str(message))


def say_error(message: object) -> None:
    """One red-labelled line on stderr, the message as written."""
    err_console.print(said("error:", "bold red", message), highlight=False, soft_wrap=True)


def fail(message: str) -> typer.Exit:
    """Print one clear line to stderr per line of ``message`` (each problem of a file); the
    caller raises the returned exit (code 2)."""
    for line in message.splitlines() or [""]:
        say_error(line)
    return typer.Exit(2)


def warn(message: str, label: str = "warning") -> None:
    """One yellow line on stderr."""
    err_console.print(said(f"{label}:", "yellow", message), highlight=False, soft_wrap=True)


def _warning_line(message: Warning | str, _category: type[Warning], *_args: object, **_kwargs: object) -> None:
    warn(str(message))


@contextmanager
def clean_errors() -> Iterator[None]:
    """Bad input ends in one line and exit code 2, never a traceback; an old field name is
    read and reported as one warning line."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", RenamedFieldWarning)
            warnings.showwarning = _warning_line
            yield
    except (ScenarioError, NetworkError, StoreError) as err:
        raise fail(str(err)) from None
    except MemoryError:
        raise fail("the field does not fit in memory: fewer agents (--scale, sizes) or fewer steps") from None


def out_folder(out: Path | None, default: Path) -> Path:
    """The output folder, made and tried with a test file before any work so that a bad or
    unwritable path fails at once. By default a fresh one (``default``, else ``default-2``,
    ...); a given ``--out`` that already holds a result is refused rather than overwritten."""
    from lever.store.provenance import PROVENANCE_FILE, fresh_folder, holds_results

    if out is not None and holds_results(out):
        raise fail(f"--out: {out} already holds a result ({PROVENANCE_FILE}); choose another folder or remove it")
    folder = out or fresh_folder(default)
    try:
        output_folder(folder)
    except OSError as err:
        raise fail(f"--out: cannot use {folder} as an output folder: {err.strerror or err}") from None
    return folder


def provenance(field: Scenario, **settings: Any) -> Provenance:
    """What made this result: the command line as typed, the settings, the field as run."""
    from lever.store.provenance import command_line

    return Provenance(command_line(), field, settings)


def default_folder(field: Scenario, *parts: str) -> Path:
    """``lever-out/<scenario>/...``; a scenario whose name is not a plain folder name (such as
    ``../../escaped``) is refused, so that no name leads outside the output root."""
    try:
        check_name(field.name, "name")
    except StoreError as err:
        raise fail(f"scenario {err} (or pass --out)") from None
    return Path("lever-out", field.name, *parts)


def open_experiment(store: Path | None, kind: str, field: Scenario, spec: dict[str, Any]) -> Experiment:
    """The store's experiment for these settings (made, or reopened to resume)."""
    return Experiment.create(store or DEFAULT_STORE, spec_name(kind, field.name, spec), spec)


def prepare(spec: str, assignments: list[str], scale: float | None) -> Scenario:
    """Load a scenario and apply ``--set`` and ``--scale``."""
    scenario = load(spec)
    scenario = with_values(scenario, parse_assignments(assignments), f"{spec} (--set)")
    if scale is not None:
        scenario = with_scale(scenario, scale)
    return scenario


def resume_command() -> str:
    """The command line that was run, to print as the command that resumes."""
    return shlex.join(["lever", *sys.argv[1:]])


def interrupted(kept: int, total: int, where: str) -> typer.Exit:
    """The one line a stopped sweep prints; exit code 130, as for Ctrl-C."""
    err_console.print(f"Stopped: kept {kept} of {total} runs in {where}; resume with: {resume_command()}",
                      highlight=False, soft_wrap=True)  # fmt: skip
    return typer.Exit(130)


class Reporter:
    """Progress of a sweep: a Rich bar with the time left on a terminal, else a plain line
    every 10% (or minute) with the time left."""

    def __init__(self, description: str, unit: str = "runs") -> None:
        self.description, self.unit = description, unit
        self.tty = err_console.is_terminal
        self.progress = Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                                 TimeRemainingColumn(), console=err_console, transient=True)  # fmt: skip
        self.task = None
        self.start = self.last = time.monotonic()
        self.first: int | None = None
        self.shown = -1

    def __enter__(self) -> Reporter:
        if self.tty:
            self.progress.__enter__()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.tty:
            self.progress.__exit__(exc_type, exc, tb)

    def __call__(self, done: int, total: int) -> None:
        if self.tty:
            if self.task is None:
                self.task = self.progress.add_task(self.description, total=total, completed=done)
            self.progress.update(self.task, completed=done)
            return
        now = time.monotonic()
        if self.first is None:
            self.first, self.start = done, now
        decile = 10 * done // max(total, 1)
        if decile > self.shown or now - self.last >= 60 or done == total:
            self.shown, self.last = decile, now
            rate = (done - self.first) / max(now - self.start, 1e-9)
            left = "" if rate <= 0 or done == total else f", about {_duration((total - done) / rate)} left"
            err_console.print(f"{self.description}: {done}/{total} {self.unit}{left}", highlight=False)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
