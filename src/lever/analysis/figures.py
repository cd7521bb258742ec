"""Figures of the analysis layer: sensitivity indices, and PRIM's peeling trajectory."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from lever.sim.plots import png_bytes, subplots
from lever.store.files import write_atomic

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: The two bars of each parameter, per sampler, and what they are called on the figure.
BARS = {"sobol": ("S1", "ST"), "morris": ("mu_star", "sigma"), "lhs": ("S1", "S1_floor")}
LEGEND = {"S1": "first order S1", "ST": "total ST", "mu_star": "μ* (mean |effect|)", "sigma": "σ",
          "S1_floor": "noise floor (S1 of shuffled outcome, 95%)"}  # fmt: skip


def save(fig: Figure, path: Path) -> str:
    data = png_bytes(fig)
    write_atomic(path, lambda p: p.write_bytes(data))
    return str(path)


def _bars(ax: Axes, rows: pd.DataFrame, pair: tuple[str, str], labels: dict[str, str]) -> None:
    """Two bars per parameter, with the 90% interval where there is one."""
    params: list[str] = list(dict.fromkeys(rows["parameter"]))
    y = np.arange(len(params))
    for k, index in enumerate(pair):
        r = rows[rows["index"] == index].set_index("parameter").reindex(params)
        err = np.vstack([r["value"] - r["low"], r["high"] - r["value"]])
        ax.barh(y + (k - 0.5) * 0.4, r["value"], height=0.4, label=LEGEND[index],
                xerr=None if np.isnan(err).all() else err, capsize=2)  # fmt: skip
    names = [labels.get(p, p) for p in params]
    ax.set_yticks(y, [n if len(n) <= 34 else n[:33] + "…" for n in names], fontsize=7)
    ax.invert_yaxis()
    ax.axvline(0, color="grey", lw=0.8)


def plot_indices(
    shown: pd.DataFrame,
    sampler: str,
    baseline: str | None,
    labels: dict[str, str] | None = None,
    names: dict[str, str] | None = None,
) -> Figure:
    """One panel per strategy and per paired difference: each uncertainty's two indices.
    ``labels`` name the uncertainties and ``names`` the strategies (their descriptions) in the
    field's words; the outcome is said in plain words."""
    from lever.sim.outcomes import plain

    named = names or {}
    targets = list(dict.fromkeys(zip(shown["target"], shown["strategy"], strict=True)))
    cols = min(3, len(targets))
    rows_n = -(-len(targets) // cols)
    fig, axes = subplots(rows_n, cols, figsize=(5 * cols, 0.28 * shown["parameter"].nunique() * rows_n + 2 * rows_n),
                         squeeze=False)  # fmt: skip
    for ax, (target, strategy) in zip(axes.ravel(), targets, strict=False):
        mine = shown[(shown["target"] == target) & (shown["strategy"] == strategy)]
        _bars(ax, mine, BARS[sampler], labels or {})
        mine_name, base_name = named.get(str(strategy), str(strategy)), named.get(str(baseline), str(baseline))
        title = mine_name if target == "outcome" else f"{mine_name} − {base_name}"
        ax.set_title(textwrap.fill(title, 50), fontsize=9)
    for ax in axes.ravel()[len(targets) :]:
        ax.set_visible(False)
    axes.ravel()[0].legend(fontsize=7, loc="lower right")
    called = plain(str(shown["outcome"].iloc[0]))[0]
    fig.suptitle(f"{called[:1].upper()}{called[1:]}: how much each uncertainty moves it (bars: 90% intervals)",
                 fontsize=10)  # fmt: skip
    return fig


def plot_trajectories(regions: list, baseline: str, names: dict[str, str] | None = None) -> Figure:
    """PRIM's peeling trajectories, one line per strategy (named by ``names``, their
    descriptions): density against coverage of the worlds where it beats the baseline; the box
    reported (or the best one, hollow, where none held out of sample) marked."""
    named = names or {}
    fig, ax = subplots(figsize=(7, 4.5))
    for r in (x for x in regions if x.discovery is not None):
        d = r.discovery
        (line,) = ax.plot(
            [b.coverage for b in d.trajectory],
            [b.density for b in d.trajectory],
            lw=1,
            label=named.get(r.strategy, r.strategy),
        )
        ax.plot([d.box.coverage], [d.box.density], "o", color=line.get_color(),
                markerfacecolor=line.get_color() if d.accepted else "none")  # fmt: skip
    ax.set(xlabel="coverage (share of its winning worlds inside the box)", ylabel="density (share inside that win)",
           title=textwrap.fill(f"Where each strategy beats '{named.get(baseline, baseline)}': PRIM peeling; filled dot = box reported, "
                               "hollow = best box, not held out of sample", 70), xlim=(0, 1.02), ylim=(0, 1.02))  # fmt: skip
    if ax.lines:
        ax.legend(fontsize=7)
    return fig
