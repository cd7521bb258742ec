"""What a first run costs: the kernels compiled cold, and what later processes pay (issue 26).

Each measurement runs in a fresh process with ``NUMBA_CACHE_DIR`` pointed at an empty temporary
folder (so nothing compiled before, by this checkout or another, is reused), in this order:

1. ``cold run``: ``lever run --steps 1`` with the empty cache: it compiles every kernel it calls;
2. ``python after the CLI``: ``import lever; lever.simulate(britain-1933, steps=1)`` in plain
   Python, sharing the cache the CLI filled (must pay no second compile);
3. ``warm`` (``lever warm``, what ``bin/_venv.sh`` runs at install) into a second empty cache,
   then ``run after warm``: ``lever run --steps 1`` on it.

Wall time and the CPU time of the process (user + system) for each, and the load average
before and after: on a shared machine the wall time swings with the load, the CPU time far less.

    .venv/bin/python benchmarks/first_run.py [--reps N] [--no-warm]

(``PYTHONPATH=<another checkout>/src`` measures that checkout's Lever with this environment.)
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
SIMULATE = "import lever; lever.simulate(lever.load('britain-1933'), steps=1)"


def timed(command: list[str], cache: str, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds of ``command`` run with the compile cache ``cache``."""
    env = {**os.environ, "NUMBA_CACHE_DIR": cache}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, env=env, cwd=out, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def once(work: Path, warm: bool) -> dict[str, tuple[float, float]]:
    cold, warmed = tempfile.mkdtemp(dir=work), tempfile.mkdtemp(dir=work)
    lever = str(BIN / "lever")
    times = {
        "cold run": timed([lever, "run", "--steps", "1", "--out", "cold"], cold, work),
        "python after the CLI": timed([sys.executable, "-c", SIMULATE], cold, work),
    }
    if warm:
        times["warm (install step)"] = timed([lever, "warm"], warmed, work)
        times["run after warm"] = timed([lever, "run", "--steps", "1", "--out", "warmed"], warmed, work)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=1, help="repetitions (each with fresh caches)")
    parser.add_argument("--no-warm", action="store_true", help="skip 3. (a Lever before `lever warm`)")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for rep in range(args.reps):
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            for name, (wall, cpu) in once(work, warm=not args.no_warm).items():
                print(f"rep {rep + 1}  {name:22s} wall {wall:6.1f} s  cpu {cpu:6.1f} s", flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
