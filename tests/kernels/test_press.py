"""Mechanism 1, the press: readers move toward the line they read, within confidence."""

from __future__ import annotations

import numpy as np
import pytest

from lever.kernels.press import read_press

BIG, HOST, RIVAL, GROUP, K = 0, 1, 2, 3, 4
HOST_PAPER, RIVAL_PAPER, OWN_ORGAN = 0, 1, 2


def only(organ: int, reader_org: int, share: float = 1.0) -> np.ndarray:
    reach = np.zeros((3, K + 1))
    reach[organ, reader_org] = share
    return reach


def test_reader_within_confidence_moves_toward_the_owners_platform_by_the_exact_step(hand):
    params = hand.params(organ_reach=only(HOST_PAPER, HOST), organ_voice=np.zeros(3))
    state = hand.state([HOST], [[0.7, 0.6]])  # 0.1 from the host's platform (0.6, 0.6)
    read_press(state, params, np.random.default_rng(0))
    step = params.convergence * 1.0 * params.trust_inside
    assert state.opinion[0] == pytest.approx([0.7 + step * (0.6 - 0.7), 0.6], abs=1e-15)


def test_reader_beyond_confidence_is_never_moved(hand):
    params = hand.params(organ_reach=only(HOST_PAPER, HOST), organ_voice=np.zeros(3))
    far = [0.6 + params.confidence + 0.01, 0.6]
    state = hand.state([HOST], [far])
    rng = np.random.default_rng(1)
    for _ in range(200):
        read_press(state, params, rng)
    assert np.array_equal(state.opinion[0], far)


def test_committed_reader_is_never_moved(hand):
    params = hand.params(organ_reach=only(HOST_PAPER, HOST), organ_voice=np.zeros(3))
    state = hand.state([HOST], [[0.7, 0.6]], committed=[True])
    rng = np.random.default_rng(2)
    for _ in range(100):
        read_press(state, params, rng)
    assert np.array_equal(state.opinion[0], [0.7, 0.6])


def test_reader_not_reached_is_not_moved(hand):
    params = hand.params(organ_reach=only(HOST_PAPER, BIG), organ_voice=np.zeros(3))
    state = hand.state([HOST], [[0.7, 0.6]])
    rng = np.random.default_rng(3)
    for _ in range(100):
        read_press(state, params, rng)
    assert np.array_equal(state.opinion[0], [0.7, 0.6])


def test_group_voice_in_the_host_press_carries_the_groups_line_while_it_is_inside(hand):
    params = hand.params(organ_reach=only(HOST_PAPER, HOST), organ_voice=np.array([1.0, 0.0, 0.0]))
    # reader 0 near the line (0.9, 0.95), far from the host's (0.6, 0.6); 1 is the group's, inside
    state = hand.state([HOST, HOST], [[0.8, 0.85], [0.9, 0.95]], faction=[False, True],
                       committed=[False, True])
    read_press(state, params, np.random.default_rng(0))
    step = params.convergence * params.trust_inside  # the owner is the reader's own party
    assert state.opinion[0] == pytest.approx([0.8 + step * 0.1, 0.85 + step * 0.1], abs=1e-15)


@pytest.mark.parametrize("where", [GROUP, BIG])
def test_group_without_people_in_the_host_has_no_voice_in_its_press(hand, where):
    """Expelled (back in the group) or elsewhere: the host's press carries its own platform."""
    params = hand.params(organ_reach=only(HOST_PAPER, HOST), organ_voice=np.array([1.0, 0.0, 0.0]))
    state = hand.state([HOST, where], [[0.8, 0.85], [0.9, 0.95]], faction=[False, True],
                       committed=[False, True], expelled_from=[-1, HOST if where == GROUP else -1])
    rng = np.random.default_rng(0)
    for _ in range(50):
        read_press(state, params, rng)
    # beyond confidence of the host's platform (distance ~0.32): nobody moves
    assert np.array_equal(state.opinion[0], [0.8, 0.85])


@pytest.mark.parametrize(
    ("reader_org", "trust_name"),
    [(BIG, "trust_rival"), (K, "trust_outside"), (GROUP, "trust_inside")],
)
def test_trust_in_the_groups_own_organ(hand, reader_org, trust_name):
    params = hand.params(organ_reach=only(OWN_ORGAN, reader_org), organ_voice=np.zeros(3))
    state = hand.state([reader_org], [[0.8, 0.95]])  # 0.1 from the group's platform
    read_press(state, params, np.random.default_rng(0))
    step = params.convergence * getattr(params, trust_name)
    assert state.opinion[0] == pytest.approx([0.8 + step * 0.1, 0.95], abs=1e-15)


def test_receptivity_scales_the_step(hand):
    params = hand.params(organ_reach=only(HOST_PAPER, HOST), organ_voice=np.zeros(3))
    state = hand.state([HOST, HOST], [[0.7, 0.6], [0.7, 0.6]], stratum=[0, 1])
    read_press(state, params, np.random.default_rng(0))
    moved = 0.7 - state.opinion[:, 0]
    assert params.receptivity[1] == 0.5
    assert moved[1] == pytest.approx(0.5 * moved[0], rel=1e-12)
    assert moved[0] > 0


def test_readers_are_counted_off_with_the_reach_as_each_ones_chance():
    from lever.kernels.press import _NEVER, _until_reached

    rng = np.random.default_rng(3)
    for p in (0.02, 0.3):
        g = np.array([_until_reached(rng, p) for _ in range(20_000)])
        assert g.min() >= 1
        assert np.mean(g == 1) == pytest.approx(p, abs=4 * np.sqrt(p / 20_000) + 1e-3)
        assert g.mean() == pytest.approx(1 / p, rel=0.05)
    assert _until_reached(rng, 1.0) == 1 and _until_reached(rng, 0.0) == _NEVER
