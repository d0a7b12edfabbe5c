"""Seat pools and cut-offs in words, for the public pages and the office's run dashboard.

A school's seats are split into pools (``docs/allocation-rules.md``, section 4); each pool takes
children by priority (section 5). The cut-off of a pool is the last child it admitted, as the
run's ``cutoffs.csv`` gives it (section 9): its priority group, whether it was one of the
children the seats are for, its distance, place on the list or lottery number. A pool that did
not fill has no cut-off: the school then turned nobody away, because a school rejects a child
only when all its pools are full.

The words come from the published files themselves (``cutoffs.csv``, ``seats.csv`` and
``round.toml`` of the run), so they say what was published even if the office changes the
round's pools later. Only the text of the questions comes from the database.
"""

from __future__ import annotations

import contextlib
import csv
import io
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from django.db.models.fields.json import KeyTextTransform
from django.urls import reverse
from django.utils.translation import gettext as _

from samen.engine.pools import largest_remainder
from samen.web.core import pool_words
from samen.web.core.explain import pool_rule, pool_title, priority_words
from samen.web.core.models import AllocationRun, Pool, Round, School

#: the value cutoffs.csv writes for a child without a priority group
NO_GROUP = "none"


@dataclass
class PoolCutoff:
    """One row of a cut-off table: a pool of a school in a published (or reviewed) run."""

    school_code: str
    school_name: str
    school_url: str
    pool: str
    #: the pool in words: its seats, whom they are for first, in which order
    title: str
    #: the same without the seats and with the flag's name instead of its question (short,
    #: for the table): whom they are for first, in which order
    rule: str
    #: the flags the pool favours (a flag expression names one or several; none: [])
    flags: list[str]
    seats: int
    filled: int
    overflow: int
    #: True when every seat was taken (then ``last`` says who was admitted last)
    full: bool
    #: the cut-off (the last child admitted) or why there is none, in words
    cutoff: str


@dataclass
class RunCutoffs:
    """The cut-offs of one run, with what the table needs around them."""

    run: AllocationRun
    rows: list[PoolCutoff]
    #: serial dictatorship: pools and priorities do not apply, so there are no cut-offs
    no_pools: bool
    #: (flag, question) of every flag a pool of the rows favours: the table names the flag
    #: (``PoolCutoff.rule``) and lists the questions below it
    questions: list[tuple[str, str]] = field(default_factory=list)

    @property
    def overflow(self) -> bool:
        return any(r.overflow for r in self.rows)


def flag_texts(rnd: Round) -> dict[str, str]:
    """The question of each flag, in the reader's language."""
    return {q.flag: q.text() for q in rnd.questions.all()}


# --------------------------------------------------------------------------- the pools in words


def percent(share: str | float) -> str:
    """``0.3`` -> ``30%``, ``1/3`` -> ``33.3%``."""
    value = Fraction(str(share)) * 100
    text = f"{float(value):.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _pool_specs(school: School) -> list[dict[str, Any]]:
    pools: list[Pool] = list(school.pools.all())
    if pools:
        return [
            {
                "name": p.name,
                "seats": p.seats,
                "share": p.share,
                "favours": p.favours,
                "order_by": p.order_by,
            }
            for p in pools
        ]
    return [
        {
            "name": p.get("name", ""),
            "seats": None,
            "share": str(p.get("share", "")),
            "favours": p.get("favours", ""),
            "order_by": p.get("order_by", "lottery"),
        }
        for p in school.round.default_pools
    ]


def school_pools(school: School, flags: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The school's seat pools as its round sets them now, in precedence order, in words a
    parent understands (rules section 4: shares become seats by the largest remainder)."""
    specs = _pool_specs(school)
    if not specs:
        return []
    flags = flag_texts(school.round) if flags is None else flags
    labels = pool_words.number_labels(school.round.numbers)
    seats: list[int | None] = [p["seats"] for p in specs]
    shares = [p["share"] for p in specs]
    if any(s is None for s in seats):
        try:
            seats = list(largest_remainder(shares, school.capacity))
        except (ValueError, ZeroDivisionError, ArithmeticError):
            seats = [None] * len(specs)  # shares the office has not finished: no seat counts
    out: list[dict[str, Any]] = []
    for spec, n in zip(specs, seats, strict=True):
        favours = spec["favours"] or ""
        pool = {
            "favours": favours,
            "order_by": spec["order_by"],
            "seats": n if n is not None else "?",
        }
        item: dict[str, Any] = {"name": spec["name"], "title": pool_title(pool, flags, labels)}
        if spec["seats"] is None and spec["share"]:
            with contextlib.suppress(ValueError, ZeroDivisionError):
                item["share"] = _("%(percent)s of the seats") % {"percent": percent(spec["share"])}
        if favours:
            item["spill"] = _(
                "If fewer of these children apply, the other children get these seats."
            )
        out.append(item)
    return out


# --------------------------------------------------------------------------- the published files


def _pools_of_run(seats_csv: str, round_toml: str) -> tuple[dict[tuple[str, str], dict], list]:
    """(school id, pool name) -> {"favours", "order_by"} from the run's seats.csv, and the
    round's default pools from its round.toml."""
    by_pool: dict[tuple[str, str], dict[str, str]] = {}
    for row in csv.DictReader(io.StringIO(seats_csv or "")):
        by_pool[(row.get("school_id", ""), row.get("pool", ""))] = {
            "favours": row.get("favours", "") or "",
            "order_by": row.get("order_by", "") or "lottery",
        }
    defaults: list[dict[str, str]] = []
    try:
        defaults = list(tomllib.loads(round_toml or "").get("default_pools", []))
    except tomllib.TOMLDecodeError:
        defaults = []
    return by_pool, defaults


def _spec(
    code: str, pool: str, by_pool: dict[tuple[str, str], dict], defaults: list
) -> dict[str, str]:
    if (code, pool) in by_pool:
        return by_pool[(code, pool)]
    for p in defaults:
        if p.get("name") == pool:
            return {"favours": p.get("favours", "") or "", "order_by": p.get("order_by", "lottery")}
    return {"favours": "", "order_by": "lottery"}


def _number(text: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0


def parse(
    rnd: Round,
    cutoffs_csv: str,
    seats_csv: str,
    round_toml: str,
    schools: dict[str, School],
    flags: dict[str, str],
    only: str | None = None,
) -> list[PoolCutoff]:
    """The rows of ``cutoffs.csv`` in words (only school ``only`` if given)."""
    by_pool, defaults = _pools_of_run(seats_csv, round_toml)
    groups = set(rnd.priority_groups)
    labels = pool_words.number_labels(rnd.numbers)
    rows: list[PoolCutoff] = []
    for row in csv.DictReader(io.StringIO(cutoffs_csv or "")):
        code = row.get("school_id", "")
        if only is not None and code != only:
            continue
        spec = _spec(code, row.get("pool", ""), by_pool, defaults)
        seats, filled = _number(row.get("seats", "")), _number(row.get("filled", ""))
        title = pool_title({**spec, "seats": seats}, flags, labels)
        named = pool_words.flags_of(spec["favours"])
        rule = ", ".join(pool_rule(spec, {f: f for f in named}, labels))
        full = bool(row.get("cutoff_order_by"))
        if full:
            group = row.get("cutoff_group", "")
            data = {
                "group": "" if group == NO_GROUP and group not in groups else group,
                "favoured": row.get("cutoff_favoured") == "1",
                "value": row.get("cutoff_value", ""),
                "lottery": row.get("cutoff_lottery", ""),
            }
            cutoff = priority_words(row["cutoff_order_by"], data, spec["favours"], labels)
        elif seats == 0:
            cutoff = _("This group has no seats.")
        else:
            cutoff = _(
                "Not all seats were taken (%(filled)s of %(seats)s): everyone who applied got a "
                "seat."
            ) % {"filled": filled, "seats": seats}
        school = schools.get(code)
        rows.append(
            PoolCutoff(
                school_code=code,
                school_name=school.display_name if school else code,
                school_url=reverse("school", args=[rnd.slug, code]) if school else "",
                pool=row.get("pool", ""),
                title=title,
                rule=rule,
                flags=named,
                seats=seats,
                filled=filled,
                overflow=_number(row.get("overflow", "")),
                full=full,
                cutoff=cutoff,
            )
        )
    return rows


def _files(runs: Iterable[int]) -> dict[int, tuple[str, str, str]]:
    """cutoffs.csv, seats.csv and round.toml of each run, read without the large files
    (assignments.csv, applicants.csv) that the same JSON columns hold."""
    rows = AllocationRun.objects.filter(pk__in=list(runs)).values_list(
        "pk",
        KeyTextTransform("cutoffs.csv", "result_files"),
        KeyTextTransform("seats.csv", "input_files"),
        KeyTextTransform("round.toml", "input_files"),
    )
    return {pk: (c or "", s or "", t or "") for pk, c, s, t in rows}


def run_pools(run: AllocationRun) -> Callable[[str, str], dict[str, str]]:
    """(school id, pool name) -> {"favours", "order_by"} as the run's own seats.csv and
    round.toml give them (what was published, whatever the office changed later)."""
    _cut, seats, toml = _files([run.pk]).get(run.pk, ("", "", ""))
    by_pool, defaults = _pools_of_run(seats, toml)
    return lambda code, pool: _spec(code, pool, by_pool, defaults)


def run_cutoffs(runs: list[AllocationRun], only: str | None = None) -> list[RunCutoffs]:
    """The cut-off tables of ``runs`` (all of one round), in the order given."""
    if not runs:
        return []
    rnd = runs[0].round
    schools = {s.code: s for s in rnd.schools.all()}
    flags = flag_texts(rnd)
    files = _files(r.pk for r in runs)
    out = []
    for run in runs:
        cut, seats, toml = files.get(run.pk, ("", "", ""))
        no_pools = run.mechanism == "serial-dictatorship"
        rows = [] if no_pools else parse(rnd, cut, seats, toml, schools, flags, only)
        used = list(dict.fromkeys(f for r in rows for f in r.flags))
        questions = [(f, flags.get(f, f)) for f in used]
        out.append(RunCutoffs(run=run, rows=rows, no_pools=no_pools, questions=questions))
    return out


def sort_rows(rows: list[PoolCutoff], key: str) -> list[PoolCutoff]:
    """The rows by school name (``name`` A to Z, ``-name`` Z to A; then by school id); the
    pools of one school stay in precedence order."""
    names = sorted({(r.school_name.casefold(), r.school_code) for r in rows})
    if key == "-name":
        names.reverse()
    rank = {code: k for k, (_name, code) in enumerate(names)}
    return sorted(rows, key=lambda r: rank[r.school_code])  # stable: pools keep their order


SORT_KEYS = ("name", "-name")


def last_published(school: School) -> RunCutoffs | None:
    """The cut-offs of ``school`` (by school id) in the main allocation of the most recent
    published round that has it: the school's own round if it is published, else the round
    whose results were published last. Draft rounds and unpublished runs never count."""
    published = AllocationRun.objects.filter(
        status=AllocationRun.PUBLISHED,
        number=0,
        round__status__in=[Round.PUBLISHED, Round.ARCHIVED],
        round__schools__code=school.code,
    ).select_related("round")
    run = published.filter(round=school.round).first()
    if run is None:
        run = published.order_by("-published_at", "-pk").first()
    if run is None:
        return None
    return run_cutoffs([run], only=school.code)[0]
