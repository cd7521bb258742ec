"""Figures people can read: linear axes unless the range demands log, plain-number ticks."""

from __future__ import annotations

import numpy as np

from lever.plots import LOG_RANGE, persons_axis, plt


def _axis(values):
    fig, ax = plt.subplots()
    ax.plot(np.arange(len(values)), values)
    persons_axis(ax, values)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    plt.close(fig)
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
    from lever.engine import simulate
    from lever.plots import plot_run

    fig = plot_run(simulate(tiny, "outside", seed=0, steps=3))
    texts = " ".join(t.get_text() for t in fig.texts)
    titles = [ax.get_title() for ax in fig.axes]
    plt.close(fig)
    assert "One run, one line per organization" in texts and "log" in texts
    assert any(t.startswith("Platforms: ") for t in titles)
