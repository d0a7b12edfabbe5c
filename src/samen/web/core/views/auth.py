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

from samen.web.core import backends, notifications
from samen.web.core.forms import CodeForm, EmailForm
from samen.web.core.signin import check_code, client_ip, request_code, user_for_email


def _safe_next(request: HttpRequest, target: str | None) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def signin(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = EmailForm(request.POST)
        if form.is_valid():
            email = form.cleaned_data["email"]
            outcome = request_code(email, client_ip(request))
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
            request.session["signin_next"] = _safe_next(request, request.POST.get("next"))
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
        if form.is_valid() and check_code(email, form.cleaned_data["code"]):
            user = user_for_email(email)
            target = request.session.get("signin_next", "/")
            login(request, user, backend=backends.PATH)
            notifications.signed_in(user, get_language())  # the language of their e-mail
            messages.success(request, _("You are signed in."))
            return redirect(_safe_next(request, target))
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
