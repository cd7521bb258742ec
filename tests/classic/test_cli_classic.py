"""``lever classic`` through a local Typer app (independent of the main CLI module)."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from lever.cli.classic import classic

app = typer.Typer()
app.command()(classic)
runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args))


@pytest.mark.parametrize(
    "args",
    [
        ("voter", "--n", "100", "--runs", "3", "--seed", "1"),
        ("voter", "--n", "100", "--zealots-plus", "2", "--zealots-minus", "1",
         "--max-sweeps", "200", "--seed", "1"),
        ("deffuant", "--n", "200", "--bound", "0.3", "--until-consensus", "--seed", "1"),
        ("hk", "--n", "200", "--epsilon", "0.1", "--until-consensus", "--seed", "1"),
        ("naming-game", "--n", "200", "--committed", "0.2", "--until-consensus", "--seed", "1"),
        ("majority", "--n", "200", "--rho", "0.6", "--runs", "25", "--seed", "1"),
        ("bass", "--n", "5000", "--network", "er:6", "--max-sweeps", "15", "--seed", "1"),
    ],
)  # fmt: skip
def test_models_print_a_table(args):
    res = _run(*args)
    assert res.exit_code == 0, res.output
    assert "statistic" in res.stdout and "runs" in res.stdout


def test_voter_reports_the_reference_and_is_reproducible():
    a = _run("voter", "--n", "100", "--runs", "5", "--seed", "3")
    b = _run("voter", "--n", "100", "--runs", "5", "--seed", "3")
    assert a.stdout == b.stdout
    assert "exact 68.13" in a.stdout and "consensus time" in a.stdout


def test_naming_game_consensus_share():
    res = _run("naming-game", "--n", "300", "--committed", "0.3", "--until-consensus",
               "--max-sweeps", "1000", "--runs", "3", "--seed", "2")  # fmt: skip
    assert res.exit_code == 0
    row = next(line for line in res.stdout.splitlines() if "share reaching" in line)
    assert row.split("│")[2].strip() == "1"


def test_edge_list_file(tmp_path):
    f = tmp_path / "path.csv"
    f.write_text("\n".join(f"{i},{i + 1}" for i in range(49)))
    res = _run("majority", "--network", str(f), "--max-sweeps", "50", "--seed", "1")
    assert res.exit_code == 0, res.output
    assert "n=file" in res.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("ising",), "unknown model"),
        (("voter", "--network", "lattice"), "unknown network"),
        (("voter", "--network", "er:abc"), "bad parameter"),
        (("voter", "--network", "/no/such/file.txt"), "edge-list file not found"),
        (("voter", "--rho", "1.5"), "rho must lie in [0, 1]"),
        (("voter", "--zealots-plus", "800", "--zealots-minus", "800"), "more zealots"),
        (("deffuant", "--mu", "0.9"), "mu must lie"),
        (("hk", "--epsilon", "0"), "epsilon must lie"),
        (("naming-game", "--committed", "2"), "committed must lie"),
        (("bass", "--dt", "5"), "dt must lie"),
        (("voter", "--committed", "0.1"), "--committed does not apply to voter"),
        (("voter", "--runs", "0"), "--runs must be at least 1"),
        (("voter", "--n", "1"), "at least 2 nodes"),
        (("majority", "--n", "2"), "at least 3"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_one_line(args, needle):
    res = _run(*args)
    assert res.exit_code == 2
    assert needle in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert "Traceback" not in res.output


def test_missing_file_with_a_path_like_name(tmp_path):
    res = _run("voter", "--network", str(tmp_path / "gone.txt"))
    assert res.exit_code == 2 and "gone.txt" in res.stderr


def test_out_writes_runs_summary_and_provenance_and_never_overwrites(tmp_path):
    import json

    import pandas as pd

    out = tmp_path / "voter"
    result = _run("voter", "--n", "100", "--runs", "3", "--seed", "1", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out / "runs.csv")) == 3
    record = json.loads((out / "provenance.json").read_text())
    assert (record["model"], record["seed"], record["runs"]) == ("voter", 1, 3) and record["lever_version"]
    assert record["lever_commit"] and set(record["libraries"]) == {"numpy", "numba", "scipy", "pandas", "pydantic"}
    assert json.loads((out / "summary.json").read_text())["time"]["runs"] == 3
    again = _run("voter", "--n", "100", "--runs", "3", "--seed", "1", "--out", str(out))
    assert again.exit_code == 2 and "already holds a result" in again.output
