"""What families do to their lists and pledge groups, with the round's rules checked.

Lists are kept numbered 1, 2, 3, ... without gaps. Joining a pledge group puts its school
first on the child's list; taking that school off the list leaves the group (a pledge is a
conditional choice of that school, rules section 7).

Every change first asks :func:`samen.web.core.lifecycle.require_family_change` (the
registration is open and the seed of the draw not public) inside its transaction, and raises
:class:`samen.web.core.lifecycle.RegistrationClosed` otherwise; the fast :func:`set_order`
reads the same facts in its one SELECT.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from samen.web.core import lean, lifecycle
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
    """Write the new ranks of ``choices`` (of one child)."""
    _write_ranks(choices[0].child_id, [(c.pk, c.rank) for c in choices])


def _write_ranks(
    child_id: int, ranks: list[tuple[int, int]], open_round: int | None = None
) -> bool:
    """One ``UPDATE ... SET rank = CASE id WHEN ...`` for the choices' new ranks, (choice id,
    rank) of the child ``child_id``, whose id the statement checks too. (The ORM's bulk_update
    builds the same statement at ten times the cost; this runs on every change of a list, the
    platform's busiest write.) With ``open_round`` the statement also checks that this round
    is still open without a public seed, so a list read just before the registration closed
    is not written after it; False when it wrote nothing for that reason."""
    qn = connection.ops.quote_name
    table = qn(Choice._meta.db_table)
    pk = qn(Choice._meta.pk.column)
    rank = qn(Choice._meta.get_field("rank").column)
    child = qn(Choice._meta.get_field("child").column)
    cases = " ".join(["WHEN %s THEN %s"] * len(ranks))
    marks = ", ".join(["%s"] * len(ranks))
    params: list[object] = [v for pair in ranks for v in pair]
    params += [choice for choice, _ in ranks]
    params.append(child_id)
    still_open = ""
    if open_round is not None:
        rounds = qn(Round._meta.db_table)
        still_open = (
            f" AND EXISTS (SELECT 1 FROM {rounds} WHERE {qn(Round._meta.pk.column)} = %s "
            f"AND {qn(Round._meta.get_field('status').column)} = %s "
            f"AND {qn(Round._meta.get_field('seed').column)} = %s)"
        )
        params += [open_round, Round.OPEN, ""]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {rank} = CASE {pk} {cases} END "
            f"WHERE {pk} IN ({marks}) AND {child} = %s{still_open}",
            params,
        )
        return open_round is None or cursor.rowcount > 0


def school_ids(child: Child) -> list[int]:
    return list(child.choices.order_by("rank").values_list("school_id", flat=True))


@transaction.atomic
def add(child: Child, school: School) -> None:
    lifecycle.require_family_change(child.round_id)
    order = school_ids(child)
    if school.pk not in order and school.round_id == child.round_id:
        _renumber(child, [*order, school.pk])


@transaction.atomic
def move(child: Child, school: School, delta: int) -> None:
    lifecycle.require_family_change(child.round_id)
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
    lifecycle.require_family_change(child.round_id)
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


#: outcomes of :func:`set_order`
ORDERED, NOT_FOUND, CLOSED, CHANGED = "ordered", "not-found", "closed", "changed"

#: database alias -> the one SELECT of :func:`set_order`
_ORDER_SQL: dict[str, str] = {}


def _order_sql() -> str:
    sql = _ORDER_SQL.get(connection.alias)
    if sql is None:
        qn = connection.ops.quote_name

        def col(model: Any, field: str) -> str:
            return f"{qn(model._meta.db_table)}.{qn(model._meta.get_field(field).column)}"

        def table(model: Any) -> str:
            return qn(model._meta.db_table)

        sql = (
            f"SELECT {col(Round, 'status')}, {col(Round, 'registration_opens')}, "
            f"{col(Round, 'registration_closes')}, {col(PledgeGroup, 'target')}, "
            f"{col(Choice, 'id')}, {col(Choice, 'school')}, {col(Choice, 'rank')}, "
            f"{col(School, 'code')}, {col(Round, 'seed')} <> '', {col(Round, 'id')} "
            f"FROM {table(Child)} "
            f"INNER JOIN {table(Round)} ON {col(Round, 'id')} = {col(Child, 'round')} "
            f"LEFT JOIN {table(PledgeGroup)} "
            f"ON {col(PledgeGroup, 'id')} = {col(Child, 'pledge_group')} "
            f"LEFT JOIN {table(Choice)} ON {col(Choice, 'child')} = {col(Child, 'id')} "
            f"LEFT JOIN {table(School)} ON {col(School, 'id')} = {col(Choice, 'school')} "
            f"WHERE {col(Child, 'id')} = %s AND {col(Child, 'parent')} = %s"
        )
        _ORDER_SQL[connection.alias] = sql
    return sql


def set_order(parent_id: int, child_id: int, codes: list[str]) -> str:
    """Put the list of the child ``child_id`` of the parent ``parent_id`` in the order of
    ``codes`` (the same schools, reordered; a pledge group's school stays first).

    Returns ``ORDERED``; ``NOT_FOUND`` when the parent has no such child; ``CLOSED`` when its
    round's registration is not open; ``CHANGED`` when ``codes`` are not exactly the schools
    on the list (it changed in another tab meanwhile). This runs at every drag of a list, the
    platform's busiest write: one SELECT reads the child's round (whether its seed is public
    too: :func:`samen.web.core.lifecycle.families_may_change`), pledge group and list (and
    checks the parent), one UPDATE writes the changed ranks, and commits on its own."""
    with connection.cursor() as cursor:
        cursor.execute(_order_sql(), [child_id, parent_id])
        rows = cursor.fetchall()
    if not rows:
        return NOT_FOUND
    status, opens, closes, target = rows[0][:4]
    rnd = Round(
        # any text stands for the public seed: only whether there is one counts here
        seed="revealed" if rows[0][8] else "",
        status=status,
        registration_opens=lean.convert(
            Round._meta.get_field("registration_opens"), opens, connection
        ),
        registration_closes=lean.convert(
            Round._meta.get_field("registration_closes"), closes, connection
        ),
    )
    if not lifecycle.families_may_change(rnd):
        return CLOSED
    by_code = {code: s for _, _, _, _, pk, s, _, code, _, _ in rows if pk is not None}
    if sorted(codes) != sorted(by_code) or len(set(codes)) != len(codes):
        return CHANGED
    order = [by_code[c] for c in codes]
    if target is not None and target in order and order[0] != target:
        # a pledge's school stays first: the group chose it together
        order.remove(target)
        order.insert(0, target)
    ranks = {school: rank for rank, school in enumerate(order, start=1)}
    changed = [
        (pk, ranks[s]) for _, _, _, _, pk, s, r, *_ in rows if pk is not None and r != ranks[s]
    ]
    if changed and not _write_ranks(child_id, changed, open_round=rows[0][9]):
        return CLOSED
    return ORDERED


@transaction.atomic
def join(child: Child, group: PledgeGroup) -> None:
    """Join ``group`` (leaving any other) and put its school first on the list."""
    lifecycle.require_family_change(child.round_id)
    child.pledge_group = group
    child.save(update_fields=["pledge_group", "updated_at"])
    order = [s for s in school_ids(child) if s != group.target_id]
    _renumber(child, [group.target_id, *order])


@transaction.atomic
def leave(child: Child) -> None:
    """Leave the pledge group; the school stays on the list as an ordinary choice."""
    lifecycle.require_family_change(child.round_id)
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
    """A family may delete a child's data until registration closes (never once the seed of
    the draw is public: the child is part of what the allocation reads)."""
    rnd = child.round
    return rnd.status in (Round.DRAFT, Round.OPEN) and not lifecycle.inputs_frozen(rnd)


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
