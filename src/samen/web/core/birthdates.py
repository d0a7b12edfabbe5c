"""Plausible dates of birth: the round's grade admits children born in a range of dates.

The round says which dates of birth it admits (``Round.born_from`` and ``Round.born_until``,
for example 1 January to 31 December 2021 for the first year of primary school in 2027); the
family's form refuses other dates, naming the range. A child who skips or repeats a year is an
exception the admission office makes for that one child, with a reason, written to the audit
log (:func:`office_allows`); or, before the child is registered, the office allows the parent's
e-mail address to register a child born on that date (:func:`office_grants`), once. The range is the platform's own rule: the round folder of
``docs/allocation-rules.md`` has no place for it (``read_round`` refuses keys it does not know,
and dates of birth are not part of the allocation), so it is neither exported nor imported.
A round without a range still refuses dates in the future and dates more than
:data:`OLDEST_YEARS` years ago (a typing error such as 0001-01-01).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import formats
from django.utils.translation import gettext as _

from samen.web.core import audit
from samen.web.core.models import BirthDateAllowance, Child, Round

#: without a range, a date of birth more than this many years ago is a typing error
OLDEST_YEARS = 30


def _day(d: dt.date) -> str:
    return formats.date_format(d, "j F Y")


def range_text(rnd: Round) -> str:
    """The round's range in words ("" when it has none)."""
    if rnd.born_from and rnd.born_until:
        return _("born from %(start)s to %(end)s") % {
            "start": _day(rnd.born_from),
            "end": _day(rnd.born_until),
        }
    if rnd.born_from:
        return _("born on or after %(start)s") % {"start": _day(rnd.born_from)}
    if rnd.born_until:
        return _("born on or before %(end)s") % {"end": _day(rnd.born_until)}
    return ""


def check(rnd: Round, born: dt.date, today: dt.date | None = None) -> None:
    """Refuse a date of birth a family gives that the round does not admit."""
    today = today or dt.date.today()
    if born > today:
        raise ValidationError(_("The date of birth cannot be in the future."))
    if not rnd.admits_birth_date(born):
        raise ValidationError(
            _(
                "This round is for children %(range)s. Check the date of birth. If your child "
                "skips or repeats a year, ask the admission office: it can allow another date "
                "for your child."
            )
            % {"range": range_text(rnd)}
        )
    if rnd.born_from is None and born.year < today.year - OLDEST_YEARS:
        raise ValidationError(_("Check the year of the date of birth."))


@transaction.atomic
def office_allows(request: HttpRequest, child: Child, born: dt.date, reason: str) -> None:
    """The office sets the child's date of birth, inside or outside the round's range, with
    a reason (audited, before and after). The family can change the child's other details
    without losing the exception; a new date of birth from the family is checked again."""
    before = {"birth_date": child.birth_date, "reason": child.birth_date_reason}
    child.birth_date = born
    child.birth_date_reason = reason.strip()
    child.save(update_fields=["birth_date", "birth_date_reason", "updated_at"])
    audit.record(
        request,
        "child.birth-date",
        round=child.round,
        target=child.public_id,
        before=before,
        after={
            "birth_date": child.birth_date,
            "reason": child.birth_date_reason,
            "in_range": child.round.admits_birth_date(born),
        },
    )


def allowance_for(
    rnd: Round, parent: Any, born: dt.date, child: Child
) -> BirthDateAllowance | None:
    """The office's allowance for ``parent`` to register a child born on ``born`` in ``rnd``
    that no other child used yet (None when there is none)."""
    if parent is None or not getattr(parent, "email", ""):
        return None
    found = BirthDateAllowance.objects.filter(
        round=rnd, email__iexact=parent.email, birth_date=born
    )
    for allowance in found:
        if allowance.child_id is None or allowance.child_id == child.pk:
            return allowance
    return None


@transaction.atomic
def office_grants(
    request: HttpRequest, rnd: Round, email: str, born: dt.date, reason: str
) -> BirthDateAllowance:
    """The office allows the parent with ``email`` to register one child born on ``born``
    (audited)."""
    allowance = BirthDateAllowance.objects.create(
        round=rnd,
        email=email.strip().lower(),
        birth_date=born,
        reason=reason.strip(),
        created_by=request.user if request.user.is_authenticated else None,
    )
    audit.record(
        request,
        "birth-date.allow",
        round=rnd,
        target=allowance.email,
        after={"birth_date": born, "reason": allowance.reason, "allowance": allowance.pk},
    )
    return allowance


@transaction.atomic
def office_withdraws(request: HttpRequest, allowance: BirthDateAllowance) -> None:
    """The office withdraws an allowance no child used (audited)."""
    audit.record(
        request,
        "birth-date.withdraw",
        round=allowance.round,
        target=allowance.email,
        before={"birth_date": allowance.birth_date, "reason": allowance.reason},
    )
    allowance.delete()
