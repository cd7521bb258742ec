"""Intervals that respect the design: resample draws, not worlds.

The replications of one draw share every sampled parameter; they are not independent worlds.
A bootstrap that resamples worlds one by one treats them as if they were and gives intervals
too narrow wherever the parameters matter. Here the unit resampled is the draw (a cluster
bootstrap): each bootstrap sample takes whole draws, with all their replications.
"""

from __future__ import annotations

import numpy as np

#: Bootstrap samples behind every interval (fixed seed: a report is reproducible).
BOOTSTRAP = 2000
#: The interval printed everywhere: 90%.
LOW_Q, HIGH_Q = 0.05, 0.95


def _clusters(groups: np.ndarray | None, n: int) -> np.ndarray:
    """Cluster codes 0..G-1 per world (each world its own cluster when ``groups`` is None)."""
    if groups is None:
        return np.arange(n)
    return np.unique(np.asarray(groups), return_inverse=True)[1].ravel()


def cluster_means(values: np.ndarray, groups: np.ndarray | None, seed: int = 0) -> np.ndarray:
    """``BOOTSTRAP`` bootstrap means of ``values``, resampling whole clusters (draws)."""
    values = np.asarray(values, float)
    codes = _clusters(groups, values.size)
    sums = np.bincount(codes, weights=values)
    counts = np.bincount(codes).astype(float)
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, sums.size, size=(BOOTSTRAP, sums.size))
    return sums[pick].sum(axis=1) / counts[pick].sum(axis=1)


def mean_ci(values: np.ndarray, groups: np.ndarray | None = None, seed: int = 0) -> tuple[float, float]:
    """Percentile 90% interval of the mean, resampling draws (``groups``) with replacement.
    NaN values are left out; none left gives (nan, nan)."""
    values = np.asarray(values, float)
    keep = ~np.isnan(values)
    if not keep.any():
        return (np.nan, np.nan)
    g = None if groups is None else np.asarray(groups)[keep]
    means = cluster_means(values[keep], g, seed)
    return float(np.quantile(means, LOW_Q)), float(np.quantile(means, HIGH_Q))


def share_ci(holds: np.ndarray, groups: np.ndarray | None = None, seed: int = 0) -> tuple[float, float]:
    """90% interval of the share of worlds where ``holds`` (a chance of beating), by draws."""
    return mean_ci(np.asarray(holds, float), groups, seed)


def clusters_count(groups: np.ndarray | None, n: int) -> int:
    """How many independent units (draws) the worlds come from."""
    return int(_clusters(groups, n).max(initial=-1) + 1)
