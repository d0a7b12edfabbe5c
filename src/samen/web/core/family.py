"""What families do to their lists and pledge groups, with the round's rules checked.

Lists are kept numbered 1, 2, 3, ... without gaps. Joining a pledge group puts its school
first on the child's list; taking that school off the list leaves the group (a pledge is a
conditional choice of that school, rules section 7). Children who apply together
(:mod:`samen.web.core.blocks`) share one list and one pledge group: every change below is made
to every member of the block, in the same transaction.

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

from samen.web.core import admits, blocks, lean, lifecycle, notifications
from samen.web.core.models import (
    AllocationRun,
    BirthDateAllowance,
    Child,
    Choice,
    PledgeGroup,
    Round,
    School,
    new_public_id,
)
from samen.web.core.run_names import run_label


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


def _renumber_block(child: Child, schools: list[int]) -> None:
    """Make ``schools`` the list of the child and of every child applying together with it."""
    for member in blocks.members(child):
        _renumber(member, schools)


def _block_changed(child: Child) -> None:
    """The list of ``child`` and its block changed: their registration receipts are due later
    (:func:`samen.web.core.notifications.list_changed`)."""
    for member in blocks.members(child):
        notifications.list_changed(member)


def _set_ranks(choices: list[Choice]) -> None:
    """Write the new ranks of ``choices`` (of one child)."""
    _write_ranks([choices[0].child_id], [(c.pk, c.rank) for c in choices])


def _write_ranks(
    child_ids: list[int], ranks: list[tuple[int, int]], open_round: int | None = None
) -> bool:
    """One ``UPDATE ... SET rank = CASE id WHEN ...`` for the choices' new ranks, (choice id,
    rank) of the children ``child_ids``, whose ids the statement checks too. (The ORM's
    bulk_update builds the same statement at ten times the cost; this runs on every change of
    a list, the platform's busiest write.) With ``open_round`` the statement also checks that
    this round is still open without a public seed, so a list read just before the
    registration closed is not written after it; False when it wrote nothing for that
    reason."""
    qn = connection.ops.quote_name
    table = qn(Choice._meta.db_table)
    pk = qn(Choice._meta.pk.column)
    rank = qn(Choice._meta.get_field("rank").column)
    changed = qn(Choice._meta.get_field("changed_at").column)
    child = qn(Choice._meta.get_field("child").column)
    cases = " ".join(["WHEN %s THEN %s"] * len(ranks))
    marks = ", ".join(["%s"] * len(ranks))
    params: list[Any] = [v for pair in ranks for v in pair]
    # the time of the change, for the registration receipt (notifications), in the same statement
    params.append(connection.ops.adapt_datetimefield_value(timezone.now()))
    params += [choice for choice, _ in ranks]
    params += child_ids
    owners = ", ".join(["%s"] * len(child_ids))
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
            f"UPDATE {table} SET {rank} = CASE {pk} {cases} END, {changed} = %s "
            f"WHERE {pk} IN ({marks}) AND {child} IN ({owners}){still_open}",
            params,
        )
        return open_round is None or cursor.rowcount > 0


def school_ids(child: Child) -> list[int]:
    return list(child.choices.order_by("rank").values_list("school_id", flat=True))


@transaction.atomic
def add(child: Child, school: School) -> None:
    """Add ``school`` at the end of the list (of the child's whole block)."""
    lifecycle.require_family_change(child.round_id)
    order = school_ids(child)
    if school.pk not in order and school.round_id == child.round_id:
        admits.require(child, school)  # the reader refuses a school that does not admit it
        _renumber_block(child, [*order, school.pk])


@transaction.atomic
def move(child: Child, school: School, delta: int) -> None:
    """Move ``school`` ``delta`` places down (up when negative), for the whole block."""
    lifecycle.require_family_change(child.round_id)
    order = school_ids(child)
    if school.pk not in order:
        return
    i = order.index(school.pk)
    j = max(0, min(len(order) - 1, i + delta))
    order.insert(j, order.pop(i))
    _renumber_block(child, order)


def _set_group(children: list[Child], group: PledgeGroup | None) -> None:
    for member in children:
        member.pledge_group = group
        member.save(update_fields=["pledge_group", "updated_at"])


@transaction.atomic
def remove(child: Child, school: School) -> bool:
    """Take ``school`` off the list (of the whole block); True when that also left the
    pledge group."""
    lifecycle.require_family_change(child.round_id)
    order = school_ids(child)
    if school.pk not in order:
        return False
    order.remove(school.pk)
    _renumber_block(child, order)
    _block_changed(child)  # a removal leaves no stamp on the list
    group = child.pledge_group
    if group is not None and group.target_id == school.pk:
        _set_group(blocks.members(child), None)
        return True
    return False


@transaction.atomic
def share_list(source: Child, targets: list[Child]) -> None:
    """Give ``targets`` the list and pledge group of ``source`` (a child joining a block, or
    the list the parent chose for it)."""
    order = school_ids(source)
    for target in targets:
        if target.pk == source.pk:
            continue
        _renumber(target, order)
        if target.pledge_group_id != source.pledge_group_id:
            target.pledge_group_id = source.pledge_group_id
            target.save(update_fields=["pledge_group", "updated_at"])


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

        child, member = table(Child), qn("member")

        def mcol(field: str) -> str:
            return f"{member}.{qn(Child._meta.get_field(field).column)}"

        def ccol(field: str) -> str:
            return col(Child, field)

        # the child's block: the children of the same parent in the round that apply
        # together with it (found through the parent, whose few children are indexed)
        together = (
            f"({ccol('apply_together')} AND {mcol('apply_together')} "
            f"AND {ccol('family_label')} = '' AND {mcol('family_label')} = '')"
        )
        sql = (
            f"SELECT {col(Round, 'status')}, {col(Round, 'registration_opens')}, "
            f"{col(Round, 'registration_closes')}, {col(PledgeGroup, 'target')}, "
            f"{mcol('id')}, {col(Choice, 'id')}, {col(Choice, 'school')}, "
            f"{col(Choice, 'rank')}, {col(School, 'code')}, "
            f"{col(Round, 'seed')} <> '', {col(Round, 'id')} "
            f"FROM {child} "
            f"INNER JOIN {table(Round)} ON {col(Round, 'id')} = {ccol('round')} "
            f"LEFT JOIN {table(PledgeGroup)} "
            f"ON {col(PledgeGroup, 'id')} = {ccol('pledge_group')} "
            f"INNER JOIN {child} {member} ON {mcol('parent')} = {ccol('parent')} "
            f"AND {mcol('round')} = {ccol('round')} "
            f"AND ({mcol('id')} = {ccol('id')} OR {together}) "
            f"LEFT JOIN {table(Choice)} ON {col(Choice, 'child')} = {mcol('id')} "
            f"LEFT JOIN {table(School)} ON {col(School, 'id')} = {col(Choice, 'school')} "
            f"WHERE {ccol('id')} = %s AND {ccol('parent')} = %s"
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
    too: :func:`samen.web.core.lifecycle.families_may_change`), pledge group and list, and the
    lists of the children applying together with it (and checks the parent), one UPDATE
    writes the changed ranks of all of them, and commits on its own. (Only a block whose
    lists differ, which the platform no longer lets happen, takes the slower ORM path.)"""
    with connection.cursor() as cursor:
        cursor.execute(_order_sql(), [child_id, parent_id])
        rows = cursor.fetchall()
    if not rows:
        return NOT_FOUND
    status, opens, closes, target = rows[0][:4]
    rnd = Round(
        # any text stands for the public seed: only whether there is one counts here
        seed="revealed" if rows[0][9] else "",
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
    # (member, choice id, school id, rank, code) of every member of the block
    lists: dict[int, list[tuple[int, int, int, str]]] = {}
    for _s, _o, _c, _t, member, pk, school, rank, code, _seed, _round in rows:
        found = lists.setdefault(member, [])
        if pk is not None:
            found.append((pk, school, rank, code))
    by_code = {code: school for _pk, school, _rank, code in lists[child_id]}
    if sorted(codes) != sorted(by_code) or len(set(codes)) != len(codes):
        return CHANGED
    order = [by_code[c] for c in codes]
    if target is not None and target in order and order[0] != target:
        # a pledge's school stays first: the group chose it together
        order.remove(target)
        order.insert(0, target)
    ranks = {school: rank for rank, school in enumerate(order, start=1)}
    if any(
        sorted(school for _pk, school, _r, _c in found) != sorted(ranks) for found in lists.values()
    ):
        # a member's list differs (data from before lists were shared): make it the same
        with transaction.atomic():
            child = Child.objects.get(pk=child_id)
            _renumber_block(child, order)
        return ORDERED
    changed = [
        (pk, ranks[school])
        for found in lists.values()
        for pk, school, rank, _code in found
        if rank != ranks[school]
    ]
    if changed and not _write_ranks(sorted(lists), changed, open_round=rows[0][10]):
        return CLOSED
    return ORDERED


@transaction.atomic
def join(child: Child, group: PledgeGroup) -> list[Child]:
    """Join ``group`` (leaving any other) and put its school first on the list, with every
    child applying together with it (a block has one pledge: decisions.md, decision 1).
    Returns the children who joined."""
    lifecycle.require_family_change(child.round_id)
    admits.require(child, group.target)  # its school goes on the list
    members = blocks.members(child)
    _set_group(members, group)
    order = [s for s in school_ids(child) if s != group.target_id]
    _renumber_block(child, [group.target_id, *order])
    _block_changed(child)
    return members


@transaction.atomic
def leave(child: Child) -> list[Child]:
    """Leave the pledge group, with every child applying together with it; the school stays
    on the list as an ordinary choice. Returns the children who left."""
    lifecycle.require_family_change(child.round_id)
    members = blocks.members(child)
    _set_group(members, None)
    _block_changed(child)
    return members


def next_seq(rnd: Round) -> int:
    top = rnd.children.aggregate(m=Max("seq"))["m"]
    return 0 if top is None else top + 1


def new_group_id(rnd: Round) -> str:
    """A pseudonymous id for a new pledge group (``G-`` and 8 letters and digits). It goes into
    the published round folder (groups.csv, and the lottery text ``pledge:ID``), so it is not
    made from the name the families gave the group, which may hold a child's name."""
    while True:
        gid = "G-" + new_public_id()[2:10]
        if not PledgeGroup.objects.filter(round=rnd, group_id=gid).exists():
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
                    "run": run_label(p.run),
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
                "date_of_birth_allowed_by_the_office": c.birth_date_reason or None,
                "postcode": c.postcode,
                "house_number": c.house_number,
                "box": c.box,
                "street": c.street,
                "home": c.home,
                "home_reason": c.home_reason or None,
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
    allowances = [
        {
            "round": a.round.name,
            "date_of_birth": _when(a.birth_date),
            "reason": a.reason,
            "used_by": a.child.public_id if a.child else None,
        }
        for a in BirthDateAllowance.objects.filter(email__iexact=user.email).select_related(
            "round", "child"
        )
    ]
    return {
        "email": user.email,
        "account_created": _when(user.date_joined),
        "exported_at": _when(timezone.now()),
        "children": children,
        "e_mails": notifications.export_for(user),
        "dates_of_birth_allowed_by_the_office": allowances,
    }
