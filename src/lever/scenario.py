"""The scenario schema: one typed description of a field, validated at the edge.

A scenario names the organizations of a field, the strata its people come from, the press
organs they read, how their social network is woven, the dynamics' parameters, the group's
strategies and the uncertainties to weigh them across. Everything inside Lever receives a
validated :class:`Scenario` and trusts it.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
Positive = Annotated[float, Field(gt=0.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Point = tuple[Fraction, Fraction]

#: The key that stands for "no organization" in allocations, circulations and flow tables.
NONE = "none"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_shares(shares: dict[str, float], what: str) -> None:
    total = sum(shares.values())
    if not math.isclose(total, 1.0, abs_tol=1e-6):
        raise ValueError(f"{what} must sum to 1, got {total:g}")


class Stratum(_Strict):
    """A social stratum (the letter's point 2: workers and petty-bourgeois elements)."""

    receptivity: Fraction = Field(description="how far a person of this stratum moves when persuaded")
    sources: dict[str, str] = {}


class Disappointment(_Strict):
    """A spell of exogenous disappointment: members' satisfaction is pulled below their fit
    with the platform by ``level`` at ``start_week``, rising (or falling) linearly to
    ``end_level`` (default: ``level``) at ``end_week``."""

    start_week: NonNegative
    end_week: NonNegative
    level: Fraction
    end_level: Fraction | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Disappointment:
        if self.end_week < self.start_week:
            raise ValueError("end_week must not precede start_week")
        return self


class Population(_Strict):
    """People who share a starting place: an organization's members or the unorganized."""

    size: NonNegative = Field(description="persons")
    persons_per_agent: Positive = Field(description="persons one agent stands for")
    platform: Point = Field(description="(radicalism, independence) in [0,1]^2")
    spread: Fraction = Field(description="s.d. of members' opinions around the platform")
    strata: dict[str, Fraction] = Field(description="share of each stratum; sums to 1")
    revolutionary: dict[str, Fraction] = Field(
        default={}, description="share of each stratum that is revolutionary-minded at the start"
    )
    committed: Fraction = Field(0.0, description="share who are a committed core (never move)")
    sources: dict[str, str] = {}

    @model_validator(mode="after")
    def _strata_sum(self) -> Population:
        _check_shares(self.strata, "strata")
        return self


class Organization(Population):
    """An organization of the field."""

    name: str
    homogeneity: Fraction = Field(description="apparatus homogeneity h: 0 loose, 1 monolithic")
    attraction: Positive = Field(1.0, description="multiplier on its pull on those choosing a home")
    tolerance: Positive = Field(0.5, description="opinion distance at which a member's fit is 0")
    branch_size: Positive = Field(30.0, description="persons per branch")
    disappointment: list[Disappointment] = []


class Organ(_Strict):
    """A press organ: it carries its owner's platform to a share of each organization's members."""

    name: str
    owner: str
    circulation: dict[str, Fraction] = Field(
        description="share of each organization's members (or 'none') who read it"
    )
    openness: Fraction = Field(0.0, description="share of its space open to currents of its host")
    sources: dict[str, str] = {}


class Network(_Strict):
    """How the static social layer is woven; branch ties come from membership, each step."""

    workplace_size: Annotated[int, Field(ge=2)] = 20
    workplace_ties: Annotated[int, Field(ge=0)] = 6
    random_ties: Annotated[int, Field(ge=0)] = 2
    branch_talk: Fraction = Field(0.5, description="chance a member's conversation is in the branch")
    edges: str | None = Field(None, description="optional edge-list file replacing the social layer")


class Dynamics(_Strict):
    """Parameters of the six mechanisms. Rates and chances are per step (``step_weeks``
    long: one week in britain-1933); change them with the step length."""

    confidence: Positive = Field(0.25, description="bounded-confidence radius in opinion space")
    convergence: Annotated[float, Field(gt=0.0, le=0.5)] = 0.05
    trust_inside: Fraction = 0.9
    trust_outside: Fraction = 0.4
    trust_rival: Fraction = Field(0.1, description="trust toward the group speaking from outside")
    trust_expelled: Fraction = 0.02
    committed_talk: NonNegative = Field(2.0, description="extra conversations a committed person starts")
    press_strength: Fraction = Field(0.05, description="chance per step a reader reads an issue, scaled by circulation")
    satisfaction_rate: Fraction = 0.1
    settled_weeks: Annotated[float, Field(ge=0.0, le=520.0)] = Field(
        26.0,
        description="weeks before week 0 that an organization's members have stayed at their"
        " present opinion: a member the leaving rule would have removed in that time (at"
        " satisfaction = fit, before any crisis) is replaced by another drawn alike; 0 keeps"
        " the plain draw",
    )
    leave_steepness: Annotated[float, Field(ge=1.0)] = Field(
        6.0, description="chance per step of leaving is (1 - satisfaction) ** leave_steepness"
    )
    gravity: NonNegative = Field(1.0, description="alpha: weight of a destination's size^alpha")
    closeness: NonNegative = Field(6.0, description="beta: weight exp(-beta * distance to platform)")
    ties_weight: NonNegative = Field(1.0, description="gamma: weight per tie to a destination's members")
    stay_unorganized: Fraction = Field(0.5, description="share of leavers who join nothing")
    join_rate: Fraction = Field(0.002, description="chance per step an unorganized person joins one")
    recruit_contacts: NonNegative = Field(2.0, description="contacts a cadre member makes per step")
    recruit_radius: Positive = Field(0.45, description="how near the group's line a recruit must be")
    recruit_prob: Fraction = 0.2
    training_weeks: NonNegative = 26.0
    platform_drift: Fraction = Field(0.02, description="pull per step of a loose platform to its members")
    bloc_weight: Positive = Field(3.0, description="weight of a disciplined faction's votes")
    detection: Fraction = Field(0.1, description="chance per step an h=1 apparatus spots a visible current")
    organ_cost: Fraction = Field(0.3, description="share of cadre effort an own organ takes")
    revolutionary_threshold: Fraction = 0.65
    independence_threshold: Fraction = 0.6
    sources: dict[str, str] = {}


class Strategy(_Strict):
    """The group's levers (MODEL.md §5)."""

    description: str = ""
    allocation: dict[str, Fraction] = Field(
        description="share of the group's people (cadre and recruits) sent into each organization"
        " at entry; the group's own key is the share that stays outside"
    )
    form: Literal["faction", "individuals"] = "faction"
    declaration: bool = True
    press: Literal["own", "host", "both", "none"] = Field(
        "own",
        description="own: keep the group's paper; host: give it up and write in the host's"
        " press; both; none: no paper and no writing",
    )
    speak: bool = Field(True, description="the group's people talk others round (false: silent)")
    recruit: bool = Field(True, description="the group's cadre recruit (false: they do not)")
    entry_week: NonNegative = 0.0
    conviction: Fraction = 1.0

    @model_validator(mode="after")
    def _allocation_sum(self) -> Strategy:
        _check_shares(self.allocation, "allocation")
        return self


class Uncertainty(_Strict):
    """A quantity nobody knows for sure: a dotted path into the scenario and its range."""

    path: str
    low: float
    high: float
    label: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Uncertainty:
        if self.high < self.low:
            raise ValueError("high must not be below low")
        return self


class Scenario(_Strict):
    """A whole field: what Lever simulates."""

    name: str
    title: str = ""
    description: str = ""
    start: str = Field("", description="calendar date of week 0, for labels")
    step_weeks: Positive = 1.0
    horizon_weeks: Positive = 104.0
    group: str = Field(description="key of the group's own organization")
    rival: str = Field(description="key of the rival that catches the disappointed")
    host: str = Field(description="key of the organization whose kernel is at stake")
    default_strategy: str
    strata: dict[str, Stratum]
    organizations: dict[str, Organization]
    unorganized: Population
    organs: dict[str, Organ] = {}
    network: Network = Network()
    dynamics: Dynamics = Dynamics()
    strategies: dict[str, Strategy]
    uncertainties: list[Uncertainty] = []
    sources: dict[str, str] = {}

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        orgs = set(self.organizations)
        if NONE in orgs:
            raise ValueError(f"'{NONE}' is reserved for the unorganized")
        for key, label in ((self.group, "group"), (self.rival, "rival"), (self.host, "host")):
            if key not in orgs:
                raise ValueError(f"{label} '{key}' is not an organization")
        for key, label in ((self.group, "group"), (self.rival, "rival"), (self.host, "host")):
            if self.organizations[key].persons_per_agent != 1.0:
                raise ValueError(
                    f"organizations.{key}.persons_per_agent: the {label} is counted person by "
                    "person (1), since the group acts there"
                )
        if self.default_strategy not in self.strategies:
            raise ValueError(f"default_strategy '{self.default_strategy}' is not a strategy")
        for pop_name, pop in self._populations():
            for field in ("strata", "revolutionary"):
                for stratum in getattr(pop, field):
                    if stratum not in self.strata:
                        raise ValueError(f"{pop_name}.{field}: unknown stratum '{stratum}'")
        for organ_name, organ in self.organs.items():
            if organ.owner not in orgs:
                raise ValueError(f"organs.{organ_name}.owner: unknown organization '{organ.owner}'")
            for key in organ.circulation:
                if key not in orgs and key != NONE:
                    raise ValueError(f"organs.{organ_name}.circulation: unknown organization '{key}'")
        for strat_name, strat in self.strategies.items():
            for key in strat.allocation:
                if key not in orgs:
                    raise ValueError(
                        f"strategies.{strat_name}.allocation: unknown organization '{key}'"
                    )
        return self

    def _populations(self) -> list[tuple[str, Population]]:
        pops: list[tuple[str, Population]] = [
            (f"organizations.{k}", v) for k, v in self.organizations.items()
        ]
        return [*pops, ("unorganized", self.unorganized)]

    @property
    def org_keys(self) -> list[str]:
        """Organization keys in index order; index ``len(org_keys)`` is the unorganized."""
        return list(self.organizations)

    @property
    def steps(self) -> int:
        return max(1, round(self.horizon_weeks / self.step_weeks))
