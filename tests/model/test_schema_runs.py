"""Every value the schema accepts runs, or the schema refuses it: over random tiny fields with
the schema's extremes, a field ``lever check`` finds valid runs 3 steps with finite series."""

from __future__ import annotations

import math
from typing import Any, get_args

import numpy as np
import pytest
from conftest import tiny_data
from fuzzing import bounded, record
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from lever.model.build import agent_counts
from lever.model.loading import ScenarioError, check_scenario, validate, with_values
from lever.model.scenario import walk
from lever.sim.engine import simulate

#: Population sizes and agents stay tiny: the property is about values, not scale.
MAX_SIZE = 3000.0
MAX_AGENTS = 3000


def _leaves(data: Any, prefix: str = "") -> dict[str, Any]:
    """Every number, flag and word of the field's data by dotted path."""
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list | tuple):
        items = enumerate(data)
    else:
        return {prefix: data}
    out: dict[str, Any] = {}
    for key, value in items:
        out |= _leaves(value, f"{prefix}.{key}" if prefix else str(key))
    return out


def _bounds(path: str) -> tuple[float, float, bool, bool]:
    """(low, high, low open, high open) of the number at ``path``, from the schema."""
    step = walk(path)[-1]
    if step is None:  # an entry of a share table or a point: a fraction
        return 0.0, 1.0, False, False
    metadata = list(step[2].metadata)
    for arg in get_args(step[2].annotation):  # X | None: the bounds sit on X
        metadata += list(getattr(arg, "__metadata__", ()))
    low, high, low_open, high_open = -math.inf, math.inf, False, False
    for m in metadata:
        for name in ("ge", "gt", "le", "lt"):
            value = getattr(m, name, None)
            if value is None:
                continue
            if name in ("ge", "gt"):
                low, low_open = float(value), name == "gt"
            else:
                high, high_open = float(value), name == "lt"
    return low, high, low_open, high_open


def _numbers(path: str, value: Any) -> st.SearchStrategy:
    low, high, low_open, high_open = _bounds(path)
    if path.endswith(".size"):
        high = min(high, MAX_SIZE)
    if isinstance(value, int):
        low_i = math.ceil(low) + (low_open and float(low).is_integer())
        high_i = int(min(high, 10_000)) - (high_open and float(high).is_integer())
        return st.sampled_from([low_i, high_i]) | st.integers(low_i, high_i)
    low = -1e6 if math.isinf(low) else low
    high = 1e6 if math.isinf(high) else high
    ends = [float(np.nextafter(low, high)) if low_open else low, float(np.nextafter(high, low)) if high_open else high]
    return st.sampled_from(ends) | st.floats(low, high, exclude_min=low_open, exclude_max=high_open)


BASE = validate(tiny_data(), "tiny")
LEAVES = {p: v for p, v in _leaves(BASE.model_dump(mode="python", exclude_none=True)).items()
          if not p.startswith(("uncertainties", "labels", "sources")) and not p.endswith(("name", "title", "sources"))
          and not (isinstance(v, str) and p.count(".") > 0 and p.split(".")[-1] not in ("form", "press"))}  # fmt: skip
NUMBERS = {p: v for p, v in LEAVES.items() if isinstance(v, int | float) and not isinstance(v, bool)}
CHOICES = {p: v for p, v in LEAVES.items() if isinstance(v, bool | str)}
ORGS = list(BASE.organizations)


def _choice(path: str, value: Any) -> st.SearchStrategy:
    last = path.split(".")[-1]
    if isinstance(value, bool):
        return st.booleans()
    if last == "form":
        return st.sampled_from(["faction", "individuals"])
    if last == "press":
        return st.sampled_from(["own", "host", "both", "none"])
    if last in ("group", "host", "rival"):
        return st.sampled_from(ORGS + ["", "nosuch"])
    return st.just(value)


@st.composite
def changes(draw) -> dict[str, Any]:
    paths = draw(st.lists(st.sampled_from(sorted(NUMBERS) + sorted(CHOICES)), min_size=1, max_size=8, unique=True))
    out = {p: draw(_numbers(p, NUMBERS[p]) if p in NUMBERS else _choice(p, CHOICES[p])) for p in paths}
    if draw(st.booleans()):  # an uncertainty over one of the numbers, its ends at random within bounds
        path = draw(st.sampled_from(sorted(p for p in NUMBERS if "." in p)))
        ends = sorted(draw(st.lists(_numbers(path, NUMBERS[path]), min_size=2, max_size=2)))
        out["uncertainties"] = [{"path": path, "low": ends[0], "high": ends[1]}]
    return out


def _checked(values: dict[str, Any]):
    """The field ``lever check`` finds valid with these values, or None where it refuses them."""
    try:
        field = with_values(BASE, values, "test")
        if int(agent_counts(field).sum()) > MAX_AGENTS:
            return None
        check_scenario(field, "test")
    except ScenarioError:
        return None
    return field


@pytest.fixture(scope="module")
def compiled() -> None:
    """The kernels compiled here, not inside a timed input (a cold cache takes long)."""
    for strategy in BASE.strategies:
        simulate(BASE, strategy, seed=0, steps=1)


@pytest.mark.fuzz_corpus
@settings(max_examples=500, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])  # fmt: skip
@given(values=changes(), seed=st.integers(0, 2**32 - 1), strategy=st.sampled_from(sorted(BASE.strategies)))
def test_a_field_check_finds_valid_runs_with_finite_series(compiled, values, seed, strategy):
    field = _checked(values)
    assume(field is not None)
    note(f"values: {values}")
    with bounded("schema runs"):
        run = simulate(field, strategy, seed=seed, steps=3)
    numbers = run.series.select_dtypes("number").to_numpy(dtype=float)
    finite = bool(np.isfinite(numbers).all())
    record("schema runs", "valid field ran 3 steps, every number finite" if finite else "a number not finite")
    assert finite, run.series.columns[~np.isfinite(numbers).all(axis=0)].tolist()


@pytest.mark.parametrize("values, field", [
    ({"dynamics.kernel_threshold": 1.0}, "dynamics.kernel_threshold"),
    ({"dynamics.kernel_threshold": 0.0}, "dynamics.kernel_threshold"),
    ({"host": ""}, "host ''"),
    ({"group": "host"}, "both name 'host'"),
    ({"rival": "host"}, "both name 'host'"),
    ({"uncertainties": [{"path": "dynamics.gravity", "low": 1.0, "high": 2.0},
                        {"path": "dynamics.gravity", "low": 0.5, "high": 1.0}]}, "uncertainties.1.path"),
])  # fmt: skip
def test_values_no_mechanism_can_run_are_refused_naming_the_field(values, field):
    with pytest.raises(ScenarioError, match=field.replace("(", r"\(")):
        with_values(BASE, values, "test")


@pytest.mark.parametrize("table", ["organizations", "strata", "strategies", "organs"])
@pytest.mark.parametrize("key", ["", " ", "a.b"])
def test_a_key_a_path_cannot_name_is_refused(table, key):
    data = tiny_data()
    first = next(iter(data[table]))
    data[table][key] = data[table][first]
    with pytest.raises(ScenarioError, match=f"{table}: key"):
        validate(data, "test")


@pytest.mark.parametrize("assignment, needle", [
    ("dynamics.kernel_threshold=1", "dynamics.kernel_threshold"),
    ("dynamics.kernel_threshold=0", "dynamics.kernel_threshold"),
    ("host=", "host ''"),
    ("group=ilp", "both name 'ilp'"),
])  # fmt: skip
def test_check_refuses_in_one_line_what_run_could_not_run(assignment, needle):
    from typer.testing import CliRunner

    from lever.cli.main import app

    result = CliRunner().invoke(app, ["check", "britain-1933", "--set", assignment])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], result.stderr
