"""Calibration's report: a figure (posterior against prior; predictive against the record) and
a text page with the tables, written beside the posterior file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from lever.calibration.checks import figures_table, plausibility_table
from lever.calibration.fit import BEFORE, BEYOND, FITTED, Calibration
from lever.calibration.posterior import IDENTIFIED_DRAWS, IDENTIFIED_WIDTH, summary, write_posterior
from lever.calibration.record import start_date
from lever.sim.plots import caption, png_bytes
from lever.store.files import write_atomic
from lever.store.provenance import Provenance, build_line

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.layout_engine import ConstrainedLayoutEngine

CAPTION = ("Left: each parameter on its prior range (0 to 1); dots are the posterior's draws (not ruled out), the bar their "
           "90% interval. Right: the record (dots, ±2 sd; filled: fitted, hollow: held out, grey: outside the "
           "field) against the model's posterior predictive at each figure's date (median and 90% interval, "
           "vertical bars); the shaded band is the predictive 90% band week by week where the runs keep the "
           "series. The dashed line is the cutoff.")  # fmt: skip


def plot_calibration(cal: Calibration) -> Figure:
    """Posterior against prior, and the predictive against every figure of the record."""
    series = sorted({t.figure.series for t in cal.targets})
    height = 2.2 + 2.4 * len(series)
    fig = Figure(figsize=(15, height), layout="constrained")
    room = 0.8 / height  # the caption's three lines, in inches, as a share of the figure
    cast("ConstrainedLayoutEngine", fig.get_layout_engine()).set(rect=(0, room, 1, 1 - room))  # made constrained above
    grid = fig.add_gridspec(len(series), 2, width_ratios=(1, 1.3))
    _plot_parameters(cal, fig.add_subplot(grid[:, 0]))
    table = figures_table(cal)
    first = None
    for i, name in enumerate(series):  # one calendar for every series, so dates line up
        ax = fig.add_subplot(grid[i, 1], sharex=first)
        first = first or ax
        _plot_series(cal, table[table["series"] == name], name, ax)
    caption(fig, CAPTION)
    return fig


def _plot_parameters(cal: Calibration, ax: Axes) -> None:
    prior = cal.prior
    for i, (path, p) in enumerate(prior.iterrows()):
        unit = (cal.posterior[path] - p["low"]) / (p["high"] - p["low"]) if len(cal.posterior) else pd.Series([])
        ax.plot(unit, np.full(len(unit), i), "o", ms=3, alpha=0.4, color="C0")
        if len(unit):
            ax.plot(unit.quantile([0.05, 0.95]), [i, i], lw=4, color="C0", alpha=0.7)
    ax.set_yticks(range(len(prior)), [f"{lab}\n[{lo:g}, {hi:g}]" for lab, lo, hi in
                                      zip(prior["label"], prior["low"], prior["high"], strict=True)], fontsize=7)  # fmt: skip
    ax.set(xlim=(-0.02, 1.02), xlabel="position in the prior range", title="Posterior against prior")
    ax.invert_yaxis()
    ax.grid(True, axis="x", alpha=0.3)


# ax: Any, not Axes: Matplotlib's stubs type coordinates as numbers, but its unit converters
# take the dates this plots on its x axis
def _plot_series(cal: Calibration, rows: pd.DataFrame, name: str, ax: Any) -> None:
    start = start_date(cal.scenario)
    band = _band(cal, name)
    if band is not None:
        weeks, low, high = band
        ax.fill_between([start + dt.timedelta(weeks=float(w)) for w in weeks], low, high, color="C1", alpha=0.15)
    for _, r in rows.iterrows():
        when = dt.date.fromisoformat(r["date"])
        colour = "grey" if r["role"] in (BEFORE, BEYOND) else "black"
        face = colour if r["role"] in (FITTED, BEFORE, BEYOND) else "white"
        ax.errorbar([when], [r["value"]], yerr=[2 * r["sd"]], fmt="o", color=colour, mfc=face, capsize=3)
        if np.isfinite(r["median"]):
            ax.plot([when, when], [r["q05"], r["q95"]], lw=6, color="C1", alpha=0.6)
            ax.plot([when], [r["median"]], "_", ms=14, color="C1")
    ax.axvline(cal.cutoff, ls="--", color="#a33", lw=1)
    ax.set(title=name, ylabel="persons")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)


def _band(cal: Calibration, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The 90% predictive band of a series the runs keep week by week (the group's members,
    the host's size), or None."""
    column = {"group_members": "group_members", f"size_{cal.scenario.host}": "size_host"}.get(name)
    runs = cal.predictive_series
    if column is None or runs.empty:
        return None
    by_week = runs.groupby("week")[column]
    return by_week.quantile(0.05).index.to_numpy(), by_week.quantile(0.05).to_numpy(), by_week.quantile(0.95).to_numpy()


def report_text(cal: Calibration) -> str:
    """The report as Markdown: the waves, the posterior against the prior, every figure against
    the predictive (held-out ones marked), and the plausibility measures."""
    waves = "\n".join(f"| {w.number + 1} | {len(w.values)} | {int(w.kept.sum())} |" for w in cal.waves)
    parts = [
        f"# Calibration of {cal.scenario.name} on the record '{cal.record.name}'",
        f"Fitted on the figures dated from {cal.scenario.start} to before {cal.cutoff.isoformat()} by history "
        f"matching (cutoff 3 on the largest implausibility; model discrepancy {cal.record.discrepancy:g} of each "
        f"figure). The rest within the horizon is held out and predicted.",
        "## Waves\n\n| wave | draws | not ruled out |\n|---:|---:|---:|\n" + waves,
        _verdict(cal),
        "## Each parameter: posterior against prior\n\n" + _markdown(_summary_rows(cal)),
        f"*Identified*: the posterior's 90% interval keeps less than {IDENTIFIED_WIDTH:.0%} of the prior's width, "
        f"from at least {IDENTIFIED_DRAWS} draws; the record leaves the others open.",
        "## Every figure against the posterior predictive\n\n" + _markdown(_figure_rows(cal)),
        "## Plausibility (reported, not fitted)\n\n" + _markdown(_plausibility_rows(cal)),
        "![calibration](calibration.png)",
    ]
    return "\n\n".join(parts) + "\n"


def _verdict(cal: Calibration) -> str:
    if not len(cal.posterior):
        return ("**No draw is consistent with the record before the cutoff**: every draw of the last wave has a "
                "figure more than 3 standard deviations away. The model, as specified, cannot match the record.")  # fmt: skip
    table = figures_table(cal)
    held = table[table["role"] == "held out"]
    inside = int(held["inside_90"].fillna(False).astype(bool).sum())
    return (f"{len(cal.posterior)} draws are not ruled out (by the waves that sampled the last box); {len(cal.predictive)} predictive runs of the first "
            f"{cal.predictive['draw'].nunique()} of them to the horizon. **{inside} of {len(held)} held-out figures "
            "fall inside the model's 90% predictive interval.**")  # fmt: skip


def _summary_rows(cal: Calibration) -> pd.DataFrame:
    s = summary(cal)
    return pd.DataFrame({"parameter": s["label"], "prior": [f"{a:g} – {b:g}" for a, b in zip(s["prior_low"], s["prior_high"], strict=True)],
                         "posterior median [90%]": [f"{m:.3g} [{a:.3g}, {b:.3g}]" for m, a, b in zip(s["median"], s["q05"], s["q95"], strict=True)],
                         "width kept": [f"{w:.0%}" if np.isfinite(w) else "—" for w in s["width_kept"]],
                         "identified": ["yes" if i else "no" for i in s["identified"]]})  # fmt: skip


def _figure_rows(cal: Calibration) -> pd.DataFrame:
    t = figures_table(cal)
    inside = {True: "yes", False: "**no**", None: "—"}
    return pd.DataFrame({"date": t["date"], "series": t["series"], "record": [f"{v:,.0f} ± {s:,.0f}" for v, s in zip(t["value"], t["sd"], strict=True)],
                         "role": t["role"], "model median [90%]": [f"{m:,.0f} [{a:,.0f}, {b:,.0f}]" if np.isfinite(m) else "—"
                                                                   for m, a, b in zip(t["median"], t["q05"], t["q95"], strict=True)],
                         "inside 90%": [inside[v] for v in t["inside_90"]]})  # fmt: skip


def _plausibility_rows(cal: Calibration) -> pd.DataFrame:
    p = plausibility_table(cal)
    if p.empty:
        return pd.DataFrame({"measure": ["no predictive runs"]})
    return pd.DataFrame({"measure": p["about"], "median [90%]": [f"{m:.3f} [{a:.3f}, {b:.3f}]" for m, a, b in
                                                                 zip(p["median"], p["q05"], p["q95"], strict=True)]})  # fmt: skip


def _markdown(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(frame.columns) + " |\n|" + "---|" * len(frame.columns)
    body = "\n".join("| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False))
    return head + "\n" + body


def write_calibration_report(cal: Calibration, folder: Path, provenance: Provenance | None = None) -> dict[str, Path]:
    """``posterior.csv``, ``figures.csv`` (each figure against the predictive), ``calibration.png``
    and ``report.md`` into ``folder``; returns the paths."""
    paths = {"posterior": folder / "posterior.csv", "figures": folder / "figures.csv",
             "figure": folder / "calibration.png", "report": folder / "report.md"}  # fmt: skip
    write_atomic(paths["posterior"], lambda p: write_posterior(cal, p))
    write_atomic(paths["figures"], lambda p: figures_table(cal).to_csv(p, index=False))
    data = png_bytes(plot_calibration(cal))
    write_atomic(paths["figure"], lambda p: p.write_bytes(data))
    text = report_text(cal)
    if provenance is not None:
        record = provenance.record()
        text += (f"\n## How this was made\n\n`{record['command']}`\n\n{build_line(record)}, seed {record.get('seed', '—')}."
                 " The scenario as run is `scenario.toml` beside this file; `provenance.json` holds the rest.\n")  # fmt: skip
    write_atomic(paths["report"], lambda p: p.write_text(text, encoding="utf-8"))
    if provenance is not None:
        paths |= provenance.write(folder)
    return paths
