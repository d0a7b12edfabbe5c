"""Staff roles as Django groups with permissions.

* office admin (group ``office admin``, permission ``core.run_office``): everything in the
  office pages;
* school viewer (group ``school viewer``, permission ``core.see_own_school``): the applicants of
  the schools listed for the user in :class:`~samen.web.core.models.StaffSchool`, nothing else.
  A link names a school id *and a round*: a later round that reuses the id needs a link of its
  own (the office chooses the round), and rounds being prepared (drafts) are never shown.

Everybody else who signs in is a parent and sees only their own children.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

OFFICE_GROUP = "office admin"
SCHOOL_GROUP = "school viewer"
ROLE_GROUPS = {"office": OFFICE_GROUP, "school": SCHOOL_GROUP}
ROLE_PERMISSIONS = {OFFICE_GROUP: "run_office", SCHOOL_GROUP: "see_own_school"}


def is_office(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_perm("core.run_office"))


def is_school_viewer(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_perm("core.see_own_school"))


def school_links(user: Any) -> set[tuple[int, str]]:
    """The (round id, school id) pairs a school viewer is linked to (drafts included: the
    pages leave those out)."""
    if not is_school_viewer(user):
        return set()
    return set(user.staff_schools.values_list("round_id", "code"))


def may_see_school(user: Any, school: Any) -> bool:
    """Whether ``user`` may see the applicants of ``school``: a school viewer linked to this
    school id in this round, and the round is not a draft."""
    from samen.web.core.models import Round

    return school.round.status != Round.DRAFT and (school.round_id, school.code) in school_links(
        user
    )


def require_office(request: HttpRequest) -> None:
    """403 unless the request's user is an office admin whose session is confirmed with the
    second factor (:mod:`samen.web.core.second_factor`; the office pages lead an unconfirmed
    admin to the code page before they get here)."""
    if not is_office(request.user):
        raise PermissionDenied
    verified = getattr(request.user, "is_verified", None)
    if not (callable(verified) and verified()):
        raise PermissionDenied


def ensure_groups() -> dict[str, Group]:
    """Create the role groups with their permissions (idempotent)."""
    out: dict[str, Group] = {}
    for name, codename in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        perm = Permission.objects.get(codename=codename, content_type__app_label="core")
        group.permissions.add(perm)
        out[name] = group
    return out


def add_staff(email: str, role: str, schools: list[str] | None = None, round: Any = None) -> Any:
    """Create (or update) a staff account for ``email`` with ``role`` (office or school); a
    school viewer's ``schools`` are school ids of ``round`` (required with schools)."""
    from samen.web.core.models import StaffSchool
    from samen.web.core.signin import normalise_email, user_for_email

    if schools and round is None:
        raise ValueError("a school viewer's schools belong to a round: give the round")
    groups = ensure_groups()
    user = user_for_email(normalise_email(email))
    user.groups.add(groups[ROLE_GROUPS[role]])
    for code in schools or []:
        StaffSchool.objects.get_or_create(user=user, round=round, code=code)
    return get_user_model().objects.get(pk=user.pk)
