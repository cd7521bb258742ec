"""The job board: how many at once, and what a job shows."""

from __future__ import annotations

import time

import pytest

from lever.web.checks import Refused
from lever.web.jobs import Job, JobBoard


def wait(seconds: float, reports) -> None:
    time.sleep(seconds)


def test_no_more_jobs_than_the_limit_run_at_once():
    board = JobBoard(limit=1)
    try:
        board.start("run", "one", 1, wait, (30.0,))
        with pytest.raises(Refused) as refused:
            board.start("run", "two", 1, wait, (30.0,))
        assert refused.value.status == 429
        assert refused.value.message.startswith("1 jobs are running already")
    finally:
        board.stop_all()
    assert all(not p.is_alive() for p in board.processes.values())


def test_a_job_that_ends_without_a_word_says_so():
    board = JobBoard(limit=1)
    job = board.start("run", "quiet", 1, wait, (0.0,))
    deadline = time.monotonic() + 60
    while job.state == "running" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert (job.state, job.message) == ("failed", "the job's process ended (exit code 0)")


def test_a_view_skips_the_rows_already_drawn():
    job = Job("job1", "run", "x", rows=[[0.0], [1.0], [2.0]])
    assert job.view(since=2)["rows"] == [[2.0]]
