"""From weigh's per-run table to a ranking: intervals, paired differences, regret.

Everything here is a function of the runs table alone, so anyone can recompute it from the
Parquet file weigh writes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from lever.analysis.resample import mean_ci, share_ci
from lever.model.scenario import Scenario
from lever.sim.outcomes import OUTCOMES

#: The interval reported everywhere: 90%, from the 5th to the 95th percentile.
LOW_Q, HIGH_Q = 0.05, 0.95
#: Outcomes shown in the ranked table beside the primary one.
SHOWN = ("newly_won", "group_members", "host_kernel_to_rival", "expelled")
#: Below this many draws a bootstrap over draws is rough (it under-covers), and the ranking warns.
MIN_DRAWS = 10


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
    draws: int = 0

    @property
    def sure(self) -> bool:
        """Whether the leader's interval against the runner-up excludes zero."""
        return len(self.table) < 2 or not bool(self.table.loc[1, "tied"])


def _interval(x: pd.Series | np.ndarray) -> tuple[float, float, float]:
    x = np.asarray(x, float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return (np.nan, np.nan, np.nan)
    return float(np.median(x)), float(np.quantile(x, LOW_Q)), float(np.quantile(x, HIGH_Q))


def rank(runs: pd.DataFrame, outcome: str, baseline: str) -> Ranking:
    """Per strategy: median and 90% interval of each shown outcome; the paired difference of
    ``outcome`` against ``baseline`` (median and spread over worlds; mean with its 90%
    interval, resampling draws; chance of beating it, with its interval); regret (mean,
    worst). Ranked by mean regret (best first): the order of the mean outcome where no run
    misses it (weeks-to outcomes can be missing). ``tied`` marks a strategy whose mean
    difference from the one ranked above it has an interval that includes zero."""
    diffs = differences(runs, outcome, baseline)
    draws = diffs.index.get_level_values("draw").to_numpy()
    reg = regret(runs, outcome)
    rows = []
    for strategy, group in runs.groupby("strategy", sort=False):
        row: dict[str, object] = {"strategy": strategy}
        for name in dict.fromkeys((outcome, *SHOWN)):
            row[f"{name}_median"], row[f"{name}_low"], row[f"{name}_high"] = _interval(group[name])
        d = diffs[strategy].to_numpy()
        row["diff_median"], row["diff_low"], row["diff_high"] = _interval(d)
        row["diff_mean"] = float(np.nanmean(d)) if np.isfinite(d).any() else np.nan
        row["diff_mean_low"], row["diff_mean_high"] = mean_ci(d, draws)
        beats = d * signed(outcome) > 0
        row["p_beat"] = float(np.mean(beats)) if strategy != baseline else np.nan
        row["p_beat_low"], row["p_beat_high"] = share_ci(beats, draws) if strategy != baseline else (np.nan, np.nan)
        row["regret_mean"] = float(reg[strategy].mean())
        row["regret_worst"] = float(reg[strategy].max())
        row["mean"] = float(group[outcome].mean())
        rows.append(row)
    table = pd.DataFrame(rows).sort_values("regret_mean", kind="stable").reset_index(drop=True)
    table = _mark_ties(table, paired(runs, outcome) * signed(outcome), draws)
    return Ranking(outcome, baseline, table, int(np.unique(draws).size))


def _mark_ties(table: pd.DataFrame, better: pd.DataFrame, draws: np.ndarray) -> pd.DataFrame:
    """Each strategy against the one ranked just above it: the 90% interval (over draws) of
    the mean paired difference (above minus it, positive where the one above does better)."""
    order = list(table["strategy"])
    low, high = [np.nan], [np.nan]
    for above, below in zip(order, order[1:], strict=False):
        lo, hi = mean_ci((better[above] - better[below]).to_numpy(), draws)
        low.append(lo)
        high.append(hi)
    # one world alone gives an interval of width zero: nothing can be told apart from it
    one_world = np.unique(draws).size < 2
    tied = [False] + [one_world or not (lo > 0 or hi < 0) for lo, hi in zip(low[1:], high[1:], strict=True)]
    return table.assign(vs_above_low=low, vs_above_high=high, tied=tied)


def few_worlds(ranking: Ranking) -> list[str]:
    """Warnings for a ranking its worlds cannot carry: too few draws, and ties."""
    t = ranking.table
    out = []
    if ranking.draws < MIN_DRAWS:
        out.append(
            f"only {counted(ranking.draws, 'draw')} of the uncertainties: intervals resampled over so few draws are "
            f"rough (fewer than {MIN_DRAWS}); more draws (--samples, or --until-sure) may reorder the ranking"
        )
    for i in range(1, len(t)):
        if t.loc[i, "tied"]:
            why = (ONE_DRAW if ranking.draws < 2 else
                   f"the 90% interval of their mean difference, [{t.loc[i, 'vs_above_low']:+,.1f}, "
                   f"{t.loc[i, 'vs_above_high']:+,.1f}], includes zero")  # fmt: skip
            out.append(f"'{t.loc[i, 'strategy']}' is tied with '{t.loc[i - 1, 'strategy']}' (ranked above it): {why}")
    return out


#: Why strategies weighed on one draw are tied (its interval has no width: it would exclude zero).
ONE_DRAW = "a single draw of the uncertainties cannot tell two strategies apart"


def counted(n: int, one: str, many: str | None = None) -> str:
    """``n`` things in words: "1 draw", "8 draws", "2,000 strategies" (``many``, where not ``one`` + s)."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def decimals(values: Iterable[float | None], most: int = 4) -> int:
    """The fewest decimals (up to ``most``) at which different values still print differently:
    0.75 and 0.8125 need two, 40 and 52 none."""
    x = np.asarray([v for v in values if v is not None and np.isfinite(v)], float)
    distinct = np.unique(x).size
    for d in range(most + 1):
        if np.unique(np.round(x, d)).size == distinct:
            return d
    return most


def _num(x: float, d: int, sign: bool = False) -> str:
    return "—" if x is None or np.isnan(x) else f"{x:{'+' if sign else ''},.{d}f}"


def table_text(ranking: Ranking) -> tuple[list[str], list[list[str]]]:
    """The ranked table as text, for the terminal and the report alike: headers and rows.
    The ranked outcome comes first and the group's members beside it (or those newly won); each
    column prints with the decimals that tell its values apart."""
    out, t = ranking.outcome, ranking.table
    shown = [out, "group_members" if out != "group_members" else "newly_won"]
    head = ["#", "strategy", *(f"{name} median [90%]" for name in shown),
            f"Δ vs {ranking.baseline} mean [90% CI]", "P(beat) [90% CI]", "regret mean / worst"]  # fmt: skip

    # no more decimals than the runs can tell apart: one significant figure of the intervals'
    # half-widths (the medians' over runs, the mean differences' over draws for those and regret)
    digits = {name: resolvable(t[f"{name}_high"] - t[f"{name}_low"]) for name in shown}
    d_diff = d_reg = resolvable(t["diff_mean_high"] - t["diff_mean_low"])
    rows = []
    for i, r in t.iterrows():
        place = cast(int, i) + 1  # the table's index counts from 0 in rank order (rank resets it)
        cells = [f"{place}{'=' if r['tied'] else ''}", str(r["strategy"])]  # "=": tied with the one above
        for name in shown:
            d = digits[name]
            cells.append(f"{_num(r[f'{name}_median'], d)} [{_num(r[f'{name}_low'], d)}, {_num(r[f'{name}_high'], d)}]")
        cells += [
            f"{_num(r['diff_mean'], d_diff, True)} [{_num(r['diff_mean_low'], d_diff, True)}, {_num(r['diff_mean_high'], d_diff, True)}]",
            "—" if np.isnan(r["p_beat"]) else f"{100 * r['p_beat']:.0f}% [{100 * r['p_beat_low']:.0f}, {100 * r['p_beat_high']:.0f}]",
            f"{_num(r['regret_mean'], d_reg)} / {_num(r['regret_worst'], d_reg)}",
        ]  # fmt: skip
        rows.append(cells)
    return head, rows


def conclusion(ranking: Ranking, samples: int, replications: int) -> str:
    """A short plain-language reading of the ranking, generated from its numbers. A leader the
    runs cannot tell apart from the runner-up is not called best: the sentence says that no
    strategy can be told apart from the next, how far down the chain of ties runs, and how much
    the strategies' means differ."""
    t = ranking.table
    best = t.iloc[0]
    what = OUTCOMES[ranking.outcome][0]
    worlds = f"{counted(samples, 'draw')} of the uncertainties x {counted(replications, 'replication')}"
    d = resolvable(t["diff_mean_high"] - t["diff_mean_low"])
    if len(t) > 1 and not ranking.sure:
        return " ".join([_tied_text(ranking, worlds, what, d), _weakest_text(t, d)])
    text = [
        f"Across {worlds}, '{best['strategy']}' does best for {what}: median "
        f"{best[f'{ranking.outcome}_median']:,.0f} (90% interval {best[f'{ranking.outcome}_low']:,.0f}"
        f" to {best[f'{ranking.outcome}_high']:,.0f}), with a mean regret of {best['regret_mean']:,.{d}f}."
    ]
    if best["strategy"] == ranking.baseline:
        text.append(f"No strategy beats '{ranking.baseline}' on average.")
    else:
        lo, hi = best["diff_mean_low"], best["diff_mean_high"]
        sure = lo > 0 or hi < 0
        text.append(
            f"Against '{ranking.baseline}' it gains a mean {best['diff_mean']:+,.{d}f} "
            f"(90% interval over draws {lo:+,.{d}f} to {hi:+,.{d}f}) and does better in "
            f"{100 * best['p_beat']:.0f}% of paired worlds; "
            + (
                "the interval excludes zero, so the advantage is clear."
                if sure
                else "the interval includes zero, so the advantage is not sure."
            )
        )
    if len(t) > 1:
        second = t.iloc[1]
        gap = f"[{second['vs_above_low']:+,.{d}f}, {second['vs_above_high']:+,.{d}f}]"
        text.append(f"Against the runner-up '{second['strategy']}' the mean difference has the 90% interval {gap}: "
                    "it excludes zero, so the lead is sure.")  # fmt: skip
    text.append(_weakest_text(t, d))
    return " ".join(text)


def _tied_text(ranking: Ranking, worlds: str, what: str, d: int) -> str:
    """The leader not told apart from the runner-up: how many are tied in a chain from the top,
    which below it are told apart, and by how much the tied ones' mean differences from the
    baseline spread."""
    t = ranking.table
    chain = 1
    while chain < len(t) and t.loc[chain, "tied"]:
        chain += 1
    second = t.iloc[1]
    gap = f"[{second['vs_above_low']:+,.{d}f}, {second['vs_above_high']:+,.{d}f}]"
    reach = f"all {len(t)}" if chain == len(t) else f"the first {chain} of the {len(t)}"
    low, high = t.loc[: chain - 1, "diff_mean"].min(), t.loc[: chain - 1, "diff_mean"].max()  # the tied ones
    why = (f"{ONE_DRAW} (one world says nothing of another)" if ranking.draws < 2 else
           f"its mean difference from the runner-up '{second['strategy']}' has the 90% interval {gap}, which "
           "includes zero")  # fmt: skip
    # below the chain, a strategy may still be told apart from the one above it: said, so that the
    # sentence does not claim more ties than the table marks
    apart = [f"'{t.loc[r, 'strategy']}' (rank {r + 1})" for r in range(chain, len(t)) if not t.loc[r, "tied"]]
    opening = "no strategy can be told apart from the next" if chain == len(t) else (
        "the leader cannot be told apart from the runner-up")  # fmt: skip
    below = f" Below them, told apart from the one above it: {', '.join(apart)}." if apart else ""
    return (f"Across {worlds}, {opening} for {what}: '{t.loc[0, 'strategy']}' "
            f"leads by the means, but {why}; {reach} strategies are tied one to the next.{below} "
            f"The tied strategies' mean differences from '{ranking.baseline}' span {low:+,.{d}f} to "
            f"{high:+,.{d}f}; more draws (--samples, or --until-sure) may tell them apart.")  # fmt: skip


def _weakest_text(t: pd.DataFrame, d: int) -> str:
    worst = t.iloc[-1]
    return (f"The weakest by the means is '{worst['strategy']}' (mean regret {worst['regret_mean']:,.{d}f}, "
            f"worst {worst['regret_worst']:,.{d}f}){', tied with the one above it' if worst['tied'] else ''}.")  # fmt: skip


def resolvable(widths: pd.Series | np.ndarray, most: int = 2) -> int:
    """Decimals the runs can tell apart: one significant figure of the typical half-width of
    the 90% intervals (a half-width of 4 persons prints whole persons; 0.3 one decimal)."""
    w = np.asarray(widths, float)
    w = w[np.isfinite(w) & (w > 0)]
    if not len(w):
        return 0
    half = float(np.median(w)) / 2
    return int(min(most, max(0, -math.floor(math.log10(half)))))
