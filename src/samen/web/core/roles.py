"""Staff roles as Django groups with permissions.

* office admin (group ``office admin``, permission ``core.run_office``): everything in the
  office pages;
* school viewer (group ``school viewer``, permission ``core.see_own_school``): the applicants of
  the schools listed for the user in :class:`~samen.web.core.models.StaffSchool`, nothing else.

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


def school_codes(user: Any) -> set[str]:
    """The school ids a school viewer may see."""
    if not is_school_viewer(user):
        return set()
    return set(user.staff_schools.values_list("code", flat=True))


def require_office(request: HttpRequest) -> None:
    if not is_office(request.user):
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


def add_staff(email: str, role: str, schools: list[str] | None = None) -> Any:
    """Create (or update) a staff account for ``email`` with ``role`` (office or school)."""
    from samen.web.core.models import StaffSchool
    from samen.web.core.signin import normalise_email, user_for_email

    groups = ensure_groups()
    user = user_for_email(normalise_email(email))
    user.groups.add(groups[ROLE_GROUPS[role]])
    for code in schools or []:
        StaffSchool.objects.get_or_create(user=user, code=code)
    return get_user_model().objects.get(pk=user.pk)
