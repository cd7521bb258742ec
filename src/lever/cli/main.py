"""The ``lever`` command: a thin face over the layers below (it runs nothing itself).

Each command lives in its own module of this package and is registered here; what they share
(consoles, one-line errors, progress, the store option) is in :mod:`lever.cli.common`.
"""

from __future__ import annotations

import math
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from typer.core import TyperGroup

from lever.analysis import counted
from lever.cli.calibrate import calibrate_command
from lever.cli.classic import classic
from lever.cli.common import (
    DEFAULT_SCENARIO,
    Reporter,
    StoreOption,
    clean_errors,
    default_folder,
    err_console,
    fail,
    interrupted,
    open_experiment,
    out_console,
    out_folder,
    prepare,
    provenance,
    say_error,
)
from lever.cli.sensitivity import sensitivity
from lever.cli.serve import serve
from lever.cli.store import explore, results
from lever.cli.store_verify import store_app
from lever.cli.theses import theses_command
from lever.cli.weigh import weigh_command
from lever.experiments.bounds import MAX_SEED, MAX_STEPS
from lever.experiments.execute import stoppable
from lever.model.loading import (
    builtin_names,
    builtin_text,
    check_scenario,
    load,
    load_template,
    template_names,
    template_text,
    to_toml,
)
from lever.model.scenario import Labels
from lever.sim.stored import run_spec, store_run
from lever.store.files import complete_folder

if TYPE_CHECKING:
    from click import ClickException

#: Click's base of usage errors, wherever this Typer keeps its Click.
_CLICK_ERROR: type[ClickException] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


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
            say_error(message)
            sys.exit(err.exit_code)
        except typer.Abort:
            err_console.print("Stopped (Ctrl-C).", highlight=False)
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
app.add_typer(store_app, name="store")
app.command("calibrate")(calibrate_command)
app.command("classic")(classic)
app.command("explore")(explore)
app.command("results")(results)
app.command("serve")(serve)
app.command("sensitivity")(sensitivity)
app.command("theses")(theses_command)
app.command("weigh")(weigh_command)


@app.command("scenarios")
def scenarios_command() -> None:
    """List the built-in scenarios, then the templates a field of one's own starts from."""
    table = Table("name", "title", "kind")
    for name in builtin_names():
        table.add_row(name, load(name).title, "built-in field")
    for name in template_names():
        title = load_template(name).title
        table.add_row(name, title, "template (lever scenario show NAME > my.toml)")
    out_console.print(table)


@scenario_app.command("show")
def scenario_show(
    name: Annotated[str, typer.Argument(help="a built-in scenario's name, a template's, or a TOML file")],
    explain: Annotated[bool, typer.Option("--explain", help="each field's meaning as a comment above it")] = False,
) -> None:
    """Print a scenario as TOML, ready to copy and edit (a built-in or a template as shipped,
    with its comments; a file as the loader reads it, defaults filled in). Templates, the
    starting points for a field of one's own: join-or-stay, join-or-stay-alone."""
    from lever.model.explain import commented_toml

    with clean_errors():
        template = name in template_names()
        if explain:
            field = load_template(name) if template else load(name)
            sys.stdout.write(commented_toml(field))
        elif template:
            sys.stdout.write(template_text(name))
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
    strategies and uncertainties. One line: what it holds; or every problem, a line each (exit 2)."""
    with clean_errors():
        field = prepare(scenario, set_ or [], None)
        n = check_scenario(field, scenario)
    roles = ", ".join(f"{k} {v}" for k, v in field.roles.items())
    coarse = any(p.persons_per_agent > 1 and p.size > 0 for p in [*field.organizations.values(), field.unorganized])
    out_console.print(
        f"{scenario}: valid — {len(field.organizations)} organizations ({roles}), "
        f"{counted(len(field.strategies), 'strategy', 'strategies')}, "
        f"{counted(len(field.uncertainties), 'uncertainty', 'uncertainties')}, "
        f"{n:,} agents at week 0{_SPLITS if coarse else ''}, {field.steps:,} steps",
        highlight=False, soft_wrap=True,
    )  # fmt: skip


#: Why a run ends with more agents than it starts with (``lever check`` counts week 0's).
_SPLITS = " (a run splits persons off coarse agents where the group acts, so it ends with more)"


@app.command("explain")
def explain_command(
    path: Annotated[str | None, typer.Argument(help="a dotted field path, e.g. dynamics.gravity")] = None,
    all_: Annotated[bool, typer.Option("--all", help="every field, as Markdown (docs/FIELDS.md)")] = False,
) -> None:
    """Say what a scenario field means: its units, whether a scenario must give it or its
    default, and its bounds (a path may name a table's entries by <key> or by a key of yours)."""
    from lever.model.explain import explain, reference_markdown

    if all_ or not path:
        sys.stdout.write(reference_markdown())
        return
    try:
        text = explain(path)
    except KeyError as err:
        raise fail(f"{path}: {err.args[0]} (lever explain --all lists every field)") from None
    sys.stdout.write(text + "\n")


def _summary_table(summary: dict[str, Any]) -> Table:
    agents = f"{summary['agents_start']:,} agents at week 0"  # as lever check counts them
    if summary["agents"] != summary["agents_start"]:
        agents += f", {summary['agents']:,} at the end: persons split off coarse agents where the group acts"
    table = Table(
        title=f"{summary['scenario']} — {summary['strategy']} (seed {summary['seed']}, {summary['weeks']:g} weeks, {agents})",
        # a new user read the group's 0 at the end beside its 229 members below as a contradiction
        caption="each organization counts those who hold its card: the group's people inside a host count there;"
        " the group's lever, below, counts them wherever they are",
    )
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


def _group_table(summary: dict[str, Any], labels: Labels) -> Table:
    table = Table("the group", "value", title="The group's lever")
    rows = [
        ("members (start → end)", f"{summary['group_members_start']:,.0f} → {summary['group_members_end']:,.0f}"),
        ("cadre at end", f"{summary['group_cadre_end']:,.0f}"),
        (f"{labels.won} (start → end)", f"{summary['won_start']:,.0f} → {summary['won_end']:,.0f}"),
        (f"the host's {labels.kernel} of week 0 now in the rival", f"{summary['host_kernel_in_rival']:,.0f}"),
        ("expelled", f"{summary['expelled']:,.0f}"),
    ]
    for m, size in zip(("first", "second"), summary["milestones"], strict=True):
        weeks = summary[f"weeks_to_{m}"]
        rows.append((f"weeks to {size:,.0f} members", "not reached" if weeks is None else f"{weeks:g}"))
    for row in rows:
        table.add_row(*row)
    return table


def _funnel_table(summary: dict[str, Any]) -> Table:
    """The group's funnel (issue 23): contacts down to those who stayed, then the losses by cause."""
    from lever.sim.funnel import LOSSES, STAGES

    funnel = summary["funnel"]
    table = Table("stage", "persons", title="The group's funnel")
    for name, what in STAGES:
        table.add_row(what, f"{funnel[name]:,.0f}")
    share = funnel["funnel_retained_26w"]
    table.add_row("share of those who joined 26+ weeks before the end still members",
                  "no one joined that early" if share is None else f"{share:.0%}")  # fmt: skip
    for name, _, what in LOSSES:
        table.add_row(f"lost: {what}", f"{funnel[name]:,.0f}")
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
    from lever.sim.engine import simulate
    from lever.sim.results import summarize, write_run

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
            with stoppable(), Reporter(f"{field.name} / {name}", unit="steps") as progress:
                result = simulate(field, name, seed=seed, steps=steps, on_step=lambda t: progress(t, total))
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
    out_console.print(_funnel_table(summary))
    out_console.print(f"Wrote {', '.join(str(p) for p in paths.values())}")


@app.command("warm")
def warm_command(
    parallel: Annotated[bool, typer.Option(help="also the kernels large fields run on all threads")] = True,
) -> None:
    """Compile the engine's kernels now (about 45 s of one core, the kernels large fields run on
    all threads included; bin/lever and bin/test do it when they install Lever), so that the
    first run does not: they are kept in the compile cache, and compiled afresh after Lever's
    source changes."""
    from lever.sim.warm import warm

    seconds = warm(parallel=parallel)
    out_console.print(f"Compiled Lever's kernels in {seconds:.0f} s (kept in {os.environ.get('NUMBA_CACHE_DIR')})")


def main() -> None:
    """Entry point of the ``lever`` command."""
    signal.signal(signal.SIGINT, signal.default_int_handler)  # lever/__init__ stopped early Ctrl-C until now
    app()
