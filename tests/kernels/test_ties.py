"""Tie counts kept from week to week (lever.kernels.ties): recounting only where a person or one of
its ties changed gives the shares a fresh count gives, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

import lever.kernels.ties as ties
from lever.model.build import build_params
from lever.model.loading import load
from lever.model.network import NetworkError, from_edges
from lever.model.state import MAX_TIES, TALLY_SPLIT
from lever.sim.engine import build_world, step, with_room


def _kept_against_fresh(steps: int = 40) -> list[int]:
    """britain-1933 under its entry, its exit mechanisms on: after each step, the persons whose
    shares from the kept counts differ from a fresh count's (a copy whose words are all -1)."""
    scenario = load("britain-1933")
    world = build_world(scenario, 3)
    state, net = world.state.copy(), world.network
    params = build_params(scenario, scenario.strategies[scenario.default_strategy])
    assert params.exit_ties > 0.0 and params.exit_cascade > 0.0  # else leaving never counts ties
    K = params.n_orgs
    flows = np.zeros((K + 1, K + 1))
    differ = []
    for t in range(1, steps + 1):
        state = with_room(state, params)
        step(state, params, net, t, flows, np.uint64(11), state.branch_start.shape[0] - 1)
        since = t + 1 - params.cascade_steps  # as the next step's leaving reads them
        kept = ties.tie_shares(state.copy(), net, K, params.group, since)
        fresh_state = state.copy()
        fresh_state.tie_word[:] = -1
        fresh = ties.tie_shares(fresh_state, net, K, params.group, since)
        differ.append(int(np.sum((kept[0] != fresh[0]) | (kept[1] != fresh[1]))))
    assert state.tally[TALLY_SPLIT] > 0  # persons were split off: the new rows were counted too
    return differ


def test_kept_counts_give_a_fresh_counts_shares_bit_for_bit():
    assert _kept_against_fresh() == [0] * 40


def test_the_check_fails_when_a_changed_persons_ties_are_not_recounted(monkeypatch):
    """The test above can fail: recounting only the changed persons themselves (not those tied to
    them) leaves stale counts behind."""

    def own_rows(n, changed, social, indptr, indices):
        recount = np.zeros(indptr.shape[0] - 1, np.bool_)
        recount[social[:n][changed]] = True
        return recount

    monkeypatch.setattr(ties, "_rows_to_recount", own_rows)
    assert sum(_kept_against_fresh(10)) > 0


def test_a_node_with_more_ties_than_the_counts_hold_is_refused():
    hub = MAX_TIES + 1
    with pytest.raises(NetworkError, match="ties"):
        from_edges(np.zeros(hub, np.int64), np.arange(1, hub + 1), hub + 1)
