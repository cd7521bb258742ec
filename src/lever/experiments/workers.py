"""How many worker processes ``lever weigh`` and ``lever theses`` use when ``--jobs`` is not given.

A worker process costs its start before it runs anything: a fresh interpreter, the imports
and the compiled kernels read from the cache, about two seconds of a core (measured on the
project's 2-core machine: 1.7 s of CPU). A small design is over before a pool has started,
and a busy machine has no core free for a second worker. So the default is the number of
workers expected to finish first, counting the pool's start and the cores others hold,
among 1 (in-process, no pool) up to all cores; a pool is taken only when it is expected to
save at least a quarter of the time. Results do not depend on it (every run has its own
seed).
"""

from __future__ import annotations

import os
import time

from lever.model.build import agent_counts
from lever.model.scenario import Scenario

__all__ = ["auto_jobs", "default_jobs", "run_seconds"]

#: seconds of a core for a worker process to start (interpreter, imports, cached kernels)
WORKER_START_S = 2.0

#: a run's cost on a free core, measured on the project's 2-core machine at one thread:
#: britain-1933 at its default scale (43,620 agents, 104 steps) ~0.75 s since its persons are
#: kept one by one where the group acts (issue 10; 0.42 s before); a field of 660
#: agents, 12 steps ~5-9 ms
RUN_S, STEP_S, AGENT_STEP_S = 0.005, 0.0005, 150e-9

#: a pool must be expected to take at most this share of the in-process time
GAIN = 0.75


def run_seconds(scenario: Scenario, steps: int | None = None) -> float:
    """About how long one run of ``scenario`` takes on a free core."""
    agents = int(agent_counts(scenario).sum())
    n_steps = scenario.steps if steps is None else steps
    return RUN_S + n_steps * (STEP_S + agents * AGENT_STEP_S)


def default_jobs() -> int:
    """The cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _cpu_times() -> tuple[int, int] | None:
    """(idle, total) jiffies of all processors, from /proc/stat (Linux), or None."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    return fields[3] + fields[4], sum(fields)


def _busy(cores: int, window: float = 0.25) -> float:
    """Processors others keep busy now: the share of time not idle over ``window`` seconds
    (from /proc/stat; else the 1-minute load average), times the processors. 0 where the
    machine counts more processors than this process may use (a container's share of a
    host: its load is not ours to judge) or where neither can be read."""
    if (os.cpu_count() or cores) != cores:
        return 0.0
    first = _cpu_times()
    if first is None:
        return max(0.0, os.getloadavg()[0]) if hasattr(os, "getloadavg") else 0.0
    time.sleep(window)
    second = _cpu_times()
    if second is None or second[1] <= first[1]:
        return 0.0
    idle = (second[0] - first[0]) / (second[1] - first[1])
    return max(0.0, cores * (1.0 - idle))


def expected_seconds(jobs: int, runs: int, per_run: float, cores: int, busy: float) -> float:
    """Wall time of ``runs`` runs of ``per_run`` seconds each on ``jobs`` workers (1: in
    this process, no pool), when ``busy`` other runnable tasks share the ``cores`` fairly."""
    share = min(float(jobs), cores * jobs / (jobs + busy)) if jobs + busy > 0 else float(jobs)
    start = 0.0 if jobs == 1 else WORKER_START_S * jobs / share
    return start + runs * per_run / share


def auto_jobs(runs: int, per_run: float, cores: int | None = None, busy: float | None = None) -> int:
    """Workers for ``runs`` runs of about ``per_run`` seconds each: the count expected to
    finish first, a pool only where it saves at least ``1 - GAIN`` of the time."""
    cores = default_jobs() if cores is None else cores
    if busy is None:
        if auto_jobs(runs, per_run, cores, 0.0) == 1:
            return 1  # too little work for a pool even on an idle machine: no need to look
        busy = _busy(cores)
    alone = expected_seconds(1, runs, per_run, cores, busy)
    best, best_s = 1, alone
    for jobs in range(2, cores + 1):
        s = expected_seconds(jobs, runs, per_run, cores, busy)
        if s <= GAIN * alone and s < best_s:
            best, best_s = jobs, s
    return best
