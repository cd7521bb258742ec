"""Fit a scenario's uncertainties to a record up to a cutoff date, and predict the rest.

The record's figures are placed on the scenario's steps: those dated from week 0 to before the
cutoff are *fitted*, the later ones within the horizon are *held out*, the others (before the
field starts, beyond its horizon) are shown but neither fitted nor predicted. History matching
(:mod:`lever.calibration.matching`) runs in waves; a wave's runs stop at the last fitted figure
(nothing later can change a fit), so a held-out figure cannot reach the fit: not its value, not
its date. The draws not ruled out by the waves that sampled the last box are the posterior; runs of some of them to the horizon
give the posterior predictive of every figure, held-out ones included.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lever.calibration.matching import CUTOFF, implausibility, latin, not_ruled_out, refocus
from lever.calibration.probe import Probe, observed
from lever.calibration.record import Figure, Record, check_against, step_of
from lever.experiments.execute import sweep
from lever.experiments.runs import RunsFailed
from lever.experiments.tasks import TRACKED
from lever.model.loading import ScenarioError, to_toml
from lever.model.scenario import Scenario
from lever.store import Experiment, outputs_from_store, spec_name
from lever.store.outputs import TaskOutput

FITTED, HELD_OUT, BEFORE, BEYOND = "fitted", "held out", "before the start", "beyond the horizon"
#: January 1934: the record up to Trotsky's letter and the British group's split (docs/ODD.md §9, history as the judge).
DEFAULT_CUTOFF = dt.date(1934, 1, 1)


@dataclass(frozen=True)
class Budget:
    """How many simulations: ``waves`` of ``points`` draws x ``replications``, then
    ``predictive`` posterior draws x ``replications`` run to the horizon."""

    points: int = 64
    waves: int = 3
    replications: int = 2
    predictive: int = 16

    @property
    def runs(self) -> int:
        return (self.waves * self.points + self.predictive) * self.replications


@dataclass(frozen=True)
class Target:
    """A figure placed on the scenario's steps, with its role in the fit."""

    figure: Figure
    step: int
    role: str


@dataclass
class Wave:
    """One wave: its box, its draws (one row each, a column per path), their implausibility
    per fitted figure, and which draws it did not rule out."""

    number: int
    low: np.ndarray
    high: np.ndarray
    values: pd.DataFrame
    implausibility: pd.DataFrame
    kept: np.ndarray


@dataclass
class Calibration:
    """What a calibration found. ``posterior``: the draws not ruled out (a column per path);
    ``predictive``: one row per run to the horizon of a posterior draw, the model's value of
    every figure within it (columns ``series@step``) and its plausibility measures."""

    scenario: Scenario
    record: Record
    cutoff: dt.date
    targets: list[Target]
    waves: list[Wave] = field(default_factory=list)
    posterior: pd.DataFrame = field(default_factory=pd.DataFrame)
    predictive: pd.DataFrame = field(default_factory=pd.DataFrame)
    predictive_series: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def fitted(self) -> list[Target]:
        return [t for t in self.targets if t.role == FITTED]

    @property
    def prior(self) -> pd.DataFrame:
        """Each uncertainty's range: index the paths, columns low, high, label."""
        return pd.DataFrame([{"path": u.path, "low": u.low, "high": u.high, "label": u.label or u.path}
                             for u in self.scenario.uncertainties]).set_index("path")  # fmt: skip


def place(record: Record, scenario: Scenario, cutoff: dt.date, source: str) -> list[Target]:
    """Every figure of ``record`` on ``scenario``'s steps, with its role."""
    check_against(record, scenario, source)
    targets = []
    for fig in record.figures:
        step = round(step_of(scenario, fig.date))
        role = BEFORE if step < 0 else BEYOND if step > scenario.steps else FITTED if fig.date < cutoff else HELD_OUT
        targets.append(Target(fig, step, role))
    if not any(t.role == FITTED for t in targets):
        raise ScenarioError(source, "figures", f"no figure is dated between {scenario.name}'s start "
                            f"({scenario.start}) and the cutoff ({cutoff.isoformat()}): nothing to fit")  # fmt: skip
    return targets


def calibrate(
    scenario: Scenario,
    record: Record,
    *,
    cutoff: dt.date = DEFAULT_CUTOFF,
    budget: Budget = Budget(),
    seed: int = 0,
    store: Path,
    jobs: int = 1,
    executor: Any = None,
    on_done: Callable[[int, int], None] | None = None,
    source: str = "record",
) -> Calibration:
    """Fit ``scenario``'s uncertainties to the figures of ``record`` dated before ``cutoff``
    and predict every figure within the horizon. Each wave's runs and the predictive runs go
    through the executors into ``store`` (one experiment each: a rerun resumes)."""
    if not scenario.uncertainties:
        raise ScenarioError(scenario.name, "uncertainties", "the scenario samples nothing: there is nothing to fit")
    cal = Calibration(scenario, record, cutoff, place(record, scenario, cutoff, source))
    progress = _Progress(budget.runs, on_done)
    low, high = cal.prior["low"].to_numpy(), cal.prior["high"].to_numpy()
    box = (low, high)
    for number in range(budget.waves):
        wave = _run_wave(cal, number, box, budget, seed, store, jobs, executor, progress)
        cal.waves.append(wave)
        box = refocus(wave.values.to_numpy(), wave.kept, low, high) or box
    cal.posterior = _posterior(cal.waves)
    if len(cal.posterior):
        _predict(cal, budget, seed, store, jobs, executor, progress)
    return cal


def _posterior(waves: list[Wave]) -> pd.DataFrame:
    """The draws kept by the waves that sampled the last wave's box: each of those waves drew
    evenly over the box, so together their kept draws are spread evenly over the part of it
    no figure rules out."""
    last = waves[-1]
    same = [w for w in waves if np.array_equal(w.low, last.low) and np.array_equal(w.high, last.high)]
    return pd.concat([w.values[w.kept] for w in same], ignore_index=True)


class _Progress:
    """Runs done over the whole calibration, for one progress bar."""

    def __init__(self, total: int, on_done: Callable[[int, int], None] | None) -> None:
        self.total, self.before, self.on_done = total, 0, on_done

    def stage(self, runs: int) -> Callable[[int, int], None]:
        start = self.before
        self.before += runs

        def report(done: int, _total: int) -> None:
            if self.on_done:
                self.on_done(start + done, self.total)

        return report


def _run_wave(cal: Calibration, number: int, box: tuple[np.ndarray, np.ndarray], budget: Budget, seed: int, store: Path, jobs: int,
              executor: Any, progress: _Progress) -> Wave:  # fmt: skip
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(3, number)))
    values = pd.DataFrame(latin(*box, budget.points, rng), columns=cal.prior.index.tolist())
    fitted = cal.fitted
    watch = tuple(sorted({(t.figure.series, t.step) for t in fitted}))
    steps = max(1, max(step for _, step in watch))
    probes = _probes(cal.scenario, values, budget.replications, seed, ("wave", number), watch, steps)
    outputs = _sweep(cal.scenario, probes, {"stage": f"wave {number}", "box": [list(map(float, b)) for b in box]},
                     store, jobs, executor, progress.stage(len(probes)))  # fmt: skip
    sims = _array(outputs, len(values), budget.replications, [observed(t.figure.series, t.step) for t in fitted])
    imp = implausibility(*_observations(cal.record, fitted), sims)
    labels = [t.figure.label for t in fitted]
    return Wave(number, box[0], box[1], values, pd.DataFrame(imp, columns=labels), not_ruled_out(imp, CUTOFF))


def _observations(record: Record, targets: list[Target]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    obs = np.array([t.figure.value for t in targets])
    return obs, np.array([t.figure.sd for t in targets]), record.discrepancy * obs


def _predict(cal: Calibration, budget: Budget, seed: int, store: Path, jobs: int, executor: Any,
             progress: _Progress) -> None:  # fmt: skip
    """Run the first ``budget.predictive`` posterior draws to the horizon and read every
    figure within it (the posterior's rows are in the order the last wave drew them)."""
    chosen = cal.posterior.iloc[: budget.predictive]
    within = [t for t in cal.targets if t.role in (FITTED, HELD_OUT)]
    watch = tuple(sorted({(t.figure.series, t.step) for t in within}))
    probes = _probes(cal.scenario, chosen, budget.replications, seed, ("predictive",), watch, cal.scenario.steps)
    report = progress.stage(budget.predictive * budget.replications)
    outputs = _sweep(cal.scenario, probes, {"stage": "predictive", "posterior": _digest(chosen)}, store, jobs,
                     executor, report)  # fmt: skip
    report(len(probes), len(probes))
    cal.predictive = pd.DataFrame([{"draw": o.task.draw, "replication": o.task.replication, **o.outcomes}
                                   for o in outputs])  # fmt: skip
    cal.predictive_series = pd.concat([pd.DataFrame(o.series, columns=list(TRACKED))
                                       .assign(run=i, week=o.weeks) for i, o in enumerate(outputs)])  # fmt: skip


def _digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(frame.to_csv(index=False, float_format="%.17g").encode()).hexdigest()[:16]


def _probes(scenario: Scenario, values: pd.DataFrame, replications: int, seed: int, stage: tuple,
            watch: tuple, steps: int) -> list[Probe]:  # fmt: skip
    """A probe per draw and replication; seeds are keyed by the stage, the draw and the
    replication, so no two runs of a calibration share one."""
    key = {"wave": 0, "predictive": 1}[stage[0]], *stage[1:]
    out = []
    for d, row in enumerate(values.itertuples(index=False)):
        point = {path: float(v) for path, v in zip(values.columns, row, strict=True)}
        for r in range(replications):
            ss = np.random.SeedSequence(seed, spawn_key=(4, *key, d, r))
            out.append(Probe(len(out), _strategy(scenario), d, r, int(ss.generate_state(1, np.uint32)[0]),
                             point, watch, steps))  # fmt: skip
    return out


def _strategy(scenario: Scenario) -> str:
    """Calibration plays the scenario's default strategy: the one the field played in history."""
    return scenario.default_strategy


def _sweep(scenario: Scenario, probes: list[Probe], stage: dict, store: Path, jobs: int, executor: Any,
           on_done: Callable[[int, int], None]) -> list[TaskOutput]:  # fmt: skip
    """Run ``probes`` through the executors into an experiment of the store; read them back."""
    spec = {"kind": "calibrate", "scenario_name": scenario.name, "scenario": to_toml(scenario), **stage,
            "probes": [[p.draw, p.replication, p.seed, p.steps, sorted(p.values.items()), list(p.observe)]
                       for p in probes], "runs": len(probes)}  # fmt: skip
    spec = json.loads(json.dumps(spec))  # as the store will read it back
    exp = Experiment.create(store, spec_name("calibrate", scenario.name, spec), spec)
    try:
        swept = sweep(probes, scenario, None, exp, jobs=jobs, executor=executor, on_done=on_done)
        if swept.failed:
            raise RunsFailed(exp.name, swept.failed, swept.total)
        return outputs_from_store(exp, probes)
    finally:
        exp.close()


def _array(outputs: list[TaskOutput], points: int, replications: int, columns: list[str]) -> np.ndarray:
    """``(points, replications, len(columns))`` of the outputs' outcomes."""
    sims = np.full((points, replications, len(columns)), math.nan)
    for o in outputs:
        sims[o.task.draw, o.task.replication] = [o.outcomes[c] for c in columns]
    return sims
