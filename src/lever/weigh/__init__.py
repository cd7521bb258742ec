"""The weigh job: every strategy across the uncertainties, ranked, explained and reported;
one job below both faces (:mod:`lever.cli.weigh`, the page's Weigh tab).

Layer 7: may import every layer below it (model, kernels, store, sim, classic, experiments,
analysis, calibration); not :mod:`lever.theses` or the faces.
"""

from lever.weigh.job import Weighed, WeighError, WeighSettings, weigh, write

__all__ = ["WeighError", "WeighSettings", "Weighed", "weigh", "write"]
