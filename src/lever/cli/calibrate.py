"""``lever calibrate``: history matching of fields' uncertainties to their records, one case or
several fitted together (one set of mechanism parameters shared by every case)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer

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

#: The cases fitted together when none is named: each history cut at its group's entry.
DEFAULT_CASES = ("britain-1932:britain:1934-02-01", "france-1934:france:1934-08-29")
#: One case's defaults, where a scenario, --record or --cutoff is given without --case.
SINGLE = ("britain-1932", "britain", "1934-02-01")


def _spelled(cases: tuple[str, ...]) -> str:
    """The cases in words for --help (written as SCENARIO:RECORD:CUTOFF, Rich's help would read
    ":france:" as the name of an emoji and print a flag)."""
    words = (f"{s} against the record {r}, cut at {c}" for s, r, c in (case.rsplit(":", 2) for case in cases))
    return "; ".join(words)


def _date(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise fail(f"{what}: '{text}' is not a date (YYYY-MM-DD)") from None


def _cases(scenario: str | None, record: str | None, cutoff: str | None, case: list[str]) -> list[tuple[str, str, str]]:
    """(scenario, record, cutoff) of each case: the --case options, or the one case the
    argument and --record / --cutoff name, or the two built-in histories."""
    if case and (scenario or record or cutoff):
        raise fail("--case: give the cases with --case only, or one case by its scenario, --record and --cutoff")
    if case:
        out = []
        for text in case:
            parts = text.rsplit(":", 2)
            if len(parts) != 3 or not all(parts):
                raise fail(f"--case: '{text}' is not SCENARIO:RECORD:CUTOFF")
            out.append((parts[0], parts[1], parts[2]))
        return out
    if scenario or record or cutoff:
        return [(scenario or SINGLE[0], record or SINGLE[1], cutoff or SINGLE[2])]
    return [tuple(c.rsplit(":", 2)) for c in DEFAULT_CASES]  # type: ignore[misc]


def calibrate_command(
    scenario: Annotated[
        str | None, typer.Argument(help="built-in name or TOML file (one case; default: the --case defaults)")
    ] = None,
    record: Annotated[
        str | None, typer.Option(help="built-in record name or TOML file of dated figures (one case; default britain)")
    ] = None,
    cutoff: Annotated[
        str | None,
        typer.Option(
            help="fit only figures dated before this day (YYYY-MM-DD); the rest is held out (default 1934-02-01,"
            " britain-1932's entry; give it for another field)"
        ),
    ] = None,
    case: Annotated[
        list[str] | None,
        typer.Option(
            "--case",
            help="SCENARIO:RECORD:CUTOFF, repeatable: cases fitted together, one set of mechanism parameters"
            f" shared by all (default: {_spelled(DEFAULT_CASES)})",
        ),
    ] = None,
    points: Annotated[int, typer.Option(min=2, max=MAX_SAMPLES, help="draws per wave")] = 64,
    waves: Annotated[int, typer.Option(min=1, max=20, help="waves of history matching")] = 3,
    replications: Annotated[int, typer.Option(min=1, max=MAX_REPLICATIONS, help="replications per draw")] = 2,
    predictive: Annotated[
        int, typer.Option(min=1, max=MAX_SAMPLES, help="posterior draws run to the horizon to predict the record")
    ] = 64,  # lever.calibration.Budget.predictive (imported when the command runs, not when lever starts)
    candidates: Annotated[
        int, typer.Option(min=10, max=1_000_000, help="candidates per batch the emulators screen")
    ] = 4000,
    jobs: Annotated[
        int | None, typer.Option(min=1, max=MAX_JOBS, help="worker processes (default: the cores; 1 runs in-process)")
    ] = None,
    executor: Annotated[str | None, typer.Option(help="local (default), dask, or dask://HOST:PORT")] = None,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="random seed")] = 0,
    set_: Annotated[list[str] | None, typer.Option("--set", help="path=value, repeatable")] = None,
    out: Annotated[Path | None, typer.Option(help="output folder")] = None,
    store: StoreOption = None,
) -> None:
    """Fit fields' uncertainties to their records up to a cutoff each (history matching with emulators); predict the rest."""
    # here, not at the top: the fit's stack (scikit-learn, Matplotlib) would load for every command
    from lever.calibration import Budget, Case, calibrate_cases, load_record
    from lever.calibration.report import write_calibration_report, write_joint_report

    chosen = _cases(scenario, record, cutoff, case or [])
    days = [_date(day, "--cutoff" if not case else f"--case {name}") for name, _, day in chosen]
    if executor not in (None, "local", "dask") and not executor.startswith("dask://"):
        raise fail(f"--executor: '{executor}' is not local, dask or dask://HOST:PORT")
    with clean_errors():
        cases = []
        for (name, rec, _), day in zip(chosen, days, strict=True):
            field = prepare(name, set_ or [], None)
            field = without_uncertainties(field, list(parse_assignments(set_ or [])), f"{name} (--set)")
            cases.append(Case(field, load_record(rec), day, rec))
        head = cases[0].scenario
        folder = out_folder(out, out if out is not None else default_folder(head, "calibrate"))
        budget = Budget(points=points, waves=waves, replications=replications, predictive=predictive,
                        candidates=candidates)  # fmt: skip
        began = time.monotonic()
        title = ", ".join(c.scenario.name for c in cases)
        try:
            with stoppable(), Reporter(f"calibrate {title}") as report:
                joint = calibrate_cases(cases, budget=budget, seed=seed, store=store or DEFAULT_STORE,
                                        jobs=jobs or default_jobs(), executor=executor, on_done=report)  # fmt: skip
        except Interrupted as stop:
            raise interrupted(stop.kept, stop.total, str(store or DEFAULT_STORE)) from None
        except RunsFailed as err:
            say_error(err)
            raise typer.Exit(1) from None
        seconds = time.monotonic() - began
        made = provenance(head, seed=seed, cases=[":".join(c) for c in chosen], record=chosen[0][1],
                          cutoff=chosen[0][2], points=points, waves=waves, replications=replications,
                          predictive=predictive, candidates=candidates, set=set_ or [],
                          seconds=round(seconds, 1))  # fmt: skip
        with complete_folder(folder):
            if len(cases) == 1:
                paths = write_calibration_report(joint.cases[0], folder, made)
            else:
                paths = write_joint_report(joint, folder, made)
    text = paths["report"].read_text(encoding="utf-8").split("\n## How this was made")[0]
    out_console.print("\n".join(line for line in text.splitlines() if not line.startswith("![")), highlight=False,
                      markup=False)  # fmt: skip
    runs = sum(len(w.values) for c in joint.cases for w in c.waves) * replications + sum(
        len(c.predictive) for c in joint.cases
    )
    out_console.print(f"{runs} runs in {seconds:.0f} s. Wrote {paths['report']} and {paths['posterior']}")
