"""Mechanism 5, recruitment: the group wins those near its line, one by one (docs/ODD.md §7.5)."""

from __future__ import annotations

import numba as nb
import numpy as np

from lever.kernels.draw import RECRUIT, TARGET, keyed, keyed_below, step_key
from lever.kernels.inner import inner
from lever.kernels.mobility import move, org_sizes
from lever.kernels.opinion import agreement, overlap
from lever.kernels.resolution import one_person
from lever.kernels.social import branches_of, trust
from lever.model.state import (
    TALLY_CONTACT_DISTANCE,
    TALLY_CONTACTS,
    TALLY_HOST_LEFT_TO_GROUP,
    TALLY_HOST_WON_INSIDE,
    TALLY_IN_REACH,
    TALLY_RECRUITED,
    TALLY_TRAINED,
)

#: draws a contact may take: the branch-or-network toss, the branch mate, up to
#: ``_TRIES`` social neighbours (the group's own members are passed over), acceptance
_TRIES = 4
_SLOTS = 3 + _TRIES

#: acquaintances a targeting cadre member weighs for one contact (issue 23), and the draws of one
#: contact in the targeting stream: three per candidate, one for the choice
_CANDIDATES = 4
_TARGET_SLOTS = 3 * _CANDIDATES + 1


@nb.njit(cache=True, inline="always")
def acquaintance(org, branch, branch_start, members, social, indptr, indices, faction, n: int, c: int, who,
                 group: int, branch_talk: float, tkey, base: int) -> int:  # fmt: skip
    """One acquaintance of cadre member ``c`` (identity ``who``) drawn from the targeting stream,
    or -1: inside another organization a branch mate with chance ``branch_talk``; outside (the
    group's branch is the group) with that chance a stranger met at public activity (any of the
    ``n`` agents); otherwise a social neighbour. Never one of the group's own. Draws ``base`` to
    ``base + 2`` of ``tkey``."""
    j = -1
    if keyed(tkey, who, base) < branch_talk:
        if org[c] != group:
            b = branch[c]
            if b >= 0:  # listed, with c in it: a recruiter's branch does not change while it recruits
                lo = branch_start[b]
                j = members[lo + keyed_below(tkey, who, base + 1, branch_start[b + 1] - lo)]
        else:
            j = keyed_below(tkey, who, base + 2, n)
    else:
        row = social[c]
        first = indptr[row]
        deg = indptr[row + 1] - first
        if deg > 0:
            j = indices[first + keyed_below(tkey, who, base + 1, deg)]
    if j < 0 or j == c or faction[j]:
        return -1
    return j


@inner
def targeted(opinion, line, org, branch, branch_start, members, social, indptr, indices, faction, n: int, c: int,
             who, group: int, branch_talk: float, targeting: float, tkey, base: int, cands, w) -> int:  # fmt: skip
    """Whom cadre member ``c`` approaches under targeting (Snow, Zurcher & Ekland-Olson 1980), or -1:
    of :data:`_CANDIDATES` acquaintances (:func:`acquaintance`), one chosen with weight
    ``exp(-targeting x distance to the line)``: the sympathetic are sought out.

    The population comes as its arrays, not as the State: where a kernel reads the State's fields
    in code it inlines, the compiler keeps a reference count on each array read (here some 160
    atomic counts, 400 ns a candidate, where the rest of its work costs 40; issue 28). ``cands``
    and ``w`` are room for the candidates and their weights, the caller's, made once."""
    total = 0.0
    for k in range(_CANDIDATES):
        j = acquaintance(org, branch, branch_start, members, social, indptr, indices, faction, n, c, who, group,
                         branch_talk, tkey, base + 3 * k)  # fmt: skip
        cands[k] = j
        w[k] = 0.0
        if j >= 0:
            dx, dy = opinion[j, 0] - line[0], opinion[j, 1] - line[1]
            w[k] = np.exp(-targeting * np.sqrt(dx * dx + dy * dy))
            total += w[k]
    if total <= 0.0:
        return -1
    u = keyed(tkey, who, base + 3 * _CANDIDATES) * total
    for k in range(_CANDIDATES):
        u -= w[k]
        if u < 0.0 and w[k] > 0.0:
            return cands[k]
    for k in range(_CANDIDATES - 1, -1, -1):  # rounding left u >= 0: the last candidate
        if w[k] > 0.0:
            return cands[k]
    return -1


@nb.njit(cache=True, inline="always")
def within_reach(uncertainty, radius: float, by_agreement: bool, j: int, c: int, d: float) -> bool:
    """Whether contact ``j``, ``d`` from the line, is within cadre member ``c``'s recruiting reach:
    within ``radius`` (``recruit_radius``, at most the confidence bound), or, under
    ``recruit_by_agreement``, where the overlap rule of relative agreement lets ``c``'s
    confidence move it (issue 23)."""
    if d < radius:
        return True
    if not by_agreement:
        return False
    return agreement(overlap(d, uncertainty[c], uncertainty[j]), uncertainty[c]) > 0.0


@inner
def contact(state, net, starts, members, c: int, branch_talk: float, group: int, skey, base: int) -> int:
    """Whom cadre member ``c`` approaches, or -1: a branch mate with chance ``branch_talk``
    (inside another organization only: outside, the branch is the group itself), otherwise
    a social neighbour; never one of the group's own people. Keyed by ``c`` and ``base``.
    ``starts`` and ``members`` list ``c``'s branch (the State's layer, or
    :func:`lever.kernels.social.branches_of`)."""
    who = state.ident[c]
    b = state.branch[c]
    if state.org[c] != group and b >= 0 and keyed(skey, who, base) < branch_talk:
        lo = starts[b]
        size = starts[b + 1] - lo
        if size >= 2:
            j = members[lo + keyed_below(skey, who, base + 1, size)]
            if j != c and not state.faction[j]:
                return j
    row = state.social[c]
    first = net.indptr[row]
    deg = net.indptr[row + 1] - first
    for t in range(_TRIES if deg > 0 else 0):
        j = net.indices[first + keyed_below(skey, who, base + 2 + t, deg)]
        if not state.faction[j]:
            return j
    return -1


def recruit(state, params, net, step: int, flows, key) -> None:
    """Each convinced cadre member makes ``recruit_contacts`` contacts this step.

    A contact (:func:`contact`; under ``targeting``, :func:`targeted`) who is not committed and
    lies within reach of the group's line (:func:`within_reach`) joins with chance ``recruit_prob x trust x receptivity`` (times the gag
    of a homogeneous host: :func:`_gagged`). Only one
    person joins: from a coarse agent, one is split off. A recruit from another organization
    moves into the recruiter's (and branch); inside a host, recruits stay members of the
    host. Then recruits who have trained ``training_steps`` become cadre (and committed).
    Draws are keyed by (step, recruiter, contact). Mutates membership, ``faction``,
    ``faction_since``, ``satisfaction``, ``cadre``, ``committed``, ``convinced``, ``flows``
    and ``tally``.
    """
    # the few who act are found in vectorized passes, not compiled scans of every person
    n = int(state.count[0])
    recruiters = np.flatnonzero(state.cadre[:n] & state.convinced[:n])
    if recruiters.size:
        # their branches as they are now (the State's layer was built before this week's moves)
        starts, members = branches_of(state.branch, n, recruiters, state.branch_start.shape[0] - 1)
        _recruit(state, params, net, step, flows, key, recruiters, starts, members)
    n = int(state.count[0])
    trainees = np.flatnonzero(state.faction[:n] & ~state.cadre[:n])
    if trainees.size:
        _train(state, params, step, trainees)


@nb.njit(cache=True)
def _recruit(state, params, net, step: int, flows, key, recruiters, starts, members) -> None:
    """The contacts of the convinced cadre ``recruiters`` (indices in order; ``starts`` and
    ``members`` list their branches)."""
    size = org_sizes(state, params.n_orgs)
    contacts = params.recruit_contacts
    skey = step_key(key, RECRUIT, step)
    tkey = step_key(key, TARGET, step)
    # the arrays read for every contact, taken once: read through the State inside the loop,
    # each kept a reference count the compiler could not drop (some 400 ns a contact; issue 28)
    opinion, uncertainty, committed, tally = state.opinion, state.uncertainty, state.committed, state.tally
    org, ident, branch = state.org, state.ident, state.branch
    social, faction, count, indptr, indices = state.social, state.faction, state.count, net.indptr, net.indices
    line, radius, by_agreement = params.line, params.recruit_radius, params.recruit_by_agreement
    cands, weights = np.empty(_CANDIDATES, np.int64), np.empty(_CANDIDATES)
    for c in recruiters:
        if org[c] == params.n_orgs:
            continue
        who = ident[c]
        mine = contacts * _rebuilt(state, params, c, step)
        tries = int(mine) + (1 if keyed(skey, who, 0) < mine - int(mine) else 0)
        gagged = _gagged(params, org[c])
        for t in range(tries):
            base = 1 + t * _SLOTS
            if params.targeting > 0.0:  # its own stream: at 0 the draws below are today's
                j = targeted(opinion, line, org, branch, starts, members, social, indptr, indices, faction,
                             count[0], c, who, params.group, params.branch_talk, params.targeting, tkey,
                             t * _TARGET_SLOTS, cands, weights)  # fmt: skip
            else:
                j = contact(state, net, starts, members, c, params.branch_talk, params.group, skey, base)
            if j < 0:
                continue
            dx, dy = opinion[j, 0] - line[0], opinion[j, 1] - line[1]
            d = np.sqrt(dx * dx + dy * dy)
            tally[TALLY_CONTACTS] += 1.0  # the funnel's stages: counted, never drawn on
            tally[TALLY_CONTACT_DISTANCE] += d
            if committed[j] or not within_reach(uncertainty, radius, by_agreement, j, c, d):
                continue
            tally[TALLY_IN_REACH] += 1.0
            p = params.recruit_prob * trust(state, params, j, c) * params.receptivity[state.stratum[j]] * gagged
            if keyed(skey, who, base + _SLOTS - 1) >= p:
                continue
            j = one_person(state, j)
            if j < 0:
                continue
            tally[TALLY_RECRUITED] += 1.0
            _join(state, params, j, c, step, size, flows, skey)


@nb.njit(cache=True)
def _train(state, params, step: int, trainees) -> None:
    """Recruits ``trainees`` who have trained ``training_steps`` become cadre."""
    for i in trainees:
        if step - state.faction_since[i] >= params.training_steps:
            state.tally[TALLY_TRAINED] += state.weight[i]
            state.cadre[i] = True
            state.committed[i] = True
            state.convinced[i] = True


@nb.njit(cache=True, inline="always")
def _rebuilt(state, params, c: int, step: int) -> float:
    """The share of its outside contacts cadre member ``c`` has back: after an expulsion, a
    group that gave up its paper on entry rebuilds them over ``rebuild_steps`` (1 otherwise)."""
    e = state.expelled_from[c]
    if params.rebuild_steps <= 0 or e < 0 or state.org[c] != params.group:
        return 1.0
    since = step - state.expulsion[e]
    return min(1.0, since / params.rebuild_steps)


@nb.njit(cache=True, inline="always")
def _gagged(params, k: int) -> float:
    """The factor on recruiting by a current inside organization ``k``: a homogeneous
    apparatus gags a visible current before any expulsion (1 outside, or with no gag)."""
    if k == params.group or k >= params.n_orgs:
        return 1.0
    return 1.0 - params.gag * params.homogeneity[k] * params.visibility[k]


@inner
def _join(state, params, j: int, c: int, step: int, size, flows, skey) -> None:
    """Person ``j`` joins the group through cadre member ``c``."""
    k = state.org[j]
    if k == params.host:
        state.tally[TALLY_HOST_LEFT_TO_GROUP if k != state.org[c] else TALLY_HOST_WON_INSIDE] += 1.0
    state.faction[j] = True
    state.faction_since[j] = step
    if k != state.org[c]:
        # as int64, the types of every other call: one compiled copy of move, not two
        move(state, params, j, np.int64(state.org[c]), step, size, flows, skey, np.int64(state.branch[c]))
    state.satisfaction[j] = 1.0
