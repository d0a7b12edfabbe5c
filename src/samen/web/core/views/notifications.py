"""The office's view of the e-mail to families: how many of each kind are waiting, sent,
failed or not needed, the failed ones with the reason, and a button that sends them again
(audited). The sending itself: :mod:`samen.web.core.mailer`."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samen.web.core import audit, notifications
from samen.web.core.mailer import retry_minutes
from samen.web.core.models import Notification, Round
from samen.web.core.views.office import office


def _round(slug: str) -> Round | None:
    return get_object_or_404(Round, slug=slug) if slug else None


def _page_url(rnd: Round | None) -> str:
    url = reverse("office_notifications")
    return f"{url}?round={rnd.slug}" if rnd is not None else url


@office
def office_page(request: HttpRequest) -> HttpResponse:
    rnd = _round(request.GET.get("round", ""))
    qs = Notification.objects.all()
    if rnd is not None:
        qs = qs.filter(round=rnd)
    found = {
        (row["kind"], row["status"]): row["n"]
        for row in qs.values("kind", "status").annotate(n=Count("id")).order_by()
    }
    statuses = Notification.STATUSES
    counts = [
        {
            "label": label,
            "cells": [found.get((kind, status), 0) for status, _ in statuses],
            "total": sum(found.get((kind, status), 0) for status, _ in statuses),
        }
        for kind, label in Notification.KINDS
        if rnd is None or kind != Notification.SIGNIN  # sign-in codes belong to no round
    ]
    problems = (
        qs.filter(Q(status=Notification.FAILED) | Q(status=Notification.QUEUED, attempts__gt=0))
        .select_related("child", "round")
        .order_by("-id")
    )
    page = Paginator(problems, 50).get_page(request.GET.get("page"))
    retryable = qs.filter(status=Notification.FAILED).exclude(kind=Notification.SIGNIN).count()
    return render(
        request,
        "samen/office/notifications.html",
        {
            "round": rnd,
            "slug": rnd.slug if rnd else "",
            "statuses": [label for _, label in statuses],
            "counts": counts,
            "page": page,
            "retryable": retryable,
            "waits": ", ".join(f"{m:g}" for m in retry_minutes()),
            "signin": Notification.SIGNIN,
            "failed": Notification.FAILED,
        },
    )


@office
@require_POST
def retry(request: HttpRequest) -> HttpResponse:
    """Send failed e-mail again: all of the round (or of every round), or the one posted."""
    rnd = _round(request.POST.get("round", ""))
    raw = request.POST.get("id", "").strip()
    if raw and not raw.isdigit():
        messages.error(request, _("This e-mail does not exist."))
        return redirect(_page_url(rnd))
    n, ids = notifications.retry_failed(rnd, int(raw) if raw else None)
    if not n:
        messages.info(request, _("There is no failed e-mail to send again."))
        return redirect(_page_url(rnd))
    audit.record(
        request,
        "notifications.retry",
        round=rnd,
        target=f"{n} e-mail(s)",
        after={"count": n, "ids": ids},
    )
    messages.success(
        request, _("%(n)s e-mail(s) will be sent again in a moment, by the worker.") % {"n": n}
    )
    return redirect(_page_url(rnd))
