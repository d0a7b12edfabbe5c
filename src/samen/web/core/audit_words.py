"""The audit log in words: a sentence for every action the platform writes, and the changed
fields of an entry as a short diff ("seats: 24 → 26").

This module is the one place that knows the action codes of :func:`samen.web.core.audit.record`
(a test reads every ``audit.record(...)`` call in the code and checks that its code is here).
Entries keep their code, target and JSON data unchanged; only the display is in words, in the
reader's language. A code that is not here (an entry written by a newer or older version) is
shown as its code, never as an error.

Secrets are never shown: values under a key such as ``seed`` or ``token`` read "(not shown)",
even where the entry keeps them (the seed at its public reveal).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from typing import Any

from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from samen.web.core.run_names import number_from_label, run_name

#: the kinds of action (the part of the code before the first dot), for the log's filter
KINDS: dict[str, Promise] = {
    "round": gettext_lazy("The round"),
    "seed": gettext_lazy("The seed and the draw"),
    "job": gettext_lazy("Work for the worker"),
    "run": gettext_lazy("Allocation runs"),
    "offers": gettext_lazy("Offers"),
    "school": gettext_lazy("Schools and seat pools"),
    "questions": gettext_lazy("Questions"),
    "priority": gettext_lazy("Priorities"),
    "addresses": gettext_lazy("Addresses"),
    "staff": gettext_lazy("Staff"),
    "audit": gettext_lazy("Audit log"),
    "demo": gettext_lazy("Demo"),
    "notifications": gettext_lazy("E-mail to families"),
    "child": gettext_lazy("Children"),
    "birth-date": gettext_lazy("Dates of birth"),
    "totp": gettext_lazy("Authenticator apps"),
    "inputs": gettext_lazy("Changes after the draw"),
}

#: every action code the platform writes, as a sentence; placeholders: %(target)s (the entry's
#: target), %(run)s (the run's public name), %(job)s (the job number), %(kind)s (what the job
#: does)
ACTIONS: dict[str, Promise] = {
    "round.create": gettext_lazy("Made the round “%(target)s”."),
    "round.edit": gettext_lazy("Changed the settings and dates of the round."),
    "round.open": gettext_lazy("Opened the registration."),
    "round.close": gettext_lazy("Closed the registration."),
    "round.draft": gettext_lazy("Put the round back to being prepared."),
    "round.archive": gettext_lazy("Archived the round."),
    "round.import": gettext_lazy("Imported the round from a round folder."),
    "round.export": gettext_lazy("Downloaded the round folder (zip)."),
    "round.purge": gettext_lazy(
        "Removed the personal data of the round (its retention date had passed)."
    ),
    "seed.commit": gettext_lazy("Published the fingerprint of a new seed."),
    "seed.reveal": gettext_lazy("Revealed the seed at the public draw; it matched."),
    "seed.reveal-mismatch": gettext_lazy(
        "Typed a seed at the draw that does not match the fingerprint (refused)."
    ),
    "job.enqueue.allocate": gettext_lazy("Asked the worker for the allocation (job %(job)s)."),
    "job.enqueue.waiting": gettext_lazy("Asked the worker for a waiting-list round (job %(job)s)."),
    "job.enqueue.report": gettext_lazy(
        "Asked the worker for the council report on %(run)s (job %(job)s)."
    ),
    "job.done": gettext_lazy("The worker finished job %(job)s: %(kind)s."),
    "job.failed": gettext_lazy("Job %(job)s failed: %(kind)s."),
    "offers.expire": gettext_lazy("Let the unanswered offers of %(run)s expire."),
    "run.publish": gettext_lazy("Published the results of %(run)s to families."),
    "run.download": gettext_lazy("Downloaded the round folder and results of %(run)s (zip)."),
    "run.report": gettext_lazy("Opened the council report on %(run)s."),
    "school.create": gettext_lazy("Added the school %(target)s."),
    "school.edit": gettext_lazy("Changed the school %(target)s or its seat pools."),
    "questions.edit": gettext_lazy("Changed the questions for families."),
    "priority.add": gettext_lazy("Gave child %(target)s a priority."),
    "priority.remove": gettext_lazy("Took a priority away from child %(target)s."),
    "child.value": gettext_lazy("Changed a number of child %(target)s that seat pools order by."),
    "child.values-import": gettext_lazy("Uploaded a file of the numbers that seat pools order by."),
    "addresses.import": gettext_lazy("Imported a new address list."),
    "staff.add": gettext_lazy("Gave %(target)s a staff role."),
    "staff.change": gettext_lazy("Changed the staff role of %(target)s."),
    "staff.remove": gettext_lazy(
        "Removed the staff role of %(target)s (the account stays, as a parent's)."
    ),
    "audit.export": gettext_lazy("Downloaded the audit log (CSV)."),
    "child.home-address": gettext_lazy(
        "Linked the home of child %(target)s to an address of the list."
    ),
    "child.home-coordinates": gettext_lazy(
        "Set the home of child %(target)s by coordinates, with a reason."
    ),
    "child.birth-date": gettext_lazy(
        "Set another date of birth for child %(target)s, with a reason."
    ),
    "birth-date.allow": gettext_lazy(
        "Allowed %(target)s to register a child with a date of birth outside the round's range."
    ),
    "birth-date.withdraw": gettext_lazy("Withdrew the date of birth allowed for %(target)s."),
    "totp.setup": gettext_lazy("Set up an authenticator app for signing in to the office."),
    "totp.reset": gettext_lazy(
        "Reset the authenticator app of %(target)s (they set it up again at their next sign-in)."
    ),
    "seed.void": gettext_lazy(
        "Voided the draw by publishing the fingerprint of a new seed (the reason is on the draw page)."
    ),
    "round.open.refused": gettext_lazy("Tried to open the registration; refused."),
    "round.close.refused": gettext_lazy("Tried to close the registration; refused."),
    "round.draft.refused": gettext_lazy("Tried to put the round back to being prepared; refused."),
    "seed.commit.refused": gettext_lazy("Tried to publish the fingerprint of a seed; refused."),
    "seed.void.refused": gettext_lazy("Tried to void the draw; refused."),
    "seed.reveal.refused": gettext_lazy("Tried to reveal the seed at the draw; refused."),
    "round.import.refused": gettext_lazy("Tried to import a round folder; refused."),
    "job.enqueue.allocate.refused": gettext_lazy("Asked the worker for the allocation; refused."),
    "job.enqueue.waiting.refused": gettext_lazy(
        "Asked the worker for a waiting-list round; refused."
    ),
    "run.publish.refused": gettext_lazy("Tried to publish the results of %(run)s; refused."),
    "round.archive.refused": gettext_lazy("Tried to archive the round; refused."),
    "inputs.edit.refused": gettext_lazy(
        "Tried to change what the allocation reads after the draw (%(target)s); refused."
    ),
    "notifications.retry": gettext_lazy("Had the failed e-mail to families sent again."),
    "demo.load": gettext_lazy("Loaded the demo round."),
}

#: the staff roles, in words
ROLE_WORDS: dict[str, Promise] = {
    "office": gettext_lazy("office admin"),
    "school": gettext_lazy("school viewer"),
}

#: what a job does, in words (``Job.kind``)
JOB_KINDS: dict[str, Promise] = {
    "allocate": gettext_lazy("the allocation"),
    "waiting": gettext_lazy("a waiting-list round"),
    "report": gettext_lazy("the council report"),
    "chances": gettext_lazy("admission chances"),
}

#: field names in the entries' data, in words (most are the labels of the office's forms)
FIELDS: dict[str, Promise] = {
    "name": gettext_lazy("name"),
    "status": gettext_lazy("status"),
    "mechanism": gettext_lazy("method"),
    "tie_breaking": gettext_lazy("tie-breaking"),
    "distance": gettext_lazy("distance"),
    "priority_groups": gettext_lazy("priority groups"),
    "default_pools": gettext_lazy("default seat pools"),
    "languages": gettext_lazy("languages"),
    "registration_opens": gettext_lazy("registration opens"),
    "registration_closes": gettext_lazy("registration closes"),
    "draw_at": gettext_lazy("public draw"),
    "results_at": gettext_lazy("results"),
    "acceptance_deadline": gettext_lazy("answer before"),
    "retention_until": gettext_lazy("keep personal data until"),
    "code": gettext_lazy("school id"),
    "capacity": gettext_lazy("seats"),
    "seats": gettext_lazy("seats"),
    "address": gettext_lazy("address"),
    "description": gettext_lazy("about the school"),
    "school": gettext_lazy("school"),
    "pools": gettext_lazy("seat pools"),
    "share": gettext_lazy("share"),
    "favours": gettext_lazy("favours"),
    "order_by": gettext_lazy("order"),
    "group": gettext_lazy("group"),
    "role": gettext_lazy("role"),
    "schools": gettext_lazy("schools"),
    "children": gettext_lazy("children"),
    "seed_commitment": gettext_lazy("fingerprint of the seed"),
    "seed_revealed": gettext_lazy("seed revealed"),
    "expired": gettext_lazy("offers expired"),
    "applicant_ids": gettext_lazy("children"),
    "addresses": gettext_lazy("addresses"),
    "entries": gettext_lazy("entries"),
    "filters": gettext_lazy("filters"),
    "summary": gettext_lazy("summary"),
    "applicants": gettext_lazy("children"),
    "assigned": gettext_lazy("with a school"),
    "unassigned": gettext_lazy("without a school"),
    "first_choice": gettext_lazy("first choice"),
    "top3": gettext_lazy("one of the first three"),
    "runs": gettext_lazy("runs of the method"),
    "problems": gettext_lazy("problems"),
    "result": gettext_lazy("result"),
    "error": gettext_lazy("error"),
    "pledge_groups": gettext_lazy("pledge groups"),
    "inputs": gettext_lazy("files"),
    "by": gettext_lazy("by"),
    "text_nl": gettext_lazy("question (Dutch)"),
    "text_en": gettext_lazy("question (English)"),
    "text_fr": gettext_lazy("question (French)"),
    "flag": gettext_lazy("flag"),
}

#: keys whose values are never shown (secrets; the seed even after its public reveal)
SECRET_KEYS = frozenset(
    {"seed", "token", "password", "secret", "code_hash", "session_key", "session_data"}
)
#: keys that only repeat what the entry already says (database ids, positions, the run and the
#: job its sentence names), or that only a machine reads (the files' fingerprints, the job's
#: technical details)
NOISE_KEYS = frozenset(
    {"id", "seq", "round", "run", "number", "job", "report", "bytes", "language", "draws"}
)
#: keys whose value is summarised (how many), never listed
COUNTED_KEYS = frozenset({"inputs", "applicant_ids", "problems"})
#: at most this many lines of changes per entry; the rest is counted
MAX_LINES = 8
#: values longer than this are cut (with "…")
MAX_TEXT = 60
#: lists of at most this many short values are shown in full, longer ones counted
MAX_LIST = 5

NOTHING = "\u2013"  # an en dash: no value
SEP = " \u203a "  # a single angle quote between the parts of a nested field
RECORD = "\0record"  # the last part of a record's path in flattened data
_JOB = re.compile(r"^job (\d+)(?: \(([\w.-]+)\))?$")


@functools.lru_cache(maxsize=2048)
def _words(table: str, key: str, language: str | None) -> str | None:
    """The words for ``key`` in ``table`` ("actions" or "fields") in ``language``,
    remembered: a long export asks for the same few sentences thousands of times."""
    words = (ACTIONS if table == "actions" else FIELDS).get(key)
    return str(words) if words is not None else None


def kind_of(action: str) -> str:
    """The kind of an action code: ``round.edit`` -> ``round``."""
    return action.split(".", 1)[0]


def job_kind(kind: str) -> str:
    """What a job of ``kind`` does, in words (the code itself for an unknown kind)."""
    words = JOB_KINDS.get(kind)
    return str(words) if words is not None else kind


def _statuses() -> dict[str, Any]:
    from samen.web.core.models import AllocationRun, Job, Round

    return {**dict(Round.STATUSES), **dict(Job.STATUSES), **dict(AllocationRun.STATUSES)}


def _dig(data: Any, key: str) -> Any:
    return data.get(key) if isinstance(data, dict) else None


def _run_number(entry: Any) -> int | None:
    for data in (entry.after, entry.before):
        n = _dig(data, "number")
        if isinstance(n, int):
            return n
        result = _dig(data, "result")
        if isinstance(_dig(result, "number"), int):
            return int(result["number"])
    return number_from_label(entry.target or "")


def sentence(entry: Any) -> str:
    """What the entry records, as a sentence in the active language (rule: every office
    action is written to the audit log; this is how a clerk or an auditor reads it)."""
    template = _words("actions", entry.action, get_language())
    if template is None:
        return entry.action
    target = entry.target or ""
    job = _JOB.match(target)
    job_number = job.group(1) if job else str(_dig(entry.after, "job") or "")
    kind_code = (job.group(2) if job else "") or ""
    number = _run_number(entry)
    kind = job_kind(kind_code)
    if kind_code in ("allocate", "waiting") and number is not None:
        kind = run_name(number)  # the job made this run: say which
    context = {
        "target": target,
        "run": run_name(number) if number is not None else target,
        "job": job_number,
        "kind": kind,
    }
    try:
        return template % context
    except (KeyError, ValueError, TypeError):  # a translation with a broken placeholder
        return entry.action


def who(entry: Any) -> str:
    """Who did it: the e-mail address, or "system" (the worker, a command, the retention)."""
    if not entry.actor_label or entry.actor_label == "system":
        return _("system")
    return str(entry.actor_label)


# --------------------------------------------------------------------------- the changes


def _field(key: str) -> str:
    words = _words("fields", key, get_language())
    return words if words is not None else key


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _when(text: str) -> str | None:
    """An ISO date-time or date in the data, in the reader's time zone and format."""
    if len(text) < 10 or not text[:4].isdigit() or text[4:5] != "-":
        return None
    try:
        if len(text) == 10:
            return formats.date_format(dt.date.fromisoformat(text), "j M Y")
        moment = parse_datetime(text)
    except ValueError:
        return None
    if moment is None:
        return None
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "j M Y H:i:s")


def value_text(value: Any, key: str = "") -> str:
    """One value of an entry's data, short and in words."""
    if key in SECRET_KEYS and value not in (None, ""):
        return _("(not shown)")
    if value is None or value == "" or value == [] or value == {}:
        return NOTHING
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        if key == "role" and value in ROLE_WORDS:
            return str(ROLE_WORDS[value])
        if key == "status":
            words = _statuses().get(value)
            if words is not None:
                return str(words)
        return _when(value) or _short(value)
    if isinstance(value, list):
        if len(value) <= MAX_LIST and all(isinstance(v, str | int | float) for v in value):
            return _short(", ".join(str(v) for v in value))
        return ngettext("%(n)s item", "%(n)s items", len(value)) % {"n": len(value)}
    if isinstance(value, dict):
        return ngettext("%(n)s item", "%(n)s items", len(value)) % {"n": len(value)}
    return _short(str(value))


def _identity(item: Any, index: int) -> str:
    if isinstance(item, dict):
        for key in ("name", "flag", "code"):
            if item.get(key) not in (None, ""):
                return str(item[key])
    return f"#{index + 1}"


def _flatten(value: Any, path: tuple[str, ...], out: dict[tuple[str, ...], Any]) -> None:
    """Leaves of nested data by their path; a list of records is keyed by each record's name,
    so that a pool added or removed in the middle does not shift the others."""
    if isinstance(value, dict) and value and not (path and path[-1] in COUNTED_KEYS):
        for k, v in value.items():
            if k in NOISE_KEYS:
                continue
            _flatten(v, (*path, str(k)), out)
    elif (
        isinstance(value, list)
        and value
        and all(isinstance(v, dict) for v in value)
        and not (path and path[-1] in COUNTED_KEYS)
    ):
        for i, item in enumerate(value):
            out[(*path, _identity(item, i), RECORD)] = item
    else:
        out[path] = value


def _label(path: tuple[str, ...]) -> str:
    return SEP.join(_field(p) for p in path) or _("value")


def _records(flat: dict[tuple[str, ...], Any]) -> dict[tuple[str, ...], Any]:
    """Split records (marked by their path's last part) out of the flat data."""
    return {p[:-1]: v for p, v in flat.items() if p and p[-1] == RECORD}


def changes(before: Any, after: Any) -> list[str]:
    """The entry's data as a short list of lines: for an edit each changed field as
    "field: old → new" (records such as seat pools by name: added, removed or their changed
    fields); for data only after (or only before) each field's value. Long lists and texts
    are summarised, secrets never shown, at most :data:`MAX_LINES` lines."""
    lines = _lines(before, after)
    if len(lines) > MAX_LINES:
        rest = len(lines) - MAX_LINES + 1
        lines = lines[: MAX_LINES - 1]
        lines.append(
            ngettext("and %(n)s more change", "and %(n)s more changes", rest) % {"n": rest}
        )
    return lines


def _lines(before: Any, after: Any) -> list[str]:
    if before is None and after is None:
        return []
    old: dict[tuple[str, ...], Any] = {}
    new: dict[tuple[str, ...], Any] = {}
    if before is not None:
        _flatten(before, (), old)
    if after is not None:
        _flatten(after, (), new)
    lines: list[str] = []
    for path in _ordered(old, new):
        if path and path[-1] == RECORD:
            continue
        a, b = old.get(path), new.get(path)
        key = path[-1] if path else ""
        if before is None:
            lines.append(f"{_label(path)}: {value_text(b, key)}")
        elif after is None:
            lines.append(f"{_label(path)}: {value_text(a, key)} → {NOTHING}")
        elif a != b:
            lines.append(f"{_label(path)}: {value_text(a, key)} → {value_text(b, key)}")
    old_records, new_records = _records(old), _records(new)
    for path in _ordered(old_records, new_records):
        a, b = old_records.get(path), new_records.get(path)
        label = _label(path)
        if a is None:
            lines.append(f"{label}: {_('added')}")
        elif b is None:
            lines.append(f"{label}: {_('removed')}")
        else:
            lines.extend(f"{label}{SEP}{line}" for line in _lines(_fields(a), _fields(b)))
    return lines


def _fields(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in NOISE_KEYS}


def _ordered(
    a: dict[tuple[str, ...], Any], b: dict[tuple[str, ...], Any]
) -> Iterable[tuple[str, ...]]:
    seen = dict.fromkeys(a)
    seen.update(dict.fromkeys(b))
    return list(seen)


def redact(data: Any) -> Any:
    """The entry's data with secrets replaced, for the CSV export."""
    if isinstance(data, dict):
        return {
            k: ("(not shown)" if k in SECRET_KEYS and v not in (None, "") else redact(v))
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [redact(v) for v in data]
    return data
