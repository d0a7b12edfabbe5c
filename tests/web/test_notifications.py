"""E-mail to families, through a real SMTP server (aiosmtpd on a free port) and Django's SMTP
backend: the four messages in nl, en and fr with the right school, deadline and link; receipts
that join a family's changes into one mail; nothing sent twice; retries with backoff on SMTP
failures until failed, visible to the office and sent again from there; no mail for a deleted
child or account; the sign-in code sent at once and recorded without the code."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import re
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import Client, override_settings
from django.utils import formats, timezone, translation

from samen.web.core import jobs, mailer, notifications
from samen.web.core.models import (
    AllocationRun,
    AuditEntry,
    Child,
    Job,
    Notification,
    Profile,
    Round,
    School,
    SignInCode,
)

from .conftest import register_child

SITE = "https://plaatsen.example.be"

# --------------------------------------------------------------------------- the SMTP server


class Recorder:
    """An aiosmtpd handler that keeps every message, or answers RCPT with ``refuse``."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refuse = ""
        self.port = 0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if address in m["To"]]

    def clear(self) -> None:
        self.messages.clear()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def smtp_settings(port: int) -> dict[str, Any]:
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False,
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "EMAIL_TIMEOUT": 10,
        "SAMEN_SITE_URL": SITE,
    }


@pytest.fixture
def smtp(db: Any) -> Iterator[Recorder]:
    """A real SMTP server on a free port, and Django's SMTP backend pointed at it."""
    handler = Recorder()
    handler.port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    try:
        with override_settings(**smtp_settings(handler.port)):
            yield handler
    finally:
        controller.stop()


@pytest.fixture
def office(office_client: Client, smtp: Recorder) -> Client:
    """The office, signed in before e-mail goes to the SMTP server."""
    return office_client


def text(message: email.message.EmailMessage) -> str:
    return message.get_content()


def smtp_sign_in(client: Client, address: str, smtp: Recorder, language: str = "nl") -> Client:
    """Sign in through the real flow: the code arrives at the SMTP server."""
    lang = {"accept-language": language}
    r = client.post("/signin/", {"email": address}, headers=lang)
    assert r.status_code == 302, r.content[:300]
    code = re.search(r"\b(\d{6})\b", text(smtp.to(address)[-1]))
    assert code
    r = client.post("/signin/code/", {"code": code.group(1)}, headers=lang)
    assert r.status_code == 302
    return client


def deliver() -> int:
    """The worker, as ``samen web worker --once`` runs it."""
    return jobs.work(once=True)


def time_passes(minutes: float = 11) -> None:
    """The worker has seen the changes of lists, and what waits becomes due (as if ``minutes``
    went by)."""
    notifications.sweep()
    for n in Notification.objects.filter(status=Notification.QUEUED):
        Notification.objects.filter(pk=n.pk).update(due_at=n.due_at - dt.timedelta(minutes=minutes))


def family(small_round: Round, smtp: Recorder, k: int, language: str, schools=("A", "B", "C")):
    address = f"p{k}@samen.test"
    client = smtp_sign_in(Client(), address, smtp, language)
    child = register_child(
        client, small_round, first=f"Kind{k}", house=str(k % 5 + 1), schools=schools
    )
    return client, child, address


def when(value: dt.datetime, language: str, fmt: str = "l j F Y, H:i") -> str:
    with translation.override(language), timezone.override("Europe/Brussels"):
        return formats.date_format(timezone.localtime(value), fmt)


# --------------------------------------------------------------------------- the four messages

PHRASES = {
    "nl": {
        "receipt": ("Lijst van scholen van Kind0 ontvangen", "Zo ziet de lijst er nu uit"),
        "final": ("Aanmelden gesloten: de lijst van", "die voor de toewijzing gebruikt wordt"),
        "results": ("Resultaten voor", "krijgt een plaats aangeboden in"),
        "offer": ("Een plaats voor", "Goed nieuws: er zijn plaatsen vrijgekomen"),
        "reminder": ("Herinnering: antwoord op het aanbod", "is nog niet geantwoord"),
        "deadline": "Aanvaard of weiger de plaats vóór",
    },
    "en": {
        "receipt": ("List of schools for Kind0 received", "This is the list as it stands now"),
        "final": ("Registration closed: the list of", "that will be used in the allocation"),
        "results": ("Results for", "is offered a seat at"),
        "offer": ("A seat for", "Good news: seats became free"),
        "reminder": ("Reminder: answer the offer for", "has no answer yet"),
        "deadline": "Please accept or decline the seat before",
    },
    "fr": {
        "receipt": ("Liste d'écoles de Kind0 bien reçue", "Voici la liste telle qu'elle est"),
        "final": ("Inscriptions closes : la liste de", "qui servira à l'attribution"),
        "results": ("Résultats pour", "est offerte à"),
        "offer": ("Une place pour", "Bonne nouvelle : des places se sont libérées"),
        "reminder": ("Rappel : répondez à l'offre pour", "n'a pas encore reçu de réponse"),
        "deadline": "Merci d'accepter ou de refuser la place avant le",
    },
}


def publish_through_office(office: Client, rnd: Round, kind: str = "allocate") -> AllocationRun:
    r = office.post(f"/office/rounds/{rnd.slug}/allocate/", {"kind": kind})
    assert r.status_code == 302
    assert deliver() == 1
    job = Job.objects.order_by("-id").first()
    assert job is not None and job.status == Job.DONE, job.error if job else None
    run = AllocationRun.objects.get(pk=job.result["run"])
    assert office.post(f"/office/runs/{run.pk}/publish/").status_code == 302
    return run


def check(message: email.message.EmailMessage, language: str, kind: str) -> str:
    subject_part, body_part = PHRASES[language][kind]
    body = text(message)
    assert subject_part in message["Subject"], (message["Subject"], kind, language)
    assert body_part in body, (body, kind, language)
    assert message["Content-Language"] == language
    assert "Auto-Submitted" in message
    # never a sign-in code, a lottery number or a last name
    assert not re.search(r"\b\d{6}\b", body) and not re.search(r"Kind\d Test", body)
    return body


@pytest.mark.parametrize("language", ["nl", "en", "fr"])
def test_each_message_arrives_in_the_parents_language(small_round, office, smtp, language):
    School.objects.filter(round=small_round, code="A").update(name="Sint-Jan & Co")
    families = [family(small_round, smtp, k, language) for k in range(3)]
    smtp.clear()

    # receipts: each list once, after the quiet minutes
    deliver()
    assert smtp.messages == []
    time_passes()
    deliver()
    for _, child, address in families:
        (receipt,) = smtp.to(address)
        body = check(receipt, language, "receipt") if child.first_name == "Kind0" else text(receipt)
        assert "1. Sint-Jan & Co" in body and "2. School B" in body and "3. School C" in body
        assert f"{SITE}/children/{child.pk}/" in body
    smtp.clear()

    # the registration closes: the final list
    assert (
        office.post(f"/office/rounds/{small_round.slug}/status/", {"action": "close"}).status_code
        == 302
    )
    deliver()
    for _, child, address in families:
        (final,) = smtp.to(address)
        body = check(final, language, "final")
        assert "1. Sint-Jan & Co" in body and f"{SITE}/children/{child.pk}/" in body
    smtp.clear()

    # the results: the school, the deadline, the link
    office.post(f"/office/rounds/{small_round.slug}/seed/reveal/", {"seed": "test seed"})
    run = publish_through_office(office, small_round)
    deliver()
    small_round.refresh_from_db()
    deadline = when(small_round.acceptance_deadline, language)
    places = {p.child_id: p for p in run.placements.select_related("school")}
    for _, child, address in families:
        (result,) = smtp.to(address)
        body = check(result, language, "results")
        assert places[child.pk].school.display_name in body
        assert f"{PHRASES[language]['deadline']} {deadline}" in body
        assert f"{SITE}/children/{child.pk}/" in body
    smtp.clear()

    # a child at A declines; the waiting-list round moves the child at B up to A
    at_a = [(c, k) for c, k, _ in families if places[k.pk].school.code == "A"]
    at_b = [(k, a) for _, k, a in families if places[k.pk].school.code == "B"]
    assert len(at_a) == 2 and len(at_b) == 1
    decliner_client, decliner = at_a[0]
    decliner_client.post(
        f"/children/{decliner.pk}/answer/", {"answer": "decline", "confirm": "yes"}
    )
    waiting = publish_through_office(office, small_round, "waiting")
    deliver()
    moved, moved_address = at_b[0]
    (offer,) = smtp.messages
    assert moved_address in offer["To"]
    body = check(offer, language, "offer")
    assert "Sint-Jan & Co" in offer["Subject"] and "School B" in body  # replaces the offer at B
    assert f"{PHRASES[language]['deadline']} {deadline}" in body
    assert f"{SITE}/children/{moved.pk}/" in body
    smtp.clear()

    # a day before the deadline: a reminder to every offer still without an answer
    soon = timezone.now() + dt.timedelta(hours=12)
    Round.objects.filter(pk=small_round.pk).update(acceptance_deadline=soon)
    AllocationRun.objects.filter(pk__in=[run.pk, waiting.pk]).update(
        published_at=timezone.now() - dt.timedelta(days=3)
    )
    deliver()
    pending = [a for _, k, a in families if k.pk != decliner.pk]
    assert sorted(str(m["To"]) for m in smtp.messages) == sorted(pending)
    for m in smtp.messages:
        body = check(m, language, "reminder")
        assert f"{PHRASES[language]['deadline']} {when(soon, language)}" in body
        assert "Sint-Jan & Co" in body
    # and only once
    smtp.clear()
    deliver()
    assert smtp.messages == []
    # nothing failed, nothing was sent twice
    assert not Notification.objects.filter(status=Notification.FAILED).exists()


def test_no_school_says_what_happens_next(small_round, office, smtp):
    families = [family(small_round, smtp, k, "en", schools=("A",)) for k in range(3)]
    office.post(f"/office/rounds/{small_round.slug}/status/", {"action": "close"})
    office.post(f"/office/rounds/{small_round.slug}/seed/reveal/", {"seed": "test seed"})
    run = publish_through_office(office, small_round)
    smtp.clear()
    deliver()
    without = run.placements.get(school__isnull=True)
    address = next(a for _, k, a in families if k.pk == without.child_id)
    (message,) = smtp.to(address)
    body = text(message)
    assert "There was no seat for" in body and "stays on the waiting list" in body
    assert "Please accept or decline" not in body


# --------------------------------------------------------------------------- receipts


def test_a_receipt_joins_a_familys_changes_into_one_mail_with_the_final_list(small_round, smtp):
    client, child, address = family(small_round, smtp, 0, "nl", schools=("A", "B", "C"))
    smtp.clear()
    order = f"/children/{child.pk}/choices/order/"
    for codes in ("C,A,B", "A,C,B", "B,A,C"):
        assert client.post(order, {"order": codes}).status_code == 302
    school_b = School.objects.get(round=small_round, code="B")
    client.post(f"/children/{child.pk}/choices/remove/", {"school": school_b.code})
    client.post(order, {"order": "C,A"})
    deliver()
    assert smtp.messages == []  # not yet: the family may still be changing the list
    waiting = Notification.objects.get(kind=Notification.RECEIPT, child=child)
    assert waiting.status == Notification.QUEUED
    assert waiting.due_at > timezone.now() + dt.timedelta(minutes=9)
    # another drag pushes the waiting receipt back, still one
    client.post(order, {"order": "A,C"})
    client.post(order, {"order": "C,A"})
    notifications.sweep()
    pushed = Notification.objects.get(kind=Notification.RECEIPT, child=child)
    assert pushed.pk == waiting.pk and pushed.due_at > waiting.due_at
    assert pushed.changed_at == max(child.choices.values_list("changed_at", flat=True))
    time_passes()
    deliver()
    (receipt,) = smtp.to(address)
    body = text(receipt)
    assert "1. School C" in body and "2. School A" in body and "School B" not in body
    assert "Laatste wijziging" in body
    assert Notification.objects.filter(kind=Notification.RECEIPT, child=child).count() == 1

    # a change and its undoing before the receipt is due: nothing new to say, nothing sent
    smtp.clear()
    client.post(order, {"order": "A,C"})
    client.post(order, {"order": "C,A"})
    deliver()
    time_passes()
    deliver()
    assert smtp.messages == []
    undone = Notification.objects.filter(kind=Notification.RECEIPT, child=child).latest("id")
    assert undone.status == Notification.CANCELLED and "same" in undone.last_error

    # a real change gets a new receipt
    client.post(
        f"/children/{child.pk}/choices/add/",
        {"school": School.objects.get(round=small_round, code="D").pk},
    )
    deliver()
    time_passes()
    deliver()
    (receipt,) = smtp.to(address)
    assert "3. School D" in text(receipt)


def test_a_receipt_waiting_at_closing_gives_way_to_the_final_list(small_round, office, smtp):
    _, child, address = family(small_round, smtp, 0, "en", schools=("A",))
    smtp.clear()
    deliver()  # the receipt waits for the family to finish
    office.post(f"/office/rounds/{small_round.slug}/status/", {"action": "close"})
    deliver()
    (final,) = smtp.to(address)
    assert "Registration closed" in final["Subject"] and "1. School A" in text(final)
    assert (
        Notification.objects.get(kind=Notification.RECEIPT, child=child).status
        == Notification.CANCELLED
    )
    # a closing time that passes closes the registration too: once per closing
    deliver()
    assert len(smtp.messages) == 1


def test_a_pledge_group_is_marked_without_the_name_another_family_typed(small_round, smtp):
    c0, child0, _ = family(small_round, smtp, 0, "nl", schools=("A", "B"))
    c1, child1, a1 = family(small_round, smtp, 1, "nl", schools=("B",))
    school_c = School.objects.get(round=small_round, code="C")
    name = "Bevestig op http://phish.example"
    r = c0.post(
        f"/children/{child0.pk}/pledge/new/",
        {"name": name, "target": school_c.pk, "threshold": 2},
    )
    assert r.status_code == 302
    token = Child.objects.get(pk=child0.pk).pledge_group.token
    assert c1.post(f"/pledge/{token}/", {"child": child1.pk}).status_code == 302
    smtp.clear()
    time_passes()
    deliver()
    body = text(smtp.to(a1)[-1])
    assert "1. School C (school van je samen-groep)" in body and "2. School B" in body
    assert "phish" not in body
    # leaving the group is a change of the list too
    smtp.clear()
    c1.post(f"/children/{child1.pk}/pledge/leave/")
    time_passes()
    deliver()
    body = text(smtp.to(a1)[-1])
    assert "1. School C" in body and "samen-groep" not in body


def test_an_empty_list_is_confirmed_only_after_a_list_was(small_round, smtp):
    client, child, address = family(small_round, smtp, 0, "en", schools=())
    time_passes()
    deliver()
    assert smtp.to(address)[1:] == []  # only the sign-in code
    client.post(
        f"/children/{child.pk}/choices/add/",
        {"school": School.objects.get(round=small_round, code="A").pk},
    )
    deliver()
    time_passes()
    deliver()
    assert "1. School A" in text(smtp.to(address)[-1])
    client.post(f"/children/{child.pk}/choices/remove/", {"school": "A"})
    time_passes()
    deliver()
    assert "is empty now" in text(smtp.to(address)[-1])


def test_the_worker_command_once_sends_what_is_due_then_stops(small_round, smtp):
    from io import StringIO

    from django.core.management import call_command

    _, _, address = family(small_round, smtp, 0, "en")
    smtp.clear()
    notifications.sweep()
    call_command("samen_worker", "--once", stdout=StringIO())
    assert smtp.messages == []  # the receipt is not due yet
    time_passes()
    out = StringIO()
    call_command("samen_worker", "--once", stdout=out)
    assert "0 job(s) done" in out.getvalue()
    (receipt,) = smtp.to(address)
    assert "List of schools for Kind0 received" in receipt["Subject"]


def test_the_language_switch_is_kept_for_the_mail(small_round, smtp):
    client, _, address = family(small_round, smtp, 0, "nl")
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert Profile.objects.get(user__email=address).language == "fr"
    client.post("/i18n/setlang/", {"language": "de", "next": "/"})  # not one of the site's
    assert Profile.objects.get(user__email=address).language == "fr"
    time_passes()
    deliver()
    assert "bien reçue" in smtp.to(address)[-1]["Subject"]


# --------------------------------------------------------------------------- never twice


def test_nothing_is_queued_or_sent_twice(small_round, office, smtp):
    families = [family(small_round, smtp, k, "nl") for k in range(3)]
    office.post(f"/office/rounds/{small_round.slug}/status/", {"action": "close"})
    office.post(f"/office/rounds/{small_round.slug}/seed/reveal/", {"seed": "test seed"})
    run = publish_through_office(office, small_round)
    assert notifications.results_published(run) == 0  # already queued in the publication
    assert notifications.sweep() == {"receipts": 0, "final": 0, "reminders": 0}
    smtp.clear()
    deliver()
    deliver()
    for _, _, address in families:
        assert len(smtp.to(address)) == 1
    assert (
        Notification.objects.filter(kind=Notification.RESULTS, status=Notification.SENT).count()
        == 3
    )
    assert Notification.objects.filter(kind=Notification.FINAL).count() == 3

    # two claims in a row never share a message
    for _, child, _ in families:
        Notification.objects.create(
            kind=Notification.REMINDER, child=child, user=child.parent, round=small_round, key="x"
        )
    first = mailer.claim("w1")[1]
    second = mailer.claim("w2")[1]
    assert len(first) == 3 and second == []
    assert set(Notification.objects.filter(key="x").values_list("status", flat=True)) == {
        Notification.SENDING
    }
    # a message claimed by a worker that stopped is never sent again by itself
    Notification.objects.filter(key="x").update(claimed_at=timezone.now() - dt.timedelta(hours=1))
    smtp.clear()
    deliver()
    assert smtp.messages == []
    stuck = Notification.objects.filter(key="x")
    assert set(stuck.values_list("status", flat=True)) == {Notification.FAILED}
    assert "may or may not have arrived" in stuck.first().last_error


def test_results_sent_late_give_way_to_a_later_offer(small_round, office, smtp):
    families = [family(small_round, smtp, k, "en") for k in range(3)]
    office.post(f"/office/rounds/{small_round.slug}/status/", {"action": "close"})
    office.post(f"/office/rounds/{small_round.slug}/seed/reveal/", {"seed": "test seed"})
    smtp.refuse = "451 4.3.0 Try again later"  # the mail server is down for a while
    run = publish_through_office(office, small_round)
    deliver()
    places = {p.child_id: p.school.code for p in run.placements.select_related("school")}
    decliner = next((c, k) for c, k, _ in families if places[k.pk] == "A")
    decliner[0].post(f"/children/{decliner[1].pk}/answer/", {"answer": "decline", "confirm": "yes"})
    publish_through_office(office, small_round, "waiting")
    smtp.refuse = ""
    smtp.clear()
    time_passes(200)
    deliver()
    moved = next((k, a) for _, k, a in families if places[k.pk] == "B")
    (offer,) = smtp.to(moved[1])
    assert "A seat for" in offer["Subject"] and "School A" in offer["Subject"]
    replaced = Notification.objects.get(kind=Notification.RESULTS, child=moved[0])
    assert replaced.status == Notification.CANCELLED and "later" in replaced.last_error
    for _, k, a in families:  # the others get their results, late
        if k.pk != moved[0].pk:
            (result,) = smtp.to(a)
            assert "Results for" in result["Subject"]


def test_reminders_once_per_offer_and_not_after_an_answer(small_round, office, smtp):
    families = [family(small_round, smtp, k, "en") for k in range(2)]
    office.post(f"/office/rounds/{small_round.slug}/status/", {"action": "close"})
    office.post(f"/office/rounds/{small_round.slug}/seed/reveal/", {"seed": "test seed"})
    run = publish_through_office(office, small_round)
    deliver()
    smtp.clear()
    Round.objects.filter(pk=small_round.pk).update(
        acceptance_deadline=timezone.now() + dt.timedelta(hours=20)
    )
    AllocationRun.objects.filter(pk=run.pk).update(
        published_at=timezone.now() - dt.timedelta(days=2)
    )
    notifications.sweep()
    notifications.sweep()
    assert Notification.objects.filter(kind=Notification.REMINDER).count() == 2
    # one family answers before the reminder goes out: theirs is not needed any more
    client, child, _ = families[0]
    client.post(f"/children/{child.pk}/answer/", {"answer": "accept"})
    deliver()
    assert [str(m["To"]) for m in smtp.messages] == [families[1][2]]
    answered = Notification.objects.get(kind=Notification.REMINDER, child=child)
    assert answered.status == Notification.CANCELLED
    # an offer published less than a day before the deadline gets no reminder
    Notification.objects.filter(kind=Notification.REMINDER).delete()
    AllocationRun.objects.filter(pk=run.pk).update(published_at=timezone.now())
    assert notifications.queue_reminders() == 0


# --------------------------------------------------------------------------- failures


def test_a_temporary_smtp_failure_is_retried_with_backoff_then_failed_and_shown(
    small_round, office, smtp
):
    _, child, address = family(small_round, smtp, 0, "nl", schools=("A", "B"))
    smtp.clear()
    smtp.refuse = "451 4.3.0 Try again later"
    time_passes()
    waits = [1, 5, 30, 120]
    for attempt, wait in enumerate(waits, start=1):
        before = timezone.now()
        deliver()
        n = Notification.objects.get(kind=Notification.RECEIPT, child=child)
        assert n.status == Notification.QUEUED and n.attempts == attempt
        assert "451" in n.last_error
        assert n.address == address and "Kind0" in n.subject  # what it said, for the office
        expected = before + dt.timedelta(minutes=wait)
        assert expected - dt.timedelta(seconds=5) <= n.due_at <= expected + dt.timedelta(seconds=30)
        deliver()  # not due yet: not tried again
        assert Notification.objects.get(pk=n.pk).attempts == attempt
        time_passes(wait)
    deliver()
    n = Notification.objects.get(kind=Notification.RECEIPT, child=child)
    assert n.status == Notification.FAILED and n.attempts == 5
    assert smtp.messages == []

    # the office sees it, on the round's page and the e-mail page
    page = office.get(f"/office/rounds/{small_round.slug}/").content.decode()
    assert "/office/e-mail/?round=test-2027" in page and "1 mislukt" in page
    page = office.get("/office/e-mail/?round=test-2027").content.decode()
    assert "451 4.3.0 Try again later" in page and address in page
    # and sends it again, which is audited
    smtp.refuse = ""
    r = office.post("/office/e-mail/retry/", {"round": small_round.slug})
    assert r.status_code == 302
    entry = AuditEntry.objects.get(action="notifications.retry")
    assert entry.after["ids"] == [n.pk] and entry.round_id == small_round.pk
    deliver()
    (receipt,) = smtp.to(address)
    assert "1. School A" in text(receipt)
    n.refresh_from_db()
    assert n.status == Notification.SENT and n.attempts == 1


def test_a_permanent_refusal_fails_at_once(small_round, smtp):
    _, child, _ = family(small_round, smtp, 0, "nl")
    smtp.refuse = "550 5.1.1 No such user"
    time_passes()
    deliver()
    n = Notification.objects.get(kind=Notification.RECEIPT, child=child)
    assert n.status == Notification.FAILED and n.attempts == 1 and "550" in n.last_error
    assert notifications.retry_failed(pk=n.pk) == (1, [n.pk])


def test_a_closed_port_keeps_every_message_for_later(small_round, smtp):
    for k in range(3):
        family(small_round, smtp, k, "nl")
    smtp.clear()
    time_passes()
    with override_settings(EMAIL_PORT=free_port()):  # nobody listens there
        deliver()
    rows = Notification.objects.filter(kind=Notification.RECEIPT)
    assert rows.count() == 3
    for n in rows:
        assert n.status == Notification.QUEUED and n.attempts == 1
        assert "Connection" in n.last_error or "refused" in n.last_error.lower()
    time_passes(1)
    deliver()
    assert len(smtp.messages) == 3
    assert set(rows.values_list("status", flat=True)) == {Notification.SENT}


def test_the_office_page_is_for_the_office(small_round, office, smtp):
    parent = smtp_sign_in(Client(), "parent@samen.test", smtp)
    assert parent.get("/office/e-mail/").status_code == 403
    assert parent.post("/office/e-mail/retry/").status_code == 403
    assert Client().get("/office/e-mail/").status_code == 302
    assert office.get("/office/e-mail/?round=nope").status_code == 404
    r = office.post("/office/e-mail/retry/", {"id": "abc"}, follow=True)
    assert (
        r.status_code == 200
        and not AuditEntry.objects.filter(action="notifications.retry").exists()
    )
    page = office.get("/office/e-mail/").content.decode()
    assert "inlogcode" in page  # the sign-in codes are counted


# --------------------------------------------------------------------------- deleted families


def test_a_deleted_child_or_account_gets_no_mail(small_round, office, smtp):
    c0, child0, a0 = family(small_round, smtp, 0, "nl")
    c1, child1, a1 = family(small_round, smtp, 1, "nl")
    _, _, a2 = family(small_round, smtp, 2, "nl")
    smtp.clear()
    deliver()  # their receipts wait
    assert Notification.objects.filter(kind=Notification.RECEIPT).count() == 3
    assert c0.post(f"/children/{child0.pk}/delete/", {"confirm": "yes"}).status_code == 302
    assert c1.post("/account/delete/", {"confirm": "yes"}).status_code == 302
    assert not Notification.objects.filter(child__in=[child0.pk, child1.pk]).exists()
    time_passes()
    deliver()
    office.post(f"/office/rounds/{small_round.slug}/status/", {"action": "close"})
    deliver()
    assert smtp.to(a0) == [] and smtp.to(a1) == []
    assert len(smtp.to(a2)) == 2  # the receipt and the final list
    assert not Child.objects.filter(pk__in=[child0.pk, child1.pk]).exists()


# --------------------------------------------------------------------------- sign-in codes


def test_the_sign_in_code_is_sent_at_once_and_recorded_without_the_code(smtp):
    client = Client()
    smtp_sign_in(client, "parent@samen.test", smtp, "en")
    (message,) = smtp.to("parent@samen.test")
    code = re.search(r"\b(\d{6})\b", text(message)).group(1)
    row = Notification.objects.get(kind=Notification.SIGNIN)
    assert row.status == Notification.SENT and row.address == "parent@samen.test"
    assert code not in row.subject and code not in row.body and "······" in row.body
    assert row.language == "en"


def test_a_sign_in_code_that_cannot_be_sent_says_so(db):
    with override_settings(**smtp_settings(free_port())):
        r = Client().post(
            "/signin/", {"email": "parent@samen.test"}, headers={"accept-language": "en"}
        )
    assert r.status_code == 503
    assert "could not be sent just now" in r.content.decode()
    assert not SignInCode.objects.exists()  # it does not count against the limits
    row = Notification.objects.get(kind=Notification.SIGNIN)
    assert row.status == Notification.FAILED and row.last_error
    # a failed code is not sent again (it would have expired); the person asks for a new one
    assert notifications.retry_failed() == (0, [])


def test_my_data_lists_the_mail_and_old_sign_in_records_go(small_round, smtp):
    client, _, _ = family(small_round, smtp, 0, "en")
    time_passes()
    deliver()
    data = client.get("/account/export.json").json()
    kinds = [m["kind"] for m in data["e_mails"]]
    assert kinds == ["signin", "receipt"]
    assert data["e_mails"][1]["subject"].startswith("List of schools for Kind0")
    Notification.objects.filter(kind=Notification.SIGNIN).update(
        created_at=timezone.now() - dt.timedelta(days=8)
    )
    assert notifications.purge_signin_records() == 1


# --------------------------------------------------------------------------- PostgreSQL

ON_POSTGRES = bool(os.environ.get("SAMEN_TEST_DATABASE_URL"))


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only (SAMEN_TEST_DATABASE_URL is not set)")
def test_workers_in_parallel_never_claim_the_same_message(transactional_db: Any) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection

    user = get_user_model().objects.create(username="p@samen.test", email="p@samen.test")
    rnd = Round.objects.create(slug="r", name="R")
    ids = set()
    for k in range(60):
        child = Child.objects.create(round=rnd, parent=user, first_name=f"K{k}")
        n = Notification.objects.create(
            kind=Notification.RESULTS, user=user, round=rnd, child=child, key="run-1"
        )
        ids.add(n.pk)
    taken: list[list[int]] = [[] for _ in range(4)]

    def worker(k: int) -> None:
        try:
            while batch := mailer.claim(f"w{k}", limit=7)[1]:
                taken[k].extend(n.pk for n in batch)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    every = [pk for part in taken for pk in part]
    assert sorted(every) == sorted(ids), "a message was claimed twice or not at all"
