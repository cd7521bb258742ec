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
    """A Morris and a Sobol exploration of the tiny field over three uncertainties, two steps."""
    folder = tmp_path_factory.mktemp("sens")
    field = folder / "tiny.toml"
    field.write_text(to_toml(tiny()))
    store = folder / "store"
    fixed = [u.path for u in tiny().uncertainties][3:]
    sets = [a for p in fixed for a in ("--set", f"{p}={_middle(p)}")]
    for sampler, samples in (("sobol", "2"), ("morris", "2")):
        args = ["explore", str(field), "--sampler", sampler, "--samples", samples, "--steps", "2", "--jobs", "1",
                "--strategies", "outside,enter_ilp_faction", "--store", str(store), *sets]  # fmt: skip
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
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
