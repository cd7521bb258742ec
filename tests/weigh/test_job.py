"""The weigh job from Python: what ``lever weigh`` does, without the terminal."""

from __future__ import annotations

import pytest
from fields import tiny

import lever
from lever.weigh import WeighError, WeighSettings


@pytest.fixture(scope="module")
def weighed(tmp_path_factory):
    settings = WeighSettings(samples=2, replications=1, steps=4)
    return lever.weigh.weigh(tiny(), settings, tmp_path_factory.mktemp("store"))


def test_the_result_ranks_concludes_and_reports(weighed, tmp_path):
    assert weighed.rank() is weighed.ranking and weighed.ranking.outcome == "newly_won"
    by_members = weighed.rank("group_members")
    assert by_members.outcome == "group_members" and set(by_members.table["strategy"]) == set(tiny().strategies)
    assert weighed.conclusion().startswith("Across 2 draws") and "the group's members" in weighed.conclusion(
        "group_members"
    )
    paths = weighed.report(tmp_path / "report")
    assert paths["report"].is_file() and (tmp_path / "report" / "provenance.json").is_file()


def test_an_outcome_that_cannot_be_ranked_is_refused_by_name(weighed):
    with pytest.raises(WeighError, match="weeks_to_first"):
        weighed.rank("weeks_to_first")


def test_a_rerun_on_the_same_store_reads_its_runs_back_the_same(weighed, tmp_path):
    again = lever.weigh.weigh(tiny(), weighed.settings, weighed.experiment.parent)
    assert again.ranking.table.equals(weighed.ranking.table)
