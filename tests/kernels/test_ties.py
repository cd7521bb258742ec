"""Tie counts kept from week to week (lever.kernels.ties): recounting only where a person or one of
its ties changed gives the shares a fresh count gives, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

import lever.kernels.ties as ties
from lever.kernels.entry import enter
from lever.model.build import allocation_vector, build_params
from lever.model.loading import load
from lever.model.network import NetworkError, from_edges
from lever.model.state import MAX_TIES, TALLY_SPLIT
from lever.sim.engine import World, build_world, simulate, step, with_room


def _kept_against_fresh(steps: int = 40) -> list[int]:
    """britain-1933 under its entry (at week 0, as simulate makes it), its exit mechanisms on:
    after each step, the persons whose shares from the kept counts differ from a fresh count's
    (a copy whose words are all -1)."""
    scenario = load("britain-1933")
    chosen = scenario.strategies[scenario.default_strategy]
    world = build_world(scenario, 3)
    state, net = world.state.copy(), world.network
    before, params = build_params(scenario, None), build_params(scenario, chosen)
    assert params.exit_ties > 0.0 and params.exit_cascade > 0.0  # else leaving never counts ties
    K = params.n_orgs
    flows = np.zeros((K + 1, K + 1))
    differ = []
    for t in range(1, steps + 1):
        state = with_room(state, before)
        if t == 1:  # the group enters the host: its people change organization and faction at once
            enter(state, params, allocation_vector(scenario, chosen), chosen.conviction, t, flows, np.uint64(11))
        step(state, params, net, t, flows, np.uint64(11), state.branch_start.shape[0] - 1)
        since = t + 1 - params.cascade_steps  # as the next step's leaving reads them
        kept = ties.tie_shares(state.copy(), net, K, params.group, since)
        fresh_state = state.copy()
        fresh_state.tie_word[:] = -1
        fresh = ties.tie_shares(fresh_state, net, K, params.group, since)
        differ.append(int(np.sum((kept[0] != fresh[0]) | (kept[1] != fresh[1]))))
    assert state.tally[TALLY_SPLIT] > 0  # persons were split off: the new rows were counted too
    assert chosen.entry_week == 0.0 and state.faction[: state.n][state.org[: state.n] == params.host].any()
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


def test_a_person_whose_own_ties_are_read_from_another_row_still_recounts_those_tied_to_it(hand):
    """The rows to recount are found from the network's node, not from the row the person reads:
    edges 0-1 and 1-2, person 1 reading row 0's ties (as a person split off agent 0 would), person
    1 changes organization: person 2's kept shares must follow."""
    state = hand.state([1, 1, 1], np.full((3, 2), 0.5), social=[0, 0, 2])
    net = hand.net(3, [(0, 1), (1, 2)])
    K, group = hand.params().n_orgs, hand.params().group
    ties.tie_shares(state, net, K, group, 0)
    state.org[1] = 0
    kept = ties.tie_shares(state.copy(), net, K, group, 0)
    state.tie_word[:] = -1
    fresh = ties.tie_shares(state, net, K, group, 0)
    assert np.array_equal(kept[0], fresh[0]) and np.array_equal(kept[1], fresh[1])
    assert fresh[0][2] == 1.0  # person 2's one tie is now elsewhere: the check can fail


def test_a_run_counts_afresh_whatever_counts_its_start_carries():
    """Counts taken on another network (or garbage) in the start world's state change nothing: a run
    counts every person in its first week."""
    scenario = load("britain-1933")
    world = build_world(scenario, 2)
    stale = world.state.copy()
    stale.tie_word[:] = 0
    stale.tie_counts[:] = 12345
    clean = simulate(scenario, seed=2, steps=6, start=world)
    carried = simulate(scenario, seed=2, steps=6, start=World(stale, world.network))
    assert clean.series.equals(carried.series)


def test_a_network_given_that_is_not_symmetric_is_refused():
    from lever.model.state import Network
    from lever.sim.engine import make_network

    one_way = Network(np.array([0, 1, 1, 1]), np.array([1], np.int32))
    with pytest.raises(NetworkError, match="symmetric"):
        make_network(load("britain-1933"), 3, np.random.default_rng(0), one_way)
