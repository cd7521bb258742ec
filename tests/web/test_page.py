"""The page in a real Chromium: build a field, run it and watch, weigh it, open the result.

Screenshots of each tab go to ``$LEVER_SCREENSHOTS`` when set (docs/screenshots/ holds the
ones the README shows), else to the test's temporary folder.
"""

from __future__ import annotations

import pytest

from lever.model.loading import to_toml
from tests.web.conftest import small_field

#: Milliseconds the page may take for a run or a weigh of the small field (a cold Numba
#: cache compiles the kernels first, on a busy machine).
SLOW = 240_000


@pytest.fixture(scope="module")
def tab(server, browser, tmp_path_factory):
    """The page with the small field loaded from a TOML file, as a user would."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(server.url + "/")
    page.wait_for_selector("body[data-ready=yes]")
    toml = tmp_path_factory.mktemp("field") / "small.toml"
    toml.write_text(to_toml(small_field()))
    page.set_input_files("#toml-file", str(toml))
    page.wait_for_function("document.getElementById('check-status').textContent.startsWith('valid: ')")
    page.evaluate("document.getElementById('full-form').open = true")  # the whole schema's form, for experts
    yield page
    context.close()
    assert errors == [], f"the page's script failed: {errors}"


def test_the_form_comes_from_the_schema_and_shows_errors_beside_their_field(tab, shots):
    gravity = tab.locator('[data-path="dynamics.gravity"]')
    assert "exponent" in gravity.locator(".units").inner_text()  # the units of the one schema
    assert tab.get_attribute('input[data-slider="dynamics.gravity"]', "max") == "5"
    tab.fill('[aria-label="dynamics.gravity"]', "9")
    tab.locator('[aria-label="dynamics.gravity"]').dispatch_event("change")
    tab.wait_for_function(
        "document.querySelector('[data-path=\"dynamics.gravity\"] .error').textContent.includes('Must be at most 5')"
    )
    tab.fill('[aria-label="dynamics.gravity"]', "1")
    tab.locator('[aria-label="dynamics.gravity"]').dispatch_event("change")
    tab.wait_for_function("document.getElementById('check-status').textContent.startsWith('valid')")
    assert tab.locator('[data-path="dynamics.gravity"] .error').inner_text() == ""


def test_a_slider_changes_the_field(tab, shots):
    tab.fill('input[data-slider="dynamics.convergence"]', "0.1")  # fires input and change, as a drag does
    assert tab.input_value('[aria-label="dynamics.convergence"]') == "0.1"
    assert tab.evaluate("page.scenario.dynamics.convergence") == 0.1
    tab.wait_for_function("document.getElementById('check-status').textContent.startsWith('valid')")
    tab.screenshot(path=str(shots / "build.png"))


def test_the_toml_downloaded_is_the_field_edited(tab, tmp_path):
    with tab.expect_download() as download:
        tab.click("#download-toml")
    path = tmp_path / "field.toml"
    download.value.save_as(path)
    assert "convergence = 0.1" in path.read_text()


def test_run_draws_the_chart_and_the_summary(tab, shots):
    tab.click('nav button[data-tab="run"]')
    tab.fill("#steps", "12")
    tab.click("#run")
    tab.wait_for_selector("#summary-table", timeout=SLOW)
    assert tab.get_attribute("#chart polyline.series", "data-points") == "13"  # step 0 and 12 steps
    assert "Labour Party" in tab.inner_text("#summary-table")
    assert tab.locator("#flows path.flow").count() > 0
    assert tab.locator('#run-files a[download="timeseries.parquet"]').count() == 1
    tab.screenshot(path=str(shots / "run.png"), full_page=True)


def test_weigh_shows_progress_and_opens_its_result(tab, shots):
    tab.click('nav button[data-tab="weigh"]')
    tab.fill("#samples", "1")
    tab.fill("#replications", "1")
    tab.fill("#weigh-steps", "8")
    tab.click("#weigh")
    tab.wait_for_function("/of 6 runs/.test(document.getElementById('weigh-status').textContent)")
    tab.wait_for_function(
        "document.getElementById('weigh-status').textContent.startsWith('done: 6 runs')", timeout=SLOW
    )
    assert tab.evaluate("document.getElementById('weigh-progress').value") == 6
    tab.screenshot(path=str(shots / "weigh.png"))
    tab.click("#open-weigh")
    tab.wait_for_selector("#ranking")
    assert tab.locator("#ranking tr").count() == 7  # a header and six strategies
    said = tab.inner_text(".conclusion")
    assert ("does best" in said) != ("be told apart from the" in said)  # one draw: most likely the latter
    tab.wait_for_function(
        "[...document.querySelectorAll('#experiment img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    tab.screenshot(path=str(shots / "experiments.png"), full_page=True)


def _sections(page, url: str) -> tuple[list[str], list[str]]:
    """A report's section headings and its figures, as the browser renders them."""
    page.goto(url)
    return page.locator("h2").all_inner_texts(), sorted(page.locator("img").evaluate_all("els => els.map(e => e.alt)"))


def test_the_page_s_weigh_report_has_the_sections_of_lever_weigh_s(tab, server, tmp_path):
    """One weigh job for both faces: the page's report.html holds what the command's does
    (ranking, figures, regions and sensitivity, the cautions), for the same field and settings."""
    from typer.testing import CliRunner

    from lever.cli.main import app

    name = tab.text_content("#weigh-status").rpartition(" runs in ")[2]  # this module's weigh
    files = f"{server.url}/api/experiments/{name}/files"
    field = tmp_path / "field.toml"
    field.write_text(tab.evaluate(f"fetch('{files}/scenario.toml').then(r => r.text())"))
    out = tmp_path / "cli"
    args = ["weigh", str(field), "--samples", "1", "--replications", "1", "--steps", "8", "--out", str(out),
            "--store", str(tmp_path / "store")]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    reader = tab.context.new_page()
    try:
        page_heads, page_figures = _sections(reader, f"{files}/report.html")
        cli_heads, cli_figures = _sections(reader, (out / "report.html").as_uri())
    finally:
        reader.close()
    assert page_heads == cli_heads and page_figures == cli_figures
    assert "How sure" in page_heads  # one draw: the cautions are there
    assert any(h.startswith("Where each strategy beats") for h in page_heads)  # regions and sensitivity
    assert "regions" in page_figures


def test_earlier_experiments_open_again(tab):
    run = tab.text_content("#run-status").rpartition(" stored as ")[2]
    weigh = tab.text_content("#weigh-status").rpartition(" runs in ")[2]
    tab.click('nav button[data-tab="experiments"]')
    tab.click("#refresh")
    tab.wait_for_selector("#experiments button[data-open]")
    listed = tab.locator("#experiments button[data-open]").evaluate_all("els => els.map(e => e.dataset.open)")
    assert {run, weigh} <= set(listed) and "-run-" in run  # the run and the weigh, among the store's others
    tab.click(f'#experiments button[data-open="{run}"]')
    tab.wait_for_selector("#experiment svg polyline.series", state="attached")  # a flat line has no height
    assert "(run, complete)" in tab.inner_text("#experiment h2")


def test_a_weigh_is_cancelled_from_the_page(tab, held):
    tab.click('nav button[data-tab="weigh"]')
    tab.fill("#samples", "6")
    tab.fill("#weigh-steps", "60")
    # held after its first finished world until the cancel has landed: the weigh cannot end first,
    # however slow the machine (a world's runs finish together: one worker runs them beside its twin)
    with held():
        tab.click("#weigh")
        tab.wait_for_function("/^running: [1-9]\\d* of 36 runs/.test(document.getElementById('weigh-status').textContent)",
                              timeout=SLOW)  # fmt: skip
        tab.click("#cancel-weigh")
        tab.wait_for_function("document.getElementById('weigh-status').textContent.startsWith('cancelled: ')",
                              timeout=SLOW)  # fmt: skip
    assert tab.text_content("#weigh-status").startswith("cancelled: cancelled; kept "), tab.text_content(
        "#weigh-status"
    )
    assert tab.is_disabled("#cancel-weigh") and tab.is_enabled("#weigh")
