"""schools.csv (allocation rules section 1): ids, capacities and coordinates; and the
coordinate columns of any table (x,y in metres, lat,lon in degrees)."""

from __future__ import annotations

import numpy as np

from samen.engine.distance import COLUMNS, label
from samen.io.cells import check_ids, int_cell, numbers, whole_number_fix
from samen.io.checks.context import Context, Coordinates, Schools, half_pair
from samen.io.tables import Table

#: (first, second, lowest and highest of each, what they are) per kind of coordinates
_PAIRS: tuple[tuple[str, str, float | None, float | None, float | None, float | None, str], ...] = (
    ("x", "y", None, None, None, None, "coordinate in metres"),
    ("lat", "lon", -90.0, 90.0, -180.0, 180.0, "coordinate in degrees"),
)


def check_schools(ctx: Context) -> None:
    """Ids (unique, no ``;`` or ``|``), capacities (whole numbers >= 0) and coordinates."""
    t = ctx.table("schools")
    if t is None:
        return
    p = ctx.problems
    has_ids = ctx.require(t, ("school_id",))
    has_capacity = ctx.require(t, ("capacity",))
    index = check_ids(t, "school_id", p, "school") if has_ids else {}
    capacity: np.ndarray | None = None
    if has_capacity:
        capacity = np.zeros(len(t), dtype=np.int64)
        for i, v in enumerate(t.col("capacity")):
            c = int_cell(v)
            if c is None:
                what = "empty" if not v else f"'{v}'"
                p.add(
                    t.source,
                    t.rows[i],
                    "capacity",
                    f"the capacity is {what}; "
                    + whole_number_fix(v, "write a whole number of seats (0 or more)"),
                )
            elif c < 0:
                p.add(t.source, t.rows[i], "capacity", f"the capacity is {c}; it must be 0 or more")
            else:
                capacity[i] = c
    if has_ids:
        ctx.schools = Schools(ids=t.col("school_id"), index=index, capacity=capacity)
    ctx.school_xy = coordinates(ctx, t)


def coordinates(ctx: Context, t: Table) -> Coordinates:
    """The coordinates the round's distance uses, NaN where missing, and their label (``x,y``
    or ``lat,lon``). Every coordinate column present is checked."""
    p = ctx.problems
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for a, b, lo_a, hi_a, lo_b, hi_b, what in _PAIRS:
        if not t.has(a) and not t.has(b):
            continue
        if half_pair(t, a, b, p):
            continue
        va = numbers(t, a, p, what, lo_a, hi_a)
        vb = numbers(t, b, p, what, lo_b, hi_b)
        ca, cb = t.col(a), t.col(b)
        filled_a = np.fromiter(map(bool, ca), dtype=bool, count=len(t))
        filled_b = np.fromiter(map(bool, cb), dtype=bool, count=len(t))
        half = np.flatnonzero(filled_a != filled_b).tolist()
        if half:
            p.rows(
                t.source,
                (
                    (t.rows[i], f"only one of {a} and {b} is filled in; give both or neither")
                    for i in half
                ),
                f"{a},{b}",
                same="only one coordinate",
            )
            va[half] = np.nan
            vb[half] = np.nan
        out[a] = (va, vb)
    kind = ctx.s.distance
    got = out.get(COLUMNS[kind][0])
    if got is None:
        return None, None, label(kind)
    return got[0], got[1], label(kind)


__all__ = ["check_schools", "coordinates"]
