"""Weigh's report: self-contained, complete, and in files a user can open."""

from __future__ import annotations

import re


def test_report_holds_no_external_url(written):
    page = written[2]["report"].read_text()
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", page, flags=re.I)
    assert "<script" not in page and "<link" not in page


def test_report_has_its_sections_figures_and_conclusion(written):
    page = written[2]["report"].read_text()
    for heading in ("Ranking", "Trajectories", "Outcomes", "Who went where", "Uncertainties"):
        assert f"<h2>{heading}</h2>" in page
    assert page.count('src="data:image/png;base64,') == 3
    assert 'class="conclusion"' in page
    assert ("does best for" in page) != ("no strategy can be told apart" in page)  # one or the other


def test_figures_are_written_as_png_files(written):
    paths = written[2]
    for name in ("trajectories", "outcomes", "flows"):
        assert paths[name].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
