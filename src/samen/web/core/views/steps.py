"""The office's steps of a round's life cycle: open, close and back to preparing, the seed's
fingerprint and the public draw (and voiding it), queueing the allocation and waiting-list
rounds, publishing a run, and archiving after a confirmation page.

Each view is a thin caller of :mod:`samen.web.core.lifecycle`, which checks the step, makes it
in one transaction and writes the audit log. A step the round's state does not allow shows the
round page (or the run page) with the reason and HTTP 409; a form with mistakes shows it with
HTTP 400.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samen.web.core import lifecycle
from samen.web.core.forms import ArchiveForm, SeedForm, VoidDrawForm
from samen.web.core.models import AllocationRun, Round
from samen.web.core.views.office import office, round_page, run_page


def _round(slug: str) -> Round:
    return get_object_or_404(Round, slug=slug)


def _refused(request: HttpRequest, slug: str, exc: lifecycle.LifecycleError) -> HttpResponse:
    """A step the round's state does not allow: the round page with the reason (409)."""
    messages.error(request, exc.message)
    return round_page(request, _round(slug), status=409)


#: the registration steps of the status form
STATUS_STEPS = {
    "open": lifecycle.open_registration,
    "close": lifecycle.close_registration,
    "draft": lifecycle.back_to_draft,
}


@office
@require_POST
def round_status(request: HttpRequest, slug: str) -> HttpResponse:
    rnd = _round(slug)
    action = request.POST.get("action", "")
    if action == "archive":  # only after the confirmation page
        return redirect("office_round_archive", slug=slug)
    step = STATUS_STEPS.get(action)
    if step is None:
        messages.error(request, _("This step is not possible now."))
        return round_page(request, rnd, status=400)
    try:
        step(rnd, request)
    except lifecycle.LifecycleError as exc:
        return _refused(request, slug, exc)
    return redirect("office_round", slug=slug)


@office
@require_POST
def seed_commit(request: HttpRequest, slug: str) -> HttpResponse:
    """Publish the SHA-256 of a seed (the seed itself is not stored until the draw); after
    the draw, a new one voids the draw (:func:`samen.web.core.lifecycle.commit_seed`)."""
    rnd = _round(slug)
    voiding = "void" in lifecycle.allowed(rnd)
    form = (VoidDrawForm if voiding else SeedForm)(request.POST)
    if not form.is_valid():
        forms = {"void_form": form} if voiding else {"seed_form": form}
        return round_page(request, rnd, status=400, **forms)
    try:
        outcome = lifecycle.commit_seed(
            rnd, form.cleaned_data["seed"], request, reason=form.cleaned_data.get("reason", "")
        )
    except lifecycle.LifecycleError as exc:
        return _refused(request, slug, exc)
    if outcome.voided:
        messages.success(
            request,
            _(
                "The draw is voided and the new fingerprint is published. Hold the draw again "
                "with the new seed."
            ),
        )
    else:
        messages.success(
            request,
            _("The fingerprint is published. Keep the seed safe: you type it again at the draw."),
        )
    return redirect("office_round", slug=slug)


@office
@require_POST
def seed_reveal(request: HttpRequest, slug: str) -> HttpResponse:
    rnd = _round(slug)
    form = SeedForm(request.POST)
    if not form.is_valid():
        return round_page(request, rnd, status=400, seed_form=form)
    try:
        lifecycle.reveal_seed(rnd, form.cleaned_data["seed"], request)
    except lifecycle.LifecycleError as exc:
        return _refused(request, slug, exc)
    messages.success(request, _("The seed is revealed and matches the fingerprint."))
    return redirect("office_round", slug=slug)


@office
def round_archive(request: HttpRequest, slug: str) -> HttpResponse:
    """Archiving, in two steps: this page names the consequences; the office confirms."""
    rnd = _round(slug)
    form = ArchiveForm(request.POST or None)
    status = 200
    if request.method == "POST":
        try:
            lifecycle.archive(rnd, request, confirmed=form.is_valid())
        except lifecycle.LifecycleError as exc:
            messages.error(request, exc.message)
            status = 400 if "archive" in lifecycle.allowed(rnd) else 409
        else:
            messages.success(request, _("The round is archived."))
            return redirect("office_round", slug=slug)
    return render(
        request,
        "samen/office/archive.html",
        {
            "round": rnd,
            "form": form,
            "possible": "archive" in lifecycle.allowed(rnd),
            "consequences": lifecycle.archive_consequences(rnd),
        },
        status=status,
    )


@office
@require_POST
def round_allocate(request: HttpRequest, slug: str) -> HttpResponse:
    rnd = _round(slug)
    waiting = request.POST.get("kind") == "waiting"
    queue = lifecycle.queue_waiting_list if waiting else lifecycle.queue_allocation
    try:
        job = queue(rnd, request)
    except lifecycle.LifecycleError as exc:
        return _refused(request, slug, exc)
    return redirect("office_job", pk=job.pk)


@office
@require_POST
def run_publish(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(AllocationRun.objects.select_related("round"), pk=pk)
    try:
        lifecycle.publish_run(run, request)
    except lifecycle.LifecycleError as exc:
        messages.error(request, exc.message)
        run.refresh_from_db()
        run.round.refresh_from_db()
        return run_page(request, run, status=409)
    messages.success(request, _("The results are published; families can see them now."))
    return redirect("office_run", pk=pk)
