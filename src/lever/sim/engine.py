"""The step loop: one step of the field (``step_weeks`` long) is the six mechanisms of
docs/ODD.md §3, with the apparatus's expulsions before the step's recruiting."""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numba
import numpy as np
import pandas as pd

from lever.kernels.apparatus import capitulate, drift_platforms, expel_currents
from lever.kernels.conversation import converse
from lever.kernels.draw import run_key
from lever.kernels.entry import enter
from lever.kernels.mobility import leave_and_join, update_satisfaction
from lever.kernels.observe import observe
from lever.kernels.persistence import anchor, open_by_strain
from lever.kernels.press import read_press
from lever.kernels.recruitment import recruit
from lever.kernels.resolution import persons_beyond_one
from lever.kernels.social import regroup_branches
from lever.model.build import allocation_vector, build_params, build_state, schedules, schedules_to
from lever.model.network import checked_network, from_networkx, read_edge_list, workplace_network
from lever.model.scenario import NONE, Scenario, Strategy
from lever.model.state import N_TALLY, Network, Params, State

if TYPE_CHECKING:
    import networkx as nx

#: Names of ``State.tally``'s counts, as columns of the series (see ``lever.model.state``).
TALLIES = (
    "host_kernel_to_rival", "host_left", "host_left_to_rival", "host_left_to_group",
    "host_won_inside", "persons_split", "splits_missed", "capitulated", "demoralised", "broke_away",
    "contacts", "contacts_in_reach", "recruited", "trained", "group_left", "contacts_distance",
)  # fmt: skip
assert len(TALLIES) == N_TALLY


@dataclass(frozen=True)
class Run:
    """One simulated history of a field under one strategy.

    Attributes
    ----------
    scenario, strategy, seed : what was run; ``twin`` marks the twin world (the group
        present but doing nothing).
    series : one row per step (0 = start): sizes, kernels and platforms per organization,
        the group's members and cadre, those holding the group's views, the host's
        kernel of step 0 now in the rival, cumulative expulsions, and the running counts of
        :data:`TALLIES`.
    flows : persons who moved from row to column over the run, ``(K + 1, K + 1)``, the
        unorganized last (labels in ``labels``).
    final : the population's arrays at the horizon.
    """

    scenario: Scenario
    strategy: str
    seed: int
    series: pd.DataFrame
    flows: np.ndarray
    final: State
    twin: bool = False

    @property
    def labels(self) -> list[str]:
        return [*self.scenario.org_keys, NONE]

    def flow_table(self) -> pd.DataFrame:
        """The from→to matrix as a labelled DataFrame (rows: from, columns: to)."""
        return pd.DataFrame(self.flows, index=pd.Index(self.labels, name="from"), columns=self.labels)


def make_network(
    scenario: Scenario, n: int, rng: np.random.Generator, network: Network | nx.Graph | None = None
) -> Network:
    """The social layer: ``network`` if given (a :class:`Network`, or a NetworkX graph),
    else the scenario's edge-list file, else woven from workplaces."""
    if isinstance(network, Network):
        return checked_network(network, n)
    if network is not None:
        return from_networkx(network, n)
    if scenario.network.edges:
        return read_edge_list(scenario.network.edges, n)
    net = scenario.network
    return workplace_network(n, net.workplace_size, net.workplace_ties, net.random_ties, rng)


def _one_thread_in_workers() -> None:
    """A run inside a pool of worker processes (``lever weigh --jobs``) keeps to one thread:
    the pool fills the cores already, and the conversation kernel's parallel stages would
    wait on threads the other workers hold (measured ten times slower). Results do not
    depend on the number of threads."""
    if multiprocessing.parent_process() is not None and numba.get_num_threads() > 1:
        numba.set_num_threads(1)


def observed_columns(scenario: Scenario) -> list[str]:
    """Names of the row ``simulate``'s ``on_row`` receives each step (the first columns of the
    series after ``step`` and ``week``)."""
    return _columns(scenario)


def _columns(scenario: Scenario) -> list[str]:
    labels = [*scenario.org_keys, NONE]
    return [
        *(f"size_{k}" for k in labels),
        *(f"kernel_{k}" for k in labels),
        "group_members",
        "group_cadre",
        "won",
        "host_kernel_in_rival",
    ]


class World(NamedTuple):
    """A field at week 0, before any strategy: the population and its social layer. It
    depends on the scenario's organizations and the seed only, so the strategies of one
    world (and its twin) can share it."""

    state: State
    network: Network


def build_world(scenario: Scenario, seed: int, network: Network | nx.Graph | None = None) -> World:
    """The world ``simulate`` starts from: ``SeedSequence(seed)`` draws the population,
    then the social layer (``network`` replaces it, as in :func:`simulate`)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    state = build_state(scenario, rng)
    return World(state, make_network(scenario, state.n, rng, network))


def simulate(
    scenario: Scenario,
    strategy: str | None = None,
    *,
    seed: int = 0,
    steps: int | None = None,
    network: Network | nx.Graph | None = None,
    on_step: Callable[[int], None] | None = None,
    on_row: Callable[[int, np.ndarray], None] | None = None,
    twin: bool = False,
    start: World | None = None,
    until_milestones: bool = False,
) -> Run:
    """Run ``scenario`` under ``strategy`` (default: the scenario's) for ``steps`` steps.

    ``SeedSequence(seed)`` builds the field (a ``numpy.random.Generator``) and keys every
    draw of the run (:mod:`lever.kernels.draw`), so the same seed gives the same bits.
    ``twin=True`` runs the twin world of that seed: the group present but doing nothing (no
    speaking, recruiting, entering or paper); ``strategy`` is then only a label. ``network``
    replaces the social layer (a NetworkX graph on nodes ``0..n-1``, or a
    :class:`lever.model.state.Network`). ``on_step(t)`` is called after each step (for progress);
    ``on_row(t, row)`` with the step's observed row (:func:`observed_columns`; step 0 too),
    for a page that draws the run as it goes. ``start`` is the world :func:`build_world` made
    for this scenario and seed (runs of one world share it; the run works on a copy), else it
    is built here. ``until_milestones`` ends the run in the first week the group reaches the
    field's last milestone (its series then stops there; up to it, the same bits): an experiment
    that reads only the weeks to the milestones (thesis 3) runs no further weeks than it reads.
    """
    _one_thread_in_workers()
    name = strategy or scenario.default_strategy
    chosen = scenario.strategies[name]
    steps = scenario.steps if steps is None else steps
    key = run_key(seed)
    world = build_world(scenario, seed, network) if start is None else start
    state, net = world.state.copy(), world.network
    state.tie_word[:] = -1  # the ties counted afresh in the first week, on this network (lever.kernels.ties)
    if twin:
        before = after = build_params(scenario, None, active=False)
    else:
        before, after = build_params(scenario, None), build_params(scenario, chosen)
    before = schedules_to(before, steps)
    after = after._replace(**schedules(before))
    entry_step = -1 if twin else round(chosen.entry_week / scenario.step_weeks)
    allocation = allocation_vector(scenario, chosen)
    K = len(scenario.organizations)
    flows = np.zeros((K + 1, K + 1))
    n_branches = state.branch_start.shape[0] - 1
    rows = np.empty((steps + 1, 2 * (K + 1) + 4))
    platforms = np.empty((steps + 1, K, 2))
    expelled = np.zeros(steps + 1)
    tallies = np.zeros((steps + 1, N_TALLY))
    rows[0], platforms[0] = observe(state, before), state.platform
    if on_row is not None:
        on_row(0, rows[0])
    params = before
    members, last_milestone = _columns(scenario).index("group_members"), scenario.milestone_sizes[-1]
    for t in range(1, steps + 1):
        state = with_room(state, params)
        if t - 1 == entry_step:
            enter(state, params, allocation, chosen.conviction, t, flows, key)
            params = after
        expelled[t] = expelled[t - 1] + step(state, params, net, t, flows, key, n_branches)
        params = _rebuilt_paper(scenario, chosen, params, state, t)
        rows[t], platforms[t], tallies[t] = observe(state, params), state.platform, state.tally
        if on_step is not None:
            on_step(t)
        if on_row is not None:
            on_row(t, rows[t])
        if until_milestones and rows[t, members] >= last_milestone:
            rows, platforms, expelled, tallies = rows[: t + 1], platforms[: t + 1], expelled[: t + 1], tallies[: t + 1]
            break
    series = _series(scenario, rows, platforms, expelled, tallies)
    return Run(scenario, name, seed, series, flows, state.trimmed(), twin)


def _rebuilt_paper(scenario: Scenario, chosen: Strategy, params: Params, state: State, t: int) -> Params:
    """``params`` once a group that gave up its paper on entry has rebuilt it,
    ``rebuild_steps`` after its first expulsion: its own organ reaches its readers again and
    costs its cadre's effort again (``params`` unchanged before, or without the mechanism)."""
    if params.rebuild_steps < 0:
        return params
    first = state.expulsion[state.expulsion >= 0]
    if first.size == 0 or t - int(first.min()) < params.rebuild_steps:
        return params
    rebuilt = build_params(scenario, chosen.model_copy(update={"press": "both"}))
    return rebuilt._replace(**schedules(params), rebuild_steps=-1)


def with_room(state: State, params: Params) -> State:
    """``state`` with room for the persons one step may split off: an eighth of the agents,
    but no more than the coarse agents hold beyond one person each (a field held person by
    person splits nobody off), and for each of the group's people its talks and contacts.
    Grown by an eighth over the need, not doubled: at 10^8 agents the difference is gigabytes,
    and a copy now and then costs little beside the steps between."""
    n = state.n
    faction = int(np.count_nonzero(state.faction[:n]))
    per_person = 3 + 2 * math.ceil(params.committed_talk) + math.ceil(params.recruit_contacts)
    need = n + 4096 + n // 8 + faction * per_person
    if state.capacity >= need:
        return state
    need = n + 4096 + min(n // 8, math.ceil(persons_beyond_one(state.weight, n))) + faction * per_person
    if state.capacity >= need:
        return state
    return state.with_capacity(need + need // 8)


def step(
    state: State, params: Params, net: Network, t: int, flows: np.ndarray, key: np.uint64, n_branches: int
) -> float:
    """The six mechanisms of step ``t`` in order (the group's entry is the caller's); returns
    the persons expelled in it. ``key`` keys every draw (:mod:`lever.kernels.draw`)."""
    regroup_branches(state, n_branches)
    read_press(state, params, key, t)
    converse(state, params, net, key, t)
    anchor(state, params)  # each off at 0 (issue 23)
    update_satisfaction(state, params, t)
    open_by_strain(state, params)
    leave_and_join(state, params, net, t, flows, key)
    # the apparatus disciplines those inside (some capitulate), expels the current it will not
    # tolerate, and both before the week's recruiting: a current it will not tolerate is out
    # before it wins anyone ("expulsion at once")
    capitulate(state, params, t, key)
    expelled = expel_currents(state, params, t, flows, key)
    recruit(state, params, net, t, flows, key)  # it lists the recruiters' branches as they are now
    drift_platforms(state, params)
    return expelled


def _series(
    scenario: Scenario, rows: np.ndarray, platforms: np.ndarray, expelled: np.ndarray, tallies: np.ndarray
) -> pd.DataFrame:
    steps = np.arange(rows.shape[0])
    df = pd.DataFrame(rows, columns=_columns(scenario))
    for k, key in enumerate(scenario.org_keys):
        df[f"radicalism_{key}"] = platforms[:, k, 0]
        df[f"independence_{key}"] = platforms[:, k, 1]
    df["expelled"] = expelled
    for c, name in enumerate(TALLIES):
        df[name] = tallies[:, c]
    df.insert(0, "week", steps * scenario.step_weeks)
    df.insert(0, "step", steps)
    return df
