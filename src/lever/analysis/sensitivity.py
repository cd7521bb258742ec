"""Which uncertainty drives an outcome, or a strategy's advantage: global sensitivity with SALib.

* From a design run by ``lever explore --sampler sobol|morris``: Sobol first-order and total
  indices (S1, ST) or Morris screening (mu*, sigma), each with its 90% interval, per outcome,
  per strategy, and for each strategy's paired difference against the baseline.
* From the Latin-hypercube draws of ``weigh`` and ``theses``: RBD-FAST first-order indices
  (Plischke 2010; SALib's ``rbd_fast`` accepts any sample), with a *noise floor*: the 95th
  percentile of the same index computed with the outcome shuffled among the draws. With a few
  dozen draws RBD-FAST gives every parameter a sizeable index, signal or not; only an index
  whose interval clears the floor says the parameter drives the result.

The unit is the draw: an outcome is first averaged over a draw's replications (they share every
sampled parameter), so the indices see one value per point of the design, as SALib expects.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import cast

import numpy as np
import pandas as pd

#: The interval reported everywhere: 90%.
CONF = 0.90
RESAMPLES = 1000
#: Fewest draws RBD-FAST is computed from (below, its harmonics cannot be resolved).
MIN_DRAWS = 16
#: Shuffles behind the RBD-FAST noise floor.
FLOOR_SHUFFLES = 50
COLUMNS = ["target", "strategy", "outcome", "parameter", "index", "value", "low", "high"]


def per_draw(runs: pd.DataFrame, outcome: str, strategy: str, rows: int) -> np.ndarray:
    """The outcome of ``strategy`` averaged over each draw's replications, one per design row
    (NaN where a row has no finished run)."""
    mine = runs[runs["strategy"] == strategy].groupby("draw")[outcome].mean()
    return mine.reindex(range(rows)).to_numpy(float)


def per_draw_difference(runs: pd.DataFrame, outcome: str, strategy: str, baseline: str, rows: int) -> np.ndarray:
    """``strategy`` minus ``baseline`` in each paired world, averaged over a draw's replications."""
    wide = runs.pivot_table(index=["draw", "replication"], columns="strategy", values=outcome, dropna=False)
    diff = (wide[strategy] - wide[baseline]).groupby(level="draw").mean()
    return diff.reindex(range(rows)).to_numpy(float)


def _rows(problem: dict, result: dict, pairs: list[tuple[str, str | None]]) -> list[dict]:
    """Tidy rows from a SALib result: index name, and the key of its interval's half-width."""
    out = []
    for index, conf in pairs:
        for j, name in enumerate(problem["names"]):
            value = float(result[index][j])
            half = float(result[conf][j]) if conf else np.nan
            out.append({"parameter": name, "index": index, "value": value, "low": value - half, "high": value + half})
    return out


def sobol_indices(problem: dict, y: np.ndarray, seed: int = 0) -> list[dict]:
    """S1 and ST with 90% intervals from a Saltelli design (rows in SALib's order)."""
    from SALib.analyze import sobol

    result = sobol.analyze(problem, y, calc_second_order=True, num_resamples=RESAMPLES, conf_level=CONF, seed=seed)
    return _rows(problem, result, [("S1", "S1_conf"), ("ST", "ST_conf")])


def morris_indices(problem: dict, x: np.ndarray, y: np.ndarray, levels: int, seed: int = 0) -> list[dict]:
    """Morris mu* (mean absolute elementary effect) with its 90% interval, and sigma."""
    from SALib.analyze import morris

    result = morris.analyze(problem, x, y, num_resamples=RESAMPLES, conf_level=CONF, num_levels=levels, seed=seed)
    return _rows(problem, result, [("mu_star", "mu_star_conf"), ("sigma", None)])


def rbd_fast_indices(problem: dict, x: np.ndarray, y: np.ndarray, seed: int = 0) -> list[dict]:
    """RBD-FAST S1 with its 90% interval from any sample (LHS draws), and its noise floor."""
    from SALib.analyze import rbd_fast

    harmonics = min(10, (len(y) - 1) // 4)

    def s1(values: np.ndarray, resamples: int) -> dict:
        return rbd_fast.analyze(problem, x, values, M=harmonics, num_resamples=resamples, conf_level=CONF, seed=seed)

    rng = np.random.default_rng(seed)  # the floor needs the shuffled indices, not their intervals
    floor = np.quantile([s1(rng.permutation(y), 2)["S1"] for _ in range(FLOOR_SHUFFLES)], 0.95, axis=0)
    rows = _rows(problem, s1(y, RESAMPLES), [("S1", "S1_conf")])
    for j, name in enumerate(problem["names"]):
        rows.append({"parameter": name, "index": "S1_floor", "value": float(floor[j]), "low": np.nan, "high": np.nan})
    return rows


def draw_indices(x: pd.DataFrame, y: pd.Series) -> pd.DataFrame:
    """RBD-FAST rows (S1 with interval, and its floor) of ``y`` per world against ``x`` per
    world, both indexed by draw: averaged over each draw's replications first. Empty below
    :data:`MIN_DRAWS` draws, without parameters, or where ``y`` is missing or constant."""
    x = x.groupby(level=0).first()
    y = y.groupby(level=0).mean().reindex(x.index)
    empty = pd.DataFrame(columns=["parameter", "index", "value", "low", "high"])
    if len(y) < MIN_DRAWS or x.shape[1] == 0 or not usable(y.to_numpy(float)):
        return empty
    names = list(x.columns)
    problem = {"num_vars": len(names), "names": names,
               "bounds": [[float(x[p].min()), float(x[p].max())] for p in names]}  # fmt: skip
    with warnings.catch_warnings():  # SALib warns on near-constant bins; the floor judges the result
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        return pd.DataFrame(rbd_fast_indices(problem, x.to_numpy(float), y.to_numpy(float)))


def usable(y: np.ndarray) -> bool:
    """Indices are defined only for a complete design whose output varies."""
    return bool(np.all(np.isfinite(y)) and np.ptp(y) > 0)


def analyze_design(problem: dict, sampler: str, x: np.ndarray, runs: pd.DataFrame, outcomes: list[str],
                   baseline: str | None, levels: int = 4, seed: int = 0,
                   progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:  # fmt: skip
    """Indices for every outcome of every strategy and every paired difference against
    ``baseline``, as a tidy table (:data:`COLUMNS`); outcomes missing in some rows or constant
    are left out (their indices are undefined). ``progress(done, total)`` hears of each target
    (an outcome of a strategy, or of a difference) as it is done: RBD-FAST's noise floor takes
    fifty analyses a target, minutes for a whole exploration."""
    strategies = list(dict.fromkeys(runs["strategy"]))
    against = [s for s in strategies if s != baseline] if baseline in strategies else []
    # per outcome, each strategy's, then each one's difference against the baseline
    targets = [(target, s, outcome) for outcome in outcomes
               for target, among in (("outcome", strategies), ("difference", against)) for s in among]  # fmt: skip
    rows: list[dict] = []
    for done, (target, strategy, outcome) in enumerate(targets, 1):
        if progress is not None:
            progress(done, len(targets))
        y = (per_draw(runs, outcome, strategy, len(x)) if target == "outcome"
             else per_draw_difference(runs, outcome, strategy, cast(str, baseline), len(x)))  # fmt: skip
        if not usable(y):
            continue
        with warnings.catch_warnings():  # a constant subset leaves an index NaN: shown as such
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            found = (sobol_indices(problem, y, seed) if sampler == "sobol"
                     else morris_indices(problem, x, y, levels, seed) if sampler == "morris"
                     else rbd_fast_indices(problem, x, y, seed))  # fmt: skip
        rows += [{"target": target, "strategy": strategy, "outcome": outcome, **r} for r in found]
    return pd.DataFrame(rows, columns=COLUMNS)


def drivers(table: pd.DataFrame) -> pd.DataFrame:
    """RBD-FAST rows whose interval clears the noise floor: the uncertainties that drive it."""
    s1 = table[table["index"] == "S1"].set_index(["target", "strategy", "outcome", "parameter"])
    floor = table[table["index"] == "S1_floor"].set_index(["target", "strategy", "outcome", "parameter"])["value"]
    s1 = s1.assign(floor=floor.reindex(s1.index))
    return s1[s1["low"] > s1["floor"]].reset_index()


class NotADesign(ValueError):
    """The experiment was not run with a sampler that global sensitivity can read."""


def design_points(design: pd.DataFrame, names: list[str], rows: int) -> np.ndarray:
    """The design's points, one row per draw in SALib's order (from ``design.parquet``)."""
    first = design.drop_duplicates("draw").set_index("draw").reindex(range(rows))
    return first[names].to_numpy(float)


def from_experiment(exp, outcomes: list[str] | None = None, baseline: str | None = None,  # noqa: ANN001
                    progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:  # fmt: skip
    """Indices of a store experiment explored with ``--sampler sobol`` or ``morris`` (or
    ``lhs``: RBD-FAST, from :data:`MIN_DRAWS` draws); ``outcomes`` default to every numeric
    outcome stored; ``progress`` as :func:`analyze_design`'s."""
    from lever.experiments.explore import MORRIS_LEVELS

    spec = exp.spec
    sampler = spec.get("sampler")
    if spec.get("kind") != "explore" or sampler not in ("sobol", "morris", "lhs"):
        raise NotADesign(f"{exp.name}: not an exploration with --sampler sobol, morris or lhs "
                         f"(kind {spec.get('kind')}, sampler {sampler})")  # fmt: skip
    if sampler == "lhs" and int(spec["rows"]) < MIN_DRAWS:
        # with fewer draws RBD-FAST has no harmonic to resolve: every index 0, after minutes
        raise NotADesign(f"{exp.name}: {spec['rows']} draws; RBD-FAST needs at least {MIN_DRAWS} "
                         f"(explore again with --samples {MIN_DRAWS} or more)")  # fmt: skip
    problem = spec["problem"]
    x = design_points(exp.design(), problem["names"], int(spec["rows"]))
    runs = exp.runs()
    runs = runs[runs["status"] == "ok"]
    if outcomes is None:
        from lever.sim.outcomes import OUTCOMES

        outcomes = [k for k in OUTCOMES if k in runs.columns]
    return analyze_design(problem, sampler, x, runs, outcomes, baseline, levels=MORRIS_LEVELS, progress=progress)


def write(exp, table: pd.DataFrame) -> str:  # noqa: ANN001
    """The indices into the experiment's folder, beside its runs: ``sensitivity.parquet``."""
    from lever.store.files import write_atomic

    path = exp.folder / "sensitivity.parquet"
    write_atomic(path, lambda p: table.to_parquet(p, index=False))
    return str(path)
