"""PRIM finds a planted box and nothing in noise."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lever.analysis.prim import choose, discover, peel


def _planted(seed: int, n: int = 2000, noise: float = 0.1):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (n, 4))
    truth = (x[:, 0] < 0.3) & (x[:, 1] > 0.6)
    noisy = truth ^ (rng.random(n) < noise)
    return pd.DataFrame(x, columns=["x1", "x2", "x3", "x4"]), truth, noisy


def test_prim_recovers_a_planted_box_through_ten_percent_label_noise():
    """y = 1 where x1 < 0.3 and x2 > 0.6, 10% of labels flipped, 2,000 points: the box found on
    the noisy labels covers at least 85% of the true region's points and at least 85% of the
    points it holds are in it. (Against the noisy labels no box can do both: 10% of the 1,760
    points outside are flipped to 1, more than half of all ones.)"""
    features, truth, noisy = _planted(0)
    found = discover(features, noisy, permutations=19)
    inside = found.box.contains(features.to_numpy())
    coverage = truth[inside].sum() / truth.sum()
    density = truth[inside].mean()
    assert coverage >= 0.85 and density >= 0.85, (coverage, density)
    assert found.accepted and found.check.accuracy >= 0.85
    restricted = {
        n for j, n in enumerate(found.names) if np.isfinite(found.box.low[j]) or np.isfinite(found.box.high[j])
    }
    assert restricted == {"x1", "x2"}


def test_the_trajectory_trades_coverage_for_density():
    features, _, noisy = _planted(1)
    trajectory = peel(features.to_numpy(), noisy)
    coverage = [b.coverage for b in trajectory]
    assert trajectory[0].coverage == 1.0 and trajectory[0].mass == 1.0
    assert all(a >= b for a, b in zip(coverage, coverage[1:], strict=False))
    assert trajectory[-1].density > trajectory[0].density
    assert any(b is choose(trajectory) for b in trajectory)


def test_no_box_is_accepted_on_noise_in_most_trials():
    rng = np.random.default_rng(2)
    accepted = 0
    for _ in range(40):
        groups = np.repeat(np.arange(16), 2)  # 16 draws x 2 replications sharing their parameters
        features = pd.DataFrame(rng.uniform(0, 1, (16, 5))[groups])
        y = (rng.random(16) < 0.5)[groups]
        found = discover(features, y, groups, permutations=19)
        accepted += found is not None and found.accepted
    assert accepted <= 5, accepted
