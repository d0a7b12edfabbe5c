"""Top trading cycles for school choice (spec section 8).

Abdulkadiroglu, A. and Sonmez, T. (2003), "School choice: a mechanism design approach",
American Economic Review 93(3), 729-747, section 3 (after Shapley and Scarf 1974, "On cores
and indivisibility", Journal of Mathematical Economics 1(1)).

Each remaining school with a seat left points to the best remaining child, among those that
listed it, for its first pool (in precedence order) with a seat left; each remaining child
points to the school it prefers most among those on its list with a seat left, and leaves
unassigned when there is none. Every child in a cycle gets the school it points to, using a
seat of the pool that school pointed for. This repeats until no child remains. The result
is Pareto efficient and strategy-proof for the children, and does not depend on the order
in which cycles are cleared (a cycle stays a cycle until it is cleared), so the kernel
clears them one at a time while walking the pointer graph depth-first.

Family blocks are dissolved into single children who keep the shared lottery number
(``docs/decisions.md``, decision 8).

>>> from samen.engine.instance import build_instance
>>> from samen.engine.priority import prepare
>>> import numpy as np
>>> # a has priority at Y, b at X, each prefers the other's school: they trade.
>>> inst = build_instance({"a": ["X", "Y"], "b": ["Y", "X"]}, {"X": 1, "Y": 1},
...                       priority_groups=["sibling"],
...                       priorities={("a", "Y"): "sibling", ("b", "X"): "sibling"})
>>> out = top_trading_cycles(prepare(inst), np.ones(4, dtype=bool))
>>> [inst.school_ids[s] for s in out.school]
['X', 'Y']
"""

from __future__ import annotations

import numpy as np
from numba import njit

from samen.engine.families import dissolve
from samen.engine.instance import ORDER_LOTTERY
from samen.engine.outcome import Outcome
from samen.engine.priority import Prepared, less, unit_key


def top_trading_cycles(prep: Prepared, active: np.ndarray) -> Outcome:
    """Run TTC on ``prep`` with the list entries ``active``."""
    inst = prep.instance
    n_pools = inst.n_pools
    active = np.ascontiguousarray(active, dtype=np.bool_)
    list_ptr, list_app = _pool_lists(prep, active)
    school_of, pool_of, used, edge_of = _ttc_kernel(
        inst.choice_ptr,
        inst.choices,
        active,
        inst.pool_ptr,
        inst.pool_seats,
        list_ptr,
        list_app,
    )
    seats = inst.pool_seats
    singles = dissolve(prep.units)
    has_any, cut_keys = _worst_children(
        pool_of, edge_of, singles.ptr, singles.members, inst.choice_ptr, prep.group,
        prep.edge_lot, prep.edge_dist,
        prep.flags, prep.pool_flag, inst.pool_negate, prep.pool_order, prep.order_codes,
        prep.id_rank, n_pools,
    )  # fmt: skip
    return Outcome(
        school=school_of.astype(np.int32),
        pool=pool_of.astype(np.int32),
        pool_filled=used,
        pool_overflow=np.zeros(n_pools, dtype=np.int64),
        cut_valid=has_any & (used >= seats) & (seats > 0),
        cut_keys=cut_keys,
        edge=edge_of,
    )


def _pool_lists(prep: Prepared, active: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pool, the children who listed its school (``active`` entries), best first:
    ``list_app[list_ptr[p]:list_ptr[p + 1]]``.

    Where every pool is ordered by the lottery and every child has one number (single
    tie-breaking, no pledge group), a child's key at a pool is (group and favoured flag, its
    number, its id rank): the children are put in the order of (number, id rank) once and
    dealt into per-(pool, group, flag) buckets in that order, in linear time. Otherwise the
    keys of all (entry, pool) pairs are sorted."""
    inst = prep.instance
    n_pools = inst.n_pools
    by_child = inst.tie_breaking == "single" and not (np.asarray(inst.pledge) >= 0).any()
    if by_child and (np.asarray(prep.pool_order) == ORDER_LOTTERY).all():
        order = np.lexsort((prep.id_rank, prep.single_lot)).astype(np.int64)
        levels = 2 * (int(prep.group.max()) + 1) if len(prep.group) else 2
        return _deal(
            order, inst.choice_ptr, inst.choices, active, inst.pool_ptr, prep.group,
            prep.flags, prep.pool_flag, inst.pool_negate, levels, n_pools,
        )  # fmt: skip
    return _sorted_lists(prep, active)


def _sorted_lists(prep: Prepared, active: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_pool_lists` by sorting the keys of every (entry, pool) pair (any ordering)."""
    inst = prep.instance
    n_pools = inst.n_pools
    edges = np.flatnonzero(active)
    school = inst.choices[edges]
    npools = np.diff(inst.pool_ptr)[school]
    pair_edge = np.repeat(edges, npools)
    first = np.repeat(inst.pool_ptr[:-1][school], npools)
    within = np.arange(len(pair_edge)) - np.repeat(np.cumsum(npools) - npools, npools)
    pair_pool = (first + within).astype(np.int64)
    keys = prep.child_keys[prep.pair_ptr[pair_edge] + within]
    order = np.lexsort((keys[:, 3], keys[:, 2], keys[:, 1], keys[:, 0], pair_pool))
    list_ptr = np.zeros(n_pools + 1, dtype=np.int64)
    np.cumsum(np.bincount(pair_pool, minlength=n_pools), out=list_ptr[1:])
    edge_app = np.repeat(np.arange(inst.n_applicants, dtype=np.int64), np.diff(inst.choice_ptr))
    return list_ptr, edge_app[pair_edge[order]]


@njit(cache=True)
def _deal(order, choice_ptr, choices, active, pool_ptr, prio, flags, pool_flag, pool_negate,
          levels, n_pools):  # fmt: skip
    """Counting sort of the (child, pool) pairs by (pool, 2 * group + unfavoured), children
    taken in ``order``: within a bucket they keep that order."""
    nb = n_pools * levels
    count = np.zeros(nb + 1, dtype=np.int64)
    for pass_ in range(2):
        if pass_ == 1:
            for b in range(nb):  # bucket starts
                count[b + 1] += count[b]
            out = np.empty(count[nb], dtype=np.int64)
        else:
            out = np.empty(0, dtype=np.int64)
        for c in order:
            for e in range(choice_ptr[c], choice_ptr[c + 1]):
                if not active[e]:
                    continue
                s = choices[e]
                for p in range(pool_ptr[s], pool_ptr[s + 1]):
                    f = pool_flag[p]
                    unfav = 0
                    if f >= 0 and (flags[c, f] != 0) == pool_negate[p]:
                        unfav = 1
                    b = p * levels + 2 * prio[e] + unfav
                    if pass_ == 0:
                        count[b + 1] += 1
                    else:
                        out[count[b]] = c
                        count[b] += 1
    # after the second pass count[b] is the end of bucket b = the start of bucket b + 1
    list_ptr = np.zeros(n_pools + 1, dtype=np.int64)
    for p in range(n_pools):
        list_ptr[p + 1] = count[(p + 1) * levels - 1]
    return list_ptr, out


@njit(cache=True)
def _worst_children(pool_of, edge_of, uptr, members, choice_ptr, prio, edge_lot, edge_dist, flags,
                    pool_flag, pool_negate, pool_order, order_codes, id_rank, n_pools):  # fmt: skip
    """Per pool, whether a child was admitted and the worst key among its children (each
    child's own key at the list entry of its school; ``uptr`` and ``members``: every child
    its own unit)."""
    has = np.zeros(n_pools, dtype=np.bool_)
    out = np.zeros((n_pools, 4), dtype=np.uint64)
    for c in range(len(pool_of)):
        p = pool_of[c]
        if p < 0:
            continue
        k0, k1, k2, k3 = unit_key(
            c, edge_of[c] - choice_ptr[c], p, uptr, members, choice_ptr, prio, edge_lot,
            edge_dist, flags, pool_flag, pool_negate, pool_order, order_codes, id_rank,
        )  # fmt: skip
        if not has[p] or less(out[p, 0], out[p, 1], out[p, 2], out[p, 3], k0, k1, k2, k3):
            has[p] = True
            out[p, 0] = k0
            out[p, 1] = k1
            out[p, 2] = k2
            out[p, 3] = k3
    return has, out


@njit(cache=True)
def _ttc_kernel(choice_ptr, choices, active, pool_ptr, seats, list_ptr, list_app):
    n = len(choice_ptr) - 1
    n_schools = len(pool_ptr) - 1
    n_pools = len(seats)
    left = seats.copy()
    school_left = np.zeros(n_schools, dtype=np.int64)
    cur_pool = np.full(n_schools, -1, dtype=np.int64)
    for s in range(n_schools):
        for p in range(pool_ptr[s], pool_ptr[s + 1]):
            if left[p] > 0:
                school_left[s] += left[p]
                if cur_pool[s] < 0:
                    cur_pool[s] = p
    list_pos = list_ptr[:-1].copy()
    child_pos = np.zeros(n, dtype=np.int64)
    done = np.zeros(n, dtype=np.bool_)
    on_path = np.full(n, -1, dtype=np.int64)
    path = np.empty(n, dtype=np.int64)
    path_school = np.empty(n, dtype=np.int64)
    path_pool = np.empty(n, dtype=np.int64)
    school_of = np.full(n, -1, dtype=np.int64)
    pool_of = np.full(n, -1, dtype=np.int64)
    edge_of = np.full(n, -1, dtype=np.int64)
    used = np.zeros(n_pools, dtype=np.int64)

    for start in range(n):
        if done[start]:
            continue
        c = start
        depth = 0
        while True:
            # The child points to its best school with a seat left.
            base = choice_ptr[c]
            length = choice_ptr[c + 1] - base
            j = child_pos[c]
            while j < length and (not active[base + j] or school_left[choices[base + j]] == 0):
                j += 1
            child_pos[c] = j
            if j >= length:
                done[c] = True  # leaves unassigned
                if depth == 0:
                    break
                depth -= 1
                c = path[depth]
                on_path[c] = -1
                continue
            s = choices[base + j]
            p = cur_pool[s]
            # The school points to the best remaining child for that pool.
            k = list_pos[p]
            while done[list_app[k]]:
                k += 1
            list_pos[p] = k
            nxt = list_app[k]
            on_path[c] = depth
            path[depth] = c
            path_school[depth] = s
            path_pool[depth] = p
            depth += 1
            if on_path[nxt] < 0:
                c = nxt
                continue
            # A cycle: path[on_path[nxt]:depth]; each child gets the school it points to.
            i0 = on_path[nxt]
            for i in range(i0, depth):
                ch = path[i]
                s = path_school[i]
                p = path_pool[i]
                school_of[ch] = s
                pool_of[ch] = p
                edge_of[ch] = choice_ptr[ch] + child_pos[ch]
                done[ch] = True
                on_path[ch] = -1
                used[p] += 1
                left[p] -= 1
                school_left[s] -= 1
                if left[p] == 0:
                    q = p + 1
                    cur_pool[s] = -1
                    while q < pool_ptr[s + 1]:
                        if left[q] > 0:
                            cur_pool[s] = q
                            break
                        q += 1
            depth = i0
            if depth == 0:
                break
            depth -= 1
            c = path[depth]
            on_path[c] = -1
    return school_of, pool_of, used, edge_of
