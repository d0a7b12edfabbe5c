"""Pledge groups (allocation rules section 7): groups.csv and the ``pledge`` column of
applicants.csv."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from samen.io.cells import check_ids, int_cell, whole_number_fix
from samen.io.checks.context import Context


@dataclass
class Groups:
    """The pledge groups as the instance holds them."""

    ids: list[str]
    target: np.ndarray  # int32[G], school index
    threshold: np.ndarray  # int64[G]
    pledge: np.ndarray  # int32[n], group index of each child, -1 = none


def check_groups(ctx: Context) -> Groups:
    """groups.csv (ids, targets that are schools, thresholds >= 1) and every child's pledge
    (a group of groups.csv whose target the child lists). Pledges are not checked when
    groups.csv is there but cannot be used: its problems are reported, and the fix is there."""
    p = ctx.problems
    t = ctx.table("groups")
    gids: list[str] = []
    target = np.zeros(0, dtype=np.int32)
    threshold = np.zeros(0, dtype=np.int64)
    g_index: dict[str, int] = {}
    have_groups = t is not None and ctx.require(t, ("group_id", "target", "threshold"))
    schools = ctx.schools
    if t is not None and have_groups:
        g_index = check_ids(t, "group_id", p, "group")
        gids = t.col("group_id")
        target = np.full(len(t), -1, dtype=np.int32)
        threshold = np.ones(len(t), dtype=np.int64)
        for i, (tg, th) in enumerate(zip(t.col("target"), t.col("threshold"), strict=True)):
            r = t.rows[i]
            if not tg:
                p.add(t.source, r, "target", "the target school is empty; fill in a school id")
            elif schools is not None:
                si = schools.index.get(tg)
                if si is None:
                    p.add(
                        t.source,
                        r,
                        "target",
                        f"the target '{tg}' is not in {ctx.source('schools')}; check the spelling",
                    )
                else:
                    target[i] = si
            k = int_cell(th)
            if k is None or k < 1:
                p.add(
                    t.source,
                    r,
                    "threshold",
                    f"the threshold is {f'{th!r}' if th else 'empty'}; "
                    + whole_number_fix(th, "write a whole number of at least 1"),
                )
            else:
                threshold[i] = k
    app = ctx.table("applicants")
    n = len(app) if app is not None else 0
    pledge = np.full(n, -1, dtype=np.int32)
    pledge_col = app.col("pledge") if app is not None else []
    usable = have_groups or "groups" not in ctx.given
    if app is not None and any(pledge_col) and usable:
        _pledges(ctx, pledge, pledge_col, g_index, target)
    return Groups(list(gids), np.maximum(target, 0).astype(np.int32), threshold, pledge)


def _pledges(
    ctx: Context,
    pledge: np.ndarray,
    pledge_col: list[str],
    g_index: dict[str, int],
    target: np.ndarray,
) -> None:
    app = ctx.tables["applicants"]
    t = ctx.table("groups")
    lists = ctx.lists
    unknown: list[int] = []
    no_target: list[int] = []
    for a, v in enumerate(pledge_col):
        if not v:
            continue
        gi = g_index.get(v)
        if gi is None:
            unknown.append(a)
            continue
        pledge[a] = gi
        tg = int(target[gi])
        if lists is not None and tg >= 0:
            mine = lists.choices[lists.choice_ptr[a] : lists.choice_ptr[a + 1]]
            if not (mine == tg).any():
                no_target.append(a)
    where = t.source if t is not None else "groups.csv (the round has no groups.csv)"
    p = ctx.problems
    p.rows(
        app.source,
        (
            (
                app.rows[a],
                f"the pledge group '{pledge_col[a]}' is not in {where}; check the group id",
            )
            for a in unknown
        ),
        "pledge",
        same="a pledge group that is not in groups.csv",
    )
    school_ids = ctx.schools.ids if ctx.schools is not None else []
    p.rows(
        app.source,
        (
            (
                app.rows[a],
                f"the child pledges to group '{pledge_col[a]}' but does not list its target "
                f"school '{school_ids[int(target[pledge[a]])]}'; add the school to the choices, "
                "or clear the pledge",
            )
            for a in no_target
        ),
        "pledge",
        same="a pledge without the target on the list",
    )


__all__ = ["Groups", "check_groups"]
