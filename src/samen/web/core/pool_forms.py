"""The seat-pool editor of a school: one form per pool and the checks across a school's pools.

The checks are those of ``seats.csv`` (docs/allocation-rules.md, section 4, and
:mod:`samen.io.round`), made here so that the office sees a mistake next to the field at once
instead of as a failed allocation later:

* a pool has a name, unique within the school;
* a pool gives its seats (a whole number, 0 or more) or its share (a fraction from 0 to 1,
  written ``0.3`` or ``3/10``), not both and not neither;
* ``favours`` is a flag expression (section 10.1): empty, a flag of one of the round's
  questions, ``not:`` and such a flag, or several such terms joined by ``|``;
* ``order_by`` is one criterion or several joined by ``,`` (section 10.2): ``lottery``,
  ``distance``, ``rank`` or ``value:`` and one of the round's numbers;
* all pools of a school give seats, or all give shares; seats add up to the school's seats
  and shares to exactly 1.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samen.io.cells import parse_fraction
from samen.web.core import rules_v2
from samen.web.core.formulas import no_formula
from samen.web.core.models import Pool, School


def parse_share(text: str) -> Fraction | None:
    """A share as written by a person: ``0.3``, ``0,3`` or ``3/10``; None if it is none (the
    round reader's rule, :func:`samen.io.cells.parse_fraction`)."""
    return parse_fraction(text)


def _fraction_text(f: Fraction) -> str:
    decimal = float(f)
    return f"{decimal:g}" if Fraction(repr(decimal)) == f else f"{f.numerator}/{f.denominator}"


class PoolForm(forms.ModelForm):
    """One seat pool, with labels and hints in words and an error per field."""

    order_by = forms.CharField(
        label=gettext_lazy("Order"),
        max_length=300,
        help_text=gettext_lazy(
            "lottery, distance, rank (the place of the school on the child's list) or "
            "value:number (one of the round's numbers, smallest first); several joined by "
            "commas are applied left to right, like rank,distance."
        ),
    )

    class Meta:
        model = Pool
        fields = ["name", "seats", "share", "favours", "order_by"]
        labels = {
            "name": gettext_lazy("Name"),
            "seats": gettext_lazy("Seats"),
            "share": gettext_lazy("Share"),
            "favours": gettext_lazy("Favours"),
        }
        help_texts = {
            "seats": gettext_lazy("A whole number; or leave empty and give a share."),
            "share": gettext_lazy("A fraction from 0 to 1, such as 0.3 or 3/10."),
            "favours": gettext_lazy(
                "Empty, a question's flag (such as indicator), not:flag for the children "
                "without it, or several joined by | (indicator|disability: children with either)."
            ),
        }

    def __init__(
        self,
        *args: Any,
        flags: list[str] | None = None,
        numbers: list[str] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        #: the flags of the round's questions, which ``favours`` may name
        self.flags = flags or []
        #: the columns of the round's numbers, which ``order_by`` may name (``value:``)
        self.numbers = numbers or []
        self.fields["seats"].widget.attrs.update({"min": "0", "inputmode": "numeric"})
        self.fields["share"].widget.attrs["inputmode"] = "decimal"
        self.fields["order_by"].initial = self.instance.order_by or "lottery"
        for name in ("name", "favours"):  # written into the round folder as they are
            self.fields[name].validators.append(no_formula)

    def clean_share(self) -> str:
        text = (self.cleaned_data.get("share") or "").strip()
        if not text:
            return ""
        if text.endswith("%"):
            raise forms.ValidationError(
                _("“%(value)s” is a percentage; write it as a fraction from 0 to 1 (30%% is 0.3).")
                % {"value": text}
            )
        share = parse_share(text)
        if share is None or not 0 <= share <= 1:
            raise forms.ValidationError(
                _("“%(value)s” is not a share. Write a fraction from 0 to 1, such as 0.3 or 3/10.")
                % {"value": text}
            )
        return text.replace(",", ".") if "/" not in text else text

    def clean_favours(self) -> str:
        return rules_v2.clean_expression(
            self.cleaned_data.get("favours") or "", self.flags, self.numbers
        )

    def clean_order_by(self) -> str:
        return rules_v2.clean_criteria(self.cleaned_data.get("order_by") or "", self.numbers)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        seats, share = data.get("seats"), data.get("share")
        if "seats" in data and "share" in data:
            if seats is not None and share:
                self.add_error("share", _("Give the seats or the share, not both."))
            elif seats is None and not share:
                self.add_error("seats", _("Give the number of seats, or a share."))
        return data


class BasePoolFormSet(forms.BaseInlineFormSet):
    """The pools of one school, checked together (names, one form, the totals)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if "flags" not in self.form_kwargs:  # read once for all the pools
            school = self.instance
            rnd = school.round if school is not None and school.round_id else None
            self.form_kwargs = {
                **self.form_kwargs,
                "flags": rnd.flags() if rnd else [],
                "numbers": rules_v2.number_columns(rnd.numbers) if rnd else [],
            }

    def clean(self) -> None:
        super().clean()
        kept = [
            f
            for f in self.forms
            if f.is_valid() and f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        if any(f.errors for f in self.forms if not self._should_delete_form(f)):
            return  # the field errors first; the totals only mean something without them
        names: dict[str, int] = {}
        for k, f in enumerate(kept, start=1):
            name = f.cleaned_data["name"].strip()
            if name in names:
                f.add_error(
                    "name",
                    _("Pool %(k)s has this name too; give each pool its own name.")
                    % {"k": names[name]},
                )
            names.setdefault(name, k)
        if not kept or any(f.errors for f in kept):
            return
        with_seats = [f for f in kept if f.cleaned_data.get("seats") is not None]
        if with_seats and len(with_seats) != len(kept):
            raise forms.ValidationError(
                _("Give every pool of the school its seats, or every pool a share; not a mix.")
            )
        capacity = self.instance.capacity
        if with_seats:
            total = sum(int(f.cleaned_data["seats"]) for f in kept)
            if capacity is not None and total != capacity:
                raise forms.ValidationError(
                    _(
                        "The pools have %(total)s seats together, but the school has %(capacity)s "
                        "seats. Make them equal."
                    )
                    % {"total": total, "capacity": capacity}
                )
        else:
            shares = sum(
                (parse_share(f.cleaned_data["share"]) or Fraction(0) for f in kept), Fraction(0)
            )
            if shares != 1:
                raise forms.ValidationError(
                    _("The shares add up to %(total)s; they must add up to exactly 1.")
                    % {"total": _fraction_text(shares)}
                )


#: a form set never builds more forms than this, whatever the request says it holds
MAX_FORMS = 30

PoolFormSet = forms.inlineformset_factory(
    School,
    Pool,
    form=PoolForm,
    formset=BasePoolFormSet,
    extra=2,
    can_delete=True,
    fields=PoolForm.Meta.fields,
    max_num=MAX_FORMS,
    absolute_max=MAX_FORMS,
    validate_max=True,
)
