"""The busiest request (a parent's new order of the list) and what every signed-in request
reads (its session, its user): few statements, the same answers and the same checks."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samen.web.core import backends, family
from samen.web.core.models import Child, Choice, Round

from .conftest import register_child, sign_in

#: the session, the user, the child with its round, group and list, the one UPDATE
ORDER_STATEMENTS = 4


def _codes(child: Child) -> list[str]:
    return [c.school.code for c in Choice.objects.filter(child=child).order_by("rank")]


def _browser(small_round, email="parent@samen.test", schools=("A", "B", "C"), first="Noor"):
    """A signed-in client that checks CSRF as a browser meets it, with a child and a list, and
    the token from the child's page."""
    plain = sign_in(Client(), email)
    child = register_child(plain, small_round, first=first, schools=schools)
    c = Client(enforce_csrf_checks=True)
    c.cookies = plain.cookies  # the same session; the page below sets the CSRF cookie
    page = c.get(f"/children/{child.pk}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    return c, child, token.group(1)


def test_a_new_order_takes_four_statements_and_redirects(small_round):
    c, child, token = _browser(small_round)
    with CaptureQueriesContext(connection) as queries:
        r = c.post(
            f"/children/{child.pk}/choices/order/",
            {"order": "C,A,B", "csrfmiddlewaretoken": token},
        )
    assert r.status_code == 302 and r["Location"] == f"/children/{child.pk}/"
    assert _codes(child) == ["C", "A", "B"]
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) <= ORDER_STATEMENTS, statements
    # no write of the session, the user (last_login) or anything but the list
    writes = [s for s in statements if not s.lstrip().upper().startswith("SELECT")]
    assert len(writes) == 1 and writes[0].lstrip().upper().startswith("UPDATE")
    assert "core_choice" in writes[0]
    # nothing to change: no UPDATE at all
    with CaptureQueriesContext(connection) as queries:
        c.post(
            f"/children/{child.pk}/choices/order/",
            {"order": "C,A,B", "csrfmiddlewaretoken": token},
        )
    assert len(queries.captured_queries) == ORDER_STATEMENTS - 1
    assert _codes(child) == ["C", "A", "B"]


def test_children_applying_together_take_four_statements_too(small_round):
    """Twins share one list: the SELECT finds both lists, the UPDATE writes both."""
    plain = sign_in(Client(), "twins@samen.test")
    together = {"apply_together": "on"}
    anna = register_child(plain, small_round, first="Anna", schools=("A", "B", "C"), extra=together)
    bert = register_child(plain, small_round, first="Bert", schools=(), extra=together)
    c, _, token = _browser(small_round, "twins@samen.test", ("A", "B", "C"), "Cas")
    with CaptureQueriesContext(connection) as queries:
        r = c.post(
            f"/children/{bert.pk}/choices/order/",
            {"order": "B,C,A", "csrfmiddlewaretoken": token},
        )
    assert r.status_code == 302
    assert len(queries.captured_queries) <= ORDER_STATEMENTS, queries.captured_queries
    assert _codes(anna) == _codes(bert) == ["B", "C", "A"]


def test_a_saved_keyboard_move_answers_with_its_status(small_round):
    """rank.js saves keyboard moves in the background: 204 when saved, 409 when refused (the
    page then reloads and shows the message)."""
    c, child, token = _browser(small_round)
    fetch = {"X-Samen-Fetch": "1", "accept-language": "en"}
    url = f"/children/{child.pk}/choices/order/"
    r = c.post(url, {"order": "B,A,C", "csrfmiddlewaretoken": token}, headers=fetch)
    assert r.status_code == 204 and _codes(child) == ["B", "A", "C"]
    r = c.post(url, {"order": "B,A", "csrfmiddlewaretoken": token}, headers=fetch)
    assert r.status_code == 409 and _codes(child) == ["B", "A", "C"]
    page = c.get(f"/children/{child.pk}/", headers={"accept-language": "en"}).content.decode()
    assert "The list changed meanwhile" in page


def test_a_new_order_still_needs_the_csrf_token_and_the_parent(small_round):
    c, child, _ = _browser(small_round)
    r = c.post(f"/children/{child.pk}/choices/order/", {"order": "C,A,B"})
    assert r.status_code == 403
    assert _codes(child) == ["A", "B", "C"]
    other, _, other_token = _browser(small_round, "other@samen.test", ("A",), "Lou")
    r = other.post(
        f"/children/{child.pk}/choices/order/",
        {"order": "C,A,B", "csrfmiddlewaretoken": other_token},
    )
    assert r.status_code == 404
    assert _codes(child) == ["A", "B", "C"]
    r = Client().post(f"/children/{child.pk}/choices/order/", {"order": "C,A,B"})
    assert r.status_code == 302 and r["Location"].startswith("/signin/")
    assert c.get(f"/children/{child.pk}/choices/order/").status_code == 405


def test_set_order_outcomes(small_round):
    c = sign_in(Client(), "parent@samen.test")
    child = register_child(c, small_round, schools=("A", "B", "C"))
    parent = child.parent_id
    assert family.set_order(parent, child.pk, ["B", "C", "A"]) == family.ORDERED
    assert _codes(child) == ["B", "C", "A"]
    assert [ch.rank for ch in Choice.objects.filter(child=child).order_by("rank")] == [1, 2, 3]
    assert family.set_order(parent, child.pk, ["B", "C"]) == family.CHANGED
    assert family.set_order(parent, child.pk, ["B", "C", "C"]) == family.CHANGED
    assert family.set_order(parent, child.pk, ["B", "C", "D"]) == family.CHANGED
    assert family.set_order(parent + 1, child.pk, ["A", "B", "C"]) == family.NOT_FOUND
    assert family.set_order(parent, child.pk + 1, ["A", "B", "C"]) == family.NOT_FOUND
    assert _codes(child) == ["B", "C", "A"]
    # a child without a list is found (and its empty order is the list)
    empty = register_child(c, small_round, first="Mila", house="2", schools=())
    assert family.set_order(parent, empty.pk, []) == family.ORDERED
    assert family.set_order(parent, empty.pk, ["A"]) == family.CHANGED
    # the dates of the round count, not only its status
    Round.objects.filter(pk=small_round.pk).update(
        registration_closes=timezone.now() - dt.timedelta(minutes=1)
    )
    assert family.set_order(parent, child.pk, ["A", "B", "C"]) == family.CLOSED
    Round.objects.filter(pk=small_round.pk).update(
        registration_closes=None, registration_opens=timezone.now() + dt.timedelta(days=1)
    )
    assert family.set_order(parent, child.pk, ["A", "B", "C"]) == family.CLOSED
    Round.objects.filter(pk=small_round.pk).update(registration_opens=None)
    assert family.set_order(parent, child.pk, ["A", "B", "C"]) == family.ORDERED
    assert _codes(child) == ["A", "B", "C"]


def test_closed_and_changed_lists_tell_the_family(small_round):
    c = sign_in(Client(), "parent@samen.test")
    child = register_child(c, small_round, schools=("A", "B"))
    en = {"accept-language": "en"}
    r = c.post(f"/children/{child.pk}/choices/order/", {"order": "B,D"}, follow=True, headers=en)
    assert "The list changed meanwhile" in r.content.decode()
    assert _codes(child) == ["A", "B"]
    Round.objects.filter(pk=small_round.pk).update(status=Round.CLOSED)
    r = c.post(f"/children/{child.pk}/choices/order/", {"order": "B,A"}, follow=True, headers=en)
    assert _codes(child) == ["A", "B"]
    assert "Registration is closed" in r.content.decode()


def test_the_user_and_session_read_as_the_orm_reads_them(small_round):
    c = sign_in(Client(), "parent@samen.test")
    user = get_user_model().objects.get(email="parent@samen.test")
    lean = backends.UserBackend().get_user(user.pk)
    assert lean is not None
    for field in user._meta.concrete_fields:
        assert getattr(lean, field.attname) == getattr(user, field.attname), field.name
    assert isinstance(lean.last_login, dt.datetime) and lean.is_active is True
    assert lean._state.adding is False and lean._state.db == "default"
    assert backends.UserBackend().get_user("not a number") is None
    assert backends.UserBackend().get_user(user.pk + 1000) is None
    user.is_active = False
    user.save()
    assert backends.UserBackend().get_user(user.pk) is None
    assert c.get("/account/").status_code == 302  # signed out: an inactive user


def test_sessions_end_on_the_server(small_round):
    c = sign_in(Client(), "parent@samen.test")
    assert c.get("/account/").status_code == 200
    key = c.cookies["sessionid"].value
    session = Session.objects.get(session_key=key)
    assert session.get_decoded()[BACKEND_SESSION_KEY] == backends.PATH
    # an expired session is no session
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    assert c.get("/account/").status_code == 302
    # signing out removes it from the database, so the cookie is worth nothing afterwards
    c = sign_in(Client(), "parent@samen.test")
    key = c.cookies["sessionid"].value
    c.post("/signout/")
    assert not Session.objects.filter(session_key=key).exists()
    stolen = Client()
    stolen.cookies["sessionid"] = key
    assert stolen.get("/account/").status_code == 302


def test_sessions_signed_in_before_keep_working(small_round):
    """Sessions that name Django's ModelBackend (signed in before UserBackend) stay valid."""
    c = sign_in(Client(), "parent@samen.test")
    s = c.session
    s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    s.save()
    assert c.get("/account/").status_code == 200
