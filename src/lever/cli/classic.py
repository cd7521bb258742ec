"""``lever classic``: run a classic opinion model many times and print what was measured.

The command function :func:`classic` is registered on the main Typer app as
``app.command("classic")(classic)``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from lever.classic.bass import bass_peak
from lever.classic.batch import DEFAULT_LENGTH, MODELS, PARAMETERS, Stat, batch, build, summarize
from lever.classic.majority import exit_probability
from lever.classic.network import NetworkSpecError, make_network
from lever.classic.voter import exact_consensus_time, mean_field_consensus_time
from lever.cli.common import Reporter, fail, out_console

__all__ = ["classic"]

#: Bounds of the options: what one machine runs in reasonable time and memory.
MAX_RUNS = 1_000_000
MAX_N = 10_000_000
MAX_LENGTH = 10_000_000
_PROGRESS_FROM = 20  # runs; fewer finish too fast for a bar to help
_TIME_LABEL = {"deffuant": "convergence time (sweeps)", "hk": "convergence time (steps)",
               "relative-agreement": "convergence time (sweeps)",
               "bass": "time to full adoption (years)"}  # fmt: skip
_REACHED_LABEL = {"deffuant": "share converged", "hk": "share converged", "relative-agreement": "share converged",
                  "bass": "share fully adopted"}  # fmt: skip


def classic(
    model: Annotated[
        str, typer.Argument(help="voter, deffuant, hk, naming-game, majority, bass or relative-agreement.")
    ],
    n: Annotated[int | None, typer.Option("--n", "-n", help="Agents (default 1000; a file sets its own).")] = None,
    network: Annotated[
        str, typer.Option(help="complete, er:K (mean degree K), ba:M or an edge-list file.")
    ] = "complete",
    rho: Annotated[float | None, typer.Option(help="voter, majority: initial share of + [0.5].")] = None,
    zealots_plus: Annotated[int | None, typer.Option(help="voter: number of + zealots [0].")] = None,
    zealots_minus: Annotated[int | None, typer.Option(help="voter: number of - zealots [0].")] = None,
    committed: Annotated[float | None, typer.Option(help="naming-game: share of agents committed to A [0.1].")] = None,
    bound: Annotated[float | None, typer.Option(help="deffuant: confidence bound d [0.2].")] = None,
    mu: Annotated[float | None, typer.Option(help="deffuant, relative-agreement: convergence parameter [0.5].")] = None,
    epsilon: Annotated[float | None, typer.Option(help="hk: confidence bound [0.2].")] = None,
    u: Annotated[float | None, typer.Option("--U", help="relative-agreement: moderates' uncertainty [1.4].")] = None,
    pe: Annotated[float | None, typer.Option(help="relative-agreement: share of extremists [0.2].")] = None,
    ue: Annotated[float | None, typer.Option(help="relative-agreement: extremists' uncertainty [0.1].")] = None,
    delta: Annotated[float | None, typer.Option(help="relative-agreement: (p+ - p-)/pe [0].")] = None,
    p: Annotated[float | None, typer.Option("--p", help="bass: innovation rate /year [0.03].")] = None,
    q: Annotated[float | None, typer.Option("--q", help="bass: imitation rate /year [0.38].")] = None,
    dt: Annotated[float | None, typer.Option(help="bass: time step in years [0.01].")] = None,
    until_consensus: Annotated[
        bool, typer.Option(help="Stop each run at consensus (convergence; full adoption).")
    ] = False,
    max_sweeps: Annotated[
        float | None,
        typer.Option(
            help="Run length, or the cap with --until-consensus: sweeps [10000]; hk steps [1000]; bass years [30]."
        ),
    ] = None,
    runs: Annotated[int, typer.Option(help="Independent runs.")] = 1,
    seed: Annotated[int, typer.Option(min=0, max=2**32 - 1, help="Seed of the whole batch.")] = 0,
    out: Annotated[
        Path | None,
        typer.Option(help="Folder for runs.csv (one row per run), summary.json and provenance.json."),
    ] = None,
) -> None:
    """Run a classic opinion model RUNS times and print measured statistics."""
    given = {"rho": rho, "zealots_plus": zealots_plus, "zealots_minus": zealots_minus,
             "committed": committed, "bound": bound, "mu": mu, "epsilon": epsilon, "p": p,
             "q": q, "dt": dt, "U": u, "pe": pe, "ue": ue, "delta": delta}  # fmt: skip
    params = _check(model, n, runs, max_sweeps, given, network)
    length = DEFAULT_LENGTH[model] if max_sweeps is None else max_sweeps
    if out is not None and (out / "provenance.json").exists():
        raise fail(f"--out: {out} already holds a result (provenance.json); choose another folder or remove it")
    records = _collect(model, network, n, runs, seed, length, until_consensus, params)
    _print_table(model, network, n, runs, seed, length, until_consensus, params, records)
    if out is not None:
        settings = {"model": model, "n": n, "network": network, "runs": runs, "seed": seed, "length": length,
                    "until_consensus": until_consensus, **{**PARAMETERS[model], **params}}  # fmt: skip
        _write(out, records, settings)


def _write(out: Path, records: list[dict[str, float]], settings: dict) -> None:
    """``runs.csv``, ``summary.json`` (mean, standard error, runs per statistic) and
    ``provenance.json`` (the command line, Lever's build, the settings and seed)."""
    import json

    import pandas as pd

    from lever.store.files import output_folder, write_atomic
    from lever.store.provenance import build, command_line

    try:
        output_folder(out)
    except OSError as err:
        raise fail(f"--out: cannot use {out} as an output folder: {err.strerror or err}") from None
    stats = {k: {"mean": v.mean, "se": v.se, "runs": v.count} for k, v in summarize(records).items()}
    record = {"command": command_line(), **build(), **settings}
    write_atomic(out / "runs.csv", lambda p: pd.DataFrame(records).to_csv(p, index_label="run"))
    write_atomic(out / "summary.json", lambda p: p.write_text(json.dumps(stats, indent=2) + "\n"))
    write_atomic(out / "provenance.json", lambda p: p.write_text(json.dumps(record, indent=2) + "\n"))
    out_console.print(f"Wrote {out / 'runs.csv'}, {out / 'summary.json'}, {out / 'provenance.json'}")


def _check(
    model: str, n: int | None, runs: int, max_sweeps: float | None, given: dict[str, float | None], network: str
) -> dict[str, float]:
    if model not in MODELS:
        raise fail(f"unknown model '{model}'; choose one of {', '.join(MODELS)}")
    wrong = [k for k, v in given.items() if v is not None and k not in PARAMETERS[model]]
    if wrong:
        flag = "--" + wrong[0].replace("_", "-")
        raise fail(f"{flag} does not apply to {model}")
    if runs < 1:
        raise fail(f"--runs must be at least 1, got {runs}")
    if runs > MAX_RUNS:
        raise fail(f"--runs must be at most {MAX_RUNS:,}, got {runs}")
    if n is not None and n < 2:
        raise fail(f"--n: need at least 2 nodes, got {n}")
    if n is not None and n > MAX_N:
        raise fail(f"--n must be at most {MAX_N:,}, got {n}")
    if max_sweeps is not None and not 0 < max_sweeps <= MAX_LENGTH:
        raise fail(f"--max-sweeps must be positive and at most {MAX_LENGTH:g}, got {max_sweeps}")
    for key, value in given.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise fail(f"--{key.replace('_', '-')} must be a finite number, got {value}")
        if isinstance(value, int) and not 0 <= value <= MAX_N:
            raise fail(f"--{key.replace('_', '-')} must be from 0 to {MAX_N:,}, got {value}")
    if model == "bass" and given["p"] is not None and given["q"] is not None and given["p"] + given["q"] <= 0:
        raise fail("--p, --q: at least one must be positive (nobody would ever adopt)")
    params = {k: v for k, v in given.items() if v is not None}
    try:  # build one model now so bad values fail before any run
        net = make_network(network, n if n is not None or _is_file(network) else 1000,
                           np.random.default_rng(0))  # fmt: skip
        build(model, net, np.random.default_rng(0), **params)
    except (NetworkSpecError, ValueError) as err:
        raise fail(str(err)) from None
    return params


def _is_file(network: str) -> bool:
    return network != "complete" and network.partition(":")[0] not in ("er", "ba")


def _collect(
    model: str, network: str, n: int | None, runs: int, seed: int, length: float, until: bool, params: dict[str, float]
) -> list[dict[str, float]]:
    n_eff = None if _is_file(network) else (1000 if n is None else n)
    it = batch(model, network, n_eff, runs, seed, length, until, **params)
    if runs < _PROGRESS_FROM:
        return list(it)
    records: list[dict[str, float]] = []
    with Reporter(f"{model} runs") as report:
        for rec in it:
            records.append(rec)
            report(len(records), runs)
    return records


def _fmt(x: float, digits: int = 4) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}g}"


def _print_table(
    model: str,
    network: str,
    n: int | None,
    runs: int,
    seed: int,
    length: float,
    until: bool,
    params: dict[str, float],
    records: list[dict[str, float]],
) -> None:
    stats = summarize(records)
    shown = ", ".join(f"{k}={v:g}" for k, v in {**PARAMETERS[model], **params}.items())
    n_txt = "file" if _is_file(network) else str(1000 if n is None else n)
    table = Table(
        title=f"lever classic {model}  (n={n_txt}, network={network}, {shown})",
        caption=f"{runs} runs, seed {seed}, "
        f"{'until absorbed, at most' if until else 'each'} {length:g} "
        f"{'years' if model == 'bass' else 'steps' if model == 'hk' else 'sweeps'}",
    )
    for col in ("statistic", "mean", "± s.e.", "runs", "reference"):
        table.add_column(col, justify="left" if col == "statistic" else "right")
    # The closed-form references hold on the complete graph only.
    size = (1000 if n is None else n) if network == "complete" else None
    for label, key, ref in _rows(model, size, params):
        s = stats.get(key, Stat(math.nan, math.nan, 0))
        table.add_row(label, _fmt(s.mean), _fmt(s.se, 2), str(s.count), ref)
    out_console.print(table)


def _rows(model: str, n: int | None, params: dict[str, float]) -> list[tuple[str, str, str]]:
    """(label, measurement key, reference text) for each table row; ``n`` is None off the
    complete graph, where the closed-form references do not apply."""
    full = {**PARAMETERS[model], **params}
    time_label = _TIME_LABEL.get(model, "consensus time (sweeps)")
    reached = _REACHED_LABEL.get(model, "share reaching consensus")
    rows = [(reached, "reached", ""), (time_label, "time", _time_ref(model, n, full))]
    rows += _model_rows(model, n, full)
    return rows


def _time_ref(model: str, n: int | None, full: dict[str, float]) -> str:
    if model != "voter" or n is None or full["zealots_plus"] or full["zealots_minus"]:
        return ""
    size = n
    k = int(round(full["rho"] * size))
    return (
        f"exact {exact_consensus_time(size, k):.2f}; "
        f"−N[ρlnρ+(1−ρ)ln(1−ρ)] {mean_field_consensus_time(size, full['rho']):.2f}"
    )


def _model_rows(model: str, n: int | None, full: dict[str, float]) -> list[tuple[str, str, str]]:
    if model == "voter":
        rows = [("final share +", "plus", "")]
        zp, zm = full["zealots_plus"], full["zealots_minus"]
        if zp + zm:
            rows.append(("floating share +, time-avg (2nd half)", "free_plus_avg",
                         f"Z+/(Z+ + Z−) = {zp / (zp + zm):.4f}"))  # fmt: skip
        return rows
    if model == "relative-agreement":  # Deffuant et al. 2002: y ~0 centre, ~0.5 both extremes, ~1 one
        return [("y = p'+² + p'-²", "y", "0 / 0.5 / 1"), ("moderates within 0.5 of centre", "centre", "")]
    if model == "majority":
        ref = ""
        if n is not None:
            ref = f"exact {exit_probability(n, int(round(full['rho'] * n))):.4f}"
        return [("final share +", "plus", ""), ("P(ends all +)", "plus_wins", ref)]
    if model == "naming-game":
        return [("final share {A}", "A", ""), ("final share {B}", "B", ""),
                ("final share {A,B}", "AB", "")]  # fmt: skip
    if model in ("deffuant", "hk"):
        d = full.get("bound", full.get("epsilon"))
        assert d is not None  # PARAMETERS gives deffuant its bound and hk its epsilon
        ref = f"⌊1/(2d)⌋ = {math.floor(1 / (2 * d))}" if model == "deffuant" and d < 0.3 else ""
        return [("major clusters (≥5% of N)", "major", ref), ("all clusters", "clusters", ""),
                ("share with one major cluster", "single", "")]  # fmt: skip
    if not (full["p"] > 0 and full["q"] > 0):  # the closed form needs both rates
        return [("peak adoption rate at (years)", "t_peak", ""), ("final share adopted", "final", "")]
    t_star, f_star = bass_peak(full["p"], full["q"])
    ref = f"ODE {t_star:.3f}" if n is not None else ""
    return [("peak adoption rate at (years)", "t_peak", ref),
            (f"reaches F={f_star:.4f} at (years)", "t_star_share", ref),
            ("final share adopted", "final", "")]  # fmt: skip
