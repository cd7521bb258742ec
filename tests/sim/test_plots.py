"""Figures people can read: linear axes unless the range demands log, plain-number ticks."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from lever.sim.plots import LOG_RANGE, persons_axis, subplots


def _axis(values):
    fig, ax = subplots(figsize=(6.4, 4.8))
    ax.plot(np.arange(len(values)), values)
    persons_axis(ax, values)
    fig.draw_without_rendering()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    return ax.get_yscale(), ax.get_ylabel(), labels


def test_a_narrow_range_stays_linear_from_zero_with_plain_ticks():
    scale, label, ticks = _axis(np.array([40.0, 80.0, 1200.0, 0.0]))
    assert (scale, label) == ("linear", "persons")
    assert "1,000" in ticks and all("$" not in t and "e" not in t for t in ticks)


def test_a_range_wider_than_the_limit_is_log_with_numbers_written_out():
    scale, label, ticks = _axis(np.array([40.0, 40.0 * LOG_RANGE * 10, 0.0]))
    assert (scale, label) == ("log", "persons (log scale)")
    assert {"100", "1,000", "10,000"} <= set(ticks)


def test_the_run_figure_has_a_caption_and_the_field_s_words(tiny):
    from lever.sim.engine import simulate
    from lever.sim.plots import plot_run

    fig = plot_run(simulate(tiny, "outside", seed=0, steps=3))
    texts = " ".join(t.get_text() for t in fig.texts)
    titles = [ax.get_title() for ax in fig.axes]
    assert "One run, one line per organization" in texts and "log" in texts
    assert any(t.startswith("Platforms: ") for t in titles)
    from readable import problems

    assert problems(fig) == []


def test_writing_a_run_leaves_the_user_s_matplotlib_backend_as_it_was(tmp_path):
    """A notebook user who chose a backend keeps it after ``lever.write_run`` (in a process
    of its own: the choice is global to the process)."""
    script = f"""
import matplotlib
matplotlib.use("svg")
import lever
run = lever.simulate(lever.load("britain-1933"), "outside", seed=0, steps=2)
lever.write_run(run, {str(tmp_path / "out")!r})
import matplotlib.pyplot as plt
print(matplotlib.get_backend(), len(plt.get_fignums()))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["svg", "0"]
    assert (tmp_path / "out" / "trajectories.png").is_file()
