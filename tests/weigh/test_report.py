"""Weigh's report: self-contained, complete, and in files a user can open."""

from __future__ import annotations

import re


def test_report_holds_no_external_url(written):
    page = written[2]["report"].read_text()
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", page, flags=re.I)
    assert "<script" not in page and "<link" not in page


def test_report_has_its_sections_figures_and_conclusion(written):
    page = written[2]["report"].read_text()
    for heading in ("Ranking", "Trajectories", "Who went where", "The group's funnel", "Uncertainties"):
        assert f"<h2>{heading}</h2>" in page
    # the answer first: the conclusion, then its picture and the funnel, before any table
    assert page.index('class="conclusion"') < page.index('alt="outcomes"') < page.index('alt="funnel"')
    assert page.index('alt="funnel"') < page.index("<h2>Ranking</h2>")
    assert page.count('src="data:image/png;base64,') == 4
    assert "weeks each (the field's horizon)" in page  # how long the runs were, beside the design
    assert ("does best for" in page) != ("no strategy can be told apart" in page)  # one or the other


def test_figures_are_written_as_png_files(written):
    paths = written[2]
    for name in ("trajectories", "outcomes", "flows", "funnel"):
        assert paths[name].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_figure_of_the_report_is_readable_at_its_size(written):
    """Titles and labels inside the canvas, legends clear of the bars and lines (rendered at the
    figures' own size, as the PNG files are)."""
    from readable import problems

    from lever.weigh.report import describe, plot_bands, plot_flows, plot_outcomes

    result, ranking, _ = written
    figures = {"trajectories": plot_bands(result), "outcomes": plot_outcomes(result, ranking),
               "flows": plot_flows(result, {k: describe(result, k, 40) for k in result.flows})}  # fmt: skip
    assert {name: problems(fig) for name, fig in figures.items()} == {name: [] for name in figures}
