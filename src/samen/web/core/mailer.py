"""Sending the outbox: the worker claims the messages that are due, writes each one in its
reader's language, sends it through Django's mail framework (``EMAIL_BACKEND``) and records
the outcome. Which messages there are and when they are queued: :mod:`.notifications`.

* **Claiming** works as :func:`samen.web.core.jobs.claim` does: ``SELECT ... FOR UPDATE SKIP
  LOCKED`` on PostgreSQL, a conditional update on SQLite, so two workers never take the same
  message. A claimed message is *being sent*; one still being sent after
  ``SAMEN_MAIL_STUCK_MINUTES`` (15) belonged to a worker that stopped in the middle: it is
  marked failed (it may or may not have arrived) for the office to retry, never sent again by
  itself, so nobody gets a message twice.
* **Written when sent**: the text is made from the data as it is then (the list, the school,
  the deadline), and a message that is no longer true is not sent (a receipt after the
  registration closed, a reminder for an offer already answered, ...): it is marked *not
  needed*, with the reason.
* **Retries**: a temporary failure (the mail server cannot be reached, or answers 4xx) is tried
  again after 1, 5, 30 and 120 minutes (``SAMEN_MAIL_RETRY_MINUTES``), then it has *failed*. A
  permanent refusal (5xx for the address or the message) fails at once. When the server cannot
  be reached, the rest of the claimed messages wait with it instead of each waiting for the
  server in turn. The office sees failures and retries them (:mod:`.views.notifications`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import secrets
import smtplib
import time
from collections import Counter
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection as db
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from samen.web.core import notifications as notes
from samen.web.core.models import AllocationRun, Notification, Placement, Round

log = logging.getLogger("samen.mail")

#: the kinds the worker sends (sign-in codes are sent at once, in the request)
QUEUED_KINDS = (
    Notification.RECEIPT,
    Notification.FINAL,
    Notification.RESULTS,
    Notification.OFFER,
    Notification.REMINDER,
)


def retry_minutes() -> list[float]:
    """The waits before the second, third, ... try (``SAMEN_MAIL_RETRY_MINUTES``)."""
    return [float(m) for m in notes.setting("SAMEN_MAIL_RETRY_MINUTES").split(",") if m.strip()]


# --------------------------------------------------------------------------- claiming


def claim(name: str, limit: int | None = None) -> tuple[str, list[Notification]]:
    """Take up to ``limit`` (``SAMEN_MAIL_BATCH``) due messages, oldest due first; returns the
    claim's token and the messages (none when nothing is due or another worker has them)."""
    limit = limit or int(notes.number("SAMEN_MAIL_BATCH"))
    now = timezone.now()
    token = secrets.token_hex(8)
    due = Notification.objects.filter(
        status=Notification.QUEUED, due_at__lte=now, kind__in=QUEUED_KINDS
    )
    if not due.exists():  # an idle worker's usual answer, without taking SQLite's write lock
        return token, []
    with transaction.atomic():
        qs = due.order_by("due_at", "id")
        if db.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        ids = [n.pk for n in qs.only("pk")[:limit]]
        if not ids:
            return token, []
        Notification.objects.filter(pk__in=ids, status=Notification.QUEUED).update(
            status=Notification.SENDING, claim=token, claimed_at=now, claimed_by=name[:120]
        )
    batch = Notification.objects.filter(claim=token, status=Notification.SENDING)
    batch = batch.select_related("child", "user", "round", "placement__school", "placement__run")
    return token, list(batch.order_by("due_at", "id"))


def release_stuck() -> int:
    """Mark messages still *being sent* long after their claim as failed (their worker
    stopped); the office decides whether to send them again."""
    cutoff = timezone.now() - dt.timedelta(minutes=notes.number("SAMEN_MAIL_STUCK_MINUTES"))
    stuck = Notification.objects.filter(status=Notification.SENDING, claimed_at__lt=cutoff)
    if not stuck.exists():
        return 0
    return stuck.update(
        status=Notification.FAILED,
        last_error=gettext_noop(
            "The worker stopped while sending this e-mail: it may or may not have arrived. "
            "Send it again if it should be sent."
        ),
    )


# --------------------------------------------------------------------------- writing


@dataclasses.dataclass
class Composed:
    """A message written for its reader."""

    address: str
    language: str
    subject: str
    body: str
    payload: dict[str, Any]


class NotNeeded(Exception):
    """The message is no longer true or useful (the reason, for the record)."""


def _link(child_id: int) -> str:
    return notes.site_url() + reverse("child", args=[child_id])


def _school_list(n: Notification) -> dict[str, Any]:
    child = n.child
    assert child is not None
    group = child.pledge_group
    rows = []
    last = n.changed_at
    for c in child.choices.select_related("school").order_by("rank"):
        rows.append(
            {
                "rank": c.rank,
                "code": c.school.code,
                "name": c.school.display_name,
                "pledge": group is not None and group.target_id == c.school_id,
            }
        )
        if c.changed_at is not None and (last is None or c.changed_at > last):
            last = c.changed_at
    return {
        "schools": rows,
        # the group's id, not its name: a name typed by another family stays out of the mail
        "group": group.group_id if group is not None else "",
        "last_change": last,
    }


def _receipt_checks(n: Notification, listing: dict[str, Any]) -> None:
    rnd = n.round
    assert rnd is not None
    if not rnd.registration_is_open():
        raise NotNeeded(
            gettext_noop("The registration has closed: the final receipt confirms the list.")
        )
    payload = {"schools": [s["code"] for s in listing["schools"]], "group": listing["group"]}
    last = (
        Notification.objects.filter(
            kind__in=[Notification.RECEIPT, Notification.FINAL],
            child_id=n.child_id,
            status=Notification.SENT,
        )
        .order_by("-sent_at", "-id")
        .first()
    )
    if last is None and not payload["schools"]:
        raise NotNeeded(gettext_noop("The list is empty and no earlier list was confirmed."))
    if last is not None and last.payload == payload:
        raise NotNeeded(gettext_noop("The list is the same as in the last receipt."))


def _offer_checks(n: Notification) -> Placement:
    p = n.placement
    rnd = n.round
    if p is None or rnd is None or p.run.status != AllocationRun.PUBLISHED:
        raise NotNeeded(gettext_noop("The run is not published."))
    if rnd.status != Round.PUBLISHED:
        raise NotNeeded(gettext_noop("The round is no longer open for answers."))
    later = Placement.objects.filter(
        child_id=p.child_id,
        run__round=rnd,
        run__status=AllocationRun.PUBLISHED,
        run__number__gt=p.run.number,
    )
    if n.kind != Notification.REMINDER:
        # sent late (the mail server was down): a later run that moved the child has its own
        if later.exclude(school_id=p.school_id).exists():
            raise NotNeeded(
                gettext_noop("A later waiting-list round changed the offer; its e-mail tells.")
            )
    else:
        deadline = rnd.acceptance_deadline
        if p.response != Placement.PENDING or later.exists():
            raise NotNeeded(gettext_noop("The offer was answered, or replaced by a later one."))
        if deadline is None or deadline <= timezone.now():
            raise NotNeeded(gettext_noop("The answer deadline has passed."))
        if not n.key.endswith(notes._reminder_key(0, deadline).removeprefix("0")):
            raise NotNeeded(gettext_noop("The answer deadline changed."))
    return p


def _context(n: Notification) -> dict[str, Any]:
    """What the message says; raises :class:`NotNeeded` when it is no longer true."""
    child, rnd = n.child, n.round
    if child is None or rnd is None:
        raise NotNeeded(gettext_noop("The child is no longer registered."))
    context: dict[str, Any] = {
        "site_name": settings.SAMEN_SITE_NAME,
        "site_url": notes.site_url(),
        "first_name": child.first_name or child.public_id,
        "round": rnd,
        "link": _link(child.pk),
        "deadline": rnd.acceptance_deadline,
    }
    if n.kind in (Notification.RECEIPT, Notification.FINAL):
        listing = _school_list(n)
        if n.kind == Notification.RECEIPT:
            _receipt_checks(n, listing)
        elif rnd.status in (Round.PUBLISHED, Round.ARCHIVED):
            raise NotNeeded(
                gettext_noop("The results are published already; their e-mail says more.")
            )
        elif not notes.registration_has_closed(rnd) or n.key != notes._final_key(rnd):
            raise NotNeeded(gettext_noop("The registration was opened again."))
        context.update(listing)
        context["closes"] = rnd.registration_closes
        context["results_at"] = rnd.results_at
    else:
        p = _offer_checks(n)
        context.update({"placement": p, "school": p.school, "choice": p.choice_rank})
        if n.kind == Notification.OFFER:
            earlier = (
                Placement.objects.filter(
                    child_id=p.child_id,
                    run__round=rnd,
                    run__status=AllocationRun.PUBLISHED,
                    run__number__lt=p.run.number,
                    school__isnull=False,
                )
                .select_related("school")
                .order_by("-run__number")
                .first()
            )
            context["earlier"] = earlier.school if earlier is not None else None
    return context


def compose(n: Notification) -> Composed:
    """Write ``n`` for its reader, in their language; raises :class:`NotNeeded`."""
    user = n.user
    if user is None or not user.is_active or not user.email:
        raise NotNeeded(gettext_noop("The account is closed or has no e-mail address."))
    language = notes.language_of(user.pk)
    with translation.override(language), timezone.override(settings.TIME_ZONE):
        context = _context(n)
        subject = render_to_string(f"samen/email/{n.kind}_subject.txt", context)
        body = render_to_string(f"samen/email/{n.kind}.txt", context)
    payload: dict[str, Any] = {}
    if n.kind in (Notification.RECEIPT, Notification.FINAL):
        payload = {"schools": [s["code"] for s in context["schools"]], "group": context["group"]}
    subject = " ".join(subject.split())[:300]
    return Composed(user.email, language, subject, _tidy(body), payload)


def _tidy(text: str) -> str:
    """Plain text as templates leave it, without trailing spaces or runs of empty lines."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- sending


def _codes(exc: BaseException) -> list[int]:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return [int(code) for code, _ in exc.recipients.values()]
    if isinstance(exc, smtplib.SMTPResponseException):
        return [int(exc.smtp_code)]
    return []


def _per_message(exc: BaseException) -> bool:
    """A failure of this message alone (the server answered); otherwise the server could not
    be reached or spoken to, and the other messages would fail the same way."""
    return isinstance(
        exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPSenderRefused | smtplib.SMTPDataError
    ) or not isinstance(exc, OSError)


def _permanent(exc: BaseException) -> bool:
    """The address or the message was refused for good (5xx), or the message cannot be made:
    trying again will not help."""
    if not isinstance(exc, OSError):
        return True
    codes = _codes(exc)
    refused = isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError)
    return refused and bool(codes) and all(500 <= c < 600 for c in codes)


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _describe(exc: BaseException) -> str:
    """The error as the office reads it: the mail server's answer, or what went wrong."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{code} {_text(text)} ({to})" for to, (code, text) in exc.recipients.items()]
        return "; ".join(parts)[:2000]
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"[:2000]
    return f"{type(exc).__name__}: {exc}"[:2000]


def _record(n: Notification, token: str, **fields: Any) -> None:
    Notification.objects.filter(pk=n.pk, claim=token).update(**fields)


def _written(message: Composed | None) -> dict[str, Any]:
    """What a message said, to keep with its record (a failed one too, for the office)."""
    if message is None:
        return {}
    return {
        "address": message.address,
        "language": message.language,
        "subject": message.subject,
        "body": message.body,
        "payload": message.payload,
    }


def _failed(
    n: Notification, token: str, error: str, permanent: bool, message: Composed | None = None
) -> str:
    """Record a failed try: again later (the next wait of the schedule) or failed for good."""
    attempts = n.attempts + 1
    waits = retry_minutes()
    fields: dict[str, Any] = {"attempts": attempts, "last_error": error, "claim": ""}
    fields.update(_written(message))
    if permanent or attempts > len(waits):
        _record(n, token, status=Notification.FAILED, **fields)
        return "failed"
    due = timezone.now() + dt.timedelta(minutes=waits[attempts - 1])
    _record(n, token, status=Notification.QUEUED, due_at=due, **fields)
    return "retry"


def send_due(name: str = "worker", limit: int | None = None) -> Counter[str]:
    """Send one batch of due messages; returns what became of them (``sent``, ``retry``,
    ``failed``, ``cancelled``; ``claimed`` in all)."""
    outcome: Counter[str] = Counter()
    outcome["stuck"] = release_stuck()
    token, batch = claim(name, limit)
    outcome["claimed"] = len(batch)
    if not batch:
        return outcome
    conn = get_connection()
    try:
        for i, n in enumerate(batch):
            try:
                message = compose(n)
            except NotNeeded as why:
                _record(n, token, status=Notification.CANCELLED, last_error=str(why), claim="")
                outcome["cancelled"] += 1
                continue
            except Exception as exc:  # a message that cannot be written: tell the office
                log.exception("notification %s could not be written", n.pk)
                outcome[_failed(n, token, _describe(exc), permanent=True)] += 1
                continue
            try:
                _send(conn, message)
            except Exception as exc:
                error = _describe(exc)
                if _per_message(exc):
                    outcome[_failed(n, token, error, _permanent(exc), message)] += 1
                    continue
                # the server cannot be reached: this one and the rest of the batch wait
                log.warning("mail server unreachable: %s", error)
                outcome[_failed(n, token, error, False, message)] += 1
                for rest in batch[i + 1 :]:
                    outcome[_failed(rest, token, error, permanent=False)] += 1
                break
            _record(
                n,
                token,
                status=Notification.SENT,
                sent_at=timezone.now(),
                attempts=n.attempts + 1,
                last_error="",
                claim="",
                **_written(message),
            )
            outcome["sent"] += 1
    finally:
        try:
            conn.close()
        except Exception:  # closing a broken connection must not hide what happened
            log.debug("closing the mail connection failed", exc_info=True)
    return outcome


def _send(conn: Any, message: Composed) -> None:
    email = EmailMessage(
        message.subject,
        message.body,
        settings.DEFAULT_FROM_EMAIL,
        [message.address],
        connection=conn,
        headers={"Auto-Submitted": "auto-generated", "Content-Language": message.language},
    )
    if conn.send_messages([email]) != 1:
        raise smtplib.SMTPException("the mail backend did not send the message")


class Outbox:
    """The worker's part: now and then look for messages to queue (:func:`.notifications.sweep`,
    every ``SAMEN_MAIL_SWEEP_SECONDS``), and send what is due, a batch at a time."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.next_sweep = 0.0
        self.last_tick = 0.0

    def tick(self) -> int:
        """One batch; returns how many messages were handled (0: nothing was due)."""
        self.last_tick = time.monotonic()
        try:
            if self.last_tick >= self.next_sweep:
                self.next_sweep = self.last_tick + notes.number("SAMEN_MAIL_SWEEP_SECONDS")
                queued = notes.sweep()
                if any(queued.values()):
                    log.info("queued e-mail: %s", queued)
            outcome = send_due(self.name)
        except Exception:  # the worker goes on with its jobs whatever happens to e-mail
            log.exception("sending e-mail failed")
            return 0
        if outcome["claimed"]:
            log.info("e-mail: %s", dict(outcome))
        return outcome["claimed"]


# --------------------------------------------------------------------------- at once


def send_now(address: str, subject: str, body: str, *, secret: str = "", user: Any = None) -> bool:
    """Send a message at once, in the request (the sign-in code, which cannot wait for the
    worker), and keep its record with ``secret`` masked. False when it could not be sent."""
    masked = "·" * len(secret)
    row = Notification(
        kind=Notification.SIGNIN,
        user=user,
        address=address,
        key="",
        language=(translation.get_language() or "nl")[:8],
        subject=(subject.replace(secret, masked) if secret else subject)[:300],
        body=body.replace(secret, masked) if secret else body,
        attempts=1,
    )
    try:
        sent = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address]).send() == 1
        error = "" if sent else "the mail backend did not send the message"
    except Exception as exc:  # SMTP errors and unreachable servers alike
        log.warning("sign-in e-mail to a user could not be sent: %s", _describe(exc))
        sent, error = False, _describe(exc)
    row.status = Notification.SENT if sent else Notification.FAILED
    row.sent_at = timezone.now() if sent else None
    row.last_error = error
    row.save()
    return sent
