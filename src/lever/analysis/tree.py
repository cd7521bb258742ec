"""A classification tree as a second view of where a claim holds (scikit-learn).

Where PRIM gives one box, a shallow tree gives a partition: every leaf says whether the claim
holds there. Depth 2 keeps it readable; the tree is checked like the rules and boxes (held out
over draws, against shuffled draws; :mod:`lever.analysis.checked`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lever.analysis.checked import Check, check_learner

DEPTH = 2


def _tree(x: np.ndarray, y: np.ndarray):  # noqa: ANN202
    from sklearn.tree import DecisionTreeClassifier

    # a leaf holds at least a tenth of the worlds: no leaf speaks for one or two worlds
    leaf = max(2, len(y) // 10)
    return DecisionTreeClassifier(max_depth=DEPTH, min_samples_leaf=leaf, random_state=0).fit(x, y)


def _predictor(x: np.ndarray, y: np.ndarray):  # noqa: ANN202
    model = _tree(x, y)
    return lambda rows: model.predict(rows).astype(bool)


@dataclass(frozen=True)
class TreeView:
    text: str  # the tree, one line per node (scikit-learn's export_text)
    accuracy_in: float
    check: Check

    @property
    def accepted(self) -> bool:
        return self.check.passed


def tree_view(features: pd.DataFrame, y: np.ndarray, groups: np.ndarray | None = None,
              labels: dict[str, str] | None = None, permutations: int | None = None) -> TreeView | None:  # fmt: skip
    """The depth-2 tree for ``y`` on all worlds, with its check over draws; ``None`` where ``y``
    is everywhere or nowhere or there is no parameter."""
    from sklearn.tree import export_text

    y = np.asarray(y, bool)
    if y.all() or not y.any() or features.shape[1] == 0:
        return None
    x = features.to_numpy(float)
    result = check_learner(x, y, groups, _predictor, permutations)
    model = _tree(x, y)
    names = [(labels or {}).get(c, str(c)) for c in features.columns]
    text = export_text(model, feature_names=names, class_names=["fails", "holds"], decimals=3)
    return TreeView(text, float(np.mean(model.predict(x).astype(bool) == y)), result)
