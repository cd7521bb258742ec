"""PRIM, the Patient Rule Induction Method (Friedman and Fisher 1999), for scenario discovery.

Starting from the box holding every world, each step peels off the ``alpha`` share of the
worlds at one end of one parameter, choosing the peel that leaves the highest share of
worlds of interest (the density) inside; the trajectory of boxes trades coverage (the share of
all worlds of interest the box holds) for density. Pasting is left out: with the few dozen
worlds of a weigh it seldom moves a box, and the box is checked out of sample anyway.

Written here rather than taken from the EMA Workbench (whose ``prim`` is the reference this
follows): the Workbench pulls in its whole modelling stack for about a hundred lines of numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lever.analysis.checked import Check, check_learner

#: Share of the box's worlds peeled per step, and the least share of all worlds a box keeps.
ALPHA, MIN_MASS = 0.05, 0.05


@dataclass(frozen=True)
class Box:
    """Limits per parameter (``-inf``/``inf`` where unrestricted) and how good the box is."""

    low: np.ndarray
    high: np.ndarray
    coverage: float
    density: float
    mass: float

    def contains(self, x: np.ndarray) -> np.ndarray:
        return np.all((x >= self.low) & (x <= self.high), axis=1)

    def text(self, names: list[str], labels: dict[str, str] | None = None) -> str:
        parts = []
        for j, name in enumerate(names):
            label = (labels or {}).get(name, name)
            if np.isfinite(self.low[j]):
                parts.append(f"{label} >= {self.low[j]:.3g}")
            if np.isfinite(self.high[j]):
                parts.append(f"{label} <= {self.high[j]:.3g}")
        return " and ".join(parts) or "everywhere"

    @property
    def restricted(self) -> bool:
        return bool(np.isfinite(self.low).any() or np.isfinite(self.high).any())


def _box(low: np.ndarray, high: np.ndarray, inside: np.ndarray, y: np.ndarray) -> Box:
    hits = y[inside].sum()
    return Box(low.copy(), high.copy(), float(hits / max(y.sum(), 1)), float(hits / max(inside.sum(), 1)),
               float(inside.mean()))  # fmt: skip


def _best_peel(x: np.ndarray, y: np.ndarray, inside: np.ndarray, alpha: float) -> tuple[int, str, np.ndarray] | None:
    """The peel (parameter, side, cut, what stays) leaving the highest density inside."""
    best, best_density = None, -1.0
    # every parameter's two cuts in one call (a call per cut was most of weigh's analysis time)
    cuts = np.quantile(x[inside], [alpha, 1 - alpha], axis=0)
    for j in range(x.shape[1]):
        for side, cut in (("low", cuts[0, j]), ("high", cuts[1, j])):
            stays = inside & ((x[:, j] > cut) if side == "low" else (x[:, j] < cut))
            if stays.sum() == inside.sum() or not stays.any():
                continue  # ties at the cut: this peel removes nothing (or everything)
            density = y[stays].mean()
            if density > best_density:
                best, best_density = (j, side, stays), density
    return best


def peel(x: np.ndarray, y: np.ndarray, alpha: float = ALPHA, min_mass: float = MIN_MASS) -> list[Box]:
    """The peeling trajectory, from the box of every world to the last one of ``min_mass``."""
    x, y = np.asarray(x, float), np.asarray(y, bool)
    low, high = np.full(x.shape[1], -np.inf), np.full(x.shape[1], np.inf)
    inside = np.ones(len(y), bool)
    trajectory = [_box(low, high, inside, y)]
    while trajectory[-1].density < 1.0:
        step = _best_peel(x, y, inside, alpha)
        if step is None or step[2].mean() < min_mass:
            break
        j, side, stays = step
        if side == "low":
            low[j] = x[stays, j].min()
        else:
            high[j] = x[stays, j].max()
        inside = stays
        trajectory.append(_box(low, high, inside, y))
    return trajectory


def choose(trajectory: list[Box]) -> Box:
    """The box with the best balance of coverage and density (their harmonic mean, F1): a
    stated choice, so that a box can be found and checked without a person picking it."""
    f1 = [2 * b.coverage * b.density / max(b.coverage + b.density, 1e-12) for b in trajectory]
    return trajectory[int(np.argmax(f1))]


@dataclass(frozen=True)
class Discovery:
    """A PRIM box found on all worlds, its trajectory, and the out-of-sample check."""

    names: list[str]
    box: Box
    trajectory: list[Box]
    check: Check

    @property
    def accepted(self) -> bool:
        return self.box.restricted and self.check.passed

    def text(self, labels: dict[str, str] | None = None) -> str:
        return self.box.text(self.names, labels)


def discover(features: pd.DataFrame, y: np.ndarray, groups: np.ndarray | None = None,
             permutations: int | None = None, seed: int = 0) -> Discovery | None:  # fmt: skip
    """PRIM's box for ``y`` with its held-out accuracy (inside = of interest) over draws; ``None``
    where ``y`` is everywhere or nowhere."""
    y = np.asarray(y, bool)
    if y.all() or not y.any() or features.shape[1] == 0:
        return None
    x = features.to_numpy(float)
    result = check_learner(x, y, groups, lambda xt, yt: choose(peel(xt, yt)).contains, permutations, seed)
    trajectory = peel(x, y)
    return Discovery(list(features.columns), choose(trajectory), trajectory, result)
