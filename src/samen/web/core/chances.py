"""Live admission chances on a child's ranking page.

:func:`admission_chances` is what the ranking page calls. While the registration of the round
is open it estimates, for the child's list as it is now, the chance of a seat at each school on
the list and of no school, with :func:`samen.analytics.chances.what_if` (``docs/chances.md``):
the round is allocated again and again with other lottery draws, and the draws are counted.
The template ``samen/family/_chances.html`` shows the result.

How it works:

- **The round so far.** Every child registered so far with a list, as the platform's round
  folder gives them to the engine (:func:`samen.web.core.exchange.folder_data`, read back by
  :func:`samen.io.read_round`), is one *base* instance per round, kept in Django's cache for
  ``SAMEN_CHANCES_CACHE_SECONDS`` (default 120) and shared by all families of the round. The
  lottery seed of the draws is a fixed public text (``samen chances|<round>``), never the
  round's own seed, which is secret until the public draw: the draws are other, hypothetical
  lotteries.
- **The list being edited.** The child's list is read from the database at every page view and
  put into the base instance with ``what_if`` (schools that were not on its list in the base
  get the child's priority there and its distance, computed as the round folder computes
  them). So a family sees its own changes at once; other families' changes show up when the
  base is renewed. The base is also renewed when the child is not in it yet or its details
  (address, answers, pledge group) changed after the base was made.
- **The numbers** are cached per (round, child, base, list) for the same time, so reloading the
  page is cheap. ``SAMEN_CHANCES_DRAWS`` (default 300) draws run in the web process
  (``processes=1``): about 0.3 s for a 900-child round.
- **Only honest numbers.** Nothing is estimated unless the registration is open and at least
  ``SAMEN_CHANCES_MIN_CHILDREN`` (default 20) children have a list; the page then says so.
  Rounds with more than ``SAMEN_CHANCES_MAX_CHILDREN`` (default 5,000) children with a list
  are not estimated in a web request either (too slow for a page view); the page says so
  instead of queueing a job. (The office can run ``samen chances`` on the exported folder.)
- **Privacy.** The page only ever shows this child's own row: probabilities, which are
  aggregates over all families; no count, list or fact of another family.

Every setting can be given as a Django setting or as an environment variable of the same name.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from samen.web.core.models import Child, Choice, DistanceOverride, Priority, Round

log = logging.getLogger("samen.chances")

#: the lottery seed of the draws (``<seed>|draw:k``): public, never the round's own seed
SEED_TEXT = "samen chances|{slug}"
CACHE_PREFIX = "samen:chances:v1"

DEFAULTS: dict[str, int] = {
    "SAMEN_CHANCES_DRAWS": 300,
    "SAMEN_CHANCES_MIN_CHILDREN": 20,
    "SAMEN_CHANCES_MAX_CHILDREN": 5000,
    "SAMEN_CHANCES_CACHE_SECONDS": 120,
}


def setting(name: str) -> int:
    """A whole-number setting: the Django setting, else the environment variable, else the
    default."""
    value: Any = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name) or DEFAULTS[name]
    return int(value)


# --------------------------------------------------------------------------- what the page gets


def _percent(p: float) -> int:
    return math.floor(100 * p + 0.5)


def in_words(p: float, lo: float, hi: float) -> str:
    """The chance in plain words: "about 7 in 10"; near 0 or 1 only what the interval
    supports ("less than 1 in 20")."""
    if hi < 0.05:
        return _("less than 1 in 20")
    if lo > 0.95:
        return _("more than 19 in 20")
    tenths = math.floor(10 * p + 0.5)
    if tenths <= 0:
        return _("less than 1 in 10")
    if tenths >= 10:
        return _("more than 9 in 10")
    return _("about %(k)s in 10") % {"k": tenths}


def interval_text(lo: float, hi: float) -> str:
    """The 95% interval in whole percents, rounded outwards: "62% to 73%"."""
    low = math.floor(100 * lo + 1e-9)  # no 62.00000000000001 -> 63
    high = math.ceil(100 * hi - 1e-9)
    return _("%(lo)s%% to %(hi)s%%") % {"lo": low, "hi": high}


@dataclass(frozen=True)
class Estimate:
    """A probability with its 95% interval."""

    probability: float
    lo: float
    hi: float

    @property
    def words(self) -> str:
        return in_words(self.probability, self.lo, self.hi)

    @property
    def percent(self) -> int:
        return _percent(self.probability)

    @property
    def percent_text(self) -> str:
        return _("%(p)s%%") % {"p": self.percent}

    @property
    def interval(self) -> str:
        return interval_text(self.lo, self.hi)


@dataclass(frozen=True)
class SchoolChance:
    """One school on the child's list."""

    school_code: str
    school_name: str
    #: the place on the list, 1 = first choice
    rank: int
    #: a seat at this school
    seat: Estimate
    #: a seat at this school or at one ranked higher
    this_or_better: Estimate


@dataclass(frozen=True)
class AdmissionChances:
    """What the ranking page shows: the estimate (``state == READY``) or why there is none."""

    READY = "ready"
    TOO_FEW = "too-few"
    TOO_LARGE = "too-large"
    FAILED = "failed"

    state: str
    schools: tuple[SchoolChance, ...] = ()
    no_school: Estimate | None = None
    draws: int = 0
    #: children needed before chances are shown (for the message)
    minimum: int = 0
    #: when the numbers were computed
    computed_at: datetime | None = None
    #: the list had a school whose distance is unknown: the chance there is a lower bound
    distance_unknown: bool = False
    seconds: float = field(default=0.0, compare=False)

    @property
    def ready(self) -> bool:
        return self.state == self.READY


# --------------------------------------------------------------------------- the round so far


@dataclass(frozen=True)
class _Base:
    """The round's instance from the database, with its indexes."""

    instance: Any
    built_at: datetime
    token: str
    applicants: dict[str, int]
    schools: dict[str, int]
    #: school index -> True when a seat pool of the school goes by distance
    by_distance: tuple[bool, ...]


def _base_key(rnd: Round) -> str:
    return f"{CACHE_PREFIX}:base:{rnd.pk}"


def _build_base(rnd: Round) -> _Base:
    """Read the round from the database as the engine reads it (the platform's round folder)."""
    from samen.engine.instance import ORDER_DISTANCE
    from samen.io.round import read_round
    from samen.web.core.exchange import folder_data, render_folder, write_folder

    built_at = timezone.now()
    data = replace(folder_data(rnd), seed=SEED_TEXT.format(slug=rnd.slug))
    files = render_folder(data)
    with tempfile.TemporaryDirectory(prefix="samen-chances-") as tmp:
        write_folder(files, Path(tmp))
        inst = read_round(tmp).instance
    by_distance = tuple(
        any(int(inst.pool_order[p]) == ORDER_DISTANCE for p in inst.pools_of(s))
        for s in range(inst.n_schools)
    )
    token = hashlib.sha256(b"".join(files[k] for k in sorted(files))).hexdigest()[:16]
    return _Base(
        instance=inst,
        built_at=built_at,
        token=token,
        applicants={a: i for i, a in enumerate(inst.applicant_ids)},
        schools={s: i for i, s in enumerate(inst.school_ids)},
        by_distance=by_distance,
    )


def _base_for(rnd: Round, child: Child, codes: list[str]) -> _Base:
    """The cached base, renewed when it does not hold ``child`` as it is now (or a school of
    its list)."""
    base: _Base | None = cache.get(_base_key(rnd))
    if (
        base is None
        or child.public_id not in base.applicants
        or (child.updated_at is not None and child.updated_at >= base.built_at)
        or any(c not in base.schools for c in codes)
    ):
        base = _build_base(rnd)
        cache.set(_base_key(rnd), base, setting("SAMEN_CHANCES_CACHE_SECONDS"))
    return base


def _children_with_a_list(rnd: Round) -> int:
    return Child.objects.filter(round=rnd, choices__isnull=False).distinct().count()


# --------------------------------------------------------------------------- the estimate


def _list_facts(
    child: Child, base: _Base, codes: list[str]
) -> tuple[dict[int, str], dict[int, float], bool]:
    """The child's priority group at each listed school (the strongest, as the round folder
    gives it), its distance to the listed schools it did not list when the base was made
    (computed as the round folder computes it), and whether a distance that a school's seats
    go by is unknown."""
    from samen.web.core import geo

    rnd = child.round
    inst = base.instance
    a = base.applicants[child.public_id]
    first = int(inst.choice_ptr[a])
    in_base = {int(s): first + j for j, s in enumerate(inst.choices_of(a).tolist())}
    groups = list(inst.priority_groups)
    priorities: dict[int, str] = {}
    for code, group in Priority.objects.filter(child=child).values_list("school__code", "group"):
        s = base.schools.get(code)
        if s is None or group not in groups:
            continue
        if s not in priorities or groups.index(group) < groups.index(priorities[s]):
            priorities[s] = group
    overrides = dict(
        DistanceOverride.objects.filter(child=child).values_list("school__code", "metres")
    )
    new = [c for c in codes if base.schools[c] not in in_base and base.by_distance[base.schools[c]]]
    places = {s.code: s for s in rnd.schools.filter(code__in=new)} if new else {}
    distances: dict[int, float] = {}
    unknown = False
    for code in codes:
        s = base.schools[code]
        if not base.by_distance[s]:
            continue
        if s in in_base:
            unknown = unknown or math.isnan(float(inst.distance[in_base[s]]))
        elif code in overrides:
            distances[s] = float(overrides[code])
        else:
            d = geo.distance_between(rnd.distance, child, places[code])
            if d is None or math.isnan(d):
                unknown = True
            else:
                distances[s] = d
    return priorities, distances, unknown


def _result_key(rnd: Round, child: Child, base: _Base, codes: list[str], draws: int) -> str:
    version = hashlib.sha256(
        "|".join([base.token, child.public_id, ";".join(codes), str(draws)]).encode()
    ).hexdigest()[:24]
    return f"{CACHE_PREFIX}:child:{rnd.pk}:{child.pk}:{version}"


def _compute(child: Child, base: _Base, codes: list[str], draws: int) -> dict[str, Any]:
    from samen.analytics.chances import what_if

    inst = base.instance
    a = base.applicants[child.public_id]
    priorities, distances, unknown = _list_facts(child, base, codes)
    started = time.perf_counter()
    row = what_if(
        inst,
        a,
        [base.schools[c] for c in codes],
        draws,
        priorities=priorities,
        distances=distances,
        processes=1,
    )
    seconds = time.perf_counter() - started
    log.info(
        "chances: round %s, %s children, %s draws in %.2f s",
        child.round_id,
        inst.n_applicants,
        draws,
        seconds,
    )
    ulo, uhi = row.unassigned_interval
    return {
        "codes": list(row.school_ids),
        "p": row.probability.tolist(),
        "lo": row.lo.tolist(),
        "hi": row.hi.tolist(),
        "cp": row.cumulative.tolist(),
        "clo": row.cumulative_lo.tolist(),
        "chi": row.cumulative_hi.tolist(),
        "none": [row.p_unassigned, ulo, uhi],
        "draws": row.n_draws,
        "unknown": unknown,
        "at": timezone.now(),
        "seconds": seconds,
    }


def admission_chances(child: Child) -> AdmissionChances | None:
    """The child's chances per school on its list while the registration is open; None (the
    page shows nothing) when it is not, or the list is empty. The caller has checked that the child is the signed-in
    parent's own."""
    rnd: Round = child.round
    if not rnd.registration_is_open():
        return None
    choices = list(
        Choice.objects.filter(child=child)
        .order_by("rank")
        .values_list("school__code", "school__name")
    )
    if not choices:  # the page says the list is empty
        return None
    minimum = setting("SAMEN_CHANCES_MIN_CHILDREN")
    n = _children_with_a_list(rnd)
    if n < minimum:
        return AdmissionChances(AdmissionChances.TOO_FEW, minimum=minimum)
    if n > setting("SAMEN_CHANCES_MAX_CHILDREN"):
        return AdmissionChances(AdmissionChances.TOO_LARGE, minimum=minimum)
    codes = [code for code, _name in choices]
    names = dict(choices)
    draws = max(1, setting("SAMEN_CHANCES_DRAWS"))
    try:
        base = _base_for(rnd, child, codes)
        key = _result_key(rnd, child, base, codes, draws)
        found = cache.get(key)
        if found is None:
            found = _compute(child, base, codes, draws)
            cache.set(key, found, setting("SAMEN_CHANCES_CACHE_SECONDS"))
    except Exception:  # never break the ranking page; never show a made-up number
        log.exception("chances for child %s failed", child.pk)
        return AdmissionChances(AdmissionChances.FAILED, minimum=minimum)
    schools = tuple(
        SchoolChance(
            school_code=code,
            school_name=names.get(code, code),
            rank=j + 1,
            seat=Estimate(found["p"][j], found["lo"][j], found["hi"][j]),
            this_or_better=Estimate(found["cp"][j], found["clo"][j], found["chi"][j]),
        )
        for j, code in enumerate(found["codes"])
    )
    return AdmissionChances(
        AdmissionChances.READY,
        schools=schools,
        no_school=Estimate(*found["none"]),
        draws=int(found["draws"]),
        minimum=minimum,
        computed_at=found["at"],
        distance_unknown=bool(found["unknown"]),
        seconds=float(found["seconds"]),
    )


__all__ = [
    "AdmissionChances",
    "Estimate",
    "SchoolChance",
    "admission_chances",
    "in_words",
    "interval_text",
]
