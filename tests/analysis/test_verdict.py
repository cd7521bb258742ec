"""The verdict rule on synthetic paired differences, where the right answer is known."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lever.analysis.verdict import decide, find_rule


def test_an_interval_above_zero_is_supported():
    d = np.random.default_rng(0).normal(5.0, 1.0, 200)
    v = decide(d)
    assert v.label == "supported"
    assert v.mean_low > 0 and v.share == 1.0


def test_an_interval_below_zero_is_refuted():
    v = decide(np.random.default_rng(1).normal(-5.0, 1.0, 200))
    assert v.label == "refuted"
    assert v.mean_high < 0


def test_an_interval_straddling_zero_is_not_supported():
    v = decide(np.random.default_rng(2).normal(0.0, 1.0, 200))
    assert v.label == "undecided"
    assert v.mean_low < 0 < v.mean_high


def test_a_mean_above_zero_with_many_exceptions_is_not_supported():
    d = np.r_[np.full(60, 10.0), np.full(40, -1.0)]  # CI of the mean > 0, holds in only 60%
    assert decide(d).label != "supported"


def test_a_planted_region_is_found_and_reported():
    rng = np.random.default_rng(3)
    h = rng.uniform(0, 1, 300)
    alpha = rng.uniform(0.5, 2, 300)
    d = np.where(h < 0.4, 3.0, -3.0) + rng.normal(0, 0.1, 300)
    v = decide(d, pd.DataFrame({"h": h, "alpha": alpha}), {"h": "homogeneity"})
    assert v.label.startswith("holds where homogeneity <")
    threshold = float(v.rule.split("<")[1])
    assert 0.3 <= threshold <= 0.5


def test_a_two_condition_region_is_joined_by_and():
    rng = np.random.default_rng(4)
    x, y = rng.uniform(0, 1, (2, 400))
    holds = (x < 0.5) & (y > 0.5)
    rule = find_rule(pd.DataFrame({"x": x, "y": y}), holds, {})
    assert rule is not None and " and " in rule and "x <" in rule and "y >" in rule


def test_no_rule_is_invented_for_noise():
    rng = np.random.default_rng(5)
    features = pd.DataFrame({"x": rng.uniform(0, 1, 300)})
    assert find_rule(features, rng.random(300) < 0.5, {}) is None


def test_missing_differences_are_left_out_and_none_at_all_is_undecided():
    assert decide(np.array([np.nan, np.nan])).label == "undecided"
    assert decide(np.array([np.nan, *np.full(50, 2.0)])).worlds == 50


def test_a_pair_is_kept_when_it_beats_the_best_single_condition_by_more_than_two_points():
    """With many worlds a pair gains only a point or two per world over earlier pairs; it is
    judged against the best single condition, not against the pairs tried before it."""
    rng = np.random.default_rng(1)
    n = 120
    a, b, c = rng.uniform(0, 1, (3, n))
    holds = ((a > 0.4) & (c > 0.3)) ^ (rng.random(n) < 0.15)
    rule = find_rule(pd.DataFrame({"a": a, "b": b, "c": c}), holds, {})
    assert rule is not None and "a >" in rule and "c >" in rule
