"""Signing in with an e-mail code, and signing out."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samen.web.core import backends, notifications, second_factor, staff_sessions
from samen.web.core.forms import CodeForm, EmailForm
from samen.web.core.roles import is_school_viewer
from samen.web.core.signin import (
    check_code,
    client_ip,
    is_known_browser,
    remember_browser,
    request_code,
    user_for_email,
)


def safe_next(request: HttpRequest, target: str | None) -> str:
    """``target`` when it is a path on this site (``/...``), else ``/``: never another site,
    and never a word that ``redirect`` would take for a view name."""
    if (
        isinstance(target, str)
        and target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return "/"


def signin(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = EmailForm(request.POST)
        if form.is_valid():
            email = form.cleaned_data["email"]
            outcome = request_code(
                email,
                client_ip(request),
                known=is_known_browser(request, email),
                replaces=request.session.get("signin_code"),
            )
            if outcome.limited == "mail":
                form.add_error(
                    None,
                    _(
                        "The e-mail with the code could not be sent just now. Please try again "
                        "in a few minutes."
                    ),
                )
                return render(request, "samen/auth/signin.html", {"form": form}, status=503)
            if not outcome.sent:
                form.add_error(
                    None,
                    _(
                        "Too many codes were asked for in the last hour. Wait a while and try "
                        "again."
                    ),
                )
                return render(request, "samen/auth/signin.html", {"form": form}, status=429)
            request.session["signin_email"] = email.strip().lower()
            request.session["signin_code"] = outcome.code_id
            request.session["signin_next"] = safe_next(request, request.POST.get("next"))
            return redirect("signin_code")
    else:
        form = EmailForm()
    return render(
        request, "samen/auth/signin.html", {"form": form, "next": request.GET.get("next", "")}
    )


def signin_code(request: HttpRequest) -> HttpResponse:
    email = request.session.get("signin_email")
    if not email:
        return redirect("signin")
    if request.method == "POST":
        form = CodeForm(request.POST)
        code_id = request.session.get("signin_code")
        if form.is_valid() and check_code(email, form.cleaned_data["code"], code_id):
            user = user_for_email(email)
            target = safe_next(request, request.session.get("signin_next", "/"))
            login(request, user, backend=backends.PATH)
            for key in ("signin_email", "signin_code", "signin_next"):
                request.session.pop(key, None)
            notifications.signed_in(user, get_language())  # the language of their e-mail
            if second_factor.required(user):
                staff_sessions.start(request)
                response = redirect(second_factor.step_url(user, target))
            else:
                if is_school_viewer(user):
                    staff_sessions.start(request)
                messages.success(request, _("You are signed in."))
                response = redirect(target)
            remember_browser(request, response, email)
            return response
        if form.is_valid():
            form.add_error(
                "code",
                _(
                    "This code is not right, or no longer valid. Check the latest e-mail, or ask "
                    "for a new code."
                ),
            )
    else:
        form = CodeForm()
    return render(
        request,
        "samen/auth/code.html",
        {"form": form, "email": email, "minutes": settings.SAMEN_CODE_MINUTES},
    )


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("home")
