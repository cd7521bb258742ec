"""The shared clock: kernel output to history, and the run/stop rules."""

from __future__ import annotations

import numpy as np
import pytest

from lever.classic.network import complete
from lever.classic.sweeps import as_network, fill_records
from lever.classic.voter import Voter


def test_fill_records_whole_and_partial_sweeps():
    rec = np.array([5, 6, 7, 8])
    elapsed, times, out, hit = fill_records(10, 30, -1, 3, rec)
    assert elapsed == 3.0 and times.tolist() == [1, 2, 3] and out.tolist() == [5, 6, 7]
    assert hit is None
    elapsed, times, out, hit = fill_records(10, 25, 25, 3, rec)  # stopped inside sweep 3
    assert elapsed == 2.5 and times.tolist() == [1, 2, 2.5] and out.tolist() == [5, 6, 7]
    assert hit == 2.5


def test_run_chunks_add_up_and_negative_is_refused():
    a = Voter(network=100, rng=1).run(3).run(4)
    assert a.time == 7 and a.times.tolist() == list(range(8))
    with pytest.raises(ValueError):
        a.run(-1)


def test_record_off_keeps_only_the_start():
    m = Voter(network=100, rng=1, record=False).run(10)
    assert m.times.tolist() == [0.0] and m.series.shape == (1,)


def test_as_network():
    assert as_network(5).is_complete and as_network(complete(4)).n == 4
