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
def deffuant_exchange(opinion: np.ndarray, i: int, j: int, bound: float, mu_i: float, mu_j: float) -> bool:
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


# -- relative agreement (Deffuant, Amblard, Weisbuch & Faure 2002) ---------------------------
#
# Each person holds an opinion and an uncertainty ``u``: the segment [x - u, x + u] (in more
# dimensions, the ball of radius ``u``) of views it finds acceptable. A speaker moves a listener
# by how much their segments overlap beyond the speaker's own uncertainty, so a confident
# speaker (small ``u``) reaches farther than a doubting one, and makes the listener more
# confident as well as nearer.


@nb.njit(cache=True, inline="always")
def overlap(d: float, u_i: float, u_j: float) -> float:
    """Overlap of segments of half-widths ``u_i``, ``u_j`` whose centres are ``d`` apart:
    ``min(x_i + u_i, x_j + u_j) - max(x_i - u_i, x_j - u_j)`` in one dimension, written by
    the distance so that it holds along the line between two points of the opinion plane."""
    return min(u_i + u_j - d, 2.0 * min(u_i, u_j))


@nb.njit(cache=True, inline="always")
def agreement(h: float, u_speaker: float) -> float:
    """Relative agreement ``h / u_speaker - 1`` of an overlap ``h`` with the speaker's
    uncertainty, in (0, 1]; zero when the overlap does not exceed the speaker's uncertainty
    (the speaker then does not move the listener at all)."""
    return h / u_speaker - 1.0 if h > u_speaker else 0.0


@nb.njit(cache=True, inline="always")
def relative_agreement_exchange(
    opinion: np.ndarray, uncertainty: np.ndarray, i: int, j: int, mu_i: float, mu_j: float
) -> bool:
    """Relative-agreement exchange between ``i`` and ``j`` (both directions, from the values
    held before the exchange).

    With ``h`` their overlap, ``j`` listens to ``i`` when ``h > u_i``:
    ``x_j += mu_j (h / u_i - 1) (x_i - x_j)`` and ``u_j += mu_j (h / u_i - 1) (u_i - u_j)``;
    ``i`` listens to ``j`` alike. The steps are convex (``h <= 2 u``), so opinions stay in
    their box and uncertainties between the two. Returns whether either moved.
    """
    u_i = uncertainty[i]
    u_j = uncertainty[j]
    h = overlap(distance(opinion, i, j), u_i, u_j)
    m_i = mu_i * agreement(h, u_j)  # i listens to j
    m_j = mu_j * agreement(h, u_i)
    for k in range(opinion.shape[1]):
        a = opinion[i, k]
        b = opinion[j, k]
        opinion[i, k] = a + m_i * (b - a)
        opinion[j, k] = b + m_j * (a - b)
    uncertainty[i] = u_i + m_i * (u_j - u_i)
    uncertainty[j] = u_j + m_j * (u_i - u_j)
    return m_i > 0.0 or m_j > 0.0


@nb.njit(cache=True, inline="always")
def mixed_exchange(
    opinion: np.ndarray,
    uncertainty: np.ndarray,
    i: int,
    j: int,
    bound: float,
    mu_i: float,
    mu_j: float,
    weight: float,
) -> bool:
    """The engine's exchange under relative agreement of weight ``weight`` in (0, 1]: each
    moves ``(1 - weight)`` times its bounded-confidence step (:func:`deffuant_exchange`) plus
    ``weight`` times its relative-agreement step (:func:`relative_agreement_exchange`), and its
    uncertainty by the latter alone. At weight 1 it is relative agreement. Returns whether
    either moved."""
    u_i = uncertainty[i]
    u_j = uncertainty[j]
    d = distance(opinion, i, j)
    h = overlap(d, u_i, u_j)
    ra_i = weight * mu_i * agreement(h, u_j)  # i listens to j
    ra_j = weight * mu_j * agreement(h, u_i)
    close = d < bound
    m_i = ra_i + ((1.0 - weight) * mu_i if close else 0.0)
    m_j = ra_j + ((1.0 - weight) * mu_j if close else 0.0)
    for k in range(opinion.shape[1]):
        a = opinion[i, k]
        b = opinion[j, k]
        opinion[i, k] = a + m_i * (b - a)
        opinion[j, k] = b + m_j * (a - b)
    uncertainty[i] = u_i + ra_i * (u_j - u_i)
    uncertainty[j] = u_j + ra_j * (u_i - u_j)
    return m_i > 0.0 or m_j > 0.0
