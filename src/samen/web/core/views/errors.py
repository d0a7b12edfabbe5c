"""The error pages: 400, 403 (and a refused CSRF token), 404, 413 and 500, in the site's look
and the visitor's language.

They are rendered without a request context, so no context processor runs: a 500 page needs
neither the database nor a signed-in user (the error may be that the database is down), and
every error page looks the same whoever asks.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template import loader

#: the templates at the root of the template folder, as Django expects them
TEMPLATES = {
    400: "400.html",
    403: "403.html",
    404: "404.html",
    413: "413.html",
    500: "500.html",
}


def render_error(status: int, message: str = "", **context: Any) -> HttpResponse:
    """The error page for ``status`` with an optional sentence saying what went wrong."""
    html = loader.render_to_string(
        TEMPLATES[status],
        {"site_name": settings.SAMEN_SITE_NAME, "status": status, "message": message, **context},
    )
    return HttpResponse(html, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: a request Django could not use (a damaged form, a wrong host name)."""
    return render_error(400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: signed in, but without the role this page needs."""
    return render_error(403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404."""
    return render_error(404)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: no database, no user, only the template."""
    return render_error(500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: a form sent without the token of this site (an old page, blocked
    cookies, or another site posting here)."""
    return render_error(403, csrf=True)
