"""Where each strategy beats the baseline, and which uncertainties drive its advantage.

For each strategy, from weigh's own runs: a PRIM box on the sampled parameters for the worlds
where it beats the baseline (reported only when it holds out of sample, see
:mod:`lever.analysis.checked`), and RBD-FAST indices of its paired difference averaged over
each draw's replications, against the noise floor of :mod:`lever.analysis.sensitivity`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lever.analysis.prim import Discovery, discover
from lever.analysis.ranking import differences, signed
from lever.analysis.sensitivity import MIN_DRAWS, draw_indices, drivers
from lever.analysis.tree import TreeView, tree_view

#: Shuffles behind a box's check: p = 2/50 is the largest accepted, and a weigh stays quick.
BOX_PERMUTATIONS = 49


@dataclass(frozen=True)
class Region:
    """One strategy against the baseline: where it wins, and what drives the difference."""

    strategy: str
    share: float  # of worlds where it beats the baseline
    discovery: Discovery | None
    indices: pd.DataFrame  # RBD-FAST rows (S1 and its floor), empty with too few draws
    drivers: list[str]
    tree: TreeView | None = None  # a depth-2 classification tree, the second view

    def box_text(self, labels: dict[str, str], baseline: str) -> str:
        d = self.discovery
        if d is None:
            return f"no region found: it beats '{baseline}' in {100 * self.share:.0f}% of worlds, with nothing to split"
        if not d.accepted:
            return (f"no region found (the best box, {d.text(labels)}, scores {100 * d.check.accuracy:.0f}% on draws "
                    f"it was not found on, p = {d.check.p_value:.2f} against shuffled draws)")  # fmt: skip
        b = d.box
        return (f"beats '{baseline}' where {d.text(labels)} (held-out accuracy {100 * d.check.accuracy:.0f}%, "
                f"p = {d.check.p_value:.2f}; coverage {100 * b.coverage:.0f}%, density {100 * b.density:.0f}%)")  # fmt: skip

    def drivers_text(self, labels: dict[str, str], shown: int = 3) -> str:
        """The uncertainties that drive the paired difference (their RBD-FAST S1 clears the noise
        floor), else the largest indices, each with its interval and floor (all are in the report)."""
        if not len(self.indices):
            return f"sensitivity: needs at least {MIN_DRAWS} draws with a varying difference (RBD-FAST)"
        s1 = self.indices[self.indices["index"] == "S1"].set_index("parameter")
        floor = self.indices[self.indices["index"] == "S1_floor"].set_index("parameter")["value"]
        top = self.drivers or list(s1["value"].sort_values(ascending=False).index[:shown])
        parts = [f"{labels.get(p, p)} {s1.loc[p, 'value']:.2f} [{s1.loc[p, 'low']:.2f}, {s1.loc[p, 'high']:.2f}] "
                 f"(floor {floor[p]:.2f})" for p in top]  # fmt: skip
        if self.drivers:
            return "driven by (RBD-FAST S1, 90% interval, above its noise floor): " + "; ".join(parts)
        return "no uncertainty clears its noise floor (RBD-FAST S1); the largest: " + "; ".join(parts)


def _per_draw(runs: pd.DataFrame, params: list[str]) -> pd.DataFrame:
    return runs.drop_duplicates("draw").set_index("draw")[params].sort_index()


def regions(runs: pd.DataFrame, outcome: str, baseline: str, params: list[str],
            labels: dict[str, str] | None = None) -> list[Region]:  # fmt: skip
    """A :class:`Region` for every strategy but the baseline, in the order of ``runs``."""
    diffs = differences(runs, outcome, baseline)
    draws = diffs.index.get_level_values("draw").to_numpy()
    per_draw_x = _per_draw(runs, params)
    features = per_draw_x.loc[draws].reset_index(drop=True)
    out = []
    for strategy in dict.fromkeys(runs["strategy"]):
        if strategy == baseline:
            continue
        d = diffs[strategy].to_numpy(float)
        keep = np.isfinite(d)
        wins = d[keep] * signed(outcome) > 0
        found = discover(features[keep].reset_index(drop=True), wins, draws[keep], BOX_PERMUTATIONS) if params else None
        indices = draw_indices(per_draw_x, diffs[strategy].groupby(level="draw").mean())
        names = drivers(indices.assign(target="difference", strategy=strategy, outcome=outcome))["parameter"].tolist() \
            if len(indices) else []  # fmt: skip
        tree = tree_view(features[keep].reset_index(drop=True), wins, draws[keep], labels, BOX_PERMUTATIONS) \
            if params else None  # fmt: skip
        out.append(Region(strategy, float(np.mean(wins)) if wins.size else np.nan, found, indices, names, tree))
    return out
