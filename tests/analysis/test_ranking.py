"""The ranking is a function of the runs table: checked on hand-made runs and on Parquet."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from fields import tiny

from lever.analysis import baseline_strategy, conclusion, differences, rank, regret


def synthetic() -> pd.DataFrame:
    """Three strategies in four paired worlds with known outcomes."""
    members = {"outside": [10, 20, 30, 40], "enter": [15, 18, 45, 60], "split": [10, 20, 30, 40]}
    rows = []
    for strategy, values in members.items():
        for draw, v in enumerate(values):
            rows.append({"strategy": strategy, "draw": draw, "replication": 0, "group_members": float(v),
                         "newly_won": 2.0 * v, "host_kernel_to_rival": 1.0, "expelled": 0.0})  # fmt: skip
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
    """The interval is that of the mean difference, resampling draws: (5, -2, 15, 20) has its
    mean's interval above zero; (5, -12, 15, -6) has it around zero."""
    text = conclusion(rank(synthetic(), "group_members", "outside"), 4, 1)
    assert "'enter'" in text and "75%" in text
    assert "the interval excludes zero" in text
    runs = synthetic()
    runs.loc[runs["strategy"] == "enter", "group_members"] = [15.0, 8.0, 45.0, 34.0]
    tied = conclusion(rank(runs, "group_members", "outside"), 4, 1)
    assert "does best" not in tied and "no strategy can be told apart from the next" in tied
    assert "which includes zero" in tied


def test_a_chain_of_ties_that_ends_says_which_strategies_below_it_are_told_apart():
    """Two strategies within a person of each other in every world, a third 100 below both: the
    sentence says the leader cannot be told apart from the runner-up, that the first 2 of the 3 are
    tied, and that the third is told apart; it never says that no strategy can be told apart."""
    base = [10.0, 20.0, 30.0, 40.0]
    members = {"a": base, "b": [v + e for v, e in zip(base, [1, -1, 1, -1], strict=True)],
               "c": [v - 100 for v in base]}  # fmt: skip
    rows = [{"strategy": s, "draw": d, "replication": 0, "group_members": v, "newly_won": 0.0,
             "host_kernel_to_rival": 0.0, "expelled": 0.0}
            for s, values in members.items() for d, v in enumerate(values)]  # fmt: skip
    ranking = rank(pd.DataFrame(rows), "group_members", "c")
    assert ranking.table["tied"].tolist() == [False, True, False]
    text = conclusion(ranking, 4, 1)
    assert "the leader cannot be told apart from the runner-up" in text
    assert "the first 2 of the 3 strategies are tied" in text
    assert "Below them, told apart from the one above it: 'c' (rank 3)." in text
    assert "no strategy can be told apart" not in text and "does best" not in text


def test_a_leader_tied_with_the_runner_up_is_never_called_best(tmp_path):
    """A design whose two best strategies are the same strategy under two names: common random
    numbers make their runs identical, so the leader can never be told apart from the runner-up,
    and neither the conclusion nor the command says that one does best."""
    from typer.testing import CliRunner

    from lever.cli.main import app
    from lever.model.loading import to_toml

    field = tiny()
    field = field.model_copy(update={"strategies": {**field.strategies, "outside_too": field.strategies["outside"]}})
    path = tmp_path / "twice.toml"
    path.write_text(to_toml(field))
    args = ["weigh", str(path), "--samples", "2", "--replications", "1", "--steps", "6", "--out", str(tmp_path / "o"),
            "--outcome", "group_members"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "does best" not in result.output and "no strategy can be told apart" in result.output


def test_intervals_resample_draws_not_the_replications_inside_them():
    """Two draws, each replicated 50 times with the same difference (+10 and -8): a bootstrap
    over worlds would see 100 worlds and exclude zero; over draws it cannot."""
    rows = [{"strategy": s, "draw": d, "replication": r, "group_members": v, "newly_won": 0.0,
             "host_kernel_to_rival": 0.0, "expelled": 0.0}
            for d, gain in enumerate([10.0, -8.0]) for r in range(50)
            for s, v in (("outside", 20.0), ("enter", 20.0 + gain))]  # fmt: skip
    table = rank(pd.DataFrame(rows), "group_members", "outside").table.set_index("strategy")
    assert table.loc["enter", "diff_mean_low"] < 0 < table.loc["enter", "diff_mean_high"]
    assert table.loc["enter", "p_beat_low"] < 0.5 < table.loc["enter", "p_beat_high"]


def test_ties_are_marked_and_few_draws_warned():
    from lever.analysis.ranking import few_worlds

    ranking = rank(synthetic(), "group_members", "outside")
    t = ranking.table.set_index("strategy")
    assert not t.loc["enter", "tied"]
    assert bool(t.loc["split", "tied"])  # the same numbers as outside in every world
    warnings = few_worlds(ranking)
    assert any("only 4 draws" in w for w in warnings)
    assert any("'split' is tied with 'outside'" in w or "'outside' is tied with 'split'" in w for w in warnings)
    assert ranking.sure


def test_one_draw_is_said_to_tell_nothing_apart_not_to_have_an_interval_around_zero():
    """One draw's interval has no width: '[+5, +5] includes zero' would be false. The cautions
    and the conclusion say that one draw cannot tell strategies apart, and count it as one."""
    from lever.analysis.ranking import few_worlds

    rows = [{"strategy": s, "draw": 0, "replication": r, "group_members": v, "newly_won": 0.0,
             "host_kernel_to_rival": 0.0, "expelled": 0.0}
            for r in range(2) for s, v in (("outside", 20.0), ("enter", 25.0))]  # fmt: skip
    ranking = rank(pd.DataFrame(rows), "group_members", "outside")
    said = [*few_worlds(ranking), conclusion(ranking, 1, 2)]
    assert said[0].startswith("only 1 draw of the uncertainties")
    assert "a single draw of the uncertainties cannot tell two strategies apart" in said[1]
    assert "Across 1 draw of the uncertainties x 2 replications, no strategy can be told apart" in said[2]
    assert not any("includes zero" in s for s in said), said


def test_baseline_is_the_strategy_that_stays_outside():
    assert baseline_strategy(tiny()) == "outside"


def test_table_matches_a_recomputation_from_the_parquet_rows(written):
    result, ranking, paths = written
    from_file = pd.read_parquet(paths["runs"])
    pd.testing.assert_frame_equal(rank(from_file, "group_members", "outside").table, ranking.table)
    medians = (
        duckdb.sql(
            f"SELECT strategy, median(group_members) AS m, quantile_cont(group_members, 0.05) AS lo "
            f"FROM '{paths['runs']}' GROUP BY strategy"
        )
        .df()
        .set_index("strategy")
    )
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


def test_decimals_are_the_fewest_that_tell_values_apart():
    from lever.analysis import decimals

    assert decimals([0.75, 0.8125]) == 2
    assert decimals([40.0, 52.0, 52.0]) == 0
    assert decimals([1.0, 1.05, float("nan")]) == 2
    assert decimals([1 / 3, 1 / 3 + 1e-9]) == 4  # no more than four


def test_table_text_shows_the_ranked_outcome_once_with_distinguishing_decimals():
    from lever.analysis import table_text

    runs = synthetic()
    for outcome in ("newly_won", "group_members"):
        head, rows = table_text(rank(runs, outcome, "outside"))
        assert sum(h.startswith("group_members ") for h in head) == 1
        assert sum(h.startswith("newly_won ") for h in head) == 1
        assert all(len(r) == len(head) for r in rows)


def test_the_terminal_ranking_fits_80_columns_without_cutting_numbers():
    import io

    from rich.console import Console

    from lever.cli.tables import ranked_table

    names = ["enter_ilp_faction", "enter_ilp_keep_organ", "enter_ilp_individuals", "split_cpgb_ilp",
             "enter_labour", "outside"]  # fmt: skip
    rng = np.random.default_rng(0)
    runs = pd.DataFrame([
        {"strategy": s, "draw": d, "replication": 0, "group_members": float(rng.integers(40, 300)),
         "newly_won": float(rng.integers(-50, 3000)), "host_kernel_to_rival": float(rng.integers(0, 900)),
         "expelled": float(rng.integers(0, 30))}
        for d in range(4) for s in names])  # fmt: skip
    for outcome in ("group_members", "newly_won", "host_kernel_to_rival"):
        buf = io.StringIO()
        Console(file=buf, width=80).print(ranked_table(rank(runs, outcome, "outside"), "title"))
        text = buf.getvalue()
        assert max(len(line) for line in text.splitlines()) <= 80
        assert "…" not in text, text
        for row in rank(runs, outcome, "outside").table.itertuples():
            assert f"{row.group_members_median:,.0f}" in text


def test_one_draw_tells_no_strategy_apart():
    """Replications of a single draw give every mean difference an interval of width zero: the
    ranking marks every strategy tied and the conclusion calls none best."""
    runs = synthetic()
    one = runs[runs["draw"] == 0]
    ranking = rank(one, "group_members", "outside")
    assert not ranking.sure and ranking.table["tied"].iloc[1:].all()
    assert "does best" not in conclusion(ranking, 1, 1)
