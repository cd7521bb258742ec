"""What a run measures, and what the group caused: outcomes against the twin world.

Every run of an experiment is paired with its *twin*: the same field, the same seed, the
group present but doing nothing (no speaking, recruiting, entering or paper). Draws are
keyed by what they decide (:mod:`lever.kernels.draw`), so the twin and the run stay identical
wherever the group had no effect, and a difference between them is the group's doing.
Outcomes "against the twin" are the run's value minus the twin's, world by world.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lever.sim.engine import Run
from lever.sim.funnel import converted_by_root, funnel, gross_gain, moved_toward
from lever.sim.results import weeks_to
from lever.store.experiment import RENAMED_COLUMNS

if TYPE_CHECKING:
    from lever.model.scenario import Scenario

#: Outcomes recorded per run (docs/ODD.md §8-9): name -> (what it is, whether more is better).
OUTCOMES: dict[str, tuple[str, bool]] = {
    "newly_won": (
        "persons holding the group's views at the horizon beyond the twin world "
        "(here minus twin: those it won less those it lost)",
        True,
    ),
    "newly_won_gross": ("persons who hold the group's views here but not in the twin, matched person by person", True),
    "host_platform_shift": ("how far the host's platform moved toward the group's line, against the twin", True),
    "host_kernel_to_rival": (
        "the host's kernel (first-axis opinion at or above kernel_threshold) who left it for the rival "
        "over the run (gross flow)",
        False,
    ),
    "host_kernel_to_rival_vs_twin": ("the same, here minus the twin", False),
    "host_won": (
        "the host's members won to the group over the run (recruited inside, or leaving the host for it)",
        True,
    ),
    "host_leavers_to_group_share": (
        "share of the host's leavers who went to the group (or were "
        "won by it inside) rather than the rival: group / (group + rival)",
        True,
    ),
    "group_members": ("the group's members at the horizon", True),
    "group_cadre": ("the group's trained cadre at the horizon, counted person by person", True),
    "cadre_gained": ("trained cadre at the horizon beyond the twin's", True),
    "survived": ("1 if the group still had half its peak cadre at the horizon, 0 if it dispersed", True),
    "views_held": (
        "persons holding the group's views at the horizon (a stock: most held them anyway; see newly_won)",
        True,
    ),
    "host_kernel": ("the host's kernel at the horizon", True),
    "expelled": ("persons expelled over the run", False),
    "weeks_to_first": ("weeks for the group to reach the field's first milestone (NaN: never)", False),
    "weeks_to_second": ("weeks for the group to reach the field's second milestone (NaN: never)", False),
    "won_from_host": ("the host's members of week 0 now in the group", True),
    "kernel_won_from_host": ("the host's kernel of week 0 now in the group", True),
    "converted_gross": (
        "persons moved at least 0.1 toward the group's line since week 0 here but not in "
        "the twin, matched person by person: those the group's talk, press and recruiting moved",
        True,
    ),
    "converted_by_rival": (
        "persons moved at least 0.1 toward the rival's platform since week 0 (in the run: "
        "the rival acts in the twin too)",
        False,
    ),
    "funnel_recruited": ("contacts the group recruited over the run", True),
    "funnel_retained": ("persons who joined the group in the run and are still its members at the horizon", True),
    "funnel_retained_26w": ("share of those who joined at least 26 weeks before the horizon still members", True),
}

#: The outcomes in plain words, for a reader without the model's terms ("twin world" is "the
#: same world with the group doing nothing"): name -> (plain name, one-line meaning).
PLAIN: dict[str, tuple[str, str]] = {
    "newly_won": ("people newly won",
                  "people holding the group's views at the end who would not hold them had the group done nothing"),
    "newly_won_gross": ("people won, counted one by one",
                        "people who hold the group's views here but not in the same world with the group doing nothing"),
    "host_platform_shift": ("larger body moved toward the group",
                            "how far the larger organization's line moved toward the group's, against doing nothing"),
    "host_kernel_to_rival": ("close members lost to the rival",
                             "members of the larger organization close to the group who left it for the rival"),
    "host_kernel_to_rival_vs_twin": ("close members lost to the rival, beyond doing nothing",
                                     "the same, less what the rival would have won had the group done nothing"),
    "host_won": ("members of the larger body won",
                 "members of the larger organization won to the group (inside it, or as they left it)"),
    "host_leavers_to_group_share": ("share of leavers who came to the group",
                                    "of those who left the larger organization for the group or the rival, "
                                    "the share who came to the group"),
    "group_members": ("the group's members", "how many people the group has at the end"),
    "group_cadre": ("the group's trained members", "members of the group trained to recruit, at the end"),
    "cadre_gained": ("trained members gained", "trained members at the end beyond what doing nothing leaves"),
    "survived": ("the group held together", "1 if the group kept at least half its most trained members, 0 if it broke up"),
    "views_held": ("people holding the group's views",
                   "everyone holding the group's views at the end (most held them anyway: see people newly won)"),
    "host_kernel": ("close members of the larger body", "members of the larger organization close to the group, at the end"),
    "expelled": ("people expelled", "people expelled over the run"),
    "weeks_to_first": ("weeks to the first milestone", "weeks until the group first reaches its first milestone size"),
    "weeks_to_second": ("weeks to the second milestone", "weeks until the group first reaches its second milestone size"),
    "won_from_host": ("members of the larger body who came over",
                      "members of the larger organization at the start who are in the group at the end"),
    "kernel_won_from_host": ("close members of the larger body who came over",
                             "its members close to the group at the start who are in the group at the end"),
    "converted_gross": ("people moved toward the group's views",
                        "people moved toward the group's line since the start who would not have moved had the group "
                        "done nothing"),
    "converted_by_rival": ("people moved toward the rival's views", "people moved toward the rival's line since the start"),
    "funnel_recruited": ("contacts recruited", "contacts the group recruited over the run"),
    "funnel_retained": ("recruits who stayed", "people who joined the group in the run and are still members at the end"),
    "funnel_retained_26w": ("share of recruits who stayed half a year",
                            "of those who joined at least 26 weeks before the end, the share still members"),
}  # fmt: skip


def plain(name: str, field: Scenario | None = None) -> tuple[str, str]:
    """An outcome's plain name and its meaning in a line (:data:`PLAIN`; another outcome by its
    name without underscores, and its meaning with "doing nothing" for the twin). With a
    ``field``, the name says its organizations by their names: "close members of the larger
    body" is "close members of Hospital Workers Union"."""
    meaning = OUTCOMES[name][0] if name in OUTCOMES else ""
    called, said = PLAIN.get(name, (name.replace("_", " "), meaning.replace("the twin world", "doing nothing")))
    if field is not None:
        host, group = field.organizations[field.host].name, field.organizations[field.group].name
        called = re.sub(r"(?:the )?larger body", host, called)
        called = called.replace("the group's members", f"members of {group}")
    return called, said


#: Outcomes an older Lever named in the letter's words for its British field (issue 26): old -> new.
RENAMED: dict[str, str] = {old: new for old, new in RENAMED_COLUMNS.items() if new in OUTCOMES}


def refusal(name: str, choices: Iterable[str]) -> str:
    """Why ``name`` is not one of the outcomes ``choices``, in one line: a renamed outcome names
    its new name."""
    if name in RENAMED:
        return f"'{name}' is now called '{RENAMED[name]}'"
    return f"cannot rank by '{name}' (outcomes: {', '.join(choices)})"


#: The outcome experiments rank on unless told otherwise: what the group won that the world
#: without it would not have had (see docs/ODD.md, "Outcomes").
DEFAULT_OUTCOME = "newly_won"


@dataclass(frozen=True)
class TwinView:
    """What the twin contributes to its runs' outcomes (kept small: it is cached)."""

    views_by_root: np.ndarray  # persons holding the group's views per original agent
    views_held: float
    host_distance: float  # host platform to the group's line at the horizon
    host_kernel_to_rival: float
    group_cadre: float
    converted_by_root: np.ndarray  # persons moved toward the group's line per original agent


def _line(run: Run) -> np.ndarray:
    sc = run.scenario
    return np.array(sc.organizations[sc.group].platform, np.float64)


def _rival_moved(run: Run) -> float:
    """Persons moved toward the rival's platform of week 0 over the run (NaN: no rival)."""
    sc = run.scenario
    if not sc.rival:
        return math.nan
    st = run.final
    moved = moved_toward(st, np.array(sc.organizations[sc.rival].platform, np.float64))
    return float(st.weight[moved].sum())


def views_by_root(run: Run) -> np.ndarray:
    """Persons holding the group's views at the horizon, per agent of step 0 (persons split
    off an agent count with it): the unit of person-by-person matching with the twin."""
    st, d = run.final, run.scenario.dynamics
    holds = (st.opinion[:, 0] >= d.kernel_threshold) & (st.opinion[:, 1] >= d.line_threshold)
    return np.bincount(st.root[holds], weights=st.weight[holds], minlength=int(st.root.max()) + 1)


def _host_distance(run: Run) -> float:
    sc = run.scenario
    last = run.series.iloc[-1]
    line = np.array(sc.organizations[sc.group].platform)
    host = np.array([last[f"radicalism_{sc.host}"], last[f"independence_{sc.host}"]])
    return float(np.linalg.norm(host - line))


def twin_view(twin: Run) -> TwinView:
    last = twin.series.iloc[-1]
    return TwinView(views_by_root(twin), float(last["won"]), _host_distance(twin),
                    float(last["host_kernel_to_rival"]), float(last["group_cadre"]),
                    converted_by_root(twin.final, _line(twin)))  # fmt: skip


def no_twin(run: Run) -> TwinView:
    """A twin of NaNs, the shape of ``run``'s: for a run that has none, every outcome against
    the twin is NaN (never 0, which would read as "the group changed nothing")."""
    return TwinView(np.full(views_by_root(run).shape, np.nan), math.nan, math.nan, math.nan, math.nan,
                    np.full(converted_by_root(run.final, _line(run)).shape, np.nan))  # fmt: skip


def outcomes(run: Run, twin: TwinView) -> dict[str, float]:
    """Every outcome of :data:`OUTCOMES` (and a few inputs to derived ones) for ``run``."""
    s = run.series
    sc = run.scenario
    last = s.iloc[-1]
    to_group = float(last["host_left_to_group"] + last["host_won_inside"])
    to_rival = float(last["host_left_to_rival"])
    peak = float(s["group_cadre"].max())
    return {
        "newly_won": float(last["won"]) - twin.views_held,
        "newly_won_gross": gross_gain(views_by_root(run), twin.views_by_root),
        "host_platform_shift": twin.host_distance - _host_distance(run),
        "host_kernel_to_rival": float(last["host_kernel_to_rival"]),
        "host_kernel_to_rival_vs_twin": float(last["host_kernel_to_rival"]) - twin.host_kernel_to_rival,
        "host_won": to_group,
        "host_leavers_to_group_share": to_group / (to_group + to_rival) if to_group + to_rival > 0 else math.nan,
        "group_members": float(last["group_members"]),
        "group_cadre": float(last["group_cadre"]),
        "cadre_gained": float(last["group_cadre"]) - twin.group_cadre,
        "survived": float(last["group_cadre"] >= peak / 2),
        "views_held": float(last["won"]),
        "host_kernel": float(last[f"kernel_{sc.host}"]),
        "expelled": float(last["expelled"]),
        "weeks_to_first": _weeks_to(run, sc.milestone_sizes[0]),
        "weeks_to_second": _weeks_to(run, sc.milestone_sizes[1]),
        "host_kernel_start": float(s[f"kernel_{sc.host}"].iloc[0]),
        "host_won_inside": float(last["host_won_inside"]),
        "host_left_to_group": float(last["host_left_to_group"]),
        **_members_by_origin(run),
        **_origins(run),
        "converted_gross": gross_gain(converted_by_root(run.final, _line(run)), twin.converted_by_root),
        "converted_by_rival": _rival_moved(run),
        **funnel(run),
    }


def _members_by_origin(run: Run) -> dict[str, float]:
    """The group's people at the horizon by where they were at week 0 (``members_from_<key>``,
    the unorganized as ``none``): whom it won, and from where."""
    st = run.final
    counts = np.bincount(st.origin[st.faction], weights=st.weight[st.faction], minlength=len(run.labels))
    return {f"members_from_{key}": float(counts[k]) for k, key in enumerate(run.labels)}


def _weeks_to(run: Run, persons: float) -> float:
    weeks = weeks_to(run, persons)
    return math.nan if weeks is None else weeks  # a column of floats: never reached is NaN


def _origins(run: Run) -> dict[str, float]:
    """What became of the host's people: its members of week 0 now in the group, and its
    kernel of week 0 in the stratum the field most seeks (``reach_stratum``; the letter's
    point 2, in britain-1933: revolutionary-minded workers), or in every stratum where it names none."""
    st, keys = run.final, run.scenario.org_keys
    host = keys.index(run.scenario.host)
    reach = run.scenario.reach_stratum
    in_reach = st.stratum == list(run.scenario.strata).index(reach) if reach else True
    from_host = st.origin == host
    return {
        "won_from_host": float(st.weight[from_host & st.faction].sum()),
        "kernel_won_from_host": float(st.weight[from_host & st.faction & st.kernel0].sum()),
        "host_kernel_in_reach_start": float(st.weight[from_host & st.kernel0 & in_reach].sum()),
    }
