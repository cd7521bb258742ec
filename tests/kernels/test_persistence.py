"""Issue 23: relative agreement in conversation, strain opening people, anchoring."""

from __future__ import annotations

import math

import numpy as np
import pytest
from inner_calls import called

from lever.kernels.conversation import converse
from lever.kernels.opinion import mixed_exchange, relative_agreement_exchange
from lever.kernels.persistence import anchor, open_by_strain
from lever.kernels.resolution import split_off as _split_off

BIG, HOST, RIVAL, GROUP, K = 0, 1, 2, 3, 4

split_off = called(_split_off)


def _talks_to_reach(d0: float, radius: float, m: float) -> int:
    """Talks a listener needs to come from ``d0`` to within ``radius`` of a confident speaker
    it agrees with fully (a = 1): the gap shrinks by ``1 - m`` a talk."""
    return math.ceil(math.log(radius / d0) / math.log(1.0 - m))


@pytest.mark.parametrize("weight", [1.0, 0.0])
def test_confident_speaker_brings_a_listener_from_two_epsilon_into_recruiting_reach(hand, weight):
    """A committed speaker (u = 0.05) and an uncertain listener (u = 0.6) 2 epsilon = 0.5 apart:
    the overlap is 2 u_speaker, so the relative agreement is 1 and stays 1 (the gap and the
    difference of uncertainties shrink alike), and the listener comes within the recruiting
    radius in ceil(ln(R / 2 eps) / ln(1 - m)) talks. Under bounded confidence alone (weight 0)
    the listener is beyond epsilon and never moves: the test's sign fails there."""
    params = hand.params(committed_talk=0.0, relative_agreement=weight)
    eps, radius = params.confidence, params.recruit_radius
    state = hand.state([HOST, HOST], [[0.3, 0.5], [0.3 + 2 * eps, 0.5]], committed=[True, False],
                       uncertainty=[0.05, 0.6])  # fmt: skip
    net = hand.net(2, [(0, 1)])
    m = params.convergence * params.receptivity[0] * params.trust_inside
    talks = _talks_to_reach(2 * eps, radius, m)
    for step in range((talks + 1) // 2):  # two talks a sweep: each of the two starts one
        converse(state, params, net, np.uint64(3), step)
    gap = state.opinion[1, 0] - 0.3
    if weight == 0.0:
        assert gap == 2 * eps  # beyond the bound: not a hair's move
        return
    assert gap < radius
    done = 2 * ((talks + 1) // 2)
    assert gap == pytest.approx(2 * eps * (1 - m) ** done, rel=1e-12)
    assert state.opinion[0, 0] == 0.3 and state.uncertainty[0] == 0.05  # the committed never move
    assert 0.05 < state.uncertainty[1] < 0.6  # the listener grew more confident


def test_weight_zero_reads_no_uncertainty(hand):
    """Off, the uncertainties are neither read nor written: any values give the same bits."""
    params = hand.params(committed_talk=1.5)
    start = [[0.5, 0.5], [0.6, 0.55], [0.62, 0.4], [0.9, 0.9]]
    net = hand.net(4, [(0, 1), (1, 2), (2, 3), (0, 3)])
    out = []
    for u in ([0.25] * 4, [0.01, 2.0, 0.3, 0.7]):
        state = hand.state([HOST, HOST, RIVAL, HOST], start, committed=[False, True, False, False],
                           uncertainty=u)  # fmt: skip
        for step in range(20):
            converse(state, params, net, np.uint64(9), step)
        assert np.array_equal(state.uncertainty[:4], u)
        out.append(state.opinion.copy())
    assert np.array_equal(out[0], out[1])


def test_mixed_exchange_at_weight_one_is_relative_agreement():
    rng = np.random.default_rng(4)
    for _ in range(200):
        x = rng.random((2, 2))
        u = rng.uniform(0.05, 1.0, 2)
        x2, u2 = x.copy(), u.copy()
        mixed_exchange(x, u, 0, 1, 0.25, 0.3, 0.2, 1.0)
        relative_agreement_exchange(x2, u2, 0, 1, 0.3, 0.2)
        np.testing.assert_allclose(x, x2, rtol=0, atol=1e-15)
        np.testing.assert_allclose(u, u2, rtol=0, atol=1e-15)


def test_equal_uncertainties_reach_as_far_as_bounded_confidence():
    """Two persons of equal u move each other exactly when d < u (h > u)."""
    for d, moves in ((0.24, True), (0.26, False)):
        x = np.array([[0.3], [0.3 + d]])
        u = np.array([0.25, 0.25])
        assert relative_agreement_exchange(x, u, 0, 1, 0.5, 0.5) == moves


def test_strain_opens_the_discontented_and_the_committed_stay_confident(hand):
    params = hand.params(relative_agreement=1.0, uncertainty=0.2, uncertainty_committed=0.05,
                         strain_uncertainty=1.5)  # fmt: skip
    state = hand.state([HOST, HOST, HOST, HOST], [[0.5, 0.5]] * 4, committed=[False, False, False, True],
                       satisfaction=[1.0, 0.0, 0.5, 0.0], uncertainty=[0.1, 0.1, 0.9, 0.3])  # fmt: skip
    open_by_strain(state, params)
    # the floor is 0.2 (1 + 1.5 (1 - s)); one already more open keeps its uncertainty
    np.testing.assert_allclose(state.uncertainty[:4], [0.2, 0.5, 0.9, 0.05])


def test_strain_does_nothing_without_relative_agreement(hand):
    params = hand.params(strain_uncertainty=1.5)
    state = hand.state([HOST, HOST], [[0.5, 0.5]] * 2, satisfaction=[0.0, 0.0], uncertainty=[0.1, 0.1])
    open_by_strain(state, params)
    assert np.array_equal(state.uncertainty[:2], [0.1, 0.1])


def test_anchoring_pulls_the_uncommitted_back_to_week_zero(hand):
    params = hand.params(anchoring=0.25)
    state = hand.state([HOST, HOST], [[0.4, 0.4], [0.8, 0.8]], committed=[False, True],
                       anchor=[[0.8, 0.4], [0.1, 0.1]])  # fmt: skip
    anchor(state, params)
    np.testing.assert_allclose(state.opinion[0], [0.5, 0.4])
    assert np.array_equal(state.opinion[1], [0.8, 0.8])  # the committed hold their own
    off = hand.state([HOST], [[0.4, 0.4]], anchor=[[0.8, 0.4]])
    anchor(off, hand.params())
    assert np.array_equal(off.opinion[0], [0.4, 0.4])


def test_a_person_split_off_inherits_anchor_and_uncertainty(hand):
    state = hand.state([BIG], [[0.4, 0.6]], room=2, weight=[5.0], uncertainty=[0.37],
                       anchor=[[0.2, 0.9]])  # fmt: skip
    j = split_off(state, 0)
    assert j == 1 and state.uncertainty[1] == 0.37
    assert np.array_equal(state.anchor[1], [0.2, 0.9])
