"""Whether a region found in the worlds is more than the search that found it.

A search over hundreds of conditions finds *some* rule in any few dozen worlds, signal or not.
Two checks keep it honest, and both treat the draw (not the world) as the unit, since the
replications of a draw share every sampled parameter:

* **out of sample**: the region is searched for on the worlds of some draws and scored on the
  worlds of the draws it has not seen (cross-validation, :data:`FOLDS` folds over draws); the
  accuracy reported is the held-out one.
* **calibrated**: the same cross-validated search is run on the worlds with the draws'
  parameters shuffled among the draws (:data:`PERMUTATIONS` times). The region is accepted
  only if the real held-out accuracy is matched or beaten in at most 5% of the shuffles
  (a permutation test; under shuffled labels it accepts at most 5% of the time by construction).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

FOLDS = 5
PERMUTATIONS = 99
ALPHA = 0.05

#: ``fit(order, train)``: search on the worlds where ``train`` is True, the features of world
#: ``i`` being those of row ``order[i]``; returns the region's membership for every world.
Fit = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Check:
    """The held-out accuracy of a search and its permutation p-value."""

    accuracy: float  # share of worlds classified right by regions found without their draw
    p_value: float  # share of shuffles (with the real one) doing at least as well
    draws: int

    @property
    def passed(self) -> bool:
        return self.p_value <= ALPHA


def draw_codes(groups: np.ndarray | None, n: int) -> np.ndarray:
    if groups is None:
        return np.arange(n)
    return np.unique(np.asarray(groups), return_inverse=True)[1].ravel()


def _folds(codes: np.ndarray, seed: int) -> np.ndarray:
    """The fold of each world: draws dealt at random (fixed seed) into at most FOLDS folds."""
    draws = codes.max() + 1
    fold_of_draw = np.random.default_rng(seed).permutation(draws) % min(FOLDS, draws)
    return fold_of_draw[codes]


def cross_validated(fit: Fit, y: np.ndarray, order: np.ndarray, folds: np.ndarray) -> float:
    """Held-out accuracy: each fold's worlds are classified by the region found on the rest."""
    predicted = np.empty(y.size, bool)
    for k in np.unique(folds):
        test = folds == k
        predicted[test] = fit(order, ~test)[test]
    return float(np.mean(predicted == y))


def _shuffled_order(codes: np.ndarray, constant: bool, rng: np.random.Generator) -> np.ndarray:
    """Feature rows with the draws' parameters shuffled among draws (whole draws move, so the
    replications of a draw still share theirs); world by world where features vary in a draw."""
    if not constant:
        return rng.permutation(codes.size)
    first_row = np.unique(codes, return_index=True)[1]
    return first_row[rng.permutation(first_row.size)][codes]


def check(fit: Fit, y: np.ndarray, groups: np.ndarray | None, constant_in_draw: bool = True,
          permutations: int = PERMUTATIONS, seed: int = 0) -> Check:  # fmt: skip
    """Cross-validate ``fit`` over draws and test it against shuffled parameters."""
    y = np.asarray(y, bool)
    codes = draw_codes(groups, y.size)
    draws = int(codes.max(initial=-1) + 1)
    if draws < 2:
        return Check(np.nan, 1.0, draws)
    folds = _folds(codes, seed)
    real = cross_validated(fit, y, np.arange(y.size), folds)
    rng = np.random.default_rng(seed + 1)
    shuffled = [cross_validated(fit, y, _shuffled_order(codes, constant_in_draw, rng), folds)
                for _ in range(permutations)]  # fmt: skip
    p = (1 + sum(s >= real for s in shuffled)) / (1 + permutations)
    return Check(real, p, draws)


def check_learner(x: np.ndarray, y: np.ndarray, groups: np.ndarray | None,
                  learn: Callable[[np.ndarray, np.ndarray], Callable[[np.ndarray], np.ndarray]],
                  permutations: int | None = None, seed: int = 0) -> Check:  # fmt: skip
    """:func:`check` for a learner: ``learn(x, y)`` returns a predictor of ``y`` from rows of
    ``x``; it is trained on the training draws of each fold and predicts every world."""

    def fit(order: np.ndarray, train: np.ndarray) -> np.ndarray:
        xs = x[order]
        return learn(xs[train], y[train])(xs)

    codes = draw_codes(groups, y.size)
    extra = {} if permutations is None else {"permutations": permutations}
    return check(fit, y, codes, constant_within(x, codes), seed=seed, **extra)


def constant_within(features: np.ndarray, codes: np.ndarray) -> bool:
    """Whether every draw's worlds share their feature values (the sampled parameters do;
    a factor varied inside a draw does not)."""
    first_row = np.unique(codes, return_index=True)[1]  # codes run 0..draws-1
    return bool(np.array_equal(features, features[first_row][codes], equal_nan=True))
