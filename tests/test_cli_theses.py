"""``lever theses`` on the command line."""

from __future__ import annotations

import pytest
from fields import tiny
from typer.testing import CliRunner

from lever.cli import app
from lever.scenarios import to_toml

runner = CliRunner()


def test_one_thesis_prints_its_line_and_writes_the_report(tmp_path):
    field = tmp_path / "tiny.toml"
    field.write_text(to_toml(tiny()))
    args = ["theses", "--only", "8", "--replications", "1", "--jobs", "1", "--scenario", str(field), "--out", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "8. Form and declaration" in result.output
    assert (tmp_path / "theses.html").is_file() and (tmp_path / "thesis8.png").is_file()


@pytest.mark.parametrize("args", [["--only", "9"], ["--only", "x"], ["--only", "0,2"], ["--replications", "0"]])
def test_bad_arguments_exit_2(args, tmp_path):
    result = runner.invoke(app, ["theses", *args, "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_a_field_without_the_theses_organizations_is_one_clean_line(tmp_path):
    field = tmp_path / "other.toml"
    sc = tiny()
    data = sc.model_dump(mode="json")
    data["host"] = "labour"
    data["organizations"]["labour"]["persons_per_agent"] = 1.0  # a host is held person by person
    from lever.scenarios import to_toml, validate

    field.write_text(to_toml(validate(data, "t")))
    result = runner.invoke(app, ["theses", "--only", "8", "--scenario", str(field), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "host 'ilp'" in result.output and "Traceback" not in result.output
