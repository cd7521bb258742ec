"""The letter's eight theses as experiments declared as data, run by weigh on any field.

Each :class:`Thesis` names the roles it needs (``host``, ``rival``, ``reach_stratum``), the
changes it makes to the field, the strategies it compares, the factor it varies, and the
:class:`Comparison` that turns its runs into one paired difference ``D`` per world, positive
where the claim holds; :mod:`lever.analysis.verdict` decides. Paths and keys name organizations by role
(``organizations.{host}.size``, ``{"{host}": 1.0}``), filled in from the field's roles, so a
thesis runs on any field that declares the roles it needs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from lever.analysis.crossover import Crossover, crossover
from lever.analysis.prim import Discovery, discover
from lever.analysis.regions import BOX_PERMUTATIONS
from lever.analysis.tree import TreeView, tree_view
from lever.analysis.verdict import Verdict, decide
from lever.experiments.design import Design, Factor
from lever.experiments.runs import DesignResult, combine, run_design
from lever.model.loading import ScenarioError, with_values, without_uncertainties
from lever.model.scenario import Scenario
from lever.sim.outcomes import OUTCOMES

#: Proportional growth takes ln(1000/40) / ln(10000/1000) times as long for the first jump.
PROPORTIONAL_RATIO = math.log(25) / math.log(10)

Kind = Literal["strategies", "levels", "crossover", "growth"]


@dataclass(frozen=True)
class Comparison:
    """How runs become ``D``, one number per paired world (positive: the claim holds).

    ``strategies``: ``outcome[a] - outcome[b]`` at every level, worlds = (level, draw, rep).
    ``levels``: ``outcome[level a] - outcome[level b]`` under strategy ``a``.
    ``crossover``: ``a`` beats ``b`` at the first level and loses at the last (the smaller
    margin of the two), worlds = (draw, rep); the region rule is learned on ``a - b`` per level.
    ``growth``: weeks 40 -> 1,000 over weeks 1,000 -> 10,000 under ``a``, minus ln25/ln10.
    For ``strategies`` and ``levels``, ``tolerance`` is added to ``D`` (a claim of "costs
    nothing" allows a small loss) and ``outcome`` is taken with its sign (less is better for
    some); ``crossover`` adds the tolerance to the raw margins, ``growth`` has neither.
    """

    kind: Kind
    a: str
    b: str = ""
    outcome: str = "group_members"
    level_a: int = 0
    level_b: int = -1
    tolerance: float = 0.0


@dataclass(frozen=True)
class Thesis:
    """One claim of the letter and the experiment that tests it."""

    number: int
    title: str
    claim: str
    quote: str
    comparison: Comparison
    strategies: dict[str, dict[str, Any]]
    changes: dict[str, Any] = field(default_factory=dict)
    factor: Factor | None = None
    samples: int = 4
    key: str = ""
    #: roles the field must declare: ``group`` and ``host`` always; ``rival``, ``reach_stratum``
    roles: tuple[str, ...] = ("group", "host")
    #: its runs end at the group's last milestone (it reads only the weeks to the milestones)
    until_milestones: bool = False


ENTER = {"allocation": {"{host}": 1.0}, "form": "faction", "declaration": True, "press": "host"}
OUTSIDE = {"allocation": {"{group}": 1.0}, "press": "own"}


def _level(
    path: str, values: list[float], name: str, fmt: str = "{:g}", extra: Callable[[float], dict[str, Any]] | None = None
) -> Factor:
    levels = tuple({path: v, **(extra(v) if extra else {})} for v in values)
    return Factor(name, levels, tuple(fmt.format(v) for v in values), tuple(float(v) for v in values))


THESES: tuple[Thesis, ...] = (
    Thesis(
        1,
        "Relative leverage",
        "a small lever moves a small host more than a big one",
        "Your small lever is insufficient to move the Labour Party but can have a big effect on the ILP.",
        Comparison("levels", "enter", outcome="host_platform_shift", level_a=0, level_b=-1),
        {"enter": ENTER},
        # the host is held person by person (the group acts there): 100,000 is the largest
        # that runs in seconds; Labour's 371,600 is the field's giant beside it
        factor=_level("organizations.{host}.size", [1e3, 3e3, 1e4, 1e5], "host size", "{:,.0f}"),
        samples=12,
        key="the host's platform moved toward the group's line (against the twin): smallest host minus largest",
    ),
    Thesis(
        2,
        "Composition",
        "the host's worker share decides how many can be won",
        "Even if the workers make up only 10 percent, you will get one thousand revolutionary-minded workers.",
        Comparison("levels", "enter", outcome="newly_won", level_a=-1, level_b=0),
        {"enter": ENTER},
        factor=_level(
            "organizations.{host}.strata.{reach_stratum}", [0.05, 0.1, 0.2, 0.4], "host's {reach_stratum} share"
        ),
        samples=12,
        key="persons newly won to the group's views (against the twin): 40% {reach_stratum} minus 5%",
        roles=("group", "host", "reach_stratum"),
    ),
    Thesis(
        3,
        "Growth",
        "growing from 1,000 to 10,000 is easier than from 40 to 1,000",
        "The jump from a thousand to ten thousand is much easier than the jump from forty to one thousand.",
        Comparison("growth", "enter"),
        {"enter": ENTER},
        # growth to 10,000 needs a pool larger than the ILP of 1933: a loose host of 50,000
        # (held person by person) whose members all stand near the group's line, so the
        # shape of growth, not the pool, is measured; the milestones are 25 and 250 times
        # the founders (britain-1933: 1,000 and 10,000)
        changes={
            "horizon_weeks": 520.0,
            "milestones": None,
            "organizations.{host}.size": 50_000.0,
            "organizations.{host}.platform": [0.9, 0.95],
            "organizations.{host}.spread": 0.05,
            "organizations.{host}.homogeneity": 0.0,
            "organizations.{host}.disappointment": [],
            "dynamics.recruit_radius": 0.35,
            "dynamics.confidence": 0.35,
        },
        samples=4,
        key="(weeks to the first milestone) / (weeks from the first to the second) minus the proportional 1.40",
        # a run that reached the second milestone has its margin: the weeks after it change nothing
        until_milestones=True,
    ),
    Thesis(
        4,
        "Inside vs outside",
        "the host's disappointed come to the group only if it is inside",
        "If they grow disappointed with the ILP, they will go not to you but to the Stalinists.",
        Comparison("strategies", "enter", "outside", outcome="host_won"),
        {"enter": ENTER, "outside": OUTSIDE},
        samples=20,
        key="where the host's disappointed go: the host's members won to the group, inside minus outside",
        roles=("group", "host", "rival"),
    ),
    Thesis(
        5,
        "Homogeneity",
        "entry works in a loose party and is fatal in a homogeneous one",
        "In a formed, homogeneous party with a stable apparatus, entry would be not only useless but fatal.",
        Comparison("crossover", "enter", "outside", outcome="newly_won"),
        {"enter": ENTER, "outside": OUTSIDE},
        factor=_level("organizations.{host}.homogeneity", [0.0, 1 / 3, 2 / 3, 1.0], "host homogeneity h", "{:.2f}"),
        samples=6,
        key="smaller of (entry - outside at h=0) and (outside - entry at h=1), persons newly won",
    ),
    Thesis(
        6,
        "Press",
        "the host's press serves better than an organ of one's own",
        "Even if you give up your special organ you will be able to use to advantage the press of the ILP.",
        Comparison("strategies", "host_press", "own_organ", outcome="newly_won"),
        {"host_press": ENTER, "own_organ": ENTER | {"press": "own"}, "both": ENTER | {"press": "both"}},
        samples=16,
        key="persons newly won: host's press minus own organ",
    ),
    Thesis(
        7,
        "Allocation",
        "a cadre member does more in the host than in the rival (the letter: 'a few times')",
        "The useful effect of their work would be a few times greater in the ILP.",
        Comparison("levels", "split", outcome="newly_won", level_a=0, level_b=-1),
        {"split": ENTER | {"allocation": {"{host}": 0.5, "{rival}": 0.5}}},
        factor=_level(
            "strategies.split.allocation.{rival}", [0.0, 0.25, 0.5, 0.75, 1.0], "share of cadre in the rival"
        ),
        samples=12,
        key="persons newly won: all in the host minus all in the rival",
        roles=("group", "host", "rival"),
    ),
    Thesis(
        8,
        "Form and declaration",
        "faction or individuals is formal; a public declaration costs nothing",
        "In what sense could such a declaration lower the prestige of your group? This is not clear to me.",
        # persons are whole: +2.5 lets a loss of exactly 2 count as nothing
        Comparison("strategies", "declared", "undeclared", outcome="newly_won", tolerance=2.5),
        {
            "declared": ENTER,
            "undeclared": ENTER | {"declaration": False},
            "individuals": ENTER | {"form": "individuals"},
            "individuals_undeclared": ENTER | {"form": "individuals", "declaration": False},
        },
        samples=16,
        key="persons newly won: declared minus undeclared faction (a loss of up to 2 counts as nothing)",
    ),
)


ROLE_HELP = {
    "rival": 'a rival (rival = "<organization key>": where the disappointed go if not to the group)',
    "reach_stratum": 'a stratum to win (reach_stratum = "<stratum key>")',
}


def missing_roles(base: Scenario, thesis: Thesis) -> list[str]:
    """The roles ``thesis`` needs that ``base`` does not declare."""
    declared = {**base.roles, "reach_stratum": base.reach_stratum}
    return [r for r in thesis.roles if not declared.get(r)]


def needs(base: Scenario, thesis: Thesis) -> str | None:
    """One line saying what the field lacks for ``thesis``, or ``None`` if it has all."""
    missing = missing_roles(base, thesis)
    if not missing:
        return None
    what = " and ".join(ROLE_HELP.get(r, r) for r in missing)
    return f"thesis {thesis.number} ({thesis.title}) needs {what}; the field declares none"


def _fill(value: Any, roles: dict[str, str]) -> Any:
    """``value`` with ``{host}``, ``{rival}``... in its strings and keys filled from ``roles``."""
    if isinstance(value, str):
        return value.format_map(roles) if "{" in value else value
    if isinstance(value, dict):
        return {_fill(k, roles): _fill(v, roles) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_fill(v, roles) for v in value)
    return value


def role_names(base: Scenario) -> dict[str, str]:
    """What ``{host}``, ``{rival}``, ``{group}`` and ``{reach_stratum}`` stand for in ``base``."""
    return {**base.roles, **({"reach_stratum": base.reach_stratum} if base.reach_stratum else {})}


def factor_for(base: Scenario, thesis: Thesis) -> Factor | None:
    """The thesis's factor with its paths and name filled from the field's roles."""
    f = thesis.factor
    if f is None:
        return None
    roles = role_names(base)
    return Factor(_fill(f.name, roles), tuple(_fill(lv, roles) for lv in f.levels), f.labels, f.values)


def field_for(base: Scenario, thesis: Thesis) -> Scenario:
    """The thesis's field: ``base`` with its changes and its strategies (and only those), its
    paths filled from the field's roles. A field lacking a role the thesis needs is refused in
    one line naming the thesis and the role."""
    source = f"thesis {thesis.number}"
    if (lack := needs(base, thesis)) is not None:
        raise ScenarioError(base.name, "", lack)
    roles = role_names(base)
    strategies = {k: base.strategies[k].model_dump() if isinstance(v, str) else _fill(v, roles)
                  for k, v in thesis.strategies.items()}  # fmt: skip
    changes = _fill(thesis.changes, roles)
    values = {**changes, "strategies": strategies, "default_strategy": next(iter(strategies))}
    factor = factor_for(base, thesis)
    fixed = [*changes, *(factor.levels[0] if factor else {})]
    # a field's uncertainty about a strategy the thesis does not play (britain-1932's and
    # france-1934's historical conviction) has nothing left to vary
    fixed += [f"strategies.{k}" for k in base.strategies if k not in strategies]
    # an uncertainty the thesis sets on purpose is no longer uncertain there
    return without_uncertainties(with_values(base, values, source), fixed, source)


def design_for(base: Scenario, thesis: Thesis, replications: int, seed: int = 0) -> Design:
    """The weigh design of a thesis: its field, strategies, factor, samples, replications."""
    sc = field_for(base, thesis)
    return Design(sc, samples=thesis.samples, replications=replications, seed=seed, factor=factor_for(base, thesis),
                  until_milestones=thesis.until_milestones)  # fmt: skip


def _sign(outcome: str) -> float:
    return -1.0 if outcome in OUTCOMES and not OUTCOMES[outcome][1] else 1.0


def _wide(runs: pd.DataFrame, outcome: str, by: list[str]) -> pd.DataFrame:
    return runs.pivot_table(index=by, columns="strategy", values=outcome, dropna=False)


def growth_margin(runs: pd.DataFrame, horizon: float) -> np.ndarray:
    """(weeks 40 -> 1,000) / (weeks 1,000 -> 10,000) minus ln25/ln10, per run.

    A run that reached 1,000 but not 10,000 by the horizon is censored: its second jump took
    longer than the weeks left, so its ratio is at most ``first / (horizon - first)``. Where
    that bound already falls short of ln25/ln10 the claim fails in that run and the bound is
    its margin; otherwise the run cannot tell (NaN), nor can one that never reached 1,000.
    """
    first = runs["weeks_to_first"].to_numpy(float)
    second = (runs["weeks_to_second"] - runs["weeks_to_first"]).to_numpy(float)
    margin = first / np.where(second > 0, second, np.nan) - PROPORTIONAL_RATIO
    censored = ~np.isnan(first) & np.isnan(second)
    bound = first / np.maximum(horizon - first, 1e-9) - PROPORTIONAL_RATIO
    return np.where(censored, np.where(bound < 0, bound, np.nan), margin)


def differences(
    runs: pd.DataFrame, c: Comparison, params: list[str], horizon: float = math.inf
) -> tuple[np.ndarray, pd.DataFrame]:
    """``D`` per world and the world's parameters (for the region rule), indexed by the world's
    draw (replications of a draw are not independent worlds)."""
    sign = _sign(c.outcome)
    has_level = "level" in runs
    if c.kind == "growth":
        mine = runs[runs["strategy"] == c.a]
        return growth_margin(mine, horizon), _by_draw(mine[params], mine["draw"])
    if c.kind == "strategies":
        by = ["level", "draw", "replication"] if has_level else ["draw", "replication"]
        wide = _wide(runs, c.outcome, by)
        d = sign * (wide[c.a] - wide[c.b]) + c.tolerance
        feats = runs[runs["strategy"] == c.a].set_index(by)[params].loc[wide.index]
        return d.to_numpy(float), _by_draw(feats, wide.index.get_level_values("draw"))
    wide = _wide(runs[runs["strategy"] == c.a], c.outcome, ["draw", "replication", "level"])[c.a].unstack("level")
    feats = runs[(runs["strategy"] == c.a) & (runs["level"] == 0)].set_index(["draw", "replication"])
    feats = _by_draw(feats[[p for p in params if p != "factor"]].loc[wide.index], wide.index.get_level_values("draw"))
    if c.kind == "levels":
        cols = list(wide.columns)
        d = sign * (wide[cols[c.level_a]] - wide[cols[c.level_b]]) + c.tolerance
        return d.to_numpy(float), feats
    # crossover: both halves must hold in the world, so D is the smaller margin
    both = _wide(runs, c.outcome, ["draw", "replication", "level"])
    gap = (both[c.a] - both[c.b]).unstack("level")
    cols = list(gap.columns)
    # a Series: NumPy's ufuncs hand Series to pandas (its stubs say an array)
    d = cast(pd.Series, np.minimum(gap[cols[0]], -gap[cols[-1]])) + c.tolerance
    return d.to_numpy(float), feats


def _by_draw(feats: pd.DataFrame, draws) -> pd.DataFrame:  # noqa: ANN001
    return feats.set_axis(pd.Index(np.asarray(draws), name="draw"), axis=0)


def region(runs: pd.DataFrame, c: Comparison) -> tuple[np.ndarray, pd.DataFrame]:
    """For a crossover, ``a - b`` per (level, world) with the level as a feature: where ``a``
    wins. Other kinds use their own worlds."""
    wide = _wide(runs, c.outcome, ["level", "draw", "replication"])
    feats = runs[runs["strategy"] == c.a].set_index(["level", "draw", "replication"]).loc[wide.index]
    return (wide[c.a] - wide[c.b]).to_numpy(float), feats


@dataclass
class Outcome:
    """A thesis's result: its runs, its verdict, and the numbers its report shows."""

    thesis: Thesis
    result: DesignResult
    verdict: Verdict
    extras: dict[str, float]
    region_rule: str | None = None
    crossover: Crossover | None = None
    #: RBD-FAST indices of ``D`` over the thesis's own draws (empty with too few draws)
    indices: pd.DataFrame = field(default_factory=pd.DataFrame)
    drivers: list[str] = field(default_factory=list)
    #: PRIM's box for the worlds where the claim holds, checked over draws (a second view)
    box: Discovery | None = None
    #: a depth-2 classification tree for the same worlds (a third view)
    tree: TreeView | None = None
    #: the draws the thesis planned (its ``samples``); fewer ran where its first look decided it
    planned_draws: int = 0


def _labels(design: Design) -> dict[str, str]:
    labels = {u.path: u.label or u.path for u in design.scenario.uncertainties}
    if design.factor:
        labels["factor"] = design.factor.name
    return labels


def evaluate(thesis: Thesis, result: DesignResult) -> Outcome:
    """The verdict of ``thesis`` from its runs (a pure function of ``result.runs``)."""
    thesis = replace(thesis, key=_fill(thesis.key, role_names(result.design.scenario)))
    runs = result.runs
    params = [u.path for u in result.design.scenario.uncertainties if u.path in runs] + (
        ["factor"] if "factor" in runs else []
    )
    labels = _labels(result.design)
    d, feats = differences(runs, thesis.comparison, params, result.design.scenario.horizon_weeks)
    draws = feats.index.to_numpy()
    extras = _extras(thesis, runs) | _mechanism(thesis, result)
    indices, names = _sensitivity(d, feats, thesis)
    if thesis.comparison.kind == "crossover":  # the region is stated on the factor the thesis varies
        return replace(_crossover_outcome(thesis, result, decide(d, None, labels, draws), extras),
                       indices=indices, drivers=names)  # fmt: skip
    verdict = decide(d, feats.reset_index(drop=True), labels, draws)
    keep = np.isfinite(d)
    box = discover(feats[keep].reset_index(drop=True), d[keep] > 0, draws[keep], BOX_PERMUTATIONS)
    tree = tree_view(feats[keep].reset_index(drop=True), d[keep] > 0, draws[keep], labels, BOX_PERMUTATIONS)
    return Outcome(thesis, result, verdict, extras, verdict.rule, None, indices, names, box, tree)


def _sensitivity(d: np.ndarray, feats: pd.DataFrame, thesis: Thesis) -> tuple[pd.DataFrame, list[str]]:
    """RBD-FAST of ``D`` against the sampled uncertainties, and those that clear the floor."""
    from lever.analysis.sensitivity import draw_indices, drivers

    keep = np.isfinite(d)
    indices = draw_indices(feats[keep], pd.Series(d[keep], index=feats.index[keep]))
    if not len(indices):
        return indices, []
    tagged = indices.assign(target="difference", strategy=thesis.comparison.a, outcome=thesis.comparison.outcome)
    return indices, drivers(tagged)["parameter"].tolist()


def _crossover_outcome(thesis: Thesis, result: DesignResult, verdict: Verdict, extras: dict[str, float]) -> Outcome:
    """Supported or refuted on ``D`` (both halves in each world) as any claim; otherwise 'holds
    where factor < t' if the halves hold on each side of a threshold, each by its interval."""
    gap, f = region(result.runs, thesis.comparison)
    found = crossover(f["factor"].to_numpy(float), _sign(thesis.comparison.outcome) * gap,
                      f.index.get_level_values("draw").to_numpy())  # fmt: skip
    text = None
    if found is not None and found.holds and verdict.label == "undecided":
        assert result.design.factor is not None  # a crossover varies a factor
        text = f"{result.design.factor.name} < {found.threshold:.3g}"
        verdict = replace(verdict, label=f"holds where {text}: {thesis.comparison.a} wins below and loses above "
                          f"(held-out accuracy {100 * found.accuracy_out:.0f}%)", rule=text,
                          rule_accuracy=found.accuracy_out)  # fmt: skip
    return Outcome(thesis, result, verdict, extras, text, found)


#: Below this share of the host's leavers reaching the rival, the mechanism thesis 4 rests on
#: ("they will go not to you but to the Stalinists") is said to be barely present in the runs.
BARELY = 0.05
#: The extras key that holds, for thesis 4, that share over all its runs.
LEAVERS_TO_RIVAL = "share of the host's leavers who joined the rival (all runs)"


def _mechanism(thesis: Thesis, result: DesignResult) -> dict[str, float]:
    """For thesis 4, how much of the host's exit reached the rival: the share of the host's
    leavers (persons, from the runs' mean from->to flows) who joined the rival, per strategy
    and over all runs. A verdict on where the disappointed go means little where almost none go
    to the rival at all."""
    sc = result.design.scenario
    if thesis.number != 4 or sc.rival is None or sc.host is None:
        return {}
    host, rival = sc.org_keys.index(sc.host), sc.org_keys.index(sc.rival)
    out, left_all, to_rival_all = {}, 0.0, 0.0
    for strategy, flows in result.flows.items():
        left = float(flows[host].sum() - flows[host, host])
        to_rival = float(flows[host, rival])
        out[f"share of the host's leavers who joined the rival, {strategy}"] = to_rival / left if left else math.nan
        left_all, to_rival_all = left_all + left, to_rival_all + to_rival
    out[LEAVERS_TO_RIVAL] = to_rival_all / left_all if left_all else math.nan
    return out


def caution(o: Outcome) -> str | None:
    """A sentence for a verdict whose mechanism is barely present in the runs, with the number."""
    share = o.extras.get(LEAVERS_TO_RIVAL)
    if share is None or not share < BARELY:
        return None
    return (f"the mechanism this claim rests on is barely present in the runs: {100 * share:.1f}% of the host's "
            f"leavers joined the rival (under {100 * BARELY:.0f}%), so the verdict says little about where the "
            "disappointed go")  # fmt: skip


def _median(x: pd.Series) -> float:
    x = x.dropna()
    return float(np.median(x)) if len(x) else math.nan


def _extras(thesis: Thesis, runs: pd.DataFrame) -> dict[str, float]:
    """Numbers the letter names, measured beside the verdict."""
    if thesis.number == 2:
        at = runs[runs["factor"] == 0.1]
        return {
            "the host's kernel in the stratum to win, at a 10% share (median)": _median(
                at["host_kernel_in_reach_start"]
            )
        }
    if thesis.number == 3:
        mine = runs[runs["strategy"] == thesis.comparison.a]
        ratio = mine["weeks_to_first"] / (mine["weeks_to_second"] - mine["weeks_to_first"])
        return {
            "measured ratio, runs reaching the second milestone (median)": _median(ratio),
            "proportional growth ln25/ln10": PROPORTIONAL_RATIO,
            "weeks to the first milestone (median)": _median(mine["weeks_to_first"]),
            "runs reaching the first milestone": float(mine["weeks_to_first"].notna().sum()),
            "runs reaching the second milestone": float(mine["weeks_to_second"].notna().sum()),
            "runs": float(len(mine)),
            "the group's members in the run's last week (the second milestone, or the horizon) (median)": _median(
                mine["group_members"]
            ),
        }
    if thesis.number == 4:
        w = runs.pivot_table(index=["draw", "replication"], columns="strategy", values="host_kernel_to_rival")
        return {"the host's kernel who left for the rival, outside (median)": _median(w["outside"]),
                "the host's kernel who left for the rival, inside (median)": _median(w["enter"])}  # fmt: skip
    if thesis.number == 7:
        gains = runs.groupby("factor")["newly_won"].median()
        host, rival = gains.iloc[0], gains.iloc[-1]
        return {"newly won, all in the host (median)": host, "newly won, all in the rival (median)": rival,
                "ratio host / rival": host / rival if rival > 0 else math.inf}  # fmt: skip
    if thesis.number == 8:
        w = runs.pivot_table(index=["draw", "replication"], columns="strategy", values="newly_won")
        diff = w["declared"] - w["individuals"]
        return {"faction minus individuals (median)": _median(diff),
                "faction minus individuals (5%)": float(diff.quantile(0.05)),
                "faction minus individuals (95%)": float(diff.quantile(0.95))}  # fmt: skip
    return {}


def select(only: list[int] | None) -> list[Thesis]:
    return [t for t in THESES if not only or t.number in only]


#: A thesis of at least twice this many draws is run in two looks (issue 28): half its draws,
#: then the other half only if the first did not decide it beyond doubt (:func:`beyond_doubt`).
LOOK_DRAWS = 4
#: The first look decides a thesis only where the mean difference's 99% interval (bootstrap over
#: draws) lies on one side of zero and the claim holds in at least 90% (or at most 10%) of the
#: worlds: stricter than the rule's 90% and 80% (:mod:`lever.analysis.verdict`), so that looking
#: twice adds little to the chance of a wrong verdict (Haybittle 1971 and Peto et al. 1976 stop
#: a trial early only on a far stricter bound than its final test's).
EARLY_LEVEL, EARLY_SHARE = 0.99, 0.9


def looks(thesis: Thesis) -> int:
    """How many looks ``thesis`` is run in: two where each half of its draws has at least
    :data:`LOOK_DRAWS`, else one."""
    return 2 if thesis.samples % 2 == 0 and thesis.samples // 2 >= LOOK_DRAWS else 1


def beyond_doubt(thesis: Thesis, result: DesignResult) -> bool:
    """Whether the runs so far decide ``thesis`` beyond doubt (:data:`EARLY_LEVEL`,
    :data:`EARLY_SHARE`): supported or refuted, never a region or undecided."""
    from lever.analysis.resample import cluster_means

    if thesis.comparison.kind == "crossover":  # its verdict may be a region: the whole design decides
        return False
    d, feats = differences(result.runs, thesis.comparison, [], result.design.scenario.horizon_weeks)
    keep = np.isfinite(d)
    draws = feats.index.to_numpy()[keep]
    if np.unique(draws).size < LOOK_DRAWS:  # replications of a draw are not worlds of their own
        return False
    means = cluster_means(d[keep], draws)
    tail = (1.0 - EARLY_LEVEL) / 2
    low, high = np.quantile(means, [tail, 1.0 - tail])
    share = float(np.mean(d[keep] > 0))
    return bool((low > 0 and share >= EARLY_SHARE) or (high < 0 and share <= 1.0 - EARLY_SHARE))


def run_theses(
    base: Scenario,
    theses: list[Thesis],
    replications: int,
    *,
    jobs: int = 1,
    seed: int = 0,
    on_done: Callable[[int, int], None] | None = None,
    store: Path | None = None,
) -> list[Outcome]:
    """Run each thesis's design and decide it; ``on_done(done, total)`` counts runs (the total
    falls where a first look decides a thesis: :func:`looks`). With ``store`` (a results store
    folder), each look of each batch of theses is an experiment there: its runs are kept as
    they finish and a rerun resumes.

    Theses whose fields differ only in their strategies run as one design (:func:`batches`),
    and one pool of workers serves every look (started and warmed once). A thesis is decided
    in this thread as soon as its looks are done (on a thread of its own it would share the
    process's warning filters, which are not thread-safe, with the runs going on here)."""
    from lever.experiments.execute import kept_pool

    designs = [design_for(base, t, replications, seed) for t in theses]
    together = batches(theses, designs)
    progress = _Progress([b.design.runs for b in together], on_done)
    decided: dict[int, Outcome] = {}
    with kept_pool(jobs) as workers:
        for k, batch in enumerate(together):
            for i, results in _run_looks(batch, k, progress, workers, jobs, base, store):
                decided[i] = replace(evaluate(theses[i], combine(results)), planned_draws=designs[i].samples)
    return [decided[i] for i in range(len(theses))]


@dataclass(frozen=True)
class Batch:
    """Theses run as one design: their fields differ only in the strategies they play, so each
    world is built, its twin run, and a strategy two of them play (thesis 6's ``host_press`` is
    thesis 8's ``declared``) run once for all of them. Each thesis still reads its own runs
    (:func:`share`), the same as its own design would give."""

    members: tuple[int, ...]
    theses: tuple[Thesis, ...]
    #: each thesis's own design, and what its strategies are called in :attr:`design`
    designs: tuple[Design, ...]
    names: tuple[dict[str, str], ...]
    design: Design


def batches(theses: list[Thesis], designs: list[Design]) -> list[Batch]:
    """The theses gathered into batches (:class:`Batch`), in the order of their first member:
    those with the same field but for its strategies, the same draws and the same looks. A
    thesis with a factor, or whose uncertainties reach into its strategies, runs alone."""
    groups: dict[Any, list[int]] = {}
    for i, (thesis, design) in enumerate(zip(theses, designs, strict=True)):
        groups.setdefault(_world_key(thesis, design, i), []).append(i)
    return [_batch(members, theses, designs) for members in groups.values()]


def _world_key(thesis: Thesis, design: Design, i: int) -> Any:
    if (design.factor is not None or design.posterior is not None
            or any(u.path.startswith("strategies.") for u in design.scenario.uncertainties)):  # fmt: skip
        return ("alone", i)
    field_json = design.scenario.model_dump_json(exclude={"strategies", "default_strategy"})
    return (field_json, design.samples, design.replications, design.seed, design.steps, design.batch,
            design.until_milestones, looks(thesis))  # fmt: skip


def _batch(members: list[int], theses: list[Thesis], designs: list[Design]) -> Batch:
    merged: dict[str, Any] = {}  # the design's strategies, by name
    by_content: dict[str, str] = {}
    names = []
    for i in members:
        mine = {}
        for name in designs[i].strategies:
            strategy = designs[i].scenario.strategies[name]
            content = strategy.model_dump_json()
            if content not in by_content:
                own, n = name, 1
                while own in merged:  # another thesis's strategy of that name plays otherwise
                    own, n = f"{name}_{theses[i].number}" + (f"_{n}" if n > 1 else ""), n + 1
                merged[own], by_content[content] = strategy, own
            mine[name] = by_content[content]
        names.append(mine)
    first = designs[members[0]]
    design = first
    if len(members) > 1:
        scenario = first.scenario.model_copy(update={"strategies": merged})
        design = replace(first, scenario=scenario, strategies=tuple(merged))
    return Batch(tuple(members), tuple(theses[i] for i in members), tuple(designs[i] for i in members),
                 tuple(names), design)  # fmt: skip


def share(result: DesignResult, design: Design, names: dict[str, str]) -> DesignResult:
    """One thesis's part of its batch's runs (:class:`Batch`): its strategies under its own
    names (``names`` maps them to the batch's), its runs in the order its own ``design`` gives."""
    runs = result.runs
    rank = {name: r for r, name in enumerate(names)}
    mine = pd.concat([runs[runs["strategy"] == theirs].assign(strategy=name) for name, theirs in names.items()])
    order = (["level"] if "level" in mine else []) + ["draw", "replication", "strategy"]
    mine = mine.sort_values(order, key=lambda c: c.map(rank) if c.name == "strategy" else c, kind="stable",
                            ignore_index=True)  # fmt: skip
    out = DesignResult(design, mine, result.weeks, labels=result.labels)
    for name, theirs in names.items():
        out.series[name], out.flows[name] = result.series[theirs], result.flows[theirs]
        for lv in range(len(design.levels)):
            out.level_series[name, lv] = result.level_series[theirs, lv]
            out.level_flows[name, lv] = result.level_flows[theirs, lv]
    return out


@dataclass
class _Progress:
    """Runs done across the batches, against runs planned (fewer where a first look decides)."""

    planned: list[int]
    on_done: Callable[[int, int], None] | None
    done: int = 0

    def tick(self, start: int) -> Callable[[int, int], None]:
        def report(n: int, _: int) -> None:
            if self.on_done:
                self.on_done(start + n, sum(self.planned))

        return report


def _run_looks(batch: Batch, k: int, progress: _Progress, workers: Any, jobs: int, base: Scenario,
               store: Path | None) -> Iterator[tuple[int, list[DesignResult]]]:  # fmt: skip
    """The looks of the ``k``-th batch, until each of its theses is decided beyond doubt (the
    later looks run only the strategies of those still open); yields each thesis's index in
    ``run_theses``'s list and its looks' results, as soon as it is decided."""
    from lever.experiments.execute import Interrupted

    n_looks = looks(batch.theses[0])  # one for the whole batch: a part of what gathers it
    size = batch.design.samples // n_looks
    open_ = list(range(len(batch.members)))
    results: list[list[DesignResult]] = [[] for _ in batch.members]
    ran = 0
    for look in range(n_looks):
        if not open_:  # every thesis of the batch decided at an earlier look
            break
        wanted = {s for p in open_ for s in batch.names[p].values()}
        draws = (look * size, (look + 1) * size)
        half = replace(batch.design, strategies=tuple(s for s in batch.design.strategies if s in wanted),
                       draw_range=draws)  # fmt: skip
        start = progress.done
        exp = _experiment(store, base, batch, [batch.theses[p] for p in open_], half) if store is not None else None
        try:
            result = run_design(half, jobs=jobs, executor=workers, on_done=progress.tick(start), store=exp)
        except Interrupted as stop:
            raise Interrupted(start + stop.kept, sum(progress.planned)) from None
        finally:
            if exp is not None:
                exp.close()
        progress.done += len(result.runs)
        ran += len(result.runs)
        for p in list(open_):
            own = replace(batch.designs[p], draw_range=draws)
            results[p].append(result if len(batch.members) == 1 else share(result, own, batch.names[p]))
            if look + 1 == n_looks or beyond_doubt(batch.theses[p], results[p][-1]):
                open_.remove(p)
                yield batch.members[p], results[p]
        left = tuple(s for s in half.strategies if any(s in batch.names[p].values() for p in open_))
        planned = ran + (n_looks - look - 1) * (replace(half, strategies=left).runs if left else 0)
        if planned < progress.planned[k]:  # the later looks run fewer strategies, or none
            progress.planned[k] = planned
            if progress.on_done:
                progress.on_done(progress.done, sum(progress.planned))


def early(o: Outcome) -> str | None:
    """A sentence for a thesis its first look decided (fewer draws ran than planned)."""
    ran = o.result.design.drawn
    if not o.planned_draws or ran >= o.planned_draws:
        return None
    return (
        f"decided at the first look, on {ran} of its {o.planned_draws} draws: the mean difference's "
        f"{100 * EARLY_LEVEL:.0f}% interval lay beyond zero and the claim held in "
        f"{'at least' if o.verdict.share >= 0.5 else 'at most'} "
        f"{100 * (EARLY_SHARE if o.verdict.share >= 0.5 else 1 - EARLY_SHARE):.0f}% of worlds"
    )


def _experiment(store: Path, base: Scenario, batch: Batch, deciding: list[Thesis], design: Design):  # noqa: ANN202
    """The store's experiment for one look of a batch (:class:`Batch`): named by its theses (a
    batch of one as before batches, so that an earlier store resumes), its spec naming those
    the look still decides."""
    from lever.model.loading import to_toml
    from lever.store import Experiment, spec_name

    numbers = [t.number for t in batch.theses]
    spec = {"kind": "thesis", "thesis": numbers[0] if len(numbers) == 1 else numbers, "scenario_name": base.name,
            "scenario": to_toml(design.scenario), "samples": design.samples,
            "replications": design.replications, "seed": design.seed, "steps": design.steps,
            "draw_range": list(design.draw_range) if design.draw_range else None,
            "strategies": list(design.strategies), "runs": design.runs,
            "until_milestones": design.until_milestones}  # fmt: skip
    if len(numbers) > 1:
        spec["deciding"] = [t.number for t in deciding]
    kind = f"thesis{numbers[0]}" if len(numbers) == 1 else "theses" + "-".join(map(str, numbers))
    return Experiment.create(store, spec_name(kind, base.name, spec), spec)
