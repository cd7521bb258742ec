"""The results store: atomic parts, resume by task, a marker, names that stay inside."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from lever.store import MARKER, Experiment, StoreError, check_name, experiments

SPEC = {"kind": "test", "runs": 6}


def batch(tasks, status="ok", value=1.0):
    runs = pd.DataFrame({"task": tasks, "strategy": "s", "level": 0, "draw": tasks, "replication": 0,
                         "seed": 7, "status": status, "error": None if status == "ok" else "boom",
                         "won": [value * t for t in tasks]})  # fmt: skip
    runs["error"] = runs["error"].astype(pd.StringDtype())
    series = pd.DataFrame({"task": np.repeat(tasks, 2), "step": np.tile([0, 1], len(tasks)),
                           "week": np.tile([0.0, 1.0], len(tasks)), "won": 1.0})  # fmt: skip
    return runs, series


def test_runs_are_read_back_in_task_order_with_the_last_attempt_kept(tmp_path):
    exp = Experiment.create(tmp_path, "e", SPEC)
    exp.append(*batch([3, 1], status="failed"))
    exp.append(*batch([0, 2]))
    exp.append(*batch([1]))  # the retry of a failed run
    runs = exp.runs()
    assert runs["task"].tolist() == [0, 1, 2, 3]
    assert runs["status"].tolist() == ["ok", "ok", "ok", "failed"]
    assert exp.done(6).tolist() == [True, True, True, False, False, False]
    assert sorted(exp.series()["task"].unique()) == [0, 1, 2]


def test_columns_an_older_lever_named_in_the_letters_words_are_read_under_their_new_names(tmp_path):
    """Runs and series stored before issue 26 renamed them (``host_revolutionaries_to_rival``, ...)
    read back as ``host_kernel_to_rival``, ...: the same values, so old experiments still rank."""
    exp = Experiment.create(tmp_path, "e", SPEC)
    runs, series = batch([0, 1])
    old = runs.assign(host_revolutionaries_to_rival=[3.0, 4.0], host_revolutionary_workers_start=5.0)
    exp.append(old, series.assign(host_revolutionaries_in_rival=[1.0, 2.0, 3.0, 4.0]))
    got = exp.runs()
    assert got["host_kernel_to_rival"].tolist() == [3.0, 4.0] and (got["host_kernel_in_reach_start"] == 5.0).all()
    assert not any("revolution" in c for c in got.columns)
    assert exp.series()["host_kernel_in_rival"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_the_marker_says_complete_and_a_reopened_experiment_is_unfinished_again(tmp_path):
    exp = Experiment.create(tmp_path, "e", SPEC)
    assert exp.status() == "unfinished"
    exp.finish({"runs": 6, "ok": 6, "failed": 0})
    assert exp.status() == "complete"
    exp.close()
    again = Experiment.create(tmp_path, "e", SPEC)
    assert again.status() == "unfinished" and not (again.folder / MARKER).exists()
    again.finish({"runs": 6, "ok": 5, "failed": 1})
    assert Experiment.read(tmp_path, "e").status() == "complete with failures"
    assert [e.name for e in experiments(tmp_path)] == ["e"]


def test_other_settings_under_the_same_name_are_refused(tmp_path):
    Experiment.create(tmp_path, "e", SPEC).close()
    with pytest.raises(StoreError, match="other settings"):
        Experiment.create(tmp_path, "e", {"kind": "test", "runs": 7})


def test_a_second_writer_of_the_same_experiment_is_refused(tmp_path):
    first = Experiment.create(tmp_path, "e", SPEC)
    with pytest.raises(StoreError, match="another command"):
        Experiment.create(tmp_path, "e", SPEC)
    first.close()


@pytest.mark.parametrize("name", ["../../escaped", "..", "a/b", "/abs", "", ".hidden", "x" * 101, "a\nb"])
def test_names_never_leave_the_store(name):
    with pytest.raises(StoreError, match="not a plain name"):
        check_name(name)


def test_a_store_that_cannot_be_written_is_refused_at_once(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="--store: cannot write"):
        Experiment.create(blocker / "store", "e", SPEC)


WRITER = """
import sys, numpy as np, pandas as pd
sys.path.insert(0, {tests!r})
from store.test_experiment import batch
from lever.store import Experiment
exp = Experiment.create({root!r}, "e", {{"kind": "test", "runs": 10**9}})
start = int(sys.argv[1])
print("ready", flush=True)
for k in range(start, start + 10**6):
    exp.append(*batch(list(range(50 * k, 50 * k + 50))))
"""


def test_writers_killed_at_random_points_leave_only_whole_batches(tmp_path):
    """Kill a writer at random moments, again and again: every batch read back is whole, no
    task is lost or doubled among the committed ones, and a reopen sweeps the temporaries."""
    tests = os.path.dirname(os.path.dirname(__file__))
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(tests=tests, root=str(tmp_path / "store")))
    rng = np.random.default_rng(0)
    start = 0
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, str(script), str(start)], stdout=subprocess.PIPE)
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        exp = Experiment.read(tmp_path / "store", "e")
        runs = exp.runs()
        assert len(runs) % 50 == 0  # whole batches only
        assert runs["won"].tolist() == [float(t) for t in runs["task"]]
        series = exp.series()
        assert len(series) == 2 * len(runs)  # a batch's series is read only beside its runs
        start = int(runs["task"].max()) // 50 + 1 if len(runs) else 0
    Experiment.create(tmp_path / "store", "e", {"kind": "test", "runs": 10**9}).close()
    assert not list((tmp_path / "store" / "e" / "runs").glob(".*.tmp"))
    assert runs["task"].is_unique
