"""What ``samen allocate`` does to start fast: Numba loads its implementations without
importing SciPy (``samen.engine.numba_start``), and SciPy stays usable afterwards; a valid
round does not import the housing modules."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import samen
from roundfiles import write_round

pytest.importorskip("scipy")

CHECK = """
import sys
from samen.engine.numba_start import start_numba_without_scipy
start_numba_without_scipy()
print("scipy.linalg" in sys.modules, "scipy" in sys.modules and sys.modules["scipy"] is None)
import numba
@numba.njit(cache=False)
def add(a, b):
    return a + b
print(add(2, 3))
import scipy.linalg
print(scipy.linalg.det([[2.0, 0.0], [0.0, 3.0]]))
"""


def test_numba_starts_without_scipy_and_scipy_still_works() -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(samen.__file__).parent.parent)}
    run = subprocess.run(
        [sys.executable, "-c", CHECK],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
    )
    assert run.stdout.split() == ["False", "False", "5", "6.0"]


ALLOCATE = """
import sys
sys.argv = ["samen", "allocate", sys.argv[1], "--out", sys.argv[2]]
from samen.cli import app
try:
    app()
except SystemExit as exc:
    assert not exc.code, exc.code
print("samen.housing" in sys.modules, "scipy.linalg" in sys.modules)
"""


def test_allocate_imports_neither_housing_nor_scipy_linalg(tmp_path: Path) -> None:
    """A valid allocation round is allocated without importing the housing modules (a housing
    folder is looked for only when reading fails) or SciPy's linear algebra."""
    folder = write_round(tmp_path / "round")
    env = {**os.environ, "PYTHONPATH": str(Path(samen.__file__).parent.parent)}
    run = subprocess.run(
        [sys.executable, "-c", ALLOCATE, str(folder), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
    )
    assert run.stdout.split()[-2:] == ["False", "False"]
    assert (tmp_path / "out" / "assignments.csv").is_file()
