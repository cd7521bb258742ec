"""Pictures of a run: where a user would rather look than read."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from lever.engine import Run  # noqa: E402


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes; closes it (pyplot keeps every open figure alive)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})  # no URL in the file
    plt.close(fig)
    return buf.getvalue()


def plot_run(run: Run) -> Figure:
    """Four panels over weeks: organization sizes, their revolutionary kernels, the group
    (members, cadre) beside those holding its views, and the organizations' platforms."""
    s = run.series
    orgs = run.scenario.org_keys
    names = {k: o.name for k, o in run.scenario.organizations.items()}
    fig, ax = plt.subplots(2, 2, figsize=(11, 7.5), sharex=True, layout="constrained")
    for key in orgs:
        ax[0, 0].plot(s["week"], s[f"size_{key}"], label=names[key])
        ax[0, 1].plot(s["week"], s[f"kernel_{key}"], label=names[key])
        ax[1, 1].plot(s["week"], s[f"radicalism_{key}"], label=names[key])
    ax[0, 0].set(yscale="log", title="Members", ylabel="persons")
    ax[0, 1].set(yscale="symlog", title="Revolutionary kernel", ylabel="persons")
    ax[1, 0].plot(s["week"], s["group_members"], label="group members")
    ax[1, 0].plot(s["week"], s["group_cadre"], label="group cadre")
    ax[1, 0].plot(s["week"], s["won"], label="holding the group's views")
    ax[1, 0].plot(s["week"], s["host_revolutionaries_in_rival"], label="host's revolutionaries in rival")
    ax[1, 0].set(yscale="symlog", title="The group and its reach", ylabel="persons", xlabel="week")
    ax[1, 1].set(title="Platform radicalism", ylabel="reform → revolution", xlabel="week", ylim=(0, 1))
    for a in (ax[0, 1], ax[1, 0]):
        a.set_ylim(bottom=0)
    ax[0, 0].legend(fontsize=8)
    ax[1, 0].legend(fontsize=8)
    fig.suptitle(f"{run.scenario.title or run.scenario.name} — strategy: {run.strategy}, seed {run.seed}")
    return fig
