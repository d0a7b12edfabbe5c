"""What the council report shows, as data: the numbers (:class:`ReportData`), the checks of
the command's options and the report's error (:class:`ReportError`). No words and no HTML:
:mod:`samen.analytics.report.render` adds those."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from samen.i18n import LANGUAGES as CATALOGUE_LANGUAGES
from samen.io.errors import InputError, Problem

if TYPE_CHECKING:
    from samen.analytics.report.housing_file import HousingResults
    from samen.analytics.report.scenario_file import Scenarios

DEFAULT_DRAWS = 100
MAX_DRAWS = 10_000
#: Above this many schools the schools table shows the most and the least indicator-heavy
#: half of this number each, and the whole list in a part the reader opens.
SCHOOL_ROWS = 30
#: the languages of the report (those of the catalogues), English first: the default
LANGUAGES: tuple[str, ...] = ("en", *(x for x in CATALOGUE_LANGUAGES if x != "en"))
#: the 0/1 column of applicants.csv whose children the report follows (indicator pupils)
GROUP_FLAG = "indicator"
#: the other lottery draws' range: the central 95%
RANGE_PERCENTILES = (2.5, 97.5)
#: the indices of the report: (key, key in samen.analytics.indices.all_indices)
INDEX_KEYS: tuple[tuple[str, str], ...] = (
    ("D", "dissimilarity"),
    ("H", "entropy"),
    ("M", "mutual_information"),
    ("isolation", "isolation[indicator]"),
    ("exposure", "exposure[indicator->other]"),
    ("exposure_other", "exposure[other->indicator]"),
)


class ReportError(InputError):
    """An input of the report cannot be used. ``what`` names it (``"The results folder"``,
    ``"The scenarios file scenarios.json"``, ``"The command"``); ``problems`` say where and
    what to fix."""

    WHAT = "The report"


def json_problem(file: str, line: int | None, key: str | None, message: str) -> Problem:
    """A problem in a JSON input of the report: a line and a key path (``variants[2].metrics``)."""
    return Problem(file, line, key, message, keyed=True)


def read_json(path: Path, what: str, folder_hint: str, rewrite: str) -> Any:
    """The JSON document of the file ``path`` (a scenarios or housing file): a
    :class:`ReportError` named ``what`` when it is a folder (``folder_hint`` says which file to
    give), missing, unreadable, not UTF-8 (with the line) or not JSON (with the line and
    column, and ``rewrite``: how to get a good file)."""
    import json

    if not path.is_file():
        msg = folder_hint if path.is_dir() else "there is no file here; check the path"
        raise ReportError([json_problem(str(path), None, None, msg)], what)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReportError(
            [json_problem(str(path), None, None, f"the file cannot be read: {exc.strerror}")], what
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ReportError(
            [json_problem(path.name, line, None, "the file is not UTF-8 text; save it as UTF-8")],
            what,
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        message = f"this is not valid JSON ({exc.msg} at column {exc.colno}); {rewrite}"
        raise ReportError([json_problem(path.name, exc.lineno, None, message)], what) from None


def check_draws(draws: int) -> None:
    """Raise :class:`ReportError` unless ``1 <= draws <= MAX_DRAWS``."""
    if not 1 <= draws <= MAX_DRAWS:
        raise ReportError(
            [
                Problem(
                    "--draws",
                    None,
                    None,
                    f"the number of draws is {draws}; give a whole number from 1 to {MAX_DRAWS:,} "
                    f"(the default, {DEFAULT_DRAWS}, gives ranges that are good to about a "
                    "percentage point)",
                )
            ],
            "The command",
        )


def check_lang(lang: str) -> None:
    """Raise :class:`ReportError` unless ``lang`` is one of :data:`LANGUAGES`."""
    if lang not in LANGUAGES:
        raise ReportError(
            [
                Problem(
                    "--lang",
                    None,
                    None,
                    f"unknown language '{lang}'; choose en (English), nl (Nederlands) or fr "
                    "(français)",
                )
            ],
            "The command",
        )


@dataclass(frozen=True)
class Spread:
    """A number of the published allocation (``value``) and the range of the central 95% of
    the other lottery draws (``lo``, ``hi``; NaN when there is none)."""

    value: float
    lo: float = math.nan
    hi: float = math.nan

    @staticmethod
    def of(value: float, samples: np.ndarray | Sequence[float]) -> Spread:
        s = np.asarray(samples, dtype=np.float64)
        s = s[np.isfinite(s)]
        if s.size == 0:
            return Spread(float(value))
        lo, hi = np.percentile(s, RANGE_PERCENTILES)
        return Spread(float(value), float(lo), float(hi))

    @property
    def ranged(self) -> bool:
        return math.isfinite(self.lo) and math.isfinite(self.hi)


@dataclass(frozen=True)
class GroupRow:
    """A pledge group as ``groups.csv`` reports it, and how often it held in other draws."""

    group_id: str
    target: str
    threshold: int
    members: int
    assigned: int
    held: bool
    held_draws: float = math.nan  # share of the other draws in which it held


@dataclass(frozen=True, eq=False)
class Allocation:
    """The published allocation of a round, as its results files give it.

    ``source`` says where it comes from: ``results`` (the results folder, made from the same
    input files), or the reason the report allocated the round itself: ``missing`` (no
    results folder), ``incomplete`` (no summary.json in it) or ``stale`` (made from other
    input files)."""

    school: np.ndarray  # int32[n], -1 = no school
    choice_rank: np.ndarray  # int32[n], 1-based, 0 = no school
    groups: list[GroupRow]
    failures: list[dict[str, Any]]
    summary: dict[str, Any]
    source: str
    folder: Path


@dataclass(frozen=True)
class SchoolRow:
    """One school: seats, children assigned and the share of indicator pupils after the
    allocation, at the nearest-school benchmark and among the children of its
    neighbourhood."""

    school_id: str
    name: str
    capacity: int
    assigned: int
    flagged: int
    share: Spread  # NaN when no child was assigned
    nearest_children: int
    nearest_share: float
    hood: str
    hood_share: float


@dataclass(frozen=True, eq=False)
class Hoods:
    """The neighbourhoods of the round: from the ``neighbourhood`` column of applicants.csv
    and/or schools.csv."""

    ids: list[str]
    names: list[str]
    of_child: np.ndarray | None  # int[n], -1 = none; None when applicants have no column
    children: np.ndarray  # int[K]
    flagged: np.ndarray  # int[K]
    of_school: np.ndarray | None  # int[m], -1 = none
    school_method: str | None  # "column" (schools.csv) or "nearest" (nearest centre)

    @property
    def share(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.children > 0, self.flagged / np.maximum(self.children, 1), np.nan)


@dataclass(eq=False)
class ReportData:
    """Everything the report shows, as numbers (no words: :func:`render_html` adds those)."""

    round_name: str
    mechanism: str
    tie_breaking: str
    seed: str
    distance: str
    inputs: dict[str, str]
    allocation: Allocation
    draws: int
    flag: str | None  # the flag followed ("indicator"), None when the round has none
    n_children: int
    n_schools: int
    seats: int
    n_flagged: int
    city_share: float | None
    first_choice: Spread  # shares of all children
    top3: Spread
    unassigned: Spread
    counts: dict[str, int]  # first_choice, top3, unassigned, assigned
    rank_labels: list[tuple[str, int]]  # ("rank", k), ("later", k), ("none", 0)
    rank_groups: dict[str, dict[str, Any]]  # "indicator"/"other"/"all" -> counts, shares, ...
    schools: list[SchoolRow]
    indices: dict[str, Spread] | None
    bench_indices: dict[str, float] | None
    index_note: str | None  # why there are no indices: "no_flag", "one_group"
    benchmark_children: int  # children with coordinates, in the benchmark
    decomposition: dict[str, Spread] | None  # total, between, within
    bench_decomposition: dict[str, float] | None
    hoods: Hoods | None
    map: dict[str, Any] | None
    groups: list[GroupRow]
    failures: list[dict[str, Any]]
    pledges_held: Spread | None  # number of groups held
    scenarios: Scenarios | None = None
    school_names: dict[str, str] = field(default_factory=dict)
    housing: HousingResults | None = None  # samen housing simulate's results


__all__ = [
    "DEFAULT_DRAWS",
    "GROUP_FLAG",
    "INDEX_KEYS",
    "LANGUAGES",
    "MAX_DRAWS",
    "RANGE_PERCENTILES",
    "SCHOOL_ROWS",
    "Allocation",
    "GroupRow",
    "Hoods",
    "ReportData",
    "ReportError",
    "SchoolRow",
    "Spread",
    "check_draws",
    "check_lang",
]
