"""The group's entry: largest-remainder allocation, conviction drawn per cadre member."""

from __future__ import annotations

import numpy as np
import pytest

from lever.kernels.draw import ENTRY, keyed, step_key
from lever.kernels.entry import enter

BIG, HOST, RIVAL, GROUP, K = 0, 1, 2, 3, 4


def _group(hand, n: int, extra_org=(), extra_faction=()):
    org = [GROUP] * n + list(extra_org)
    faction = [True] * n + list(extra_faction)
    return hand.state(
        org, np.full((len(org), 2), 0.9), faction=faction, cadre=faction, committed=faction, convinced=faction
    )


@pytest.mark.parametrize(
    ("n", "allocation", "counts"),
    [
        (7, [0.3, 0.5, 0.0, 0.2], [2, 4, 0, 1]),  # 2.1, 3.5, 1.4: the extra seat goes to 0.5
        (10, [0.0, 0.55, 0.45, 0.0], [0, 6, 4, 0]),  # tie on the remainders: the first wins
        (40, [0.0, 1.0, 0.0, 0.0], [0, 40, 0, 0]),
        (40, [0.0, 0.0, 0.0, 1.0], [0, 0, 0, 40]),  # staying outside
        (3, [1 / 3, 1 / 3, 1 / 3, 0.0], [1, 1, 1, 0]),
        (5, [0.0, 0.7, 0.3, 0.0], [0, 4, 1, 0]),  # 3.5, 1.5: first remainder wins
    ],
)
def test_enter_allocates_by_largest_remainder(hand, n, allocation, counts):
    params = hand.params()
    state = _group(hand, n)
    flows = hand.flows()
    enter(state, params, np.array(allocation), 1.0, 1, flows, np.uint64(0))
    assert np.bincount(state.org, minlength=K + 1)[:K].tolist() == counts
    assert flows[GROUP, :K].tolist() == [c if k != GROUP else 0 for k, c in enumerate(counts)]
    assert state.faction.all()
    for k in range(K):
        inside = state.org == k
        if k != GROUP and inside.any():
            lo, hi = params.branch_offset[k], params.branch_offset[k + 1]
            assert np.all((state.branch[inside] >= lo) & (state.branch[inside] < hi))


@pytest.mark.parametrize(("conviction", "convinced"), [(0.0, 0), (1.0, 40)])
def test_conviction_decides_who_is_convinced(hand, conviction, convinced):
    state = _group(hand, 40)
    enter(state, hand.params(), np.array([0.0, 1.0, 0.0, 0.0]), conviction, 1, hand.flows(), np.uint64(0))
    assert np.count_nonzero(state.convinced) == convinced


def test_those_staying_outside_stay_convinced(hand):
    state = _group(hand, 10)
    enter(state, hand.params(), np.array([0.0, 0.6, 0.0, 0.4]), 0.0, 1, hand.flows(), np.uint64(0))
    assert np.array_equal(state.convinced, state.org == GROUP)
    assert np.count_nonzero(state.org == GROUP) == 4


def test_half_conviction_convinces_some(hand):
    state = _group(hand, 400)
    enter(state, hand.params(), np.array([0.0, 1.0, 0.0, 0.0]), 0.5, 1, hand.flows(), np.uint64(0))
    # binomial(400, 1/2): sd 10
    assert abs(np.count_nonzero(state.convinced) - 200) < 40
    # each entrant's own draw (slot 1) decides
    skey = np.uint64(step_key(np.uint64(0), ENTRY, 1))
    assert np.array_equal(state.convinced, [keyed(skey, np.uint64(i), 1) < 0.5 for i in range(400)])


def test_who_goes_where_is_ordered_by_each_members_keyed_draw(hand):
    n = 20
    state = _group(hand, n)
    enter(state, hand.params(), np.array([0.0, 0.5, 0.5, 0.0]), 1.0, 3, hand.flows(), np.uint64(7))
    skey = np.uint64(step_key(np.uint64(7), ENTRY, 3))
    rank = np.array([keyed(skey, np.uint64(i), 0) for i in range(n)])
    first = np.argsort(rank)[: n // 2]  # dealt in organization order: the host comes first
    assert np.array_equal(np.sort(np.nonzero(state.org == HOST)[0]), np.sort(first))
    assert np.count_nonzero(state.org == RIVAL) == n // 2


def test_where_a_member_goes_depends_on_who_they_are_not_on_their_place(hand):
    n = 12
    allocation = np.array([0.0, 0.5, 0.25, 0.25])
    state = _group(hand, n)
    enter(state, hand.params(), allocation, 1.0, 2, hand.flows(), np.uint64(5))
    # the same persons (idents) in reverse order, after an unrelated person
    org = [K] + [GROUP] * n
    other = hand.state(
        org,
        np.full((n + 1, 2), 0.9),
        faction=[False] + [True] * n,
        cadre=[False] + [True] * n,
        committed=[False] + [True] * n,
        convinced=[False] + [True] * n,
        ident=[99] + list(range(n - 1, -1, -1)),
    )
    enter(other, hand.params(), allocation, 1.0, 2, hand.flows(), np.uint64(5))
    assert np.array_equal(other.org[1:][::-1], state.org)
    assert other.org[0] == K
    # another step deals them out otherwise
    again = _group(hand, n)
    enter(again, hand.params(), allocation, 1.0, 3, hand.flows(), np.uint64(5))
    assert not np.array_equal(again.org, state.org)


def test_only_the_groups_people_in_its_own_organization_enter(hand):
    state = _group(hand, 4, extra_org=[GROUP, RIVAL, K], extra_faction=[False, True, False])
    flows = hand.flows()
    enter(state, hand.params(), np.array([0.0, 1.0, 0.0, 0.0]), 1.0, 1, flows, np.uint64(0))
    assert np.array_equal(state.org, [HOST] * 4 + [GROUP, RIVAL, K])
    assert flows[GROUP, HOST] == 4 and flows.sum() == 4


def test_enter_without_people_does_nothing(hand):
    state = hand.state([HOST, K], np.full((2, 2), 0.5))
    flows = hand.flows()
    enter(state, hand.params(), np.array([0.0, 1.0, 0.0, 0.0]), 1.0, 1, flows, np.uint64(0))
    assert np.array_equal(state.org, [HOST, K]) and flows.sum() == 0


# -- splits over the step (issue 11) -----------------------------------------------------------


@pytest.mark.parametrize(("conviction", "split"), [(0.7, 1.0), (0.4, 0.5), (1.0, 1.0), (0.7, 0.0)])
def test_members_not_convinced_break_away_instead_of_entering(hand, conviction, split):
    from lever.model.state import TALLY_BROKE_AWAY

    n = 4000
    state = _group(hand, n)
    flows = hand.flows()
    enter(state, hand.params(split_share=split), np.array([0.0, 1.0, 0.0, 0.0]), conviction, 1, flows, np.uint64(0))
    gone = state.org == K
    p = (1 - conviction) * split  # a split of 1 - conviction of the members when split_share is 1
    assert gone.mean() == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / n) + 1e-12)
    assert not (state.faction[gone] | state.cadre[gone] | state.convinced[gone]).any()
    assert state.committed[gone].all()  # they keep their views
    assert (state.org[~gone] == HOST).all() and state.faction[~gone].all()
    assert state.tally[TALLY_BROKE_AWAY] == gone.sum() == flows[GROUP, K]
    # who breaks away is who was not convinced (slot 1), then drew to split (slot 2)
    skey = np.uint64(step_key(np.uint64(0), ENTRY, 1))
    unconvinced = np.array([keyed(skey, np.uint64(i), 1) >= conviction for i in range(n)])
    assert not (gone & ~unconvinced).any()


def _three_beside_the_host(hand, params):
    """Three of the group's people in its branch, and a host member in each host branch, their
    views farther from the line (0.9, 0.95) branch by branch."""
    lo, hi = int(params.branch_offset[HOST]), int(params.branch_offset[HOST + 1])
    views = [[0.9 - 0.1 * b, 0.95 - 0.1 * b] for b in range(hi - lo)]
    faction = [True] * 3 + [False] * (hi - lo)
    return hand.state([GROUP] * 3 + [HOST] * (hi - lo), np.array([[0.9, 0.95]] * 3 + views), faction=faction,
                      cadre=faction, committed=faction, convinced=faction,
                      branch=[int(params.branch_offset[GROUP])] * 3 + list(range(lo, hi)))  # fmt: skip


def test_under_sorted_branches_entrants_take_the_branches_nearest_the_line(hand):
    """With branch_sorting > 0 each entrant takes a branch of its own, the host's branches
    whose members lie nearest the group's line first; at 0 the branches are drawn as before."""
    params = hand.params(branch_sorting=0.5)
    lo, hi = int(params.branch_offset[HOST]), int(params.branch_offset[HOST + 1])
    key = np.uint64(2)  # a key whose random branches are not the three nearest (at key 0 they are)
    state = _three_beside_the_host(hand, params)
    enter(state, params, np.array([0.0, 1.0, 0.0, 0.0]), 1.0, 1, hand.flows(), key)
    assert sorted(state.branch[:3].tolist()) == [lo, lo + 1, lo + 2]  # the three nearest, one each
    plain = _three_beside_the_host(hand, hand.params())
    enter(plain, hand.params(), np.array([0.0, 1.0, 0.0, 0.0]), 1.0, 1, hand.flows(), key)
    assert np.all((plain.branch[:3] >= lo) & (plain.branch[:3] < hi))
    assert sorted(plain.branch[:3].tolist()) != [lo, lo + 1, lo + 2]  # so the first assertion can fail
