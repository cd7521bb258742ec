"""Person by person where the group acts: splitting one person off a coarse agent.

A coarse agent stands for several persons who share an opinion, a stratum and a place. When
one of them must be told apart (they move into a population held person by person, the
group recruits or persuades them), a new agent of weight one is split off: it copies the
agent, takes one person from its weight, knows whom the agent knew (its row of the social
network) and gets an ident of its own, derived from the agent's ident and how many persons
had been split off it before, so that the keyed draws stay tied to who the person is.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from lever.kernels.draw import mix64
from lever.kernels.inner import inner
from lever.model.state import TALLY_MISSED, TALLY_SPLIT


@inner
def split_off(state, i: int) -> int:
    """Split one person off agent ``i`` (weight > 1): returns the new agent's index, or -1
    when the arrays have no room left (counted in ``tally[TALLY_MISSED]``; the engine keeps
    room, so this does not happen in a run). Mutates the arrays, ``count`` and ``tally``."""
    j = state.count[0]
    if j >= state.org.shape[0]:
        state.tally[TALLY_MISSED] += 1.0
        return -1
    state.count[0] = j + 1
    state.org[j] = state.org[i]
    state.branch[j] = state.branch[i]
    state.stratum[j] = state.stratum[i]
    state.opinion[j, 0] = state.opinion[i, 0]
    state.opinion[j, 1] = state.opinion[i, 1]
    state.satisfaction[j] = state.satisfaction[i]
    state.committed[j] = state.committed[i]
    state.faction[j] = state.faction[i]
    state.cadre[j] = state.cadre[i]
    state.convinced[j] = state.convinced[i]
    state.faction_since[j] = state.faction_since[i]
    state.expelled_from[j] = state.expelled_from[i]
    state.origin[j] = state.origin[i]
    state.kernel0[j] = state.kernel0[i]
    state.uncertainty[j] = state.uncertainty[i]
    state.anchor[j, 0] = state.anchor[i, 0]
    state.anchor[j, 1] = state.anchor[i, 1]
    state.left_at[j] = state.left_at[i]
    state.left_from[j] = state.left_from[i]
    state.tie_word[j] = -1  # its ties not yet counted (lever.kernels.ties)
    state.root[j] = state.root[i]
    state.social[j] = state.social[i]
    state.splits[i] += 1
    state.splits[j] = 0
    state.ident[j] = mix64(state.ident[i] ^ mix64(np.uint64(state.splits[i])))
    state.weight[j] = 1.0
    state.weight[i] -= 1.0
    state.tally[TALLY_SPLIT] += 1.0
    return j


@inner
def one_person(state, i: int) -> int:
    """``i`` itself if it is one person, else a person split off it (-1: no room)."""
    if state.weight[i] <= 1.0:
        return i
    return split_off(state, i)


@nb.njit(cache=True)
def persons_beyond_one(weight, n: int) -> float:
    """Persons the first ``n`` agents hold beyond one each: the most that could ever be split
    off them."""
    total = 0.0
    for i in range(n):
        if weight[i] > 1.0:
            total += weight[i] - 1.0
    return total
