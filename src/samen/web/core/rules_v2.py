"""The rules of version 2 (``docs/allocation-rules.md``, section 10) as the office types them,
checked as the round reader checks them (:mod:`samen.io.settings`, :mod:`samen.io.checks`), so
a mistake is a field error on the form instead of a failed allocation later:

* flag expressions (10.1: a pool's ``favours``, a school's ``admits``): terms joined by ``|``,
  each a question's flag or ``not:`` and a flag;
* orderings (10.2): ``lottery``, ``distance``, ``rank`` or ``value:COLUMN``, several joined by
  ``,``; a ``value:`` column must be one of the numbers the round gives children;
* the numbers (10.2): the columns the office fills in for each child (a family never types
  them), each with its name in Dutch, English and French;
* ``[[nearest]]`` rules (10.3): a priority group, how many schools, and optionally a category
  column of the schools and the minimum per category value;
* ``first_choice_only`` (10.4): priority groups of the round.

It also says which configured rules reward ranking strategically (10.2 and 10.4: ``rank``
among a pool's criteria, first-choice-only groups; Pathak and Sönmez 2013), which the office
is warned about.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from samen.engine import criteria
from samen.engine.criteria import CriteriaError
from samen.engine.expressions import split, term_flag
from samen.engine.nearest import NearestRule
from samen.io.checks.applicants import APPLICANT_COLUMNS
from samen.web.core.formulas import no_formula

#: a column name the office may give a number or a category (a plain CSV header)
COLUMN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")
#: the columns of schools.csv that samen reads for something else
SCHOOL_COLUMNS = ("school_id", "name", "capacity", "x", "y", "lat", "lon", "admits")
#: the languages a number has a name in
NUMBER_LANGUAGES = ("nl", "en", "fr")


# --------------------------------------------------------------------------- expressions


def expression_problem(
    text: str, flags: Sequence[str] | None, numbers: Sequence[str] = ()
) -> str | None:
    """What is wrong with a flag expression for a round whose questions have ``flags``
    (section 10.1), in words; None when it is right. ``flags=None``: a round still without
    questions (a new one), whose expressions are checked for their form only."""
    known = ", ".join(flags) if flags else _("none yet")
    for term in split(text or ""):
        name, _negated = term_flag(term)
        if not term:
            return _("“%(text)s” has an empty part: write a question's flag between each “|”.") % {
                "text": text.strip()
            }
        if not name:
            return _("“not:” needs a question's flag after it, like not:indicator.")
        if name in numbers:
            return _(
                "“%(flag)s” is one of the round's numbers, not a yes/no question; name a "
                "question's flag (its flags: %(known)s)."
            ) % {"flag": name, "known": known}
        if flags is not None and name not in flags:
            return _(
                "The round has no question with the flag “%(flag)s” (its flags: %(known)s). "
                "Write a flag, not: and a flag, or several joined by “|”."
            ) % {"flag": name, "known": known}
    return None


def clean_expression(text: str, flags: Sequence[str] | None, numbers: Sequence[str] = ()) -> str:
    """The expression as a round folder writes it (``a|not:b``, no spaces), or a
    :class:`ValidationError` saying what is wrong."""
    problem = expression_problem(text, flags, numbers)
    if problem:
        raise ValidationError(problem)
    no_formula(text)
    return normal_expression(text)


def normal_expression(text: str) -> str:
    """An expression as a round folder writes it: terms joined by ``|``, no spaces
    (``not: a | b`` is ``not:a|b``)."""
    terms = [term_flag(t) for t in split(text or "")]
    return "|".join(("not:" if negated else "") + name for name, negated in terms)


# --------------------------------------------------------------------------- orderings


def criteria_problem(text: str, numbers: Sequence[str]) -> str | None:
    """What is wrong with an ordering (section 10.2), in words; None when it is right."""
    try:
        crit = criteria.parse(text or "lottery")
    except CriteriaError as exc:
        return _(
            "“%(text)s” is not an ordering. Write lottery, distance, rank or value: and one of "
            "the round's numbers, or several joined by commas, like rank,distance."
        ) % {"text": exc.text}
    for column in criteria.value_columns(crit):
        if column not in numbers:
            known = ", ".join(numbers) if numbers else _("none yet")
            return _(
                "value:%(column)s orders by a number the round does not give its children "
                "(its numbers: %(known)s). Add the number in the round's settings first."
            ) % {"column": column, "known": known}
    return None


def clean_criteria(text: str, numbers: Sequence[str]) -> str:
    """The ordering as a round folder writes it (``rank,distance``), or a
    :class:`ValidationError`."""
    problem = criteria_problem(text, numbers)
    if problem:
        raise ValidationError(problem)
    return criteria.text_of(criteria.parse(text or "lottery"))


def has_rank(text: str) -> bool:
    """Whether an ordering uses the place of the school on the list."""
    try:
        return "rank" in criteria.parse(text or "lottery")
    except CriteriaError:
        return False


def has_distance(text: str) -> bool:
    """Whether an ordering uses the distance (then it needs every listed school's distance)."""
    try:
        return "distance" in criteria.parse(text or "lottery")
    except CriteriaError:
        return False


# --------------------------------------------------------------------------- numbers


def number_columns(numbers: list[dict[str, Any]]) -> list[str]:
    """The columns of the round's numbers (``Round.numbers``)."""
    return [n["column"] for n in numbers if n.get("column")]


def parse_numbers(text: str, flags: list[str]) -> list[dict[str, str]]:
    """The numbers of the settings form: one per line, ``column, Dutch name, English name,
    French name`` (the names may be left out). A :class:`ValidationError` names the line."""
    out: list[dict[str, str]] = []
    for k, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(",")]
        column, names = parts[0], parts[1:]
        where = {"k": k, "column": column}
        if not COLUMN.match(column):
            raise ValidationError(
                _(
                    "Line %(k)s: “%(column)s” cannot be a column name; use letters, digits, “_” "
                    "and “-”, starting with a letter (at most 40)."
                )
                % where
            )
        if column in APPLICANT_COLUMNS or column in flags:
            raise ValidationError(
                _(
                    "Line %(k)s: “%(column)s” is already a column of applicants.csv (a question's "
                    "flag or a column samen reads); choose another name."
                )
                % where
            )
        if column in number_columns(out):
            raise ValidationError(_("Line %(k)s: the number “%(column)s” is given twice.") % where)
        if len(names) > len(NUMBER_LANGUAGES):
            raise ValidationError(
                _("Line %(k)s: write the column and at most three names (Dutch, English, French).")
                % where
            )
        item = {"column": column}
        for lang, name in zip(NUMBER_LANGUAGES, names, strict=False):
            if name:
                item[lang] = name[:100]
        out.append(item)
    return out


def numbers_text(numbers: list[dict[str, Any]]) -> str:
    """``Round.numbers`` as the settings form shows them."""
    lines = []
    for n in numbers:
        names = [n.get(lang, "") for lang in NUMBER_LANGUAGES]
        while names and not names[-1]:
            names.pop()
        lines.append(", ".join([n["column"], *names]))
    return "\n".join(lines)


# --------------------------------------------------------------------------- nearest schools


def nearest_rules(rnd: Any) -> tuple[NearestRule, ...]:
    """The round's ``[[nearest]]`` rules as the engine keeps them."""
    return tuple(
        NearestRule(
            r["group"],
            int(r["count"]),
            r.get("category", ""),
            tuple((str(v), int(k)) for v, k in r.get("at_least", [])),
        )
        for r in (rnd.nearest or [])
    )


def nearest_json(rules: tuple[NearestRule, ...] | list[NearestRule]) -> list[dict[str, Any]]:
    """``[[nearest]]`` rules as ``Round.nearest`` keeps them."""
    return [
        {
            "group": r.group,
            "count": int(r.count),
            "category": r.category,
            "at_least": [[v, int(k)] for v, k in r.at_least],
        }
        for r in rules
    ]


def category_columns(rnd: Any) -> list[str]:
    """The schools' category columns the round's nearest rules read, each once."""
    return list(
        dict.fromkeys(r.get("category", "") for r in rnd.nearest or [] if r.get("category"))
    )


def _whole(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\d{1,6}", text.strip()) else None


def parse_nearest(text: str, groups: list[str]) -> list[dict[str, Any]]:
    """The nearest rules of the settings form, one per line: ``group, count`` or ``group,
    count, category, value=number, value=number`` (for example ``nearby, 8, denomination,
    public=2, catholic=2``). A :class:`ValidationError` names the line and the mistake."""
    out: list[NearestRule] = []
    known = ", ".join(groups) if groups else _("none yet")
    for k, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(",")]
        group = parts[0]
        if group not in groups:
            raise ValidationError(
                _(
                    "Line %(k)s: “%(group)s” is not one of the round's priority groups (%(known)s); "
                    "add it to the priority groups first."
                )
                % {"k": k, "group": group, "known": known}
            )
        count = _whole(parts[1]) if len(parts) > 1 else None
        if count is None or count < 1:
            raise ValidationError(
                _("Line %(k)s: give the number of nearest schools (1 or more) after the group.")
                % {"k": k}
            )
        category = parts[2] if len(parts) > 2 else ""
        if category and (not COLUMN.match(category) or category in SCHOOL_COLUMNS):
            raise ValidationError(
                _(
                    "Line %(k)s: “%(category)s” cannot be a category column; use letters, "
                    "digits, “_” and “-”, not one of %(reserved)s."
                )
                % {"k": k, "category": category, "reserved": ", ".join(SCHOOL_COLUMNS)}
            )
        at_least = _at_least(k, parts[3:])
        if at_least and not category:
            raise ValidationError(
                _("Line %(k)s: minimums per category need the category column first.") % {"k": k}
            )
        out.append(NearestRule(group, count, category, at_least))
    return nearest_json(out)


def _at_least(k: int, items: list[str]) -> tuple[tuple[str, int], ...]:
    out: list[tuple[str, int]] = []
    for item in items:
        value, eq, number = item.rpartition("=")
        value = value.strip()
        n = _whole(number) if eq else None
        if not value or n is None:
            raise ValidationError(
                _(
                    "Line %(k)s: “%(item)s” is not a minimum; write the category value, “=” and "
                    "a whole number, like public=2."
                )
                % {"k": k, "item": item}
            )
        if value in [v for v, _n in out]:
            raise ValidationError(
                _("Line %(k)s: the category value “%(value)s” is given twice.")
                % {"k": k, "value": value}
            )
        no_formula(value)
        out.append((value, n))
    return tuple(out)


def nearest_text(rules: list[dict[str, Any]]) -> str:
    """``Round.nearest`` as the settings form shows it."""
    lines = []
    for r in rules or []:
        parts = [r["group"], str(r["count"])]
        if r.get("category"):
            parts.append(r["category"])
            parts += [f"{v}={n}" for v, n in r.get("at_least", [])]
        lines.append(", ".join(parts))
    return "\n".join(lines)


def nearest_problems(rnd: Any) -> list[str]:
    """Why the round's schools do not fit its nearest rules (section 10.3): a minimum for a
    category value no school has. The allocation would refuse the round."""
    out = []
    for r in rnd.nearest or []:
        column = r.get("category", "")
        if not column:
            continue
        present = {str((s.categories or {}).get(column, "")).strip() for s in rnd.schools.all()}
        for value, _n in r.get("at_least", []):
            if value not in present:
                out.append(
                    _(
                        "The nearest-schools rule of “%(group)s” asks for schools whose "
                        "%(column)s is “%(value)s”, but no school has it: set the category of "
                        "the schools, or change the rule."
                    )
                    % {"group": r["group"], "column": column, "value": value}
                )
    return out


def parse_categories(text: str, columns: list[str]) -> dict[str, str]:
    """A school's categories of the school form, one per line ``column=value`` (for example
    ``denomination=public``); only the category columns the round's nearest rules read."""
    out: dict[str, str] = {}
    known = ", ".join(columns) if columns else _("none yet")
    for k, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        column, eq, value = line.partition("=")
        column, value = column.strip(), value.strip()
        if not eq or not column or not value:
            raise ValidationError(
                _(
                    "Line %(k)s: write the category column, “=” and the value, like denomination=public."
                )
                % {"k": k}
            )
        if column not in columns:
            raise ValidationError(
                _(
                    "Line %(k)s: no nearest-schools rule of the round reads the category "
                    "“%(column)s” (the columns they read: %(known)s)."
                )
                % {"k": k, "column": column, "known": known}
            )
        if column in out:
            raise ValidationError(
                _("Line %(k)s: the category “%(column)s” is given twice.")
                % {"k": k, "column": column}
            )
        no_formula(value)
        if len(value) > 100 or any(c in value for c in '\n\r"'):
            raise ValidationError(
                _("Line %(k)s: a category value is a short word of at most 100 characters.")
                % {"k": k}
            )
        out[column] = value
    return out


def categories_text(categories: dict[str, Any]) -> str:
    """``School.categories`` as the school form shows them."""
    return "\n".join(f"{c}={v}" for c, v in (categories or {}).items())


def clean_first_choice_only(text: str, groups: list[str]) -> list[str]:
    """The first-choice-only groups of the settings form (separated by commas)."""
    out: list[str] = []
    for g in [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()]:
        if g not in groups:
            known = ", ".join(groups) if groups else _("none yet")
            raise ValidationError(
                _("“%(group)s” is not one of the round's priority groups (%(known)s).")
                % {"group": g, "known": known}
            )
        if g not in out:
            out.append(g)
    return out


def pools_ordering_by(rnd: Any, columns: Sequence[str]) -> str:
    """The schools' seat pools (``school/pool``) that order by a ``value:`` column not in
    ``columns``, as text ("" for none): a number the round may not drop."""
    from samen.web.core.models import Pool

    out = []
    for code, name, order_by in (
        Pool.objects.filter(school__round=rnd)
        .order_by("school__seq", "school_id", "seq", "id")
        .values_list("school__code", "name", "order_by")
    ):
        try:
            named = criteria.value_columns(criteria.parse(order_by or "lottery"))
        except CriteriaError:
            continue
        if any(c not in columns for c in named):
            out.append(f"{code}/{name}")
    return ", ".join(out[:5]) + (" …" if len(out) > 5 else "")


# --------------------------------------------------------------------------- strategic rules


def strategic(rnd: Any) -> list[str]:
    """The office's warnings about rules of the round that reward ranking strategically
    (sections 10.2 and 10.4; Pathak and Sönmez 2013): pools ordered by the place of the
    school on the list, and first-choice-only priority groups."""
    from samen.web.core.models import Pool

    out: list[str] = []
    ranked = [
        f"{code}/{name}"
        for code, name, order_by in Pool.objects.filter(school__round=rnd)
        .order_by("school__seq", "school_id", "seq", "id")
        .values_list("school__code", "name", "order_by")
        if has_rank(order_by)
    ]
    ranked += [p.get("name", "") for p in rnd.default_pools or [] if has_rank(p.get("order_by"))]
    if ranked:
        shown = ", ".join(ranked[:5]) + (" …" if len(ranked) > 5 else "")
        out.append(
            _(
                "Seat pools ordered by the place of the school on the list (%(pools)s) reward "
                "ranking strategically: a family can get a better school by listing first a "
                "school it wants less. Families can no longer simply list their true order "
                "(Pathak and Sönmez 2013)."
            )
            % {"pools": shown}
        )
    if rnd.first_choice_only:
        out.append(
            _(
                "The priority of %(groups)s counts only at the first choice: a family keeps it "
                "only by listing that school first, even when it wants another school more. "
                "Families can no longer simply list their true order (Pathak and Sönmez 2013)."
            )
            % {"groups": ", ".join(rnd.first_choice_only)}
        )
    return out


__all__ = [
    "COLUMN",
    "SCHOOL_COLUMNS",
    "categories_text",
    "category_columns",
    "clean_criteria",
    "clean_expression",
    "clean_first_choice_only",
    "criteria_problem",
    "expression_problem",
    "has_distance",
    "has_rank",
    "nearest_json",
    "nearest_problems",
    "nearest_rules",
    "nearest_text",
    "normal_expression",
    "number_columns",
    "numbers_text",
    "parse_categories",
    "parse_nearest",
    "parse_numbers",
    "pools_ordering_by",
    "strategic",
]
