"""A deliberately naive reference implementation of the allocation rules.

Written straight from ``docs/allocation-rules.md`` (sections 3 to 8 and the rules of
version 2 in section 10) and ``docs/decisions.md``, with no concern for speed: plain Python
lists, sets and dicts, and the school's choice of section 5 recomputed from scratch every
time it is needed. The engine's tests compare :func:`samen.engine.allocate.allocate` with
:func:`allocate` here on every field of the result, and the waiting lists.

Nothing here imports the engine's helpers (the lottery is computed with ``hashlib``, the
distances to unlisted schools with NumPy's formulas of section 2, the nearest schools by
sorting); only the :class:`~samen.engine.instance.Instance` it reads and the
:class:`~samen.engine.instance.Priority` tuple it reports come from ``samen``.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np

from samen.engine.instance import Instance, Priority

DA = "deferred-acceptance"
IA = "immediate-acceptance"
TTC = "top-trading-cycles"
SD = "serial-dictatorship"


def lottery_number(seed: str, *parts: str) -> int:
    """Section 3: the first 8 bytes, big-endian, of SHA-256 of ``seed|part|...`` (UTF-8)."""
    text = seed + "".join("|" + p for p in parts)
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


@dataclass
class RefResult:
    """The fields of :class:`samen.engine.instance.Result`, as plain Python values."""

    school: list[int]  # -1 = unassigned
    choice_rank: list[int]  # 1-based rank on the list as submitted, 0 = unassigned
    pool: list[int]  # global pool index, -1 = none
    lottery: list[int]
    pool_filled: list[int]
    pool_overflow: list[int]
    pool_cutoff: list[Priority | None]
    school_filled: list[int]
    group_members: list[int]
    group_assigned: list[int]
    group_held: list[bool]
    runs: int
    #: section 10.7: (school, pool or -1, position, child) rows, when the round asks for them
    waitlists: list[tuple[int, int, int, int]] | None = None


class Round:
    """The instance read into plain Python structures, plus the rules that need no state."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.n = inst.n_applicants
        self.m = inst.n_schools
        self.ids = [str(a) for a in inst.applicant_ids]
        self.school_ids = [str(s) for s in inst.school_ids]
        self.seed = inst.seed
        self.tie_breaking = inst.tie_breaking
        self.mechanism = inst.mechanism
        self.n_groups_priority = len(inst.priority_groups)

        # The list as submitted, and the facts per (child, school) pair.
        self.submitted: list[list[int]] = []
        self.group_at: list[dict[int, int]] = []
        self.distance_at: list[dict[int, float]] = []
        for a in range(self.n):
            lo, hi = int(inst.choice_ptr[a]), int(inst.choice_ptr[a + 1])
            schools = [int(s) for s in inst.choices[lo:hi]]
            self.submitted.append(schools)
            self.group_at.append(
                {
                    s: self._group(a, j, e)
                    for j, (s, e) in enumerate(zip(schools, range(lo, hi), strict=True))
                }
            )
            self.distance_at.append(
                {s: float(inst.distance[e]) for s, e in zip(schools, range(lo, hi), strict=True)}
            )
        self._nearest_groups()

        self.capacity = [int(c) for c in inst.capacity]
        self.pools_of = [
            list(range(int(inst.pool_ptr[s]), int(inst.pool_ptr[s + 1]))) for s in range(self.m)
        ]
        self.school_of_pool = {p: s for s in range(self.m) for p in self.pools_of[s]}
        self.seats = [int(k) for k in inst.pool_seats]
        self.n_pools = len(self.seats)

        self.family = [int(f) for f in inst.family]
        self.pledge = [int(g) for g in inst.pledge]
        self.group_ids = [str(g) for g in inst.group_ids]
        self.group_target = [int(t) for t in inst.group_target]
        self.group_threshold = [int(t) for t in inst.group_threshold]

        self.blocks = self._family_blocks()
        self.lead = {}
        for block in self.blocks:
            for a in block:
                self.lead[a] = block[0]

    # ----- section 6 and decision 1: family blocks ------------------------------------

    def _family_blocks(self) -> list[tuple[int, ...]]:
        """Children with the same family label, identical lists and the same pledge form a
        block; every other child is a block of one. Members sorted by applicant_id, so the
        first member is the lead (smallest id in byte order; Python's str order on code
        points is UTF-8 byte order)."""
        by_key: dict[tuple, list[int]] = {}
        blocks: list[list[int]] = []
        for a in range(self.n):
            if self.family[a] < 0:
                blocks.append([a])
                continue
            key = (self.family[a], tuple(self.submitted[a]), self.pledge[a])
            if key not in by_key:
                by_key[key] = []
                blocks.append(by_key[key])
            by_key[key].append(a)
        return [tuple(sorted(b, key=lambda a: self.ids[a])) for b in blocks]

    # ----- section 3, 10.6 and decisions 2, 4: the lottery ----------------------------

    def L(self, name: str, s: int) -> int:
        """The lottery number of ``name`` at school ``s`` under the round's tie-breaking."""
        if self.tie_breaking == "single":
            return lottery_number(self.seed, name)
        return lottery_number(self.seed, self.school_ids[s], name)

    def block_of(self, a: int) -> tuple[int, ...]:
        return next(b for b in self.blocks if a in b)

    def single_number(self, a: int) -> int:
        """The child's single number: that of its block's lead (decision 5), or with
        family_number = "best" the smallest of its block's members' (section 10.6)."""
        if self.inst.family_number == "best":
            return min(lottery_number(self.seed, self.ids[b]) for b in self.block_of(a))
        return lottery_number(self.seed, self.ids[self.lead[a]])

    def lottery_at(self, a: int, s: int) -> int:
        """The number child ``a`` uses at school ``s``: the pledge number at its group's
        target, otherwise the number of its block's lead (or the block's best number at
        ``s``, section 10.6)."""
        g = self.pledge[a]
        if g >= 0 and self.group_target[g] == s:
            return self.L("pledge:" + self.group_ids[g], s)
        if self.inst.family_number == "best":
            return min(self.L(self.ids[b], s) for b in self.block_of(a))
        return self.L(self.ids[self.lead[a]], s)

    # ----- sections 5, 10.3 and 10.4: the group that counts --------------------------

    def _group(self, a: int, j: int, e: int) -> int:
        """The group of child ``a``'s rows of priorities.csv at its ``j``-th choice (entry
        ``e``): the strongest row; away from the first choice the strongest row that is
        not first-choice only."""
        inst = self.inst
        if j == 0 or not inst.first_choice_only:
            return int(inst.priority[e])
        if inst.priority_rest is not None:
            return int(inst.priority_rest[e])
        g = int(inst.priority[e])
        names = list(inst.priority_groups)
        return len(names) if g < len(names) and names[g] in inst.first_choice_only else g

    def distance_to(self, a: int, s: int) -> float:
        """Section 2: distances.csv's number for the pair, else from the coordinates
        (rounded to the centimetre); infinity when neither is known."""
        inst = self.inst
        if s in self.submitted[a]:
            d = float(inst.distance[int(inst.choice_ptr[a]) + self.submitted[a].index(s)])
            return math.inf if math.isnan(d) else d
        geo = inst.geography
        if geo is None:
            return math.inf
        for pa, ps, pm in zip(geo.pair_app, geo.pair_school, geo.pair_metres, strict=True):
            if int(pa) == a and int(ps) == s:
                return float(pm)
        (x1, y1), (x2, y2) = geo.homes[a], geo.sites[s]
        if geo.kind == "euclidean":
            d = np.hypot(np.array([x1 - x2]), np.array([y1 - y2]))
        else:
            la1, lo1, la2, lo2 = (np.radians(np.array([v])) for v in (x1, y1, x2, y2))
            h = (
                np.sin((la2 - la1) / 2) ** 2
                + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
            )
            d = 2 * 6371008.8 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
        v = float(np.round(d, 2)[0] + 0.0)
        return math.inf if math.isnan(v) else v

    def nearest_set(self, a: int, rule) -> set[int]:
        """N(a) of a [[nearest]] rule, as section 10.3 says it."""
        order = sorted(range(self.m), key=lambda s: (self.distance_to(a, s), self.school_ids[s]))
        chosen: list[int] = []
        if rule.at_least:
            column = self.inst.categories[rule.category]
            for value, k in rule.at_least:
                of_value = [s for s in order if column[s].strip() == value.strip()]
                chosen += of_value[:k]
        for s in order:
            if len(chosen) >= rule.count:
                break
            if s not in chosen:
                chosen.append(s)
        return set(chosen)

    def _nearest_groups(self) -> None:
        """A computed group counts like a row (10.3), first-choice only where named (10.4)."""
        names = list(self.inst.priority_groups)
        for rule in self.inst.nearest:
            g = names.index(rule.group)
            for a in range(self.n):
                near = self.nearest_set(a, rule)
                for j, s in enumerate(self.submitted[a]):
                    if s in near and (j == 0 or rule.group not in self.inst.first_choice_only):
                        self.group_at[a][s] = min(self.group_at[a][s], g)

    # ----- section 5: priority ---------------------------------------------------------

    def has_term(self, a: int, term: str) -> bool:
        negate = term.startswith("not:")
        name = term[4:].strip() if negate else term
        value = int(self.inst.flags[a, list(self.inst.flag_names).index(name)]) == 1
        return not value if negate else value

    def has_what_pool_favours(self, a: int, p: int) -> bool:
        flag = int(self.inst.pool_flag[p])
        if flag <= -2:  # section 10.1: at least one term of the expression holds
            terms = self.inst.expressions[-2 - flag].split("|")
            return any(self.has_term(a, t.strip()) for t in terms)
        if flag < 0:
            return True
        value = int(self.inst.flags[a, flag]) == 1
        if bool(self.inst.pool_negate[p]):
            return not value
        return value

    def criterion(self, a: int, s: int, c: str) -> float | int:
        """One criterion's value for child ``a`` at school ``s`` (sections 5 and 10.2)."""
        if c == "lottery":
            return self.lottery_at(a, s)
        if c == "distance":
            return self.distance_at[a][s]
        if c == "rank":
            return self.submitted[a].index(s) + 1
        column = list(self.inst.value_names).index(c[len("value:") :])
        return float(self.inst.values[a, column])

    def priority(self, a: int, p: int) -> Priority:
        """Child ``a``'s priority tuple for a seat in pool ``p``."""
        s = self.school_of_pool[p]
        group = self.group_at[a][s]
        unfavoured = 0 if self.has_what_pool_favours(a, p) else 1
        lottery = self.lottery_at(a, s)
        order_by = int(self.inst.pool_order[p])
        if order_by >= 3:  # section 10.2: the criteria's values, left to right
            crit = [c.strip() for c in self.inst.orderings[order_by - 3].split(",")]
            values = tuple(self.criterion(a, s, c) for c in crit)
            value = values[0] if len(values) == 1 else values
            return Priority(group, unfavoured, value, lottery, self.ids[a])
        if order_by == 0:  # lottery
            order_value: float | int = lottery
        elif order_by == 1:  # distance
            order_value = self.distance_at[a][s]
            assert not math.isnan(order_value), "a distance pool needs every distance"
        else:  # rank, the position on the list as submitted (decision 6)
            order_value = self.submitted[a].index(s) + 1
        return Priority(group, unfavoured, order_value, lottery, self.ids[a])

    def unit_priority(self, unit: tuple[int, ...], p: int) -> Priority:
        """A block's priority is its best member's (decision 3)."""
        return min(self.priority(a, p) for a in unit)

    # ----- section 5 and 6: the school's choice -----------------------------------------

    def choose(self, s: int, applicants: set[tuple[int, ...]], seats_left: dict[int, int]) -> dict:
        """Which of ``applicants`` (units) school ``s`` takes, and into which pool.

        The pools in precedence order each take, among the units not yet taken, the best
        by the pool's priority while the pool has at least one seat left; a block is taken
        whole (even beyond the seats). Returns ``{unit: pool}``; the others are rejected.
        """
        taken: dict[tuple[int, ...], int] = {}
        for p in self.pools_of[s]:
            left = seats_left[p]
            while left >= 1:
                candidates = [u for u in applicants if u not in taken]
                if not candidates:
                    break
                best = min(candidates, key=lambda u: self.unit_priority(u, p))
                taken[best] = p
                left -= len(best)
        return taken

    def full_seats(self) -> dict[int, int]:
        return {p: self.seats[p] for p in range(self.n_pools)}


# ----- section 8: the mechanisms ---------------------------------------------------------
# Each takes the round and the current lists (per child, the school indices; a failed
# pledge target already dropped) and returns {child: (school, pool)} (pool -1 under serial
# dictatorship).


def deferred_acceptance(r: Round, lists: list[list[int]]) -> dict[int, tuple[int, int]]:
    """Student-proposing deferred acceptance in rounds: every unit that is not held
    proposes to the next school on its list; every school then chooses again, from
    scratch, among all its current applicants (those it holds plus the new ones)."""
    units = r.blocks
    next_choice = {u: 0 for u in units}
    held: dict[int, set[tuple[int, ...]]] = {s: set() for s in range(r.m)}
    while True:
        held_units = set().union(*held.values())
        proposals: dict[int, set[tuple[int, ...]]] = {s: set() for s in range(r.m)}
        anyone = False
        for u in units:
            lst = lists[u[0]]
            if u not in held_units and next_choice[u] < len(lst):
                proposals[lst[next_choice[u]]].add(u)
                anyone = True
        if not anyone:
            break
        for s in range(r.m):
            applying = held[s] | proposals[s]
            chosen = r.choose(s, applying, r.full_seats())
            for u in applying:
                if u not in chosen:
                    next_choice[u] += 1
            held[s] = set(chosen)
    out = {}
    for s in range(r.m):
        for u, p in r.choose(s, held[s], r.full_seats()).items():
            for a in u:
                out[a] = (s, p)
    return out


def immediate_acceptance(r: Round, lists: list[list[int]]) -> dict[int, tuple[int, int]]:
    """The Boston mechanism: in step k every unassigned unit applies to the k-th school on
    its (current) list; the school fills its pools' remaining seats from that step's
    applicants by the choice of section 5; assignments are final."""
    units = r.blocks
    seats_left = r.full_seats()
    assigned: dict[tuple[int, ...], tuple[int, int]] = {}
    longest = max((len(lists[u[0]]) for u in units), default=0)
    for k in range(longest):
        applying: dict[int, set[tuple[int, ...]]] = {s: set() for s in range(r.m)}
        for u in units:
            if u not in assigned and k < len(lists[u[0]]):
                applying[lists[u[0]][k]].add(u)
        for s in range(r.m):
            chosen = r.choose(s, applying[s], seats_left)
            for u, p in chosen.items():
                assigned[u] = (s, p)
                seats_left[p] -= len(u)
    return {a: sp for u, sp in assigned.items() for a in u}


def top_trading_cycles(r: Round, lists: list[list[int]]) -> dict[int, tuple[int, int]]:
    """Top trading cycles as section 8 describes it, family blocks dissolved (decision 8):
    every child on its own, with its own priority tuple and the shared lottery number."""
    seats_left = r.full_seats()
    remaining = set(range(r.n))
    out: dict[int, tuple[int, int]] = {}

    def has_seat(s: int) -> bool:
        return any(seats_left[p] > 0 for p in r.pools_of[s])

    while remaining:
        # Each remaining child points to the school it prefers most among those on its
        # list with a seat left, and leaves unassigned when there is none.
        child_points: dict[int, int] = {}
        for c in sorted(remaining):
            options = [s for s in lists[c] if has_seat(s)]
            if options:
                child_points[c] = options[0]
        remaining = set(child_points)
        if not remaining:
            break
        # Each school with a seat left points, for its first pool with a seat left, to
        # the best remaining child among those that listed it; a school that no remaining
        # child lists leaves (points to nobody).
        school_points: dict[int, tuple[int, int]] = {}
        for s in range(r.m):
            if not has_seat(s):
                continue
            listers = [c for c in remaining if s in lists[c]]
            if not listers:
                continue
            p = next(p for p in r.pools_of[s] if seats_left[p] > 0)
            best = min(listers, key=lambda c, p=p: r.priority(c, p))
            school_points[s] = (best, p)
        # Find every cycle child -> school -> child -> ...: follow the pointers from each
        # child; a walk that comes back to a node it visited closes a cycle.
        in_cycle: set[int] = set()
        for start in sorted(remaining):
            path = []
            c = start
            while c not in path:
                path.append(c)
                c = school_points[child_points[c]][0]
            in_cycle.update(path[path.index(c) :])
        # Every child in a cycle gets the school it points to, using a seat of the pool
        # that school pointed for.
        for c in in_cycle:
            s = child_points[c]
            p = school_points[s][1]
            out[c] = (s, p)
            seats_left[p] -= 1
        remaining -= in_cycle
    return out


def serial_dictatorship(r: Round, lists: list[list[int]]) -> dict[int, tuple[int, int]]:
    """Children in the order of their single lottery number (the block's for a block
    member; ties by applicant_id) take their best school with a seat left; only the
    school's capacity limits."""
    capacity_left = list(r.capacity)
    order = sorted(range(r.n), key=lambda a: (r.single_number(a), r.ids[a]))
    out: dict[int, tuple[int, int]] = {}
    for a in order:
        for s in lists[a]:
            if capacity_left[s] > 0:
                capacity_left[s] -= 1
                out[a] = (s, -1)
                break
    return out


MECHANISM_FUNCTIONS = {
    DA: deferred_acceptance,
    IA: immediate_acceptance,
    TTC: top_trading_cycles,
    SD: serial_dictatorship,
}


# ----- section 7: the pledge loop, and section 9: the outputs ------------------------------


def allocate(inst: Instance) -> RefResult:
    """The whole round: the mechanism, rerun while pledge groups fail (section 7)."""
    r = Round(inst)
    mechanism = MECHANISM_FUNCTIONS[inst.mechanism]
    n_groups = len(r.group_ids)
    members = [[a for a in range(r.n) if r.pledge[a] == g] for g in range(n_groups)]
    failed: set[int] = set()
    runs = 0
    while True:
        lists = [
            [
                s
                for s in r.submitted[a]
                if not (r.pledge[a] in failed and s == r.group_target[r.pledge[a]])
            ]
            for a in range(r.n)
        ]
        runs += 1
        assignment = mechanism(r, lists)
        assigned_to_target = [
            sum(1 for a in members[g] if a in assignment and assignment[a][0] == r.group_target[g])
            for g in range(n_groups)
        ]
        newly_failed = {
            g
            for g in range(n_groups)
            if g not in failed and assigned_to_target[g] < r.group_threshold[g]
        }
        if not newly_failed:
            break
        failed |= newly_failed

    school = [-1] * r.n
    choice_rank = [0] * r.n
    pool = [-1] * r.n
    lottery = [r.single_number(a) for a in range(r.n)]
    for a, (s, p) in assignment.items():
        school[a] = s
        choice_rank[a] = r.submitted[a].index(s) + 1
        pool[a] = p
        if inst.mechanism != SD:
            lottery[a] = r.lottery_at(a, s)

    pool_filled = [sum(1 for a in range(r.n) if pool[a] == p) for p in range(r.n_pools)]
    pool_overflow = [max(0, pool_filled[p] - r.seats[p]) for p in range(r.n_pools)]
    pool_cutoff: list[Priority | None] = []
    # Under TTC (and SD, where nobody is in a pool) blocks are dissolved: each child's own
    # tuple counts. Otherwise a block's tuple is its best member's (decision 9).
    units = [(a,) for a in range(r.n)] if inst.mechanism in (TTC, SD) else r.blocks
    for p in range(r.n_pools):
        if pool_filled[p] >= r.seats[p] > 0:
            admitted = [u for u in units if pool[u[0]] == p]
            pool_cutoff.append(max(r.unit_priority(u, p) for u in admitted))
        else:
            pool_cutoff.append(None)
    school_filled = [sum(1 for a in range(r.n) if school[a] == s) for s in range(r.m)]
    return RefResult(
        school=school,
        choice_rank=choice_rank,
        pool=pool,
        lottery=lottery,
        pool_filled=pool_filled,
        pool_overflow=pool_overflow,
        pool_cutoff=pool_cutoff,
        school_filled=school_filled,
        group_members=[len(members[g]) for g in range(n_groups)],
        group_assigned=assigned_to_target,
        group_held=[g not in failed for g in range(n_groups)],
        runs=runs,
        waitlists=waiting_lists(r, lists, school) if inst.waitlists else None,
    )


def waiting_lists(
    r: Round, lists: list[list[int]], school: list[int]
) -> list[tuple[int, int, int, int]]:
    """Section 10.7: per school and pool, every child with the school on its list of the last
    run that is unassigned or assigned to a school after it, by its priority tuple for the
    pool (a block member with its block's, then by id; under TTC its own); under serial
    dictatorship one list per school by the single number, then id."""
    rows: list[tuple[int, int, int, int]] = []
    for s in range(r.m):
        waiting = [
            a
            for a in range(r.n)
            if s in lists[a] and (school[a] == -1 or lists[a].index(school[a]) > lists[a].index(s))
        ]
        if r.mechanism == SD:
            ranked = sorted(waiting, key=lambda a: (r.single_number(a), r.ids[a]))
            rows += [(s, -1, k + 1, a) for k, a in enumerate(ranked)]
            continue
        for p in r.pools_of[s]:
            if r.mechanism == TTC:
                ranked = sorted(waiting, key=lambda a, p=p: (r.priority(a, p), r.ids[a]))
            else:
                ranked = sorted(
                    waiting, key=lambda a, p=p: (r.unit_priority(r.block_of(a), p), r.ids[a])
                )
            rows += [(s, p, k + 1, a) for k, a in enumerate(ranked)]
    return rows


def final_lists(inst: Instance, group_held: list[bool]) -> list[list[int]]:
    """The lists of the last run: the submitted lists without the targets of failed groups."""
    r = Round(inst)
    return [
        [
            s
            for s in r.submitted[a]
            if not (
                r.pledge[a] >= 0
                and not group_held[r.pledge[a]]
                and s == r.group_target[r.pledge[a]]
            )
        ]
        for a in range(r.n)
    ]
