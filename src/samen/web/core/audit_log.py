"""Reading the audit log: filters (round, person, kind of action or one action, dates), pages
of 50 entries in words, and the CSV export of the filtered entries.

Every filter runs on an index of ``AuditEntry`` (round, action or person, each with the time)
so a page costs the same few SQL statements with 100,000 entries as with 10: the count, the
page's entries with their rounds, and the rounds for the filter's list. A kind of action
("round", "staff") is a range of codes (``round.`` up to ``round/``), which an index serves,
rather than ``LIKE 'round.%'``, which SQLite cannot serve from one.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any, NamedTuple
from urllib.parse import urlencode

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samen.io.cells import neutralise
from samen.web.core import audit_words
from samen.web.core.models import AuditEntry, Round
from samen.web.core.widgets import IsoDateInput

PER_PAGE = 50
#: the value of the person filter for entries without a person (the worker, commands)
SYSTEM = "system"
#: the filter's value for every action of one kind: "kind:round"
KIND_PREFIX = "kind:"


def action_choices() -> list[tuple[str, Any]]:
    """The action filter's options: per kind, "all of this kind" and then each action."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for code in audit_words.ACTIONS:
        groups.setdefault(audit_words.kind_of(code), []).append((code, code))
    choices: list[tuple[str, Any]] = [("", _("every action"))]
    for kind, codes in groups.items():
        label = str(audit_words.KINDS.get(kind, kind))
        options = [(f"{KIND_PREFIX}{kind}", _("all: %(kind)s") % {"kind": label})]
        options += [(code, _describe(code)) for code, _code in codes]
        choices.append((label, options))
    return choices


def _describe(code: str) -> str:
    """An action's sentence without its placeholders, for the filter's list."""
    text = str(audit_words.ACTIONS[code])
    blanks = {"target": "…", "run": "…", "job": "…", "kind": "…"}
    try:
        return text % blanks
    except (KeyError, ValueError, TypeError):
        return code


class AuditFilterForm(forms.Form):
    """The audit log's filters; every field may stay empty."""

    round = forms.ChoiceField(label=gettext_lazy("Round"), required=False)
    person = forms.CharField(
        label=gettext_lazy("Person (e-mail address, or “system”)"),
        required=False,
        max_length=254,
    )
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    date_from = forms.DateField(
        label=gettext_lazy("From (date)"), required=False, widget=IsoDateInput()
    )
    date_to = forms.DateField(
        label=gettext_lazy("Up to and including (date)"), required=False, widget=IsoDateInput()
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        rounds = Round.objects.order_by("-created_at").values_list("slug", "name")
        self.fields["round"].choices = [("", _("every round")), *rounds]
        self.fields["action"].choices = action_choices()

    def clean_person(self) -> str:
        return self.cleaned_data["person"].strip().lower()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def query(self) -> str:
        """The filters as a query string (for page links and the export), without the page."""
        if not self.is_bound or not self.is_valid():
            return ""
        pairs = []
        for name in self.fields:
            value = self.cleaned_data.get(name)
            if value not in (None, ""):
                pairs.append((name, value.isoformat() if isinstance(value, dt.date) else value))
        return urlencode(pairs)


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filtered(form: AuditFilterForm) -> QuerySet[AuditEntry]:
    """The entries the (valid) filter form selects, newest first."""
    qs = AuditEntry.objects.select_related("round").order_by("-at", "-id")
    data = form.cleaned_data
    if data.get("round"):
        qs = qs.filter(round__slug=data["round"])
    person = data.get("person", "")
    if person == SYSTEM or person == _("system").lower():
        qs = qs.filter(actor_label__in=[SYSTEM, ""])
    elif "@" in person:
        qs = qs.filter(actor_label=person)  # the whole address: on the index
    elif person:
        qs = qs.filter(actor_label__icontains=person)
    action = data.get("action", "")
    if action.startswith(KIND_PREFIX):
        kind = action[len(KIND_PREFIX) :]
        qs = qs.filter(action__gte=f"{kind}.", action__lt=f"{kind}/")  # "/" follows "."
    elif action:
        qs = qs.filter(action=action)
    if data.get("date_from"):
        qs = qs.filter(at__gte=_local_midnight(data["date_from"]))
    if data.get("date_to"):
        qs = qs.filter(at__lt=_local_midnight(data["date_to"] + dt.timedelta(days=1)))
    return qs


def row(entry: AuditEntry) -> dict[str, Any]:
    """One entry in words, for the page."""
    return {
        "entry": entry,
        "who": audit_words.who(entry),
        "what": audit_words.sentence(entry),
        "changes": audit_words.changes(entry.before, entry.after),
    }


def filters_for_audit(form: AuditFilterForm) -> dict[str, str]:
    """The filters of an export, for its own audit entry."""
    return {
        k: (v.isoformat() if isinstance(v, dt.date) else str(v))
        for k, v in form.cleaned_data.items()
        if v not in (None, "")
    }


# --------------------------------------------------------------------------- CSV

CSV_COLUMNS = (
    gettext_lazy("When"),
    gettext_lazy("Who"),
    gettext_lazy("What"),
    gettext_lazy("Action code"),
    gettext_lazy("Round"),
    gettext_lazy("On"),
    gettext_lazy("Changes"),
    gettext_lazy("Before (JSON)"),
    gettext_lazy("After (JSON)"),
    gettext_lazy("IP address"),
)


class _Echo:
    """A file that hands back what is written, for csv.writer in a streamed response."""

    def write(self, value: str) -> str:
        return value


def _json(data: Any) -> str:
    if data is None:
        return ""
    return json.dumps(audit_words.redact(data), ensure_ascii=False, sort_keys=True)


class _Row(NamedTuple):
    """An entry as the export reads it: plain values, no model instance (faster by a third
    for a long log)."""

    at: dt.datetime
    actor_label: str
    action: str
    round_name: str | None
    target: str
    before: Any
    after: Any
    ip: str | None


#: entries read from the database at a time by the export
CHUNK = 1000
_COLUMNS = ("id", "at", "actor_label", "action", "round__name", "target", "before", "after", "ip")


def _in_chunks(qs: QuerySet[AuditEntry]) -> Iterator[_Row]:
    """The entries newest first, :data:`CHUNK` at a time, each chunk continuing after the last
    entry of the one before (by time, then id): no server-side cursor (which a connection
    pooler in transaction mode does not keep) and no OFFSET that grows with the log."""
    last: tuple[dt.datetime, int] | None = None
    while True:
        page = qs
        if last is not None:
            at, pk = last
            page = page.filter(Q(at__lt=at) | Q(at=at, id__lt=pk))
        rows = list(page.values_list(*_COLUMNS)[:CHUNK])
        for values_row in rows:
            yield _Row(*values_row[1:])
        if len(rows) < CHUNK:
            return
        last = (rows[-1][1], rows[-1][0])


def csv_lines(qs: QuerySet[AuditEntry], language: str) -> Iterator[str]:
    """The entries as CSV lines (with a byte-order mark so spreadsheet programs read UTF-8),
    every cell neutralised against formulas (:func:`samen.io.cells.neutralise`). Read in
    chunks from the database, so a long log never sits in memory at once."""
    writer = csv.writer(_Echo())
    with translation.override(language):
        yield "\ufeff" + writer.writerow([neutralise(str(c)) for c in CSV_COLUMNS])
        for entry in _in_chunks(qs.order_by("-at", "-id")):
            cells = [
                timezone.localtime(entry.at).isoformat(timespec="seconds"),
                audit_words.who(entry),
                audit_words.sentence(entry),
                entry.action,
                entry.round_name or "",
                entry.target,
                "; ".join(audit_words.changes(entry.before, entry.after)),
                _json(entry.before),
                _json(entry.after),
                entry.ip or "",
            ]
            yield writer.writerow([neutralise(str(c)) for c in cells])


def export_name() -> str:
    return f"audit-log-{timezone.localtime():%Y%m%d-%H%M%S}.csv"
