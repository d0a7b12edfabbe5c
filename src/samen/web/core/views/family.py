"""Pages for families: rounds and schools, children, their lists, pledge groups, results.

A parent only ever reaches their own children: every child is looked up together with
``parent=request.user``, so another family's child is a 404.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samen.web.core import explain, family, geo, lifecycle
from samen.web.core.allocation import current_placements
from samen.web.core.chances import admission_chances
from samen.web.core.forms import AddSchoolForm, ChildForm, PledgeGroupForm
from samen.web.core.models import Child, Placement, PledgeGroup, Round, School


def _visible_rounds() -> list[Round]:
    return list(Round.objects.exclude(status__in=[Round.DRAFT, Round.ARCHIVED]))


def _my_child(request: HttpRequest, pk: int) -> Child:
    return get_object_or_404(
        Child.objects.select_related("round", "pledge_group"), pk=pk, parent=request.user
    )


def _require_open(request: HttpRequest, child: Child) -> bool:
    if lifecycle.families_may_change(child.round):
        return True
    _closed(request)
    return False


def _refusal_to_message(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A family's change the round refuses meanwhile (the registration closed between the
    page and the change, :func:`samen.web.core.lifecycle.require_family_change`) becomes the
    message on the child's page (or the home page), not an error page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except lifecycle.LifecycleError as exc:
            messages.error(request, exc.message)
            if "pk" in kwargs:
                return redirect("child", pk=kwargs["pk"])
            return redirect("home")

    return wrapped


def _closed(request: HttpRequest) -> None:
    messages.error(request, _("Registration is closed: the list can no longer be changed."))


def home(request: HttpRequest) -> HttpResponse:
    rounds = _visible_rounds()
    children = []
    if request.user.is_authenticated:
        children = list(
            Child.objects.filter(parent=request.user).select_related("round", "pledge_group")
        )
    return render(request, "samen/family/home.html", {"rounds": rounds, "children": children})


def round_page(request: HttpRequest, slug: str) -> HttpResponse:
    rnd = get_object_or_404(Round.objects.exclude(status=Round.DRAFT), slug=slug)
    schools = list(rnd.schools.all())
    mine = []
    if request.user.is_authenticated:
        mine = list(rnd.children.filter(parent=request.user))
    return render(
        request,
        "samen/family/round.html",
        {"round": rnd, "schools": schools, "mine": mine},
    )


def school_page(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    rnd = get_object_or_404(Round.objects.exclude(status=Round.DRAFT), slug=slug)
    school = get_object_or_404(School, round=rnd, code=code)
    distances = []
    if request.user.is_authenticated:
        for child in rnd.children.filter(parent=request.user):
            d = geo.distance_between(rnd.distance, child, school)
            distances.append({"child": child, "distance": geo.readable(d)})
    pools = list(school.pools.all())
    return render(
        request,
        "samen/family/school.html",
        {"round": rnd, "school": school, "distances": distances, "pools": pools},
    )


def draw_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The public draw: the fingerprint, the seed once revealed and how to check it, and every
    fingerprint the round ever published (replaced ones, voided draws with their seed)."""
    rnd = get_object_or_404(Round.objects.exclude(status=Round.DRAFT), slug=slug)
    return render(
        request,
        "samen/family/draw.html",
        {
            "round": rnd,
            "command": lifecycle.check_command(rnd.seed) if rnd.seed else "",
            "history": lifecycle.history(rnd),
        },
    )


@login_required
@_refusal_to_message
def child_new(request: HttpRequest, slug: str) -> HttpResponse:
    rnd = get_object_or_404(Round, slug=slug)
    if not lifecycle.families_may_change(rnd):
        messages.error(request, _("Registration for this round is not open."))
        return redirect("round", slug=slug)
    form = ChildForm(request.POST or None, round=rnd)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            lifecycle.require_family_change(rnd.pk)
            child = form.save(commit=False)
            child.parent = request.user
            child.seq = family.next_seq(rnd)
            child.save()
        messages.success(
            request, _("%(name)s is registered. Now choose schools.") % {"name": child.first_name}
        )
        return redirect("child", pk=child.pk)
    return render(request, "samen/family/child_form.html", {"form": form, "round": rnd})


@login_required
@_refusal_to_message
def child_edit(request: HttpRequest, pk: int) -> HttpResponse:
    child = _my_child(request, pk)
    if not _require_open(request, child):
        return redirect("child", pk=pk)
    form = ChildForm(request.POST or None, instance=child, round=child.round)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            lifecycle.require_family_change(child.round_id)
            form.save()
        messages.success(request, _("Saved."))
        return redirect("child", pk=pk)
    return render(
        request,
        "samen/family/child_form.html",
        {"form": form, "round": child.round, "child": child},
    )


def _schools_with_distance(child: Child) -> list[dict[str, object]]:
    rnd = child.round
    rows = []
    for c in child.choices.select_related("school").order_by("rank"):
        d = geo.distance_between(rnd.distance, child, c.school)
        rows.append({"choice": c, "school": c.school, "distance": geo.readable(d)})
    return rows


def _current(child: Child) -> Placement | None:
    if child.round.status not in (Round.PUBLISHED, Round.ARCHIVED):
        return None
    return current_placements(child.round).get(child.pk)


@login_required
def child_detail(request: HttpRequest, pk: int) -> HttpResponse:
    child = _my_child(request, pk)
    rnd = child.round
    placement = _current(child)
    group = child.pledge_group
    context = {
        "child": child,
        "round": rnd,
        "rows": _schools_with_distance(child),
        "add_form": AddSchoolForm(child=child),
        "editable": lifecycle.families_may_change(rnd),
        "group": group,
        "group_count": group.member_count() if group else 0,
        "placement": placement,
        "why": explain.why(placement) if placement else [],
        "lottery": explain.lottery_check(placement) if placement else None,
        "can_answer": bool(
            placement
            and placement.school_id
            and rnd.answers_are_open()
            and placement.response == Placement.PENDING
        ),
        "chances": admission_chances(child),
        "can_delete": family.can_delete(child),
        "invite_url": request.build_absolute_uri(f"/pledge/{group.token}/") if group else "",
    }
    return render(request, "samen/family/child.html", context)


@login_required
@require_POST
def child_delete(request: HttpRequest, pk: int) -> HttpResponse:
    child = _my_child(request, pk)
    if not family.can_delete(child):
        messages.error(request, _("Registration is closed; ask the admission office."))
        return redirect("child", pk=pk)
    name = child.first_name
    with transaction.atomic():
        child.round = Round.objects.select_for_update().get(pk=child.round_id)
        if not family.can_delete(child):  # the draw was held meanwhile
            messages.error(request, _("Registration is closed; ask the admission office."))
            return redirect("child", pk=pk)
        child.delete()
    messages.success(request, _("All data of %(name)s has been deleted.") % {"name": name})
    return redirect("home")


@login_required
@require_POST
@_refusal_to_message
def choice_add(request: HttpRequest, pk: int) -> HttpResponse:
    child = _my_child(request, pk)
    if _require_open(request, child):
        form = AddSchoolForm(request.POST, child=child)
        if form.is_valid():
            family.add(child, form.cleaned_data["school"])
    return redirect("child", pk=pk)


def _posted_school(request: HttpRequest, child: Child) -> School:
    return get_object_or_404(School, round=child.round, code=request.POST.get("school", ""))


@login_required
@require_POST
@_refusal_to_message
def choice_move(request: HttpRequest, pk: int) -> HttpResponse:
    child = _my_child(request, pk)
    if _require_open(request, child):
        school = _posted_school(request, child)
        group = child.pledge_group
        if group is not None and group.target_id == school.pk:
            messages.info(request, _("The school of your pledge group stays first."))
        else:
            delta = -1 if request.POST.get("direction") == "up" else 1
            family.move(child, school, delta)
            if group is not None and family.school_ids(child)[0] != group.target_id:
                family.move(child, group.target, -1000)
    return redirect("child", pk=pk)


@login_required
@require_POST
@_refusal_to_message
def choice_remove(request: HttpRequest, pk: int) -> HttpResponse:
    child = _my_child(request, pk)
    if _require_open(request, child) and family.remove(child, _posted_school(request, child)):
        messages.info(request, _("You left the pledge group, because its school is off the list."))
    return redirect("child", pk=pk)


@login_required
@require_POST
def choice_order(request: HttpRequest, pk: int) -> HttpResponse:
    """A new order of the whole list (the drag-and-drop of rank.js). The busiest request of
    the platform, so it reads the child, its round and list in one statement and writes the
    new ranks in one (``family.set_order``), with the same checks as every list action."""
    codes = [c for c in request.POST.get("order", "").split(",") if c]
    outcome = family.set_order(request.user.pk, pk, codes)
    if outcome == family.NOT_FOUND:
        raise Http404
    if outcome == family.CLOSED:
        _closed(request)
    elif outcome == family.CHANGED:
        messages.error(request, _("The list changed meanwhile; please try again."))
    return redirect("child", pk=pk)


@login_required
@_refusal_to_message
def pledge_new(request: HttpRequest, pk: int) -> HttpResponse:
    child = _my_child(request, pk)
    if not _require_open(request, child):
        return redirect("child", pk=pk)
    form = PledgeGroupForm(request.POST or None, round=child.round)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            group = form.save(commit=False)
            group.round = child.round
            group.created_by = request.user
            group.group_id = family.new_group_id(child.round, group.name)
            group.save()
            family.join(child, group)
        messages.success(
            request, _("The group is made. Send the invitation link to other families.")
        )
        return redirect("child", pk=pk)
    return render(request, "samen/family/pledge_new.html", {"form": form, "child": child})


@_refusal_to_message
def pledge_invite(request: HttpRequest, token: str) -> HttpResponse:
    group = get_object_or_404(PledgeGroup.objects.select_related("round", "target"), token=token)
    rnd = group.round
    if rnd.status == Round.DRAFT:
        raise Http404
    children = []
    if request.user.is_authenticated:
        children = list(rnd.children.filter(parent=request.user))
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/signin/?next=/pledge/{token}/")
        child = get_object_or_404(
            Child, pk=request.POST.get("child", 0), parent=request.user, round=rnd
        )
        if _require_open(request, child):
            family.join(child, group)
            messages.success(
                request,
                _("%(name)s joined the group; %(school)s is now first on the list.")
                % {"name": child.first_name, "school": group.target.display_name},
            )
            return redirect("child", pk=child.pk)
    count = group.member_count()
    return render(
        request,
        "samen/family/pledge_invite.html",
        {
            "group": group,
            "round": rnd,
            "count": count,
            "reached": count >= group.threshold,
            "children": children,
            "open": lifecycle.families_may_change(rnd),
        },
    )


@login_required
@require_POST
@_refusal_to_message
def pledge_leave(request: HttpRequest, pk: int) -> HttpResponse:
    child = _my_child(request, pk)
    if _require_open(request, child) and child.pledge_group is not None:
        family.leave(child)
        messages.success(
            request,
            _("You left the group. The school stays on the list as an ordinary choice."),
        )
    return redirect("child", pk=pk)


@login_required
@require_POST
def respond(request: HttpRequest, pk: int) -> HttpResponse:
    child = _my_child(request, pk)
    placement = _current(child)
    answer = request.POST.get("answer")
    if (
        placement is None
        or placement.school_id is None
        or answer not in ("accept", "decline")
        or not child.round.answers_are_open()
    ):
        messages.error(request, _("You can no longer answer this offer."))
        return redirect("child", pk=pk)
    if placement.response != Placement.PENDING:
        messages.info(request, _("You already answered."))
        return redirect("child", pk=pk)
    placement.response = Placement.ACCEPTED if answer == "accept" else Placement.DECLINED
    placement.responded_at = timezone.now()
    placement.save(update_fields=["response", "responded_at"])
    if answer == "accept":
        messages.success(
            request,
            _("You accepted the seat. Welcome at %(school)s!")
            % {"school": placement.school.display_name if placement.school else ""},
        )
    else:
        messages.success(request, _("You declined the seat. It goes to another child."))
    return redirect("child", pk=pk)


@login_required
def account(request: HttpRequest) -> HttpResponse:
    children = list(Child.objects.filter(parent=request.user).select_related("round"))
    deletable = all(family.can_delete(c) for c in children)
    return render(
        request, "samen/family/account.html", {"children": children, "deletable": deletable}
    )


@login_required
def account_export(request: HttpRequest) -> HttpResponse:
    data = family.export_data(request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="samen-my-data.json"'
    return response


@login_required
@require_POST
def account_delete(request: HttpRequest) -> HttpResponse:
    user = request.user
    children = list(Child.objects.filter(parent=user).select_related("round"))
    if not all(family.can_delete(c) for c in children) or user.groups.exists():
        messages.error(request, _("Your account cannot be deleted now; ask the admission office."))
        return redirect("account")
    logout(request)
    user.delete()
    messages.success(request, _("Your account and all its data have been deleted."))
    return redirect("home")
