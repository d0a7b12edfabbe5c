"""Priorities and the school's choice (spec section 5).

The priority of child ``a`` for a seat in pool ``p`` of school ``s`` is the tuple, compared
left to right, smaller first:

1. the index of ``a``'s strongest priority group at ``s`` (``len(priority_groups)`` if none);
2. 0 if ``a`` has what ``p`` favours (or ``p`` favours nothing), else 1;
3. the pool's ordering value: distance in metres, 1-based rank on ``a``'s list as
   submitted, or the lottery number at ``s``;
4. the lottery number at ``s``;
5. ``applicant_id`` in byte order.

Inside the kernels a tuple is four unsigned 64-bit integers ``(k0, k1, k2, k3)``:
``k0 = 2 * group + unfavoured``; ``k1`` the ordering value (a distance as the bits of its
IEEE double, which order like the numbers for distances >= 0; for the criteria of section
10.2 a word that orders like their values, :mod:`samen.engine.criteria`); ``k2`` the lottery
number; ``k3`` the rank of ``applicant_id`` in byte order. The group is the one that counts
at that school (sections 5, 10.3, 10.4: :mod:`samen.engine.priority_groups`) and a pool that
favours an expression of several terms (10.1) reads one more 0/1 column
(:func:`samen.engine.expressions.flag_columns`). A family block's tuple is the smallest
of its members'. :func:`unit_key` computes one key; deferred acceptance calls it as a unit
arrives at a pool, while :func:`pair_keys` tabulates the key of every (list entry, pool of
that school) pair for immediate acceptance, top trading cycles and the cut-offs.

Given the children who apply to ``s``, the school fills its pools in precedence order, each
taking the best remaining children by its priority while it has a seat left (a block is
taken whole). This is the choice rule of slot-specific priorities (Kominers and Sonmez
2016, "Matching with slot-specific priorities: theory", Theoretical Economics 11(2));
precedence matters (Dur, Kominers, Pathak and Sonmez 2018, "Reserve design: unintended
consequences and the demise of Boston's walk zones", JPE 126(6)). It is substitutable and
path-independent, which is why the kernels can admit children one at a time: each pool's
held set is a max-heap keyed by priority, and an arrival either passes the pool or enters
it and pushes out the worst units while the rest still fill the seats.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from numba import njit

from samen.engine import criteria, lottery
from samen.engine.expressions import flag_columns
from samen.engine.families import Units, dissolve, form_blocks, id_order
from samen.engine.instance import ORDER_DISTANCE, ORDER_LOTTERY, Instance, Priority
from samen.engine.outcome import assigned_edges
from samen.engine.pools import COMPOUND, ORDER_CRITERIA, ORDER_RANK
from samen.engine.sha256 import pack_strings


@dataclass(frozen=True, eq=False)
class Prepared:
    """An instance with the per-edge numbers the kernels need (computed once per round).

    ``edge_lot[e]`` is the lottery number the child of edge ``e`` uses at that school (its
    block's, or its pledge group's at the target: ``docs/decisions.md`` 2 and 4);
    ``single_lot[a]`` the single number (the block's). ``entry_lot`` holds ``edge_lot``
    where it is more than the child's single number repeated along its list (multiple
    tie-breaking, pledge members); otherwise it is None and ``edge_lot`` is made from
    ``single_lot`` when first read (single tie-breaking rounds never need it in deferred
    acceptance, and not writing it keeps the many draws of a round in the cache).
    ``edge_dist`` the distance as sortable bits (NaN counts as +infinity), also made when first
    read; ``id_rank[a]`` the byte-order rank of the id.

    What the kernels read instead of the instance's own arrays (the same arrays in a v1
    round): ``group`` the group that counts per entry, ``flags`` the 0/1 columns with one
    per compound expression, ``pool_flag`` the column each pool favours, ``pool_order`` the
    kernel ordering (``ORDER_CRITERIA + c`` reads word column ``c`` of ``order_codes``).
    """

    instance: Instance
    units: Units
    id_rank: np.ndarray  # int64[n]
    entry_lot: np.ndarray | None  # uint64[E], or None: see ``edge_lot``
    single_lot: np.ndarray  # uint64[n]
    by_rank: np.ndarray  # int64[n]: applicant index of each id rank
    group: np.ndarray  # int32[E]
    flags: np.ndarray  # uint8[n, F + X]
    pool_flag: np.ndarray  # int32[P]
    pool_order: np.ndarray  # int8[P]
    order_codes: np.ndarray  # uint64[E, C]
    order_columns: tuple[tuple[str, ...], ...] = ()
    #: what does not depend on the seed (:func:`_round_arrays`), shared by reseeded copies
    seedless: _RoundArrays | None = None

    @cached_property
    def edge_dist(self) -> np.ndarray:
        """``uint64[E]``: the distances as sortable words (NaN as +infinity), made when first
        read and shared by every reseeded copy."""
        seedless = self.seedless if self.seedless is not None else _round_arrays(self.instance)
        return seedless.edge_dist

    @cached_property
    def all_entries_active(self) -> np.ndarray:
        """``bool[E]``, all True: every list entry active, the one array every run of a round
        without pledge members is given (never written: the pledge loop writes only its own
        copy), so that the kernels see it is this one and check nothing."""
        return np.ones(len(self.instance.choices), dtype=bool)

    @cached_property
    def edge_lot(self) -> np.ndarray:
        """``uint64[E]``: the lottery number of every list entry (see the class)."""
        return _every_entry(self.instance, self.single_lot, self.entry_lot)

    @cached_property
    def pair_ptr(self) -> np.ndarray:
        """``pair_ptr[e]``: the first (edge, pool) pair of list entry ``e``; the pairs of
        ``e`` are its school's pools in precedence order. Length ``E + 1``."""
        inst = self.instance
        npools = np.diff(inst.pool_ptr)[inst.choices]
        ptr = np.zeros(len(inst.choices) + 1, dtype=np.int64)
        np.cumsum(npools, out=ptr[1:])
        return ptr

    @cached_property
    def edge_words(self) -> np.ndarray:
        """``uint32[E]`` or ``uint64[E]``: per list entry its school in the low half and the
        priority group that counts there in the high half (one word for the lean kernels
        to read; :func:`_edge_words`)."""
        return _edge_words(self.instance.choices, self.group)

    @cached_property
    def unit_keys(self) -> np.ndarray:
        """Keys of every (list entry of a unit's lead, pool) pair, blocks at their best
        member (deferred and immediate acceptance)."""
        return pair_keys(self, self.units)

    @cached_property
    def packed_ids(self) -> tuple[np.ndarray, np.ndarray]:
        """The applicant ids as UTF-8 bytes and offsets, for hashing in batches."""
        return pack_strings(list(self.instance.applicant_ids))

    @cached_property
    def unit_pack(self) -> np.ndarray:
        """One-word prefixes of :attr:`unit_keys` (:func:`pack_keys`)."""
        return pack_keys(self.unit_keys)

    @cached_property
    def child_keys(self) -> np.ndarray:
        """Keys of every (list entry, pool) pair, each child on its own (top trading
        cycles; the cut-offs)."""
        return pair_keys(self, dissolve(self.units))

    def decode(self, k0: int, k1: int, k2: int, k3: int, pool: int) -> Priority:
        """A kernel key back into the :class:`Priority` of the rules."""
        order = int(self.instance.pool_order[pool])
        a = int(self.by_rank[int(k3)])
        value: float | int | tuple[float | int, ...]
        if order >= ORDER_CRITERIA:
            value = self.criteria_values(pool, a, int(k2))
        elif order == ORDER_DISTANCE:
            value = float(np.array([k1], dtype=np.uint64).view(np.float64)[0])
        else:
            value = int(k1)
        return Priority(
            group=int(k0) // 2,
            unfavoured=int(k0) % 2,
            order_value=value,
            lottery=int(k2),
            applicant_id=self.instance.applicant_ids[a],
        )

    def criteria_values(self, pool: int, a: int, lot: int) -> float | int | tuple:
        """Item 3 of child ``a``'s tuple in ``pool``, a pool ordered by criteria (10.2)."""
        inst = self.instance
        text = inst.orderings[int(inst.pool_order[pool]) - ORDER_CRITERIA]
        s = int(np.searchsorted(inst.pool_ptr, pool, side="right")) - 1
        lo = int(inst.choice_ptr[a])
        e = lo + int(np.flatnonzero(inst.choices_of(a) == s)[0])
        return criteria.values(inst, criteria.parse(text), a, e, lot)


@njit(cache=True)
def _largest(choices, group):
    top_s = 0
    top_g = 0
    for e in range(len(choices)):
        top_s = max(top_s, np.int64(choices[e]))
        top_g = max(top_g, np.int64(group[e]))
    return top_s, top_g


@njit(cache=True)
def _fill_words(choices, group, out):
    shift = np.uint64(out.itemsize * 4)
    for e in range(len(choices)):
        out[e] = np.uint64(choices[e]) | (np.uint64(group[e]) << shift)
    return out


def _edge_words(choices: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Per list entry its school in the low half of a word and its priority group in the
    high half: 32-bit words while both fit in 16 bits (half the memory the proposal loop
    walks through), 64-bit words otherwise."""
    top_s, top_g = _largest(choices, group)
    small = top_s < 1 << 16 and top_g < 1 << 16
    return _fill_words(choices, group, np.empty(len(choices), np.uint32 if small else np.uint64))


@njit(cache=True)
def _clean_distances(dist):
    out = np.empty(len(dist), dtype=np.float64)
    for e in range(len(dist)):
        d = dist[e]
        out[e] = np.inf if np.isnan(d) else d + 0.0  # + 0.0 turns -0.0 into 0.0
    return out


def sortable_distances(distance: np.ndarray) -> np.ndarray:
    """``uint64[E]``: distances (metres, NaN = none) as words that sort as the distances do
    (non-negative IEEE 754 doubles order as their bit patterns), none as infinity.

    >>> sortable_distances(np.array([2.5, np.nan, -0.0, 1.0])).argsort().tolist()
    [2, 3, 0, 1]
    """
    return _clean_distances(np.asarray(distance, dtype=np.float64)).view(np.uint64)


@dataclass(frozen=True, eq=False)
class _RoundArrays:
    """What :func:`prepare` reads that does not depend on the lottery seed."""

    packed: tuple[np.ndarray, np.ndarray]
    id_rank: np.ndarray
    units: Units
    distance: np.ndarray  # float64[E], the instance's (NaN = none)
    by_rank: np.ndarray
    group: np.ndarray
    flags: np.ndarray
    pool_flag: np.ndarray
    edge_words: np.ndarray

    @cached_property
    def edge_dist(self) -> np.ndarray:
        """The distances as sortable words (:func:`sortable_distances`), made when a kernel
        first reads them: deferred acceptance does only for pools ordered by distance."""
        return sortable_distances(self.distance)


def _round_arrays(instance: Instance) -> _RoundArrays:
    """The ids encoded and ordered, the family blocks, sortable distances, the groups, flags
    and list-entry words of ``instance``: computed at its first preparation and kept on it
    (an instance does not change; its seed does not enter them), as ``group_at`` is, so that
    allocating one round again (previews, scenarios, the bench) does not compute them again."""
    got = instance.__dict__.get("_round_arrays")
    if isinstance(got, _RoundArrays):
        return got
    ids = list(instance.applicant_ids)
    n = len(ids)
    packed = pack_strings(ids)  # encoded once: the id order, the lottery, later draws
    id_rank = id_order(ids, packed)
    by_rank = np.empty(n, dtype=np.int64)
    by_rank[id_rank] = np.arange(n, dtype=np.int64)
    pool_flag = np.asarray(instance.pool_flag)
    if len(instance.expressions):  # compound k reads column F + k
        compound = pool_flag <= COMPOUND
        pool_flag = np.where(compound, len(instance.flag_names) + COMPOUND - pool_flag, pool_flag)
        pool_flag = pool_flag.astype(np.int32)
    group = np.ascontiguousarray(instance.group_at, dtype=np.int32)
    got = _RoundArrays(
        packed=packed,
        id_rank=id_rank,
        units=form_blocks(instance, id_rank),
        distance=instance.distance,
        by_rank=by_rank,
        group=group,
        flags=flag_columns(instance.flags, instance.flag_names, instance.expressions),
        pool_flag=pool_flag,
        edge_words=_edge_words(instance.choices, group),
    )
    instance.__dict__["_round_arrays"] = got
    return got


def prepare(instance: Instance) -> Prepared:
    """Lottery numbers, family blocks and sortable distances for ``instance``, and what the
    kernels read for the rules of section 10 (all but the lottery numbers once per instance:
    :func:`_round_arrays`)."""
    r = _round_arrays(instance)
    single_lot, entry_lot = _lottery_numbers(instance, r.units, instance.seed, r.packed)
    pool_order, columns, words = instance.order_words
    if words is None:  # an ordering with the lottery before another criterion
        entry_lot = _every_entry(instance, single_lot, entry_lot)
        words = criteria.order_codes(instance, columns, entry_lot)
    prep = Prepared(
        instance=instance,
        units=r.units,
        id_rank=r.id_rank,
        entry_lot=entry_lot,
        single_lot=single_lot,
        by_rank=r.by_rank,
        group=r.group,
        flags=r.flags,
        pool_flag=r.pool_flag,
        pool_order=pool_order,
        order_codes=words,
        order_columns=columns,
        seedless=r,
    )
    prep.__dict__["packed_ids"] = r.packed
    prep.__dict__["edge_words"] = r.edge_words
    return prep


# --- kernel helpers ------------------------------------------------------------------


def pair_keys(prep: Prepared, units: Units) -> np.ndarray:
    """The key of every (list entry, pool) pair as rows ``(k0, k1, k2, k3)`` of a uint64
    array of shape ``(pairs, 4)``; for a unit of several children the rows at its lead's
    list entries hold the best member's key (the other members' rows are not used)."""
    inst = prep.instance
    ptr = prep.pair_ptr
    keys = np.zeros((int(ptr[-1]), 4), dtype=np.uint64)
    _pair_keys_kernel(
        keys,
        ptr,
        units.ptr,
        units.members,
        inst.choice_ptr,
        inst.choices,
        inst.pool_ptr,
        prep.group,
        prep.edge_dist,
        prep.edge_lot,
        prep.flags,
        prep.pool_flag,
        inst.pool_negate,
        prep.pool_order,
        prep.order_codes,
        prep.id_rank,
    )
    return keys


@njit(cache=True)
def _pair_keys_kernel(
    keys,
    pair_ptr,
    uptr,
    members,
    choice_ptr,
    choices,
    pool_ptr,
    prio,
    edge_dist,
    edge_lot,
    flags,
    pool_flag,
    pool_negate,
    pool_order,
    order_codes,
    id_rank,
):
    for u in range(len(uptr) - 1):
        lead = members[uptr[u]]
        base = choice_ptr[lead]
        for j in range(choice_ptr[lead + 1] - base):
            s = choices[base + j]
            x = pair_ptr[base + j]
            for p in range(pool_ptr[s], pool_ptr[s + 1]):
                k0, k1, k2, k3 = unit_key(
                    u,
                    j,
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
                keys[x, 0] = k0
                keys[x, 1] = k1
                keys[x, 2] = k2
                keys[x, 3] = k3
                x += 1


@njit(cache=True, inline="always")
def less(a0, a1, a2, a3, b0, b1, b2, b3):
    """Lexicographic ``a < b`` on kernel keys."""
    if a0 != b0:
        return a0 < b0
    if a1 != b1:
        return a1 < b1
    if a2 != b2:
        return a2 < b2
    return a3 < b3


@njit(cache=True, inline="always")
def row_less(a, i, b, j):
    """``a[i] < b[j]`` for key rows."""
    return less(a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[j, 0], b[j, 1], b[j, 2], b[j, 3])


def _lottery_numbers(
    instance: Instance,
    units: Units,
    seed: str,
    packed: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """The single number of every child and the number of every list entry under ``seed``
    (None where that is the child's single number: :attr:`Prepared.edge_lot`):
    a block's members use their lead's number (decision 2), or with ``family_number =
    "best"`` the smallest of their numbers (at the school, under multiple tie-breaking:
    section 10.6); pledge members the group's number at its target (decision 4)."""
    ids = instance.applicant_ids
    n = len(ids)
    ptr = instance.choice_ptr
    alone = units.count == n  # every child its own block (its own lead): nothing to gather
    lead_of = np.arange(n) if alone else units.lead[units.unit_of]  # applicant -> its lead
    best = instance.family_number == "best" and not alone
    own = lottery.single(seed, ids, packed)
    if best:
        single_lot = _block_min(own, units.unit_of, units.count)[units.unit_of]
    else:
        single_lot = own if alone else own[lead_of]
    if instance.tie_breaking == "multiple":
        edge_app = np.repeat(np.arange(n, dtype=np.int64), np.diff(ptr))
        if packed is None:
            packed = pack_strings(ids)
        who = edge_app if best else lead_of[edge_app]
        edge_lot = lottery.pairs_packed(
            seed, list(instance.school_ids), instance.choices, who, packed
        )
        if best:  # the same list entry of every member: the lead's entry of that position
            lead_edge = ptr[lead_of[edge_app]] + (np.arange(len(edge_app)) - ptr[edge_app])
            edge_lot = _block_min(edge_lot, lead_edge, len(edge_app))[lead_edge]
    else:
        edge_lot = None  # the child's single number along its list (Prepared.edge_lot)
    members = np.flatnonzero(np.asarray(instance.pledge) >= 0)
    if len(members):
        if edge_lot is None:
            edge_lot = np.repeat(single_lot, np.diff(ptr))
        for a in members.tolist():
            g = int(instance.pledge[a])
            target = int(instance.group_target[g])
            gid = "pledge:" + instance.group_ids[g]
            if instance.tie_breaking == "multiple":
                num = lottery.number(seed, instance.school_ids[target], gid)
            else:
                num = lottery.number(seed, gid)
            lst = instance.choices[ptr[a] : ptr[a + 1]]
            edge_lot[ptr[a] + np.flatnonzero(lst == target)] = np.uint64(num)
    return (
        np.ascontiguousarray(single_lot, dtype=np.uint64),
        None if edge_lot is None else np.ascontiguousarray(edge_lot, dtype=np.uint64),
    )


def _every_entry(
    instance: Instance, single_lot: np.ndarray, entry_lot: np.ndarray | None
) -> np.ndarray:
    """The number of every list entry (``entry_lot``, or the single numbers along the lists)."""
    if entry_lot is not None:
        return entry_lot
    return np.repeat(single_lot, np.diff(instance.choice_ptr))


def _block_min(numbers: np.ndarray, key: np.ndarray, size: int) -> np.ndarray:
    """``out[k]``: the smallest of ``numbers`` whose ``key`` is ``k``."""
    out = np.full(size, np.iinfo(np.uint64).max, dtype=np.uint64)
    np.minimum.at(out, key, np.asarray(numbers, dtype=np.uint64))
    return out


def reseed(prep: Prepared, seed: str) -> Prepared:
    """``prep`` for the same round under another lottery seed (the blocks, id order and
    distances are reused; only the lottery numbers are computed again)."""
    inst = prep.instance.with_(seed=seed)
    for name in ("group_at", "order_words"):  # computed once per round, whatever the seed
        if name in prep.instance.__dict__:
            inst.__dict__[name] = prep.instance.__dict__[name]
    packed = prep.packed_ids  # encoded once, on ``prep``, and shared by every reseeded copy
    single_lot, entry_lot = _lottery_numbers(inst, prep.units, seed, packed)
    codes = prep.order_codes
    if criteria.seed_dependent(prep.order_columns):
        entry_lot = _every_entry(inst, single_lot, entry_lot)
        codes = criteria.order_codes(inst, prep.order_columns, entry_lot)
    new = replace(
        prep, instance=inst, entry_lot=entry_lot, single_lot=single_lot, order_codes=codes
    )
    prep.edge_words  # noqa: B018 (made once, on ``prep``, for every reseeded copy)
    names = ("pair_ptr", "packed_ids", "edge_words", "_key_bits", "all_entries_active")
    for name in names:  # the same in every draw
        if name in prep.__dict__:
            new.__dict__[name] = prep.__dict__[name]
    return new


def pack_keys(keys: np.ndarray) -> np.ndarray:
    """A one-word prefix of every key row: ``k0`` in the top bits, then the top bits of ``k1``.

    ``pack[x] < pack[y]`` implies ``keys[x] < keys[y]``; when the packs are equal the kernels
    compare the full rows, so the pack only makes the common case (different lottery
    numbers or distances) one comparison of one word.
    """
    if len(keys) == 0:
        return np.zeros(0, dtype=np.uint64)
    bits = max(1, int(keys[:, 0].max()).bit_length())
    if bits > 16:  # many priority groups: k0 alone is still a valid prefix
        return keys[:, 0].copy()
    return (keys[:, 0] << np.uint64(64 - bits)) | (keys[:, 1] >> np.uint64(bits))


@njit(cache=True, inline="always")
def beats(pack, keys, x, hp, hx, i):
    """Whether pair ``x`` has a better (smaller) key than heap entry ``i``."""
    pk = pack[x]
    if pk != hp[i]:
        return pk < hp[i]
    return row_less(keys, x, keys, hx[i])


@njit(cache=True, inline="always")
def _entry_less(hp, hx, i, j, keys):
    if hp[i] != hp[j]:
        return hp[i] < hp[j]
    return row_less(keys, hx[i], keys, hx[j])


@njit(cache=True, inline="always")
def _move(hp, hx, hu, dst, src):
    hp[dst] = hp[src]
    hx[dst] = hx[src]
    hu[dst] = hu[src]


@njit(cache=True)
def heap_push(hp, hx, hu, off, ln, pack, keys, x, u):
    """Push unit ``u`` with the key of pair ``x`` onto the max-heap (worst on top) stored at
    ``off..off+ln`` of the entry arrays (``hp`` pack, ``hx`` pair, ``hu`` unit); returns the
    new length."""
    pk = pack[x]
    i = ln
    while i > 0:
        parent = (i - 1) >> 1
        q = off + parent
        if hp[q] < pk or (hp[q] == pk and row_less(keys, hx[q], keys, x)):
            _move(hp, hx, hu, off + i, q)
            i = parent
        else:
            break
    r = off + i
    hp[r] = pk
    hx[r] = x
    hu[r] = u
    return ln + 1


@njit(cache=True)
def heap_pop(hp, hx, hu, off, ln, keys):
    """Remove the top (worst) entry of the heap at ``off``; returns the new length."""
    ln -= 1
    last = off + ln
    i = 0
    while True:
        c = 2 * i + 1
        if c >= ln:
            break
        q = off + c
        if c + 1 < ln and _entry_less(hp, hx, q, q + 1, keys):
            c += 1
            q += 1
        if _entry_less(hp, hx, last, q, keys):
            _move(hp, hx, hu, off + i, q)
            i = c
        else:
            break
    if ln > 0 and off + i != last:
        _move(hp, hx, hu, off + i, last)
    return ln


def heap_storage(seats: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Offsets and entry arrays (pack, pair, unit) for one heap per pool (``seats + 1``
    entries each: a pool holds at most ``seats`` units once it has pushed out the worst,
    one more while it decides)."""
    off = np.zeros(len(seats) + 1, dtype=np.int64)
    np.cumsum(np.maximum(seats, 0) + 1, out=off[1:])
    size = int(off[-1])
    return (
        off,
        np.zeros(size, dtype=np.uint64),
        np.zeros(size, dtype=np.int64),
        np.zeros(size, dtype=np.int64),
    )


# --- keys computed on the fly (deferred acceptance) -----------------------------------


def key_bits(prep: Prepared) -> int:
    """Bits of ``k0`` in a pack (:func:`pack_keys`); above 16 the pack is ``k0`` alone.
    Kept on ``prep`` (and its reseeded copies: the groups do not change with the seed)."""
    got = prep.__dict__.get("_key_bits")
    if got is None:
        top = int(np.max(prep.group)) if len(prep.group) else 0
        got = prep.__dict__["_key_bits"] = max(1, (2 * top + 1).bit_length())
    return int(got)


@njit(cache=True, inline="always")
def unit_key(
    c,
    j,
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
):
    """The key of unit ``c`` (its best member's) for pool ``p`` of its ``j``-th choice."""
    f = pool_flag[p]
    o = pool_order[p]
    b0 = np.uint64(0)
    b1 = np.uint64(0)
    b2 = np.uint64(0)
    b3 = np.uint64(0)
    for i in range(uptr[c], uptr[c + 1]):
        m = members[i]
        e = choice_ptr[m] + j
        unfav = 0
        if f >= 0 and (flags[m, f] != 0) == pool_negate[p]:
            unfav = 1
        k0 = np.uint64(prio[e]) * np.uint64(2) + np.uint64(unfav)
        lot = edge_lot[e]
        if o == ORDER_LOTTERY:
            k1 = lot
        elif o == ORDER_DISTANCE:
            k1 = edge_dist[e]
        elif o == ORDER_RANK:
            k1 = np.uint64(j + 1)
        else:
            k1 = order_codes[e, o - ORDER_CRITERIA]
        k3 = np.uint64(id_rank[m])
        if i == uptr[c] or less(k0, k1, lot, k3, b0, b1, b2, b3):
            b0 = k0
            b1 = k1
            b2 = lot
            b3 = k3
    return b0, b1, b2, b3


@njit(cache=True, inline="always")
def pack_of(k0, k1, bits):
    """:func:`pack_keys` for one key."""
    if bits > 16:
        return k0
    return (k0 << np.uint64(64 - bits)) | (k1 >> np.uint64(bits))


#: columns of a heap row (:func:`row_heap_push`): pack, k0..k3, unit; 8 words = 64 bytes
#: so that a row is one cache line
HEAP_ROW = 8
_U = 5


@njit(cache=True, inline="always")
def _hless(h, i, j):
    """Heap row ``i`` < row ``j``."""
    if h[i, 0] != h[j, 0]:
        return h[i, 0] < h[j, 0]
    return less(h[i, 1], h[i, 2], h[i, 3], h[i, 4], h[j, 1], h[j, 2], h[j, 3], h[j, 4])


@njit(cache=True, inline="always")
def row_beats(pk, k0, k1, k2, k3, h, i):
    """Whether the key ``(pk; k0..k3)`` is better (smaller) than heap row ``i``."""
    if pk != h[i, 0]:
        return pk < h[i, 0]
    return less(k0, k1, k2, k3, h[i, 1], h[i, 2], h[i, 3], h[i, 4])


@njit(cache=True, inline="always")
def _hmove(h, dst, src):
    for q in range(6):
        h[dst, q] = h[src, q]


@njit(cache=True)
def row_heap_push(h, off, ln, pk, k0, k1, k2, k3, u):
    """Push unit ``u`` with key ``(pk; k0..k3)`` onto the max-heap (worst on top) in rows
    ``off..off+ln`` of ``h`` (``HEAP_ROW`` columns: pack, k0..k3, unit); returns the new
    length."""
    i = ln
    while i > 0:
        parent = (i - 1) >> 1
        q = off + parent
        if h[q, 0] < pk or (
            h[q, 0] == pk and less(h[q, 1], h[q, 2], h[q, 3], h[q, 4], k0, k1, k2, k3)
        ):
            _hmove(h, off + i, q)
            i = parent
        else:
            break
    r = off + i
    h[r, 0] = pk
    h[r, 1] = k0
    h[r, 2] = k1
    h[r, 3] = k2
    h[r, 4] = k3
    h[r, _U] = u
    return ln + 1


@njit(cache=True)
def row_heap_pop(h, off, ln):
    """Remove the top (worst) row of the heap at ``off``; returns the new length."""
    ln -= 1
    last = off + ln
    i = 0
    while True:
        c = 2 * i + 1
        if c >= ln:
            break
        q = off + c
        if c + 1 < ln and _hless(h, q, q + 1):
            c += 1
            q += 1
        if _hless(h, last, q):
            _hmove(h, off + i, q)
            i = c
        else:
            break
    if ln > 0 and off + i != last:
        _hmove(h, off + i, last)
    return ln


def cutoffs(prep: Prepared, valid: np.ndarray, keys: np.ndarray) -> list[Priority | None]:
    """Decode per-pool cut-off key rows (``valid[p]`` says whether pool ``p`` has one), as
    :meth:`Prepared.decode` does one key, for all pools at once."""
    out: list[Priority | None] = [None] * len(valid)
    pools = np.flatnonzero(np.asarray(valid, dtype=bool))
    if not len(pools):
        return out
    rows = np.ascontiguousarray(keys[pools], dtype=np.uint64)
    inst = prep.instance
    order = np.asarray(inst.pool_order)[pools]
    distance = order == ORDER_DISTANCE
    metres = rows[:, 1].copy().view(np.float64)
    ids = inst.applicant_ids
    who = prep.by_rank[rows[:, 3].astype(np.int64)]
    values: list[float | int | tuple[float | int, ...]] = rows[:, 1].tolist()  # lottery or rank
    for i in np.flatnonzero(distance).tolist():
        values[i] = float(metres[i])
    at = {p: i for i, p in enumerate(pools.tolist())}
    for p, value in _criteria_cutoffs(prep, pools, who, rows[:, 2], order).items():
        values[at[p]] = value
    k0 = rows[:, 0]
    names = [ids[a] for a in who.tolist()]
    made = map(Priority, (k0 // 2).tolist(), (k0 % 2).tolist(), values, rows[:, 2].tolist(), names)
    if len(pools) == len(out):
        return list(made)
    for p, priority in zip(pools.tolist(), made, strict=True):
        out[p] = priority
    return out


def _criteria_cutoffs(
    prep: Prepared, pools: np.ndarray, who: np.ndarray, lots: np.ndarray, order: np.ndarray
) -> dict[int, float | int | tuple[float | int, ...]]:
    """Item 3 of the cut-off tuples of the pools ordered by criteria (10.2): the values of the
    child whose key it is, at the school of the pool, where it was admitted."""
    inst = prep.instance
    mine = order >= ORDER_CRITERIA
    if not mine.any():
        return {}
    pools, who, lots, order = pools[mine], who[mine], lots[mine], order[mine]
    school_of_pool = np.repeat(np.arange(inst.n_schools), np.diff(inst.pool_ptr))
    school = np.full(inst.n_applicants, -1, dtype=np.int64)
    school[who] = school_of_pool[pools]
    edge = assigned_edges(np.asarray(inst.choice_ptr), inst.choices, school)[who]
    out: dict[int, float | int | tuple[float | int, ...]] = {}
    for k in np.unique(order).tolist():
        at = order == k
        crit = criteria.parse(inst.orderings[k - ORDER_CRITERIA])
        cols = criteria.values_at(inst, crit, who[at], edge[at], lots[at])
        rows = list(zip(*cols, strict=True))
        for p, row in zip(pools[at].tolist(), rows, strict=True):
            out[p] = row[0] if len(crit) == 1 else tuple(row)
    return out


def worst_admitted(
    prep: Prepared, units: Units, school: np.ndarray, pool: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per pool, the worst key among the units admitted to it (a unit's key being its best
    member's); returns ``(has_any[P], keys[P, 4])``."""
    inst = prep.instance
    n_pools = inst.n_pools
    ptr = inst.choice_ptr
    lead = units.lead
    edge_app = np.repeat(np.arange(inst.n_applicants), np.diff(ptr))
    # the lead's list entry of the assigned school, and the row of the pool there
    lead_edges = np.flatnonzero((inst.choices == school[edge_app]) & (pool[edge_app] >= 0))
    app = edge_app[lead_edges]
    is_lead = lead[units.unit_of[app]] == app
    lead_edges, app = lead_edges[is_lead], app[is_lead]
    p = pool[app].astype(np.int64)
    rows = prep.pair_ptr[lead_edges] + p - inst.pool_ptr[inst.choices[lead_edges]]
    keys = (prep.unit_keys if units is prep.units else prep.child_keys)[rows]
    valid = np.zeros(n_pools, dtype=bool)
    out = np.zeros((n_pools, 4), dtype=np.uint64)
    if len(rows) == 0:
        return valid, out
    o = np.lexsort((keys[:, 3], keys[:, 2], keys[:, 1], keys[:, 0], p))
    last = np.ones(len(o), dtype=bool)
    last[:-1] = p[o][1:] != p[o][:-1]
    o = o[last]
    valid[p[o]] = True
    out[p[o]] = keys[o]
    return valid, out


#: the face for the rest of samen; the kernel helpers above are for the mechanism modules of
#: the engine (deferred_acceptance, immediate_acceptance, top_trading_cycles, explain)
__all__ = ["Prepared", "prepare", "reseed"]
