"""Personal data after the round: removed on the retention date the office sets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from samen.web.core import audit
from samen.web.core.models import AuditEntry, Round
from samen.web.core.notifications import purge_signin_records
from samen.web.core.signin import purge_old_codes


@transaction.atomic
def purge_round(rnd: Round) -> dict[str, int]:
    """Remove the children of ``rnd`` (names, birth dates, addresses, answers, lists, results),
    its pledge groups, the office's allowances of dates of birth, the data in its audit entries, and parent accounts left without
    children. The pseudonymised round folders and results of its runs stay: they are what was
    published."""
    children = rnd.children.all()
    parents = set(children.exclude(parent=None).values_list("parent_id", flat=True))
    n_children = children.count()
    children.delete()
    rnd.pledge_groups.all().delete()
    rnd.birth_allowances.all().delete()  # parents' e-mail addresses
    redacted = AuditEntry.objects.filter(round=rnd).update(before=None, after=None)
    User = get_user_model()
    gone = User.objects.filter(pk__in=parents, children__isnull=True, groups__isnull=True)
    n_parents = gone.count()
    gone.delete()
    rnd.purged_at = timezone.now()
    rnd.status = Round.ARCHIVED
    rnd.save(update_fields=["purged_at", "status"])
    counts = {"children": n_children, "parents": n_parents, "audit_entries": redacted}
    audit.record(None, "round.purge", round=rnd, target=rnd.name, after=counts)
    return counts


def purge_due(today: dt.date | None = None) -> dict[str, Any]:
    """Purge every round whose retention date has passed, old sign-in codes and the records of
    their e-mails."""
    today = today or timezone.localdate()
    done: dict[str, Any] = {}
    for rnd in Round.objects.filter(retention_until__lt=today, purged_at__isnull=True):
        done[rnd.slug] = purge_round(rnd)
    done["sign_in_codes"] = purge_old_codes()
    done["sign_in_e_mails"] = purge_signin_records()
    return done
