"""Where a claim of the form "A wins at low values of a factor and loses at high ones" holds,
stated in the factor's own terms and judged on both halves.

For thesis 5 ("entry works in a loose party and is fatal in a homogeneous one") the region is a
threshold on homogeneity, not a rule on some other parameter: below it entry must beat staying
outside, and above it staying outside must beat entry, each half with the 90% interval of its
mean difference (resampling draws) on its own side of zero. The threshold is the cut between
levels that classifies most (level, world) pairs right; its accuracy is also reported held out,
the cut chosen on some draws and scored on the others.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lever.analysis.checked import FOLDS, draw_codes
from lever.analysis.resample import mean_ci


@dataclass(frozen=True)
class Crossover:
    threshold: float
    accuracy_in: float
    accuracy_out: float
    below: tuple[float, float, float]  # mean difference below the threshold, 90% interval
    above: tuple[float, float, float]

    @property
    def holds(self) -> bool:
        """Both halves on their side: A wins below (interval above 0), loses above (below 0)."""
        return self.below[1] > 0 and self.above[2] < 0


def _best_cut(factor: np.ndarray, wins: np.ndarray, cuts: np.ndarray) -> float:
    accuracy = [np.mean((factor < c) == wins) for c in cuts]
    return float(cuts[int(np.argmax(accuracy))])


def _held_out(factor: np.ndarray, wins: np.ndarray, codes: np.ndarray, cuts: np.ndarray) -> float:
    """Cut chosen without a fold's draws, scored on them (folds of draws, fixed seed)."""
    draws = codes.max() + 1
    if draws < 2:
        return np.nan
    folds = (np.random.default_rng(0).permutation(draws) % min(FOLDS, draws))[codes]
    right = np.empty(wins.size, bool)
    for k in np.unique(folds):
        test = folds == k
        cut = _best_cut(factor[~test], wins[~test], cuts)
        right[test] = (factor[test] < cut) == wins[test]
    return float(right.mean())


def crossover(factor: np.ndarray, gap: np.ndarray, draws: np.ndarray) -> Crossover | None:
    """The threshold on ``factor`` where ``gap`` (A minus B, one per level and world) turns from
    positive to negative; ``None`` with fewer than two levels."""
    factor, gap = np.asarray(factor, float), np.asarray(gap, float)
    keep = np.isfinite(gap)
    factor, gap, draws = factor[keep], gap[keep], np.asarray(draws)[keep]
    levels = np.unique(factor)
    if levels.size < 2:
        return None
    cuts = (levels[:-1] + levels[1:]) / 2
    wins = gap > 0
    cut = _best_cut(factor, wins, cuts)
    below, above = factor < cut, factor > cut
    halves = []
    for side in (below, above):
        low, high = mean_ci(gap[side], draws[side])
        halves.append((float(gap[side].mean()), low, high))
    codes = draw_codes(draws, gap.size)
    return Crossover(cut, float(np.mean((factor < cut) == wins)), _held_out(factor, wins, codes, cuts), *halves)
