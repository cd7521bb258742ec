"""``lever calibrate``: history matching of a scenario's uncertainties to the record."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer

from lever.calibration import Budget, calibrate, load_record
from lever.calibration.report import write_calibration_report
from lever.cli.common import (
    Reporter,
    StoreOption,
    clean_errors,
    default_folder,
    fail,
    interrupted,
    out_console,
    out_folder,
    prepare,
    provenance,
    say_error,
)
from lever.experiments.bounds import MAX_JOBS, MAX_REPLICATIONS, MAX_SAMPLES, MAX_SEED
from lever.experiments.execute import Interrupted, stoppable
from lever.experiments.runs import RunsFailed
from lever.experiments.workers import default_jobs
from lever.model.loading import parse_assignments, without_uncertainties
from lever.store import DEFAULT_STORE
from lever.store.files import complete_folder


def calibrate_command(
    scenario: Annotated[str, typer.Argument(help="built-in name or TOML file")] = "britain-1932",
    record: Annotated[str, typer.Option(help="built-in record name or TOML file of dated figures")] = "britain",
    cutoff: Annotated[
        str, typer.Option(help="fit only figures dated before this day (YYYY-MM-DD); the rest is held out")
    ] = "1934-01-01",
    points: Annotated[int, typer.Option(min=2, max=MAX_SAMPLES, help="draws per wave")] = 64,
    waves: Annotated[int, typer.Option(min=1, max=20, help="waves of history matching")] = 3,
    replications: Annotated[int, typer.Option(min=1, max=MAX_REPLICATIONS, help="replications per draw")] = 2,
    predictive: Annotated[
        int, typer.Option(min=1, max=MAX_SAMPLES, help="posterior draws run to the horizon to predict the record")
    ] = 16,
    jobs: Annotated[
        int | None, typer.Option(min=1, max=MAX_JOBS, help="worker processes (default: the cores; 1 runs in-process)")
    ] = None,
    executor: Annotated[str | None, typer.Option(help="local (default), dask, or dask://HOST:PORT")] = None,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="random seed")] = 0,
    set_: Annotated[list[str] | None, typer.Option("--set", help="path=value, repeatable")] = None,
    out: Annotated[Path | None, typer.Option(help="output folder")] = None,
    store: StoreOption = None,
) -> None:
    """Fit a scenario's uncertainties to the record up to a cutoff (history matching); predict the rest."""
    try:
        day = dt.date.fromisoformat(cutoff)
    except ValueError:
        raise fail(f"--cutoff: '{cutoff}' is not a date (YYYY-MM-DD)") from None
    if executor not in (None, "local", "dask") and not executor.startswith("dask://"):
        raise fail(f"--executor: '{executor}' is not local, dask or dask://HOST:PORT")
    with clean_errors():
        field = prepare(scenario, set_ or [], None)
        field = without_uncertainties(field, list(parse_assignments(set_ or [])), f"{scenario} (--set)")
        history = load_record(record)
        folder = out_folder(out, out if out is not None else default_folder(field, "calibrate"))
        budget = Budget(points=points, waves=waves, replications=replications, predictive=predictive)
        began = time.monotonic()
        try:
            with stoppable(), Reporter(f"calibrate {field.name}") as report:
                cal = calibrate(field, history, cutoff=day, budget=budget, seed=seed, store=store or DEFAULT_STORE,
                                jobs=jobs or default_jobs(), executor=executor, on_done=report, source=record)  # fmt: skip
        except Interrupted as stop:
            raise interrupted(stop.kept, stop.total, str(store or DEFAULT_STORE)) from None
        except RunsFailed as err:
            say_error(err)
            raise typer.Exit(1) from None
        seconds = time.monotonic() - began
        made = provenance(field, seed=seed, record=record, cutoff=cutoff, points=points, waves=waves,
                          replications=replications, predictive=predictive, set=set_ or [], seconds=round(seconds, 1))  # fmt: skip
        with complete_folder(folder):
            paths = write_calibration_report(cal, folder, made)
    out_console.print(
        paths["report"].read_text(encoding="utf-8").split("![calibration]")[0], highlight=False, markup=False
    )
    out_console.print(f"{budget.runs} runs in {seconds:.0f} s. Wrote {paths['report']} and {paths['posterior']}")
