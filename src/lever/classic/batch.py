"""Repeated runs of a classic model and the statistics the CLI reports.

:func:`build` makes a model by name from keyword parameters, :func:`measure` runs it once and
returns its measurements, and :func:`summarize` turns many runs into means and standard
errors. Each run gets its own child of one :class:`numpy.random.SeedSequence`, so a batch is
reproducible from a single seed and its runs are independent.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from lever.classic.bass import Bass, bass_peak
from lever.classic.deffuant import Deffuant
from lever.classic.hk import HegselmannKrause
from lever.classic.majority import MajorityRule
from lever.classic.naming_game import NamingGame
from lever.classic.network import Network, complete, make_network
from lever.classic.relative_agreement import RelativeAgreement
from lever.classic.sweeps import SweepModel
from lever.classic.voter import Voter

__all__ = ["MODELS", "PARAMETERS", "Stat", "batch", "build", "measure", "summarize"]

MODELS: dict[str, type[SweepModel]] = {
    "voter": Voter,
    "deffuant": Deffuant,
    "hk": HegselmannKrause,
    "naming-game": NamingGame,
    "majority": MajorityRule,
    "bass": Bass,
    "relative-agreement": RelativeAgreement,
}

# Parameters each model takes, with defaults (the CLI rejects the others).
PARAMETERS: dict[str, dict[str, float]] = {
    "voter": {"rho": 0.5, "zealots_plus": 0, "zealots_minus": 0},
    "deffuant": {"bound": 0.2, "mu": 0.5},
    "hk": {"epsilon": 0.2},
    "naming-game": {"committed": 0.1},
    "majority": {"rho": 0.5},
    "bass": {"p": 0.03, "q": 0.38, "dt": 0.01},
    "relative-agreement": {"U": 1.4, "pe": 0.2, "ue": 0.1, "mu": 0.5, "delta": 0.0},
}

# How long a run lasts by default: sweeps, steps for HK, years for Bass.
DEFAULT_LENGTH = {"voter": 10_000, "deffuant": 10_000, "hk": 1_000, "naming-game": 10_000,
                  "majority": 10_000, "bass": 30, "relative-agreement": 5_000}  # fmt: skip


@dataclass(frozen=True)
class Stat:
    """Mean and standard error of one measurement over the runs that have it."""

    mean: float
    se: float
    count: int


def build(name: str, network: Network, rng: np.random.Generator, **params: float) -> SweepModel:
    """Make the model called ``name`` on ``network``; unknown names raise ``KeyError``."""
    # each model is a dataclass of these fields and its own (SweepModel declares no __init__)
    cls = cast(Callable[..., SweepModel], MODELS[name])
    full = {**PARAMETERS[name], **params}
    if "zealots_plus" in full:
        full["zealots_plus"] = int(full["zealots_plus"])
        full["zealots_minus"] = int(full["zealots_minus"])
    return cls(network=network, rng=rng, record=name in ("voter", "bass"), **full)


def measure(model: SweepModel, length: float, until: bool) -> dict[str, float]:
    """Run ``model`` once (for ``length``, or until absorbed if ``until``) and measure it."""
    if until:
        model.run_until_absorbed(length)
    else:
        model.run(length)
    reached = model.stop_time is not None
    out = {"reached": float(reached), "time": model.stop_time if reached else math.nan}
    out.update(_MEASURES[type(model)](model))
    return out


def _voter(m: Voter) -> dict[str, float]:
    out = {"plus": m.plus_share}
    if m.zealots_plus + m.zealots_minus and m.n > m.zealots_plus + m.zealots_minus:
        series = m.free_plus_series()
        out["free_plus_avg"] = float(series[series.size // 2 :].mean())  # steady half
    return out


def _majority(m: MajorityRule) -> dict[str, float]:
    won = float(m.plus_share == 1.0) if m.consensus else math.nan
    return {"plus": m.plus_share, "plus_wins": won}


def _naming(m: NamingGame) -> dict[str, float]:
    a, b, ab = m.shares
    return {"A": a, "B": b, "AB": ab}


def _bounded(m: Deffuant | HegselmannKrause) -> dict[str, float]:
    total, major = m.clusters()
    return {"clusters": total, "major": major, "single": float(major == 1)}


def _relative(m: RelativeAgreement) -> dict[str, float]:
    x = m.opinion[~m.extremist, 0]
    return {"y": m.y, "centre": float(np.mean(np.abs(x) < 0.5)) if x.size else math.nan}


def _bass(m: Bass) -> dict[str, float]:
    _, f_star = bass_peak(m.p, m.q)
    t, f = m.times, m.series
    rate = np.diff(f) / np.diff(t)
    mid = 0.5 * (t[1:] + t[:-1])
    # The Bass rate curve is symmetric about its peak, so a one-year moving average damps
    # the sampling noise without moving the peak.
    width = max(1, int(round(1.0 / m.dt)))
    smooth = np.convolve(rate, np.ones(width) / width, mode="same")
    return {
        "final": m.adopted_share,
        "t_peak": float(mid[np.argmax(smooth)]) if rate.size > width and rate.any() else math.nan,
        "t_star_share": _crossing(t, f, f_star),
    }


def _crossing(t: np.ndarray, f: np.ndarray, level: float) -> float:
    """First time the non-decreasing series ``f`` reaches ``level``, interpolated."""
    k = int(np.searchsorted(f, level))
    if k == 0 or k >= f.size:
        return math.nan
    return float(t[k - 1] + (level - f[k - 1]) * (t[k] - t[k - 1]) / (f[k] - f[k - 1]))


#: each measures the model of its key's class (looked up by ``type(model)``)
_MEASURES: dict[type, Callable[[Any], dict[str, float]]] = {
    Voter: _voter,
    MajorityRule: _majority,
    NamingGame: _naming,
    Deffuant: _bounded,
    HegselmannKrause: _bounded,
    Bass: _bass,
    RelativeAgreement: _relative,
}


def batch(
    name: str,
    network: str | Network,
    n: int | None,
    runs: int,
    seed: int | None,
    length: float | None = None,
    until: bool = False,
    **params: float,
) -> Iterator[dict[str, float]]:
    """Yield the measurements of ``runs`` independent runs.

    A generated network (``er:K``, ``ba:M``) is drawn afresh for every run from that run's
    generator; the complete graph and a file are shared.
    """
    length = DEFAULT_LENGTH[name] if length is None else length
    fixed = _fixed_network(network, n)
    for child in np.random.SeedSequence(seed).spawn(runs):
        rng = np.random.default_rng(child)
        net = fixed if fixed is not None else make_network(network, n, rng)
        yield measure(build(name, net, rng, **params), length, until)


def _fixed_network(network: str | Network, n: int | None) -> Network | None:
    if isinstance(network, Network):
        return network
    if network == "complete":
        return complete(n if n is not None else 1000)
    if network.partition(":")[0] in ("er", "ba"):
        return None
    return make_network(network, n, np.random.default_rng(0))  # a file: no randomness


def summarize(records: list[dict[str, float]]) -> dict[str, Stat]:
    """Mean and standard error of every measurement, ignoring runs where it is NaN."""
    keys = dict.fromkeys(k for r in records for k in r)
    out = {}
    for k in keys:
        x = np.array([r.get(k, math.nan) for r in records], dtype=np.float64)
        x = x[~np.isnan(x)]
        if x.size == 0:
            out[k] = Stat(math.nan, math.nan, 0)
            continue
        se = float(x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else math.nan
        out[k] = Stat(float(x.mean()), se, int(x.size))
    return out
