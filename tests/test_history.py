"""History as a regression: britain-1933 run from October 1933 to October 1935.

The record (src/lever/calibration/records/record-britain.toml, sources in docs/SOURCES.md) gives for 1935 an
ILP of 4,000 to under 5,000 members (awl-ilp, mates-ilp) and a CPGB near 6,500 (commonly cited). The ILP's deepening crisis (its disappointment schedule) and the CPGB's attraction
were calibrated to these 1935 sizes, so this is a calibration check that guards the model
against drifting from the record, not an out-of-sample prediction.
"""

from __future__ import annotations

import numpy as np
import pytest

import lever

SEEDS = range(4)


@pytest.fixture(scope="module")
def runs():
    field = lever.load("britain-1933")
    return [lever.simulate(field, seed=s).series for s in SEEDS]


@pytest.fixture(scope="module")
def last_weeks(runs):
    return [s.iloc[-1] for s in runs]


def test_the_ilp_falls_from_the_start(runs):
    """The ILP fell throughout: 16,773 (1932), ~10,000 (October 1933), 4,000-4,900 (1935)
    (cohen2007, trotsky1933lever, awl-ilp and mates-ilp in docs/SOURCES.md). Under the default strategy its median size over seeds never rises above
    its size at week 0: the start is settled (nobody begins where they would leave at once)
    and its members' satisfaction already carries the crisis."""
    sizes = np.array([s["size_ilp"].to_numpy() for s in runs])
    assert np.all(np.median(sizes, axis=0) <= sizes[0, 0])


def test_the_ilp_ends_in_its_recorded_1935_range(last_weeks):
    """ILP, 1935: 4,000-4,900 members (awl-ilp, mates-ilp in docs/SOURCES.md); the median over seeds must lie there."""
    assert 4000 <= np.median([w["size_ilp"] for w in last_weeks]) <= 4900


def test_the_cpgb_ends_near_its_recorded_1935_size(last_weeks):
    """CPGB, 1935: ~6,500 members (pelling1958, thorpe2000 in docs/SOURCES.md: commonly cited); within 10% (the record is itself rounded)."""
    assert np.median([w["size_cpgb"] for w in last_weeks]) == pytest.approx(6500, rel=0.10)


def test_labour_grows_toward_its_1935_size(last_weeks):
    """Labour, individual members: 371,600 (1932) -> 419,300 (1935); the model grows it
    without reaching past the record."""
    median = np.median([w["size_labour"] for w in last_weeks])
    assert 371_600 < median <= 419_300
