"""What is recorded each step (docs/ODD.md §8), in one pass over the population."""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True)
def observe(state, params) -> np.ndarray:
    """Counts of persons at this step, float64 ``(2 * (K + 1) + 4,)``:

    ``[0 : K+1]`` size of each organization (none last); ``[K+1 : 2K+2]`` its revolutionary
    kernel (radicalism >= ``revolutionary_threshold``); then the group's members, its cadre,
    the revolutionary-minded holding the group's views (radicalism and independence above
    their thresholds, wherever they are, the group included: the reach of its ideas), and the host's revolutionaries of step 0 now in the rival.
    """
    K = params.n_orgs
    out = np.zeros(2 * (K + 1) + 4)
    base = 2 * (K + 1)
    for i in range(state.count[0]):
        k = state.org[i]
        w = state.weight[i]
        out[k] += w
        revolutionary = state.opinion[i, 0] >= params.revolutionary_threshold
        if revolutionary:
            out[K + 1 + k] += w
            if state.opinion[i, 1] >= params.independence_threshold:
                out[base + 2] += w
        if state.faction[i]:
            out[base] += w
            if state.cadre[i]:
                out[base + 1] += w
        if k == params.rival and state.origin[i] == params.host and state.revolutionary0[i]:
            out[base + 3] += w
    return out
