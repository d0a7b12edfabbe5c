"""The checks of a round folder's tables against the rules and against each other, one module
per table (``schools``, ``applicants``, ``seats``, ``pairs`` for priorities and distances,
``groups``) or rule of section 10 (``values``, ``admits``, ``nearest``), and the engine
:class:`~samen.engine.instance.Instance` they build.

Every check runs, whatever the others found: a table that cannot be used (missing, or without
a required column) leaves out only the checks that need it, so one run lists every problem of
every file (``docs/decisions.md``, "Input").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from samen.engine.criteria import used_columns
from samen.engine.instance import Instance
from samen.io.checks.admits import check_admits
from samen.io.checks.applicants import check_applicants
from samen.io.checks.context import Context, Coordinates
from samen.io.checks.groups import check_groups
from samen.io.checks.nearest import check_nearest
from samen.io.checks.pairs import check_distance_pools, check_distances, check_priorities
from samen.io.checks.schools import check_schools
from samen.io.checks.seats import check_pools
from samen.io.errors import Problems
from samen.io.settings import Settings
from samen.io.tables import Table


@dataclass(frozen=True, eq=False)
class Checked:
    """A round's tables, checked: the engine's instance and the coordinates it used."""

    instance: Instance
    school_xy: Coordinates
    applicant_xy: Coordinates


def check_tables(
    settings: Settings | None,
    tables: dict[str, Table],
    problems: Problems,
    given: set[str] | None = None,
) -> Checked | None:
    """Check ``tables`` (by name: ``schools``, ``applicants``, ...) under ``settings``; every
    problem goes to ``problems``. The instance, or None when there is any problem (of these
    tables, or found before). ``given`` names the tables the round gives as a file or sheet,
    readable or not (default: those in ``tables``)."""
    ctx = Context(settings, tables, problems, set(tables) if given is None else given)
    check_schools(ctx)
    check_applicants(ctx)
    pools = check_pools(ctx)
    admits = check_admits(ctx)
    prio = check_priorities(ctx)
    got = check_distances(ctx)
    dist, pairs = got if got is not None else (None, None)
    if pools is not None and dist is not None and ctx.lists is not None:
        check_distance_pools(ctx, pools, dist)
    categories, geography = check_nearest(ctx, dist, pairs)
    groups = check_groups(ctx)
    if problems or settings is None:
        return None
    schools, lists = ctx.schools, ctx.lists
    assert schools is not None and schools.capacity is not None and lists is not None
    assert pools is not None and prio is not None and dist is not None
    assert ctx.app_ids is not None and ctx.flag_names is not None
    s = settings
    # the value columns the pools order by, in order of first appearance (10.2)
    used = used_columns(pools["orderings"])
    values = None
    if used and ctx.values is not None:
        values = ctx.values[:, [ctx.value_names.index(c) for c in used]]
    instance = Instance(
        applicant_ids=ctx.app_ids,
        school_ids=schools.ids,
        capacity=schools.capacity,
        choice_ptr=lists.choice_ptr,
        choices=lists.choices,
        **pools,
        flags=ctx.flags,
        flag_names=ctx.flag_names,
        priority=prio[0],
        priority_groups=list(settings.priority_groups),
        distance=dist,
        family=ctx.family,
        pledge=groups.pledge,
        group_ids=groups.ids,
        group_target=groups.target,
        group_threshold=groups.threshold,
        seed=settings.seed,
        tie_breaking=settings.tie_breaking,
        mechanism=settings.mechanism,
        values=values,
        value_names=used,
        admits=admits,
        priority_rest=prio[1],
        first_choice_only=list(s.first_choice_only),
        nearest=list(s.nearest),
        categories=categories,
        geography=geography,
        family_number=s.family_number,
        waitlists=s.waitlists,
    )
    return Checked(instance, ctx.school_xy, ctx.app_xy)


def stack(xy: Coordinates) -> np.ndarray | None:
    """Coordinates as float64[k, 2] (NaN where missing), or None when the table has none."""
    if xy[0] is None or xy[1] is None:
        return None
    return np.column_stack([xy[0], xy[1]]).astype(np.float64)


__all__ = ["Checked", "check_tables", "stack"]
