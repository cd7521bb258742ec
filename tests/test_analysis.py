"""The ranking is a function of the runs table: checked on hand-made runs and on Parquet."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from fields import tiny

from lever.analysis import baseline_strategy, conclusion, differences, rank, regret
from lever.report import write_report
from lever.weigh import Design, weigh


def synthetic() -> pd.DataFrame:
    """Three strategies in four paired worlds with known outcomes."""
    members = {"outside": [10, 20, 30, 40], "enter": [15, 18, 45, 60], "split": [10, 20, 30, 40]}
    rows = []
    for strategy, values in members.items():
        for draw, v in enumerate(values):
            rows.append({"strategy": strategy, "draw": draw, "replication": 0, "group_members": float(v),
                         "newly_won": 2.0 * v, "host_revolutionaries_to_rival": 1.0, "expelled": 0.0})  # fmt: skip
    return pd.DataFrame(rows)


def test_regret_is_the_shortfall_against_the_best_in_the_same_world():
    r = regret(synthetic(), "group_members")
    assert r["enter"].tolist() == [0, 2, 0, 0]
    assert r["outside"].tolist() == [5, 0, 15, 20]


def test_lower_is_better_outcomes_take_the_least_as_best():
    runs = synthetic()
    runs["expelled"] = np.where(runs["strategy"] == "enter", 3.0, 1.0)
    r = regret(runs, "expelled")
    assert (r["enter"] == 2).all() and (r["outside"] == 0).all()


def test_rank_orders_by_mean_and_reports_paired_differences():
    table = rank(synthetic(), "group_members", "outside").table.set_index("strategy")
    assert list(table.index)[0] == "enter"
    assert table.loc["enter", "diff_median"] == pytest.approx(np.median([5, -2, 15, 20]))
    assert table.loc["enter", "p_beat"] == 0.75
    assert table.loc["split", "p_beat"] == 0.0
    assert np.isnan(table.loc["outside", "p_beat"])
    assert table.loc["enter", "regret_mean"] == 0.5 and table.loc["enter", "regret_worst"] == 2


def test_conclusion_states_the_numbers_and_whether_the_interval_excludes_zero():
    text = conclusion(rank(synthetic(), "group_members", "outside"), 4, 1)
    assert "'enter'" in text and "75%" in text
    assert "includes zero" in text  # the 90% interval of (5, -2, 15, 20) straddles zero


def test_baseline_is_the_strategy_that_stays_outside():
    assert baseline_strategy(tiny()) == "outside"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    sc = tiny()
    result = weigh(Design(sc, samples=3, replications=1, seed=2))
    ranking = rank(result.runs, "group_members", "outside")
    paths = write_report(result, ranking, tmp_path_factory.mktemp("weigh"))
    return result, ranking, paths


def test_table_matches_a_recomputation_from_the_parquet_rows(written):
    result, ranking, paths = written
    from_file = pd.read_parquet(paths["runs"])
    pd.testing.assert_frame_equal(rank(from_file, "group_members", "outside").table, ranking.table)
    medians = duckdb.sql(
        f"SELECT strategy, median(group_members) AS m, quantile_cont(group_members, 0.05) AS lo "
        f"FROM '{paths['runs']}' GROUP BY strategy"
    ).df().set_index("strategy")
    table = ranking.table.set_index("strategy")
    for s in medians.index:
        assert table.loc[s, "group_members_median"] == pytest.approx(medians.loc[s, "m"])
        assert table.loc[s, "group_members_low"] == pytest.approx(medians.loc[s, "lo"])


def test_paired_differences_recompute_from_the_parquet_rows(written):
    _, ranking, paths = written
    runs = pd.read_parquet(paths["runs"])
    d = differences(runs, "group_members", "outside")
    table = ranking.table.set_index("strategy")
    for s in d.columns:
        assert table.loc[s, "diff_median"] == pytest.approx(float(np.median(d[s])))
