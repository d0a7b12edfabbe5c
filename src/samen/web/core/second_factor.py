"""A second factor for office admins: a TOTP code from an authenticator app (django-otp).

* After the e-mail code, an office admin enters a 6-digit TOTP code; the first time, they set
  up the app from a QR code (or the key as text, or an ``otpauth://`` link on a phone). Office
  pages need a session verified this way (``request.user.is_verified()``); until then they
  lead to the code page.
* School viewers do not need it: they only read pseudonymous lists of their own school, and
  a second device would keep many school secretaries out. Parents never need it.
* A code works once (a later code must come from a later 30-second step), and wrong codes slow
  down further tries (django-otp's throttling: 1, 2, 4, 8, ... seconds).
* Recovery: another office admin resets someone's device on the Staff page, or
  ``samen web staff EMAIL --reset-totp`` on the server; both are in the audit log. The next
  sign-in sets the app up again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from samen.web.core.roles import is_office

DEVICE_NAME = "authenticator app"


class TotpForm(forms.Form):
    code = forms.CharField(
        label=_("The 6-digit code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


def required(user: Any) -> bool:
    """Whether ``user`` must confirm a sign-in with a TOTP code (office admins)."""
    return is_office(user)


def is_verified(request: HttpRequest) -> bool:
    """True when this session was confirmed with a TOTP code of the signed-in user."""
    check = getattr(request.user, "is_verified", None)
    return bool(check()) if callable(check) else False


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def pending_device(user: Any) -> TOTPDevice:
    """The device being set up (not confirmed yet): the same key until it is confirmed, so a
    reload shows the same QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def qr_data_uri(device: TOTPDevice) -> str:
    """The device's ``otpauth://`` link as an SVG QR code in a ``data:`` URI (the CSP allows
    images from data: URIs, and no inline script or style is needed)."""
    import segno

    return str(
        segno.make(device.config_url, error="m").svg_data_uri(
            scale=5, border=2, dark="#000", light="#fff"
        )
    )


def key_text(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for typing into an app by hand."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@dataclass(frozen=True)
class Check:
    ok: bool
    #: seconds to wait before the next try (too many wrong codes), 0 otherwise
    wait: int = 0


def verify(device: TOTPDevice, code: str) -> Check:
    """Check ``code`` against ``device`` (locked, so one code cannot be used twice at once)."""
    token = "".join(ch for ch in code if ch.isdigit())
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, info = locked.verify_is_allowed()
        if not allowed:
            until = (info or {}).get("locked_until")
            wait = int((until - timezone.now()).total_seconds()) + 1 if until else 1
            return Check(False, max(wait, 1))
        ok = len(token) == locked.digits and locked.verify_token(token)
        if not ok and len(token) != locked.digits:
            locked.throttle_increment(commit=True)
    return Check(ok)


def complete(request: HttpRequest, device: TOTPDevice) -> None:
    """Mark the session as verified with ``device`` (confirming a device being set up)."""
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    otp_login(request, device)


def reset(user: Any) -> int:
    """Remove ``user``'s devices: their next sign-in sets the app up again; sessions verified
    with a removed device are no longer verified. Returns how many were removed."""
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    return int(removed)


def has_device(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def step_url(user: Any, target: str) -> str:
    """Where an office admin goes after the e-mail code: the code page, or the set-up page the
    first time; ``target`` is kept for afterwards."""
    name = "signin_totp" if confirmed_device(user) is not None else "signin_totp_setup"
    return reverse(name) + "?" + urlencode({"next": target})
