"""The admission office: configure a round, import and export it, hold the public draw, run
the allocation, review and publish, waiting-list rounds, the audit log, staff and addresses.

Every view needs the ``core.run_office`` permission (403 otherwise) and every change is
written to the audit log.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from samen.io.errors import RoundError
from samen.io.round import read_round
from samen.web.core import (
    allocation,
    audit,
    chances,
    cutoffs,
    exchange,
    formulas,
    jobs,
    published,
    second_factor,
    uploads,
)
from samen.web.core.applicant_forms import forms_for
from samen.web.core.birthdates import range_text
from samen.web.core.blocks import others as applying_with
from samen.web.core.forms import (
    ImportForm,
    PoolFormSet,
    QuestionFormSet,
    RoundForm,
    SchoolForm,
    SeedForm,
)
from samen.web.core.homes import blocking_children, to_check
from samen.web.core.models import (
    HOME_CHECK,
    AllocationRun,
    Child,
    Job,
    Placement,
    Priority,
    Round,
    School,
)
from samen.web.core.params import id_param
from samen.web.core.roles import is_office, require_office
from samen.web.core.run_names import run_file_stem, run_label


def office(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, with the office permission, and confirmed with a TOTP code
    (:mod:`samen.web.core.second_factor`)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if is_office(request.user) and not second_factor.is_verified(request):
            # the TOTP code first
            return redirect(second_factor.step_url(request.user, request.get_full_path()))
        require_office(request)
        return view(request, *args, **kwargs)

    return wrapped


def _round(slug: str) -> Round:
    return get_object_or_404(Round, slug=slug)


@office
def home(request: HttpRequest) -> HttpResponse:
    rounds = Round.objects.annotate(n_children=Count("children"))
    return render(
        request,
        "samen/office/home.html",
        {
            "rounds": rounds,
            "jobs": Job.objects.exclude(kind=chances.JOB_KIND).select_related("round")[:10],
        },
    )


@office
def round_new(request: HttpRequest) -> HttpResponse:
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        rnd = form.save(commit=False)
        rnd.slug = exchange.unique_slug(rnd.name)
        rnd.save()
        audit.record(request, "round.create", round=rnd, target=rnd.name, after=audit.snapshot(rnd))
        messages.success(request, _("The round is made. Add its schools next."))
        return redirect("office_round", slug=rnd.slug)
    return render(request, "samen/office/round_form.html", {"form": form})


@office
def round_edit(request: HttpRequest, slug: str) -> HttpResponse:
    rnd = _round(slug)
    before = audit.snapshot(rnd)
    form = RoundForm(request.POST or None, instance=rnd)
    if request.method == "POST" and form.is_valid():
        form.save()
        audit.record(
            request,
            "round.edit",
            round=rnd,
            target=rnd.name,
            before=before,
            after=audit.snapshot(rnd),
        )
        messages.success(request, _("Saved."))
        return redirect("office_round", slug=rnd.slug)
    return render(request, "samen/office/round_form.html", {"form": form, "round": rnd})


@office
def round_detail(request: HttpRequest, slug: str) -> HttpResponse:
    rnd = _round(slug)
    children = rnd.children.all()
    context = {
        "round": rnd,
        "n_children": children.count(),
        "n_listed": children.filter(choices__isnull=False).distinct().count(),
        "n_families": children.exclude(parent=None).values("parent").distinct().count(),
        "n_schools": rnd.schools.count(),
        "seats": sum(s.capacity for s in rnd.schools.all()),
        "groups": rnd.pledge_groups.annotate(n=Count("members")).select_related("target"),
        "runs": rnd.runs.all(),
        "jobs": rnd.jobs.exclude(kind=chances.JOB_KIND)[:5],
        "seed_form": SeedForm(),
        "n_to_check": to_check(rnd).count(),
        "n_blocking": len(blocking_children(rnd)),
        "latest": rnd.latest_published_run(),
        "pending": Placement.objects.filter(
            run=rnd.latest_published_run(), response=Placement.PENDING, school__isnull=False
        ).count()
        if rnd.latest_published_run()
        else 0,
    }
    return render(request, "samen/office/round.html", context)


TRANSITIONS = {
    "open": ({Round.DRAFT, Round.CLOSED}, Round.OPEN),
    "close": ({Round.OPEN}, Round.CLOSED),
    "draft": ({Round.OPEN}, Round.DRAFT),
    "archive": ({Round.PUBLISHED, Round.ALLOCATED, Round.CLOSED}, Round.ARCHIVED),
}


@office
@require_POST
def round_status(request: HttpRequest, slug: str) -> HttpResponse:
    rnd = _round(slug)
    action = request.POST.get("action", "")
    allowed, target = TRANSITIONS.get(action, (set(), ""))
    if rnd.status not in allowed:
        messages.error(request, _("This step is not possible now."))
        return redirect("office_round", slug=slug)
    if action == "open" and not rnd.schools.exists():
        messages.error(request, _("Add the schools before opening the registration."))
        return redirect("office_round", slug=slug)
    if action == "close" and not rnd.seed_commitment:
        messages.error(
            request,
            _("Publish the fingerprint of the seed before the registration closes."),
        )
        return redirect("office_round", slug=slug)
    before = {"status": rnd.status}
    rnd.status = target
    if action == "close" and (
        not rnd.registration_closes or rnd.registration_closes > timezone.now()
    ):
        rnd.registration_closes = timezone.now()
    rnd.save()
    audit.record(
        request,
        f"round.{action}",
        round=rnd,
        target=rnd.name,
        before=before,
        after={"status": rnd.status},
    )
    return redirect("office_round", slug=slug)


@office
@require_POST
def seed_commit(request: HttpRequest, slug: str) -> HttpResponse:
    """Publish the SHA-256 of a seed; the seed itself is not stored until the draw."""
    rnd = _round(slug)
    if rnd.status not in (Round.DRAFT, Round.OPEN):
        messages.error(request, _("The seed can only be chosen before the registration closes."))
        return redirect("office_round", slug=slug)
    form = SeedForm(request.POST)
    if form.is_valid():
        before = {"seed_commitment": rnd.seed_commitment, "seed_revealed": bool(rnd.seed)}
        seed = form.cleaned_data["seed"]
        rnd.seed_commitment = hashlib.sha256(seed.encode("utf-8")).hexdigest()
        rnd.commitment_published_at = timezone.now()
        rnd.seed = ""
        rnd.seed_revealed_at = None
        rnd.save()
        audit.record(
            request,
            "seed.commit",
            round=rnd,
            target=rnd.name,
            before=before,
            after={"seed_commitment": rnd.seed_commitment},
        )
        messages.success(
            request,
            _("The fingerprint is published. Keep the seed safe: you type it again at the draw."),
        )
    return redirect("office_round", slug=slug)


@office
@require_POST
def seed_reveal(request: HttpRequest, slug: str) -> HttpResponse:
    rnd = _round(slug)
    if rnd.status != Round.CLOSED or not rnd.seed_commitment or rnd.seed:
        messages.error(request, _("The draw is held once, after the registration closes."))
        return redirect("office_round", slug=slug)
    form = SeedForm(request.POST)
    if form.is_valid():
        seed = form.cleaned_data["seed"]
        if not rnd.seed_matches(seed):
            audit.record(request, "seed.reveal-mismatch", round=rnd, target=rnd.name)
            messages.error(
                request,
                _("This seed does not match the published fingerprint. Check every character."),
            )
            return redirect("office_round", slug=slug)
        rnd.seed = seed
        rnd.seed_revealed_at = timezone.now()
        rnd.save()
        audit.record(
            request,
            "seed.reveal",
            round=rnd,
            target=rnd.name,
            after={"seed": seed, "seed_commitment": rnd.seed_commitment},
        )
        messages.success(request, _("The seed is revealed and matches the fingerprint."))
    return redirect("office_round", slug=slug)


@office
@require_POST
def round_allocate(request: HttpRequest, slug: str) -> HttpResponse:
    rnd = _round(slug)
    kind = "waiting" if request.POST.get("kind") == "waiting" else "allocate"
    if kind == "allocate" and (rnd.status not in (Round.CLOSED, Round.ALLOCATED) or not rnd.seed):
        messages.error(request, _("Close the registration and hold the draw first."))
        return redirect("office_round", slug=slug)
    if kind == "waiting" and rnd.status != Round.PUBLISHED:
        messages.error(request, _("Publish the results first."))
        return redirect("office_round", slug=slug)
    blocking = blocking_children(rnd)
    if blocking:
        messages.error(request, allocation.unverified_message(blocking))
        return redirect("office_round", slug=slug)
    job = jobs.enqueue(kind, rnd, user=request.user)
    audit.record(
        request, f"job.enqueue.{kind}", round=rnd, target=f"job {job.pk}", after={"job": job.pk}
    )
    return redirect("office_job", pk=job.pk)


@office
@require_POST
def round_expire(request: HttpRequest, slug: str) -> HttpResponse:
    """After the answer deadline, offers nobody answered count as declined."""
    rnd = _round(slug)
    run = rnd.latest_published_run()
    if run is None or rnd.answers_are_open():
        messages.error(request, _("Wait until the answer deadline has passed."))
        return redirect("office_round", slug=slug)
    ids = list(
        Placement.objects.filter(
            run=run, response=Placement.PENDING, school__isnull=False
        ).values_list("applicant_id", flat=True)
    )
    Placement.objects.filter(run=run, applicant_id__in=ids).update(
        response=Placement.EXPIRED, responded_at=timezone.now()
    )
    audit.record(
        request,
        "offers.expire",
        round=rnd,
        target=run_label(run),
        after={"number": run.number, "expired": len(ids), "applicant_ids": ids},
    )
    messages.success(request, _("%(n)s offers without an answer expired.") % {"n": len(ids)})
    return redirect("office_round", slug=slug)


@office
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.select_related("round"), pk=pk)
    return render(request, "samen/office/job.html", {"job": job})


@office
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(AllocationRun.objects.select_related("round"), pk=pk)
    sort = request.GET.get("sort", "name")
    cut = cutoffs.run_cutoffs([run])[0]
    cut.rows = cutoffs.sort_rows(cut.rows, sort if sort in cutoffs.SORT_KEYS else "name")
    return render(
        request,
        "samen/office/run.html",
        {
            "run": run,
            "round": run.round,
            "cutoffs": cut,
            "sort": sort if sort in cutoffs.SORT_KEYS else "name",
            "d": allocation.dashboard(run),
            "moved": allocation.changed_children(run),
            "report": _report_state(run),
        },
    )


# --------------------------------------------------------------------------- the council report

#: the report is one self-contained file: inline CSS, images as data: URIs, no script
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def _report_jobs(run: AllocationRun) -> Any:
    return Job.objects.filter(kind="report", round=run.round, params__run=run.pk).order_by("-id")


def _report_state(run: AllocationRun) -> dict[str, Any]:
    """The run's latest report job and the latest report that can be opened."""
    latest = _report_jobs(run).first()
    done = _report_jobs(run).filter(status=Job.DONE).first()
    available = done is not None and jobs.report_path(done).is_file()
    return {
        "job": latest,
        "busy": latest is not None and latest.status in (Job.QUEUED, Job.RUNNING),
        "done": done if available else None,
    }


@office
@require_http_methods(["GET", "HEAD", "POST"])
def run_report(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the run's latest council report (``samen report``), to read in the browser.
    POST: make it (again), as a job for the worker."""
    run = get_object_or_404(AllocationRun.objects.select_related("round"), pk=pk)
    state = _report_state(run)
    if request.method == "POST":
        if state["busy"]:
            return redirect("office_job", pk=state["job"].pk)
        job = jobs.enqueue("report", run.round, params={"run": run.pk}, user=request.user)
        audit.record(
            request,
            "job.enqueue.report",
            round=run.round,
            target=f"job {job.pk}",
            after={"job": job.pk, "run": run.pk, "number": run.number},
        )
        return redirect("office_job", pk=job.pk)
    done = state["done"]
    if done is None:
        raise Http404("no report yet")
    try:
        handle = jobs.report_path(done).open("rb")
    except FileNotFoundError:  # replaced by a newer report just now
        raise Http404("no report yet") from None
    audit.record(
        request, "run.report", round=run.round, target=run_label(run), after={"number": run.number}
    )
    response = FileResponse(
        handle,
        content_type="text/html; charset=utf-8",
        filename=f"{run_file_stem(run.round.slug, run)}-report.html",
    )  # Content-Disposition: inline, with the file name for saving
    response["Content-Security-Policy"] = REPORT_CSP
    return response


@office
@require_POST
def run_publish(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(AllocationRun.objects.select_related("round"), pk=pk)
    if run.status != AllocationRun.COMPUTED:
        messages.error(request, _("Only a run under review can be published."))
        return redirect("office_run", pk=pk)
    allocation.publish(run)
    audit.record(
        request,
        "run.publish",
        round=run.round,
        target=run_label(run),
        after={"run": run.pk, "number": run.number, "assigned": run.summary.get("assigned")},
    )
    messages.success(request, _("The results are published; families can see them now."))
    return redirect("office_run", pk=pk)


def _download(name: str, data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@office
def run_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The run's round folder and its results, to publish (pseudonymised)."""
    run = get_object_or_404(AllocationRun.objects.select_related("round"), pk=pk)
    refused = _refuse_formulas(request, published.run_files(run), run.round)
    if refused is not None:
        return refused
    audit.record(
        request,
        "run.download",
        round=run.round,
        target=run_label(run),
        after={"number": run.number},
    )
    return _download(published.zip_name(run), published.build_zip(run))


@office
def round_export(request: HttpRequest, slug: str) -> HttpResponse:
    rnd = _round(slug)
    files = exchange.render_folder(exchange.folder_data(rnd))
    refused = _refuse_formulas(request, files, rnd)
    if refused is not None:
        return refused
    audit.record(request, "round.export", round=rnd, target=rnd.name)
    return _download(f"{rnd.slug}.zip", exchange.zip_bytes(files))


def _refuse_formulas(request: HttpRequest, files: dict[str, bytes], rnd: Round) -> Any:
    """A 409 page listing the cells that a spreadsheet would run as formulas (data saved
    before the forms refused them), or None: a round folder is never changed on the way out."""
    found = formulas.folder_problems(files)
    if not found:
        return None
    context = {"round": rnd, "problems": found}
    return render(request, "samen/office/export_refused.html", context, status=409)


# --------------------------------------------------------------------------- import


@office
def round_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[dict[str, Any]] = []
    upload_problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        with tempfile.TemporaryDirectory(prefix="samen-import-") as tmp:
            folder = Path(tmp)
            upload_problems = uploads.save_uploads(form.cleaned_data["files"], folder)
            if not upload_problems:
                try:
                    parsed = read_round(folder)
                except RoundError as exc:
                    problems = [
                        {"file": p.file, "row": p.row, "column": p.column, "message": p.message}
                        for p in exc.problems
                    ]
                else:
                    rnd = exchange.import_round(parsed)
                    audit.record(
                        request,
                        "round.import",
                        round=rnd,
                        target=rnd.name,
                        after={
                            "schools": rnd.schools.count(),
                            "children": rnd.children.count(),
                            "pledge_groups": rnd.pledge_groups.count(),
                            "inputs": parsed.inputs,
                        },
                    )
                    messages.success(
                        request,
                        _("Imported: %(schools)s schools and %(children)s children.")
                        % {"schools": rnd.schools.count(), "children": rnd.children.count()},
                    )
                    return redirect("office_round", slug=rnd.slug)
    status = 400 if problems or upload_problems else 200
    return render(
        request,
        "samen/office/import.html",
        {"form": form, "problems": problems, "upload_problems": upload_problems},
        status=status,
    )


# --------------------------------------------------------------------------- schools


@office
def schools(request: HttpRequest, slug: str) -> HttpResponse:
    rnd = _round(slug)
    form = SchoolForm(request.POST or None, round=rnd)
    if request.method == "POST" and form.is_valid():
        school = form.save(commit=False)
        school.round = rnd
        school.seq = rnd.schools.count()
        school.save()
        audit.record(
            request, "school.create", round=rnd, target=school.code, after=audit.snapshot(school)
        )
        return redirect("office_schools", slug=slug)
    return render(
        request,
        "samen/office/schools.html",
        {"round": rnd, "schools": rnd.schools.prefetch_related("pools"), "form": form},
    )


@office
def school_edit(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    rnd = _round(slug)
    school = get_object_or_404(School, round=rnd, code=code)
    before = {
        "school": audit.snapshot(school),
        "pools": [audit.snapshot(p) for p in school.pools.all()],
    }
    form = SchoolForm(request.POST or None, instance=school, round=rnd)
    pools = PoolFormSet(request.POST or None, instance=school, form_kwargs={"flags": rnd.flags()})
    # both checked, so every mistake shows at once; the pools' seats are checked against the
    # capacity the school form just took
    valid = request.method == "POST" and form.is_valid()
    valid = request.method == "POST" and pools.is_valid() and valid
    if valid:
        with transaction.atomic():
            form.save()
            for k, f in enumerate(pools.forms):
                if f.cleaned_data and not f.cleaned_data.get("DELETE"):
                    f.instance.seq = k
            pools.save()
        after = {
            "school": audit.snapshot(school),
            "pools": [audit.snapshot(p) for p in school.pools.all()],
        }
        audit.record(
            request, "school.edit", round=rnd, target=school.code, before=before, after=after
        )
        messages.success(request, _("Saved."))
        return redirect("office_schools", slug=slug)
    return render(
        request,
        "samen/office/school_form.html",
        {"round": rnd, "school": school, "form": form, "pools": pools},
    )


@office
def questions(request: HttpRequest, slug: str) -> HttpResponse:
    rnd = _round(slug)
    before = [audit.snapshot(q) for q in rnd.questions.all()]
    formset = QuestionFormSet(
        request.POST or None, instance=rnd, form_kwargs={"languages": rnd.languages}
    )
    if request.method == "POST" and formset.is_valid():
        formset.save()
        audit.record(
            request,
            "questions.edit",
            round=rnd,
            target=rnd.name,
            before=before,
            after=[audit.snapshot(q) for q in rnd.questions.all()],
        )
        messages.success(request, _("Saved."))
        return redirect("office_round", slug=slug)
    return render(request, "samen/office/questions.html", {"round": rnd, "formset": formset})


# --------------------------------------------------------------------------- applicants


@office
def applicants(request: HttpRequest, slug: str) -> HttpResponse:
    rnd = _round(slug)
    qs = rnd.children.select_related("parent", "pledge_group").order_by("seq", "id")
    code = request.GET.get("school", "")
    if code:
        qs = qs.filter(choices__school__code=code)
    checking = request.GET.get("home") == HOME_CHECK
    if checking:
        qs = qs.filter(home=HOME_CHECK)
    term = request.GET.get("q", "").strip()
    if term:
        qs = qs.filter(
            Q(public_id__icontains=term)
            | Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
        )
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    lists = {}
    for c in page.object_list:
        lists[c.pk] = [s.code for s in c.school_list()]
    return render(
        request,
        "samen/office/applicants.html",
        {
            "round": rnd,
            "page": page,
            "lists": lists,
            "school": code,
            "q": term,
            "to_check": checking,
        },
    )


@office
def applicant(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    rnd = _round(slug)
    child = get_object_or_404(Child, round=rnd, public_id=public_id)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "add-priority":
            school = get_object_or_404(School, round=rnd, code=request.POST.get("school", ""))
            group = request.POST.get("group", "")
            if group in rnd.priority_groups:
                Priority.objects.get_or_create(child=child, school=school, group=group)
                audit.record(
                    request,
                    "priority.add",
                    round=rnd,
                    target=child.public_id,
                    after={"school": school.code, "group": group},
                )
        elif action == "remove-priority":
            p = get_object_or_404(Priority, child=child, pk=id_param(request.POST.get("priority")))
            audit.record(
                request,
                "priority.remove",
                round=rnd,
                target=child.public_id,
                before={"school": p.school.code, "group": p.group},
            )
            p.delete()
        return redirect("office_applicant", slug=slug, public_id=public_id)
    return render(request, "samen/office/applicant.html", applicant_context(rnd, child))


def applicant_context(rnd: Round, child: Child) -> dict[str, Any]:
    """What the applicant's page shows (the forms of its home and date of birth unbound)."""
    return {
        "round": rnd,
        "child": child,
        "schools": child.school_list(),
        "priorities": child.priorities.select_related("school"),
        "placements": child.placements.select_related("run", "school"),
        "together": applying_with(child),
        "born_range": range_text(rnd),
        "born_in_range": child.birth_date is None or rnd.admits_birth_date(child.birth_date),
        **forms_for(child),
    }
