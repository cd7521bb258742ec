"""What a run leaves behind: the summary and the four files."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest

from lever.model.loading import with_values
from lever.sim.engine import simulate
from lever.sim.results import MILESTONES, summarize, weeks_to, write_run


@pytest.fixture(scope="module")
def run(tiny):
    return simulate(tiny, seed=7)


def test_summary_reports_start_and_horizon(run, tiny):
    summary = summarize(run)
    first, last = run.series.iloc[0], run.series.iloc[-1]
    assert summary["scenario"] == "tiny" and summary["strategy"] == "enter" and summary["seed"] == 7
    assert summary["steps"] == 10 and summary["weeks"] == 10.0 and summary["agents_start"] == 520
    assert [o["key"] for o in summary["organizations"]] == ["big", "host", "rival", "group", "none"]
    assert [o["name"] for o in summary["organizations"]] == [
        "Big Party",
        "Host Party",
        "Rival Party",
        "The Group",
        "unorganized",
    ]
    host = summary["organizations"][1]
    assert host == {
        "key": "host",
        "name": "Host Party",
        "size_start": 150.0,
        "size_end": last["size_host"],
        "kernel_start": first["kernel_host"],
        "kernel_end": last["kernel_host"],
    }
    assert summary["group_members_start"] == 10.0
    assert summary["group_members_end"] == last["group_members"]
    assert summary["group_cadre_end"] == last["group_cadre"]
    assert summary["won_start"] == first["won"] and summary["won_end"] == last["won"]
    assert summary["host_kernel_in_rival"] == last["host_kernel_in_rival"]
    assert summary["expelled"] == last["expelled"]
    assert {f"weeks_to_{m}" for m in MILESTONES} <= set(summary)
    json.dumps(summary)  # plain JSON-ready data


def test_weeks_to(tiny):
    big = with_values(tiny, {"organizations.group.size": 1000.0, "milestones": [1000.0, 10000.0]})
    run = simulate(big, "outside", seed=0, steps=2)
    assert weeks_to(run, 1000) == 0.0
    assert weeks_to(run, 1e9) is None
    assert summarize(run)["weeks_to_first"] == 0.0 and summarize(run)["weeks_to_second"] is None


def test_write_run_writes_four_readable_files(run, tmp_path):
    paths = write_run(run, tmp_path / "deep" / "out")
    assert set(paths) == {"timeseries", "summary", "flows", "figure"}
    assert sorted(p.name for p in (tmp_path / "deep" / "out").iterdir()) == [
        "flows.csv",
        "summary.json",
        "timeseries.parquet",
        "trajectories.png",
    ]
    frame = pd.read_parquet(paths["timeseries"])
    pd.testing.assert_frame_equal(frame, run.series)
    assert duckdb.sql(f"select count(*), max(step) from '{paths['timeseries']}'").fetchall() == [(11, 10)]
    assert json.loads(paths["summary"].read_text()) == json.loads(json.dumps(summarize(run)))
    flows = pd.read_csv(paths["flows"], index_col=0)
    assert list(flows.columns) == run.labels and list(flows.index) == run.labels
    assert np.allclose(flows.to_numpy(), run.flows)
    assert paths["figure"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_milestones_scale_with_the_group_unless_the_field_sets_them(tiny):
    assert tiny.milestones is None and tiny.organizations["group"].size == 10.0
    assert tiny.milestone_sizes == (250.0, 2500.0)  # 25 and 250 times the founders
    assert with_values(tiny, {"milestones": [50.0, 80.0]}).milestone_sizes == (50.0, 80.0)
