"""Switching the site's language (Django's ``set_language``), remembered for a signed-in
person's e-mail too (:func:`samen.web.core.notifications.remember_language`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.i18n import set_language as django_set_language

from samen.web.core import notifications


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's view (the cookie and the redirect), then the language for the person's
    e-mail when they are signed in and the language is one of the site's."""
    response = django_set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        notifications.remember_language(request.user, request.POST.get("language", ""))
    return response
