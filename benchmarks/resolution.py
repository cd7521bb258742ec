"""Does the group's result depend on how coarse the mass populations are?

Runs every built-in strategy of britain-1933 at its default values (no uncertainty sampled)
over several seeds, at the default scale (Labour and the unorganized at 20 persons per agent)
and at ``--scale 1`` (every person an agent), each run with its twin, and prints the median
of the group's members and of the persons newly won per strategy and scale, with the
seeds' spread (the half-width of the central 90% of the seeds). Person by person where the
group acts (docs/ODD.md §2) means the two scales agree within 10% or within that spread.

    .venv/bin/python benchmarks/resolution.py [--seeds 5] [--out resolution.json]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

import lever
from lever.experiments.design import Design
from lever.experiments.runs import run_design
from lever.model.loading import with_scale, without_uncertainties

OUTCOMES = ("group_members", "newly_won")


def measure(field, seeds: int) -> dict:
    design = Design(field, samples=1, replications=seeds, seed=0)
    runs = run_design(design, jobs=1).runs
    out = {}
    for strategy, mine in runs.groupby("strategy", sort=False):
        out[strategy] = {}
        for name in OUTCOMES:
            x = mine[name].to_numpy(float)
            low, mid, high = np.quantile(x, [0.05, 0.5, 0.95])
            out[strategy][name] = {"median": float(mid), "spread": float((high - low) / 2), "values": x.tolist()}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--out", default="resolution.json")
    args = parser.parse_args()
    base = lever.load("britain-1933")
    base = without_uncertainties(base, [u.path for u in base.uncertainties], "resolution")
    results = {}
    for label, field in (("default", base), ("scale 1", with_scale(base, 1.0))):
        t = time.perf_counter()
        results[label] = measure(field, args.seeds)
        print(f"{label}: {time.perf_counter() - t:.0f} s", flush=True)
    print("\n| strategy | outcome | default median | scale 1 median | seeds' spread | within |")
    print("|---|---|---|---|---|---|")
    for strategy, by in results["default"].items():
        for name in OUTCOMES:
            a, b = by[name], results["scale 1"][strategy][name]
            tolerance = max(0.1 * abs(b["median"]), a["spread"], b["spread"])
            ok = abs(a["median"] - b["median"]) <= tolerance
            print(
                f"| {strategy} | {name} | {a['median']:.1f} | {b['median']:.1f} | "
                f"{max(a['spread'], b['spread']):.1f} | {'yes' if ok else 'NO'} |"
            )
    with open(args.out, "w") as fh:
        json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
