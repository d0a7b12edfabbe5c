"""The forms of the platform (labels in plain words, all translatable)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from samen.engine.instance import MECHANISMS, ORDER_NAMES, TIE_BREAKINGS
from samen.web.core.models import Address, Child, PledgeGroup, Pool, Question, Round, School

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
    """A child's details and the round's yes/no questions."""

    x = forms.FloatField(label=_("x (metres)"), required=False)
    y = forms.FloatField(label=_("y (metres)"), required=False)
    lat = forms.FloatField(label=_("latitude"), required=False)
    lon = forms.FloatField(label=_("longitude"), required=False)

    class Meta:
        model = Child
        fields = [
            "first_name",
            "last_name",
            "birth_date",
            "postcode",
            "house_number",
            "apply_together",
        ]
        labels = {
            "apply_together": _(
                "Apply together with the brothers and sisters I register here (for example "
                "twins): they get the same school or none"
            )
        }
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, round: Round, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.round = round
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True
        self.fields["birth_date"].required = True
        euclid = round.distance == "euclidean"
        for name in ("lat", "lon") if euclid else ("x", "y"):
            del self.fields[name]
        if self.instance.pk:
            for name in ("x", "y") if euclid else ("lat", "lon"):
                self.fields[name].initial = getattr(self.instance, name)
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

    def clean_birth_date(self) -> dt.date:
        d = self.cleaned_data["birth_date"]
        if d > dt.date.today():
            raise ValidationError(_("The date of birth cannot be in the future."))
        return d

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        postcode, number = data.get("postcode", ""), data.get("house_number", "")
        a, b = ("x", "y") if self.round.distance == "euclidean" else ("lat", "lon")
        self.address: Address | None = None
        if postcode or number:
            pc, hn = Address.normalise(postcode, number)
            self.address = Address.objects.filter(postcode=pc, house_number=hn).first()
            if self.address is None or getattr(self.address, a) is None:
                raise ValidationError(
                    _(
                        "We do not know this address. Check the postcode and house number, or "
                        "ask the admission office."
                    )
                )
            data["postcode"], data["house_number"] = pc, hn
        elif data.get(a) is None or data.get(b) is None:
            raise ValidationError(_("Give your postcode and house number."))
        return data

    def save(self, commit: bool = True) -> Child:
        child = super().save(commit=False)
        child.round = self.round
        a, b = ("x", "y") if self.round.distance == "euclidean" else ("lat", "lon")
        if self.address is not None:
            setattr(child, a, getattr(self.address, a))
            setattr(child, b, getattr(self.address, b))
        else:
            setattr(child, a, self.cleaned_data[a])
            setattr(child, b, self.cleaned_data[b])
        child.flags = {q.flag: int(self.cleaned_data[f"q_{q.flag}"]) for q in self.questions}
        if commit:
            child.save()
        return child


class AddSchoolForm(forms.Form):
    school = forms.ModelChoiceField(queryset=School.objects.none(), label=_("Add a school"))

    def __init__(self, *args: Any, child: Child, **kwargs: Any):
        super().__init__(*args, **kwargs)
        listed = child.choices.values_list("school_id", flat=True)
        self.fields["school"].queryset = child.round.schools.exclude(pk__in=listed)


class PledgeGroupForm(forms.ModelForm):
    class Meta:
        model = PledgeGroup
        fields = ["name", "target", "threshold"]
        labels = {
            "target": _("The school you want to go to together"),
            "threshold": _("We go only if at least this many children of the group get a seat"),
        }

    def __init__(self, *args: Any, round: Round, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.round = round
        self.fields["target"].queryset = round.schools.all()

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


class RoundForm(forms.ModelForm):
    priority_groups_text = forms.CharField(
        label=_("Priority groups, strongest first (separated by commas)"),
        required=False,
    )
    default_pools_text = forms.CharField(
        label=_(
            "Seat pools for schools without their own, one per line: name, share, favours, "
            "order (lottery, distance or rank)"
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
        ]
        widgets = {
            "registration_opens": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "registration_closes": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "draw_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "results_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "acceptance_deadline": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "retention_until": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["mechanism"].choices = [(m, m) for m in MECHANISMS]
        self.fields["tie_breaking"].choices = [(t, t) for t in TIE_BREAKINGS]
        r = self.instance
        self.fields["priority_groups_text"].initial = ", ".join(r.priority_groups or [])
        self.fields["default_pools_text"].initial = "\n".join(
            f"{p['name']}, {p['share']}, {p.get('favours', '')}, {p.get('order_by', 'lottery')}"
            for p in (r.default_pools or [])
        )
        self.fields["languages_text"].initial = r.languages or ["nl", "en", "fr"]

    def clean_priority_groups_text(self) -> list[str]:
        groups = _list_field(self.cleaned_data["priority_groups_text"])
        if len(set(groups)) != len(groups):
            raise ValidationError(_("Each priority group may be listed once."))
        for g in groups:
            if "|" in g:
                raise ValidationError(_("Group names may not contain '|'."))
        return groups

    def clean_default_pools_text(self) -> list[dict[str, str]]:
        pools: list[dict[str, str]] = []
        total = Fraction(0)
        for k, line in enumerate(self.cleaned_data["default_pools_text"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(",")]
            parts += [""] * (4 - len(parts))
            name, share, favours, order = parts[:4]
            order = order or "lottery"
            try:
                frac = Fraction(share)
            except (ValueError, ZeroDivisionError):
                raise ValidationError(
                    _("Line %(k)s: the share must be a number from 0 to 1.") % {"k": k}
                ) from None
            if not name or not 0 <= frac <= 1 or order not in ORDER_NAMES:
                raise ValidationError(
                    _("Line %(k)s: write name, share (0 to 1), favours, order.") % {"k": k}
                )
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
        if commit:
            r.save()
        return r


class SchoolForm(forms.ModelForm):
    class Meta:
        model = School
        fields = ["code", "name", "capacity", "address", "x", "y", "lat", "lon", "description"]

    def __init__(self, *args: Any, round: Round, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.round = round

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not code or ";" in code or "|" in code:
            raise ValidationError(_("A school id may not be empty or contain ';' or '|'."))
        clash = School.objects.filter(round=self.round, code=code).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("Another school already has this id."))
        return code


class PoolForm(forms.ModelForm):
    class Meta:
        model = Pool
        fields = ["name", "seats", "share", "favours", "order_by"]


PoolFormSet = forms.inlineformset_factory(
    School, Pool, form=PoolForm, extra=2, can_delete=True, fields=PoolForm.Meta.fields
)


class QuestionForm(forms.ModelForm):
    """A yes/no question; its text is required in every language of the round."""

    def __init__(self, *args: Any, languages: list[str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for lang in languages or ["nl"]:
            if f"text_{lang}" in self.fields:
                self.fields[f"text_{lang}"].required = True

    class Meta:
        model = Question
        fields = ["flag", "text_nl", "text_en", "text_fr", "help_nl", "help_en", "help_fr"]
        widgets = {
            "help_nl": forms.Textarea(attrs={"rows": 2}),
            "help_en": forms.Textarea(attrs={"rows": 2}),
            "help_fr": forms.Textarea(attrs={"rows": 2}),
        }


QuestionFormSet = forms.inlineformset_factory(
    Round, Question, form=QuestionForm, extra=1, can_delete=True, fields=QuestionForm.Meta.fields
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
        label=_("Addresses (CSV: postcode, house_number, street, municipality, x, y or lat, lon)")
    )


class SeedForm(forms.Form):
    seed = forms.CharField(
        label=_("The seed"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class StaffForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(
        label=_("Role"), choices=[("office", _("office admin")), ("school", _("school viewer"))]
    )
    schools = forms.CharField(
        label=_("School ids (for a school viewer; separated by commas)"), required=False
    )

    def clean_schools(self) -> list[str]:
        return _list_field(self.cleaned_data["schools"])


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
