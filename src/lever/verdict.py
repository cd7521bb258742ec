"""Kept for imports written before the analysis package: see :mod:`lever.analysis.verdict`."""

from lever.analysis.verdict import RULE, Verdict, bootstrap_mean_ci, decide, find_rule, region_rule

__all__ = ["RULE", "Verdict", "bootstrap_mean_ci", "decide", "find_rule", "region_rule"]
