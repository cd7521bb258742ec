"""What every peer script shares: arguments, the timing loop and the one-line JSON answer.

Each script runs in its own environment (benchmarks/.envs/...), reads the same edge list,
builds its model, warms up, then repeats units of work (a sweep of ``n`` agent-updates, or
a run of single updates) until ``--seconds`` have passed, and prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time


def args():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=["deffuant", "voter"], required=True)
    p.add_argument("--variant", default="")
    p.add_argument("--edges", required=True)
    p.add_argument("--seconds", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args()


def rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB.

    ``VmHWM`` from /proc: ``ru_maxrss`` would do, but Linux carries it over ``fork`` and
    ``exec``, so a child of a big runner would report the runner's peak.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def read_edges(path: str) -> list[tuple[int, int]]:
    with open(path) as fh:
        return [tuple(map(int, line.split()[:2])) for line in fh if line.strip() and line[0] != "#"]


def read_graph(path: str):
    """The edge list as a NetworkX graph on nodes 0..n-1 in sorted order (the peers' input;
    NetworkX is imported here, inside the peers' own environments)."""
    import networkx as nx

    g = nx.Graph()
    g.add_edges_from(read_edges(path))
    return nx.convert_node_labels_to_integers(g, ordering="sorted")


def measure(unit, seconds: float) -> tuple[int, float]:
    """Call ``unit()`` (returns agent-updates done) until ``seconds`` pass: (updates, time)."""
    done = 0
    t0 = time.perf_counter()
    while True:
        done += unit()
        el = time.perf_counter() - t0
        if el >= seconds:
            return done, el


def report(updates: int, seconds: float, base_mb: float, **extra) -> None:
    peak = rss_mb()
    out = {
        "updates": updates,
        "seconds": seconds,
        "rate": updates / seconds,
        "peak_mb": peak,
        "base_mb": base_mb,
        "model_mb": peak - base_mb,
        **extra,
    }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
