"""The page's words for the model's outcomes: a plain name and a one-line meaning each.

The meanings of :data:`lever.sim.outcomes.OUTCOMES` are the reference; the page says them in
the plain words of :data:`lever.sim.outcomes.PLAIN`, which the report's figures use too.
"""

from __future__ import annotations

from typing import Any

from lever.sim.outcomes import OUTCOMES, plain


def glossary() -> dict[str, dict[str, Any]]:
    """Every outcome: its plain name, its meaning in a line, whether more is better, and the
    model's own sentence for it (``code``: the conclusion says it; the page puts the plain one in)."""
    out = {}
    for name, (meaning, more_is_better) in OUTCOMES.items():
        called, said = plain(name)
        out[name] = {"name": called, "meaning": said, "better": "more" if more_is_better else "less", "code": meaning}
    return out
