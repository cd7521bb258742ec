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
