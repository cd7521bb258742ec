"""The layer above experiments and the store: rankings, verdicts, regions, sensitivity.

Everything here is a function of run tables (weigh's ``runs.parquet``, a store experiment's
runs), never of the kernels. :mod:`.ranking` ranks strategies; :mod:`.verdict` decides a claim
(:mod:`.crossover` one that turns with a factor); :mod:`.resample` gives intervals that
resample draws; :mod:`.rules`, :mod:`.prim` and :mod:`.tree` find where a claim holds, checked
out of sample (:mod:`.checked`), and :mod:`.regions` does so for each strategy of a weigh;
:mod:`.sensitivity` says which uncertainty drives an outcome.

Layer 5: may import model, store, sim and experiments (a design's sampler); never the kernels.
"""

from lever.analysis.ranking import (
    HIGH_Q,
    LOW_Q,
    SHOWN,
    Ranking,
    baseline_strategy,
    conclusion,
    counted,
    decimals,
    differences,
    paired,
    rank,
    regret,
    signed,
    table_text,
)

__all__ = [
    "HIGH_Q",
    "LOW_Q",
    "SHOWN",
    "Ranking",
    "baseline_strategy",
    "conclusion",
    "counted",
    "decimals",
    "differences",
    "paired",
    "rank",
    "regret",
    "signed",
    "table_text",
]
