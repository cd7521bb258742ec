"""``lever theses``: the letter's eight theses as experiments, each with a verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lever.cli.common import (
    DEFAULT_SCENARIO,
    Reporter,
    StoreOption,
    clean_errors,
    default_folder,
    fail,
    interrupted,
    out_console,
    out_folder,
    provenance,
    say_error,
    warn,
)
from lever.experiments.bounds import MAX_JOBS, MAX_REPLICATIONS, MAX_SEED
from lever.experiments.execute import Interrupted, stoppable
from lever.experiments.runs import RunsFailed
from lever.experiments.workers import auto_jobs, default_jobs, run_seconds
from lever.model.loading import load
from lever.store import DEFAULT_STORE
from lever.store.files import complete_folder
from lever.theses.job import design_for, needs, run_theses, select
from lever.theses.report import line, write_theses_report


def _parse_only(only: str | None) -> list[int] | None:
    if not only:
        return None
    try:
        numbers = [int(x) for x in only.split(",") if x.strip()]
    except ValueError:
        raise fail(f"--only: expected thesis numbers like 1,5 (got '{only}')") from None
    if not numbers or any(n < 1 or n > 8 for n in numbers):
        raise fail(f"--only: thesis numbers run from 1 to 8 (got '{only}')")
    return numbers


def theses_command(
    only: Annotated[str | None, typer.Option(help="theses to run, e.g. 1,5 (default: all eight)")] = None,
    replications: Annotated[int, typer.Option(min=1, max=MAX_REPLICATIONS, help="replications per draw and level")] = 2,
    jobs: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=MAX_JOBS,
            help="worker processes (default: by the amount of work and the cores free; 1 runs in-process)",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="random seed")] = 0,
    scenario: Annotated[str, typer.Option(help="built-in name or TOML file")] = DEFAULT_SCENARIO,
    out: Annotated[Path | None, typer.Option(help="output folder")] = None,
    store: StoreOption = None,
) -> None:
    """Test the letter's eight theses as experiments and give each a verdict."""
    chosen = select(_parse_only(only))
    with clean_errors():
        base = load(scenario)
        lacking = [lack for t in chosen if (lack := needs(base, t))]
        if len(lacking) == len(chosen):
            raise fail(f"{scenario}: " + "; ".join(lacking))
        for lack in lacking:  # run what the field allows, say what it does not
            warn(lack, "skipped")
        chosen = [t for t in chosen if needs(base, t) is None]
        folder = out_folder(out, out if out is not None else default_folder(base, "theses"))
        root = store or DEFAULT_STORE
        total = sum(design_for(base, t, replications, seed).runs for t in chosen)
        try:
            with stoppable(), Reporter("theses") as report:
                outcomes = run_theses(base, chosen, replications, seed=seed, on_done=report, store=root,
                                      jobs=jobs or auto_jobs(total, run_seconds(base), default_jobs()))  # fmt: skip
        except Interrupted as stop:
            raise interrupted(stop.kept, stop.total, str(root)) from None
        except RunsFailed as err:
            say_error(err)
            raise typer.Exit(1) from None
        made = provenance(base, seed=seed, replications=replications, only=[t.number for t in chosen])
        with complete_folder(folder):
            paths = write_theses_report(outcomes, folder, made)
    for o in outcomes:
        out_console.print(line(o), highlight=False)
    out_console.print(f"Wrote {paths['report']}")
