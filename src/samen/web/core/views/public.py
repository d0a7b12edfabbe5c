"""Public pages of a round that anyone may read: a school, the map of the schools, and the
published results with their download. A draft round is a 404 on every one of them."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from samen.web.core import cutoffs, geo, languages, maps, pool_words, published
from samen.web.core.homes import distance_to
from samen.web.core.models import AllocationRun, Round, School
from samen.web.core.run_names import number_from_stem


def _public_round(slug: str) -> Round:
    return get_object_or_404(Round.objects.exclude(status=Round.DRAFT), slug=slug)


@require_safe
def school_page(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """The school: address, description, languages, seat pools in words, last round's
    cut-offs, and for a signed-in parent the distance from each child's home."""
    rnd = _public_round(slug)
    school = get_object_or_404(School.objects.select_related("round"), round=rnd, code=code)
    distances = []
    if request.user.is_authenticated:
        for child in rnd.children.filter(parent=request.user):
            d = distance_to(child, school, rnd.distance)
            distances.append({"child": child, "distance": geo.readable(d)})
    last = cutoffs.last_published(school)
    context = {
        "round": rnd,
        "school": school,
        "distances": distances,
        "pools": cutoffs.school_pools(school),
        # whom the school admits (rules section 10.5), in words
        "admits": pool_words.admits(school.admits, cutoffs.flag_texts(rnd)),
        "priority_groups": list(rnd.priority_groups),
        "teaching": languages.languages(school.teaching_languages or []),
        "office_languages": languages.languages(school.office_languages or []),
        "last": last,
        "last_is_this_round": last is not None and last.run.round_id == rnd.pk,
        "has_waiting_lists": last is not None
        and last.run.round.runs.filter(status=AllocationRun.PUBLISHED, number__gt=0).exists(),
    }
    return render(request, "samen/family/school.html", context)


@require_safe
def map_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The schools as a list with addresses and links; the map (map.js) only adds to it."""
    rnd = _public_round(slug)
    schools = maps.schools_of(rnd)
    found = maps.tiles()
    response = render(
        request,
        "samen/public/map.html",
        {
            "round": rnd,
            "schools": schools,
            "kind": maps.kind(schools),
            "tiles": found,
            "unplaced": maps.unplaced(schools),
        },
    )
    response["Content-Security-Policy"] = maps.csp(found if maps.kind(schools) == "geo" else None)
    return response


@require_safe
def map_json(request: HttpRequest, slug: str) -> JsonResponse:
    rnd = _public_round(slug)
    return JsonResponse(maps.map_data(rnd), json_dumps_params={"ensure_ascii": False})


@require_safe
def results_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The published results: per published run, newest first, the cut-offs per school and
    pool, the download and how to check it; 404 before the first publication."""
    rnd = _public_round(slug)
    if not published.public_round(rnd):
        raise Http404("no published results")
    sort = request.GET.get("sort", "name")
    if sort not in cutoffs.SORT_KEYS:
        sort = "name"
    return render(
        request,
        "samen/public/results.html",
        {"round": rnd, "sections": published.sections(rnd, sort), "sort": sort},
    )


@require_safe
def results_download(request: HttpRequest, slug: str, stem: str) -> HttpResponse:
    """A published run's round folder and results as one zip (the office's download), at
    ``allocation.zip`` or ``waiting-list-N.zip``."""
    rnd = _public_round(slug)
    number = number_from_stem(stem)
    if number is None:
        raise Http404("no such run")
    run = (
        AllocationRun.objects.select_related("round")
        .filter(round=rnd, number=number, status=AllocationRun.PUBLISHED)
        .order_by("-pk")
        .first()
    )
    if run is None:
        raise Http404("no such published run")
    response = HttpResponse(published.published_zip(run), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{published.zip_name(run)}"'
    return response
