"""A probe reads the record's dates off one run, and measures what a historian would check."""

from __future__ import annotations

import math

from fields import tiny_1932

from lever.calibration.probe import Probe
from lever.sim.engine import simulate


def test_a_probe_reads_its_series_at_its_steps_and_measures_plausibility_at_the_horizon():
    field = tiny_1932()
    probe = Probe(
        0, "historical", 0, 0, 7, {"dynamics.gravity": 1.5}, (("size_ilp", 5), ("group_members", 9)), field.steps
    )
    out = probe.run(field).outcomes
    run = simulate(field.model_copy(update={"dynamics": field.dynamics.model_copy(update={"gravity": 1.5})}), seed=7)
    assert out["size_ilp@5"] == run.series["size_ilp"].iat[5]
    assert out["group_members@9"] == run.series["group_members"].iat[9]
    shares = [v for k, v in out.items() if k.startswith("host_from_")]
    assert math.isclose(sum(shares), 1.0)
    assert 0.0 <= out["host_leavers_to_rival_share"] <= 1.0


def test_a_probe_that_stops_before_the_horizon_measures_only_its_figures():
    field = tiny_1932()
    out = Probe(0, "historical", 0, 0, 7, {}, (("size_ilp", 5),), 6).run(field).outcomes
    assert list(out) == ["size_ilp@5"]
