"""Student-proposing deferred acceptance (spec section 8).

Gale, D. and Shapley, L. S. (1962), "College admissions and the stability of marriage",
American Mathematical Monthly 69(1), 9-15; for school choice: Abdulkadiroglu, A. and
Sonmez, T. (2003), "School choice: a mechanism design approach", American Economic Review
93(3), 729-747.

Every unit (a child, or a family block: section 6) proposes to the best school on its list
that has not rejected it; each school holds the units its choice rule (section 5, in
:mod:`samen.engine.priority`) picks from everyone who proposed so far and rejects the rest;
rejected units propose further down. With slot-specific priorities the choice rule is
substitutable and satisfies irrelevance of rejected contracts (Kominers and Sonmez 2016;
Hatfield and Milgrom 2005), so the result is the child-optimal stable matching, does not
depend on the order in which proposals are processed, and (without family blocks, pledge
groups or ``rank`` pools) no child gains by misreporting its list.

The kernel keeps, per pool, a max-heap of the units it holds, keyed by priority tuples it
computes as units arrive (no table of all keys is built). An arriving unit cascades
through the school's pools in precedence order: a full pool passes it on unless it beats
the pool's worst unit; a unit that enters pushes out worst units while the others still
use all seats, and those move on to the next pool. Units passed by the last pool are
rejected. Work per proposal is O(pools x log seats).

Three kernels run it, by what the round needs: this module's for rounds with family blocks
(a block takes several seats at once); :func:`samen.engine.lean.lean_kernel` where every
unit is one child; :func:`samen.engine.lean.one_pool_kernel` where moreover every school has
one pool ordered by the lottery and every child one number, the loop of a plain C deferred
acceptance. All three give the same result (``tests/test_engine_lean.py``).

Example (two children, one seat, one pool ordered by lottery):

>>> from samen.engine.instance import build_instance
>>> from samen.engine.priority import prepare
>>> import numpy as np
>>> inst = build_instance({"a": ["X", "Y"], "b": ["X"]}, {"X": 1, "Y": 1}, seed="s")
>>> prep = prepare(inst)
>>> out = deferred_acceptance(prep, np.ones(len(inst.choices), dtype=bool))
>>> sorted(inst.school_ids[s] for s in out.school)  # one child at X, one at Y
['X', 'Y']
"""

from __future__ import annotations

import numpy as np
from numba import njit

from samen.engine.instance import ORDER_DISTANCE, ORDER_LOTTERY
from samen.engine.lean import lean_kernel, one_pool_kernel
from samen.engine.outcome import Outcome, expand
from samen.engine.pools import ORDER_CRITERIA, ORDER_RANK
from samen.engine.priority import (
    HEAP_ROW,
    Prepared,
    key_bits,
    pack_of,
    row_beats,
    row_heap_pop,
    row_heap_push,
    unit_key,
)

#: flags a child record can carry as bits; rounds with more use the general key path
_FLAG_BITS = 62
_NO_NUMBERS = np.zeros(0, dtype=np.uint64)


def _one_lottery_pool_per_school(prep: Prepared) -> bool:
    """Whether every school has exactly one pool, ordered by the lottery (the round of
    :func:`samen.engine.lean.one_pool_kernel`)."""
    inst = prep.instance
    return inst.n_pools == inst.n_schools and bool(
        (np.diff(inst.pool_ptr) == 1).all() and (prep.pool_order == ORDER_LOTTERY).all()
    )


def deferred_acceptance(prep: Prepared, active: np.ndarray) -> Outcome:
    """Run DA on ``prep``; ``active[e]`` is False for list entries dropped by the pledge
    loop (section 7)."""
    inst = prep.instance
    units = prep.units
    seats = inst.pool_seats
    heap_off = np.zeros(len(seats) + 1, dtype=np.int64)
    np.cumsum(np.maximum(seats, 0) + 1, out=heap_off[1:])
    flags = prep.flags
    if units.count == inst.n_applicants and flags.shape[1] <= _FLAG_BITS:
        act = np.ascontiguousarray(active, dtype=np.bool_)
        # one number per child (single tie-breaking, no pledge group): read it by child,
        # which the proposal loop finds next to the child's other fields in the cache
        by_child = inst.tie_breaking == "single" and not (np.asarray(inst.pledge) >= 0).any()
        all_active = active is prep.__dict__.get("all_entries_active") or bool(act.all())
        # the numbers by list entry are read only when not by child, the distances only in
        # pools ordered by them (neither is made otherwise)
        edge_lot = _NO_NUMBERS if by_child else prep.edge_lot
        by_distance = bool((prep.pool_order == ORDER_DISTANCE).any())
        edge_dist = prep.edge_dist if by_distance else _NO_NUMBERS
        if by_child and all_active and _one_lottery_pool_per_school(prep):
            school, pool, used, cut, edge = one_pool_kernel(
                inst.choice_ptr, prep.edge_words, inst.pool_ptr, seats, prep.single_lot, flags,
                prep.pool_flag, inst.pool_negate, prep.pool_order, edge_lot,
                edge_dist, prep.order_codes, prep.id_rank, key_bits(prep), heap_off,
            )  # fmt: skip
        else:
            school, pool, used, cut, edge = lean_kernel(
                inst.choice_ptr, prep.edge_words, act, all_active, inst.pool_ptr, seats,
                prep.single_lot, by_child, edge_lot, edge_dist, flags, prep.pool_flag,
                inst.pool_negate, prep.pool_order, prep.order_codes, prep.id_rank,
                key_bits(prep), heap_off,
            )  # fmt: skip
        return Outcome(
            edge=edge,
            school=school,
            pool=pool,
            pool_filled=used,
            pool_overflow=np.zeros(len(seats), dtype=np.int64),
            cut_valid=(used > 0) & (used >= seats) & (seats > 0),
            cut_keys=cut,
        )
    heap = np.zeros((int(heap_off[-1]), HEAP_ROW), dtype=np.uint64)
    unit_school, unit_pool, used, hlen = _da_kernel(
        units.ptr,
        units.members,
        units.lead,
        units.size,
        inst.choice_ptr,
        inst.choices,
        np.ascontiguousarray(active, dtype=np.bool_),
        inst.pool_ptr,
        seats,
        prep.group,
        prep.edge_lot,
        prep.edge_dist,
        flags,
        flags.shape[1] <= _FLAG_BITS,
        prep.pool_flag,
        inst.pool_negate,
        prep.pool_order,
        prep.order_codes,
        prep.id_rank,
        key_bits(prep),
        heap_off,
        heap,
    )
    school, pool = expand(units, unit_school, unit_pool)
    return Outcome(
        school=school,
        pool=pool,
        pool_filled=used,
        pool_overflow=np.maximum(used - seats, 0),
        cut_valid=(hlen > 0) & (used >= seats) & (seats > 0),
        cut_keys=np.ascontiguousarray(heap[heap_off[:-1], 1:5]),
    )


# Column numbers of the kernel's records. Each record is one row of a 2-D array, so that
# the fields one proposal reads sit in one cache line instead of one per array.
# unit record (int64[U, 8])
_BASE, _LEN, _NXT, _CUR, _SIZE, _RANK, _FLAGS, _ALONE = range(8)
# pool record (int64[P, 8])
_OFF, _USED, _SEATS, _HLEN, _PFLAG, _PNEG, _ORDER = range(7)
# list entry record (uint64[E, 2]): word 0 = school | group << 32 | active << 63; word 1 = lot
_ACTIVE = np.uint64(1) << np.uint64(63)


@njit(cache=True)
def _records(
    uptr, members, lead, size, choice_ptr, choices, active, prio, edge_lot, flags,
    flag_bits, pool_ptr, seats, pool_flag, pool_negate, pool_order, id_rank, heap_off,
):  # fmt: skip
    n_units = len(lead)
    ur = np.zeros((n_units, 8), dtype=np.int64)
    for u in range(n_units):
        a = lead[u]
        ur[u, _BASE] = choice_ptr[a]
        ur[u, _LEN] = choice_ptr[a + 1] - choice_ptr[a]
        ur[u, _CUR] = -1
        ur[u, _SIZE] = size[u]
        ur[u, _RANK] = id_rank[a]
        bits = 0
        if flag_bits:
            for f in range(flags.shape[1]):
                if flags[a, f] != 0:
                    bits |= 1 << f
        ur[u, _FLAGS] = bits
        ur[u, _ALONE] = 1 if (flag_bits and uptr[u + 1] - uptr[u] == 1) else 0
    n_edges = len(choices)
    er = np.empty((n_edges, 2), dtype=np.uint64)
    for e in range(n_edges):
        w = np.uint64(choices[e]) | (np.uint64(prio[e]) << np.uint64(32))
        if active[e]:
            w |= _ACTIVE
        er[e, 0] = w
        er[e, 1] = edge_lot[e]
    n_pools = len(seats)
    pr = np.zeros((n_pools, 8), dtype=np.int64)
    for p in range(n_pools):
        pr[p, _OFF] = heap_off[p]
        pr[p, _SEATS] = seats[p]
        pr[p, _PFLAG] = pool_flag[p]
        pr[p, _PNEG] = 1 if pool_negate[p] else 0
        pr[p, _ORDER] = pool_order[p]
    return ur, er, pr


@njit(cache=True)
def _da_kernel(
    uptr,
    members,
    lead,
    size,
    choice_ptr,
    choices,
    active,
    pool_ptr,
    seats,
    prio,
    edge_lot,
    edge_dist,
    flags,
    flag_bits,
    pool_flag,
    pool_negate,
    pool_order,
    order_codes,
    id_rank,
    bits,
    heap_off,
    heap,
):
    ur, er, pr = _records(
        uptr, members, lead, size, choice_ptr, choices, active, prio, edge_lot, flags,
        flag_bits, pool_ptr, seats, pool_flag, pool_negate, pool_order, id_rank, heap_off,
    )  # fmt: skip
    n_units = len(lead)
    stack = np.empty(n_units, dtype=np.int64)
    for i in range(n_units):
        stack[i] = n_units - 1 - i
    sp = n_units
    wl_unit = np.empty(n_units + 1, dtype=np.int64)
    wl_pool = np.empty(n_units + 1, dtype=np.int64)
    m32 = np.uint64(0xFFFFFFFF)
    m31 = np.uint64(0x7FFFFFFF)  # the group, below the active bit

    while sp > 0:
        sp -= 1
        u = stack[sp]
        base = ur[u, _BASE]
        length = ur[u, _LEN]
        j = ur[u, _NXT]
        while j < length and not (er[base + j, 0] & _ACTIVE):
            j += 1
        if j >= length:
            ur[u, _NXT] = j
            continue
        ur[u, _NXT] = j + 1
        s = np.int64(er[base + j, 0] & m32)
        first_pool = pool_ptr[s]
        last_pool = pool_ptr[s + 1]
        wl = 1
        wl_unit[0] = u
        wl_pool[0] = first_pool
        while wl > 0:
            wl -= 1
            c = wl_unit[wl]
            p = wl_pool[wl]
            if p == last_pool:  # rejected by the school: propose further down
                ur[c, _CUR] = -1
                stack[sp] = c
                sp += 1
                continue
            jc = ur[c, _NXT] - 1
            if ur[c, _ALONE]:  # a child on its own: everything from the two records
                e = ur[c, _BASE] + jc
                f = pr[p, _PFLAG]
                unfav = 0
                if f >= 0 and ((ur[c, _FLAGS] >> f) & 1) == pr[p, _PNEG]:
                    unfav = 1
                k0 = ((er[e, 0] >> np.uint64(32)) & m31) * np.uint64(2) + np.uint64(unfav)
                k2 = er[e, 1]
                o = pr[p, _ORDER]
                if o == ORDER_LOTTERY:
                    k1 = k2
                elif o == ORDER_DISTANCE:
                    k1 = edge_dist[e]
                elif o == ORDER_RANK:
                    k1 = np.uint64(jc + 1)
                else:
                    k1 = order_codes[e, o - ORDER_CRITERIA]
                k3 = np.uint64(ur[c, _RANK])
            else:
                k0, k1, k2, k3 = unit_key(
                    c,
                    jc,
                    p,
                    uptr,
                    members,
                    choice_ptr,
                    prio,
                    edge_lot,
                    edge_dist,
                    flags,
                    pool_flag,
                    pool_negate,
                    pool_order,
                    order_codes,
                    id_rank,
                )
            pk = pack_of(k0, k1, bits)
            off = pr[p, _OFF]
            if pr[p, _USED] >= pr[p, _SEATS] and (
                pr[p, _HLEN] == 0 or not row_beats(pk, k0, k1, k2, k3, heap, off)
            ):
                wl_unit[wl] = c  # full, and not better than the worst: next pool
                wl_pool[wl] = p + 1
                wl += 1
                continue
            pr[p, _HLEN] = row_heap_push(heap, off, pr[p, _HLEN], pk, k0, k1, k2, k3, c)
            pr[p, _USED] += ur[c, _SIZE]
            ur[c, _CUR] = p
            # push out the worst while the others still use all seats
            while True:
                t = np.int64(heap[off, 5])
                if pr[p, _USED] - ur[t, _SIZE] < pr[p, _SEATS]:
                    break
                pr[p, _HLEN] = row_heap_pop(heap, off, pr[p, _HLEN])
                pr[p, _USED] -= ur[t, _SIZE]
                wl_unit[wl] = t
                wl_pool[wl] = p + 1
                wl += 1

    unit_school = np.full(n_units, -1, dtype=np.int64)
    unit_pool = np.empty(n_units, dtype=np.int64)
    for u in range(n_units):
        unit_pool[u] = ur[u, _CUR]
        if ur[u, _CUR] >= 0:
            unit_school[u] = choices[ur[u, _BASE] + ur[u, _NXT] - 1]
    return unit_school, unit_pool, pr[:, _USED].copy(), pr[:, _HLEN].copy()
