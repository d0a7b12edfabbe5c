"""The tables of (child, school) pairs: priorities.csv (allocation rules section 5) and
distances.csv (section 2), and the check that every child listing a school with a seat pool
ordered by distance (alone or among its criteria, section 10.2) has a distance there."""

from __future__ import annotations

import numpy as np

from samen.engine import criteria, distance
from samen.engine.pools import ORDER_CRITERIA, ORDER_DISTANCE, PoolArrays
from samen.io.cells import numbers
from samen.io.checks.context import Context
from samen.io.errors import suggest
from samen.io.settings import ROUND_FILE
from samen.io.tables import Table


def ids_of(ctx: Context, t: Table) -> tuple[np.ndarray, np.ndarray] | None:
    """For each row of a pair table: the child and school index (-1 where unknown); None when
    either table cannot be used (the unknown ids are reported by :func:`edges_of`)."""
    if ctx.app_index is None or ctx.schools is None:
        return None
    apps, schools = ctx.app_index, ctx.schools.index
    a_col, s_col = t.col("applicant_id"), t.col("school_id")
    ai = np.fromiter((apps.get(v, -1) for v in a_col), dtype=np.int64, count=len(t))
    si = np.fromiter((schools.get(v, -1) for v in s_col), dtype=np.int64, count=len(t))
    return ai, si


def edges_of(ctx: Context, t: Table) -> tuple[np.ndarray, np.ndarray] | None:
    """For each row of a pair table: the list entry (edge, or -1) and whether the school is
    on the child's list. Unknown ids are reported; pairs not on the list are ignored. None
    when the ids cannot be looked up (schools.csv or applicants.csv cannot be used)."""
    p = ctx.problems
    a_col, s_col = t.col("applicant_id"), t.col("school_id")
    apps, schools, lists = ctx.app_index, ctx.schools, ctx.lists
    if apps is not None:
        ai = np.fromiter((apps.get(v, -1) for v in a_col), dtype=np.int64, count=len(t))
        p.rows(
            t.source,
            (
                (
                    t.rows[i],
                    f"the applicant '{a_col[i]}' is not in {ctx.source('applicants')}; check the "
                    "id, or remove the row",
                )
                for i in np.flatnonzero(ai < 0)
            ),
            "applicant_id",
            same="an applicant id that is not in the applicants table",
        )
    if schools is not None:
        si = np.fromiter((schools.index.get(v, -1) for v in s_col), dtype=np.int64, count=len(t))
        p.rows(
            t.source,
            (
                (
                    t.rows[i],
                    f"the school '{s_col[i]}' is not in {ctx.source('schools')}; check the id, or "
                    "remove the row",
                )
                for i in np.flatnonzero(si < 0)
            ),
            "school_id",
            same="a school id that is not in the schools table",
        )
    if apps is None or schools is None or lists is None:
        return None
    valid = (ai >= 0) & (si >= 0)
    key = ai * max(len(schools.ids), 1) + si
    size = lists.edge_sorted_key.size
    if size == 0:
        return np.full(len(t), -1, dtype=np.int64), np.zeros(len(t), dtype=bool)
    pos = np.minimum(np.searchsorted(lists.edge_sorted_key, key), size - 1)
    found = valid & (lists.edge_sorted_key[pos] == key)
    edge = np.where(found, lists.edge_order[pos], -1)
    return edge, found


def check_priorities(ctx: Context) -> tuple[np.ndarray, np.ndarray | None] | None:
    """``priority[e]``: the strongest group of the child of list entry ``e`` at that school
    (``len(priority_groups)``: none), and with first-choice-only groups (section 10.4) the
    strongest that is not one of them; None when the lists are not known."""
    n_groups = len(ctx.s.priority_groups)
    lists = ctx.lists
    prio = np.full(lists.choices.size if lists is not None else 0, n_groups, dtype=np.int32)
    only_first = [ctx.s.priority_groups.index(g) for g in ctx.s.first_choice_only]
    rest = prio.copy() if only_first else None
    t = ctx.table("priorities")
    if t is None or not ctx.require(t, ("applicant_id", "school_id", "group")):
        return (prio, rest) if lists is not None else None
    gidx = {g: i for i, g in enumerate(ctx.s.priority_groups)}
    g_col = t.col("group")
    gi = np.fromiter((gidx.get(v, -1) for v in g_col), dtype=np.int64, count=len(t))
    if ctx.settings is not None:  # else round.toml's problems are reported already
        known = ", ".join(ctx.s.priority_groups) or "none (priority_groups is empty)"
        ctx.problems.rows(
            t.source,
            (
                (
                    t.rows[i],
                    f"the group '{g_col[i]}' is not in priority_groups of {ROUND_FILE}"
                    f"{suggest(g_col[i], ctx.s.priority_groups)}; the groups are: {known}",
                )
                for i in np.flatnonzero(gi < 0)
            ),
            "group",
            same="a group that is not in round.toml",
        )
    got = edges_of(ctx, t)
    if got is None:
        return None
    edge, found = got
    use = found & (gi >= 0)
    np.minimum.at(prio, edge[use], gi[use].astype(np.int32))
    if rest is not None:
        other = use & ~np.isin(gi, only_first)
        np.minimum.at(rest, edge[other], gi[other].astype(np.int32))
    return prio, rest


#: the rows of distances.csv as (child, school, metres) arrays
Pairs = tuple[np.ndarray, np.ndarray, np.ndarray]


def _no_pairs() -> Pairs:
    return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)


def check_distances(ctx: Context) -> tuple[np.ndarray, Pairs] | None:
    """``distance[e]``: metres from the child of list entry ``e`` to that school, from the
    coordinates or distances.csv (which wins), rounded to the centimetre; NaN where neither
    gives one. And every usable row of distances.csv (child, school, metres), for the
    nearest schools of section 10.3. None when the lists are not known."""
    lists = ctx.lists
    dist = np.full(lists.choices.size if lists is not None else 0, np.nan)
    ax, ay, _ = ctx.app_xy
    sx, sy, _ = ctx.school_xy
    if (
        lists is not None
        and lists.choices.size
        and ax is not None
        and ay is not None
        and sx is not None
        and sy is not None
    ):
        homes = np.stack([ax[lists.edge_app], ay[lists.edge_app]], axis=-1)
        places = np.stack([sx[lists.choices], sy[lists.choices]], axis=-1)
        dist = distance.metres(ctx.s.distance, homes, places)
    t = ctx.table("distances")
    if t is None or not ctx.require(t, ("applicant_id", "school_id", "metres")):
        return (dist, _no_pairs()) if lists is not None else None
    metres = numbers(t, "metres", ctx.problems, "distance in metres", 0.0, None)
    ctx.problems.rows(
        t.source,
        (
            (t.rows[i], "the distance is empty; write the metres")
            for i, v in enumerate(t.col("metres"))
            if not v
        ),
        "metres",
        same="an empty distance",
    )
    got = edges_of(ctx, t)
    ids = ids_of(ctx, t)
    if got is None or ids is None:
        return None
    edge, found = got
    ai, si = ids
    usable = (ai >= 0) & (si >= 0) & ~np.isnan(metres)
    # every pair counts when nearest rules need the distance to every school (10.3)
    use = np.flatnonzero(usable if ctx.s.nearest else found & ~np.isnan(metres))
    key = ai[use] * max(len(ctx.schools.ids) if ctx.schools else 1, 1) + si[use]
    v_use = distance.centimetres(metres[use])
    if key.size > 1:
        o = np.argsort(key, kind="stable")
        se, sv = key[o], v_use[o]
        clash = np.flatnonzero((se[1:] == se[:-1]) & (sv[1:] != sv[:-1]))
        ctx.problems.rows(
            t.source,
            (
                (
                    t.rows[int(use[o[k + 1]])],
                    f"row {t.rows[int(use[o[k]])]} gives another distance for the same child "
                    "and school; keep one",
                )
                for k in clash
            ),
            "metres",
            same="a pair given twice with different distances",
        )
    listed = found[use]
    dist[edge[use][listed]] = v_use[listed]
    off = ~listed
    return dist, (ai[use][off], si[use][off], v_use[off])


def check_distance_pools(ctx: Context, pools: PoolArrays, dist: np.ndarray) -> None:
    """Every child listing a school with a distance pool needs a distance there."""
    lists, schools = ctx.lists, ctx.schools
    assert lists is not None and schools is not None and ctx.app_ids is not None
    order = np.asarray(pools["pool_order"], dtype=np.int64)
    by_distance = [
        ORDER_CRITERIA + k
        for k, text in enumerate(pools["orderings"])
        if "distance" in criteria.parse(text)
    ]
    is_dist = (order == ORDER_DISTANCE) | np.isin(order, by_distance)
    if not is_dist.any():
        return
    m = len(schools.ids)
    school_of_pool = np.repeat(np.arange(m), np.diff(pools["pool_ptr"]))
    needs = np.zeros(m, dtype=bool)
    needs[school_of_pool[is_dist]] = True
    missing = needs[lists.choices] & np.isnan(dist)
    if not missing.any():
        return
    pool_name: dict[int, str] = {}
    for k in np.flatnonzero(is_dist):
        pool_name.setdefault(int(school_of_pool[k]), pools["pool_names"][k])
    sx, _, label = ctx.school_xy
    sch, app = ctx.tables["schools"], ctx.tables["applicants"]
    other, other_col, setting = (
        ("lat,lon", "lat", "haversine") if label == "x,y" else ("x,y", "x", "euclidean")
    )
    hint = ""
    if app.has(other_col) or sch.has(other_col):
        hint = (
            f' (round.toml says distance = "{ctx.s.distance}", which uses {label}; to use '
            f'{other}, set distance = "{setting}")'
        )
    no_xy = np.isnan(sx) if sx is not None else np.ones(m, dtype=bool)
    # a school without coordinates: report it once, in the schools table
    by_school = missing & no_xy[lists.choices]
    if by_school.any():
        edges = np.flatnonzero(by_school)
        cnt = np.bincount(lists.choices[edges], minlength=m)
        first_edge: dict[int, int] = {}
        for e in edges.tolist():
            first_edge.setdefault(int(lists.choices[e]), e)
        for s in sorted(first_edge):
            a = int(lists.edge_app[first_edge[s]])
            ctx.problems.add(
                sch.source,
                sch.rows[s],
                label,
                f"school '{schools.ids[s]}' has pool '{pool_name[s]}' ordered by distance "
                f"but no {label}{hint}, and {cnt[s]} children listing it have no row in "
                f"distances.csv (the first: {app.source} row {app.rows[a]}); add the school's "
                f"{label}, or the distances",
            )
    rest = np.flatnonzero(missing & ~no_xy[lists.choices])
    if rest.size:
        first_school: dict[int, int] = {}
        for e in rest.tolist():
            first_school.setdefault(int(lists.edge_app[e]), int(lists.choices[e]))
        ids = ctx.app_ids
        ctx.problems.rows(
            app.source,
            (
                (
                    app.rows[a],
                    f"child '{ids[a]}' lists school '{schools.ids[s]}', whose pool "
                    f"'{pool_name[s]}' is ordered by distance, but the child has no {label}{hint} "
                    "and distances.csv has no row for this pair; add the child's "
                    f"{label} or a row in distances.csv",
                )
                for a, s in sorted(first_school.items())
            ),
            label,
            same="no coordinates for a distance pool",
        )


__all__ = [
    "Pairs",
    "check_distance_pools",
    "check_distances",
    "check_priorities",
    "edges_of",
    "ids_of",
]
