"""Shorter sessions for staff (office admins and school viewers): they end after
``SAMEN_STAFF_IDLE_MINUTES`` (30) without a request and ``SAMEN_STAFF_SESSION_HOURS`` (12)
after signing in, whatever happens in between. Parents keep ``SESSION_COOKIE_AGE`` (14 days).

A session becomes a staff session when a staff member signs in (:func:`start`), or when it
first opens a staff page (:func:`ensure`: a role given during a session). The session itself
records it, so :class:`StaffSessionMiddleware` needs no database statement of its own: it reads
the session that the sign-in check reads anyway, and writes it at most once a minute. A
parent's request (the fast list order of ``family.set_order``) reads nothing more and writes
nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

#: when the staff session began and when it was last used (Unix seconds)
SINCE = "samen_staff_since"
SEEN = "samen_staff_seen"
#: the last-used time is written at most this often (seconds)
TOUCH_EVERY = 60


def start(request: HttpRequest) -> None:
    """Make the request's session a staff session, from now on."""
    now = int(time.time())
    request.session[SINCE] = now
    request.session[SEEN] = now
    request.session.set_expiry(timezone.now() + timedelta(hours=settings.SAMEN_STAFF_SESSION_HOURS))


def ensure(request: HttpRequest) -> None:
    """A staff page calls this: a session signed in before the role was given becomes a staff
    session (its idle and absolute limits count from now)."""
    if SEEN not in request.session:
        start(request)


def expired(session: object, now: float) -> bool:
    """True when a staff session has been idle or alive too long."""
    seen = session.get(SEEN)  # type: ignore[attr-defined]
    if seen is None:
        return False
    since = session.get(SINCE, seen)  # type: ignore[attr-defined]
    idle = now - float(seen) > settings.SAMEN_STAFF_IDLE_MINUTES * 60
    old = now - float(since) > settings.SAMEN_STAFF_SESSION_HOURS * 3600
    return idle or old


class StaffSessionMiddleware:
    """Signs a staff session out once it is idle or old, and notes its use."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/static/") or request.path == "/favicon.ico":
            return self.get_response(request)  # the same for everyone: no session read
        session = request.session
        seen = session.get(SEEN)
        if seen is not None:
            now = time.time()
            if expired(session, now):
                minutes = settings.SAMEN_STAFF_IDLE_MINUTES
                logout(request)
                messages.info(
                    request,
                    _(
                        "You were signed out: staff sessions end after %(minutes)s minutes "
                        "without activity and %(hours)s hours after signing in. Sign in again."
                    )
                    % {"minutes": minutes, "hours": settings.SAMEN_STAFF_SESSION_HOURS},
                )
                target = request.get_full_path() if request.method == "GET" else "/"
                return HttpResponseRedirect(reverse("signin") + "?" + urlencode({"next": target}))
            if now - float(seen) >= TOUCH_EVERY:
                session[SEEN] = int(now)
        return self.get_response(request)
