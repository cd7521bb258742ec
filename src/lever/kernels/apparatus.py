"""Mechanism 6, the apparatus: platforms drift, homogeneous ones expel currents (MODEL.md §4.6)."""

from __future__ import annotations

import numba as nb
import numpy as np

from lever.kernels.draw import APPARATUS, keyed, step_key
from lever.kernels.mobility import move, org_sizes

#: draws of an organization (not a person) are keyed with this bit set
_ORG_BIT = np.uint64(1 << 63)


@nb.njit(cache=True)
def drift_platforms(state, params) -> None:
    """A loose organization's platform follows its members' mean opinion.

    ``platform[k] += platform_drift * (1 - h_k) * (mean_k - platform[k])``, where the mean
    weighs each person by ``weight`` and the group's people by ``bloc_weight`` more (a
    disciplined faction votes as a bloc). The group's own line never drifts. Mutates
    ``state.platform``.
    """
    K = params.n_orgs
    total = np.zeros(K + 1)
    sums = np.zeros((K + 1, 2))
    for i in range(state.count[0]):
        k = state.org[i]
        w = state.weight[i] * (params.bloc_weight if state.faction[i] else 1.0)
        total[k] += w
        sums[k, 0] += w * state.opinion[i, 0]
        sums[k, 1] += w * state.opinion[i, 1]
    for k in range(K):
        if k == params.group or total[k] <= 0.0:
            continue
        pull = params.platform_drift * (1.0 - params.homogeneity[k])
        for d in range(2):
            state.platform[k, d] += pull * (sums[k, d] / total[k] - state.platform[k, d])


@nb.njit(cache=True)
def expel_currents(state, params, step: int, flows, key) -> float:
    """A homogeneous apparatus detects the group's current and expels it.

    In each organization ``k`` holding the group's people, the current is detected this step
    with chance ``detection * h_k**3 * visibility``; then each of them is expelled with chance
    ``expel_share`` (1 for a faction, which stands or falls together). The expelled go back to
    the group's own organization, and ``k``'s members distrust them from then on
    (``expelled_from``). Draws are keyed by (step, organization) and (step, person).
    Returns the persons expelled; mutates membership and ``flows``.
    """
    K = params.n_orgs
    skey = step_key(key, APPARATUS, step)
    present = np.zeros(K, np.bool_)
    for i in range(state.count[0]):
        if state.faction[i] and state.org[i] < K:
            present[state.org[i]] = True
    detected = np.zeros(K, np.bool_)
    for k in range(K):
        h = params.homogeneity[k]
        if present[k] and k != params.group:
            # organizations are keyed apart from persons by the top bit
            u = keyed(skey, np.uint64(k) | _ORG_BIT, 0)
            detected[k] = u < params.detection * h * h * h * params.visibility[k]
    if not detected.any():
        return 0.0
    size = org_sizes(state, K)
    expelled = 0.0
    for i in range(state.count[0]):
        k = state.org[i]
        if k < K and detected[k] and state.faction[i] and keyed(skey, state.ident[i], 1) < params.expel_share[k]:
            w = state.weight[i]
            state.expelled_from[i] = k  # before the move: persons split off carry it too
            if move(state, params, i, params.group, step, size, flows, skey, np.int64(-1)):
                expelled += w
            else:
                state.expelled_from[i] = -1
    return expelled
