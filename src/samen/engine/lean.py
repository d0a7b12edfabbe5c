"""The lean deferred-acceptance kernel: rounds in which every unit is a child on its own.

Most rounds have no family blocks. Then every unit uses one seat, a full pool that admits a
child pushes out exactly its worst one, and a heap entry needs only the one-word prefix of
the child's key (:func:`samen.engine.priority.pack_of`) and the child: 16 bytes. When two
prefixes are equal (rare with the lottery, common with ``rank``) the full keys are computed
again from the round's arrays, so the order is exactly that of the wide kernel of
:mod:`samen.engine.deferred_acceptance` (``tests/test_engine_lean.py`` checks it).

What one proposal reads is laid out to touch few cache lines: the child's record (next list
entry, end of its list, lottery number where it has one, flags: 32 bytes), one word per
list entry (school and priority group, :attr:`samen.engine.priority.Prepared.edge_words`,
made once per round), the pool's entries in small arrays, and its heap.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from samen.engine.instance import ORDER_DISTANCE, ORDER_LOTTERY
from samen.engine.pools import ORDER_CRITERIA, ORDER_RANK
from samen.engine.priority import less, pack_of

_M32 = np.uint64(0xFFFFFFFF)
# the child record: uint64[n, 4]
_NXT, _END, _LOT, _FLAGS = range(4)


@njit(cache=True)
def order_value(o, e, c, cptr, edge_dist, order_codes):
    """Item 3 of the key of child ``c`` at list entry ``e`` in a pool not ordered by the
    lottery (a call: written into the proposal loop it slows the loop down)."""
    if o == ORDER_DISTANCE:
        return edge_dist[e]
    if o == ORDER_RANK:
        return np.uint64(e - cptr[c] + 1)
    return order_codes[e, o - ORDER_CRITERIA]


@njit(cache=True)
def _held_key(t, p, by_child, ctx):
    """The full key of child ``t`` at pool ``p`` of its current choice; ``ctx`` holds the
    round's arrays (see :func:`lean_kernel`)."""
    rec, edge_words, edge_lot, cptr, edge_dist, order_codes, rank, pool_flag, pneg, porder = ctx
    e = np.int64(rec[t, _NXT]) - 1
    k0 = (edge_words[e] >> np.uint64(32)) * np.uint64(2)
    f = pool_flag[p]
    if f >= 0 and np.int64((rec[t, _FLAGS] >> np.uint64(f)) & np.uint64(1)) == pneg[p]:
        k0 += np.uint64(1)
    k2 = rec[t, _LOT] if by_child else edge_lot[e]
    k1 = k2
    if porder[p] != ORDER_LOTTERY:
        k1 = order_value(porder[p], e, t, cptr, edge_dist, order_codes)
    return k0, k1, k2, np.uint64(rank[t])


@njit(cache=True)
def _after(x, y, p, hk, hu, by_child, ctx):
    """Whether the child of heap entry ``x`` ranks after that of entry ``y`` (equal prefixes)."""
    a0, a1, a2, a3 = _held_key(hu[x], p, by_child, ctx)
    b0, b1, b2, b3 = _held_key(hu[y], p, by_child, ctx)
    return less(b0, b1, b2, b3, a0, a1, a2, a3)


@njit(cache=True)
def _beaten_by(t, c, p, by_child, ctx):
    """Whether held child ``t`` ranks after child ``c`` at pool ``p`` (equal prefixes)."""
    t0, t1, t2, t3 = _held_key(t, p, by_child, ctx)
    k0, k1, k2, k3 = _held_key(c, p, by_child, ctx)
    return less(k0, k1, k2, k3, t0, t1, t2, t3)


@njit(cache=True)
def _records(choice_ptr, lot, by_child, flags, pool_negate):
    """The child records and the pools' ``negate`` as 0/1."""
    n = len(choice_ptr) - 1
    rec = np.zeros((n, 4), dtype=np.uint64)
    for c in range(n):
        rec[c, _NXT] = choice_ptr[c]
        rec[c, _END] = choice_ptr[c + 1]
        if by_child:
            rec[c, _LOT] = lot[c]
        bits_c = np.uint64(0)
        for f in range(flags.shape[1]):
            if flags[c, f] != 0:
                bits_c |= np.uint64(1) << np.uint64(f)
        rec[c, _FLAGS] = bits_c
    pneg = np.zeros(len(pool_negate), dtype=np.int64)
    for p in range(len(pool_negate)):
        pneg[p] = 1 if pool_negate[p] else 0
    return rec, pneg


@njit(cache=True)
def _outputs(cur, hu, hlen, heap_off, by_child, ctx):
    """Per child its school, pool and list entry; per pool the worst held key."""
    rec, edge_words = ctx[0], ctx[1]
    n_pools = len(hlen)
    cut = np.zeros((n_pools, 4), dtype=np.uint64)
    for p in range(n_pools):
        if hlen[p] > 0:
            k0, k1, k2, k3 = _held_key(hu[heap_off[p]], p, by_child, ctx)
            cut[p, 0] = k0
            cut[p, 1] = k1
            cut[p, 2] = k2
            cut[p, 3] = k3
    n = len(cur)
    school = np.full(n, -1, dtype=np.int32)
    pool = np.empty(n, dtype=np.int32)
    edge = np.full(n, -1, dtype=np.int64)
    for c in range(n):
        pool[c] = cur[c]
        if cur[c] >= 0:
            edge[c] = np.int64(rec[c, _NXT]) - 1
            school[c] = np.int32(edge_words[edge[c]] & _M32)
    return school, pool, hlen, cut, edge


@njit(cache=True)
def lean_kernel(
    choice_ptr, edge_words, active, all_active, pool_ptr, seats, lot, by_child, edge_lot,
    edge_dist, flags, pool_flag, pool_negate, pool_order, order_codes, id_rank, bits, heap_off,
):  # fmt: skip
    """Deferred acceptance; per child its school, pool and list entry (-1 = none), per pool
    the children held and the worst held key."""
    n = len(choice_ptr) - 1
    n_pools = len(seats)
    rec, pneg = _records(choice_ptr, lot, by_child, flags, pool_negate)
    ctx = (rec, edge_words, edge_lot, choice_ptr, edge_dist, order_codes, id_rank, pool_flag, pneg,
           pool_order)  # fmt: skip
    hk = np.empty(heap_off[-1], dtype=np.uint64)
    hu = np.empty(heap_off[-1], dtype=np.int64)
    hlen = np.zeros(n_pools, dtype=np.int64)
    cur = np.full(n, -1, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    for i in range(n):
        stack[i] = n - 1 - i
    sp = n
    while sp > 0:
        sp -= 1
        c = stack[sp]
        e = np.int64(rec[c, _NXT])
        end = np.int64(rec[c, _END])
        if not all_active:
            while e < end and not active[e]:
                e += 1
        if e >= end:
            rec[c, _NXT] = np.uint64(e)
            continue
        rec[c, _NXT] = np.uint64(e + 1)
        w = edge_words[e]
        s = np.int64(w & _M32)
        g2 = (w >> np.uint64(32)) * np.uint64(2)
        if by_child:  # noqa: SIM108 (a branch, not a select that would load both)
            k2 = rec[c, _LOT]
        else:
            k2 = edge_lot[e]
        fl = rec[c, _FLAGS]
        p = pool_ptr[s]
        last_pool = pool_ptr[s + 1]
        moved = False
        while p < last_pool:  # ``c`` in hand at pool ``p`` of school ``s``
            if moved:  # a child pushed out of the pool before: its own fields
                e = np.int64(rec[c, _NXT]) - 1
                g2 = (edge_words[e] >> np.uint64(32)) * np.uint64(2)
                k2 = rec[c, _LOT] if by_child else edge_lot[e]
                fl = rec[c, _FLAGS]
                moved = False
            k0 = g2
            f = pool_flag[p]
            if f >= 0 and np.int64((fl >> np.uint64(f)) & np.uint64(1)) == pneg[p]:
                k0 += np.uint64(1)
            k1 = k2
            if pool_order[p] != ORDER_LOTTERY:
                k1 = order_value(pool_order[p], e, c, choice_ptr, edge_dist, order_codes)
            pk = pack_of(k0, k1, bits)
            off = heap_off[p]
            ln = hlen[p]
            if ln < seats[p]:  # a seat left: sift up from the end
                i = ln
                while i > 0:
                    q = off + ((i - 1) >> 1)
                    if hk[q] > pk or (hk[q] == pk and _beaten_by(hu[q], c, p, by_child, ctx)):
                        break
                    hk[off + i] = hk[q]
                    hu[off + i] = hu[q]
                    i = (i - 1) >> 1
                hk[off + i] = pk
                hu[off + i] = c
                hlen[p] = ln + 1
                cur[c] = p
                c = -1
                break
            if ln > 0 and (
                pk < hk[off] or (pk == hk[off] and _beaten_by(hu[off], c, p, by_child, ctx))
            ):  # take the worst's place and sift down
                out = hu[off]
                i = 0
                while True:
                    k = 2 * i + 1
                    if k >= ln:
                        break
                    q = off + k
                    if k + 1 < ln and (
                        hk[q + 1] > hk[q]
                        or (hk[q + 1] == hk[q] and _after(q + 1, q, p, hk, hu, by_child, ctx))
                    ):
                        k += 1
                        q += 1
                    if hk[q] < pk or (hk[q] == pk and not _beaten_by(hu[q], c, p, by_child, ctx)):
                        break
                    hk[off + i] = hk[q]
                    hu[off + i] = hu[q]
                    i = k
                hk[off + i] = pk
                hu[off + i] = c
                cur[c] = p
                c = out  # the pushed-out child moves on to the next pool
                moved = True
            p += 1
        if c >= 0:  # passed by every pool of the school: propose further down
            cur[c] = -1
            stack[sp] = c
            sp += 1

    return _outputs(cur, hu, hlen, heap_off, by_child, ctx)
