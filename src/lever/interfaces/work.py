"""The page's jobs as they run in a child process: one run, or one weigh, into the store.

They do what ``lever run`` and ``lever weigh`` do, with the same experiment settings (so the
same settings from the page or the command line name the same experiment), and report to the
page through ``reports`` (see :mod:`lever.interfaces.jobs`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lever.scenario import Scenario
from lever.scenarios import to_toml
from lever.store import spec_name

#: Where in an experiment's folder the page keeps the files a user downloads.
FILES, REPORT = "files", "report"
COMMAND = "lever serve (the page)"


def run_spec(field: Scenario, strategy: str, seed: int, steps: int | None) -> dict[str, Any]:
    """The experiment settings ``lever run`` records."""
    return {"kind": "run", "scenario_name": field.name, "scenario": to_toml(field), "strategy": strategy,
            "seed": seed, "steps": steps, "runs": 1}  # fmt: skip


def weigh_spec(field: Scenario, samples: int, replications: int, seed: int, steps: int | None) -> dict[str, Any]:
    """The experiment settings ``lever weigh`` records."""
    strategies = list(field.strategies)
    return {"kind": "weigh", "scenario_name": field.name, "scenario": to_toml(field), "samples": samples,
            "replications": replications, "seed": seed, "steps": steps, "strategies": strategies,
            "runs": len(strategies) * samples * replications}  # fmt: skip


def name_of(spec: dict[str, Any]) -> str:
    return spec_name(spec["kind"], spec["scenario_name"], spec)


def run_job(data: dict[str, Any], store: str, strategy: str, seed: int, steps: int | None, reports: Any) -> None:
    """Simulate one strategy, sending each step's row; store it and write its files."""
    from lever.cli import store_run
    from lever.cli_store import stoppable
    from lever.engine import simulate
    from lever.provenance import Provenance
    from lever.results import summarize, write_run
    from lever.scenarios import validate
    from lever.store import Experiment

    field = validate(data, "scenario")
    exp = Experiment.create(Path(store), name_of(spec := run_spec(field, strategy, seed, steps)), spec)
    try:
        with stoppable():
            run = simulate(field, strategy, seed=seed, steps=steps,
                           on_row=lambda t, row: reports.put(("row", t, [float(x) for x in row])))  # fmt: skip
        store_run(exp, run)
        write_run(run, exp.folder / FILES, Provenance(COMMAND, field, {"strategy": strategy, "seed": seed, "steps": steps}))
        reports.put(("done", {"summary": summarize(run), "flows": run.flows.tolist(), "labels": run.labels}))
    except KeyboardInterrupt:
        reports.put(("failed", "cancelled; nothing of this run was stored"))
    except Exception as err:  # noqa: BLE001 - the page shows what went wrong, in one line
        reports.put(("failed", f"{type(err).__name__}: {err}"[:500]))
    finally:
        exp.close()


def weigh_job(data: dict[str, Any], store: str, samples: int, replications: int, seed: int, steps: int | None,
              reports: Any) -> None:  # fmt: skip
    """Weigh every strategy across the uncertainties, in this process; store the runs and
    write the report (ranking, conclusion, figures) beside them."""
    from lever.cli_store import stoppable
    from lever.experiments.execute import Interrupted
    from lever.scenarios import validate
    from lever.store import Experiment
    from lever.weigh import Design, RunsFailed, weigh

    field = validate(data, "scenario")
    exp = Experiment.create(Path(store), name_of(spec := weigh_spec(field, samples, replications, seed, steps)), spec)
    try:
        design = Design(field, samples=samples, replications=replications, seed=seed, steps=steps)
        with stoppable():
            result = weigh(design, jobs=1, store=exp, on_done=lambda done, total: reports.put(("progress", done, total)))
        reports.put(("done", _write_report(result, field, spec, exp.folder / REPORT)))
    except Interrupted as stop:
        reports.put(("failed", f"cancelled; kept {stop.kept} of {stop.total} runs in the store (start it again to resume)"))
    except RunsFailed as err:
        reports.put(("failed", str(err)))
    except Exception as err:  # noqa: BLE001 - the page shows what went wrong, in one line
        reports.put(("failed", f"{type(err).__name__}: {err}"[:500]))
    finally:
        exp.close()


def _write_report(result: Any, field: Scenario, spec: dict[str, Any], folder: Path) -> dict[str, Any]:
    """``lever weigh``'s report (report.html, figures, runs.parquet) in ``folder``; the
    conclusion for the page (the ranking it reads from the store, as ``lever results`` does)."""
    from lever.analysis import baseline_strategy, conclusion, rank
    from lever.outcomes import DEFAULT_OUTCOME
    from lever.provenance import Provenance
    from lever.report import write_report

    ranking = rank(result.runs, DEFAULT_OUTCOME, baseline_strategy(field))
    settings = {k: spec[k] for k in ("samples", "replications", "seed", "steps")} | {"outcome": DEFAULT_OUTCOME}
    write_report(result, ranking, folder, Provenance(COMMAND, field, settings))
    return {"conclusion": conclusion(ranking, spec["samples"], spec["replications"])}
