"""Mechanism 2, conversation: bounded confidence weighted by trust; the committed never move."""

from __future__ import annotations

import numpy as np
import pytest

from lever.kernels.conversation import converse
from lever.kernels.draw import CONVERSE, keyed, step_key
from lever.kernels.opinion import deffuant_exchange
from lever.model.state import TALLY_MISSED, TALLY_SPLIT

BIG, HOST, RIVAL, GROUP, K = 0, 1, 2, 3, 4


def test_two_close_members_exchange_symmetrically_once_per_sweep_talker(hand):
    # two agents, one tie, no branches: each of the two talks once, with the other
    params = hand.params(committed_talk=0.0)
    state = hand.state([HOST, HOST], [[0.5, 0.5], [0.6, 0.5]])
    converse(state, params, hand.net(2, [(0, 1)]), np.uint64(0), 0)
    m = params.convergence * params.trust_inside
    gap = 0.1 * (1 - 2 * m) ** 2
    assert state.opinion[:, 0] == pytest.approx([0.55 - gap / 2, 0.55 + gap / 2], abs=1e-14)
    assert np.array_equal(state.opinion[:, 1], [0.5, 0.5])


def test_no_exchange_beyond_confidence(hand):
    params = hand.params()
    start = [[0.2, 0.5], [0.2 + params.confidence + 0.05, 0.5]]
    state = hand.state([HOST, HOST], start)
    net = hand.net(2, [(0, 1)])
    for step in range(200):
        converse(state, params, net, np.uint64(1), step)
    assert np.array_equal(state.opinion, start)


def test_committed_person_never_moves_and_speaks_more(hand):
    params = hand.params(committed_talk=2.0)
    state = hand.state([HOST, HOST], [[0.5, 0.5], [0.6, 0.5]], committed=[True, False])
    converse(state, params, hand.net(2, [(0, 1)]), np.uint64(0), 0)
    m = params.convergence * params.trust_inside
    # each talks once in the sweep, the committed one twice more: four exchanges, one-sided
    assert np.array_equal(state.opinion[0], [0.5, 0.5])
    assert state.opinion[1, 0] == pytest.approx(0.5 + 0.1 * (1 - m) ** 4, abs=1e-14)


def test_committed_person_never_moves_over_many_steps_in_a_crowd(hand, tiny):
    from lever.kernels.social import regroup_branches
    from lever.model.build import build_state
    from lever.sim.engine import make_network

    rng = np.random.default_rng(5)
    state = build_state(tiny, rng)
    net = make_network(tiny, state.n, rng)
    n = state.n
    state = state.with_capacity(n + 5000)  # room for persons split off coarse agents
    params = hand.params("enter")
    committed = state.committed[:n].copy()
    before = state.opinion[:n][committed].copy()
    assert before.shape[0] > 10
    regroup_branches(state, hand.n_branches)
    start = state.opinion[:n].copy()
    for step in range(50):
        converse(state, params, net, np.uint64(5), step)
    assert np.array_equal(state.opinion[:n][committed], before)
    assert not np.array_equal(state.opinion[:n], start)  # the others did move


def test_isolated_person_never_moves(hand):
    params = hand.params()
    state = hand.state([HOST, HOST, K], [[0.5, 0.5], [0.55, 0.5], [0.52, 0.5]])
    net = hand.net(3, [(0, 1)])
    for step in range(100):
        converse(state, params, net, np.uint64(2), step)
    assert np.array_equal(state.opinion[2], [0.52, 0.5])
    assert state.opinion[1, 0] < 0.55


def test_branch_mates_talk_without_social_ties(hand):
    b = hand.first_branch(HOST)
    params = hand.params(committed_talk=0.0, branch_talk=1.0)
    state = hand.state([HOST, HOST], [[0.5, 0.5], [0.6, 0.5]], branch=[b, b])
    converse(state, params, hand.net(2), np.uint64(0), 0)
    m = params.convergence * params.trust_inside
    assert state.opinion[1, 0] - state.opinion[0, 0] == pytest.approx(0.1 * (1 - 2 * m) ** 2, abs=1e-14)


def _listener_after(hand, speaker_org: int, expelled_from: int, faction: bool) -> float:
    params = hand.params(committed_talk=0.0)
    state = hand.state(
        [HOST, speaker_org],
        [[0.5, 0.5], [0.6, 0.5]],
        committed=[False, True],
        faction=[False, faction],
        expelled_from=[-1, expelled_from],
    )
    converse(state, params, hand.net(2, [(0, 1)]), np.uint64(0), 0)
    return float(state.opinion[0, 0] - 0.5)


def test_listener_moves_by_trust_toward_fellow_outsider_group_and_expelled(hand):
    params = hand.params()
    mu = params.convergence
    fellow = _listener_after(hand, HOST, -1, False)
    outsider = _listener_after(hand, BIG, -1, False)
    group = _listener_after(hand, GROUP, -1, True)
    expelled = _listener_after(hand, GROUP, HOST, True)
    for moved, trust in (
        (fellow, params.trust_inside),
        (outsider, params.trust_outside),
        (group, params.trust_rival),
        (expelled, params.trust_expelled),
    ):
        assert moved == pytest.approx(0.1 * (1 - (1 - mu * trust) ** 2), abs=1e-14)
    assert fellow > outsider > group > expelled > 0


def _reference_sweep(state, params, net, key, step, order):
    """The sweep as the model states it, talk by talk in ``order`` (no branches, nobody
    committed nor of the group): talker ``i``'s partner is neighbour ``floor(u * deg)`` of
    its row, ``u`` its keyed draw in slot 1."""
    skey = np.uint64(step_key(key, CONVERSE, step))
    opinion = state.opinion.copy()
    for i in order:
        row = state.social[i]
        nbrs = net.indices[net.indptr[row] : net.indptr[row + 1]]
        if nbrs.size == 0:
            continue
        j = nbrs[min(int(keyed(skey, state.ident[i], 1) * nbrs.size), nbrs.size - 1)]
        m = params.convergence * params.receptivity[0] * params.trust_inside
        deffuant_exchange(opinion, i, j, params.confidence, m, m)
    return opinion


def test_every_person_talks_once_in_index_order_with_a_keyed_partner(hand):
    n = 30
    rng = np.random.default_rng(3)
    edges = {(int(a), int(b)) for a, b in rng.integers(0, n, (60, 2)) if a != b}
    net = hand.net(n, sorted(edges))
    params = hand.params(committed_talk=0.0)
    start = 0.5 + 0.1 * rng.random((n, 2))  # all within confidence of each other
    state = hand.state([HOST] * n, start)
    converse(state, params, net, np.uint64(9), 4)
    expected = _reference_sweep(hand.state([HOST] * n, start), params, net, np.uint64(9), 4, range(n))
    assert np.allclose(state.opinion, expected, rtol=0, atol=1e-15)
    # the order matters: the same talks held backwards end elsewhere
    backwards = _reference_sweep(hand.state([HOST] * n, start), params, net, np.uint64(9), 4, range(n - 1, -1, -1))
    assert not np.allclose(state.opinion, backwards, rtol=0, atol=1e-12)


def test_talks_are_keyed_by_person_and_step_not_by_who_else_is_there(hand):
    n = 20
    rng = np.random.default_rng(4)
    edges = [(i, (i + 1) % n) for i in range(n)] + [(i, (i + 7) % n) for i in range(n)]
    params = hand.params(committed_talk=0.0)
    start = 0.5 + 0.1 * rng.random((n, 2))
    state = hand.state([HOST] * n, start)
    converse(state, params, hand.net(n, edges), np.uint64(1), 2)
    # one more person at the end, tied to nobody: nobody else's talks change
    more = hand.state([HOST] * n + [K], np.vstack([start, [[0.5, 0.5]]]))
    converse(more, params, hand.net(n + 1, edges), np.uint64(1), 2)
    assert np.array_equal(more.opinion[:n], state.opinion)
    # another step (or another run) draws other partners
    other = hand.state([HOST] * n, start)
    converse(other, params, hand.net(n, edges), np.uint64(1), 3)
    assert not np.array_equal(other.opinion, state.opinion)


def test_the_committed_speak_committed_talk_more_times_on_average(hand):
    # committed_talk = 1.5: one extra talk, and a second with chance 1/2 (slot 2); the
    # talks this sweep are read off how much the other one moved (a factor 1 - m each)
    params = hand.params(committed_talk=1.5)
    m = params.convergence * params.trust_inside
    steps = 800
    talks = []
    for step in range(steps):
        state = hand.state([HOST, HOST], [[0.5, 0.5], [0.6, 0.5]], committed=[True, False])
        converse(state, params, hand.net(2, [(0, 1)]), np.uint64(6), step)
        talks.append(round(np.log((state.opinion[1, 0] - 0.5) / 0.1) / np.log(1 - m)))
    assert set(talks) == {3, 4}  # the sweep's two, one extra, and maybe one more
    share = np.mean(np.array(talks) == 4)
    assert share == pytest.approx(0.5, abs=4 * np.sqrt(0.25 / steps))


@pytest.mark.parametrize("committed", [False, True])
def test_in_the_twin_world_the_groups_people_neither_move_nor_move_anyone(hand, committed):
    start = [[0.5, 0.5], [0.6, 0.5], [0.55, 0.5]]
    net = hand.net(3, [(0, 1), (1, 2)])
    for active in (False, True):
        params = hand.params(active=active)
        state = hand.state([HOST, HOST, HOST], start, faction=[False, True, False], committed=[False, committed, False])
        for step in range(30):
            converse(state, params, net, np.uint64(3), step)
        if not active:
            assert np.array_equal(state.opinion, start)
        else:  # the control: speaking, the group's person moves the others
            assert state.opinion[0, 0] > 0.5 and state.opinion[2, 0] > 0.55
            assert (state.opinion[1, 0] == 0.6) == committed


def test_a_coarse_agent_is_moved_by_the_groups_person_one_person_at_a_time(hand):
    # 0 a committed person of the group in the host; 1 an unorganized agent of 5 persons
    params = hand.params(committed_talk=0.0)
    start = [[0.6, 0.5], [0.5, 0.5]]
    state = hand.state(
        [HOST, K], start, room=2, weight=[1, 5], faction=[True, False], committed=[True, False], ident=[10, 11]
    )
    converse(state, params, hand.net(2, [(0, 1)]), np.uint64(0), 0)
    # both talks (0 with 1, then 1 with 0) split a person off 1, who takes the talk
    assert state.n == 4 and state.tally[TALLY_SPLIT] == 2
    assert state.weight[:4].tolist() == [1, 3, 1, 1]
    assert np.array_equal(state.opinion[:2], start)  # the agent itself is not moved
    step = params.convergence * params.receptivity[0] * params.trust_outside
    for j in (2, 3):
        assert state.opinion[j] == pytest.approx([0.5 + step * 0.1, 0.5], abs=1e-15)
        assert state.org[j] == K and state.root[j] == 1 and state.social[j] == 1
        assert not state.faction[j]
    assert len({int(x) for x in state.ident[:4]}) == 4


def test_without_room_to_split_the_talk_with_a_coarse_agent_is_not_held(hand):
    params = hand.params(committed_talk=0.0)
    start = [[0.6, 0.5], [0.5, 0.5]]
    state = hand.state([HOST, K], start, weight=[1, 5], faction=[True, False], committed=[True, False])
    converse(state, params, hand.net(2, [(0, 1)]), np.uint64(0), 0)
    assert state.n == 2 and state.tally[TALLY_MISSED] == 2
    assert np.array_equal(state.opinion, start) and state.weight.tolist() == [1, 5]


def test_a_coarse_agent_talking_with_anyone_else_moves_as_a_whole(hand):
    params = hand.params(committed_talk=0.0)
    state = hand.state([HOST, K], [[0.6, 0.5], [0.5, 0.5]], room=2, weight=[1, 5], committed=[True, False])
    converse(state, params, hand.net(2, [(0, 1)]), np.uint64(0), 0)
    assert state.n == 2 and state.tally[TALLY_SPLIT] == 0
    m = params.convergence * params.trust_outside
    assert state.opinion[1, 0] == pytest.approx(0.6 - 0.1 * (1 - m) ** 2, abs=1e-15)


def test_the_sweeps_trust_of_kinds_is_trust_between_for_every_pair_of_persons(hand):
    """The conversation reads trust from a table of kinds (lever.kernels.conversation._trust_of_kinds):
    for persons of every organization, in the group or not, expelled by any organization or none,
    and a declared entry's trust inside the host, it gives trust_between's number exactly."""
    from lever.kernels.conversation import _pack, _trust, _trust_of_kinds
    from lever.kernels.social import trust_between, trust_table

    K = hand.params().n_orgs
    params = hand.params(declared_trust=np.linspace(0.8, 1.3, K), brand=np.full((K + 1, K), 0.4))
    table = trust_table(params)
    kinds = _trust_of_kinds(table)
    persons = [(org, faction, expelled) for org in range(K + 1) for faction in (0, 1) for expelled in range(-1, K)]
    for k, f_l, e_l in persons:
        listener = _pack(k, e_l, 0, False, f_l)
        for org, faction, expelled in persons:
            speaker = _pack(org, expelled, 1, False, faction)
            assert _trust(kinds, listener, speaker) == trust_between(table, k, org, faction, expelled)
    assert len({float(v) for v in kinds.ravel()}) >= 5  # the kinds differ: the check can fail
