"""Waiting lists (allocation rules section 10.7): the numbers families are told, "you are 9th
on the waiting list of school X".

For every school ``s`` (in schools.csv order) and each of its pools ``p`` (in precedence
order), the list holds every child who has ``s`` on its list in the last run (section 7) and
is unassigned or assigned to a school after ``s`` on its list, ordered by its priority tuple
for ``p`` at ``s`` (section 5), with positions 1, 2, ... A member of a family block stands
with its block's tuple (the best member's, section 6), the members of one block then in
``applicant_id`` order; under top trading cycles, where blocks count as single children,
each member stands with its own tuple. Every pool has a list, also a pool with 0 seats, and
a child can stand on the lists of several pools and schools. Under serial dictatorship each
school has one list (no pool), ordered by the single lottery number (the block's, for a
block member), then ``applicant_id``.

The kernel computes the key of every (child, pool) row as deferred acceptance does
(:func:`samen.engine.priority.unit_key`), sorts the rows by one word (the pool in the top
bits, then the top bits of the key's one-word prefix; a radix sort) and every run of equal
words by the whole key (a merge sort, for ties in the prefix): O(W) for W rows, O(W log W)
at worst.

>>> from samen.engine.instance import build_instance
>>> from samen.engine.allocate import allocate
>>> inst = build_instance({"a": ["X"], "b": ["X"], "c": ["Y", "X"]}, {"X": 1, "Y": 0},
...                       seed="s", waitlists=True)
>>> w = allocate(inst).waitlists  # c has the best number (2f0a..) and gets X; a (2fe5..), b
>>> [(inst.school_ids[s], int(k), inst.applicant_ids[a])
...  for s, k, a in zip(w.school, w.position, w.applicant)]
[('X', 1, 'a'), ('X', 2, 'b'), ('Y', 1, 'c')]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from samen.engine.families import dissolve
from samen.engine.instance import ORDER_LOTTERY
from samen.engine.lean import order_value
from samen.engine.priority import Prepared, key_bits, less, pack_of, unit_key


@dataclass(frozen=True, eq=False)
class Waitlists:
    """The rows of ``waitlists.csv`` in order: per row the school, the pool (global index;
    -1 under serial dictatorship, whose lists have no pool), the 1-based position and the
    child."""

    school: np.ndarray  # int32[W]
    pool: np.ndarray  # int32[W]
    position: np.ndarray  # int64[W]
    applicant: np.ndarray  # int64[W]

    def __len__(self) -> int:
        return len(self.applicant)


def waiting(
    prep: Prepared, school: np.ndarray, active: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The list entries whose child waits for that school: active in the last run, and the
    child unassigned or assigned to a school after it; and the child of each (``int64``, in
    entry order)."""
    inst = prep.instance
    return _waiting(
        np.asarray(inst.choice_ptr, dtype=np.int64),
        inst.choices,
        np.asarray(school),
        np.ascontiguousarray(active, dtype=np.bool_),
    )


@njit(cache=True)
def _waiting(choice_ptr, choices, school, active):
    n = len(choice_ptr) - 1
    entries = np.empty(len(choices), dtype=np.int64)
    apps = np.empty(len(choices), dtype=np.int64)
    k = 0
    for a in range(n):
        s = school[a]
        for e in range(choice_ptr[a], choice_ptr[a + 1]):
            if s >= 0 and choices[e] == s:
                break  # the school it got; the ones after it do not wait
            if active[e]:
                entries[k] = e
                apps[k] = a
                k += 1
    return entries[:k], apps[:k]


def waitlists(prep: Prepared, school: np.ndarray, active: np.ndarray) -> Waitlists:
    """The waiting lists of a run whose assignment is ``school`` (per child, -1 = none) with
    the list entries ``active`` (the pledge loop's last run)."""
    inst = prep.instance
    entries, apps = waiting(prep, school, active)
    schools = np.asarray(inst.choices, dtype=np.int64)[entries]
    if inst.mechanism == "serial-dictatorship":
        order = np.lexsort((prep.id_rank[apps], prep.single_lot[apps], schools))
        s_sorted = schools[order]
        return Waitlists(
            school=s_sorted.astype(np.int32),
            pool=np.full(len(order), -1, dtype=np.int32),
            position=_positions(s_sorted),
            applicant=apps[order],
        )
    units = dissolve(prep.units) if inst.mechanism == "top-trading-cycles" else prep.units
    pool, app = _pool_rows(
        entries, apps, schools, np.asarray(inst.pool_ptr, dtype=np.int64),
        units.ptr, units.members, units.unit_of, np.asarray(inst.choice_ptr, dtype=np.int64),
        prep.group, prep.edge_lot, prep.edge_dist, prep.flags, prep.pool_flag,
        inst.pool_negate, prep.pool_order, prep.order_codes, prep.id_rank, key_bits(prep),
    )  # fmt: skip
    school_of_pool = np.repeat(np.arange(inst.n_schools), np.diff(inst.pool_ptr))
    return Waitlists(
        school=school_of_pool[pool].astype(np.int32),
        pool=pool.astype(np.int32),
        position=_positions(pool),
        applicant=app,
    )


def _positions(group: np.ndarray) -> np.ndarray:
    """1, 2, ... within each run of equal values of the sorted ``group``."""
    n = len(group)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.ones(n, dtype=bool)
    starts[1:] = group[1:] != group[:-1]
    first = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    return np.arange(n, dtype=np.int64) - first + 1


@njit(cache=True, inline="always")
def _row_less(keys, x, y):
    """Row ``x`` before row ``y``: the key, then the child's own id (block members)."""
    if keys[x, 0] != keys[y, 0]:
        return keys[x, 0] < keys[y, 0]
    if less(keys[x, 1], keys[x, 2], keys[x, 3], keys[x, 4], keys[y, 1], keys[y, 2], keys[y, 3],
            keys[y, 4]):  # fmt: skip
        return True
    if less(keys[y, 1], keys[y, 2], keys[y, 3], keys[y, 4], keys[x, 1], keys[x, 2], keys[x, 3],
            keys[x, 4]):  # fmt: skip
        return False
    return keys[x, 5] < keys[y, 5]


@njit(cache=True)
def _merge_sort(keys, order):
    """Sort the row indices ``order`` by :func:`_row_less` (stable, O(k log k)); runs of 16
    first by insertion."""
    n = len(order)
    run = 16
    for lo in range(0, n, run):
        hi = min(lo + run, n)
        for i in range(lo + 1, hi):
            x = order[i]
            k = i
            while k > lo and _row_less(keys, x, order[k - 1]):
                order[k] = order[k - 1]
                k -= 1
            order[k] = x
    buf = np.empty_like(order)
    width = run
    src = order
    dst = buf
    in_buf = False
    while width < n:
        for lo in range(0, n, 2 * width):
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i, k, out = lo, mid, lo
            while i < mid and k < hi:
                if _row_less(keys, src[k], src[i]):
                    dst[out] = src[k]
                    k += 1
                else:
                    dst[out] = src[i]
                    i += 1
                out += 1
            while i < mid:
                dst[out] = src[i]
                i += 1
                out += 1
            while k < hi:
                dst[out] = src[k]
                k += 1
                out += 1
        src, dst = dst, src
        in_buf = not in_buf
        width *= 2
    if in_buf:
        order[:] = buf


@njit(cache=True)
def _radix_order(word):
    """The stable order of the 64-bit ``word`` (LSD radix sort, 11 bits a pass; a pass in
    which every word has the same digit is left out): O(W)."""
    n = len(word)
    order = np.arange(n)
    tmp = np.empty(n, dtype=np.int64)
    # the words travel with the order, so that every pass reads them in sequence
    w = word.copy()
    w_tmp = np.empty(n, dtype=np.uint64)
    count = np.empty(2049, dtype=np.int64)
    mask = np.uint64(2047)
    for shift in range(0, 64, 11):
        sh = np.uint64(shift)
        count[:] = 0
        for i in range(n):
            count[((w[i] >> sh) & mask) + 1] += 1
        if n == 0 or count.max() == n:  # one digit for all: nothing to move
            continue
        for d in range(2048):
            count[d + 1] += count[d]
        for i in range(n):
            d = (w[i] >> sh) & mask
            at = count[d]
            tmp[at] = order[i]
            w_tmp[at] = w[i]
            count[d] = at + 1
        order, tmp = tmp, order
        w, w_tmp = w_tmp, w
    return order


@njit(cache=True)
def _pool_rows(
    entries, apps, schools, pool_ptr, uptr, members, unit_of, choice_ptr, prio, edge_lot,
    edge_dist, flags, pool_flag, pool_negate, pool_order, order_codes, id_rank, bits,
):  # fmt: skip
    n_pools = pool_ptr[len(pool_ptr) - 1]
    n_rows = 0
    for i in range(len(entries)):
        s = schools[i]
        n_rows += pool_ptr[s + 1] - pool_ptr[s]
    # one sort word per row: the pool in the top bits, then the top bits of the key's
    # one-word prefix; rows with equal words (the same pool) then go by the whole key
    pool_bits = 1
    while (1 << pool_bits) <= n_pools:
        pool_bits += 1
    top = np.uint64(64 - pool_bits)
    shift = np.uint64(pool_bits)
    keys = np.empty((n_rows, 6), dtype=np.uint64)  # pack, k0..k3, own id rank
    word = np.empty(n_rows, dtype=np.uint64)
    app = np.empty(n_rows, dtype=np.int64)
    r = 0
    for i in range(len(entries)):
        e = entries[i]
        a = apps[i]
        j = e - choice_ptr[a]
        u = unit_of[a]
        s = schools[i]
        alone = uptr[u + 1] - uptr[u] == 1
        for p in range(pool_ptr[s], pool_ptr[s + 1]):
            if alone:  # a child on its own: the key written out (faster than the helper)
                k0 = np.uint64(prio[e]) * np.uint64(2)
                f = pool_flag[p]
                if f >= 0 and (flags[a, f] != 0) == pool_negate[p]:
                    k0 += np.uint64(1)
                k2 = edge_lot[e]
                k1 = k2
                if pool_order[p] != ORDER_LOTTERY:
                    k1 = order_value(pool_order[p], e, a, choice_ptr, edge_dist, order_codes)
                k3 = np.uint64(id_rank[a])
            else:
                k0, k1, k2, k3 = unit_key(
                    u, j, p, uptr, members, choice_ptr, prio, edge_lot, edge_dist, flags,
                    pool_flag, pool_negate, pool_order, order_codes, id_rank,
                )  # fmt: skip
            pk = pack_of(k0, k1, bits)
            word[r] = (np.uint64(p) << top) | (pk >> shift)
            keys[r, 0] = pk
            keys[r, 1] = k0
            keys[r, 2] = k1
            keys[r, 3] = k2
            keys[r, 4] = k3
            keys[r, 5] = np.uint64(id_rank[a])
            app[r] = a
            r += 1
    order = _radix_order(word)
    i = 0
    while i < n_rows:
        j = i + 1
        w = word[order[i]]
        while j < n_rows and word[order[j]] == w:
            j += 1
        if j - i > 1:  # the same pool and the same top bits: by the whole key
            _merge_sort(keys, order[i:j])
        i = j
    pool = np.empty(n_rows, dtype=np.int64)
    out = np.empty(n_rows, dtype=np.int64)
    for i in range(n_rows):
        x = order[i]
        pool[i] = np.int64(word[x] >> top)
        out[i] = app[x]
    return pool, out


__all__ = ["Waitlists", "waiting", "waitlists"]
