"""The mechanisms of issue 11 (capitulation, gagging, branding, demoralisation, rebuilding,
splits over the step, the prestige of a declaration), every one switched off, give the series
of the issue-10 engine bit for bit (stored by ``tests/data/make_regression.py``); and britain-1933
with the mechanisms it runs, which has no opening (issue 24), its branches alike, gives the series stored at 84743aa
(``tests/data/make_regression.py mechanisms``), its exits through ties on leaving's tied path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lever.model.loading import with_values
from lever.sim.engine import simulate
from lever.store.experiment import RENAMED_COLUMNS

DATA = Path(__file__).resolve().parents[1] / "data"
STORED = np.load(DATA / "regression-issue10.npz")

#: every mechanism added since the stored series, at its "off" value
OFF = {
    "dynamics.capitulation": 0.0,
    "dynamics.gag": 0.0,
    "dynamics.branding": 0.0,
    "dynamics.demoralisation": 0.0,
    "dynamics.rebuild_weeks": None,
    "dynamics.split_share": 0.0,
    "dynamics.declaration_trust": 0.0,
    # issue 23: relative agreement, strain opening people, anchoring
    "dynamics.relative_agreement": 0.0,
    "dynamics.strain_uncertainty": 0.0,
    "dynamics.anchoring": 0.0,
    # issue 23's second part: reach by agreement, targeting, exit by ties and cascades, leaving for
    # somewhere nearer, encapsulation, homophily
    "dynamics.recruit_by_agreement": False,
    "dynamics.targeting": 0.0,
    "dynamics.exit_ties": 0.0,
    "dynamics.exit_cascade": 0.0,
    "dynamics.nearer_gravity": None,
    "dynamics.encapsulation": 0.0,
    "dynamics.homophily": 0.0,
    # issue 24: branches that differ in views (and entrants placed by them); campaigns that recruit
    # through their members (read only under an opening, which britain-1933 has none of)
    "network.branch_sorting": 0.0,
    "dynamics.member_recruitment": 0.0,
}


def _stored_field():
    """britain-1933 as the stored series were made of it (tests/data/make_regression.py)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_regression", DATA / "make_regression.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.field()


FIELD = with_values(_stored_field(), OFF, "regression")


@pytest.mark.parametrize("name", [*FIELD.strategies, "twin"])
def test_every_new_mechanism_off_gives_the_stored_series_bit_for_bit(name):
    twin = name == "twin"
    series = simulate(FIELD, None if twin else name, seed=3, steps=60, twin=twin).series
    # the stored names as issue 10 wrote them; two were renamed since (issue 26), values unchanged
    columns = [RENAMED_COLUMNS.get(str(c), str(c)) for c in STORED[f"{name}.columns"]]
    got = series[columns].to_numpy(np.float64)  # columns added since are not compared
    want = STORED[name]
    assert got.shape == want.shape
    assert np.array_equal(got, want, equal_nan=True), (
        f"{name}: first differing column {columns[int(np.argmax((got != want).any(axis=0)))]}"
    )


MECHANISMS = np.load(DATA / "regression-mechanisms.npz")


#: britain-1933 with its mechanisms, less what issue 24 added since (its branches' sorting)
ON = with_values(_stored_field(), {"network.branch_sorting": 0.0}, "regression")


@pytest.mark.parametrize("name", [*ON.strategies, "twin"])
def test_britain_1933_with_its_mechanisms_gives_the_series_stored_before_the_openings(name):
    """britain-1933 runs issue 23's mechanisms (exits through ties on the tied path among them) and
    has no opening: what issue 24 added, off (its branches alike), must leave its series as 84743aa
    stored them."""
    assert str(MECHANISMS["commit"]).startswith("84743aa")
    twin = name == "twin"
    series = simulate(ON, None if twin else name, seed=3, steps=60, twin=twin).series
    columns = [str(c) for c in MECHANISMS[f"{name}.columns"]]
    got, want = series[columns].to_numpy(np.float64), MECHANISMS[name]
    assert got.shape == want.shape
    assert np.array_equal(got, want, equal_nan=True), (
        f"{name}: first differing column {columns[int(np.argmax((got != want).any(axis=0)))]}"
    )
