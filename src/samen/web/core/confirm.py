"""What a family loses by an action that cannot be undone, in plain words.

Declining a seat, deleting a child and deleting an account each take a second step: a page
that names the consequences (these sentences) and a button that posts the action with
``confirm=yes``. Without it the action shows that page and changes nothing; a GET never changes
anything. Accepting a seat stays one tap.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samen.web.core import blocks
from samen.web.core.models import Child, Placement

#: the value of the ``confirm`` field that carries out the action
YES = "yes"


def confirmed(request: Any) -> bool:
    return request.method == "POST" and request.POST.get("confirm") == YES


def _names(children: list[Child]) -> str:
    return ", ".join(c.first_name or c.public_id for c in children)


def declining(child: Child, placement: Placement) -> list[str]:
    """Declining the seat ``placement`` offers the child."""
    school = placement.school.display_name if placement.school else ""
    out = [
        _("The seat at %(school)s goes to another child. You cannot take it back.")
        % {"school": school},
        _(
            "%(name)s then has no school offer, and is no longer on the waiting lists of the "
            "schools higher on the list: no seat can come free for %(name)s later."
        )
        % {"name": child.first_name or child.public_id},
    ]
    together = blocks.others(child)
    if together:
        out.append(
            _(
                "The offer for %(names)s, who applied together with %(name)s, stays as it is: "
                "answer it on that child's own page."
            )
            % {"names": _names(together), "name": child.first_name or child.public_id}
        )
    return out


def deleting_child(child: Child) -> list[str]:
    """Deleting the child's data."""
    name = child.first_name or child.public_id
    n = child.choices.count()
    out = [
        ngettext(
            "All data of %(name)s is deleted: the details, the address, the answers and the "
            "list of %(n)s school.",
            "All data of %(name)s is deleted: the details, the address, the answers and the "
            "list of %(n)s schools.",
            n,
        )
        % {"name": name, "n": n}
    ]
    if child.pledge_group is not None:
        out.append(
            _("%(name)s leaves the pledge group “%(group)s”: the group counts one child less.")
            % {"name": name, "group": child.pledge_group.name}
        )
    together = blocks.others(child)
    if together:
        out.append(_("The list stays the same for %(names)s.") % {"names": _names(together)})
    out.append(
        _(
            "You cannot undo this. To apply for %(name)s again, you register %(name)s again "
            "before the registration closes."
        )
        % {"name": name}
    )
    return out


def deleting_account(user: Any, children: list[Child]) -> list[str]:
    """Deleting the parent's account with all its children."""
    out = [_("Your account (%(email)s) is deleted.") % {"email": user.email}]
    if children:
        out.append(
            _(
                "The data of %(names)s is deleted with it: details, addresses, answers and "
                "lists of schools. They no longer apply for a school."
            )
            % {"names": _names(children)}
        )
    if any(c.pledge_group_id for c in children):
        out.append(_("They leave their pledge groups: the groups count fewer children."))
    out.append(_("You cannot undo this. You are signed out at once."))
    return out
