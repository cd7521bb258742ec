"""Readable rules of one or two conditions on the sampled parameters, checked out of sample.

A rule is ``param < t``, ``param > t`` or two such conditions on different parameters joined
by "and"; thresholds are the deciles of each parameter. The search is exhaustive and
vectorized (every single condition and every pair in one matrix product), so that it can be
repeated for every fold and every shuffle of :func:`lever.analysis.checked.check`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from lever.analysis.checked import Check, check, constant_within, draw_codes

#: A second condition must add this much in-sample accuracy to earn its place.
PAIR_GAIN = 0.02
#: The least held-out accuracy a reported rule may have.
RULE_ACCURACY = 0.8


@dataclass(frozen=True)
class Conditions:
    """Every candidate condition: its (column, op, threshold) and its truth in every world."""

    terms: list[tuple[str, str, float]]
    truth: np.ndarray  # (worlds, conditions) bool
    column: np.ndarray  # (conditions,) the column index each condition is on


def conditions(features: pd.DataFrame) -> Conditions:
    terms, truths, column = [], [], []
    for j, col in enumerate(features.columns):
        x = features[col].to_numpy(float)
        if np.unique(x).size < 2:
            continue
        for t in np.unique(np.quantile(x, np.linspace(0.1, 0.9, 9))):
            for op, truth in (("<", x < t), (">", x > t)):
                terms.append((col, op, float(t)))
                truths.append(truth)
                column.append(j)
    truth = np.column_stack(truths) if truths else np.zeros((len(features), 0), bool)
    return Conditions(terms, truth, np.asarray(column, int))


def best(truth: np.ndarray, column: np.ndarray, y: np.ndarray) -> tuple[int, ...]:
    """The condition (or pair, on two parameters) that best predicts ``y`` on these worlds.

    Accuracy of a predicate ``c`` is ``mean(c == y) = (1 - mean(y)) + mean((2y - 1) c)``, so
    the accuracies of all pairs ``a & b`` are one matrix product."""
    if truth.shape[1] == 0:
        return ()
    w = (2.0 * y - 1.0) / y.size
    c = truth.astype(float)
    single = w @ c
    pairs = (c * w[:, None]).T @ c
    pairs[column[:, None] == column[None, :]] = -np.inf  # a pair is on two parameters
    j = int(np.argmax(single))
    a, b = np.unravel_index(int(np.argmax(pairs)), pairs.shape)
    if pairs[a, b] > single[j] + PAIR_GAIN:
        return (int(min(a, b)), int(max(a, b)))
    return (j,)


def _inside(truth: np.ndarray, pick: tuple[int, ...]) -> np.ndarray:
    if not pick:
        return np.zeros(truth.shape[0], bool)
    # a 2-D array reduced along its rows: an array (NumPy's stubs allow a scalar)
    return cast(np.ndarray, truth[:, list(pick)].all(axis=1))


@dataclass(frozen=True)
class Rule:
    """A rule found on all worlds, with the check of the search that found it."""

    terms: tuple[tuple[str, str, float], ...]
    inside: np.ndarray  # bool per world
    accuracy_in: float
    check: Check

    @property
    def accuracy_out(self) -> float:
        return self.check.accuracy

    def text(self, labels: dict[str, str] | None = None) -> str:
        return " and ".join(f"{(labels or {}).get(c, c)} {op} {t:.3g}" for c, op, t in self.terms)

    @property
    def accepted(self) -> bool:
        return self.check.passed and self.accuracy_out >= RULE_ACCURACY


def search(features: pd.DataFrame, holds: np.ndarray, groups: np.ndarray | None = None,
           permutations: int | None = None, seed: int = 0) -> Rule | None:  # fmt: skip
    """The best rule for ``holds`` on all worlds, checked over draws (``groups``); ``None``
    where the claim holds everywhere or nowhere or no condition can be made."""
    y = np.asarray(holds, bool)
    if y.all() or not y.any():
        return None
    cond = conditions(features.reset_index(drop=True))
    if cond.truth.shape[1] == 0:
        return None

    def fit(order: np.ndarray, train: np.ndarray) -> np.ndarray:
        truth = cond.truth[order]
        return _inside(truth, best(truth[train], cond.column, y[train]))

    codes = draw_codes(groups, y.size)
    constant = constant_within(features.to_numpy(float), codes)
    extra = {} if permutations is None else {"permutations": permutations}
    result = check(fit, y, codes, constant, seed=seed, **extra)
    pick = best(cond.truth, cond.column, y)
    inside = _inside(cond.truth, pick)
    terms = tuple(cond.terms[i] for i in pick)
    return Rule(terms, inside, float(np.mean(inside == y)), result)


def find_rule(features: pd.DataFrame, holds: np.ndarray, labels: dict[str, str] | None = None,
              groups: np.ndarray | None = None) -> str | None:  # fmt: skip
    """The accepted rule as text with its held-out accuracy, or ``None``."""
    rule = search(features, holds, groups)
    if rule is None or not rule.accepted:
        return None
    return rule.text(labels)
