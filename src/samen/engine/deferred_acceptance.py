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

from samen.engine.outcome import Outcome, expand
from samen.engine.priority import (
    Prepared,
    key_beats,
    key_bits,
    key_heap_pop,
    key_heap_push,
    pack_of,
    unit_key,
)


def deferred_acceptance(prep: Prepared, active: np.ndarray) -> Outcome:
    """Run DA on ``prep``; ``active[e]`` is False for list entries dropped by the pledge
    loop (section 7)."""
    inst = prep.instance
    units = prep.units
    seats = inst.pool_seats
    heap_off = np.zeros(len(seats) + 1, dtype=np.int64)
    np.cumsum(np.maximum(seats, 0) + 1, out=heap_off[1:])
    size = int(heap_off[-1])
    hp = np.zeros(size, dtype=np.uint64)
    hk = np.zeros((size, 4), dtype=np.uint64)
    hu = np.zeros(size, dtype=np.int64)
    unit_school, unit_pool, used, hlen = _da_kernel(
        units.ptr,
        units.members,
        units.lead,
        units.size,
        inst.choice_ptr,
        inst.choices,
        active,
        inst.pool_ptr,
        seats,
        np.ascontiguousarray(inst.priority),
        prep.edge_lot,
        prep.edge_dist,
        np.ascontiguousarray(inst.flags, dtype=np.uint8).reshape(inst.n_applicants, -1),
        inst.pool_flag,
        inst.pool_negate,
        inst.pool_order,
        prep.id_rank,
        key_bits(inst),
        heap_off,
        hp,
        hk,
        hu,
    )
    school, pool = expand(units, unit_school, unit_pool)
    return Outcome(
        school=school,
        pool=pool,
        pool_filled=used,
        pool_overflow=np.maximum(used - seats, 0),
        cut_valid=(hlen > 0) & (used >= seats) & (seats > 0),
        cut_keys=hk[heap_off[:-1]],
    )


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
    pool_flag,
    pool_negate,
    pool_order,
    id_rank,
    bits,
    heap_off,
    hp,
    hk,
    hu,
):
    n_units = len(lead)
    n_pools = len(seats)
    nxt = np.zeros(n_units, dtype=np.int64)  # next list position to propose to
    cur = np.full(n_units, -1, dtype=np.int64)  # pool holding the unit
    used = np.zeros(n_pools, dtype=np.int64)
    hlen = np.zeros(n_pools, dtype=np.int64)
    stack = np.empty(n_units, dtype=np.int64)
    for i in range(n_units):
        stack[i] = n_units - 1 - i
    sp = n_units
    wl_unit = np.empty(n_units + 1, dtype=np.int64)
    wl_pool = np.empty(n_units + 1, dtype=np.int64)

    while sp > 0:
        sp -= 1
        u = stack[sp]
        a = lead[u]
        base = choice_ptr[a]
        length = choice_ptr[a + 1] - base
        j = nxt[u]
        while j < length and not active[base + j]:
            j += 1
        if j >= length:
            nxt[u] = j
            continue
        nxt[u] = j + 1
        s = choices[base + j]
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
                cur[c] = -1
                stack[sp] = c
                sp += 1
                continue
            k0, k1, k2, k3 = unit_key(
                c,
                nxt[c] - 1,
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
                id_rank,
            )
            pk = pack_of(k0, k1, bits)
            off = heap_off[p]
            if used[p] >= seats[p] and (
                hlen[p] == 0 or not key_beats(pk, k0, k1, k2, k3, hp, hk, off)
            ):
                wl_unit[wl] = c  # full, and not better than the worst: next pool
                wl_pool[wl] = p + 1
                wl += 1
                continue
            hlen[p] = key_heap_push(hp, hk, hu, off, hlen[p], pk, k0, k1, k2, k3, c)
            used[p] += size[c]
            cur[c] = p
            # push out the worst while the others still use all seats
            while used[p] - size[hu[off]] >= seats[p]:
                t = hu[off]
                hlen[p] = key_heap_pop(hp, hk, hu, off, hlen[p])
                used[p] -= size[t]
                wl_unit[wl] = t
                wl_pool[wl] = p + 1
                wl += 1

    unit_school = np.full(n_units, -1, dtype=np.int64)
    for u in range(n_units):
        if cur[u] >= 0:
            unit_school[u] = choices[choice_ptr[lead[u]] + nxt[u] - 1]
    return unit_school, cur, used, hlen
