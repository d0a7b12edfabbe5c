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
- **Big rounds: a background job.** Rounds with more than ``SAMEN_CHANCES_MAX_CHILDREN``
  (default 5,000) children with a list are not estimated in a web request (too slow for a page
  view). The page queues a job of kind ``chances`` instead (:mod:`samen.web.core.jobs`, done by
  ``samen web worker``) and says that the chances are being computed, with the job's status,
  and no number. The worker computes them with the same code (the same base, seed and number of
  draws as above, read by the worker itself) and keeps them in the job's result (JSON, so every
  web process reads them, whatever cache it has). The page shows them, exactly as the live
  path would, while the job's list is the child's list as it is now, its base is at most
  ``SAMEN_CHANCES_JOB_FRESH_SECONDS`` (default 3,600) old and the child's details did not
  change after it; otherwise it queues a new job. The job's parameters are the child's id and
  the school codes of its list (and the language, as every job). A child has at most one
  waiting job: a new list replaces the list of the waiting job, a page view with the same
  list reuses it. A job the worker is running cannot be stopped: when the list changed
  meanwhile, a new waiting job follows it, and its numbers (for the old list) are never shown.
  A failed job shows that the chances could not be computed, until it is older than
  ``SAMEN_CHANCES_CACHE_SECONDS``; the next page view then tries again. The worker deletes a
  child's older chances jobs when it has done a new one, and every finished chances job older
  than ``SAMEN_CHANCES_JOB_FRESH_SECONDS`` (its numbers would not be shown any more); a job
  whose round's registration has closed ends at once without computing. With
  ``SAMEN_CHANCES_JOBS=0`` (a platform without a worker) big rounds get no chances, and the
  page says so. (The office can also run ``samen chances`` on the exported folder.)
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
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samen.web.core import homes, jobs
from samen.web.core.models import Child, Choice, DistanceOverride, Job, Priority, Round

log = logging.getLogger("samen.chances")

#: the lottery seed of the draws (``<seed>|draw:k``): public, never the round's own seed
SEED_TEXT = "samen chances|{slug}"
CACHE_PREFIX = "samen:chances:v1"

DEFAULTS: dict[str, int] = {
    "SAMEN_CHANCES_DRAWS": 300,
    "SAMEN_CHANCES_MIN_CHILDREN": 20,
    "SAMEN_CHANCES_MAX_CHILDREN": 5000,
    "SAMEN_CHANCES_CACHE_SECONDS": 120,
    "SAMEN_CHANCES_JOBS": 1,
    "SAMEN_CHANCES_JOB_FRESH_SECONDS": 3600,
}

#: the kind of the background jobs of big rounds (:mod:`samen.web.core.jobs`)
JOB_KIND = jobs.CHANCES


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
    #: a big round: a background job computes the numbers (``job_status`` says how far it is)
    PENDING = "pending"

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
    #: ``PENDING``: the status of the job (``Job.QUEUED`` or ``Job.RUNNING``)
    job_status: str = ""

    @property
    def ready(self) -> bool:
        return self.state == self.READY

    @property
    def pending(self) -> bool:
        return self.state == self.PENDING

    @property
    def job_status_text(self) -> str:
        """The job's status in words ("waiting", "running")."""
        return str(dict(Job.STATUSES).get(self.job_status, self.job_status))


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
    # a home still to be checked counts as farthest away here (an estimate, never published;
    # the allocation itself waits for the office to check it: samen.web.core.homes)
    data = replace(
        folder_data(rnd, unverified_metres=homes.FARTHEST_METRES),
        seed=SEED_TEXT.format(slug=rnd.slug),
    )
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
        if not child.home_verified:
            unknown = True  # counted as farthest away until the office checks the address
        if s in in_base:
            unknown = unknown or math.isnan(float(inst.distance[in_base[s]]))
        elif code in overrides:
            distances[s] = float(overrides[code])
        else:
            d = homes.distance_to(child, places[code], rnd.distance)
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


def _list_of(child: Child) -> list[tuple[str, str]]:
    """The child's list as it is now: (school code, school name), first choice first."""
    return list(
        Choice.objects.filter(child=child)
        .order_by("rank")
        .values_list("school__code", "school__name")
    )


def admission_chances(child: Child) -> AdmissionChances | None:
    """The child's chances per school on its list while the registration is open; None (the
    page shows nothing) when it is not, or the list is empty. The caller has checked that the
    child is the signed-in parent's own (a big round queues a job for it)."""
    rnd: Round = child.round
    if not rnd.registration_is_open():
        return None
    choices = _list_of(child)
    if not choices:  # the page says the list is empty
        return None
    minimum = setting("SAMEN_CHANCES_MIN_CHILDREN")
    n = _children_with_a_list(rnd)
    if n < minimum:
        return AdmissionChances(AdmissionChances.TOO_FEW, minimum=minimum)
    codes = [code for code, _name in choices]
    names = dict(choices)
    if n > setting("SAMEN_CHANCES_MAX_CHILDREN"):
        if not setting("SAMEN_CHANCES_JOBS"):
            return AdmissionChances(AdmissionChances.TOO_LARGE, minimum=minimum)
        return _from_job(child, codes, names, minimum)
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
    return _ready(found, names, minimum)


def _ready(found: dict[str, Any], names: dict[str, str], minimum: int) -> AdmissionChances:
    """The page's numbers from what :func:`_compute` gave (live, or kept by a job)."""
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


# --------------------------------------------------------------------------- big rounds: a job


def _child_jobs(child: Child) -> Any:
    return Job.objects.filter(kind=JOB_KIND, params__child=child.pk)


def _fresh_since() -> datetime:
    return timezone.now() - timedelta(seconds=setting("SAMEN_CHANCES_JOB_FRESH_SECONDS"))


def _usable(job: Job, child: Child, codes: list[str]) -> dict[str, Any] | None:
    """The numbers a done job kept, when they are for ``codes`` and still fresh."""
    result = job.result or {}
    if list(job.params.get("codes") or ()) != codes or list(result.get("codes") or ()) != codes:
        return None
    try:
        base_at = datetime.fromisoformat(str(result["base_at"]))
        found = {**result, "at": datetime.fromisoformat(str(result["at"]))}
    except (KeyError, TypeError, ValueError):
        return None
    if base_at < _fresh_since():
        return None
    if child.updated_at is not None and child.updated_at >= base_at:
        return None  # the child's address, answers or pledge group changed after the base
    return found


def _from_job(
    child: Child, codes: list[str], names: dict[str, str], minimum: int
) -> AdmissionChances:
    """A big round: the numbers of this child's done job for this list, or the state of the
    job that computes them (queued now when there is none)."""

    def pending(job: Job) -> AdmissionChances:
        return AdmissionChances(AdmissionChances.PENDING, minimum=minimum, job_status=job.status)

    try:
        done = _child_jobs(child).filter(status=Job.DONE).order_by("-id").first()
        found = _usable(done, child, codes) if done is not None else None
        if found is not None:
            return _ready(found, names, minimum)
        with transaction.atomic():
            # one page view at a time per child (PostgreSQL locks the row; SQLite the database)
            Child.objects.select_for_update().filter(pk=child.pk).first()
            active = list(
                _child_jobs(child).filter(status__in=[Job.QUEUED, Job.RUNNING]).order_by("-id")
            )
            same = [j for j in active if list(j.params.get("codes") or ()) == codes]
            if same:
                return pending(same[0])
            for job in active:
                if job.status != Job.QUEUED:
                    continue
                # a new list replaces the list of the waiting job (unless a worker just took it)
                params = {**job.params, "codes": codes}
                if Job.objects.filter(pk=job.pk, status=Job.QUEUED).update(params=params):
                    job.params = params
                    return pending(job)
            retry = timezone.now() - timedelta(seconds=setting("SAMEN_CHANCES_CACHE_SECONDS"))
            failed = (
                _child_jobs(child)
                .filter(status=Job.FAILED, finished_at__gte=retry)
                .order_by("-id")
                .first()
            )
            if (
                failed is not None
                and list(failed.params.get("codes") or ()) == codes
                and (done is None or done.pk < failed.pk)
            ):
                return AdmissionChances(AdmissionChances.FAILED, minimum=minimum)
            job = jobs.enqueue(JOB_KIND, child.round, params={"child": child.pk, "codes": codes})
            return pending(job)
    except Exception:  # never break the ranking page; never show a made-up number
        log.exception("chances job for child %s failed", child.pk)
        return AdmissionChances(AdmissionChances.FAILED, minimum=minimum)


@jobs.handler(JOB_KIND)
def compute_for_job(job: Job) -> dict[str, Any]:
    """What a ``chances`` job does (in the worker): this child's numbers for the list of the
    job, as :func:`admission_chances` computes them live, as JSON for ``Job.result``."""
    child = (
        Child.objects.select_related("round").filter(pk=job.params.get("child")).first()
        if job.round is not None
        else None
    )
    if child is None or child.round_id != job.round_id:
        raise jobs.JobError(_("This child is no longer registered."))
    rnd = child.round
    codes = [str(c) for c in job.params.get("codes") or ()]
    if not rnd.registration_is_open():
        result: dict[str, Any] = {"skipped": "registration closed"}
    elif not codes or codes != [code for code, _name in _list_of(child)]:
        result = {"skipped": "list changed"}  # the page queues the new list
    else:
        draws = max(1, setting("SAMEN_CHANCES_DRAWS"))
        base = _base_for(rnd, child, codes)
        found = _compute(child, base, codes, draws)
        result = {
            **found,
            "none": [float(x) for x in found["none"]],
            "draws": int(found["draws"]),
            "unknown": bool(found["unknown"]),
            "seconds": float(found["seconds"]),
            "at": found["at"].isoformat(),
            "base_at": base.built_at.isoformat(),
            "base": base.token,
        }
    # the numbers of older jobs of this child are not needed any more; nor those of any
    # finished chances job older than the freshness limit (the page would not show them)
    finished = Job.objects.filter(kind=JOB_KIND, status__in=[Job.DONE, Job.FAILED])
    finished.filter(params__child=child.pk, pk__lt=job.pk).delete()
    finished.filter(finished_at__lt=_fresh_since()).delete()
    return result


__all__ = [
    "AdmissionChances",
    "Estimate",
    "SchoolChance",
    "admission_chances",
    "compute_for_job",
    "in_words",
    "interval_text",
]
