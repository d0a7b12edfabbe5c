"""Signing in with an e-mail code: hashed, expiring, limited attempts, rate limits."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from samen.web.core.models import SignInCode

from .conftest import code_from_mail, sign_in


def test_code_flow_creates_account_and_signs_in(db):
    c = Client()
    r = c.post("/signin/", {"email": "Parent@Samen.Test "})
    assert r.status_code == 302 and r["Location"] == "/signin/code/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["parent@samen.test"]
    code = code_from_mail("parent@samen.test")
    stored = SignInCode.objects.get()
    assert code not in stored.code_hash  # only a keyed hash is stored
    assert stored.expires_at - stored.created_at == dt.timedelta(minutes=10)
    r = c.post("/signin/code/", {"code": code})
    assert r.status_code == 302
    user = get_user_model().objects.get(username="parent@samen.test")
    assert not user.has_usable_password()
    assert c.get("/account/").status_code == 200
    # the code works once
    c2 = Client()
    c2.post("/signin/", {"email": "other@samen.test"})
    session = c2.session
    session["signin_email"] = "parent@samen.test"
    session.save()
    assert c2.post("/signin/code/", {"code": code}).status_code == 200
    assert c2.get("/account/").status_code == 302


def test_wrong_code_and_attempt_limit(db):
    c = Client()
    c.post("/signin/", {"email": "p@samen.test"})
    good = code_from_mail("p@samen.test")
    bad = "000000" if good != "000000" else "111111"
    for _ in range(5):
        r = c.post("/signin/code/", {"code": bad})
        assert r.status_code == 200
        assert "not right" in r.content.decode() or "niet juist" in r.content.decode()
    # after 5 attempts even the right code no longer works
    r = c.post("/signin/code/", {"code": good})
    assert r.status_code == 200
    assert c.get("/account/").status_code == 302


def test_expired_code_is_refused(db):
    c = Client()
    c.post("/signin/", {"email": "p@samen.test"})
    code = code_from_mail("p@samen.test")
    SignInCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert c.post("/signin/code/", {"code": code}).status_code == 200
    assert c.get("/account/").status_code == 302


def test_new_code_replaces_old_one(db):
    c = Client()
    c.post("/signin/", {"email": "p@samen.test"})
    first = code_from_mail("p@samen.test")
    c.post("/signin/", {"email": "p@samen.test"})
    second = code_from_mail("p@samen.test")
    if first != second:
        assert c.post("/signin/code/", {"code": first}).status_code == 200
    assert c.post("/signin/code/", {"code": second}).status_code == 302


@override_settings(SAMEN_CODES_PER_EMAIL_HOUR=3)
def test_rate_limit_per_email(db):
    c = Client()
    for _ in range(3):
        assert c.post("/signin/", {"email": "p@samen.test"}).status_code == 302
    r = c.post("/signin/", {"email": "p@samen.test"})
    assert r.status_code == 429
    assert len(mail.outbox) == 3


@override_settings(SAMEN_CODES_PER_IP_HOUR=4)
def test_rate_limit_per_ip(db):
    c = Client(REMOTE_ADDR="203.0.113.7")
    for k in range(4):
        assert c.post("/signin/", {"email": f"p{k}@samen.test"}).status_code == 302
    assert c.post("/signin/", {"email": "p9@samen.test"}).status_code == 429
    # another address is not affected
    other = Client(REMOTE_ADDR="203.0.113.8")
    assert other.post("/signin/", {"email": "p9@samen.test"}).status_code == 302


def test_next_is_kept_but_only_on_this_site(db):
    c = Client()
    c.post("/signin/", {"email": "p@samen.test", "next": "/account/"})
    r = c.post("/signin/code/", {"code": code_from_mail("p@samen.test")})
    assert r["Location"] == "/account/"
    c = Client()
    c.post("/signin/", {"email": "q@samen.test", "next": "https://evil.example/"})
    r = c.post("/signin/code/", {"code": code_from_mail("q@samen.test")})
    assert r["Location"] == "/"


def test_same_answer_for_known_and_unknown_addresses(db):
    sign_in(Client(), "known@samen.test")
    a = Client().post("/signin/", {"email": "known@samen.test"})
    b = Client().post("/signin/", {"email": "unknown@samen.test"})
    assert a.status_code == b.status_code == 302
    assert a["Location"] == b["Location"]


def test_signout_needs_post(db):
    c = sign_in(Client(), "p@samen.test")
    assert c.get("/signout/").status_code == 405
    assert c.post("/signout/").status_code == 302
    assert c.get("/account/").status_code == 302
