"""Published results for everyone: per published run the pseudonymised round folder and its
results as one zip, the commands that check them, and the round's results page.

The zip is the one the office downloads (``office.run_download``): the run's ``input_files``
(the round folder the engine read, children only by their pseudonymous id) and its result files
under ``results/``. Once the office has published a run, anyone may download it, so that
anyone can run ``samen verify`` on it.
"""

from __future__ import annotations

import shlex
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from samen.web.core import allocation, exchange
from samen.web.core.cutoffs import RunCutoffs, run_cutoffs, sort_rows
from samen.web.core.models import AllocationRun, Round
from samen.web.core.run_names import run_file_stem

#: a few zips kept in memory (a published run never changes; building the zip of a big round
#: takes a while, and after publication many people may download it)
_ZIP_CACHE_SIZE = 4
_zips: OrderedDict[tuple[int, str], bytes] = OrderedDict()
_zips_lock = Lock()


def zip_name(run: AllocationRun) -> str:
    return f"{run_file_stem(run.round.slug, run)}.zip"


def run_files(run: AllocationRun) -> dict[str, bytes]:
    """The run's round folder and its results (``results/``), by path."""
    files = allocation.input_files(run)
    files.update({f"results/{k}": v for k, v in allocation.result_files(run).items()})
    return files


def build_zip(run: AllocationRun) -> bytes:
    """The run's round folder and results (``results/``) as one zip, the same bytes every
    time (fixed timestamps)."""
    return exchange.zip_bytes(run_files(run))


def published_zip(run: AllocationRun) -> bytes:
    """:func:`build_zip` of a published run, kept in a small in-memory cache."""
    key = (run.pk, run.created_at.isoformat())
    with _zips_lock:
        if key in _zips:
            _zips.move_to_end(key)
            return _zips[key]
    data = build_zip(run)
    with _zips_lock:
        _zips[key] = data
        while len(_zips) > _ZIP_CACHE_SIZE:
            _zips.popitem(last=False)
    return data


def published_runs(rnd: Round) -> QuerySet[AllocationRun]:
    """The round's published runs, newest (highest number) first, without their files."""
    return (
        rnd.runs.filter(status=AllocationRun.PUBLISHED)
        .defer("input_files", "result_files")
        .select_related("round")
        .order_by("-number")
    )


def public_round(rnd: Round) -> bool:
    """Whether the round's results page exists: not a draft, and a run is published."""
    return rnd.status != Round.DRAFT and rnd.runs.filter(status=AllocationRun.PUBLISHED).exists()


def verify_commands(run: AllocationRun) -> dict[str, str]:
    """The commands that check a published run: unpack its zip and run ``samen verify``, and
    check the seed in its round.toml against the published fingerprint."""
    name = zip_name(run)
    folder = name.removesuffix(".zip")
    return {
        "verify": f"unzip {shlex.quote(name)} -d {shlex.quote(folder)}\n"
        f"samen verify {shlex.quote(folder)}",
        "seed": f"printf '%s' {shlex.quote(run.round.seed)} | sha256sum",
    }


@dataclass
class Section:
    """One published run on the results page."""

    run: AllocationRun
    cutoffs: RunCutoffs
    download_url: str
    file_name: str
    commands: dict[str, str]
    numbers: dict[str, Any]


def _numbers(run: AllocationRun) -> dict[str, Any]:
    s = run.summary or {}
    first = s.get("first_choice", {}) or {}
    top3 = s.get("top3", {}) or {}
    return {
        "children": int(s.get("applicants", 0)),
        "assigned": int(s.get("assigned", 0)),
        "unassigned": int(s.get("unassigned", 0)),
        "seats": int(s.get("seats", 0)),
        "first": int(first.get("count", 0)),
        "first_share": round(100 * float(first.get("share", 0.0)), 1),
        "top3": int(top3.get("count", 0)),
        "top3_share": round(100 * float(top3.get("share", 0.0)), 1),
    }


def sections(rnd: Round, sort: str) -> list[Section]:
    """The round's published runs, newest first, each with its cut-offs sorted by ``sort``."""
    runs = list(published_runs(rnd))
    out = []
    for cut in run_cutoffs(runs):
        cut.rows = sort_rows(cut.rows, sort)
        run = cut.run
        out.append(
            Section(
                run=run,
                cutoffs=cut,
                download_url=reverse(
                    "round_results_download", args=[rnd.slug, run_file_stem("", run)[1:]]
                ),
                file_name=zip_name(run),
                commands=verify_commands(run),
                numbers=_numbers(run),
            )
        )
    return out
