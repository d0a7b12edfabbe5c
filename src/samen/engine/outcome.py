"""What one run of a mechanism returns, before the pledge loop and the report."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from samen.engine.families import Units


@dataclass(frozen=True, eq=False)
class Outcome:
    """Per applicant the school and pool (``-1`` = none); per pool the seats used, the
    overflow and the cut-off key (``cut_valid[p]`` when the pool filled)."""

    school: np.ndarray  # int32[n]
    pool: np.ndarray  # int32[n]
    pool_filled: np.ndarray  # int64[P]
    pool_overflow: np.ndarray  # int64[P]
    cut_valid: np.ndarray  # bool[P]
    cut_keys: np.ndarray  # uint64[P, 4], the cut-off key row per pool


def expand(
    units: Units, unit_school: np.ndarray, unit_pool: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Unit-level school and pool to applicant level."""
    return (
        unit_school[units.unit_of].astype(np.int32),
        unit_pool[units.unit_of].astype(np.int32),
    )
