"""Opinion clusters of the bounded-confidence models.

A cluster is a maximal run of sorted opinions whose consecutive gaps are all below ``gap``
(by default the confidence bound: agents chained that closely can still pull each other
together). A *major* cluster holds at least ``min_share`` of the agents (5 % by default),
which sets aside the few stragglers left near the edges of the opinion range.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MAJOR_SHARE", "cluster_sizes", "cluster_summary"]

MAJOR_SHARE = 0.05


def cluster_sizes(opinion: np.ndarray, gap: float) -> np.ndarray:
    """Sizes of the clusters of 1-D ``opinion`` (any shape; flattened), in increasing order of
    opinion.

    Parameters
    ----------
    opinion : numpy.ndarray
        Opinions.
    gap : float
        Consecutive sorted opinions at least ``gap`` apart start a new cluster.
    """
    x = np.sort(np.ravel(opinion))
    if x.size == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.diff(x) >= gap) + 1
    return np.diff(np.concatenate(([0], starts, [x.size])))


def cluster_summary(opinion: np.ndarray, gap: float, min_share: float = MAJOR_SHARE) -> tuple[int, int]:
    """Numbers of (all, major) clusters, major meaning at least ``min_share`` of the agents."""
    sizes = cluster_sizes(opinion, gap)
    n = np.size(opinion)
    return int(sizes.size), int(np.count_nonzero(sizes >= min_share * n))
