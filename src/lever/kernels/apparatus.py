"""Mechanism 6, the apparatus: platforms drift, homogeneous ones expel currents (docs/ODD.md §7.6)."""

from __future__ import annotations

import numba as nb
import numpy as np

from lever.kernels.draw import APPARATUS, CAPITULATE, keyed, step_key
from lever.kernels.inner import inner
from lever.kernels.mobility import move, org_sizes
from lever.model.state import TALLY_CAPITULATED, TALLY_DEMORALISED

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
    (``expelled_from``; where the brand reaches further, others too: ``Params.brand``). An
    expelled cadre member is demoralised and leaves politics with chance ``demoralisation``.
    Draws are keyed by (step, organization) and (step, person). Returns the persons
    expelled; mutates membership, ``flows``, ``expulsion`` and ``tally``.
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
            cadre = state.cadre[i]
            state.expelled_from[i] = k  # before the move: persons split off carry it too
            if move(state, params, i, params.group, step, size, flows, skey, np.int64(-1)):
                expelled += w
                if state.expulsion[k] < 0:
                    state.expulsion[k] = step
                if cadre and keyed(skey, state.ident[i], 2) < params.demoralisation:
                    _leave_politics(state, params, i, step, size, flows, skey)
            else:
                state.expelled_from[i] = -1
    return expelled


@inner
def _leave_politics(state, params, i: int, step: int, size, flows, skey) -> None:
    """Expelled cadre member ``i``, demoralised, leaves the group for no organization and
    gives up the fight (no longer committed: they may be talked round like anyone)."""
    move(state, params, i, np.int64(params.n_orgs), step, size, flows, skey, np.int64(-1))
    _drop_out(state, i)
    state.tally[TALLY_DEMORALISED] += state.weight[i]


@nb.njit(cache=True, inline="always")
def _drop_out(state, i: int) -> None:
    """``i`` is no longer one of the group's people, nor committed."""
    state.faction[i] = False
    state.cadre[i] = False
    state.committed[i] = False
    state.convinced[i] = False


def capitulate(state, params, step: int, key) -> None:
    """Cadre under the discipline of another organization's apparatus may capitulate: give
    up the group's views for the organization's platform (assimilated) and stay a plain
    member. The hazard per step is ``capitulation x h x d x min(1, t / assimilation_steps)``,
    with ``h`` the organization's homogeneity, ``d`` the distance between the group's line
    and its platform (over the largest, sqrt 2) and ``t`` the steps spent inside (since the
    entry, or since being won inside). Draws are keyed by (step, person). Mutates
    ``faction``, ``cadre``, ``committed``, ``convinced``, ``opinion``, ``satisfaction`` and
    ``tally``."""
    if params.capitulation <= 0.0:
        return
    n = int(state.count[0])
    # only the group's cadre can capitulate: found in a vectorized pass, not a compiled scan
    # of every person (most of a step's time here at 10^6 agents)
    cadre = np.flatnonzero(state.faction[:n] & state.cadre[:n])
    if cadre.size:
        _capitulate(state, params, step, key, cadre)


@nb.njit(cache=True)
def _capitulate(state, params, step: int, key, cadre) -> None:
    """:func:`capitulate` for the cadre ``cadre`` (indices in order)."""
    K = params.n_orgs
    skey = step_key(key, CAPITULATE, step)
    for i in cadre:
        k = state.org[i]
        if k >= K or k == params.group or not (state.faction[i] and state.cadre[i]):
            continue
        dx = params.line[0] - state.platform[k, 0]
        dy = params.line[1] - state.platform[k, 1]
        distance = np.sqrt(dx * dx + dy * dy) / np.sqrt(2.0)
        inside = step - max(params.entry_step, state.faction_since[i])
        hazard = params.capitulation * params.homogeneity[k] * distance * min(1.0, inside / params.assimilation_steps)
        if keyed(skey, state.ident[i], 0) < hazard:
            _drop_out(state, i)
            state.opinion[i, 0] = state.platform[k, 0]
            state.opinion[i, 1] = state.platform[k, 1]
            state.satisfaction[i] = 1.0
            state.tally[TALLY_CAPITULATED] += state.weight[i]
