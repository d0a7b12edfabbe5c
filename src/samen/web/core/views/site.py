"""Files every site has: the icon browsers ask for at ``/favicon.ico``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

FAVICON = Path(__file__).resolve().parents[1] / "static" / "samen" / "favicon.svg"


@cache
def _favicon() -> bytes:
    return FAVICON.read_bytes()


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """The site's icon (SVG, which browsers take at this address too), cached for a day."""
    response = HttpResponse(_favicon(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response
