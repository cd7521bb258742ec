"""The page's jobs as they run in a child process: one run, or one weigh, into the store.

They are ``lever run``'s and ``lever weigh``'s own jobs (:mod:`lever.sim.stored`,
:mod:`lever.weigh.job`) with the same experiment settings, so the same settings from the page
or the command line name the same experiment and write the same report; they report to the
page through ``reports`` (see :mod:`lever.web.jobs`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: Where in an experiment's folder the page keeps the files a user downloads.
FILES, REPORT = "files", "report"
COMMAND = "lever serve (the page)"
#: The environment variable naming a file whose presence holds a weigh after each report of
#: progress, until the file is gone: a test of cancelling holds the job so that it cannot end
#: before the cancel lands, however slow the machine (a race on time, otherwise)
HOLD = "LEVER_JOB_HOLD"


def run_job(data: dict[str, Any], store: str, strategy: str, seed: int, steps: int | None, reports: Any) -> None:
    """Simulate one strategy, sending each step's row; store it and write its files."""
    from lever.experiments.execute import stoppable
    from lever.model.loading import validate
    from lever.sim.engine import simulate
    from lever.sim.results import summarize, write_run
    from lever.sim.stored import run_spec, store_run
    from lever.store import Experiment, spec_name
    from lever.store.provenance import Provenance

    field = validate(data, "scenario")
    spec = run_spec(field, strategy, seed, steps)
    exp = Experiment.create(Path(store), spec_name("run", field.name, spec), spec)
    try:
        with stoppable():
            run = simulate(field, strategy, seed=seed, steps=steps,
                           on_row=lambda t, row: reports.put(("row", t, [float(x) for x in row])))  # fmt: skip
        store_run(exp, run)
        write_run(
            run, exp.folder / FILES, Provenance(COMMAND, field, {"strategy": strategy, "seed": seed, "steps": steps})
        )
        reports.put(("done", {"summary": summarize(run), "flows": run.flows.tolist(), "labels": run.labels}))
    except KeyboardInterrupt:
        reports.put(("failed", "cancelled; nothing of this run was stored"))
    except Exception as err:  # noqa: BLE001 - the page shows what went wrong, in one line
        reports.put(("failed", f"{type(err).__name__}: {err}"[:500]))
    finally:
        exp.close()


def weigh_job(data: dict[str, Any], store: str, samples: int, replications: int, seed: int, steps: int | None,
              reports: Any) -> None:  # fmt: skip
    """``lever weigh``'s job in this process: every strategy across the uncertainties, into the
    store, and its report (ranking, conclusion, regions, sensitivity, warnings, figures) in
    the experiment's folder."""
    from lever.experiments.execute import Interrupted, stoppable
    from lever.experiments.runs import RunsFailed
    from lever.model.loading import validate
    from lever.store.provenance import Provenance
    from lever.weigh.job import WeighSettings, weigh, write

    field = validate(data, "scenario")
    settings = WeighSettings(samples=samples, replications=replications, seed=seed, steps=steps)
    try:
        with stoppable():
            weighed = weigh(field, settings, Path(store), jobs=1, progress=_progress(reports))
        folder = weighed.experiment / REPORT
        write(weighed, folder, Provenance(COMMAND, field, weighed.settings_record(folder)))
        reports.put(("done", {"conclusion": weighed.conclusion(), "warnings": weighed.warnings}))
    except Interrupted as stop:
        reports.put(
            ("failed", f"cancelled; kept {stop.kept} of {stop.total} runs in the store (start it again to resume)")
        )
    except RunsFailed as err:
        reports.put(("failed", str(err)))
    except Exception as err:  # noqa: BLE001 - the page shows what went wrong, in one line
        reports.put(("failed", f"{type(err).__name__}: {err}"[:500]))


def _progress(reports: Any) -> Callable[[str], Any]:
    hold = os.environ.get(HOLD, "")

    def report(done: int, total: int) -> None:
        reports.put(("progress", done, total))
        while hold and done > 0 and os.path.exists(hold):  # a cancel (SIGTERM) ends the wait
            time.sleep(0.05)

    @contextmanager
    def batch(_description: str) -> Iterator[Callable[[int, int], None]]:
        yield report

    return batch
