"""The engine's input and output: plain NumPy arrays, no files, no web framework.

An :class:`Instance` is one admission round as the allocation rules (``shared`` spec,
sections 1 to 7) describe it, after the round folder has been read and validated.
Everything is indexed by position:

* applicants ``0..n-1`` in the order of ``applicants.csv``;
* schools ``0..m-1`` in the order of ``schools.csv``;
* *edges* ``0..E-1``: one per (applicant, listed school), in list order, so the list of
  applicant ``a`` is ``choices[choice_ptr[a]:choice_ptr[a+1]]`` and the facts that hold
  for that pair (priority group, distance) sit at the same edge index;
* pools ``0..P-1``: those of school ``s`` are ``pool_ptr[s]:pool_ptr[s+1]``, in
  precedence order (spec section 4).

A :class:`Result` gives, for every applicant, the school, the 1-based rank of that
school on the list as submitted, the pool and the lottery number used, and per pool the
number of seats filled, the overflow and the cut-off priority tuple (spec section 9).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

import numpy as np

from samen.engine.pools import (
    ORDER_DISTANCE,
    ORDER_LOTTERY,
    ORDER_NAMES,
    ORDER_RANK,
    Pool,
    largest_remainder,
    parse_favours,
    pool_arrays,
)

MECHANISMS: tuple[str, ...] = (
    "deferred-acceptance",
    "immediate-acceptance",
    "top-trading-cycles",
    "serial-dictatorship",
)
TIE_BREAKINGS: tuple[str, ...] = ("single", "multiple")


class Priority(NamedTuple):
    """The priority tuple of spec section 5, smaller is better.

    ``group`` is the index of the child's strongest priority group at the school
    (``len(priority_groups)`` when it has none), ``unfavoured`` is 0 when the child has
    what the pool favours, ``order_value`` is the distance in metres, the 1-based rank
    or the lottery number (by the pool's ``order_by``), ``lottery`` the lottery number at
    the school and ``applicant_id`` the final tie-breaker.
    """

    group: int
    unfavoured: int
    order_value: float | int
    lottery: int
    applicant_id: str


@dataclass(frozen=True, eq=False)
class Instance:
    """One admission round as arrays (see the module docstring for the indexing)."""

    applicant_ids: Sequence[str]
    school_ids: Sequence[str]
    capacity: np.ndarray  # int64[m]
    choice_ptr: np.ndarray  # int64[n+1]
    choices: np.ndarray  # int32[E], school index per edge
    pool_ptr: np.ndarray  # int64[m+1]
    pool_names: Sequence[str]  # [P]
    pool_seats: np.ndarray  # int64[P]
    pool_flag: np.ndarray  # int32[P], index into flag_names, -1 = favours nobody
    pool_negate: np.ndarray  # bool[P], True for "not:<flag>"
    pool_order: np.ndarray  # int8[P], ORDER_LOTTERY / ORDER_DISTANCE / ORDER_RANK (pools.py)
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


@dataclass
class PoolSpec:
    """A pool as a round folder gives it (spec section 4), for :func:`build_instance`."""

    name: str
    share: float | str | Fraction | None = None  # a share 0..1 (str for exact decimals), or
    seats: int | None = None  # a number of seats
    favours: str = ""  # "", a flag name, or "not:" + a flag name
    order_by: str = "lottery"


def _pool(spec: PoolSpec, seats: int, flag_names: Sequence[str]) -> Pool:
    favours = parse_favours(spec.favours, flag_names)
    if favours is None:
        raise ValueError(f"pool {spec.name!r} favours {spec.favours!r}, which is not a flag")
    return Pool(spec.name, seats, favours[0], favours[1], ORDER_NAMES.index(spec.order_by))


def build_instance(
    applicants: Mapping[str, Sequence[str]],
    capacity: Mapping[str, int],
    *,
    seed: str = "seed",
    pools: Mapping[str, Sequence[PoolSpec]] | None = None,
    default_pools: Sequence[PoolSpec] = (PoolSpec("all", share="1"),),
    flags: Mapping[str, Mapping[str, int]] | None = None,
    priority_groups: Sequence[str] = (),
    priorities: Mapping[tuple[str, str], str] | None = None,
    distances: Mapping[tuple[str, str], float] | None = None,
    families: Mapping[str, str] | None = None,
    pledges: Mapping[str, str] | None = None,
    groups: Mapping[str, tuple[str, int]] | None = None,
    mechanism: str = "deferred-acceptance",
    tie_breaking: str = "single",
) -> Instance:
    """Build an :class:`Instance` from plain Python mappings (tests, notebooks, examples).

    ``applicants`` maps applicant id to its ranked school ids (in insertion order),
    ``capacity`` school id to seats (in insertion order), ``pools`` school id to its pools
    in precedence order (other schools get ``default_pools``), ``flags`` flag name to
    ``{applicant_id: 0/1}``, ``priorities`` ``(applicant, school)`` to a group name (the
    strongest one), ``distances`` ``(applicant, school)`` to metres, ``families``
    applicant to family label, ``pledges`` applicant to group id and ``groups`` group id to
    ``(target school, threshold)``. No validation beyond what the arrays need: the round
    readers validate files.

    >>> inst = build_instance({"a": ["X", "Y"], "b": ["X"]}, {"X": 1, "Y": 1})
    >>> inst.n_applicants, inst.n_schools, inst.choices.tolist()
    (2, 2, [0, 1, 0])
    """
    pools = pools or {}
    flags = flags or {}
    priorities = priorities or {}
    distances = distances or {}
    families = families or {}
    pledges = pledges or {}
    groups = groups or {}

    app_ids = list(applicants)
    sch_ids = list(capacity)
    sch_index = {s: i for i, s in enumerate(sch_ids)}
    flag_names = list(flags)
    group_rank = {g: i for i, g in enumerate(priority_groups)}

    ptr = [0]
    edges: list[int] = []
    prio: list[int] = []
    dist: list[float] = []
    for a in app_ids:
        for s in applicants[a]:
            edges.append(sch_index[s])
            g = priorities.get((a, s))
            prio.append(group_rank[g] if g is not None else len(priority_groups))
            dist.append(float(distances.get((a, s), np.nan)))
        ptr.append(len(edges))

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

    return Instance(
        applicant_ids=app_ids,
        school_ids=sch_ids,
        capacity=np.array([capacity[s] for s in sch_ids], dtype=np.int64),
        choice_ptr=np.array(ptr, dtype=np.int64),
        choices=np.array(edges, dtype=np.int32),
        **pool_arrays(school_pools),
        flags=flag_arr,
        flag_names=flag_names,
        priority=np.array(prio, dtype=np.int32),
        priority_groups=list(priority_groups),
        distance=np.array(dist, dtype=np.float64),
        family=family,
        pledge=pledge,
        group_ids=group_ids,
        group_target=np.array([sch_index[groups[g][0]] for g in group_ids], dtype=np.int32),
        group_threshold=np.array([groups[g][1] for g in group_ids], dtype=np.int64),
        seed=seed,
        tie_breaking=tie_breaking,
        mechanism=mechanism,
    )


__all__ = [
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
]
