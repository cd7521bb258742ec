"""``lever theses`` on the command line."""

from __future__ import annotations

import pytest
from fields import tiny
from typer.testing import CliRunner

from lever.cli.main import app
from lever.model.loading import to_toml

runner = CliRunner()


def test_one_thesis_prints_its_line_and_writes_the_report(tmp_path):
    field = tmp_path / "tiny.toml"
    field.write_text(to_toml(tiny()))
    out = tmp_path / "out"  # not the scenario's folder: Lever writes only into a folder of its own
    args = ["theses", "--only", "8", "--replications", "1", "--jobs", "1", "--scenario", str(field), "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "8. Form and declaration" in result.output
    assert (out / "theses.html").is_file() and (out / "thesis8.png").is_file()


@pytest.mark.parametrize("args", [["--only", "9"], ["--only", "x"], ["--only", "0,2"], ["--replications", "0"]])
def test_bad_arguments_exit_2(args, tmp_path):
    result = runner.invoke(app, ["theses", *args, "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


UNION_LOCAL = """
name = "union-local"
title = "A reform caucus in a union local"
horizon_weeks = 10.0
group = "caucus"
host = "local"
rival = "old_guard"
default_strategy = "outside"

[labels]
kernel = "militants"
won = "militants holding the caucus's views"
axes = [{ name = "militancy", low = "accommodating", high = "militant" },
        { name = "independence", low = "loyal to the leadership", high = "independent" }]

[strata.shop_floor]
receptivity = 1.0
[strata.office]
receptivity = 0.7

[organizations.local]
name = "Local 512"
size = 300.0
persons_per_agent = 1.0
platform = [0.5, 0.5]
spread = 0.15
homogeneity = 0.2
strata = { shop_floor = 0.7, office = 0.3 }
kernel = { shop_floor = 0.3 }

[organizations.old_guard]
name = "the old guard"
size = 60.0
persons_per_agent = 1.0
platform = [0.8, 0.1]
spread = 0.05
homogeneity = 0.9
committed = 0.4
strata = { shop_floor = 1.0 }

[organizations.caucus]
name = "the reform caucus"
size = 8.0
persons_per_agent = 1.0
platform = [0.9, 0.9]
spread = 0.03
homogeneity = 0.9
committed = 1.0
strata = { shop_floor = 1.0 }

[unorganized]
size = 400.0
persons_per_agent = 4.0
platform = [0.4, 0.5]
spread = 0.2
strata = { shop_floor = 0.6, office = 0.4 }

[strategies.outside]
description = "organize from outside the local's meetings"
allocation = { caucus = 1.0 }

[strategies.inside]
description = "work inside the local as a declared caucus"
allocation = { local = 1.0 }
press = "host"

[[uncertainties]]
path = "dynamics.gravity"
low = 0.5
high = 2.0
label = "gravity"
"""


def test_a_thesis_runs_on_a_field_that_is_not_britain(tmp_path):
    field = tmp_path / "union.toml"
    field.write_text(UNION_LOCAL)
    args = [
        "theses",
        "--only",
        "4",
        "--replications",
        "1",
        "--jobs",
        "1",
        "--scenario",
        str(field),
        "--out",
        str(tmp_path / "out"),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "4. Inside vs outside" in result.output
    runs = __import__("pandas").read_parquet(tmp_path / "out" / "theses_runs.parquet")
    assert set(runs["strategy"]) == {"enter", "outside"}
    # twenty draws in two looks of ten: the second only where the first did not decide it, and the
    # line says which
    draws = runs["draw"].nunique()
    assert len(runs) == 2 * draws and draws in (10, 20)
    assert ("decided at the first look, on 10 of its 20 draws" in result.output) == (draws == 10)


def test_a_field_without_a_rival_gets_one_line_naming_the_thesis_and_the_role(tmp_path):
    field = tmp_path / "union.toml"
    field.write_text(UNION_LOCAL.replace('rival = "old_guard"\n', ""))
    result = runner.invoke(app, ["theses", "--only", "4", "--scenario", str(field), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stderr.strip().splitlines() == [
        f'error: {field}: thesis 4 (Inside vs outside) needs a rival (rival = "<organization key>": where the'
        " disappointed go if not to the group); the field declares none"
    ]
    assert not (tmp_path / "out").exists()


def test_theses_a_field_cannot_run_are_skipped_in_one_line_each(tmp_path):
    from lever.model.loading import load
    from lever.theses.job import THESES, needs

    field = tmp_path / "union.toml"
    field.write_text(UNION_LOCAL.replace('rival = "old_guard"\n', ""))
    base = load(field)
    lacking = [t.number for t in THESES if needs(base, t)]
    assert lacking == [2, 4, 7]  # 2 needs a stratum to win; 4 and 7 a rival
