"""Priority at the nearest schools (allocation rules section 10.3): the ``[[nearest]]`` rules
of round.toml against the tables.

A rule's ``category`` must be a column of schools.csv and every value its ``at_least`` names
must be the category of at least one school (values compared without the spaces around
them). A rule needs the distance from every child to every school: from the coordinates of
both, or a row of distances.csv. A school without coordinates that some child has no row for
is a problem of schools.csv; a child without coordinates that lacks a row for some school is
a problem of applicants.csv.
"""

from __future__ import annotations

import numpy as np

from samen.engine.nearest import Geography
from samen.io.checks.context import Context, Coordinates
from samen.io.checks.pairs import Pairs
from samen.io.errors import suggest
from samen.io.settings import ROUND_FILE


def check_nearest(
    ctx: Context, dist: np.ndarray | None, pairs: Pairs | None
) -> tuple[dict[str, list[str]], Geography | None]:
    """The category columns the rules read (column -> value per school) and the round's
    :class:`~samen.engine.nearest.Geography`; ``({}, None)`` without nearest rules."""
    rules = ctx.s.nearest
    if not rules:
        return {}, None
    t = ctx.table("schools")
    categories: dict[str, list[str]] = {}
    for k, rule in enumerate(rules):
        path = f"nearest.{k + 1}"
        if not rule.category or t is None:
            continue
        if not t.has(rule.category):
            ctx.problems.add(
                ROUND_FILE,
                ctx.s.line(f"{path}.category"),
                "nearest.category",
                f"the category '{rule.category}' is not a column of {t.source}"
                f"{suggest(rule.category, t.header)}; its columns are: {', '.join(t.header)}",
            )
            continue
        values = [v.strip() for v in t.col(rule.category)]
        categories[rule.category] = values
        present = sorted(set(values))
        for v, _ in rule.at_least:
            if v not in present:
                ctx.problems.add(
                    ROUND_FILE,
                    ctx.s.line(f"{path}.at_least"),
                    "nearest.at_least",
                    f"at_least names '{v}', but no school in {t.source} has {rule.category} "
                    f"'{v}'{suggest(v, present)}; the values there are: "
                    + ", ".join(f"'{x}'" for x in present),
                )
    if dist is None or pairs is None or ctx.lists is None or ctx.schools is None:
        return categories, None
    homes, sites = (
        _points(ctx.app_xy, len(ctx.lists.choice_ptr) - 1),
        _points(ctx.school_xy, len(ctx.schools.ids)),
    )
    _coverage(ctx, homes, sites, dist, pairs)
    return categories, Geography(ctx.s.distance, homes, sites, *pairs)


def _points(xy: Coordinates, n: int) -> np.ndarray:
    if xy[0] is None or xy[1] is None:
        return np.full((n, 2), np.nan)
    return np.column_stack([xy[0], xy[1]]).astype(np.float64)


def _coverage(
    ctx: Context, homes: np.ndarray, sites: np.ndarray, dist: np.ndarray, pairs: Pairs
) -> None:
    """Every (child, school) pair has a distance: both coordinates, or a distances.csv row."""
    lists, schools = ctx.lists, ctx.schools
    assert lists is not None and schools is not None and ctx.app_ids is not None
    n, m = len(homes), len(sites)
    home_ok = np.isfinite(homes).all(axis=1)
    site_ok = np.isfinite(sites).all(axis=1)
    listed = ~np.isnan(dist)
    a = np.concatenate([lists.edge_app[listed], pairs[0]])
    s = np.concatenate([lists.choices[listed].astype(np.int64), pairs[1]])
    extra = ~(home_ok[a] & site_ok[s])  # rows that give what the coordinates cannot
    key = np.unique(a[extra] * max(m, 1) + s[extra])
    ka, ks = key // max(m, 1), key % max(m, 1)
    need = np.where(home_ok, m - int(site_ok.sum()), m)
    missing = need - np.bincount(ka, minlength=n)
    if not missing.any():
        return
    label = ctx.app_xy[2]
    line = ctx.s.line("nearest.1")
    rule = f"the [[nearest]] rule ({ROUND_FILE} line {line})" if line else "a [[nearest]] rule"
    sch, app = ctx.tables["schools"], ctx.tables["applicants"]
    for school in np.flatnonzero(~site_ok).tolist():
        have = np.zeros(n, dtype=bool)
        have[ka[ks == school]] = True
        lacking = np.flatnonzero(~have)
        if lacking.size:
            ctx.problems.add(
                sch.source,
                sch.rows[school],
                label,
                f"school '{schools.ids[school]}' has no {label}, and {rule} needs the distance "
                f"from every child to every school: {lacking.size} children have no row for it "
                f"in distances.csv (the first: {app.source} row {app.rows[int(lacking[0])]}); "
                f"add the school's {label}, or the distances",
            )
    order = np.argsort(ka, kind="stable")
    starts = np.searchsorted(ka[order], np.arange(n + 1))
    given = ks[order]

    def first_missing(child: int) -> str:
        got = set(given[starts[child] : starts[child + 1]].tolist())
        return next(schools.ids[x] for x in range(m) if x not in got)

    ids = ctx.app_ids
    ctx.problems.rows(
        app.source,
        (
            (
                app.rows[c],
                f"child '{ids[c]}' has no {label}, and distances.csv does not give its distance "
                f"to every school ({int(missing[c])} of {m} missing, such as "
                f"'{first_missing(c)}'); {rule} needs the distance from every child to every "
                f"school: add the child's {label}, or the rows",
            )
            for c in np.flatnonzero(~home_ok & (missing > 0)).tolist()
        ),
        label,
        same="no coordinates and not every distance for a [[nearest]] rule",
    )


__all__ = ["check_nearest"]
