"""The record: the built-in one reads, and a bad file ends in one line naming the file and the field."""

from __future__ import annotations

import datetime as dt

import pytest

from lever.calibration.record import RecordError, check_against, load_record, step_of
from lever.model.loading import load

GOOD = """name = "r"
[[figures]]
series = "size_ilp"
date = "1933-10-01"
value = 10000.0
sd = 1500.0
source = "somewhere"
"""


def test_the_built_in_record_holds_the_figures_of_model_md():
    rec = load_record("britain")
    values = {(f.series, f.date.year): f.value for f in rec.figures}
    assert values[("size_ilp", 1932)] == 16773.0
    assert values[("size_ilp", 1933)] == 10000.0
    assert values[("size_labour", 1935)] == 419300.0
    assert values[("size_cpgb", 1939)] == 17750.0
    assert values[("group_members", 1934)] in (30.0, 60.0)
    assert all(f.source and f.sd > 0 for f in rec.figures)
    check_against(rec, load("britain-1932"), "britain")


def test_a_date_falls_on_the_step_of_its_week():
    sc = load("britain-1932")
    assert step_of(sc, dt.date(1932, 7, 31)) == 0.0
    assert step_of(sc, dt.date(1933, 10, 1)) == 61.0


@pytest.mark.parametrize(("change", "field", "problem"), [
    (("value = 10000.0", "value = -1.0"), "figures.0.value", "greater than or equal to 0"),
    (("sd = 1500.0", "sd = 0.0"), "figures.0.sd", "greater than 0"),
    (('date = "1933-10-01"', 'date = "October 1933"'), "figures.0.date", "date"),
    (('series = "size_ilp"', 'series = "members"'), "figures.0.series", "not a series"),
    (('source = "somewhere"', 'sauce = "x"'), "figures.0", ""),
])  # fmt: skip
def test_a_bad_figure_is_named_with_its_file_and_field(tmp_path, change, field, problem):
    path = tmp_path / "rec.toml"
    path.write_text(GOOD.replace(*change))
    with pytest.raises(RecordError) as err:
        load_record(path)
    assert str(err.value).startswith(f"{path}: {field}")
    assert problem in str(err.value)


def test_malformed_toml_and_a_missing_file_are_said_in_one_line(tmp_path):
    path = tmp_path / "rec.toml"
    path.write_text("name = ")
    with pytest.raises(RecordError, match="malformed TOML"):
        load_record(path)
    with pytest.raises(RecordError, match="no such file"):
        load_record(tmp_path / "none.toml")


def test_a_series_the_scenario_lacks_is_named(tmp_path):
    path = tmp_path / "rec.toml"
    path.write_text(GOOD.replace('"size_ilp"', '"size_sdf"'))
    with pytest.raises(RecordError, match=r"figures\.0\.series: 'size_sdf' is not a series of britain-1932"):
        check_against(load_record(path), load("britain-1932"), str(path))


def test_a_figure_says_whether_it_was_read_or_is_a_prior(tmp_path):
    path = tmp_path / "rec.toml"
    path.write_text(GOOD.replace('source = "somewhere"', 'source = "somewhere"\nbasis = "prior"'))
    assert load_record(path).figures[0].prior
    path.write_text(GOOD.replace('source = "somewhere"', 'source = "somewhere"\nbasis = "guess"'))
    with pytest.raises(RecordError, match="figures.0.basis"):
        load_record(path)
    assert not load_record("britain").figures[0].prior
    assert {f.basis for f in load_record("france").figures} == {"read", "prior"}
