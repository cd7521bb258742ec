"""``lever calibrate`` and ``lever weigh --posterior`` on the command line."""

from __future__ import annotations

import pytest
from fields import tiny, tiny_1932
from typer.testing import CliRunner

from lever.cli.main import app
from lever.model.loading import load, to_toml
from lever.weigh.job import posterior_for

runner = CliRunner()

RECORD = """name = "tiny"
discrepancy = 0.1
[[figures]]
series = "size_ilp"
date = "1932-09-25"
value = 380.0
sd = 30.0
source = "test"
[[figures]]
series = "size_cpgb"
date = "1932-10-23"
value = 200.0
sd = 20.0
source = "test"
[[figures]]
series = "size_ilp"
date = "1933-02-05"
value = 330.0
sd = 30.0
source = "test"
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("calibrate")
    (folder / "field.toml").write_text(to_toml(tiny_1932()))
    (folder / "record.toml").write_text(RECORD)
    (folder / "weigh.toml").write_text(to_toml(tiny()))
    return folder


def _calibrate(files, out, *extra):
    args = ["calibrate", str(files / "field.toml"), "--record", str(files / "record.toml"), "--cutoff", "1932-12-01",
            "--points", "6", "--waves", "2", "--replications", "2", "--predictive", "2", "--jobs", "1",
            "--out", str(out), *extra]  # fmt: skip
    return runner.invoke(app, args)


def test_calibrate_writes_the_posterior_and_a_report_marking_held_out_figures(files, tmp_path):
    result = _calibrate(files, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "calibrate britain-1932: 0/" in result.stderr  # progress, as plain lines off a terminal
    for name in ("posterior.csv", "figures.csv", "calibration.png", "report.md", "provenance.json"):
        assert (tmp_path / "out" / name).is_file()
    report = (tmp_path / "out" / "report.md").read_text()
    assert "| 1933-02-05 | size_ilp | 330 ± 30 | read | **held out** |" in report
    assert "| 1932-09-25 | size_ilp | 380 ± 30 | read | fitted |" in report
    assert "## How this was made" in report and "numba " in report and "Lever " in report  # the build, to cite


@pytest.mark.parametrize(("args", "needle"), [
    (["--cutoff", "January 1934"], "--cutoff: 'January 1934' is not a date"),
    (["--record", "nosuch.toml"], "nosuch.toml: no such file"),
    (["--cutoff", "1932-01-01"], "nothing to fit"),
    (["--executor", "carrier-pigeon"], "--executor"),
])  # fmt: skip
def test_bad_arguments_exit_2_in_one_line(files, tmp_path, args, needle):
    result = _calibrate(files, tmp_path / "out", *args)
    assert result.exit_code == 2, result.output
    assert needle in result.output and "Traceback" not in result.output


def test_a_bad_figure_names_the_record_and_the_field(files, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(RECORD.replace("value = 380.0", "value = -3.0"))
    result = _calibrate(files, tmp_path / "out", "--record", str(bad))
    assert result.exit_code == 2
    assert f"{bad}: figures.0.value" in " ".join(result.output.split())


def test_weigh_from_a_posterior_says_which_uncertainties_it_drew_from_it(files, tmp_path):
    posterior = tmp_path / "posterior.csv"
    posterior.write_text("dynamics.gravity,organizations.cpgb.attraction\n0.7,1.5\n1.4,2.5\n")
    args = ["weigh", str(files / "weigh.toml"), "--samples", "2", "--replications", "1", "--jobs", "1",
            "--posterior", str(posterior), "--out", str(tmp_path / "w")]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    sampled = len(load(str(files / "weigh.toml")).uncertainties)
    assert f"1 of {sampled} uncertainties were drawn from the posterior" in said
    assert "does not sample organizations.cpgb.attraction" in said
    assert "drawn from the posterior" in (tmp_path / "w" / "report.html").read_text()


def test_weigh_reads_its_own_cases_columns_of_a_joint_posterior_and_not_anothers(files, tmp_path):
    """A joint calibration writes each case's facts as ``<field>:<path>``, the shared mechanism
    parameters bare: weigh on one of its fields draws both, and leaves the other case's."""
    field = load(str(files / "weigh.toml"))
    fact = next(u for u in field.uncertainties if not u.path.startswith(("dynamics.", "network.")))
    posterior = tmp_path / "posterior.csv"
    middle = (fact.low + fact.high) / 2
    posterior.write_text(f"dynamics.gravity,{field.name}:{fact.path},other-field:{fact.path}\n0.7,{middle},{middle}\n")
    drawn, unused = posterior_for(posterior, field)
    assert list(drawn.columns) == ["dynamics.gravity", fact.path]
    assert unused == [f"other-field:{fact.path}"]


def test_weigh_refuses_a_posterior_of_nothing_it_samples(files, tmp_path):
    posterior = tmp_path / "posterior.csv"
    posterior.write_text("organizations.cpgb.attraction\n1.5\n")
    args = ["weigh", str(files / "weigh.toml"), "--posterior", str(posterior), "--out", str(tmp_path / "w")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "none of its columns is an uncertainty" in result.output


def test_calibrate_fits_several_cases_together_and_tables_their_hold_out_coverage(files, tmp_path):
    """--case SCENARIO:RECORD:CUTOFF, twice: one report with the cross-case table, a folder per case."""
    other = tiny_1932(name="tiny-b", **{"organizations.ilp.size": 350.0})
    (tmp_path / "b.toml").write_text(to_toml(other))
    args = ["calibrate", "--case", f"{files / 'field.toml'}:{files / 'record.toml'}:1932-12-01",
            "--case", f"{tmp_path / 'b.toml'}:{files / 'record.toml'}:1932-12-01",
            "--points", "6", "--waves", "2", "--replications", "2", "--predictive", "2", "--candidates", "200",
            "--jobs", "1", "--out", str(tmp_path / "out")]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    report = (tmp_path / "out" / "report.md").read_text()
    assert "# Calibration across cases: britain-1932, tiny-b" in report
    assert "## Hold-out coverage, case by case" in report and "| britain-1932 | tiny |" in report
    assert "too few to summarize" in report  # two predictive draws
    for name in ("britain-1932", "tiny-b"):
        assert (tmp_path / "out" / name / "posterior.csv").is_file()
    header = (tmp_path / "out" / "posterior.csv").read_text().splitlines()[0]
    assert "dynamics.join_rate" in header and "tiny-b:organizations.ilp.disappointment.1.level" in header


def test_a_case_that_is_not_scenario_record_cutoff_is_refused(files, tmp_path):
    result = runner.invoke(app, ["calibrate", "--case", "britain-1932:britain", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "not SCENARIO:RECORD:CUTOFF" in result.output


def test_the_commands_budget_defaults_are_the_calibrations():
    """``lever calibrate``'s options default to :class:`Budget`'s numbers (the command does not
    import the calibration's stack until it runs, so it writes them out)."""
    import dataclasses
    import inspect

    from lever.calibration import Budget
    from lever.cli.calibrate import calibrate_command

    options = inspect.signature(calibrate_command).parameters
    for number in dataclasses.fields(Budget):
        assert options[number.name].default == getattr(Budget(), number.name), number.name
