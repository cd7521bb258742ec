"""The emulator of history matching: a Gaussian process per fitted figure (Vernon et al. 2010;
Andrianakis et al. 2015), to screen far more candidate points than could be simulated.

Each figure's model value, the mean over a design point's replications, is emulated as a
function of the parameters (scaled to the unit box of the prior) by a Gaussian process with a
constant times an anisotropic RBF kernel (a smooth response with a length scale per parameter:
the model's mean outputs move smoothly with its rates and sizes, and a parameter the figure does
not depend on gets a long length scale) plus a white-noise kernel (the replications' mean still
carries the simulator's randomness, which a noise-free emulator would interpolate as signal).
A candidate's implausibility for a figure is ``|observed - mean| / sqrt(Var_obs + Var_disc +
Var_emulator + Var_rep)``: the emulator's own uncertainty is one more honest reason to differ,
so where the emulator does not know, it rules nothing out. ``Var_rep`` is the mean variance
over replications at the design points: history is one replication.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, Kernel, WhiteKernel


@dataclass
class Emulator:
    """The emulators of one case's fitted figures, trained on one wave's runs so far."""

    case: int
    dims: np.ndarray
    processes: list[GaussianProcessRegressor]
    observed: np.ndarray
    variance: np.ndarray  # Var_obs + Var_disc + Var_rep, per figure

    def predict(self, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(P, F)`` emulated means and standard deviations at ``unit`` points ``(P, D)``."""
        x = unit[:, self.dims]
        out = [gp.predict(x, return_std=True) for gp in self.processes]
        return np.column_stack([m for m, _ in out]), np.column_stack([s for _, s in out])

    def implausibility(self, unit: np.ndarray) -> np.ndarray:
        mean, sd = self.predict(unit)
        return np.abs(self.observed - mean) / np.sqrt(self.variance + sd**2)

    def not_ruled_out(self, unit: np.ndarray, cutoff: float) -> np.ndarray:
        if not self.processes:
            return np.ones(len(unit), dtype=bool)
        return self.implausibility(unit).max(axis=1) <= cutoff


def kernel(dims: int) -> Kernel:
    """Constant x anisotropic RBF + white noise, on the unit box."""
    # an array of length scales makes the RBF anisotropic (sklearn documents it; its stub says float)
    rbf = RBF(np.full(dims, 0.3), (1e-2, 1e2))  # pyright: ignore[reportArgumentType]
    return ConstantKernel(1.0, (1e-3, 1e3)) * rbf + WhiteKernel(1e-2, (1e-8, 1.0))


def train(unit: np.ndarray, sims: np.ndarray, observed: np.ndarray, obs_sd: np.ndarray, discrepancy_sd: np.ndarray,
          *, dims: np.ndarray, case: int = 0) -> Emulator:  # fmt: skip
    """An emulator per figure from the runs: ``unit`` ``(P, D)`` design points in the unit box,
    ``sims`` ``(P, R, F)``; only the columns ``dims`` (the parameters the case reads) are inputs.
    The fit is deterministic (one optimizer start, from the same kernel): the same runs give the
    same emulator."""
    mean = sims.mean(axis=1)
    var_rep = sims.var(axis=1, ddof=1).mean(axis=0) if sims.shape[1] > 1 else np.zeros(sims.shape[2])
    processes = []
    x = unit[:, dims]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for f in range(sims.shape[2]):
            gp = GaussianProcessRegressor(kernel(len(dims)), normalize_y=True, n_restarts_optimizer=0)
            processes.append(gp.fit(x, mean[:, f]))
    return Emulator(case, np.asarray(dims), processes, observed, obs_sd**2 + discrepancy_sd**2 + var_rep)
