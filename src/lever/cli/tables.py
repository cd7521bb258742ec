"""The tables the command line prints: a weigh's ranking, and an experiment's summary."""

from __future__ import annotations

from rich import box
from rich.table import Table

from lever.analysis import Ranking, table_text
from lever.store import Experiment
from lever.store.reading import shown_outcomes, strategy_summaries


def ranked_table(ranking: Ranking, title: str) -> Table:
    """The ranking, made to fit 80 columns: each median above its 90% interval, numbers never
    cut or wrapped (a long strategy name wraps instead), light rules between strategies."""
    head, rows = table_text(ranking)
    table = Table(title=title, box=box.SIMPLE_HEAD, show_lines=True, pad_edge=False, padding=(0, 0),
                  title_justify="left")  # fmt: skip
    for col in head:
        if col.endswith(" median [90%]") and not col.startswith("Δ"):
            col = _wrap_name(col.removesuffix(" median [90%]"), 12) + " median [90%]"
        label = col.replace(" median [90%]", "\nmedian\n[90%]").replace("regret mean / worst", "regret\nmean /\nworst")
        label = label.replace("Δ vs ", "Δ vs\n").replace(" mean [90% CI]", "\nmean\n[90% CI]")
        label = label.replace("P(beat) [90% CI]", "P(beat)\n[90% CI]")
        if label == "strategy":
            table.add_column(label, justify="left", overflow="fold", width=12)
        else:
            table.add_column(label, justify="right", no_wrap=True)
    for row in rows:
        row[1] = _wrap_name(row[1], 12)
        cells = [cell.replace(" [", "\n[", 1) if cell.endswith("]") else cell for cell in row]
        cells[-1] = cells[-1].replace(" / ", " /\n", 1)  # regret: mean over worst
        table.add_row(*cells)
    return table


def _wrap_name(name: str, width: int) -> str:
    """A long snake_case name over lines, broken after its underscores where it can be."""
    parts = [p[i : i + width] for p in name.replace("_", "_ ").split(" ") for i in range(0, len(p), width)]
    lines = [""]
    for part in parts:
        if lines[-1] and len(lines[-1]) + len(part) > width:
            lines.append("")
        lines[-1] += part
    return "\n".join(lines)


def summary_table(exp: Experiment) -> Table:
    """Per strategy: runs ok and failed, and the median and 90% interval of the main outcomes."""
    shown = shown_outcomes(exp)
    table = Table(title=f"{exp.name} ({exp.spec.get('kind', '?')}, {exp.status()})")
    for col in ("strategy", "ok", "failed", *shown):
        table.add_column(col, justify="left" if col == "strategy" else "right")
    for row in strategy_summaries(exp):
        table.add_row(row["strategy"], str(row["ok"]), str(row["failed"]), *(_interval(row[c]) for c in shown))
    return table


def _interval(quantiles: list[float | None] | None) -> str:
    if quantiles is None or any(q is None for q in quantiles):
        return "–"
    lo, mid, hi = quantiles
    return f"{mid:,.0f} [{lo:,.0f}, {hi:,.0f}]"
