"""``import lever``: what it sets up before any kernel runs."""

import os
import subprocess
import sys

import pytest


def _spincount(env: dict[str, str]) -> str:
    code = "import os, lever; print(os.environ.get('GOMP_SPINCOUNT', '-'))"
    clean = {k: v for k, v in os.environ.items() if k not in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY")}
    out = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True,
                         check=True)  # fmt: skip
    return out.stdout.strip()


@pytest.mark.parametrize(("env", "expected"), [
    ({}, "30000"),  # OpenMP's idle helpers spin a tenth of libgomp's default
    ({"GOMP_SPINCOUNT": "5"}, "5"),  # the user's value is kept
    ({"OMP_WAIT_POLICY": "ACTIVE"}, "-"),  # a wait policy of the user's is not overridden
])  # fmt: skip
def test_import_shortens_the_openmp_spin_unless_the_user_chose(env, expected):
    assert _spincount(env) == expected


# --- one compile cache for the command, bin/* and a plain `import lever` ----------------------


def _source(folder):
    (folder / "kernels").mkdir(parents=True)
    (folder / "__init__.py").write_text("x = 1\n")
    (folder / "kernels" / "opinion.py").write_text("y = 2\n")
    (folder / "notes.txt").write_text("not source\n")
    return folder


def test_the_cache_folder_is_keyed_by_the_source(tmp_path):
    from lever.kernels.cache import numba_cache_folder

    src, home = _source(tmp_path / "src"), tmp_path / "home"
    first = numba_cache_folder(str(src), str(home))
    assert os.path.dirname(first) == str(home / "lever" / "numba") and os.path.isdir(first)
    assert numba_cache_folder(str(src), str(home)) == first  # unchanged source: the same key
    (src / "notes.txt").write_text("other\n")  # only .py files count
    assert numba_cache_folder(str(src), str(home)) == first
    (src / "kernels" / "opinion.py").write_text("y = 3\n")  # an inlined kernel edited: compile afresh
    assert numba_cache_folder(str(src), str(home)) != first


def test_old_cache_folders_are_pruned(tmp_path):
    from lever.kernels.cache import KEPT_CACHES, numba_cache_folder

    src, home = _source(tmp_path / "src"), tmp_path / "home"
    made = []
    for i in range(KEPT_CACHES + 2):
        (src / "__init__.py").write_text(f"x = {i}\n")
        made.append(numba_cache_folder(str(src), str(home)))
        os.utime(made[-1], (i, i))  # older first, whatever the clock's resolution
    os.utime(made[-1])
    kept = sorted(os.listdir(home / "lever" / "numba"))
    assert len(kept) == KEPT_CACHES and os.path.basename(made[-1]) in kept
    assert os.path.basename(made[0]) not in kept


def test_an_unwritable_cache_home_falls_back_to_the_temp_folder(tmp_path):
    from lever.kernels.cache import numba_cache_folder

    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache home should be\n")
    folder = numba_cache_folder(str(_source(tmp_path / "src")), str(blocked))
    assert not folder.startswith(str(blocked)) and os.path.isdir(folder)


def _cache_dir(env: dict[str, str]) -> str:
    code = "import os, lever, numba; print(os.environ['NUMBA_CACHE_DIR']); print(numba.config.CACHE_DIR)"
    clean = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    out = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True,
                         check=True)  # fmt: skip
    return out.stdout.split()


def test_import_sets_the_shared_cache_unless_the_user_chose(tmp_path):
    from lever.kernels.cache import numba_cache_folder

    home = str(tmp_path / "cache")
    expected = numba_cache_folder(cache_home=home)
    assert _cache_dir({"XDG_CACHE_HOME": home}) == [expected, expected]  # numba reads it too
    own = str(tmp_path / "mine")
    assert _cache_dir({"XDG_CACHE_HOME": home, "NUMBA_CACHE_DIR": own}) == [own, own]
