"""Every number of every built-in field and record says where it comes from, and every work it
cites is in the bibliography (docs/references.bib, docs/SOURCES.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lever.calibration.record import BUILTIN, load_record
from lever.model.citations import cited, is_sourced, source_texts, unsourced, unsourced_record
from lever.model.loading import builtin_names, load, with_values

DOCS = Path(__file__).resolve().parents[2] / "docs"
FIELDS = builtin_names()
RECORDS = sorted(BUILTIN)


def _bib() -> dict[str, str]:
    """Each entry of docs/references.bib by key: its text up to the next entry."""
    text = (DOCS / "references.bib").read_text()
    starts = list(re.finditer(r"^@(\w+)\{([^,\s]+),", text, re.M))
    ends = [m.start() for m in starts[1:]] + [len(text)]
    return {m.group(2): text[m.start() : end] for m, end in zip(starts, ends, strict=True)}


def test_the_built_ins_are_found():
    assert {"britain-1933", "britain-1932", "france-1934"} <= set(FIELDS) and RECORDS == ["britain", "france"]


@pytest.mark.parametrize("name", FIELDS)
def test_every_number_of_a_built_in_field_has_a_source(name):
    assert unsourced(load(name)) == []


@pytest.mark.parametrize("name", RECORDS)
def test_every_figure_of_a_built_in_record_has_a_source(name):
    assert unsourced_record(load_record(name)) == []


def test_the_count_sees_a_missing_source():
    """The count can fail: one source taken away (or left without its reason, or without a
    key) is one number unsourced; a number in a table with no sources at all is counted."""
    sc = load("britain-1933")
    gone = {k: v for k, v in sc.dynamics.sources.items() if k != "gravity"}
    assert unsourced(sc.model_copy(update={"dynamics": sc.dynamics.model_copy(update={"sources": gone})})) == [
        "dynamics.gravity"
    ]
    bare = {**sc.dynamics.sources, "gravity": "assumption"}
    assert unsourced(sc.model_copy(update={"dynamics": sc.dynamics.model_copy(update={"sources": bare})})) == [
        "dynamics.gravity"
    ]
    network = sc.network.model_copy(update={"sources": {}})
    assert unsourced(sc.model_copy(update={"network": network})) == [
        "network.workplace_size", "network.workplace_ties", "network.random_ties", "network.branch_talk",
        "network.branch_sorting"
    ]  # fmt: skip
    record = load_record("britain")
    figure = record.figures[3].model_copy(update={"source": "under 2,500 in 1930 (a brief not in the repository)"})
    figures = [*record.figures[:3], figure, *record.figures[4:]]
    assert unsourced_record(record.model_copy(update={"figures": figures})) == ["figures.3.value"]


def test_a_source_cites_a_key_or_gives_its_assumption_a_reason():
    text = "16,773 [@cohen2007, Introduction; @awl-ilp] and [@upham1980]"
    assert cited(text) == ["cohen2007", "awl-ilp", "upham1980"]
    assert cited("mail me at someone@example.org") == []
    assert is_sourced("assumption: a reason") and is_sourced("assumption, sampled below (0-1): a reason")
    assert not is_sourced("assumption") and not is_sourced("assumption, sampled below")
    assert not is_sourced("the Labour Party annual report") and is_sourced("the report [@labour-reports]")


@pytest.mark.parametrize("name", [*FIELDS, *(f"record:{r}" for r in RECORDS)])
def test_every_source_text_cites_the_bibliography_or_is_an_assumption(name):
    """Not only the numbers' sources: every ``sources`` entry and every record figure's source
    cites a key that docs/references.bib holds, or is an assumption with its reason."""
    model = load_record(name.removeprefix("record:")) if name.startswith("record:") else load(name)
    bib = _bib()
    texts = list(source_texts(model))
    assert texts
    assert [(path, text) for path, text in texts if not is_sourced(text)] == []
    assert [(path, key) for path, text in texts for key in cited(text) if key not in bib] == []
    if name.startswith("record:"):
        assert all(cited(fig.source) for fig in model.figures)  # a figure of history is never an assumption


@pytest.mark.parametrize("name", FIELDS)
def test_what_a_source_calls_sampled_is_what_the_uncertainties_sample(name):
    """A source that says "sampled below" names a field the uncertainties range over, and a
    field they range over says so in its source (a sampled field cites its range's argument)."""
    sc = load(name)
    sampled = [u.path for u in sc.uncertainties]
    for path, text in source_texts(sc):
        field = path.replace("sources.", "")
        ranged = any(p == field or p.startswith(field + ".") for p in sampled)
        assert ("sampled below" in text) == ranged, (field, text)


def test_the_bibliography_gives_author_title_year_and_a_locator_for_every_entry():
    for key, entry in _bib().items():
        for field in ("title", "year"):
            assert re.search(rf"^\s*{field}\s*=", entry, re.M), (key, field)
        assert re.search(r"^\s*(author|editor)\s*=", entry, re.M), key
        assert re.search(r"^\s*(pages|chapter|note)\s*=", entry, re.M), key  # where in the work, or why not


def test_sources_md_lists_every_entry_of_the_bibliography_and_no_other():
    listed = set(re.findall(r"^- `([^`]+)`", (DOCS / "SOURCES.md").read_text(), re.M))
    assert listed == set(_bib())


def test_no_built_in_cites_the_brief_that_is_not_in_the_repository():
    root = Path(__file__).resolve().parents[2]
    hits = [str(p) for folder in ("src", "docs") for p in (root / folder).rglob("*")
            if p.is_file() and p.suffix in {".py", ".toml", ".md", ".bib", ".html", ".js"}
            and "MODEL" + ".md" in p.read_text(errors="replace")]  # fmt: skip
    assert hits == []


def test_a_sampled_value_keeps_its_source():
    sc = with_values(load("britain-1933"), {"dynamics.gravity": 1.5})
    assert sc.dynamics.gravity == 1.5 and unsourced(sc) == []
