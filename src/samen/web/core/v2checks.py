"""What the office must fix before the draw, and what it should know, about the rules of
version 2 (``docs/allocation-rules.md``, section 10).

The round reader refuses a round folder (so the allocation would fail after the draw, when
nothing can change any more) when:

* a child's list holds a school that does not admit it (10.5): possible after the office
  changed a school's ``admits`` or a question's answers changed some other way;
* a child with a list has no number in a column a seat pool orders by (``value:``, 10.2);
* a nearest-schools rule asks for a category value no school has (10.3).

:func:`blocking` lists these in words; the draw is refused while there are any
(:func:`require_none`, called by :func:`samen.web.core.lifecycle.reveal_seed`), and the round's
page shows them. :func:`warnings` adds the rules that reward ranking strategically
(:func:`samen.web.core.rules_v2.strategic`), which the office should know of but which do not
stop the draw.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samen.web.core import admits, rules_v2
from samen.web.core.exchange_v2 import rules_of
from samen.web.core.models import Child, Round, School

#: how many children a message names at most
SHOWN = 10


def missing_numbers(rnd: Round) -> list[tuple[Child, list[str]]]:
    """The children with a list who lack a number (or whose number is not a number) in a
    column some seat pool orders by, with those columns."""
    columns = rules_of(rnd, list(rnd.schools.prefetch_related("pools"))).numbers
    if not columns:
        return []
    out: list[tuple[Child, list[str]]] = []
    for child in rnd.children.filter(choices__isnull=False).distinct().order_by("seq", "id"):
        values = child.values or {}
        lacking = [
            c
            for c in columns
            if not isinstance(values.get(c), int | float) or isinstance(values.get(c), bool)
        ]
        if lacking:
            out.append((child, lacking))
    return out


def _ids(children: list[Child]) -> str:
    shown = ", ".join(c.public_id for c in children[:SHOWN])
    return shown + (" …" if len(children) > SHOWN else "")


def _conflict_text(found: list[admits.Conflict]) -> str:
    lines = "; ".join(
        _("%(id)s lists %(school)s (choice %(rank)s)")
        % {"id": c.child.public_id, "school": c.school.display_name, "rank": c.rank}
        for c in found[:SHOWN]
    ) + (" …" if len(found) > SHOWN else "")
    return ngettext(
        "%(n)s child has a school on its list that does not admit it (after a change of "
        "the school's “admits only” or of the child's answers): %(lines)s. Change the "
        "rule back, or open the registration so the family can change the list.",
        "%(n)s children have a school on their list that does not admit them (after a "
        "change of the school's “admits only” or of the children's answers): %(lines)s. "
        "Change the rule back, or open the registration so the families can change "
        "their lists.",
        len(found),
    ) % {"n": len(found), "lines": lines}


def school_warnings(school: School) -> list[str]:
    """After the office saved a school: the children whose list holds it though it no longer
    admits them (the draw waits for them)."""
    if not school.admits:
        return []
    found = [c for c in admits.conflicts(school.round) if c.school.pk == school.pk]
    return [_conflict_text(found)] if found else []


def blocking(rnd: Round) -> list[str]:
    """Why the round folder would be refused now, in words (empty: nothing blocks the draw)."""
    out: list[str] = []
    found = admits.conflicts(rnd)
    if found:
        out.append(_conflict_text(found))
    lacking = missing_numbers(rnd)
    if lacking:
        columns = ", ".join(dict.fromkeys(c for _child, cs in lacking for c in cs))
        out.append(
            ngettext(
                "%(n)s child with a list has no %(columns)s, which a seat pool orders by "
                "(%(ids)s). Give it on the applicant's page.",
                "%(n)s children with a list have no %(columns)s, which a seat pool orders by "
                "(%(ids)s). Give it on each applicant's page.",
                len(lacking),
            )
            % {"n": len(lacking), "columns": columns, "ids": _ids([c for c, _cs in lacking])}
        )
    out += rules_v2.nearest_problems(rnd)
    return out


def unasked_flags(rnd: Round) -> list[str]:
    """The flags that seat pools or schools' ``admits`` name but no question of the round
    asks (a question removed or renamed later): every child counts as answering no."""
    asked = set(rnd.flags())
    return [f for f in rnd.used_flags() if f not in asked]


def warnings(rnd: Round) -> list[str]:
    """What the round's page tells the office about its rules of version 2: what blocks the
    draw, flags no question asks, then the rules that reward ranking strategically."""
    out = blocking(rnd)
    unasked = unasked_flags(rnd)
    if unasked:
        out.append(
            _(
                "Seat pools or schools' “admits only” name %(flags)s, which no question of the "
                "round asks: every child counts as answering no. Add the question, or change "
                "the rule."
            )
            % {"flags": ", ".join(unasked)}
        )
    return out + rules_v2.strategic(rnd)


def require_none(rnd: Round) -> None:
    """Raise :class:`samen.web.core.lifecycle.LifecycleError` while :func:`blocking` finds
    anything: the draw freezes the inputs, and the allocation would refuse them."""
    from samen.web.core.lifecycle import LifecycleError

    found = blocking(rnd)
    if found:
        raise LifecycleError(" ".join(found))


__all__ = [
    "SHOWN",
    "blocking",
    "missing_numbers",
    "require_none",
    "school_warnings",
    "unasked_flags",
    "warnings",
]
