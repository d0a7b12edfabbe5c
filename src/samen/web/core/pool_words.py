"""Flag expressions and ordering criteria in words (allocation rules sections 4, 5, 10.1,
10.2 and 10.5), for families, school pages and the office.

A flag expression (``indicator``, ``not:indicator``, ``indicator|disability``) says whom a
seat pool's seats are for first, or whom a school admits: the children who answered yes (or
no, for ``not:``) to at least one of the questions it names. An ordering (``lottery``,
``distance``, ``rank``, ``value:points`` or several joined by ``,``) says in which order a
pool takes the children; a child's place in it is one value per criterion (joined by ``;`` in
the result files: :func:`samen.engine.criteria.values_text`).

The words of a single v1 term or ordering are the ones the platform always used, so a v1
round reads as before.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from samen.engine import criteria
from samen.engine.criteria import CriteriaError
from samen.engine.expressions import split, term_flag


def terms(text: str) -> list[tuple[str, bool]]:
    """(flag, negated) of each term of the expression ``text`` (``[]``: everyone)."""
    return [term_flag(t) for t in split(text or "")]


def flags_of(text: str) -> list[str]:
    """The flags an expression names, each once, in order."""
    return list(dict.fromkeys(name for name, _neg in terms(text) if name))


def answers(text: str, flag_text: Mapping[str, str]) -> str:
    """The answers an expression asks for: ``yes to: QUESTION``, several joined by "or"."""
    parts = []
    for name, negated in terms(text):
        question = flag_text.get(name, name)
        parts.append(
            _("no to: %(question)s") % {"question": question}
            if negated
            else _("yes to: %(question)s") % {"question": question}
        )
    return _(", or ").join(parts)


def who(favours: str, flag_text: Mapping[str, str]) -> str:
    """Whom a pool's seats are for first: "for everyone", "first for children who answered
    yes to: ..." (one term, as in version 1) or "... one of: ..." (several)."""
    found = terms(favours)
    if not found:
        return _("for everyone")
    if len(found) == 1:
        name, negated = found[0]
        question = flag_text.get(name, name)
        if negated:
            return _("first for children who answered no to: %(question)s") % {"question": question}
        return _("first for children who answered yes to: %(question)s") % {"question": question}
    return _("first for children who answered %(answers)s") % {
        "answers": answers(favours, flag_text)
    }


def admits(text: str, flag_text: Mapping[str, str]) -> str:
    """Whom a school admits (section 10.5), as a sentence; "" when it admits every child."""
    if not terms(text):
        return ""
    return _("Admits only children who answered %(answers)s.") % {
        "answers": answers(text, flag_text)
    }


def number_labels(numbers: list[dict[str, str]]) -> dict[str, str]:
    """The name of each number the office gives children (``Round.numbers``), in the
    reader's language (the column itself when it has none)."""
    lang = (get_language() or "nl")[:2]
    return {
        n["column"]: n.get(lang) or n.get("nl") or n.get("en") or n["column"]
        for n in numbers
        if n.get("column")
    }


def _criteria(order_by: str) -> tuple[str, ...]:
    try:
        return criteria.parse(order_by or "lottery")
    except CriteriaError:
        return (order_by,)


def _criterion(c: str, labels: Mapping[str, str]) -> str:
    if c == "lottery":
        return _("by lottery")
    if c == "distance":
        return _("by distance (nearest first)")
    if c == "rank":
        return _("by the place of the school on the list")
    column = c[len(criteria.VALUE) :] if c.startswith(criteria.VALUE) else c
    return _("by %(number)s (smallest first)") % {"number": labels.get(column, column)}


def order(order_by: str, labels: Mapping[str, str] | None = None) -> str:
    """In which order a pool takes children: "by lottery", or several criteria joined by
    ", then" ("by the place of the school on the list, then by distance")."""
    return _(", then ").join(_criterion(c, labels or {}) for c in _criteria(order_by))


def _value(c: str, value: str, labels: Mapping[str, str]) -> str:
    if c == "distance":
        return _("%(metres)s m from the school") % {"metres": value}
    if c == "rank":
        return _("this school was choice %(rank)s") % {"rank": value}
    if c == "lottery":
        return _("lottery number %(number)s") % {"number": value}
    column = c[len(criteria.VALUE) :] if c.startswith(criteria.VALUE) else c
    return _("%(number)s: %(value)s") % {"number": labels.get(column, column), "value": value}


def values(order_by: str, value: str, labels: Mapping[str, str] | None = None) -> list[str]:
    """A child's place in a pool's order, one phrase per criterion (``value`` is what the
    result files write: the criteria's values joined by ``;``)."""
    crit = _criteria(order_by)
    parts = value.split(criteria.VALUES_SEPARATOR) if len(crit) > 1 else [value]
    if len(parts) != len(crit):
        return [value]
    return [_value(c, v, labels or {}) for c, v in zip(crit, parts, strict=True)]


def uses_lottery(order_by: str) -> bool:
    """Whether the ordering names the lottery (then its value is among the criteria's)."""
    return "lottery" in _criteria(order_by)


__all__ = [
    "admits",
    "answers",
    "flags_of",
    "number_labels",
    "order",
    "terms",
    "uses_lottery",
    "values",
    "who",
]
