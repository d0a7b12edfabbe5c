"""The forms of the platform (labels in plain words, all translatable)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from samen.web.core import admits, birthdates, blocks, family, homes, rule_words, rules_v2
from samen.web.core.formulas import no_formula
from samen.web.core.languages import LanguagesField
from samen.web.core.models import (
    Address,
    BirthDateAllowance,
    Child,
    PledgeGroup,
    Question,
    Round,
    School,
)
from samen.web.core.pool_forms import (  # noqa: F401 (the office's forms)
    MAX_FORMS,
    PoolForm,
    PoolFormSet,
)
from samen.web.core.rules_forms import RulesV2Fields
from samen.web.core.widgets import IsoDateInput, IsoDateTimeInput

YES_NO = [("1", _("Yes")), ("0", _("No"))]


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Your e-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("The 6-digit code from the e-mail"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


class ChildForm(forms.ModelForm):
    """A child's details, its home and the round's yes/no questions.

    The home comes from the city's address list, in two steps that work without JavaScript:
    the family types postcode, house number (and box); the form shows the address(es) found
    and the family confirms one. An address that is not in the list is registered "to be
    checked" with its street, and the office checks it (``samen.web.core.homes``). Nobody
    types coordinates here. A child that starts applying together with its brothers and
    sisters takes their list; when the lists differ, the form asks which one the children
    keep (``samen.web.core.blocks``).
    """

    class Meta:
        model = Child
        fields = [
            "first_name",
            "last_name",
            "birth_date",
            "postcode",
            "house_number",
            "box",
            "apply_together",
        ]
        labels = {
            "box": _("Box (if your address has one)"),
            "apply_together": _(
                "Apply together with the brothers and sisters I register here (for example "
                "twins): they share one list of schools and get the same school or none"
            ),
        }
        widgets = {
            "birth_date": IsoDateInput(),
            "postcode": forms.TextInput(attrs={"autocomplete": "postal-code"}),
        }

    def __init__(self, *args: Any, round: Round, parent: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.round = round
        self.parent = parent if parent is not None else self.instance.parent
        for name in ("first_name", "last_name", "birth_date", "postcode", "house_number"):
            self.fields[name].required = True
        #: what saving does to the home: "keep", "address" (self.address) or "check"
        self.home_action = "keep"
        self.address: Address | None = None
        self.candidates: list[Address] = []
        self.allowance: BirthDateAllowance | None = None
        self._home_fields()
        self._list_field()
        self.questions: list[Question] = list(round.questions.all())
        for q in self.questions:
            field = forms.ChoiceField(
                label=q.text(),
                choices=YES_NO,
                widget=forms.RadioSelect,
                help_text=q.help(),
            )
            if self.instance.pk and q.flag in self.instance.flags:
                field.initial = str(int(self.instance.flags[q.flag]))
            self.fields[f"q_{q.flag}"] = field

    def _typed(self) -> tuple[str, str, str]:
        pc, hn = Address.normalise(
            str(self.data.get("postcode", "")), str(self.data.get("house_number", ""))
        )
        return pc, hn, Address.normalise_box(str(self.data.get("box", "")))

    def _same_home(self, typed: tuple[str, str, str]) -> bool:
        inst = self.instance
        return bool(inst.pk) and typed == (inst.postcode, inst.house_number, inst.box)

    def _home_fields(self) -> None:
        """The second step: the addresses found to confirm, or the street of an address that
        is not in the list."""
        if not self.is_bound:
            return
        typed = self._typed()
        if not typed[0] or not typed[1]:
            return
        if self._same_home(typed) and self.instance.home_verified:
            return  # the home the child has; nothing to confirm again
        self.candidates = homes.candidates(*typed, self.round.distance)
        street = forms.CharField(
            label=_("Street"),
            max_length=200,
            required=False,
            initial=self.instance.street,
            widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
        )
        if self.candidates:
            one = len(self.candidates) == 1
            self.fields["address"] = forms.ChoiceField(
                label=_("Is this your address?") if one else _("Which one is your address?"),
                choices=[(str(a.pk), a.one_line) for a in self.candidates]
                + [("none", _("No, my address is not in this list"))],
                widget=forms.RadioSelect,
                required=False,
            )
            if self.data.get("address") == "none":
                self.fields["street"] = street
        else:
            if not self._same_home(typed):
                self.fields["not_listed"] = forms.BooleanField(
                    label=_(
                        "My address is right but not in the list (for example a new street): "
                        "register it; the admission office checks it"
                    ),
                    required=False,
                )
            self.fields["street"] = street
        order = ["first_name", "last_name", "birth_date", "postcode", "house_number", "box"]
        self.order_fields([*order, "address", "not_listed", "street"])

    def _list_field(self) -> None:
        """A child joining its brothers and sisters: which list do they keep?"""
        if not self.is_bound or self.parent is None or not self.data.get("apply_together"):
            return
        if self.instance.pk and self.instance.apply_together:
            return  # already applying together: the list is already shared
        choices = blocks.list_choices(self.instance, self.parent, self.round.pk)
        if choices:
            self.fields["keep_list"] = forms.ChoiceField(
                label=_("These children will share one list. Which list do they keep?"),
                help_text=_("The other lists are replaced by this one, with its pledge group."),
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose the list that the children applying together keep.")
                },
            )

    def clean_birth_date(self) -> dt.date:
        d = self.cleaned_data["birth_date"]
        inst = self.instance
        if inst.pk and inst.birth_date == d and inst.birth_date_reason:
            return d  # the office allowed this date for this child
        if d <= dt.date.today() and not self.round.admits_birth_date(d):
            # the office may have allowed this parent this date, before registering
            self.allowance = birthdates.allowance_for(self.round, self.parent, d, inst)
            if self.allowance is not None:
                return d
        birthdates.check(self.round, d)
        return d

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        problem = admits.form_problem(self, data)  # a list the allocation would refuse
        if problem:
            self.add_error(None, problem)
        if not data.get("postcode") or not data.get("house_number"):
            return data
        typed = self._typed()
        data["postcode"], data["house_number"], data["box"] = typed
        if self._same_home(typed) and self.instance.home_verified:
            return data
        chosen = data.get("address") or ""
        street = (data.get("street") or "").strip()
        if self.candidates and chosen != "none":
            found = {str(a.pk): a for a in self.candidates}.get(chosen)
            if found is None:
                self.add_error(
                    "address",
                    _("Check the address we found and choose it to confirm.")
                    if len(self.candidates) == 1
                    else _("Choose your address from the list."),
                )
                return data
            self.home_action, self.address = "address", found
            return data
        if not self.candidates and not self._same_home(typed) and not data.get("not_listed"):
            self.add_error(
                "not_listed",
                _(
                    "We cannot find this address in the city's address list. Check the "
                    "postcode, house number and box. If they are right (for example in a new "
                    "street), tick “My address is right but not in the list” and give the "
                    "street: the admission office will check the address."
                ),
            )
            return data
        if not street:
            self.add_error(
                "street", _("Give the street, so that the admission office can check it.")
            )
            return data
        self.home_action = "check"
        return data

    def save(self, commit: bool = True) -> Child:
        child = super().save(commit=False)
        child.round = self.round
        data = self.cleaned_data
        if self.home_action == "address" and self.address is not None:
            homes.use_address(child, self.address)
        elif self.home_action == "check":
            homes.to_be_checked(
                child, data["postcode"], data["house_number"], data["box"], data["street"]
            )
        if "birth_date" in self.changed_data:
            child.birth_date_reason = ""  # the office's exception was for the other date
        if self.allowance is not None:
            child.birth_date_reason = self.allowance.reason
        child.flags = {q.flag: int(self.cleaned_data[f"q_{q.flag}"]) for q in self.questions}
        if commit:
            child.save()
        return child

    def after_save(self, child: Child) -> None:
        """After saving: the office's allowance of the date of birth is used by this child,
        and a child that joined its brothers and sisters shares their list (the one the
        parent chose when they differed)."""
        if self.allowance is not None and self.allowance.child_id != child.pk:
            self.allowance.child = child
            self.allowance.save(update_fields=["child"])
        if not blocks.in_block(child):
            return
        keep = self.cleaned_data.get("keep_list")
        source = None
        if keep:
            source = next((m for m in blocks.members(child) if str(m.pk) == keep), None)
        if source is None:
            source = blocks.source_for(child)
        if source is not None:
            family.share_list(source, blocks.members(child))


class AddSchoolForm(forms.Form):
    """A school to add to the list: only the schools that admit the child and every child
    applying together with it (rules section 10.5); ``refused`` are the others, with why."""

    school = forms.ModelChoiceField(queryset=School.objects.none(), label=_("Add a school"))

    def __init__(self, *args: Any, child: Child, **kwargs: Any):
        super().__init__(*args, **kwargs)
        listed = child.choices.values_list("school_id", flat=True)
        schools = child.round.schools.exclude(pk__in=listed)
        limited = list(schools.exclude(admits=""))
        _yes, no = admits.offered(child, limited)
        self.refused = [admits.reason(s, admits.flag_texts(child.round)) for s in no]
        self.fields["school"].queryset = schools.exclude(pk__in=[s.pk for s in no])


class PledgeGroupForm(forms.ModelForm):
    class Meta:
        model = PledgeGroup
        fields = ["name", "target", "threshold"]
        labels = {
            "target": _("The school you want to go to together"),
            "threshold": _("We go only if at least this many children of the group get a seat"),
        }

    def __init__(self, *args: Any, round: Round, child: Child | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.round = round
        self.fields["target"].queryset = round.schools.all()
        if child is not None:  # only a school that admits the children of the group's list
            _yes, no = admits.offered(child, list(round.schools.exclude(admits="")))
            self.fields["target"].queryset = round.schools.exclude(pk__in=[s.pk for s in no])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        target, threshold = data.get("target"), data.get("threshold")
        if threshold is not None and threshold < 2:
            self.add_error("threshold", _("A group needs at least 2 children."))
        if target is not None and threshold is not None and threshold > target.capacity:
            self.add_error(
                "threshold",
                _("The school has only %(n)s seats.") % {"n": target.capacity},
            )
        return data


# --------------------------------------------------------------------------- office


def _list_field(text: str) -> list[str]:
    return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]


#: the round's moments (shown and accepted to the second, with or without the seconds)
DATETIME_FIELDS = (
    "registration_opens",
    "registration_closes",
    "draw_at",
    "results_at",
    "acceptance_deadline",
)


class RoundForm(RulesV2Fields, forms.ModelForm):
    priority_groups_text = forms.CharField(
        label=_("Priority groups, strongest first (separated by commas)"),
        required=False,
    )
    default_pools_text = forms.CharField(
        label=_(
            "Seat pools for schools without their own, one per line: name, share, favours "
            "(a question's flag, not:flag, or several joined by |), order (lottery, distance, "
            "rank, value:number, or several joined by commas)"
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    languages_text = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=[("nl", "Nederlands"), ("en", "English"), ("fr", "Français")],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Round
        fields = [
            "name",
            "mechanism",
            "tie_breaking",
            "distance",
            "registration_opens",
            "registration_closes",
            "draw_at",
            "results_at",
            "acceptance_deadline",
            "retention_until",
            "born_from",
            "born_until",
        ]
        help_texts = {
            "born_from": _(
                "The dates of birth of the round's grade, for example 1 January to 31 December "
                "2021 for the first year of primary school in 2027. Families cannot register "
                "a child born outside them; the office can allow another date for one child."
            ),
        }
        widgets = {
            "born_from": IsoDateInput(),
            "born_until": IsoDateInput(),
            "registration_opens": IsoDateTimeInput(),
            "registration_closes": IsoDateTimeInput(),
            "draw_at": IsoDateTimeInput(),
            "results_at": IsoDateTimeInput(),
            "acceptance_deadline": IsoDateTimeInput(),
            "retention_until": IsoDateInput(),
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["mechanism"].choices = rule_words.mechanism_choices()
        self.fields["tie_breaking"].choices = rule_words.tie_breaking_choices()
        self.fields["distance"].choices = rule_words.distance_choices()
        r = self.instance
        self.fields["priority_groups_text"].initial = ", ".join(r.priority_groups or [])
        self.fields["default_pools_text"].initial = "\n".join(
            f"{p['name']}, {p['share']}, {p.get('favours', '')}, {p.get('order_by', 'lottery')}"
            for p in (r.default_pools or [])
        )
        self.fields["languages_text"].initial = r.languages or ["nl", "en", "fr"]
        self.init_rules()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in DATETIME_FIELDS:
            # the form shows a moment to the second; a field left as it was keeps its exact
            # value (an imported date, or the moment of closing, may have fractions)
            new, old = data.get(name), getattr(self.instance, name, None)
            if new is not None and old is not None and new == old.replace(microsecond=0):
                data[name] = old
        start, end = data.get("born_from"), data.get("born_until")
        if start and end and start > end:
            self.add_error(
                "born_until", _("This date is before the first date of birth; swap the dates.")
            )
        self.clean_rules(data)
        return data

    def clean_priority_groups_text(self) -> list[str]:
        groups = _list_field(self.cleaned_data["priority_groups_text"])
        if len(set(groups)) != len(groups):
            raise ValidationError(_("Each priority group may be listed once."))
        for g in groups:
            if "|" in g:
                raise ValidationError(_("Group names may not contain '|'."))
            no_formula(g)
        return groups

    def clean_default_pools_text(self) -> list[dict[str, str]]:
        pools: list[dict[str, str]] = []
        total = Fraction(0)
        for k, line in enumerate(self.cleaned_data["default_pools_text"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(",")]
            parts += [""] * (4 - len(parts))
            # the order is the rest of the line: several criteria are joined by commas
            name, share, favours = parts[:3]
            order = ",".join(p for p in parts[3:] if p) or "lottery"
            try:
                frac = Fraction(share)
            except (ValueError, ZeroDivisionError):
                raise ValidationError(
                    _("Line %(k)s: the share must be a number from 0 to 1.") % {"k": k}
                ) from None
            if not name or not 0 <= frac <= 1:
                raise ValidationError(
                    _("Line %(k)s: write name, share (0 to 1), favours, order.") % {"k": k}
                )
            for text in (name, favours):
                try:
                    no_formula(text)
                except ValidationError as exc:
                    raise ValidationError(
                        _("Line %(k)s: %(problem)s") % {"k": k, "problem": exc.messages[0]}
                    ) from None
            total += frac
            pools.append({"name": name, "share": share, "favours": favours, "order_by": order})
        if pools and total != 1:
            raise ValidationError(_("The shares must add up to 1."))
        return pools

    def save(self, commit: bool = True) -> Round:
        r = super().save(commit=False)
        r.priority_groups = self.cleaned_data["priority_groups_text"]
        r.default_pools = self.cleaned_data["default_pools_text"]
        r.languages = list(self.cleaned_data["languages_text"])
        self.save_rules(r)
        if commit:
            r.save()
        return r


class SchoolForm(forms.ModelForm):
    teaching_languages = LanguagesField(label=_("Languages of instruction"))
    office_languages = LanguagesField(label=_("Languages spoken at the school office"))
    categories_text = forms.CharField(
        label=_(
            "Categories the nearest-schools rules read, one per line: column=value (for "
            "example denomination=public)"
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = School
        fields = [
            "code",
            "name",
            "capacity",
            "address",
            "x",
            "y",
            "lat",
            "lon",
            "description",
            "teaching_languages",
            "office_languages",
            "admits",
        ]
        help_texts = {
            "admits": _(
                "Empty: every child. Else the children this school admits, by their answers: "
                "a question's flag, not:flag, or several joined by | (advice_havo|advice_vwo: "
                "children with either). Families see only the schools that admit their child."
            ),
        }
        labels = {
            "x": _("x (metres)"),
            "y": _("y (metres)"),
            "lat": _("latitude"),
            "lon": _("longitude"),
        }

    def __init__(self, *args: Any, round: Round, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.round = round
        for name in ("code", "name"):  # written into the round folder as they are
            self.fields[name].validators.append(no_formula)
        self.fields["categories_text"].initial = rules_v2.categories_text(self.instance.categories)

    def clean_admits(self) -> str:
        """A flag expression over the round's questions (rules section 10.5)."""
        return rules_v2.clean_expression(
            self.cleaned_data.get("admits") or "",
            self.round.flags(),
            rules_v2.number_columns(self.round.numbers),
        )

    def clean_categories_text(self) -> dict[str, str]:
        return rules_v2.parse_categories(
            self.cleaned_data.get("categories_text") or "", rules_v2.category_columns(self.round)
        )

    def save(self, commit: bool = True) -> School:
        school = super().save(commit=False)
        school.categories = self.cleaned_data["categories_text"]
        if commit:
            school.save()
        return school

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not code or ";" in code or "|" in code:
            raise ValidationError(_("A school id may not be empty or contain ';' or '|'."))
        clash = School.objects.filter(round=self.round, code=code).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("Another school already has this id."))
        return code


class QuestionForm(forms.ModelForm):
    """A yes/no question; its text is required in every language of the round."""

    def __init__(self, *args: Any, languages: list[str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["flag"].validators.append(no_formula)  # a column of applicants.csv
        for lang in languages or ["nl"]:
            if f"text_{lang}" in self.fields:
                self.fields[f"text_{lang}"].required = True

    class Meta:
        model = Question
        fields = ["flag", "text_nl", "text_en", "text_fr", "help_nl", "help_en", "help_fr"]
        labels = {
            "flag": _("Flag (the column name in applicants.csv)"),
            "help_nl": _("explanation (Dutch)"),
            "help_en": _("explanation (English)"),
            "help_fr": _("explanation (French)"),
        }
        widgets = {
            "help_nl": forms.Textarea(attrs={"rows": 2}),
            "help_en": forms.Textarea(attrs={"rows": 2}),
            "help_fr": forms.Textarea(attrs={"rows": 2}),
        }


QuestionFormSet = forms.inlineformset_factory(
    Round,
    Question,
    form=QuestionForm,
    extra=1,
    can_delete=True,
    fields=QuestionForm.Meta.fields,
    max_num=MAX_FORMS,
    absolute_max=MAX_FORMS,
    validate_max=True,
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class ImportForm(forms.Form):
    files = MultipleFileField(
        label=_(
            "The round folder: round.toml and the CSV files (or one .xlsx file), or a .zip of "
            "the folder"
        )
    )


class AddressImportForm(forms.Form):
    file = forms.FileField(
        label=_(
            "The address list (CSV, UTF-8: postcode, house_number, box, street, municipality, "
            "x, y or lat, lon)"
        )
    )
    unlink = forms.BooleanField(
        label=_(
            "Import even when children live at addresses that the file leaves out (their "
            "address is then to be checked)"
        ),
        required=False,
    )


class SeedForm(forms.Form):
    seed = forms.CharField(
        label=_("The seed"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class StaffRoleForm(forms.Form):
    """A person's staff role: office admin, or school viewer of the schools listed."""

    role = forms.ChoiceField(
        label=_("Role"), choices=[("office", _("office admin")), ("school", _("school viewer"))]
    )
    schools = forms.CharField(
        label=_("School ids (for a school viewer; separated by commas)"), required=False
    )
    round = forms.ModelChoiceField(
        label=_("The round these school ids are for (a later round needs its own link)"),
        queryset=Round.objects.all(),
        required=False,
    )

    def clean_schools(self) -> list[str]:
        return _list_field(self.cleaned_data["schools"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("role") == "school" and "schools" in data and not data["schools"]:
            self.add_error("schools", _("A school viewer needs at least one school id."))
        if data.get("schools") and data.get("round") is None:
            self.add_error("round", _("Choose the round these school ids are for."))
        return data


class StaffForm(StaffRoleForm):
    email = forms.EmailField(label=_("E-mail address"))
    field_order = ["email", "role", "schools", "round"]


class VoidDrawForm(forms.Form):
    """A new fingerprint after the draw: it voids the draw (the reason is published)."""

    seed = forms.CharField(
        label=_("A new seed"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Why the draw is voided (published on the draw page)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand: the revealed seed stays public, a run under review is discarded and "
            "the draw must be held again with the new seed."
        )
    )


class ArchiveForm(forms.Form):
    confirm = forms.BooleanField(label=_("I understand what archiving the round does."))
