"""The admission office: configure a round, import and export it, hold the public draw, run
the allocation, review and publish, waiting-list rounds, the audit log, staff and addresses.

Every view needs the ``core.run_office`` permission (403 otherwise) and every change is
written to the audit log.
"""

from __future__ import annotations

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
    lifecycle,
    numbers,
    positions,
    published,
    rules_forms,
    rules_v2,
    second_factor,
    uploads,
    v2checks,
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
    VoidDrawForm,
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


#: the round's settings the allocation reads (frozen once the seed is public) and the others
ROUND_RULES = (
    "name",
    "mechanism",
    "tie_breaking",
    "distance",
    "priority_groups",
    "default_pools",
    *rules_forms.MODEL_FIELDS,
)
ROUND_OTHERS = (
    "registration_opens",
    "registration_closes",
    "draw_at",
    "results_at",
    "acceptance_deadline",
    "retention_until",
    "languages",
    "born_from",
    "born_until",
)


def _read_only(form: Any, names: Any = None) -> None:
    """Show ``form``'s fields (or the fields ``names``) without letting them change: a
    disabled field keeps its value whatever is posted."""
    for name, field in form.fields.items():
        if names is None or name in names:
            field.disabled = True


def _frozen(request: HttpRequest, rnd: Round, template: str, context: dict[str, Any]) -> Any:
    """The page of an office edit refused because the seed of the draw is public (409)."""
    messages.error(request, lifecycle.frozen_message())
    audit.record(request, "inputs.edit.refused", round=rnd, target=request.path)
    return render(request, template, {"round": rnd, "frozen": True, **context}, status=409)


@office
def round_edit(request: HttpRequest, slug: str) -> HttpResponse:
    rnd = _round(slug)
    before = audit.snapshot(rnd)
    form = RoundForm(request.POST or None, instance=rnd)
    frozen = lifecycle.inputs_frozen(rnd)
    if frozen:  # the dates, the languages and the retention stay editable
        _read_only(
            form,
            [*ROUND_RULES, "priority_groups_text", "default_pools_text", *rules_forms.FIELDS_ALL],
        )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                lifecycle.lock_for_edit(rnd, frozen_fields_disabled=frozen)
                edited = form.save(commit=False)
                # only the form's fields: the status and the draw belong to the life cycle
                edited.save(update_fields=[*ROUND_OTHERS, *(() if frozen else ROUND_RULES)])
        except lifecycle.InputsFrozen:  # the draw was held while the form was filled in
            return _frozen(request, _round(slug), "samen/office/round_form.html", {"form": form})
        rnd.refresh_from_db()
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
    return render(
        request, "samen/office/round_form.html", {"form": form, "round": rnd, "frozen": frozen}
    )


def round_page(
    request: HttpRequest,
    rnd: Round,
    status: int = 200,
    seed_form: Any = None,
    void_form: Any = None,
) -> HttpResponse:
    children = rnd.children.all()
    latest = rnd.latest_published_run()
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
        "n_to_check": to_check(rnd).count(),
        "n_blocking": len(blocking_children(rnd)),
        "rule_warnings": v2checks.warnings(rnd),
        "seed_form": seed_form or SeedForm(),
        "void_form": void_form or VoidDrawForm(),
        "steps": lifecycle.allowed(rnd),
        "frozen": lifecycle.inputs_frozen(rnd),
        "history": lifecycle.history(rnd),
        "min_seed": lifecycle.MIN_SEED_LENGTH,
        "latest": latest,
        "pending": Placement.objects.filter(
            run=latest, response=Placement.PENDING, school__isnull=False
        ).count()
        if latest
        else 0,
    }
    return render(request, "samen/office/round.html", context, status=status)


@office
def round_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return round_page(request, _round(slug))


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


def run_page(request: HttpRequest, run: AllocationRun, status: int = 200) -> HttpResponse:
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
        status=status,
    )


@office
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return run_page(
        request, get_object_or_404(AllocationRun.objects.select_related("round"), pk=pk)
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
                    rnd = lifecycle.import_round(parsed, request)
                    messages.success(
                        request,
                        _("Imported: %(schools)s schools and %(children)s children.")
                        % {"schools": rnd.schools.count(), "children": rnd.children.count()},
                    )
                    messages.info(
                        request,
                        _(
                            "The seed of round.toml is not used: publish the fingerprint of a "
                            "new seed before the registration closes."
                        ),
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
    context = {"schools": rnd.schools.prefetch_related("pools"), "form": form}
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            try:
                lifecycle.lock_for_edit(rnd)
            except lifecycle.InputsFrozen:
                return _frozen(request, rnd, "samen/office/schools.html", context)
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
        {"round": rnd, "frozen": lifecycle.inputs_frozen(rnd), **context},
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
    pools = PoolFormSet(
        request.POST or None,
        instance=school,
        form_kwargs={"flags": rnd.flags(), "numbers": rules_v2.number_columns(rnd.numbers)},
    )
    context = {"school": school, "form": form, "pools": pools}
    if lifecycle.inputs_frozen(rnd):
        _read_only(form)
        for f in pools.forms:
            _read_only(f)
        if request.method == "POST":
            return _frozen(request, rnd, "samen/office/school_form.html", context)
        return render(
            request, "samen/office/school_form.html", {"round": rnd, "frozen": True, **context}
        )
    # both checked, so every mistake shows at once; the pools' seats are checked against the
    # capacity the school form just took
    valid = request.method == "POST" and form.is_valid()
    valid = request.method == "POST" and pools.is_valid() and valid
    if valid:
        with transaction.atomic():
            try:
                lifecycle.lock_for_edit(rnd)
            except lifecycle.InputsFrozen:
                return _frozen(request, rnd, "samen/office/school_form.html", context)
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
        for warning in v2checks.school_warnings(school):  # children it no longer admits
            messages.warning(request, warning)
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
    if lifecycle.inputs_frozen(rnd):
        for f in formset.forms:
            _read_only(f)
        if request.method == "POST":
            return _frozen(request, rnd, "samen/office/questions.html", {"formset": formset})
        return render(
            request,
            "samen/office/questions.html",
            {"round": rnd, "formset": formset, "frozen": True},
        )
    if request.method == "POST" and formset.is_valid():
        with transaction.atomic():
            try:
                lifecycle.lock_for_edit(rnd)
            except lifecycle.InputsFrozen:
                return _frozen(request, rnd, "samen/office/questions.html", {"formset": formset})
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
        try:
            with transaction.atomic():
                lifecycle.lock_for_edit(rnd)
                _priority_change(request, rnd, child)
        except lifecycle.InputsFrozen:
            return _frozen(
                request, rnd, "samen/office/applicant.html", applicant_context(rnd, child)
            )
        return redirect("office_applicant", slug=slug, public_id=public_id)
    return render(request, "samen/office/applicant.html", applicant_context(rnd, child))


def _priority_change(request: HttpRequest, rnd: Round, child: Child) -> None:
    """The office adds or removes a priority of ``child`` (audited); the caller holds the
    round locked with its inputs editable."""
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
    elif action == "set-value":  # a number a seat pool orders by (samen.web.core.numbers)
        try:
            numbers.set_value(
                request,
                rnd,
                child,
                str(request.POST.get("column", "")),
                str(request.POST.get("value", "")),
            )
        except numbers.NumberError as exc:
            messages.error(request, str(exc))
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


def applicant_context(rnd: Round, child: Child) -> dict[str, Any]:
    """What the applicant's page shows (the forms of its home and date of birth unbound)."""
    return {
        "round": rnd,
        "child": child,
        "schools": child.school_list(),
        "priorities": child.priorities.select_related("school"),
        "placements": child.placements.select_related("run", "school"),
        "waiting": positions.office_view(child),
        "numbers": numbers.shown(rnd, child),
        "together": applying_with(child),
        "born_range": range_text(rnd),
        "born_in_range": child.birth_date is None or rnd.admits_birth_date(child.birth_date),
        "frozen": lifecycle.inputs_frozen(rnd),
        **forms_for(child),
    }
