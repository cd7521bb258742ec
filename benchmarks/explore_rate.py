"""Explore throughput: runs per minute of britain-1933 at its default scale.

    python benchmarks/explore_rate.py SAMPLES JOBS [SAMPLER]

An exploration as ``lever explore`` runs it (SAMPLER ``lhs``, the default, ``sobol`` or
``morris``; every strategy, one replication), streamed into a store in a temporary folder
through JOBS worker processes, whose start-up is counted. Prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import lever
from lever.experiments.execute import sweep
from lever.experiments.explore import Exploration
from lever.store import Experiment


def main() -> None:
    samples, jobs = int(sys.argv[1]), int(sys.argv[2])
    sampler = sys.argv[3] if len(sys.argv) > 3 else "lhs"
    field = lever.load("britain-1933")
    lever.simulate(field, steps=2)  # compile or load the kernels in this process
    design = Exploration(field, sampler, samples)
    with tempfile.TemporaryDirectory() as root:
        exp = Experiment.create(Path(root), "bench", design.spec())
        exp.write_design(design.table())
        start = time.perf_counter()
        swept = sweep(design, field, None, exp, jobs=jobs)
        seconds = time.perf_counter() - start
        exp.close()
    runs = swept.ok
    print(json.dumps({"sampler": sampler, "samples": samples, "jobs": jobs, "runs": runs, "seconds": seconds,
                      "runs_per_minute": runs / seconds * 60.0}))  # fmt: skip


if __name__ == "__main__":
    main()
