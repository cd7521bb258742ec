"""The weigh job: every strategy across draws of the uncertainties, ranked, explained, reported.

One job for both faces: ``lever weigh`` and the page's Weigh tab call :func:`weigh` and
:func:`write`, and only say what they got in their own way (a terminal table, a page). The
job runs the design through the results store, batch by batch when it is to go on until the
leader is told apart (``until_sure``), ranks the strategies on one outcome against the
baseline, finds where each beats the baseline and what drives the difference, and warns where
the runs are too few to say.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shlex
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from lever.analysis import Ranking, baseline_strategy, conclusion, counted, rank
from lever.analysis.ranking import few_worlds
from lever.analysis.regions import Region, regions
from lever.experiments.design import Design
from lever.experiments.execute import Interrupted
from lever.experiments.runs import DesignResult, combine, run_design
from lever.experiments.workers import auto_jobs, default_jobs, run_seconds
from lever.model.loading import ScenarioError, parse, to_toml, validate
from lever.model.scenario import Scenario
from lever.sim.outcomes import DEFAULT_OUTCOME, OUTCOMES, refusal
from lever.store import Experiment, spec_name
from lever.store.provenance import Provenance
from lever.weigh.report import write_report

#: Outcomes a weigh can rank by (the weeks-to are missing where a milestone is never reached).
RANKABLE = tuple(k for k in OUTCOMES if not k.startswith("weeks_to"))
#: With ``until_sure`` and no budget: this many batches at most.
DEFAULT_BATCHES = 8

#: A progress reporter for one batch: made with the batch's description, called with (done, total).
Progress = Callable[[str], AbstractContextManager[Callable[[int, int], None]]]


class WeighError(ValueError):
    """Settings the job cannot run, said in one line naming the option."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")
        self.option = option


@dataclass(frozen=True)
class WeighSettings:
    """What a weigh is asked: the design's size and seed, the outcome, when to stop."""

    samples: int = 8
    replications: int = 2
    seed: int = 0
    steps: int | None = None
    outcome: str = DEFAULT_OUTCOME
    #: add batches of ``samples`` draws until the leader's interval against the runner-up
    #: excludes zero, or ``budget`` strategy runs are spent
    until_sure: bool = False
    budget: int | None = None


@dataclass
class Weighed:
    """What a weigh found: the runs, the ranking, where each strategy wins, and the cautions."""

    field: Scenario
    settings: WeighSettings
    result: DesignResult
    ranking: Ranking
    regions: list[Region]
    warnings: list[str]
    batches: int
    budget: int
    #: the folder of the first batch's experiment in the store
    experiment: Path
    # dataclasses.field: to the checker, the field named ``field`` above hides the function
    posterior: pd.DataFrame | None = dataclasses.field(default=None, repr=False)

    def rank(self, outcome: str | None = None) -> Ranking:
        """The strategies ranked against the baseline on ``outcome`` (default: the one weighed)."""
        if outcome is None or outcome == self.ranking.outcome:
            return self.ranking
        if outcome not in RANKABLE:
            raise WeighError("outcome", refusal(outcome, RANKABLE))
        return rank(self.result.runs, outcome, self.ranking.baseline)

    def conclusion(self, outcome: str | None = None) -> str:
        """The plain-language reading of :meth:`rank`'s ranking."""
        return conclusion(self.rank(outcome), self.result.design.samples, self.settings.replications)

    def report(self, folder: str | Path, made: Provenance | None = None) -> dict[str, Path]:
        """Write the report into ``folder`` (as :func:`write`); returns the files' paths."""
        made = made or Provenance("lever.weigh.weigh (Python)", self.field, self.settings_record(Path(folder)))
        return write(self, Path(folder), made)

    @property
    def title(self) -> str:
        design = self.result.design
        return (f"{self.field.name}: {len(design.strategies)} strategies × {design.samples} draws × "
                f"{counted(self.settings.replications, 'replication')}")  # fmt: skip

    def until_sure_line(self) -> str:
        """Why ``until_sure`` stopped, and after how many runs."""
        t, runs = self.ranking.table, len(self.result.runs)
        gap = f"[{t.loc[1, 'vs_above_low']:+,.1f}, {t.loc[1, 'vs_above_high']:+,.1f}]" if len(t) > 1 else ""
        if self.ranking.sure:
            return (f"until-sure: stopped, sure after {runs} runs in {self.batches} batches: "
                    f"'{t.loc[0, 'strategy']}' leads '{t.loc[1, 'strategy'] if len(t) > 1 else ''}', the 90% "
                    f"interval of the mean difference {gap} excludes zero")  # fmt: skip
        return (f"until-sure: stopped, budget spent after {runs} runs in {self.batches} batches (budget "
                f"{self.budget}): '{t.loc[0, 'strategy']}' and '{t.loc[1, 'strategy']}' are still tied, interval {gap}")  # fmt: skip

    def settings_record(self, folder: Path, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """The settings provenance records, with the command that reruns the weigh from ``folder``."""
        s = self.settings
        sure = {"until_sure": True, "budget": self.budget} if s.until_sure else {}
        return {"seed": s.seed, "samples": s.samples, "replications": s.replications, "steps": s.steps,
                "outcome": s.outcome, **(extra or {}), **sure, "rerun": self.rerun_command(folder),
                "from_posterior": self.result.design.from_posterior}  # fmt: skip

    def rerun_command(self, folder: Path) -> str:
        """The command that reruns this weigh from its output folder alone."""
        s = self.settings
        steps = [] if s.steps is None else ["--steps", str(s.steps)]
        sure = ["--until-sure", "--budget", str(self.budget)] if s.until_sure else []
        return shlex.join(["lever", "weigh", str(folder / "scenario.toml"), "--samples", str(s.samples),
                           "--replications", str(s.replications), "--seed", str(s.seed), "--outcome", s.outcome,
                           *steps, *sure])  # fmt: skip


def check_settings(settings: WeighSettings, field_: Scenario | None = None) -> None:
    """Refuse, naming the option, what the job cannot run (with ``field_``, also a budget
    smaller than one batch of its strategies)."""
    if settings.outcome not in RANKABLE:
        raise WeighError("--outcome", refusal(settings.outcome, RANKABLE))
    if settings.budget is not None and not settings.until_sure:
        raise WeighError("--budget", "only with --until-sure")
    batch = _batch_runs(field_, settings) if field_ is not None else 0
    if settings.until_sure and settings.budget is not None and settings.budget < batch:
        raise WeighError("--budget", f"{settings.budget} runs is less than one batch ({batch} runs)")


def _batch_runs(field_: Scenario, settings: WeighSettings) -> int:
    return len(field_.strategies) * settings.samples * settings.replications


def weigh(
    field_: Scenario,
    settings: WeighSettings,
    store: Path,
    *,
    posterior: pd.DataFrame | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> Weighed:
    """Run, rank and explain a weigh of ``field_`` through the experiments of ``store`` (a
    rerun resumes). Raises :class:`~lever.experiments.execute.Interrupted` (with the folder
    to resume in) when stopped, and :class:`~lever.experiments.runs.RunsFailed` when runs failed."""
    check_settings(settings, field_)
    design = Design(field_, samples=settings.samples, replications=settings.replications, seed=settings.seed,
                    steps=settings.steps, posterior=posterior)  # fmt: skip
    budget = settings.budget or DEFAULT_BATCHES * _batch_runs(field_, settings)
    baseline = baseline_strategy(field_)
    first, folder = _batch(design, store, jobs, progress)
    results = [first]
    ranking = rank(first.runs, settings.outcome, baseline)
    while settings.until_sure and not ranking.sure and (len(results) + 1) * design.runs <= budget:
        results.append(_batch(replace(design, batch=len(results)), store, jobs, progress)[0])
        ranking = rank(combine(results).runs, settings.outcome, baseline)
    result = combine(results)
    params = [u.path for u in field_.uncertainties if u.path in result.runs]
    labels = {u.path: u.label or u.path for u in field_.uncertainties}
    found = regions(result.runs, settings.outcome, baseline, params, labels)
    return Weighed(field_, settings, result, ranking, found, few_worlds(ranking), len(results), budget, folder,
                   posterior)  # fmt: skip


def _batch(design: Design, store: Path, jobs: int | None, progress: Progress | None) -> tuple[DesignResult, Path]:
    """One batch through the store (resumable); each batch is its own experiment (its folder returned)."""
    field_ = design.scenario
    spec = experiment_spec(field_, design)
    exp = Experiment.create(store, spec_name("weigh", field_.name, spec), spec)
    describe = f"weigh {field_.name}" + (f" batch {design.batch + 1}" if design.batch else "")
    reporter = progress(describe) if progress else nullcontext(None)
    try:
        with reporter as on_done:
            workers = jobs or auto_jobs(design.runs, run_seconds(field_, design.steps), default_jobs())
            return run_design(design, jobs=workers, on_done=on_done, store=exp), exp.folder
    except Interrupted as stop:
        stop.where = str(exp.folder)
        raise
    finally:
        exp.close()


def experiment_name(field_: Scenario, settings: WeighSettings) -> str:
    """The name of the first batch's experiment in the store (a job can be named before it runs)."""
    design = Design(field_, samples=settings.samples, replications=settings.replications, seed=settings.seed,
                    steps=settings.steps)  # fmt: skip
    return spec_name("weigh", field_.name, experiment_spec(field_, design))


def experiment_spec(field_: Scenario, design: Design) -> dict[str, Any]:
    """The settings that name a weigh's experiment: the same from the page or the command line
    name the same experiment (a weigh from another posterior is another experiment)."""
    strategies = list(field_.strategies)
    spec = {"kind": "weigh", "scenario_name": field_.name, "scenario": to_toml(field_), "samples": design.samples,
            "replications": design.replications, "seed": design.seed, "steps": design.steps,
            "strategies": strategies, "runs": len(strategies) * design.samples * design.replications}  # fmt: skip
    if design.batch:
        spec["batch"] = design.batch
    if design.posterior is not None:
        text = design.posterior.to_csv(index=False, float_format="%.17g").encode()
        spec["posterior"] = hashlib.sha256(text).hexdigest()[:16]
    return spec


def posterior_for(path: Path, field_: Scenario) -> tuple[pd.DataFrame, list[str]]:
    """A calibration's posterior draws of the paths ``field_`` samples, and the paths it holds
    that are not sampled (their values are not used); one that holds none is refused. A joint
    calibration names each case's own facts ``<field>:<path>``: this field's are read as its
    paths, another case's are not used."""
    from lever.calibration import read_posterior

    drawn = read_posterior(path, field_)
    drawn = drawn.rename(columns=lambda c: c.removeprefix(f"{field_.name}:"))
    sampled = {u.path for u in field_.uncertainties}
    unused = [c for c in drawn.columns if c not in sampled]
    if len(unused) == len(drawn.columns):
        raise ScenarioError(str(path), "", f"none of its columns is an uncertainty of {field_.name}")
    return drawn[[c for c in drawn.columns if c in sampled]], unused


def write(weighed: Weighed, folder: Path, made: Provenance) -> dict[str, Path]:
    """The report (report.html, its figures, runs.parquet, scenario.toml, provenance.json)."""
    return write_report(weighed.result, weighed.ranking, folder, made, regions=weighed.regions,
                        warnings=weighed.warnings)  # fmt: skip


def ranking_from_store(exp: Experiment, outcome: str = DEFAULT_OUTCOME) -> Ranking | None:
    """The ranking ``lever weigh`` prints, recomputed from a complete experiment's stored runs
    (None for one of a single strategy, one not complete, or one made by another version)."""
    runs = exp.runs()
    if exp.status() != "complete" or "scenario" not in exp.spec or runs["strategy"].nunique() < 2:
        return None
    try:
        field_ = validate(parse(exp.spec["scenario"], exp.name), exp.name)
        return rank(runs, outcome, baseline_strategy(field_))
    except (ScenarioError, KeyError, ValueError):  # made by another version of Lever: its summary is enough
        return None
