"""The posterior file: read back exactly, bad files refused by name, and weigh drawing from it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fields import tiny

from lever.calibration import read_posterior
from lever.experiments.design import Design
from lever.model.loading import ScenarioError

GRAVITY, TRUST = "dynamics.gravity", "dynamics.trust_inside"


def test_a_posterior_file_is_read_back_exactly(tmp_path):
    frame = pd.DataFrame({GRAVITY: [0.1 + 0.2, 1 / 3]})
    frame.to_csv(tmp_path / "p.csv", index=False, float_format="%.17g")
    pd.testing.assert_frame_equal(read_posterior(tmp_path / "p.csv", tiny()), frame, check_exact=True)


@pytest.mark.parametrize(("text", "problem"), [
    ("dynamics.gravity\nhigh\n", "dynamics.gravity: not a column of numbers"),
    ("dynamics.gravity\n", "holds no draws"),
    ("", "cannot read as CSV"),
    ("dynamics.gravity\ninf\n", "dynamics.gravity: holds a value that is not a finite number"),
])  # fmt: skip
def test_a_bad_posterior_file_is_named(tmp_path, text, problem):
    path = tmp_path / "p.csv"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        read_posterior(path, tiny())
    assert str(err.value).startswith(str(path)) and problem in str(err.value)


def test_weigh_draws_the_posterior_paths_from_the_posterior_and_the_rest_from_the_prior():
    field = tiny()
    posterior = pd.DataFrame({GRAVITY: [0.6, 0.7, 0.8]})
    prior = Design(field, samples=16, replications=1, seed=5).draws()
    drawn = Design(field, samples=16, replications=1, seed=5, posterior=posterior).draws()
    assert set(drawn[GRAVITY]) <= {0.6, 0.7, 0.8}
    others = [c for c in prior.columns if c != GRAVITY]
    pd.testing.assert_frame_equal(drawn[others], prior[others], check_exact=True)


def test_weigh_keeps_a_posterior_draw_whole():
    field = tiny()
    posterior = pd.DataFrame({GRAVITY: [0.6, 0.9], TRUST: [0.75, 0.95]})
    drawn = Design(field, samples=20, replications=1, seed=1, posterior=posterior).draws()
    pairs = set(zip(drawn[GRAVITY], drawn[TRUST], strict=True))
    assert pairs <= {(0.6, 0.75), (0.9, 0.95)}
    assert np.isfinite(drawn.to_numpy()).all()
