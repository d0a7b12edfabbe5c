"""Who a school admits (``docs/allocation-rules.md``, section 10.5), on the platform.

A school with an ``admits`` expression (for example ``advice_havo|advice_vwo`` for a
havo/vwo programme) admits only the children who have it, by their answers to the round's
questions. The round reader refuses a child whose list holds a school that does not admit it,
so the platform never lets a family make such a list:

* the family's "add a school" list offers only the schools that admit the child, and every
  child applying together with it (:func:`offered`), and says why the others are missing;
* a pledge group can only be for a school that admits the child (:func:`require`);
* a change of answers that a school on the list would refuse, and a shared list that would
  hold a school refusing one of the children applying together, are form errors
  (:func:`list_problem`).

When the office changes a school's ``admits`` after children listed it, those children are
listed for the office before the draw (:func:`conflicts`), and the draw is refused while there
are any (:mod:`samen.web.core.v2checks`): the office changes the rule back, or opens the
registration again for the families to change their lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from samen.web.core import blocks, lifecycle, pool_words
from samen.web.core.models import Child, Choice, Round, School


class NotAdmitted(lifecycle.LifecycleError):
    """A school does not admit a child (the message says which, and why)."""


def has(text: str, flags: Mapping[str, Any]) -> bool:
    """Whether a child with the answers ``flags`` ({flag: 0 or 1}) has the expression
    ``text`` (section 10.1: at least one term holds; the empty expression: everyone). A
    question the child has no answer to counts as no, as the round folder writes it."""
    found = pool_words.terms(text)
    if not found:
        return True
    return any(bool(flags.get(name)) != negated for name, negated in found)


def admits(school: School, flags: Mapping[str, Any]) -> bool:
    return has(school.admits, flags)


def reason(school: School, flag_text: Mapping[str, str]) -> str:
    """Why a school is not offered: "School X: admits only children who answered ..."."""
    return _("%(school)s: %(rule)s") % {
        "school": school.display_name,
        "rule": pool_words.admits(school.admits, flag_text),
    }


def flag_texts(rnd: Round) -> dict[str, str]:
    return {q.flag: q.text() for q in rnd.questions.all()}


def offered(child: Child, schools: Iterable[School]) -> tuple[list[School], list[School]]:
    """(the schools that admit the child and every child applying together with it, the
    others) of ``schools``."""
    flags = [m.flags for m in blocks.members(child)]
    yes: list[School] = []
    no: list[School] = []
    for s in schools:
        (yes if all(has(s.admits, f) for f in flags) else no).append(s)
    return yes, no


def require(child: Child, school: School) -> None:
    """Raise :class:`NotAdmitted` unless ``school`` admits the child and every child applying
    together with it (a list or pledge that the reader would refuse never gets saved)."""
    for member in blocks.members(child):
        if not admits(school, member.flags):
            raise NotAdmitted(
                _("%(name)s cannot apply to %(school)s: %(rule)s")
                % {
                    "name": member.first_name or member.public_id,
                    "school": school.display_name,
                    "rule": pool_words.admits(school.admits, flag_texts(child.round)),
                }
            )


def list_problem(
    school_ids: Sequence[int], flags: Sequence[Mapping[str, Any]], rnd: Round
) -> School | None:
    """The first school of the list ``school_ids`` that does not admit one of the children
    with the answers ``flags`` (who would share the list), or None."""
    if not school_ids:
        return None
    schools = {s.pk: s for s in School.objects.filter(pk__in=list(school_ids)).exclude(admits="")}
    for pk in school_ids:
        s = schools.get(pk)
        if s is not None and not all(has(s.admits, f) for f in flags):
            return s
    return None


def form_problem(form: Any, data: Mapping[str, Any]) -> str | None:
    """For the child's details form (:class:`samen.web.core.forms.ChildForm`): why the
    answers given would make a list the reader refuses, or None. The lists checked are the
    child's own and, when it applies together with its brothers and sisters, theirs (all of
    them: whichever list the block keeps must admit every member)."""
    rnd = form.round
    if not rnd.schools.exclude(admits="").exists():
        return None
    answers = {}
    for q in form.questions:
        value = data.get(f"q_{q.flag}")
        if value in (None, ""):
            return None  # the question's own error says what to do
        answers[q.flag] = int(value)
    child = form.instance
    flags: list[Mapping[str, Any]] = [answers]
    lists: list[int] = []
    if child.pk:
        lists += list(child.choices.order_by("rank").values_list("school_id", flat=True))
    if data.get("apply_together") and form.parent is not None:
        others = Child.objects.filter(
            round=rnd, parent=form.parent, apply_together=True, family_label=""
        ).exclude(pk=child.pk)
        for other in others:
            flags.append(other.flags)
            lists += list(other.choices.order_by("rank").values_list("school_id", flat=True))
    school = list_problem(list(dict.fromkeys(lists)), flags, rnd)
    if school is None:
        return None
    return _(
        "%(school)s is on the list, but with these answers the child cannot apply there. "
        "%(rule)s Change the answers, or take the school off the list first."
    ) % {"school": school.display_name, "rule": pool_words.admits(school.admits, flag_texts(rnd))}


@dataclass
class Conflict:
    """A child whose list holds a school that does not admit it (after the office changed the
    school's ``admits``, or the answers changed by another way)."""

    child: Child
    school: School
    rank: int


def conflicts(rnd: Round, limit: int | None = None) -> list[Conflict]:
    """The children of the round whose list holds a school that does not admit them, in the
    order of the schools and the children; the allocation's reader would refuse them."""
    out: list[Conflict] = []
    for school in rnd.schools.exclude(admits="").order_by("seq", "id"):
        for choice in (
            Choice.objects.filter(school=school)
            .select_related("child")
            .order_by("child__seq", "child_id")
        ):
            if not has(school.admits, choice.child.flags):
                out.append(Conflict(choice.child, school, choice.rank))
                if limit is not None and len(out) >= limit:
                    return out
    return out


__all__ = [
    "Conflict",
    "NotAdmitted",
    "admits",
    "conflicts",
    "flag_texts",
    "form_problem",
    "has",
    "list_problem",
    "offered",
    "reason",
    "require",
]
