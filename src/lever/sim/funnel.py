"""The group's funnel, and conversion as distance moved toward a view (issue 23).

The funnel follows the group's recruiting from contact to member who stays (Snow, Zurcher &
Ekland-Olson 1980; Klandermans & Oegema 1987 count movements' mobilization in the same steps):
contacts made, contacts within reach of the line, recruited, retained, and the losses by cause.
The engine counts the first stages as it runs (``State.tally``: cheap, drawn on by nothing);
retention is read from who is still a member at the horizon. ``funnel_recruited`` counts
recruitments and ``funnel_joined`` persons: inside a host a recruit who drops the group stays
beside its cadre and may be won again, so there the first can exceed the second.

A *conversion* is a person whose distance to a view fell by at least :data:`CONVERSION_STEP`
from week 0 (its ``anchor``) to the horizon. Unlike ``won`` (a region that the group's reach
already lay inside), it sees a person moved toward the line from anywhere.
"""

from __future__ import annotations

import math

import numpy as np

from lever.model.state import State
from lever.sim.engine import Run

#: how far (opinion distance) a person must have moved toward a view to count as converted:
#: two fifths of the bound of confidence, more than a season of talk moves an unconvinced person
CONVERSION_STEP = 0.1

#: weeks a recruit must have stayed to count as retained (Greil & Rudy 1984 judge conversion
#: by who is still there half a year on; the group's training is 26 weeks too)
RETENTION_WEEKS = 26.0

#: the stages, in order, as (column, what it counts): the funnel table and figure read these
STAGES: tuple[tuple[str, str], ...] = (
    ("funnel_contacts", "contacts the group's cadre made"),
    ("funnel_in_reach", "contacts within reach of the line (not committed)"),
    ("funnel_recruited", "contacts recruited (recruitments: one won twice counts twice)"),
    ("funnel_joined", "persons who joined the group in the run (recruited, or by the gravity rule)"),
    ("funnel_retained", "of these, still members at the horizon"),
    ("funnel_trained", "recruits trained to cadre"),
)

#: the group's losses by cause, as (column, tally or series column, what it counts)
LOSSES: tuple[tuple[str, str, str], ...] = (
    ("lost_left", "group_left", "members who left the group of their own accord"),
    ("lost_expelled", "expelled", "persons expelled from a host"),
    ("lost_capitulated", "capitulated", "cadre who capitulated inside"),
    ("lost_demoralised", "demoralised", "expelled cadre who left politics"),
    ("lost_broke_away", "broke_away", "members who broke away at entry"),
)


#: Each stage and loss in a few plain words, for a figure's legend.
WORDS = {
    "funnel_contacts": "contacts made", "funnel_in_reach": "contacts within reach of its views",
    "funnel_recruited": "recruited", "funnel_joined": "joined", "funnel_retained": "still members at the end",
    "funnel_trained": "trained to recruit", "lost_left": "lost: left of their own accord", "lost_expelled": "lost: expelled",
    "lost_capitulated": "lost: gave up inside", "lost_demoralised": "lost: left politics after expulsion",
    "lost_broke_away": "lost: broke away at entry",
}  # fmt: skip


def moved_toward(st: State, target: np.ndarray, step: float = CONVERSION_STEP) -> np.ndarray:
    """Whether each person's distance to ``target`` (a point of the opinion plane) fell by at
    least ``step`` since week 0."""
    before = np.linalg.norm(st.anchor - target, axis=1)
    after = np.linalg.norm(st.opinion - target, axis=1)
    return before - after >= step


def converted_by_root(st: State, target: np.ndarray) -> np.ndarray:
    """Persons moved toward ``target`` (:func:`moved_toward`) per agent of step 0: the unit of
    person-by-person matching with the twin (persons split off an agent count with it)."""
    moved = moved_toward(st, target)
    return np.bincount(st.root[moved], weights=st.weight[moved], minlength=int(st.root.max()) + 1)


def gross_gain(mine: np.ndarray, theirs: np.ndarray) -> float:
    """Persons counted here but not in the twin, matched agent by agent (``by_root`` arrays);
    NaN against a twin of NaNs (a run without one: :func:`lever.sim.outcomes.no_twin`)."""
    if np.isnan(theirs).any():
        return math.nan
    size = max(mine.size, theirs.size)
    gap = np.pad(mine, (0, size - mine.size)) - np.pad(theirs, (0, size - theirs.size))
    return float(gap[gap > 0].sum())


def funnel(run: Run) -> dict[str, float]:
    """The funnel's stages (:data:`STAGES`), the losses by cause (:data:`LOSSES`), and the share
    of those who joined at least :data:`RETENTION_WEEKS` before the horizon still members at it
    (``funnel_retained_26w``; NaN when none joined that early)."""
    last = run.series.iloc[-1]
    st = run.final
    joined = st.faction_since >= 1  # faction_since is kept when a person leaves: who ever joined
    horizon = int(last["step"])
    early = joined & (st.faction_since <= horizon - round(RETENTION_WEEKS / run.scenario.step_weeks))
    early_persons = float(st.weight[early].sum())
    out = {
        "funnel_contacts": float(last["contacts"]),
        "funnel_in_reach": float(last["contacts_in_reach"]),
        "funnel_recruited": float(last["recruited"]),
        "funnel_joined": float(st.weight[joined].sum()),
        "funnel_retained": float(st.weight[joined & st.faction].sum()),
        "funnel_trained": float(last["trained"]),
        "funnel_retained_26w": float(st.weight[early & st.faction].sum()) / early_persons if early_persons else np.nan,
    }
    return out | {name: float(last[column]) for name, column, _ in LOSSES}
