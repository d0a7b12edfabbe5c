"""The numbers the office gives each child, which seat pools may order by (``value:COLUMN``,
``docs/allocation-rules.md`` section 10.2): for example a registration date written as a
number (20270115) or minus a points score.

A family never types its own number: a family that could would give itself the best one. The
office gives them: from the round folder it imports (applicants.csv's number columns), one by
one on the applicant's page (:func:`set_value`, audited as ``child.value``), or as a CSV file for
many children (:func:`read` and :func:`apply`, all rows right or nothing, audited as
``child.values-import``). The draw waits
until every child with a list has a number in every column a pool orders by
(:mod:`samen.web.core.v2checks`). Like every input of the allocation, the numbers are frozen
once the seed is public (:func:`samen.web.core.lifecycle.lock_for_edit`).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samen.engine import criteria
from samen.web.core import audit, lifecycle, pool_words, rules_v2
from samen.web.core.models import Child, Round

#: the largest number a child may be given (a date written as a number fits easily)
LIMIT = 1e15


class NumberError(ValueError):
    """A number the office typed that cannot be used (the message says why)."""


def parse(text: str) -> float | None:
    """A number as the office types it (``.`` or ``,`` as decimal mark, like the round
    reader); None for an empty text (no number). Raises :class:`NumberError`."""
    text = (text or "").strip().replace(" ", "")
    if not text:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise NumberError(
            _("“%(text)s” is not a number; write digits, with . or , for decimals.")
            % {"text": text[:40]}
        ) from None
    if not math.isfinite(value) or abs(value) > LIMIT:
        raise NumberError(_("The number is too large.")) from None
    return value + 0.0


def _text(value: Any) -> str:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    return criteria.number_text(value) if ok else ""


def shown(rnd: Round, child: Child) -> list[dict[str, Any]]:
    """The round's numbers with the child's value, for the applicant's page."""
    labels = pool_words.number_labels(rnd.numbers or [])
    values = child.values or {}
    return [
        {
            "column": c,
            "criterion": criteria.VALUE + c,
            "label": labels.get(c, c),
            "value": _text(values.get(c)),
        }
        for c in rules_v2.number_columns(rnd.numbers or [])
    ]


def set_value(
    request: HttpRequest | None, rnd: Round, child: Child, column: str, text: str
) -> None:
    """Give ``child`` the number ``text`` in ``column`` (empty: take it away), audited; the
    caller holds the round locked with its inputs editable. Raises :class:`NumberError`."""
    if column not in rules_v2.number_columns(rnd.numbers or []):
        raise NumberError(_("The round has no number “%(column)s”.") % {"column": column[:40]})
    value = parse(text)
    lifecycle.require_inputs_editable(rnd)
    values = dict(child.values or {})
    before = values.get(column)
    if value is None:
        values.pop(column, None)
    else:
        values[column] = value
    child.values = values
    child.save(update_fields=["values", "updated_at"])
    audit.record(
        request,
        "child.value",
        round=rnd,
        target=child.public_id,
        before={column: before},
        after={column: value},
    )


# --------------------------------------------------------------------------- a whole file


#: the largest file of numbers taken (a CSV of 100,000 children is far smaller)
MAX_BYTES = 20 * 1024 * 1024
#: how many problems the page lists
SHOWN_PROBLEMS = 50


@dataclass
class Reading:
    """A checked file of numbers: each child's new numbers, or the problems (row, column,
    what is wrong); nothing is written while there are problems."""

    updates: dict[int, dict[str, float]] = field(default_factory=dict)
    problems: list[tuple[int | None, str, str]] = field(default_factory=list)
    more_problems: int = 0

    def problem(self, row: int | None, column: str, message: str) -> None:
        if len(self.problems) < SHOWN_PROBLEMS:
            self.problems.append((row, column, message))
        else:
            self.more_problems += 1


def read(rnd: Round, data: bytes) -> Reading:
    """Check a CSV file of numbers (``applicant_id`` and one column per number of the round,
    separated by commas or semicolons, as a spreadsheet saves it). An empty cell leaves that
    number as it is."""
    out = Reading()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        out.problem(None, "", _("The file is not UTF-8 text; save it as CSV UTF-8."))
        return out
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in next(rows, [])]
    columns = rules_v2.number_columns(rnd.numbers or [])
    if "applicant_id" not in header:
        out.problem(1, "", _("The first row must name the columns: applicant_id and the numbers."))
        return out
    for h in header:
        if h != "applicant_id" and h not in columns:
            known = ", ".join(columns) if columns else _("none yet")
            out.problem(
                1,
                h,
                _("The round has no number “%(column)s” (its numbers: %(known)s).")
                % {"column": h[:40], "known": known},
            )
    if out.problems:
        return out
    ids = dict(rnd.children.values_list("public_id", "pk"))
    at = header.index("applicant_id")
    seen: set[str] = set()
    for k, row in enumerate(rows, start=2):
        if not any(c.strip() for c in row):
            continue
        aid = row[at].strip() if at < len(row) else ""
        if aid not in ids:
            out.problem(
                k,
                "applicant_id",
                _("No child of the round has the id “%(id)s”.") % {"id": aid[:40]},
            )
            continue
        if aid in seen:
            out.problem(k, "applicant_id", _("The child %(id)s has a second row.") % {"id": aid})
            continue
        seen.add(aid)
        for j, column in enumerate(header):
            cell = row[j] if j < len(row) else ""
            if column == "applicant_id" or not cell.strip():
                continue
            try:
                value = parse(cell)
            except NumberError as exc:
                out.problem(k, column, str(exc))
                continue
            if value is not None:
                out.updates.setdefault(ids[aid], {})[column] = value
    return out


def apply(request: HttpRequest | None, rnd: Round, reading: Reading) -> int:
    """Write the numbers of a checked file (the caller holds the round locked with its inputs
    editable); one audit entry (``child.values-import``) with each changed child. Returns how
    many children changed."""
    changed: dict[str, dict[str, Any]] = {}
    for child in Child.objects.filter(pk__in=list(reading.updates)).order_by("seq", "id"):
        values = dict(child.values or {})
        new = {**values, **reading.updates[child.pk]}
        if new != values:
            changed[child.public_id] = {c: v for c, v in reading.updates[child.pk].items()}
            child.values = new
            child.save(update_fields=["values", "updated_at"])
    audit.record(
        request,
        "child.values-import",
        round=rnd,
        target=rnd.name,
        after={"children": len(changed), "values": changed},
    )
    return len(changed)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("A CSV file: applicant_id and one column per number"),
        help_text=gettext_lazy(
            "Separated by commas or semicolons, as a spreadsheet saves it. An empty cell keeps "
            "the number the child has. Nothing is saved unless every row is right."
        ),
    )


__all__ = [
    "LIMIT",
    "MAX_BYTES",
    "NumberError",
    "Reading",
    "UploadForm",
    "apply",
    "parse",
    "read",
    "set_value",
    "shown",
]
