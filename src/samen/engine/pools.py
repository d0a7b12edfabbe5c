"""Seat pools (allocation rules section 4): one :class:`Pool` type and the engine's arrays.

Each school's seats are split into pools listed in precedence order. A pool has a name, a
number of seats, what it favours (nobody, a 0/1 flag, ``not:`` + a flag, or under the rules
of section 10.1 several such terms joined by ``|``) and what orders the children it takes
(``lottery``, ``distance`` or ``rank``, or under section 10.2 several criteria joined by
``,``, among them ``value:COLUMN``). Shares become seats by the
largest-remainder (Hamilton) method: each pool gets ``floor(share * capacity)`` and the seats
left go one each to the pools with the largest remainders, ties to the earlier pool.
Arithmetic is exact (:class:`fractions.Fraction`), so ``0.29 * 100`` is 29, not 28.

The engine keeps the pools of all schools as flat arrays (``Instance.pool_*``); the round
reader, :func:`samen.engine.build_instance` and the scenario variants build those arrays with
:func:`pool_arrays` from lists of :class:`Pool`, and :func:`pools_of` turns them back. A pool
that favours an expression of several terms (:data:`COMPOUND`) or orders by anything but one
of the three v1 orderings (:data:`ORDER_CRITERIA`) keeps its text, and the arrays point into
the instance's ``expressions`` and ``orderings`` (``pool_flag = -2 - k`` for
``expressions[k]``, ``pool_order = ORDER_CRITERIA + k`` for ``orderings[k]``).

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

from samen.engine.expressions import NOT, OR, ExpressionError, parse, render

if TYPE_CHECKING:
    from samen.engine.instance import Instance

#: what orders a pool's children (item 3 of the priority tuple, section 5)
ORDER_LOTTERY = 0
ORDER_DISTANCE = 1
ORDER_RANK = 2
ORDER_NAMES: tuple[str, ...] = ("lottery", "distance", "rank")
#: a pool ordered by criteria (section 10.2): several, or ``value:COLUMN``; its text is in
#: :attr:`Pool.ordering`
ORDER_CRITERIA = 3
#: ``Pool.flag`` of a pool that favours an expression of several terms (section 10.1); its
#: text is in :attr:`Pool.expression`
COMPOUND = -2


@dataclass
class Pool:
    """One pool of one school as the engine runs it.

    ``flag`` is the index of the flag it favours in the round's flag names (-1: it favours
    nobody, so everyone counts as favoured; :data:`COMPOUND`: the terms of ``expression``),
    ``negate`` is True for ``not:<flag>``, ``order`` one of :data:`ORDER_LOTTERY`,
    :data:`ORDER_DISTANCE`, :data:`ORDER_RANK` or :data:`ORDER_CRITERIA` (the criteria of
    ``ordering``, as round folders write them: ``rank,distance``).
    """

    name: str
    seats: int
    flag: int = -1
    negate: bool = False
    order: int = ORDER_LOTTERY
    expression: str = ""
    ordering: str = ""

    def favours(self, flag_names: Sequence[str]) -> str:
        """What the pool favours as a round folder writes it: ``""``, ``flag``,
        ``not:flag`` or an expression such as ``indicator|disability``."""
        if self.flag == COMPOUND:
            return self.expression
        if self.flag < 0:
            return ""
        return (NOT if self.negate else "") + str(flag_names[self.flag])

    @property
    def order_by(self) -> str:
        """``lottery``, ``distance``, ``rank`` or criteria such as ``rank,distance``."""
        return self.ordering if self.order == ORDER_CRITERIA else ORDER_NAMES[self.order]


class PoolArrays(TypedDict):
    """The pool fields of an :class:`~samen.engine.instance.Instance`."""

    pool_ptr: np.ndarray
    pool_names: list[str]
    pool_seats: np.ndarray
    pool_flag: np.ndarray
    pool_negate: np.ndarray
    pool_order: np.ndarray
    expressions: list[str]
    orderings: list[str]


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
    expressions: dict[str, int] = {}
    orderings: dict[str, int] = {}
    flag = [
        COMPOUND - expressions.setdefault(p.expression, len(expressions))
        if p.flag == COMPOUND
        else p.flag
        for p in flat
    ]
    order = [
        ORDER_CRITERIA + orderings.setdefault(p.ordering, len(orderings))
        if p.order == ORDER_CRITERIA
        else p.order
        for p in flat
    ]
    return {
        "pool_ptr": ptr,
        "pool_names": [p.name for p in flat],
        "pool_seats": np.array([p.seats for p in flat], dtype=np.int64),
        "pool_flag": np.array(flag, dtype=np.int32),
        "pool_negate": np.array([p.negate for p in flat], dtype=bool),
        "pool_order": np.array(order, dtype=np.int8 if max(order, default=0) < 128 else np.int16),
        "expressions": list(expressions),
        "orderings": list(orderings),
    }


def pools_of(instance: Instance) -> list[list[Pool]]:
    """Every school's pools, in precedence order (the inverse of :func:`pool_arrays`)."""
    names = list(instance.pool_names)
    seats = np.asarray(instance.pool_seats).tolist()
    flag = np.asarray(instance.pool_flag).tolist()
    negate = np.asarray(instance.pool_negate).tolist()
    order = np.asarray(instance.pool_order).tolist()
    ptr = np.asarray(instance.pool_ptr).tolist()
    expressions, orderings = list(instance.expressions), list(instance.orderings)

    def pool(k: int) -> Pool:
        f, o = flag[k], order[k]
        return Pool(
            names[k],
            seats[k],
            COMPOUND if f <= COMPOUND else f,
            bool(negate[k]),
            min(o, ORDER_CRITERIA),
            expressions[COMPOUND - f] if f <= COMPOUND else "",
            orderings[o - ORDER_CRITERIA] if o >= ORDER_CRITERIA else "",
        )

    return [[pool(k) for k in range(a, b)] for a, b in pairwise(ptr)]


def parse_favours(favours: str, flag_names: Sequence[str]) -> tuple[int, bool] | None:
    """``(flag index, negate)`` of a ``favours`` value: ``(-1, False)`` for ``""``,
    ``(COMPOUND, False)`` for an expression of several terms (section 10.1), None when it
    names no flag of ``flag_names`` or cannot be read (the readers report that with the flags
    there are).

    >>> parse_favours("not:indicator", ["indicator"]), parse_favours("x", ["indicator"])
    ((0, True), None)
    >>> parse_favours("indicator | x", ["indicator", "x"])
    (-2, False)
    """
    if OR in favours:
        try:
            parse(favours, flag_names)
        except ExpressionError:
            return None
        return (COMPOUND, False)
    negate = favours.startswith(NOT)
    name = favours[len(NOT) :].strip() if negate else favours
    if not name:
        return None if negate else (-1, False)
    names = list(flag_names)
    return (names.index(name), negate) if name in names else None


def canonical_favours(favours: str, flag_names: Sequence[str]) -> str:
    """A ``favours`` value as samen writes it: an expression of several terms without the
    spaces around its terms (``indicator|disability``), anything else as it is."""
    return render(parse(favours, flag_names), flag_names) if OR in favours else favours


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
    "COMPOUND",
    "NOT",
    "ORDER_CRITERIA",
    "ORDER_DISTANCE",
    "ORDER_LOTTERY",
    "ORDER_NAMES",
    "ORDER_RANK",
    "Pool",
    "PoolArrays",
    "canonical_favours",
    "largest_remainder",
    "parse_favours",
    "pool_arrays",
    "pools_of",
    "to_fraction",
]
