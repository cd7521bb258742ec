"""The results store: one folder per experiment, Parquet files written atomically.

``run``, ``weigh``, ``theses`` and ``explore`` all write here (``lever-out/store`` unless
``--store`` says otherwise); ``lever results`` reads it, and so can DuckDB, pandas or polars.

Layer 2: may import :mod:`lever.model` only (provenance records the field as run).
"""

from lever.store.experiment import (
    DEFAULT_STORE,
    MARKER,
    Experiment,
    StoreError,
    check_name,
    experiments,
)
from lever.store.tables import output_rows, outputs_from_store, spec_name
from lever.store.verify import Check, Finding, Repair, check_experiment, repair_experiment

__all__ = [
    "Check",
    "DEFAULT_STORE",
    "Finding",
    "Repair",
    "check_experiment",
    "repair_experiment",
    "MARKER",
    "Experiment",
    "StoreError",
    "check_name",
    "experiments",
    "output_rows",
    "outputs_from_store",
    "spec_name",
]
