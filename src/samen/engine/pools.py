"""Seat pools (allocation rules section 4): one :class:`Pool` type and the engine's arrays.

Each school's seats are split into pools listed in precedence order. A pool has a name, a
number of seats, what it favours (nobody, a 0/1 flag, or ``not:`` + a flag) and what orders
the children it takes (``lottery``, ``distance`` or ``rank``). Shares become seats by the
largest-remainder (Hamilton) method: each pool gets ``floor(share * capacity)`` and the seats
left go one each to the pools with the largest remainders, ties to the earlier pool.
Arithmetic is exact (:class:`fractions.Fraction`), so ``0.29 * 100`` is 29, not 28.

The engine keeps the pools of all schools as flat arrays (``Instance.pool_*``); the round
reader, :func:`samen.engine.build_instance` and the scenario variants build those arrays with
:func:`pool_arrays` from lists of :class:`Pool`, and :func:`pools_of` turns them back.

>>> from samen.engine.instance import build_instance
>>> inst = build_instance({"a": ["X"]}, {"X": 10, "Y": 3})
>>> [[(p.name, p.seats) for p in ps] for ps in pools_of(inst)]
[[('all', 10)], [('all', 3)]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise
from typing import TYPE_CHECKING, TypedDict

import numpy as np

if TYPE_CHECKING:
    from samen.engine.instance import Instance

#: what orders a pool's children (item 3 of the priority tuple, section 5)
ORDER_LOTTERY = 0
ORDER_DISTANCE = 1
ORDER_RANK = 2
ORDER_NAMES: tuple[str, ...] = ("lottery", "distance", "rank")
#: the prefix of a ``favours`` value for the children *without* a flag
NOT = "not:"


@dataclass
class Pool:
    """One pool of one school as the engine runs it.

    ``flag`` is the index of the flag it favours in the round's flag names (-1: it favours
    nobody, so everyone counts as favoured), ``negate`` is True for ``not:<flag>``, ``order``
    one of :data:`ORDER_LOTTERY`, :data:`ORDER_DISTANCE`, :data:`ORDER_RANK`.
    """

    name: str
    seats: int
    flag: int = -1
    negate: bool = False
    order: int = ORDER_LOTTERY

    def favours(self, flag_names: Sequence[str]) -> str:
        """What the pool favours as a round folder writes it: ``""``, ``flag`` or
        ``not:flag``."""
        if self.flag < 0:
            return ""
        return (NOT if self.negate else "") + str(flag_names[self.flag])

    @property
    def order_by(self) -> str:
        """``lottery``, ``distance`` or ``rank``."""
        return ORDER_NAMES[self.order]


class PoolArrays(TypedDict):
    """The pool fields of an :class:`~samen.engine.instance.Instance`."""

    pool_ptr: np.ndarray
    pool_names: list[str]
    pool_seats: np.ndarray
    pool_flag: np.ndarray
    pool_negate: np.ndarray
    pool_order: np.ndarray


def pool_arrays(pools: Sequence[Sequence[Pool]]) -> PoolArrays:
    """The instance's pool arrays for ``pools[s]``, the pools of school ``s`` in precedence
    order: pool ``k`` of the flat arrays belongs to school ``s`` when
    ``pool_ptr[s] <= k < pool_ptr[s + 1]``.

    >>> arrays = pool_arrays([[Pool("a", 2), Pool("b", 1, 0, True)], [Pool("c", 4)]])
    >>> arrays["pool_ptr"].tolist(), arrays["pool_seats"].tolist(), arrays["pool_flag"].tolist()
    ([0, 2, 3], [2, 1, 4], [-1, 0, -1])
    """
    flat = [p for ps in pools for p in ps]
    ptr = np.zeros(len(pools) + 1, dtype=np.int64)
    np.cumsum([len(ps) for ps in pools], out=ptr[1:])
    return {
        "pool_ptr": ptr,
        "pool_names": [p.name for p in flat],
        "pool_seats": np.array([p.seats for p in flat], dtype=np.int64),
        "pool_flag": np.array([p.flag for p in flat], dtype=np.int32),
        "pool_negate": np.array([p.negate for p in flat], dtype=bool),
        "pool_order": np.array([p.order for p in flat], dtype=np.int8),
    }


def pools_of(instance: Instance) -> list[list[Pool]]:
    """Every school's pools, in precedence order (the inverse of :func:`pool_arrays`)."""
    names = list(instance.pool_names)
    seats = np.asarray(instance.pool_seats).tolist()
    flag = np.asarray(instance.pool_flag).tolist()
    negate = np.asarray(instance.pool_negate).tolist()
    order = np.asarray(instance.pool_order).tolist()
    ptr = np.asarray(instance.pool_ptr).tolist()
    return [
        [Pool(names[k], seats[k], flag[k], bool(negate[k]), order[k]) for k in range(a, b)]
        for a, b in pairwise(ptr)
    ]


def parse_favours(favours: str, flag_names: Sequence[str]) -> tuple[int, bool] | None:
    """``(flag index, negate)`` of a ``favours`` value: ``(-1, False)`` for ``""``, None when
    it names no flag of ``flag_names`` (the readers report that with the flags there are).

    >>> parse_favours("not:indicator", ["indicator"]), parse_favours("x", ["indicator"])
    ((0, True), None)
    """
    negate = favours.startswith(NOT)
    name = favours[len(NOT) :].strip() if negate else favours
    if not name:
        return None if negate else (-1, False)
    names = list(flag_names)
    return (names.index(name), negate) if name in names else None


def to_fraction(share: str | float | int | Fraction) -> Fraction:
    """An exact fraction for a share as written (``"0.3"`` is exactly 3/10).

    Floats are read through their shortest decimal representation, so ``0.3`` is 3/10 too.
    """
    if isinstance(share, Fraction):
        return share
    if isinstance(share, float):
        return Fraction(repr(share))
    return Fraction(str(share).strip())


def largest_remainder(shares: Sequence[str | float | int | Fraction], capacity: int) -> list[int]:
    """Seats per pool by the largest-remainder method (spec section 4).

    >>> largest_remainder(["0.3", "0.7"], 25)
    [8, 17]
    >>> largest_remainder(["0.5", "0.5"], 3)  # tie: the earlier pool gets the seat
    [2, 1]
    >>> largest_remainder(["0.29", "0.71"], 100)
    [29, 71]
    """
    fr = [to_fraction(s) for s in shares]
    quotas = [f * capacity for f in fr]
    seats = [q.numerator // q.denominator for q in quotas]
    left = capacity - sum(seats)
    # Largest remainder first; ties to the earlier pool (stable sort on -remainder).
    order = sorted(range(len(fr)), key=lambda i: -(quotas[i] - seats[i]))
    for i in order[: max(left, 0)]:
        seats[i] += 1
    return seats


__all__ = [
    "NOT",
    "ORDER_DISTANCE",
    "ORDER_LOTTERY",
    "ORDER_NAMES",
    "ORDER_RANK",
    "Pool",
    "PoolArrays",
    "largest_remainder",
    "parse_favours",
    "pool_arrays",
    "pools_of",
    "to_fraction",
]
