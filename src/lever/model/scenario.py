"""The scenario schema: one typed description of a field, validated at the edge.

A scenario names the organizations of a field, the strata its people come from, the press
organs they read, how their social network is woven, the dynamics' parameters, the group's
strategies and the uncertainties to weigh them across. Everything inside Lever receives a
validated :class:`Scenario` and trusts it.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Iterator
from types import UnionType
from typing import Annotated, Any, ClassVar, Literal, LiteralString, Union, cast, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

#: Every number in a scenario is finite; these caps keep a run within what one machine runs.
MAX_WEEKS = 5200.0  # a century of weeks
MAX_PERSONS = 1e10  # more than the world's population
#: Agents over all populations: 10^8 is the largest field benchmarked (BENCHMARKS.md), ~10 GB.
MAX_AGENTS = 100_000_000
#: organizations a field may have: the conversation reads trust from a table of (K + 1)^3 x 2
#: kinds of listener and speaker (lever.kernels.conversation), 16 MB at a hundred
MAX_ORGANIZATIONS = 100
MAX_STEPS = 100_000

Fraction = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Weeks = Annotated[float, Field(ge=0.0, le=MAX_WEEKS, allow_inf_nan=False)]
Persons = Annotated[float, Field(ge=0.0, le=MAX_PERSONS, allow_inf_nan=False)]
#: A distance in the opinion square [0,1]^2 (its diagonal is sqrt 2); a millionth is the least
#: the mechanisms divide by (a smaller one is zero for every purpose, and overflows a division).
MIN_DISTANCE = 1e-6
Distance = Annotated[float, Field(ge=MIN_DISTANCE, le=1.5, allow_inf_nan=False)]
Point = tuple[Fraction, Fraction]
#: A share strictly inside (0, 1): a threshold with people possible on both sides of it.
OpenFraction = Annotated[float, Field(gt=0.0, lt=1.0, allow_inf_nan=False)]

#: The key that stands for "no organization" in allocations, circulations and flow tables.
NONE = "none"


def describe(default: Any = ..., *, units: str, about: str, **constraints: Any) -> Any:
    """A field with its meaning (``about``) and its ``units``, shown by ``lever explain``
    and ``lever scenario show --explain``; ``constraints`` are pydantic's (``ge``, ``le``...)."""
    return Field(default, description=about, json_schema_extra={"units": units}, **constraints)


class RenamedFieldWarning(FutureWarning):
    """A field was given by a name it no longer has; the new name is used."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: old field name -> new name: the old one is still read, with a warning
    renamed: ClassVar[dict[str, str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _old_names(cls, data: Any) -> Any:
        if not cls.renamed or not isinstance(data, dict) or not set(data) & set(cls.renamed):
            return data
        data = dict(data)
        for old, new in cls.renamed.items():
            if old in data:
                if new in data:
                    raise rule_error("value_rule", f"'{old}' is the old name of '{new}': give only '{new}'",
                                     {"rule": "old_and_new_name", "old": old, "new": new})  # fmt: skip
                warnings.warn(
                    f"'{old}' is now called '{new}'; the old name still works", RenamedFieldWarning, stacklevel=2
                )
                data[new] = data.pop(old)
        return data


def _check_shares(shares: dict[str, float], what: str) -> None:
    total = sum(shares.values())
    if not math.isclose(total, 1.0, abs_tol=1e-6):
        raise rule_error("value_rule", f"{what} must sum to 1, got {total:g}",
                         {"rule": "shares_sum", "table": what, "total": total})  # fmt: skip


Sources = Annotated[
    dict[str, str],
    Field(description="where each number of this table comes from, keyed by field name: a citation of"
          " docs/references.bib as [@key] or [@key, locator], or 'assumption: <reason>'",
          json_schema_extra={"units": "text"}),
]  # fmt: skip


class Stratum(_Strict):
    """A social stratum: a kind of person the field distinguishes (britain-1933: workers and
    petty-bourgeois elements, the letter's point 2)."""

    receptivity: Fraction = describe(
        units="share, 0-1", about="how far a person of this stratum moves when persuaded, relative to"
        " a fully receptive person (1)")  # fmt: skip
    sources: Sources = {}


def _check_order(spell: Disappointment | Opening, rule: str) -> None:
    """A spell that ends before it starts is refused under ``rule``."""
    if spell.end_week < spell.start_week:
        raise rule_error("value_rule", "end_week must not precede start_week", {"rule": rule})


class Disappointment(_Strict):
    """A spell of exogenous disappointment: members' satisfaction is pulled below their fit
    with the platform by ``level`` at ``start_week``, rising (or falling) linearly to
    ``end_level`` (default: ``level``) at ``end_week``."""

    start_week: Weeks = describe(units="weeks from the start", about="when the spell begins")
    end_week: Weeks = describe(units="weeks from the start", about="when the spell ends")
    level: Fraction = describe(units="satisfaction, 0-1", about="how far satisfaction is pulled down at start_week")
    end_level: Fraction | None = describe(
        None, units="satisfaction, 0-1", about="how far it is pulled down at end_week (default: level)"
    )

    @model_validator(mode="after")
    def _ordered(self) -> Disappointment:
        _check_order(self, "crisis_order")
        return self


class Opening(_Strict):
    """A political opening this organization leads (political process: McAdam 1982; cycles of
    contention: Tarrow 1998): from ``start_week`` its pull on those choosing an organization
    rises linearly to ``pull`` times its attraction at ``end_week``, and it adds ``mobilisation
    - 1`` times the base rate to the unorganized's joining, joiners it recruits; both stay so
    after ``end_week`` (an opening, once open, stays open within a field's two or three years).
    Its ``elation`` lifts its members' satisfaction as a crisis pulls it down, ramped the same
    way: people stay in a movement they expect to succeed (Klandermans 1984), whatever its line."""

    start_week: Weeks = describe(units="weeks from the start", about="when the opening begins")
    end_week: Weeks = describe(units="weeks from the start", about="when it is fully open")
    pull: Annotated[float, Field(ge=1e-3, le=100.0, allow_inf_nan=False)] = describe(
        1.0, units="factor", about="the organization's attraction is multiplied by this once fully open (1: unchanged)"
    )
    mobilisation: Annotated[float, Field(ge=1.0, le=100.0, allow_inf_nan=False)] = describe(
        1.0,
        units="factor",
        about="the unorganized join this many times as often once it is fully open, those added joining"
        " it (1: unchanged; several openings add their joiners); under dynamics.member_recruitment the added"
        " are scaled by the leader's growth since the field's start",
    )
    elation: Fraction = describe(
        0.0,
        units="satisfaction, 0-1",
        about="how far its members' satisfaction is lifted above their fit once fully open, a crisis"
        " turned round: a movement that seems to win holds those it draws (0: not at all)",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Opening:
        _check_order(self, "opening_order")
        return self


class Population(_Strict):
    """People who share a starting place: an organization's members or the unorganized."""

    renamed: ClassVar[dict[str, str]] = {"revolutionary": "kernel"}

    size: Persons = describe(units="persons", about="how many people start here")
    persons_per_agent: Annotated[float, Field(ge=1e-3, le=MAX_PERSONS, allow_inf_nan=False)] = describe(
        units="persons per agent", about="how many persons one simulated agent stands for (1: everyone counted)"
    )
    platform: Point = describe(
        units="two numbers, each 0-1", about="where its members' views start, one number per view (first"
        " view, second view; the views are named in [labels]): its line")  # fmt: skip
    spread: Fraction = describe(
        units="opinion distance", about="standard deviation of members' starting opinions around the platform"
    )
    strata: dict[str, Fraction] = describe(
        units="share per stratum, sums to 1", about="the share of each stratum among these people"
    )
    kernel: dict[str, Fraction] = describe(
        {}, units="share per stratum", about="share of each stratum whose first-axis opinion starts at or"
        " above dynamics.kernel_threshold (the kernel; britain-1933: the revolutionary-minded)")  # fmt: skip
    committed: Fraction = describe(
        0.0, units="share, 0-1", about="share who are a committed core: they hold the platform, resist"
        " persuasion, never leave and speak more often")  # fmt: skip
    sources: Sources = {}

    @model_validator(mode="after")
    def _strata_sum(self) -> Population:
        _check_shares(self.strata, "strata")
        return self

    @property
    def revolutionary(self) -> dict[str, float]:
        """The old name of :attr:`kernel`."""
        return self.kernel


class Organization(Population):
    """An organization of the field."""

    name: str = describe(units="text", about="its name, for tables and figures")
    homogeneity: Fraction = describe(
        units="0-1", about="how tightly it is run: 0 loose (it lets organized groups work inside it, and its line"
        " follows its members), 1 monolithic (it finds organized groups and expels them); the apparatus's"
        " homogeneity h of docs/ODD.md")  # fmt: skip
    attraction: Annotated[float, Field(ge=1e-6, le=1000.0, allow_inf_nan=False)] = describe(
        1.0, units="multiplier", about="multiplier on its pull on those choosing where to go"
    )
    tolerance: Distance = describe(
        0.5, units="opinion distance", about="distance from the platform at which a member's fit (and so"
        " satisfaction) falls to 0")  # fmt: skip
    branch_size: Annotated[float, Field(ge=1.0, le=MAX_PERSONS, allow_inf_nan=False)] = describe(
        30.0, units="persons", about="persons per local branch, where members meet and talk"
    )
    disappointment: list[Disappointment] = describe(
        [], units="list of spells", about="exogenous crises pulling members' satisfaction down"
    )
    opening: list[Opening] = describe(
        [], units="list of spells", about="political openings it leads, raising its pull and the unorganized's joining"
    )


class Organ(_Strict):
    """A press organ: it carries its owner's platform to a share of each organization's members."""

    name: str = describe(units="text", about="its title, for tables and figures")
    owner: str = describe(units="organization key", about="the organization whose line it carries")
    circulation: dict[str, Fraction] = describe(
        units="share per organization", about="share of each organization's members (or 'none', the"
        " unorganized) who read it")  # fmt: skip
    openness: Fraction = describe(
        0.0, units="share, 0-1", about="share of its space open to currents inside its owner (the group"
        " writing in the host's press)")  # fmt: skip
    sources: Sources = {}


class Network(_Strict):
    """How the static social layer is woven; branch ties come from membership, each step."""

    workplace_size: Annotated[int, Field(ge=2, le=1_000_000)] = describe(
        20, units="agents", about="agents per workplace, among whom workplace ties are drawn"
    )
    workplace_ties: Annotated[int, Field(ge=0, le=100)] = describe(
        6, units="ties per agent", about="ties each agent draws to random colleagues"
    )
    random_ties: Annotated[int, Field(ge=0, le=100)] = describe(
        2, units="ties per agent", about="ties each agent draws to anyone in the field"
    )
    branch_talk: Fraction = describe(
        0.5, units="chance, 0-1", about="chance a member's conversation is with a branch mate rather than"
        " a social tie")  # fmt: skip
    branch_sorting: Fraction = describe(
        0.0, units="0-1", about="how far an organization's branches differ in views: 0 members dealt to"
        " branches at random, 1 sorted by the first view, the most radical together")  # fmt: skip
    edges: str | None = describe(
        None, units="file path", about="an edge list (two integer agent ids per line, beside the scenario)"
        " replacing the woven social layer; it must name every agent 0..N-1 (lever.model.network.agent_ids)")  # fmt: skip
    sources: Sources = {}


_PER_STEP = "chance per step"


class Dynamics(_Strict):
    """Parameters of the six mechanisms. Rates and chances are per step (``step_weeks``
    long: one week in britain-1933); change them with the step length."""

    renamed: ClassVar[dict[str, str]] = {
        "trust_rival": "trust_group_outside",
        "revolutionary_threshold": "kernel_threshold",
        "independence_threshold": "line_threshold",
    }

    confidence: Distance = describe(
        0.25, units="opinion distance", about="bounded confidence: people further apart than this do not"
        " move each other")  # fmt: skip
    convergence: Annotated[float, Field(gt=0.0, le=0.5, allow_inf_nan=False)] = describe(
        0.05, units="share of the gap, 0-0.5", about="how far a persuaded listener moves toward the speaker"
    )
    trust_inside: Fraction = describe(
        0.9, units="0-1", about="trust between members of one organization (britain-1933: 'fellow workers')"
    )
    trust_outside: Fraction = describe(
        0.4, units="0-1", about="trust toward a speaker from another organization or none"
    )
    trust_group_outside: Fraction = describe(
        0.1, units="0-1", about="trust a member of any organization feels toward the group's people"
        " speaking from the group's own organization, from outside (not trust toward the rival,"
        " whose members get trust_outside); formerly trust_rival")  # fmt: skip
    trust_expelled: Fraction = describe(
        0.02, units="0-1", about="trust a member feels toward someone their organization expelled"
    )
    committed_talk: Annotated[float, Field(ge=0.0, le=10.0, allow_inf_nan=False)] = describe(
        2.0, units="conversations per step", about="extra conversations a committed person starts each step"
    )
    press_strength: Fraction = describe(
        0.05, units=_PER_STEP, about="chance per step a reader reads an issue, times the organ's circulation"
    )
    satisfaction_rate: Fraction = describe(
        0.1, units="share of the gap per step", about="how fast satisfaction follows fit with the platform"
    )
    settled_weeks: Annotated[float, Field(ge=0.0, le=520.0, allow_inf_nan=False)] = describe(
        26.0, units="weeks", about="weeks before week 0 that members have stayed at their present"
        " opinion: at the start, a member who would be more content in another organization, or whom"
        " the leaving rule would have removed in that time (satisfaction = fit, before any crisis),"
        " is replaced by another drawn alike; 0 keeps the plain draw")  # fmt: skip
    leave_steepness: Annotated[float, Field(ge=1.0, le=100.0, allow_inf_nan=False)] = describe(
        6.0, units="exponent", about="chance per step of leaving is (1 - satisfaction) ** leave_steepness"
    )
    gravity: Annotated[float, Field(ge=0.0, le=5.0, allow_inf_nan=False)] = describe(
        1.0, units="exponent", about="alpha: a destination weighs its size ** alpha (the big draw the disappointed)"
    )
    closeness: Annotated[float, Field(ge=0.0, le=100.0, allow_inf_nan=False)] = describe(
        6.0, units="per opinion distance", about="beta: a destination weighs exp(-beta * distance to its platform)"
    )
    ties_weight: Annotated[float, Field(ge=0.0, le=100.0, allow_inf_nan=False)] = describe(
        1.0, units="per tie", about="gamma: a destination weighs 1 + gamma * ties to its members"
    )
    stay_unorganized: Fraction = describe(0.5, units="share, 0-1", about="share of leavers who join nothing")
    join_rate: Fraction = describe(
        0.002, units=_PER_STEP, about="chance per step an unorganized person joins an organization"
    )
    recruit_contacts: Annotated[float, Field(ge=0.0, le=100.0, allow_inf_nan=False)] = describe(
        2.0, units="contacts per step", about="people each cadre member of the group approaches per step"
    )
    recruit_radius: Distance = describe(
        0.25,
        units="opinion distance",
        about="how near the group's line a person must be to be recruited;"
        " never more than the confidence bound (one who would not listen cannot be won)",
    )
    recruit_prob: Fraction = describe(
        0.2, units="chance per contact", about="chance a contact within the radius joins, times trust and receptivity"
    )
    training_weeks: Weeks = describe(26.0, units="weeks", about="time a recruit needs to become cadre")
    platform_drift: Fraction = describe(
        0.02, units="share of the gap per step", about="pull per step of a loose organization's platform"
        " toward its members' mean (scaled by 1 - homogeneity)")  # fmt: skip
    bloc_weight: Annotated[float, Field(ge=1e-6, le=100.0, allow_inf_nan=False)] = describe(
        3.0,
        units="votes per member",
        about="weight of a disciplined faction's members in the drift of its host's platform",
    )
    detection: Fraction = describe(
        0.1, units=_PER_STEP, about="chance per step a fully homogeneous apparatus (h=1) spots a visible current"
    )
    organ_cost: Fraction = describe(
        0.3, units="share of effort, 0-1", about="share of cadre recruiting effort an own organ takes"
    )
    capitulation: Fraction = describe(
        0.0, units=_PER_STEP, about="hazard per step that a cadre member inside another organization gives"
        " up the group's views for its platform, at homogeneity 1, at the largest distance between the"
        " group's line and the platform, after assimilation_weeks inside; it scales with h, that"
        " distance and the time inside (0: no one capitulates)")  # fmt: skip
    assimilation_weeks: Annotated[float, Field(ge=1e-3, le=520.0, allow_inf_nan=False)] = describe(
        52.0, units="weeks", about="time inside over which the capitulation hazard rises to its full value"
    )
    gag: Fraction = describe(
        0.0, units="0-1", about="how far a homogeneous apparatus gags an organized current before any"
        " expulsion: a cadre member inside recruits with chance times 1 - gag * h * visibility (0: no gag)")  # fmt: skip
    branding: Fraction = describe(
        0.0, units="0-1", about="how far the brand of splitters reaches beyond the expelling party: the"
        " rival's members, and readers of the expelling party's press (by its circulation among them),"
        " trust the expelled as trust_expelled with this weight (0: only the expelling party's members do)")  # fmt: skip
    demoralisation: Fraction = describe(
        0.0, units="chance per expulsion", about="chance an expelled cadre member is demoralised and leaves"
        " politics (0: none)")  # fmt: skip
    rebuild_weeks: Annotated[float, Field(ge=0.0, le=520.0, allow_inf_nan=False)] | None = describe(
        None, units="weeks, or unset", about="after an expulsion, a group that gave up its paper on entry"
        " has it back after this many weeks, and its expelled cadre's recruiting contacts come back over"
        " them from none; unset: the paper never comes back and contacts are back at once (the engine"
        " before these losses were modelled)")  # fmt: skip
    split_share: Fraction = describe(
        0.0, units="share, 0-1", about="chance a member not convinced of the step (a strategy's conviction)"
        " breaks away from the group at entry instead of following it (0: the unconvinced follow, and do"
        " not recruit)")  # fmt: skip
    declaration_trust: Annotated[float, Field(ge=-1.0, le=1.0, allow_inf_nan=False)] = describe(
        0.0, units="relative change, -1 to 1", about="prestige of a public declaration with the host's"
        " members: their trust toward the declared group's people inside is multiplied by 1 + this"
        " (at most 1); negative where a declaration costs prestige, 0: neither")  # fmt: skip
    relative_agreement: Fraction = describe(
        0.0, units="weight, 0-1", about="weight of relative agreement (Deffuant, Amblard, Weisbuch & Faure 2002)"
        " in conversation: a speaker of uncertainty u moves a listener by mu x (h / u - 1) when their"
        " segments overlap by h > u, and makes the listener as confident as itself by the same share; the"
        " step is (1 - this) x the bounded-confidence step + this x that one (0: bounded confidence only,"
        " the engine before issue 23; 1: relative agreement only)")  # fmt: skip
    uncertainty: Distance = describe(
        0.25, units="opinion distance", about="uncertainty of an uncommitted, content person (read only under"
        " relative_agreement > 0): under relative agreement a confident speaker moves a listener up to about"
        " the listener's uncertainty away; as large as confidence, two such persons reach each other as"
        " under bounded confidence")  # fmt: skip
    uncertainty_committed: Distance = describe(
        0.05, units="opinion distance", about="uncertainty of the committed (the group's cadre, the rival's"
        " core): the confident, whom relative agreement makes persuasive")  # fmt: skip
    strain_uncertainty: Annotated[float, Field(ge=0.0, le=10.0, allow_inf_nan=False)] = describe(
        0.0, units="relative rise at satisfaction 0", about="strain opens people (Lofland & Stark 1965): each"
        " step an uncommitted person's uncertainty is at least uncertainty x (1 + this x (1 - satisfaction)),"
        " so a crisis opens members to every confident voice (0: no rise)")  # fmt: skip
    anchoring: Fraction = describe(
        0.0, units="share of the gap per step", about="pull per step of an uncommitted person's opinion back"
        " toward the one it held at week 0, after the week's conversations (Friedkin & Johnsen 1999:"
        " susceptibility 1 - this); currents then persist instead of melting to the mean (0: no anchor)")  # fmt: skip
    recruit_by_agreement: bool = describe(
        False, units="switch", about="recruiting follows conversion (issue 23): a contact is within reach when"
        " the overlap rule of relative agreement lets the recruiter's confidence move it from where it stands"
        " (about the contact's own uncertainty from the line, for a confident recruiter), as well as within"
        " min(recruit_radius, confidence) (false: that radius only, the engine before issue 23)")  # fmt: skip
    targeting: Annotated[float, Field(ge=0.0, le=100.0, allow_inf_nan=False)] = describe(
        0.0, units="per opinion distance", about="cadre seek out the sympathetic (Snow, Zurcher & Ekland-Olson"
        " 1980): a contact is one of four acquaintances drawn, chosen with weight exp(-this x distance to the"
        " line), and a cadre member outside meets strangers at public activity as acquaintances (0: one"
        " acquaintance drawn uniformly, the engine before issue 23)")  # fmt: skip
    exit_ties: Annotated[float, Field(ge=0.0, le=10.0, allow_inf_nan=False)] = describe(
        0.0, units="relative change per share of ties", about="ties inside keep members and ties outside pull"
        " them (McPherson, Popielarz & Drobnic 1992): the leaving chance is times exp(this x (share of social"
        " ties outside the organization - share inside)); the group's people count ties to the group as"
        " inside (0: ties do not weigh)")  # fmt: skip
    exit_cascade: Annotated[float, Field(ge=0.0, le=100.0, allow_inf_nan=False)] = describe(
        0.0, units="relative rise per share of ties", about="exits spread along ties (Granovetter 1978): the"
        " leaving chance is times 1 + this x the share of a member's social ties who left the same"
        " organization within cascade_weeks (0: exits are independent)")  # fmt: skip
    cascade_weeks: Annotated[float, Field(gt=0.0, le=520.0, allow_inf_nan=False)] = describe(
        8.0, units="weeks", about="how recently a tie must have left to count in exit_cascade"
    )
    nearer_gravity: Annotated[float, Field(ge=0.0, le=5.0, allow_inf_nan=False)] | None = describe(
        None, units="exponent, or unset", about="a leaver goes somewhere nearer its views, or nowhere (issue 23):"
        " only organizations whose platform lies nearer its opinion than the one it left are destinations,"
        " weighed by size ** this instead of size ** gravity, so that size weighs among them without"
        " swamping them; with none nearer it joins none (unset: the gravity rule over every organization)")  # fmt: skip
    encapsulation: Fraction = describe(
        0.0, units="share of talks", about="recruits are bound by intensive interaction (Greil & Rudy 1984;"
        " McAdam 1986): a recruit in training talks with one of the group's cadre in this share of its"
        " conversations, instead of a partner drawn from its branch or ties (0: recruits talk like anyone)")  # fmt: skip
    homophily: Annotated[float, Field(ge=0.0, le=100.0, allow_inf_nan=False)] = describe(
        0.0, units="per opinion distance", about="people talk most with those like them (McPherson, Smith-Lovin &"
        " Cook 2001): each conversation partner is the nearer of two drawn with chance 1 - exp(-this x their"
        " difference in distance) (0: the partner drawn first, the engine before issue 23)")  # fmt: skip
    member_recruitment: Fraction = describe(
        0.0, units="share, 0-1", about="an opening's campaign recruits through its leader's members (Snow,"
        " Zurcher & Ekland-Olson 1980; McAdam 1986): the joiners an opening adds are times 1 - this"
        " + this x the leader's members now over its size at the field's start, so a growing party recruits more"
        " (0: a fixed share of the unorganized, whatever the leader's size)")  # fmt: skip
    kernel_threshold: OpenFraction = describe(
        0.65, units="first-axis opinion, 0-1", about="a person at or above it on the first axis counts in"
        " an organization's kernel (britain-1933: revolutionary-minded); formerly revolutionary_threshold")  # fmt: skip
    line_threshold: Fraction = describe(
        0.6, units="second-axis opinion, 0-1", about="a kernel member at or above it on the second axis"
        " holds the group's views (outcome 'won'); formerly independence_threshold")  # fmt: skip
    sources: Sources = {}

    @property
    def trust_rival(self) -> float:
        """The old name of :attr:`trust_group_outside`."""
        return self.trust_group_outside

    @property
    def revolutionary_threshold(self) -> float:
        """The old name of :attr:`kernel_threshold`."""
        return self.kernel_threshold

    @property
    def independence_threshold(self) -> float:
        """The old name of :attr:`line_threshold`."""
        return self.line_threshold


class Strategy(_Strict):
    """The group's levers: where its people go, in what form, saying what, reading what, when."""

    description: str = describe(
        "", units="text", about="what the strategy does, in words: shown in tables and figures in place of its key"
    )
    allocation: dict[str, Fraction] = describe(
        units="share per organization, sums to 1", about="share of the group's people (cadre and recruits)"
        " sent into each organization at entry; the group's own key is the share that stays outside")  # fmt: skip
    form: Literal["faction", "individuals"] = describe(
        "faction", units="faction | individuals", about="enter as a faction under common discipline (votes"
        " as a bloc, visible) or as individuals (less visible, no bloc)")  # fmt: skip
    declaration: bool = describe(
        True, units="true | false", about="declare publicly before entering (more visible to the apparatus)"
    )
    press: Literal["own", "host", "both", "none"] = describe(
        "own", units="own | host | both | none", about="keep the own organ, write in the host's press,"
        " both, or neither (an own organ costs dynamics.organ_cost of recruiting effort)")  # fmt: skip
    speak: bool = describe(
        True, units="true | false", about="the group's people talk others round (false: present but silent)"
    )
    recruit: bool = describe(True, units="true | false", about="the group's cadre recruit (false: they do not)")
    entry_week: Weeks = describe(0.0, units="weeks from the start", about="when the group enters")
    conviction: Fraction = describe(
        1.0,
        units="share, 0-1",
        about="share of the group's members convinced of the step; the unconvinced"
        " do not recruit, and may break away at entry (dynamics.split_share)",
    )
    sources: Sources = {}

    @model_validator(mode="after")
    def _allocation_sum(self) -> Strategy:
        _check_shares(self.allocation, "allocation")
        return self


class Uncertainty(_Strict):
    """A quantity nobody knows for sure: a dotted path into the scenario and its range."""

    path: str = describe(units="dotted path", about="the number it varies, e.g. dynamics.gravity")
    low: float = describe(units="the field's units", about="lowest value drawn", allow_inf_nan=False)
    high: float = describe(units="the field's units", about="highest value drawn", allow_inf_nan=False)
    label: str = describe("", units="text", about="what it is, in words, for tables and figures")

    @model_validator(mode="before")
    @classmethod
    def _old_path(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("path"), str):
            new = current_path(data["path"])
            if new != data["path"]:
                data = {**data, "path": new}
        return data

    @model_validator(mode="after")
    def _ordered(self) -> Uncertainty:
        if self.high < self.low:
            raise rule_error("value_rule", "high must not be below low", {"rule": "range_order"})
        return self


class Axis(_Strict):
    """One axis of the opinion space, named by the field."""

    name: str = describe(units="text", about="what the axis measures")
    low: str = describe(units="text", about="what an opinion of 0 means")
    high: str = describe(units="text", about="what an opinion of 1 means")


class Labels(_Strict):
    """The field's own words for the model's neutral terms, used in tables and figures."""

    axes: tuple[Axis, Axis] = describe(
        (Axis(name="first axis", low="0", high="1"), Axis(name="second axis", low="0", high="1")),
        units="two axes",
        about="the two opinion axes, each with a name and the meaning of its ends",
    )
    kernel: str = describe("kernel", units="text", about="what people past dynamics.kernel_threshold are called")
    won: str = describe("holding the group's views", units="text", about="what people past both thresholds are called")


class Scenario(_Strict):
    """A whole field: what Lever simulates."""

    name: str = describe(units="text", about="short name, used for output folders")
    title: str = describe("", units="text", about="a title for reports")
    description: str = describe("", units="text", about="what the field is, in a sentence")
    start: str = describe("", units="date", about="calendar date of week 0, for labels")
    step_weeks: Annotated[float, Field(ge=1 / 7, le=52.0, allow_inf_nan=False)] = describe(
        1.0, units="weeks", about="length of one step; rates and chances in [dynamics] are per step"
    )
    horizon_weeks: Annotated[float, Field(gt=0.0, le=MAX_WEEKS, allow_inf_nan=False)] = describe(
        104.0, units="weeks", about="how long a run lasts"
    )
    group: str = describe(
        units="organization key", about="role: the small committed group whose strategies are weighed"
    )
    host: str = describe(
        units="organization key",
        about="role: the larger, looser organization the group may enter, whose kernel is at stake",
    )
    rival: str | None = describe(
        None, units="organization key", about="role: the rival that catches the disappointed if the group"
        " does not (britain-1933: the Communist Party); optional, some theses need it")  # fmt: skip
    reach_stratum: str | None = describe(
        None, units="stratum key", about="the stratum the group most seeks to win (britain-1933: workers);"
        " the host's kernel in it is counted at the start; absent: every stratum")  # fmt: skip
    milestones: tuple[Persons, Persons] | None = describe(
        None, units="persons", about="two sizes of the group whose first week reached is reported"
        " (weeks_to_first, weeks_to_second); absent: 25 and 250 times the group's starting size")  # fmt: skip
    default_strategy: str = describe(units="strategy key", about="the strategy `lever run` uses unless told")
    labels: Labels = describe(Labels(), units="table", about="the field's own words for the opinion axes and outcomes")
    strata: dict[str, Stratum] = describe(
        units="table per stratum", about="the kinds of person the field distinguishes"
    )
    organizations: dict[str, Organization] = describe(
        units="table per organization", about="the organizations of the field, keyed"
    )
    unorganized: Population = describe(units="table", about="the people in no organization, who may join one")
    organs: dict[str, Organ] = describe({}, units="table per organ", about="press organs and who reads them")
    network: Network = describe(Network(), units="table", about="how the social ties are woven")
    dynamics: Dynamics = describe(Dynamics(), units="table", about="the mechanisms' parameters")
    strategies: dict[str, Strategy] = describe(units="table per strategy", about="the group's strategies to weigh")
    uncertainties: list[Uncertainty] = describe(
        [], units="list", about="what nobody knows for sure: ranges that `lever weigh` samples"
    )
    sources: Sources = {}

    @property
    def roles(self) -> dict[str, str]:
        """The roles the field declares: ``{"group": key, "host": key, "rival": key}``."""
        roles = {"group": self.group, "host": self.host, "rival": self.rival}
        return {k: v for k, v in roles.items() if v is not None}

    @property
    def milestone_sizes(self) -> tuple[float, float]:
        """The two group sizes whose first crossing is reported (see ``milestones``)."""
        if self.milestones:
            return self.milestones
        founders = self.organizations[self.group].size
        return (25.0 * founders, 250.0 * founders)

    @model_validator(mode="wrap")
    @classmethod
    def _every_problem(cls, data: Any, handler: Any) -> Scenario:
        """Report every problem of a field at once: the fields' own errors, and the rules
        across fields (checked, where some fields are wrong, on what can be read of the rest)."""
        try:
            scenario = handler(data)
        except ValidationError as err:
            # pydantic's own errors, kept as it reports them (read as plain dicts: the rules add theirs)
            found: list[Any] = [_kept(e) for e in err.errors()]
            if isinstance(data, dict):
                bad = [tuple(e["loc"]) for e in found]
                found += _problems(_Raw(data, cls, (), bad), data, skip=bad)
            raise ValidationError.from_exception_data(cls.__name__, found) from None
        if problems := _problems(scenario, data):
            raise ValidationError.from_exception_data(cls.__name__, problems)
        return scenario

    def _populations(self) -> list[tuple[str, Population]]:
        pops: list[tuple[str, Population]] = [(f"organizations.{k}", v) for k, v in self.organizations.items()]
        return [*pops, ("unorganized", self.unorganized)]

    @property
    def org_keys(self) -> list[str]:
        """Organization keys in index order; index ``len(org_keys)`` is the unorganized."""
        return list(self.organizations)

    @property
    def steps(self) -> int:
        return max(1, round(self.horizon_weeks / self.step_weeks))


#: The error types of Lever's own rules (a model's validator, a rule across fields): what each
#: found is in its context, under ``rule``.
RULE_ERRORS = ("value_rule", "cross_field")


def _kept(e: Any) -> dict[str, Any]:
    """One of pydantic's errors as it is raised again with the rules' own: a rule's error keeps
    its message and what it found."""
    kept = {k: v for k, v in e.items() if k in ("type", "loc", "input", "ctx")}
    if e["type"] in RULE_ERRORS:
        kept["type"] = rule_error(e["type"], e["msg"], e.get("ctx") or {})
        kept.pop("ctx", None)
    return kept


class _Unknown(Exception):
    """A value a rule across fields needs is missing or wrong: that rule is not checked."""


class _Raw:
    """Data that failed validation, read as the model it was meant to be, so that the rules
    across fields can still be checked on the rest: a field reads its given value (old names
    translated) or its default; one that is missing or wrong raises :class:`_Unknown`."""

    def __init__(self, data: Any, model: type[BaseModel], loc: tuple[Any, ...], bad: list[tuple[Any, ...]]) -> None:
        if not isinstance(data, dict):
            raise _Unknown
        self._data, self._model, self._loc, self._bad = data, model, loc, bad

    def __getattr__(self, name: str) -> Any:
        model = self._model
        if name not in model.model_fields:  # a property or a method of the model, on this data
            found = getattr(model, name)
            if isinstance(found, property):
                assert found.fget is not None  # every property of the schema has a getter
                return found.fget(self)
            return found.__get__(self)
        loc = (*self._loc, name)
        if any(b == loc[: len(b)] for b in self._bad):
            raise _Unknown
        old = [k for k, v in getattr(model, "renamed", {}).items() if v == name and k in self._data]
        info = model.model_fields[name]
        if name in self._data or old:
            value = self._data[name if name in self._data else old[0]]
        elif info.is_required():
            raise _Unknown
        else:
            return info.get_default(call_default_factory=True)
        inner = _inner(info.annotation)
        if get_origin(inner) is dict and isinstance(value, dict):
            entry = get_args(inner)[-1]
            if isinstance(entry, type) and issubclass(entry, BaseModel):
                return {k: _Lazy(v, entry, (*loc, k), self._bad) for k, v in value.items()}
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return _Raw(value, inner, loc, self._bad)
        if any(b[: len(loc)] == loc for b in self._bad):  # something inside it is wrong
            raise _Unknown
        return value


class _Lazy(_Raw):
    """An entry of a table of models: found wrong only when read."""

    def __init__(self, data: Any, model: type[BaseModel], loc: tuple[Any, ...], bad: list[tuple[Any, ...]]) -> None:
        self._data, self._model, self._loc, self._bad = data, model, loc, bad

    def __getattr__(self, name: str) -> Any:
        if not isinstance(self._data, dict):
            raise _Unknown
        return super().__getattr__(name)


@dataclasses.dataclass(frozen=True)
class Problem:
    """A problem a rule across fields found: where (``loc``, the field's path), the line
    ``lever check`` prints (``message``), and what the rule found (``rule``, its name, with
    its values in ``found``: the entry at fault, the value, the keys it could have been), so
    that a face can word it its own way."""

    loc: tuple[str, ...]
    message: str
    rule: str
    found: dict[str, Any] = dataclasses.field(default_factory=dict)

    def context(self) -> dict[str, Any]:
        return {"rule": self.rule, **self.found}


def _each(items: Any, check: Any) -> Iterator[Problem]:
    """The problems ``check(*item)`` finds in every item; an item it cannot read is skipped."""
    for item in items:
        try:
            yield from list(check(*item))
        except _Unknown:
            continue


def _unknown(loc: tuple[str, ...], message: str, table: str, given: str, keys: Any, entry: str | None = None,
             **found: Any) -> Problem:  # fmt: skip
    """A reference to a key ``table`` does not hold (``entry``: the key of a share table at fault)."""
    at = {"entry": entry} if entry is not None else {}
    return Problem(
        loc, message, "unknown_reference", {"table": table, "given": given, "keys": list(keys), **at, **found}
    )


def _names(s: Scenario) -> Iterator[Problem]:
    orgs = set(s.organizations)
    if NONE in orgs:
        yield Problem(("organizations", NONE), f"'{NONE}' is reserved for the unorganized", "reserved_key")
    yield from _each(s.roles.items(), lambda label, key: [] if key in orgs else
                     [_unknown((label,), f"{label} '{key}' is not an organization", "organizations", key,
                               s.organizations)])  # fmt: skip


def _reach(s: Scenario) -> Iterator[Problem]:
    if s.reach_stratum is not None and s.reach_stratum not in s.strata:
        yield _unknown(("reach_stratum",), f"reach_stratum '{s.reach_stratum}' is not a stratum", "strata",
                       s.reach_stratum, s.strata)  # fmt: skip


def _horizon(s: Scenario) -> Iterator[Problem]:
    if s.horizon_weeks / s.step_weeks > MAX_STEPS:
        yield Problem(("horizon_weeks",), f"horizon_weeks / step_weeks gives more than {MAX_STEPS:,} steps",
                      "too_many_steps", {"most": MAX_STEPS})  # fmt: skip


def _agents(s: Scenario) -> Iterator[Problem]:
    agents = sum(p.size / p.persons_per_agent for _, p in s._populations())  # noqa: SLF001
    if agents > MAX_AGENTS:
        yield Problem((), f"{agents:,.0f} agents is more than {MAX_AGENTS:,} (raise persons_per_agent, or --scale)",
                      "too_many_agents", {"agents": round(agents), "most": MAX_AGENTS})  # fmt: skip


def _organizations(s: Scenario) -> Iterator[Problem]:
    if len(s.organizations) > MAX_ORGANIZATIONS:
        yield Problem(("organizations",), f"{len(s.organizations)} organizations is more than {MAX_ORGANIZATIONS}",
                      "too_many_organizations", {"given": len(s.organizations), "most": MAX_ORGANIZATIONS})  # fmt: skip


def _person_by_person(s: Scenario) -> Iterator[Problem]:
    def check(label: str, key: str) -> list[Problem]:
        if key in s.organizations and s.organizations[key].persons_per_agent != 1.0:
            return [Problem(("organizations", key, "persons_per_agent"),
                            f"the {label} is counted person by person (1), since the group acts there",
                            "person_by_person", {"role": label})]  # fmt: skip
        return []

    yield from _each(s.roles.items(), check)


def _group_opening(s: Scenario) -> Iterator[Problem]:
    """The group leads no opening: it wins persons through its cadre and their ties, and in the
    twin world it must do nothing (an opening would put the mobilised in it there too)."""
    if s.group in s.organizations and s.organizations[s.group].opening:
        yield Problem(("organizations", s.group, "opening"), "the group leads no opening: it recruits through its"
                      " cadre (give the opening to the organization whose campaign it is)", "group_opening",
                      {"given": s.group})  # fmt: skip


def _default_strategy(s: Scenario) -> Iterator[Problem]:
    if s.default_strategy not in s.strategies:
        yield _unknown(("default_strategy",), f"default_strategy '{s.default_strategy}' is not a strategy",
                       "strategies", s.default_strategy, s.strategies)  # fmt: skip


def _strata(s: Scenario) -> Iterator[Problem]:
    def check(pop_name: str, pop: Population) -> Iterator[Problem]:
        for table in ("strata", "kernel"):
            try:
                unknown = [k for k in getattr(pop, table) if k not in s.strata]
            except _Unknown:
                continue
            for stratum in unknown:
                yield _unknown((*pop_name.split("."), table), f"unknown stratum '{stratum}'", "strata", stratum,
                               s.strata, entry=stratum)  # fmt: skip

    yield from _each(s._populations(), check)  # noqa: SLF001


def _organs(s: Scenario) -> Iterator[Problem]:
    orgs = set(s.organizations)

    def check(name: str, organ: Organ) -> Iterator[Problem]:
        if organ.owner not in orgs:
            yield _unknown(("organs", name, "owner"), f"unknown organization '{organ.owner}'", "organizations",
                           organ.owner, s.organizations)  # fmt: skip
        for key in organ.circulation:
            if key not in orgs and key != NONE:
                yield _unknown(("organs", name, "circulation"), f"unknown organization '{key}'", "organizations",
                               key, s.organizations, entry=key, unorganized=True)  # fmt: skip

    yield from _each(s.organs.items(), check)


def _allocations(s: Scenario) -> Iterator[Problem]:
    orgs = set(s.organizations)
    yield from _each(s.strategies.items(), lambda name, strat: [
        _unknown(("strategies", name, "allocation"), f"unknown organization '{key}'", "organizations", key,
                 s.organizations, entry=key)
        for key in strat.allocation if key not in orgs])  # fmt: skip


#: The tables whose keys a dotted path names: a key must be a plain, non-empty word.
KEYED_TABLES = ("strata", "organizations", "organs", "strategies")


def _keys(s: Scenario) -> Iterator[Problem]:
    """Every key of a keyed table is non-empty and free of '.' (a dotted path must reach it)."""
    for table in KEYED_TABLES:
        for key in getattr(s, table):
            if not key.strip() or "." in key or key != key.strip():
                yield Problem((table,), f"key '{key}' must be a non-empty name without '.' or outer spaces",
                              "bad_key", {"given": key})  # fmt: skip


def _roles_distinct(s: Scenario) -> Iterator[Problem]:
    """The group, the host and the rival are three organizations, not one under two roles."""
    seen: dict[str, str] = {}
    for label, key in s.roles.items():
        if key in seen:
            yield Problem((label,), f"{label} and {seen[key]} both name '{key}': each role is its own organization",
                          "same_organization", {"role": label, "other": seen[key], "given": key})  # fmt: skip
        seen[key] = label


def _uncertainties_once(s: Scenario) -> Iterator[Problem]:
    """Each path is sampled once (a second range for it would silently win over the first)."""
    seen: set[str] = set()
    for k, u in enumerate(s.uncertainties):
        path = u.get("path") if isinstance(u, dict) else u.path  # raw data where some field was wrong
        if not isinstance(path, str):
            continue
        if path in seen:
            yield Problem(("uncertainties", str(k), "path"), f"'{path}' is already sampled by an earlier uncertainty",
                          "sampled_twice", {"given": path})  # fmt: skip
        seen.add(path)


#: The rules across fields, each run on its own so that every problem is found at once.
RULES = (_names, _keys, _roles_distinct, _uncertainties_once, _reach, _horizon, _agents, _organizations,
         _person_by_person, _group_opening, _default_strategy, _strata, _organs, _allocations)  # fmt: skip


def rule_error(error_type: str, message: str, context: dict[str, Any]) -> PydanticCustomError:
    """A problem of Lever's own rules as pydantic's error, carrying what the rule found in its
    context; the message is kept as given (a key holding braces is not a template)."""
    # a rule's message is made from the field's own values, not a literal
    kind, text = cast(LiteralString, error_type), cast(LiteralString, message)
    error = PydanticCustomError(kind, text, context)
    return error if error.message() == message else PydanticCustomError(kind, text)


def _problems(scenario: Any, data: Any, skip: list[tuple[Any, ...]] = ()) -> list[Any]:  # type: ignore[assignment]
    """Every problem the rules across fields find, as pydantic's errors; a rule that needs a
    value missing or wrong is skipped, and a problem where one was already found left out."""
    out: list[dict[str, Any]] = []
    for rule in RULES:
        try:
            found = list(rule(scenario))
        except _Unknown:
            continue
        out += [{"type": rule_error("cross_field", p.message, p.context()), "loc": p.loc, "input": data}
                for p in found if p.loc not in skip]  # fmt: skip
    return out


def _inner(annotation: Any) -> Any:
    """``X`` from ``X | None``."""
    args = [a for a in get_args(annotation) if a is not type(None)]
    return args[0] if get_origin(annotation) in (Union, UnionType) and len(args) == 1 else annotation


def walk(path: str) -> list[tuple[type[BaseModel], str, FieldInfo] | None]:
    """Each segment of a dotted path through the schema: ``(model, field name, field)`` where
    the segment names a field (old names translated), ``None`` where it is a key or an index
    (``organizations.ilp``: ``ilp``). Stops at the first segment the schema does not know."""
    out: list[tuple[type[BaseModel], str, FieldInfo] | None] = []
    node: Any = Scenario
    for seg in path.split("."):
        node = _inner(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            name = node.renamed.get(seg, seg) if issubclass(node, _Strict) else seg
            if name not in node.model_fields:
                break
            info = node.model_fields[name]
            out.append((node, name, info))
            node = info.annotation
        elif get_origin(node) in (dict, list, tuple):
            args = get_args(node)
            out.append(None)
            node = args[-1] if get_origin(node) is dict else args[0] if args else Any
        else:
            break
    return out


def current_path(path: str) -> str:
    """``path`` with old field names replaced by the new ones (warning once per name)."""
    parts = path.split(".")
    for i, step in enumerate(walk(path)):
        if step is not None and step[1] != parts[i]:
            warnings.warn(
                f"'{parts[i]}' is now called '{step[1]}'; the old name still works",
                RenamedFieldWarning, stacklevel=3,
            )  # fmt: skip
            parts[i] = step[1]
    return ".".join(parts)


def fields(model: type[BaseModel] = None) -> list[tuple[type[BaseModel], str, FieldInfo]]:  # type: ignore[assignment]
    """Every field of ``model`` (default: :class:`Scenario`) and of the models it holds."""
    out: list[tuple[type[BaseModel], str, FieldInfo]] = []
    seen: set[type] = set()
    todo: list[Any] = [model or Scenario]
    while todo:
        node = todo.pop()
        if isinstance(node, type) and issubclass(node, BaseModel):
            if node in seen:
                continue
            seen.add(node)
            for name, info in node.model_fields.items():
                out.append((node, name, info))
                todo.append(info.annotation)
        else:
            todo.extend(get_args(node))
    return out
