"""Experiments of the store as the page reads them: a list, and one opened again.

Only names go in (checked by :func:`lever.store.check_name`) and only files of a fixed list
come out, from the experiment's own folder: no path is ever taken from the browser.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from lever.store import Experiment, StoreError
from lever.store.reading import strategy_summaries
from lever.web.checks import Refused
from lever.web.work import FILES, REPORT

#: The files the page serves, and where each lies in an experiment's folder.
SERVED = {
    "timeseries.parquet": FILES, "summary.json": FILES, "flows.csv": FILES, "trajectories.png": FILES,
    "report.html": REPORT, "runs.parquet": REPORT, "outcomes.png": REPORT, "flows.png": REPORT, "funnel.png": REPORT,
    "scenario.toml": "", "provenance.json": FILES,
}  # fmt: skip
FileName = Literal[
    "timeseries.parquet", "summary.json", "flows.csv", "trajectories.png", "report.html", "runs.parquet",
    "outcomes.png", "flows.png", "funnel.png", "scenario.toml", "provenance.json", "weigh-trajectories.png",
]  # fmt: skip
#: The weigh report's band figure is also called trajectories.png: the page names it apart.
RENAMED = {"weigh-trajectories.png": (REPORT, "trajectories.png")}


def opened(store: Path, name: str) -> Experiment:
    try:
        return Experiment.read(store, name)
    except StoreError as err:
        raise Refused(404, str(err).replace("NAME: ", "experiment: ", 1)) from None


def file_path(store: Path, name: str, file: str) -> Path:
    """The path of one served file of an experiment, or a 404 naming what is missing."""
    exp = opened(store, name)
    sub, real = RENAMED.get(file, (SERVED.get(file), file))
    if sub is None:
        raise Refused(404, f"file: '{file}' is not one the page serves")
    if file == "scenario.toml":  # from the run's files or the weigh's report, whichever is there
        sub = FILES if (exp.folder / FILES / real).is_file() else REPORT
    path = exp.folder / sub / real
    if not path.is_file():
        raise Refused(404, f"file: experiment '{name}' has no {file}")
    return path


def ranking(exp: Experiment) -> dict[str, Any] | None:
    """The ranking and conclusion of a complete weigh, recomputed from its stored runs."""
    from lever.analysis import conclusion, table_text
    from lever.weigh.job import ranking_from_store

    if exp.spec.get("kind") != "weigh":
        return None
    ranked = ranking_from_store(exp)
    if ranked is None:
        return None
    head, rows = table_text(ranked)
    return {"head": head, "rows": rows, "outcome": ranked.outcome, "baseline": ranked.baseline,
            "tied": [bool(x) for x in ranked.table["tied"]], "sure": bool(ranked.sure),
            "conclusion": conclusion(ranked, int(exp.spec["samples"]), int(exp.spec["replications"]))}  # fmt: skip


def series(exp: Experiment) -> dict[str, list[float]] | None:
    """A run's per-step group members and those won, to draw its chart again."""
    if exp.spec.get("kind") != "run":
        return None
    table = exp.series()
    if not len(table):
        return None
    return {c: [float(x) for x in table[c]] for c in ("week", "group_members", "won") if c in table.columns}


def view(store: Path, name: str) -> dict[str, Any]:
    """One experiment opened again: its settings, status, summary, ranking, files."""
    exp = opened(store, name)
    settings = {k: v for k, v in exp.spec.items() if k != "scenario"}
    files = [f for f in FileName.__args__ if _has(exp, f)]
    return {"name": exp.name, "settings": settings, "status": exp.status(), "summary": strategy_summaries(exp),
            "ranking": ranking(exp), "series": series(exp), "files": files, "words": words(exp.spec)}  # fmt: skip


def words(spec: dict[str, Any]) -> dict[str, Any]:
    """The field's own words for its keys, so the page shows no key where a name exists:
    strategies by their description, organizations by their name, and the field's labels."""
    field = spec.get("scenario")
    if isinstance(field, str):  # stored as its TOML text
        try:
            field = tomllib.loads(field)
        except tomllib.TOMLDecodeError:
            field = {}
    field = field if isinstance(field, dict) else {}

    def named(table: str, attr: str) -> dict[str, str]:
        found = field.get(table)
        entries = found if isinstance(found, dict) else {}
        return {k: str(v.get(attr) or k) for k, v in entries.items() if isinstance(v, dict)}

    return {"strategies": named("strategies", "description"), "organizations": named("organizations", "name"),
            "labels": field.get("labels") or {}, "group": field.get("group"), "host": field.get("host"),
            "rival": field.get("rival")}  # fmt: skip


def _has(exp: Experiment, file: str) -> bool:
    sub, real = RENAMED.get(file, (SERVED.get(file), file))
    if file == "scenario.toml":
        return any((exp.folder / s / real).is_file() for s in (FILES, REPORT))
    return sub is not None and (exp.folder / sub / real).is_file()
