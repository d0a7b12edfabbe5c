"""Family blocks: twins and siblings applying together (spec section 6).

Children with the same ``family`` value and identical ``choices`` form a block (samen
also asks for the same ``pledge`` value; ``docs/decisions.md``, decision 1). A block
applies as one unit: its members share the lottery number of the member whose
``applicant_id`` sorts first in byte order, its priority at a pool is that of its
best-placed member, and a pool with at least one seat left takes the whole block, even
beyond its seats (the Flemish rule for multiple births; the extra seats are *overflow*).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

if TYPE_CHECKING:
    from samen.engine.instance import Instance


@dataclass(frozen=True, eq=False)
class Units:
    """Applicants grouped into the units that apply: blocks, or single children.

    ``members[ptr[u]:ptr[u+1]]`` are the applicants of unit ``u``, the lead (smallest
    ``applicant_id``) first. ``unit_of[a]`` is the unit of applicant ``a``, ``lead[u]`` the
    lead's applicant index and ``size[u]`` the number of members.
    """

    ptr: np.ndarray  # int64[U+1]
    members: np.ndarray  # int64[n]
    unit_of: np.ndarray  # int64[n]
    lead: np.ndarray  # int64[U]
    size: np.ndarray  # int64[U]

    @property
    def count(self) -> int:
        return len(self.lead)


def id_order(
    applicant_ids: list[str] | tuple[str, ...],
    packed: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """``rank[a]``: the position of applicant ``a``'s id in byte order (UTF-8 order is code
    point order, so Python's string order is the byte order of the rules).

    ``packed``: the ids as UTF-8 bytes and offsets (:func:`samen.engine.sha256.pack_strings`),
    which the lottery needs anyway; then the ids are compared as big-endian 64-bit words of
    their bytes, zero-padded (ids hold no NUL byte, so a shorter id that is a prefix of a
    longer one sorts first, as in byte order).

    >>> from samen.engine.sha256 import pack_strings
    >>> ids = ["b", "a\u00e9", "ab", "a", "B12345678"]
    >>> id_order(ids).tolist(), id_order(ids, pack_strings(ids)).tolist()
    ([4, 3, 2, 1, 0], [4, 3, 2, 1, 0])
    """
    n = len(applicant_ids)
    if packed is not None and n > 0 and not (packed[0] == 0).any():
        data, ptr = packed
        longest = int(np.diff(ptr).max()) if n else 0
        words = _id_words(data, ptr, max(1, -(-longest // 8)))
        order = np.lexsort(words.T[::-1])  # the first word is the primary key
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n, dtype=np.int64)
        return rank
    if n > 1_000 and "\x00" not in "".join(applicant_ids):
        # NumPy compares unicode by code point, as Python does (NUL would be trimmed)
        order = np.argsort(np.array(applicant_ids, dtype=str), kind="stable")
    else:
        order = np.asarray(sorted(range(n), key=applicant_ids.__getitem__), dtype=np.int64)
    rank = np.empty(len(applicant_ids), dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(len(applicant_ids), dtype=np.int64)
    return rank


@njit(cache=True)
def _id_words(data, ptr, width):
    """Row ``i``: the bytes of string ``i`` as ``width`` big-endian words, zero-padded."""
    n = len(ptr) - 1
    out = np.zeros((n, width), dtype=np.uint64)
    for i in range(n):
        for b in range(ptr[i + 1] - ptr[i]):
            shift = np.uint64(8 * (7 - b % 8))
            out[i, b // 8] |= np.uint64(data[ptr[i] + b]) << shift
    return out


def form_blocks(instance: Instance, id_rank: np.ndarray) -> Units:
    """Group applicants into family blocks (same family, list and pledge), others alone.

    >>> from samen.engine.instance import build_instance
    >>> inst = build_instance({"b": ["X"], "a": ["X"], "c": ["X"]}, {"X": 1},
    ...                       families={"a": "F", "b": "F"})
    >>> units = form_blocks(inst, id_order(list(inst.applicant_ids)))
    >>> [inst.applicant_ids[m] for m in units.members[units.ptr[0]:units.ptr[1]]]
    ['a', 'b']
    """
    n = instance.n_applicants
    family = np.asarray(instance.family)
    keyed: dict[tuple[int, int, bytes], list[int]] = {}
    ptr = instance.choice_ptr
    for a in np.flatnonzero(family >= 0).tolist():
        key = (
            int(family[a]),
            int(instance.pledge[a]),
            instance.choices[ptr[a] : ptr[a + 1]].tobytes(),
        )
        keyed.setdefault(key, []).append(a)
    first_of = np.arange(n, dtype=np.int64)  # the first member (row order) of a's unit
    blocks = 0
    for group in keyed.values():
        if len(group) > 1:
            first_of[group] = min(group)
            blocks += 1
    if not blocks:
        return _singles(n)
    opens = first_of == np.arange(n, dtype=np.int64)  # units in the row order of their first
    unit_index = np.cumsum(opens) - 1
    unit_of = unit_index[first_of]
    members = np.lexsort((id_rank, unit_of)).astype(np.int64)  # lead (smallest id) first
    sizes = np.bincount(unit_of, minlength=int(unit_index[-1]) + 1).astype(np.int64)
    uptr = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=uptr[1:])
    lead = members[uptr[:-1]]
    return Units(ptr=uptr, members=members, unit_of=unit_of, lead=lead, size=sizes)


def _singles(n: int) -> Units:
    idx = np.arange(n, dtype=np.int64)
    return Units(
        ptr=np.arange(n + 1, dtype=np.int64),
        members=idx,
        unit_of=idx.copy(),
        lead=idx.copy(),
        size=np.ones(n, dtype=np.int64),
    )


def dissolve(units: Units) -> Units:
    """Every child its own unit (top trading cycles and serial dictatorship, which keep
    the shared lottery number but not the block; ``docs/decisions.md``, decision 8)."""
    return _singles(len(units.unit_of))
