"""Synthetic benchmark rounds, built directly as :class:`samen.engine.Instance` arrays.

Two families, both parametrised by size:

* :func:`nyc_like`: by default 80,000 children, 700 schools, 12 choices each;
* :func:`national`: by default 500,000 children, 6,000 schools, 8 choices each.

Structure (the same for both): school popularity follows Zipf(0.8) and every child draws
its list from it without replacement; total capacity is 1.05 x the number of children;
every school has two lottery pools, 30% ``indicator`` (favours the flag ``indicator``)
and 70% ``other`` (favours ``not:indicator``); about 30% of the children carry the flag
and about 3% have sibling priority at one school on their list.

``plain=True`` gives the same lists and capacities with one pool per school, no flags
and no priority groups: strict priorities from the single lottery alone, the classic
school-choice problem the peer libraries solve.

:func:`with_rules_v2` adds the rules of section 10 that cities use since 2023: homes and
schools in a 20 km square, priority at the 8 nearest schools with at least 2 public and 2
catholic ones (Amsterdam-like), every pool ordered by ``rank,distance`` (choice first, then
distance, then the lottery) and waiting lists.

Everything is vectorised NumPy with a fixed seed, so a given (kind, size) is always the
same round. :func:`write_round` writes an instance as a round folder (CSV) for timing the
whole ``samen allocate`` command.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from samen.engine.distance import metres
from samen.engine.instance import Instance
from samen.engine.nearest import Geography, NearestRule
from samen.engine.pools import ORDER_CRITERIA, Pool, largest_remainder, pool_arrays, pools_of
from samen.io.round import instance_settings, instance_tables, render_round
from samen.io.round import write_round as io_write_round

SEED = "samen bench 2027"
ZIPF = 0.8
CAPACITY_RATIO = 1.05
INDICATOR_SHARE = 0.3
INDICATOR_SEATS = "0.3"
SIBLING_SHARE = 0.03


def _first_unique(draws: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the first ``k`` distinct values of ``draws`` in order, and a row mask.

    Drawing with replacement and keeping first occurrences is exactly sequential
    weighted sampling without replacement. Rows with fewer than ``k`` distinct values
    are flagged ``False`` (the caller draws them again).
    """
    order = np.argsort(draws, axis=1, kind="stable")
    srt = np.take_along_axis(draws, order, axis=1)
    first_sorted = np.ones(draws.shape, dtype=bool)
    first_sorted[:, 1:] = srt[:, 1:] != srt[:, :-1]
    first = np.empty_like(first_sorted)
    np.put_along_axis(first, order, first_sorted, axis=1)
    keep = first & (np.cumsum(first, axis=1) <= k)
    ok = keep.sum(axis=1) == k
    return draws[ok][keep[ok]].reshape(-1, k), ok


def draw_lists(rng: np.random.Generator, n: int, m: int, k: int, zipf: float = ZIPF) -> np.ndarray:
    """``int32[n, k]``: every child's list, ``k`` schools without replacement, Zipf popularity.

    Popularity rank is shuffled over the school indices, so school 0 is not the favourite.
    """
    k = min(k, m)
    weight = 1.0 / np.arange(1, m + 1, dtype=np.float64) ** zipf
    weight = weight[rng.permutation(m)]
    cdf = np.cumsum(weight)
    cdf /= cdf[-1]
    out = np.empty((n, k), dtype=np.int32)
    chunk = 100_000
    for start in range(0, n, chunk):
        rows = np.arange(start, min(start + chunk, n))
        while rows.size:
            width = 2 * k + 4 if k < m // 2 else 6 * m
            draws = np.searchsorted(cdf, rng.random((rows.size, width)), side="right")
            draws = np.minimum(draws, m - 1).astype(np.int32)
            lists, ok = _first_unique(draws, k)
            out[rows[ok]] = lists
            rows = rows[~ok]
    return out


def spread_capacity(rng: np.random.Generator, m: int, total: int) -> np.ndarray:
    """``int64[m]`` capacities around ``total / m`` (log-normal spread) that sum to ``total``."""
    w = rng.lognormal(0.0, 0.35, size=m)
    quota = w / w.sum() * total
    cap = np.floor(quota).astype(np.int64)
    left = int(total - cap.sum())
    cap[np.argsort(-(quota - cap), kind="stable")[:left]] += 1
    return cap


def school_choice(
    n: int,
    m: int,
    k: int,
    *,
    plain: bool = False,
    rng_seed: int = 2027,
    zipf: float = ZIPF,
    mechanism: str = "deferred-acceptance",
) -> Instance:
    """A synthetic round of ``n`` children, ``m`` schools and ``k`` choices (see the module)."""
    rng = np.random.default_rng(rng_seed)
    lists = draw_lists(rng, n, m, k, zipf)
    k = lists.shape[1]
    cap = spread_capacity(rng, m, round(CAPACITY_RATIO * n))
    indicator = rng.random(n) < INDICATOR_SHARE
    sibling = rng.random(n) < SIBLING_SHARE
    sibling_pos = rng.integers(0, k, size=n)

    choices = lists.reshape(-1)
    choice_ptr = np.arange(0, n * k + 1, k, dtype=np.int64)
    applicant_ids = [f"C{i:07d}" for i in range(n)]
    school_ids = [f"S{j:05d}" for j in range(m)]

    if plain:
        pools = [[Pool("all", int(c))] for c in cap.tolist()]
        flags = np.zeros((n, 0), dtype=np.uint8)
        flag_names: list[str] = []
        priority = np.zeros(n * k, dtype=np.int32)
        groups: list[str] = []
    else:
        seats = {
            int(c): largest_remainder([INDICATOR_SEATS, "0.7"], int(c)) for c in np.unique(cap)
        }
        pools = [
            [Pool("indicator", seats[c][0], 0, False), Pool("other", seats[c][1], 0, True)]
            for c in cap.tolist()
        ]
        flags = indicator.astype(np.uint8).reshape(n, 1)
        flag_names = ["indicator"]
        priority = np.ones(n * k, dtype=np.int32)
        priority[(np.arange(n) * k + sibling_pos)[sibling]] = 0
        groups = ["sibling"]

    return Instance(
        applicant_ids=applicant_ids,
        school_ids=school_ids,
        capacity=cap,
        choice_ptr=choice_ptr,
        choices=choices,
        **pool_arrays(pools),
        flags=flags,
        flag_names=flag_names,
        priority=priority,
        priority_groups=groups,
        distance=np.full(n * k, np.nan),
        family=np.full(n, -1, dtype=np.int64),
        pledge=np.full(n, -1, dtype=np.int32),
        group_ids=[],
        group_target=np.zeros(0, dtype=np.int32),
        group_threshold=np.zeros(0, dtype=np.int64),
        seed=SEED,
        tie_breaking="single",
        mechanism=mechanism,
    )


def nyc_like(
    n: int = 80_000, *, plain: bool = False, mechanism: str = "deferred-acceptance"
) -> Instance:
    """NYC-like: 700 schools per 80,000 children (scaled with ``n``), 12 choices."""
    return school_choice(n, max(2, round(n * 700 / 80_000)), 12, plain=plain, mechanism=mechanism)


def national(
    n: int = 500_000, *, plain: bool = False, mechanism: str = "deferred-acceptance"
) -> Instance:
    """National scale: 6,000 schools per 500,000 children (scaled with ``n``), 8 choices."""
    return school_choice(n, max(2, round(n * 6_000 / 500_000)), 8, plain=plain, mechanism=mechanism)


KINDS = {"nyc": nyc_like, "national": national}
CITY_M = 20_000.0  # the side of the square of homes and schools, metres
DENOMINATIONS = ("public", "catholic", "protestant")
V2_NEAREST = NearestRule("nearby", 8, "denomination", (("public", 2), ("catholic", 2)))
V2_ORDER = "rank,distance"


def with_rules_v2(inst: Instance, rng_seed: int = 2028) -> Instance:
    """``inst`` with the rules of section 10 of the module docstring (its lists, capacities,
    pools' seats and what they favour unchanged)."""
    rng = np.random.default_rng(rng_seed)
    n, m = inst.n_applicants, inst.n_schools
    homes = np.round(rng.random((n, 2)) * CITY_M, 1)  # to the decimetre, as addresses are
    sites = np.round(rng.random((m, 2)) * CITY_M, 1)
    edge_app = np.repeat(np.arange(n), np.diff(inst.choice_ptr))
    dist = metres("euclidean", homes[edge_app], sites[inst.choices])
    kind = [DENOMINATIONS[i] for i in rng.integers(0, len(DENOMINATIONS), size=m).tolist()]
    pools = [
        [replace(q, order=ORDER_CRITERIA, ordering=V2_ORDER) for q in school]
        for school in pools_of(inst)
    ]
    groups = [*inst.priority_groups, "nearby"]
    none = np.int32(len(inst.priority_groups))
    priority = np.where(inst.priority == none, len(groups), inst.priority).astype(np.int32)
    return inst.with_(
        **pool_arrays(pools),
        priority_groups=groups,
        priority=priority,
        distance=dist,
        nearest=[V2_NEAREST],
        categories={"denomination": kind},
        geography=Geography("euclidean", homes, sites),
        waitlists=True,
    )


def make(
    kind: str,
    n: int,
    *,
    plain: bool = False,
    mechanism: str = "deferred-acceptance",
    v2: bool = False,
) -> Instance:
    """The instance of ``kind`` (``"nyc"`` or ``"national"``) with ``n`` children; ``v2``: with
    the rules of section 10 (:func:`with_rules_v2`)."""
    inst = KINDS[kind](n, plain=plain, mechanism=mechanism)
    return with_rules_v2(inst) if v2 else inst


def write_round(inst: Instance, folder: str | Path, name: str = "bench round") -> Path:
    """Write ``inst`` as a round folder (round.toml and CSVs, spec section 1) with samen's
    own writer (:func:`samen.io.round.write_round`, replacing an earlier bench round there);
    return it. Pools go to ``seats.csv`` as whole seats, priority groups to
    ``priorities.csv``."""
    files = render_round(instance_settings(inst, name), instance_tables(inst), pools=False)
    # the tables give every school's pools; round.toml's default pools are not used
    return io_write_round(folder, files, replace=True)
