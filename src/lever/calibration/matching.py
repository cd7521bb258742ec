"""History matching (Craig et al. 1997; Vernon et al. 2010; Andrianakis et al. 2015): rule out
the draws at which the model cannot have produced the record, in waves.

A draw's implausibility for a figure is ``|observed - E[sim]| / sqrt(Var_obs + Var_disc +
Var_rep)``: the distance between the figure and the model's mean over replications, in units of
everything that makes them differ honestly — the figure's own uncertainty, the model's
discrepancy from the world, and the model's randomness (the variance over replications: history
is one replication). A draw whose largest implausibility exceeds the cutoff (3, by Pukelsheim's
three-sigma rule) is implausible. Each wave samples the box of the last wave's non-implausible
draws (widened a little, never beyond the prior), so the draws kept at the end are spread
evenly over the space not ruled out, within the prior.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import qmc

#: Pukelsheim (1994): any unimodal distribution has 95% of its mass within three sigma.
CUTOFF = 3.0
#: A wave's box is refocused only on at least this many kept draws (and more than one per
#: parameter): fewer do not outline the space not ruled out, and a box drawn round them would
#: cut it, so the next wave samples the same box again.
MIN_KEPT = 10
#: Each wave widens the last one's box by this share of the prior's width on each side, so a
#: non-implausible region found by a few draws is not cut at the draws that found it.
WIDEN = 0.1


def implausibility(observed: np.ndarray, obs_sd: np.ndarray, discrepancy_sd: np.ndarray,
                   sims: np.ndarray) -> np.ndarray:  # fmt: skip
    """``(P, F)`` implausibility of ``P`` draws against ``F`` figures.

    ``observed``, ``obs_sd``, ``discrepancy_sd``: ``(F,)``; ``sims``: ``(P, R, F)``, the model's
    value of each figure in each of ``R`` replications of each draw (``R = 1``: no replicate
    variance can be measured, and none is counted)."""
    mean = sims.mean(axis=1)
    var_rep = sims.var(axis=1, ddof=1) if sims.shape[1] > 1 else np.zeros_like(mean)
    return np.abs(observed - mean) / np.sqrt(obs_sd**2 + discrepancy_sd**2 + var_rep)


def not_ruled_out(imp: np.ndarray, cutoff: float = CUTOFF) -> np.ndarray:
    """``(P,)`` bool: the draws whose largest implausibility is within ``cutoff``."""
    if imp.shape[1] == 0:
        return np.ones(imp.shape[0], dtype=bool)
    return imp.max(axis=1) <= cutoff


def refocus(values: np.ndarray, kept: np.ndarray, low: np.ndarray, high: np.ndarray,
            widen: float = WIDEN) -> tuple[np.ndarray, np.ndarray] | None:  # fmt: skip
    """The next wave's box: the kept draws' box widened by ``widen`` of the prior's width
    (``low``, ``high``) on each side, within the prior; None where too few draws were kept
    to outline it (:data:`MIN_KEPT`)."""
    if kept.sum() < max(MIN_KEPT, values.shape[1] + 1):
        return None
    margin = widen * (high - low)
    inside = values[kept]
    return np.maximum(low, inside.min(axis=0) - margin), np.minimum(high, inside.max(axis=0) + margin)


def latin(low: np.ndarray, high: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``(n, D)`` Latin-hypercube draws in the box ``[low, high]``."""
    unit = qmc.LatinHypercube(d=len(low), rng=rng).random(n)
    return low + unit * (high - low)
