"""Lever's benchmarks: peers side by side (idle, and under a background load the script
starts and stops itself), Lever's own model up to 10^8 agents, weigh throughput, weigh and
explore against the previous commit (its ``src/`` from git, paired runs) and the machine's
random-read limit. Prints the tables and writes BENCHMARKS.md.

    ./bin/bench            # full (about 25 minutes on 2 cores); sets up .venv/ if needed
    ./bin/bench --quick    # a smoke run (a few minutes); not for the record

Every measurement runs in its own subprocess: Lever in the project's venv, Mesa 3.5 and NDlib
in environments this script builds under benchmarks/.envs (Python >= 3.12 for Mesa: see
``find_python``). Peak memory is each subprocess's ``VmHWM``. The peers read one
Barabási-Albert edge list per size, written once. Implementations are interleaved within each
repetition (the order rotates), and each ratio is taken pair by pair within a repetition,
then the median over repetitions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import json
import os
import platform
import shutil
import signal
import statistics as stats
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
ENVS = HERE / ".envs"
LEVER_PY = Path(sys.executable)
ENV_SPECS = {
    "mesa": ("3.12", ["mesa==3.5.*", "networkx"]),
    "ndlib": (None, ["ndlib", "six", "scikit-learn"]),
}
IMPLS = ["lever", "lever-1t", "lever-1t-again", "mesa-lean", "mesa-idiomatic", "ndlib"]
#: measured twice, the same way: how far apart one configuration's two measurements fall
#: (an A/A control) says what "not below" can mean for the paired ratios
SINGLE = ("lever-1t", "lever-1t-again")
PEERS = ["mesa-lean", "mesa-idiomatic", "ndlib"]
CONDITIONS = ("idle", "loaded")

#: the loaded condition's background load: one process spinning on one core, started and
#: stopped by this script (it also dies with the script: PR_SET_PDEATHSIG)
SPIN = """\
import ctypes, os, signal, sys
ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with the runner
if os.getppid() != int(sys.argv[1]):
    sys.exit()
while True:
    pass
"""

#: What was optimized for issue 6, measured on this machine while the work was done (not
#: re-measured by this script): before -> after.
NOTES = """\
## What was optimized (issue 6)

Profiled first: at 10^6 agents (britain-1933 scaled, workplace_ties 4, random_ties 1, mean
degree 8.4) a step took 387 ms, of which the conversation kernel 346 ms (~350 ns a
conversation: dependent random loads), press 9 ms, leaving and joining 13 ms. Changes, each
under the existing tests (plus new ones where noted), before -> after on this machine:

| change | before | after |
|---|---:|---:|
| conversation: pairs drawn for a block of 4,096, then each level of the partner lookup for the whole block, then the exchanges in order (partners never depend on opinions) | 346 ms/sweep | 254 ms |
| conversation: what a talk reads of a person (organization, expelled-from, stratum, committed, faction) packed into one 64-bit word per sweep | 254 ms | 195 ms |
| conversation: three draws per conversation (who, branch or network, which), lookups stage by stage | 195 ms | 105 ms |
| conversation: steps computed for the block before the exchanges; exchange without an unpredictable branch (a zero step leaves an opinion exactly as it was) | 105 ms | 92 ms |
| conversation: the committed's extra talks in the same blocks | 84 ms | 77 ms |
| conversation: the lookups of a block on both cores (Numba `prange`; no draws in them, so the same seed gives the same bits for any thread count; tested) | 77 ms | 53 ms |
| conversation: branch-or-network toss from the fraction left over of the talker's draw (packing on both cores too: 46 ms; kept on one thread in the end, ~50 ms) | 53 ms | ~50 ms |
| press: readers of each (organ, organization) counted off by geometric gaps, one draw per reader reached (same chances; tested) | 8.8 ms | 4.4 ms |
| full step at 10^6 agents | 387 ms (2.6 M agent-steps/s) | ~77 ms (~13 M) |
| classic Deffuant (shared exchange kernel): blocks, lookups on both cores, one draw per update where its leftover fraction is fine enough (n x max degree <= 2^32) | 24 ns/update at 10^4, 40 ns at 10^5 | ~10 ns, ~11 ns |
| classic Deffuant, second pass (profiled: the partner lookup ~6 ns a pair on one thread, a random read in 8 MB of int64 indices; the in-order exchange ~2 ns): classic network CSR in int32 where it fits | ~10 ns/update at 10^5 | 5.9 ns |
| draws keyed by the update's index (SplitMix64 output t of a stream keyed once per model, `lever.kernels.draw.keyed_uniform`), so a block's pairs are drawn on all threads; draws in loops without a branch, which Numba vectorizes into AVX-512 gathers | 5.9 ns | 4.9 ns |
| pipelined (`lever.classic.pairs`): one thread makes block k's exchanges in order while all draw block k+1's pairs (the exchanging thread a share smaller by 0.6, the measured cost ratio); the 1-D exchange in registers | 4.9 ns | ~3.6 ns |
| Deffuant's convergence check: resumes at the node where it last found two neighbours still moving, and is skipped once convergence has been seen (unless the run stops on it); it had cost up to a full scan of the edges per sweep | ~5.3 ns per update inside `run()` | ~3.8 ns |
| conversation: a prefetch (`llvm.prefetch`, a Numba intrinsic in `lever.kernels.prefetch`) some talks ahead for the rows the exchanges will write and for the branch and who-is-who the lookups will read; bit for bit the same opinions (checked at 3x10^4 and 7x10^5 agents) | converse 78 ms, step ~120 ms at 10^6 (see below) | converse ~42 ms, step ~81-86 ms |
| classic voter on the same pair stream; its copy without a branch; zealots passed to the kernel as bytes (Numba takes a read from a bool array for a possible alias and then does not vectorize the draws) | ~25 ns/update at 10^5 | ~3.6-4.5 ns |
| network: a compiled counting-sort CSR builder (sorted rows, same edges as the SciPy build, tested) and workplace draws in chunks (the same numbers) instead of SciPy on 64-bit edge pairs | could not build 10^8 in 24 GiB | 10^8 agents built in ~2-3 min, peak RSS ~14 GiB |

This machine's speed for the full step moved under us: the same code (commit d37f926) took
79 ms a step at 10^6 agents at 21:11 UTC and 126 ms when re-measured at 22:50, while its
random-read figures (section 4) barely moved; the step's working set (~100 MB) had come to
wait on memory. The prefetches above brought it to ~81-86 ms in that slower state.

Threads: the parallel stages run only from 2^19 agents (the engine) and 2^13 nodes (classic
Deffuant and voter), on one thread below, and a run inside a worker pool (`lever weigh --jobs`)
keeps to one thread. Measured while this was done: with both cores busy (two pool workers,
or another developer's test run) the fork-join stages of Numba's OpenMP layer slowed the
default-scale runs 10-25 times (weigh `--jobs 2` fell to 17 runs/min). Neither the classic
models nor the engine depend on it any more (issue 17, below): each call runs on all threads
or on one, whichever was measured faster (the way in use by a moving average, the other by
its last try, and only by a margin of 10 %; `lever.kernels.threads.PathChoice`).

## Speed on a busy machine (issue 17)

Measured first, on this machine with other developers' work on it (load average 4-6 on the two
cores): Deffuant at 10^5 nodes ran 0.5-0.7 M updates/s on two threads against 55-58 M/s on
one. The pipeline of issue 6 opened a parallel region per block of 8,192 updates (a few
microseconds of work), and a region ends only when every thread has finished its part: a
thread that lost its core for a scheduler slice stalled every block. A trace of single calls
then showed the rest: even with one region per call, a call ended 30-40 ms late whenever the
helper thread could not get a core, against about 1 ms of work.

| change | before | after |
|---|---:|---:|
| classic Deffuant and voter: one parallel region per call (Deffuant's sweeps in one call once nothing is looked at between them); worker 0 makes the updates in order, the others draw blocks ahead into a ring of 32 slots, handed over by atomic flags (release/acquire, compare-and-swap: `lever.kernels.atomic`); worker 0 never waits: a block not ready it draws itself (claimed, so no helper draws it again; if a helper is on it, worker 0 draws the next block meanwhile); the same bits for any number of threads (tested, every layout) | Deffuant 10^5, 2 threads, load average 4.6-6.2: 0.5-0.7 M/s | 64-77 M/s (one thread: 58-61 M/s) |
| the same for the voter | 0.7-19 M/s | 62-69 M/s (one thread: 66-67 M/s) |
| both together, Lever's benchmark peer (Deffuant, 10^5 nodes, all threads), the code before (f18bc24) and after run in turn, 3 pairs, load average 6-8; with one core also kept busy by a spinner / without | 0.5-1.0 / 0.4-0.5 M/s | 22-33 / 18-37 M/s |
| each call on all threads or on one, whichever was faster when last measured (`lever.classic.pairs.PathChoice`); the other way tried again once the chosen one has run 50 times as long as that way's last try took: a try that stalls costs at most 2 % | (a stalled region costs its call 30-40 ms) | at most the single-thread rate, less ~2 % |
| benchmark: Lever's peer warms up on the measured network, as the Mesa and NDlib peers do (it had loaded its parallel kernel from the cache inside the first timed second) | | |
| `lever weigh` / `theses` without `--jobs`: the count of workers expected to finish first (`lever.experiments.workers`: a worker's start ~2 s of a core, the cores others hold counted); a small design runs in-process. 660-agent field, 96 runs, load average ~3.5 | pool of 2: 6.8-10.2 s | in-process: 0.9-1.9 s |
| the same, britain-1933 default scale, 24 runs, load average ~3.5 | pool of 2: 31.9 s | in-process: 22.1 s |

The engine's own step, second pass (2026-12-01, quiet machine, britain-1933 scaled to 10^6
agents of one person, mean degree 9.6; per mechanism, median of steps 3-12, two threads):

| change | before | after |
|---|---:|---:|
| press: the readers of weight one read on all threads (each moves only their own opinion); coarse agents, which may split persons off, after them in index order | 24.5 ms | 6.6 ms |
| satisfaction: each person's update on all threads | 5.8 ms | 3.1 ms |
| leaving and joining: who passes the first draw decided on all threads (the power taken only where a few multiplications do not settle it: x^s <= x^floor(s) on [0, 1]), the moves in index order | 17.4 ms | 8.2 ms |
| the branches' layer: a stable counting sort in slices, counted and placed on all threads (the same layout for any number of slices) | 7.2 ms (twice a step) | 5.0 ms |
| capitulation, recruiting: the cadre and trainees found by a vectorized pass, not a compiled scan of every person | 4.0, 5.0 ms | 0.4, 2.5 ms |
| full step | 130 ms (7.7 M agent-steps/s) | 89-91 ms (11.0-11.2 M) in the profiling script; 92-95 ms (10.6-10.8 M) in section 2's run |
| every engine kernel with a parallel loop runs through `lever.kernels.threads.Threaded`: all threads or one, chosen per field size by `PathChoice` (below), and the one-thread way is the same compiled kernel on one thread, not a copy compiled without `parallel` (Numba's parallel lowering makes the stage-by-stage lookups tighter even on one thread) | conversation on one thread 128 ms at 10^6; 5.4 ms a sweep at britain-1933's default size; a default run (105 steps) 1.14 s | 78 ms; 3.3 ms; 0.91 s |
| room for split persons: no more than the coarse agents hold beyond one person each, grown by an eighth over the need instead of doubled | state arrays 160 B/agent at 10^6 | 90.5 B/agent |
| `PathChoice`: the wait before trying the other way again is reckoned in the coming call's updates (a try measured on a three-sweep warm-up had come back every few calls of twenty sweeps), and each try that loses again doubles it, up to 3,200 times the try | loaded (one core spinning), Deffuant 10^5: all threads over one thread 0.98 (0.92-1.01) in the run of 01:47 | 0.998 (0.985-1.029); voter 1.001 (0.983-1.107); 5 pairs each, quiet machine |
| OpenMP's helper threads spun for up to 300,000 turns (`GOMP_SPINCOUNT`, libgomp's default) after each parallel region: on a busy machine they took the core from the thread that still had work. `import lever` sets 30,000 unless the user set it or a wait policy (3,000 cost the engine's conversation 10 % idle: its regions follow one another closely) | loaded, a voter call of 20 sweeps at 10^5 on all threads: 37-60 ms when the helper shares the updater's core (14 ms on one thread); 12 pairs of 1-s windows, all threads over one thread: Deffuant 0.9865 (0.928-1.082), voter 0.9912 (0.963-1.027); with the margin below alone 0.9703 (0.892-1.135) and 0.995 (0.967-1.027) | 10-19 ms; Deffuant 1.006 (0.957-1.027), voter 0.9991 (0.981-1.016); idle within 1 % (full step at 10^6, ABBA: 91-94 ms either way) |
| `PathChoice` keeps the way in use until the other is measured faster by 10 % (`MARGIN`), the way in use measured by a moving average (`SMOOTH` 0.25): under load a call on all threads is fast (~10 ms) or slow, and one slow call on one thread had sent the next calls to all threads | see the row above | |
| benchmark: the full step is timed after four warm-up steps on the measured field (each parallel kernel tries both ways on its first four calls at a new size, as a run does on its first steps); an A/A control (`lever-1t-again`) gives the noise of a paired ratio near 1 | | |

Tried and dropped: pipelining the conversation (one thread holds block k's talks while the
others look up block k+1's partners) ran 73-87 ms a sweep against 56 ms: the lookups, moved
out of `prange` loops into plain loops a worker runs, lost what Numba's parallel lowering
gives them (the same 62 against 111 ms measured on one thread alone).

Left alone: opinions stay float64 (halving them would change every result's bits); the
state holds 80 bytes an agent since issue 11 added who capitulated, since when and from
where (`faction_since`, `expelled_from`, `convinced`, `kernel0`): with the network's
~47 bytes at mean degree 10 the arrays exceed the 120-byte target of issue 6 (packing the
flags into one byte and `root` into 32 bits would bring them to ~120); the conversation's
exchanges stay sequential (random sequential updates are the mechanism; a parallel exchange
would change it); the other classic models (naming game, majority rule, Hegselmann-Krause,
Bass); the serial twins of the classic kernels, which Numba does not vectorize (~11 ns an
update at 10^5, used only below 2^13 nodes).

## The first run's compile (issue 26)

Measured with `benchmarks/first_run.py` (each process with an empty temporary compile cache;
CPU time is the process's user + system time, which the load moves far less than the wall
time), on this machine with other developers' work on it (load average 5.7-6.0 on the two
cores), 2026-12-05, the code before (6704657) and after, two repetitions each:

| | before | after |
|---|---:|---:|
| a cold `lever run --steps 1` (compiles what it calls) | 49.8-50.9 s wall, 45.5-47.8 s CPU | 31.0-31.4 s wall, 29.8-29.9 s CPU |
| then `import lever; lever.simulate(...)` in plain Python, same cache | 2.5-2.6 s (no second compile) | 2.2-2.4 s (no second compile) |
| `lever warm`, what `bin/_venv.sh` runs at install (every kernel of the engine, the all-threads ones too) | | 47.1-50.1 s wall, 45.6 s CPU |
| a first `lever run --steps 1` after it | | 4.1 s wall, 3.7 s CPU |

Where the compile went, per kernel (seconds of the compiling thread's CPU, nested compiles
not counted; Numba's `numba:compile` events), before → after: the conversation's stages
`_talks` 6.3 (compiled parallel) → 2.7 (serial), the sweep around them 1.9 → 1.3, the
press's coarse readers 3.2 → 1.5 (+0.7 for `_read`, once), recruiting 2.9 → 2.8, leaving and
joining 2.3 → 1.8, entry 2.2 (+ ~2 s of Numba's argsort) → 1.6, `choose_destination` 2.0
(twice) → 0.4 (once), the per-person scans compiled parallel (press 1.8, branches 1.5, who
may move 0.9, satisfaction 0.6) → 0.2-0.6 serial; in all 45.6 → 27.7 s. The costs are spread:
for a kernel taking the population (`State`, 28 arrays) and `Params` (~70 fields) LLVM's
passes and Numba's lowering, not any one algorithm, are most of it.

| change | before | after |
|---|---:|---:|
| kernels only other kernels call compile without Numba's CPython and C wrappers (`lever.kernels.inner`; each wrapper unboxed the whole `State` and `Params`); a call from Python raises a TypeError | 43-45 s CPU | 38 s |
| the one-thread way of every `Threaded` kernel is a copy compiled without `parallel`; the parallel one compiles only when a field runs on all threads (britain-1933 never does). This reverses issue 17's choice (above: "the same compiled kernel on one thread"): measured again, the conversation's stages compiled serial run as fast on one thread as compiled parallel: a sweep 3.15 / 3.32 ms at britain-1933's size, 80 / 79 ms at 586,640 agents, 85 / 89 ms at 10^6 (serial / parallel on one thread, min of 15, interleaved) | 38 s | 29-32 s |
| `choose_destination` called with an int16 organization in one place (two compiled copies); `press._read` inlined in three places, and compiled for two literal booleans; entry's order sorted by Numba's argsort | | 29.6 s, with these three |
| the install compiles the kernels (`lever warm`), as packages with C extensions build at install | first run compiles | first run loads (~4 s) |

A default run (104 weeks) takes as long as before (0.8-1.2 s either way at this load).
Left: compiling the kernels of the mechanisms switched off (`_chosen`, `targeted`,
`acquaintance`: ~2 s) would need a copy of each caller without them.
"""


def say(*a) -> None:
    print(*a, flush=True)


def _python_version(exe: str) -> tuple[int, int] | None:
    """``exe``'s (major, minor), or None if it does not run (a pyenv shim for a version
    that is installed but not selected exits 127)."""
    try:
        r = subprocess.run(
            [exe, "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return None
    parts = r.stdout.split()
    return (int(parts[0]), int(parts[1])) if r.returncode == 0 and len(parts) == 2 else None


def find_python(version: str | None) -> str:
    """A Python of ``version`` (or newer) that really runs: ``LEVER_BENCH_PYTHON`` if set,
    else ``python<version>`` on the PATH, else any pyenv installation of it (under
    ``$PYENV_ROOT``, ``pyenv root``, ``~/.pyenv`` or ``/root/.pyenv``, selected or not),
    else ``python3.13``, ``python3.14`` on the PATH."""
    if version is None:
        return sys.executable
    want = tuple(int(x) for x in version.split("."))
    roots = [os.environ.get("PYENV_ROOT"), os.path.expanduser("~/.pyenv"), "/root/.pyenv"]
    try:
        roots.append(subprocess.run(["pyenv", "root"], capture_output=True, text=True, timeout=30).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    candidates = [os.environ.get("LEVER_BENCH_PYTHON"), shutil.which(f"python{version}")]
    for root in dict.fromkeys(r for r in roots if r):
        candidates += sorted(glob.glob(f"{root}/versions/{version}*/bin/python{version}"), reverse=True)
    candidates += [shutil.which(f"python3.{m}") for m in (13, 14)]
    for exe in candidates:
        got = _python_version(exe) if exe else None
        if got and got >= want:
            return exe
    sys.exit(
        f"Python {version} or newer not found: Mesa 3.5 needs it. Install one (for example "
        f"`pyenv install {version}`, or your system's python{version} package), or point "
        "LEVER_BENCH_PYTHON at its interpreter."
    )


def ensure_env(name: str) -> Path:
    version, packages = ENV_SPECS[name]
    py = ENVS / name / "bin" / "python"
    if py.exists():
        return py
    say(f"building benchmarks/.envs/{name} ...")
    base = find_python(version)
    if version is None:  # the project's venv python: build from its base interpreter
        base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(ENVS / name)], check=True)
    subprocess.run([str(py), "-m", "pip", "install", "-q", *packages], check=True)
    return py


@contextmanager
def background_load():
    """One process spinning on one core (the last this script may use) while the block
    runs; stopped when it ends, however it ends."""
    cpu = sorted(os.sched_getaffinity(0))[-1]
    spinner = subprocess.Popen(
        [sys.executable, "-c", SPIN, str(os.getpid())], preexec_fn=lambda: os.sched_setaffinity(0, {cpu})
    )
    try:
        time.sleep(0.5)
        yield f"one process spinning on CPU {cpu} of {os.cpu_count()}"
    finally:
        spinner.kill()
        spinner.wait()


def _stop_on_sigterm() -> None:
    """SIGTERM ends the script through its ``finally`` blocks (the load is stopped)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def run_json(cmd: list[str], cwd: Path = ROOT, timeout: float = 1200, env: dict | None = None) -> dict:
    r = subprocess.run(
        cmd,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=None if env is None else {**os.environ, **env},
    )
    lines = [x for x in r.stdout.splitlines() if x.startswith("{")]
    if r.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr[-3000:]}")
    return json.loads(lines[-1])


def _version(mod: str) -> str:
    import importlib.metadata as md

    try:
        return md.version(mod)
    except md.PackageNotFoundError:
        return "?"


def _commit() -> str:
    r = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "src"], cwd=ROOT, capture_output=True, text=True)
    return r.stdout.strip() + (" with uncommitted changes in src/" if dirty.stdout.strip() else "")


def _pv(py: Path | str, mod: str) -> str:
    v = pyver(py, mod).split()
    return f"{v[1]} on Python {v[0]}" if len(v) == 2 else "?"


def pyver(py: Path | str, mod: str) -> str:
    code = f"import importlib.metadata as m, sys; print(sys.version.split()[0], m.version('{mod}'))"
    return subprocess.run([str(py), "-c", code], capture_output=True, text=True).stdout.strip()


# ---------------------------------------------------------------------------------------- 1
def write_graphs(sizes: list[int]) -> dict[int, Path]:
    from lever.classic import barabasi_albert

    OUT.mkdir(parents=True, exist_ok=True)
    paths = {}
    for n in sizes:
        path = OUT / f"ba-{n}-m5.txt"
        if not path.exists():
            net = barabasi_albert(n, 5, np.random.default_rng(n))
            np.savetxt(path, net.edges(), fmt="%d")
        paths[n] = path
    return paths


def peers(sizes, reps, seconds, envs, condition="idle") -> list[dict]:
    graphs = write_graphs(sizes)
    cmd_of = {
        "lever": [str(LEVER_PY), "lever_peer.py"],
        "lever-1t": [str(LEVER_PY), "lever_peer.py"],
        "lever-1t-again": [str(LEVER_PY), "lever_peer.py"],
        "mesa-lean": [str(envs["mesa"]), "mesa_peer.py", "--variant", "lean"],
        "mesa-idiomatic": [str(envs["mesa"]), "mesa_peer.py", "--variant", "idiomatic"],
        "ndlib": [str(envs["ndlib"]), "ndlib_peer.py"],
    }
    rows = []
    for rep in range(reps):
        # rotated each repetition, and reversed every other one: no implementation always
        # runs just before another (an A/A control showed a run measured second in a pair
        # ~1 % faster)
        order = IMPLS[rep % len(IMPLS) :] + IMPLS[: rep % len(IMPLS)]
        order = order if rep % 2 == 0 else order[::-1]
        for n in sizes:
            for model in ("deffuant", "voter"):
                for impl in order:
                    cmd = cmd_of[impl] + [
                        "--model",
                        model,
                        "--edges",
                        str(graphs[n]),
                        "--seconds",
                        str(seconds),
                        "--seed",
                        str(rep),
                    ]
                    env = {"NUMBA_NUM_THREADS": "1"} if impl in SINGLE else None
                    r = run_json(cmd, cwd=HERE / "peers", env=env)
                    r.update(impl=impl, model=model, size=n, rep=rep, condition=condition)
                    rows.append(r)
                    say(
                        f"  {condition} rep {rep} {model:8s} n={n:>7,} {impl:15s} {r['rate']:14,.0f} updates/s"
                        f"  peak {r['peak_mb']:7.1f} MB"
                    )
    return rows


def peer_ratios(rows: list[dict]) -> dict:
    """(condition, model, size, impl) -> (median, min, max) of Lever's rate over the
    implementation's, paired within each repetition; plus the implementation's rates."""
    out = {}
    keys = {(r.get("condition", "idle"), r["model"], r["size"]) for r in rows}
    for cond, model, n in keys:
        sel = [r for r in rows if r.get("condition", "idle") == cond and r["model"] == model and r["size"] == n]
        lever_by_rep = {r["rep"]: r["rate"] for r in sel if r["impl"] == "lever"}
        for impl in IMPLS:
            rs = [r for r in sel if r["impl"] == impl and r["rep"] in lever_by_rep]
            if not rs:
                continue
            paired = [lever_by_rep[r["rep"]] / r["rate"] for r in rs]
            rates = [r["rate"] for r in rs]
            out[(cond, model, n, impl)] = {
                "ratio": stats.median(paired),
                "lo": min(paired),
                "hi": max(paired),
                "rate": stats.median(rates),
                "min": min(rates),
                "max": max(rates),
                "peak_mb": stats.median(r["peak_mb"] for r in rs),
                "model_mb": stats.median(r["model_mb"] for r in rs),
            }
        first = {r["rep"]: r["rate"] for r in sel if r["impl"] == SINGLE[0]}
        again = [first[r["rep"]] / r["rate"] for r in sel if r["impl"] == SINGLE[1] and r["rep"] in first]
        if again:  # the A/A control: one configuration over itself, paired; the standard
            # error of a median of that many such ratios (1.2533 sd / sqrt(pairs)) is how far
            # a paired median falls from 1 by the measurement alone
            sd = stats.stdev(again) if len(again) > 1 else 0.0
            out[(cond, model, n, "a/a")] = {
                "ratio": stats.median(again),
                "lo": min(again),
                "hi": max(again),
                "noise": 1.2533 * sd / len(again) ** 0.5,
            }
    return out


def peer_table(rows: list[dict], sizes) -> tuple[list[str], dict]:
    ratios = peer_ratios(rows)
    lines = [
        "| model | nodes | implementation | idle: agent-updates/s (median) | idle: range | "
        "idle: Lever's speed-up | loaded: agent-updates/s (median) | loaded: range | "
        "loaded: Lever's speed-up | peak RSS MB | RSS over imports MB |",
        "|---|---|---|---:|---|---:|---:|---|---:|---:|---:|",
    ]

    def cells(r, impl):
        if r is None:
            return ["–", "–", "–"]
        up = (
            "1"
            if impl == "lever"
            else f"{r['ratio']:,.2f}× ({r['lo']:,.2f}–{r['hi']:,.2f})"
            if impl in SINGLE
            else f"{r['ratio']:,.0f}× ({r['lo']:,.0f}–{r['hi']:,.0f})"
        )
        return [f"{r['rate']:,.0f}", f"{r['min']:,.0f}–{r['max']:,.0f}", up]

    for model in ("deffuant", "voter"):
        for n in sizes:
            for impl in IMPLS:
                idle = ratios.get(("idle", model, n, impl))
                loaded = ratios.get(("loaded", model, n, impl))
                mem = idle or loaded
                if mem is None:
                    continue
                lines.append(
                    f"| {model} | {n:,} | {impl} | "
                    + " | ".join(cells(idle, impl) + cells(loaded, impl))
                    + f" | {mem['peak_mb']:,.0f} | {mem['model_mb']:,.0f} |"
                )
    return lines, ratios


# ---------------------------------------------------------------------------------------- 2
def mem_available() -> int:
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def own_model(sizes_steps) -> list[dict]:
    from lever.model.loading import max_agents

    rows = []
    for n, steps, ties in sizes_steps:
        need = 190 * n  # peak resident bytes per agent while building, measured at 10^7: ~155
        # lever's own memory guard (400 B an agent since issue 23) refuses a field it may not hold
        if need > mem_available() or n > max_agents():
            say(f"  {n:,} agents: skipped, needs ~{need / 2**30:.0f} GiB, {mem_available() / 2**30:.0f} GiB available,"
                f" lever holds at most {max_agents():,} agents here")  # fmt: skip
            rows.append({"agents": n, "skipped": True, "ties": ties})
            continue
        t = time.perf_counter()
        r = run_json([str(LEVER_PY), str(HERE / "lever_model.py"), str(n), str(steps), "--ties", ties], timeout=1800)
        r.update(ties=ties, wall_s=time.perf_counter() - t)
        rows.append(r)
        say(
            f"  {r['agents']:>11,} agents (degree {r['mean_degree']:.1f}): build {r['build_state_s'] + r['build_network_s']:.1f} s,"
            f" step {r['step_s']:.3f} s = {r['agent_steps_per_s']:,.0f} agent-steps/s,"
            f" {r['bytes_per_agent']:.1f} B/agent in arrays, peak RSS {r['peak_rss_bytes_per_agent']:.0f} B/agent"
        )
    return rows


def lever_run_scale1() -> dict:
    out = OUT / "run-scale-1"
    cmd = [str(ROOT / ".venv" / "bin" / "lever"), "run", "--scale", "1", "--out", str(out)]
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return {"seconds": time.perf_counter() - t, "command": "lever run --scale 1 --out benchmarks/out/run-scale-1"}


# ---------------------------------------------------------------------------------------- main
def previous_commit() -> str | None:
    """The commit before this one, short, or None (no git, or a first commit)."""
    r = subprocess.run(["git", "rev-parse", "--short", "HEAD~1"], cwd=ROOT, capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else None


#: each rate against the previous commit: (name, script, its arguments after SAMPLES)
RATES = (("weigh", "weigh_rate.py", ("2",)), ("explore (LHS)", "explore_rate.py", ("2", "lhs")))


def against_previous(samples: int, pairs: int) -> dict | None:
    """Runs per minute of weigh and explore at this commit and at the one before it, side by
    side: the previous commit's ``src/`` taken from git into a temporary folder and run by the
    same scripts and interpreter (its own compile cache), the two commits in pairs whose order
    alternates (previous first, then this first, ...). None where there is no previous commit."""
    import tempfile

    prev = previous_commit()
    if prev is None:
        return None
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "archive", "--format=tar", prev, "src"], cwd=ROOT, capture_output=True)
        if archive.returncode != 0:
            return None
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        # an empty NUMBA_CACHE_DIR: each tree's lever keys a compile cache of its own
        trees = {"previous": {"PYTHONPATH": str(Path(tmp) / "src"), "NUMBA_CACHE_DIR": ""},
                 "this": {"PYTHONPATH": str(ROOT / "src"), "NUMBA_CACHE_DIR": ""}}  # fmt: skip
        for rep in range(pairs):
            order = ["previous", "this"] if rep % 2 == 0 else ["this", "previous"]
            for which in order:
                for name, script, args in RATES:
                    r = run_json([str(LEVER_PY), str(HERE / script), str(samples), *args], env=trees[which])
                    rows.append({"commit": which, "what": name, "rep": rep, **r})
                    say(f"  {name}, {which} commit: {r['runs']} runs in {r['seconds']:.1f} s = "
                        f"{r['runs_per_minute']:.0f} runs/min")  # fmt: skip
    return {"previous": prev, "samples": samples, "pairs": pairs, "rows": rows}


def use_tree_cache() -> None:
    """Compile into the cache bin/lever, bin/test and `import lever` share, keyed by the source
    tree (lever.numba_cache_folder): Numba's own __pycache__ check would miss edits to inlined
    kernels. Importing lever sets NUMBA_CACHE_DIR, which the subprocesses inherit."""
    import lever  # noqa: F401


def main() -> None:
    use_tree_cache()  # before anything here or in a subprocess compiles
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes, 3 repetitions: a smoke run")
    p.add_argument("--reps", type=int, default=None, help="repetitions of the peer comparison (default 5)")
    p.add_argument("--no-1e8", action="store_true", help="skip the 10^8-agent field")
    p.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    p.add_argument(
        "--render",
        metavar="JSON",
        help="only write the file again from saved figures (benchmarks/out/results.json), measuring nothing",
    )
    a = p.parse_args()
    if a.render:
        raw = json.loads(Path(a.render).read_text())
        sizes = sorted({r["size"] for r in raw["peers"]})
        reps = len({r["rep"] for r in raw["peers"]})
        envs = {name: ENVS / name / "bin" / "python" for name in ENV_SPECS}
        ptable, ratios = peer_table(raw["peers"], sizes)
        Path(a.output).write_text(render(raw, ptable, ratios, sizes, envs, reps, raw.get("seconds", 1.0)))
        say(f"wrote {a.output} from {a.render}")
        return
    _stop_on_sigterm()
    started = dt.datetime.now(dt.UTC)
    t_all = time.perf_counter()
    load_before = os.getloadavg()
    envs = {name: ensure_env(name) for name in ENV_SPECS}
    OUT.mkdir(parents=True, exist_ok=True)
    quick = a.quick
    reps = a.reps or (3 if quick else 5)
    sizes = [10_000] if quick else [10_000, 100_000]
    seconds = 0.5 if quick else 1.0

    say(f"1. peers, idle: Deffuant (mu=0.5, d=0.3) and voter on BA graphs (m=5), {reps} repetitions")
    t1 = time.perf_counter()
    rows = peers(sizes, reps, seconds, envs, "idle")
    load_idle = os.getloadavg()
    loaded_sizes = [max(sizes)]
    with background_load() as load_what:
        say(f"1. peers, loaded ({load_what}): n = {', '.join(f'{n:,}' for n in loaded_sizes)}, {reps} repetitions")
        rows += peers(loaded_sizes, reps, seconds, envs, "loaded")
        load_loaded = os.getloadavg()
    peers_s = time.perf_counter() - t1
    ptable, ratios = peer_table(rows, sizes)

    say("2. Lever's own model (britain-1933 scaled, one agent per person)")
    plan = [(100_000, 20, "10"), (1_000_000, 8, "10"), (1_000_000, 8, "default"), (10_000_000, 3, "10")]
    if not quick and not a.no_1e8:
        plan.append((100_000_000, 1, "10"))
    if quick:
        plan = [(100_000, 10, "10"), (1_000_000, 4, "10")]
    model_rows = own_model(plan)
    scale1 = lever_run_scale1()
    say(f"  {scale1['command']}: {scale1['seconds']:.1f} s")

    say("3. weigh throughput")
    samples = 2 if quick else 4
    weigh_rows = [run_json([str(LEVER_PY), str(HERE / "weigh_rate.py"), str(samples), j]) for j in ("1", "2", "auto")]
    for w in weigh_rows:
        say(
            f"  --jobs {w.get('asked', w['jobs'])} ({w['jobs']}): {w['runs']} runs in {w['seconds']:.1f} s"
            f" = {w['runs_per_minute']:.0f} runs/min"
        )

    say("3b. weigh and explore, this commit against the one before it")
    versus = against_previous(2 if quick else 4, 1 if quick else 2)

    say("4. the limit: random reads")
    lim_args = ("1e7", "1e6", "1e6") if quick else ("1e8", "1e7", "1e7")
    limit = run_json([str(LEVER_PY), str(HERE / "limit.py"), *lim_args], timeout=1800)
    say(
        f"  gather {limit['gather_numpy_per_s']:,.0f}/s, chase {limit['chase_per_s']:,.0f}/s,"
        f" Lever Deffuant at {limit['deffuant_nodes']:,} nodes {limit['deffuant_per_s']:,.0f}/s"
    )

    load_after = os.getloadavg()
    elapsed = time.perf_counter() - t_all
    raw = {
        "peers": rows,
        "model": model_rows,
        "scale1": scale1,
        "weigh": weigh_rows,
        "versus_previous": versus,
        "limit": limit,
        "started": started.isoformat(),
        "elapsed_s": elapsed,
        "quick": quick,
        "load_before": load_before,
        "load_after": load_after,
        "seconds": seconds,
        "load_idle": load_idle,
        "load_loaded": load_loaded,
        "load_what": load_what,
        "loaded_sizes": loaded_sizes,
        "peers_s": peers_s,
        "commit": _commit(),
    }
    (OUT / ("results-quick.json" if quick else "results.json")).write_text(json.dumps(raw, indent=1, default=str))
    md = render(raw, ptable, ratios, sizes, envs, reps, seconds)
    Path(a.output).write_text(md)
    say(f"\nwrote {a.output} ({elapsed / 60:.1f} min)")


def _busy(raw) -> bool:
    """Whether other work shared the machine: a load average above what the measured process
    (about 1) and, while loaded, the spinner (another 1) explain."""
    unloaded = [raw[k][0] for k in ("load_before", "load_idle", "load_after") if raw.get(k)]
    loaded = raw.get("load_loaded")
    return max(unloaded, default=0.0) > 1.5 or bool(loaded and loaded[0] > 2.5)


def render(raw, ptable, ratios, sizes, envs, reps, seconds) -> str:
    model_rows = [r for r in raw["model"] if not r.get("skipped")]
    by = {(10 ** round(np.log10(r["agents"])), r["ties"]): r for r in model_rows}
    import numba

    ran_1e8 = any(r["agents"] >= 10**8 for r in raw["model"])
    cmd = "./bin/bench" + (" --quick" if raw["quick"] else "" if ran_1e8 else " --no-1e8")
    loads = [raw[k] for k in ("load_before", "load_idle", "load_loaded", "load_after") if raw.get(k)]
    L = ["# Benchmarks", ""]
    if raw["quick"]:
        L += ["**A quick smoke run (`--quick`): small sizes, 3 repetitions; not the record.**", ""]
    L += [
        "Reproduce (from the repository root, on this machine; a fresh clone needs nothing else but "
        "a Python >= 3.12 somewhere for Mesa, see below):",
        "",
        "```",
        cmd,
        "```",
        "",
        "`bin/bench` sets up `.venv/` as `bin/test` does and runs `benchmarks/run.py`. "
        "Mesa 3.5 needs Python >= 3.12: the script takes `LEVER_BENCH_PYTHON` if set, else a "
        "`python3.12` on the PATH that runs, else any pyenv installation of 3.12 (selected or "
        "not), else `python3.13`/`python3.14`, and says so if there is none. "
        f"It builds the peers' environments under `benchmarks/.envs` on its first run, writes the raw "
        f"figures to `benchmarks/out/`, and took {raw['elapsed_s'] / 60:.1f} minutes for this file. "
        "`--quick` is a smoke run of a few minutes (small sizes, not for the record); `--no-1e8` "
        "skips the 10^8-agent field; `--render benchmarks/out/results.json` writes this file "
        "again from the saved figures.",
        "",
        "## Conditions",
        "",
        f"- Started {raw['started'][:19]} UTC; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"{platform.platform()}.",
        f"- Load average (1 min) before the run {raw['load_before'][0]:.2f}, at the end of the idle "
        f"peers {raw.get('load_idle', [float('nan')])[0]:.2f}, at the end of the loaded peers "
        f"{raw.get('load_loaded', [float('nan')])[0]:.2f}, after the run {raw['load_after'][0]:.2f} "
        "(other developers share the machine; its own load is not under this script's control).",
        *(
            [
                f"- **The machine was not idle**: the load average read at the four points above was "
                f"{min(x[0] for x in loads):.1f}-{max(x[0] for x in loads):.1f} on its "
                f"{os.cpu_count()} cores (the measured process and the loaded condition's spinner add "
                "about 1 each; the rest is other work), so every implementation's rate moved with "
                "it between repetitions (see the ranges of the lean Mesa model and of `lever-1t`); "
                "the paired ratios, taken within a repetition, are the comparison, and the spreads "
                "are as much the machine's as Lever's."
            ]
            if _busy(raw)
            else [
                f"- The machine was otherwise quiet: the load average read at the four points above was "
                f"{min(x[0] for x in loads):.1f}-{max(x[0] for x in loads):.1f}, what the measured process "
                "(about 1) and, in the loaded condition, the spinner (another 1) account for."
            ]
        ),
        f"- **idle**: nothing started beside the measured process. **loaded**: the script itself "
        f"keeps {raw.get('load_what', 'one process spinning on one core')} for the whole loaded "
        "condition (every implementation measured under the same load, in the same run), and "
        "stops it at the end, on an error or on Ctrl-C.",
        f"- Lever {_version('lever-abm')} (commit {raw.get('commit') or _commit()}) on Python "
        f"{platform.python_version()}, Numba {numba.__version__}, NumPy {np.__version__}; "
        f"Mesa {_pv(envs['mesa'], 'mesa')}; NDlib {_pv(envs['ndlib'], 'ndlib')}.",
        "",
    ]

    # targets
    L += ["## Targets", "", "| target | figure | met |", "|---|---|---|"]
    big = max(sizes)

    def get(cond, model, impl):
        return ratios.get((cond, model, big, impl))

    def target(text, r, bound, key="ratio"):
        if r is None:
            L.append(f"| {text} | not measured | no |")
            return
        met = r[key] >= bound
        narrow = " (narrowly: not in every repetition)" if met and r["lo"] < bound else ""
        L.append(
            f"| {text} | {r['ratio']:,.0f}× ({r['lo']:,.0f}–{r['hi']:,.0f} over repetitions) | "
            f"{'yes' if met else 'no'}{narrow} |"
        )

    rl = get("idle", "deffuant", "mesa-lean")
    target(f"idle: Deffuant at {big:,} nodes ≥ 100× lean Mesa", rl, 100)
    target(f"idle: Deffuant at {big:,} nodes ≥ 1,000× NDlib", get("idle", "deffuant", "ndlib"), 1000)
    for model in ("deffuant", "voter"):
        target(
            f"loaded: {model} at {big:,} nodes ≥ 50× lean Mesa (same run, same load)",
            get("loaded", model, "mesa-lean"),
            50,
        )
    for cond in CONDITIONS:
        for model in ("deffuant", "voter"):
            one = get(cond, model, "lever-1t")
            if one is None:
                continue
            lever = get(cond, model, "lever")
            aa = get(cond, model, "a/a")
            # at or above 1; or below it by less than two standard errors of the measurement
            # (the A/A control's), and then said so: the same code measured twice
            noise = aa["noise"] if aa else 0.0
            r = one["ratio"]
            met = (
                "yes"
                if r >= 1.0
                else (
                    f"not told apart: below 1 by {1 - r:.4f}, within two standard "
                    f"errors ({2 * noise:.4f}) of the A/A control"
                )
                if r >= 1.0 - 2 * noise
                else "no"
            )
            control = (
                f"; single thread against itself {aa['ratio']:.4f} ({aa['lo']:.3f}–{aa['hi']:.3f}), "
                f"standard error of a median {noise:.4f}"
                if aa
                else ""
            )
            L.append(
                f"| {cond}: {model} at {big:,} nodes not below Lever's own single-thread rate "
                f"(`NUMBA_NUM_THREADS=1`) | paired ratio {r:.4f} ({one['lo']:.3f}–{one['hi']:.3f}); "
                f"medians {lever['rate']:,.0f} vs {one['rate']:,.0f}{control} | {met} |"
            )
    for model in ("deffuant", "voter"):
        lever = get("loaded", model, "lever")
        if lever:
            spread = lever["max"] / lever["min"]
            L.append(
                f"| loaded: spread of Lever's {model} rate at {big:,} nodes over the repetitions "
                f"(max/min) ≤ 3 | {spread:.2f} ({lever['min']:,.0f}–{lever['max']:,.0f}) | "
                f"{'yes' if spread <= 3 else 'no'} |"
            )
    r6 = by.get((1_000_000, "10"))
    if r6:
        L.append(
            f"| full step ≥ 10^7 agent-steps/s at 10^6 agents | {r6['agent_steps_per_s']:,.0f} | "
            f"{'yes' if r6['agent_steps_per_s'] >= 1e7 else 'no'} |"
        )
        L.append(
            f"| ≤ 120 bytes per agent at mean degree 10 | {r6['bytes_per_agent']:.1f} B in the arrays "
            f"(degree {r6['mean_degree']:.1f}); peak RSS {r6['peak_rss_bytes_per_agent']:.0f} B/agent at 10^6 | "
            f"{'yes' if r6['bytes_per_agent'] <= 120 else 'no'} (arrays) |"
        )
    r8 = by.get((100_000_000, "10"))
    skipped8 = any(r.get("skipped") and r["agents"] == 100_000_000 for r in raw["model"])
    if r8:
        L.append(
            f"| a 10^8-agent field builds and steps in 24 GiB | built in "
            f"{r8['build_state_s'] + r8['build_network_s']:.0f} s, one step {r8['step_s']:.0f} s, "
            f"peak RSS {r8['peak_rss_bytes_per_agent'] * r8['agents'] / 2**30:.1f} GiB | yes |"
        )
    else:
        L.append(
            f"| a 10^8-agent field builds and steps in 24 GiB | "
            f"{'skipped: not enough free memory' if skipped8 else 'not run (--quick or --no-1e8)'} | not measured |"
        )
    L += [""]
    if r8:
        L += [
            f"At 10^8 agents a full step costs {1e9 / r8['agent_steps_per_s']:.0f} ns an agent, about "
            f"one dependent read from memory ({1e9 / raw['limit']['chase_per_s']:.0f} ns, section 4).",
            "",
        ]

    L += [
        "## 1. Peers, same work, idle and loaded",
        "",
        "Deffuant (μ = 0.5, d = 0.3, 1-D opinions uniform on [0, 1]) and the voter model on one "
        "Barabási–Albert graph per size (m = 5, mean degree 10), written once to "
        "`benchmarks/out/ba-N-m5.txt` and read by all. An agent-update is one elementary update "
        "(a random agent and a random neighbour). "
        f"{reps} repetitions; in each, every implementation runs in its own subprocess, in an order "
        f"that rotates, and repeats its unit of work (a sweep of n updates; NDlib's voter: its "
        f"iteration, one update) until {seconds:g} s have passed, after a warm-up (Mesa, NDlib: "
        "one step; Lever: its measured unit of work, for at least four calls and 0.3 s: the "
        "compiled kernels loaded from the cache, Numba's threads started, and the choice between "
        "all threads and one, kept per size of call, has tried both and settled). Peak RSS is the subprocess's own high-water mark "
        "(`VmHWM`, interpreter and libraries included; its `ru_maxrss` would carry the runner's "
        "over `exec`); 'over imports' subtracts the RSS after the imports (both from the idle "
        "condition). Both conditions side by side: idle at every size, loaded at "
        f"{', '.join(f'{n:,}' for n in raw.get('loaded_sizes', []))} nodes, the same {reps} "
        "repetitions; each speed-up is the median of Lever's rate over the implementation's, "
        "paired within a repetition (range over repetitions).",
        "",
        "- **lever**: `lever.classic.Deffuant` / `Voter` (`record=False`), `run(sweeps)`, on all "
        "of Numba's threads (the default).",
        "- **lever-1t**: the same with `NUMBA_NUM_THREADS=1`, Lever's own single-thread rate; its "
        "'speed-up' column is Lever (all threads) over it.",
        "- **lever-1t-again**: `lever-1t` measured a second time in the same repetition, an A/A "
        "control: the spread of its paired ratios to `lever-1t` gives the standard error of a "
        "median of that many pairs of one configuration (1.2533 sd / sqrt(pairs)). The targets "
        "table calls Lever not below its single-thread rate when the paired ratio's median is at "
        "least 1, says 'not told apart' when it is below 1 by less than two such standard "
        "errors, and 'no' otherwise. Lever's warm-up runs at least 0.3 s "
        "(`benchmarks/peers/lever_peer.py`: a cost early in the process, not in the steady state).",
        "- **mesa-lean**: Mesa 3 `Agent`s plus a list of neighbour agents per agent; a step is a "
        "plain loop of n updates.",
        "- **mesa-idiomatic**: `FixedAgent`s on the cells of `mesa.discrete_space.Network`; a step is "
        '`agents.shuffle_do("step")` (each agent once, in random order), the partner '
        "`cell.neighborhood.select_random_agent()`.",
        "- **ndlib**: `AlgorithmicBiasModel` with γ = 0 (no bias) and ε = 0.3, whose exchange moves "
        "both to their mean (μ = 0.5), one iteration = n updates; `VoterModel`, one iteration = one "
        "update (NDlib copies and scans its status each iteration, hence its rate).",
        "",
    ]
    L += ptable + [""]

    L += [
        "## 2. Lever's own model",
        "",
        "britain-1933 with every population but the group's forty scaled up and one agent per "
        "person (`benchmarks/field.py`, via `lever.with_values`: sizes and persons_per_agent); "
        "`network.workplace_ties = 5, random_ties = 1` give a mean degree near 10 (the rows "
        "marked 'default' keep the scenario's 6 and 2, about 13 at one person per agent). A step is `lever.sim.engine.step`, the six "
        "mechanisms of one week, timed alone (median of the steps run). Bytes per agent: the "
        "population's and the network's arrays (`State` + CSR); peak RSS per agent is the whole "
        "process's, build transients included.",
        "",
        "| agents | mean degree | build s | step s | steps/s | agent-steps/s | bytes/agent (state + network) | peak RSS bytes/agent |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in raw["model"]:
        if r.get("skipped"):
            L.append(f"| {r['agents']:,} | | skipped: not enough free memory | | | | | |")
            continue
        L.append(
            f"| {r['agents']:,}{' (default ties)' if r['ties'] == 'default' else ''} | {r['mean_degree']:.1f} | "
            f"{r['build_state_s'] + r['build_network_s']:.1f} | {r['step_s']:.3f} | {r['steps_per_s']:.2f} | "
            f"{r['agent_steps_per_s']:,.0f} | {r['bytes_per_agent']:.1f} ({r['state_bytes_per_agent']:.1f} + "
            f"{r['network_bytes_per_agent']:.1f}) | {r['peak_rss_bytes_per_agent']:.0f} |"
        )
    L += [
        "",
        f"`{raw['scale1']['command']}` (586,640 agents, 104 steps, outputs written; "
        f"wall time of the command): **{raw['scale1']['seconds']:.1f} s**.",
        "",
    ]

    L += [
        "## 3. Weigh throughput",
        "",
        "britain-1933 at its default scale (43,620 agents, 104 steps), every strategy, one "
        "replication per Latin-hypercube draw, through `lever.weigh.weigh` "
        "(`benchmarks/weigh_rate.py`; the process pool's start-up is counted). 'default' is what "
        "`lever weigh` takes without `--jobs` (`lever.experiments.workers.auto_jobs`: by the amount of work and "
        "the cores free).",
        "",
        "| jobs | runs | seconds | runs per minute |",
        "|---|---:|---:|---:|",
    ]
    for w in raw["weigh"]:
        asked = w.get("asked", str(w["jobs"]))
        jobs = f"default (chose {w['jobs']})" if asked == "auto" else asked
        L.append(f"| {jobs} | {w['runs']} | {w['seconds']:.1f} | {w['runs_per_minute']:.0f} |")
    L += render_versus(raw.get("versus_previous"), raw.get("commit", "?"))
    lim = raw["limit"]
    L += [
        "",
        "## 4. The limit",
        "",
        f"Random reads on this machine (`benchmarks/limit.py`): {lim['reads']:,} reads from an array "
        f"of {lim['size']:,} elements.",
        "",
        "| what | per second | ns each |",
        "|---|---:|---:|",
        f"| independent reads (NumPy gather `a[idx]`, float64) | {lim['gather_numpy_per_s']:,.0f} | {1e9 / lim['gather_numpy_per_s']:.1f} |",
        f"| independent reads (compiled loop) | {lim['gather_loop_per_s']:,.0f} | {1e9 / lim['gather_loop_per_s']:.1f} |",
        f"| dependent reads (pointer chasing, one random cycle, int32) | {lim['chase_per_s']:,.0f} | {1e9 / lim['chase_per_s']:.1f} |",
        f"| Lever Deffuant updates, BA graph of {lim['deffuant_nodes']:,} nodes | {lim['deffuant_per_s']:,.0f} | {1e9 / lim['deffuant_per_s']:.1f} |",
    ]
    d5 = [r for r in raw["peers"] if r["impl"] == "lever" and r["model"] == "deffuant" and r["size"] == big]
    if d5:
        rate = stats.median(r["rate"] for r in d5)
        L.append(f"| Lever Deffuant updates, BA graph of {big:,} nodes (section 1) | {rate:,.0f} | {1e9 / rate:.1f} |")
    for _key, r in ((10**6, r6), (10**7, by.get((10**7, "10"))), (10**8, r8)):
        if r:
            L.append(
                f"| Lever full step, per agent, {r['agents']:,} agents (section 2) | "
                f"{r['agent_steps_per_s']:,.0f} | {1e9 / r['agent_steps_per_s']:.1f} |"
            )
    L += ["", NOTES]
    return "\n".join(L) + "\n"


def render_versus(versus: dict | None, commit: str) -> list[str]:
    """Section 3b: this commit's runs per minute against the previous commit's, pair by pair."""
    if not versus:
        return ["", "## 3b. Against the previous commit", "", "Not measured (no previous commit in git)."]
    L = [
        "",
        "## 3b. Against the previous commit",
        "",
        f"Runs per minute of britain-1933 at its default scale, this commit ({commit}) against the "
        f"one before it ({versus['previous']}), in one run of this script: {versus['samples']} Latin-hypercube "
        "draws, every strategy, one replication, 2 worker processes (their start counted); weigh's "
        "design as `lever weigh` runs it (`benchmarks/weigh_rate.py`), explore as `lever explore --sampler lhs` "
        f"(`benchmarks/explore_rate.py`). {versus['pairs']} pairs, the order alternating; the ratio is "
        "this commit's rate over the previous one's within each pair (their median, and the range).",
        "",
        "| what | runs | previous, runs/min | this, runs/min | this / previous |",
        "|---|---:|---:|---:|---:|",
    ]
    rows = versus["rows"]
    for name, _, _ in RATES:
        pairs = sorted({r["rep"] for r in rows if r["what"] == name})
        rate = {(r["commit"], r["rep"]): r["runs_per_minute"] for r in rows if r["what"] == name}
        ratios = [rate["this", p] / rate["previous", p] for p in pairs]
        prev = ", ".join(f"{rate['previous', p]:.0f}" for p in pairs)
        this = ", ".join(f"{rate['this', p]:.0f}" for p in pairs)
        runs = next(r["runs"] for r in rows if r["what"] == name)
        L.append(
            f"| {name} | {runs} | {prev} | {this} | {stats.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f}) |"
        )
    return L


if __name__ == "__main__":
    main()
