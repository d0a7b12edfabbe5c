"""The fields of the round's settings form for the rules of version 2
(``docs/allocation-rules.md``, section 10), checked as the round reader checks round.toml
(:mod:`samen.web.core.rules_v2`): a mistake is a field error next to the field, never a failed
allocation later.

* ``family_number``: the lottery number of brothers and sisters applying together (10.6);
* ``waitlists``: compute the waiting lists, so families see their place on them (10.7);
* ``first_choice_only_text``: priority groups that count only at the first choice (10.4);
* ``nearest_text``: priority at the nearest schools, one rule per line (10.3);
* ``numbers_text``: the numbers the office gives each child, which seat pools may order by
  (``value:COLUMN``, 10.2); a family never types them;
* ``crs``: the projection of x and y, kept for round.toml.

The seat pools for schools without their own (``default_pools_text``) take flag expressions
and several ordering criteria too; they are checked here, against the round's questions and
numbers.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from samen.web.core import rules_v2
from samen.web.core.formulas import no_formula

#: the form fields of the rules of version 2 (read-only once the seed is public)
FIELDS = ("family_number", "waitlists", "first_choice_only_text", "nearest_text", "numbers_text")
FIELDS_ALL = (*FIELDS, "crs")
#: the round's model fields they set
MODEL_FIELDS = ("family_number", "waitlists", "first_choice_only", "nearest", "numbers", "crs")


class RulesV2Fields(forms.Form):
    """The fields of section 10 for :class:`samen.web.core.forms.RoundForm` (a mixin)."""

    family_number = forms.ChoiceField(
        label=_("Lottery number of brothers and sisters who apply together"),
        choices=[
            ("first", _("the number of the child whose id comes first")),
            ("best", _("the best (smallest) of their numbers")),
        ],
        initial="first",
        required=False,
    )
    waitlists = forms.BooleanField(
        label=_("Waiting lists: families see their child's place on each school's list"),
        required=False,
        initial=True,
    )
    first_choice_only_text = forms.CharField(
        label=_("Priority groups that count only at the school listed first (separated by commas)"),
        required=False,
    )
    nearest_text = forms.CharField(
        label=_(
            "Priority at the nearest schools, one rule per line: group, number of schools; "
            "optionally a category column of the schools and minimums, like: nearby, 8, "
            "denomination, public=2, catholic=2"
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    numbers_text = forms.CharField(
        label=_(
            "Numbers the office gives each child, for seat pools ordered by value:column (for "
            "example a registration date as 20270115), one per line: column, Dutch name, "
            "English name, French name"
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    crs = forms.CharField(
        label=_("Projection of x and y (for example EPSG:31370), written into round.toml"),
        required=False,
        max_length=60,
    )

    def init_rules(self) -> None:
        """Fill the fields from the round being edited."""
        r = self.instance  # type: ignore[attr-defined]
        self.fields["family_number"].initial = r.family_number or "first"
        self.fields["waitlists"].initial = bool(r.waitlists) if r.pk else True
        self.fields["first_choice_only_text"].initial = ", ".join(r.first_choice_only or [])
        self.fields["nearest_text"].initial = rules_v2.nearest_text(r.nearest or [])
        self.fields["numbers_text"].initial = rules_v2.numbers_text(r.numbers or [])
        self.fields["crs"].initial = r.crs

    def clean_family_number(self) -> str:
        # not posted (an older page): the round keeps its rule
        return self.cleaned_data.get("family_number") or self.instance.family_number or "first"  # type: ignore[attr-defined]

    def clean_crs(self) -> str:
        text = (self.cleaned_data.get("crs") or "").strip()
        if text:
            no_formula(text)
            if '"' in text or "\\" in text:
                raise ValidationError(_("A projection is a code like EPSG:31370, without quotes."))
        return text

    def clean_rules(self, data: dict[str, Any]) -> None:
        """The checks across fields: groups, flags and numbers the rules name must exist."""
        r = self.instance  # type: ignore[attr-defined]
        groups = data.get("priority_groups_text")
        flags: list[str] | None = r.flags() if r.pk else None
        numbers: list[dict[str, str]] = []
        try:
            numbers = rules_v2.parse_numbers(data.get("numbers_text", ""), flags or [])
            data["numbers_text"] = numbers
        except ValidationError as exc:
            self.add_error("numbers_text", exc)  # type: ignore[attr-defined]
        if groups is not None:  # (else the groups field has its own error)
            for name, parse in (
                ("first_choice_only_text", rules_v2.clean_first_choice_only),
                ("nearest_text", rules_v2.parse_nearest),
            ):
                if name in data:
                    try:
                        data[name] = parse(data.get(name, ""), groups)
                    except ValidationError as exc:
                        self.add_error(name, exc)  # type: ignore[attr-defined]
        columns = rules_v2.number_columns(numbers)
        if r.pk and "numbers_text" not in self.errors:  # type: ignore[attr-defined]
            used = rules_v2.pools_ordering_by(r, columns)
            if used:
                self.add_error(  # type: ignore[attr-defined]
                    "numbers_text",
                    _(
                        "Seat pools order by a number this list leaves out (%(pools)s); change "
                        "those pools first, or keep the number."
                    )
                    % {"pools": used},
                )
        for k, pool in enumerate(data.get("default_pools_text") or [], start=1):
            problem = rules_v2.expression_problem(
                pool["favours"], flags, columns
            ) or rules_v2.criteria_problem(pool["order_by"], columns)
            if problem:
                self.add_error(  # type: ignore[attr-defined]
                    "default_pools_text",
                    _("Line %(k)s: %(problem)s") % {"k": k, "problem": problem},
                )
                continue
            pool["favours"] = rules_v2.clean_expression(pool["favours"], flags, columns)
            pool["order_by"] = rules_v2.clean_criteria(pool["order_by"], columns)

    def save_rules(self, r: Any) -> None:
        data = self.cleaned_data  # type: ignore[attr-defined]
        r.family_number = data["family_number"]
        r.waitlists = bool(data["waitlists"])
        r.first_choice_only = data["first_choice_only_text"]
        r.nearest = data["nearest_text"]
        r.numbers = data["numbers_text"]
        r.crs = data["crs"]


__all__ = ["FIELDS", "FIELDS_ALL", "MODEL_FIELDS", "RulesV2Fields"]
