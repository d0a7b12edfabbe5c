"""Requests the platform refuses before any view sees them: NUL characters anywhere, and
uploads larger than the limit.

* A NUL character (``\\x00``, ``%00``) in the path, the query string, a form field or a
  cookie is a 400: no text the platform keeps may contain one, and PostgreSQL refuses it in a
  query (an error, that is a 500, deep inside a view). Browsers never send one.
* A multipart upload is parsed here, before the CSRF check reads the form, so that an upload
  stopped for its size (:mod:`samen.web.core.uploads`) is a 413 page that says so instead of
  a form that seems to have lost its files or a missing CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse

from samen.web.core import uploads
from samen.web.core.views.errors import render_error


def _has_nul(values: Iterable[str]) -> bool:
    return any("\x00" in v for v in values)


def _query_has_nul(query: object) -> bool:
    lists = getattr(query, "lists", None)
    if lists is None:
        return False
    return any("\x00" in key or _has_nul(values) for key, values in lists())


class RequestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or _has_nul(request.COOKIES.values()):
            return render_error(400)
        if _query_has_nul(request.GET):
            return render_error(400)
        if request.method == "POST":
            if request.content_type == "multipart/form-data":
                request.FILES  # noqa: B018  (parse the upload now, through the size limit)
                if uploads.too_large(request):
                    return render_error(413, limit_mb=uploads.limit() // (1024 * 1024))
            if _query_has_nul(request.POST):
                return render_error(400)
        return self.get_response(request)
