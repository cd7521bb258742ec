"""Weigh throughput: runs per minute of britain-1933 at its default scale.

    python benchmarks/weigh_rate.py SAMPLES JOBS

One replication per draw, every strategy: SAMPLES x strategies runs, through
``lever.weigh.weigh`` (as ``lever weigh`` does; JOBS > 1 is its process pool, whose start-up
is counted). JOBS ``auto`` is what ``lever weigh`` takes without ``--jobs``
(:func:`lever.experiments.workers.auto_jobs`).
"""

from __future__ import annotations

import json
import sys
import time

import lever
from lever.experiments.design import Design
from lever.experiments.runs import run_design
from lever.experiments.workers import auto_jobs, run_seconds


def main() -> None:
    samples, asked = int(sys.argv[1]), sys.argv[2]
    field = lever.load("britain-1933")
    lever.simulate(field, steps=2)  # compile or load the kernels in this process
    design = Design(field, samples=samples, replications=1, seed=0)
    runs = len(design.tasks())
    t = time.perf_counter()
    jobs = auto_jobs(runs, run_seconds(field)) if asked == "auto" else int(asked)
    run_design(design, jobs=jobs)
    el = time.perf_counter() - t
    print(
        json.dumps(
            {
                "samples": samples,
                "jobs": jobs,
                "asked": asked,
                "runs": runs,
                "seconds": el,
                "runs_per_minute": runs / el * 60.0,
            }
        )
    )


if __name__ == "__main__":
    main()
