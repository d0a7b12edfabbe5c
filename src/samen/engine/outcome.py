"""What one run of a mechanism returns, before the pledge loop and the report."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

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
    #: per applicant the list entry of its school (-1 = none), where the kernel knows it
    edge: np.ndarray | None = None


def expand(
    units: Units, unit_school: np.ndarray, unit_pool: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Unit-level school and pool to applicant level."""
    return (
        unit_school[units.unit_of].astype(np.int32),
        unit_pool[units.unit_of].astype(np.int32),
    )


@njit(cache=True)
def _assigned_edges(choice_ptr, choices, school, out):
    for a in range(len(school)):
        out[a] = -1
        s = school[a]
        if s >= 0:
            for e in range(choice_ptr[a], choice_ptr[a + 1]):
                if choices[e] == s:
                    out[a] = e
                    break


def assigned_edges(choice_ptr: np.ndarray, choices: np.ndarray, school: np.ndarray) -> np.ndarray:
    """``edge[a]``: the list entry of applicant ``a`` that names its school (``-1`` if it has
    none); its 1-based rank on the list is ``edge[a] - choice_ptr[a] + 1``.

    >>> assigned_edges(np.array([0, 2, 3]), np.array([5, 7, 7]), np.array([7, -1])).tolist()
    [1, -1]
    """
    out = np.empty(len(school), dtype=np.int64)
    _assigned_edges(choice_ptr, choices, school, out)
    return out


@njit(cache=True)
def _report_columns(choice_ptr, edge, school, n_schools):
    rank = np.zeros(len(edge), dtype=np.int32)
    filled = np.zeros(n_schools, dtype=np.int64)
    for c in range(len(edge)):
        if edge[c] >= 0:
            rank[c] = edge[c] - choice_ptr[c] + 1
        if school[c] >= 0:
            filled[school[c]] += 1
    return rank, filled


def report_columns(
    choice_ptr: np.ndarray, edge: np.ndarray, school: np.ndarray, n_schools: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per child the 1-based rank of the list entry it got (0 = none), per school the
    children placed there: one pass for the report of section 9.

    >>> rank, filled = report_columns(np.array([0, 2, 3]), np.array([1, -1]),
    ...                               np.array([0, -1], dtype=np.int32), 2)
    >>> rank.tolist(), filled.tolist()
    ([2, 0], [1, 0])
    """
    return _report_columns(
        np.asarray(choice_ptr, dtype=np.int64),
        np.asarray(edge, dtype=np.int64),
        np.asarray(school),
        n_schools,
    )
