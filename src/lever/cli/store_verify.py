"""``lever store check`` and ``lever store repair``: is every file of an experiment the one
Lever wrote for it, and moving the ones that are not into the store's quarantine folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lever.cli.common import StoreOption, err_console, fail, out_console, said
from lever.store import DEFAULT_STORE, StoreError, check_experiment, repair_experiment
from lever.store.experiment import SPEC_FILE

store_app = typer.Typer(help="Check the results store's files, and set bad ones aside.", add_completion=False)

ExperimentArgument = Annotated[str | None, typer.Argument(help="an experiment (default: every one in the store)")]


def _names(root: Path, name: str | None) -> list[str]:
    if name is not None:
        return [name]
    if not root.is_dir():
        raise fail(f"--store: no results store at {root}")
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
                  and ((p / SPEC_FILE).exists() or (p / "runs").is_dir()))  # fmt: skip


@store_app.command("check")
def check_command(experiment: ExperimentArgument = None, store: StoreOption = None) -> None:
    """Name every file of the experiment(s) that is missing, foreign, truncated, corrupt,
    duplicated or stray; exit 1 if any is."""
    root = (store or DEFAULT_STORE).expanduser()
    damaged = 0
    for name in _names(root, experiment):
        try:
            check = check_experiment(root, name)
        except StoreError as err:
            raise fail(str(err)) from None
        damaged += not check.sound
        verdict = "sound" if check.sound else f"{len(check.findings)} bad files"
        out_console.print(f"{name}: {verdict} ({len(check.kept_parts)} batches kept, {check.tasks_kept} of "
                          f"{check.planned} tasks stored)", highlight=False, soft_wrap=True)  # fmt: skip
        for finding in check.findings:
            out_console.print(f"  {finding.line()}", highlight=False, soft_wrap=True)
    if damaged:
        err_console.print(said("damaged:", "bold red", f"{damaged} experiment(s); lever store repair moves their bad "
                               "files aside, then the same command again recomputes what they held"),
                          highlight=False, soft_wrap=True)  # fmt: skip
        raise typer.Exit(1)


@store_app.command("repair")
def repair_command(experiment: ExperimentArgument = None, store: StoreOption = None) -> None:
    """Move every bad file of the experiment(s) into <store>/.quarantine (nothing is deleted);
    run the experiment's command again to recompute exactly the tasks they held."""
    root = (store or DEFAULT_STORE).expanduser()
    for name in _names(root, experiment):
        try:
            repair = repair_experiment(root, name)
        except StoreError as err:
            raise fail(str(err)) from None
        if not repair.moved:
            out_console.print(f"{name}: nothing to repair", highlight=False, soft_wrap=True)
            continue
        out_console.print(f"{name}: moved {len(repair.moved)} files to {repair.quarantine}; run its command again "
                          "to recompute what they held", highlight=False, soft_wrap=True)  # fmt: skip
        for rel in repair.moved:
            out_console.print(f"  {rel}", highlight=False, soft_wrap=True)
