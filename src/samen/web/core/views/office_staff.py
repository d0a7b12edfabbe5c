"""The office's Staff page: who has which role; adding, changing and removing roles (the rules
and guard rails are in :mod:`samen.web.core.staff`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samen.web.core import staff as staff_service
from samen.web.core.forms import StaffForm, StaffRoleForm
from samen.web.core.views.office import office


def _staff_page(
    request: HttpRequest,
    form: StaffForm | None = None,
    changing: dict[int, StaffRoleForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    people = []
    for m in staff_service.members():
        latest = m.latest_round()
        codes = [link.code for link in m.links if latest is not None and link.round_id == latest.pk]
        initial = {"role": m.role, "schools": ", ".join(codes), "round": latest}
        role_form = (changing or {}).get(m.user.pk) or StaffRoleForm(
            initial=initial, prefix=f"p{m.user.pk}"
        )
        people.append({"member": m, "form": role_form, "me": m.user.pk == request.user.pk})
    context = {"form": form or StaffForm(), "people": people}
    return render(request, "samen/office/staff.html", context, status=status)


def _warn_unknown_schools(request: HttpRequest, codes: list[str], rnd: Any) -> None:
    unknown = staff_service.unknown_schools(codes, rnd)
    if unknown:
        messages.warning(
            request,
            _("The round has no school with the id %(ids)s. Check the spelling.")
            % {"ids": ", ".join(unknown)},
        )


@office
def staff(request: HttpRequest) -> HttpResponse:
    """The staff and their roles; adding someone (or giving them another role)."""
    if request.method != "POST":
        return _staff_page(request)
    form = StaffForm(request.POST)
    if not form.is_valid():
        return _staff_page(request, form, status=400)
    data = form.cleaned_data
    try:
        user, before, _after = staff_service.set_role(
            request,
            data["email"],
            data["role"],
            data["schools"],
            round=data.get("round"),
            by=request.user,
        )
    except staff_service.StaffError as exc:
        messages.error(request, str(exc))
        return _staff_page(request, form, status=400)
    _warn_unknown_schools(request, data["schools"], data.get("round"))
    if before["role"]:
        messages.success(request, _("The role of %(email)s is changed.") % {"email": user.email})
    else:
        messages.success(request, _("%(email)s is now staff.") % {"email": user.email})
    return redirect("office_staff")


@office
@require_POST
def staff_member(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a person's role (``action=change``) or remove it (``action=remove``)."""
    user = get_object_or_404(get_user_model(), pk=pk)
    action = request.POST.get("action", "")
    try:
        if action == "remove":
            staff_service.remove(request, user, by=request.user)
            messages.success(
                request,
                _(
                    "%(email)s is no longer staff and is signed out. The account stays, as a "
                    "parent's; add the person again to undo this."
                )
                % {"email": user.email},
            )
            return redirect("office_staff")
        if action != "change":
            messages.error(request, _("Choose to change the role or to remove it."))
            return _staff_page(request, status=400)
        form = StaffRoleForm(request.POST, prefix=f"p{pk}")
        if not form.is_valid():
            return _staff_page(request, changing={pk: form}, status=400)
        data = form.cleaned_data
        _user, before, after = staff_service.set_role(
            request,
            user.email,
            data["role"],
            data["schools"],
            round=data.get("round"),
            by=request.user,
        )
    except staff_service.StaffError as exc:
        messages.error(request, str(exc))
        return _staff_page(request, status=400)
    _warn_unknown_schools(request, data["schools"], data.get("round"))
    if before == after:
        messages.info(request, _("Nothing changed."))
    else:
        messages.success(request, _("The role of %(email)s is changed.") % {"email": user.email})
    return redirect("office_staff")
