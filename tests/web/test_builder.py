"""An organizer's field from nothing, in a real Chromium (issue 25): a template, the guided
builder and the form alone; run, weigh, read the result in her words, download the TOML.
Then every kind of error the form can raise, beside its field and all at once, and the Run and
Weigh tabs' refusals as sentences.

Screenshots go to ``$LEVER_SCREENSHOTS`` when set (docs/screenshots/), else to a temporary folder.
"""

from __future__ import annotations

import re

import pytest

from tests.web.test_page import SLOW

#: Her keys, and the words she gives them: none of the keys may show where a word exists.
ORGS = {"group": ("caucus", "Eastside Tenants' Caucus", "15"),
        "host": ("citywide", "Citywide Tenants Association", "2000"),
        "rival": ("rivals", "Renters' Front", "300")}  # fmt: skip
STRATEGIES = {"stay": ("stay_out", "stay independent and organize building by building"),
              "join": ("join_assoc", "join the citywide association as an open caucus")}  # fmt: skip
AXES = (("rent fight", "negotiate", "strike"), ("independence", "follow the council", "go it alone"))
KEYS = [k for k, _, _ in ORGS.values()] + [k for k, _ in STRATEGIES.values()] + ["everyone"]
HISTORY = ("labour", "ilp", "cpgb", "moscow", "stalin", "trotsky", "1933")


@pytest.fixture(scope="module")
def _page(server, browser):
    """One page for the module, opened once: each test starts a new field from the template."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(server.url + "/")
    page.wait_for_selector("body[data-ready=yes]")
    yield page, errors
    context.close()


@pytest.fixture
def tab(_page):
    page, errors = _page
    yield page
    assert errors == [], f"the page's script failed: {errors}"


def _change(tab, selector: str, value: str) -> None:
    """Type a value and leave the box, as she does."""
    tab.fill(selector, value)
    tab.locator(selector).dispatch_event("change")


def _checked(tab) -> None:
    """Wait until the status shown is the server's answer to the latest edit."""
    tab.wait_for_function("document.body.dataset.checked === String(page.edits)")


def _valid(tab) -> None:
    _checked(tab)
    assert tab.inner_text("#check-status").startswith("valid: "), tab.evaluate("JSON.stringify(page.errors)")


def _open(tab, selector: str) -> None:
    """Open a fold of the form (a click on an open one would close it)."""
    if tab.locator(selector).get_attribute("open") is None:
        tab.click(f"{selector} > summary")


def _new_field(tab) -> None:
    tab.click('nav button[data-tab="build"]')
    tab.select_option("#template", "join-or-stay")
    tab.evaluate("window.before = page.scenario")  # the page is shared: wait for a new field, not the last test's
    tab.click("#new-field")
    tab.wait_for_function("page.scenario !== window.before && page.scenario.name === 'my-field'")
    _valid(tab)


TITLE = "Should our caucus join the citywide association?"
#: Her own words, which may hold a key as an ordinary word ("an open caucus"): taken out first.
WORDS = [TITLE, *(n for _, n, _ in ORGS.values()), *(w for _, w in STRATEGIES.values()), *(w for a in AXES for w in a)]


def _visible_keys(text: str) -> list[str]:
    """Scenario keys and snake_case outcome names in rendered text, outside her own words."""
    for words in sorted(WORDS, key=len, reverse=True):
        text = text.replace(words, " ")
    found = [k for k in KEYS if re.search(rf"(?<![\w-]){re.escape(k)}(?![\w-])", text)]
    return found + re.findall(r"\b[a-z]+_[a-z_]+\b", text)


def test_the_page_opens_on_britain_1933_marked_as_history(tab):
    assert tab.input_value("#builtin") == "britain-1933"
    assert tab.is_visible("#history-note")
    assert "history" in tab.inner_text("#builtin")


def test_the_tenants_field_from_a_template_through_the_builder_and_the_form(tab, shots, tmp_path):
    _new_field(tab)
    assert not tab.is_visible("#history-note")
    for role, (key, name, size) in ORGS.items():  # the guided builder: her keys, names and sizes
        _change(tab, f'[aria-label="builder {role} key"]', key)
        _change(tab, f'[aria-label="builder {role} name"]', name)
        _change(tab, f'[aria-label="builder {role} members"]', size)
    tab.select_option('[aria-label="builder how loose"]', "0.1")
    _change(tab, '[aria-label="builder close share"]', "0.2")
    for i, (name, low, high) in enumerate(AXES):
        _change(tab, f'[aria-label="builder view {i + 1} name"]', name)
        _change(tab, f'[aria-label="builder view {i + 1} low"]', low)
        _change(tab, f'[aria-label="builder view {i + 1} high"]', high)
    for old, (key, words) in STRATEGIES.items():
        _change(tab, f'[aria-label="builder {old} key"]', key)
        _change(tab, f'[aria-label="builder {key} description"]', words)
    _change(tab, '[aria-label="builder title"]', TITLE)
    _change(tab, '[aria-label="builder short name"]', "tenants")
    _valid(tab)
    tab.screenshot(path=str(shots / "builder.png"), full_page=True)

    # the full form: a paper of her own, from an empty table (add, rename, remove entries)
    _open(tab, "#full-form")
    _open(tab, 'details[data-path="organs"]')
    tab.fill('[aria-label="new key in organs"]', "bulletin")
    tab.click('button[data-add="organs"]')
    assert tab.locator('details[data-path="organs"]').get_attribute("open") is not None  # stays open
    _change(tab, '[aria-label="organs.bulletin.name"]', "the caucus bulletin")
    _change(tab, '[aria-label="organs.bulletin.owner"]', "caucus")
    for reader in ("caucus", "citywide"):
        tab.fill('[aria-label="new key in organs.bulletin.circulation"]', reader)
        tab.click('button[data-add="organs.bulletin.circulation"]')
    _change(tab, '[aria-label="organs.bulletin.circulation.caucus"]', "1")
    _change(tab, '[aria-label="rename organs.bulletin.circulation.citywide"]', "none")
    tab.locator('details[data-path="organs.bulletin.circulation"] button', has_text="Rename").nth(1).click()
    _change(tab, '[aria-label="organs.bulletin.circulation.none"]', "0.01")
    tab.click('button[data-remove="organs.bulletin.circulation.none"]')
    _valid(tab)
    assert tab.evaluate("page.scenario.organs.bulletin.circulation") == {"caucus": 1}
    assert tab.evaluate("page.scenario.labels.axes[0].name") == "rent fight"
    assert tab.input_value('[aria-label="labels.axes.1.high"]') == "go it alone"  # the form names the axes too

    # run it
    tab.click('nav button[data-tab="run"]')
    options = tab.locator("#strategy option").all_inner_texts()
    assert sorted(options) == sorted(w for _, w in STRATEGIES.values())
    tab.fill("#steps", "6")
    tab.click("#run")
    tab.wait_for_selector("#summary-table", timeout=SLOW)
    assert tab.locator("#chart-group polyline.series").count() == 1  # the group on its own panel
    run_text = tab.inner_text("#tab-run") + " ".join(tab.locator("#flows text").all_text_contents())
    assert "Eastside Tenants' Caucus" in run_text and "Citywide Tenants Association" in run_text
    assert _visible_keys(run_text) == [], run_text

    # weigh it: few draws, and the page says so
    tab.click('nav button[data-tab="weigh"]')
    tab.fill("#samples", "1")
    tab.fill("#replications", "1")
    tab.fill("#weigh-steps", "6")
    assert tab.is_visible("#weigh-few")
    tab.click("#weigh")
    tab.wait_for_function("document.getElementById('weigh-status').textContent.startsWith('done: ')", timeout=SLOW)
    assert tab.locator("#weigh-warnings li").count() > 0  # the job's own cautions, in her words
    cautions = tab.inner_text("#tab-weigh")
    assert _visible_keys(cautions) == [] and "--samples" not in cautions, cautions
    tab.click("#open-weigh")
    tab.wait_for_selector("#ranking")
    tab.wait_for_selector("#funnel")  # the funnel per strategy, as a picture
    tab.wait_for_function(
        "document.getElementById('funnel').complete && document.getElementById('funnel').naturalWidth > 0"
    )
    assert tab.is_visible("#few-worlds")  # one draw: said before the answer
    result = tab.inner_text("#experiment")
    assert "join the citywide association as an open caucus" in result
    assert "close members of Citywide Tenants Association" in result  # the outcomes name her organizations
    assert _visible_keys(result) == [], result
    tab.wait_for_function(
        "[...document.querySelectorAll('#experiment img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    tab.screenshot(path=str(shots / "result.png"), full_page=True)
    tab.locator("#funnel").screenshot(path=str(shots / "funnel.png"))
    run = tab.text_content("#run-status").rpartition(" stored as ")[2]
    tab.click(f'#experiments button[data-open="{run}"]')  # the run, opened again from the store
    tab.wait_for_selector("#experiment svg polyline.series", state="attached")
    again = tab.inner_text("#experiment")
    assert "stay independent and organize building by building" in again and "Eastside Tenants' Caucus" in again
    assert _visible_keys(again) == [], again

    # the field as a file: lever check passes it, and it holds no word of the built-ins
    tab.click('nav button[data-tab="build"]')
    with tab.expect_download() as download:
        tab.click("#download-toml")
    path = tmp_path / "tenants.toml"
    download.value.save_as(path)
    text = path.read_text()
    assert [w for w in HISTORY if w in text.lower()] == []
    from typer.testing import CliRunner

    from lever.cli.main import app

    checked = CliRunner().invoke(app, ["check", str(path)])
    assert checked.exit_code == 0 and "valid" in checked.output, checked.output


def _error_at(tab, path: str) -> str:
    _checked(tab)
    return tab.inner_text(f'#form [data-path="{path}"] > .error')


def test_a_value_out_of_bounds_is_a_sentence_beside_its_field(tab):
    _new_field(tab)
    _open(tab, "#full-form")
    _change(tab, '[aria-label="dynamics.gravity"]', "9")
    assert _error_at(tab, "dynamics.gravity") == "Must be at most 5 (it is 9)."


def test_a_value_of_the_wrong_type_is_a_sentence_beside_its_field(tab):
    _new_field(tab)
    _open(tab, "#full-form")
    _open(tab, 'details[data-path="network"]')
    _change(tab, '[aria-label="network.workplace_size"]', "2.5")
    assert _error_at(tab, "network.workplace_size") == "Must be a whole number (it is 2.5)."


def test_unknown_references_are_all_shown_at_once_beside_their_fields(tab, shots):
    _new_field(tab)
    _open(tab, "#full-form")
    _change(tab, '[aria-label="host"]', "nobody")
    _change(tab, '[aria-label="default_strategy"]', "nothing")
    _change(tab, '[aria-label="dynamics.gravity"]', "9")
    assert "'nobody' is not one of the organizations" in _error_at(tab, "host")
    assert "'nothing' is not one of the strategies" in _error_at(tab, "default_strategy")
    _checked(tab)
    assert tab.inner_text("#check-status").startswith("3 problems")
    # the builder shows the broken role beside its own box too
    assert "not one of the organizations" in tab.inner_text('#builder [data-path="host"] > .error')
    tab.screenshot(path=str(shots / "errors.png"))


def test_a_missing_required_field_is_a_sentence_beside_it(tab):
    _new_field(tab)
    _open(tab, "#full-form")
    _open(tab, 'details[data-path="organizations"]')
    _open(tab, 'details[data-path="organizations.group"]')
    _change(tab, '[aria-label="organizations.group.size"]', "")
    assert _error_at(tab, "organizations.group.size") == "This is required: fill it in."


def test_a_new_strategy_from_empty_tables_says_what_it_lacks(tab):
    _new_field(tab)
    _open(tab, "#full-form")
    tab.fill('[aria-label="new key in strategies"]', "picket")
    tab.click('button[data-add="strategies"]')
    tab.fill('[aria-label="new key in strategies.picket.allocation"]', "group")
    tab.click('button[data-add="strategies.picket.allocation"]')
    assert "they must add up to 1" in _error_at(tab, "strategies.picket.allocation")
    _change(tab, '[aria-label="strategies.picket.allocation.group"]', "1")
    _valid(tab)


def test_the_run_and_weigh_tabs_refuse_in_sentences_never_json(tab):
    _new_field(tab)
    tab.click('nav button[data-tab="run"]')
    tab.fill("#steps", "0")
    tab.click("#run")
    tab.wait_for_selector("#run-errors li")
    said = tab.inner_text("#run-errors")
    assert "Steps: Must be at least 1" in said and "{" not in said and "loc" not in said
    assert tab.evaluate("document.getElementById('run-progress').value") == 0
    tab.click('nav button[data-tab="weigh"]')
    tab.fill("#samples", "40")
    tab.click("#weigh")
    tab.wait_for_selector("#weigh-errors li")
    said = tab.inner_text("#weigh-errors")
    assert "ask for fewer draws" in said and "{" not in said
    assert "bad" in tab.get_attribute("#samples", "class")


def test_a_crisis_is_there_only_when_she_says_so(tab):
    _new_field(tab)
    assert tab.evaluate("page.scenario.organizations.larger.disappointment") == []
    tab.check('[aria-label="builder crisis"]')
    _change(tab, '[aria-label="builder crisis depth"]', "0.4")
    _valid(tab)
    assert tab.evaluate("page.scenario.organizations.larger.disappointment[0].level") == 0.4
    tab.uncheck('[aria-label="builder crisis"]')
    _valid(tab)
    assert tab.evaluate("page.scenario.organizations.larger.disappointment") == []


def test_renaming_a_stratum_or_a_strategy_in_the_form_renames_every_mention(tab):
    _new_field(tab)
    _open(tab, "#full-form")
    for table, old, new in (("strata", "everyone", "tenants"), ("strategies", "stay", "stay_out")):
        _open(tab, f'details[data-path="{table}"]')
        _open(tab, f'details[data-path="{table}.{old}"]')
        _change(tab, f'[aria-label="rename {table}.{old}"]', new)
        tab.locator(f'details[data-path="{table}.{old}"] > .entry-tools button', has_text="Rename").click()
    _valid(tab)
    assert tab.evaluate("page.scenario.organizations.larger.kernel") == {"tenants": 0.1}
    assert tab.evaluate("page.scenario.default_strategy") == "stay_out"


def test_two_roles_given_one_key_are_refused_beside_the_key(tab):
    """The builder never merges two organizations into one: a key another role holds is refused
    where it was typed, in a sentence, and the field keeps its three organizations."""
    _new_field(tab)
    _change(tab, '[aria-label="builder host key"]', "assoc")
    _valid(tab)
    _change(tab, '[aria-label="builder rival key"]', "assoc")
    _checked(tab)
    assert tab.inner_text('#builder [data-path="rival"] > .error') == (
        "'assoc' is already the key of the larger organization: give each organization its own key."
    )
    assert tab.evaluate("[page.scenario.host, page.scenario.rival]") == ["assoc", "rival"]
    assert tab.evaluate("Object.keys(page.scenario.organizations)") == ["group", "assoc", "rival"]
    assert tab.input_value('[aria-label="builder rival key"]') == "rival"
    assert tab.inner_text("#check-status").startswith("valid: ")
    _change(tab, '[aria-label="builder group key"]', "our caucus")  # not a key: refused the same way
    _checked(tab)
    assert "cannot be a key" in tab.inner_text('#builder [data-path="group"] > .error')
    assert tab.evaluate("page.scenario.group") == "group"
    _change(tab, '[aria-label="builder stay key"]', "join")  # a strategy's key, likewise
    _checked(tab)
    assert "already the key of the strategy" in tab.inner_text('#builder [data-path="strategies.stay"] > .error')
    assert tab.evaluate("Object.keys(page.scenario.strategies)") == ["stay", "join"]


def test_a_problem_is_said_in_words_never_as_a_path(tab):
    """A problem shown away from its own box says the field in her words, not its path in the
    schema (no 'organizations.larger.kernel.everyone', no 'kernel.everyone')."""
    _new_field(tab)
    _change(tab, '[aria-label="builder close share"]', "2")
    _checked(tab)
    assert (
        tab.inner_text('#builder [data-path="organizations.larger.kernel"] > .error') == "Must be at most 1 (it is 2)."
    )
    tab.click('nav button[data-tab="run"]')
    tab.fill("#steps", "")
    tab.click("#run")
    tab.wait_for_selector("#run-errors li")
    said = tab.inner_text("#run-errors")
    assert said == ("The larger organization, members close to your group's views: Must be at most 1 (it is 2). "
                    "(fix it on Build a field)")  # fmt: skip
    assert not re.search(r"\w\.\w|everyone|_", said), said


def test_removing_every_strategy_is_said_in_the_builder_and_a_new_one_mends_it(tab):
    """The builder shows which strategy a run starts with, so a problem with it is said there
    (not only in the folded form); a strategy added after none becomes it."""
    _new_field(tab)
    for key in ("stay", "join"):
        tab.click(f'button[data-remove-strategy="{key}"]')
    _checked(tab)
    assert tab.inner_text('#builder [data-path="default_strategy"] > .error') == (
        "None is chosen: choose one of the strategies (they are: none yet)."
    )
    tab.fill('[aria-label="builder new strategy key"]', "march")
    tab.click("#builder-add-strategy")
    _valid(tab)
    assert tab.evaluate("page.scenario.default_strategy") == "march"
