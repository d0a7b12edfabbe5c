"""Django for the platform's tests: settings from samen.web.settings with a test environment
(an in-memory SQLite database, e-mail kept in memory, a fixed secret key), and helpers to make
rounds, families and staff."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from samen.web.testing import setup_django_for_tests

setup_django_for_tests()

import pytest  # noqa: E402
from django.core import mail  # noqa: E402
from django.test import Client  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "mechelen-2027"


@pytest.fixture
def small_round(db: Any) -> Any:
    """An open round: 4 schools (one with distance seats), questions, dates, a commitment."""
    import datetime as dt
    import hashlib

    from django.utils import timezone

    from samen.web.core.models import Address, Pool, Question, Round, School

    now = timezone.now()
    rnd = Round.objects.create(
        slug="test-2027",
        name="Test 2027",
        status=Round.OPEN,
        priority_groups=["sibling"],
        default_pools=[
            {"name": "other", "share": "0.7", "favours": "not:indicator", "order_by": "lottery"},
            {"name": "indicator", "share": "0.3", "favours": "indicator", "order_by": "lottery"},
        ],
        seed_commitment=hashlib.sha256(b"test seed").hexdigest(),
        commitment_published_at=now,
        registration_opens=now - dt.timedelta(days=1),
        registration_closes=now + dt.timedelta(days=10),
        acceptance_deadline=now + dt.timedelta(days=30),
    )
    Question.objects.create(round=rnd, flag="indicator", text_nl="Indicator?", text_en="Indicator?")
    for k, (code, cap) in enumerate([("A", 2), ("B", 2), ("C", 3), ("D", 10)]):
        School.objects.create(
            round=rnd, code=code, name=f"School {code}", capacity=cap, x=1000.0 * k, y=0.0, seq=k
        )
    d = School.objects.get(round=rnd, code="D")
    Pool.objects.create(school=d, seq=0, name="near", seats=5, order_by="distance")
    Pool.objects.create(school=d, seq=1, name="rest", seats=5, order_by="lottery")
    for n in range(1, 6):
        Address.objects.create(
            postcode="2800", house_number=str(n), street="Teststraat", x=100.0 * n, y=50.0
        )
    return rnd


def code_from_mail(email: str) -> str:
    """The sign-in code in the last e-mail sent to ``email``."""
    for m in reversed(mail.outbox):
        if email in m.to:
            found = re.search(r"\b(\d{6})\b", m.body)
            assert found
            return found.group(1)
    raise AssertionError(f"no e-mail to {email}")


def sign_in(client: Client, email: str) -> Client:
    """Sign in through the real e-mail code flow; an office admin also through the TOTP step
    (setting the app up the first time), with codes made by :func:`totp_code`."""
    r = client.post("/signin/", {"email": email})
    assert r.status_code == 302, r.content[:500]
    r = client.post("/signin/code/", {"code": code_from_mail(email)})
    assert r.status_code == 302, r.content[:500]
    if "/signin/totp/" in r["Location"]:
        from django.contrib.auth import get_user_model
        from django_otp.plugins.otp_totp.models import TOTPDevice

        page = client.get(r["Location"])  # the set-up page makes the device
        assert page.status_code == 200, page.content[:500]
        user = get_user_model().objects.get(username=email.strip().lower())
        device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "id").first()
        assert device is not None
        r = client.post(r["Location"], {"code": totp_code(device)})
        assert r.status_code == 302, r.content[:2000]
    return client


def totp_code(device: Any, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now for ``device`` (django_otp.oath.totp), or for a
    later step: a code works once, so a second sign-in in the same 30 seconds takes the next
    step's code (the device accepts one step of clock drift)."""
    import time

    from django_otp.oath import totp

    device.refresh_from_db()
    now = int((time.time() - device.t0) // device.step)
    step = max(now + device.drift + steps_ahead, device.last_t + 1)
    assert step <= now + device.drift + device.tolerance, "too many sign-ins in 30 seconds"
    value = totp(device.bin_key, device.step, device.t0, device.digits, step - now)
    return f"{value:0{device.digits}d}"


@pytest.fixture
def office_client(db: Any) -> Client:
    from samen.web.core.roles import add_staff

    add_staff("office@samen.test", "office")
    return sign_in(Client(), "office@samen.test")


def _email(client: Client) -> str:
    from django.contrib.auth import get_user_model

    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id).email


def register_child(
    client: Client,
    rnd: Any,
    first: str = "Noor",
    house: str = "1",
    indicator: str = "0",
    schools: tuple[str, ...] = ("A", "B"),
    extra: dict[str, str] | None = None,
) -> Any:
    """Register a child through the two steps of the form (details, then the address found)
    and add ``schools`` to its list."""
    from samen.web.core.models import Address, Child

    data = {
        "first_name": first,
        "last_name": "Test",
        "birth_date": "2024-03-01",
        "postcode": "2800",
        "house_number": house,
        "q_indicator": indicator,
        **(extra or {}),
    }
    r = client.post(f"/rounds/{rnd.slug}/register/", data)
    # the second step: confirm the address found in the list
    assert r.status_code == 200, r.content.decode()[:2000]
    address = Address.objects.get(postcode="2800", house_number=house, box="")
    assert f'value="{address.pk}"' in r.content.decode()
    r = client.post(f"/rounds/{rnd.slug}/register/", {**data, "address": str(address.pk)})
    assert r.status_code == 302, r.content.decode()[:2000]
    child = Child.objects.get(round=rnd, first_name=first, parent__email=_email(client))
    for code in schools:
        from samen.web.core.models import School

        s = School.objects.get(round=rnd, code=code)
        r = client.post(f"/children/{child.pk}/choices/add/", {"school": s.pk})
        assert r.status_code == 302
    return child
