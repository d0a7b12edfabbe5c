"""Signing in without a password: a one-time code sent by e-mail.

* a code is 6 digits, valid for ``SAMEN_CODE_MINUTES`` (10) minutes, and only its keyed hash
  (HMAC with the secret key) is stored;
* a code works only in the browser (session) that asked for it, and may be tried there
  ``SAMEN_CODE_ATTEMPTS`` (5) times; a new code replaces that browser's earlier one. Wrong
  codes typed elsewhere, or codes asked for elsewhere, never touch the owner's code;
* limits per hour, counted in the database so they hold across processes, by *requester* (the
  IPv4 address, or the IPv6 /64 network, since one IPv6 host has billions of addresses):
  ``SAMEN_CODES_PER_REQUESTER_HOUR`` (3) codes for one address from one requester,
  ``SAMEN_CODES_PER_IP_HOUR`` (30) codes from one requester, and a ceiling of
  ``SAMEN_CODES_PER_EMAIL_HOUR`` (10) codes for one address from browsers that never signed in
  as that address. A browser that did (:data:`KNOWN_COOKIE`, signed with the secret key) is
  held only to the per-requester limits, so a stranger cannot lock the owner out of a browser
  they used before, whatever the stranger's addresses;
* the answer never says whether an address has an account.
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from samen.web.core import mailer
from samen.web.core.models import SignInCode


def normalise_email(email: str) -> str:
    return email.strip().lower()


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address; behind a proxy (``SAMEN_BEHIND_PROXY=1``) the last address the
    proxy added to X-Forwarded-For. ``None`` when it is not a valid IP address (the value goes
    into IP address columns)."""
    if request is None:
        return None
    value = request.META.get("REMOTE_ADDR") or ""
    if settings.SAMEN_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            value = forwarded.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def requester_of(ip: str | None) -> str:
    """Who asks, for the rate limits: an IPv4 address, or the /64 network of an IPv6 address
    (one host may use any address of its /64); ``"unknown"`` without an address."""
    if not ip:
        return "unknown"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _hash(email: str, code: str) -> str:
    return salted_hmac("samen.signin-code", f"{email}|{code}", algorithm="sha256").hexdigest()


# --------------------------------------------------------------------------- known browsers

#: a browser that signed in as an address keeps its tag in this cookie (signed, HttpOnly)
KNOWN_COOKIE = "samen_known"
_KNOWN_SALT = "samen.known-browser"
_KNOWN_DAYS = 400  # the longest a browser keeps a cookie
_KNOWN_MAX = 5  # addresses remembered per browser


def _tag(email: str) -> str:
    return salted_hmac("samen.known-address", normalise_email(email)).hexdigest()[:20]


def _known_tags(request: HttpRequest) -> list[str]:
    value = request.COOKIES.get(KNOWN_COOKIE, "")
    if not value:
        return []
    try:
        tags = signing.loads(value, salt=_KNOWN_SALT, max_age=_KNOWN_DAYS * 86400)
    except signing.BadSignature:
        return []
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def is_known_browser(request: HttpRequest, email: str) -> bool:
    """True when this browser signed in as ``email`` before (the signed cookie says so)."""
    return _tag(email) in _known_tags(request)


def remember_browser(request: HttpRequest, response: HttpResponse, email: str) -> None:
    """Mark the browser as one that signed in as ``email`` (at most five addresses)."""
    tags = [t for t in _known_tags(request) if t != _tag(email)]
    tags = [_tag(email), *tags][:_KNOWN_MAX]
    response.set_cookie(
        KNOWN_COOKIE,
        signing.dumps(tags, salt=_KNOWN_SALT),
        max_age=_KNOWN_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# --------------------------------------------------------------------------- codes


@dataclass(frozen=True)
class CodeRequest:
    sent: bool
    #: why no code was sent: "requester", "ip" or "email" (too many requests), "mail" (it
    #: could not be sent)
    limited: str = ""
    #: the new code's id, for the session that asked (only that session may type it)
    code_id: int | None = None


def request_code(
    email: str, ip: str | None, *, known: bool = False, replaces: int | None = None
) -> CodeRequest:
    """Send a new sign-in code to ``email`` unless a rate limit is reached. ``known``: the
    browser signed in as ``email`` before (no per-address ceiling); ``replaces``: the
    browser's earlier code, which stops working."""
    email = normalise_email(email)
    requester = requester_of(ip)
    now = timezone.now()
    hour_ago = now - timedelta(hours=1)
    recent = SignInCode.objects.filter(created_at__gte=hour_ago)
    mine = recent.filter(requester=requester)
    if mine.filter(email=email).count() >= settings.SAMEN_CODES_PER_REQUESTER_HOUR:
        return CodeRequest(False, "requester")
    if mine.count() >= settings.SAMEN_CODES_PER_IP_HOUR:
        return CodeRequest(False, "ip")
    if not known and recent.filter(email=email).count() >= settings.SAMEN_CODES_PER_EMAIL_HOUR:
        return CodeRequest(False, "email")
    code = f"{secrets.randbelow(10**6):06d}"
    minutes = settings.SAMEN_CODE_MINUTES
    with transaction.atomic():
        if replaces is not None:  # this browser's earlier code, whatever its address
            SignInCode.objects.filter(pk=replaces, used_at__isnull=True).update(used_at=now)
        row = SignInCode.objects.create(
            email=email,
            code_hash=_hash(email, code),
            ip=ip,
            requester=requester,
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    subject = _("Your sign-in code for %(site)s: %(code)s") % {
        "site": settings.SAMEN_SITE_NAME,
        "code": code,
    }
    body = _(
        "Your sign-in code is %(code)s\n\n"
        "Type it on the sign-in page. It works for %(minutes)s minutes, once.\n"
        "If you did not ask for it, you can ignore this e-mail: nobody can sign in without it."
    ) % {"code": code, "minutes": minutes}
    # at once, not through the worker's queue: the person is waiting for it (recorded, masked)
    user = get_user_model().objects.filter(username=email).first()
    if not mailer.send_now(email, subject, body, secret=code, user=user):
        row.delete()  # never sent: it does not count against the limits
        return CodeRequest(False, "mail")
    return CodeRequest(True, code_id=row.pk)


def check_code(email: str, code: str, code_id: int | None) -> bool:
    """True (and the code is used up) when ``code`` is the code with id ``code_id`` (the one
    this browser asked for), for ``email``, unused, not expired and with attempts left."""
    if not isinstance(code_id, int):
        return False
    email = normalise_email(email)
    code = "".join(ch for ch in code if ch.isdigit())
    now = timezone.now()
    with transaction.atomic():
        current = (
            SignInCode.objects.select_for_update()
            .filter(pk=code_id, email=email, used_at__isnull=True, expires_at__gt=now)
            .first()
        )
        if current is None or current.attempts >= settings.SAMEN_CODE_ATTEMPTS:
            return False
        SignInCode.objects.filter(pk=current.pk).update(attempts=F("attempts") + 1)
        if not code or not constant_time_compare(current.code_hash, _hash(email, code)):
            return False
        SignInCode.objects.filter(pk=current.pk).update(used_at=now)
    return True


def user_for_email(email: str) -> Any:
    """The account for ``email``, created on first sign-in (without a usable password)."""
    User = get_user_model()
    email = normalise_email(email)
    user = User.objects.filter(username=email).first()
    if user is None:
        user = User(username=email, email=email)
        user.set_unusable_password()
        user.save()
    return user


def purge_old_codes(days: int = 1) -> int:
    """Remove codes older than ``days`` days (they are only kept for the rate limits)."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = SignInCode.objects.filter(created_at__lt=cutoff).delete()
    return deleted
