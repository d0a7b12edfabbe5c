"""One public numbering for allocation runs, the same on every page, file and audit entry.

A round has one *allocation* (``AllocationRun.number`` 0) and then *waiting-list rounds* 1, 2,
... (``number`` 1, 2, ...). Allocating again before publication replaces the run under review:
it keeps its name, because it is the same step of the round. That name is what the office,
families, file names and the audit log use; the run's database id appears only inside URLs.

* in words (translated): "the allocation", "waiting-list round 2";
* in the audit log's target (stable, not translated, so an entry reads the same in every
  language and can be searched): "allocation", "waiting-list round 2";
* in file names: ``SLUG-allocation.zip``, ``SLUG-waiting-list-2.zip`` (``-report.html`` for
  the council report).
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _


def _number(run_or_number: Any) -> int:
    return int(getattr(run_or_number, "number", run_or_number) or 0)


def run_name(run_or_number: Any) -> str:
    """The run's name in the active language, for a sentence: "the allocation"."""
    n = _number(run_or_number)
    if n == 0:
        return _("the allocation")
    return _("waiting-list round %(n)s") % {"n": n}


def run_title(run_or_number: Any) -> str:
    """The run's name as a heading: "The allocation", "Waiting-list round 2"."""
    return str(capfirst(run_name(run_or_number)))


def run_label(run_or_number: Any) -> str:
    """The run's name in the audit log's target: "allocation", "waiting-list round 2"."""
    n = _number(run_or_number)
    return "allocation" if n == 0 else f"waiting-list round {n}"


#: the targets of audit entries written before this numbering: "run 0", "run 2"
_OLD_TARGET = re.compile(r"^run (\d+)$")
_LABEL = re.compile(r"^(allocation|waiting-list round (\d+))$")


def number_from_label(label: str) -> int | None:
    """The run number an audit target names (this numbering or the older "run N"), or None."""
    old = _OLD_TARGET.match(label)
    if old:
        return int(old.group(1))
    new = _LABEL.match(label)
    if new:
        return int(new.group(2) or 0)
    return None


def run_file_stem(slug: str, run_or_number: Any) -> str:
    """The start of the run's file names: ``mechelen-2027-allocation``."""
    n = _number(run_or_number)
    return f"{slug}-allocation" if n == 0 else f"{slug}-waiting-list-{n}"


def number_from_stem(stem: str) -> int | None:
    """The run number a file name's stem without the round's slug names (``allocation`` is 0,
    ``waiting-list-2`` is 2), or None.

    >>> number_from_stem("allocation"), number_from_stem("waiting-list-2"), number_from_stem("x")
    (0, 2, None)
    """
    if stem == "allocation":
        return 0
    head, _, tail = stem.rpartition("-")
    if head == "waiting-list" and tail.isdigit() and tail[0] != "0":
        return int(tail)
    return None
