"""Calibration: the record as the judge. Fit a scenario's uncertainties to dated figures up to
a cutoff, by history matching, and predict the figures held out (docs/ODD.md, §7).

Layer 6: may import model, kernels, store, sim, classic, experiments and analysis.
"""

from lever.calibration.fit import (
    DEFAULT_CUTOFF,
    Budget,
    Calibration,
    Case,
    Joint,
    Target,
    calibrate,
    calibrate_cases,
    place,
)
from lever.calibration.posterior import read_posterior, summary, write_posterior
from lever.calibration.record import Figure, Record, RecordError, load_record

__all__ = [
    "DEFAULT_CUTOFF",
    "Budget",
    "Calibration",
    "Case",
    "Joint",
    "Figure",
    "Record",
    "RecordError",
    "Target",
    "calibrate",
    "calibrate_cases",
    "load_record",
    "place",
    "read_posterior",
    "summary",
    "write_posterior",
]
