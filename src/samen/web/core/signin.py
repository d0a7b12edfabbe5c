"""Signing in without a password: a one-time code sent by e-mail.

* a code is 6 digits, valid for ``SAMEN_CODE_MINUTES`` (10) minutes, and only its keyed hash
  (HMAC with the secret key) is stored;
* a code may be tried ``SAMEN_CODE_ATTEMPTS`` (5) times; a new code replaces the old one;
* at most ``SAMEN_CODES_PER_EMAIL_HOUR`` codes per e-mail address and
  ``SAMEN_CODES_PER_IP_HOUR`` per IP address are sent in an hour (counted in the database, so
  the limit holds across processes);
* the answer never says whether an address has an account.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from samen.web.core import mailer
from samen.web.core.models import SignInCode


def normalise_email(email: str) -> str:
    return email.strip().lower()


def client_ip(request: HttpRequest) -> str | None:
    """The client's address; behind a proxy (``SAMEN_BEHIND_PROXY=1``) the last address the
    proxy added to X-Forwarded-For."""
    if settings.SAMEN_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def _hash(email: str, code: str) -> str:
    return salted_hmac("samen.signin-code", f"{email}|{code}", algorithm="sha256").hexdigest()


@dataclass(frozen=True)
class CodeRequest:
    sent: bool
    #: why no code was sent: "email" or "ip" (too many requests), "mail" (it could not be sent)
    limited: str = ""


def request_code(email: str, ip: str | None) -> CodeRequest:
    """Send a new sign-in code to ``email`` unless a rate limit is reached."""
    email = normalise_email(email)
    now = timezone.now()
    hour_ago = now - timedelta(hours=1)
    recent = SignInCode.objects.filter(created_at__gte=hour_ago)
    if recent.filter(email=email).count() >= settings.SAMEN_CODES_PER_EMAIL_HOUR:
        return CodeRequest(False, "email")
    if ip and recent.filter(ip=ip).count() >= settings.SAMEN_CODES_PER_IP_HOUR:
        return CodeRequest(False, "ip")
    code = f"{secrets.randbelow(10**6):06d}"
    minutes = settings.SAMEN_CODE_MINUTES
    with transaction.atomic():
        # a new code replaces every earlier one
        SignInCode.objects.filter(email=email, used_at__isnull=True).update(used_at=now)
        new = SignInCode.objects.create(
            email=email,
            code_hash=_hash(email, code),
            ip=ip,
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
        new.delete()  # never sent: it does not count against the limits
        return CodeRequest(False, "mail")
    return CodeRequest(True)


def check_code(email: str, code: str) -> bool:
    """True (and the code is used up) when ``code`` is the latest valid code for ``email``."""
    email = normalise_email(email)
    code = "".join(ch for ch in code if ch.isdigit())
    now = timezone.now()
    with transaction.atomic():
        current = (
            SignInCode.objects.select_for_update()
            .filter(email=email, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at", "-id")
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
