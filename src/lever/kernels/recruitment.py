"""Mechanism 5, recruitment: the group wins those near its line, one by one (MODEL.md §4.5)."""

from __future__ import annotations

import numba as nb
import numpy as np

from lever.kernels.mobility import move, org_sizes
from lever.kernels.social import partner, ties, trust


@nb.njit(cache=True)
def recruit(state, params, net, step: int, flows, rng) -> None:
    """Each convinced cadre member makes ``recruit_contacts`` contacts this step.

    A contact (a branch mate or a social neighbour) who is not committed, not already one of
    the group's, and lies within ``recruit_radius`` of the group's line joins with chance
    ``recruit_prob x trust x receptivity``. A recruit from another organization moves into the
    recruiter's (and branch); inside a host, recruits stay members of the host. Then recruits
    who have trained ``training_steps`` become cadre (and committed). Mutates membership,
    ``faction``, ``faction_since``, ``satisfaction``, ``cadre``, ``committed``, ``convinced``
    and ``flows``.
    """
    size = org_sizes(state, params.n_orgs)
    n = state.org.shape[0]
    contacts = params.recruit_contacts
    links = ties(state, net)
    for c in range(n):
        if not (state.cadre[c] and state.convinced[c]) or state.org[c] == params.n_orgs:
            continue
        tries = int(contacts) + (1 if rng.random() < contacts - int(contacts) else 0)
        for _ in range(tries):
            j = partner(links, params.branch_talk, c, rng)
            if j < 0 or state.faction[j] or state.committed[j]:
                continue
            dx = state.opinion[j, 0] - params.line[0]
            dy = state.opinion[j, 1] - params.line[1]
            if np.sqrt(dx * dx + dy * dy) >= params.recruit_radius:
                continue
            p = params.recruit_prob * trust(state, params, j, c) * params.receptivity[state.stratum[j]]
            if rng.random() >= p:
                continue
            state.faction[j] = True
            state.faction_since[j] = step
            if state.org[j] != state.org[c]:
                move(state, params, j, state.org[c], step, size, flows, rng, state.branch[c])
            state.satisfaction[j] = 1.0
    for i in range(n):
        if state.faction[i] and not state.cadre[i] and step - state.faction_since[i] >= params.training_steps:
            state.cadre[i] = True
            state.committed[i] = True
            state.convinced[i] = True
