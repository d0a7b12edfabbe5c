"""The engine's input and output: plain NumPy arrays, no files, no web framework.

An :class:`Instance` is one admission round as the allocation rules (``docs/allocation-rules.md``,
sections 1 to 7 and the rules of version 2 in section 10) describe it, after the round folder
has been read and validated.
Everything is indexed by position:

* applicants ``0..n-1`` in the order of ``applicants.csv``;
* schools ``0..m-1`` in the order of ``schools.csv``;
* *edges* ``0..E-1``: one per (applicant, listed school), in list order, so the list of
  applicant ``a`` is ``choices[choice_ptr[a]:choice_ptr[a+1]]`` and the facts that hold
  for that pair (priority group, distance) sit at the same edge index;
* pools ``0..P-1``: those of school ``s`` are ``pool_ptr[s]:pool_ptr[s+1]``, in
  precedence order (spec section 4).

The fields after ``mechanism`` hold the rules of section 10; their defaults are the v1
rules, so a v1 round sets none of them (:func:`rules_version`).

A :class:`Result` gives, for every applicant, the school, the 1-based rank of that
school on the list as submitted, the pool and the lottery number used, and per pool the
number of seats filled, the overflow and the cut-off priority tuple (spec section 9); with
``waitlists`` also the waiting lists (section 10.7).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from samen.engine.criteria import order_of, parse, text_of, used_columns
from samen.engine.distance import KINDS as DISTANCE_KINDS
from samen.engine.distance import metres
from samen.engine.nearest import Geography, NearestRule
from samen.engine.pools import (
    COMPOUND,
    ORDER_CRITERIA,
    ORDER_DISTANCE,
    ORDER_LOTTERY,
    ORDER_NAMES,
    ORDER_RANK,
    Pool,
    canonical_favours,
    largest_remainder,
    parse_favours,
    pool_arrays,
)

if TYPE_CHECKING:
    from samen.engine.waitlists import Waitlists

MECHANISMS: tuple[str, ...] = (
    "deferred-acceptance",
    "immediate-acceptance",
    "top-trading-cycles",
    "serial-dictatorship",
)
TIE_BREAKINGS: tuple[str, ...] = ("single", "multiple")
#: ``family_number`` (section 10.6): the block's number is its first member's, or the best
FAMILY_NUMBERS: tuple[str, ...] = ("first", "best")


class Priority(NamedTuple):
    """The priority tuple of spec section 5, smaller is better.

    ``group`` is the index of the child's strongest priority group at the school
    (``len(priority_groups)`` when it has none), ``unfavoured`` is 0 when the child has
    what the pool favours, ``order_value`` is the distance in metres, the 1-based rank
    or the lottery number (by the pool's ``order_by``), or under section 10.2 the number of
    a ``value:`` column, or for several criteria the tuple of their values, ``lottery``
    the lottery number at the school and ``applicant_id`` the final tie-breaker.
    """

    group: int
    unfavoured: int
    order_value: float | int | tuple[float | int, ...]
    lottery: int
    applicant_id: str


@dataclass(frozen=True, eq=False)
class Instance:
    """One admission round as arrays (see the module docstring for the indexing)."""

    applicant_ids: Sequence[str]
    school_ids: Sequence[str]
    capacity: np.ndarray  # int64[m]
    choice_ptr: np.ndarray  # int64[n+1]
    choices: np.ndarray  # int32[E], school index per edge; a list names a school at most once
    pool_ptr: np.ndarray  # int64[m+1]
    pool_names: Sequence[str]  # [P]
    pool_seats: np.ndarray  # int64[P]
    pool_flag: np.ndarray  # int32[P], index into flag_names, -1 = favours nobody,
    #                        -2 - k = the expression expressions[k] (pools.py)
    pool_negate: np.ndarray  # bool[P], True for "not:<flag>"
    pool_order: np.ndarray  # int8[P], ORDER_LOTTERY / ORDER_DISTANCE / ORDER_RANK (pools.py),
    #                         ORDER_CRITERIA + k = the criteria orderings[k]
    flags: np.ndarray  # uint8[n, F], 0/1
    flag_names: Sequence[str]
    priority: np.ndarray  # int32[E], strongest group index at that school, len(groups) = none
    priority_groups: Sequence[str]
    distance: np.ndarray  # float64[E], metres; NaN where unknown
    family: np.ndarray  # int64[n], family label, -1 = none
    pledge: np.ndarray  # int32[n], pledge group index, -1 = none
    group_ids: Sequence[str]  # [G]
    group_target: np.ndarray  # int32[G], school index
    group_threshold: np.ndarray  # int64[G]
    seed: str
    tie_breaking: str = "single"
    mechanism: str = "deferred-acceptance"
    # --- section 10 (v2); the defaults are the v1 rules
    #: favours of several terms (10.1), as written without spaces: "indicator|disability"
    expressions: Sequence[str] = ()
    #: order_by other than lottery, distance or rank alone (10.2): "rank,distance"
    orderings: Sequence[str] = ()
    values: np.ndarray | None = None  # float64[n, V], the value: columns (10.2)
    value_names: Sequence[str] = ()
    #: per school, whom it admits (10.5; "" = everyone); () = the round has no admits column
    admits: Sequence[str] = ()
    #: int32[E]: the strongest priorities.csv group at each entry that is not first-choice
    #: only (10.4); None when first_choice_only is empty
    priority_rest: np.ndarray | None = None
    first_choice_only: Sequence[str] = ()  # group names (10.4)
    nearest: Sequence[NearestRule] = ()  # the [[nearest]] rules (10.3)
    #: schools.csv columns that nearest rules name as category: column -> value per school
    categories: Mapping[str, Sequence[str]] = field(default_factory=dict)
    #: distances to the schools a child did not list (10.3); None without nearest rules
    geography: Geography | None = None
    family_number: str = "first"  # or "best" (10.6)
    waitlists: bool = False  # 10.7

    @cached_property
    def group_at(self) -> np.ndarray:
        """``int32[E]``: the priority group that counts at each list entry (item 1 of the
        tuple: sections 5, 10.3 and 10.4; :mod:`samen.engine.priority_groups`), computed
        once per instance."""
        from samen.engine.priority_groups import groups_at

        return groups_at(self)

    @cached_property
    def order_words(self) -> tuple[np.ndarray, tuple[tuple[str, ...], ...], np.ndarray | None]:
        """What the kernels read for the pools' orderings (section 10.2,
        :func:`samen.engine.criteria.kernel_orders`): the kernel ``pool_order``, the
        criteria of each word column and, when they do not use the lottery, the words
        (computed once per instance; else None: they are made for every seed)."""
        from samen.engine import criteria

        order, columns = criteria.kernel_orders(self)
        if criteria.seed_dependent(columns):
            return order, tuple(columns), None
        return order, tuple(columns), criteria.order_codes(self, columns, np.zeros(0, np.uint64))

    @property
    def n_applicants(self) -> int:
        return len(self.applicant_ids)

    @property
    def n_schools(self) -> int:
        return len(self.school_ids)

    @property
    def n_pools(self) -> int:
        return len(self.pool_names)

    def choices_of(self, a: int) -> np.ndarray:
        """The school indices on applicant ``a``'s list, in order."""
        return self.choices[self.choice_ptr[a] : self.choice_ptr[a + 1]]

    def pools_of(self, s: int) -> range:
        """The global indices of school ``s``'s pools, in precedence order."""
        return range(int(self.pool_ptr[s]), int(self.pool_ptr[s + 1]))

    def __getstate__(self) -> dict[str, object]:
        """Pickled without the arrays that preparing it kept on it (the engine's per-round
        arrays, :func:`samen.engine.priority.prepare`): a process that receives a round
        computes them again rather than receive them."""
        state = dict(self.__dict__)
        state.pop("_round_arrays", None)
        return state

    def with_(self, **changes: object) -> Instance:
        """A copy with some fields replaced (a round variant)."""
        from dataclasses import replace

        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, eq=False)
class Result:
    """The outcome of :func:`samen.engine.allocate` (spec section 9)."""

    school: np.ndarray  # int32[n], -1 = unassigned
    choice_rank: np.ndarray  # int32[n], 1-based rank on the list as submitted, 0 = unassigned
    pool: np.ndarray  # int32[n], global pool index, -1 = none (unassigned, serial dictatorship)
    lottery: np.ndarray  # uint64[n], number used at the assigned school, else the single number
    pool_filled: np.ndarray  # int64[P], children placed in the pool (overflow included)
    pool_overflow: np.ndarray  # int64[P], children beyond the pool's seats (family blocks)
    pool_cutoff: list[Priority | None]  # [P], the last child admitted; None if not filled
    school_filled: np.ndarray  # int64[m]
    group_members: np.ndarray  # int64[G]
    group_assigned: np.ndarray  # int64[G], members assigned to the target in the last run
    group_held: np.ndarray  # bool[G]
    runs: int = 1  # how often the mechanism ran (the pledge loop of section 7)
    mechanism: str = "deferred-acceptance"
    extra: dict[str, object] = field(default_factory=dict)
    waitlists: Waitlists | None = None  # section 10.7, when the instance asks for them


@dataclass
class PoolSpec:
    """A pool as a round folder gives it (spec section 4), for :func:`build_instance`."""

    name: str
    share: float | str | Fraction | None = None  # a share 0..1 (str for exact decimals), or
    seats: int | None = None  # a number of seats
    favours: str = ""  # "", a flag name, "not:" + a flag name, or such terms joined by "|"
    order_by: str = "lottery"  # lottery, distance, rank, or criteria joined by "," (10.2)


def _pool(spec: PoolSpec, seats: int, flag_names: Sequence[str]) -> Pool:
    favours = parse_favours(spec.favours, flag_names)
    if favours is None:
        raise ValueError(f"pool {spec.name!r} favours {spec.favours!r}, which is not a flag")
    order = order_of(spec.order_by)
    return Pool(
        spec.name,
        seats,
        favours[0],
        favours[1],
        order,
        canonical_favours(spec.favours, flag_names) if favours[0] == COMPOUND else "",
        text_of(parse(spec.order_by)) if order == ORDER_CRITERIA else "",
    )


def rules_version(instance: Instance) -> int:
    """2 when the round sets any rule of section 10 to other than its default, else 1
    (section 10.8): a favours expression of several terms, an order_by of several criteria
    or a ``value:`` one, a non-empty ``admits``, a ``[[nearest]]`` rule, a non-empty
    ``first_choice_only``, ``family_number = "best"`` or ``waitlists = true``."""
    inst = instance
    v2 = (
        len(inst.expressions) > 0
        or len(inst.orderings) > 0
        or any(a.strip() for a in inst.admits)
        or len(inst.nearest) > 0
        or len(inst.first_choice_only) > 0
        or inst.family_number != "first"
        or bool(inst.waitlists)
    )
    return 2 if v2 else 1


#: a point as build_instance takes it: (x, y) in metres or (lat, lon) in degrees
Point = tuple[float, float]


def build_instance(
    applicants: Mapping[str, Sequence[str]],
    capacity: Mapping[str, int],
    *,
    seed: str = "seed",
    pools: Mapping[str, Sequence[PoolSpec]] | None = None,
    default_pools: Sequence[PoolSpec] = (PoolSpec("all", share="1"),),
    flags: Mapping[str, Mapping[str, int]] | None = None,
    priority_groups: Sequence[str] = (),
    priorities: Mapping[tuple[str, str], str | Sequence[str]] | None = None,
    distances: Mapping[tuple[str, str], float] | None = None,
    families: Mapping[str, str] | None = None,
    pledges: Mapping[str, str] | None = None,
    groups: Mapping[str, tuple[str, int]] | None = None,
    mechanism: str = "deferred-acceptance",
    tie_breaking: str = "single",
    values: Mapping[str, Mapping[str, float]] | None = None,
    admits: Mapping[str, str] | None = None,
    first_choice_only: Sequence[str] = (),
    nearest: Sequence[NearestRule] = (),
    categories: Mapping[str, Mapping[str, str]] | None = None,
    homes: Mapping[str, Point] | None = None,
    sites: Mapping[str, Point] | None = None,
    distance: str = "euclidean",
    family_number: str = "first",
    waitlists: bool = False,
) -> Instance:
    """Build an :class:`Instance` from plain Python mappings (tests, notebooks, examples).

    ``applicants`` maps applicant id to its ranked school ids (in insertion order),
    ``capacity`` school id to seats (in insertion order), ``pools`` school id to its pools
    in precedence order (other schools get ``default_pools``), ``flags`` flag name to
    ``{applicant_id: 0/1}``, ``priorities`` ``(applicant, school)`` to a group name or
    several (its rows of priorities.csv), ``distances`` ``(applicant, school)`` to metres,
    ``families`` applicant to family label, ``pledges`` applicant to group id and ``groups``
    group id to ``(target school, threshold)``.

    The rules of section 10: ``values`` a ``value:`` column name to ``{applicant: number}``
    (kept for the columns the pools order by), ``admits`` school id to its expression,
    ``first_choice_only`` group names, ``nearest`` the ``[[nearest]]`` rules with
    ``categories`` (column -> ``{school: value}``, kept for the columns the rules name),
    ``homes`` and ``sites`` the coordinates (``distance`` says which kind: the distance of a
    listed pair that ``distances`` does not give is computed from them, rounded to the
    centimetre; ``distances`` may also give pairs a child did not list), ``family_number``
    and ``waitlists``. No validation beyond what the arrays need: the round readers
    validate files.

    >>> inst = build_instance({"a": ["X", "Y"], "b": ["X"]}, {"X": 1, "Y": 1})
    >>> inst.n_applicants, inst.n_schools, inst.choices.tolist()
    (2, 2, [0, 1, 0])
    """
    pools = pools or {}
    flags = flags or {}
    families = families or {}
    pledges = pledges or {}
    groups = groups or {}

    app_ids = list(applicants)
    sch_ids = list(capacity)
    sch_index = {s: i for i, s in enumerate(sch_ids)}
    flag_names = list(flags)
    listed = {(a, s) for a in app_ids for s in applicants[a]}
    unlisted = {k: v for k, v in (distances or {}).items() if k not in listed}
    geo = _geography(app_ids, sch_ids, homes, sites, distance, nearest, unlisted)
    edges = _edges(
        applicants, sch_index, list(priority_groups), priorities or {}, distances or {},
        geo, first_choice_only,
    )  # fmt: skip

    school_pools: list[list[Pool]] = []
    for s in sch_ids:
        specs = list(pools.get(s, default_pools))
        if specs and specs[0].seats is None:
            seats = largest_remainder([str(p.share) for p in specs], int(capacity[s]))
        else:
            seats = [int(p.seats or 0) for p in specs]
        school_pools.append([_pool(p, k, flag_names) for p, k in zip(specs, seats, strict=True)])

    flag_arr = np.zeros((len(app_ids), len(flag_names)), dtype=np.uint8)
    for j, f in enumerate(flag_names):
        for i, a in enumerate(app_ids):
            flag_arr[i, j] = 1 if flags[f].get(a, 0) else 0

    fam_labels: dict[str, int] = {}
    family = np.array(
        [
            fam_labels.setdefault(families[a], len(fam_labels)) if a in families else -1
            for a in app_ids
        ],
        dtype=np.int64,
    )
    group_ids = list(groups)
    g_index = {g: i for i, g in enumerate(group_ids)}
    pledge = np.array(
        [g_index[pledges[a]] if a in pledges else -1 for a in app_ids], dtype=np.int32
    )
    arrays = pool_arrays(school_pools)
    used = used_columns(arrays["orderings"])
    values = {c: (values or {})[c] for c in used}
    named = {rule.category for rule in nearest if rule.category}
    categories = {c: v for c, v in (categories or {}).items() if c in named}

    return Instance(
        applicant_ids=app_ids,
        school_ids=sch_ids,
        capacity=np.array([capacity[s] for s in sch_ids], dtype=np.int64),
        choice_ptr=edges.ptr,
        choices=edges.choices,
        **arrays,
        flags=flag_arr,
        flag_names=flag_names,
        priority=edges.priority,
        priority_groups=list(priority_groups),
        distance=edges.distance,
        family=family,
        pledge=pledge,
        group_ids=group_ids,
        group_target=np.array([sch_index[groups[g][0]] for g in group_ids], dtype=np.int32),
        group_threshold=np.array([groups[g][1] for g in group_ids], dtype=np.int64),
        seed=seed,
        tie_breaking=tie_breaking,
        mechanism=mechanism,
        values=np.array(
            [[float(values[c].get(a, np.nan)) for c in values] for a in app_ids], dtype=np.float64
        ).reshape(len(app_ids), len(values))
        if values
        else None,
        value_names=list(values),
        admits=[(admits or {}).get(s, "") for s in sch_ids] if admits else (),
        priority_rest=edges.rest,
        first_choice_only=list(first_choice_only),
        nearest=list(nearest),
        categories={c: [str(v.get(s, "")).strip() for s in sch_ids] for c, v in categories.items()},
        geography=geo,
        family_number=family_number,
        waitlists=waitlists,
    )


@dataclass
class _Edges:
    ptr: np.ndarray
    choices: np.ndarray
    priority: np.ndarray
    rest: np.ndarray | None
    distance: np.ndarray


def _edges(
    applicants: Mapping[str, Sequence[str]],
    sch_index: Mapping[str, int],
    priority_groups: list[str],
    priorities: Mapping[tuple[str, str], str | Sequence[str]],
    distances: Mapping[tuple[str, str], float],
    geo: Geography | None,
    first_choice_only: Sequence[str],
) -> _Edges:
    """The list entries of :func:`build_instance` and their facts."""
    group_rank = {g: i for i, g in enumerate(priority_groups)}
    none = len(priority_groups)
    only_first = set(first_choice_only)
    ptr = [0]
    edges: list[int] = []
    prio: list[int] = []
    rest: list[int] = []
    dist: list[float] = []
    for i, a in enumerate(applicants):
        for s in applicants[a]:
            edges.append(sch_index[s])
            given = priorities.get((a, s), ())
            names = [given] if isinstance(given, str) else list(given)
            prio.append(min((group_rank[g] for g in names), default=none))
            rest.append(min((group_rank[g] for g in names if g not in only_first), default=none))
            d = distances.get((a, s))
            if d is None and geo is not None:
                d = float(metres(geo.kind, geo.homes[i], geo.sites[sch_index[s]]))
            dist.append(float(np.nan if d is None else d))
        ptr.append(len(edges))
    return _Edges(
        ptr=np.array(ptr, dtype=np.int64),
        choices=np.array(edges, dtype=np.int32),
        priority=np.array(prio, dtype=np.int32),
        rest=np.array(rest, dtype=np.int32) if only_first else None,
        distance=np.array(dist, dtype=np.float64),
    )


def _geography(
    app_ids: list[str],
    sch_ids: list[str],
    homes: Mapping[str, Point] | None,
    sites: Mapping[str, Point] | None,
    distance: str,
    nearest: Sequence[NearestRule],
    distances: Mapping[tuple[str, str], float],
) -> Geography | None:
    """The coordinates and ``distances`` (of pairs not on the child's list), when the round
    has coordinates or nearest rules."""
    if homes is None and sites is None and not nearest:
        return None
    if distance not in DISTANCE_KINDS:
        raise ValueError(f"unknown distance {distance!r}; use euclidean or haversine")
    homes, sites = homes or {}, sites or {}
    nan = (np.nan, np.nan)
    a_index = {a: i for i, a in enumerate(app_ids)}
    s_index = {s: i for i, s in enumerate(sch_ids)}
    pairs = [(a_index[a], s_index[s], float(d)) for (a, s), d in distances.items()]
    return Geography(
        kind=distance,
        homes=np.array([homes.get(a, nan) for a in app_ids], dtype=np.float64).reshape(-1, 2),
        sites=np.array([sites.get(s, nan) for s in sch_ids], dtype=np.float64).reshape(-1, 2),
        pair_app=np.array([p[0] for p in pairs], dtype=np.int64),
        pair_school=np.array([p[1] for p in pairs], dtype=np.int64),
        pair_metres=np.array([p[2] for p in pairs], dtype=np.float64),
    )


__all__ = [
    "FAMILY_NUMBERS",
    "MECHANISMS",
    "ORDER_DISTANCE",
    "ORDER_LOTTERY",
    "ORDER_NAMES",
    "ORDER_RANK",
    "TIE_BREAKINGS",
    "Instance",
    "PoolSpec",
    "Priority",
    "Result",
    "build_instance",
    "rules_version",
]
