"""The classification tree finds a planted split and is checked like the rules."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lever.analysis.tree import tree_view


def test_a_planted_split_is_found_and_held_out():
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(60), 2)
    features = pd.DataFrame(rng.uniform(0, 1, (60, 4))[groups], columns=list("abcd"))
    y = (features["b"] > 0.5).to_numpy() ^ (rng.random(120) < 0.05)
    view = tree_view(features, y, groups, {"b": "homogeneity"}, permutations=19)
    assert view.accepted and view.check.accuracy >= 0.85
    assert "homogeneity <= 0.5" in view.text or "homogeneity <= 0.4" in view.text


def test_a_tree_on_noise_is_rarely_accepted():
    rng = np.random.default_rng(1)
    accepted = 0
    for _ in range(40):
        groups = np.repeat(np.arange(16), 2)
        features = pd.DataFrame(rng.uniform(0, 1, (16, 5))[groups])
        view = tree_view(features, (rng.random(16) < 0.5)[groups], groups, permutations=19)
        accepted += view is not None and view.accepted
    assert accepted <= 5, accepted
