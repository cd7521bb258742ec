"""``lever weigh``: the weigh job (:mod:`lever.weigh.job`) on a terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lever.analysis.regions import Region
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
    prepare,
    provenance,
    say_error,
    warn,
)
from lever.cli.tables import ranked_table
from lever.experiments.bounds import MAX_JOBS, MAX_REPLICATIONS, MAX_SAMPLES, MAX_SEED, MAX_STEPS
from lever.experiments.execute import Interrupted, stoppable
from lever.experiments.runs import RunsFailed
from lever.model.loading import parse_assignments, without_uncertainties
from lever.model.scenario import Scenario
from lever.sim.outcomes import DEFAULT_OUTCOME
from lever.store import DEFAULT_STORE
from lever.store.files import complete_folder
from lever.weigh.job import Weighed, WeighError, WeighSettings, check_settings, posterior_for, weigh, write
from lever.weigh.report import draws_text


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
) -> None:  # fmt: skip
    """Weigh every strategy of a scenario across its uncertainties; rank them and report."""
    settings = WeighSettings(samples, replications, seed, steps, outcome, until_sure, budget)
    try:
        check_settings(settings)
    except WeighError as err:
        raise fail(str(err)) from None
    with clean_errors():
        field = prepare(scenario, set_ or [], None)
        # what the user fixed with --set is no longer sampled
        field = without_uncertainties(field, list(parse_assignments(set_ or [])), f"{scenario} (--set)")
        folder = out_folder(out, out if out is not None else default_folder(field, "weigh"))
        drawn = _posterior(posterior, field)
        weighed = _run(field, settings, store, drawn, jobs)
        made = provenance(field, **weighed.settings_record(folder, {"set": set_ or [],
                          "posterior": str(posterior) if posterior else None}))  # fmt: skip
        with complete_folder(folder):
            paths = write(weighed, folder, made)
    _print(weighed)
    out_console.print(f"Wrote {paths['report']} (and {', '.join(p.name for k, p in paths.items() if k != 'report')})")


def _posterior(path: Path | None, field: Scenario):  # noqa: ANN202
    if path is None:
        return None
    drawn, unused = posterior_for(path, field)
    if unused:
        warn(f"{field.name} does not sample {', '.join(unused)}; the posterior's values of these are not used", "note")
    return drawn


def _run(field: Scenario, settings: WeighSettings, store: Path | None, drawn, jobs: int | None) -> Weighed:  # noqa: ANN001
    try:
        with stoppable():
            return weigh(field, settings, store or DEFAULT_STORE, posterior=drawn, jobs=jobs, progress=Reporter)
    except WeighError as err:
        raise fail(str(err)) from None
    except Interrupted as stop:
        raise interrupted(stop.kept, stop.total, stop.where) from None
    except RunsFailed as err:
        say_error(err)
        raise typer.Exit(1) from None


def _print(weighed: Weighed) -> None:
    """The terminal's account: the draws, the ranked table, the conclusion, the cautions, the regions."""
    out_console.print(draws_text(weighed.result), highlight=False)
    out_console.print(ranked_table(weighed.ranking, weighed.title))
    out_console.print(weighed.conclusion(), highlight=False)
    for line in weighed.warnings:
        warn(line)
    _print_regions(weighed.regions, weighed.field, weighed.ranking.baseline)
    if weighed.settings.until_sure:
        out_console.print(weighed.until_sure_line(), highlight=False)


def _print_regions(found: list[Region], field: Scenario, baseline: str) -> None:
    """Per strategy: where it beats the baseline, and the uncertainties driving the difference."""
    labels = {u.path: u.label or u.path for u in field.uncertainties}
    out_console.print(f"Where each strategy beats '{baseline}', and what drives the difference:", highlight=False)
    for r in found:
        out_console.print(f"  {r.strategy}: {r.box_text(labels, baseline)}", highlight=False, soft_wrap=True)
        out_console.print(f"    {r.drivers_text(labels)}", highlight=False, soft_wrap=True)
