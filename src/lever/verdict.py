"""Deciding a claim from paired differences, by a rule stated in advance.

``D`` holds one number per paired world, positive where the claim holds in that world. The
rule (:data:`RULE`):

* **supported** when the bootstrap 90% confidence interval of the mean of ``D`` lies above
  zero and ``D > 0`` in at least 80% of the worlds;
* **refuted** when that interval lies below zero and ``D > 0`` in at most 20% of the worlds;
* otherwise **holds where ...**, if a readable rule of one or two conditions on the sampled
  parameters picks out the worlds where ``D > 0`` with at least 80% accuracy (and beats
  always guessing the more common answer by 10 points); else **undecided**.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

RULE = (
    "supported: the bootstrap 90% CI of the mean paired difference lies above 0 and the claim "
    "holds in >= 80% of paired worlds; refuted: the CI lies below 0 and it holds in <= 20%; "
    "otherwise 'holds where' a one- or two-condition rule on the sampled parameters separates "
    "the worlds where it holds with >= 80% accuracy (10 points above always guessing the "
    "commoner answer; a second condition must add 2 points), else undecided"
)
SUPPORT_SHARE, REFUTE_SHARE, RULE_ACCURACY, RULE_GAIN = 0.8, 0.2, 0.8, 0.1
BOOTSTRAP = 2000


@dataclass(frozen=True)
class Verdict:
    """The decision and the numbers behind it."""

    label: str  # "supported", "refuted", "holds where ...", "undecided"
    median: float
    low: float  # 5th percentile of D
    high: float  # 95th percentile of D
    mean: float
    mean_low: float  # bootstrap 90% CI of the mean
    mean_high: float
    share: float  # share of worlds where D > 0
    worlds: int
    rule: str | None


def bootstrap_mean_ci(d: np.ndarray, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap 90% interval of the mean (fixed seed: the verdict is reproducible)."""
    rng = np.random.default_rng(seed)
    means = rng.choice(d, size=(BOOTSTRAP, d.size), replace=True).mean(axis=1)
    return float(np.quantile(means, 0.05)), float(np.quantile(means, 0.95))


def decide(d: np.ndarray, features: pd.DataFrame | None = None, labels: dict[str, str] | None = None) -> Verdict:
    """Apply :data:`RULE` to ``d``; ``features`` (one row per world) feed the region rule."""
    d = np.asarray(d, float)
    keep = ~np.isnan(d)
    d = d[keep]
    if d.size == 0:
        return Verdict("undecided", *([np.nan] * 6), 0.0, 0, None)
    lo, hi = bootstrap_mean_ci(d)
    share = float(np.mean(d > 0))
    rule = None
    if lo > 0 and share >= SUPPORT_SHARE:
        label = "supported"
    elif hi < 0 and share <= REFUTE_SHARE:
        label = "refuted"
    else:
        if features is not None:
            rule = find_rule(features.loc[keep].reset_index(drop=True), d > 0, labels or {})
        label = f"holds where {rule}" if rule else "undecided"
    q5, q50, q95 = np.quantile(d, [0.05, 0.5, 0.95])
    return Verdict(label, float(q50), float(q5), float(q95), float(d.mean()), lo, hi, share, int(d.size), rule)


def _conditions(features: pd.DataFrame):
    for col in features.columns:
        x = features[col].to_numpy(float)
        if np.unique(x).size < 2:
            continue
        for t in np.unique(np.quantile(x, np.linspace(0.1, 0.9, 9))):
            yield col, "<", t, x < t
            yield col, ">", t, x > t


def find_rule(features: pd.DataFrame, holds: np.ndarray, labels: dict[str, str]) -> str | None:
    """The best rule of one or two conditions ``param < t`` / ``param > t`` (joined by 'and')
    predicting ``holds``, as readable text; ``None`` if none reaches :data:`RULE_ACCURACY`."""
    holds = np.asarray(holds, bool)
    if holds.all() or not holds.any():
        return None
    base = max(holds.mean(), 1 - holds.mean())
    conds = list(_conditions(features))
    best, best_acc = None, 0.0
    for c in conds:
        acc = float(np.mean(c[3] == holds))
        if acc > best_acc:
            best, best_acc = (c,), acc
    single_acc = best_acc
    pair, pair_acc = None, 0.0
    for a_i, a in enumerate(conds):  # every pair on two different parameters
        for c in conds[a_i + 1 :]:
            if c[0] == a[0]:
                continue
            acc = float(np.mean((a[3] & c[3]) == holds))
            if acc > pair_acc:
                pair, pair_acc = (a, c), acc
    if pair is not None and pair_acc > single_acc + 0.02:  # a second condition must earn its place
        best, best_acc = pair, pair_acc
    if best is None or best_acc < RULE_ACCURACY or best_acc < base + RULE_GAIN:
        return None
    return " and ".join(f"{labels.get(col, col)} {op} {t:.3g}" for col, op, t, _ in best)
