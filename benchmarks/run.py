"""Lever's benchmarks: peers side by side, Lever's own model up to 10^8 agents, weigh
throughput and the machine's random-read limit. Prints the tables and writes BENCHMARKS.md.

    .venv/bin/python benchmarks/run.py            # full (about 15-20 minutes on 2 cores)
    .venv/bin/python benchmarks/run.py --quick    # a smoke run (a few minutes); not for the record

Every measurement runs in its own subprocess: Lever in the project's venv, Mesa 3.5 and NDlib
in environments this script builds under benchmarks/.envs (python3.12 for Mesa). Peak memory is
each subprocess's ``ru_maxrss``. The peers read one Barabási-Albert edge list per size, written
once. Implementations are interleaved within each repetition (the order rotates), and each
ratio is taken pair by pair within a repetition, then the median over repetitions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import hashlib
import json
import os
import platform
import shutil
import statistics as stats
import subprocess
import sys
import time
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
IMPLS = ["lever", "mesa-lean", "mesa-idiomatic", "ndlib"]

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
Deffuant and voter), with serial twins below, and a run inside a worker pool (`lever weigh --jobs`)
keeps to one thread. Measured while this was done: with both cores busy (two pool workers,
or another developer's test run) the fork-join stages of Numba's OpenMP layer slowed the
default-scale runs 10-25 times (weigh `--jobs 2` fell to 17 runs/min). On a shared machine
set `NUMBA_NUM_THREADS=1` for large fields too; the results do not depend on it (tested).

Left alone: opinions stay float64 (the state is 56 bytes an agent and the target holds
without halving them); the conversation's exchanges stay sequential (random sequential
updates are the mechanism; a parallel exchange would change it); the other classic models
(naming game, majority rule, Hegselmann-Krause, Bass); the serial twins of the classic
kernels, which Numba does not vectorize (without `parallel=True` it cannot prove the arrays
apart: ~11 ns an update at 10^5, used only below 2^13 nodes); leaving and joining (13 ms
at 10^6: a draw and a power per member, tried skipping the power when the draw decides
alone: no gain).
"""


def say(*a) -> None:
    print(*a, flush=True)


def find_python(version: str | None) -> str:
    if version is None:
        return sys.executable
    exe = shutil.which(f"python{version}")
    if exe:
        return exe
    found = sorted(glob.glob(f"/root/.pyenv/versions/{version}*/bin/python{version}"))
    found += sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}*/bin/python{version}")))
    if not found:
        sys.exit(f"python{version} not found (Mesa 3.5 needs Python >= 3.12)")
    return found[-1]


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


def run_json(cmd: list[str], cwd: Path = ROOT, timeout: float = 1200) -> dict:
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
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


def peers(sizes, reps, seconds, envs) -> list[dict]:
    graphs = write_graphs(sizes)
    cmd_of = {
        "lever": lambda m, g, s: [str(LEVER_PY), "lever_peer.py"],
        "mesa-lean": lambda m, g, s: [str(envs["mesa"]), "mesa_peer.py", "--variant", "lean"],
        "mesa-idiomatic": lambda m, g, s: [str(envs["mesa"]), "mesa_peer.py", "--variant", "idiomatic"],
        "ndlib": lambda m, g, s: [str(envs["ndlib"]), "ndlib_peer.py"],
    }
    rows = []
    for rep in range(reps):
        order = IMPLS[rep % len(IMPLS):] + IMPLS[:rep % len(IMPLS)]
        for n in sizes:
            for model in ("deffuant", "voter"):
                for impl in order:
                    cmd = cmd_of[impl](model, graphs[n], rep) + [
                        "--model", model, "--edges", str(graphs[n]),
                        "--seconds", str(seconds), "--seed", str(rep)]
                    r = run_json(cmd, cwd=HERE / "peers")
                    r.update(impl=impl, model=model, size=n, rep=rep)
                    rows.append(r)
                    say(f"  rep {rep} {model:8s} n={n:>7,} {impl:15s} {r['rate']:14,.0f} updates/s"
                        f"  peak {r['peak_mb']:7.1f} MB")
    return rows


def peer_table(rows: list[dict], sizes) -> tuple[list[str], dict]:
    lines = ["| model | nodes | implementation | agent-updates/s (median) | range | peak RSS MB | "
             "RSS over imports MB | Lever's speed-up (median of paired ratios) |",
             "|---|---|---|---:|---|---:|---:|---:|"]
    ratios = {}
    for model in ("deffuant", "voter"):
        for n in sizes:
            sel = [r for r in rows if r["model"] == model and r["size"] == n]
            lever_by_rep = {r["rep"]: r["rate"] for r in sel if r["impl"] == "lever"}
            for impl in IMPLS:
                rs = [r for r in sel if r["impl"] == impl]
                rates = [r["rate"] for r in rs]
                paired = [lever_by_rep[r["rep"]] / r["rate"] for r in rs]
                ratio = stats.median(paired)
                ratios[(model, n, impl)] = (ratio, min(paired), max(paired))
                rtxt = "1" if impl == "lever" else f"{ratio:,.0f}× ({min(paired):,.0f}–{max(paired):,.0f})"
                lines.append(
                    f"| {model} | {n:,} | {impl} | {stats.median(rates):,.0f} | "
                    f"{min(rates):,.0f}–{max(rates):,.0f} | {stats.median(r['peak_mb'] for r in rs):,.0f} | "
                    f"{stats.median(r['model_mb'] for r in rs):,.0f} | {rtxt} |")
    return lines, ratios


# ---------------------------------------------------------------------------------------- 2
def mem_available() -> int:
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def own_model(sizes_steps) -> list[dict]:
    rows = []
    for n, steps, ties in sizes_steps:
        need = 190 * n  # peak resident bytes per agent while building, measured at 10^7: ~155
        if need > mem_available():
            say(f"  {n:,} agents: skipped, needs ~{need / 2**30:.0f} GiB, "
                f"{mem_available() / 2**30:.0f} GiB available")
            rows.append({"agents": n, "skipped": True, "ties": ties})
            continue
        t = time.perf_counter()
        r = run_json([str(LEVER_PY), str(HERE / "lever_model.py"), str(n), str(steps), "--ties", ties],
                     timeout=1800)
        r.update(ties=ties, wall_s=time.perf_counter() - t)
        rows.append(r)
        say(f"  {r['agents']:>11,} agents (degree {r['mean_degree']:.1f}): build {r['build_state_s'] + r['build_network_s']:.1f} s,"
            f" step {r['step_s']:.3f} s = {r['agent_steps_per_s']:,.0f} agent-steps/s,"
            f" {r['bytes_per_agent']:.1f} B/agent in arrays, peak RSS {r['peak_rss_bytes_per_agent']:.0f} B/agent")
    return rows


def lever_run_scale1() -> dict:
    out = OUT / "run-scale-1"
    cmd = [str(ROOT / ".venv" / "bin" / "lever"), "run", "--scale", "1", "--out", str(out)]
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return {"seconds": time.perf_counter() - t, "command": "lever run --scale 1 --out benchmarks/out/run-scale-1"}


# ---------------------------------------------------------------------------------------- main
def use_tree_cache() -> None:
    """Compile into the cache bin/lever and bin/test use, keyed by the source tree (see
    bin/_venv.sh): Numba's own __pycache__ check would miss edits to inlined kernels."""
    if "NUMBA_CACHE_DIR" in os.environ:
        return
    files = sorted(str(f) for f in (ROOT / "src").rglob("*.py"))
    tree = hashlib.sha256(b"".join(Path(f).read_bytes() for f in files)).hexdigest()[:16]
    os.environ["NUMBA_CACHE_DIR"] = str(ROOT / ".venv" / "numba-cache" / tree)


def main() -> None:
    use_tree_cache()  # before anything here or in a subprocess compiles
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes, 3 repetitions: a smoke run")
    p.add_argument("--reps", type=int, default=None, help="repetitions of the peer comparison (default 5)")
    p.add_argument("--no-1e8", action="store_true", help="skip the 10^8-agent field")
    p.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    p.add_argument("--render", metavar="JSON", help="only write the file again from saved figures "
                   "(benchmarks/out/results.json), measuring nothing")
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
    started = dt.datetime.now(dt.timezone.utc)
    t_all = time.perf_counter()
    load_before = os.getloadavg()
    envs = {name: ensure_env(name) for name in ENV_SPECS}
    OUT.mkdir(parents=True, exist_ok=True)
    quick = a.quick
    reps = a.reps or (3 if quick else 5)
    sizes = [10_000] if quick else [10_000, 100_000]
    seconds = 0.5 if quick else 1.0

    say(f"1. peers: Deffuant (mu=0.5, d=0.3) and voter on BA graphs (m=5), {reps} repetitions")
    rows = peers(sizes, reps, seconds, envs)
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
    weigh_rows = [run_json([str(LEVER_PY), str(HERE / "weigh_rate.py"), str(samples), str(j)]) for j in (1, 2)]
    for w in weigh_rows:
        say(f"  --jobs {w['jobs']}: {w['runs']} runs in {w['seconds']:.1f} s = {w['runs_per_minute']:.0f} runs/min")

    say("4. the limit: random reads")
    lim_args = ("1e7", "1e6", "1e6") if quick else ("1e8", "1e7", "1e7")
    limit = run_json([str(LEVER_PY), str(HERE / "limit.py"), *lim_args], timeout=1800)
    say(f"  gather {limit['gather_numpy_per_s']:,.0f}/s, chase {limit['chase_per_s']:,.0f}/s,"
        f" Lever Deffuant at {limit['deffuant_nodes']:,} nodes {limit['deffuant_per_s']:,.0f}/s")

    load_after = os.getloadavg()
    elapsed = time.perf_counter() - t_all
    raw = {"peers": rows, "model": model_rows, "scale1": scale1, "weigh": weigh_rows, "limit": limit,
           "started": started.isoformat(), "elapsed_s": elapsed, "quick": quick,
           "load_before": load_before, "load_after": load_after, "seconds": seconds,
           "commit": _commit()}
    (OUT / ("results-quick.json" if quick else "results.json")).write_text(json.dumps(raw, indent=1, default=str))
    md = render(raw, ptable, ratios, sizes, envs, reps, seconds)
    Path(a.output).write_text(md)
    say(f"\nwrote {a.output} ({elapsed / 60:.1f} min)")


def render(raw, ptable, ratios, sizes, envs, reps, seconds) -> str:
    model_rows = [r for r in raw["model"] if not r.get("skipped")]
    by = {(10 ** round(np.log10(r["agents"])), r["ties"]): r for r in model_rows}
    import numba

    cmd = ".venv/bin/python benchmarks/run.py" + (" --quick" if raw["quick"] else "")
    L = ["# Benchmarks", ""]
    if raw["quick"]:
        L += ["**A quick smoke run (`--quick`): small sizes, 3 repetitions; not the record.**", ""]
    L += ["Reproduce (from the repository root, on this machine):", "", "```", cmd, "```", "",
          f"It builds the peers' environments under `benchmarks/.envs` on its first run, writes the raw "
          f"figures to `benchmarks/out/`, and took {raw['elapsed_s'] / 60:.1f} minutes for this file. "
          "`--quick` is a smoke run of a few minutes (small sizes, not for the record); `--no-1e8` "
          "skips the 10^8-agent field; `--render benchmarks/out/results.json` writes this file "
          "again from the saved figures.", "",
          "## Conditions", "",
          f"- Started {raw['started'][:19]} UTC; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
          f"{platform.platform()}.",
          f"- Load average before / after: {raw['load_before'][0]:.2f} / {raw['load_after'][0]:.2f} "
          "(another developer shares the machine; figures move by some 10-20 % with it).",
          f"- Lever {_version('lever-abm')} (commit {raw.get('commit') or _commit()}) on Python "
          f"{platform.python_version()}, Numba {numba.__version__}, NumPy {np.__version__}; "
          f"Mesa {_pv(envs['mesa'], 'mesa')}; NDlib {_pv(envs['ndlib'], 'ndlib')}.", ""]

    # targets
    L += ["## Targets", "", "| target | figure | met |", "|---|---|---|"]
    big = max(sizes)
    rl = ratios.get(("deffuant", big, "mesa-lean"))
    rn = ratios.get(("deffuant", big, "ndlib"))
    if rl:
        L.append(f"| Deffuant at {big:,} nodes ≥ 100× lean Mesa | {rl[0]:,.0f}× ({rl[1]:,.0f}–{rl[2]:,.0f} "
                 f"over repetitions) | {'yes' if rl[0] >= 100 else 'no'}"
                 f"{' (narrowly: not in every repetition)' if rl[0] >= 100 and rl[1] < 100 else ''} |")
    if rn:
        L.append(f"| Deffuant at {big:,} nodes ≥ 1,000× NDlib | {rn[0]:,.0f}× ({rn[1]:,.0f}–{rn[2]:,.0f} "
                 f"over repetitions) | {'yes' if rn[0] >= 1000 else 'no'}"
                 f"{' (narrowly: not in every repetition)' if rn[0] >= 1000 and rn[1] < 1000 else ''} |")
    r6 = by.get((1_000_000, "10"))
    if r6:
        L.append(f"| full step ≥ 10^7 agent-steps/s at 10^6 agents | {r6['agent_steps_per_s']:,.0f} | "
                 f"{'yes' if r6['agent_steps_per_s'] >= 1e7 else 'no'} |")
        L.append(f"| ≤ 120 bytes per agent at mean degree 10 | {r6['bytes_per_agent']:.1f} B in the arrays "
                 f"(degree {r6['mean_degree']:.1f}); peak RSS {r6['peak_rss_bytes_per_agent']:.0f} B/agent at 10^6 | "
                 f"{'yes' if r6['bytes_per_agent'] <= 120 else 'no'} (arrays) |")
    r8 = by.get((100_000_000, "10"))
    skipped8 = any(r.get("skipped") and r["agents"] == 100_000_000 for r in raw["model"])
    if r8:
        L.append(f"| a 10^8-agent field builds and steps in 24 GiB | built in "
                 f"{r8['build_state_s'] + r8['build_network_s']:.0f} s, one step {r8['step_s']:.0f} s, "
                 f"peak RSS {r8['peak_rss_bytes_per_agent'] * r8['agents'] / 2**30:.1f} GiB | yes |")
    else:
        L.append(f"| a 10^8-agent field builds and steps in 24 GiB | "
                 f"{'skipped: not enough free memory' if skipped8 else 'not run (--quick or --no-1e8)'} | not measured |")
    L += [""]
    lever_d = [r["rate"] for r in raw["peers"] if r["impl"] == "lever" and r["model"] == "deffuant" and r["size"] == big]
    mesa_d = [r["rate"] for r in raw["peers"] if r["impl"] == "mesa-lean" and r["model"] == "deffuant" and r["size"] == big]
    if lever_d and mesa_d and rl and rl[0] < 100:
        ns_l, ns_m = 1e9 / stats.median(lever_d), 1e9 / stats.median(mesa_d)
        L += [f"Not met: 100× the lean Mesa model would need {ns_m / 100:.1f} ns an update; Lever's "
              f"takes {ns_l:.1f} ns, and its serial part (the exchanges, made in order, about 2 ns) "
              "cannot be spread over the cores. The lean Mesa loop is plain Python lists at "
              f"{ns_m:.0f} ns an update; Lever is {rl[0]:.0f}× it, {ratios[('deffuant', big, 'mesa-idiomatic')][0]:.0f}× "
              "the idiomatic Mesa model.", ""]
    if r8:
        L += [f"At 10^8 agents a full step costs {1e9 / r8['agent_steps_per_s']:.0f} ns an agent, about "
              f"one dependent read from memory ({1e9 / raw['limit']['chase_per_s']:.0f} ns, section 4).", ""]

    L += [f"## 1. Peers, same work", "",
          "Deffuant (μ = 0.5, d = 0.3, 1-D opinions uniform on [0, 1]) and the voter model on one "
          "Barabási–Albert graph per size (m = 5, mean degree 10), written once to "
          "`benchmarks/out/ba-N-m5.txt` and read by all. An agent-update is one elementary update "
          "(a random agent and a random neighbour). "
          f"{reps} repetitions; in each, every implementation runs in its own subprocess, in an order "
          f"that rotates, and repeats its unit of work (a sweep of n updates; NDlib's voter: its "
          f"iteration, one update) until {seconds:g} s have passed, after a warm-up (Lever: "
          "compiled kernels loaded from the cache). Peak RSS is the subprocess's own high-water mark "
          "(`VmHWM`, interpreter and libraries included; its `ru_maxrss` would carry the runner's "
          "over `exec`); 'over imports' subtracts the RSS after the imports.", "",
          "- **lever**: `lever.classic.Deffuant` / `Voter` (`record=False`), `run(sweeps)`.",
          "- **mesa-lean**: Mesa 3 `Agent`s plus a list of neighbour agents per agent; a step is a "
          "plain loop of n updates.",
          "- **mesa-idiomatic**: `FixedAgent`s on the cells of `mesa.discrete_space.Network`; a step is "
          "`agents.shuffle_do(\"step\")` (each agent once, in random order), the partner "
          "`cell.neighborhood.select_random_agent()`.",
          "- **ndlib**: `AlgorithmicBiasModel` with γ = 0 (no bias) and ε = 0.3, whose exchange moves "
          "both to their mean (μ = 0.5), one iteration = n updates; `VoterModel`, one iteration = one "
          "update (NDlib copies and scans its status each iteration, hence its rate).", ""]
    L += ptable + [""]

    L += ["## 2. Lever's own model", "",
          "britain-1933 with every population but the group's forty scaled up and one agent per "
          "person (`benchmarks/field.py`, via `lever.with_values`: sizes and persons_per_agent); "
          "`network.workplace_ties = 5, random_ties = 1` give a mean degree near 10 (the rows "
          "marked 'default' keep the scenario's 6 and 2, about 13 at one person per agent). A step is `lever.engine.step`, the six "
          "mechanisms of one week, timed alone (median of the steps run). Bytes per agent: the "
          "population's and the network's arrays (`State` + CSR); peak RSS per agent is the whole "
          "process's, build transients included.", "",
          "| agents | mean degree | build s | step s | steps/s | agent-steps/s | bytes/agent (state + network) | peak RSS bytes/agent |",
          "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in raw["model"]:
        if r.get("skipped"):
            L.append(f"| {r['agents']:,} | | skipped: not enough free memory | | | | | |")
            continue
        L.append(f"| {r['agents']:,}{' (default ties)' if r['ties'] == 'default' else ''} | {r['mean_degree']:.1f} | "
                 f"{r['build_state_s'] + r['build_network_s']:.1f} | {r['step_s']:.3f} | {r['steps_per_s']:.2f} | "
                 f"{r['agent_steps_per_s']:,.0f} | {r['bytes_per_agent']:.1f} ({r['state_bytes_per_agent']:.1f} + "
                 f"{r['network_bytes_per_agent']:.1f}) | {r['peak_rss_bytes_per_agent']:.0f} |")
    L += ["", f"`{raw['scale1']['command']}` (586,640 agents, 104 steps, outputs written; "
          f"wall time of the command): **{raw['scale1']['seconds']:.1f} s**.", ""]

    L += ["## 3. Weigh throughput", "",
          "britain-1933 at its default scale (43,620 agents, 104 steps), every strategy, one "
          "replication per Latin-hypercube draw, through `lever.weigh.weigh` "
          "(`benchmarks/weigh_rate.py`; the process pool's start-up is counted).", "",
          "| jobs | runs | seconds | runs per minute |", "|---:|---:|---:|---:|"]
    for w in raw["weigh"]:
        L.append(f"| {w['jobs']} | {w['runs']} | {w['seconds']:.1f} | {w['runs_per_minute']:.0f} |")
    lim = raw["limit"]
    L += ["", "## 4. The limit", "",
          f"Random reads on this machine (`benchmarks/limit.py`): {lim['reads']:,} reads from an array "
          f"of {lim['size']:,} elements.", "",
          "| what | per second | ns each |", "|---|---:|---:|",
          f"| independent reads (NumPy gather `a[idx]`, float64) | {lim['gather_numpy_per_s']:,.0f} | {1e9 / lim['gather_numpy_per_s']:.1f} |",
          f"| independent reads (compiled loop) | {lim['gather_loop_per_s']:,.0f} | {1e9 / lim['gather_loop_per_s']:.1f} |",
          f"| dependent reads (pointer chasing, one random cycle, int32) | {lim['chase_per_s']:,.0f} | {1e9 / lim['chase_per_s']:.1f} |",
          f"| Lever Deffuant updates, BA graph of {lim['deffuant_nodes']:,} nodes | {lim['deffuant_per_s']:,.0f} | {1e9 / lim['deffuant_per_s']:.1f} |"]
    d5 = [r for r in raw["peers"] if r["impl"] == "lever" and r["model"] == "deffuant" and r["size"] == big]
    if d5:
        rate = stats.median(r["rate"] for r in d5)
        L.append(f"| Lever Deffuant updates, BA graph of {big:,} nodes (section 1) | {rate:,.0f} | {1e9 / rate:.1f} |")
    for key, r in ((10 ** 6, r6), (10 ** 7, by.get((10 ** 7, "10"))), (10 ** 8, r8)):
        if r:
            L.append(f"| Lever full step, per agent, {r['agents']:,} agents (section 2) | "
                     f"{r['agent_steps_per_s']:,.0f} | {1e9 / r['agent_steps_per_s']:.1f} |")
    L += ["", NOTES]
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    main()
