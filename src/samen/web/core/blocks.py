"""Children of one parent who apply together (twins, siblings): one list on the platform.

The rules make children a family block only when they have the same family, identical lists
and the same pledge group (``docs/allocation-rules.md`` section 6, ``docs/decisions.md``
decision 1); children of one family with different lists are allocated apart. So the platform
keeps ONE list for a block: every change of a member's list or pledge group
(:mod:`samen.web.core.family`) is made to every member, and a child that joins a block takes
the block's list. When the lists differ at that moment (a child that already had a list of its
own), the parent chooses which list the block keeps (:func:`list_choices`); nothing is merged
silently. The round folder then gives the members one family label and one list, and the
engine keeps them together (:func:`split_blocks` checks that before an allocation).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from samen.web.core.models import Child, Choice, School


def in_block(child: Child) -> bool:
    """Whether the child applies together with the other such children of its parent."""
    return bool(child.apply_together and child.parent_id and not child.family_label)


def members(child: Child) -> list[Child]:
    """The children whose list is the child's list: its block (itself included, in the
    order they were registered), or only itself."""
    if not in_block(child) or child.pk is None:
        return [child]
    found = Child.objects.filter(
        round_id=child.round_id, parent_id=child.parent_id, apply_together=True, family_label=""
    ).order_by("seq", "id")
    return [child if m.pk == child.pk else m for m in found]


def others(child: Child) -> list[Child]:
    """The other members of the child's block."""
    return [m for m in members(child) if m.pk != child.pk]


def _lists(children: Sequence[Child]) -> dict[int, tuple[tuple[int, ...], int | None]]:
    """Each child's (school ids in order, pledge group id)."""
    out: dict[int, list[int]] = {c.pk: [] for c in children}
    for child_id, school_id in (
        Choice.objects.filter(child__in=[c.pk for c in children])
        .order_by("child_id", "rank")
        .values_list("child_id", "school_id")
    ):
        out[child_id].append(school_id)
    return {c.pk: (tuple(out[c.pk]), c.pledge_group_id) for c in children}


def list_choices(child: Child, parent: Any, round_id: int) -> list[tuple[str, str]]:
    """When ``child`` joins its parent's block: the different lists (with their pledge
    group) that the block could keep, as (child id, words) for the parent to choose from;
    empty when there is nothing to choose (at most one list that is not empty)."""
    block = list(
        Child.objects.filter(
            round_id=round_id, parent=parent, apply_together=True, family_label=""
        ).select_related("pledge_group")
    )
    if child.pk is not None:
        block = [c for c in block if c.pk != child.pk] + [child]
    lists = _lists(block)
    seen: dict[tuple[tuple[int, ...], int | None], list[Child]] = {}
    for c in block:
        if lists[c.pk][0] or lists[c.pk][1]:
            seen.setdefault(lists[c.pk], []).append(c)
    if len(seen) <= 1:
        return []
    names = dict(School.objects.filter(round_id=round_id).values_list("pk", "name"))
    codes = dict(School.objects.filter(round_id=round_id).values_list("pk", "code"))
    choices = []
    for (schools, _group), kids in seen.items():
        who = ", ".join(k.first_name or k.public_id for k in kids)
        listed = "; ".join(names.get(s) or codes.get(s, "?") for s in schools) or _("no schools")
        words = _("The list of %(who)s: %(schools)s") % {"who": who, "schools": listed}
        group = kids[0].pledge_group
        if group is not None:
            words += " " + _("(pledge group “%(name)s”)") % {"name": group.name}
        choices.append((str(kids[0].pk), words))
    return choices


def source_for(child: Child) -> Child | None:
    """The member whose list a block that ``child`` just joined takes, when only one list
    is not empty (None when all are empty)."""
    block = members(child)
    lists = _lists(block)
    for m in block:
        if lists[m.pk][0] or lists[m.pk][1]:
            return m
    return None


def split_blocks(families: dict[str, list[tuple[str, tuple[str, ...], str]]]) -> list[str]:
    """The applicant ids of family blocks whose members would be written with different
    lists or pledge groups (``families``: label -> (id, list, pledge) of each member)."""
    bad: list[str] = []
    for rows in families.values():
        if len({(lst, pledge) for _id, lst, pledge in rows}) > 1:
            bad.extend(i for i, _lst, _p in rows)
    return bad
