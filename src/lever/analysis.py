"""From weigh's per-run table to a ranking: intervals, paired differences, regret.

Everything here is a function of the runs table alone, so anyone can recompute it from the
Parquet file weigh writes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lever.scenario import Scenario
from lever.outcomes import OUTCOMES

#: The interval reported everywhere: 90%, from the 5th to the 95th percentile.
LOW_Q, HIGH_Q = 0.05, 0.95
#: Outcomes shown in the ranked table beside the primary one.
SHOWN = ("newly_won", "group_members", "host_revolutionaries_to_rival", "expelled")


def baseline_strategy(scenario: Scenario) -> str:
    """The strategy that stays outside (all cadre in the group's own organization), else the
    first strategy."""
    for name, s in scenario.strategies.items():
        if set(s.allocation) == {scenario.group}:
            return name
    return next(iter(scenario.strategies))


def paired(runs: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """The outcome as a (draw, replication) x strategy table: each row is one paired world."""
    return runs.pivot_table(index=["draw", "replication"], columns="strategy", values=outcome, dropna=False)


def signed(outcome: str) -> float:
    """+1 where more of ``outcome`` is better for the group, -1 where less is."""
    return 1.0 if OUTCOMES[outcome][1] else -1.0


def regret(runs: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Shortfall of each strategy against the best one in the same paired world (>= 0)."""
    table = paired(runs, outcome) * signed(outcome)
    return table.rsub(table.max(axis=1), axis=0)  # best minus each: 0.0, never -0.0


def differences(runs: pd.DataFrame, outcome: str, baseline: str) -> pd.DataFrame:
    """Each strategy's outcome minus the baseline's in the same paired world."""
    table = paired(runs, outcome)
    return table.sub(table[baseline], axis=0)


@dataclass(frozen=True)
class Ranking:
    """The ranked table: one row per strategy, best first, with the columns described in
    :func:`rank`."""

    outcome: str
    baseline: str
    table: pd.DataFrame


def _interval(x: pd.Series | np.ndarray) -> tuple[float, float, float]:
    x = np.asarray(x, float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return (np.nan, np.nan, np.nan)
    return float(np.median(x)), float(np.quantile(x, LOW_Q)), float(np.quantile(x, HIGH_Q))


def rank(runs: pd.DataFrame, outcome: str, baseline: str) -> Ranking:
    """Per strategy: median and 90% interval of each shown outcome; the paired difference of
    ``outcome`` against ``baseline`` (median, interval, chance of beating it); regret (mean,
    worst). Ranked by mean regret (best first): the order of the mean outcome where no run
    misses it (weeks-to outcomes can be missing)."""
    diffs = differences(runs, outcome, baseline)
    reg = regret(runs, outcome)
    rows = []
    for strategy, group in runs.groupby("strategy", sort=False):
        row: dict[str, object] = {"strategy": strategy}
        for name in dict.fromkeys((outcome, *SHOWN)):
            row[f"{name}_median"], row[f"{name}_low"], row[f"{name}_high"] = _interval(group[name])
        d = diffs[strategy].to_numpy()
        row["diff_median"], row["diff_low"], row["diff_high"] = _interval(d)
        row["p_beat"] = float(np.mean(d * signed(outcome) > 0)) if strategy != baseline else np.nan
        row["regret_mean"] = float(reg[strategy].mean())
        row["regret_worst"] = float(reg[strategy].max())
        row["mean"] = float(group[outcome].mean())
        rows.append(row)
    table = pd.DataFrame(rows).sort_values("regret_mean", kind="stable").reset_index(drop=True)
    return Ranking(outcome, baseline, table)


def table_text(ranking: Ranking) -> tuple[list[str], list[list[str]]]:
    """The ranked table as text, for the terminal and the report alike: headers and rows."""
    out = ranking.outcome
    second = "group_members" if out != "group_members" else "newly_won"
    head = ["#", "strategy", f"{out} median [90%]", f"{second} median [90%]",
            f"Δ vs {ranking.baseline} median [90%]", "P(beat)", "regret mean / worst"]  # fmt: skip
    rows = []
    for i, r in ranking.table.iterrows():
        rows.append([
            str(i + 1), str(r["strategy"]),
            f"{r[f'{out}_median']:,.0f} [{r[f'{out}_low']:,.0f}, {r[f'{out}_high']:,.0f}]",
            f"{r[f'{second}_median']:,.0f} [{r[f'{second}_low']:,.0f}, {r[f'{second}_high']:,.0f}]",
            f"{r['diff_median']:+,.0f} [{r['diff_low']:+,.0f}, {r['diff_high']:+,.0f}]",
            "—" if np.isnan(r["p_beat"]) else f"{100 * r['p_beat']:.0f}%",
            f"{r['regret_mean']:,.1f} / {r['regret_worst']:,.1f}",
        ])  # fmt: skip
    return head, rows


def conclusion(ranking: Ranking, samples: int, replications: int) -> str:
    """A short plain-language reading of the ranking, generated from its numbers."""
    t = ranking.table
    best = t.iloc[0]
    what = OUTCOMES[ranking.outcome][0]
    worlds = f"{samples} draws of the uncertainties x {replications} replications"
    text = [
        f"Across {worlds}, '{best['strategy']}' does best for {what}: median "
        f"{best[f'{ranking.outcome}_median']:,.0f} (90% interval {best[f'{ranking.outcome}_low']:,.0f}"
        f" to {best[f'{ranking.outcome}_high']:,.0f}), with a mean regret of {best['regret_mean']:,.1f}."
    ]
    if best["strategy"] == ranking.baseline:
        text.append(f"No strategy beats '{ranking.baseline}' on average.")
    else:
        lo, hi = best["diff_low"], best["diff_high"]
        sure = lo > 0 or hi < 0
        text.append(
            f"Against '{ranking.baseline}' it gains a median {best['diff_median']:+,.0f} "
            f"(90% interval {lo:+,.0f} to {hi:+,.0f}) and does better in "
            f"{100 * best['p_beat']:.0f}% of paired runs; "
            + ("the interval excludes zero, so the advantage is clear."
               if sure else "the interval includes zero, so the advantage is not sure.")
        )
    worst = t.iloc[-1]
    text.append(
        f"The weakest choice is '{worst['strategy']}' (mean regret {worst['regret_mean']:,.1f}, "
        f"worst {worst['regret_worst']:,.1f})."
    )
    return " ".join(text)
