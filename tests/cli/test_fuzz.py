"""Bad input never ends in a traceback: a property-based fuzz of the scenario loader and of
every command's options (wrong types, out-of-range and non-finite numbers, unknown keys,
missing tables, sizes too large for memory). Each input either works, with finite output, or
ends with exit code 2 and one line naming the file or option, the field and the problem.
Derandomized, so CI sees the same 1,700+ inputs every time; each is part of the fuzz corpus
(tests/fuzzing.py): bounded at 30 s, and counted by its outcome."""

from __future__ import annotations

import copy
import math
import re

import numpy as np
import pandas as pd
import pytest
import tomli_w
from fields import tiny
from fuzzing import TRACEBACK, bounded, record
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lever.cli.main import app
from lever.model.loading import ScenarioError, builtin_text, parse, to_toml, validate
from lever.model.scenario import Scenario

pytestmark = pytest.mark.fuzz_corpus
runner = CliRunner()
BASE = parse(builtin_text("britain-1933"), "britain-1933")


def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))  # fmt: skip


def leaves(data, path=()):
    if isinstance(data, dict):
        for k, v in data.items():
            yield from leaves(v, (*path, k))
    elif isinstance(data, list) and data:
        for i, v in enumerate(data):
            yield from leaves(v, (*path, i))
    yield path


PATHS = [p for p in leaves(BASE) if p]
BAD_NUMBERS = [math.nan, math.inf, -math.inf, 1e300, -1e300, -1.0, 0.0, 1e12, 1e13, 10**30, -(10**30), 1e-300]
VALUES = st.one_of(
    st.sampled_from(BAD_NUMBERS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.text(max_size=8),
    st.booleans(),
    # a new empty list or table each time: st.just would hand every example the same object,
    # which a later mutation can write into, until a table holds itself (a cycle no TOML has)
    st.builds(list),
    st.builds(dict),
    st.lists(st.floats(allow_nan=True), max_size=3),
)


def mutate(data, path, action, value):
    node = data
    for key in path[:-1]:
        node = node[key]
    last = path[-1]
    if action == "set":
        node[last] = value
    elif action == "delete" and isinstance(node, dict):
        del node[last]
    elif action == "unknown" and isinstance(node, dict):
        node[f"{last}_typo"] = value


@st.composite
def mutated(draw):
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        try:
            mutate(data, path, draw(st.sampled_from(["set", "set", "set", "delete", "unknown"])), draw(VALUES))
        except (KeyError, IndexError, TypeError):
            pass  # an earlier change removed the way there
    return data


def finite_numbers(data) -> bool:
    if isinstance(data, dict):
        return all(finite_numbers(v) for v in data.values())
    if isinstance(data, list | tuple):
        return all(finite_numbers(v) for v in data)
    return not isinstance(data, float) or math.isfinite(data)


@fuzz(1100)
@given(mutated())
def test_the_loader_takes_a_scenario_or_names_the_field_and_the_problem(data):
    text = tomli_w.dumps(data)
    try:
        with bounded("loader"):
            scenario = validate(parse(text, "fuzz.toml"), "fuzz.toml")
    except ScenarioError as err:
        record("loader", "refused: each problem a line naming its field")
        # one line per problem, each naming its field: as the problem's field, or as a dotted
        # path or quoted key in it
        lines = str(err).splitlines()
        assert len(lines) == len(err.problems) and all(line.startswith("fuzz.toml: ") for line in lines)
        for field, problem in err.problems:
            named = field or re.search(r"[a-z_]+(\.[a-z_0-9]+)+|'[^']+'", problem)
            assert named or "malformed TOML" in problem, str(err)
    else:
        record("loader", "accepted, every number finite")
        assert finite_numbers(scenario.model_dump())


#: the class of a command's refusal: exit 2, a line a problem, naming the option or the field
REFUSED = "refused: exit 2, naming the option or field"


def _outcome(result) -> str:
    """A traceback (printed, or an exception other than the exit), or the exit code."""
    if "Traceback" in result.output or not (result.exception is None or isinstance(result.exception, SystemExit)):
        return TRACEBACK
    return f"exit {result.exit_code}"


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    from lever.sim.engine import simulate

    simulate(tiny(), "outside", seed=0, steps=1)  # compile the kernels here, not inside a timed input
    path = tmp_path_factory.mktemp("fuzz") / "tiny.toml"
    path.write_text(to_toml(tiny()))
    return path


def one_line_naming(result, names: list[str], corpus: str, ran: str = "ran") -> None:
    """Exit 2 with error lines (one per problem) of which one names one of ``names``, or
    success (counted as ``ran``); never a traceback."""
    outcome = _outcome(result)
    record(corpus, outcome if outcome == TRACEBACK else {0: ran, 2: REFUSED}.get(result.exit_code, outcome))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 2:
        errors = [line for line in result.output.splitlines() if line.startswith("error:")]
        assert errors, result.output
        # named as the option, or as the field (a whole word: "--p" or "p")
        assert any(
            n in error or re.search(rf"\b{re.escape(n.lstrip('-'))}\b", error) for n in names for error in errors
        ), (names, errors)
    else:
        assert result.exit_code == 0, result.output


NUMBER_TEXT = st.one_of(st.sampled_from(["nan", "inf", "-inf", "1e300", "-1", "0", "1e400", "10000000000000000000000",
                                          "abc", "", "1.5", "2"]),
                        st.integers(-(10**25), 10**25).map(str), st.floats().map(repr))  # fmt: skip
SET_PATHS = ["dynamics.gravity", "dynamics.bloc_weight", "dynamics.training_weeks", "dynamics.confidence",
             "horizon_weeks", "step_weeks", "organizations.ilp.size", "organizations.ilp.persons_per_agent",
             "organizations.labour.homogeneity", "unorganized.size", "organizations.ilp.strata.worker",
             "network.degree", "dynamics.nosuch", "organizations.nosuch.size"]  # fmt: skip


@pytest.fixture(scope="module")
def check_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("check")


@fuzz(300)
@given(mutated(), st.lists(st.tuples(st.sampled_from(SET_PATHS), NUMBER_TEXT), max_size=2))
def test_check_finds_a_file_valid_or_names_each_problems_field(check_folder, data, sets):
    """``lever check`` on a mutated file, with values set on top: one line saying what it
    holds (exit 0), or one line a problem, each naming the file (and --set) and the field."""
    path = check_folder / "fuzz.toml"
    path.write_text(tomli_w.dumps(data))
    args = ["check", str(path)]
    for where, value in sets:
        args += ["--set", f"{where}={value}"]
    with bounded("check"):
        result = runner.invoke(app, args)
    outcome = _outcome(result)
    record("check", outcome if outcome == TRACEBACK else {0: "valid: one line saying what it holds", 2: REFUSED}.get(
        result.exit_code, outcome))  # fmt: skip
    assert outcome != TRACEBACK, result.output
    if result.exit_code == 0:
        assert result.stdout.count("\n") == 1 and f"{path}: valid — " in result.stdout, result.stdout
        return
    assert result.exit_code == 2, result.output
    known = set(Scenario.model_fields) | set(data) | {p.split(".")[0] for p, _ in sets}
    lines = result.stderr.splitlines()
    assert lines, result.output
    for line in lines:
        found = re.match(rf"error: {re.escape(str(path))}( \(--set\))?: (?P<field>[^:]+): \S", line)
        assert found or "malformed TOML" in line, line
        if found:
            assert re.split(r"[. ]", found["field"])[0] in known, line


@fuzz(70)
@given(st.lists(st.tuples(st.sampled_from(SET_PATHS), NUMBER_TEXT), max_size=2),
       st.sampled_from([None, "0", "1", "3", "-2", "1e9", "nan"]),
       st.sampled_from([None, "1", "0.5", "nan", "inf", "0", "-1", "1e300"]))  # fmt: skip
def test_run_with_fuzzed_values_and_options(scenario_file, tmp_path_factory, sets, steps, scale):
    out = tmp_path_factory.mktemp("run")
    args = ["run", str(scenario_file), "--out", str(out)]
    for path, value in sets:
        args += ["--set", f"{path}={value}"]
    args += ["--steps", steps or "2"]
    if scale is not None:
        args += ["--scale", scale]
    with bounded("run"):
        result = runner.invoke(app, args)
    one_line_naming(result, ["--steps", "--scale", "--set", *(p for p, _ in sets)], "run", "ran: every number finite")
    if result.exit_code == 0:
        series = pd.read_parquet(out / "timeseries.parquet").select_dtypes("number")
        assert np.isfinite(series.to_numpy()).all()


OPTIONS = {
    "weigh": ["--samples", "--replications", "--jobs", "--seed", "--steps", "--outcome"],
    "explore": [
        "--samples",
        "--replications",
        "--jobs",
        "--seed",
        "--steps",
        "--sampler",
        "--executor",
        "--strategies",
        "--name",
    ],
    "theses": ["--only", "--replications", "--jobs", "--seed"],
}
BAD_TEXT = st.sampled_from(["nan", "inf", "-inf", "1e300", "-1", "0", "10000000000000000000000", "abc", "",
                            "../../escaped", "dask://", "9", "1,9", "happiness", "sobol2", "a/b"])  # fmt: skip


@fuzz(150)
@given(st.sampled_from(sorted(OPTIONS)), st.data())
def test_sweep_commands_refuse_bad_options_by_name(scenario_file, tmp_path_factory, command, data):
    """Every sweep command, one or two options set to a bad value: exit 2, naming it."""
    store = tmp_path_factory.mktemp("store")
    chosen = data.draw(st.lists(st.sampled_from(OPTIONS[command]), min_size=1, max_size=2, unique=True))
    bad = {o: data.draw(BAD_TEXT) for o in chosen}
    bad = {o: v for o, v in bad.items() if not _acceptable(o, v)} or {chosen[0]: FALLBACK.get(chosen[0], "nan")}
    args = [command] + ([str(scenario_file)] if command != "theses" else ["--scenario", str(scenario_file)])
    for option, value in bad.items():
        args += [option, value]
    args += ["--store", str(store), "--out", str(store / "out")] if command != "explore" else ["--store", str(store)]
    with bounded("sweep"):
        result = runner.invoke(app, args)
    one_line_naming(result, list(bad), "sweep")
    assert result.exit_code == 2, (args, result.output)


def _acceptable(option: str, value: str) -> bool:
    """Values that are valid for the option (the fuzz wants each chosen option bad)."""
    if option in ("--samples", "--replications", "--jobs", "--seed", "--steps"):
        return value.isdigit() and (0 < int(value) <= 100 or (option == "--seed" and int(value) < 2**32))
    if option == "--name":
        return value == "" or re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", value) is not None and ".." not in value
    return option == "--only" and value == ""  # all eight theses: valid, and slow


FALLBACK = {"--name": "../../escaped"}


CLASSIC = {"voter": ["--rho", "--zealots-plus", "--zealots-minus"], "deffuant": ["--bound", "--mu"],
           "hk": ["--epsilon"], "naming-game": ["--committed"], "majority": ["--rho"],
           "bass": ["--p", "--q", "--dt"]}  # fmt: skip
CLASSIC_VALUES = st.sampled_from(["nan", "inf", "-inf", "-1", "0", "0.5", "1", "2", "1e300", "abc", "0.03", "0.38"])


@pytest.fixture(scope="module")
def classic_compiled() -> None:
    """Each model's kernels compiled here, not inside a timed input (a cold cache takes long)."""
    for model in CLASSIC:
        assert runner.invoke(app, ["classic", model, "--n", "20", "--runs", "1", "--max-sweeps", "1"]).exit_code == 0


@fuzz(130)
@given(st.sampled_from(sorted(CLASSIC)), st.data())
def test_classic_options_fuzzed(classic_compiled, model, data):
    options = data.draw(st.lists(st.sampled_from(CLASSIC[model]), max_size=3, unique=True))
    args = ["classic", model, "--n", data.draw(st.sampled_from(["20", "0", "-5", "1e9", "nan", "30"])),
            "--runs", data.draw(st.sampled_from(["1", "2", "0", "10000000000"])),
            "--max-sweeps", data.draw(st.sampled_from(["3", "0", "inf", "nan", "-1", "1e300"]))]  # fmt: skip
    for option in options:
        args += [option, data.draw(CLASSIC_VALUES)]
    with bounded("classic"):
        result = runner.invoke(app, args)
    one_line_naming(result, ["--n", "--runs", "--max-sweeps", *options], "classic", "ran: every number finite")
    if result.exit_code == 0:
        for word in ("nan", "inf", "e+1", "e+2"):
            assert word not in result.output.lower().replace("info", ""), result.output
