"""The documents quote the code: these tests fail when docs/ODD.md or README.md drift from it.

Each quoted list or number sits between HTML comment markers (``<!-- name -->`` ...
``<!-- /name -->``) where it is not otherwise easy to find, and is recomputed here from the code:
the outcomes and the default one, the weigh command's run count, the tally columns, the
uncertainties, agent and branch counts, detection chances and thesis 1's host sizes.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import lever
import lever.cli.main
import lever.cli.theses
import lever.cli.weigh
from lever.model.build import agent_counts, branch_counts, build_params
from lever.model.loading import with_scale
from lever.sim.engine import TALLIES
from lever.sim.outcomes import DEFAULT_OUTCOME, OUTCOMES

ROOT = Path(__file__).resolve().parents[1]
ODD = (ROOT / "docs" / "ODD.md").read_text()
README = (ROOT / "README.md").read_text()

NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}


def block(text: str, name: str) -> str:
    """The text between ``<!-- name -->`` and ``<!-- /name -->`` (exactly one such block)."""
    found = re.findall(rf"<!-- {re.escape(name)} -->(.*?)<!-- /{re.escape(name)} -->", text, flags=re.S)
    assert len(found) == 1, f"expected one <!-- {name} --> block, found {len(found)}"
    return found[0]


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the Markdown table in ``text``, as stripped cells (header and rule dropped)."""
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith("|")]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    return [r for r in rows[1:] if not all(set(c) <= set("-: ") for c in r)]


def ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


@pytest.fixture(scope="module")
def field():
    return lever.load("britain-1933")


# -- (a) outcomes --------------------------------------------------------------------------


def test_odd_outcome_table_lists_exactly_the_outcomes_in_order():
    rows = table_rows(block(ODD, "outcomes"))
    names = [ticked(r[0])[0] for r in rows]
    assert names == list(OUTCOMES)


def test_odd_outcome_table_says_which_way_is_better():
    for row in table_rows(block(ODD, "outcomes")):
        name = ticked(row[0])[0]
        assert row[-1] == ("more" if OUTCOMES[name][1] else "less"), name


def test_odd_and_readme_name_the_default_outcome():
    assert f"**Default:** `{DEFAULT_OUTCOME}` (`lever.sim.outcomes.DEFAULT_OUTCOME`)" in ODD
    default_row = next(r for r in table_rows(block(ODD, "outcomes")) if ticked(r[0])[0] == DEFAULT_OUTCOME)
    assert "default ranking outcome" in default_row[1]
    assert f"The default is\n`{DEFAULT_OUTCOME}` (`lever.sim.outcomes.DEFAULT_OUTCOME`)" in README
    assert inspect.signature(lever.cli.weigh.weigh_command).parameters["outcome"].default == DEFAULT_OUTCOME


def test_readme_outcome_choices_are_those_the_cli_accepts():
    from typer.testing import CliRunner

    result = CliRunner().invoke(lever.cli.main.app, ["weigh", "--outcome", "no_such_outcome"])
    assert result.exit_code != 0
    message = " ".join(result.output.split())
    accepted = re.search(r"\(outcomes: ([^)]*)\)", message).group(1).split(", ")
    assert ticked(block(README, "outcome choices")) == accepted


def test_readme_examples_rank_by_an_outcome_that_exists():
    for name in re.findall(r"--outcome (\w+)", README):
        assert name in OUTCOMES, name


# -- (b) the weigh command's run count -----------------------------------------------------


def test_readme_counts_the_weigh_runs_of_the_cli_defaults(field):
    params = inspect.signature(lever.cli.weigh.weigh_command).parameters
    samples, replications = params["samples"].default, params["replications"].default
    assert params["scenario"].default == field.name
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    text = " ".join(quick.split())
    m = re.search(
        r"runs the (\w+) built-in strategies of `([\w-]+)` across (\d+) Latin-hypercube draws of its "
        r"uncertainties and (\d+) replications each \((\d+) strategy runs",
        text,
    )
    assert m, "the quick start's sentence on what `lever weigh` runs has changed shape"
    strategies = len(field.strategies)
    assert NUMBER_WORDS[m.group(1)] == strategies
    assert m.group(2) == field.name
    assert (int(m.group(3)), int(m.group(4))) == (samples, replications)
    assert int(m.group(5)) == strategies * samples * replications


def test_odd_names_the_weigh_defaults():
    params = inspect.signature(lever.cli.weigh.weigh_command).parameters
    samples, replications = params["samples"].default, params["replications"].default
    assert f"(defaults {samples} and {replications})" in ODD


# -- (c) tally columns ---------------------------------------------------------------------


def test_readme_lists_the_tally_columns():
    assert tuple(ticked(block(README, "tallies"))) == TALLIES


def test_odd_tables_the_tally_columns():
    rows = table_rows(block(ODD, "tallies"))
    assert tuple(ticked(r[0])[0] for r in rows) == TALLIES


# -- (d) other numbers the docs quote ------------------------------------------------------


def test_odd_uncertainty_table_is_the_scenarios(field):
    rows = table_rows(block(ODD, "uncertainties"))
    quoted = [(r[0], ticked(r[1])[0], r[2]) for r in rows]
    actual = [(u.label, u.path, f"{u.low:g}–{u.high:g}") for u in field.uncertainties]
    assert quoted == actual
    assert f"The {len(field.uncertainties)} uncertainty ranges" in ODD


def test_odd_agent_counts(field):
    text = " ".join(block(ODD, "agents").split())
    assert f"there are {int(agent_counts(field).sum()):,} agents at step 0" in text
    assert f"there are {int(agent_counts(with_scale(field, 1.0)).sum()):,}." in text


def test_odd_organization_table_agents_and_branches(field):
    rows = {r[0]: r[1:] for r in table_rows(ODD.split("| | Labour | ILP (host)", 1)[1].split("\n\n", 1)[0])}
    agents = [f"{int(n):,}" for n in agent_counts(field)]
    assert rows["agents"] == agents
    assert rows["branches"] == [f"{int(b):,}" for b in branch_counts(field)] + ["—"]
    assert rows["persons per agent"] == [f"{p.persons_per_agent:g}" for _, p in field._populations()]  # noqa: SLF001 (the table lists what the build uses)


def test_odd_detection_chances(field):
    params = build_params(field, field.strategies["enter_ilp_faction"])
    p = params.detection * params.homogeneity**3 * params.visibility
    keys = field.org_keys
    text = " ".join(block(ODD, "detection").split())
    assert f"P is {p[keys.index('ilp')]:.4f} in the ILP" in text
    assert f"{p[keys.index('labour')]:.3f} in Labour" in text
    assert f"In the CPGB it is {p[keys.index('cpgb')]:.3f} under every strategy" in text
    for name, strategy in field.strategies.items():  # the rival's arm: undeclared individuals always
        other = build_params(field, strategy)
        assert other.visibility[keys.index("cpgb")] == params.visibility[keys.index("cpgb")], name


def test_odd_thesis_1_host_sizes():
    from lever.theses.job import THESES

    one = next(t for t in THESES if t.number == 1)
    quoted = block(ODD, "t1").split(" / ")
    assert quoted == [f"{v:,.0f}" for v in one.factor.values]
    assert f"largest host is {max(one.factor.values):,.0f}" in " ".join(ODD.split())


def test_odd_thesis_world_counts():
    from lever.theses.job import THESES

    params = inspect.signature(lever.cli.theses.theses_command).parameters
    replications = params["replications"].default
    worlds = {t.number: t.samples * replications for t in THESES}
    few, many = min(worlds, key=worlds.get), max(worlds, key=worlds.get)
    assert (f"each thesis has {worlds[few]} (thesis {few}) to {worlds[many]} (thesis {many}) paired"
            in " ".join(ODD.split()))  # fmt: skip


# -- paths and names the documents point a reader to -----------------------------------------

#: the documents a reader follows into the repository
GUIDES = ["README.md", "BENCHMARKS.md", "docs/ODD.md", "docs/SOURCES.md", "docs/DESIGN.md"]

#: a repository path in backticks or parentheses: a top folder of the repository, then a file name
REPO_PATH = re.compile(r"(?<![\w/.-])((?:src/lever|tests|benchmarks|docs|bin)/[\w./-]*\.(?:py|md|toml|bib|cff|csv))")


def _guides() -> dict[str, str]:
    return {name: (ROOT / name).read_text() for name in GUIDES if (ROOT / name).exists()}


def test_the_documents_name_files_that_exist():
    """A file a document sends its reader to is there: the house's folders moved once, and the
    README, the ODD and SOURCES kept naming tests/test_sources.py and src/lever/scenario.py."""
    named = [(name, path) for name, text in _guides().items() for path in REPO_PATH.findall(text)]
    assert len(named) > 20, "the pattern no longer finds the documents' paths"
    missing = [f"{name}: {path}" for name, path in named if "*" not in path and not (ROOT / path).exists()]
    assert not missing, missing


def test_the_documents_name_python_objects_that_exist():
    """Each ``lever.x.y`` the documents name imports (a module) or is an attribute of one (an
    audit found ODD naming weigh.run_task and theses.THESES after they moved)."""
    import importlib

    text = "\n".join(_guides().values())
    bad, named = [], sorted(set(re.findall(r"`(lever(?:\.[A-Za-z_]\w*)+)", text)))
    assert len(named) > 20, "the pattern no longer finds the documents' names"
    for dotted in named:
        parts = dotted.split(".")
        for k in range(len(parts), 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:k]))
                break
            except ImportError:
                continue
        for name in parts[k:]:
            if not hasattr(obj, name):
                bad.append(dotted)
                break
            obj = getattr(obj, name)
    assert not bad, bad
