"""Mechanisms 3 and 4: satisfaction, then leaving and joining (docs/ODD.md §7.3-7.4)."""

from __future__ import annotations

import numba as nb
import numpy as np

from lever.kernels.draw import MOBILITY, keyed, keyed_below, step_key
from lever.kernels.inner import inner
from lever.kernels.resolution import split_off
from lever.kernels.threads import Threaded
from lever.kernels.ties import count_ties, rows_to_recount, shares, tie_shares
from lever.model.state import (
    TALLY_GROUP_LEFT,
    TALLY_HOST_KERNEL_TO_RIVAL,
    TALLY_HOST_LEFT,
    TALLY_HOST_LEFT_TO_GROUP,
    TALLY_HOST_LEFT_TO_RIVAL,
    TALLY_MISSED,
)

#: the slot of a person's draw that picks a branch on moving (any mechanism)
BRANCH_SLOT = 7


@nb.njit(cache=True, inline="always")
def _fit(state, params, i: int, k: int) -> float:
    """How well ``i``'s opinion fits organization ``k`` (the group's people: the group's line)."""
    if state.faction[i]:
        rx, ry, tol = params.line[0], params.line[1], params.tolerance[params.group]
    else:
        rx, ry, tol = state.platform[k, 0], state.platform[k, 1], params.tolerance[k]
    dx = state.opinion[i, 0] - rx
    dy = state.opinion[i, 1] - ry
    return max(0.0, 1.0 - np.sqrt(dx * dx + dy * dy) / tol)


def update_satisfaction(state, params, step: int) -> None:
    """Satisfaction relaxes toward fit minus the organization's disappointment level.

    ``s += satisfaction_rate * (fit - disappointment[step, k] - s)``, clipped to [0, 1]; the
    group's people measure their fit by the group's line and feel its disappointment. Mutates
    ``state.satisfaction`` of members; the unorganized and the committed are left alone.
    Each person's update is their own: it runs on all threads for large fields.
    """
    n = int(state.count[0])
    _SATISFY(n, n, state.satisfaction, state.org, state.committed, state.faction, state.opinion,
             state.platform, params.line, params.tolerance, params.disappointment[step], params.group,
             params.satisfaction_rate)  # fmt: skip


def _satisfy_body(n, satisfaction, org, committed, faction, opinion, platform, line, tolerance,
                  disappointment, group, rate) -> None:  # fmt: skip
    """:func:`update_satisfaction` on plain arrays (``_fit`` inlined)."""
    K = platform.shape[0]
    for i in nb.prange(n):
        k = org[i]
        if k == K or committed[i]:
            continue
        if faction[i]:
            rx, ry, tol, ref = line[0], line[1], tolerance[group], group
        else:
            rx, ry, tol, ref = platform[k, 0], platform[k, 1], tolerance[k], k
        dx = opinion[i, 0] - rx
        dy = opinion[i, 1] - ry
        fit = max(0.0, 1.0 - np.sqrt(dx * dx + dy * dy) / tol)
        s = satisfaction[i] + rate * (fit - disappointment[ref] - satisfaction[i])
        satisfaction[i] = min(1.0, max(0.0, s))


_SATISFY = Threaded(_satisfy_body)


@inner
def org_sizes(state, n_orgs: int) -> np.ndarray:
    """Persons in each organization, the unorganized last: float64 ``(K + 1,)``."""
    return persons_by_org(state.org, state.weight, state.count[0], n_orgs)


@nb.njit(cache=True)
def persons_by_org(org, weight, n: int, n_orgs: int) -> np.ndarray:
    """:func:`org_sizes` of the first ``n`` agents' arrays, callable from Python too (no copy of
    the organizations, as ``np.bincount`` would make)."""
    size = np.zeros(n_orgs + 1)
    for i in range(n):
        size[org[i]] += weight[i]
    return size


@nb.njit(cache=True, inline="always")
def _platform_distance(state, i: int, m: int) -> float:
    """Distance of ``i``'s opinion to organization ``m``'s platform (as the gravity rule reads it)."""
    dx = state.opinion[i, 0] - state.platform[m, 0]
    dy = state.opinion[i, 1] - state.platform[m, 1]
    return np.sqrt(dx * dx + dy * dy)


@inner
def choose_destination(state, params, net, i: int, exclude: int, size, u: float, pull) -> int:
    """Where ``i`` goes: organization ``m`` with weight
    ``pull[m] * exp(-closeness * distance) * size**gravity * (1 + ties_weight * ties)``,
    picked by the uniform ``u``; ``pull`` is the step's row of ``params.attraction`` (each
    organization's attraction, its openings applied).

    ``ties`` counts ``i``'s social neighbours in ``m``. Empty organizations and ``exclude`` are
    not options; returns ``n_orgs`` (none) when no option has weight. Under ``nearer_gravity``
    (issue 23) a leaver of ``exclude`` weighs only organizations whose platform is nearer its
    opinion than ``exclude``'s, by ``size ** nearer_gravity``; the group only if a friend of
    ``i`` belongs to it (a small group has no public face a stranger would find; people join
    movements through ties: Snow, Zurcher & Ekland-Olson 1980).
    """
    K = params.n_orgs
    ties = np.zeros(K + 1)
    row = state.social[i]
    for e in range(net.indptr[row], net.indptr[row + 1]):
        ties[state.org[net.indices[e]]] += 1.0
    # issue 23: a leaver goes somewhere nearer its views than what it left, or nowhere, size
    # weighing among those by a gentler exponent (off, nearer_gravity < 0: every organization)
    nearer = params.nearer_gravity >= 0.0 and exclude < K
    gravity = params.nearer_gravity if nearer else params.gravity
    left = _platform_distance(state, i, exclude) if nearer else 0.0
    w = np.zeros(K)
    total = 0.0
    for m in range(K):
        if m == exclude or size[m] <= 0.0:
            continue
        d = _platform_distance(state, i, m)
        if nearer and (d >= left or (m == params.group and ties[m] == 0.0)):
            continue
        w[m] = pull[m] * np.exp(-params.closeness * d) * size[m] ** gravity * (1.0 + params.ties_weight * ties[m])
        total += w[m]
    if total <= 0.0:
        return K
    u = u * total
    for m in range(K):
        u -= w[m]
        if u < 0.0 and w[m] > 0.0:
            return m
    for m in range(K - 1, -1, -1):  # rounding left u >= 0: take the last option
        if w[m] > 0.0:
            return m
    return K


@nb.njit(cache=True, inline="always")
def _mobilised_leader(shares, size, u: float) -> int:
    """The leader whose campaign recruits a joiner the openings added, by their ``shares`` and
    the uniform ``u``; ``len(shares)`` (none) where that leader has no members."""
    K = shares.shape[0]
    for m in range(K):
        u -= shares[m]
        if u < 0.0 and shares[m] > 0.0:
            return m if size[m] > 0.0 else K
    for m in range(K - 1, -1, -1):  # rounding left u >= 0: the last leader
        if shares[m] > 0.0:
            return m if size[m] > 0.0 else K
    return K


@inner
def _place(state, params, i: int, dest: int | np.integer, step: int, skey, branch: int | np.integer) -> None:
    """Put agent ``i`` into ``dest``: its branch (``branch``, or one drawn for the person)."""
    state.org[i] = dest
    if dest == params.n_orgs:
        state.branch[i] = -1
    elif branch >= 0:
        state.branch[i] = branch
    else:
        lo = params.branch_offset[dest]
        state.branch[i] = lo + keyed_below(skey, state.ident[i], BRANCH_SLOT,
                                           params.branch_offset[dest + 1] - lo)  # fmt: skip
    if dest == params.group and not state.faction[i]:
        state.faction[i] = True
        state.faction_since[i] = step
    state.satisfaction[i] = 1.0


@inner
def move(
    state, params, i: int, dest: int | np.integer, step: int, size, flows, skey, branch: int | np.integer = -1
) -> bool:
    """Move agent ``i`` to ``dest`` (``n_orgs`` for none), keeping sizes and the flow matrix.

    Into a population held person by person, a coarse agent's persons move one by one: each
    is split off and placed in a branch of its own draw. Returns False (and moves nobody)
    only when there is no room to split them off. ``skey`` keys the branch draws."""
    k = state.org[i]
    w = state.weight[i]
    if w > 1.0 and params.fine[dest]:
        if state.org.shape[0] - state.count[0] < w - 1.0:
            state.tally[TALLY_MISSED] += w - 1.0
            return False
        while state.weight[i] > 1.0:
            _place(state, params, split_off(state, i), dest, step, skey, branch)
    _place(state, params, i, dest, step, skey, branch)
    flows[k, dest] += w
    size[k] -= w
    size[dest] += w
    return True


@inner
def _tally_host_leaver(state, params, w: float, in_kernel: bool, dest: int) -> None:
    """Where the host's disappointed go (thesis 4, docs/ODD.md §10): ``w`` persons left for ``dest``."""
    state.tally[TALLY_HOST_LEFT] += w
    if dest == params.rival:
        state.tally[TALLY_HOST_LEFT_TO_RIVAL] += w
        if in_kernel:
            state.tally[TALLY_HOST_KERNEL_TO_RIVAL] += w
    elif dest == params.group:
        state.tally[TALLY_HOST_LEFT_TO_GROUP] += w


def leave_and_join(state, params, net, step: int, flows, key) -> None:
    """The dissatisfied leave; the unorganized join at a base rate.

    A member with satisfaction ``s`` leaves with chance ``(1 - s) ** leave_steepness``: never
    when fully satisfied, certainly at ``s = 0``, and rarely in between for steep values. One
    of the group's people inside another organization leaves the group and stays; anyone
    else goes to no organization with chance ``stay_unorganized``, otherwise to a destination
    chosen by gravity. Each unorganized person joins with chance ``join_rate`` and chooses by
    gravity; under openings (issue 24) they join ``joining`` times as often, and each joiner the
    openings add joins one of their leaders, drawn by the leaders' shares (``mobilised``): the
    mobilised are recruited by the campaign that mobilised them (McAdam 1982; Tarrow 1998); by
    gravity where the drawn leader has no members left; under ``member_recruitment`` the joiners an
    opening adds grow with its leader's members (:func:`joining_through_members`). Draws are keyed
    by (step, person); persons split off this step wait for the next. Mutates membership
    arrays, ``flows`` and ``tally``.

    Who might move is decided first, on all threads for large fields (each person's draw is
    their own); the moves then run in index order on one: the same bits either way.
    """
    n = int(state.count[0])
    skey = np.uint64(step_key(key, MOBILITY, step))
    join = params.join_rate * params.joining[step]  # simulate holds the schedules' last row past the horizon
    leaders = params.mobilised[step]
    if params.member_recruitment > 0.0 and join > params.join_rate:  # issue 24: off at 0, the same bits
        join, leaders = joining_through_members(params, persons_by_org(state.org, state.weight, n, params.n_orgs), step)
    may_move = np.empty(n, np.bool_)
    hazard = _NO_HAZARD
    tied = params.exit_ties > 0.0 or params.exit_cascade > 0.0  # issue 23: ties weigh in leaving
    if tied and _MAY_MOVE.one_thread(n):
        hazard = _tied_may_move(state, params, net, step, n, skey, may_move, join)
    else:
        if tied:
            hazard = _tied_hazard(state, params, net, step, n, skey)
        _MAY_MOVE(n, n, state.org, state.committed, state.satisfaction, state.ident, params.n_orgs,
                  join, params.leave_steepness, skey, may_move, hazard)  # fmt: skip
    _leave_and_join(state, params, net, step, flows, skey, may_move, hazard, join, params.attraction[step],
                    leaders)  # fmt: skip


def joining_through_members(params, size: np.ndarray, step: int) -> tuple[float, np.ndarray]:
    """The unorganized's joining chance at ``step`` and each leader's share of the joiners the
    openings add, when the openings recruit through their leaders' members (issue 24; Snow,
    Zurcher & Ekland-Olson 1980: most recruits join through a tie to a member, so a campaign's
    reach grows with its members): a leader's added joiners are times ``1 - v + v x`` its
    members now (``size``, persons, the unorganized last) over those it started with,
    ``v = member_recruitment``."""
    v = params.member_recruitment
    K = params.n_orgs
    if params.start_size.shape[0] != K:
        raise ValueError(f"Params.start_size holds {params.start_size.shape[0]} sizes for {K} organizations")
    growth = np.divide(size[:K], params.start_size, out=np.zeros(K), where=params.start_size > 0.0)
    added = (params.joining[step] - 1.0) * params.mobilised[step] * (1.0 - v + v * growth)
    total = added.sum()
    if total <= 0.0:
        return params.join_rate, params.mobilised[step]
    return params.join_rate * (1.0 + total), added / total


_NO_HAZARD = np.zeros(0)


@nb.njit(cache=True, inline="always")
def _power_bound(x: float, whole: int) -> float:
    """``x ** whole`` by multiplication: at least ``x ** steep`` for ``x`` in [0, 1] and ``steep >=
    whole`` (up to rounding, which the callers' margin of 1e-9 covers), and far cheaper."""
    bound = 1.0
    for _ in range(whole):
        bound *= x
    return bound


def _tied_hazard_body(n, org, committed, satisfaction, faction, ident, group, K, steep, ties, cascade, lean, typical,
                      recent, skey, everyone, hazard) -> None:  # fmt: skip
    """Each member's chance of leaving with its ties weighed (issue 23):
    ``(1 - s) ** steep x exp(ties x (lean - typical)) x (1 + cascade x recent)``, at most 1.

    ``typical`` is the mean lean of the member's organization: ties decide *who* leaves, as a
    hazard ratio against the organization's typical member (as McPherson, Popielarz & Drobnic
    estimate them), and leave *how many* to the leaving rule, which was set for that typical
    member; only the cascade adds exits. The unorganized and the committed get 0 (not read).

    Unless ``everyone``, a member whose leaving draw (``skey``, slot 0) lies above a bound on its
    chance gets 0 instead: it stays either way, and the power and the exponential (the cost of
    this pass, for members most of whom are content) are taken only for the rest."""
    whole = int(steep)
    # lean lies in [-1, 1]: the largest tie factor of each organization, whatever the sign of ties
    top = np.exp(np.maximum(ties * (1.0 - typical), ties * (-1.0 - typical)))
    for i in nb.prange(n):
        k = org[i]
        hazard[i] = 0.0
        if k == K or committed[i]:
            continue
        mine = group if faction[i] else k
        u = -1.0 if everyone else keyed(skey, ident[i], 0)
        hazard[i] = _member_hazard(u, 1.0 - satisfaction[i], whole, steep, 1.0 + cascade * recent[i], top[mine],
                                   ties, lean[i], typical[mine])  # fmt: skip


@nb.njit(cache=True, inline="always")
def _member_hazard(u, x, whole, steep, spread, top, ties, lean, typical):
    """One member's chance of leaving (:func:`_tied_hazard_body`), ``x`` its discontent: 0 where its
    leaving draw ``u`` lies above a bound on the chance (-1: never), so that it stays either way."""
    if u >= _power_bound(x, whole) * spread * top * (1.0 + 1e-9):
        return 0.0
    base = x**steep
    if base <= 0.0:
        return 0.0
    base *= np.exp(ties * (lean - typical)) * spread
    return min(1.0, base)


_TIED_HAZARD = Threaded(_tied_hazard_body)


def _may_move_body(n, org, committed, satisfaction, ident, K, join_rate, steep, skey, may_move, hazard) -> None:
    """Whether each person passes the first draw of :func:`_leave_and_join` (the same test)."""
    whole = int(steep)
    tied = hazard.shape[0] > 0
    for i in nb.prange(n):
        if committed[i]:
            may_move[i] = False
        elif org[i] == K:
            may_move[i] = keyed(skey, ident[i], 0) < join_rate
        elif tied:
            may_move[i] = keyed(skey, ident[i], 0) < hazard[i]
        else:
            u = keyed(skey, ident[i], 0)
            x = 1.0 - satisfaction[i]
            # the few multiplications settle almost every member, the power (the cost of this
            # pass) is taken only for the rest
            may_move[i] = u < _power_bound(x, whole) * (1.0 + 1e-9) and not u >= x**steep


_MAY_MOVE = Threaded(_may_move_body)


def _tied_hazard(state, params, net, step: int, n: int, skey=None) -> np.ndarray:
    """Each member's chance of leaving, its ties weighed (:func:`_tied_hazard_body`); given the
    step's key ``skey``, only where the member's draw can fall below it (0 elsewhere)."""
    lean, recent = tie_shares(state, net, params.n_orgs, params.group, step - params.cascade_steps)
    hazard = np.empty(n)
    typical = _typical_lean(n, state.org, state.committed, state.faction, state.weight, state.social, net.indptr,
                            params.n_orgs, params.group, lean)  # fmt: skip
    _TIED_HAZARD(n, n, state.org, state.committed, state.satisfaction, state.faction, state.ident, params.group,
                 params.n_orgs, params.leave_steepness, params.exit_ties, params.exit_cascade, lean, typical, recent,
                 np.uint64(0 if skey is None else skey), skey is None, hazard)  # fmt: skip
    return hazard


def _tied_may_move(state, params, net, step: int, n: int, skey, may_move, join: float) -> np.ndarray:
    """On one thread, what :func:`_tied_hazard` and ``_MAY_MOVE`` give together (``may_move``
    filled, the hazard returned where it is read), in two passes over the persons instead of
    four: the counts with the typical leans, then each person's hazard and first draw. The
    same bits (a test compares them); leaving was a sixth of a britain-1933 run's time, most
    of it these passes (issue 28)."""
    recount = rows_to_recount(state, net, step - params.cascade_steps)
    typical = _counted_typical_lean(n, state.org, state.committed, state.faction, state.weight, state.social,
                                    net.indptr, net.indices, params.n_orgs, params.group, recount,
                                    state.tie_word, state.tie_counts)  # fmt: skip
    hazard = np.empty(n)
    _hazard_and_draw(n, state.org, state.committed, state.satisfaction, state.faction, state.ident, state.social,
                     net.indptr, state.tie_counts, params.group, params.n_orgs, params.leave_steepness,
                     params.exit_ties, params.exit_cascade, join, typical, skey, hazard,
                     may_move)  # fmt: skip
    return hazard


@nb.njit(cache=True)
def _counted_typical_lean(n, org, committed, faction, weight, social, indptr, indices, K, group, recount, word,
                          counts):  # fmt: skip
    """The counts of ``lever.kernels.ties.tie_shares`` (recounted on the marked rows) and
    :func:`_typical_lean` of the leans they give, in one pass in index order: the same bits."""
    total = np.zeros(K + 1)
    leaning = np.zeros(K + 1)
    for i in range(n):
        k = org[i]
        row = social[i]
        first = indptr[row]
        deg = indptr[row + 1] - first
        if k == K or committed[i] or deg == 0:
            continue
        mine = group if faction[i] else k
        if recount[row]:
            counts[i] = count_ties(word, indices, first, deg, k, mine, faction[i], K)
        total[mine] += weight[i]
        leaning[mine] += weight[i] * shares(counts[i], deg)[0]
    for m in range(K + 1):
        if total[m] > 0.0:
            leaning[m] /= total[m]
    return leaning


@nb.njit(cache=True)
def _hazard_and_draw(n, org, committed, satisfaction, faction, ident, social, indptr, counts, group, K, steep, ties,
                     cascade, join_rate, typical, skey, hazard, may_move):  # fmt: skip
    """:func:`_tied_hazard_body` (with the step's key) and ``_may_move_body`` of its hazard, in one
    pass: each person's leaning and recent leavers from its kept counts, its first draw taken once."""
    whole = int(steep)
    top = np.exp(np.maximum(ties * (1.0 - typical), ties * (-1.0 - typical)))
    for i in range(n):
        k = org[i]
        hazard[i] = 0.0
        may_move[i] = False
        if committed[i]:
            continue
        u = keyed(skey, ident[i], 0)
        if k == K:
            may_move[i] = u < join_rate
            continue
        row = social[i]
        deg = indptr[row + 1] - indptr[row]
        lean, recent = shares(counts[i], deg) if deg > 0 else (0.0, 0.0)
        mine = group if faction[i] else k
        hazard[i] = _member_hazard(u, 1.0 - satisfaction[i], whole, steep, 1.0 + cascade * recent, top[mine], ties,
                                   lean, typical[mine])  # fmt: skip
        may_move[i] = u < hazard[i]


@nb.njit(cache=True)
def _typical_lean(n, org, committed, faction, weight, social, indptr, K, group, lean):
    """Each organization's mean lean over the members whose hazard reads it (the uncommitted
    with a tie; persons weighed): the group's people count with the group, wherever they are.
    One pass, in index order (no temporary arrays: it runs every step)."""
    total = np.zeros(K + 1)
    leaning = np.zeros(K + 1)
    for i in range(n):
        row = social[i]
        if org[i] == K or committed[i] or indptr[row + 1] == indptr[row]:
            continue
        mine = group if faction[i] else org[i]
        total[mine] += weight[i]
        leaning[mine] += weight[i] * lean[i]
    for m in range(K + 1):
        if total[m] > 0.0:
            leaning[m] /= total[m]
    return leaning


@nb.njit(cache=True)
def _leave_and_join(state, params, net, step: int, flows, skey, may_move, hazard, join: float, pull,
                    leaders) -> None:  # fmt: skip
    """The moves of those ``may_move`` marks, in index order, destinations weighed by the step's
    ``pull``; the unorganized join with chance ``join``, those drawn above ``join_rate`` into a
    leader drawn by the shares ``leaders``."""
    K = params.n_orgs
    size = org_sizes(state, K)
    steep = params.leave_steepness
    for i in range(may_move.shape[0]):
        if not may_move[i]:
            continue
        k = state.org[i]
        who = state.ident[i]
        if k == K:
            u = keyed(skey, who, 0)
            if u >= join:
                continue
            dest = K
            if u >= params.join_rate:  # one an opening mobilised: its campaign recruits them
                dest = _mobilised_leader(leaders, size, keyed(skey, who, 2))
            if dest == K:  # the base rate's joiners, and the mobilised whose leader has no members left
                dest = choose_destination(state, params, net, i, K, size, keyed(skey, who, 2), pull)
            if dest != K:
                move(state, params, i, dest, step, size, flows, skey, np.int64(-1))
            continue
        chance = hazard[i] if hazard.shape[0] > 0 else (1.0 - state.satisfaction[i]) ** steep
        if keyed(skey, who, 0) >= chance:
            continue
        # who left what, when: the cascade of exits reads it (issue 23; written always, read only then)
        state.left_at[i] = step
        state.left_from[i] = params.group if state.faction[i] else k
        if state.faction[i] and k != params.group:
            state.tally[TALLY_GROUP_LEFT] += state.weight[i]
            state.faction[i] = False
            state.satisfaction[i] = _fit(state, params, i, k)
            continue
        dest = K
        if keyed(skey, who, 1) >= params.stay_unorganized:
            # k is an int16 read from state.org: as int64, one compiled choose_destination serves both calls
            dest = choose_destination(state, params, net, i, np.int64(k), size, keyed(skey, who, 2), pull)
        in_kernel = state.opinion[i, 0] >= params.kernel_threshold
        w = state.weight[i]  # a coarse agent may be split into persons on the way
        left_group = state.faction[i]
        if move(state, params, i, dest, step, size, flows, skey, np.int64(-1)):
            if left_group:
                state.tally[TALLY_GROUP_LEFT] += w
            state.faction[i] = False  # one of the group's own who leaves it
            if k == params.host:
                _tally_host_leaver(state, params, w, in_kernel, dest)
