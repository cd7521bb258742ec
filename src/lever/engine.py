"""The step loop: one step of the field (``step_weeks`` long) is the six mechanisms of
MODEL.md §4, with the apparatus's expulsions before the step's recruiting."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd

from lever.build import allocation_vector, build_params, build_state
from lever.kernels.apparatus import drift_platforms, expel_currents
from lever.kernels.conversation import converse
from lever.kernels.entry import enter
from lever.kernels.mobility import leave_and_join, update_satisfaction
from lever.kernels.observe import observe
from lever.kernels.press import read_press
from lever.kernels.recruitment import recruit
from lever.kernels.social import regroup_branches
from lever.network import from_networkx, read_edge_list, workplace_network
from lever.scenario import NONE, Scenario
from lever.state import Network, State


@dataclass(frozen=True)
class Run:
    """One simulated history of a field under one strategy.

    Attributes
    ----------
    scenario, strategy, seed : what was run.
    series : one row per step (0 = start): sizes, kernels and platforms per organization,
        the group's members and cadre, those won, the host's revolutionaries in the rival,
        cumulative expulsions.
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

    @property
    def labels(self) -> list[str]:
        return [*self.scenario.org_keys, NONE]

    def flow_table(self) -> pd.DataFrame:
        """The from→to matrix as a labelled DataFrame (rows: from, columns: to)."""
        return pd.DataFrame(self.flows, index=pd.Index(self.labels, name="from"), columns=self.labels)


def make_network(
    scenario: Scenario, n: int, rng: np.random.Generator, network: object | None = None
) -> Network:
    """The social layer: ``network`` if given (a :class:`Network`, or a NetworkX graph),
    else the scenario's edge-list file, else woven from workplaces."""
    if isinstance(network, Network):
        return network
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


def _columns(scenario: Scenario) -> list[str]:
    labels = [*scenario.org_keys, NONE]
    return [
        *(f"size_{k}" for k in labels),
        *(f"kernel_{k}" for k in labels),
        "group_members",
        "group_cadre",
        "won",
        "host_revolutionaries_in_rival",
    ]


def simulate(
    scenario: Scenario,
    strategy: str | None = None,
    *,
    seed: int = 0,
    steps: int | None = None,
    network: object | None = None,
    on_step: Callable[[int], None] | None = None,
) -> Run:
    """Run ``scenario`` under ``strategy`` (default: the scenario's) for ``steps`` steps.

    One ``numpy.random.Generator`` seeded from ``SeedSequence(seed)`` drives everything, so the
    same seed gives the same bits. ``network`` replaces the social layer (a NetworkX graph
    on nodes ``0..n-1``, or a :class:`lever.state.Network`). ``on_step(t)`` is called after
    each step (for progress bars).
    """
    _one_thread_in_workers()
    name = strategy or scenario.default_strategy
    chosen = scenario.strategies[name]
    steps = scenario.steps if steps is None else steps
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    state = build_state(scenario, rng)
    net = make_network(scenario, state.n, rng, network)
    before, after = build_params(scenario, None), build_params(scenario, chosen)
    # the disappointment schedule must cover every step run, even past the horizon
    extra = max(0, steps + 1 - before.disappointment.shape[0])
    if extra:
        pad = np.repeat(before.disappointment[-1:], extra, axis=0)
        before = before._replace(disappointment=np.vstack([before.disappointment, pad]))
        after = after._replace(disappointment=before.disappointment)
    entry_step = round(chosen.entry_week / scenario.step_weeks)
    allocation = allocation_vector(scenario, chosen)
    K = len(scenario.organizations)
    flows = np.zeros((K + 1, K + 1))
    n_branches = state.branch_start.shape[0] - 1
    rows = np.empty((steps + 1, 2 * (K + 1) + 4))
    platforms = np.empty((steps + 1, K, 2))
    expelled = np.zeros(steps + 1)
    rows[0], platforms[0] = observe(state, before), state.platform
    params = before
    for t in range(1, steps + 1):
        if t - 1 == entry_step:
            enter(state, params, allocation, chosen.conviction, t, flows, rng)
            params = after
        expelled[t] = expelled[t - 1] + step(state, params, net, t, flows, rng, n_branches)
        rows[t], platforms[t] = observe(state, params), state.platform
        if on_step is not None:
            on_step(t)
    return Run(scenario, name, seed, _series(scenario, rows, platforms, expelled), flows, state)


def step(state: State, params, net: Network, t: int, flows: np.ndarray, rng: np.random.Generator,
         n_branches: int) -> float:
    """The six mechanisms of step ``t`` in order (the group's entry is the caller's); returns
    the persons expelled in it."""
    regroup_branches(state, n_branches)
    read_press(state, params, rng)
    converse(state, params, net, rng)
    update_satisfaction(state, params, t)
    leave_and_join(state, params, net, t, flows, rng)
    # the apparatus acts before the week's recruiting: a current it will not tolerate is
    # out before it wins anyone ("expulsion at once")
    expelled = expel_currents(state, params, t, flows, rng)
    regroup_branches(state, n_branches)
    recruit(state, params, net, t, flows, rng)
    drift_platforms(state, params)
    return expelled


def _series(scenario: Scenario, rows: np.ndarray, platforms: np.ndarray, expelled: np.ndarray) -> pd.DataFrame:
    steps = np.arange(rows.shape[0])
    df = pd.DataFrame(rows, columns=_columns(scenario))
    for k, key in enumerate(scenario.org_keys):
        df[f"radicalism_{key}"] = platforms[:, k, 0]
        df[f"independence_{key}"] = platforms[:, k, 1]
    df["expelled"] = expelled
    df.insert(0, "week", steps * scenario.step_weeks)
    df.insert(0, "step", steps)
    return df
