"""Lever's own model at one size: build, step, measure (run in a subprocess per size).

    python benchmarks/lever_model.py AGENTS STEPS [--ties default|10]

Prints one JSON line: build seconds, seconds per full step (the six mechanisms, as
``lever.sim.engine.step``; the median of STEPS steps after ``WARM_STEPS``, whose times are given
too), agent-steps per second, bytes per agent held in the population's and the network's
arrays, and the process's peak resident memory per agent.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from field import scaled_field

from lever.kernels.draw import run_key
from lever.model.build import build_params, build_state, schedules_to
from lever.sim.engine import make_network, step, with_room

#: steps run on the measured field before the timed ones: each kernel with a parallel twin
#: (lever.kernels.threads) tries both ways on its first four calls at a new size, as a run
#: does on its first steps; the timed steps are the run's steady state
WARM_STEPS = 4


def peak_bytes() -> int:
    """Peak resident bytes of this process (``VmHWM``: ``ru_maxrss`` is carried over from the
    runner that started it)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("agents", type=float)
    p.add_argument("steps", type=int)
    p.add_argument("--ties", choices=["default", "10"], default="10")
    a = p.parse_args()
    # compile (or load the cache) on a small field first
    warm = scaled_field(20_000)
    rng = np.random.default_rng(0)
    st = build_state(warm, rng)
    net = make_network(warm, st.n, rng)
    prm = build_params(warm, warm.strategies[warm.default_strategy])
    K = len(warm.organizations)
    st = with_room(st, prm)
    step(st, prm, net, 1, np.zeros((K + 1, K + 1)), run_key(0), st.branch_start.shape[0] - 1)
    del st, net
    base = peak_bytes()

    field = scaled_field(int(a.agents), *((None, None) if a.ties == "default" else (5, 1)))
    rng = np.random.default_rng(np.random.SeedSequence(0))
    t0 = time.perf_counter()
    state = build_state(field, rng)
    t1 = time.perf_counter()
    net = make_network(field, state.n, rng)
    t2 = time.perf_counter()
    # the schedules held past the horizon, as simulate holds them: the steps asked may outrun it
    params = schedules_to(build_params(field, field.strategies[field.default_strategy]), WARM_STEPS + a.steps)
    n = state.n
    flows = np.zeros((K + 1, K + 1))
    nb = state.branch_start.shape[0] - 1
    times = []
    key = run_key(0)
    for t in range(1, WARM_STEPS + a.steps + 1):
        # room for the persons a step may split off is made between steps, as in simulate
        state = with_room(state, params)
        s0 = time.perf_counter()
        step(state, params, net, t, flows, key, nb)
        times.append(time.perf_counter() - s0)
    warm, times = times[:WARM_STEPS], times[WARM_STEPS:]
    state_bytes = sum(x.nbytes for x in state)
    net_bytes = net.indptr.nbytes + net.indices.nbytes
    out = {
        "agents": n,
        "mean_degree": net.indices.size / n,
        "build_state_s": t1 - t0,
        "build_network_s": t2 - t1,
        "step_s": float(np.median(times)),
        "warm_step_s": warm,
        "steps": a.steps,
        "steps_per_s": 1.0 / float(np.median(times)),
        "agent_steps_per_s": n / float(np.median(times)),
        "state_bytes_per_agent": state_bytes / n,
        "network_bytes_per_agent": net_bytes / n,
        "bytes_per_agent": (state_bytes + net_bytes) / n,
        "peak_rss_bytes_per_agent": peak_bytes() / n,
        "peak_rss_over_base_per_agent": (peak_bytes() - base) / n,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
