"""Mechanism 1, the press: readers move toward what they read (MODEL.md §4.1)."""

from __future__ import annotations

import numba as nb
import numpy as np



#: "never": more readers than any population holds
_NEVER = 1 << 62


@nb.njit(cache=True, inline="always")
def _until_reached(rng, p: float) -> int:
    """Readers until (and including) the next one an issue reaches, each with chance ``p``:
    geometric on 1, 2, ..."""
    if p >= 1.0:
        return 1
    if p <= 0.0:
        return _NEVER
    g = np.floor(np.log1p(-rng.random()) / np.log1p(-p))
    return 1 + int(min(g, 1e18))


@nb.njit(cache=True)
def read_press(state, params, rng) -> None:
    """Each reader of each organ may read an issue and move toward its line.

    An issue of organ ``o`` reaches a member of organization ``k`` with chance
    ``organ_reach[o, k]``; with chance ``organ_voice[o]`` it carries the group's line (the group
    writing in a host's press, while it has people inside the owner), otherwise its owner's
    platform. Bounded confidence applies: a
    reader farther than ``confidence`` from the line is unmoved. The step is ``convergence``
    times the reader's receptivity times their trust in the owner. Mutates ``state.opinion``.
    """
    n = state.org.shape[0]
    K = params.n_orgs
    inside = np.zeros(K, np.bool_)  # an expelled group has no voice left in the host's press
    for i in range(n):
        if state.faction[i] and state.org[i] < K and state.org[i] != params.group:
            inside[state.org[i]] = True
    # Whether an issue reaches a reader is a coin with the chance organ_reach[o, k]. Readers of
    # one class (organ, organization) are counted off instead of tossed one by one: the
    # number of readers until the next one reached is geometric, so one draw per reader
    # reached (most chances are a few percent) gives the same independent coins.
    n_organs = params.organ_owner.shape[0]
    left = np.empty((n_organs, K + 1), np.int64)
    for o in range(n_organs):
        for k in range(K + 1):
            left[o, k] = _until_reached(rng, params.organ_reach[o, k])
    for i in range(n):
        if state.committed[i]:
            continue
        k = state.org[i]
        for o in range(n_organs):
            left[o, k] -= 1
            if left[o, k] > 0:
                continue
            left[o, k] = _until_reached(rng, params.organ_reach[o, k])
            owner = params.organ_owner[o]
            if inside[owner] and rng.random() < params.organ_voice[o]:
                lx, ly = params.line[0], params.line[1]
            else:
                lx, ly = state.platform[owner, 0], state.platform[owner, 1]
            dx = lx - state.opinion[i, 0]
            dy = ly - state.opinion[i, 1]
            if np.sqrt(dx * dx + dy * dy) >= params.confidence:
                continue
            if owner == k:
                t = params.trust_inside
            elif owner == params.group and k < K:
                t = params.trust_rival
            else:
                t = params.trust_outside
            step = params.convergence * params.receptivity[state.stratum[i]] * t
            state.opinion[i, 0] += step * dx
            state.opinion[i, 1] += step * dy


