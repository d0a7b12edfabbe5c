"""The office's page for the numbers seat pools order by (``value:COLUMN``, allocation rules
section 10.2): a CSV file of numbers for many children at once (:mod:`samen.web.core.numbers`),
all rows right or nothing, audited, refused once the seed of the draw is public."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samen.web.core import lifecycle, numbers, rules_v2
from samen.web.core.views.office import _frozen, _round, office


@office
def numbers_upload(request: HttpRequest, slug: str) -> HttpResponse:
    rnd = _round(slug)
    form = numbers.UploadForm(request.POST or None, request.FILES or None)
    reading = None
    context = {
        "round": rnd,
        "form": form,
        "columns": rules_v2.number_columns(rnd.numbers or []),
        "frozen": lifecycle.inputs_frozen(rnd),
    }
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > numbers.MAX_BYTES:
            form.add_error("file", _("The file is too large (more than 20 MB)."))
        else:
            reading = numbers.read(rnd, upload.read())
        if reading is not None and not reading.problems:
            try:
                with transaction.atomic():
                    lifecycle.lock_for_edit(rnd)
                    n = numbers.apply(request, rnd, reading)
            except lifecycle.InputsFrozen:
                return _frozen(request, rnd, "samen/office/numbers.html", context)
            messages.success(
                request,
                ngettext(
                    "The numbers of %(n)s child changed.",
                    "The numbers of %(n)s children changed.",
                    n,
                )
                % {"n": n},
            )
            return redirect("office_numbers", slug=slug)
    context["problems"] = reading.problems if reading else []
    context["more_problems"] = reading.more_problems if reading else 0
    return render(
        request,
        "samen/office/numbers.html",
        context,
        status=400 if request.method == "POST" else 200,
    )
