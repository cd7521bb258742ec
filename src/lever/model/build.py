"""From a validated scenario to the arrays the engine steps: population, parameters, network."""

from __future__ import annotations

import numpy as np
from scipy.stats import truncnorm

from lever.model.scenario import NONE, Organization, Population, Scenario, Strategy
from lever.model.state import N_TALLY, Params, State

#: At the start a branch holds at least this many agents (where its organization has that
#: many), however coarse the scale, so members have someone to talk to inside it.
MIN_BRANCH_AGENTS = 8


def agent_counts(scenario: Scenario) -> np.ndarray:
    """Agents per population (organizations in order, the unorganized last)."""
    pops = [*scenario.organizations.values(), scenario.unorganized]
    return np.array([0 if p.size == 0 else max(1, round(p.size / p.persons_per_agent)) for p in pops], np.int64)


def branch_counts(scenario: Scenario) -> np.ndarray:
    """Branches per organization: ``size / branch_size``, but at least ``MIN_BRANCH_AGENTS``
    agents each and at least one branch."""
    counts = agent_counts(scenario)[:-1]
    out = []
    for n, org in zip(counts, scenario.organizations.values(), strict=True):
        per_branch = max(MIN_BRANCH_AGENTS, org.branch_size / org.persons_per_agent)
        out.append(max(1, int(n // per_branch)))
    return np.array(out, np.int64)


#: classes of a person's radicalism at the start: free, or held below / at or above the
#: kernel threshold (so that a stratum's kernel share is exact)
_FREE, _BELOW, _ABOVE = 0, 1, 2

#: redraws at most, when members are chosen among those who would have stayed
_SETTLE_ROUNDS = 30


def _classes(pop: Population, stratum_keys: list[str], stratum: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each person's class of radicalism: where a stratum's kernel share is given,
    exactly that share is held at or above the threshold and the rest below."""
    cls = np.full(stratum.size, _FREE, np.int8)
    for s, key in enumerate(stratum_keys):
        if key not in pop.kernel:
            continue
        idx = np.nonzero(stratum == s)[0]
        n_rev = round(pop.kernel[key] * idx.size)
        rev = rng.permutation(idx)
        cls[rev[:n_rev]] = _ABOVE
        cls[rev[n_rev:]] = _BELOW
    return cls


def _truncated(low: float, high: float, mean: float, sd: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws of a normal truncated to [low, high]; where the interval is too narrow to
    tell its ends apart in standard units (a threshold a hair from 0 or 1), its lower end."""
    a, b = (low - mean) / sd, (high - mean) / sd
    if not b > a:
        return np.full(n, low)
    return np.asarray(truncnorm.rvs(a, b, mean, sd, n, random_state=rng), dtype=float)


def _draw_opinions(pop: Population, cls: np.ndarray, theta: float, rng: np.random.Generator) -> np.ndarray:
    """Opinions around the platform: independence normal, radicalism normal or, by class,
    a normal truncated at the threshold; both clipped to [0, 1]."""
    mean, sd = pop.platform[0], max(pop.spread, 1e-6)
    opinion = np.empty((cls.size, 2))
    opinion[:, 0] = np.clip(rng.normal(mean, sd, cls.size), 0.0, 1.0)
    above, below = cls == _ABOVE, cls == _BELOW
    opinion[above, 0] = _truncated(theta, 1.0, mean, sd, int(above.sum()), rng)
    opinion[below, 0] = _truncated(0.0, theta, mean, sd, int(below.sum()), rng)
    opinion[:, 1] = np.clip(rng.normal(pop.platform[1], pop.spread, cls.size), 0.0, 1.0)
    return opinion


def _content(opinion: np.ndarray, org: Organization, disappointment: float) -> np.ndarray:
    """What persons of ``opinion`` would feel in ``org`` now: fit less disappointment."""
    gap = np.linalg.norm(opinion - np.array(org.platform), axis=1)
    return np.maximum(0.0, 1.0 - gap / org.tolerance) - disappointment


def _settled(scenario: Scenario, k: int, opinion: np.ndarray, cls: np.ndarray, theta: float,
             rng: np.random.Generator) -> np.ndarray:  # fmt: skip
    """Members of organization ``k`` as they stand at week 0: those who stayed.

    Nobody starts in an organization they would leave at once: a member who would be more
    content in another organization (fit less disappointment at week 0, the rule leavers
    follow; the group is not one: it wins its people only by recruiting them), or whom the
    leaving rule would have removed in the ``settled_weeks`` before
    week 0 at their fit, is replaced by another drawn alike (the kernel shares stay
    exact). After a few rounds whoever is left stays."""
    weeks = scenario.dynamics.settled_weeks
    if weeks <= 0:
        return opinion
    orgs = list(scenario.organizations.values())
    group = scenario.org_keys.index(scenario.group)
    disappointment = _disappointment(scenario)[0]
    steep = scenario.dynamics.leave_steepness

    def judged(opinion: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Content here, the most content elsewhere, and the chance to have stayed."""
        here = _content(opinion, orgs[k], disappointment[k])
        elsewhere = np.full(len(opinion), -np.inf)
        for m, org in enumerate(orgs):
            # the group is no place one drifts into: it wins its people one by one
            if m not in (k, group) and org.size > 0:
                elsewhere = np.maximum(elsewhere, _content(opinion, org, disappointment[m]))
        fit = here + disappointment[k]
        return here, elsewhere, (1.0 - (1.0 - fit) ** steep) ** weeks

    # judged once, then only where a member was drawn anew: the others' opinions are unchanged
    # (row by row the same numbers; the rounds took most of a world's build)
    here, elsewhere, stayed = judged(opinion)
    for _ in range(_SETTLE_ROUNDS):
        gone = (elsewhere > here) | (rng.random(cls.size) >= stayed)
        if not gone.any():
            break
        opinion[gone] = _draw_opinions(orgs[k], cls[gone], theta, rng)
        here[gone], elsewhere[gone], stayed[gone] = judged(opinion[gone])
    return opinion


def _whole_persons(size: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """``round(size)`` persons dealt to ``n`` agents as whole numbers (as even as can be):
    persons are then conserved exactly, and a person split off leaves a whole remainder."""
    if n == 0:
        return np.zeros(0)
    persons = max(round(size), n)
    weight = np.full(n, float(persons // n))
    weight[rng.permutation(n)[: persons % n]] += 1.0
    return weight


def _population(scenario: Scenario, rng: np.random.Generator) -> dict[str, np.ndarray]:
    pops = [*scenario.organizations.values(), scenario.unorganized]
    counts = agent_counts(scenario)
    branches = np.concatenate([[0], np.cumsum(branch_counts(scenario))])
    stratum_keys = list(scenario.strata)
    dyn = scenario.dynamics
    theta = dyn.kernel_threshold
    cols: dict[str, list[np.ndarray]] = {k: [] for k in ("org", "branch", "stratum", "opinion", "committed", "weight")}
    for k, (pop, n) in enumerate(zip(pops, counts, strict=True)):
        shares = np.array([pop.strata.get(s, 0.0) for s in stratum_keys])
        stratum = rng.choice(len(stratum_keys), n, p=shares / shares.sum()).astype(np.int8)
        cls = _classes(pop, stratum_keys, stratum, rng)
        opinion = _draw_opinions(pop, cls, theta, rng)
        if k < len(scenario.organizations) and pop.committed < 1.0:
            opinion = _settled(scenario, k, opinion, cls, theta, rng)
        committed = rng.random(n) < pop.committed
        opinion[committed] = pop.platform  # a committed core holds its organization's line
        is_org = k < len(scenario.organizations)
        # dealt round-robin in random order: every branch gets n // branches agents or one more
        n_br = branches[k + 1] - branches[k] if is_org else 0
        branch = (branches[k] + _deal(rng.permutation(n), opinion[:, 0], n_br, scenario.network.branch_sorting)
                  if is_org else np.full(n, -1)).astype(np.int32)  # fmt: skip
        for name, arr in (
            ("org", np.full(n, k, np.int16)),
            ("branch", branch),
            ("stratum", stratum),
            ("opinion", opinion),
            ("committed", committed),
            ("weight", _whole_persons(pop.size, n, rng)),
        ):
            cols[name].append(arr)
    return {k: np.concatenate(v) for k, v in cols.items()}


def _deal(order: np.ndarray, radicalism: np.ndarray, n_branches: int, sorting: float) -> np.ndarray:
    """Each member's branch (0..n_branches-1): round-robin in the random ``order`` when
    ``sorting`` is 0; otherwise in contiguous runs of a key mixing that order with the rank of
    the member's first view, so that nearby branches hold members of like views."""
    n = order.shape[0]
    if sorting <= 0.0 or n_branches < 2:
        return order % n_branches
    rank = np.empty(n)
    rank[np.argsort(radicalism, kind="stable")] = np.arange(n) / n
    key = sorting * rank + (1.0 - sorting) * order / n
    place = np.empty(n, np.int64)
    place[np.argsort(key, kind="stable")] = np.arange(n)
    return place * n_branches // n


def build_state(scenario: Scenario, rng: np.random.Generator) -> State:
    """The population at step 0: every person placed, the group's members its cadre.

    Agents are laid out in a random order (conversations are held in index order), each its
    own root and its own row of the social network. Members start as satisfied as their fit
    with the platform less the organization's disappointment at week 0 allows."""
    cols = _population(scenario, rng)
    order = rng.permutation(cols["org"].size)
    cols = {k: v[order] for k, v in cols.items()}
    n = cols["org"].size
    group = scenario.org_keys.index(scenario.group)
    faction = cols["org"] == group
    platform = np.array([o.platform for o in scenario.organizations.values()], np.float64)
    n_branches = int(branch_counts(scenario).sum())
    committed = cols["committed"] | faction
    state = State(
        org=cols["org"],
        branch=cols["branch"],
        stratum=cols["stratum"],
        opinion=cols["opinion"],
        satisfaction=np.ones(n),
        committed=committed,
        faction=faction,
        cadre=faction.copy(),
        convinced=faction.copy(),
        faction_since=np.zeros(n, np.int32),
        expelled_from=np.full(n, -1, np.int16),
        weight=cols["weight"],
        ident=np.arange(n, dtype=np.uint64),
        root=np.arange(n, dtype=np.int64),
        social=np.arange(n, dtype=np.int32),
        splits=np.zeros(n, np.int32),
        origin=cols["org"].copy(),
        kernel0=cols["opinion"][:, 0] >= scenario.dynamics.kernel_threshold,
        uncertainty=np.zeros(n),
        anchor=cols["opinion"].copy(),
        left_at=np.full(n, -1, np.int32),
        left_from=np.full(n, -1, np.int16),
        tie_word=np.full(n, -1, np.int64),
        tie_counts=np.zeros(n, np.int64),
        platform=platform,
        branch_start=np.zeros(n_branches + 1, np.int64),
        branch_members=np.zeros(n, np.int32),
        count=np.array([n], np.int64),
        tally=np.zeros(N_TALLY),
        expulsion=np.full(len(scenario.organizations), -1, np.int64),
    )
    _satisfaction_at_start(scenario, state)
    dyn = scenario.dynamics
    state.uncertainty[:] = start_uncertainty(state.committed, state.satisfaction, dyn.uncertainty,
                                             dyn.uncertainty_committed, dyn.strain_uncertainty)  # fmt: skip
    return state


def start_uncertainty(committed: np.ndarray, satisfaction: np.ndarray, base: float, confident: float,
                      strain: float) -> np.ndarray:  # fmt: skip
    """Uncertainty at week 0: the committed are confident; the others as open as their
    strain makes them (:func:`lever.kernels.uncertainty.open_by_strain`'s floor)."""
    return np.where(committed, confident, base * (1.0 + strain * (1.0 - satisfaction)))


def _satisfaction_at_start(scenario: Scenario, state: State) -> None:
    """A member's satisfaction at week 0 is what the satisfaction mechanism would settle on
    then: fit with the platform (the group's people: with its line) less disappointment."""
    keys = scenario.org_keys
    group = keys.index(scenario.group)
    disappointment = _disappointment(scenario)[0]
    for k, org in enumerate(scenario.organizations.values()):
        members = (state.org == k) & ~state.committed
        line = scenario.organizations[scenario.group] if k == group else org
        gap = np.linalg.norm(state.opinion[members] - np.array(line.platform), axis=1)
        fit = np.maximum(0.0, 1.0 - gap / line.tolerance)
        state.satisfaction[members] = np.clip(fit - disappointment[k], 0.0, 1.0)


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
        # the crises are clipped first, so that no elation is lost to crises adding up past 1
        out[:, k] = np.clip(out[:, k], 0.0, 1.0)
        for spell in org.opening:  # an opening's elation is a crisis turned round, ramped as its pull
            out[:, k] -= spell.elation * _ramp(weeks, spell.start_week, spell.end_week)
    return np.clip(out, -1.0, 1.0)


def _ramp(weeks: np.ndarray, start: float, end: float) -> np.ndarray:
    """An opening's ramp: 0 until ``start``, rising linearly to 1 at ``end`` and held after."""
    span = max(end - start, 1e-9)
    return np.where(weeks >= end, 1.0, np.clip((weeks - start) / span, 0.0, 1.0))


def _openings(scenario: Scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each organization's pull at each step (its attraction times its openings' ramps), how many
    times the base rate the unorganized join, and who recruits the joiners the openings add:
    each leader's share of them. Openings add joiners: an organization's own add ``mobilisation -
    1`` times the base rate, ramped; it recruits those it adds (a row of shares, all 0 where no
    opening mobilises)."""
    weeks = np.arange(scenario.steps + 1) * scenario.step_weeks
    orgs = list(scenario.organizations.values())
    pull = np.tile(np.array([o.attraction for o in orgs]), (weeks.size, 1))
    added = np.zeros((weeks.size, len(orgs)))
    for k, org in enumerate(orgs):
        for spell in org.opening:
            ramp = _ramp(weeks, spell.start_week, spell.end_week)
            pull[:, k] *= 1.0 + (spell.pull - 1.0) * ramp
            added[:, k] += (spell.mobilisation - 1.0) * ramp
    total = added.sum(axis=1)
    shares = np.divide(added, total[:, None], out=np.zeros_like(added), where=total[:, None] > 0.0)
    return pull, 1.0 + total, shares


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
        if organ.owner == scenario.group and strategy.press in ("host", "none"):
            reach[o] = 0.0
        hosted = strategy.allocation.get(organ.owner, 0.0) > 0 and organ.owner != scenario.group
        if hosted and strategy.press in ("host", "both"):
            voice[o] = organ.openness * (1.0 if strategy.declaration else 0.5)
    return owners, reach, voice


def schedules(params: Params) -> dict[str, np.ndarray]:
    """The parameters that change week by week: crises, the pull of openings, joining."""
    return {"disappointment": params.disappointment, "attraction": params.attraction, "joining": params.joining,
            "mobilised": params.mobilised}  # fmt: skip


def schedules_to(params: Params, steps: int) -> Params:
    """``params`` with its schedules covering ``steps`` steps, even past the horizon (their last
    row held); the kernels index them by step and do not check."""
    extra = max(0, steps + 1 - params.disappointment.shape[0])
    if not extra:
        return params
    return params._replace(**{name: np.concatenate([row, np.repeat(row[-1:], extra, axis=0)])
                              for name, row in schedules(params).items()})  # fmt: skip


def build_params(scenario: Scenario, strategy: Strategy | None, *, active: bool = True) -> Params:
    """Parameters for the kernels; ``strategy=None`` gives the group's posture before entry.

    ``active=False`` gives the twin world: the group is there but does nothing: no paper,
    no recruiting, no speaking (it enters nothing either: the caller's part)."""
    keys = scenario.org_keys
    dyn = scenario.dynamics
    orgs = list(scenario.organizations.values())
    owners, reach, voice = _press(scenario, strategy)
    pull, joining, mobilised = _openings(scenario)
    group = keys.index(scenario.group)
    recruits = active and (strategy is None or strategy.recruit)
    speaks = active and (strategy is None or strategy.speak)
    if not active:  # no paper: the group's organ reaches no one
        reach[owners == group] = 0.0
        voice[:] = 0.0
    # the own paper costs contacts whenever the group runs one, wherever its people are
    keeps_organ = strategy is None or strategy.press in ("own", "both")
    faction_form = strategy is None or strategy.form == "faction"
    declared = strategy is None or strategy.declaration
    return Params(
        n_orgs=len(keys),
        group=keys.index(scenario.group),
        rival=keys.index(scenario.rival) if scenario.rival else -1,  # a field may have none
        host=keys.index(scenario.host),
        homogeneity=np.array([o.homogeneity for o in orgs]),
        attraction=pull,
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
        joining=joining,
        mobilised=mobilised,
        branch_talk=scenario.network.branch_talk,
        branch_sorting=scenario.network.branch_sorting,
        recruit_contacts=(dyn.recruit_contacts * ((1.0 - dyn.organ_cost) if keeps_organ else 1.0) if recruits else 0.0),
        # one who would not listen (beyond the confidence bound) cannot be recruited
        recruit_radius=min(dyn.recruit_radius, dyn.confidence),
        recruit_prob=dyn.recruit_prob,
        training_steps=round(dyn.training_weeks / scenario.step_weeks),
        platform_drift=dyn.platform_drift,
        bloc_weight=dyn.bloc_weight if faction_form else 1.0,
        detection=dyn.detection,
        visibility=_per_org(scenario, (1.0 if faction_form else 0.4) * (1.0 if declared else 0.5), 0.2),
        expel_share=_per_org(scenario, 1.0 if faction_form else 0.5, 0.5),
        kernel_threshold=dyn.kernel_threshold,
        independence_threshold=dyn.independence_threshold,
        line=np.array(scenario.organizations[scenario.group].platform, np.float64),
        fine=np.array([p.persons_per_agent <= 1.0 for _, p in scenario._populations()]),  # noqa: SLF001 (the model layer's own helper)
        active=speaks,
        capitulation=dyn.capitulation,
        assimilation_steps=dyn.assimilation_weeks / scenario.step_weeks,
        gag=dyn.gag,
        brand=_brand(scenario),
        demoralisation=dyn.demoralisation,
        # only a group that gave its paper up has one to rebuild
        rebuild_steps=(
            round(dyn.rebuild_weeks / scenario.step_weeks)
            if dyn.rebuild_weeks is not None and strategy is not None and strategy.press == "host"
            else -1
        ),  # fmt: skip
        split_share=dyn.split_share,
        declared_trust=_declared_trust(scenario, strategy),
        entry_step=-1 if strategy is None else round(strategy.entry_week / scenario.step_weeks),
        relative_agreement=dyn.relative_agreement,
        uncertainty=dyn.uncertainty,
        uncertainty_committed=dyn.uncertainty_committed,
        strain_uncertainty=dyn.strain_uncertainty,
        anchoring=dyn.anchoring,
        recruit_by_agreement=dyn.recruit_by_agreement,
        targeting=dyn.targeting,
        exit_ties=dyn.exit_ties,
        exit_cascade=dyn.exit_cascade,
        cascade_steps=max(1, round(dyn.cascade_weeks / scenario.step_weeks)),
        nearer_gravity=-1.0 if dyn.nearer_gravity is None else dyn.nearer_gravity,
        encapsulation=dyn.encapsulation,
        homophily=dyn.homophily,
        member_recruitment=dyn.member_recruitment,
        start_size=np.array([o.size for o in orgs], np.float64),
    )


def _brand(scenario: Scenario) -> np.ndarray:
    """``(K + 1, K)``: how far members of the row's organization (the unorganized last)
    hold the column's brand of "splitters" against those it expelled: ``branding`` for the
    rival's members, ``branding`` times the expelling party's press circulation among the
    row's members, the larger of the two. The expelling party's own members distrust the
    expelled fully (``trust_expelled``, not through this table)."""
    keys = scenario.org_keys
    K = len(keys)
    branding = scenario.dynamics.branding
    out = np.zeros((K + 1, K))
    if branding <= 0.0:
        return out
    for organ in scenario.organs.values():
        e = keys.index(organ.owner)
        for key, share in organ.circulation.items():
            k = K if key == NONE else keys.index(key)
            out[k, e] = min(1.0, out[k, e] + branding * share)
    if scenario.rival:
        r = keys.index(scenario.rival)
        out[r, :] = np.maximum(out[r, :], branding)
    for e in range(K):
        out[e, e] = 0.0  # its own members: trust_expelled itself
    return out


def _declared_trust(scenario: Scenario, strategy: Strategy | None) -> np.ndarray:
    """``(K,)``: the factor on a host's members' trust toward the group's people inside it,
    ``1 + declaration_trust`` in each host a declared entry goes into (the letter's point 8),
    else 1. The rival's share enters undeclared (see :func:`_per_org`)."""
    out = np.ones(len(scenario.organizations))
    if strategy is None or not strategy.declaration:
        return out
    for k, key in enumerate(scenario.org_keys):
        if strategy.allocation.get(key, 0.0) > 0 and key not in (scenario.group, scenario.rival):
            out[k] = 1.0 + scenario.dynamics.declaration_trust
    return out


def _per_org(scenario: Scenario, value: float, in_rival: float) -> np.ndarray:
    """A lever's value in each organization: the strategy's, but in the rival the group's
    people are members already inside as individuals, undeclared (the letter's point 7)."""
    out = np.full(len(scenario.organizations), value)
    if scenario.rival:
        out[scenario.org_keys.index(scenario.rival)] = in_rival
    return out


def allocation_vector(scenario: Scenario, strategy: Strategy) -> np.ndarray:
    """The strategy's allocation as float64 ``(K,)`` in organization order."""
    return np.array([strategy.allocation.get(k, 0.0) for k in scenario.org_keys])
