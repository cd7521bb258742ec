"""Lever can be cited: CITATION.cff is valid CFF 1.2.0 and names this version, and every result
records the commit of the source that made it and the versions of the libraries that decide it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from lever.model.loading import load
from lever.store import provenance
from lever.store.provenance import LIBRARIES, Provenance, build, build_line, source_commit
from lever.weigh.report import provenance_html

ROOT = Path(__file__).resolve().parents[2]
CFF = ROOT / "CITATION.cff"
#: CFF 1.2.0's required keys (https://github.com/citation-file-format/citation-file-format, schema.json)
REQUIRED = ("cff-version", "message", "title", "authors")


def _cffconvert() -> str:
    exe = Path(sys.executable).with_name("cffconvert")
    found = str(exe) if exe.exists() else shutil.which("cffconvert")
    if found is None:
        pytest.skip("cffconvert is not installed (the dev extra installs it)")
    return found


def test_citation_cff_is_valid_cff_1_2_0():
    done = subprocess.run([_cffconvert(), "--validate", "-i", str(CFF)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_cffconvert_rejects_a_citation_without_authors(tmp_path):
    """The check above can fail: the same file without its authors is invalid."""
    bad = tmp_path / "CITATION.cff"
    bad.write_text(re.sub(r"(?ms)^authors:\n(  .*?\n)+", "", CFF.read_text()))
    assert "authors:" not in bad.read_text()
    done = subprocess.run([_cffconvert(), "--validate", "-i", str(bad)], capture_output=True, text=True, check=False)
    assert done.returncode != 0


def test_citation_cff_names_this_version_and_the_keys_cff_requires():
    text = CFF.read_text()
    keys = set(re.findall(r"^([a-z][a-z-]*):", text, re.M))
    assert set(REQUIRED) <= keys and {"version", "date-released", "license", "abstract"} <= keys
    assert re.search(r"^cff-version: 1\.2\.0$", text, re.M)
    assert re.search(r"^license: MIT$", text, re.M)
    assert '- name: "The Lever developers"' in text
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert re.search(rf"^version: {re.escape(project['version'])}$", text, re.M)


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip


@pytest.fixture
def checkout(tmp_path):
    """A git checkout holding a ``src/lever`` package, committed."""
    if shutil.which("git") is None:
        pytest.skip("no git")
    package = tmp_path / "repo" / "src" / "lever"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("x = 1\n")
    _git(tmp_path / "repo", "init", "-q")
    _git(tmp_path / "repo", "add", ".")
    _git(tmp_path / "repo", "commit", "-q", "-m", "first")
    return package


def test_the_commit_of_a_clean_checkout_and_of_a_changed_one(checkout):
    head = _git(checkout, "rev-parse", "HEAD")
    assert re.fullmatch(r"[0-9a-f]{40}", head)
    assert source_commit(checkout) == (head, True)
    (checkout / "__init__.py").write_text("x = 2\n")
    assert source_commit(checkout) == (head, False)
    (checkout / "__init__.py").write_text("x = 1\n")
    (checkout / "new.py").write_text("")  # an untracked file is not a change to the source
    assert source_commit(checkout) == (head, True)


def test_the_commit_is_unknown_outside_a_checkout_or_in_a_repository_that_only_holds_an_install(tmp_path, checkout):
    bare = tmp_path / "site-packages" / "lever"
    bare.mkdir(parents=True)
    assert source_commit(bare) == ("unknown", "unknown")
    installed = checkout.parents[1] / "venv" / "site-packages" / "lever"  # inside the checkout, not its src/lever
    installed.mkdir(parents=True)
    assert source_commit(installed) == ("unknown", "unknown")


def test_the_build_names_the_commit_of_the_source_running_and_the_deciding_libraries():
    commit, clean = source_commit()
    record = build()
    assert (record["lever_commit"], record["lever_tree_clean"]) == (commit, clean)
    assert set(record["libraries"]) == set(LIBRARIES) == {"numpy", "numba", "scipy", "pandas", "pydantic"}
    assert all(re.match(r"\d+\.\d+", v) for v in record["libraries"].values())
    import lever

    if (ROOT / "src" / "lever") == Path(lever.__file__).resolve().parent and (ROOT / ".git").exists():
        assert commit == _git(ROOT, "rev-parse", "HEAD") and isinstance(clean, bool)


def test_provenance_json_and_the_report_footer_carry_the_build(tmp_path, monkeypatch):
    fake = {"lever_version": "0.1.0", "lever_commit": "0123456789abcdef" * 2 + "01234567", "lever_tree_clean": False,
            "python": "3.11.0", "libraries": {"numpy": "2.0.0", "numba": "0.60.0", "scipy": "1.14.0",
                                              "pandas": "2.2.0", "pydantic": "2.9.0"}}  # fmt: skip
    monkeypatch.setattr(provenance, "build", lambda: fake)
    prov = Provenance("lever run britain-1933", load("britain-1933"), {"seed": 5})
    record = json.loads(prov.write(tmp_path)["provenance"].read_text())
    assert {k: record[k] for k in fake} == fake and record["seed"] == 5
    footer = provenance_html(prov)
    assert "commit 0123456789ab, tree changed since the commit" in footer and "numba 0.60.0" in footer
    assert "pydantic 2.9.0" in footer and "seed 5" in footer


def test_a_build_line_says_when_the_commit_is_unknown():
    line = build_line({"lever_version": "0.1.0", "lever_commit": "unknown", "lever_tree_clean": "unknown",
                       "python": "3.12.1", "libraries": {"numpy": "2.0.0"}})  # fmt: skip
    assert line == "Lever 0.1.0 (commit unknown: not run from a git checkout); numpy 2.0.0; Python 3.12.1"
