"""A store that verifies itself: any one file of a finished experiment forged, cut short,
changed or deleted is found by check_experiment; after repair_experiment and a rerun the
experiment's runs are those of an untouched copy."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from fields import tiny

from lever.experiments import execute
from lever.experiments.execute import sweep
from lever.experiments.explore import Exploration
from lever.store import Experiment, check_experiment, experiments, repair_experiment
from lever.store.experiment import LeftOutWarning

STEPS = 2


@pytest.fixture(scope="module")
def field():
    return tiny(uncertainties=[{"path": "dynamics.gravity", "low": 0.5, "high": 2.0}])


def _explore(field, store, name, seed):
    design = Exploration(field, "lhs", 3, steps=STEPS, seed=seed, strategies=("outside", "enter_ilp_faction"))
    exp = Experiment.create(store, name, design.spec())
    exp.write_design(design.table())
    try:
        sweep(design, field, STEPS, exp, jobs=1)
    finally:
        exp.close()
    return Experiment.read(store, name)


@pytest.fixture(scope="module")
def finished(field, tmp_path_factory):
    """A finished experiment of three batches, and one of the same field with another seed."""
    root = tmp_path_factory.mktemp("stores")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(execute, "BATCH_RUNS", 2)  # batches by count alone, never by time: three of two runs
        mp.setattr(execute, "BATCH_SECONDS", 1e9)
        mine = _explore(field, root / "mine", "e", seed=1)
        other = _explore(field, root / "other", "e", seed=2)
    return mine, other


def _files(exp):
    return sorted(str(p.relative_to(exp.folder)) for p in exp.folder.rglob("*") if p.is_file() and p.name != ".lock")


def _damage(path, how, other):
    if how == "delete":
        path.unlink()
    elif how == "truncate":
        path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    elif how == "corrupt":
        data = bytearray(path.read_bytes())
        middle = len(data) // 2
        data[middle : middle + 2] = b"\xff\xfe"
        path.write_bytes(bytes(data))
    else:  # forge: the file of the same name from the other experiment
        shutil.copyfile(other, path)


def test_a_finished_experiment_is_sound_and_has_three_batches(finished):
    mine, _ = finished
    check = check_experiment(mine.folder.parent, "e")
    assert check.sound, [f.line() for f in check.findings]
    assert len(check.kept_parts) == 3 and mine.status() == "complete"
    assert len(mine.runs()) == 6


@pytest.mark.parametrize("how", ["delete", "truncate", "corrupt", "forge"])
def test_any_one_file_damaged_is_found_and_repair_and_rerun_restore_it(finished, field, tmp_path, how):
    mine, other = finished
    expected = mine.runs()
    for rel in _files(mine):
        store = tmp_path / rel.replace("/", "_")
        shutil.copytree(mine.folder, store / "e")
        _damage(store / "e" / rel, how, other.folder / rel)
        check = check_experiment(store, "e")
        assert not check.sound, f"{how} {rel} went unseen"
        repair_experiment(store, "e")
        again = _explore(field, store, "e", seed=1)
        pd.testing.assert_frame_equal(again.runs(), expected, check_exact=True)
        assert check_experiment(store, "e").sound, rel
        assert again.status() == "complete"


def test_a_foreign_part_with_its_series_is_left_out_named_and_recomputed_after_repair(finished, field, tmp_path):
    mine, other = finished
    shutil.copytree(mine.folder, tmp_path / "e")
    for sub in ("runs", "series"):
        shutil.copyfile(other.folder / sub / "part-000000.parquet", tmp_path / "e" / sub / "part-000003.parquet")
    exp = Experiment.read(tmp_path, "e")
    assert exp.status().startswith("damaged")
    assert [f.path for f in exp.bad_parts()] == ["runs/part-000003.parquet"]
    pd.testing.assert_frame_equal(exp.runs(), mine.runs(), check_exact=True)
    kinds = {f.kind for f in check_experiment(tmp_path, "e").findings}
    assert "foreign" in kinds  # another experiment's, and no manifest commits it
    moved = repair_experiment(tmp_path, "e").moved
    assert "runs/part-000003.parquet" in moved and (tmp_path / ".quarantine" / "e").is_dir()


def test_a_foreign_part_with_its_manifest_is_foreign(finished, tmp_path):
    mine, other = finished
    shutil.copytree(mine.folder, tmp_path / "e")
    for rel in ("runs/part-000000.parquet", "series/part-000000.parquet", "manifests/part-000000.json"):
        shutil.copyfile(other.folder / rel, tmp_path / "e" / rel)
    found = check_experiment(tmp_path, "e").findings
    assert [f.kind for f in found if f.path.startswith("manifests")] == ["foreign"]
    assert len(Experiment.read(tmp_path, "e").runs()) == 4


def test_a_copied_batch_under_another_number_is_not_a_second_copy(finished, tmp_path):
    mine, _ = finished
    shutil.copytree(mine.folder, tmp_path / "e")
    for sub, suffix in (("runs", "parquet"), ("series", "parquet"), ("manifests", "json")):
        shutil.copyfile(tmp_path / "e" / sub / f"part-000001.{suffix}", tmp_path / "e" / sub / f"part-000007.{suffix}")
    found = check_experiment(tmp_path, "e").findings
    assert {(f.path, f.kind) for f in found} == {("manifests/part-000007.json", "foreign")}
    pd.testing.assert_frame_equal(Experiment.read(tmp_path, "e").runs(), mine.runs(), check_exact=True)


def test_a_batch_written_again_for_tasks_stored_ok_is_duplicated(finished, tmp_path):
    mine, _ = finished
    shutil.copytree(mine.folder, tmp_path / "e")
    exp = Experiment.read(tmp_path, "e")
    exp._stored_ok = set()  # noqa: SLF001 - as a writer that did not look would
    exp.append(pd.read_parquet(exp.folder / "runs" / "part-000001.parquet"))
    found = check_experiment(tmp_path, "e").findings
    assert ("runs/part-000003.parquet", "duplicated") in {(f.path, f.kind) for f in found}
    pd.testing.assert_frame_equal(exp.runs(), mine.runs(), check_exact=True)


def test_one_damaged_experiment_is_listed_as_damaged_beside_the_others(finished, tmp_path):
    mine, _ = finished
    shutil.copytree(mine.folder, tmp_path / "good")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "experiment.json").write_text("{not json")
    listed = {e.name: e.status() for e in experiments(tmp_path)}
    assert listed["good"] == "complete"
    assert listed["bad"].startswith("damaged: ") and "experiment.json" in listed["bad"]
    assert json.loads((tmp_path / "good" / "COMPLETE").read_text())["parts"]


def test_a_resume_names_what_it_leaves_out_and_runs_those_tasks_again(finished, field, tmp_path):
    mine, _ = finished
    shutil.copytree(mine.folder, tmp_path / "e")
    part = tmp_path / "e" / "runs" / "part-000001.parquet"
    part.write_bytes(part.read_bytes()[:-40])
    with pytest.warns(LeftOutWarning, match="runs/part-000001.parquet: truncated"):
        again = _explore(field, tmp_path, "e", seed=1)
    pd.testing.assert_frame_equal(again.runs(), mine.runs(), check_exact=True)


def test_the_page_lists_a_damaged_experiment_beside_the_others(finished, tmp_path):
    from lever.store.reading import listing

    mine, _ = finished
    shutil.copytree(mine.folder, tmp_path / "good")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "experiment.json").write_text("{not json")
    rows = {row["name"]: row["status"] for row in listing(tmp_path)}
    assert rows["good"] == "complete" and rows["bad"].startswith("damaged: ")
