"""The office's pages about homes and dates of birth: importing the address list, and on an
applicant's page linking the home to an address, typing its coordinates with a reason, or
allowing a date of birth outside the round's range. Every change is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samen.web.core import addresses as address_list
from samen.web.core import applicant_forms, audit, birthdates, homes, lifecycle
from samen.web.core.forms import AddressImportForm
from samen.web.core.models import Address, AuditEntry, BirthDateAllowance, Child, Round
from samen.web.core.params import id_param
from samen.web.core.views.office import _frozen, applicant_context, office

IMPORT_ACTION = "addresses.import"
MAX_BYTES = 200 * 1024 * 1024


@office
def addresses(request: HttpRequest) -> HttpResponse:
    """The address list: how many, the last import's report, and a new import (all rows right
    or nothing; an upsert that keeps the ids of the addresses that stay)."""
    form = AddressImportForm(request.POST or None, request.FILES or None)
    reading = None
    losing: list[dict[str, object]] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            form.add_error("file", _("The file is too large (more than 200 MB)."))
        else:
            reading = address_list.read(upload.file)
        try:
            report = (
                address_list.apply(reading, allow_unlink=form.cleaned_data["unlink"])
                if reading is not None and not reading.problems
                else None
            )
        except address_list.WouldUnlink as refused:
            losing, report = refused.children, None
        if report is not None:
            audit.record(request, IMPORT_ACTION, after=report)
            messages.success(
                request,
                _(
                    "%(n)s addresses imported: %(added)s new, %(updated)s changed, "
                    "%(removed)s removed."
                )
                % {
                    "n": report["addresses"],
                    "added": report["added"],
                    "updated": report["updated"],
                    "removed": report["removed"],
                },
            )
            return redirect("office_addresses")
    last = AuditEntry.objects.filter(action=IMPORT_ACTION).order_by("-at", "-id").first()
    report = last.after if last is not None and isinstance(last.after, dict) else None
    return render(
        request,
        "samen/office/addresses.html",
        {
            "form": form,
            "problems": reading.problems if reading else [],
            "n_problems": len(reading.problems) + reading.more_problems if reading else 0,
            "more_problems": reading.more_problems if reading else 0,
            "count": Address.objects.count(),
            "losing": losing,
            "last": last,
            "report": report if report and "moved" in report else None,
        },
        status=400 if request.method == "POST" else 200,  # a good import redirected
    )


@office
@require_POST
def applicant_home(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    """The applicant page's forms for the home and the date of birth."""
    child = get_object_or_404(
        Child.objects.select_related("round", "address"), round__slug=slug, public_id=public_id
    )
    action = request.POST.get("action", "")
    forms = applicant_forms.forms_for(child, request.POST, action)
    try:
        return _applicant_home(request, child, action, forms)
    except lifecycle.InputsFrozen:
        # the draw froze every home: distances are part of what the allocation reads
        context = {**applicant_context(child.round, child), **forms}
        return _frozen(request, child.round, "samen/office/applicant.html", context)


def _applicant_home(
    request: HttpRequest, child: Child, action: str, forms: dict[str, Any]
) -> HttpResponse:
    if action in ("home-address", "home-coordinates"):
        lifecycle.require_inputs_editable(child.round)
    if action == "home-address" and forms["home_form"].is_valid():
        with transaction.atomic():
            lifecycle.lock_for_edit(child.round)
            homes.office_links_address(request, child, forms["home_form"].address)
        messages.success(request, _("The home is now the address of the list."))
    elif action == "home-coordinates" and forms["coords_form"].is_valid():
        data = forms["coords_form"].cleaned_data
        with transaction.atomic():
            lifecycle.lock_for_edit(child.round)
            homes.office_sets_coordinates(
                request, child, data["first"], data["second"], data["reason"]
            )
        messages.success(request, _("The coordinates are saved, with the reason."))
    elif action == "birth-date" and forms["born_form"].is_valid():
        data = forms["born_form"].cleaned_data
        birthdates.office_allows(request, child, data["birth_date"], data["reason"])
        messages.success(request, _("The date of birth is saved, with the reason."))
    else:
        context = applicant_context(child.round, child)
        context.update(forms)
        return render(request, "samen/office/applicant.html", context, status=400)
    return redirect("office_applicant", slug=child.round.slug, public_id=child.public_id)


@office
def birth_dates(request: HttpRequest, slug: str) -> HttpResponse:
    """The round's range of dates of birth and the office's allowances of other dates to
    parents who have not registered the child yet (a child who skips or repeats a year)."""
    rnd = get_object_or_404(Round, slug=slug)
    form = applicant_forms.BirthDateAllowanceForm(
        request.POST if request.POST.get("action") == "allow" else None
    )
    if request.method == "POST":
        if request.POST.get("action") == "withdraw":
            allowance = get_object_or_404(
                BirthDateAllowance,
                round=rnd,
                pk=id_param(request.POST.get("allowance")) or 0,
                child__isnull=True,
            )
            birthdates.office_withdraws(request, allowance)
            messages.success(request, _("The allowance is withdrawn."))
            return redirect("office_birth_dates", slug=slug)
        if form.is_valid():
            data = form.cleaned_data
            birthdates.office_grants(
                request, rnd, data["email"], data["birth_date"], data["reason"]
            )
            messages.success(
                request,
                _("%(email)s can now register a child born on this date.")
                % {"email": data["email"]},
            )
            return redirect("office_birth_dates", slug=slug)
    return render(
        request,
        "samen/office/birth_dates.html",
        {
            "round": rnd,
            "form": form,
            "born_range": birthdates.range_text(rnd),
            "allowances": rnd.birth_allowances.select_related("child"),
        },
        status=400 if request.method == "POST" else 200,
    )
