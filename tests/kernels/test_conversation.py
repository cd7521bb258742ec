"""Mechanism 2, conversation: bounded confidence weighted by trust; the committed never move."""

from __future__ import annotations

import numpy as np
import pytest

from lever.kernels.conversation import converse

BIG, HOST, RIVAL, GROUP, K = 0, 1, 2, 3, 4


def test_two_close_members_exchange_symmetrically_once_per_sweep_pick(hand):
    # two agents, one tie, no branches: each of the n = 2 picks is an exchange between them
    params = hand.params(committed_talk=0.0)
    state = hand.state([HOST, HOST], [[0.5, 0.5], [0.6, 0.5]])
    converse(state, params, hand.net(2, [(0, 1)]), np.random.default_rng(0))
    m = params.convergence * params.trust_inside
    gap = 0.1 * (1 - 2 * m) ** 2
    assert state.opinion[:, 0] == pytest.approx([0.55 - gap / 2, 0.55 + gap / 2], abs=1e-14)
    assert np.array_equal(state.opinion[:, 1], [0.5, 0.5])


def test_no_exchange_beyond_confidence(hand):
    params = hand.params()
    start = [[0.2, 0.5], [0.2 + params.confidence + 0.05, 0.5]]
    state = hand.state([HOST, HOST], start)
    net = hand.net(2, [(0, 1)])
    rng = np.random.default_rng(1)
    for _ in range(200):
        converse(state, params, net, rng)
    assert np.array_equal(state.opinion, start)


def test_committed_person_never_moves_and_speaks_more(hand):
    params = hand.params(committed_talk=2.0)
    state = hand.state([HOST, HOST], [[0.5, 0.5], [0.6, 0.5]], committed=[True, False])
    converse(state, params, hand.net(2, [(0, 1)]), np.random.default_rng(0))
    m = params.convergence * params.trust_inside
    # two sweep picks and two extra talks of the committed one: four exchanges, one-sided
    assert np.array_equal(state.opinion[0], [0.5, 0.5])
    assert state.opinion[1, 0] == pytest.approx(0.5 + 0.1 * (1 - m) ** 4, abs=1e-14)


def test_committed_person_never_moves_over_many_steps_in_a_crowd(hand, tiny):
    from lever.build import build_state
    from lever.engine import make_network
    from lever.kernels.social import regroup_branches

    rng = np.random.default_rng(5)
    state = build_state(tiny, rng)
    net = make_network(tiny, state.n, rng)
    params = hand.params()
    before = state.opinion[state.committed].copy()
    assert before.shape[0] > 10
    regroup_branches(state, hand.n_branches)
    start = state.opinion.copy()
    for _ in range(50):
        converse(state, params, net, rng)
    assert np.array_equal(state.opinion[state.committed], before)
    assert not np.array_equal(state.opinion, start)  # the others did move


def test_isolated_person_never_moves(hand):
    params = hand.params()
    state = hand.state([HOST, HOST, K], [[0.5, 0.5], [0.55, 0.5], [0.52, 0.5]])
    net = hand.net(3, [(0, 1)])
    rng = np.random.default_rng(2)
    for _ in range(100):
        converse(state, params, net, rng)
    assert np.array_equal(state.opinion[2], [0.52, 0.5])
    assert state.opinion[1, 0] < 0.55


def test_branch_mates_talk_without_social_ties(hand):
    b = hand.first_branch(HOST)
    params = hand.params(committed_talk=0.0, branch_talk=1.0)
    state = hand.state([HOST, HOST], [[0.5, 0.5], [0.6, 0.5]], branch=[b, b])
    converse(state, params, hand.net(2), np.random.default_rng(0))
    m = params.convergence * params.trust_inside
    assert state.opinion[1, 0] - state.opinion[0, 0] == pytest.approx(0.1 * (1 - 2 * m) ** 2, abs=1e-14)


def _listener_after(hand, speaker_org: int, expelled_from: int, faction: bool) -> float:
    params = hand.params(committed_talk=0.0)
    state = hand.state(
        [HOST, speaker_org], [[0.5, 0.5], [0.6, 0.5]], committed=[False, True],
        faction=[False, faction], expelled_from=[-1, expelled_from],
    )
    converse(state, params, hand.net(2, [(0, 1)]), np.random.default_rng(0))
    return float(state.opinion[0, 0] - 0.5)


def test_listener_moves_by_trust_toward_fellow_outsider_group_and_expelled(hand):
    params = hand.params()
    mu = params.convergence
    fellow = _listener_after(hand, HOST, -1, False)
    outsider = _listener_after(hand, BIG, -1, False)
    group = _listener_after(hand, GROUP, -1, True)
    expelled = _listener_after(hand, GROUP, HOST, True)
    for moved, trust in ((fellow, params.trust_inside), (outsider, params.trust_outside),
                         (group, params.trust_rival), (expelled, params.trust_expelled)):
        assert moved == pytest.approx(0.1 * (1 - (1 - mu * trust) ** 2), abs=1e-14)
    assert fellow > outsider > group > expelled > 0


def test_the_serial_block_is_the_parallel_one(tiny):
    from lever.build import build_params, build_state
    from lever.engine import make_network
    from lever.kernels.conversation import _block, _block_serial, _pack
    from lever.kernels.social import regroup_branches, trust_table

    rng = np.random.default_rng(8)
    state = build_state(tiny, rng)
    net = make_network(tiny, state.n, rng)
    params = build_params(tiny, tiny.strategies[tiny.default_strategy])
    regroup_branches(state, state.branch_start.shape[0] - 1)
    who = np.array([_pack(state.org[i], state.expelled_from[i], state.stratum[i], state.committed[i],
                          state.faction[i]) for i in range(state.n)], np.int64)
    links = (state.branch, state.branch_start, state.branch_members, net.indptr, net.indices)
    m = min(state.n, 300)
    outs = []
    for block in (_block, _block_serial):
        opinion = state.opinion.copy()
        pi = np.random.default_rng(9).integers(0, state.n, m)
        pj, pu, pv = np.empty(m, np.int64), np.empty(m), np.empty(m)
        block(opinion, who, links, params.receptivity, trust_table(params), params.convergence,
              params.confidence, params.branch_talk, pi, pj, pu, pv, m, False, np.random.default_rng(10))
        outs.append((opinion, pj.copy()))
    assert np.array_equal(outs[0][0], outs[1][0]) and np.array_equal(outs[0][1], outs[1][1])
    assert not np.array_equal(outs[0][0], state.opinion)
