"""What is recorded each step (docs/ODD.md §8), in one pass over the population."""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True)
def observe(state, params) -> np.ndarray:
    """Counts of persons at this step, float64 ``(2 * (K + 1) + 4,)``:

    ``[0 : K+1]`` size of each organization (none last); ``[K+1 : 2K+2]`` its kernel (first-axis
    opinion >= ``kernel_threshold``); then the group's members, its cadre, the kernel holding the
    group's views (both opinions above their thresholds, wherever they are, the group included:
    the reach of its ideas), and the host's kernel of step 0 now in the rival.
    """
    K = params.n_orgs
    out = np.zeros(2 * (K + 1) + 4)
    base = 2 * (K + 1)
    for i in range(state.count[0]):
        k = state.org[i]
        w = state.weight[i]
        out[k] += w
        if state.opinion[i, 0] >= params.kernel_threshold:
            out[K + 1 + k] += w
            if state.opinion[i, 1] >= params.independence_threshold:
                out[base + 2] += w
        if state.faction[i]:
            out[base] += w
            if state.cadre[i]:
                out[base + 1] += w
        if k == params.rival and state.origin[i] == params.host and state.kernel0[i]:
            out[base + 3] += w
    return out
