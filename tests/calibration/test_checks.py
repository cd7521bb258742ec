"""Each figure against the predictive: inside or not, stated from the runs."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from fields import tiny_1932

from lever.calibration.checks import figures_table
from lever.calibration.fit import BEFORE, FITTED, HELD_OUT, Calibration, Target
from lever.calibration.record import Figure, Record


def test_a_figure_is_inside_where_the_runs_put_it_between_their_5th_and_95th_percentiles():
    figs = [
        Figure(series="size_ilp", date=dt.date(1932, 8, 7), value=v, sd=1.0, source="t") for v in (50.0, 200.0, 7.0)
    ]
    targets = [Target(figs[0], 1, FITTED), Target(figs[1], 1, HELD_OUT), Target(figs[2], -5, BEFORE)]
    cal = Calibration(tiny_1932(), Record(name="t", figures=figs), dt.date(1933, 1, 1), targets)
    cal.predictive = pd.DataFrame({"size_ilp@1": [float(v) for v in range(101)]})
    table = figures_table(cal)
    assert table["inside_90"].tolist() == [True, False, None]
    assert table.loc[0, ["q05", "median", "q95"]].tolist() == [5.0, 50.0, 95.0]
