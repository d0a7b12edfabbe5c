"""What ``samen allocate`` does to start fast: Numba loads its implementations without
importing SciPy (``samen.engine.numba_start``), and SciPy stays usable afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import samen

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
