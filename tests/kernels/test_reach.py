"""Issue 23, the funnel's first stages: recruiting counted stage by stage, recruiting by the overlap
rule of relative agreement, and cadre who seek out the sympathetic."""

from __future__ import annotations

import numpy as np
import pytest

from lever.kernels.recruitment import recruit
from lever.model.state import (
    TALLY_CONTACT_DISTANCE,
    TALLY_CONTACTS,
    TALLY_IN_REACH,
    TALLY_RECRUITED,
    TALLY_TRAINED,
)

BIG, HOST, RIVAL, GROUP, K = 0, 1, 2, 3, 4
LINE = np.array([0.9, 0.95])


def _one_cadre_among(hand, opinions, uncertainty=None, **changes):
    """A convinced cadre member (agent 0, at the line, inside the host) tied to every other agent,
    each a host member at ``opinions``."""
    n = len(opinions) + 1
    state = hand.state([HOST] * n, [LINE, *opinions], committed=[True] + [False] * (n - 1),
                       faction=[True] + [False] * (n - 1), cadre=[True] + [False] * (n - 1),
                       convinced=[True] + [False] * (n - 1), branch=[hand.first_branch(HOST)] * n,
                       uncertainty=uncertainty if uncertainty is not None else [0.25] * n)  # fmt: skip
    net = hand.net(n, [(0, j) for j in range(1, n)])
    return state, net, hand.params(branch_talk=0.0, **changes)


def test_the_funnel_counts_each_stage(hand):
    """Two contacts a step from three acquaintances, one within reach: every contact is counted,
    with its distance; only the near one is in reach; recruited ones are counted, and trained."""
    near, far = LINE - [0.1, 0.0], LINE - [0.5, 0.5]
    state, net, params = _one_cadre_among(hand, [near, far, far], recruit_prob=1.0, trust_inside=1.0,
                                          recruit_contacts=2.0, training_steps=3)  # fmt: skip
    for step in range(1, 6):
        recruit(state, params, net, step, hand.flows(), np.uint64(4))
    tally = state.tally
    assert tally[TALLY_CONTACTS] == 10.0
    assert tally[TALLY_RECRUITED] == 1.0 and state.faction[1] and not state.faction[2:].any()
    assert 1.0 <= tally[TALLY_IN_REACH] < tally[TALLY_CONTACTS]
    assert tally[TALLY_TRAINED] == 1.0 and state.cadre[1]
    far_d, near_d = np.linalg.norm(far - LINE), np.linalg.norm(near - LINE)
    assert near_d * 10 < tally[TALLY_CONTACT_DISTANCE] < far_d * 10


@pytest.mark.parametrize("by_agreement", [True, False])
def test_a_confident_recruiter_reaches_an_open_listener_beyond_the_radius(hand, by_agreement):
    """A contact 0.4 from the line (beyond R' = 0.25) with uncertainty 0.5, a recruiter of
    uncertainty 0.05: the overlap rule (h = min(0.05 + 0.5 - 0.4, 0.1) = 0.1 > 0.05) puts it in
    reach, and it is recruited. Without recruit_by_agreement it never is: the sign fails there."""
    state, net, params = _one_cadre_among(
        hand,
        [LINE - [0.4, 0.0]],
        uncertainty=[0.05, 0.5],
        recruit_prob=1.0,
        trust_inside=1.0,
        recruit_contacts=1.0,
        recruit_by_agreement=by_agreement,
    )
    for step in range(1, 4):
        recruit(state, params, net, step, hand.flows(), np.uint64(1))
    assert state.tally[TALLY_CONTACTS] >= 1.0
    assert bool(state.faction[1]) is by_agreement
    assert bool(state.tally[TALLY_IN_REACH] > 0) is by_agreement


def test_a_closed_listener_stays_out_of_reach_under_the_overlap_rule(hand):
    """The overlap rule is no blank cheque: at uncertainty 0.2 the same contact 0.4 away is beyond
    reach (h = min(0.25 - 0.4, 0.1) < 0.05)."""
    state, net, params = _one_cadre_among(
        hand,
        [LINE - [0.4, 0.0]],
        uncertainty=[0.05, 0.2],
        recruit_prob=1.0,
        trust_inside=1.0,
        recruit_contacts=1.0,
        recruit_by_agreement=True,
    )
    for step in range(1, 4):
        recruit(state, params, net, step, hand.flows(), np.uint64(1))
    assert state.tally[TALLY_IN_REACH] == 0.0 and not state.faction[1]


def _mean_contact_distance(hand, targeting: float) -> float:
    rng = np.random.default_rng(5)
    opinions = rng.uniform(0.0, 1.0, (40, 2))
    state, net, params = _one_cadre_among(hand, list(opinions), recruit_prob=0.0, recruit_contacts=3.0,
                                          targeting=targeting)  # fmt: skip
    for step in range(1, 81):
        recruit(state, params, net, step, hand.flows(), np.uint64(9))
    return state.tally[TALLY_CONTACT_DISTANCE] / state.tally[TALLY_CONTACTS]


def test_contacts_come_nearer_the_line_with_targeting(hand):
    """Snow, Zurcher & Ekland-Olson (1980): cadre seek out the sympathetic. Over 240 contacts among 40
    acquaintances spread over the plane, the contacts' mean distance to the line falls as targeting
    rises; at targeting 0 it is the acquaintances' own mean (the sign fails there: no fall)."""
    off, some, strong = (_mean_contact_distance(hand, t) for t in (0.0, 3.0, 20.0))
    acquaintances = np.linalg.norm(np.random.default_rng(5).uniform(0.0, 1.0, (40, 2)) - LINE, axis=1).mean()
    assert off == pytest.approx(acquaintances, rel=0.1)
    assert strong < some < off
    assert strong < 0.75 * off
