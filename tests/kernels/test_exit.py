"""Issue 23, exit: leavers go somewhere nearer or nowhere, ties inside keep members and ties outside
pull them, and exits spread along ties."""

from __future__ import annotations

import numpy as np
import pytest

from lever.kernels.mobility import _tied_hazard, leave_and_join

BIG, HOST, RIVAL, GROUP, K = 0, 1, 2, 3, 4


def _host_with_others(hand, opinions, satisfaction, edges=(), **arrays):
    """Host members at ``opinions`` (satisfaction ``satisfaction``), then one committed agent in each
    of the big party (2,000 persons: the size that swamps), the rival and the group."""
    n = len(opinions)
    orgs = [HOST] * n + [BIG, RIVAL, GROUP]
    platform = np.array([o.platform for o in hand.scenario.organizations.values()])
    state = hand.state(orgs, [*opinions, platform[BIG], platform[RIVAL], platform[GROUP]],
                       satisfaction=[satisfaction] * n + [1.0] * 3, committed=[False] * n + [True] * 3,
                       weight=[1.0] * n + [2000.0, 60.0, 10.0], faction=[False] * (n + 2) + [True],
                       branch=[hand.first_branch(o) for o in orgs], **arrays)  # fmt: skip
    return state, hand.net(n + 3, list(edges))


def _leavers_farther(hand, nearer_gravity: float) -> tuple[int, int]:
    """Leavers of 300 host members spread over the plane (all leave: satisfaction 0): how many went
    to an organization, and how many of those to one farther from their opinion than the host."""
    opinions = np.random.default_rng(2).uniform(0.0, 1.0, (300, 2))
    state, net = _host_with_others(hand, opinions, 0.0)
    params = hand.params(stay_unorganized=0.0, join_rate=0.0, nearer_gravity=nearer_gravity)
    leave_and_join(state, params, net, 1, hand.flows(), np.uint64(3))
    moved = np.flatnonzero((state.org[:300] != HOST) & (state.org[:300] != K))
    to = state.platform[state.org[moved]]
    farther = np.linalg.norm(opinions[moved] - to, axis=1) >= np.linalg.norm(
        opinions[moved] - state.platform[HOST], axis=1
    )
    return moved.size, int(farther.sum())


def test_no_leaver_joins_an_organization_farther_than_the_one_it_left(hand):
    """Under nearer_gravity every leaver who joins anything joins an organization nearer its opinion
    than the host; those with none nearer join none. Under the gravity rule the big party's size draws
    leavers farther from their views (the sign fails there)."""
    joined, farther = _leavers_farther(hand, 0.25)
    assert joined > 50 and farther == 0
    joined_off, farther_off = _leavers_farther(hand, -1.0)
    assert joined_off == 300 and farther_off > 30


def _leavers(hand, exit_ties: float, outside_share: float = 0.5) -> tuple[int, int]:
    """100 host members, each tied to two others: the first ``outside_share`` of them to the big
    party (agents 100-103 stand for it, committed, so they never leave), the rest inside the host.
    Leavers over 10 steps at satisfaction 0.5: (of those tied outside, of those tied inside)."""
    n = 100
    out = int(n * outside_share)
    opinions = np.full((n + 4, 2), 0.6)
    orgs = [HOST] * n + [BIG] * 4
    edges = [(i, n + i % 4) for i in range(out)] + [(i, n + (i + 1) % 4) for i in range(out)]
    edges += [(i, out + (i - out + d) % (n - out)) for i in range(out, n) for d in (1, 2)]
    state = hand.state(orgs, opinions, satisfaction=[0.5] * n + [1.0] * 4, committed=[False] * n + [True] * 4,
                       branch=[hand.first_branch(o) for o in orgs])  # fmt: skip
    params = hand.params(stay_unorganized=1.0, join_rate=0.0, exit_ties=exit_ties)
    net = hand.net(n + 4, edges)
    for step in range(1, 11):
        leave_and_join(state, params, net, step, hand.flows(), np.uint64(step))
    left = state.org[:n] != HOST
    return int(left[:out].sum()), int(left[out:].sum())


def test_ties_inside_keep_members_and_ties_outside_pull_them(hand):
    """McPherson, Popielarz & Drobnic (1992): in a host half of whose members are tied outside and
    half inside, at exit_ties 1.5 those tied outside leave e^3 = 20 times as often as those tied
    inside; off the two halves leave alike (a count within chance of each other)."""
    outside, inside = _leavers(hand, 1.5)
    assert outside > 3 * max(1, inside)
    outside_off, inside_off = _leavers(hand, 0.0)
    assert abs(outside_off - inside_off) <= 8


def _hazards(hand, outside_share: float, exit_ties: float) -> np.ndarray:
    """The week's leaving chance of 100 host members at satisfaction 0.5, the first
    ``outside_share`` of them tied to the big party, the rest inside the host."""
    n = 100
    out = int(n * outside_share)
    orgs = [HOST] * n + [BIG] * 4
    edges = [(i, n + i % 4) for i in range(out)] + [(i, n + (i + 1) % 4) for i in range(out)]
    edges += [(i, out + (i - out + d) % (n - out)) for i in range(out, n) for d in (1, 2)]
    state = hand.state(orgs, np.full((n + 4, 2), 0.6), satisfaction=[0.5] * n + [1.0] * 4,
                       committed=[False] * n + [True] * 4, branch=[hand.first_branch(o) for o in orgs])  # fmt: skip
    params = hand.params(exit_ties=exit_ties)
    return _tied_hazard(state, params, hand.net(n + 4, edges), 1, n + 4)[:n]


def test_ties_decide_who_leaves_not_how_many(hand):
    """The tie effect is a hazard ratio against the host's typical member: a host whose members are
    all tied outside, or all inside, leaves at the leaving rule's chance (what the rule was set
    for); in a mixed host those tied outside are above it and those inside below, by e^(±exit_ties)."""
    base = 0.5 ** hand.params().leave_steepness
    np.testing.assert_allclose(_hazards(hand, 1.0, 1.5), base)
    np.testing.assert_allclose(_hazards(hand, 0.0, 1.5), base)
    mixed = _hazards(hand, 0.5, 1.5)
    np.testing.assert_allclose(mixed[:50], base * np.exp(1.5))
    np.testing.assert_allclose(mixed[50:], base * np.exp(-1.5))


def _tie_clustering(hand, cascade: float, seed: int, satisfaction: float = 0.6) -> float:
    """Cliques of six host members (satisfaction 0.6: 0.4% leave a week), 30 steps: the pairs of tied
    members who both left, over the pairs a shuffled assignment of the same leavers gives."""
    n, size = 600, 6
    edges = [(c + a, c + b) for c in range(0, n, size) for a in range(size) for b in range(a + 1, size)]
    state = hand.state([HOST] * n, np.full((n, 2), 0.6), satisfaction=[satisfaction] * n,
                       branch=[hand.first_branch(HOST)] * n)  # fmt: skip
    params = hand.params(stay_unorganized=1.0, join_rate=0.0, exit_cascade=cascade, cascade_steps=8)
    net = hand.net(n, edges)
    for step in range(1, 31):
        leave_and_join(state, params, net, step, hand.flows(), np.uint64(seed * 100 + step))
    left = state.org[:n] != HOST
    pairs = np.array(edges)
    both = (left[pairs[:, 0]] & left[pairs[:, 1]]).sum()
    rng = np.random.default_rng(seed)
    shuffled = np.mean([(s[pairs[:, 0]] & s[pairs[:, 1]]).sum() for s in (rng.permutation(left) for _ in range(200))])
    return both / shuffled


def test_leavers_cluster_on_ties_above_a_shuffled_baseline(hand):
    """Granovetter (1978): with exit_cascade 20 (a tie who left in the last eight weeks raises a
    member's hazard by 1 + 20 / 5 = 5 times) tied members left together over 1.5 times as often as
    the same leavers shuffled over the cliques (measured 1.95-2.27 a seed); off, exits are
    independent and the ratio is about 1 (0.77-1.25 a seed): the sign fails there."""
    on = np.mean([_tie_clustering(hand, 20.0, s) for s in range(3)])
    off = np.mean([_tie_clustering(hand, 0.0, s) for s in range(3)])
    assert on > 1.5, on
    assert off < 1.25, off
    assert on > off + 0.3


def _joined_group(hand, tied: bool, nearer_gravity: float = 0.25) -> tuple[int, int]:
    """200 host members who all leave (satisfaction 0), their views at the group's line, tied (or
    not) to the group's one agent: how many joined anything, and how many the group."""
    n = 200
    platform = np.array([o.platform for o in hand.scenario.organizations.values()])
    edges = [(i, n + 2) for i in range(n)] if tied else []
    state, net = _host_with_others(hand, [platform[GROUP]] * n, 0.0, edges)
    params = hand.params(stay_unorganized=0.0, join_rate=0.0, nearer_gravity=nearer_gravity)
    leave_and_join(state, params, net, 1, hand.flows(), np.uint64(5))
    joined = (state.org[:n] != HOST) & (state.org[:n] != K)
    return int(joined.sum()), int((state.org[:n] == GROUP).sum())


def test_a_leaver_joins_the_group_only_through_a_tie(hand):
    """Snow, Zurcher & Ekland-Olson (1980): people join movements through ties. Leavers whose views
    sit on the group's line, the group nearer them than anything: tied to one of its members, nearly
    all join it; with no tie none does (the sign fails under the gravity rule, where the nearest
    organization takes them whatever their ties)."""
    joined_tied, to_group_tied = _joined_group(hand, True)
    joined_untied, to_group_untied = _joined_group(hand, False)
    assert to_group_tied > 150
    assert to_group_untied == 0 and joined_untied < joined_tied
    assert _joined_group(hand, False, nearer_gravity=-1.0)[1] > 20


@pytest.mark.parametrize("exit_ties", [0.625, -0.625])
def test_the_hazard_taken_only_where_it_matters_moves_the_same_members(hand, exit_ties):
    """With the step's key the hazard is computed only where the leaving draw can fall below it: who
    may move must not change. Members at every satisfaction, ties inside and out, recent leavers
    (the cascade) and ties of either sign (the bound holds for both)."""
    from lever.kernels.draw import MOBILITY, step_key
    from lever.kernels.mobility import _MAY_MOVE

    rng = np.random.default_rng(5)
    n = 400
    orgs = list(rng.choice([HOST, BIG], n))
    edges = [(int(a), int(b)) for a, b in rng.integers(0, n, (1200, 2)) if a != b]
    state = hand.state(orgs, rng.random((n, 2)), satisfaction=list(rng.random(n) ** 0.2),
                       branch=[hand.first_branch(o) for o in orgs])  # fmt: skip
    state.left_at[: n // 4] = 1
    state.left_from[: n // 4] = HOST
    params = hand.params(exit_ties=exit_ties, exit_cascade=5.0, leave_steepness=2.5)
    net = hand.net(n, edges)
    skey = np.uint64(step_key(np.uint64(3), MOBILITY, 2))
    moved = []
    for key in (None, skey):
        hazard = _tied_hazard(state, params, net, 2, n, key)
        may = np.empty(n, np.bool_)
        _MAY_MOVE(n, n, state.org, state.committed, state.satisfaction, state.ident, params.n_orgs, params.join_rate,
                  params.leave_steepness, skey, may, hazard)  # fmt: skip
        moved.append(may)
    assert np.array_equal(moved[0], moved[1])
    assert 0 < moved[0].sum() < n  # some leave, not all: the test can tell


@pytest.mark.parametrize("exit_ties", [0.625, -0.625])
def test_the_one_thread_pass_gives_the_staged_passes_bits(hand, exit_ties):
    """On one thread the counts, typical leans, hazard and first draw are taken in two passes
    (``_tied_may_move``) where the staged kernels take four: who may move, the hazard where it is read
    and the kept counts must be the same bits. Members at every satisfaction, the unorganized, the
    committed, the group's people, persons with no tie, recent leavers, and counts kept from a week
    before with some persons changed since (so that only some rows are recounted)."""
    from lever.kernels.draw import MOBILITY, step_key
    from lever.kernels.mobility import _MAY_MOVE, _tied_may_move

    rng = np.random.default_rng(8)
    n = 600
    orgs = list(rng.choice([HOST, BIG, GROUP, K], n, p=[0.5, 0.3, 0.1, 0.1]))
    edges = [(int(a), int(b)) for a, b in rng.integers(0, n - 50, (1800, 2)) if a != b]  # the last 50: no tie
    state = hand.state(orgs, rng.random((n, 2)), satisfaction=list(rng.random(n) ** 0.2),
                       committed=list(rng.random(n) < 0.05), faction=list(rng.random(n) < 0.15),
                       weight=list(rng.choice([1.0, 3.0], n)),
                       branch=[hand.first_branch(o) if o != K else -1 for o in orgs])  # fmt: skip
    state.left_at[: n // 4] = 1
    state.left_from[: n // 4] = HOST
    params = hand.params(exit_ties=exit_ties, exit_cascade=5.0, leave_steepness=2.5, join_rate=0.3)
    net = hand.net(n, edges)
    _tied_hazard(state, params, net, 1, n)  # counts kept from the week before
    state.tie_counts[n - 50 : n] = 12345 | (3 << 42)  # never read for persons with no tie
    state.org[rng.choice(n - 50, 40, replace=False)] = BIG
    skey = np.uint64(step_key(np.uint64(4), MOBILITY, 2))
    staged, fused = state.copy(), state.copy()
    hazard = _tied_hazard(staged, params, net, 2, n, skey)
    may = np.ones(n, np.bool_)  # every entry must be written
    join = 3.0 * params.join_rate  # an opening's joining: both paths must read the same
    _MAY_MOVE(n, n, staged.org, staged.committed, staged.satisfaction, staged.ident, params.n_orgs, join,
              params.leave_steepness, skey, may, hazard)  # fmt: skip
    may_fused = np.ones(n, np.bool_)
    hazard_fused = _tied_may_move(fused, params, net, 2, n, skey, may_fused, join)
    assert np.array_equal(may, may_fused)
    assert np.array_equal(hazard[may], hazard_fused[may])
    assert np.array_equal(staged.tie_counts[:n], fused.tie_counts[:n])
    assert np.array_equal(staged.tie_word[:n], fused.tie_word[:n])
    members = (state.org[:n] != K) & ~state.committed[:n]
    assert 0 < may[members].sum() < members.sum() and may[~members].any()  # leavers and joiners: it can fail
