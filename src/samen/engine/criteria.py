"""What orders a pool's children (allocation rules sections 5 and 10.2): the ``order_by``
criteria.

``order_by`` is one criterion or several joined by ``,``, applied left to right:
``lottery`` (the lottery number at the school), ``distance`` (metres from home to school),
``rank`` (the 1-based position of the school on the list as submitted) or ``value:COLUMN``
(the number in that column of applicants.csv, smaller first). Item 3 of the priority tuple
is the sequence of the criteria's values; items 4 (the lottery number) and 5 (the
``applicant_id``) follow.

The kernels compare one 64-bit word for item 3. A pool with one of the three v1 orderings
keeps the v1 word (the lottery number, the bits of the distance, the rank). For any other
ordering, :func:`order_codes` gives every list entry a word that orders exactly as the
sequence of its values does: each criterion becomes a whole number that orders like its
values (the rank itself, a distance in centimetres, the dense rank of a value among the
children's), and the numbers are laid side by side in one word when their bits fit, else the
sequences are ranked (a sort). The word is shifted to the top, so the kernels' one-word
prefix (``k0`` and the top bits of ``k1``) still decides most comparisons.

``lottery`` as the last criterion repeats item 4 and is left out of the word (the order is
the same); so ``distance,lottery`` runs as ``distance``. Only an ordering with ``lottery``
before another criterion depends on the seed, and its words are made again for every draw.

>>> parse("rank, distance"), parse("value:points")
(('rank', 'distance'), ('value:points',))
>>> order_of("lottery"), order_of("rank,distance") == ORDER_CRITERIA
(0, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from samen.engine.distance import centimetres
from samen.engine.distance import text as metres_text
from samen.engine.lottery import hex16
from samen.engine.pools import (
    ORDER_CRITERIA,
    ORDER_DISTANCE,
    ORDER_LOTTERY,
    ORDER_NAMES,
    ORDER_RANK,
)

if TYPE_CHECKING:
    from samen.engine.instance import Instance

#: the prefix of a criterion that reads a number column of applicants.csv
VALUE = "value:"
#: the separator of an ordering's criteria
AND = ","


class CriteriaError(ValueError):
    """An ``order_by`` that cannot be read; ``problem`` says why in words for an office."""

    def __init__(self, text: str, problem: str):
        self.text = text
        self.problem = problem
        super().__init__(f"{text!r}: {problem}")


@lru_cache(maxsize=4096)
def parse(text: str) -> tuple[str, ...]:
    """The criteria of ``order_by`` text, each as samen writes it (``lottery``, ``distance``,
    ``rank`` in lower case, ``value:`` + the column as written). An empty text is
    ``lottery`` (section 4's default). Raises :class:`CriteriaError` for an empty or unknown
    criterion, or ``value:`` without a column."""
    text = text.strip()
    if not text:
        return ("lottery",)
    out: list[str] = []
    for raw in text.split(AND):
        c = raw.strip()
        low = c.lower()
        if not c:
            raise CriteriaError(text, "a criterion is empty; write criteria between the ','")
        if low.startswith(VALUE):
            column = c[len(VALUE) :].strip()
            if not column:
                raise CriteriaError(
                    text, "'value:' needs a column name after it, like value:points"
                )
            out.append(VALUE + column)
        elif low in ORDER_NAMES:
            out.append(low)
        else:
            raise CriteriaError(text, f"'{c}' is not a criterion")
    return tuple(out)


def text_of(criteria: Sequence[str]) -> str:
    """``order_by`` as a round folder writes it: the criteria joined by ``,``."""
    return AND.join(criteria)


def order_of(text: str) -> int:
    """The pool's ``order`` (:class:`samen.engine.pools.Pool`): the v1 code for one of
    ``lottery``, ``distance``, ``rank`` alone, else :data:`ORDER_CRITERIA`."""
    criteria = parse(text)
    if len(criteria) == 1 and criteria[0] in ORDER_NAMES:
        return ORDER_NAMES.index(criteria[0])
    return ORDER_CRITERIA


def value_columns(criteria: Sequence[str]) -> list[str]:
    """The applicants.csv columns that ``criteria`` read."""
    return [c[len(VALUE) :] for c in criteria if c.startswith(VALUE)]


def used_columns(orderings: Sequence[str]) -> list[str]:
    """The ``value:`` columns the orderings read, in order of first appearance (the order an
    instance keeps them in)."""
    out: list[str] = []
    for text in orderings:
        for c in value_columns(parse(text)):
            if c not in out:
                out.append(c)
    return out


def is_v2(text: str) -> bool:
    """Whether an ``order_by`` uses section 10.2: more than one criterion, or ``value:``."""
    return order_of(text) == ORDER_CRITERIA


#: the separator of the values of several criteria where they are written as one text
VALUES_SEPARATOR = ";"


def number_text(value: float) -> str:
    """A number of a ``value:`` column as samen writes it: as short as it reads back
    exactly, a whole number without decimals.

    >>> number_text(20270115.0), number_text(-2.5), number_text(0.1)
    ('20270115', '-2.5', '0.1')
    """
    v = float(value) + 0.0
    return str(int(v)) if v.is_integer() and abs(v) < 2**63 else repr(v)


def value_text(criterion: str, value: float | int) -> str:
    """One criterion's value as the result files and explanations write it: metres (at most
    2 decimals), a rank, a lottery number (16 hex digits) or a number of a ``value:``
    column."""
    if criterion == "distance":
        return metres_text(float(value))
    if criterion == "rank":
        return str(int(value))
    if criterion == "lottery":
        return hex16(int(value))
    return number_text(float(value))


def values_text(order_by: str, value: float | int | tuple[float | int, ...]) -> str:
    """Item 3 of a priority tuple as one text: each criterion's value (:func:`value_text`),
    joined by :data:`VALUES_SEPARATOR` when there are several.

    >>> values_text("rank,distance", (2, 350.5)), values_text("value:points", -1.0)
    ('2;350.5', '-1')
    """
    crit = parse(order_by)
    values = value if isinstance(value, tuple) else (value,)
    return VALUES_SEPARATOR.join(value_text(c, v) for c, v in zip(crit, values, strict=True))


# --------------------------------------------------------------------------- the words


def _bits(top: int) -> int:
    return max(1, int(top).bit_length())


def _dense(values: np.ndarray) -> np.ndarray:
    """Whole numbers ``0..`` that order like ``values`` (equal values, equal numbers; NaN
    last)."""
    v = np.where(np.isnan(values), np.inf, values) + 0.0
    _, inverse = np.unique(v, return_inverse=True)
    return inverse.reshape(-1).astype(np.uint64)


def _distance_numbers(dist: np.ndarray) -> np.ndarray:
    """Distances as whole numbers that order like them: centimetres when every distance is
    a whole number of centimetres (the reader rounds them so), else their dense rank;
    unknown distances last."""
    known = ~np.isnan(dist)
    if known.all() and np.array_equal(centimetres(dist), dist + 0.0):
        cm = np.rint(dist * 100.0)
        low = cm.min() if cm.size else 0.0
        if cm.size == 0 or cm.max() - low < 2**53:
            return (cm - low).astype(np.uint64)
    out = _dense(dist)
    return out


def criterion_numbers(instance: Instance, criterion: str, edge_lot: np.ndarray) -> np.ndarray:
    """``uint64[E]``: one criterion's value at every list entry as a whole number that
    orders like it."""
    inst = instance
    ptr = np.asarray(inst.choice_ptr, dtype=np.int64)
    if criterion == "lottery":
        return np.asarray(edge_lot, dtype=np.uint64)
    if criterion == "rank":
        edge_app = np.repeat(np.arange(inst.n_applicants), np.diff(ptr))
        return (np.arange(len(inst.choices)) - ptr[edge_app] + 1).astype(np.uint64)
    if criterion == "distance":
        return _distance_numbers(np.asarray(inst.distance, dtype=np.float64))
    column = list(inst.value_names).index(criterion[len(VALUE) :])
    per_child = _dense(np.asarray(inst.values, dtype=np.float64)[:, column])
    return np.repeat(per_child, np.diff(ptr))


def _word(parts: list[np.ndarray]) -> np.ndarray:
    """One uint64 word per entry that orders like the sequences ``parts`` (left to right),
    at the top of the word."""
    n = len(parts[0]) if parts else 0
    if not parts or n == 0:
        return np.zeros(n, dtype=np.uint64)
    widths = [_bits(int(p.max())) for p in parts]
    if sum(widths) <= 64:
        word = np.zeros(n, dtype=np.uint64)
        for p, w in zip(parts, widths, strict=True):
            word = (word << np.uint64(w)) | p if w < 64 else p.copy()
        total = sum(widths)
    else:  # too wide for one word: rank the sequences
        order = np.lexsort(tuple(reversed(parts)))
        stacked = np.column_stack(parts)[order]
        new = np.ones(n, dtype=bool)
        new[1:] = (stacked[1:] != stacked[:-1]).any(axis=1)
        rank = np.cumsum(new) - 1
        word = np.empty(n, dtype=np.uint64)
        word[order] = rank.astype(np.uint64)
        total = _bits(int(rank[-1]))
    if total < 64:
        word <<= np.uint64(64 - total)
    return word


def kernel_criteria(criteria: Sequence[str]) -> tuple[str, ...]:
    """The criteria the kernel's word needs: without trailing ``lottery`` (item 4 repeats
    it)."""
    out = list(criteria)
    while out and out[-1] == "lottery":
        out.pop()
    return tuple(out)


def kernel_orders(instance: Instance) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """The ``pool_order`` the kernels run, and the criteria of each word column: a pool of
    ``orderings[k]`` runs as ``lottery``, ``distance`` or ``rank`` when its kernel criteria
    are just that (or none: ``lottery``), else as ``ORDER_CRITERIA + c`` for word column
    ``c``."""
    order = np.asarray(instance.pool_order)
    if not len(instance.orderings):
        return order, []
    columns: list[tuple[str, ...]] = []
    mapped: list[int] = []
    for text in instance.orderings:
        crit = kernel_criteria(parse(text))
        if not crit:
            mapped.append(ORDER_LOTTERY)
        elif len(crit) == 1 and crit[0] in ("distance", "rank"):
            mapped.append(ORDER_DISTANCE if crit[0] == "distance" else ORDER_RANK)
        else:
            if crit not in columns:
                columns.append(crit)
            mapped.append(ORDER_CRITERIA + columns.index(crit))
    lut = np.asarray(mapped, dtype=np.int64)
    out = order.astype(np.int64)
    v2 = out >= ORDER_CRITERIA
    out[v2] = lut[out[v2] - ORDER_CRITERIA]
    dtype = np.int8 if out.max(initial=0) < 128 else np.int16
    return out.astype(dtype), columns


def order_codes(
    instance: Instance, columns: Sequence[tuple[str, ...]], edge_lot: np.ndarray
) -> np.ndarray:
    """``uint64[E, C]``: for every list entry the word of each of ``columns``
    (:func:`kernel_orders`)."""
    n_edges = len(instance.choices)
    out = np.zeros((n_edges, len(columns)), dtype=np.uint64)
    for c, crit in enumerate(columns):
        out[:, c] = _word([criterion_numbers(instance, x, edge_lot) for x in crit])
    return np.ascontiguousarray(out)


def seed_dependent(columns: Sequence[tuple[str, ...]]) -> bool:
    """Whether the words of ``columns`` use the lottery (``lottery`` before another
    criterion)."""
    return any("lottery" in crit for crit in columns)


def values_at(
    instance: Instance,
    criteria: Sequence[str],
    apps: np.ndarray,
    edges: np.ndarray,
    lots: np.ndarray,
) -> list[list[float | int]]:
    """:func:`values` for many children at once: per criterion, the values of children
    ``apps`` at their list entries ``edges`` with lottery numbers ``lots`` there."""
    inst = instance
    out: list[list[float | int]] = []
    for c in criteria:
        if c == "lottery":
            out.append([int(v) for v in np.asarray(lots).tolist()])
        elif c == "rank":
            out.append((edges - np.asarray(inst.choice_ptr)[apps] + 1).tolist())
        elif c == "distance":
            out.append(np.asarray(inst.distance, dtype=np.float64)[edges].tolist())
        else:
            col = list(inst.value_names).index(c[len(VALUE) :])
            out.append(np.asarray(inst.values, dtype=np.float64)[apps, col].tolist())
    return out


def values(
    instance: Instance, criteria: Sequence[str], a: int, e: int, lot: int
) -> float | int | tuple[float | int, ...]:
    """Item 3 of child ``a``'s priority tuple at its list entry ``e``, its lottery number
    there being ``lot``: one value for one criterion, else the sequence (lottery and rank
    as whole numbers, distances and values as floats)."""
    out: list[float | int] = []
    for c in criteria:
        if c == "lottery":
            out.append(int(lot))
        elif c == "rank":
            out.append(int(e - int(instance.choice_ptr[a]) + 1))
        elif c == "distance":
            out.append(float(instance.distance[e]))
        else:
            col = list(instance.value_names).index(c[len(VALUE) :])
            out.append(float(np.asarray(instance.values)[a, col]))
    return out[0] if len(out) == 1 else tuple(out)


__all__ = [
    "AND",
    "VALUE",
    "VALUES_SEPARATOR",
    "CriteriaError",
    "criterion_numbers",
    "is_v2",
    "kernel_criteria",
    "kernel_orders",
    "number_text",
    "order_codes",
    "order_of",
    "parse",
    "seed_dependent",
    "text_of",
    "used_columns",
    "value_columns",
    "value_text",
    "values",
    "values_at",
    "values_text",
]
