"""Mechanism 1, the press: readers move toward what they read (MODEL.md §4.1)."""

from __future__ import annotations

import numba as nb
import numpy as np

from lever.kernels.draw import PRESS, keyed, step_key
from lever.kernels.resolution import split_off


@nb.njit(cache=True)
def read_press(state, params, key, step: int) -> None:
    """Each reader of each organ may read an issue and move toward its line.

    An issue of organ ``o`` reaches a member of organization ``k`` with chance
    ``organ_reach[o, k]``; the group's own organ carries its line, and a host's organ carries
    it with chance ``organ_voice[o]`` while the group has people inside the owner; otherwise
    an issue carries its owner's platform. Bounded confidence applies: a reader farther than
    ``confidence`` from the line is unmoved. The step is ``convergence`` times the reader's
    receptivity times their trust in the owner. A coarse agent moves as a whole toward its
    owner's platform, but the group's line reaches its persons one by one: with chance
    ``weight x reach x share of the group's line`` one of them is split off and moved (the
    group acts person by person). Draws are keyed by (step, reader, organ). Mutates
    ``state.opinion`` (and splits persons off).
    """
    K = params.n_orgs
    n = state.count[0]
    inside = np.zeros(K, np.bool_)  # an expelled group has no voice left in the host's press
    for i in range(n):
        if state.faction[i] and state.org[i] < K and state.org[i] != params.group:
            inside[state.org[i]] = True
    skey = step_key(key, PRESS, step)
    n_organs = params.organ_owner.shape[0]
    for i in range(n):
        if state.committed[i]:
            continue
        k = state.org[i]
        for o in range(n_organs):
            reach = params.organ_reach[o, k]
            if reach <= 0.0:
                continue
            owner = params.organ_owner[o]
            share = 1.0 if owner == params.group else (params.organ_voice[o] if inside[owner] else 0.0)
            u = keyed(skey, state.ident[i], 2 * o)
            if state.weight[i] <= 1.0:
                if u >= reach:
                    continue
                line = share >= 1.0 or (share > 0.0 and keyed(skey, state.ident[i], 2 * o + 1) < share)
                _read(state, params, i, k, owner, line)
                continue
            if u < reach * (1.0 - share):
                _read(state, params, i, k, owner, False)
            if (share > 0.0 and keyed(skey, state.ident[i], 2 * o + 1) < state.weight[i] * reach * share
                    and _near_line(state, params, i)):
                j = split_off(state, i)
                if j >= 0:
                    _read(state, params, j, k, owner, True)


@nb.njit(cache=True, inline="always")
def _near_line(state, params, i: int) -> bool:
    """Whether ``i`` lies within the confidence bound of the group's line (only then is a
    person split off to read it: one farther away would not move)."""
    dx = params.line[0] - state.opinion[i, 0]
    dy = params.line[1] - state.opinion[i, 1]
    return np.sqrt(dx * dx + dy * dy) < params.confidence


@nb.njit(cache=True, inline="always")
def _read(state, params, i: int, k: int, owner: int, line: bool) -> None:
    """Reader ``i`` of organization ``k`` reads an issue of ``owner``'s organ carrying the
    group's line or the owner's platform."""
    if line:
        lx, ly = params.line[0], params.line[1]
    else:
        lx, ly = state.platform[owner, 0], state.platform[owner, 1]
    dx = lx - state.opinion[i, 0]
    dy = ly - state.opinion[i, 1]
    if np.sqrt(dx * dx + dy * dy) >= params.confidence:
        return
    if owner == k:
        t = params.trust_inside
    elif owner == params.group and k < params.n_orgs:
        t = params.trust_rival
    else:
        t = params.trust_outside
    step = params.convergence * params.receptivity[state.stratum[i]] * t
    state.opinion[i, 0] += step * dx
    state.opinion[i, 1] += step * dy
