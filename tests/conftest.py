"""Shared fixtures for the engine's tests: a tiny field that runs in milliseconds, and
hand-made populations whose right answers are known.

The tiny field has four organizations (``big``, ``host``, ``rival``, ``group``) and a few
hundred agents. Hand-made states keep the dtypes :func:`lever.model.build.build_state` uses, so the
compiled kernels are reused from the cache instead of being compiled again.
"""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import fuzzing
import numpy as np
import pytest

# commands write their runs to the results store: keep the tests' store out of the work tree,
# in a folder of its own that goes when the session ends
_TEST_STORE = None if "LEVER_STORE" in os.environ else tempfile.mkdtemp(prefix="lever-test-store-")
if _TEST_STORE is not None:
    os.environ["LEVER_STORE"] = _TEST_STORE

# E402: lever is imported only now, after LEVER_STORE is set above, so that nothing it does
# on import can see the work tree's store
from lever.kernels.social import regroup_branches  # noqa: E402
from lever.model.build import build_params, schedules_to  # noqa: E402
from lever.model.loading import validate  # noqa: E402
from lever.model.network import from_edges  # noqa: E402
from lever.model.scenario import Scenario  # noqa: E402
from lever.model.state import N_TALLY, Network, Params, State  # noqa: E402


def pytest_sessionfinish(session, exitstatus) -> None:
    if _TEST_STORE is not None:
        shutil.rmtree(_TEST_STORE, ignore_errors=True)


# the fuzz corpus (tests/fuzzing.py): its tests are marked, its check runs last, its count is shown


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "fuzz_corpus: a test of the CI fuzz corpus (tests/fuzzing.py counts its cases)")


def pytest_deselected(items) -> None:
    fuzzing.DESELECTED.extend(item.nodeid for item in items if item.get_closest_marker("fuzz_corpus"))


def pytest_collection_modifyitems(items) -> None:
    last = [item for item in items if item.name == fuzzing.CHECK]
    items[:] = [item for item in items if item.name != fuzzing.CHECK] + last


def pytest_terminal_summary(terminalreporter) -> None:
    if not fuzzing.COUNTS:
        return
    terminalreporter.section("fuzz corpus: cases by class")
    for line in fuzzing.table():
        terminalreporter.write_line(line)
    if path := os.environ.get("LEVER_FUZZ_COUNTS"):
        fuzzing.write(Path(path))
        terminalreporter.write_line(f"(written to {path})")


#: Organization indices of the tiny field (the unorganized are ``K``).
BIG, HOST, RIVAL, GROUP, K = 0, 1, 2, 3, 4


def _org(name: str, size: float, ppa: float, platform, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "size": size,
        "persons_per_agent": ppa,
        "platform": list(platform),
        "spread": 0.1,
        "strata": {"worker": 0.7, "clerk": 0.3},
        "homogeneity": 0.5,
        **extra,
    }


def tiny_data() -> dict[str, Any]:
    """Plain data of the tiny field (a fresh copy each call, free to edit)."""
    return copy.deepcopy(
        {
            "name": "tiny",
            "title": "A tiny field for tests",
            "horizon_weeks": 10.0,
            "group": "group",
            "rival": "rival",
            "host": "host",
            "default_strategy": "enter",
            "strata": {"worker": {"receptivity": 1.0}, "clerk": {"receptivity": 0.5}},
            "organizations": {
                "big": _org(
                    "Big Party",
                    2000.0,
                    10.0,
                    (0.25, 0.5),
                    homogeneity=0.8,
                    committed=0.05,
                    branch_size=60.0,
                    kernel={"worker": 0.05},
                ),
                "host": _org(
                    "Host Party",
                    150.0,
                    1.0,
                    (0.6, 0.6),
                    homogeneity=0.2,
                    tolerance=0.8,
                    kernel={"worker": 0.4, "clerk": 0.1},
                    disappointment=[{"start_week": 0.0, "end_week": 10.0, "level": 0.2, "end_level": 0.4}],
                ),
                "rival": _org(
                    "Rival Party",
                    60.0,
                    1.0,
                    (0.85, 0.1),
                    homogeneity=0.95,
                    committed=0.4,
                    tolerance=0.4,
                    attraction=2.0,
                ),
                "group": _org(
                    "The Group", 10.0, 1.0, (0.9, 0.95), spread=0.03, homogeneity=0.9, committed=1.0, branch_size=10.0
                ),
            },
            "unorganized": {
                "size": 1000.0,
                "persons_per_agent": 10.0,
                "platform": [0.35, 0.5],
                "spread": 0.2,
                "strata": {"worker": 0.8, "clerk": 0.2},
                "kernel": {"worker": 0.05},
            },
            "organs": {
                "host_paper": {
                    "name": "Host Weekly",
                    "owner": "host",
                    "circulation": {"host": 0.6, "none": 0.05},
                    "openness": 0.3,
                },
                "rival_paper": {"name": "Rival Daily", "owner": "rival", "circulation": {"rival": 0.8, "host": 0.1}},
                "own_organ": {
                    "name": "Own Organ",
                    "owner": "group",
                    "circulation": {"group": 1.0, "host": 0.05, "none": 0.01},
                },
            },
            "network": {"workplace_size": 10, "workplace_ties": 4, "random_ties": 1},
            # explicit, so the tests do not follow the schema's defaults when they change
            "dynamics": {
                "confidence": 0.25,
                "convergence": 0.05,
                "trust_inside": 0.9,
                "trust_outside": 0.4,
                "trust_group_outside": 0.1,
                "trust_expelled": 0.02,
                "committed_talk": 2.0,
                "press_strength": 0.05,
                "satisfaction_rate": 0.1,
                "leave_steepness": 6.0,
                "gravity": 1.0,
                "closeness": 6.0,
                "ties_weight": 1.0,
                "stay_unorganized": 0.5,
                "join_rate": 0.002,
                "recruit_contacts": 2.0,
                "recruit_radius": 0.25,
                "recruit_prob": 0.2,
                "training_weeks": 26.0,
                "platform_drift": 0.02,
                "bloc_weight": 3.0,
                "detection": 0.1,
                "organ_cost": 0.3,
                "kernel_threshold": 0.65,
                "line_threshold": 0.6,
            },
            "strategies": {
                "outside": {"allocation": {"group": 1.0}, "press": "own"},
                "enter": {"allocation": {"host": 1.0}, "press": "host"},
                "enter_individuals": {
                    "allocation": {"host": 1.0},
                    "form": "individuals",
                    "declaration": False,
                    "press": "host",
                },
                "keep_organ": {"allocation": {"host": 1.0}, "press": "both"},
                "split": {"allocation": {"host": 0.5, "rival": 0.5}},
            },
            "uncertainties": [{"path": "dynamics.gravity", "low": 0.5, "high": 2.0, "label": "alpha"}],
        }
    )


@pytest.fixture(scope="session")
def field_data():
    """A factory: ``field_data()`` gives the tiny field's plain data, fresh each call."""
    return tiny_data


@pytest.fixture(scope="session")
def tiny() -> Scenario:
    """The tiny field as a validated scenario (a few hundred agents, 10 steps)."""
    return validate(tiny_data(), "tiny")


class Hand:
    """Hand-made populations on the tiny field's organizations."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario

    def params(self, strategy: str | None = None, **changes: Any) -> Params:
        """The tiny field's parameters (before entry, or under ``strategy``), with changes."""
        chosen = None if strategy is None else self.scenario.strategies[strategy]
        # the schedules held to step 1,000, as simulate holds them past the horizon: a kernel's
        # test may take any step as the key of its draws
        return schedules_to(build_params(self.scenario, chosen), 1000)._replace(**changes)

    def state(self, org, opinion, room: int = 0, **arrays: Any) -> State:
        """A population with the given organizations and opinions; every other attribute
        takes a plain default (stratum 0, satisfied, nobody committed nor in the group's
        faction, no branch, weight 1, its own ident, root and row of the network) unless
        given; ``room`` spare rows for persons split off. The membership layer is built."""
        org = np.asarray(org, np.int16)
        n = org.size
        opinion = np.array(opinion, np.float64).reshape(n, 2)
        platform = np.array([o.platform for o in self.scenario.organizations.values()], np.float64)
        defaults: dict[str, Any] = {
            "org": org,
            "branch": np.full(n, -1, np.int32),
            "stratum": np.zeros(n, np.int8),
            "opinion": opinion,
            "satisfaction": np.ones(n),
            "committed": np.zeros(n, np.bool_),
            "faction": np.zeros(n, np.bool_),
            "cadre": np.zeros(n, np.bool_),
            "convinced": np.zeros(n, np.bool_),
            "faction_since": np.zeros(n, np.int32),
            "expelled_from": np.full(n, -1, np.int16),
            "weight": np.ones(n),
            "ident": np.arange(n, dtype=np.uint64),
            "root": np.arange(n, dtype=np.int64),
            "social": np.arange(n, dtype=np.int32),
            "splits": np.zeros(n, np.int32),
            "origin": org.copy(),
            "kernel0": np.zeros(n, np.bool_),
            "uncertainty": np.full(n, 0.25),
            "anchor": opinion.copy(),
            "left_at": np.full(n, -1, np.int32),
            "left_from": np.full(n, -1, np.int16),
            "tie_word": np.full(n, -1, np.int64),
            "tie_counts": np.zeros(n, np.int64),
            "platform": platform,
            "branch_start": np.zeros(self.n_branches + 1, np.int64),
            "branch_members": np.zeros(n, np.int32),
            "count": np.array([n], np.int64),
            "tally": np.zeros(N_TALLY),
            "expulsion": np.full(len(self.scenario.organizations), -1, np.int64),
        }
        for key, value in arrays.items():
            dtype = defaults[key].dtype
            defaults[key] = np.ascontiguousarray(np.asarray(value).astype(dtype).reshape(defaults[key].shape))
        state = State(**defaults)
        if room:
            state = state.with_capacity(n + room)
        regroup_branches(state, self.n_branches)
        return state

    @property
    def n_branches(self) -> int:
        return int(build_params(self.scenario, None).branch_offset[-1])

    def first_branch(self, k: int) -> int:
        """The global id of organization ``k``'s first branch."""
        return int(build_params(self.scenario, None).branch_offset[k])

    @staticmethod
    def net(n: int, edges: list[tuple[int, int]] = ()) -> Network:
        edges = np.array(list(edges), np.int64).reshape(-1, 2)
        return from_edges(edges[:, 0], edges[:, 1], n)

    @staticmethod
    def flows() -> np.ndarray:
        return np.zeros((K + 1, K + 1))


@pytest.fixture(scope="session")
def hand(tiny: Scenario) -> Hand:
    return Hand(tiny)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """A small weigh's result, its ranking by the group's members, and its report's files."""
    from fields import tiny

    from lever.analysis import rank
    from lever.experiments.design import Design
    from lever.experiments.runs import run_design
    from lever.weigh.report import write_report

    result = run_design(Design(tiny(), samples=3, replications=1, seed=2))
    ranking = rank(result.runs, "group_members", "outside")
    paths = write_report(result, ranking, tmp_path_factory.mktemp("weigh"))
    return result, ranking, paths
