"""Pictures of a run: where a user would rather look than read."""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
from numpy.typing import ArrayLike

from lever.sim.engine import Run

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.layout_engine import ConstrainedLayoutEngine


def subplots(*grid: int, figsize: tuple[float, float], **options: Any) -> tuple[Figure, Any]:
    """A figure and its axes, made without pyplot: no backend is chosen and no global state
    kept, so a user's own Matplotlib session (a notebook's backend, its open figures) is
    left as it was."""
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.subplots(*grid, **options)


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})  # no URL in the file
    return buf.getvalue()


#: A panel switches to a log scale only where its positive values span more than this ratio.
LOG_RANGE = 200.0


def persons_axis(ax: Axes, values: ArrayLike) -> None:
    """A persons axis: linear from 0, unless the values span more than ``LOG_RANGE``; then
    logarithmic, ticks at powers of ten written as plain numbers (10, 1,000, 100,000)."""
    x = np.asarray(values, float)
    positive = x[np.isfinite(x) & (x > 0)]
    if positive.size and positive.max() / positive.min() > LOG_RANGE:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10, numticks=12))
        ax.yaxis.set_minor_locator(LogLocator(base=10, subs=(2.0, 5.0), numticks=12))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_ylabel("persons (log scale)")
    else:
        ax.set_ylim(bottom=0)
        ax.set_ylabel("persons")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}"))
    ax.grid(True, which="major", alpha=0.3)


def caption(fig: Figure, text: str) -> None:
    """A caption under the figure saying what its lines and bands are."""
    fig.text(0.01, 0.005, textwrap.fill(text, 170), fontsize=8, va="bottom", ha="left", color="#333")


def plot_run(run: Run) -> Figure:
    """Four panels over weeks: organization sizes, their kernels, the group (members, cadre)
    beside those holding its views, and the organizations' platforms on the first axis."""
    s = run.series
    sc = run.scenario
    orgs = sc.org_keys
    names = {k: o.name for k, o in sc.organizations.items()}
    axis = sc.labels.axes[0]
    fig, ax = subplots(2, 2, figsize=(12, 8.5), sharex=True)
    # room for the caption; subplots lays figures out with constraints
    cast("ConstrainedLayoutEngine", fig.get_layout_engine()).set(rect=(0, 0.05, 1, 0.95))
    for key in orgs:
        ax[0, 0].plot(s["week"], s[f"size_{key}"], label=names[key])
        ax[0, 1].plot(s["week"], s[f"kernel_{key}"], label=names[key])
        ax[1, 1].plot(s["week"], s[f"radicalism_{key}"], label=names[key])
    persons_axis(ax[0, 0], s[[f"size_{k}" for k in orgs]].to_numpy())
    persons_axis(ax[0, 1], s[[f"kernel_{k}" for k in orgs]].to_numpy())
    ax[0, 0].set_title("Members of each organization")
    ax[0, 1].set_title(f"{sc.labels.kernel.capitalize()} of each organization")
    # the field's own words: its organizations by name, its labels for those close and those won
    us, host = names[sc.group], names[sc.host]
    group = {"group_members": f"members of {us}", "group_cadre": f"members of {us} trained to recruit",
             "won": sc.labels.won}  # fmt: skip
    if sc.rival:
        group["host_kernel_in_rival"] = f"{sc.labels.kernel} of {host} at week 0, now in {names[sc.rival]}"
    for col, label in group.items():
        ax[1, 0].plot(s["week"], s[col], label=label)
    persons_axis(ax[1, 0], s[list(group)].to_numpy())
    ax[1, 0].set(title=textwrap.fill(f"{us} and its reach", 50), xlabel="week")
    ax[1, 1].set(
        title=f"Platforms: {axis.name}", ylabel=f"{axis.low} (0) → {axis.high} (1)", xlabel="week", ylim=(0, 1)
    )
    ax[1, 1].grid(True, alpha=0.3)
    ax[0, 0].legend(fontsize=8)
    ax[1, 0].legend(fontsize=8)
    description = sc.strategies[run.strategy].description or run.strategy
    fig.suptitle(f"{sc.title or sc.name}\nstrategy: {description}, seed {run.seed}")
    caption(fig, f"One run, one line per organization (top, bottom right) or per count (bottom left); persons are "
            f"whole people, not agents; an organization's line stops where it has no members left (the group's own "
            f"empties when it enters another). The {sc.labels.kernel} counts members whose {axis.name} is at least "
            f"{sc.dynamics.kernel_threshold:g}; '{sc.labels.won}' counts people past that and past "
            f"{sc.dynamics.line_threshold:g} on {sc.labels.axes[1].name}, wherever they are. A panel is on a log "
            f"scale only where its values span more than {LOG_RANGE:,.0f} times.")  # fmt: skip
    return fig
