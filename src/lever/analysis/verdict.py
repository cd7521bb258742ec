"""Deciding a claim from paired differences, by a rule stated in advance.

``D`` holds one number per paired world, positive where the claim holds in that world; worlds
come from draws of the uncertainties (``groups``), and the replications of a draw are not
independent worlds, so every interval resamples draws. The rule (:data:`RULE`):

* **supported** when the 90% interval of the mean of ``D`` (bootstrap over draws) lies above
  zero and ``D > 0`` in at least 80% of the worlds;
* **refuted** when that interval lies below zero and ``D > 0`` in at most 20% of the worlds;
* otherwise **holds where ...**, if a readable rule of one or two conditions on the sampled
  parameters (:mod:`lever.analysis.rules`) separates the worlds where ``D > 0`` with at least
  80% accuracy *on draws it was not found on* (cross-validated over draws), beats shuffled
  parameters (permutation p <= 0.05, so that on noise a rule is reported at most 5% of the
  time), and the mean of ``D`` inside the rule's region has its interval above zero (a rule on
  the wrong side of the evidence is never the verdict); else **undecided**.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lever.analysis.resample import mean_ci
from lever.analysis.rules import RULE_ACCURACY, Rule, find_rule, search

RULE = (
    "supported: the 90% interval of the mean paired difference (bootstrap over draws) lies above 0 "
    "and the claim holds in >= 80% of paired worlds; refuted: the interval lies below 0 and it "
    "holds in <= 20%; otherwise 'holds where' a one- or two-condition rule on the sampled "
    "parameters, found without the draws it is scored on, separates the worlds where it holds "
    "with >= 80% held-out accuracy, beats the same search on shuffled parameters (permutation "
    "p <= 0.05) and has the mean difference inside its region above 0; else undecided"
)
SUPPORT_SHARE, REFUTE_SHARE = 0.8, 0.2

__all__ = ["RULE", "RULE_ACCURACY", "Rule", "Verdict", "bootstrap_mean_ci", "decide", "find_rule", "region_rule"]


@dataclass(frozen=True)
class Verdict:
    """The decision and the numbers behind it."""

    label: str  # "supported", "refuted", "holds where ...", "undecided"
    median: float
    low: float  # 5th percentile of D
    high: float  # 95th percentile of D
    mean: float
    mean_low: float  # 90% interval of the mean, bootstrap over draws
    mean_high: float
    share: float  # share of worlds where D > 0
    worlds: int
    rule: str | None
    rule_accuracy: float = np.nan  # held-out (cross-validated over draws)
    rule_p: float = np.nan  # permutation p-value of the search that found it
    draws: int = 0


def bootstrap_mean_ci(d: np.ndarray, groups: np.ndarray | None = None, seed: int = 0) -> tuple[float, float]:
    """90% interval of the mean, resampling draws (``groups``; worlds when None)."""
    return mean_ci(d, groups, seed)


def region_rule(features: pd.DataFrame, d: np.ndarray, groups: np.ndarray | None) -> Rule | None:
    """The rule for ``d > 0`` if it is accepted out of sample and the mean of ``d`` inside its
    region has its interval above zero; else ``None``."""
    rule = search(features, d > 0, groups)
    if rule is None or not rule.accepted:
        return None
    low, _ = mean_ci(d[rule.inside], None if groups is None else np.asarray(groups)[rule.inside])
    return rule if low > 0 else None


def decide(d: np.ndarray, features: pd.DataFrame | None = None, labels: dict[str, str] | None = None,
           groups: np.ndarray | None = None) -> Verdict:  # fmt: skip
    """Apply :data:`RULE` to ``d``; ``features`` (one row per world) feed the region rule;
    ``groups`` names each world's draw (each world its own when None)."""
    d = np.asarray(d, float)
    keep = ~np.isnan(d)
    d = d[keep]
    groups = None if groups is None else np.asarray(groups)[keep]
    draws = int(np.unique(groups).size) if groups is not None else int(d.size)
    if d.size == 0:
        return Verdict("undecided", np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, 0.0, 0, None)
    lo, hi = mean_ci(d, groups)
    share = float(np.mean(d > 0))
    found, label = None, "undecided"
    if lo > 0 and share >= SUPPORT_SHARE:
        label = "supported"
    elif hi < 0 and share <= REFUTE_SHARE:
        label = "refuted"
    elif features is not None:
        found = region_rule(features.loc[keep].reset_index(drop=True), d, groups)
    text = found.text(labels) if found else None
    if found:
        label = f"holds where {text} (held-out accuracy {100 * found.accuracy_out:.0f}%)"
    q5, q50, q95 = np.quantile(d, [0.05, 0.5, 0.95])
    extra = (found.accuracy_out, found.check.p_value) if found else (np.nan, np.nan)
    return Verdict(label, float(q50), float(q5), float(q95), float(d.mean()), lo, hi, share, int(d.size), text,
                   *extra, draws)  # fmt: skip
