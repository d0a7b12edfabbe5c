"""The second step of an office admin's sign-in (a TOTP code), setting the app up, and the
reset of someone's app by another office admin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samen.web.core import audit, second_factor, staff_sessions
from samen.web.core.roles import require_office
from samen.web.core.second_factor import TotpForm
from samen.web.core.views.auth import safe_next


def _done(request: HttpRequest) -> HttpResponse:
    staff_sessions.ensure(request)
    messages.success(request, _("You are signed in."))
    return redirect(safe_next(request, request.GET.get("next")))


def _refused(form: TotpForm, check: second_factor.Check) -> None:
    if check.wait:
        form.add_error(
            "code",
            _("Too many wrong codes. Wait %(seconds)s seconds and try the newest code.")
            % {"seconds": check.wait},
        )
    else:
        form.add_error(
            "code",
            _(
                "This code is not right. Type the code your app shows now (a code works "
                "once), and check that the phone's clock is right."
            ),
        )


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The TOTP code after the e-mail code."""
    user = request.user
    if not second_factor.required(user) or second_factor.is_verified(request):
        return redirect(safe_next(request, request.GET.get("next")))
    device = second_factor.confirmed_device(user)
    if device is None:
        return redirect(second_factor.step_url(user, safe_next(request, request.GET.get("next"))))
    form = TotpForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        check = second_factor.verify(device, form.cleaned_data["code"])
        if check.ok:
            second_factor.complete(request, device)
            return _done(request)
        _refused(form, check)
        status = 429 if check.wait else 400
    return render(request, "samen/auth/totp.html", {"form": form}, status=status)


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Setting the authenticator app up, the first time (or after a reset)."""
    user = request.user
    if not second_factor.required(user) or second_factor.is_verified(request):
        return redirect(safe_next(request, request.GET.get("next")))
    if second_factor.has_device(user):  # a new app only after a reset
        return redirect(second_factor.step_url(user, safe_next(request, request.GET.get("next"))))
    device = second_factor.pending_device(user)
    form = TotpForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        check = second_factor.verify(device, form.cleaned_data["code"])
        if check.ok:
            second_factor.complete(request, device)
            audit.record(request, "totp.setup", target=user.email)
            return _done(request)
        _refused(form, check)
        status = 429 if check.wait else 400
    context = {
        "form": form,
        "qr": second_factor.qr_data_uri(device),
        "key": second_factor.key_text(device),
        "link": device.config_url,
    }
    return render(request, "samen/auth/totp_setup.html", context, status=status)


@login_required
@require_POST
def reset(request: HttpRequest, pk: int) -> HttpResponse:
    """Another office admin removes someone's authenticator app (a lost phone)."""
    require_office(request)  # with the second factor
    person = get_object_or_404(get_user_model(), pk=pk)
    if person.pk == request.user.pk:
        messages.error(
            request,
            _(
                "You cannot reset your own app here. Ask another office admin, or use "
                "samen web staff EMAIL --reset-totp on the server."
            ),
        )
        return redirect("office_staff")
    removed = second_factor.reset(person)
    audit.record(request, "totp.reset", target=person.email, before={"devices": removed})
    messages.success(
        request,
        _("The app of %(email)s is reset: they set it up again at their next sign-in.")
        % {"email": person.email},
    )
    return redirect("office_staff")
