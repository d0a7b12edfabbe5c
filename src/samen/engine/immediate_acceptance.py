"""Immediate acceptance, the "Boston mechanism" (spec section 8).

Abdulkadiroglu, A. and Sonmez, T. (2003), "School choice: a mechanism design approach",
American Economic Review 93(3), 729-747, section 4 ("Boston student assignment
mechanism"); its incentives: Ergin, H. and Sonmez, T. (2006), "Games of school choice
under the Boston mechanism", Journal of Public Economics 90(1-2), 215-237.

In step k every unit (child or family block) that is still unassigned applies to the k-th
choice on its list (the list without targets of failed pledge groups: decision 7 of
``docs/decisions.md``). Each school fills its pools' *remaining* seats from that step's
applicants by the choice rule of section 5 (pools in precedence order, a pool with a seat
left takes a whole block); assignments are final. The mechanism is not strategy-proof:
ranking an over-demanded school first can cost a child its safe second choice.

>>> from samen.engine.instance import build_instance
>>> from samen.engine.priority import prepare
>>> import numpy as np
>>> inst = build_instance({"a": ["X", "Y"], "b": ["Y"]}, {"X": 0, "Y": 1}, seed="s")
>>> out = immediate_acceptance(prepare(inst), np.ones(3, dtype=bool))
>>> [inst.school_ids[s] if s >= 0 else None for s in out.school]  # b took Y in step 1
[None, 'Y']
"""

from __future__ import annotations

import numpy as np
from numba import njit

from samen.engine.outcome import Outcome, expand
from samen.engine.priority import (
    Prepared,
    beats,
    heap_pop,
    heap_push,
    heap_storage,
    worst_admitted,
)


def immediate_acceptance(prep: Prepared, active: np.ndarray) -> Outcome:
    """Run the Boston mechanism on ``prep`` with the list entries ``active``."""
    inst = prep.instance
    units = prep.units
    seats = inst.pool_seats
    heap_off, hp, hx, hu = heap_storage(seats)
    unit_school, unit_pool, used = _ia_kernel(
        prep.unit_pack,
        prep.unit_keys,
        prep.pair_ptr,
        units.lead,
        units.size,
        inst.choice_ptr,
        inst.choices,
        active,
        inst.pool_ptr,
        seats,
        heap_off,
        hp,
        hx,
        hu,
    )
    school, pool = expand(units, unit_school, unit_pool)
    has_any, cut_keys = worst_admitted(prep, units, school, pool)
    return Outcome(
        school=school,
        pool=pool,
        pool_filled=used,
        pool_overflow=np.maximum(used - seats, 0),
        cut_valid=has_any & (used >= seats) & (seats > 0),
        cut_keys=cut_keys,
    )


@njit(cache=True)
def _ia_kernel(
    pack,
    keys,
    pair_ptr,
    lead,
    size,
    choice_ptr,
    choices,
    active,
    pool_ptr,
    seats,
    heap_off,
    hp,
    hx,
    hu,
):
    n_units = len(lead)
    n_schools = len(pool_ptr) - 1
    n_pools = len(seats)
    nxt = np.zeros(n_units, dtype=np.int64)
    pos = np.full(n_units, -1, dtype=np.int64)  # list entry applied to in this step
    unit_school = np.full(n_units, -1, dtype=np.int64)
    unit_pool = np.full(n_units, -1, dtype=np.int64)
    used = np.zeros(n_pools, dtype=np.int64)
    hlen = np.zeros(n_pools, dtype=np.int64)
    tmp_used = np.zeros(n_pools, dtype=np.int64)
    waiting = np.empty(n_units, dtype=np.int64)  # unassigned units with choices left
    for u in range(n_units):
        waiting[u] = u
    n_wait = n_units
    count = np.zeros(n_schools + 1, dtype=np.int64)
    by_school = np.empty(n_units, dtype=np.int64)
    wl_unit = np.empty(n_units + 1, dtype=np.int64)
    wl_pool = np.empty(n_units + 1, dtype=np.int64)
    app_school = np.empty(n_units, dtype=np.int64)

    while n_wait > 0:
        # Everyone still waiting applies to the next choice on its list.
        count[:] = 0
        n_app = 0
        for i in range(n_wait):
            u = waiting[i]
            a = lead[u]
            base = choice_ptr[a]
            length = choice_ptr[a + 1] - base
            j = nxt[u]
            while j < length and not active[base + j]:
                j += 1
            nxt[u] = j + 1
            if j >= length:
                continue
            pos[u] = base + j
            s = choices[base + j]
            app_school[u] = s
            count[s + 1] += 1
            waiting[n_app] = u
            n_app += 1
        if n_app == 0:
            break
        for s in range(n_schools):
            count[s + 1] += count[s]
        fill = count[:-1].copy()
        for i in range(n_app):
            u = waiting[i]
            s = app_school[u]
            by_school[fill[s]] = u
            fill[s] += 1

        n_wait = 0
        for s in range(n_schools):
            lo = count[s]
            hi = count[s + 1]
            if lo == hi:
                continue
            p0 = pool_ptr[s]
            p1 = pool_ptr[s + 1]
            for p in range(p0, p1):
                hlen[p] = 0
                tmp_used[p] = 0
            for i in range(lo, hi):
                wl = 1
                wl_unit[0] = by_school[i]
                wl_pool[0] = p0
                while wl > 0:
                    wl -= 1
                    c = wl_unit[wl]
                    p = wl_pool[wl]
                    if p == p1:
                        waiting[n_wait] = c  # rejected: next step, next choice
                        n_wait += 1
                        continue
                    room = seats[p] - used[p]  # the pool's remaining seats
                    x = pair_ptr[pos[c]] + p - p0
                    off = heap_off[p]
                    if tmp_used[p] >= room and (
                        hlen[p] == 0 or not beats(pack, keys, x, hp, hx, off)
                    ):
                        wl_unit[wl] = c
                        wl_pool[wl] = p + 1
                        wl += 1
                        continue
                    hlen[p] = heap_push(hp, hx, hu, off, hlen[p], pack, keys, x, c)
                    tmp_used[p] += size[c]
                    while tmp_used[p] - size[hu[off]] >= room:
                        t = hu[off]
                        hlen[p] = heap_pop(hp, hx, hu, off, hlen[p], keys)
                        tmp_used[p] -= size[t]
                        wl_unit[wl] = t
                        wl_pool[wl] = p + 1
                        wl += 1
            # This step's intake is final.
            for p in range(p0, p1):
                off = heap_off[p]
                for i in range(hlen[p]):
                    t = hu[off + i]
                    unit_school[t] = s
                    unit_pool[t] = p
                used[p] += tmp_used[p]
                hlen[p] = 0
    return unit_school, unit_pool, used
