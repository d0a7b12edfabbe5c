"""Pages for families: rounds and schools, children, their lists, pledge groups, results.

A parent only ever reaches their own children: every child is looked up together with
``parent=request.user``, so another family's child is a 404.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from samen.web.core import explain, family, geo, lifecycle, positions, published, timeline
from samen.web.core.allocation import current_placements
from samen.web.core.blocks import others as applying_with
from samen.web.core.chances import admission_chances
from samen.web.core.confirm import YES, confirmed, declining, deleting_account, deleting_child
from samen.web.core.forms import AddSchoolForm, ChildForm, PledgeGroupForm
from samen.web.core.homes import distance_to
from samen.web.core.models import Child, Placement, PledgeGroup, Round, School
from samen.web.core.params import MAX_ID, id_param


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
        {
            "round": rnd,
            "schools": schools,
            "mine": mine,
            "steps": timeline.round_timeline(rnd),
            "has_results": published.public_round(rnd),
        },
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
            "has_results": published.public_round(rnd),
        },
    )


@login_required
@_refusal_to_message
def child_new(request: HttpRequest, slug: str) -> HttpResponse:
    rnd = get_object_or_404(Round, slug=slug)
    if not lifecycle.families_may_change(rnd):
        messages.error(request, _("Registration for this round is not open."))
        return redirect("round", slug=slug)
    form = ChildForm(request.POST or None, round=rnd, parent=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            lifecycle.require_family_change(rnd.pk)
            child = form.save(commit=False)
            child.parent = request.user
            child.seq = family.next_seq(rnd)
            child.save()
            form.after_save(child)
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
            form.after_save(child)
        messages.success(request, _("Saved."))
        return redirect("child", pk=pk)
    return render(
        request,
        "samen/family/child_form.html",
        {"form": form, "round": child.round, "child": child},
    )


def _schools_with_distance(child: Child) -> list[dict[str, Any]]:
    rnd = child.round
    rows = []
    for c in child.choices.select_related("school").order_by("rank"):
        d = distance_to(child, c.school, rnd.distance)
        rows.append({"choice": c, "school": c.school, "distance": geo.readable(d)})
    return rows


def _moved_text(rows: list[dict[str, Any]], code: str) -> str:
    """Where the school just moved up or down is now (said after the page loads)."""
    for k, row in enumerate(rows, start=1):
        if row["school"].code == code:
            return _("%(school)s is now choice %(n)s of %(total)s") % {
                "school": row["school"].display_name,
                "n": k,
                "total": len(rows),
            }
    return ""


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
    rows = _schools_with_distance(child)
    context = {
        "child": child,
        "round": rnd,
        "rows": rows,
        "add_form": AddSchoolForm(child=child),
        "editable": lifecycle.families_may_change(rnd),
        "group": group,
        "group_count": group.member_count() if group else 0,
        "placement": placement,
        "why": explain.why(placement) if placement else [],
        "waiting": positions.for_family(placement),
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
        "together": applying_with(child),
        "moved": _moved_text(rows, request.GET.get("moved", "")),
    }
    return render(request, "samen/family/child.html", context)


def _confirm_page(
    request: HttpRequest,
    *,
    title: str,
    consequences: list[str],
    action: str,
    button: str,
    back: str,
    fields: dict[str, str] | None = None,
) -> HttpResponse:
    """The second step of an action that cannot be undone: what it does, and a button that
    posts it with ``confirm=yes``."""
    return render(
        request,
        "samen/family/confirm.html",
        {
            "title": title,
            "consequences": consequences,
            "action": action,
            "button": button,
            "back": back,
            "fields": fields or {},
            "yes": YES,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def child_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what deleting the child means; POST with ``confirm=yes``: delete it."""
    child = _my_child(request, pk)
    if not family.can_delete(child):
        messages.error(request, _("Registration is closed; ask the admission office."))
        return redirect("child", pk=pk)
    name = child.first_name
    if not confirmed(request):
        return _confirm_page(
            request,
            title=_("Delete all data of %(name)s?") % {"name": name},
            consequences=deleting_child(child),
            action=reverse("child_delete", args=[pk]),
            button=_("Yes, delete all data of %(name)s") % {"name": name},
            back=reverse("child", args=[pk]),
        )
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
            # back at the list, which says where the school is now
            return redirect(f"{reverse('child', args=[pk])}?moved={quote(school.code)}#ranking")
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
    if pk > MAX_ID:  # plain SQL below: a number no id column holds is no child
        raise Http404
    outcome = family.set_order(request.user.pk, pk, codes)
    if outcome == family.NOT_FOUND:
        raise Http404
    if outcome == family.CLOSED:
        _closed(request)
    elif outcome == family.CHANGED:
        messages.error(request, _("The list changed meanwhile; please try again."))
    if request.headers.get("X-Samen-Fetch") == "1":
        # rank.js saving a keyboard move in place: no page, the status says it all (after a
        # refusal it reloads the page, which shows the message)
        return HttpResponse(status=204 if outcome == family.ORDERED else 409)
    return redirect("child", pk=pk)


@login_required
@_refusal_to_message
def pledge_new(request: HttpRequest, pk: int) -> HttpResponse:
    child = _my_child(request, pk)
    if not _require_open(request, child):
        return redirect("child", pk=pk)
    form = PledgeGroupForm(request.POST or None, round=child.round, child=child)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            group = form.save(commit=False)
            group.round = child.round
            group.created_by = request.user
            group.group_id = family.new_group_id(child.round)
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
            Child, pk=id_param(request.POST.get("child")), parent=request.user, round=rnd
        )
        if _require_open(request, child):
            joined = family.join(child, group)
            school = group.target.display_name
            if len(joined) > 1:  # children applying together pledge together
                text = _(
                    "%(names)s apply together, so they joined the group together; %(school)s "
                    "is now first on their list."
                ) % {"names": ", ".join(m.first_name for m in joined), "school": school}
            else:
                text = _("%(name)s joined the group; %(school)s is now first on the list.") % {
                    "name": child.first_name,
                    "school": school,
                }
            messages.success(request, text)
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
        left = family.leave(child)
        if len(left) > 1:
            messages.success(
                request,
                _(
                    "%(names)s apply together, so they left the group together. The school "
                    "stays on their list as an ordinary choice."
                )
                % {"names": ", ".join(m.first_name for m in left)},
            )
        else:
            messages.success(
                request,
                _("You left the group. The school stays on the list as an ordinary choice."),
            )
    return redirect("child", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept (one tap) or decline the offer. Declining takes a second step: GET (or a POST
    without ``confirm=yes``) shows what it means; only the confirmed POST declines."""
    child = _my_child(request, pk)
    placement = _current(child)
    answer = request.POST.get("answer") if request.method == "POST" else "decline"
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
    if answer == "decline" and not confirmed(request):
        school = placement.school.display_name if placement.school else ""
        return _confirm_page(
            request,
            title=_("Decline the seat at %(school)s?") % {"school": school},
            consequences=declining(child, placement),
            action=reverse("respond", args=[pk]),
            button=_("Yes, decline the seat"),
            back=reverse("child", args=[pk]),
            fields={"answer": "decline"},
        )
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
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    """GET: what deleting the account means; POST with ``confirm=yes``: delete it."""
    user = request.user
    children = list(Child.objects.filter(parent=user).select_related("round", "pledge_group"))
    if not all(family.can_delete(c) for c in children) or user.groups.exists():
        messages.error(request, _("Your account cannot be deleted now; ask the admission office."))
        return redirect("account")
    if not confirmed(request):
        return _confirm_page(
            request,
            title=_("Delete your account and all its data?"),
            consequences=deleting_account(user, children),
            action=reverse("account_delete"),
            button=_("Yes, delete my account and all its data"),
            back=reverse("account"),
        )
    logout(request)
    user.delete()
    messages.success(request, _("Your account and all its data have been deleted."))
    return redirect("home")
