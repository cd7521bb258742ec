"""Weigh's report: figures as PNG files and one self-contained HTML page that opens offline."""

from __future__ import annotations

import base64
import html
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from lever.analysis import Ranking, conclusion, counted, differences, table_text
from lever.experiments.runs import DesignResult
from lever.experiments.tasks import TRACKED
from lever.sim.outcomes import OUTCOMES, plain
from lever.sim.plots import caption, persons_axis, png_bytes, subplots
from lever.store.files import write_atomic
from lever.store.provenance import Provenance, build_line, write_parquet

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.layout_engine import ConstrainedLayoutEngine


def describe(result: DesignResult, strategy: str, width: int = 34) -> str:
    """A strategy as its description (its key where it has none), wrapped for a legend."""
    sc = result.design.scenario
    text = sc.strategies[strategy].description if strategy in sc.strategies else ""
    return textwrap.fill(text or strategy, width)


BANDS_CAPTION = ("Each line is the median over all runs of one strategy (every draw of the uncertainties and "
                 "every replication); the shaded band around it holds the middle 90% of runs (5th to 95th "
                 "percentile), week by week.")  # fmt: skip


def plot_bands(result: DesignResult) -> Figure:
    """Median and 90% band of each tracked series over weeks, one line per strategy, named by
    its description; the caption says what lines and bands are."""
    sc = result.design.scenario
    fig, axes = subplots(1, len(TRACKED), figsize=(14, 5.2))
    cast("ConstrainedLayoutEngine", fig.get_layout_engine()).set(rect=(0, 0.07, 1, 0.93))  # subplots: constrained
    # the field's own words: its organizations by name, those won by its label
    titles = {"group_members": f"Members of {sc.organizations[sc.group].name}", "won": _capital(sc.labels.won),
              "size_host": f"Members of {sc.organizations[sc.host].name}"}  # fmt: skip
    for m, (ax, name) in enumerate(zip(axes, TRACKED, strict=True)):
        for strategy, arr in result.series.items():
            low, mid, high = np.quantile(arr[:, :, m], [0.05, 0.5, 0.95], axis=0)
            (line,) = ax.plot(result.weeks, mid, label=describe(result, strategy))
            ax.fill_between(result.weeks, low, high, color=line.get_color(), alpha=0.15)
        persons_axis(ax, np.stack([a[:, :, m] for a in result.series.values()]))
        ax.set(title=textwrap.fill(titles[name], 28), xlabel="week")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right upper", fontsize=8, title="strategy")
    caption(fig, BANDS_CAPTION)
    return fig


def plot_outcomes(result: DesignResult, ranking: Ranking) -> Figure:
    """The primary outcome per strategy, and its paired difference against the baseline; rows
    are strategies by their descriptions, best first."""
    order = list(ranking.table["strategy"])
    runs = result.runs
    values = [runs.loc[runs["strategy"] == s, ranking.outcome].dropna() for s in order]
    diffs = differences(runs, ranking.outcome, ranking.baseline)
    names = [describe(result, s, 30) for s in order]
    fig, (a, b) = subplots(1, 2, figsize=(13, 0.75 * len(order) + 2.4), sharey=True)
    cast("ConstrainedLayoutEngine", fig.get_layout_engine()).set(rect=(0, 0.08, 1, 0.92))  # subplots: constrained
    a.boxplot(values, vert=False, tick_labels=names, whis=(5, 95))
    called, meaning = plain(ranking.outcome, result.design.scenario)
    a.set(title=textwrap.fill(f"{_capital(called)}: {meaning}", 60), xlabel="persons")
    b.boxplot([diffs[s].dropna() for s in order], vert=False, tick_labels=names, whis=(5, 95))
    b.tick_params(labelleft=False)  # the rows are named on the left panel
    b.axvline(0, color="grey", lw=1)
    b.set(title=textwrap.fill(f"paired difference against '{describe(result, ranking.baseline, 200)}'", 50),
          xlabel="persons")  # fmt: skip
    a.invert_yaxis()
    for ax in (a, b):
        ax.grid(True, axis="x", alpha=0.3)
    caption(fig, "Boxes hold the middle half of runs with the median as a line; whiskers reach the 5th and 95th "
            "percentiles, points beyond them are single runs. Right: each run minus the baseline run in the "
            "same world (same draw, same seed); right of the grey line the strategy did better.")  # fmt: skip
    return fig


def plot_flows(result: DesignResult, names: dict[str, str] | None = None) -> Figure:
    """What a reader asks of the flows, per strategy (mean persons over its runs): where the
    host's members went when they left it of their own accord or were won away, and whom
    the group holds at the horizon, by where they were at week 0. The churn between the mass
    populations, which dwarfs both, is left out; so are the group's own people moving in and
    out of a host (entry, expulsion)."""
    sc = result.design.scenario
    labels = result.labels
    host, group = labels.index(sc.host), labels.index(sc.group)
    strategies = list(result.flows)
    mean = result.runs.groupby("strategy").mean(numeric_only=True)
    fig, (left, right) = subplots(1, 2, figsize=(13, 0.55 * len(strategies) + 2.2))
    y = np.arange(len(strategies))
    # organizations by their names, as every other table and figure shows them (not their keys)
    named = [sc.organizations[k].name if k in sc.organizations else "the unorganized" for k in labels]
    went = [(named[j], [result.flows[s][host, j] for s in strategies], f"C{j}")
            for j in range(len(labels)) if j not in (host, group)]  # fmt: skip
    went.append(
        (
            f"{named[group]} (won away, or joined it)",
            [mean.loc[s, "host_left_to_group"] for s in strategies],
            f"C{group}",
        )
    )
    _stacked(left, y, went)
    left.set(title=_wrapped(f"{named[host]}: where its leavers went"), xlabel="persons (mean over runs)")
    came = [
        (f"from {named[k]}", [mean.loc[s, f"members_from_{key}"] for s in strategies], f"C{k}")
        for k, key in enumerate(labels)
    ]
    _stacked(right, y, came)
    right.set(
        title=_wrapped(f"{named[group]} at the end, by where each was at week 0"), xlabel="persons (mean over runs)"
    )
    for ax in (left, right):
        ax.set_yticks(y, [(names or {}).get(s, s) for s in strategies], fontsize=8)
        ax.invert_yaxis()
    # below the bars, never over them (a bar can end anywhere in the panel); the right panel's
    # legend held to its right edge, so that an organization's long name stays on the canvas
    left.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, frameon=False)
    right.legend(fontsize=7, loc="upper right", bbox_to_anchor=(1.0, -0.18), ncol=3, frameon=False)
    return fig


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _wrapped(title: str, width: int = 38) -> str:
    """A panel's title over lines: two panels share the width with their strategies' names."""
    return "\n".join(textwrap.wrap(title, width))


FUNNEL_CAPTION = (
    "Each row is one strategy; each bar the median over its runs of one stage of the group's "
    "recruiting, from contacts made down to recruits still members at the end, "
    "then the group's losses by cause. A logarithmic axis: contacts outnumber recruits by hundreds."
)


def plot_funnel(result: DesignResult, names: dict[str, str] | None = None) -> Figure:
    """Per strategy, the median of each funnel stage and loss (:mod:`lever.sim.funnel`) over
    its runs, as grouped horizontal bars on a log axis (a stage no run reached is left out)."""
    from lever.sim.funnel import LOSSES, STAGES, WORDS

    columns = [name for name, _ in STAGES] + [name for name, _, _ in LOSSES]
    runs = result.runs
    strategies = [s for s in result.flows if s in set(runs["strategy"])]
    present = [c for c in columns if c in runs.columns]
    median = runs.groupby("strategy")[present].median()
    fig, ax = subplots(1, 1, figsize=(13, 0.9 * len(strategies) + 2.6))
    cast("ConstrainedLayoutEngine", fig.get_layout_engine()).set(rect=(0, 0.08, 1, 0.92))  # subplots: constrained
    y = np.arange(len(strategies))
    height = 0.8 / max(1, len(present))
    # the stages in cool colours from wide to narrow, the losses in warm ones: one colour each
    stages, losses = colormaps["viridis"], colormaps["autumn"]
    for c, column in enumerate(present):
        lost = column.startswith("lost_")
        color = losses(0.15 + 0.7 * (c - len(STAGES)) / len(LOSSES)) if lost else stages(0.85 * c / len(STAGES))
        values = np.array([median.loc[s, column] if s in median.index else np.nan for s in strategies])
        label = WORDS.get(column, column)
        ax.barh(y + c * height, np.where(values > 0, values, np.nan), height, label=label, color=color)
    ax.set_xscale("log")
    # whole decades, numbers written out (1,000, not 10³): a range narrower than a decade
    # would otherwise be ticked in powers of ten only (1.3×10²)
    drawn = median[present].to_numpy(dtype=float)
    drawn = drawn[np.isfinite(drawn) & (drawn > 0)]
    if drawn.size:
        low, high = np.floor(np.log10(drawn.min())), np.ceil(np.log10(drawn.max()))
        ax.set_xlim(10**low, 10 ** max(high, low + 1))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(y + 0.4 - height / 2, [(names or {}).get(s, s) for s in strategies], fontsize=8)
    ax.invert_yaxis()
    group = result.design.scenario.organizations[result.design.scenario.group].name
    ax.set(title=f"The funnel of {group}: median over runs", xlabel="persons (log)")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside right upper", fontsize=8, title="stage")
    caption(fig, FUNNEL_CAPTION)
    return fig


def _stacked(ax: Axes, y: np.ndarray, parts: list[tuple[str, list[Any], str]]) -> None:
    """Horizontal bars, one per row of ``y``, stacked from ``parts`` (label, values, colour:
    one colour per organization in both panels)."""
    left = np.zeros(len(y))
    for label, values, color in parts:
        values = np.asarray(values, float)
        if values.max(initial=0.0) <= 0.0:
            continue
        ax.barh(y, values, left=left, label=label, color=color)
        left += values


def _table_html(ranking: Ranking, result: DesignResult | None = None) -> str:
    head, rows = table_text(ranking)
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    strategies = result.design.scenario.strategies if result else {}

    def cell(i: int, c: str) -> str:  # a strategy shows its description under its key
        about = strategies[c].description if i == 1 and c in strategies else ""
        return f"<td>{html.escape(c)}" + (f"<br><small>{html.escape(about)}</small>" if about else "") + "</td>"

    body = "".join("<tr>" + "".join(cell(i, c) for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _uncertainty_html(result: DesignResult) -> str:
    posterior = set(result.design.from_posterior)
    rows = "".join(
        f"<tr><td>{html.escape(u.label or u.path)}</td><td><code>{html.escape(u.path)}</code></td>"
        f"<td>{u.low:g} – {u.high:g}</td><td>{'posterior' if u.path in posterior else 'prior'}</td></tr>"
        for u in result.design.scenario.uncertainties
    )
    return ("<table><thead><tr><th>uncertainty</th><th>path</th><th>range</th><th>drawn from</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")  # fmt: skip


def draws_text(result: DesignResult) -> str:
    """Where the draws came from, in a sentence: the prior ranges, or a posterior for some."""
    d = result.design
    if not d.from_posterior:
        return "Every uncertainty was drawn from its prior range by a Latin hypercube."
    assert d.posterior is not None  # from_posterior is empty without one
    n, total = len(d.from_posterior), len(d.scenario.uncertainties)
    return (f"{n} of {total} uncertainties were drawn from the posterior of a calibration ({len(d.posterior)} draws "
            "not ruled out by the record, resampled whole); the others from their prior ranges by a Latin hypercube.")  # fmt: skip


STYLE = """
body { font-family: sans-serif; max-width: 1150px; margin: 2em auto; color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th:nth-child(2), td:nth-child(2) { text-align: left; }
img { max-width: 100%; }
.conclusion { background: #f4f4ee; padding: 1em; border-left: 4px solid #a33; }
"""


def write_report(
    result: DesignResult,
    ranking: Ranking,
    out: str | Path,
    provenance: Provenance | None = None,
    regions: list | None = None,
    warnings: list[str] | None = None,
) -> dict[str, Path]:
    """Write ``report.html`` (self-contained: figures inline, no external URL), the figures
    as PNG, and ``runs.parquet`` (one row per run) into ``out``; returns the paths. With a
    ``provenance``, also ``scenario.toml`` and ``provenance.json``, and the Parquet file and
    the page carry it."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    figures = {
        "trajectories": png_bytes(plot_bands(result)),
        "outcomes": png_bytes(plot_outcomes(result, ranking)),
        "flows": png_bytes(plot_flows(result, {k: describe(result, k, 40) for k in result.flows})),
        "funnel": png_bytes(plot_funnel(result, {k: describe(result, k, 40) for k in result.flows})),
    }
    if regions:
        from lever.analysis.figures import plot_trajectories

        named = {k: describe(result, k, 60) for k in result.flows}
        figures["regions"] = png_bytes(plot_trajectories(regions, ranking.baseline, named))
    drivers = _indices_rows(regions or [], ranking)
    if len(drivers):
        from lever.analysis.figures import plot_indices

        labels = {u.path: u.label or u.path for u in result.design.scenario.uncertainties}
        named = {k: describe(result, k, 200) for k in result.flows}
        figures["sensitivity"] = png_bytes(plot_indices(drivers, "lhs", ranking.baseline, labels, named))
    paths = {name: folder / f"{name}.png" for name in figures}
    for name, data in figures.items():
        write_atomic(paths[name], lambda p, data=data: p.write_bytes(data))
    paths["runs"] = folder / "runs.parquet"
    write_parquet(result.runs, paths["runs"], provenance)
    if provenance is not None:
        paths |= provenance.write(folder)
    paths["report"] = folder / "report.html"
    found = _regions_html(result, ranking, regions or [], figures)
    page = _page(result, ranking, figures, provenance, found, warnings or [])
    write_atomic(paths["report"], lambda p: p.write_text(page, encoding="utf-8"))
    return paths


def provenance_html(provenance: Provenance | None) -> str:
    """The command, Lever's version and the seed, and where the scenario as run is."""
    if provenance is None:
        return ""
    r = provenance.record()
    return (f"<h2>How this was made</h2><p><code>{html.escape(r['command'])}</code><br>{html.escape(build_line(r))}, "
            f"seed {r.get('seed', '—')}. The scenario as run (after <code>--set</code>) is <code>scenario.toml</code> "
            "beside this file; <code>provenance.json</code> holds the rest.</p>")  # fmt: skip


def _indices_rows(regions: list, ranking: Ranking) -> pd.DataFrame:
    """Every strategy's RBD-FAST rows of its paired difference, in one tidy table."""
    import pandas as pd

    frames = [r.indices.assign(target="difference", strategy=r.strategy, outcome=ranking.outcome)
              for r in regions if len(r.indices)]  # fmt: skip
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _warnings_html(warnings: list[str]) -> str:
    warned = "".join(f"<li>{html.escape(w)}</li>" for w in warnings)
    return f"<h2>How sure</h2><ul>{warned}</ul>" if warned else ""


def _regions_html(result: DesignResult, ranking: Ranking, regions: list, figures: dict[str, bytes]) -> str:
    """Per strategy the region where it beats the baseline and its drivers, in a table; how
    they were found (PRIM, the trees, the sensitivity figures) behind a fold."""
    labels: dict[str, str] = {u.path: u.label or u.path for u in result.design.scenario.uncertainties}
    rows = "".join(f"<tr><td>{html.escape(r.strategy)}</td><td style='text-align:left'>"
                   f"{html.escape(r.box_text(labels, ranking.baseline))}</td><td style='text-align:left'>"
                   f"{html.escape(', '.join(str(labels.get(p, p)) for p in r.drivers) or '—')}</td></tr>" for r in regions)  # fmt: skip
    img = "".join(
        f'<img alt="{name}" src="data:image/png;base64,{base64.b64encode(figures[name]).decode()}">'
        for name in ("regions", "sensitivity")
        if name in figures
    )
    trees = "".join(f"<h3>{html.escape(r.strategy)}: classification tree (second view)</h3><p>held-out accuracy "
                    f"{100 * r.tree.check.accuracy:.0f}%, p = {r.tree.check.p_value:.2f}"
                    f"{'' if r.tree.accepted else '; not accepted: no better than on shuffled draws'}</p>"
                    f"<pre>{html.escape(r.tree.text)}</pre>" for r in regions if r.tree is not None)  # fmt: skip
    return (f"<h2>Where each strategy beats '{html.escape(ranking.baseline)}', and what drives it</h2>"
            f"<table><thead><tr><th>strategy</th><th>where it beats the baseline</th><th>drivers</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            "<details><summary>How the regions and drivers were found (PRIM, classification trees, "
            "sensitivity)</summary>"
            "<p>Regions are PRIM boxes on the sampled uncertainties, found on some draws and scored on the others "
            "(cross-validated over draws) and reported only if shuffled draws do as well at most 5% of the time. "
            "Drivers are uncertainties whose RBD-FAST first-order index of the paired difference (averaged over a "
            "draw's replications) has its 90% interval above the index a shuffled difference reaches (the noise floor).</p>"
            f"{img}{trees}</details>")  # fmt: skip


def _page(
    result: DesignResult,
    ranking: Ranking,
    figures: dict[str, bytes],
    provenance: Provenance | None = None,
    discovered: str = "",
    warnings: list[str] | None = None,
) -> str:
    """The report, the answer first: the conclusion and its picture, the cautions, the table;
    then where people went, the trajectories, the regions (their method folded away), the
    uncertainties and how it was made."""
    d = result.design
    sc = d.scenario
    img = {k: base64.b64encode(v).decode() for k, v in figures.items()}
    text = html.escape(conclusion(ranking, d.samples, d.replications))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Lever — weigh {html.escape(sc.name)}</title>
<style>{STYLE}</style></head><body>
<h1>Weighing the strategies — {html.escape(sc.title or sc.name)}</h1>
<p class="conclusion">{text}</p>
<img alt="outcomes" src="data:image/png;base64,{img["outcomes"]}">
{_warnings_html(warnings or [])}
<h2>The group's funnel</h2><p>{html.escape(FUNNEL_CAPTION)}</p>
<img alt="funnel" src="data:image/png;base64,{img["funnel"]}">
<h2>Ranking</h2>
<p>{len(d.strategies)} strategies × {d.samples} draws × {counted(d.replications, "replication")} = {len(result.runs)} runs
of {result.weeks[-1]:g} weeks each ({"the field's horizon" if d.steps is None else "cut short by --steps"}),
seed {d.seed}. Every strategy runs each (draw, replication) with the same seed, so differences are paired;
intervals of means and chances resample draws (a draw's replications share its parameters). A rank marked
"=" is tied with the one above it: the 90% interval of their mean difference includes zero.
Primary outcome: {html.escape(OUTCOMES[ranking.outcome][0])}. Regret is the shortfall against the best
strategy in the same paired run.</p>
{_table_html(ranking, result)}
<h2>Who went where</h2><img alt="flows" src="data:image/png;base64,{img["flows"]}">
<h2>Trajectories</h2><p>{html.escape(BANDS_CAPTION)}</p>
<img alt="trajectories" src="data:image/png;base64,{img["trajectories"]}">
{discovered}
<h2>Uncertainties</h2><p>{html.escape(draws_text(result))}</p>
{_uncertainty_html(result)}
<p>Per-run results: <code>runs.parquet</code> beside this file (one row per run).</p>
{provenance_html(provenance)}
</body></html>
"""
