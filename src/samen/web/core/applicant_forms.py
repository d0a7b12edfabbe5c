"""The office's forms on an applicant's page: the home (an address of the list, or coordinates
with a reason) and a date of birth outside the round's range (with a reason)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from samen.web.core import homes
from samen.web.core.models import Child

REASON_HELP = _("Why, for the audit log (for example: new building, checked on the spot).")


class HomeAddressForm(forms.Form):
    """Link the home to an address of the list."""

    postcode = forms.CharField(label=_("Postcode"), max_length=12)
    house_number = forms.CharField(label=_("House number"), max_length=12)
    box = forms.CharField(label=_("Box"), max_length=12, required=False)

    def __init__(self, *args: Any, child: Child, **kwargs: Any):
        kwargs.setdefault("prefix", "home")
        super().__init__(*args, **kwargs)
        self.child = child
        self.address = None
        if not self.is_bound:
            self.fields["postcode"].initial = child.postcode
            self.fields["house_number"].initial = child.house_number
            self.fields["box"].initial = child.box

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("postcode") or not data.get("house_number"):
            return data
        found = homes.candidates(
            data["postcode"], data["house_number"], data.get("box", ""), self.child.round.distance
        )
        if not found:
            raise ValidationError(
                _(
                    "This address is not in the address list (with the coordinates this "
                    "round uses). Check it, import the newer address list, or set the "
                    "coordinates below with a reason."
                )
            )
        if len(found) > 1:
            raise ValidationError(
                _("Several addresses have this house number; give the box: %(boxes)s.")
                % {"boxes": ", ".join(a.box or str(_("none")) for a in found)}
            )
        self.address = found[0]
        return data


class HomeCoordinatesForm(forms.Form):
    """Type the home's coordinates (the round's kind), with a reason."""

    first = forms.FloatField()
    second = forms.FloatField()
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=REASON_HELP,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, child: Child, **kwargs: Any):
        kwargs.setdefault("prefix", "coords")
        super().__init__(*args, **kwargs)
        self.child = child
        euclid = child.round.distance == "euclidean"
        self.fields["first"].label = _("x (metres)") if euclid else _("latitude")
        self.fields["second"].label = _("y (metres)") if euclid else _("longitude")
        a, b = homes.coordinate_names(child.round.distance)
        if not self.is_bound:
            self.fields["first"].initial = getattr(child, a)
            self.fields["second"].initial = getattr(child, b)

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Give the reason."))
        return reason

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, second = data.get("first"), data.get("second")
        if first is not None and second is not None:
            try:
                homes.check_coordinates(self.child.round.distance, first, second)
            except homes.CoordinateError:
                raise ValidationError(
                    _(
                        "These numbers cannot be a place: latitude lies between -90 and 90, "
                        "longitude between -180 and 180."
                    )
                    if self.child.round.distance != "euclidean"
                    else _("These numbers cannot be a place; give x and y in metres.")
                ) from None
        return data


class _BirthDateReason:
    """A date of birth the office allows, with its reason: not in the future, reason given."""

    cleaned_data: dict[str, Any]

    def clean_birth_date(self) -> dt.date:
        d = self.cleaned_data["birth_date"]
        if d > dt.date.today():
            raise ValidationError(_("The date of birth cannot be in the future."))
        return d

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Give the reason."))
        return reason


class BirthDateForm(_BirthDateReason, forms.Form):
    """A date of birth the family's form would refuse, for one child, with a reason."""

    birth_date = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Why this child may apply with this date (for example: skips a year)."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, child: Child, **kwargs: Any):
        kwargs.setdefault("prefix", "born")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["birth_date"].initial = child.birth_date
            self.fields["reason"].initial = child.birth_date_reason


class BirthDateAllowanceForm(_BirthDateReason, forms.Form):
    """Allow a parent (by e-mail) to register a child born outside the round's range."""

    email = forms.EmailField(label=_("The parent's e-mail address"))
    birth_date = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Why this child may apply with this date (for example: skips a year)."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def forms_for(child: Child, data: Any = None, action: str = "") -> dict[str, forms.Form]:
    """The three forms of the applicant's page; the one of ``action`` bound to ``data``."""
    return {
        "home_form": HomeAddressForm(data if action == "home-address" else None, child=child),
        "coords_form": HomeCoordinatesForm(
            data if action == "home-coordinates" else None, child=child
        ),
        "born_form": BirthDateForm(data if action == "birth-date" else None, child=child),
    }
