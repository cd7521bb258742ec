"""The ``lever`` command: a thin layer over the Python API."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from lever.cli_classic import classic
from lever.network import NetworkError
from lever.scenarios import (
    ScenarioError,
    builtin_names,
    builtin_text,
    load,
    parse_assignments,
    with_scale,
    with_values,
    without_uncertainties,
)

DEFAULT_SCENARIO = "britain-1933"

app = typer.Typer(
    help="Lever: simulate and weigh the strategy of a small group in a field of organizations.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)
scenario_app = typer.Typer(help="Show a scenario.", add_completion=False)
app.add_typer(scenario_app, name="scenario")
app.command("classic")(classic)

# piped output is not squeezed to 80 columns: the tables are meant to be read whole
out_console = Console() if sys.stdout.isatty() else Console(width=160)
err_console = Console(stderr=True)


def fail(message: str) -> typer.Exit:
    """Print one clear line to stderr; the caller raises the returned exit (code 2)."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


@contextmanager
def clean_errors() -> Iterator[None]:
    """Bad input ends in one line and exit code 2, never a traceback."""
    try:
        yield
    except (ScenarioError, NetworkError) as err:
        raise fail(str(err)) from None
    except MemoryError:
        raise fail("the field does not fit in memory: fewer agents (--scale, sizes) or fewer steps") from None


def out_folder(out: Path | None, default: Path) -> Path:
    """The output folder, made before any work so that a bad path fails at once."""
    folder = out or default
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise fail(f"--out: cannot use {folder} as an output folder: {err.strerror or err}") from None
    return folder


def prepare(spec: str, assignments: list[str], scale: float | None):
    """Load a scenario and apply ``--set`` and ``--scale``."""
    scenario = load(spec)
    scenario = with_values(scenario, parse_assignments(assignments), f"{spec} (--set)")
    if scale is not None:
        scenario = with_scale(scenario, scale)
    return scenario


@app.command("scenarios")
def scenarios_command() -> None:
    """List the built-in scenarios."""
    table = Table("name", "title")
    for name in builtin_names():
        table.add_row(name, load(name).title)
    out_console.print(table)


@scenario_app.command("show")
def scenario_show(name: Annotated[str, typer.Argument(help="a built-in scenario's name")]) -> None:
    """Print a built-in scenario as TOML, ready to copy and edit."""
    with clean_errors():
        sys.stdout.write(builtin_text(name))


def _summary_table(summary: dict) -> Table:
    table = Table(title=f"{summary['scenario']} — {summary['strategy']} (seed {summary['seed']}, "
                  f"{summary['weeks']:g} weeks, {summary['agents']:,} agents)")
    for col in ("organization", "members at start", "at end", "kernel at start", "at end"):
        table.add_column(col, justify="left" if col == "organization" else "right")
    for org in summary["organizations"]:
        table.add_row(
            org["name"],
            f"{org['size_start']:,.0f}",
            f"{org['size_end']:,.0f}",
            f"{org['kernel_start']:,.0f}",
            f"{org['kernel_end']:,.0f}",
        )
    return table


def _group_table(summary: dict) -> Table:
    table = Table("the group", "value", title="The group's lever")
    rows = [
        ("members (start → end)", f"{summary['group_members_start']:,.0f} → {summary['group_members_end']:,.0f}"),
        ("cadre at end", f"{summary['group_cadre_end']:,.0f}"),
        ("revolutionaries holding its views (start → end)", f"{summary['won_start']:,.0f} → {summary['won_end']:,.0f}"),
        ("host's revolutionaries now in the rival", f"{summary['host_revolutionaries_in_rival']:,.0f}"),
        ("expelled", f"{summary['expelled']:,.0f}"),
    ]
    for m in (1000, 10000):
        weeks = summary[f"weeks_to_{m}"]
        rows.append((f"weeks to {m:,} members", "not reached" if weeks is None else f"{weeks:g}"))
    for row in rows:
        table.add_row(*row)
    return table


@app.command("run")
def run_command(
    scenario: Annotated[str, typer.Argument(help="built-in name or TOML file")] = DEFAULT_SCENARIO,
    strategy: Annotated[str | None, typer.Option(help="strategy name (default: the scenario's)")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="path=value, repeatable")] = None,
    seed: Annotated[int, typer.Option(min=0, help="random seed")] = 0,
    steps: Annotated[int | None, typer.Option(min=1, help="steps to run (default: the horizon)")] = None,
    scale: Annotated[float | None, typer.Option(min=1e-9, help="persons per agent (1 = every person)")] = None,
    out: Annotated[Path | None, typer.Option(help="output folder")] = None,
) -> None:
    """Run one strategy on a scenario; print a summary and write the outputs."""
    from lever.engine import simulate
    from lever.results import summarize, write_run

    with clean_errors():
        field = prepare(scenario, set_ or [], scale)
        name = strategy or field.default_strategy
        if name not in field.strategies:
            raise fail(f"{scenario}: strategy '{name}' not found (strategies: {', '.join(field.strategies)})")
        folder = out_folder(out, Path("lever-out") / field.name / f"{name}-seed{seed}")
        total = steps or field.steps
        with _progress() as progress:
            task = progress.add_task(f"{field.name} / {name}", total=total)
            result = simulate(
                field, name, seed=seed, steps=steps, on_step=lambda t: progress.update(task, completed=t)
            )
        paths = write_run(result, folder)
    summary = summarize(result)
    out_console.print(_summary_table(summary))
    out_console.print(_group_table(summary))
    out_console.print(f"Wrote {', '.join(str(p) for p in paths.values())}")


def _ranked_table(ranking, title: str) -> Table:
    from lever.analysis import table_text

    head, rows = table_text(ranking)
    table = Table(title=title)
    for col in head:
        table.add_column(col, justify="left" if col == "strategy" else "right", no_wrap=col == "strategy")
    for row in rows:
        table.add_row(*row)
    return table


@app.command("weigh")
def weigh_command(
    scenario: Annotated[str, typer.Argument(help="built-in name or TOML file")] = DEFAULT_SCENARIO,
    replications: Annotated[int, typer.Option(min=1, help="replications per draw")] = 2,
    samples: Annotated[int, typer.Option(min=1, help="Latin-hypercube draws of the uncertainties")] = 8,
    jobs: Annotated[int | None, typer.Option(min=1, help="worker processes (default: by the amount of work and the cores free; 1 runs in-process)")] = None,
    seed: Annotated[int, typer.Option(min=0, help="random seed")] = 0,
    outcome: Annotated[str, typer.Option(help="outcome to rank by")] = "group_members",
    set_: Annotated[list[str] | None, typer.Option("--set", help="path=value, repeatable")] = None,
    steps: Annotated[int | None, typer.Option(min=1, help="steps per run (default: the horizon)")] = None,
    out: Annotated[Path | None, typer.Option(help="output folder")] = None,
) -> None:
    """Weigh every strategy of a scenario across its uncertainties; rank them and report."""
    from lever.analysis import baseline_strategy, conclusion, rank
    from lever.report import write_report
    from lever.jobs import auto_jobs, run_seconds
    from lever.weigh import OUTCOMES, Design, default_jobs, weigh

    rankable = [k for k in OUTCOMES if not k.startswith("weeks_to")]  # those are missing where never reached
    if outcome not in rankable:
        raise fail(f"--outcome: cannot rank by '{outcome}' (outcomes: {', '.join(rankable)})")
    with clean_errors():
        field = prepare(scenario, set_ or [], None)
        # what the user fixed with --set is no longer sampled
        fixed = list(parse_assignments(set_ or []))
        field = without_uncertainties(field, fixed, f"{scenario} (--set)")
        folder = out_folder(out, Path("lever-out") / field.name / "weigh")
        design = Design(field, samples=samples, replications=replications, seed=seed, steps=steps)
        total = len(design.strategies) * samples * replications
        with _progress() as progress:
            task = progress.add_task(f"weigh {field.name}", total=total)
            result = weigh(
                design,
                jobs=jobs or auto_jobs(total, run_seconds(field, steps), default_jobs()),
                on_done=lambda done, _: progress.update(task, completed=done),
            )
        ranking = rank(result.runs, outcome, baseline_strategy(field))
        paths = write_report(result, ranking, folder)
    title = f"{field.name}: {len(design.strategies)} strategies × {samples} draws × {replications} replications"
    out_console.print(_ranked_table(ranking, title))
    out_console.print(conclusion(ranking, samples, replications), highlight=False)
    out_console.print(f"Wrote {paths['report']} (and {', '.join(p.name for k, p in paths.items() if k != 'report')})")


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


@app.command("theses")
def theses_command(
    only: Annotated[str | None, typer.Option(help="theses to run, e.g. 1,5 (default: all eight)")] = None,
    replications: Annotated[int, typer.Option(min=1, help="replications per draw and level")] = 2,
    jobs: Annotated[int | None, typer.Option(min=1, help="worker processes (default: by the amount of work and the cores free; 1 runs in-process)")] = None,
    seed: Annotated[int, typer.Option(min=0, help="random seed")] = 0,
    scenario: Annotated[str, typer.Option(help="built-in name or TOML file")] = DEFAULT_SCENARIO,
    out: Annotated[Path | None, typer.Option(help="output folder")] = None,
) -> None:
    """Test the letter's eight theses as experiments and give each a verdict."""
    from lever.theses import design_for, run_theses, select
    from lever.theses_report import line, write_theses_report
    from lever.jobs import auto_jobs, run_seconds
    from lever.weigh import default_jobs

    chosen = select(_parse_only(only))
    with clean_errors():
        base = load(scenario)
        folder = out_folder(out, Path("lever-out") / base.name / "theses")
        total = sum(len(design_for(base, t, replications, seed).tasks()) for t in chosen)
        with _progress() as progress:
            task = progress.add_task("theses", total=total)
            outcomes = run_theses(
                base, chosen, replications, seed=seed,
                jobs=jobs or auto_jobs(total, run_seconds(base), default_jobs()),
                on_done=lambda done, _: progress.update(task, completed=done),
            )  # fmt: skip
        paths = write_theses_report(outcomes, folder)
    for o in outcomes:
        out_console.print(line(o), highlight=False)
    out_console.print(f"Wrote {paths['report']}")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )


def main() -> None:
    """Entry point of the ``lever`` command."""
    app()
