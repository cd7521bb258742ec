"""Output folders: Lever writes only into a new or empty folder or one it wrote, and never
removes or overwrites a file it did not write; every file is flushed to the disk."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from lever.cli.main import app
from lever.model.loading import to_toml
from lever.store import files
from lever.store.files import COMPLETE, FolderTaken, complete_folder, write_atomic


def test_a_folder_lever_did_not_write_is_refused_and_left_as_it_was(tmp_path):
    (tmp_path / ".notes.tmp").write_text("mine")
    (tmp_path / COMPLETE).write_text("my own marker")
    with pytest.raises(FolderTaken), complete_folder(tmp_path):
        pass
    assert (tmp_path / ".notes.tmp").read_text() == "mine"
    assert (tmp_path / COMPLETE).read_text() == "my own marker"


def test_a_folder_lever_wrote_is_written_again(tmp_path):
    with complete_folder(tmp_path):
        (tmp_path / "a.txt").write_text("1")
    with complete_folder(tmp_path):
        (tmp_path / "a.txt").write_text("2")
    assert (tmp_path / COMPLETE).read_text() == files.LEVER_MARK


def test_run_out_on_a_folder_of_other_files_is_one_clean_error(tiny, tmp_path):
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(to_toml(tiny))
    out = tmp_path / "out"
    out.mkdir()
    (out / ".draft.tmp").write_text("mine")
    (out / COMPLETE).write_text("not lever's")
    result = CliRunner().invoke(app, ["run", str(scenario), "--steps", "2", "--out", str(out), "--store",
                                      str(tmp_path / "store")])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "Lever did not write" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == [".draft.tmp", COMPLETE]
    assert (out / COMPLETE).read_text() == "not lever's"


def test_write_atomic_flushes_the_file_and_its_folder(tmp_path, monkeypatch):
    synced = []
    real = os.fsync

    def fsync(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    write_atomic(tmp_path / "x.txt", lambda p: p.write_text("x"))
    assert len(synced) == 2 and synced[1] == str(tmp_path)
    assert synced[0].startswith(str(tmp_path / ".x.txt."))
