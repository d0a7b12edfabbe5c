"""Pages for school viewers: the applicants of their own school(s), nothing else: a school
is shown only in the rounds it is linked to for the viewer, and never while the round is being
prepared (:func:`samen.web.core.roles.may_see_school`).

Before the results are published a school sees pseudonymous ids, the place of the school on
each list and priority groups there; after publication also the names of the children placed
at the school and their families' answers.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from samen.web.core import positions, staff_sessions
from samen.web.core.allocation import current_placements
from samen.web.core.models import Choice, Priority, Round, School
from samen.web.core.roles import is_school_viewer, may_see_school, school_links


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if not is_school_viewer(request.user):
        raise PermissionDenied
    staff_sessions.ensure(request)
    links = Q(pk__in=[])
    for round_id, code in school_links(request.user):
        links |= Q(round_id=round_id, code=code)
    schools = (
        School.objects.filter(links).select_related("round").exclude(round__status=Round.DRAFT)
    )
    return render(request, "samen/school/home.html", {"schools": schools})


@login_required
def applicants(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    if not is_school_viewer(request.user):
        raise PermissionDenied
    school = School.objects.select_related("round").filter(round__slug=slug, code=code).first()
    if school is None or not may_see_school(request.user, school):
        raise PermissionDenied  # the same answer whether the school exists or not
    staff_sessions.ensure(request)
    rnd = school.round
    published = rnd.status in (Round.PUBLISHED, Round.ARCHIVED)
    placements = current_placements(rnd) if published else {}
    prios: dict[int, list[str]] = {}
    for child_id, group in Priority.objects.filter(school=school).values_list("child_id", "group"):
        prios.setdefault(child_id, []).append(group)
    rows = []
    for choice in (
        Choice.objects.filter(school=school).select_related("child").order_by("rank", "child__seq")
    ):
        child = choice.child
        p = placements.get(child.pk)
        placed_here = p is not None and p.school_id == school.pk
        rows.append(
            {
                "id": child.public_id,
                "rank": choice.rank,
                "priorities": prios.get(child.pk, []),
                "placed": placed_here,
                "name": child.display_name if placed_here else "",
                "response": p.get_response_display() if placed_here and p else "",
            }
        )
    run = rnd.latest_published_run() if published else None
    return render(
        request,
        "samen/school/applicants.html",
        {
            "school": school,
            "round": rnd,
            "rows": rows,
            "published": published,
            "run": run,
            "waiting": positions.school_lists(run, school) if run else [],
        },
    )
