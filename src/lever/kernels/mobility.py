"""Mechanisms 3 and 4: satisfaction, then leaving and joining (MODEL.md §4.3-4.4)."""

from __future__ import annotations

import numba as nb
import numpy as np

from lever.kernels.draw import below


@nb.njit(cache=True, inline="always")
def _fit(state, params, i: int, k: int) -> float:
    """How well ``i``'s opinion fits organization ``k`` (the group's people: the group's line)."""
    if state.faction[i]:
        rx, ry, tol = params.line[0], params.line[1], params.tolerance[params.group]
    else:
        rx, ry, tol = state.platform[k, 0], state.platform[k, 1], params.tolerance[k]
    dx = state.opinion[i, 0] - rx
    dy = state.opinion[i, 1] - ry
    return max(0.0, 1.0 - np.sqrt(dx * dx + dy * dy) / tol)


@nb.njit(cache=True)
def update_satisfaction(state, params, step: int) -> None:
    """Satisfaction relaxes toward fit minus the organization's disappointment level.

    ``s += satisfaction_rate * (fit - disappointment[step, k] - s)``, clipped to [0, 1]; the
    group's people measure their fit by the group's line and feel its disappointment. Mutates
    ``state.satisfaction`` of members; the unorganized and the committed are left alone.
    """
    K = params.n_orgs
    for i in range(state.org.shape[0]):
        k = state.org[i]
        if k == K or state.committed[i]:
            continue
        ref = params.group if state.faction[i] else k
        target = _fit(state, params, i, k) - params.disappointment[step, ref]
        s = state.satisfaction[i] + params.satisfaction_rate * (target - state.satisfaction[i])
        state.satisfaction[i] = min(1.0, max(0.0, s))


@nb.njit(cache=True)
def org_sizes(state, n_orgs: int) -> np.ndarray:
    """Persons in each organization, the unorganized last: float64 ``(K + 1,)``."""
    size = np.zeros(n_orgs + 1)
    for i in range(state.org.shape[0]):
        size[state.org[i]] += state.weight[i]
    return size


@nb.njit(cache=True)
def choose_destination(state, params, net, i: int, exclude: int, size, rng) -> int:
    """Where ``i`` goes: organization ``m`` with weight
    ``attraction * exp(-closeness * distance) * size**gravity * (1 + ties_weight * ties)``.

    ``ties`` counts ``i``'s social neighbours in ``m``. Empty organizations and ``exclude`` are
    not options; returns ``n_orgs`` (none) when no option has weight.
    """
    K = params.n_orgs
    ties = np.zeros(K + 1)
    for e in range(net.indptr[i], net.indptr[i + 1]):
        ties[state.org[net.indices[e]]] += 1.0
    w = np.zeros(K)
    total = 0.0
    for m in range(K):
        if m == exclude or size[m] <= 0.0:
            continue
        dx = state.opinion[i, 0] - state.platform[m, 0]
        dy = state.opinion[i, 1] - state.platform[m, 1]
        w[m] = (
            params.attraction[m]
            * np.exp(-params.closeness * np.sqrt(dx * dx + dy * dy))
            * size[m] ** params.gravity
            * (1.0 + params.ties_weight * ties[m])
        )
        total += w[m]
    if total <= 0.0:
        return K
    u = rng.random() * total
    for m in range(K):
        u -= w[m]
        if u < 0.0 and w[m] > 0.0:
            return m
    for m in range(K - 1, -1, -1):  # rounding left u >= 0: take the last option
        if w[m] > 0.0:
            return m
    return K


@nb.njit(cache=True)
def move(state, params, i: int, dest: int, step: int, size, flows, rng, branch: int = -1) -> None:
    """Move ``i`` to ``dest`` (``n_orgs`` for none), keeping sizes and the flow matrix."""
    k = state.org[i]
    w = state.weight[i]
    flows[k, dest] += w
    size[k] -= w
    size[dest] += w
    state.org[i] = dest
    if dest == params.n_orgs:
        state.branch[i] = -1
    elif branch >= 0:
        state.branch[i] = branch
    else:
        lo = params.branch_offset[dest]
        state.branch[i] = lo + below(rng, params.branch_offset[dest + 1] - lo)
    if dest == params.group and not state.faction[i]:
        state.faction[i] = True
        state.faction_since[i] = step
    state.satisfaction[i] = 1.0


@nb.njit(cache=True)
def leave_and_join(state, params, net, step: int, flows, rng) -> None:
    """The dissatisfied leave; the unorganized join at a base rate.

    A member with satisfaction ``s`` leaves with chance ``(1 - s) ** leave_steepness``: never
    when fully satisfied, certainly at ``s = 0``, and rarely in between for steep values. One of the group's people inside
    another organization leaves the group and stays; anyone else goes to no organization with
    chance ``stay_unorganized``, otherwise to a destination chosen by gravity. Each unorganized
    person joins with chance ``join_rate``. Mutates membership arrays and ``flows``.
    """
    K = params.n_orgs
    size = org_sizes(state, K)
    steep = params.leave_steepness
    for i in range(state.org.shape[0]):
        k = state.org[i]
        if state.committed[i]:
            continue
        if k == K:
            if rng.random() < params.join_rate:
                dest = choose_destination(state, params, net, i, K, size, rng)
                if dest != K:
                    move(state, params, i, dest, step, size, flows, rng)
            continue
        if rng.random() >= (1.0 - state.satisfaction[i]) ** steep:
            continue
        if state.faction[i] and k != params.group:
            state.faction[i] = False
            state.satisfaction[i] = _fit(state, params, i, k)
            continue
        state.faction[i] = False
        dest = K
        if rng.random() >= params.stay_unorganized:
            dest = choose_destination(state, params, net, i, k, size, rng)
        move(state, params, i, dest, step, size, flows, rng)
