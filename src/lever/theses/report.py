"""The theses' report: a section and a figure per thesis in one offline HTML page."""

from __future__ import annotations

import base64
import html
import math
import textwrap
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from lever.analysis import counted
from lever.analysis.verdict import RULE
from lever.sim.outcomes import OUTCOMES
from lever.sim.plots import png_bytes, subplots
from lever.store.files import write_atomic
from lever.store.provenance import Provenance, write_parquet
from lever.theses.job import Outcome, caution, early
from lever.weigh.report import STYLE, plot_flows, provenance_html


def _outcome_title(name: str, width: int = 50) -> str:
    """An outcome's plain name over lines short enough for an axis of the figure."""
    return "\n".join(textwrap.wrap(OUTCOMES[name][0], width))


def plot_levels(o: Outcome) -> Figure:
    """The outcome (median and 90% band) across the factor's levels, one line per strategy."""
    runs = o.result.runs
    c = o.thesis.comparison
    fig, ax = subplots(figsize=(7, 4))
    for strategy, mine in runs.groupby("strategy", sort=False):
        # the ignore: pandas takes a list of quantiles; its stubs, a number or an array
        q = mine.groupby("factor")[c.outcome].quantile([0.05, 0.5, 0.95]).unstack()  # pyright: ignore[reportArgumentType]
        (line,) = ax.plot(q.index, q[0.5], marker="o", label=strategy)
        ax.fill_between(q.index, q[0.05], q[0.95], color=line.get_color(), alpha=0.15)
    factor = o.result.design.factor
    if factor and min(factor.values) > 0 and max(factor.values) / min(factor.values) >= 100:
        ax.set_xscale("log")
    ax.set(xlabel=factor.name if factor else "", ylabel=_outcome_title(c.outcome, 40))
    ax.legend(
        fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False
    )  # beside the lines, not over them
    return fig


def plot_strategies(o: Outcome) -> Figure:
    """The outcome's distribution under each compared strategy."""
    runs = o.result.runs
    c = o.thesis.comparison
    names = list(o.thesis.strategies)
    fig, ax = subplots(figsize=(7, 0.5 * len(names) + 2))
    ax.boxplot([runs.loc[runs["strategy"] == s, c.outcome].dropna() for s in names],
               vert=False, tick_labels=names, whis=(5, 95))  # fmt: skip
    ax.invert_yaxis()
    ax.set(xlabel=_outcome_title(c.outcome))
    return fig


def plot_growth(o: Outcome) -> Figure:
    """The group's growth in every run, against its founders and the field's two milestones
    (britain-1933's growth thesis: 40, 1,000 and 10,000), on a log axis with plain-number ticks."""
    from lever.sim.plots import persons_axis

    sc = o.result.design.scenario
    fig, ax = subplots(figsize=(7, 4))
    series = o.result.series[o.thesis.comparison.a]
    for run in series[:, :, 0]:
        ax.plot(o.result.weeks, run, color="C0", alpha=0.6)
    marks = (sc.organizations[sc.group].size, *sc.milestone_sizes)
    for m in marks:
        ax.axhline(m, color="grey", lw=0.8, ls="--")
    members = series[:, :, 0]
    persons_axis(ax, np.concatenate([members[np.isfinite(members)], marks]))  # NaN: weeks a run did not go on to
    ended = ",\neach until its second milestone" if o.thesis.until_milestones else ""
    ax.set(xlabel="week", title=f"The group's members in each run{ended}; dashed: founders and milestones")
    return fig


def figure(o: Outcome) -> Figure:
    if o.thesis.number == 4:
        return plot_flows(o.result)
    kind = o.thesis.comparison.kind
    if kind == "growth":
        return plot_growth(o)
    if kind in ("levels", "crossover"):
        return plot_levels(o)
    return plot_strategies(o)


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:,.3g}" if abs(x) < 10 else f"{x:,.0f}"


def line(o: Outcome) -> str:
    """The terminal's line for a thesis: claim, verdict, key number with its interval."""
    v = o.verdict
    warned = caution(o)
    return (f"{o.thesis.number}. {o.thesis.title}: {o.thesis.claim} — {v.label.upper()} — "
            f"{o.thesis.key}: median {_fmt(v.median)} [90%: {_fmt(v.low)}, {_fmt(v.high)}], "
            f"holds in {100 * v.share:.0f}% of {v.worlds} worlds" + (f" — caution: {warned}" if warned else "")
            + (f" — {stopped}" if (stopped := early(o)) else ""))  # fmt: skip


def _design_html(o: Outcome) -> str:
    d = o.result.design
    parts = [f"strategies: {', '.join(html.escape(s) for s in d.strategies)}"]
    if d.factor:
        parts.append(f"factor: {html.escape(d.factor.name)} = {', '.join(d.factor.labels)}")
    for path, value in o.thesis.changes.items():
        parts.append(f"<code>{html.escape(path)} = {html.escape(str(value))}</code>")
    parts.append(
        f"{d.drawn} draws of the uncertainties × {counted(d.replications, 'replication')} = {len(o.result.runs)} runs"
    )
    if (stopped := early(o)) is not None:
        parts.append(html.escape(stopped[:1].upper() + stopped[1:]))
    return "<ul>" + "".join(f"<li>{p}</li>" for p in parts) + "</ul>"


def _region_html(o: Outcome) -> str:
    """The region behind a 'holds where' (or the crossover's two halves), and the drivers."""
    parts = []
    v, c = o.verdict, o.crossover
    if c is not None:
        assert o.result.design.factor is not None  # a crossover varies a factor
        name = o.result.design.factor.name
        parts.append(f"Threshold on {html.escape(name)} at {c.threshold:.3g} (classifies {100 * c.accuracy_in:.0f}% of "
                     f"(level, world) pairs; {100 * c.accuracy_out:.0f}% held out): below it {html.escape(o.thesis.comparison.a)} "
                     f"minus {html.escape(o.thesis.comparison.b)} has mean {_fmt(c.below[0])} [{_fmt(c.below[1])}, {_fmt(c.below[2])}], "
                     f"above it {_fmt(c.above[0])} [{_fmt(c.above[1])}, {_fmt(c.above[2])}]; the claim needs the first above "
                     "zero and the second below.")  # fmt: skip
    elif v.rule:
        parts.append(f"Region: {html.escape(v.rule)}; found on some draws and scored on the others, it classifies "
                     f"{100 * v.rule_accuracy:.0f}% of worlds right (permutation p = {v.rule_p:.2f}).")  # fmt: skip
    labels = {u.path: u.label or u.path for u in o.result.design.scenario.uncertainties}
    if o.box is not None:
        b = o.box
        verdict = "held out of sample" if b.accepted else "not accepted: it does no better than on shuffled draws"
        parts.append(f"PRIM box for the worlds where the claim holds (second view): {html.escape(b.text(labels))}; "
                     f"coverage {100 * b.box.coverage:.0f}%, density {100 * b.box.density:.0f}%, held-out accuracy "
                     f"{100 * b.check.accuracy:.0f}% (p = {b.check.p_value:.2f}); {verdict}.")  # fmt: skip
    if o.tree is not None:
        t = o.tree
        parts.append(f"Classification tree (depth 2), held-out accuracy {100 * t.check.accuracy:.0f}% (p = "
                     f"{t.check.p_value:.2f}){'' if t.accepted else ', not accepted'}:<pre>{html.escape(t.text)}</pre>")  # fmt: skip
    if len(o.indices):
        named = ", ".join(labels.get(p, p) for p in o.drivers) or "none clears the noise floor"
        parts.append(
            f"Uncertainties driving the paired difference (RBD-FAST first order, above its noise floor): {html.escape(named)}."
        )
    else:
        parts.append("Sensitivity of the paired difference: too few draws for RBD-FAST (16 or more needed).")
    return "".join(f"<p>{p}</p>" for p in parts)


def _caution_html(o: Outcome) -> str:
    warned = caution(o)
    return f'<p class="caution">Caution: {html.escape(warned)}.</p>' if warned else ""


def section(o: Outcome, image: bytes) -> str:
    v, t = o.verdict, o.thesis
    extras = "".join(f"<li>{html.escape(k)}: {_fmt(val)}</li>" for k, val in o.extras.items())
    region = _region_html(o)
    why = (
        ""
        if v.label == "supported"
        else f"<p>Why: the claim holds in {100 * v.share:.0f}% of worlds; the mean's interval (over {v.draws} draws) is [{_fmt(v.mean_low)}, {_fmt(v.mean_high)}].</p>"
    )
    return f"""<section id="thesis-{t.number}">
<h2>Thesis {t.number}: {html.escape(t.title)}</h2>
<blockquote>{html.escape(t.quote)}</blockquote>
<p>Claim tested: {html.escape(t.claim)}.</p>
<h3>Design</h3>{_design_html(o)}
<h3>Result</h3>
<p>{html.escape(t.key)}: median <b>{_fmt(v.median)}</b> (90% of worlds between {_fmt(v.low)} and {_fmt(v.high)});
mean {_fmt(v.mean)}, 90% interval resampling draws [{_fmt(v.mean_low)}, {_fmt(v.mean_high)}]; the claim holds in
{100 * v.share:.0f}% of {v.worlds} paired worlds.</p>
<ul>{extras}</ul>
<p class="verdict">Verdict: <b>{html.escape(v.label)}</b></p>{_caution_html(o)}{why}{region}
<img alt="thesis {t.number}" src="data:image/png;base64,{base64.b64encode(image).decode()}">
</section>"""


def write_theses_report(
    outcomes: list[Outcome], out: str | Path, provenance: Provenance | None = None
) -> dict[str, Path]:
    """``theses.html`` (self-contained), one PNG per thesis, and ``theses_runs.parquet``;
    with a ``provenance``, also ``scenario.toml`` (the base field) and ``provenance.json``."""
    import pandas as pd

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    sections = []
    for o in outcomes:
        image = png_bytes(figure(o))
        paths[f"thesis{o.thesis.number}"] = folder / f"thesis{o.thesis.number}.png"
        write_atomic(paths[f"thesis{o.thesis.number}"], lambda p, image=image: p.write_bytes(image))
        sections.append(section(o, image))
    runs = pd.concat([o.result.runs.assign(thesis=o.thesis.number) for o in outcomes], ignore_index=True)
    paths["runs"] = folder / "theses_runs.parquet"
    write_parquet(runs, paths["runs"], provenance)
    if provenance is not None:
        paths |= provenance.write(folder)
    summary = "".join(f"<li><a href='#thesis-{o.thesis.number}'>{html.escape(line(o))}</a></li>" for o in outcomes)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Lever — the eight theses</title>
<style>{STYLE} blockquote {{ font-style: italic; color: #555; }} .verdict {{ font-size: 1.1em; }}</style></head><body>
<h1>The lever of a small group: the letter's theses, checked by numbers</h1>
<p>Each thesis is an experiment on <code>{html.escape(outcomes[0].result.design.scenario.name)}</code>
run with common random numbers across its strategies and levels. Decision rule, stated in advance: {html.escape(RULE)}.</p>
<ul>{summary}</ul>
{"".join(sections)}
{provenance_html(provenance)}
</body></html>
"""
    paths["report"] = folder / "theses.html"
    write_atomic(paths["report"], lambda p: p.write_text(page, encoding="utf-8"))
    return paths
