"""What families do to their lists and pledge groups, with the round's rules checked.

Lists are kept numbered 1, 2, 3, ... without gaps. Joining a pledge group puts its school
first on the child's list; taking that school off the list leaves the group (a pledge is a
conditional choice of that school, rules section 7).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from samen.web.core.models import (
    AllocationRun,
    Child,
    Choice,
    PledgeGroup,
    Round,
    School,
)


def _renumber(child: Child, schools: list[int], choices: list[Choice] | None = None) -> None:
    """Make the list ``schools`` (school ids, first choice first); ``choices`` are the child's
    choices when the caller has just read them. One UPDATE for all changed ranks."""
    existing = {c.school_id: c for c in (child.choices.all() if choices is None else choices)}
    changed = []
    for rank, school_id in enumerate(schools, start=1):
        c = existing.pop(school_id, None)
        if c is None:
            Choice.objects.create(child=child, school_id=school_id, rank=rank)
        elif c.rank != rank:
            c.rank = rank
            changed.append(c)
    if changed:
        _set_ranks(changed)
    if existing:
        Choice.objects.filter(pk__in=[c.pk for c in existing.values()]).delete()


def _set_ranks(choices: list[Choice]) -> None:
    """One ``UPDATE ... SET rank = CASE id WHEN ...`` for the choices' new ranks. (The ORM's
    bulk_update builds the same statement at ten times the cost; this runs on every change of
    a list, the platform's busiest write.)"""
    table = connection.ops.quote_name(Choice._meta.db_table)
    pk = connection.ops.quote_name(Choice._meta.pk.column)
    rank = connection.ops.quote_name(Choice._meta.get_field("rank").column)
    cases = " ".join(["WHEN %s THEN %s"] * len(choices))
    marks = ", ".join(["%s"] * len(choices))
    params: list[int] = [v for c in choices for v in (c.pk, c.rank)]
    params += [c.pk for c in choices]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {rank} = CASE {pk} {cases} END WHERE {pk} IN ({marks})", params
        )


def school_ids(child: Child) -> list[int]:
    return list(child.choices.order_by("rank").values_list("school_id", flat=True))


@transaction.atomic
def add(child: Child, school: School) -> None:
    order = school_ids(child)
    if school.pk not in order and school.round_id == child.round_id:
        _renumber(child, [*order, school.pk])


@transaction.atomic
def move(child: Child, school: School, delta: int) -> None:
    order = school_ids(child)
    if school.pk not in order:
        return
    i = order.index(school.pk)
    j = max(0, min(len(order) - 1, i + delta))
    order.insert(j, order.pop(i))
    _renumber(child, order)


@transaction.atomic
def remove(child: Child, school: School) -> bool:
    """Take ``school`` off the list; True when that also left the child's pledge group."""
    order = school_ids(child)
    if school.pk not in order:
        return False
    order.remove(school.pk)
    _renumber(child, order)
    group = child.pledge_group
    if group is not None and group.target_id == school.pk:
        child.pledge_group = None
        child.save(update_fields=["pledge_group", "updated_at"])
        return True
    return False


@transaction.atomic
def set_order(child: Child, codes: list[str]) -> bool:
    """Put the list in the order of ``codes`` (the same schools, reordered); False if the
    codes are not exactly the schools on the list."""
    # only the columns needed (this runs at every drag of a list: the busiest write)
    rows = list(child.choices.values_list("pk", "school_id", "rank", "school__code"))
    choices = [Choice(pk=pk, child=child, school_id=s, rank=r) for pk, s, r, _ in rows]
    by_code = {code: s for _, s, _, code in rows}
    if sorted(codes) != sorted(by_code) or len(set(codes)) != len(codes):
        return False
    order = [by_code[c] for c in codes]
    group = child.pledge_group
    if group is not None and order and order[0] != group.target_id:
        # a pledge's school stays first: the group chose it together
        order.remove(group.target_id)
        order.insert(0, group.target_id)
    _renumber(child, order, choices)
    return True


@transaction.atomic
def join(child: Child, group: PledgeGroup) -> None:
    """Join ``group`` (leaving any other) and put its school first on the list."""
    child.pledge_group = group
    child.save(update_fields=["pledge_group", "updated_at"])
    order = [s for s in school_ids(child) if s != group.target_id]
    _renumber(child, [group.target_id, *order])


@transaction.atomic
def leave(child: Child) -> None:
    """Leave the pledge group; the school stays on the list as an ordinary choice."""
    child.pledge_group = None
    child.save(update_fields=["pledge_group", "updated_at"])


def next_seq(rnd: Round) -> int:
    top = rnd.children.aggregate(m=Max("seq"))["m"]
    return 0 if top is None else top + 1


def new_group_id(rnd: Round, name: str) -> str:
    from django.utils.text import slugify

    base = slugify(name)[:50] or "groep"
    gid = base
    k = 2
    while PledgeGroup.objects.filter(round=rnd, group_id=gid).exists():
        gid = f"{base}-{k}"
        k += 1
    return gid


def can_delete(child: Child) -> bool:
    """A family may delete a child's data until registration closes."""
    return child.round.status in (Round.DRAFT, Round.OPEN)


def _when(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def export_data(user: Any) -> dict[str, Any]:
    """Everything samen keeps about a parent and their children, as JSON-safe data."""
    children = []
    for c in Child.objects.filter(parent=user).select_related("round", "pledge_group"):
        placements = []
        for p in c.placements.select_related("run", "school").filter(
            run__status=AllocationRun.PUBLISHED
        ):
            placements.append(
                {
                    "run": p.run.number,
                    "school": p.school.code if p.school else None,
                    "choice": p.choice_rank or None,
                    "lottery_number": p.lottery,
                    "answer": p.response,
                    "answered_at": _when(p.responded_at),
                }
            )
        children.append(
            {
                "round": c.round.name,
                "applicant_id": c.public_id,
                "first_name": c.first_name,
                "last_name": c.last_name,
                "date_of_birth": _when(c.birth_date),
                "postcode": c.postcode,
                "house_number": c.house_number,
                "coordinates": {"x": c.x, "y": c.y, "lat": c.lat, "lon": c.lon},
                "answers": c.flags,
                "apply_together": c.apply_together,
                "schools": [s.code for s in c.school_list()],
                "priorities": [
                    {"school": p.school.code, "group": p.group}
                    for p in c.priorities.select_related("school")
                ],
                "pledge_group": c.pledge_group.name if c.pledge_group else None,
                "results": placements,
                "registered_at": _when(c.created_at),
            }
        )
    return {
        "email": user.email,
        "account_created": _when(user.date_joined),
        "exported_at": _when(timezone.now()),
        "children": children,
    }
