"""``lever explore`` and ``lever results``, and what every command that writes the store shares:
the store option, progress (a bar on a terminal, plain lines elsewhere), and clean stops."""

from __future__ import annotations

import math
import shlex
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from lever.scenario import MAX_STEPS as MAX_SCENARIO_STEPS
from lever.store import DEFAULT_STORE, Experiment, StoreError, experiments, spec_name

if TYPE_CHECKING:  # the sweep machinery imports SciPy and pandas: only the commands that run need it
    from lever.experiments.execute import Swept
    from lever.experiments.explore import Exploration

#: The samplers of ``lever explore`` (lever.experiments.explore.SAMPLERS).
SAMPLERS = ("lhs", "sobol", "morris", "factorial")

err_console = Console(stderr=True)
out_console = Console() if sys.stdout.isatty() else Console(width=160)

#: Bounds of the options every sweep shares: what one machine or cluster can run.
MAX_SAMPLES = 1_000_000
MAX_REPLICATIONS = 10_000
MAX_JOBS = 1024
MAX_SEED = 2**32 - 1
MAX_STEPS = MAX_SCENARIO_STEPS  # the schema's bound on steps bounds every option too


def fail(message: str) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


def resume_command() -> str:
    """The command line that was run, to print as the command that resumes."""
    return shlex.join(["lever", *sys.argv[1:]])


@contextmanager
def stoppable() -> Iterator[None]:
    """SIGTERM is handled like Ctrl-C (KeyboardInterrupt), inside the block."""

    def on_term(signum, frame):  # noqa: ANN001
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def interrupted(kept: int, total: int, where: str) -> typer.Exit:
    """The one line a stopped sweep prints; exit code 130, as for Ctrl-C."""
    err_console.print(f"Stopped: kept {kept} of {total} runs in {where}; resume with: {resume_command()}",
                      highlight=False, soft_wrap=True)  # fmt: skip
    return typer.Exit(130)


class Reporter:
    """Progress of a sweep: a Rich bar with the time left on a terminal, else a plain line
    every 10% (or minute) with the time left."""

    def __init__(self, description: str) -> None:
        self.description = description
        self.tty = err_console.is_terminal
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeRemainingColumn(), console=err_console, transient=True)  # fmt: skip
        self.task = None
        self.start = self.last = time.monotonic()
        self.first: int | None = None
        self.shown = -1

    def __enter__(self) -> Reporter:
        if self.tty:
            self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        if self.tty:
            self.progress.__exit__(*exc)

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
            err_console.print(f"{self.description}: {done}/{total} runs{left}", highlight=False)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


StoreOption = Annotated[Path | None, typer.Option("--store", help=f"results store folder (default: {DEFAULT_STORE})")]
NameOption = Annotated[str | None, typer.Option("--name", help="experiment name in the store (default: from the settings)")]


def explore(
    scenario: Annotated[str, typer.Argument(help="built-in name or TOML file")] = "britain-1933",
    sampler: Annotated[str, typer.Option(help="lhs, sobol, morris or factorial")] = "lhs",
    samples: Annotated[int, typer.Option(min=1, max=MAX_SAMPLES, help="draws (Sobol, Morris: base samples; factorial: levels per uncertainty)")] = 64,
    replications: Annotated[int, typer.Option(min=1, max=MAX_REPLICATIONS, help="replications per draw")] = 1,
    strategies: Annotated[str | None, typer.Option(help="strategies, e.g. outside,enter_ilp_faction (default: all)")] = None,
    executor: Annotated[str, typer.Option(help="local, dask (a local cluster) or dask://HOST:PORT")] = "local",
    jobs: Annotated[int | None, typer.Option(min=1, max=MAX_JOBS, help="worker processes (default: all cores)")] = None,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="random seed")] = 0,
    steps: Annotated[int | None, typer.Option(min=1, max=MAX_STEPS, help="steps per run (default: the horizon)")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="path=value, repeatable")] = None,
    store: StoreOption = None,
    name: NameOption = None,
) -> None:
    """Explore the scenario's uncertainties with a design of many runs, kept in the results store;
    the same command again resumes an interrupted exploration."""
    from lever.cli import clean_errors

    if sampler not in SAMPLERS:
        raise fail(f"--sampler: '{sampler}' is not one of {', '.join(SAMPLERS)}")
    check_executor(executor)
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
    from lever.cli import prepare
    from lever.experiments.explore import DesignError, Exploration
    from lever.scenarios import parse_assignments, without_uncertainties

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
    from lever.experiments.execute import ExecutorError, Interrupted, sweep
    from lever.weigh import default_jobs

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


#: Outcomes summarized by ``lever results`` and ``lever explore`` (when the runs have them).
SHOWN = ("group_members", "won", "host_kernel", "expelled")


def summary_table(exp: Experiment) -> Table:
    """Per strategy: runs ok and failed, and the median and 90% interval of the main outcomes."""
    runs = exp.runs()
    table = Table(title=f"{exp.name} ({exp.spec.get('kind', '?')}, {exp.status()})")
    shown = [c for c in SHOWN if c in runs.columns]
    for col in ("strategy", "ok", "failed", *shown):
        table.add_column(col, justify="left" if col == "strategy" else "right")
    if not len(runs):
        return table
    for strategy, group in runs.groupby("strategy", sort=False):
        ok = group[group["status"] == "ok"]
        cells = [_interval(ok[c]) for c in shown]
        table.add_row(str(strategy), str(len(ok)), str(len(group) - len(ok)), *cells)
    return table


def _interval(values) -> str:  # noqa: ANN001
    v = values.dropna().to_numpy(dtype=float)
    if not len(v):
        return "–"
    lo, mid, hi = (float(x) for x in np.quantile(v, [0.05, 0.5, 0.95]))
    return f"{mid:,.0f} [{lo:,.0f}, {hi:,.0f}]" if all(math.isfinite(x) for x in (lo, mid, hi)) else "–"


def results(
    name: Annotated[str | None, typer.Argument(help="an experiment (default: list them all)")] = None,
    store: StoreOption = None,
    export: Annotated[Path | None, typer.Option(help="write the experiment's runs to a .csv or .parquet file")] = None,
) -> None:
    """List the experiments in the results store, show one (summary and failures), or export it."""
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
    if export is not None:
        _export(exp, export)
        return
    out_console.print(summary_table(exp), highlight=False)
    ranking = _ranking(exp)
    if ranking is not None:
        out_console.print(ranking)
    _show_failures(exp)


def _ranking(exp: Experiment) -> Table | None:
    """The ranking ``lever weigh`` prints, recomputed from the stored runs (for a sweep of
    several strategies whose every run is in)."""
    from lever.analysis import baseline_strategy, rank
    from lever.cli import _ranked_table
    from lever.scenarios import ScenarioError, parse, validate

    runs = exp.runs()
    if exp.status() != "complete" or "scenario" not in exp.spec or runs["strategy"].nunique() < 2:
        return None
    try:
        field = validate(parse(exp.spec["scenario"], exp.name), exp.name)
        ranking = rank(runs, "group_members", baseline_strategy(field))
    except (ScenarioError, KeyError, ValueError):  # made by another version of Lever: its summary is enough
        return None
    return _ranked_table(ranking, f"{exp.name}: ranked by the group's members")


def _list_table(root: Path) -> Table:
    table = Table("experiment", "kind", "scenario", "runs stored", "failed", "planned", "status",
                  title=f"experiments in {root}")  # fmt: skip
    for exp in experiments(root):
        runs = exp.runs()
        failed = int((runs["status"] != "ok").sum()) if len(runs) else 0
        table.add_row(exp.name, str(exp.spec.get("kind", "?")), str(exp.spec.get("scenario_name", "?")),
                      str(len(runs) - failed), str(failed), str(exp.planned()), exp.status())  # fmt: skip
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
    from lever.files import write_atomic

    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise fail(f"--export: '{path}' must end in .csv or .parquet")
    runs = exp.runs()
    if "flows" in runs.columns and suffix == ".csv":
        runs = runs.drop(columns="flows")
    writer: Callable[[Path], None] = ((lambda p: runs.to_csv(p, index=False)) if suffix == ".csv"
                                      else (lambda p: runs.to_parquet(p, index=False)))  # fmt: skip
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, writer)
    except OSError as err:
        raise fail(f"--export: cannot write {path}: {err.strerror or err}") from None
    out_console.print(f"Wrote {len(runs)} runs of {exp.name} to {path}", highlight=False)
