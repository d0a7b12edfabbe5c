"""The office's audit log: the entries in words, filtered, 50 a page, and their CSV export
(the logic is in :mod:`samen.web.core.audit_log` and :mod:`samen.web.core.audit_words`)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import translation

from samen.web.core import audit
from samen.web.core import audit_log as audit_log_service
from samen.web.core.audit_log import AuditFilterForm
from samen.web.core.views.office import office


@office
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log in words, filtered and 50 entries a page."""
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "page": None, "rows": [], "query": ""}
        return render(request, "samen/office/audit.html", context, status=400)
    page = Paginator(audit_log_service.filtered(form), audit_log_service.PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [audit_log_service.row(e) for e in page.object_list]
    context = {"form": form, "page": page, "rows": rows, "query": form.query()}
    return render(request, "samen/office/audit.html", context)


@office
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered entries as CSV, streamed; the export is itself an audit entry."""
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "page": None, "rows": [], "query": ""}
        return render(request, "samen/office/audit.html", context, status=400)
    qs = audit_log_service.filtered(form)
    entry = audit.record(
        request,
        "audit.export",
        after={"filters": audit_log_service.filters_for_audit(form), "entries": qs.count()},
    )
    lines = audit_log_service.csv_lines(qs.exclude(pk=entry.pk), translation.get_language() or "nl")
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{audit_log_service.export_name()}"'
    return response
