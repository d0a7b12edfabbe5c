"""Waiting-list positions (``docs/allocation-rules.md``, section 10.7): "you are 9th on the
waiting list of School X".

A run of a round with ``waitlists = true`` writes ``waitlists.csv``: for every school and each
of its seat pools, the children waiting for a seat there (unplaced, or placed at a school lower
on their list), in the order of their priority for that pool. When a run is stored, each
child's rows of that file become its placement's ``waiting`` (:func:`by_child`), so a child's
page reads them without parsing the file; the school viewer's page reads its school's lists from
the file itself (:func:`school_lists`).

A family sees the positions of the newest published run (the allocation, or the latest
waiting-list round), and only while the child still waits: not after declining or letting the
offer expire (then it left the waiting lists).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from samen.web.core import pool_words
from samen.web.core.models import AllocationRun, Child, Placement, School

FILE = "waitlists.csv"


def _rows(text: str) -> list[tuple[str, str, int, str]]:
    """(school id, pool, position, applicant id) of every row of waitlists.csv."""
    out: list[tuple[str, str, int, str]] = []
    reader = csv.reader(io.StringIO(text or ""))
    header = next(reader, None)
    if not header:
        return out
    col = {name: k for k, name in enumerate(header)}
    s, p, pos, a = col["school_id"], col["pool"], col["position"], col["applicant_id"]
    for row in reader:
        if row:
            out.append((row[s], row[p], int(row[pos]), row[a]))
    return out


def by_child(text: str) -> dict[str, list[dict[str, Any]]]:
    """Each child's places on the waiting lists of a run's ``waitlists.csv``, by applicant id:
    ``[{"school", "pool", "position", "of"}]`` in the file's order (schools in schools.csv
    order, pools in precedence order); ``of`` is how many children that list holds."""
    rows = _rows(text)
    length: dict[tuple[str, str], int] = {}
    for school, pool, _pos, _aid in rows:
        length[(school, pool)] = length.get((school, pool), 0) + 1
    out: dict[str, list[dict[str, Any]]] = {}
    for school, pool, position, aid in rows:
        out.setdefault(aid, []).append(
            {"school": school, "pool": pool, "position": position, "of": length[(school, pool)]}
        )
    return out


def _newest(placement: Placement) -> bool:
    run = placement.run
    newest = run.round.latest_published_run()
    return newest is not None and newest.pk == run.pk


def still_waiting(placement: Placement | None) -> bool:
    """Whether the placement's waiting-list positions still hold for the family: it belongs
    to the newest published run and the family did not decline (or let the offer expire)."""
    if placement is None or not placement.waiting:
        return False
    if placement.response in (Placement.DECLINED, Placement.EXPIRED):
        return False
    return placement.run.status == AllocationRun.PUBLISHED and _newest(placement)


def describe(placement: Placement) -> list[dict[str, Any]]:
    """The placement's waiting-list positions in words, one per school and pool: the school,
    the position and the list's length, and whom the pool's seats are for (from the run's own
    seats.csv and round.toml)."""
    from samen.web.core import cutoffs  # (cutoffs reads the allocation's words: no cycle)

    run = placement.run
    rnd = run.round
    names = {s.code: s for s in rnd.schools.all()}
    # the child's list order (frozen since the draw), so the positions read top to bottom
    rank = {code: r for code, r in placement.child.choices.values_list("school__code", "rank")}
    spec = cutoffs.run_pools(run)
    flag_text = cutoffs.flag_texts(rnd)
    labels = pool_words.number_labels(rnd.numbers)
    out = []
    for item in placement.waiting:
        school = names.get(item["school"])
        pool = item["pool"]
        seats = ""
        if pool:
            p = spec(item["school"], pool)
            seats = _("Seats %(who)s, %(order)s.") % {
                "who": pool_words.who(p["favours"], flag_text),
                "order": pool_words.order(p["order_by"], labels),
            }
        out.append(
            {
                "school": school.display_name if school else item["school"],
                "code": item["school"] if school else "",
                "pool": pool,
                "seats": seats,
                "position": item["position"],
                "of": item["of"],
                "rank": rank.get(item["school"], 0),
            }
        )
    out.sort(key=lambda w: (w["rank"] or len(rank) + 1))
    return out


def for_family(placement: Placement | None) -> list[dict[str, Any]]:
    """What the family's page shows: :func:`describe` while :func:`still_waiting`, else
    nothing."""
    if placement is None or not still_waiting(placement):
        return []
    return describe(placement)


def office_view(child: Child) -> dict[str, Any] | None:
    """For the office's applicant page: the child's positions in the newest run that has any
    (published or not: the office checks a run before publishing it), with that run."""
    placement = (
        child.placements.exclude(waiting=[])
        .exclude(run__status=AllocationRun.DISCARDED)
        .select_related("run")
        .order_by("-run__number", "-run__created_at")
        .first()
    )
    if placement is None:
        return None
    return {"run": placement.run, "items": describe(placement)}


@dataclass
class SchoolList:
    """One waiting list of a school: the pool (empty under serial dictatorship), whom its
    seats are for, and the children in order (position, applicant id)."""

    pool: str
    seats: str
    children: list[tuple[int, str]]


def school_lists(run: AllocationRun, school: School) -> list[SchoolList]:
    """The waiting lists of ``school`` in ``run``, pool by pool (pseudonymous ids only)."""
    from samen.web.core import cutoffs

    text = run.result_files.get(FILE, "")
    if not text:
        return []
    spec = cutoffs.run_pools(run)
    flag_text = cutoffs.flag_texts(run.round)
    labels = pool_words.number_labels(run.round.numbers)
    lists: dict[str, SchoolList] = {}
    prefix = school.code
    for line_school, pool, position, aid in _rows(text):
        if line_school != prefix:
            continue
        found = lists.get(pool)
        if found is None:
            seats = ""
            if pool:
                p = spec(school.code, pool)
                seats = _("Seats %(who)s, %(order)s.") % {
                    "who": pool_words.who(p["favours"], flag_text),
                    "order": pool_words.order(p["order_by"], labels),
                }
            found = lists[pool] = SchoolList(pool, seats, [])
        found.children.append((position, aid))
    return list(lists.values())


__all__ = [
    "FILE",
    "SchoolList",
    "by_child",
    "describe",
    "for_family",
    "office_view",
    "school_lists",
    "still_waiting",
]
