"""Batches of runs: reproducibility, measurements and summaries."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lever.classic.batch import Stat, batch, build, summarize
from lever.classic.network import complete


def test_batch_is_reproducible_and_runs_differ():
    a = list(batch("voter", "complete", 100, 5, seed=1))
    b = list(batch("voter", "complete", 100, 5, seed=1))
    assert a == b
    assert len({r["time"] for r in a}) > 1


def test_every_model_measures(tmp_path):
    f = tmp_path / "ring.txt"
    f.write_text("\n".join(f"{i} {(i + 1) % 30}" for i in range(30)))
    for name in ("voter", "deffuant", "hk", "naming-game", "majority", "bass"):
        for net in ("complete", "er:6", "ba:2", str(f)):
            n = None if net == str(f) else 60
            (rec,) = batch(name, net, n, 1, seed=2, length=5)
            assert 0 <= rec["reached"] <= 1


def test_summarize_mean_and_standard_error():
    recs = [{"x": 1.0, "y": math.nan}, {"x": 3.0, "y": 2.0}, {"x": 5.0}]
    s = summarize(recs)
    assert s["x"] == Stat(3.0, pytest.approx(2.0 / np.sqrt(3)), 3)
    assert s["y"].mean == 2.0 and s["y"].count == 1 and math.isnan(s["y"].se)


def test_build_rejects_unknown_model():
    with pytest.raises(KeyError):
        build("ising", complete(10), np.random.default_rng(0))
