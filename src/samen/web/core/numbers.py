"""The numbers the office gives each child, which seat pools may order by (``value:COLUMN``,
``docs/allocation-rules.md`` section 10.2): for example a registration date written as a
number (20270115) or minus a points score.

A family never types its own number: a family that could would give itself the best one. The
office gives them: from the round folder it imports (applicants.csv's number columns), or one
by one on the applicant's page (:func:`set_value`, audited as ``child.value``). The draw waits
until every child with a list has a number in every column a pool orders by
(:mod:`samen.web.core.v2checks`). Like every input of the allocation, the numbers are frozen
once the seed is public (:func:`samen.web.core.lifecycle.lock_for_edit`).
"""

from __future__ import annotations

import math
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

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


__all__ = ["LIMIT", "NumberError", "parse", "set_value", "shown"]
