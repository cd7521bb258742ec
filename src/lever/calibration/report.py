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
from lever.calibration.fit import BEFORE, BEYOND, FITTED, HELD_OUT, MIN_SUMMARY, PRIOR, Calibration, Joint
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
           "field or a prior) against the model's posterior predictive at each figure's date (median and 90% interval, "
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
        colour = "grey" if r["role"] in (BEFORE, BEYOND, PRIOR) or r["basis"] == "prior" else "black"
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


TOO_FEW = "too few to summarize"


def report_text(cal: Calibration, level: int = 1) -> str:
    """The report as Markdown: the waves, the posterior against the prior, every figure against
    the predictive (held-out ones marked), and the plausibility measures. ``level``: the depth
    of its first heading (2 inside a report of several cases)."""
    h = "#" * level
    waves = "\n".join(f"| {w.number + 1} | {len(w.values)} | {int(w.kept.sum())} | {s.tried:,} | {s.kept:,} |"
                      for w, s in zip(cal.waves, cal.screens, strict=False))  # fmt: skip
    beside = f", fitted together with {', '.join(cal.beside)} (one set of mechanism parameters)" if cal.beside else ""
    nothing = "" if cal.fitted else (" **No figure read in a source falls between the start and the cutoff**: this "
                                     "case is fitted on nothing of its own and predicted from the other cases' fit.")  # fmt: skip
    parts = [
        f"{h} Calibration of {cal.scenario.name} on the record '{cal.record.name}'",
        f"Fitted on the figures read in a source dated from {cal.scenario.start} to before {cal.cutoff.isoformat()} "
        f"by history matching with emulators{beside} (cutoff 3 on the largest implausibility; model discrepancy "
        f"{cal.record.discrepancy:g} of each figure). Priors are never fitted; the rest within the horizon is held "
        f"out and predicted.{nothing}",
    ]
    if cal.waves:
        parts.append(f"{h}# Waves\n\n| wave | design points run | not ruled out by simulation | candidates screened "
                     "| not ruled out by the emulators |\n|---:|---:|---:|---:|---:|\n" + waves)  # fmt: skip
    parts += [
        _verdict(cal),
        f"{h}# Each parameter: posterior against prior\n\n" + _summary_block(cal),
        f"*Identified*: the posterior's 90% interval keeps less than {IDENTIFIED_WIDTH:.0%} of the prior's width, "
        f"from at least {IDENTIFIED_DRAWS} draws; the record leaves the others open.",
        f"{h}# Every figure against the posterior predictive\n\n" + _markdown(_figure_rows(cal)),
        f"{h}# Plausibility (reported, not fitted)\n\n" + _markdown(_plausibility_rows(cal)),
        "![calibration](calibration.png)",
    ]
    return "\n\n".join(parts) + "\n"


def _summary_block(cal: Calibration) -> str:
    if len(cal.posterior) < MIN_SUMMARY:
        return f"{len(cal.posterior)} kept draws: {TOO_FEW} (no interval is printed under {MIN_SUMMARY})."
    return _markdown(_summary_rows(cal))


def _predictive_draws(cal: Calibration) -> int:
    return int(cal.predictive["draw"].nunique()) if len(cal.predictive) else 0


def _verdict(cal: Calibration) -> str:
    if not len(cal.posterior):
        return ("**No draw is consistent with the record before the cutoff**: every candidate of the last wave has a "
                "figure more than 3 standard deviations away. The model, as specified, cannot match the record.")  # fmt: skip
    draws = _predictive_draws(cal)
    confirmed = int(cal.predictive.groupby("draw")["confirmed"].first().sum()) if "confirmed" in cal.predictive else 0
    text = (f"{len(cal.posterior)} draws are not ruled out (emulator-screened); {len(cal.predictive)} predictive runs "
            f"of the first {draws} of them to the horizon, of which the simulation confirms {confirmed} (no fitted "
            "figure of any case beyond 3).")  # fmt: skip
    if draws < MIN_SUMMARY:
        return text + f" **{draws} predictive draws: {TOO_FEW}.**"
    held = coverage(cal)
    return text + (f" **{held['inside']} of {held['held_out']} held-out figures fall inside the model's 90% predictive "
                   f"interval** ({held['read_inside']} of the {held['read']} read in a source).")  # fmt: skip


def coverage(cal: Calibration) -> dict[str, int]:
    """How many held-out figures fall inside the predictive 90% interval, all and those read."""
    table = figures_table(cal)
    held = table[table["role"] == HELD_OUT]
    inside = held["inside_90"].fillna(False).astype(bool)
    read = held["basis"] == "read"
    return {"held_out": len(held), "inside": int(inside.sum()), "read": int(read.sum()),
            "read_inside": int((inside & read).sum())}  # fmt: skip


def _summary_rows(cal: Calibration) -> pd.DataFrame:
    s = summary(cal)
    return pd.DataFrame({"parameter": s["label"], "prior": [f"{a:g} – {b:g}" for a, b in zip(s["prior_low"], s["prior_high"], strict=True)],
                         "posterior median [90%]": [f"{m:.3g} [{a:.3g}, {b:.3g}]" for m, a, b in zip(s["median"], s["q05"], s["q95"], strict=True)],
                         "width kept": [f"{w:.0%}" if np.isfinite(w) else "—" for w in s["width_kept"]],
                         "identified": ["yes" if i else "no" for i in s["identified"]]})  # fmt: skip


def _figure_rows(cal: Calibration) -> pd.DataFrame:
    t = figures_table(cal)
    inside = {True: "yes", False: "**no**", None: "—"}
    few = _predictive_draws(cal) < MIN_SUMMARY
    model = [TOO_FEW if few and np.isfinite(m) else f"{m:,.0f} [{a:,.0f}, {b:,.0f}]" if np.isfinite(m) else "—"
             for m, a, b in zip(t["median"], t["q05"], t["q95"], strict=True)]  # fmt: skip
    return pd.DataFrame({"date": t["date"], "series": t["series"], "record": [f"{v:,.0f} ± {s:,.0f}" for v, s in zip(t["value"], t["sd"], strict=True)],
                         "basis": t["basis"], "role": [f"**{r}**" if r == HELD_OUT else r for r in t["role"]],
                         "model median [90%]": model,
                         "inside 90%": ["—" if few else inside[v] for v in t["inside_90"]]})  # fmt: skip


def _plausibility_rows(cal: Calibration) -> pd.DataFrame:
    p = plausibility_table(cal)
    if not p.empty and _predictive_draws(cal) < MIN_SUMMARY:
        return pd.DataFrame({"measure": p["about"], "median [90%]": TOO_FEW})
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


def joint_report_text(joint: Joint) -> str:
    """The report of several cases fitted together: the shared parameters, the cross-case table of
    hold-out coverage, then each case's report."""
    names = [c.scenario.name for c in joint.cases]
    shared = joint.prior[joint.prior["case"] == ""]
    rows = []
    for cal in joint.cases:
        c = coverage(cal)
        few = _predictive_draws(cal) < MIN_SUMMARY
        rows.append({"case": cal.scenario.name, "record": cal.record.name, "cutoff": cal.cutoff.isoformat(),
                     "figures fitted": len(cal.fitted), "held out": c["held_out"],
                     "inside 90%": TOO_FEW if few else f"{c['inside']} of {c['held_out']}",
                     "read in a source, inside 90%": TOO_FEW if few else f"{c['read_inside']} of {c['read']}"})  # fmt: skip
    head = joint.cases[0]
    parts = [
        f"# Calibration across cases: {', '.join(names)}",
        f"One set of mechanism parameters ({len(shared)} sampled under [dynamics] and [network]) shared by every "
        "case; each case's field facts keep their own ranges. Each case is fitted only on its figures read in a "
        "source before its cutoff; every later figure is held out.",
        "## Hold-out coverage, case by case\n\n" + _markdown(pd.DataFrame(rows)),
        "## The shared mechanism parameters\n\n" + (_summary_block(_shared_view(head, shared))),
        *(
            report_text(cal, level=2).replace("](calibration.png)", f"]({cal.scenario.name}/calibration.png)")
            for cal in joint.cases
        ),
    ]
    return "\n\n".join(parts) + "\n"


def _shared_view(cal: Calibration, shared: pd.DataFrame) -> Calibration:
    """``cal`` narrowed to the shared parameters, for their summary table."""
    import copy

    view = copy.copy(cal)
    view.priors = shared[["low", "high", "label"]]
    view.posterior = cal.posterior[[c for c in shared.index if c in cal.posterior]]
    return view


def write_joint_report(joint: Joint, folder: Path, provenance: Provenance | None = None) -> dict[str, Path]:
    """``posterior.csv`` (the joint draws, a column per shared parameter and per case's field
    fact as ``<field>:<path>``) and ``report.md`` into ``folder``; each case's report (with its
    own ``posterior.csv``, which ``lever weigh --posterior`` reads) in ``folder/<field>/``."""
    paths = {"posterior": folder / "posterior.csv", "report": folder / "report.md"}
    write_atomic(paths["posterior"], lambda p: joint.posterior.to_csv(p, index=False, float_format="%.17g"))
    for cal in joint.cases:
        sub = folder / cal.scenario.name
        sub.mkdir(parents=True, exist_ok=True)
        write_calibration_report(cal, sub)
    text = joint_report_text(joint)
    if provenance is not None:
        record = provenance.record()
        text += (f"\n## How this was made\n\n`{record['command']}`\n\n{build_line(record)}, seed {record.get('seed', '—')}."
                 " `provenance.json` beside this file holds the rest.\n")  # fmt: skip
    write_atomic(paths["report"], lambda p: p.write_text(text, encoding="utf-8"))
    if provenance is not None:
        paths |= provenance.write(folder)
    return paths
