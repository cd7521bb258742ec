"""The explore driver: its peak memory from 10^3 to 10^4 runs, and its overhead per run.

    python benchmarks/explore_driver.py memory RUNS     # one sweep of a tiny field; prints JSON
    python benchmarks/explore_driver.py overhead RUNS   # RUNS britain-1933 runs at default scale
    python benchmarks/explore_driver.py                 # both memory sizes and the overhead

``memory``: a Latin-hypercube exploration of RUNS runs of a field of ~3,500 agents over 2 weeks,
through the local pool of 2 workers, streamed to a store in a temporary folder; the driver's
peak resident memory (``ru_maxrss`` of the driver alone: workers are other processes).
``overhead``: the same machinery run in the driver itself (no pool), so that its wall time is
the runs plus everything the driver adds (making tasks, tables, Parquet parts with one part
per run: the worst case); overhead = wall time - time inside the runs, per run, as a share of
a run.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lever.experiments import execute
from lever.experiments.execute import InProcess, StoreSink, sweep
from lever.experiments.explore import Exploration
from lever.experiments.tasks import TRACKED
from lever.model.loading import load, with_values
from lever.store import Experiment

TINY = {"organizations.labour.size": 2000.0, "organizations.ilp.size": 300.0, "organizations.cpgb.size": 200.0,
        "organizations.group.size": 10.0, "unorganized.size": 1000.0, "horizon_weeks": 12.0}  # fmt: skip


def memory(runs: int) -> dict:
    field = with_values(load("britain-1933"), TINY)
    design = Exploration(field, "lhs", runs, steps=2, strategies=("outside",))
    with tempfile.TemporaryDirectory() as root:
        exp = Experiment.create(Path(root), "bench", design.spec())
        exp.write_design(design.table())
        start = time.perf_counter()
        swept = sweep(design, field, 2, exp, jobs=2)
        wall = time.perf_counter() - start
        exp.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"runs": runs, "ok": swept.ok, "wall_s": round(wall, 1), "driver_peak_mb": round(peak_mb, 1)}


class TimedInProcess(InProcess):
    """Runs in the driver, adding up the time spent inside the runs."""

    inside = 0.0

    def submit(self, task):
        start = time.perf_counter()
        fut = super().submit(task)
        TimedInProcess.inside += time.perf_counter() - start
        return fut


def overhead(runs: int) -> dict:
    field = load("britain-1933")
    design = Exploration(field, "lhs", runs, strategies=("enter_ilp_faction",))
    execute.BATCH_RUNS = 1  # one Parquet part per run: the most the driver can add
    with tempfile.TemporaryDirectory() as root:
        exp = Experiment.create(Path(root), "bench", design.spec())
        # one run first, outside the measure: compiling the kernels is not the driver's overhead
        execute.attempt(field, None, design[0], True)
        start = time.perf_counter()
        exp.write_design(design.table())
        sink = StoreSink(exp, TRACKED)
        pool = TimedInProcess(field, None, True)
        execute.execute(design, pool, sink, todo=iter(range(len(design))), catch=True)
        sink.flush()
        wall = time.perf_counter() - start
    per_run = TimedInProcess.inside / runs
    extra = (wall - TimedInProcess.inside) / runs
    return {"runs": runs, "run_s": round(per_run, 3), "driver_s_per_run": round(extra, 4),
            "overhead_pct": round(100 * extra / per_run, 2)}  # fmt: skip


def main() -> None:
    if len(sys.argv) == 3:
        what, runs = sys.argv[1], int(sys.argv[2])
        print(json.dumps(memory(runs) if what == "memory" else overhead(runs)))
        return
    results = []
    for args in (["memory", "1000"], ["memory", "10000"], ["overhead", "8"]):
        out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(results[-1], flush=True)
    growth = results[1]["driver_peak_mb"] - results[0]["driver_peak_mb"]
    print(json.dumps({"peak_growth_mb_1e3_to_1e4": round(growth, 1), "overhead_pct": results[2]["overhead_pct"]}))


if __name__ == "__main__":
    main()
