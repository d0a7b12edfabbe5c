"""Template context for every page: the site name and the user's roles."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from samen.web.core.roles import is_office, is_school_viewer


def samen(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "site_name": settings.SAMEN_SITE_NAME,
        "is_office": bool(user and is_office(user)),
        "is_school_viewer": bool(user and is_school_viewer(user)),
    }
