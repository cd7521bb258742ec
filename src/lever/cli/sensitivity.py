"""``lever sensitivity``: which uncertainty drives each outcome and each strategy's advantage,
from an exploration in the results store."""

from __future__ import annotations

import math
import time
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from rich.table import Table

from lever.cli.common import Reporter, StoreOption, fail, out_console, warn
from lever.sim.outcomes import DEFAULT_OUTCOME, RENAMED
from lever.store import DEFAULT_STORE, Experiment, StoreError

#: What each sampler's indices are called in the table: (first row, second row).
SHOWN = {"sobol": ("S1", "ST"), "morris": ("mu_star", "sigma"), "lhs": ("S1", "S1_floor")}
NAMES = {"S1": "S1", "ST": "ST", "mu_star": "μ*", "sigma": "σ", "S1_floor": "floor"}


def sensitivity(
    name: Annotated[str, typer.Argument(help="an experiment run by lever explore --sampler sobol, morris or lhs")],
    outcome: Annotated[str, typer.Option(help="outcome to print and plot (all are written)")] = DEFAULT_OUTCOME,
    store: StoreOption = None,
) -> None:
    """Global sensitivity of an exploration: Sobol S1/ST (--sampler sobol), Morris μ*/σ
    (--sampler morris) or RBD-FAST S1 (--sampler lhs), with 90% intervals, for every outcome,
    every strategy and every strategy's paired difference against staying outside. Prints one
    outcome; writes sensitivity.parquet and sensitivity-OUTCOME.png into the experiment."""
    from lever.analysis.figures import plot_indices, save
    from lever.analysis.sensitivity import NotADesign, from_experiment, write

    started = time.monotonic()
    try:
        exp = Experiment.read(store or DEFAULT_STORE, name)
    except StoreError as err:
        raise fail(str(err)) from None
    if exp.status() != "complete":
        raise fail(f"{name}: the exploration is unfinished; run its lever explore command again to finish it")
    baseline, labels = _baseline(exp)
    try:
        with Reporter(f"sensitivity {name}", "strategy outcomes") as progress:
            table = from_experiment(exp, baseline=baseline, progress=progress)
    except (NotADesign, StoreError) as err:
        raise fail(str(err)) from None
    if outcome not in set(table["outcome"]):
        if outcome in RENAMED:
            raise fail(f"--outcome: '{outcome}' is now called '{RENAMED[outcome]}'")
        raise fail(f"--outcome: no indices for '{outcome}' (outcomes: {', '.join(dict.fromkeys(table['outcome']))})")
    shown = table[table["outcome"] == outcome]
    sampler = exp.spec["sampler"]
    written = [
        write(exp, table),
        save(plot_indices(shown, sampler, baseline, labels), exp.folder / f"sensitivity-{outcome}.png"),
    ]
    out_console.print(indices_table(shown, sampler, baseline, f"{name}: {outcome}"))
    if sampler == "sobol" and (wide := too_wide(shown)):
        warn(
            f"{wide} of {len(shown)} Sobol intervals are wider than half the indices' scale (0 to 1): "
            f"{exp.spec.get('samples')} base samples are too few for this outcome; explore again with more --samples"
        )
    out_console.print(f"Wrote {', '.join(written)} ({time.monotonic() - started:.1f} s)", highlight=False)


#: A Sobol interval wider than this (on indices that run from 0 to 1) says nothing.
WIDEST = 0.5


def too_wide(shown: pd.DataFrame) -> int:
    """How many Sobol indices have an interval wider than :data:`WIDEST` (or none at all)."""
    width = (shown["high"] - shown["low"]).fillna(np.inf)
    return int((width > WIDEST).sum())


def _baseline(exp: Experiment) -> tuple[str | None, dict[str, str]]:
    """Staying outside, from the scenario the exploration ran (None if it cannot be read), and
    the uncertainties' labels."""
    from lever.analysis import baseline_strategy
    from lever.model.loading import ScenarioError, parse, validate

    try:
        field = validate(parse(exp.spec["scenario"], exp.name), exp.name)
    except (ScenarioError, KeyError):
        warn("the scenario cannot be read: no paired differences")
        return None, {}
    return baseline_strategy(field), {u.path: u.label or u.path for u in field.uncertainties}


def _cell(rows: pd.DataFrame, index: str) -> str:
    r = rows[rows["index"] == index]
    if r.empty:
        return ""
    value, low, high = (float(r.iloc[0][k]) for k in ("value", "low", "high"))
    interval = "" if math.isnan(low) else f" [{low:.2f}, {high:.2f}]"
    return f"{NAMES[index]} {value:.2f}{interval}"


def indices_table(shown: pd.DataFrame, sampler: str, baseline: str | None, title: str) -> Table:
    """One row per uncertainty, one column per strategy and per paired difference; each cell
    the two indices of the sampler with their 90% intervals."""
    first, second = SHOWN[sampler]
    targets = list(dict.fromkeys(zip(shown["target"], shown["strategy"], strict=True)))
    table = Table(title=f"{title} — {NAMES[first]} and {NAMES[second]}, 90% intervals", title_justify="left")
    table.add_column("uncertainty", justify="left")
    for target, strategy in targets:
        table.add_column(strategy if target == "outcome" else f"{strategy}\n− {baseline}", justify="right")
    for parameter, rows in shown.groupby("parameter", sort=False):
        cells = []
        for target, strategy in targets:
            mine = rows[(rows["target"] == target) & (rows["strategy"] == strategy)]
            cells.append(f"{_cell(mine, first)}\n{_cell(mine, second)}")
        table.add_row(str(parameter), *cells)
    return table
