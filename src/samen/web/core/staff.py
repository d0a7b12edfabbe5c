"""Staff management: who has which role, changing it and removing it.

A person has at most one staff role: office admin, or school viewer with links to school ids,
each in one round (:mod:`samen.web.core.roles`; a later round that reuses a school id needs a
link of its own). Everybody keeps their account: removing the role leaves a
parent's account (their children stay theirs).

Guard rails, so the office can never lock itself out:

* an office admin cannot take away their own office role (by removing it or changing it to
  school viewer): another office admin has to;
* the last office admin cannot lose the role. The office admins are counted under a lock on
  the role's group row, so two admins removing each other at the same moment cannot both
  succeed (on PostgreSQL; SQLite writes one transaction at a time anyway).

Taking a role away (removing it, or changing it to another role) ends the person's sessions
at once, on every server process: their password hash (never usable; nobody has a password)
is replaced, and Django signs out every session made with the old one at its next request.
Changing only a school viewer's schools (the links of one round at a time) keeps the sessions (the schools are read at every
request). Every change is written to the audit log with the role and schools before and
after; adding someone again undoes a removal, so removing asks for no confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from samen.web.core import audit
from samen.web.core.models import Round, School, StaffSchool
from samen.web.core.roles import OFFICE_GROUP, ROLE_GROUPS, ensure_groups
from samen.web.core.signin import normalise_email, user_for_email

#: the role codes, as the forms and the command line write them
OFFICE = "office"
SCHOOL = "school"


class StaffError(Exception):
    """A change the guard rails refuse; the message says why, in the active language."""


@dataclass(frozen=True)
class Member:
    """A person with a staff role, as the Staff page lists them."""

    user: Any
    role: str
    #: the school viewer's links (:class:`~samen.web.core.models.StaffSchool`, with their round)
    links: list[Any]
    #: an office admin has set up an authenticator app (the second factor)
    has_app: bool

    @property
    def schools(self) -> list[str]:
        return [link.code for link in self.links]

    def latest_round(self) -> Any:
        """The newest round of the links (the change form starts with its schools)."""
        return max((link.round for link in self.links), key=lambda r: r.pk, default=None)


def role_of(user: Any) -> str:
    """``office``, ``school`` or ``""`` (no staff role), from the person's groups."""
    names = {g.name for g in user.groups.all()}
    for role, group in ROLE_GROUPS.items():
        if group in names:
            return role
    return ""


def describe(user: Any) -> dict[str, Any]:
    """The person's role and schools (``ROUND-SLUG: ID``), as the audit log keeps them before
    and after."""
    role = role_of(user)
    links = user.staff_schools.select_related("round") if role == SCHOOL else []
    schools = sorted(f"{s.round.slug}: {s.code}" for s in links)
    return {"role": role or None, "schools": schools}


def members() -> list[Member]:
    """Everybody with a staff role, by e-mail address (three SQL statements in all)."""
    User = get_user_model()
    people = (
        User.objects.filter(groups__name__in=ROLE_GROUPS.values())
        .distinct()
        .order_by("email", "pk")
        .prefetch_related("groups", "staff_schools__round", "totpdevice_set")
    )
    out = []
    for user in people:
        role = role_of(user)
        links = sorted(user.staff_schools.all(), key=lambda s: (-s.round_id, s.code))
        has_app = any(d.confirmed for d in user.totpdevice_set.all())
        out.append(Member(user, role, links if role == SCHOOL else [], has_app))
    return out


def unknown_schools(codes: list[str], round: Round | None = None) -> list[str]:
    """The school ids that ``round`` (or no round) has: probably a typing mistake."""
    schools = School.objects.filter(code__in=codes)
    if round is not None:
        schools = schools.filter(round=round)
    known = set(schools.values_list("code", flat=True))
    return [c for c in codes if c not in known]


def end_sessions(user: Any) -> None:
    """Sign the person out everywhere: a new unusable password changes the hash that every
    session carries (Django checks it at each request), so no session needs to be found."""
    user.set_unusable_password()
    user.save(update_fields=["password"])


def _office_admins_locked() -> Any:
    """The office admins, after locking the role's group row for this transaction."""
    group = Group.objects.select_for_update().filter(name=OFFICE_GROUP).first()
    return get_user_model().objects.filter(groups=group, is_active=True) if group else None


def _guard_office_role(user: Any, by: Any) -> None:
    """Refuse when ``user`` would lose the office role but must keep it."""
    if by is not None and getattr(by, "pk", None) == user.pk:
        raise StaffError(
            _(
                "You cannot take away your own office role. Another office admin can do it, "
                "if that is what you want."
            )
        )
    admins = _office_admins_locked()
    if admins is None or not admins.exclude(pk=user.pk).exists():
        raise StaffError(
            _(
                "%(email)s is the last office admin. Give someone else the office role first, "
                "so that somebody can still run the office."
            )
            % {"email": user.email}
        )


@transaction.atomic
def set_role(
    request: HttpRequest | None,
    email: str,
    role: str,
    schools: list[str] | None = None,
    *,
    round: Round | None = None,
    by: Any = None,
    note: str = "",
) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """Give the person with ``email`` the role ``office`` or ``school`` (with exactly
    ``schools`` in ``round``; their links in other rounds stay), replacing any other staff
    role; makes the account if there is none. Audited
    as ``staff.add`` (no role before) or ``staff.change``; nothing is written when nothing
    changes. Returns the person and their role before and after."""
    if role not in ROLE_GROUPS:
        raise StaffError(_("Choose office admin or school viewer."))
    groups = ensure_groups()
    user = user_for_email(normalise_email(email))
    before = describe(user)
    if before["role"] == OFFICE and role != OFFICE:
        _guard_office_role(user, by)
    for other, name in ROLE_GROUPS.items():
        if other != role:
            user.groups.remove(groups[name])
    user.groups.add(groups[ROLE_GROUPS[role]])
    wanted = sorted(dict.fromkeys(schools or [])) if role == SCHOOL else []
    if wanted and round is None:
        raise StaffError(_("Choose the round these school ids are for."))
    if role != SCHOOL:
        StaffSchool.objects.filter(user=user).delete()
    elif round is not None:
        StaffSchool.objects.filter(user=user, round=round).exclude(code__in=wanted).delete()
        for code in wanted:
            StaffSchool.objects.get_or_create(user=user, round=round, code=code)
    user = get_user_model().objects.get(pk=user.pk)  # fresh caches of groups and schools
    after = describe(user)
    if after == before:
        return user, before, after
    if before["role"] and before["role"] != after["role"]:
        end_sessions(user)
    data = {**after, "by": note} if note else after
    if before["role"]:
        audit.record(
            request,
            "staff.change",
            round=round,
            target=user.email,
            before=before,
            after=data,
            actor=by,
        )
    else:
        audit.record(
            request,
            "staff.add",
            round=round,
            target=user.email,
            before=before,
            after=data,
            actor=by,
        )
    return user, before, after


@transaction.atomic
def remove(request: HttpRequest | None, user: Any, *, by: Any = None, note: str = "") -> Any:
    """Take the person's staff role away (they keep their account, as a parent's) and end
    their sessions. Audited as ``staff.remove``. Returns their role before."""
    before = describe(user)
    if not before["role"]:
        raise StaffError(_("%(email)s has no staff role.") % {"email": user.email})
    if before["role"] == OFFICE:
        _guard_office_role(user, by)
    user.groups.remove(*Group.objects.filter(name__in=ROLE_GROUPS.values()))
    StaffSchool.objects.filter(user=user).delete()
    end_sessions(user)
    after: dict[str, Any] = {"role": None, "schools": []}
    if note:
        after["by"] = note
    audit.record(request, "staff.remove", target=user.email, before=before, after=after, actor=by)
    return before


def find(email: str) -> Any:
    """The account for ``email``, or None."""
    return get_user_model().objects.filter(username=normalise_email(email)).first()
