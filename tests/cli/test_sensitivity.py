"""``lever sensitivity`` on an exploration in the store: indices printed, written and drawn."""

from __future__ import annotations

import pandas as pd
import pytest
from fields import tiny
from typer.testing import CliRunner

from lever.cli.main import app
from lever.model.loading import to_toml
from lever.store import experiments

runner = CliRunner()


@pytest.fixture(scope="module")
def explored(tmp_path_factory):
    """A Morris, a Sobol and a (too small) Latin-hypercube exploration of the tiny field over three
    uncertainties, two steps."""
    folder = tmp_path_factory.mktemp("sens")
    field = folder / "tiny.toml"
    field.write_text(to_toml(tiny()))
    store = folder / "store"
    fixed = [u.path for u in tiny().uncertainties][3:]
    sets = [a for p in fixed for a in ("--set", f"{p}={_middle(p)}")]
    for sampler, samples in (("sobol", "2"), ("morris", "2"), ("lhs", "4")):
        args = ["explore", str(field), "--sampler", sampler, "--samples", samples, "--steps", "2", "--jobs", "1",
                "--strategies", "outside,enter_ilp_faction", "--store", str(store), *sets]  # fmt: skip
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        # said before the runs: four draws are too few for what a Latin hypercube is read by
        assert ("reads a Latin hypercube of at least 16" in result.stderr) == (sampler == "lhs")
    return store, {e.spec["sampler"]: e.name for e in experiments(store)}


def _middle(path: str) -> float:
    u = next(u for u in tiny().uncertainties if u.path == path)
    return (u.low + u.high) / 2


@pytest.mark.parametrize(("sampler", "first", "second"), [("sobol", "S1", "ST"), ("morris", "μ*", "σ")])
def test_sensitivity_prints_both_indices_per_uncertainty_and_writes_them(explored, sampler, first, second):
    store, names = explored
    result = runner.invoke(app, ["sensitivity", names[sampler], "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert first in result.output and second in result.output and "enter_ilp_faction" in result.output
    folder = store / names[sampler]
    table = pd.read_parquet(folder / "sensitivity.parquet")
    assert {"outcome", "difference"} <= set(table["target"])
    assert table["parameter"].nunique() == 3
    assert (folder / "sensitivity-newly_won.png").read_bytes()[:4] == b"\x89PNG"
    if sampler == "sobol":  # two base samples cannot give Sobol indices worth reading: it says so
        assert "too few for this outcome" in result.stderr


def test_sensitivity_of_a_missing_experiment_is_one_line(explored):
    store, _ = explored
    result = runner.invoke(app, ["sensitivity", "nosuch", "--store", str(store)])
    assert result.exit_code == 2 and "nosuch" in result.output


def test_sensitivity_refuses_a_latin_hypercube_of_too_few_draws_at_once(explored):
    """Four draws give RBD-FAST no harmonic: it used to answer every index 0 after minutes."""
    store, names = explored
    result = runner.invoke(app, ["sensitivity", names["lhs"], "--store", str(store)])
    assert result.exit_code == 2, result.output
    assert "4 draws; RBD-FAST needs at least 16" in result.output and "--samples 16" in result.output
    assert not (store / names["lhs"] / "sensitivity.parquet").exists()


def test_sensitivity_reports_its_progress_target_by_target(explored):
    from lever.analysis.sensitivity import from_experiment
    from lever.store import Experiment

    store, names = explored
    heard: list[tuple[int, int]] = []
    table = from_experiment(Experiment.read(store, names["morris"]), baseline="outside",
                            progress=lambda done, total: heard.append((done, total)))  # fmt: skip
    # each outcome of the two strategies, and of the one difference against outside
    assert heard and heard[-1][0] == heard[-1][1] and [d for d, _ in heard] == list(range(1, len(heard) + 1))
    assert heard[-1][1] % 3 == 0 and not table.empty
