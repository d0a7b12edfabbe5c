"""Shared helpers for the engine's tests: random small rounds (hypothesis) and a plain view
of a result, so the engine and the reference implementation compare field by field."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import strategies as st

from samen.engine.instance import (
    MECHANISMS,
    TIE_BREAKINGS,
    Instance,
    PoolSpec,
    Priority,
    build_instance,
)
from samen.engine.nearest import NearestRule

HAVE_ENGINE = importlib.util.find_spec("samen.engine.allocate") is not None
needs_engine = pytest.mark.skipif(not HAVE_ENGINE, reason="samen.engine.allocate not written yet")

FIELDS = (
    "school",
    "choice_rank",
    "pool",
    "lottery",
    "pool_filled",
    "pool_overflow",
    "pool_cutoff",
    "school_filled",
    "group_members",
    "group_assigned",
    "group_held",
    "runs",
)

# Applicant ids: short, some non-ASCII, and some whose byte order differs from a
# "natural" order ("a10" < "a9"), so the id tie-breaks and block leads are exercised.
ID_POOL = ("a", "b", "c", "d", "e", "f", "a10", "a9", "Z", "é", "ø", "Ω", "x-1", "ÿ", "k", "m")
SEEDS = ("seed", "kies je school 2027", "zaad-ß", "0")


def engine_allocate(inst: Instance):
    from samen.engine.allocate import allocate

    return allocate(inst)


def reference_allocate(inst: Instance):
    from reference import allocate

    return allocate(inst)


IMPLEMENTATIONS = {"engine": engine_allocate, "reference": reference_allocate}


def implementations() -> list:
    """pytest params for tests that hold for the engine and the reference alike."""
    return [
        pytest.param("engine", marks=needs_engine),
        pytest.param("reference"),
    ]


def _py(x):
    return x.item() if isinstance(x, np.generic) else x


def _order_value(v):
    return tuple(_py(x) for x in v) if isinstance(v, tuple) else _py(v)


def _priority(p) -> Priority | None:
    if p is None:
        return None
    g, u, v, lot, aid = p
    return Priority(_py(g), _py(u), _order_value(v), _py(lot), aid)


def waitlist_rows(result) -> list[tuple[int, int, int, int]] | None:
    """The waiting lists (section 10.7) as (school, pool, position, child) rows."""
    w = result.waitlists
    if w is None or isinstance(w, list):
        return w
    return [
        (int(s), int(p), int(k), int(a))
        for s, p, k, a in zip(w.school, w.pool, w.position, w.applicant, strict=True)
    ]


def plain(result) -> dict[str, object]:
    """The result's fields as plain Python lists (engine ``Result`` or ``RefResult``)."""
    out: dict[str, object] = {}
    for name in FIELDS:
        value = getattr(result, name)
        if name == "pool_cutoff":
            out[name] = [_priority(p) for p in value]
        elif name == "runs":
            out[name] = int(value)
        elif name == "group_held":
            out[name] = [bool(v) for v in value]
        else:
            out[name] = [int(v) for v in value]
    out["waitlists"] = waitlist_rows(result)
    return out


def assert_same(engine_result, reference_result, inst: Instance | None = None) -> None:
    a, b = plain(engine_result), plain(reference_result)
    diffs = {k: (a[k], b[k]) for k in (*FIELDS, "waitlists") if a[k] != b[k]}
    if diffs:
        where = f"\n{describe(inst)}" if inst is not None else ""
        lines = "\n".join(
            f"  {k}:\n    engine    {e}\n    reference {r}" for k, (e, r) in diffs.items()
        )
        raise AssertionError(f"engine and reference differ{where}\n{lines}")


# ----- random rounds -----------------------------------------------------------------------


@dataclass
class RoundSpec:
    """The keyword arguments of ``build_instance``, kept so a test can vary them."""

    applicants: dict[str, list[str]]
    capacity: dict[str, int]
    seed: str = "seed"
    pools: dict[str, list[PoolSpec]] = field(default_factory=dict)
    flags: dict[str, dict[str, int]] = field(default_factory=dict)
    priority_groups: list[str] = field(default_factory=list)
    priorities: dict[tuple[str, str], str] = field(default_factory=dict)
    distances: dict[tuple[str, str], float] = field(default_factory=dict)
    families: dict[str, str] = field(default_factory=dict)
    pledges: dict[str, str] = field(default_factory=dict)
    groups: dict[str, tuple[str, int]] = field(default_factory=dict)
    mechanism: str = "deferred-acceptance"
    tie_breaking: str = "single"
    # section 10 (v2)
    values: dict[str, dict[str, float]] = field(default_factory=dict)
    first_choice_only: list[str] = field(default_factory=list)
    nearest: list[NearestRule] = field(default_factory=list)
    categories: dict[str, dict[str, str]] = field(default_factory=dict)
    homes: dict[str, tuple[float, float]] | None = None
    sites: dict[str, tuple[float, float]] | None = None
    family_number: str = "first"
    waitlists: bool = False

    def build(self, **changes) -> Instance:
        kw = dict(self.__dict__)
        kw.update(changes)
        applicants = kw.pop("applicants")
        capacity = kw.pop("capacity")
        return build_instance(applicants, capacity, **kw)


def describe(inst: Instance) -> str:
    """A readable dump of an instance (for failure messages and bug reports)."""
    lines = [f"seed={inst.seed!r} mechanism={inst.mechanism} tie_breaking={inst.tie_breaking}"]
    lines.append(f"priority_groups={list(inst.priority_groups)} flags={list(inst.flag_names)}")
    for s, sid in enumerate(inst.school_ids):
        pools = []
        for p in inst.pools_of(s):
            fav = ""
            if inst.pool_flag[p] >= 0:
                fav = ("not:" if inst.pool_negate[p] else "") + inst.flag_names[inst.pool_flag[p]]
            pools.append(
                f"{inst.pool_names[p]}(seats={int(inst.pool_seats[p])}, favours={fav!r}, "
                f"order_by={('lottery', 'distance', 'rank')[int(inst.pool_order[p])]})"
            )
        lines.append(f"school {sid!r} capacity={int(inst.capacity[s])}: " + ", ".join(pools))
    for a, aid in enumerate(inst.applicant_ids):
        lo, hi = int(inst.choice_ptr[a]), int(inst.choice_ptr[a + 1])
        parts = []
        for e in range(lo, hi):
            s = inst.school_ids[int(inst.choices[e])]
            extra = []
            if int(inst.priority[e]) < len(inst.priority_groups):
                extra.append(inst.priority_groups[int(inst.priority[e])])
            if not np.isnan(inst.distance[e]):
                extra.append(f"{inst.distance[e]:g}m")
            parts.append(s + (f"[{','.join(extra)}]" if extra else ""))
        flags = [f for j, f in enumerate(inst.flag_names) if inst.flags[a, j]]
        fam = f" family={int(inst.family[a])}" if inst.family[a] >= 0 else ""
        pl = f" pledge={inst.group_ids[int(inst.pledge[a])]}" if inst.pledge[a] >= 0 else ""
        lines.append(f"  {aid!r}: {' > '.join(parts)} flags={flags}{fam}{pl}")
    for g, gid in enumerate(inst.group_ids):
        lines.append(
            f"group {gid!r}: target={inst.school_ids[int(inst.group_target[g])]!r} "
            f"threshold={int(inst.group_threshold[g])}"
        )
    return "\n".join(lines)


def _split(draw, total: int, k: int) -> list[int]:
    """``total`` seats split into ``k`` non-negative parts."""
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=k - 1, max_size=k - 1)))
    bounds = [0, *cuts, total]
    return [bounds[i + 1] - bounds[i] for i in range(k)]


@st.composite
def rounds(
    draw,
    *,
    min_schools: int = 2,
    max_schools: int = 5,
    min_children: int = 1,
    max_children: int = 12,
    max_capacity: int = 4,
    max_pools: int = 3,
    families: bool = True,
    pledges: bool = True,
    rank: bool = True,
    groups: bool = True,
    flags: bool = True,
    distance: bool = True,
    max_groups: int = 2,
    pledge_heavy: bool = False,
) -> RoundSpec:
    """A random small round (see the keyword arguments for what it may contain)."""
    m = draw(st.integers(min_schools, max_schools))
    schools = [f"S{i}" for i in range(m)]
    n = draw(st.integers(min_children, max_children))
    ids = draw(st.lists(st.sampled_from(ID_POOL), min_size=n, max_size=n, unique=True))
    capacity = {s: draw(st.integers(0, max_capacity)) for s in schools}

    flag_values = {}
    if flags:
        flag_values["indicator"] = {a: draw(st.integers(0, 1)) for a in ids}
    favours_options = ["", "indicator", "not:indicator"] if flags else [""]
    order_options = ["lottery"] + (["distance"] if distance else []) + (["rank"] if rank else [])

    pools: dict[str, list[PoolSpec]] = {}
    for s in schools:
        k = draw(st.integers(1, max_pools))
        specs = [
            PoolSpec(
                name=f"p{j}",
                favours=draw(st.sampled_from(favours_options)),
                order_by=draw(st.sampled_from(order_options)),
            )
            for j in range(k)
        ]
        if draw(st.booleans()):
            for spec, seats in zip(specs, _split(draw, capacity[s], k), strict=True):
                spec.seats = seats
        else:  # shares in twentieths, written as exact decimals, summing to 1
            for spec, twentieths in zip(specs, _split(draw, 20, k), strict=True):
                spec.share = str(Decimal(twentieths) / Decimal(20))
        pools[s] = specs

    priority_groups = (
        draw(st.sampled_from([[], ["sibling"], ["sibling", "staff"]])) if groups else []
    )

    applicants: dict[str, list[str]] = {}
    family_of: dict[str, str] = {}
    pledge_of: dict[str, str] = {}
    group_defs: dict[str, tuple[str, int]] = {}
    if pledges and (pledge_heavy or draw(st.booleans())):
        for g in range(draw(st.integers(1, max_groups))):
            group_defs[f"G{g}"] = (draw(st.sampled_from(schools)), draw(st.integers(1, 3)))

    for i, a in enumerate(ids):
        twin_of = None
        if families and i > 0 and draw(st.integers(0, 3)) == 0:
            twin_of = ids[draw(st.integers(0, i - 1))]
        if twin_of is not None:  # same family, list and pledge: a block
            applicants[a] = list(applicants[twin_of])
            family_of.setdefault(twin_of, f"F{twin_of}")
            family_of[a] = family_of[twin_of]
            if twin_of in pledge_of:
                pledge_of[a] = pledge_of[twin_of]
            continue
        order = draw(st.permutations(schools))
        applicants[a] = list(order[: draw(st.integers(1, m))])
        if families and draw(st.integers(0, 4)) == 0:  # a family label, maybe not a block
            family_of[a] = draw(st.sampled_from(["F1", "F2"]))
        for g, (target, _) in group_defs.items():
            if pledge_heavy and target not in applicants[a] and draw(st.booleans()):
                applicants[a].insert(draw(st.integers(0, len(applicants[a]))), target)
            if (
                a not in pledge_of
                and target in applicants[a]
                and draw(st.integers(0, 3)) < (3 if pledge_heavy else 2)
            ):
                pledge_of[a] = g

    priorities: dict[tuple[str, str], str] = {}
    distances: dict[tuple[str, str], float] = {}
    for a, lst in applicants.items():
        for s in lst:
            distances[(a, s)] = float(draw(st.integers(0, 6)) * 250)
            if priority_groups and draw(st.integers(0, 3)) == 0:
                priorities[(a, s)] = draw(st.sampled_from(priority_groups))

    return RoundSpec(
        applicants=applicants,
        capacity=capacity,
        seed=draw(st.sampled_from(SEEDS)),
        pools=pools,
        flags=flag_values,
        priority_groups=priority_groups,
        priorities=priorities,
        distances=distances,
        families=family_of,
        pledges=pledge_of,
        groups=group_defs,
    )


#: what a v2 pool may favour (section 10.1) and order by (10.2)
V2_FAVOURS = (
    "",
    "indicator",
    "not:indicator",
    "indicator|disability",
    "not:indicator|disability",
    "disability|not:disability",
)
V2_ORDERS = (
    "lottery",
    "distance",
    "rank",
    "rank,distance",
    "value:points",
    "value:points,distance",
    "distance,lottery",
    "lottery,rank",
    "rank,lottery,value:points",
)
#: the values of the value: column, with ties, a negative and a fraction
POINTS = (-1.5, 0.0, 0.0, 2.0, 2.25, 7.0)


@st.composite
def rounds_v2(
    draw,
    *,
    rank: bool = True,
    first_only: bool = True,
    **kwargs,
) -> RoundSpec:
    """A random small round with the rules of section 10: flag expressions, ordering
    criteria (``rank`` ones unless ``rank=False``), a value column, ``[[nearest]]`` rules
    with categories on a grid of coordinates (ties on purpose) and distances.csv overrides,
    first-choice-only groups (unless ``first_only=False``), several rows per pair, the
    family number and waiting lists."""
    spec = draw(rounds(**kwargs))
    ids = list(spec.applicants)
    schools = list(spec.capacity)
    orders = [o for o in V2_ORDERS if rank or "rank" not in o]
    spec.flags = {
        "indicator": {a: draw(st.integers(0, 1)) for a in ids},
        "disability": {a: draw(st.integers(0, 1)) for a in ids},
    }
    for specs in spec.pools.values():
        for ps in specs:
            ps.favours = draw(st.sampled_from(V2_FAVOURS))
            ps.order_by = draw(st.sampled_from(orders))
    spec.values = {"points": {a: draw(st.sampled_from(POINTS)) for a in ids}}
    spec.priority_groups = ["sibling", "nearby", "zone"]
    spec.homes = {
        a: (100.0 * draw(st.integers(0, 3)), 100.0 * draw(st.integers(0, 3))) for a in ids
    }
    spec.sites = {
        s: (100.0 * draw(st.integers(0, 3)), 100.0 * draw(st.integers(0, 3))) for s in schools
    }
    kinds = ["public", "catholic", " public "]
    spec.categories = {"kind": {s: draw(st.sampled_from(kinds)) for s in schools}}
    rules = [NearestRule("nearby", draw(st.integers(1, len(schools))))]
    if draw(st.booleans()):  # at least some of the categories the schools have
        present = sorted({v.strip() for v in spec.categories["kind"].values()})
        rules.append(
            NearestRule(
                draw(st.sampled_from(["nearby", "zone"])),
                draw(st.integers(1, len(schools))),
                "kind",
                tuple((v, draw(st.integers(0, 2))) for v in present if draw(st.booleans())),
            )
        )
    spec.nearest = rules
    spec.first_choice_only = (
        draw(st.sampled_from([[], ["zone"], ["sibling", "zone"], ["nearby"]])) if first_only else []
    )
    priorities: dict[tuple[str, str], object] = {}
    distances: dict[tuple[str, str], float] = {}
    for a, lst in spec.applicants.items():
        for s in schools:
            k = draw(st.integers(0, 5))
            if s in lst and k == 0:
                priorities[(a, s)] = draw(st.sampled_from(["sibling", "zone", "nearby"]))
            elif s in lst and k == 1:
                priorities[(a, s)] = ["zone", draw(st.sampled_from(["sibling", "nearby"]))]
            if draw(st.integers(0, 3)) == 0:  # a distances.csv row (listed or not)
                distances[(a, s)] = float(draw(st.integers(0, 6)) * 50)
    spec.priorities = priorities  # type: ignore[assignment]
    spec.distances = distances
    spec.family_number = draw(st.sampled_from(["first", "best"]))
    spec.waitlists = True
    return spec


__all__ = [
    "FIELDS",
    "HAVE_ENGINE",
    "IMPLEMENTATIONS",
    "MECHANISMS",
    "TIE_BREAKINGS",
    "RoundSpec",
    "assert_same",
    "describe",
    "engine_allocate",
    "implementations",
    "needs_engine",
    "plain",
    "reference_allocate",
    "rounds",
    "rounds_v2",
    "waitlist_rows",
]
