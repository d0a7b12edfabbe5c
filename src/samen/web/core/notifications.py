"""E-mail to families: what is sent when, to whom, in which language, never twice.

Every message is a row of the outbox (:class:`~samen.web.core.models.Notification`), queued
here and sent by the worker (:mod:`samen.web.core.mailer`), never inside a web request. A row
is one message: its ``key`` says which (the run, the deadline, the closing, the list change),
and the database refuses a second row with the same kind, child and key, so a message is never
queued twice, whichever process tries. The kinds:

* **receipt** of a list: a change of a list (a school added, moved, removed, a pledge group
  joined or left) waits in one receipt per child, due ``SAMEN_RECEIPT_MINUTES`` (10) after the
  last change; later changes push it back and join it. The list is read when it is sent.
  Changes of the order by dragging (:func:`samen.web.core.family.set_order`, the busiest
  request) only stamp the moved schools (``Choice.changed_at``, in its one UPDATE); the worker
  finds them (:func:`queue_receipts`). A receipt that would say nothing new (the same list as
  the last one sent, or an empty list never confirmed) is not sent.
* **final** receipt: when the registration of a round has closed (by the office or by its
  closing time), "this is the list that will be used", to every registered child, once per
  closing (a round opened again and closed again sends a new one).
* **results**: when the main run is published (:func:`results_published`, called where a run
  becomes published): the school offered, or none and what happens next, and the deadline.
* **offer**: when a published waiting-list run moves a child to another school (up its list).
* **reminder**: ``SAMEN_REMINDER_HOURS`` (24) before the answer deadline, for every offer still
  without an answer, once per offer and deadline; not for offers published less than that
  before the deadline (their own message gives the deadline).
* **signin**: the record (never the code) of a sign-in code, which is sent at once, in the
  request (:func:`samen.web.core.mailer.send_now`); kept ``SAMEN_MAIL_SIGNIN_DAYS`` (7) days.

A message is in the language the parent last used on the site (:func:`remember_language`, at
sign-in and when switching language), Dutch when unknown.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import (
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils import timezone
from django.utils.translation import gettext_noop

from samen.web.core.models import (
    AllocationRun,
    Child,
    Choice,
    Notification,
    Placement,
    Profile,
    Round,
)

LANGUAGES = ("nl", "en", "fr")
DEFAULT_LANGUAGE = "nl"

DEFAULTS: dict[str, str] = {
    "SAMEN_RECEIPT_MINUTES": "10",
    "SAMEN_REMINDER_HOURS": "24",
    "SAMEN_MAIL_BATCH": "50",
    "SAMEN_MAIL_RETRY_MINUTES": "1,5,30,120",
    "SAMEN_MAIL_SWEEP_SECONDS": "60",
    "SAMEN_MAIL_STUCK_MINUTES": "15",
    "SAMEN_MAIL_SIGNIN_DAYS": "7",
}


def setting(name: str) -> str:
    """A setting as text: the Django setting, else the environment variable, else the
    default."""
    value: Any = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name) or DEFAULTS[name]
    return str(value)


def number(name: str) -> float:
    return float(setting(name))


def site_url() -> str:
    """The address of the site in links (``SAMEN_SITE_URL``, e.g. https://plaatsen.example.be).
    Unset: the first of ``SAMEN_ALLOWED_HOSTS``, with https when the site runs on HTTPS
    (otherwise http and port 8000 for a local host, as ``samen web demo`` serves it)."""
    value = getattr(settings, "SAMEN_SITE_URL", None) or os.environ.get("SAMEN_SITE_URL", "")
    if value:
        return value.rstrip("/")
    hosts = [h for h in settings.ALLOWED_HOSTS if h and h not in ("*",) and not h.startswith(".")]
    host = hosts[0] if hosts else "localhost"
    if getattr(settings, "HTTPS", False):
        return f"https://{host}"
    local = host in ("localhost", "127.0.0.1", "[::1]")
    return f"http://{host}:8000" if local else f"http://{host}"


# --------------------------------------------------------------------------- languages


def remember_language(user: Any, language: str | None) -> None:
    """Keep ``language`` (nl, en or fr) as the language of ``user``'s e-mail."""
    code = (language or "")[:2].lower()
    if code not in LANGUAGES or user is None or not getattr(user, "is_authenticated", False):
        return
    Profile.objects.update_or_create(user_id=user.pk, defaults={"language": code})


def language_of(user_id: int | None) -> str:
    """The language ``user_id`` reads their e-mail in (Dutch when unknown)."""
    if user_id is None:
        return DEFAULT_LANGUAGE
    code = Profile.objects.filter(user_id=user_id).values_list("language", flat=True).first()
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


# --------------------------------------------------------------------------- receipts


def _receipt_key(at: dt.datetime) -> str:
    return "list@" + at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def list_changed(child: Child, at: dt.datetime | None = None) -> None:
    """The list of ``child`` changed at ``at`` (now): its receipt is due
    ``SAMEN_RECEIPT_MINUTES`` later. A receipt already waiting takes the change in and waits
    again; so a family dragging its list about gets one receipt, with the final list."""
    if child.parent_id is None:
        return
    _note_change(child.pk, child.round_id, child.parent_id, at or timezone.now())


def _note_change(child_id: int, round_id: int, user_id: int, at: dt.datetime) -> None:
    due = at + dt.timedelta(minutes=number("SAMEN_RECEIPT_MINUTES"))
    waiting = Notification.objects.filter(
        kind=Notification.RECEIPT, child_id=child_id, status=Notification.QUEUED
    )

    def push() -> int:
        return waiting.filter(Q(changed_at__lt=at) | Q(changed_at=None)).update(
            changed_at=at, due_at=due
        )

    if push() or waiting.exists():
        return
    try:
        with transaction.atomic():
            Notification.objects.create(
                kind=Notification.RECEIPT,
                user_id=user_id,
                round_id=round_id,
                child_id=child_id,
                key=_receipt_key(at),
                changed_at=at,
                due_at=due,
            )
    except IntegrityError:  # another process queued it a moment ago: join that one
        push()


def queue_receipts(now: dt.datetime | None = None) -> int:
    """Queue (or push back) a receipt for every child whose list was stamped
    (``Choice.changed_at``) after the change its last receipt confirmed, in rounds whose
    registration is open. A few statements per round, however many lists changed (at the
    registration's peak thousands change every minute). Returns how many receipts it queued
    or pushed back."""
    now = now or timezone.now()
    delay = dt.timedelta(minutes=number("SAMEN_RECEIPT_MINUTES"))
    last = Subquery(
        Choice.objects.filter(child_id=OuterRef("child_id"))
        .order_by()
        .values("child_id")
        .annotate(last=Max("changed_at"))
        .values("last")[:1],
        output_field=DateTimeField(),
    )
    covered = (
        Notification.objects.filter(child=OuterRef("pk"), kind=Notification.RECEIPT)
        .order_by(F("changed_at").desc(nulls_last=True))
        .values("changed_at")[:1]
    )
    n = 0
    for rnd in Round.objects.filter(status=Round.OPEN):
        if not rnd.registration_is_open(now):
            continue
        # the receipts that wait take the new changes in and wait again
        n += Notification.objects.filter(
            kind=Notification.RECEIPT, status=Notification.QUEUED, round=rnd, changed_at__lt=last
        ).update(
            changed_at=last,
            due_at=ExpressionWrapper(last + Value(delay), output_field=DateTimeField()),
        )
        # the other changed lists get one
        changed = (
            Child.objects.filter(round=rnd, parent__isnull=False)
            .annotate(last=Max("choices__changed_at"), covered=Subquery(covered))
            .filter(Q(covered__isnull=True, last__isnull=False) | Q(last__gt=F("covered")))
            .values_list("pk", "parent_id", "last")
        )
        rows = [
            Notification(
                kind=Notification.RECEIPT,
                user_id=parent_id,
                round=rnd,
                child_id=child_id,
                key=_receipt_key(at),
                changed_at=at,
                due_at=at + delay,
            )
            for child_id, parent_id, at in changed
        ]
        # a receipt another process queued meanwhile wins; the next look pushes it back
        Notification.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        n += len(rows)
    return n


def _final_key(rnd: Round) -> str:
    closes = rnd.registration_closes
    return "final@" + closes.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S") if closes else "final"


def registration_has_closed(rnd: Round, now: dt.datetime | None = None) -> bool:
    """Closed by the office (and maybe allocated, not yet published), or open with its closing
    time passed."""
    now = now or timezone.now()
    if rnd.status in (Round.CLOSED, Round.ALLOCATED):
        return True
    closes = rnd.registration_closes
    return rnd.status == Round.OPEN and closes is not None and now >= closes


def queue_final_receipts(now: dt.datetime | None = None) -> int:
    """A final receipt to every child of every round whose registration has closed (once per
    closing), until its results are published (an office quicker than the worker's look may
    have allocated already: the list is still the one used); the receipts still waiting there
    are not needed any more."""
    now = now or timezone.now()
    queued = 0
    for rnd in Round.objects.filter(status__in=[Round.OPEN, Round.CLOSED, Round.ALLOCATED]):
        if not registration_has_closed(rnd, now):
            continue
        key = _final_key(rnd)
        sent = Notification.objects.filter(kind=Notification.FINAL, child=OuterRef("pk"), key=key)
        todo = (
            Child.objects.filter(round=rnd, parent__isnull=False)
            .exclude(Exists(sent))
            .values_list("pk", "parent_id")
        )
        rows = [
            Notification(
                kind=Notification.FINAL,
                user_id=parent_id,
                round=rnd,
                child_id=child_id,
                key=key,
                due_at=now,
            )
            for child_id, parent_id in todo
        ]
        Notification.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        queued += len(rows)
        waiting = Notification.objects.filter(
            round=rnd, kind=Notification.RECEIPT, status=Notification.QUEUED
        )
        if waiting.exists():
            waiting.update(
                status=Notification.CANCELLED,
                last_error=gettext_noop(
                    "The registration has closed: the final receipt confirms the list."
                ),
            )
    return queued


# --------------------------------------------------------------------------- results


def results_published(run: AllocationRun) -> int:
    """Queue the messages of a run that has just been published (call it in the transaction
    that publishes): the results of the main run to every family, or, for a waiting-list run,
    an offer to every child it moved to another school. Returns how many were queued (a second
    call queues nothing)."""
    kind = Notification.OFFER if run.number > 0 else Notification.RESULTS
    key = f"run-{run.pk}"
    before: dict[int, int | None] = {}
    if run.number > 0:
        earlier = AllocationRun.objects.filter(
            round_id=run.round_id, status=AllocationRun.PUBLISHED, number__lt=run.number
        ).order_by("number")
        for r in earlier:
            before.update(r.placements.values_list("child_id", "school_id"))
    queued = Notification.objects.filter(kind=kind, child=OuterRef("child"), key=key)
    placements = run.placements.filter(child__parent__isnull=False).exclude(Exists(queued))
    now = timezone.now()
    rows = [
        Notification(
            kind=kind,
            user_id=parent_id,
            round_id=run.round_id,
            child_id=child_id,
            placement_id=pk,
            key=key,
            due_at=now,
        )
        for pk, child_id, parent_id, school_id in placements.values_list(
            "pk", "child_id", "child__parent_id", "school_id"
        )
        # a waiting-list run tells only the children it moved to a school
        if run.number == 0 or (school_id is not None and before.get(child_id) != school_id)
    ]
    Notification.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def current_offers(rnd: Round) -> QuerySet[Placement]:
    """Each child's placement in the latest published run it appears in."""
    later = Placement.objects.filter(
        child=OuterRef("child"),
        run__round=rnd,
        run__status=AllocationRun.PUBLISHED,
        run__number__gt=OuterRef("run__number"),
    )
    return Placement.objects.filter(run__round=rnd, run__status=AllocationRun.PUBLISHED).exclude(
        Exists(later)
    )


def _reminder_key(placement_id: int, deadline: dt.datetime) -> str:
    return f"{placement_id}@" + deadline.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M")


def queue_reminders(now: dt.datetime | None = None) -> int:
    """A reminder for every offer without an answer when the answer deadline is
    ``SAMEN_REMINDER_HOURS`` or less away; once per offer and deadline."""
    now = now or timezone.now()
    ahead = dt.timedelta(hours=number("SAMEN_REMINDER_HOURS"))
    queued = 0
    rounds = Round.objects.filter(
        status=Round.PUBLISHED, acceptance_deadline__gt=now, acceptance_deadline__lte=now + ahead
    )
    for rnd in rounds:
        deadline = rnd.acceptance_deadline
        assert deadline is not None
        reminded = Notification.objects.filter(
            kind=Notification.REMINDER,
            placement=OuterRef("pk"),
            key__endswith=_reminder_key(0, deadline).removeprefix("0"),
        )
        offers = (
            current_offers(rnd)
            .filter(
                response=Placement.PENDING,
                school__isnull=False,
                child__parent__isnull=False,
                run__published_at__lte=deadline - ahead,
            )
            .exclude(Exists(reminded))
        )
        rows = [
            Notification(
                kind=Notification.REMINDER,
                user_id=parent_id,
                round=rnd,
                child_id=child_id,
                placement_id=pk,
                key=_reminder_key(pk, deadline),
                due_at=now,
            )
            for pk, child_id, parent_id in offers.values_list("pk", "child_id", "child__parent_id")
        ]
        Notification.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        queued += len(rows)
    return queued


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """What the worker checks now and then: list changes, closed registrations, deadlines."""
    now = now or timezone.now()
    return {
        "receipts": queue_receipts(now),
        "final": queue_final_receipts(now),
        "reminders": queue_reminders(now),
    }


# --------------------------------------------------------------------------- the office


def retry_failed(rnd: Round | None = None, pk: int | None = None) -> tuple[int, list[int]]:
    """Put the failed messages of ``rnd`` (of every round, without it), or the one ``pk``, back
    in the queue, due now, with their tries counted anew. Sign-in codes are not sent again (they
    expire in minutes; the person asks for a new one). Returns how many, and the first 500 ids
    (for the audit log)."""
    qs = Notification.objects.filter(status=Notification.FAILED).exclude(kind=Notification.SIGNIN)
    if rnd is not None:
        qs = qs.filter(round=rnd)
    if pk is not None:
        qs = qs.filter(pk=pk)
    with transaction.atomic():
        ids = list(qs.order_by("id").values_list("pk", flat=True)[:500])
        n = qs.update(status=Notification.QUEUED, attempts=0, due_at=timezone.now(), claim="")
    return n, ids


def signed_in(user: Any, language: str | None) -> None:
    """``user`` has just signed in: keep their language, and link the records of the sign-in
    codes sent to their address before the account existed (so they go with the account)."""
    remember_language(user, language)
    Notification.objects.filter(
        kind=Notification.SIGNIN, user__isnull=True, address=user.email
    ).update(user=user)


def export_for(user: Any) -> list[dict[str, Any]]:
    """The e-mails sent to ``user`` (for My data): kind, status, when, subject, text."""
    out = []
    for n in Notification.objects.filter(user=user).order_by("id"):
        out.append(
            {
                "kind": n.kind,
                "status": n.status,
                "address": n.address,
                "sent_at": n.sent_at.isoformat() if n.sent_at else None,
                "subject": n.subject,
                "text": n.body,
            }
        )
    return out


def purge_signin_records(now: dt.datetime | None = None) -> int:
    """Remove the records of sign-in code e-mails older than ``SAMEN_MAIL_SIGNIN_DAYS``."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=number("SAMEN_MAIL_SIGNIN_DAYS"))
    deleted, _ = Notification.objects.filter(
        kind=Notification.SIGNIN, created_at__lt=cutoff
    ).delete()
    return deleted
