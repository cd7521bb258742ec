"""The ``lever`` command: a thin layer over the Python API."""

from __future__ import annotations

import math
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from typer.core import TyperGroup

from lever.cli_classic import classic
from lever.cli_store import (
    MAX_JOBS,
    MAX_REPLICATIONS,
    MAX_SAMPLES,
    MAX_SEED,
    MAX_STEPS,
    Reporter,
    StoreOption,
    explore,
    interrupted,
    results,
    stoppable,
)
from lever.cli_sensitivity import sensitivity
from lever.files import complete_folder, writable_folder
from lever.interfaces.serve import serve
from lever.interfaces.work import run_spec, weigh_spec
from lever.network import NetworkError
from lever.outcomes import DEFAULT_OUTCOME
from lever.scenario import RenamedFieldWarning
from lever.scenarios import (
    ScenarioError,
    builtin_names,
    builtin_text,
    load,
    parse_assignments,
    to_toml,
    with_scale,
    with_values,
    without_uncertainties,
)
from lever.store import DEFAULT_STORE, Experiment, StoreError, check_name

DEFAULT_SCENARIO = "britain-1933"

#: Click's base of usage errors, wherever this Typer keeps its Click.
_CLICK_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


class OneLineErrors(TyperGroup):
    """A bad option or argument ends in one line on stderr naming it, with exit code 2 (not
    a boxed panel); Ctrl-C outside a sweep exits 130."""

    def main(self, *args, standalone_mode: bool = True, **kwargs):  # noqa: ANN002, ANN003, ANN201
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except _CLICK_ERROR as err:
            message = " ".join(err.format_message().split())
            err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True, markup=True)
            sys.exit(err.exit_code)
        except typer.Abort:
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=OneLineErrors,
    help="Lever: simulate and weigh the strategy of a small group in a field of organizations.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)
scenario_app = typer.Typer(help="Show a scenario.", add_completion=False)
app.add_typer(scenario_app, name="scenario")
app.command("classic")(classic)
app.command("explore")(explore)
app.command("results")(results)
app.command("serve")(serve)
app.command("sensitivity")(sensitivity)

# piped output is not squeezed to 80 columns unless COLUMNS says so: the tables are meant to be read whole
out_console = Console() if sys.stdout.isatty() else Console(width=int(os.environ.get("COLUMNS") or 160))
err_console = Console(stderr=True)


def fail(message: str) -> typer.Exit:
    """Print one clear line to stderr; the caller raises the returned exit (code 2)."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


def _warning_line(message, category, *_args, **_kwargs) -> None:
    err_console.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)


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
    from lever.provenance import PROVENANCE_FILE, fresh_folder, holds_results

    if out is not None and holds_results(out):
        raise fail(f"--out: {out} already holds a result ({PROVENANCE_FILE}); choose another folder or remove it")
    folder = out or fresh_folder(default)
    try:
        writable_folder(folder)
    except OSError as err:
        raise fail(f"--out: cannot use {folder} as an output folder: {err.strerror or err}") from None
    return folder


def provenance(field, **settings):
    """What made this result: the command line as typed, the settings, the field as run."""
    from lever.provenance import Provenance, command_line

    return Provenance(command_line(), field, settings)


def default_folder(field, *parts: str) -> Path:  # noqa: ANN001
    """``lever-out/<scenario>/...``; a scenario whose name is not a plain folder name (such as
    ``../../escaped``) is refused, so that no name leads outside the output root."""
    try:
        check_name(field.name, "name")
    except StoreError as err:
        raise fail(f"scenario {err} (or pass --out)") from None
    return Path("lever-out", field.name, *parts)


def open_experiment(store: Path | None, kind: str, field, spec: dict) -> Experiment:  # noqa: ANN001
    """The store's experiment for these settings (made, or reopened to resume)."""
    from lever.store import spec_name

    return Experiment.create(store or DEFAULT_STORE, spec_name(kind, field.name, spec), spec)


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
def scenario_show(
    name: Annotated[str, typer.Argument(help="a built-in scenario's name or a TOML file")],
    explain: Annotated[bool, typer.Option("--explain", help="each field's meaning as a comment above it")] = False,
) -> None:
    """Print a scenario as TOML, ready to copy and edit (a built-in as shipped, with its
    comments; a file as the loader reads it, defaults filled in)."""
    from lever.explain import commented_toml

    with clean_errors():
        if explain:
            sys.stdout.write(commented_toml(load(name)))
        elif name in builtin_names():
            sys.stdout.write(builtin_text(name))
        else:
            sys.stdout.write(to_toml(load(name)))


@app.command("check")
def check_command(
    scenario: Annotated[str, typer.Argument(help="built-in name or TOML file")],
    set_: Annotated[list[str] | None, typer.Option("--set", help="path=value, repeatable")] = None,
) -> None:
    """Check a scenario without running it: every field, its social network file, its
    strategies and uncertainties. One line: what it holds, or the first problem (exit 2)."""
    from lever.build import agent_counts
    from lever.network import read_edge_list

    with clean_errors():
        field = prepare(scenario, set_ or [], None)
        n = int(agent_counts(field).sum())
        if field.network.edges:
            read_edge_list(field.network.edges, n)
        for u in field.uncertainties:  # each range's ends must be values the field accepts
            for end in (u.low, u.high):
                with_values(field, {u.path: end}, f"{scenario}: uncertainties ({u.path}={end:g})")
    roles = ", ".join(f"{k} {v}" for k, v in field.roles.items())
    out_console.print(
        f"{scenario}: valid — {len(field.organizations)} organizations ({roles}), "
        f"{len(field.strategies)} strategies, {len(field.uncertainties)} uncertainties, "
        f"{n:,} agents, {field.steps:,} steps",
        highlight=False, soft_wrap=True,
    )  # fmt: skip


@app.command("explain")
def explain_command(
    path: Annotated[str | None, typer.Argument(help="a dotted field path, e.g. dynamics.gravity")] = None,
    all_: Annotated[bool, typer.Option("--all", help="every field, as Markdown (docs/FIELDS.md)")] = False,
) -> None:
    """Say what a scenario field means: its units, bounds and default."""
    from lever.explain import reference_markdown
    from lever.scenario import explain

    if all_ or not path:
        sys.stdout.write(reference_markdown())
        return
    try:
        text = explain(path)
    except KeyError as err:
        raise fail(f"{path}: {err.args[0]} (lever explain --all lists every field)") from None
    sys.stdout.write(text + "\n")


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


def _group_table(summary: dict, labels) -> Table:
    table = Table("the group", "value", title="The group's lever")
    rows = [
        ("members (start → end)", f"{summary['group_members_start']:,.0f} → {summary['group_members_end']:,.0f}"),
        ("cadre at end", f"{summary['group_cadre_end']:,.0f}"),
        (f"{labels.won} (start → end)", f"{summary['won_start']:,.0f} → {summary['won_end']:,.0f}"),
        (f"the host's {labels.kernel} of week 0 now in the rival", f"{summary['host_revolutionaries_in_rival']:,.0f}"),
        ("expelled", f"{summary['expelled']:,.0f}"),
    ]
    for m, size in zip(("first", "second"), summary["milestones"], strict=True):
        weeks = summary[f"weeks_to_{m}"]
        rows.append((f"weeks to {size:,.0f} members", "not reached" if weeks is None else f"{weeks:g}"))
    for row in rows:
        table.add_row(*row)
    return table


@app.command("run")
def run_command(
    scenario: Annotated[str, typer.Argument(help="built-in name or TOML file")] = DEFAULT_SCENARIO,
    strategy: Annotated[str | None, typer.Option(help="strategy name (default: the scenario's)")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="path=value, repeatable")] = None,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="random seed")] = 0,
    steps: Annotated[int | None, typer.Option(min=1, max=MAX_STEPS, help="steps to run (default: the horizon)")] = None,
    scale: Annotated[float | None, typer.Option(min=1e-3, max=1e9, help="persons per agent (1 = every person)")] = None,
    out: Annotated[Path | None, typer.Option(help="output folder")] = None,
    store: StoreOption = None,
) -> None:
    """Run one strategy on a scenario; print a summary and write the outputs."""
    from lever.engine import simulate
    from lever.results import summarize, write_run

    if scale is not None and not math.isfinite(scale):
        raise fail(f"--scale: must be a finite number of persons per agent (got {scale})")
    with clean_errors():
        field = prepare(scenario, set_ or [], scale)
        name = strategy or field.default_strategy
        if name not in field.strategies:
            raise fail(f"{scenario}: strategy '{name}' not found (strategies: {', '.join(field.strategies)})")
        folder = out_folder(out, out if out is not None else default_folder(field, f"{name}-seed{seed}"))
        exp = open_experiment(store, "run", field, run_spec(field, name, seed, steps))
        total = steps or field.steps
        try:
            with stoppable(), _progress() as progress:
                task = progress.add_task(f"{field.name} / {name}", total=total)
                result = simulate(
                    field, name, seed=seed, steps=steps, on_step=lambda t: progress.update(task, completed=t)
                )
            store_run(exp, result)
            with complete_folder(folder):
                paths = write_run(result, folder, provenance(field, seed=seed, strategy=name, steps=steps,
                                                             set=set_ or [], scale=scale))  # fmt: skip
        except KeyboardInterrupt:
            raise interrupted(0, 1, str(exp.folder)) from None
        finally:
            exp.close()
    summary = summarize(result)
    out_console.print(_summary_table(summary))
    out_console.print(_group_table(summary, field.labels))
    out_console.print(f"Wrote {', '.join(str(p) for p in paths.values())}")


def store_run(exp: Experiment, run) -> None:  # noqa: ANN001
    """One run into the store: its summary's numbers as a runs row, its series as the series."""
    import pandas as pd

    from lever.results import summarize

    summary = summarize(run)
    numbers = {k: float("nan") if v is None else float(v) for k, v in summary.items()
               if k not in ("seed", "steps", "agents") and (v is None or isinstance(v, int | float))}  # fmt: skip
    row = {"task": 0, "strategy": run.strategy, "level": 0, "draw": 0, "replication": 0, "seed": run.seed,
           "status": "ok", "error": pd.NA, **numbers}  # fmt: skip
    runs = pd.DataFrame([row]).astype({"error": pd.StringDtype()})
    exp.append(runs, run.series.assign(task=0))
    exp.finish({"runs": 1, "ok": 1, "failed": 0})


def _ranked_table(ranking, title: str) -> Table:
    """The ranking, made to fit 80 columns: each median above its 90% interval, numbers never
    cut or wrapped (a long strategy name wraps instead), light rules between strategies."""
    from rich import box

    from lever.analysis import table_text

    head, rows = table_text(ranking)
    table = Table(title=title, box=box.SIMPLE_HEAD, show_lines=True, pad_edge=False, padding=(0, 0),
                  title_justify="left")  # fmt: skip
    for col in head:
        if col.endswith(" median [90%]") and not col.startswith("Δ"):
            col = _wrap_name(col.removesuffix(" median [90%]"), 12) + " median [90%]"
        label = col.replace(" median [90%]", "\nmedian\n[90%]").replace("regret mean / worst", "regret\nmean /\nworst")
        label = label.replace("Δ vs ", "Δ vs\n").replace(" mean [90% CI]", "\nmean\n[90% CI]")
        label = label.replace("P(beat) [90% CI]", "P(beat)\n[90% CI]")
        if label == "strategy":
            table.add_column(label, justify="left", overflow="fold", width=12)
        else:
            table.add_column(label, justify="right", no_wrap=True)
    for row in rows:
        row[1] = _wrap_name(row[1], 12)
        cells = [cell.replace(" [", "\n[", 1) if cell.endswith("]") else cell for cell in row]
        cells[-1] = cells[-1].replace(" / ", " /\n", 1)  # regret: mean over worst
        table.add_row(*cells)
    return table


def _wrap_name(name: str, width: int) -> str:
    """A long snake_case name over lines, broken after its underscores where it can be."""
    parts = [p[i:i + width] for p in name.replace("_", "_ ").split(" ") for i in range(0, len(p), width)]
    lines = [""]
    for part in parts:
        if lines[-1] and len(lines[-1]) + len(part) > width:
            lines.append("")
        lines[-1] += part
    return "\n".join(lines)


@app.command("weigh")
def weigh_command(
    scenario: Annotated[str, typer.Argument(help="built-in name or TOML file")] = DEFAULT_SCENARIO,
    replications: Annotated[int, typer.Option(min=1, max=MAX_REPLICATIONS, help="replications per draw")] = 2,
    samples: Annotated[int, typer.Option(min=1, max=MAX_SAMPLES, help="Latin-hypercube draws of the uncertainties (with --until-sure: per batch)")] = 8,
    jobs: Annotated[int | None, typer.Option(min=1, max=MAX_JOBS, help="worker processes (default: by the amount of work and the cores free; 1 runs in-process)")] = None,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="random seed")] = 0,
    outcome: Annotated[str, typer.Option(help="outcome to rank by (default: persons newly won to the group's views, against the twin world)")] = DEFAULT_OUTCOME,
    set_: Annotated[list[str] | None, typer.Option("--set", help="path=value, repeatable")] = None,
    steps: Annotated[int | None, typer.Option(min=1, max=MAX_STEPS, help="steps per run (default: the horizon)")] = None,
    until_sure: Annotated[bool, typer.Option("--until-sure", help="add batches of --samples draws until the leader's interval against the runner-up excludes zero, or --budget is spent")] = False,
    budget: Annotated[int | None, typer.Option(min=1, max=MAX_SAMPLES * MAX_REPLICATIONS, help="with --until-sure: the most strategy runs in all (default: 8 batches)")] = None,
    out: Annotated[Path | None, typer.Option(help="output folder")] = None,
    store: StoreOption = None,
    posterior: Annotated[Path | None, typer.Option(help="a calibration's posterior.csv: draw the uncertainties it holds from it, the rest from their ranges")] = None,
) -> None:
    """Weigh every strategy of a scenario across its uncertainties; rank them and report."""
    from lever.analysis import baseline_strategy, conclusion, rank
    from lever.analysis.ranking import few_worlds
    from lever.analysis.regions import regions
    from lever.report import draws_text, write_report
    from lever.weigh import OUTCOMES, Design, combine

    rankable = [k for k in OUTCOMES if not k.startswith("weeks_to")]  # those are missing where never reached
    if outcome not in rankable:
        raise fail(f"--outcome: cannot rank by '{outcome}' (outcomes: {', '.join(rankable)})")
    if budget is not None and not until_sure:
        raise fail("--budget: only with --until-sure")
    with clean_errors():
        field = prepare(scenario, set_ or [], None)
        # what the user fixed with --set is no longer sampled
        fixed = list(parse_assignments(set_ or []))
        field = without_uncertainties(field, fixed, f"{scenario} (--set)")
        folder = out_folder(out, out if out is not None else default_folder(field, "weigh"))
        drawn = _read_posterior(posterior, field)
        design = Design(field, samples=samples, replications=replications, seed=seed, steps=steps, posterior=drawn)
        batch_runs = len(design.strategies) * samples * replications
        budget = budget or 8 * batch_runs
        baseline = baseline_strategy(field)
        if until_sure and budget < batch_runs:
            raise fail(f"--budget: {budget} runs is less than one batch ({batch_runs} runs)")
        results = [_weigh_batch(design, store, jobs)]
        ranking = rank(results[0].runs, outcome, baseline)
        while until_sure and not ranking.sure and (len(results) + 1) * batch_runs <= budget:
            results.append(_weigh_batch(replace(design, batch=len(results)), store, jobs))
            ranking = rank(combine(results).runs, outcome, baseline)
        result = combine(results)
        params = [u.path for u in field.uncertainties if u.path in result.runs]
        found = regions(result.runs, outcome, baseline, params, {u.path: u.label or u.path for u in field.uncertainties})
        settings = {"until_sure": until_sure, "budget": budget} if until_sure else {}
        made = provenance(field, seed=seed, samples=samples, replications=replications, steps=steps,
                          outcome=outcome, set=set_ or [], **settings,
                          rerun=_rerun_weigh(folder, design, outcome, settings),
                          posterior=str(posterior) if posterior else None, from_posterior=design.from_posterior)  # fmt: skip
        warnings_ = few_worlds(ranking)
        with complete_folder(folder):
            paths = write_report(result, ranking, folder, made, regions=found, warnings=warnings_)
    draws = result.design.samples
    title = f"{field.name}: {len(design.strategies)} strategies × {draws} draws × {replications} replications"
    out_console.print(draws_text(result), highlight=False)
    out_console.print(_ranked_table(ranking, title))
    out_console.print(conclusion(ranking, draws, replications), highlight=False)
    for line in warnings_:
        err_console.print(f"[yellow]warning:[/] {line}", highlight=False, soft_wrap=True)
    _print_regions(found, field, baseline)
    if until_sure:
        out_console.print(until_sure_line(ranking, len(result.runs), budget, len(results)), highlight=False)
    out_console.print(f"Wrote {paths['report']} (and {', '.join(p.name for k, p in paths.items() if k != 'report')})")


def until_sure_line(ranking, runs: int, budget: int, batches: int) -> str:  # noqa: ANN001
    """Why --until-sure stopped, and after how many runs."""
    t = ranking.table
    gap = f"[{t.loc[1, 'vs_above_low']:+,.1f}, {t.loc[1, 'vs_above_high']:+,.1f}]" if len(t) > 1 else ""
    if ranking.sure:
        return (f"until-sure: stopped, sure after {runs} runs in {batches} batches: '{t.loc[0, 'strategy']}' leads "
                f"'{t.loc[1, 'strategy'] if len(t) > 1 else ''}', the 90% interval of the mean difference {gap} "
                "excludes zero")  # fmt: skip
    return (f"until-sure: stopped, budget spent after {runs} runs in {batches} batches (budget {budget}): "
            f"'{t.loc[0, 'strategy']}' and '{t.loc[1, 'strategy']}' are still tied, interval {gap}")


def _print_regions(found, field, baseline: str) -> None:  # noqa: ANN001
    """Per strategy: where it beats the baseline, and the uncertainties driving the difference."""
    labels = {u.path: u.label or u.path for u in field.uncertainties}
    out_console.print(f"Where each strategy beats '{baseline}', and what drives the difference:", highlight=False)
    for r in found:
        out_console.print(f"  {r.strategy}: {r.box_text(labels, baseline)}", highlight=False, soft_wrap=True)
        out_console.print(f"    {_drivers_text(r, labels)}", highlight=False, soft_wrap=True)


def _drivers_text(r, labels: dict[str, str], shown: int = 3) -> str:  # noqa: ANN001
    """The uncertainties that drive the paired difference (their RBD-FAST S1 clears the noise
    floor), else the largest indices, each with its interval and floor (all are in the report)."""
    from lever.analysis.sensitivity import MIN_DRAWS

    if not len(r.indices):
        return f"sensitivity: needs at least {MIN_DRAWS} draws with a varying difference (RBD-FAST)"
    s1 = r.indices[r.indices["index"] == "S1"].set_index("parameter")
    floor = r.indices[r.indices["index"] == "S1_floor"].set_index("parameter")["value"]
    top = r.drivers or list(s1["value"].sort_values(ascending=False).index[:shown])
    parts = [f"{labels.get(p, p)} {s1.loc[p, 'value']:.2f} [{s1.loc[p, 'low']:.2f}, {s1.loc[p, 'high']:.2f}] "
             f"(floor {floor[p]:.2f})" for p in top]  # fmt: skip
    if r.drivers:
        return "driven by (RBD-FAST S1, 90% interval, above its noise floor): " + "; ".join(parts)
    return "no uncertainty clears its noise floor (RBD-FAST S1); the largest: " + "; ".join(parts)


def _weigh_batch(design, store: Path | None, jobs: int | None):  # noqa: ANN001, ANN202
    """Run one batch of a weigh through the store (resumable); each batch is its own experiment."""
    from lever.experiments.execute import Interrupted
    from lever.jobs import auto_jobs, run_seconds
    from lever.weigh import RunsFailed, default_jobs, weigh

    field = design.scenario
    total = len(design.tasks())
    # the page names a weigh's experiment by the same settings (interfaces.work.weigh_spec)
    spec = (weigh_spec(field, design.samples, design.replications, design.seed, design.steps)
            | ({"batch": design.batch} if design.batch else {}) | _posterior_spec(design.posterior))
    exp = open_experiment(store, "weigh", field, spec)
    try:
        with stoppable(), Reporter(f"weigh {field.name}" + (f" batch {design.batch + 1}" if design.batch else "")) as report:
            return weigh(design, jobs=jobs or auto_jobs(total, run_seconds(field, design.steps), default_jobs()),
                         on_done=report, store=exp)  # fmt: skip
    except Interrupted as stop:
        raise interrupted(stop.kept, stop.total, str(exp.folder)) from None
    except RunsFailed as err:
        err_console.print(f"[bold red]error:[/] {err}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    finally:
        exp.close()


def _read_posterior(path: Path | None, field):  # noqa: ANN001, ANN202
    """The posterior's draws of the paths ``field`` samples (None without a file); a posterior
    that holds none of them is refused, and paths it holds that are not sampled are said."""
    if path is None:
        return None
    from lever.calibration import read_posterior

    drawn = read_posterior(path, field)
    sampled = {u.path for u in field.uncertainties}
    unused = [c for c in drawn.columns if c not in sampled]
    if len(unused) == len(drawn.columns):
        raise ScenarioError(str(path), "", f"none of its columns is an uncertainty of {field.name}")
    if unused:
        err_console.print(f"[yellow]note:[/] {field.name} does not sample {', '.join(unused)}; the posterior's "
                          "values of these are not used", highlight=False, soft_wrap=True)  # fmt: skip
    return drawn[[c for c in drawn.columns if c in sampled]]


def _posterior_spec(drawn) -> dict:  # noqa: ANN001
    """The posterior in the store's settings (a weigh from another posterior is another experiment)."""
    if drawn is None:
        return {}
    import hashlib

    return {"posterior": hashlib.sha256(drawn.to_csv(index=False, float_format="%.17g").encode()).hexdigest()[:16]}


def _rerun_weigh(folder: Path, design, outcome: str, settings: dict | None = None) -> str:
    """The command that reruns a weigh from its output folder alone."""
    import shlex

    steps = [] if design.steps is None else ["--steps", str(design.steps)]
    sure = ["--until-sure", "--budget", str(settings["budget"])] if settings else []
    return shlex.join(["lever", "weigh", str(folder / "scenario.toml"), "--samples", str(design.samples),
                       "--replications", str(design.replications), "--seed", str(design.seed),
                       "--outcome", outcome, *steps, *sure])  # fmt: skip


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
    replications: Annotated[int, typer.Option(min=1, max=MAX_REPLICATIONS, help="replications per draw and level")] = 2,
    jobs: Annotated[int | None, typer.Option(min=1, max=MAX_JOBS, help="worker processes (default: by the amount of work and the cores free; 1 runs in-process)")] = None,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="random seed")] = 0,
    scenario: Annotated[str, typer.Option(help="built-in name or TOML file")] = DEFAULT_SCENARIO,
    out: Annotated[Path | None, typer.Option(help="output folder")] = None,
    store: StoreOption = None,
) -> None:
    """Test the letter's eight theses as experiments and give each a verdict."""
    from lever.theses import design_for, needs, run_theses, select
    from lever.theses_report import line, write_theses_report
    from lever.experiments.execute import Interrupted
    from lever.jobs import auto_jobs, run_seconds
    from lever.weigh import RunsFailed, default_jobs

    chosen = select(_parse_only(only))
    with clean_errors():
        base = load(scenario)
        lacking = [lack for t in chosen if (lack := needs(base, t))]
        if len(lacking) == len(chosen):
            raise fail(f"{scenario}: " + "; ".join(lacking))
        for lack in lacking:  # run what the field allows, say what it does not
            err_console.print(f"[yellow]skipped:[/] {lack}", highlight=False, soft_wrap=True)
        chosen = [t for t in chosen if needs(base, t) is None]
        folder = out_folder(out, out if out is not None else default_folder(base, "theses"))
        root = store or DEFAULT_STORE
        total = sum(len(design_for(base, t, replications, seed).tasks()) for t in chosen)
        try:
            with stoppable(), Reporter("theses") as report:
                outcomes = run_theses(base, chosen, replications, seed=seed, on_done=report, store=root,
                                      jobs=jobs or auto_jobs(total, run_seconds(base), default_jobs()))  # fmt: skip
        except Interrupted as stop:
            raise interrupted(stop.kept, stop.total, str(root)) from None
        except RunsFailed as err:
            err_console.print(f"[bold red]error:[/] {err}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        made = provenance(base, seed=seed, replications=replications, only=[t.number for t in chosen])
        with complete_folder(folder):
            paths = write_theses_report(outcomes, folder, made)
    for o in outcomes:
        out_console.print(line(o), highlight=False)
    out_console.print(f"Wrote {paths['report']}")


@app.command("calibrate")
def calibrate_command(
    scenario: Annotated[str, typer.Argument(help="built-in name or TOML file")] = "britain-1932",
    record: Annotated[str, typer.Option(help="built-in record name or TOML file of dated figures")] = "britain",
    cutoff: Annotated[str, typer.Option(help="fit only figures dated before this day (YYYY-MM-DD); the rest is held out")] = "1934-01-01",
    points: Annotated[int, typer.Option(min=2, max=MAX_SAMPLES, help="draws per wave")] = 64,
    waves: Annotated[int, typer.Option(min=1, max=20, help="waves of history matching")] = 3,
    replications: Annotated[int, typer.Option(min=1, max=MAX_REPLICATIONS, help="replications per draw")] = 2,
    predictive: Annotated[int, typer.Option(min=1, max=MAX_SAMPLES, help="posterior draws run to the horizon to predict the record")] = 16,
    jobs: Annotated[int | None, typer.Option(min=1, max=MAX_JOBS, help="worker processes (default: the cores; 1 runs in-process)")] = None,
    executor: Annotated[str | None, typer.Option(help="local (default), dask, or dask://HOST:PORT")] = None,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="random seed")] = 0,
    set_: Annotated[list[str] | None, typer.Option("--set", help="path=value, repeatable")] = None,
    out: Annotated[Path | None, typer.Option(help="output folder")] = None,
    store: StoreOption = None,
) -> None:
    """Fit a scenario's uncertainties to the record up to a cutoff (history matching); predict the rest."""
    import datetime as dt
    import time

    from lever.calibration import Budget, calibrate, load_record
    from lever.calibration.report import write_calibration_report
    from lever.experiments.execute import Interrupted
    from lever.weigh import RunsFailed, default_jobs

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
            err_console.print(f"[bold red]error:[/] {err}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        seconds = time.monotonic() - began
        made = provenance(field, seed=seed, record=record, cutoff=cutoff, points=points, waves=waves,
                          replications=replications, predictive=predictive, set=set_ or [], seconds=round(seconds, 1))  # fmt: skip
        with complete_folder(folder):
            paths = write_calibration_report(cal, folder, made)
    out_console.print(paths["report"].read_text(encoding="utf-8").split("![calibration]")[0], highlight=False, markup=False)
    out_console.print(f"{budget.runs} runs in {seconds:.0f} s. Wrote {paths['report']} and {paths['posterior']}")


class _Lines:
    """Progress as plain lines on a non-terminal (a log, CI, a pipe): one line a tenth of the
    way, and at the end; the same calls as rich's ``Progress``."""

    def __init__(self) -> None:
        self.tasks: dict[int, tuple[str, int, int]] = {}

    def __enter__(self) -> _Lines:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def add_task(self, description: str, total: int) -> int:
        self.tasks[len(self.tasks)] = (description, total, -1)
        return len(self.tasks) - 1

    def update(self, task: int, completed: int) -> None:
        description, total, said = self.tasks[task]
        tenth = completed * 10 // max(total, 1)
        if tenth > said:
            self.tasks[task] = (description, total, tenth)
            print(f"{description}: {completed}/{total}", file=sys.stderr, flush=True)


def _progress() -> Progress | _Lines:
    if not err_console.is_terminal:
        return _Lines()
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
