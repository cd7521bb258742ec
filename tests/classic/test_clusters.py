"""Cluster counting shared by the bounded-confidence models."""

from __future__ import annotations

import numpy as np

from lever.classic.clusters import cluster_sizes, cluster_summary


def test_cluster_sizes_split_at_the_gap():
    x = np.array([0.9, 0.1, 0.12, 0.5, 0.11])
    assert cluster_sizes(x, 0.2).tolist() == [3, 1, 1]
    assert cluster_sizes(x, 0.39).tolist() == [4, 1]
    assert cluster_sizes(np.array([]), 0.1).size == 0


def test_major_clusters_need_five_percent():
    x = np.concatenate((np.full(50, 0.2), np.full(47, 0.8), [0.0, 0.5, 1.0]))
    assert cluster_summary(x, 0.1) == (5, 2)
