"""History as a regression: britain-1933 run from October 1933 to October 1935.

The record (src/lever/calibration/records/record-britain.toml, sources in docs/SOURCES.md) gives for 1935 an
ILP of 4,000 to under 5,000 members (awl-ilp, mates-ilp) and a CPGB near 6,500 (commonly cited). The ILP's deepening crisis (its disappointment schedule) and the CPGB's attraction
were calibrated to these 1935 sizes under the model before issue 23's mechanisms, so this was a
calibration check, not an out-of-sample prediction; with those mechanisms on, both now miss
(marked below) and are left missing rather than tuned again.
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


#: issue 23: with its mechanisms on, britain-1933 at its point values misses the two 1935 figures its
#: crisis and the CPGB's attraction were tuned to under the old model. They are not tuned again (a
#: value set to reach a figure is not evidence); britain-1932, fitted by `lever calibrate` on the
#: record before 1934, is judged on them out of sample instead (docs/ODD.md, section 11). Strict:
#: a change that brings them back into range must say why.
MISSED_1935 = pytest.mark.xfail(strict=True, reason="issue 23: the ILP ends at ~2,200 (record 4,000-4,900), "
                                "the CPGB at ~5,600 (record ~6,500); not retuned")  # fmt: skip


@MISSED_1935
def test_the_ilp_ends_in_its_recorded_1935_range(last_weeks):
    """ILP, 1935: 4,000-4,900 members (awl-ilp, mates-ilp in docs/SOURCES.md); the median over seeds must lie there."""
    assert 4000 <= np.median([w["size_ilp"] for w in last_weeks]) <= 4900


@MISSED_1935
def test_the_cpgb_ends_near_its_recorded_1935_size(last_weeks):
    """CPGB, 1935: ~6,500 members (pelling1958, thorpe2000 in docs/SOURCES.md: commonly cited); within 10% (the record is itself rounded)."""
    assert np.median([w["size_cpgb"] for w in last_weeks]) == pytest.approx(6500, rel=0.10)


def test_labour_grows_toward_its_1935_size(last_weeks):
    """Labour, individual members: 371,600 (1932) -> 419,300 (1935); the model grows it
    without reaching past the record."""
    median = np.median([w["size_labour"] for w in last_weeks])
    assert 371_600 < median <= 419_300
