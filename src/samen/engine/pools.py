"""Seat pools: turning shares into seats (spec section 4).

A school's seats are split into pools listed in precedence order. Shares become seats by
the largest-remainder (Hamilton) method: each pool gets ``floor(share * capacity)`` and the
seats left go one each to the pools with the largest remainders, ties to the earlier pool.
Arithmetic is exact (:class:`fractions.Fraction`), so ``0.29 * 100`` is 29, not 28.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction


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
