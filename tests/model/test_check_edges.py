"""``lever check`` and the loader end in one line on what they cannot take: TOML too deep or
with too many digits, an edge list that is not a regular file; check's work grows with the
uncertainties' number, not its square."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from lever.cli.main import app
from lever.model import loading as scenarios
from lever.model.loading import ScenarioError, check_scenario, parse, to_toml, with_values
from lever.model.scenario import Uncertainty


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def _one_line(result, *needles):
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize("text", ["x = " + "[" * 5000 + "]" * 5000, "x = " + "9" * 5000])
def test_toml_the_loader_cannot_take_is_one_line_naming_the_file(runner, tmp_path, text):
    path = tmp_path / "deep.toml"
    path.write_text(text)
    _one_line(runner.invoke(app, ["check", str(path)]), str(path), "malformed TOML")
    with pytest.raises(ScenarioError):
        parse(text, "x")


@pytest.mark.parametrize("value", ["[" * 5000 + "]" * 5000, "9" * 5000])
def test_a_set_value_the_loader_cannot_take_is_one_line(runner, value):
    _one_line(runner.invoke(app, ["check", "britain-1933", "--set", f"dynamics.gravity={value}"]), "dynamics.gravity")


def test_an_edges_file_that_is_a_pipe_is_refused_not_waited_on(runner, tiny, tmp_path):
    fifo = tmp_path / "edges.txt"
    os.mkfifo(fifo)
    path = tmp_path / "field.toml"
    path.write_text(to_toml(with_values(tiny, {"network.edges": str(fifo)})))
    _one_line(runner.invoke(app, ["check", str(path)]), "not a regular file")


def test_check_validates_each_end_on_a_field_that_does_not_grow_with_the_uncertainties(tiny, monkeypatch):
    """Linear in the uncertainties: each end is validated on the field without them, and
    without the crises, organs and strategies it cannot touch (which a field of many
    uncertainties grows with), so each check costs the same however many there are."""
    crises = [{"start_week": 0.0, "end_week": 10.0, "level": 0.1}] * 20
    many = [{"path": f"organizations.host.disappointment.{k}.level", "low": 0.0, "high": 0.2} for k in range(20)]
    many += [{"path": "organs.host_paper.openness", "low": 0.1, "high": 0.2}]
    field = with_values(tiny, {"organizations.host.disappointment": crises, "uncertainties": many})
    seen = []
    real = scenarios.validate

    def counting(data, source):
        orgs = data["organizations"].values()
        seen.append((len(data["uncertainties"]), sum(len(o["disappointment"]) for o in orgs), len(data["organs"]),
                     len(data["strategies"])))  # fmt: skip
        return real(data, source)

    monkeypatch.setattr(scenarios, "validate", counting)
    check_scenario(field, "tiny")
    assert len(seen) == 2 * len(many)
    assert all(u == 0 and c <= 1 and o <= 1 and s == 1 for u, c, o, s in seen), seen


def test_check_names_a_bad_end_by_its_own_path(tiny):
    crises = [{"start_week": 0.0, "end_week": 10.0, "level": 0.1}] * 3
    bad = [{"path": "organizations.host.disappointment.2.level", "low": 0.0, "high": 1.5}]
    field = with_values(tiny, {"organizations.host.disappointment": crises})
    field = field.model_copy(update={"uncertainties": [Uncertainty(**bad[0])]})  # as if loaded unchecked
    with pytest.raises(ScenarioError, match=r"organizations\.host\.disappointment\.2\.level: Input should be"):
        check_scenario(field, "tiny")


def test_ctrl_c_while_the_command_loads_is_one_line_and_exit_130(tmp_path):
    before = signal.getsignal(signal.SIGINT)
    code = ("import os, signal, sys, time\nsys.argv[0] = '/bin/lever'\nimport lever\n"
            "os.kill(os.getpid(), signal.SIGINT)\ntime.sleep(30)\n")  # fmt: skip
    # the child gets Ctrl-C's default, as a terminal gives it: a suite started in the background by
    # a script (`./bin/test &`) runs with SIGINT ignored, which a child inherits and Lever respects
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # fmt: skip
    assert done.returncode == 130
    assert done.stderr.strip().splitlines() == ["Stopped (Ctrl-C) before the command began."]
    assert signal.getsignal(signal.SIGINT) is before  # this process: untouched
