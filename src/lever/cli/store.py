"""``lever explore`` and ``lever results``: designs of many runs into the store, and what the
store holds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from lever.analysis.sensitivity import MIN_DRAWS
from lever.cli.common import (
    NameOption,
    Reporter,
    StoreOption,
    clean_errors,
    fail,
    interrupted,
    out_console,
    prepare,
    warn,
)
from lever.cli.tables import ranked_table, summary_table
from lever.experiments.bounds import MAX_JOBS, MAX_REPLICATIONS, MAX_SAMPLES, MAX_SEED, MAX_STEPS
from lever.experiments.execute import ExecutorError, Interrupted, Swept, stoppable, sweep
from lever.experiments.explore import SAMPLERS, DesignError, Exploration
from lever.experiments.workers import default_jobs
from lever.model.loading import parse_assignments, without_uncertainties
from lever.sim.outcomes import DEFAULT_OUTCOME, OUTCOMES, refusal
from lever.store import DEFAULT_STORE, Experiment, StoreError, spec_name
from lever.store.files import write_atomic
from lever.store.reading import listing
from lever.weigh.job import RANKABLE, ranking_from_store


def explore(
    scenario: Annotated[str, typer.Argument(help="built-in name or TOML file")] = "britain-1933",
    sampler: Annotated[str, typer.Option(help="lhs, sobol, morris or factorial")] = "lhs",
    samples: Annotated[
        int,
        typer.Option(
            min=1, max=MAX_SAMPLES, help="draws (Sobol, Morris: base samples; factorial: levels per uncertainty)"
        ),
    ] = 64,
    replications: Annotated[int, typer.Option(min=1, max=MAX_REPLICATIONS, help="replications per draw")] = 1,
    strategies: Annotated[
        str | None, typer.Option(help="strategies, e.g. outside,enter_ilp_faction (default: all)")
    ] = None,
    executor: Annotated[str, typer.Option(help="local, dask (a local cluster) or dask://HOST:PORT")] = "local",
    jobs: Annotated[int | None, typer.Option(min=1, max=MAX_JOBS, help="worker processes (default: all cores)")] = None,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="random seed")] = 0,
    steps: Annotated[
        int | None, typer.Option(min=1, max=MAX_STEPS, help="steps per run (default: the horizon)")
    ] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="path=value, repeatable")] = None,
    store: StoreOption = None,
    name: NameOption = None,
) -> None:
    """Explore the scenario's uncertainties with a design of many runs, kept in the results store;
    the same command again resumes an interrupted exploration."""
    if sampler not in SAMPLERS:
        raise fail(f"--sampler: '{sampler}' is not one of {', '.join(SAMPLERS)}")
    check_executor(executor)
    if sampler == "lhs" and samples < MIN_DRAWS:  # said before the runs, not after them
        warn(f"{samples} draws: lever sensitivity reads a Latin hypercube of at least {MIN_DRAWS} (RBD-FAST); "
             f"explore with --samples {MIN_DRAWS} or more to see what drives the outcomes")  # fmt: skip
    with clean_errors():
        design = _exploration(scenario, set_ or [], strategies, sampler, samples, replications, seed, steps)
        exp = Experiment.create(store or DEFAULT_STORE, name or spec_name("explore", design.scenario.name,
                                design.spec()), design.spec())  # fmt: skip
        swept = _sweep(design, exp, jobs, executor)
    out_console.print(summary_table(exp), highlight=False)
    note = f"; {swept.failed} failed (lever results {exp.name} shows them; rerun to retry)" if swept.failed else ""
    out_console.print(f"{swept.ok} of {swept.total} runs in {exp.folder} ({swept.before} were there already){note}",
                      highlight=False)  # fmt: skip
    if swept.failed:
        raise typer.Exit(1)


def _exploration(scenario: str, assignments: list[str], strategies: str | None, sampler: str, samples: int,
                 replications: int, seed: int, steps: int | None) -> Exploration:  # fmt: skip
    """The design: the scenario with ``--set`` applied (what it fixes is no longer sampled)."""
    field = prepare(scenario, assignments, None)
    field = without_uncertainties(field, list(parse_assignments(assignments)), f"{scenario} (--set)")
    chosen = tuple(s.strip() for s in strategies.split(",") if s.strip()) if strategies else ()
    if any(s not in field.strategies for s in chosen) or (strategies is not None and not chosen):
        raise fail(f"--strategies: '{strategies}' names no strategy of {field.name} "
                   f"(strategies: {', '.join(field.strategies)})")  # fmt: skip
    try:
        return Exploration(field, sampler, samples, replications, seed, steps, chosen)
    except DesignError as err:
        raise fail(str(err)) from None


def _sweep(design: Exploration, exp: Experiment, jobs: int | None, executor: str) -> Swept:
    """Run what the store lacks; a stop prints the one line that says how to resume."""
    try:
        exp.write_design(design.table())
        with stoppable(), Reporter(f"explore {exp.name}") as report:
            return sweep(design, design.scenario, design.steps, exp, jobs=jobs or default_jobs(),
                         executor=executor, on_done=report)  # fmt: skip
    except Interrupted as stop:
        raise interrupted(stop.kept, stop.total, str(exp.folder)) from None
    except ExecutorError as err:
        raise fail(str(err)) from None
    finally:
        exp.close()


def check_executor(executor: str) -> None:
    if executor in ("local", "dask"):
        return
    host, _, port = executor.removeprefix("dask://").rpartition(":")
    if not executor.startswith("dask://") or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise fail(f"--executor: '{executor}' is not local, dask or dask://HOST:PORT")


def results(
    name: Annotated[str | None, typer.Argument(help="an experiment (default: list them all)")] = None,
    store: StoreOption = None,
    export: Annotated[Path | None, typer.Option(help="write the experiment's runs to a .csv or .parquet file")] = None,
    outcome: Annotated[str, typer.Option(help="outcome to rank a complete sweep of several strategies by (as lever weigh)")] = DEFAULT_OUTCOME,
) -> None:  # fmt: skip
    """List the experiments in the results store, show one (summary and failures), or export it."""
    if outcome not in RANKABLE:
        raise fail(f"--outcome: {refusal(outcome, RANKABLE)}")
    root = store or DEFAULT_STORE
    try:
        if name is None:
            if export is not None:
                raise fail("--export: name the experiment to export")
            out_console.print(_list_table(root))
            return
        exp = Experiment.read(root, name)
    except StoreError as err:
        raise fail(str(err)) from None
    _say_left_out(exp)
    if export is not None:
        _export(exp, export)
        return
    out_console.print(summary_table(exp), highlight=False)
    ranking = _ranking(exp, outcome)
    if ranking is not None:
        out_console.print(ranking)
    _show_failures(exp)


def _say_left_out(exp: Experiment) -> None:
    """One line per file a reader leaves out (not this experiment's, cut short, changed)."""
    for finding in exp.bad_parts():
        warn(f"{exp.folder / finding.path}: {finding.kind}: {finding.reason}", "left out")


def _ranking(exp: Experiment, outcome: str) -> Table | None:
    """The ranking ``lever weigh`` prints, recomputed from the stored runs (for a sweep of
    several strategies whose every run is in), on the same default outcome."""
    ranking = ranking_from_store(exp, outcome)
    return None if ranking is None else ranked_table(ranking, f"{exp.name}: ranked by {OUTCOMES[outcome][0]}")


def _list_table(root: Path) -> Table:
    table = Table("experiment", "kind", "scenario", "runs stored", "failed", "planned", "status",
                  title=f"experiments in {root}")  # fmt: skip
    for row in listing(root):
        table.add_row(*(str(row[k]) for k in ("name", "kind", "scenario", "stored", "failed", "planned", "status")))
    return table


def _show_failures(exp: Experiment) -> None:
    runs = exp.runs()
    failed = runs[runs["status"] != "ok"] if len(runs) else runs
    if not len(failed):
        return
    table = Table("task", "strategy", "draw", "replication", "seed", "error", title=f"{len(failed)} failed runs")
    for _, row in failed.head(20).iterrows():
        table.add_row(*(str(row[c]) for c in ("task", "strategy", "draw", "replication", "seed", "error")))
    out_console.print(table, highlight=False)


def _export(exp: Experiment, path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise fail(f"--export: '{path}' must end in .csv or .parquet")
    runs = exp.runs()
    if "flows" in runs.columns and suffix == ".csv":
        runs = runs.drop(columns="flows")
    writer: Callable[[Path], object] = ((lambda p: runs.to_csv(p, index=False)) if suffix == ".csv"
                                      else (lambda p: runs.to_parquet(p, index=False)))  # fmt: skip
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, writer)
    except OSError as err:
        raise fail(f"--export: cannot write {path}: {err.strerror or err}") from None
    out_console.print(f"Wrote {len(runs)} runs of {exp.name} to {path}", highlight=False)
