"""applicants.csv (allocation rules section 1): ids, the lists of choices, the 0/1 flags,
the number columns that pools order by (section 10.2), families and coordinates. The lists are split and looked up in one vectorised pass, so
80,000 children with 12 choices each take a fraction of a second."""

from __future__ import annotations

import re
from itertools import repeat

import numpy as np

from samen.io.cells import check_ids
from samen.io.checks.context import Context, Lists, lookalike
from samen.io.checks.schools import coordinates
from samen.io.checks.values import check_values
from samen.io.tables import Table

#: The columns of applicants.csv that are not 0/1 flags.
APPLICANT_COLUMNS: tuple[str, ...] = (
    "applicant_id",
    "choices",
    "x",
    "y",
    "lat",
    "lon",
    "family",
    "pledge",
    "neighbourhood",
)
FLAG_VALUES: dict[str, int] = {
    "0": 0,
    "1": 1,
    "false": 0,
    "true": 1,
    "no": 0,
    "yes": 1,
    "nee": 0,
    "ja": 1,
}
_SEP_SPACE = re.compile(r"\s*;\s*")


def check_applicants(ctx: Context) -> None:
    """Every check of applicants.csv; the lists become edges only when the school ids and
    the applicant ids are known."""
    t = ctx.table("applicants")
    if t is None:
        return
    has_ids = ctx.require(t, ("applicant_id",))
    has_choices = ctx.require(t, ("choices",))
    if has_ids:
        ctx.app_index = check_ids(t, "applicant_id", ctx.problems, "applicant")
        ctx.app_ids = t.col("applicant_id")
    if has_choices:
        lists = _choices(ctx, t)
        if has_ids:
            ctx.lists = lists
    check_values(ctx, t, APPLICANT_COLUMNS)
    _flags(ctx, t)
    labels: dict[str, int] = {}
    ctx.family = np.fromiter(
        (labels.setdefault(v, len(labels)) if v else -1 for v in t.col("family")),
        dtype=np.int64,
        count=len(t),
    )
    ctx.app_xy = coordinates(ctx, t)


def _choices(ctx: Context, t: Table) -> Lists | None:
    """Split and check the lists (schools known, none empty, none listed twice); the edges,
    or None when schools.csv cannot be used (then only the lists' own form is checked)."""
    p = ctx.problems
    n = len(t)
    schools = ctx.schools
    if n == 0:  # a header without rows: reported by the reader
        empty = np.zeros(0, dtype=np.int64)
        zero = np.zeros(1, dtype=np.int64)
        return (
            Lists(empty.astype(np.int32), zero, empty, empty, empty)
            if schools is not None
            else None
        )
    raw = t.col("choices")
    sep = "\x1f"
    big = sep.join(raw)
    if " " in big or "\t" in big or "\n" in big or "\r" in big:
        big = _SEP_SPACE.sub(";", big)
    counts = np.fromiter(map(str.count, big.split(sep), repeat(";")), dtype=np.int64, count=n) + 1
    items = big.replace(sep, ";").split(";")
    known = schools is not None
    lookup: dict[str, int] = dict(schools.index) if schools is not None else {}
    if not known:  # number the names as they come, to find empty and repeated entries
        for x in items:
            lookup.setdefault(x, len(lookup))
    names = {i: s for s, i in lookup.items()}
    lookup[""] = -2  # an empty entry (a trailing ';') is skipped
    try:
        codes = np.fromiter(map(lookup.__getitem__, items), dtype=np.int64, count=len(items))
    except KeyError:  # some choice is not a school
        codes = np.fromiter((lookup.get(x, -1) for x in items), dtype=np.int64, count=len(items))
    item_app = np.repeat(np.arange(n, dtype=np.int64), counts)
    unknown = np.flatnonzero(codes == -1)
    if unknown.size:
        schools_src = ctx.source("schools")
        p.rows(
            t.source,
            (
                (
                    t.rows[int(item_app[k])],
                    f"the school '{items[k]}' is not in {schools_src}; "
                    + (
                        "separate the schools with ';', not ',' (like S1;S2;S3)"
                        if "," in items[k] and all(x.strip() in lookup for x in items[k].split(","))
                        else "check the spelling or add the school"
                    ),
                )
                for k in unknown
            ),
            "choices",
            same="a choice that is not a school",
        )
    keep = codes >= 0
    edge_app = item_app[keep]
    choices = codes[keep]
    per_app = np.bincount(edge_app, minlength=n).astype(np.int64)
    listed = np.bincount(item_app[codes != -2], minlength=n)
    empty = np.flatnonzero(listed == 0)
    if empty.size:
        p.rows(
            t.source,
            ((t.rows[i], "the list of choices is empty; give at least one school") for i in empty),
            "choices",
            same="an empty list of choices",
        )
    m = max(len(schools.ids) if schools is not None else len(names), 1)
    edge_key = edge_app * m + choices
    order = np.argsort(edge_key, kind="stable")
    sorted_key = edge_key[order]
    rep = np.flatnonzero(sorted_key[1:] == sorted_key[:-1])
    if rep.size:
        first: dict[int, int] = {}
        for e in order[rep + 1].tolist():
            first.setdefault(int(edge_app[e]), int(choices[e]))
        p.rows(
            t.source,
            (
                (
                    t.rows[a],
                    f"the school '{names[s]}' is listed more than once; list each school once",
                )
                for a, s in sorted(first.items())
            ),
            "choices",
            same="a school listed twice",
        )
    if not known:
        return None
    return Lists(
        choices=choices.astype(np.int32),
        choice_ptr=np.concatenate(([0], np.cumsum(per_app))).astype(np.int64),
        edge_app=edge_app,
        edge_order=order,
        edge_sorted_key=sorted_key,
    )


def _flags(ctx: Context, t: Table) -> None:
    """Every column besides :data:`APPLICANT_COLUMNS` and the number columns of ``value:``
    criteria is a 0/1 flag, but a column that looks like a missing required one (a typo,
    reported as such) is not read as a flag too."""
    p = ctx.problems
    n = len(t)
    typos = {lookalike(c, t) for c in ("applicant_id", "choices") if not t.has(c)}
    numbers = set(ctx.value_names)
    flag_names = [
        c for c in t.header if c not in APPLICANT_COLUMNS and c not in typos and c not in numbers
    ]
    flags = np.zeros((n, len(flag_names)), dtype=np.uint8)
    for j, name in enumerate(flag_names):
        col = t.col(name)
        lut: dict[str, int] = {}
        bad_values: set[str] = set()
        for u in set(col):
            v = FLAG_VALUES.get(u.lower())
            if v is None:
                bad_values.add(u)
            else:
                lut[u] = v
        if bad_values:
            others = ", ".join(APPLICANT_COLUMNS)
            p.rows(
                t.source,
                (
                    (
                        t.rows[i],
                        "the cell is empty; write 0 or 1"
                        if not v
                        else f"'{v}' is not a flag value; write 0 or 1 (every column besides "
                        f"{others} is a 0/1 flag: remove the column '{name}' if it is not one)",
                    )
                    for i, v in enumerate(col)
                    if v in bad_values
                ),
                name,
                same="a value that is not 0 or 1",
            )
        else:
            flags[:, j] = np.fromiter(map(lut.__getitem__, col), dtype=np.uint8, count=n)
    ctx.flags = flags
    ctx.flag_names = flag_names


__all__ = ["APPLICANT_COLUMNS", "FLAG_VALUES", "check_applicants"]
