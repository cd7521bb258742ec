"""Opinion exchange shared by the engine and the classic models."""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True, inline="always")
def distance(opinion: np.ndarray, i: int, j: int) -> float:
    """Euclidean distance between rows ``i`` and ``j`` of ``opinion`` (shape ``(n, dims)``)."""
    s = 0.0
    for k in range(opinion.shape[1]):
        diff = opinion[i, k] - opinion[j, k]
        s += diff * diff
    return np.sqrt(s)


@nb.njit(cache=True, inline="always")
def deffuant_exchange(
    opinion: np.ndarray, i: int, j: int, bound: float, mu_i: float, mu_j: float
) -> bool:
    """Bounded-confidence exchange (Deffuant et al. 2000) between persons ``i`` and ``j``.

    If their opinions lie closer than ``bound``, ``i`` moves the fraction ``mu_i`` of the gap
    toward ``j`` and ``j`` the fraction ``mu_j`` toward ``i``, both from the opinions held before
    the exchange. ``opinion`` has shape ``(n, dims)`` with values in [0, 1]; a convex step keeps
    them there. Returns whether the two were close enough to talk.
    """
    if opinion.shape[1] == 1:  # the classic models' case, in registers
        a = opinion[i, 0]
        b = opinion[j, 0]
        d = a - b
        close = np.sqrt(d * d) < bound  # as ``distance`` computes it: the same bits
        m_i = mu_i if close else 0.0
        m_j = mu_j if close else 0.0
        opinion[i, 0] = a + m_i * (b - a)
        opinion[j, 0] = b + m_j * (a - b)
        return close
    close = distance(opinion, i, j) < bound
    # no branch on ``close`` (a coin flip the CPU cannot predict): apart, both steps are
    # zero, and ``a + 0.0 * (b - a)`` is ``a`` exactly
    m_i = mu_i if close else 0.0
    m_j = mu_j if close else 0.0
    for k in range(opinion.shape[1]):
        a = opinion[i, k]
        b = opinion[j, k]
        opinion[i, k] = a + m_i * (b - a)
        opinion[j, k] = b + m_j * (a - b)
    return close
