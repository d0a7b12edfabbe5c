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
made once per round), the pool's record (heap offset and length, seats, flag, order: one
line) and the heap, whose entries hold the prefix next to the child (one line per node).
Nothing else is written while children propose: who holds a seat where is read from the
heaps at the end, as a plain C loop does.

The heap operations are written out in each kernel. Shared as Numba functions (inlined or
called) they made the kernels 1.6 times slower (9.5 to 15 ms on the plain NYC-like round at
80,000 children, 13.7 to 23 ms on the two-pool round: the inlined calls count references to
the arrays they are given, the others are calls in the innermost loop).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from samen.engine.instance import ORDER_DISTANCE, ORDER_LOTTERY
from samen.engine.pools import ORDER_CRITERIA, ORDER_RANK
from samen.engine.priority import less, pack_of

# the child record: uint64[n, 4]
_NXT, _END, _LOT, _FLAGS = range(4)
# the pool record: int64[P, 8] (one cache line); _OFF is the heap's first word
_OFF, _LEN, _SEATS, _PFLAG, _PNEG, _PORD, _SCHOOL = range(7)


@njit(cache=True, inline="always")
def _shift(edge_words):
    """Where the priority group starts in a list entry's word: 16 bits in a 32-bit word,
    32 in a 64-bit one (:attr:`samen.engine.priority.Prepared.edge_words`)."""
    return np.uint64(edge_words.itemsize * 4)


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
    rec, edge_words, edge_lot, cptr, edge_dist, order_codes, rank, prec = ctx
    e = np.int64(rec[t, _NXT]) - 1
    k0 = (np.uint64(edge_words[e]) >> _shift(edge_words)) * np.uint64(2)
    f = prec[p, _PFLAG]
    if f >= 0 and np.int64((rec[t, _FLAGS] >> np.uint64(f)) & np.uint64(1)) == prec[p, _PNEG]:
        k0 += np.uint64(1)
    k2 = rec[t, _LOT] if by_child else edge_lot[e]
    k1 = k2
    if prec[p, _PORD] != ORDER_LOTTERY:
        k1 = order_value(prec[p, _PORD], e, t, cptr, edge_dist, order_codes)
    return k0, k1, k2, np.uint64(rank[t])


@njit(cache=True)
def _beaten_by(t, c, p, by_child, ctx):
    """Whether child ``t`` ranks after child ``c`` at pool ``p`` (for equal prefixes)."""
    t0, t1, t2, t3 = _held_key(t, p, by_child, ctx)
    k0, k1, k2, k3 = _held_key(c, p, by_child, ctx)
    return less(k0, k1, k2, k3, t0, t1, t2, t3)


@njit(cache=True)
def _records(choice_ptr, lot, by_child, flags, pool_ptr, seats, pool_flag, pool_negate,
             pool_order, heap_off):  # fmt: skip
    """The child records and the pool records."""
    n = len(choice_ptr) - 1
    rec = np.empty((n, 4), dtype=np.uint64)
    for c in range(n):
        rec[c, _NXT] = choice_ptr[c]
        rec[c, _END] = choice_ptr[c + 1]
        rec[c, _LOT] = lot[c] if by_child else np.uint64(0)
        bits_c = np.uint64(0)
        for f in range(flags.shape[1]):
            if flags[c, f] != 0:
                bits_c |= np.uint64(1) << np.uint64(f)
        rec[c, _FLAGS] = bits_c
    prec = np.zeros((len(seats), 8), dtype=np.int64)
    for s in range(len(pool_ptr) - 1):
        for p in range(pool_ptr[s], pool_ptr[s + 1]):
            prec[p, _OFF] = 2 * heap_off[p]
            prec[p, _SEATS] = seats[p]
            prec[p, _PFLAG] = pool_flag[p]
            prec[p, _PNEG] = 1 if pool_negate[p] else 0
            prec[p, _PORD] = pool_order[p]
            prec[p, _SCHOOL] = s
    return rec, prec


@njit(cache=True)
def _start(choice_ptr, edge_words, pool_ptr, seats, lot, by_child, edge_lot, edge_dist, flags,
           pool_flag, pool_negate, pool_order, order_codes, id_rank, heap_off):  # fmt: skip
    """What a lean kernel starts from: the round's arrays as ``ctx`` (child records first,
    pool records last), the heaps (two words an entry) and the stack of children still to
    propose, the first child on top."""
    rec, prec = _records(choice_ptr, lot, by_child, flags, pool_ptr, seats, pool_flag,
                         pool_negate, pool_order, heap_off)  # fmt: skip
    ctx = (rec, edge_words, edge_lot, choice_ptr, edge_dist, order_codes, id_rank, prec)
    n = len(choice_ptr) - 1
    stack = np.empty(n, dtype=np.int64)
    for i in range(n):
        stack[i] = n - 1 - i
    return ctx, np.empty(2 * heap_off[-1], dtype=np.uint64), stack


@njit(cache=True)
def _outputs(h, by_child, ctx):
    """Per child its school, pool and list entry; per pool the children held and the worst
    held key (the top of its heap)."""
    rec, prec = ctx[0], ctx[7]
    n, n_pools = len(rec), len(prec)
    school = np.full(n, -1, dtype=np.int32)
    pool = np.full(n, -1, dtype=np.int32)
    edge = np.full(n, -1, dtype=np.int64)
    used = np.empty(n_pools, dtype=np.int64)
    cut = np.zeros((n_pools, 4), dtype=np.uint64)
    for p in range(n_pools):
        off = prec[p, _OFF]
        used[p] = prec[p, _LEN]
        for i in range(used[p]):
            c = np.int64(h[off + 2 * i + 1])
            pool[c] = p
            school[c] = prec[p, _SCHOOL]
            edge[c] = np.int64(rec[c, _NXT]) - 1
        if used[p] > 0:
            k0, k1, k2, k3 = _held_key(np.int64(h[off + 1]), p, by_child, ctx)
            cut[p, 0] = k0
            cut[p, 1] = k1
            cut[p, 2] = k2
            cut[p, 3] = k3
    return school, pool, used, cut, edge


@njit(cache=True)
def lean_kernel(
    choice_ptr, edge_words, active, all_active, pool_ptr, seats, lot, by_child, edge_lot,
    edge_dist, flags, pool_flag, pool_negate, pool_order, order_codes, id_rank, bits, heap_off,
):  # fmt: skip
    """Deferred acceptance; per child its school, pool and list entry (-1 = none), per pool
    the children held and the worst held key.

    Each pool keeps a binary max-heap (worst on top) of entries of two words, the key's
    prefix and the child. A child proposes to the pools of its next school in order; a
    pool with a seat left takes it, a full pool takes it in place of its worst child if it
    ranks before that one, who then goes on to the school's next pool (section 4) and
    otherwise back onto the stack of children still to propose."""
    ctx, h, stack = _start(choice_ptr, edge_words, pool_ptr, seats, lot, by_child, edge_lot,
                           edge_dist, flags, pool_flag, pool_negate, pool_order, order_codes,
                           id_rank, heap_off)  # fmt: skip
    rec, prec = ctx[0], ctx[7]
    wshift = _shift(edge_words)
    wmask = (np.uint64(1) << wshift) - np.uint64(1)
    sp = len(stack)
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
        w = np.uint64(edge_words[e])
        s = np.int64(w & wmask)
        g2 = (w >> wshift) * np.uint64(2)
        if by_child:  # noqa: SIM108 (a branch, not a select that would load both)
            k2 = rec[c, _LOT]
        else:
            k2 = edge_lot[e]
        fl = rec[c, _FLAGS]
        p = pool_ptr[s]
        last_pool = pool_ptr[s + 1]
        while p < last_pool:  # ``c`` in hand at pool ``p`` of school ``s``
            k0 = g2
            f = prec[p, _PFLAG]
            if f >= 0 and np.int64((fl >> np.uint64(f)) & np.uint64(1)) == prec[p, _PNEG]:
                k0 += np.uint64(1)
            k1 = k2
            o = prec[p, _PORD]
            if o != ORDER_LOTTERY:
                k1 = order_value(o, e, c, choice_ptr, edge_dist, order_codes)
            pk = pack_of(k0, k1, bits)
            off = prec[p, _OFF]
            ln = prec[p, _LEN]
            if ln < prec[p, _SEATS]:  # a seat left: sift up from the end
                i = ln
                while i > 0:
                    par = (i - 1) >> 1
                    q = off + 2 * par
                    hq = h[q]
                    if hq > pk or (
                        hq == pk and _beaten_by(np.int64(h[q + 1]), c, p, by_child, ctx)
                    ):
                        break
                    h[off + 2 * i] = hq
                    h[off + 2 * i + 1] = h[q + 1]
                    i = par
                h[off + 2 * i] = pk
                h[off + 2 * i + 1] = c
                prec[p, _LEN] = ln + 1
                c = -1
                break
            if ln > 0 and (
                pk < h[off]
                or (pk == h[off] and _beaten_by(np.int64(h[off + 1]), c, p, by_child, ctx))
            ):  # take the worst's place and sift down
                out = np.int64(h[off + 1])
                i = 0
                while True:
                    k = 2 * i + 1
                    if k >= ln:
                        break
                    q = off + 2 * k
                    if k + 1 < ln and (
                        h[q + 2] > h[q]
                        or (
                            h[q + 2] == h[q]
                            and _beaten_by(np.int64(h[q + 3]), np.int64(h[q + 1]), p, by_child, ctx)
                        )
                    ):
                        k += 1
                        q += 2
                    hq = h[q]
                    if hq < pk or (
                        hq == pk and not _beaten_by(np.int64(h[q + 1]), c, p, by_child, ctx)
                    ):
                        break
                    h[off + 2 * i] = hq
                    h[off + 2 * i + 1] = h[q + 1]
                    i = k
                h[off + 2 * i] = pk
                h[off + 2 * i + 1] = c
                # the pushed-out child goes on to the school's next pool, with its own fields
                c = out
                e = np.int64(rec[c, _NXT]) - 1
                g2 = (np.uint64(edge_words[e]) >> wshift) * np.uint64(2)
                k2 = rec[c, _LOT] if by_child else edge_lot[e]
                fl = rec[c, _FLAGS]
            p += 1
        if c >= 0:  # passed by every pool of the school: propose further down
            stack[sp] = c
            sp += 1

    return _outputs(h, by_child, ctx)


@njit(cache=True)
def one_pool_kernel(choice_ptr, edge_words, pool_ptr, seats, lot, flags, pool_flag, pool_negate,
                    pool_order, edge_lot, edge_dist, order_codes, id_rank, bits, heap_off):  # fmt: skip
    """:func:`lean_kernel` for rounds in which every school has one pool ordered by the
    lottery and every child one number (single tie-breaking, no pledge group): the loop of
    a plain C deferred acceptance.

    A key is then ``(k0, lot, lot, id rank)``; two entries with equal prefixes have the same
    ``k0`` (it fills the prefix's top bits, or is the prefix), so they are ordered by the
    lottery number and the id rank, read from the child's record: no full key is computed
    again."""
    ctx, h, stack = _start(choice_ptr, edge_words, pool_ptr, seats, lot, True, edge_lot,
                           edge_dist, flags, pool_flag, pool_negate, pool_order, order_codes,
                           id_rank, heap_off)  # fmt: skip
    rec, prec = ctx[0], ctx[7]
    top = np.empty(len(seats), dtype=np.uint64)  # the prefix at the top of each heap
    wshift = _shift(edge_words)
    wmask = (np.uint64(1) << wshift) - np.uint64(1)
    sp = len(stack)
    while sp > 0:
        sp -= 1
        c = stack[sp]
        e = np.int64(rec[c, _NXT])
        if e >= np.int64(rec[c, _END]):
            continue
        rec[c, _NXT] = np.uint64(e + 1)
        w = np.uint64(edge_words[e])
        p = np.int64(w & wmask)  # the school's one pool has the school's number
        k0 = (w >> wshift) * np.uint64(2)
        f = prec[p, _PFLAG]
        if f >= 0 and np.int64((rec[c, _FLAGS] >> np.uint64(f)) & np.uint64(1)) == prec[p, _PNEG]:
            k0 += np.uint64(1)
        lc = rec[c, _LOT]
        pk = pack_of(k0, lc, bits)
        off = prec[p, _OFF]
        ln = prec[p, _LEN]
        if ln < prec[p, _SEATS]:  # a seat left: sift up from the end
            i = ln
            while i > 0:
                par = (i - 1) >> 1
                q = off + 2 * par
                hq = h[q]
                if hq > pk:
                    break
                if hq == pk:
                    t = np.int64(h[q + 1])
                    if rec[t, _LOT] > lc or (rec[t, _LOT] == lc and id_rank[t] > id_rank[c]):
                        break
                h[off + 2 * i] = hq
                h[off + 2 * i + 1] = h[q + 1]
                i = par
            h[off + 2 * i] = pk
            h[off + 2 * i + 1] = c
            if i == 0:
                top[p] = pk
            prec[p, _LEN] = ln + 1
            continue
        if ln == 0:
            stack[sp] = c
            sp += 1
            continue
        worst = top[p]  # read without touching the heap: most proposals end here
        if worst < pk:
            stack[sp] = c
            sp += 1
            continue
        out = np.int64(h[off + 1])
        if worst == pk and (
            rec[out, _LOT] < lc or (rec[out, _LOT] == lc and id_rank[out] < id_rank[c])
        ):  # the worst held still ranks before ``c``
            stack[sp] = c
            sp += 1
            continue
        i = 0  # ``c`` takes the worst's place: sift down
        while True:
            k = 2 * i + 1
            if k >= ln:
                break
            q = off + 2 * k
            if k + 1 < ln:
                a, b = h[q + 2], h[q]
                if a > b:
                    k += 1
                    q += 2
                elif a == b:
                    x, y = np.int64(h[q + 3]), np.int64(h[q + 1])
                    if rec[x, _LOT] > rec[y, _LOT] or (
                        rec[x, _LOT] == rec[y, _LOT] and id_rank[x] > id_rank[y]
                    ):
                        k += 1
                        q += 2
            hq = h[q]
            if hq < pk:
                break
            if hq == pk:
                t = np.int64(h[q + 1])
                if rec[t, _LOT] < lc or (rec[t, _LOT] == lc and id_rank[t] < id_rank[c]):
                    break
            h[off + 2 * i] = hq
            h[off + 2 * i + 1] = h[q + 1]
            i = k
        h[off + 2 * i] = pk
        h[off + 2 * i + 1] = c
        top[p] = h[off]
        stack[sp] = out
        sp += 1

    return _outputs(h, True, ctx)
