"""Mechanism 1, the press: readers move toward the line they read, within confidence."""

from __future__ import annotations

import numpy as np
import pytest

from lever.kernels.draw import PRESS, keyed, step_key
from lever.kernels.press import read_press
from lever.model.state import TALLY_MISSED, TALLY_SPLIT

BIG, HOST, RIVAL, GROUP, K = 0, 1, 2, 3, 4
HOST_PAPER, RIVAL_PAPER, OWN_ORGAN = 0, 1, 2


def only(organ: int, reader_org: int, share: float = 1.0) -> np.ndarray:
    reach = np.zeros((3, K + 1))
    reach[organ, reader_org] = share
    return reach


def test_reader_within_confidence_moves_toward_the_owners_platform_by_the_exact_step(hand):
    params = hand.params(organ_reach=only(HOST_PAPER, HOST), organ_voice=np.zeros(3))
    state = hand.state([HOST], [[0.7, 0.6]])  # 0.1 from the host's platform (0.6, 0.6)
    read_press(state, params, np.uint64(0), 0)
    step = params.convergence * 1.0 * params.trust_inside
    assert state.opinion[0] == pytest.approx([0.7 + step * (0.6 - 0.7), 0.6], abs=1e-15)


def test_reader_beyond_confidence_is_never_moved(hand):
    params = hand.params(organ_reach=only(HOST_PAPER, HOST), organ_voice=np.zeros(3))
    far = [0.6 + params.confidence + 0.01, 0.6]
    state = hand.state([HOST], [far])
    for step in range(200):
        read_press(state, params, np.uint64(1), step)
    assert np.array_equal(state.opinion[0], far)


def test_committed_reader_is_never_moved(hand):
    params = hand.params(organ_reach=only(HOST_PAPER, HOST), organ_voice=np.zeros(3))
    state = hand.state([HOST], [[0.7, 0.6]], committed=[True])
    for step in range(100):
        read_press(state, params, np.uint64(1), step)
    assert np.array_equal(state.opinion[0], [0.7, 0.6])


def test_reader_not_reached_is_not_moved(hand):
    params = hand.params(organ_reach=only(HOST_PAPER, BIG), organ_voice=np.zeros(3))
    state = hand.state([HOST], [[0.7, 0.6]])
    for step in range(100):
        read_press(state, params, np.uint64(1), step)
    assert np.array_equal(state.opinion[0], [0.7, 0.6])


def test_group_voice_in_the_host_press_carries_the_groups_line_while_it_is_inside(hand):
    params = hand.params(organ_reach=only(HOST_PAPER, HOST), organ_voice=np.array([1.0, 0.0, 0.0]))
    # reader 0 near the line (0.9, 0.95), far from the host's (0.6, 0.6); 1 is the group's, inside
    state = hand.state([HOST, HOST], [[0.8, 0.85], [0.9, 0.95]], faction=[False, True], committed=[False, True])
    read_press(state, params, np.uint64(0), 0)
    step = params.convergence * params.trust_inside  # the owner is the reader's own party
    assert state.opinion[0] == pytest.approx([0.8 + step * 0.1, 0.85 + step * 0.1], abs=1e-15)


@pytest.mark.parametrize("where", [GROUP, BIG])
def test_group_without_people_in_the_host_has_no_voice_in_its_press(hand, where):
    """Expelled (back in the group) or elsewhere: the host's press carries its own platform."""
    params = hand.params(organ_reach=only(HOST_PAPER, HOST), organ_voice=np.array([1.0, 0.0, 0.0]))
    state = hand.state(
        [HOST, where],
        [[0.8, 0.85], [0.9, 0.95]],
        faction=[False, True],
        committed=[False, True],
        expelled_from=[-1, HOST if where == GROUP else -1],
    )
    for step in range(50):
        read_press(state, params, np.uint64(1), step)
    # beyond confidence of the host's platform (distance ~0.32): nobody moves
    assert np.array_equal(state.opinion[0], [0.8, 0.85])


@pytest.mark.parametrize(
    ("reader_org", "trust_name"),
    [(BIG, "trust_rival"), (K, "trust_outside"), (GROUP, "trust_inside")],
)
def test_trust_in_the_groups_own_organ(hand, reader_org, trust_name):
    params = hand.params(organ_reach=only(OWN_ORGAN, reader_org), organ_voice=np.zeros(3))
    state = hand.state([reader_org], [[0.8, 0.95]])  # 0.1 from the group's platform
    read_press(state, params, np.uint64(0), 0)
    step = params.convergence * getattr(params, trust_name)
    assert state.opinion[0] == pytest.approx([0.8 + step * 0.1, 0.95], abs=1e-15)


def test_receptivity_scales_the_step(hand):
    params = hand.params(organ_reach=only(HOST_PAPER, HOST), organ_voice=np.zeros(3))
    state = hand.state([HOST, HOST], [[0.7, 0.6], [0.7, 0.6]], stratum=[0, 1])
    read_press(state, params, np.uint64(0), 0)
    moved = 0.7 - state.opinion[:, 0]
    assert params.receptivity[1] == 0.5
    assert moved[1] == pytest.approx(0.5 * moved[0], rel=1e-12)
    assert moved[0] > 0


def test_each_reader_is_reached_with_the_reach_as_chance_by_their_own_draw(hand):
    p = 0.3
    n = 2000
    params = hand.params(organ_reach=only(HOST_PAPER, HOST, p), organ_voice=np.zeros(3))
    state = hand.state([HOST] * n, np.tile([0.7, 0.6], (n, 1)))
    read_press(state, params, np.uint64(4), 2)
    moved = state.opinion[:, 0] < 0.7
    assert np.mean(moved) == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / n))
    skey = np.uint64(step_key(np.uint64(4), PRESS, 2))
    assert np.array_equal(moved, [keyed(skey, np.uint64(i), 2 * HOST_PAPER) < p for i in range(n)])


def test_the_groups_voice_in_the_host_press_reaches_a_reader_with_the_voice_as_chance(hand):
    voice = 0.4
    n = 1500
    params = hand.params(organ_reach=only(HOST_PAPER, HOST), organ_voice=np.array([voice, 0.0, 0.0]), confidence=1.0)
    # readers between the line and the host's platform, and one of the group's people inside
    org = [HOST] * (n + 1)
    opinion = np.vstack([np.tile([0.75, 0.75], (n, 1)), [[0.9, 0.95]]])
    state = hand.state(org, opinion, faction=[False] * n + [True], committed=[False] * n + [True])
    read_press(state, params, np.uint64(2), 0)
    toward_line = state.opinion[:n, 0] > 0.75
    assert np.all(toward_line | (state.opinion[:n, 0] < 0.75))  # every reader read one or the other
    assert np.mean(toward_line) == pytest.approx(voice, abs=4 * np.sqrt(voice * (1 - voice) / n))


def test_a_coarse_reader_moves_as_a_whole_toward_its_owners_platform(hand):
    params = hand.params(organ_reach=only(HOST_PAPER, K), organ_voice=np.zeros(3))
    state = hand.state([K], [[0.7, 0.6]], room=3, weight=[6])
    read_press(state, params, np.uint64(0), 0)
    step = params.convergence * params.trust_outside
    assert state.n == 1 and state.weight[0] == 6
    assert state.opinion[0] == pytest.approx([0.7 + step * (0.6 - 0.7), 0.6], abs=1e-15)


def test_the_groups_line_reaches_a_coarse_readers_persons_one_by_one(hand):
    # the own organ reaches the unorganized with chance 0.05: an agent of 10 persons has one of
    # them split off and moved with chance 10 x 0.05 = 1/2, by its own keyed draw
    reach, w = 0.05, 10
    params = hand.params(organ_reach=only(OWN_ORGAN, K, reach), organ_voice=np.zeros(3))
    start = [0.8, 0.95]  # 0.1 from the line
    step_size = params.convergence * params.trust_outside
    runs = 400
    split = 0
    for key in range(runs):
        state = hand.state([K], [start], room=1, weight=[w], ident=[3])
        read_press(state, params, np.uint64(key), 5)
        expected = keyed(np.uint64(step_key(np.uint64(key), PRESS, 5)), np.uint64(3), 2 * OWN_ORGAN + 1) < w * reach
        assert (state.n == 2) == expected
        assert np.array_equal(state.opinion[0], start)  # the agent never reads its line as a whole
        if state.n == 2:
            split += 1
            assert state.weight[:2].tolist() == [w - 1, 1] and state.tally[TALLY_SPLIT] == 1
            assert state.root[1] == 0 and state.org[1] == K and state.ident[1] != 3
            assert state.opinion[1] == pytest.approx([0.8 + step_size * 0.1, 0.95], abs=1e-15)
    assert split / runs == pytest.approx(0.5, abs=4 * np.sqrt(0.25 / runs))


def test_no_person_is_split_off_for_a_line_beyond_confidence_nor_without_room(hand):
    params = hand.params(organ_reach=only(OWN_ORGAN, K, 0.2), organ_voice=np.zeros(3))
    far = [0.9 - params.confidence - 0.01, 0.95]
    state = hand.state([K], [far], room=5, weight=[10])
    for step in range(50):
        read_press(state, params, np.uint64(1), step)
    assert state.n == 1 and np.array_equal(state.opinion[0], far) and not state.tally.any()
    near = [0.8, 0.95]
    state = hand.state([K], [near], weight=[10])  # no room
    for step in range(50):
        read_press(state, params, np.uint64(1), step)
    assert state.n == 1 and np.array_equal(state.opinion[0], near)
    assert state.tally[TALLY_MISSED] > 0 and state.tally[TALLY_SPLIT] == 0


def test_an_agent_split_down_to_one_person_reads_the_next_organs_as_a_person(hand):
    # an agent of two persons at the line, every organ the group's and read for certain: the
    # first organ splits one person off; the agent, now one person, reads the others as a
    # person (it is never split again into an agent of no one)
    base = hand.params()
    owners = np.full(base.organ_owner.shape, GROUP, base.organ_owner.dtype)
    reach = np.zeros(base.organ_reach.shape)
    reach[:, K] = 1.0
    params = base._replace(organ_owner=owners, organ_reach=reach)
    state = hand.state([K], [list(params.line)], room=5, weight=[2.0])
    read_press(state, params, np.uint64(0), 0)
    n = int(state.count[0])
    assert n == 2 and state.weight[:n].tolist() == [1.0, 1.0] and state.tally[TALLY_SPLIT] == 1


@pytest.mark.parametrize("weight", [1.0, 0.0])
def test_under_relative_agreement_a_paper_reaches_an_open_reader_beyond_confidence(hand, weight):
    """Issue 23: a paper speaks with its core's confidence (u = 0.05), so a reader of uncertainty 0.5
    0.4 from its platform (beyond epsilon = 0.25) moves toward it, by mu x r x T x a with a =
    h / u - 1 = 1, and grows more confident. Under bounded confidence alone it never moves: the sign
    fails there."""
    params = hand.params(organ_reach=only(HOST_PAPER, HOST), organ_voice=np.zeros(3), relative_agreement=weight)
    far = [0.6 + 0.4, 0.6]
    state = hand.state([HOST], [far], uncertainty=[0.5])
    read_press(state, params, np.uint64(0), 0)
    if weight == 0.0:
        assert np.array_equal(state.opinion[0], far) and state.uncertainty[0] == 0.5
        return
    step = params.convergence * params.trust_inside
    assert state.opinion[0] == pytest.approx([far[0] - step * 0.4, 0.6], abs=1e-15)
    assert state.uncertainty[0] == pytest.approx(0.5 + step * (0.05 - 0.5), abs=1e-15)


@pytest.mark.parametrize("weight", [0.0, 0.75])
def test_only_coarse_agents_marked_as_reading_are_visited_and_nothing_else_changes(hand, weight):
    """The coarse agents' reading visits only those the persons' pass marked (an organ's draw below
    its reach, or a person's split-off draw below weight x reach x share): the same bits as visiting
    every coarse agent, as before the marks. Coarse agents of every size in every organization, near
    the line and far, the host's press carrying the group's voice while it is inside, every organ
    reaching everyone; some read as a whole, some have persons split off, most do nothing."""
    from lever.kernels.press import _READ_PERSONS, _read_coarse, _shares, _trusts

    rng = np.random.default_rng(3)
    n = 3000
    orgs = list(rng.choice([BIG, HOST, RIVAL, K], n)) + [HOST]
    opinion = np.vstack([rng.uniform(0.5, 1.0, (n, 2)), [[0.9, 0.95]]])
    reach = np.full((3, K + 1), 0.05)
    params = hand.params(organ_reach=reach, organ_voice=np.array([0.5, 0.0, 0.0]), relative_agreement=weight)
    state = hand.state(orgs, opinion, room=2 * n, weight=list(rng.choice([1.0, 2.0, 2.0, 5.0, 40.0], n)) + [1.0],
                       uncertainty=list(rng.uniform(0.05, 0.5, n + 1)), faction=[False] * n + [True],
                       committed=[False] * n + [True])  # fmt: skip
    marked, every = state.copy(), state.copy()
    read_press(marked, params, np.uint64(6), 3)
    skey = np.uint64(step_key(np.uint64(6), PRESS, 3))
    share = _shares(every, params)
    reads = np.empty(n + 1, np.bool_)
    _READ_PERSONS(n + 1, n + 1, every.opinion, every.org, every.committed, every.weight, every.stratum, every.ident,
                  params.organ_reach, params.organ_owner, share, _trusts(params), params.line, every.platform,
                  params.receptivity, params.convergence, params.confidence, skey, every.uncertainty,
                  params.relative_agreement, params.uncertainty_committed, reads)  # fmt: skip
    coarse = every.weight[: n + 1] > 1.0
    _read_coarse(every, params, skey, share, coarse)  # every coarse agent visited
    assert all(np.array_equal(a, b) for a, b in zip(marked, every, strict=True))
    moved = np.any(marked.opinion[: n + 1] != state.opinion[: n + 1], axis=1)
    assert 0 < reads.sum() < coarse.sum() // 2 and moved[coarse].any() and marked.n > state.n  # it can fail
