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
    assert ("does best for" in page) != ("be told apart from the" in page)  # one or the other (all tied, or the top)


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


def _texts(fig) -> str:
    """Every text a figure draws: titles, labels, ticks, legends, captions."""
    from matplotlib.text import Text

    fig.draw_without_rendering()
    return "\n".join(t.get_text() for t in fig.findobj(Text) if t.get_visible())


def test_the_figures_speak_the_field_s_words_not_its_keys(tmp_path_factory):
    """Every figure of a weigh and of a run on a field of one's own names its organizations,
    strategies and outcomes in the field's words: no key of the field, no snake_case name, none
    of the model's own words for them (the twin, the host, cadre)."""
    import re

    import pandas as pd
    from fields import OWN_KEYS, own_field

    from lever.analysis import rank
    from lever.analysis.figures import plot_indices
    from lever.experiments.design import Design
    from lever.experiments.runs import run_design
    from lever.sim.engine import simulate
    from lever.sim.plots import plot_run
    from lever.weigh.report import describe, plot_bands, plot_flows, plot_funnel, plot_outcomes

    field = own_field()
    result = run_design(Design(field, samples=2, replications=1, seed=1))
    ranking = rank(result.runs, "newly_won", "stay9")
    names = {k: describe(result, k, 40) for k in result.flows}
    indices = pd.DataFrame([{"target": "difference", "strategy": "join9", "outcome": "newly_won", "index": index,
                             "parameter": "dynamics.confidence", "value": 0.2, "low": 0.1, "high": 0.3}
                            for index in ("S1", "S1_floor")])  # fmt: skip
    figures = {
        "trajectories": plot_bands(result), "outcomes": plot_outcomes(result, ranking),
        "flows": plot_flows(result, names), "funnel": plot_funnel(result, names),
        "sensitivity": plot_indices(indices, "lhs", "stay9", {"dynamics.confidence": "confidence"}, names),
        "run": plot_run(simulate(field, "join9", seed=0, steps=3)),
    }  # fmt: skip
    found = {}
    for name, fig in figures.items():
        text = _texts(fig)
        keys = [k for k in OWN_KEYS if re.search(rf"\b{k}\b", text)]
        code = re.findall(r"\b[a-z]+_[a-z_]+\b|\b(?:twin|host|cadre)\b", text)  # the model's words, not hers
        powers = re.findall(r"\\mathdefault", text)  # a tick as 10² or 1.3×10², not a number written out
        found[name] = keys + code + powers
    assert found == {name: [] for name in figures}
    assert "Eastside Tenants' Caucus" in _texts(figures["funnel"]) + _texts(figures["trajectories"])
    assert "People newly won" in _texts(figures["outcomes"])
