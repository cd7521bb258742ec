"""Mechanism 5, recruitment: the group wins those near its line, one by one (docs/ODD.md §7.5)."""

from __future__ import annotations

import numba as nb
import numpy as np

from lever.kernels.draw import RECRUIT, keyed, keyed_below, step_key
from lever.kernels.mobility import move, org_sizes
from lever.kernels.resolution import one_person
from lever.kernels.social import trust
from lever.model.state import TALLY_HOST_LEFT_TO_GROUP, TALLY_HOST_WON_INSIDE

#: draws a contact may take: the branch-or-network toss, the branch mate, up to
#: ``_TRIES`` social neighbours (the group's own members are passed over), acceptance
_TRIES = 4
_SLOTS = 3 + _TRIES


@nb.njit(cache=True)
def contact(state, net, c: int, branch_talk: float, group: int, skey, base: int) -> int:
    """Whom cadre member ``c`` approaches, or -1: a branch mate with chance ``branch_talk``
    (inside another organization only: outside, the branch is the group itself), otherwise
    a social neighbour; never one of the group's own people. Keyed by ``c`` and ``base``."""
    who = state.ident[c]
    b = state.branch[c]
    if state.org[c] != group and b >= 0 and keyed(skey, who, base) < branch_talk:
        lo = state.branch_start[b]
        size = state.branch_start[b + 1] - lo
        if size >= 2:
            j = state.branch_members[lo + keyed_below(skey, who, base + 1, size)]
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

    A contact (:func:`contact`) who is not committed and lies within ``recruit_radius`` of
    the group's line joins with chance ``recruit_prob x trust x receptivity`` (times the gag
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
        _recruit(state, params, net, step, flows, key, recruiters)
    n = int(state.count[0])
    trainees = np.flatnonzero(state.faction[:n] & ~state.cadre[:n])
    if trainees.size:
        _train(state, params, step, trainees)


@nb.njit(cache=True)
def _recruit(state, params, net, step: int, flows, key, recruiters) -> None:
    """The contacts of the convinced cadre ``recruiters`` (indices in order)."""
    size = org_sizes(state, params.n_orgs)
    contacts = params.recruit_contacts
    skey = step_key(key, RECRUIT, step)
    for c in recruiters:
        if state.org[c] == params.n_orgs:
            continue
        who = state.ident[c]
        mine = contacts * _rebuilt(state, params, c, step)
        tries = int(mine) + (1 if keyed(skey, who, 0) < mine - int(mine) else 0)
        gagged = _gagged(params, state.org[c])
        for t in range(tries):
            base = 1 + t * _SLOTS
            j = contact(state, net, c, params.branch_talk, params.group, skey, base)
            if j < 0 or state.committed[j]:
                continue
            dx = state.opinion[j, 0] - params.line[0]
            dy = state.opinion[j, 1] - params.line[1]
            if np.sqrt(dx * dx + dy * dy) >= params.recruit_radius:
                continue
            p = params.recruit_prob * trust(state, params, j, c) * params.receptivity[state.stratum[j]] * gagged
            if keyed(skey, who, base + _SLOTS - 1) >= p:
                continue
            j = one_person(state, j)
            if j < 0:
                continue
            _join(state, params, j, c, step, size, flows, skey)


@nb.njit(cache=True)
def _train(state, params, step: int, trainees) -> None:
    """Recruits ``trainees`` who have trained ``training_steps`` become cadre."""
    for i in trainees:
        if step - state.faction_since[i] >= params.training_steps:
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


@nb.njit(cache=True)
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
