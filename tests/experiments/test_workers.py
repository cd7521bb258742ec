"""The default number of worker processes: a pool only where it is expected to finish first."""

from __future__ import annotations

import pytest
from fields import tiny
from typer.testing import CliRunner

import lever.experiments.execute as execute
import lever.experiments.workers as jobs
from lever.cli.main import app
from lever.experiments.workers import GAIN, auto_jobs, expected_seconds, run_seconds
from lever.model.loading import load, to_toml


def test_a_run_costs_more_with_more_agents_and_steps():
    small, default = tiny(), load("britain-1933")
    assert run_seconds(small) < run_seconds(small, steps=100) < run_seconds(default)
    # britain-1933 at its default scale: measured ~0.75 s a run on a free core (one thread)
    assert 0.5 < run_seconds(default) < 1.0


def test_a_small_design_runs_in_process_without_looking_at_the_machine(monkeypatch):
    monkeypatch.setattr(jobs, "_busy", lambda cores: pytest.fail("looked at the load"))
    per = run_seconds(tiny())
    assert auto_jobs(96, per, cores=2) == 1  # lever weigh's default design on a small field
    assert auto_jobs(96, per, cores=16) == 1


def test_a_big_design_takes_the_free_cores():
    per = run_seconds(load("britain-1933"))
    assert auto_jobs(96, per, cores=2, busy=0.0) == 2  # lever weigh's default design
    assert auto_jobs(2_000, per, cores=8, busy=0.0) == 8
    assert auto_jobs(2_000, per, cores=8, busy=6.0) > 1  # enough work to pay for a pool still


def test_a_busy_machine_keeps_a_medium_design_in_process():
    per = 0.42  # a medium run (britain-1933 before issue 10): the rule, not the calibration, is tested here
    assert auto_jobs(24, per, cores=2, busy=0.0) == 2
    assert auto_jobs(24, per, cores=2, busy=1.0) == 1  # one core taken by others
    assert auto_jobs(24, per, cores=2, busy=3.5) == 1


@pytest.mark.parametrize("busy", [0.0, 0.5, 1.0, 3.0])
@pytest.mark.parametrize("runs", [1, 10, 100, 10_000])
def test_a_pool_is_taken_only_where_it_is_expected_to_save_a_quarter(runs, busy):
    per = 0.3
    chosen = auto_jobs(runs, per, cores=4, busy=busy)
    alone = expected_seconds(1, runs, per, 4, busy)
    if chosen > 1:
        assert expected_seconds(chosen, runs, per, 4, busy) <= GAIN * alone
    else:
        assert all(expected_seconds(j, runs, per, 4, busy) > GAIN * alone for j in (2, 3, 4))


def test_weigh_without_jobs_runs_a_small_field_in_process(monkeypatch, tmp_path):
    def no_pool(*args, **kwargs):
        raise AssertionError(f"a process pool for a small field: {args[3:]}")

    monkeypatch.setattr(execute.LocalPool, "__init__", no_pool)
    path = tmp_path / "tiny.toml"
    path.write_text(to_toml(tiny()))
    args = ["weigh", str(path), "--samples", "2", "--replications", "1", "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "report.html").is_file()
