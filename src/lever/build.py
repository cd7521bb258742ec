"""From a validated scenario to the arrays the engine steps: population, parameters, network."""

from __future__ import annotations

import numpy as np
from scipy.stats import truncnorm

from lever.scenario import NONE, Population, Scenario, Strategy
from lever.state import Params, State

#: At the start a branch holds at least this many agents (where its organization has that
#: many), however coarse the scale, so members have someone to talk to inside it.
MIN_BRANCH_AGENTS = 8


def agent_counts(scenario: Scenario) -> np.ndarray:
    """Agents per population (organizations in order, the unorganized last)."""
    pops = [*scenario.organizations.values(), scenario.unorganized]
    return np.array(
        [0 if p.size == 0 else max(1, round(p.size / p.persons_per_agent)) for p in pops], np.int64
    )


def branch_counts(scenario: Scenario) -> np.ndarray:
    """Branches per organization: ``size / branch_size``, but at least ``MIN_BRANCH_AGENTS``
    agents each and at least one branch."""
    counts = agent_counts(scenario)[:-1]
    out = []
    for n, org in zip(counts, scenario.organizations.values(), strict=True):
        per_branch = max(MIN_BRANCH_AGENTS, org.branch_size / org.persons_per_agent)
        out.append(max(1, int(n // per_branch)))
    return np.array(out, np.int64)


def _radicalism(
    pop: Population, stratum_keys: list[str], stratum: np.ndarray, theta: float, rng
) -> np.ndarray:
    """Radicalism around the platform; where a stratum's revolutionary share is given, exactly
    that share lies at or above ``theta`` and the rest below (truncated normals)."""
    mean, sd = pop.platform[0], max(pop.spread, 1e-6)
    x = np.clip(rng.normal(mean, sd, stratum.size), 0.0, 1.0)
    for s, key in enumerate(stratum_keys):
        if key not in pop.revolutionary:
            continue
        idx = np.nonzero(stratum == s)[0]
        n_rev = round(pop.revolutionary[key] * idx.size)
        rev = rng.permutation(idx)
        above, below = rev[:n_rev], rev[n_rev:]
        x[above] = truncnorm.rvs((theta - mean) / sd, (1 - mean) / sd, mean, sd, above.size, random_state=rng)
        x[below] = truncnorm.rvs(-mean / sd, (theta - mean) / sd, mean, sd, below.size, random_state=rng)
    return x


def _population(scenario: Scenario, rng: np.random.Generator) -> dict[str, np.ndarray]:
    pops = [*scenario.organizations.values(), scenario.unorganized]
    counts = agent_counts(scenario)
    branches = np.concatenate([[0], np.cumsum(branch_counts(scenario))])
    stratum_keys = list(scenario.strata)
    theta = scenario.dynamics.revolutionary_threshold
    cols: dict[str, list[np.ndarray]] = {
        k: [] for k in ("org", "branch", "stratum", "opinion", "committed", "weight")
    }
    for k, (pop, n) in enumerate(zip(pops, counts, strict=True)):
        shares = np.array([pop.strata.get(s, 0.0) for s in stratum_keys])
        stratum = rng.choice(len(stratum_keys), n, p=shares / shares.sum()).astype(np.int8)
        opinion = np.empty((n, 2))
        opinion[:, 0] = _radicalism(pop, stratum_keys, stratum, theta, rng)
        opinion[:, 1] = np.clip(rng.normal(pop.platform[1], pop.spread, n), 0.0, 1.0)
        committed = rng.random(n) < pop.committed
        opinion[committed] = pop.platform  # a committed core holds its organization's line
        is_org = k < len(scenario.organizations)
        # dealt round-robin in random order: every branch gets n // branches agents or one more
        n_br = branches[k + 1] - branches[k] if is_org else 0
        branch = (branches[k] + rng.permutation(n) % n_br if is_org else np.full(n, -1)).astype(np.int32)
        for name, arr in (
            ("org", np.full(n, k, np.int16)),
            ("branch", branch),
            ("stratum", stratum),
            ("opinion", opinion),
            ("committed", committed),
            ("weight", np.full(n, pop.size / n if n else 0.0)),
        ):
            cols[name].append(arr)
    return {k: np.concatenate(v) for k, v in cols.items()}


def build_state(scenario: Scenario, rng: np.random.Generator) -> State:
    """The population at step 0: every person placed, the group's members its cadre."""
    cols = _population(scenario, rng)
    n = cols["org"].size
    group = scenario.org_keys.index(scenario.group)
    faction = cols["org"] == group
    platform = np.array([o.platform for o in scenario.organizations.values()], np.float64)
    n_branches = int(branch_counts(scenario).sum())
    return State(
        org=cols["org"],
        branch=cols["branch"],
        stratum=cols["stratum"],
        opinion=cols["opinion"],
        satisfaction=np.ones(n),
        committed=cols["committed"] | faction,
        faction=faction,
        cadre=faction.copy(),
        convinced=faction.copy(),
        faction_since=np.zeros(n, np.int32),
        expelled_from=np.full(n, -1, np.int16),
        weight=cols["weight"],
        origin=cols["org"].copy(),
        revolutionary0=cols["opinion"][:, 0] >= scenario.dynamics.revolutionary_threshold,
        platform=platform,
        branch_start=np.zeros(n_branches + 1, np.int64),
        branch_members=np.zeros(n, np.int32),
    )


def _disappointment(scenario: Scenario) -> np.ndarray:
    steps = scenario.steps
    weeks = np.arange(steps + 1) * scenario.step_weeks
    out = np.zeros((steps + 1, len(scenario.organizations)))
    for k, org in enumerate(scenario.organizations.values()):
        for spell in org.disappointment:
            end = spell.level if spell.end_level is None else spell.end_level
            span = max(spell.end_week - spell.start_week, 1e-9)
            level = spell.level + (end - spell.level) * (weeks - spell.start_week) / span
            inside = (weeks >= spell.start_week) & (weeks <= spell.end_week)
            out[:, k] += np.where(inside, level, 0.0)
    return np.clip(out, 0.0, 1.0)


def _press(scenario: Scenario, strategy: Strategy | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Organ owners, per-step reach and the group's voice in each organ.

    ``strategy=None`` is the group before entry: its own organ, no voice in anyone's press.
    """
    keys = scenario.org_keys
    owners = np.array([keys.index(o.owner) for o in scenario.organs.values()], np.int16)
    reach = np.zeros((len(owners), len(keys) + 1))
    voice = np.zeros(len(owners))
    strength = scenario.dynamics.press_strength
    for o, organ in enumerate(scenario.organs.values()):
        for key, share in organ.circulation.items():
            reach[o, len(keys) if key == NONE else keys.index(key)] = share * strength
        if strategy is None:
            continue
        if organ.owner == scenario.group and strategy.press == "host":
            reach[o] = 0.0
        hosted = strategy.allocation.get(organ.owner, 0.0) > 0 and organ.owner != scenario.group
        if hosted and strategy.press in ("host", "both"):
            voice[o] = organ.openness * (1.0 if strategy.declaration else 0.5)
    return owners, reach, voice


def build_params(scenario: Scenario, strategy: Strategy | None) -> Params:
    """Parameters for the kernels; ``strategy=None`` gives the group's posture before entry."""
    keys = scenario.org_keys
    dyn = scenario.dynamics
    orgs = list(scenario.organizations.values())
    owners, reach, voice = _press(scenario, strategy)
    keeps_organ = strategy is None or strategy.press in ("own", "both")
    faction_form = strategy is None or strategy.form == "faction"
    declared = strategy is None or strategy.declaration
    return Params(
        n_orgs=len(keys),
        group=keys.index(scenario.group),
        rival=keys.index(scenario.rival) if scenario.rival else -1,  # a field may have none
        host=keys.index(scenario.host),
        homogeneity=np.array([o.homogeneity for o in orgs]),
        attraction=np.array([o.attraction for o in orgs]),
        tolerance=np.array([o.tolerance for o in orgs]),
        branch_offset=np.concatenate([[0], np.cumsum(branch_counts(scenario))]).astype(np.int32),
        disappointment=_disappointment(scenario),
        receptivity=np.array([s.receptivity for s in scenario.strata.values()]),
        organ_owner=owners,
        organ_reach=reach,
        organ_voice=voice,
        confidence=dyn.confidence,
        convergence=dyn.convergence,
        trust_inside=dyn.trust_inside,
        trust_outside=dyn.trust_outside,
        trust_rival=dyn.trust_rival,
        trust_expelled=dyn.trust_expelled,
        committed_talk=dyn.committed_talk,
        satisfaction_rate=dyn.satisfaction_rate,
        leave_steepness=dyn.leave_steepness,
        gravity=dyn.gravity,
        closeness=dyn.closeness,
        ties_weight=dyn.ties_weight,
        stay_unorganized=dyn.stay_unorganized,
        join_rate=dyn.join_rate,
        branch_talk=scenario.network.branch_talk,
        recruit_contacts=dyn.recruit_contacts * ((1.0 - dyn.organ_cost) if keeps_organ else 1.0),
        recruit_radius=dyn.recruit_radius,
        recruit_prob=dyn.recruit_prob,
        training_steps=round(dyn.training_weeks / scenario.step_weeks),
        platform_drift=dyn.platform_drift,
        bloc_weight=dyn.bloc_weight if faction_form else 1.0,
        detection=dyn.detection,
        visibility=(1.0 if faction_form else 0.4) * (1.0 if declared else 0.5),
        expel_share=1.0 if faction_form else 0.5,
        revolutionary_threshold=dyn.revolutionary_threshold,
        independence_threshold=dyn.independence_threshold,
        line=np.array(scenario.organizations[scenario.group].platform, np.float64),
    )


def allocation_vector(scenario: Scenario, strategy: Strategy) -> np.ndarray:
    """The strategy's allocation as float64 ``(K,)`` in organization order."""
    return np.array([strategy.allocation.get(k, 0.0) for k in scenario.org_keys])
