"""Fit fields' uncertainties to their records up to a cutoff date each, and predict the rest.

A *case* is a field, its record and its cutoff. Each record's figures are placed on its field's
steps: those dated from week 0 to before the cutoff are *fitted* (unless the record marks them a
*prior*: never fitted as data), the later ones within the horizon are *held out*, the others
(before the field starts, beyond its horizon) are shown but neither fitted nor predicted.

Several cases are fitted together: the mechanism parameters (paths under ``dynamics.`` and
``network.``) are one set shared by every case, each case's field facts keep their own ranges
(columns ``<field>:<path>``). History matching (:mod:`lever.calibration.matching`) runs in
waves: a wave's design points are simulated (each case's runs stop at its last fitted figure,
so a held-out figure cannot reach the fit: not its value, not its date); a Gaussian-process
emulator per fitted figure (:mod:`lever.calibration.emulator`) is trained on every run so far,
and a large space-filling candidate set is screened by every wave's emulators. The candidates
no emulator rules out are the next wave's design and, after the last wave, the posterior; runs
of some of them to each horizon check them by simulation and give the posterior predictive of
every figure, held-out ones included.
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

from lever.calibration.emulator import Emulator, train
from lever.calibration.matching import CUTOFF, implausibility, latin, not_ruled_out, refocus
from lever.calibration.probe import Probe, observed
from lever.calibration.record import Figure, Record, check_against, step_of
from lever.experiments.execute import kept_pool, sweep
from lever.experiments.runs import RunsFailed
from lever.experiments.tasks import TRACKED
from lever.model.loading import ScenarioError, to_toml
from lever.model.scenario import Scenario
from lever.store import Experiment, outputs_from_store, spec_name
from lever.store.outputs import TaskOutput

FITTED, HELD_OUT, BEFORE, BEYOND = "fitted", "held out", "before the start", "beyond the horizon"
#: a figure within the fitting window that the record marks a prior: shown, never fitted
PRIOR = "prior, not fitted"
#: 1 February 1934: britain-1932's case cut at the British group's entry into the ILP, as `lever
#: calibrate` cuts it (docs/ODD.md §9, history as the judge); a case of another field names its own.
DEFAULT_CUTOFF = dt.date(1934, 2, 1)
#: The tables whose parameters are the model's mechanisms: one set shared by every case.
SHARED = ("dynamics.", "network.")
#: The posterior the emulator screens toward: at least this many candidates not ruled out ...
MIN_POSTERIOR = 200
#: ... drawing at most this many batches of ``Budget.candidates``; and at most this many kept.
MAX_BATCHES = 12
MAX_POSTERIOR = 2000
#: A box in the joint parameter space: its low and high corners.
Box = tuple[np.ndarray, np.ndarray]
#: Fewer kept draws than this are too few to summarize (no interval is printed).
MIN_SUMMARY = 10


@dataclass(frozen=True)
class Budget:
    """How many simulations: ``waves`` of ``points`` design points x ``replications`` for each
    case with figures to fit, then ``predictive`` posterior draws x ``replications`` run to each
    case's horizon. ``candidates``: the space-filling draws each batch of emulator screening tries."""

    points: int = 64
    waves: int = 3
    replications: int = 2
    #: the 90% interval's ends are order statistics of predictive x replications runs: from 32 the
    #: 5% end is the second-smallest, and two seeds judged Britain's held-out figures 3 and 6 of 7
    predictive: int = 64
    candidates: int = 4000

    @property
    def runs(self) -> int:
        """The simulations of a single case."""
        return self.runs_for(1, 1)

    def runs_for(self, fitting: int, cases: int) -> int:
        """The simulations of ``cases`` cases of which ``fitting`` have figures to fit."""
        return (self.waves * self.points * fitting + self.predictive * cases) * self.replications


@dataclass(frozen=True)
class Case:
    """A field, its record and the day before which its figures are fitted."""

    scenario: Scenario
    record: Record
    cutoff: dt.date = DEFAULT_CUTOFF
    source: str = "record"


@dataclass(frozen=True)
class Target:
    """A figure placed on the scenario's steps, with its role in the fit."""

    figure: Figure
    step: int
    role: str


@dataclass
class Wave:
    """One wave, as one case saw it: its box, its design points (one row each, a column per
    path of the case), their implausibility per fitted figure of the case (by simulation), and
    which points no case's figure ruled out."""

    number: int
    low: np.ndarray
    high: np.ndarray
    values: pd.DataFrame
    implausibility: pd.DataFrame
    kept: np.ndarray


@dataclass
class Screen:
    """One wave's emulator screening: how many candidates it tried and how many it kept."""

    number: int
    tried: int
    kept: int


@dataclass
class Calibration:
    """What a calibration found for one case. ``posterior``: the draws not ruled out (a column
    per path: the shared mechanism parameters and the case's own); ``predictive``: one row per
    run to the horizon of a posterior draw, the model's value of every figure within it
    (columns ``series@step``), its plausibility measures and whether the simulation confirms
    the draw (``confirmed``: no fitted figure of any case beyond the cutoff of 3)."""

    scenario: Scenario
    record: Record
    cutoff: dt.date
    targets: list[Target]
    waves: list[Wave] = field(default_factory=list)
    posterior: pd.DataFrame = field(default_factory=pd.DataFrame)
    predictive: pd.DataFrame = field(default_factory=pd.DataFrame)
    predictive_series: pd.DataFrame = field(default_factory=pd.DataFrame)
    screens: list[Screen] = field(default_factory=list)
    #: the prior of each column of ``posterior`` (set by a joint fit; else the scenario's own)
    priors: pd.DataFrame | None = None
    #: the other cases fitted with this one (their names)
    beside: tuple[str, ...] = ()

    @property
    def fitted(self) -> list[Target]:
        return [t for t in self.targets if t.role == FITTED]

    @property
    def prior(self) -> pd.DataFrame:
        """Each uncertainty's range: index the paths, columns low, high, label."""
        if self.priors is not None:
            return self.priors
        return pd.DataFrame([{"path": u.path, "low": u.low, "high": u.high, "label": u.label or u.path}
                             for u in self.scenario.uncertainties]).set_index("path")  # fmt: skip


@dataclass
class Joint:
    """A calibration of several cases sharing one set of mechanism parameters: each case's own
    :class:`Calibration`, the joint prior (index the columns; low, high, label, case: the case
    whose field fact it is, empty for a shared parameter) and the joint posterior."""

    cases: list[Calibration]
    prior: pd.DataFrame
    posterior: pd.DataFrame = field(default_factory=pd.DataFrame)
    screens: list[Screen] = field(default_factory=list)


def place(record: Record, scenario: Scenario, cutoff: dt.date, source: str, require: bool = True) -> list[Target]:
    """Every figure of ``record`` on ``scenario``'s steps, with its role (``require``: refuse a
    record with nothing to fit)."""
    check_against(record, scenario, source)
    targets = []
    for fig in record.figures:
        step = round(step_of(scenario, fig.date))
        # by the date, not the rounded step: a figure dated days before week 0 is not the start's
        role = (
            BEFORE
            if step_of(scenario, fig.date) < 0
            else BEYOND
            if step > scenario.steps
            else FITTED
            if fig.date < cutoff
            else HELD_OUT
        )
        if role == FITTED and fig.prior:
            role = PRIOR
        targets.append(Target(fig, step, role))
    if require and not any(t.role == FITTED for t in targets):
        raise ScenarioError(source, "figures", f"no figure read in a source is dated between {scenario.name}'s "
                            f"start ({scenario.start}) and the cutoff ({cutoff.isoformat()}): nothing to fit")  # fmt: skip
    return targets


def joint_prior(cases: list[Case]) -> pd.DataFrame:
    """The joint prior: each shared mechanism parameter once, over the range every case that
    samples it allows (their intersection), and each case's field facts as ``<field>:<path>``."""
    rows: dict[str, dict] = {}
    for case in cases:
        for u in case.scenario.uncertainties:
            if u.path.startswith(SHARED):
                row = rows.setdefault(u.path, {"low": u.low, "high": u.high, "label": u.label or u.path, "case": ""})
                row["low"], row["high"] = max(row["low"], u.low), min(row["high"], u.high)
                if row["high"] < row["low"]:
                    raise ScenarioError(case.scenario.name, f"uncertainties ({u.path})", "its range does not meet "
                                        "another case's: a mechanism parameter is one value shared by every case")  # fmt: skip
            else:
                rows[f"{case.scenario.name}:{u.path}"] = {"low": u.low, "high": u.high,
                                                         "label": u.label or u.path, "case": case.scenario.name}  # fmt: skip
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "path"
    return frame


def _case_columns(prior: pd.DataFrame, name: str) -> dict[str, str]:
    """Joint column -> the case's own path, for the shared parameters and the case's own."""
    return {str(col): str(col).removeprefix(f"{name}:") for col, case in prior["case"].items() if case in ("", name)}


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
    and predict every figure within the horizon: :func:`calibrate_cases` of one case."""
    case = Case(scenario, record, cutoff, source)
    return calibrate_cases([case], budget=budget, seed=seed, store=store, jobs=jobs, executor=executor,
                           on_done=on_done).cases[0]  # fmt: skip


def calibrate_cases(
    cases: list[Case],
    *,
    budget: Budget = Budget(),
    seed: int = 0,
    store: Path,
    jobs: int = 1,
    executor: Any = None,
    on_done: Callable[[int, int], None] | None = None,
) -> Joint:
    """Fit the cases together: one set of mechanism parameters, each case's field facts its
    own; each wave's runs, the emulators' screening and the predictive runs (through the
    executors into ``store``, one experiment per case and stage: a rerun resumes)."""
    names = [c.scenario.name for c in cases]
    if len(set(names)) != len(names):
        raise ScenarioError("cases", "", f"two cases play the same field ({', '.join(names)}): one case per field")
    for case in cases:
        if not case.scenario.uncertainties:
            raise ScenarioError(
                case.scenario.name, "uncertainties", "the scenario samples nothing: there is nothing to fit"
            )
    single = len(cases) == 1
    cals = [Calibration(c.scenario, c.record, c.cutoff, place(c.record, c.scenario, c.cutoff, c.source, single),
                        beside=tuple(n for n in names if n != c.scenario.name)) for c in cases]  # fmt: skip
    if not any(cal.fitted for cal in cals):
        raise ScenarioError("cases", "figures", "no case has a figure read in a source between its start and its "
                            "cutoff: nothing to fit")  # fmt: skip
    prior = joint_prior(cases)
    columns = {c.scenario.name: _case_columns(prior, c.scenario.name) for c in cases}
    dims = {k: np.array([prior.index.get_loc(col) for col in columns[c.scenario.name]]) for k, c in enumerate(cases)}
    for cal in cals:
        cols = columns[cal.scenario.name]
        cal.priors = prior.loc[list(cols), ["low", "high", "label"]].rename(index=cols)
    joint = Joint(cals, prior)
    fitting = [k for k, cal in enumerate(cals) if cal.fitted]
    progress = _Progress(budget.runs_for(len(fitting), len(cals)), on_done)
    low, high = prior["low"].to_numpy(float), prior["high"].to_numpy(float)
    box = (low, high)
    design = pd.DataFrame(latin(*box, budget.points, _rng(seed, 3, 0)), columns=prior.index.tolist())
    emulators: list[list[Emulator]] = []
    runs_x: list[np.ndarray] = []
    runs_y: dict[int, list[np.ndarray]] = {k: [] for k in fitting}
    with kept_pool(jobs, executor) as executor:  # one pool for every wave and case
        kept_candidates = design
        for number in range(budget.waves):
            waves = {k: _run_wave(cals[k], k, number, box, design, columns[cals[k].scenario.name], budget, seed,
                                  store, jobs, executor, progress) for k in fitting}  # fmt: skip
            kept = np.logical_and.reduce([not_ruled_out(imp, CUTOFF) for imp, _ in waves.values()])
            for k, (imp, sims) in waves.items():
                cal = cals[k]
                cols = columns[cal.scenario.name]
                cal.waves.append(Wave(number, *_case_box(box, prior, cols), design[list(cols)].rename(columns=cols),
                                      pd.DataFrame(imp, columns=[t.figure.label for t in cal.fitted]), kept))  # fmt: skip
                runs_y[k].append(sims)
            runs_x.append(_unit(design.to_numpy(float), low, high))
            x = np.concatenate(runs_x)
            emulators.append([train(x, np.concatenate(runs_y[k]), *_observations(cals[k].record, cals[k].fitted),
                                    dims=dims[k], case=k) for k in fitting])  # fmt: skip
            kept_candidates, screen = _screen(emulators, box, low, high, prior.index.tolist(), budget, seed, number)
            joint.screens.append(screen)
            if len(kept_candidates) == 0:
                break
            box = refocus(kept_candidates.to_numpy(float), np.ones(len(kept_candidates), bool), low, high) or box
            design = _next_design(kept_candidates, box, budget.points, seed, number)
        joint.posterior = kept_candidates.iloc[:MAX_POSTERIOR].reset_index(drop=True) if joint.screens[-1].kept else \
            kept_candidates.iloc[:0]  # fmt: skip
        for cal in cals:
            cols = columns[cal.scenario.name]
            cal.posterior = joint.posterior[list(cols)].rename(columns=cols)
            cal.screens = joint.screens
        if len(joint.posterior):
            _predict(joint, columns, budget, seed, store, jobs, executor, progress)
    return joint


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def _unit(values: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    width = np.where(high > low, high - low, 1.0)
    return (values - low) / width


def _case_box(box: Box, prior: pd.DataFrame, cols: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    at = np.array([prior.index.get_loc(c) for c in cols], dtype=int)  # the prior's index is unique
    return box[0][at], box[1][at]


def _screen(emulators: list[list[Emulator]], box: Box, low: np.ndarray, high: np.ndarray, columns: list[str],
            budget: Budget, seed: int, number: int) -> tuple[pd.DataFrame, Screen]:  # fmt: skip
    """Candidates drawn space-filling in ``box``, batch by batch, kept where no emulator of any
    wave rules them out, until :data:`MIN_POSTERIOR` are kept (or :data:`MAX_BATCHES` tried)."""
    kept, tried = [], 0
    for batch in range(MAX_BATCHES):
        cand = latin(*box, budget.candidates, _rng(seed, 5, number, batch))
        unit = _unit(cand, low, high)
        ok = np.ones(len(cand), dtype=bool)
        for wave in emulators:
            for em in wave:
                ok &= em.not_ruled_out(unit, CUTOFF)
        kept.append(cand[ok])
        tried += len(cand)
        if sum(len(k) for k in kept) >= max(MIN_POSTERIOR, budget.points):
            break
    frame = pd.DataFrame(np.concatenate(kept), columns=columns)
    return frame, Screen(number, tried, len(frame))


def _next_design(kept: pd.DataFrame, box: Box, points: int, seed: int, number: int) -> pd.DataFrame:
    """The next wave's design: ``points`` of the candidates kept (in the order drawn, which is
    random), topped up by Latin-hypercube draws in ``box`` where fewer were kept."""
    chosen = kept.iloc[:points]
    if len(chosen) < points:
        more = latin(*box, points - len(chosen), _rng(seed, 3, number + 1))
        chosen = pd.concat([chosen, pd.DataFrame(more, columns=kept.columns)], ignore_index=True)
    return chosen.reset_index(drop=True)


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


def _run_wave(cal: Calibration, case: int, number: int, box: Box, design: pd.DataFrame, cols: dict[str, str],
              budget: Budget, seed: int, store: Path, jobs: int, executor: Any,
              progress: _Progress) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Simulate ``design`` for one case up to its last fitted figure: the implausibility
    ``(P, F)`` of each point for each fitted figure, and the runs ``(P, R, F)``."""
    values = design[list(cols)].rename(columns=cols)
    fitted = cal.fitted
    watch = tuple(sorted({(t.figure.series, t.step) for t in fitted}))
    steps = max(1, max(step for _, step in watch))
    probes = _probes(cal.scenario, values, budget.replications, seed, ("wave", case, number), watch, steps)
    outputs = _sweep(cal.scenario, probes, {"stage": f"wave {number}", "box": [list(map(float, b)) for b in box]},
                     store, jobs, executor, progress.stage(len(probes)))  # fmt: skip
    sims = _array(outputs, len(values), budget.replications, [observed(t.figure.series, t.step) for t in fitted])
    return implausibility(*_observations(cal.record, fitted), sims), sims


def _observations(record: Record, targets: list[Target]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    obs = np.array([t.figure.value for t in targets])
    return obs, np.array([t.figure.sd for t in targets]), record.discrepancy * obs


def _predict(joint: Joint, columns: dict[str, dict[str, str]], budget: Budget, seed: int, store: Path, jobs: int,
             executor: Any, progress: _Progress) -> None:  # fmt: skip
    """Run the first ``budget.predictive`` posterior draws to each case's horizon, read every
    figure within it, and check each draw by simulation: ``confirmed`` where no fitted figure
    of any case is beyond the cutoff (the mean over the draw's replications)."""
    chosen = joint.posterior.iloc[: budget.predictive]
    worst = np.zeros(len(chosen))
    for k, cal in enumerate(joint.cases):
        cols = columns[cal.scenario.name]
        values = chosen[list(cols)].rename(columns=cols)
        within = [t for t in cal.targets if t.role not in (BEFORE, BEYOND)]
        watch = tuple(sorted({(t.figure.series, t.step) for t in within}))
        probes = _probes(cal.scenario, values, budget.replications, seed, ("predictive", k), watch, cal.scenario.steps)
        report = progress.stage(len(values) * budget.replications)
        outputs = _sweep(cal.scenario, probes, {"stage": "predictive", "posterior": _digest(values)}, store, jobs,
                         executor, report)  # fmt: skip
        report(len(probes), len(probes))
        cal.predictive = pd.DataFrame([{"draw": o.task.draw, "replication": o.task.replication, **o.outcomes}
                                       for o in outputs])  # fmt: skip
        cal.predictive_series = pd.concat([pd.DataFrame(o.series, columns=list(TRACKED))
                                           .assign(run=i, week=o.weeks) for i, o in enumerate(outputs)])  # fmt: skip
        if cal.fitted:
            sims = _array(outputs, len(values), budget.replications,
                          [observed(t.figure.series, t.step) for t in cal.fitted])  # fmt: skip
            imp = implausibility(*_observations(cal.record, cal.fitted), sims)
            worst = np.maximum(worst, imp.max(axis=1))
    for cal in joint.cases:
        cal.predictive["confirmed"] = worst[cal.predictive["draw"].to_numpy()] <= CUTOFF


def _digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(frame.to_csv(index=False, float_format="%.17g").encode()).hexdigest()[:16]


def _probes(scenario: Scenario, values: pd.DataFrame, replications: int, seed: int, stage: tuple,
            watch: tuple, steps: int) -> list[Probe]:  # fmt: skip
    """A probe per draw and replication; seeds are keyed by the stage, the draw and the
    replication, so no two runs of a calibration share one."""
    key = {"wave": 0, "predictive": 1}[stage[0]], *stage[1:]  # (kind, case, [wave])
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
