"""``samen report``: one self-contained HTML file about a round, for a city council.

The report reads the round folder and its allocation (the ``results/`` folder when it was made
from the same input files, else the engine allocates the round with its published seed),
allocates the round again over ``draws`` other lottery seeds (:func:`samen.analytics.draws.
run_draws`) to show what is luck of the draw, and writes one HTML file with the figures
embedded as SVG: nothing is loaded from elsewhere, so it opens offline, on a phone, and prints.

    >>> from samen.io.round import read_round                      # doctest: +SKIP
    >>> data = build_report(read_round("examples/mechelen-2027"), draws=100)  # doctest: +SKIP
    >>> write_report(render_html(data, lang="nl"), "verslag.html")  # doctest: +SKIP

:func:`make_report` does all three steps. What each number means and how it is computed is in
``docs/report.md``. Problems with an input raise :class:`ReportError` (or
:class:`~samen.io.errors.RoundError` from the round reader), naming the file, the row or key,
and what to fix.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from samen import __version__
from samen.engine import distance
from samen.engine.distance import EARTH_RADIUS_M
from samen.io.atomic import write_files
from samen.io.errors import InputError, Problem
from samen.io.results import ResultsError, parse_results
from samen.io.round import Round, read_round

__all__ = [
    "DEFAULT_DRAWS",
    "GROUP_FLAG",
    "LANGUAGES",
    "MAX_DRAWS",
    "Allocation",
    "JsonProblem",
    "Metric",
    "ReportData",
    "ReportError",
    "Scenarios",
    "SchoolRow",
    "Spread",
    "Variant",
    "build_report",
    "check_draws",
    "check_lang",
    "load_allocation",
    "load_scenarios",
    "make_report",
    "nearest_school",
    "parse_scenarios",
    "render_html",
    "write_report",
]

DEFAULT_DRAWS = 100
MAX_DRAWS = 10_000
#: Above this many schools the schools table shows the most and the least indicator-heavy
#: half of this number each, and the whole list in a part the reader opens.
SCHOOL_ROWS = 30
LANGUAGES: tuple[str, ...] = ("en", "nl", "fr")
#: the 0/1 column of applicants.csv whose children the report follows (indicator pupils)
GROUP_FLAG = "indicator"
#: the other lottery draws' range: the central 95%
RANGE_PERCENTILES = (2.5, 97.5)

# --------------------------------------------------------------------------- problems


class ReportError(InputError):
    """An input of the report cannot be used. ``what`` names it (``"The results folder"``,
    ``"The scenarios file scenarios.json"``, ``"The command"``); ``problems`` say where and
    what to fix."""

    WHAT = "The report"


def JsonProblem(file: str, line: int | None, key: str | None, message: str) -> Problem:
    """A problem in a JSON file: a line and a key path (``variants[2].metrics``)."""
    return Problem(file, line, key, message, keyed=True)


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


# --------------------------------------------------------------------------- numbers


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


# --------------------------------------------------------------------------- the allocation


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


def _allocation(rnd: Round, files: Mapping[str, bytes], folder: Path, source: str) -> Allocation:
    """The allocation from the bytes of the results files (:func:`samen.io.parse_results`)."""
    try:
        got = parse_results(rnd, files, folder)
    except ResultsError as exc:
        raise ReportError(exc.problems, exc.what) from None
    groups = [
        GroupRow(g.group_id, g.target, g.threshold, g.members, g.assigned, g.held)
        for g in got.groups
    ]
    return Allocation(
        got.school, got.choice_rank, groups, got.failures, got.summary, source, folder
    )


def load_allocation(rnd: Round, results: str | Path | None = None) -> Allocation:
    """The published allocation of ``rnd``: read from ``results`` (default: the folder
    ``results`` in the round folder) when its ``summary.json`` lists the same input
    fingerprints as the round (``Round.inputs``); otherwise allocated here with the round's
    seed (``Allocation.source`` says why). A results folder with the same fingerprints whose
    files cannot be read, or do not fit the round, raises :class:`ReportError`; so does a
    ``results`` folder that was given but does not exist."""
    from samen.engine.allocate import allocate
    from samen.io.results import RESULT_FILES, render_results

    given = results is not None
    folder = Path(results) if results is not None else rnd.path / "results"
    if given and not folder.is_dir():
        raise ReportError(
            [
                Problem(
                    str(folder),
                    None,
                    None,
                    "there is no results folder here; check the path, or leave out --results "
                    "to use the round's own",
                )
            ],
            "The command",
        )
    source = "missing"
    summary_path = folder / "summary.json"
    if folder.is_dir():
        source = "incomplete"
        if summary_path.is_file():
            try:
                summary = json.loads(summary_path.read_bytes().decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise ReportError(
                    [
                        Problem(
                            f"{folder.name}/summary.json" if folder.name else "summary.json",
                            None,
                            None,
                            "the file is not valid JSON; run 'samen allocate' again to rewrite "
                            "the results (or 'samen verify' to see what changed)",
                        )
                    ],
                    "The results folder",
                ) from None
            inputs = summary.get("inputs") if isinstance(summary, dict) else None
            if inputs == rnd.inputs:
                files = {
                    name: (folder / name).read_bytes()
                    for name in RESULT_FILES
                    if (folder / name).is_file()
                }
                return _allocation(rnd, files, folder, "results")
            source = "stale"
    result = allocate(rnd.instance)
    return _allocation(rnd, render_results(rnd, result), folder, source)


# --------------------------------------------------------------------------- geography


def nearest_school(
    child_xy: np.ndarray, school_xy: np.ndarray, coordinates: str = "x,y"
) -> np.ndarray:
    """The index of each child's nearest school (-1 for a child without coordinates, or when
    no school has any), by the distance of the rules (:func:`samen.engine.distance.nearest`):
    straight-line distance on ``x,y`` metres, great-circle distance (haversine) on ``lat,lon``
    degrees. Ties go to the school listed first.

    >>> nearest_school(np.array([[0.0, 0.0], [9.0, 1.0], [np.nan, 0.0]]),
    ...                np.array([[1.0, 0.0], [10.0, 0.0]])).tolist()
    [0, 1, -1]
    """
    kind = "haversine" if coordinates == "lat,lon" else "euclidean"
    return distance.nearest(kind, child_xy, school_xy)


def _to_metres(
    coordinates: str, child_xy: np.ndarray, school_xy: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates in metres for drawing: ``x,y`` as they are; ``lat,lon`` projected onto a
    plane through the centre of the points (equirectangular: exact enough for one city)."""
    if coordinates != "lat,lon":
        return child_xy, school_xy
    both = np.vstack([child_xy, school_xy])
    ok = np.isfinite(both).all(axis=1)
    lat0 = float(np.mean(both[ok, 0])) if ok.any() else 0.0
    lon0 = float(np.mean(both[ok, 1])) if ok.any() else 0.0

    def project(a: np.ndarray) -> np.ndarray:
        x = np.radians(a[:, 1] - lon0) * math.cos(math.radians(lat0)) * EARTH_RADIUS_M
        y = np.radians(a[:, 0] - lat0) * EARTH_RADIUS_M
        return np.column_stack([x, y])

    return project(child_xy), project(school_xy)


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


def _csv_rows(data: bytes) -> list[list[str]] | None:
    try:
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    except (UnicodeDecodeError, csv.Error):
        return None


def _hood_names(folder: Path) -> dict[str, str]:
    """Names from a ``neighbourhoods.csv`` next to the tables (``samen city`` writes one),
    when there is one that can be read; it is not a round table, so anything else is ignored."""
    path = folder / "neighbourhoods.csv"
    if not path.is_file():
        return {}
    try:
        rows = _csv_rows(path.read_bytes())
    except OSError:
        return {}
    if not rows or "neighbourhood_id" not in rows[0] or "name" not in rows[0]:
        return {}
    i, j = rows[0].index("neighbourhood_id"), rows[0].index("name")
    return {r[i]: r[j] for r in rows[1:] if len(r) > max(i, j) and r[i] and r[j]}


def _hoods(
    rnd: Round, flag: np.ndarray | None, child_m: np.ndarray | None, school_m: np.ndarray | None
) -> Hoods | None:
    apps, schools = rnd.tables.get("applicants"), rnd.tables.get("schools")
    a_col = apps.col("neighbourhood") if apps is not None and apps.has("neighbourhood") else None
    s_col = (
        schools.col("neighbourhood")
        if schools is not None and schools.has("neighbourhood")
        else None
    )
    if a_col is not None and not any(a_col):
        a_col = None
    if s_col is not None and not any(s_col):
        s_col = None
    if a_col is None and s_col is None:
        return None
    ids: list[str] = sorted({v for v in (a_col or []) if v} | {v for v in (s_col or []) if v})
    index = {v: k for k, v in enumerate(ids)}
    k = len(ids)
    of_child = None
    children = np.zeros(k, dtype=np.int64)
    flagged = np.zeros(k, dtype=np.int64)
    if a_col is not None:
        of_child = np.array([index.get(v, -1) for v in a_col], dtype=np.int64)
        has = of_child >= 0
        children = np.bincount(of_child[has], minlength=k)
        if flag is not None:
            flagged = np.bincount(of_child[has], weights=flag[has], minlength=k).astype(np.int64)
    of_school = None
    method = None
    if s_col is not None:
        of_school = np.array([index.get(v, -1) for v in s_col], dtype=np.int64)
        method = "column"
    elif of_child is not None and child_m is not None and school_m is not None:
        ok = np.isfinite(child_m).all(axis=1) & (of_child >= 0)
        centres = np.full((k, 2), np.nan)
        for h in range(k):
            pts = child_m[ok & (of_child == h)]
            if len(pts):
                centres[h] = pts.mean(axis=0)
        if np.isfinite(centres).all(axis=1).any():
            of_school = nearest_school(school_m, centres)
            method = "nearest"
    names = _hood_names(rnd.path)
    return Hoods(
        ids=ids,
        names=[names.get(i, i) for i in ids],
        of_child=of_child,
        children=children,
        flagged=flagged,
        of_school=of_school,
        school_method=method,
    )


# --------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Metric:
    """One metric of a scenario variant: the mean over its draws and the 95% range."""

    mean: float
    lo: float = math.nan
    hi: float = math.nan


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    draws: int | None
    metrics: dict[str, Metric]
    #: the share of indicator pupils per school (``schools.indicator_share``), when given
    school_share: list[Metric] | None = None


@dataclass(frozen=True)
class Scenarios:
    """The scenarios file written by ``samen scenarios``, as far as the report uses it."""

    source: str
    round: str | None
    draws: int | None
    seed: str | None
    benchmark: dict[str, float]
    variants: list[Variant]
    name: str = ""
    description: str = ""
    #: per metric: ``unit`` (share, metres, index, count) and ``label``, when the file has them
    metric_info: dict[str, dict[str, str]] = field(default_factory=dict)
    #: the schools (id, name) in the order of the variants' per-school lists
    schools: list[tuple[str, str]] = field(default_factory=list)
    bench_school_share: list[float] | None = None

    @property
    def metric_names(self) -> list[str]:
        names: list[str] = []
        for v in self.variants:
            names.extend(k for k in v.metrics if k not in names)
        return names


def _number(v: object) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _metric(value: object) -> Metric | None:
    """A metric as the scenarios file may give it: a number, or ``{mean, lo, hi, by_draw}``
    (``value`` is read as ``mean``; a missing mean or range comes from ``by_draw``)."""
    x = _number(value)
    if x is not None:
        return Metric(x)
    if not isinstance(value, dict):
        return None
    samples = value.get("by_draw")
    draws = (
        np.array([f for f in (_number(s) for s in samples) if f is not None])
        if isinstance(samples, list)
        else np.zeros(0)
    )
    mean = _number(value.get("mean", value.get("value")))
    if mean is None:
        if draws.size == 0:
            return None
        mean = float(draws.mean())
    lo, hi = _number(value.get("lo")), _number(value.get("hi"))
    if (lo is None or hi is None) and draws.size:
        plo, phi = np.percentile(draws, RANGE_PERCENTILES)
        lo = float(plo) if lo is None else lo
        hi = float(phi) if hi is None else hi
    return Metric(mean, math.nan if lo is None else lo, math.nan if hi is None else hi)


def parse_scenarios(doc: object, source: str = "scenarios.json") -> Scenarios:
    """The scenarios of a parsed JSON document. Tolerant: metrics it cannot read, unknown
    keys and a missing description are left out; only a document without a list of variants
    (objects) with at least one readable metric raises :class:`ReportError`."""
    what = f"The scenarios file {source}"
    if not isinstance(doc, dict):
        raise ReportError(
            [
                JsonProblem(
                    source,
                    None,
                    None,
                    "the file must hold one JSON object with a list 'variants' (as written by "
                    "'samen scenarios')",
                )
            ],
            what,
        )
    variants_doc = doc.get("variants")
    if not isinstance(variants_doc, list) or not variants_doc:
        raise ReportError(
            [
                JsonProblem(
                    source,
                    None,
                    "variants",
                    "there is no list of variants"
                    if not isinstance(variants_doc, list)
                    else "the list of variants is empty",
                )
                # the message names the file as 'samen scenarios' writes it
            ],
            what,
        )
    problems: list[Problem] = []
    variants: list[Variant] = []
    for i, v in enumerate(variants_doc):
        if not isinstance(v, dict):
            problems.append(
                JsonProblem(
                    source,
                    None,
                    f"variants[{i}]",
                    "each variant must be a JSON object with a name and metrics",
                )
            )
            continue
        name = v.get("name")
        name = name.strip() if isinstance(name, str) and name.strip() else f"Variant {i + 1}"
        desc = v.get("description")
        metrics_doc = v.get("metrics")
        metrics: dict[str, Metric] = {}
        if isinstance(metrics_doc, dict):
            for key, value in metrics_doc.items():
                m = _metric(value)
                if m is not None:
                    metrics[str(key)] = m
        d = v.get("draws")
        variants.append(
            Variant(
                name=name,
                description=desc if isinstance(desc, str) else "",
                draws=d if isinstance(d, int) and not isinstance(d, bool) else None,
                metrics=metrics,
                school_share=_school_shares(v.get("schools")),
            )
        )
    if not problems and not any(v.metrics for v in variants):
        problems.append(
            JsonProblem(
                source,
                None,
                "variants[].metrics",
                "no variant has a metric the report can read; a metric is a number or an "
                "object with 'mean' (and 'lo', 'hi')",
            )
        )
    if problems:
        raise ReportError(problems, what)
    bench: dict[str, float] = {}
    bdoc = doc.get("benchmark")
    if isinstance(bdoc, dict):
        for key, value in bdoc.items():
            m = _metric(value)
            if m is not None:
                bench[str(key)] = m.mean
    rnd = doc.get("round")
    if isinstance(rnd, dict):
        rnd = rnd.get("name")
    draws = doc.get("draws")
    seed = doc.get("seed")
    info: dict[str, dict[str, str]] = {}
    if isinstance(doc.get("metric_info"), dict):
        for key, value in doc["metric_info"].items():
            if isinstance(value, dict):
                info[str(key)] = {k: v for k, v in value.items() if isinstance(v, str)}
    schools: list[tuple[str, str]] = []
    if isinstance(doc.get("schools"), list):
        for i, sch in enumerate(doc["schools"]):
            if isinstance(sch, dict):
                sid = str(sch.get("school_id", i + 1))
                schools.append((sid, str(sch.get("name") or sid)))
            else:
                schools = []
                break
    bench_share = None
    if isinstance(bdoc, dict) and isinstance(bdoc.get("indicator_share"), list):
        bench_share = [
            math.nan if (x := _number(v)) is None else x for v in bdoc["indicator_share"]
        ]
    text = doc.get("name")
    description = doc.get("description")
    return Scenarios(
        source=source,
        round=str(rnd) if isinstance(rnd, str | int) and not isinstance(rnd, bool) else None,
        draws=draws if isinstance(draws, int) and not isinstance(draws, bool) else None,
        seed=str(seed) if isinstance(seed, str | int) and not isinstance(seed, bool) else None,
        benchmark=bench,
        variants=variants,
        name=text if isinstance(text, str) else "",
        description=description if isinstance(description, str) else "",
        metric_info=info,
        schools=schools,
        bench_school_share=bench_share,
    )


def _school_shares(doc: object) -> list[Metric] | None:
    """A variant's ``schools.indicator_share`` as ``{mean: [...], lo: [...], hi: [...]}``
    (lists over the schools), or a list of numbers or metrics; None when absent or unreadable."""
    if not isinstance(doc, dict):
        return None
    share = doc.get("indicator_share")
    if isinstance(share, list):
        out = [_metric(v) for v in share]
        return [m if m is not None else Metric(math.nan) for m in out]
    if isinstance(share, dict) and isinstance(share.get("mean"), list):
        mean = share["mean"]
        lo = share.get("lo") if isinstance(share.get("lo"), list) else None
        hi = share.get("hi") if isinstance(share.get("hi"), list) else None

        def at(values: list[Any] | None, i: int) -> float:
            if values is None or i >= len(values):
                return math.nan
            x = _number(values[i])
            return math.nan if x is None else x

        return [Metric(at(mean, i), at(lo, i), at(hi, i)) for i in range(len(mean))]
    return None


def load_scenarios(path: str | Path) -> Scenarios:
    """Read a scenarios file (``samen scenarios``); see :func:`parse_scenarios`."""
    p = Path(path)
    what = f"The scenarios file {p.name}"
    if not p.is_file():
        msg = (
            "this is a folder; give the scenarios file (a .json file written by 'samen scenarios')"
            if p.is_dir()
            else "there is no file here; check the path"
        )
        raise ReportError([JsonProblem(str(p), None, None, msg)], what)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ReportError(
            [JsonProblem(str(p), None, None, f"the file cannot be read: {exc.strerror}")], what
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ReportError(
            [JsonProblem(p.name, line, None, "the file is not UTF-8 text; save it as UTF-8")], what
        ) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(
            [
                JsonProblem(
                    p.name,
                    exc.lineno,
                    None,
                    f"this is not valid JSON ({exc.msg} at column {exc.colno}); write the file "
                    "again with 'samen scenarios', or fix the commas, quotes and brackets",
                )
            ],
            what,
        ) from None
    return parse_scenarios(doc, p.name)


# --------------------------------------------------------------------------- the report's data


@dataclass(frozen=True)
class SchoolRow:
    """One school: seats, children assigned and the share of indicator pupils after the
    allocation, at the nearest-school benchmark and in its neighbourhood."""

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


#: the indices of the report: (key, key in samen.analytics.indices.all_indices)
INDEX_KEYS: tuple[tuple[str, str], ...] = (
    ("D", "dissimilarity"),
    ("H", "entropy"),
    ("M", "mutual_information"),
    ("isolation", "isolation[indicator]"),
    ("exposure", "exposure[indicator->other]"),
    ("exposure_other", "exposure[other->indicator]"),
)


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


def _flag(rnd: Round, flag: str) -> np.ndarray | None:
    inst = rnd.instance
    names = list(inst.flag_names)
    if flag not in names:
        return None
    return np.asarray(inst.flags[:, names.index(flag)], dtype=np.int64)


def _rank_categories(
    longest: int,
) -> tuple[list[tuple[str, int]], Callable[[np.ndarray], np.ndarray]]:
    """The columns of the rank chart and a function from ranks (0 = none) to column index."""
    if longest <= 6:
        labels = [("rank", k) for k in range(1, longest + 1)]
        k_max = longest
    else:
        labels = [("rank", k) for k in range(1, 6)] + [("later", 6)]
        k_max = 6
    labels.append(("none", 0))

    def column(rank: np.ndarray) -> np.ndarray:
        return np.where(rank > 0, np.minimum(rank, k_max) - 1, k_max)

    return labels, column


def _indices(total: np.ndarray, flagged: np.ndarray) -> dict[str, float]:
    from samen.analytics.indices import all_indices

    table = np.column_stack([total - flagged, flagged]).astype(np.float64)
    try:
        values = all_indices(table, ["other", "indicator"], "indicator")
    except ValueError:
        return {k: math.nan for k, _ in INDEX_KEYS}
    return {k: values[src] for k, src in INDEX_KEYS}


def _decompose(
    total: np.ndarray, flagged: np.ndarray, labels: Sequence[object]
) -> dict[str, float]:
    from samen.analytics.indices import by_partition

    table = np.column_stack([total - flagged, flagged]).astype(np.float64)
    try:
        dec = by_partition(table, labels)
    except ValueError:
        return {"total": math.nan, "between": math.nan, "within": math.nan}
    return {"total": dec.total, "between": dec.between, "within": dec.within}


def _per_school(
    school: np.ndarray, flag: np.ndarray | None, m: int
) -> tuple[np.ndarray, np.ndarray]:
    """Children and flagged children per school for one allocation (-1 = none)."""
    ok = school >= 0
    total = np.bincount(school[ok], minlength=m)
    if flag is None:
        return total, np.zeros(m, dtype=np.int64)
    return total, np.bincount(school[ok], weights=flag[ok], minlength=m).astype(np.int64)


def build_report(
    rnd: Round,
    *,
    draws: int = DEFAULT_DRAWS,
    results: str | Path | None = None,
    allocation: Allocation | None = None,
    scenarios: Scenarios | None = None,
    flag: str = GROUP_FLAG,
    progress: Callable[[int], None] | None = None,
) -> ReportData:
    """Compute every number of the report of ``rnd``.

    ``allocation`` defaults to :func:`load_allocation` (``results``); ``draws`` other lottery
    draws (:func:`samen.analytics.draws.run_draws`, seeds ``SEED|draw:1`` ...) give the 95%
    ranges; ``progress(k)`` is called after each draw. ``flag`` is the 0/1 column of
    applicants.csv whose children the report follows."""
    from samen.analytics.draws import run_draws

    check_draws(draws)
    inst = rnd.instance
    alloc = allocation if allocation is not None else load_allocation(rnd, results)
    n, m = inst.n_applicants, inst.n_schools
    f = _flag(rnd, flag)
    n_flagged = int(f.sum()) if f is not None else 0
    city_share = n_flagged / n if f is not None and n else None

    sim = run_draws(inst, draws, progress=progress)
    d_rank = sim.choice_rank.astype(np.int64)
    d_school = sim.school.astype(np.int64)
    rank = alloc.choice_rank.astype(np.int64)
    school = alloc.school.astype(np.int64)

    def share_spread(pub: np.ndarray, per_draw: np.ndarray) -> Spread:
        return Spread.of(float(pub.mean()) if pub.size else 0.0, per_draw.mean(axis=1))

    first = share_spread(rank == 1, d_rank == 1)
    top3 = share_spread((rank >= 1) & (rank <= 3), (d_rank >= 1) & (d_rank <= 3))
    unassigned = share_spread(rank == 0, d_rank == 0)
    counts = {
        "first_choice": int((rank == 1).sum()),
        "top3": int(((rank >= 1) & (rank <= 3)).sum()),
        "unassigned": int((rank == 0).sum()),
        "assigned": int((rank > 0).sum()),
    }

    # ranks by group
    longest = int(np.diff(inst.choice_ptr).max()) if n else 1
    rank_labels, column = _rank_categories(max(longest, 1))
    k = len(rank_labels)
    col_pub, col_draw = column(rank), column(d_rank)
    masks: dict[str, np.ndarray] = {}
    if f is not None and 0 < n_flagged < n:
        masks = {"indicator": f == 1, "other": f == 0}
    masks["all"] = np.ones(n, dtype=bool)
    rank_groups: dict[str, dict[str, Any]] = {}
    for key, mask in masks.items():
        size = int(mask.sum())
        cnt = np.bincount(col_pub[mask], minlength=k)
        per_draw = np.stack([(col_draw[:, mask] == c).sum(axis=1) for c in range(k)], axis=1)
        share = cnt / max(size, 1)
        dshare = per_draw / max(size, 1)
        lo, hi = np.percentile(dshare, RANGE_PERCENTILES, axis=0)
        rank_groups[key] = {"n": size, "counts": cnt, "shares": share, "lo": lo, "hi": hi}

    # schools
    total, flagged = _per_school(school, f, m)
    D = d_school.shape[0]
    ok = d_school >= 0
    flat = (np.arange(D)[:, None] * m + d_school)[ok]
    d_total = np.bincount(flat, minlength=D * m).reshape(D, m)
    if f is not None:
        fw = np.broadcast_to(f, d_school.shape)[ok]
        d_flagged = np.bincount(flat, weights=fw, minlength=D * m).reshape(D, m).astype(np.int64)
    else:
        d_flagged = np.zeros((D, m), dtype=np.int64)

    a_xy, s_xy = rnd.applicant_xy, rnd.school_xy
    coords = a_xy is not None and s_xy is not None
    near = (
        nearest_school(a_xy, s_xy, rnd.coordinates)
        if a_xy is not None and s_xy is not None
        else np.full(n, -1, dtype=np.int64)
    )
    if coords and not (near >= 0).any():
        coords = False
    b_total, b_flagged = _per_school(near, f, m)
    child_m = school_m = None
    if coords and a_xy is not None and s_xy is not None:
        child_m, school_m = _to_metres(rnd.coordinates, a_xy, s_xy)
    hoods = _hoods(rnd, f, child_m, school_m)
    hood_share = hoods.share if hoods is not None else None

    names = rnd.school_names
    with np.errstate(invalid="ignore", divide="ignore"):
        d_share = np.where(d_total > 0, d_flagged / np.maximum(d_total, 1), np.nan)
    rows: list[SchoolRow] = []
    for s in range(m):
        s_share = flagged[s] / total[s] if total[s] and f is not None else math.nan
        h = int(hoods.of_school[s]) if hoods is not None and hoods.of_school is not None else -1
        rows.append(
            SchoolRow(
                school_id=inst.school_ids[s],
                name=names[s],
                capacity=int(inst.capacity[s]),
                assigned=int(total[s]),
                flagged=int(flagged[s]),
                share=Spread.of(s_share, d_share[:, s]) if f is not None else Spread(math.nan),
                nearest_children=int(b_total[s]),
                nearest_share=(
                    b_flagged[s] / b_total[s]
                    if coords and b_total[s] and f is not None
                    else math.nan
                ),
                hood=hoods.names[h] if hoods is not None and h >= 0 else "",
                hood_share=(
                    float(hood_share[h])
                    if hoods is not None
                    and hood_share is not None
                    and h >= 0
                    and f is not None
                    and hoods.of_child is not None
                    else math.nan
                ),
            )
        )

    # indices
    indices = bench = None
    note = None
    decomposition = bench_dec = None
    if f is None:
        note = "no_flag"
    elif not 0 < int(flagged.sum()) < int(total.sum()):
        note = "one_group"
    else:
        pub = _indices(total, flagged)
        per = [_indices(d_total[d], d_flagged[d]) for d in range(D)]
        indices = {key: Spread.of(pub[key], [p[key] for p in per]) for key, _ in INDEX_KEYS}
        if coords and 0 < int(b_flagged.sum()) < int(b_total.sum()):
            bench = _indices(b_total, b_flagged)
        if hoods is not None and hoods.of_school is not None:
            labels = [int(h) if h >= 0 else -1 - s for s, h in enumerate(hoods.of_school)]
            pub_dec = _decompose(total, flagged, labels)
            per_dec = [_decompose(d_total[d], d_flagged[d], labels) for d in range(D)]
            decomposition = {
                key: Spread.of(pub_dec[key], [p[key] for p in per_dec])
                for key in ("total", "between", "within")
            }
            if bench is not None:
                bench_dec = _decompose(b_total, b_flagged, labels)

    # pledge groups
    groups = list(alloc.groups)
    pledges_held = None
    if groups:
        held_share = sim.group_held.mean(axis=0)
        groups = [
            GroupRow(g.group_id, g.target, g.threshold, g.members, g.assigned, g.held, float(h))
            for g, h in zip(groups, held_share, strict=True)
        ]
        pledges_held = Spread.of(
            float(sum(g.held for g in groups)), sim.group_held.sum(axis=1).astype(np.float64)
        )

    # the map
    map_data = None
    if coords and child_m is not None and school_m is not None:
        map_data = {"child_xy": child_m, "school_xy": school_m, "flag": f}

    return ReportData(
        round_name=rnd.name,
        mechanism=inst.mechanism,
        tie_breaking=inst.tie_breaking,
        seed=inst.seed,
        distance=rnd.settings.distance,
        inputs=dict(rnd.inputs),
        allocation=alloc,
        draws=draws,
        flag=flag if f is not None else None,
        n_children=n,
        n_schools=m,
        seats=int(inst.capacity.sum()),
        n_flagged=n_flagged,
        city_share=city_share,
        first_choice=first,
        top3=top3,
        unassigned=unassigned,
        counts=counts,
        rank_labels=rank_labels,
        rank_groups=rank_groups,
        schools=rows,
        indices=indices,
        bench_indices=bench,
        index_note=note,
        benchmark_children=int((near >= 0).sum()) if coords else 0,
        decomposition=decomposition,
        bench_decomposition=bench_dec,
        hoods=hoods,
        map=map_data,
        groups=groups,
        failures=list(alloc.failures),
        pledges_held=pledges_held,
        scenarios=scenarios,
        school_names=dict(zip(inst.school_ids, names, strict=True)),
    )


# --------------------------------------------------------------------------- words

EN_DASH = "\u2013"

#: every text of the report: key -> (English, Nederlands, français). Placeholders in braces.
WORDS: dict[str, tuple[str, str, str]] = {
    "title": (
        "Report on the registration round",
        "Verslag van de aanmeldingsronde",
        "Rapport sur le tour d'inscription",
    ),
    "contents": ("Contents", "Inhoud", "Sommaire"),
    "meta": (
        "Allocation: {mechanism}, {tie}. Lottery seed: “{seed}”.",
        "Toewijzing: {mechanism}, {tie}. Zaad van de loting: „{seed}”.",
        "Attribution : {mechanism}, {tie}. Graine du tirage : « {seed} ».",
    ),
    "mech_deferred-acceptance": (
        "deferred acceptance",
        "uitgestelde aanvaarding (deferred acceptance)",
        "acceptation différée (deferred acceptance)",
    ),
    "mech_immediate-acceptance": (
        "immediate acceptance (the Boston method)",
        "onmiddellijke aanvaarding (Boston-methode)",
        "acceptation immédiate (méthode de Boston)",
    ),
    "mech_top-trading-cycles": (
        "top trading cycles",
        "ruilcycli (top trading cycles)",
        "cycles d'échange (top trading cycles)",
    ),
    "mech_serial-dictatorship": (
        "serial dictatorship (children choose in lottery order)",
        "seriële dictatuur (kinderen kiezen in de volgorde van het lot)",
        "dictature sérielle (les enfants choisissent dans l'ordre du tirage)",
    ),
    "tie_single": (
        "one lottery number per child",
        "één lotnummer per kind",
        "un numéro de tirage par enfant",
    ),
    "tie_multiple": (
        "a lottery number per child and school",
        "een lotnummer per kind en per school",
        "un numéro de tirage par enfant et par école",
    ),
    # sections
    "sec_glance": (
        "The round at a glance",
        "De ronde in één oogopslag",
        "Le tour en un coup d'œil",
    ),
    "sec_findings": ("In short", "In het kort", "En bref"),
    "sec_ranks": (
        "Which choice did the children get?",
        "Welke keuze kregen de kinderen?",
        "Quel choix les enfants ont-ils obtenu ?",
    ),
    "sec_schools": (
        "How mixed is each school?",
        "Hoe gemengd is elke school?",
        "Quelle mixité dans chaque école ?",
    ),
    "sec_map": (
        "Map: where children live, how mixed the schools are",
        "Kaart: waar de kinderen wonen, hoe gemengd de scholen zijn",
        "Carte : où vivent les enfants, quelle mixité dans les écoles",
    ),
    "sec_segregation": (
        "How segregated are the schools?",
        "Hoe gescheiden zijn de scholen?",
        "Quelle ségrégation entre les écoles ?",
    ),
    "sec_decomposition": (
        "Between and within neighbourhoods",
        "Tussen en binnen wijken",
        "Entre quartiers et au sein des quartiers",
    ),
    "sec_pledges": ("Pledge groups", "Samen-groepen", "Groupes solidaires"),
    "sec_scenarios": (
        "Scenarios: what if the rules were different?",
        "Scenario's: wat als de regels anders waren?",
        "Scénarios : et si les règles étaient différentes ?",
    ),
    "sec_method": (
        "How this report was made",
        "Hoe dit verslag gemaakt is",
        "Comment ce rapport a été établi",
    ),
    # cards
    "card_children": ("Children", "Kinderen", "Enfants"),
    "card_schools": ("Schools", "Scholen", "Écoles"),
    "card_seats": ("Seats", "Plaatsen", "Places"),
    "card_seats_note": ("{r} per child", "{r} per kind", "{r} par enfant"),
    "card_flagged": ("Indicator pupils", "Indicatorleerlingen", "Élèves à indicateur"),
    "card_first": (
        "Got their first choice",
        "Kregen hun eerste keuze",
        "Ont obtenu leur premier choix",
    ),
    "card_top3": (
        "Got one of their first three choices",
        "Kregen een van hun eerste drie keuzes",
        "Ont obtenu un de leurs trois premiers choix",
    ),
    "card_none": ("Got no school", "Kregen geen school", "N'ont obtenu aucune école"),
    "card_pledges": (
        "Pledge groups that held",
        "Geslaagde samen-groepen",
        "Groupes solidaires réussis",
    ),
    "card_range": (
        "95% of other draws: {lo} to {hi}",
        "95% van andere lotingen: {lo} tot {hi}",
        "95 % des autres tirages : {lo} à {hi}",
    ),
    "n_children": ("{n} children", "{n} kinderen", "{n} enfants"),
    "k_of_n": ("{k} of {n}", "{k} van {n}", "{k} sur {n}"),
    "draws_intro": (
        "Everything in this report is the allocation of the published lottery, unless it says "
        "otherwise. Luck plays a part in a lottery, so the round was also allocated {n} more "
        "times with other lottery seeds. A range marked “95%” holds in 95 of every 100 of "
        "those draws: a number outside it would be surprising, a difference inside it can be "
        "luck.",
        "Alles in dit verslag is de toewijzing van de publieke loting, tenzij er iets anders "
        "staat. Bij een loting speelt toeval mee, daarom werd de ronde nog {n} keer toegewezen "
        "met een ander zaad. Een bereik met “95%” geldt voor 95 van elke 100 van die "
        "lotingen: een getal erbuiten zou opvallen, een verschil erbinnen kan toeval zijn.",
        "Sauf mention contraire, tout ce rapport porte sur l'attribution du tirage public. Le "
        "hasard joue un rôle dans un tirage : le tour a donc aussi été attribué {n} fois avec "
        "d'autres graines. Un intervalle marqué « 95 % » vaut pour 95 de ces tirages sur 100 : "
        "un chiffre en dehors surprendrait, une différence à l'intérieur peut être due au "
        "hasard.",
    ),
    "src_results": (
        "The allocation is read from the results in the folder “{folder}”, which were made "
        "from these same input files.",
        "De toewijzing komt uit de resultaten in de map “{folder}”, die met dezelfde "
        "invoerbestanden gemaakt zijn.",
        "L'attribution est lue dans les résultats du dossier « {folder} », produits à partir "
        "de ces mêmes fichiers.",
    ),
    "src_missing": (
        "There is no results folder yet, so this report allocated the round itself with the "
        "published seed; “samen allocate” gives the same result.",
        "Er is nog geen resultatenmap, dus heeft dit verslag de ronde zelf toegewezen met het "
        "gepubliceerde zaad; “samen allocate” geeft hetzelfde resultaat.",
        "Il n'y a pas encore de dossier de résultats : ce rapport a donc attribué le tour "
        "lui-même avec la graine publiée ; « samen allocate » donne le même résultat.",
    ),
    "src_incomplete": (
        "The results folder “{folder}” has no summary.json, so this report allocated the round "
        "itself with the published seed.",
        "De resultatenmap “{folder}” heeft geen summary.json, dus heeft dit verslag de ronde zelf "
        "toegewezen met het gepubliceerde zaad.",
        "Le dossier de résultats « {folder} » n'a pas de summary.json : ce rapport a donc attribué "
        "le tour lui-même avec la graine publiée.",
    ),
    "src_stale": (
        "Careful: the results folder “{folder}” was made from other input files (their "
        "fingerprints differ). This report allocated the round again from the current files; "
        "run “samen allocate” to bring the results up to date.",
        "Let op: de resultatenmap “{folder}” is gemaakt met andere invoerbestanden (hun "
        "vingerafdrukken verschillen). Dit verslag heeft de ronde opnieuw toegewezen met de "
        "huidige bestanden; voer “samen allocate” uit om de resultaten bij te werken.",
        "Attention : le dossier de résultats « {folder} » a été produit à partir d'autres fichiers "
        "(leurs empreintes diffèrent). Ce rapport a de nouveau attribué le tour à partir des "
        "fichiers actuels ; lancez « samen allocate » pour mettre les résultats à jour.",
    ),
    # findings
    "f_first": (
        "{first} of the children got their first choice and {top3} one of their first three "
        "choices. {none_n} ({none}) got no school.",
        "{first} van de kinderen kreeg de eerste keuze en {top3} een van de eerste drie keuzes. "
        "{none_n} ({none}) kregen geen school.",
        "{first} des enfants ont obtenu leur premier choix et {top3} un de leurs trois premiers "
        "choix. {none_n} ({none}) n'ont obtenu aucune école.",
    ),
    "f_groups": (
        "First choice: {a} of the indicator pupils and {b} of the other children.",
        "Eerste keuze: {a} van de indicatorleerlingen en {b} van de andere kinderen.",
        "Premier choix : {a} des élèves à indicateur et {b} des autres enfants.",
    ),
    "f_seg_more": (
        "The schools are more mixed than if every child went to the nearest school: "
        "dissimilarity {d} against {b}.",
        "De scholen zijn meer gemengd dan wanneer elk kind naar de dichtstbijzijnde school zou "
        "gaan: dissimilariteit {d} tegenover {b}.",
        "Les écoles sont plus mixtes que si chaque enfant allait à l'école la plus proche : "
        "dissimilarité {d} contre {b}.",
    ),
    "f_seg_less": (
        "The schools are less mixed than if every child went to the nearest school: "
        "dissimilarity {d} against {b}.",
        "De scholen zijn minder gemengd dan wanneer elk kind naar de dichtstbijzijnde school "
        "zou gaan: dissimilariteit {d} tegenover {b}.",
        "Les écoles sont moins mixtes que si chaque enfant allait à l'école la plus proche : "
        "dissimilarité {d} contre {b}.",
    ),
    "f_seg_same": (
        "The schools are about as mixed as if every child went to the nearest school: "
        "dissimilarity {d} against {b}, a difference within the luck of the draw.",
        "De scholen zijn ongeveer even gemengd als wanneer elk kind naar de dichtstbijzijnde "
        "school zou gaan: dissimilariteit {d} tegenover {b}, een verschil binnen het toeval "
        "van de loting.",
        "Les écoles sont à peu près aussi mixtes que si chaque enfant allait à l'école la plus "
        "proche : dissimilarité {d} contre {b}, un écart qui reste dans le hasard du tirage.",
    ),
    "f_seg_only": (
        "Dissimilarity between indicator pupils and the other children: {d} (0 = every "
        "school has the city's mix).",
        "Dissimilariteit tussen indicatorleerlingen en de andere kinderen: {d} (0 = elke "
        "school heeft de mix van de stad).",
        "Dissimilarité entre élèves à indicateur et autres enfants : {d} (0 = chaque école a "
        "la composition de la ville).",
    ),
    "f_spread": (
        "After the allocation the share of indicator pupils ranges from {lo} ({lo_school}) to "
        "{hi} ({hi_school}); the city as a whole has {city}.",
        "Na de toewijzing gaat het aandeel indicatorleerlingen van {lo} ({lo_school}) tot {hi} "
        "({hi_school}); de stad als geheel heeft {city}.",
        "Après l'attribution, la part d'élèves à indicateur va de {lo} ({lo_school}) à {hi} "
        "({hi_school}) ; la ville dans son ensemble en compte {city}.",
    ),
    "f_pledges": (
        "{held} of {total} pledge groups held.",
        "{held} van de {total} samen-groepen slaagden.",
        "{held} groupes solidaires sur {total} ont réussi.",
    ),
    "f_noflag": (
        "The round has no 0/1 column “indicator” in applicants.csv, so this report cannot show "
        "how mixed the schools are; it shows the choices children got.",
        "De ronde heeft geen 0/1-kolom “indicator” in applicants.csv, dus kan dit verslag niet "
        "tonen hoe gemengd de scholen zijn; het toont welke keuzes de kinderen kregen.",
        "Le tour n'a pas de colonne 0/1 « indicator » dans applicants.csv : ce rapport ne peut "
        "donc pas montrer la mixité des écoles ; il montre les choix obtenus.",
    ),
    # ranks
    "ranks_intro": (
        "How many children got their first choice, their second, and so on, or no school at "
        "all. When one group of children gets its first choice much less often than another, "
        "the rules or the places of the seats may work against it.",
        "Hoeveel kinderen hun eerste keuze kregen, hun tweede, enzovoort, of helemaal geen "
        "school. Krijgt een groep kinderen veel minder vaak haar eerste keuze dan een andere, "
        "dan werken de regels of de ligging van de plaatsen misschien tegen haar.",
        "Combien d'enfants ont obtenu leur premier choix, leur deuxième, etc., ou aucune école. "
        "Si un groupe d'enfants obtient beaucoup moins souvent son premier choix qu'un autre, "
        "les règles ou la répartition des places jouent peut-être contre lui.",
    ),
    "ranks_caption": (
        "Share of the children of each group by the choice they got. Black lines: the range "
        "in 95% of the other lottery draws.",
        "Aandeel van de kinderen van elke groep per gekregen keuze. Zwarte lijnen: het bereik "
        "in 95% van de andere lotingen.",
        "Part des enfants de chaque groupe selon le choix obtenu. Traits noirs : l'intervalle "
        "de 95 % des autres tirages.",
    ),
    "ranks_axis": (
        "Share of the children in the group",
        "Aandeel van de kinderen in de groep",
        "Part des enfants du groupe",
    ),
    "ranks_table": (
        "Children by the choice they got",
        "Kinderen per gekregen keuze",
        "Enfants selon le choix obtenu",
    ),
    "range_note": (
        "In brackets: the range in 95% of the other lottery draws.",
        "Tussen haakjes: het bereik in 95% van de andere lotingen.",
        "Entre parenthèses : l'intervalle de 95 % des autres tirages.",
    ),
    "grp_indicator": ("Indicator pupils", "Indicatorleerlingen", "Élèves à indicateur"),
    "grp_other": ("Other children", "Andere kinderen", "Autres enfants"),
    "grp_all": ("All children", "Alle kinderen", "Tous les enfants"),
    "th_choice": ("Choice", "Keuze", "Choix"),
    "rank_none": ("No school", "Geen school", "Aucune école"),
    "rank_later": ("{k}th or later", "{k}e of later", "{k}e ou suivant"),
    "alt_ranks": (
        "Bar chart of the choice the children got. {parts}",
        "Staafdiagram van de keuze die de kinderen kregen. {parts}",
        "Diagramme en barres du choix obtenu par les enfants. {parts}",
    ),
    "alt_ranks_part": (
        "{group}: {first} first choice, {none} no school.",
        "{group}: {first} eerste keuze, {none} geen school.",
        "{group} : {first} premier choix, {none} aucune école.",
    ),
    # schools
    "schools_intro": (
        "The share of indicator pupils in each school after the allocation, compared with two "
        "benchmarks: the school as it would be if every child went to the school nearest "
        "home, and the neighbourhood the school stands in. The city as a whole has {city} "
        "indicator pupils; a school far above or below that is not mixed.",
        "Het aandeel indicatorleerlingen in elke school na de toewijzing, vergeleken met twee "
        "maatstaven: de school zoals ze zou zijn als elk kind naar de dichtstbijzijnde school "
        "ging, en de wijk waarin de school staat. De stad als geheel heeft {city} "
        "indicatorleerlingen; een school die daar ver boven of onder zit, is niet gemengd.",
        "La part d'élèves à indicateur dans chaque école après l'attribution, comparée à deux "
        "références : l'école telle qu'elle serait si chaque enfant allait à l'école la plus "
        "proche de chez lui, et le quartier où se trouve l'école. La ville dans son ensemble "
        "compte {city} d'élèves à indicateur ; une école très au-dessus ou au-dessous n'est "
        "pas mixte.",
    ),
    "schools_caption": (
        "Filled dot: share after this allocation; bar: its range in 95% of other draws.",
        "Volle stip: aandeel na deze toewijzing; balk: het bereik in 95% van andere lotingen.",
        "Point plein : part après cette attribution ; barre : son intervalle dans 95 % des "
        "autres tirages.",
    ),
    "schools_caption_nearest": (
        "Open circle: if every child went to the nearest school.",
        "Open cirkel: als elk kind naar de dichtstbijzijnde school ging.",
        "Cercle vide : si chaque enfant allait à l'école la plus proche.",
    ),
    "schools_caption_hood": (
        "Diamond: the children living in the school's neighbourhood.",
        "Ruit: de kinderen die in de wijk van de school wonen.",
        "Losange : les enfants qui habitent le quartier de l'école.",
    ),
    "schools_caption_city": (
        "Dashed line: the whole city ({city}).",
        "Stippellijn: de hele stad ({city}).",
        "Tirets : toute la ville ({city}).",
    ),
    "schools_caption_scatter": (
        "One dot per school: the share of indicator pupils after this allocation (up) against "
        "the share if every child went to the nearest school (across). Dots below the "
        "diagonal: the allocation mixes that school more than its surroundings. Dashed line: "
        "the whole city ({city}).",
        "Eén stip per school: het aandeel indicatorleerlingen na deze toewijzing (verticaal) "
        "tegenover het aandeel als elk kind naar de dichtstbijzijnde school ging (horizontaal). "
        "Stippen onder de diagonaal: de toewijzing mengt die school meer dan haar omgeving. "
        "Stippellijn: de hele stad ({city}).",
        "Un point par école : la part d'élèves à indicateur après cette attribution (verticale) "
        "contre la part si chaque enfant allait à l'école la plus proche (horizontale). Points "
        "sous la diagonale : l'attribution rend cette école plus mixte que son environnement. "
        "Tirets : toute la ville ({city}).",
    ),
    "lg_allocation": ("This allocation", "Deze toewijzing", "Cette attribution"),
    "lg_range": ("95% of other draws", "95% van andere lotingen", "95 % des autres tirages"),
    "lg_nearest": (
        "Every child at the nearest school",
        "Elk kind naar de dichtstbijzijnde school",
        "Chaque enfant à l'école la plus proche",
    ),
    "lg_hood": ("Children of the neighbourhood", "Kinderen van de wijk", "Enfants du quartier"),
    "lg_city": ("Whole city", "Hele stad", "Toute la ville"),
    "axis_share": (
        "Share of indicator pupils",
        "Aandeel indicatorleerlingen",
        "Part d'élèves à indicateur",
    ),
    "axis_after": ("After this allocation", "Na deze toewijzing", "Après cette attribution"),
    "schools_table": (
        "Schools after the allocation",
        "Scholen na de toewijzing",
        "Écoles après l'attribution",
    ),
    "schools_table_ends": (
        "The {k} schools with the highest share of indicator pupils, and the {k} with the lowest",
        "De {k} scholen met het hoogste aandeel indicatorleerlingen, en de {k} met het laagste",
        "Les {k} écoles où la part d'élèves à indicateur est la plus haute, et les {k} où elle est "
        "la plus basse",
    ),
    "schools_table_ends_note": (
        "The first {k} rows are the schools with the highest share, the last {k} those with the "
        "lowest; all {n} schools are in the list below.",
        "De eerste {k} rijen zijn de scholen met het hoogste aandeel, de laatste {k} die met het "
        "laagste; alle {n} scholen staan in de lijst hieronder.",
        "Les {k} premières lignes sont les écoles où la part est la plus haute, les {k} dernières "
        "celles où elle est la plus basse ; les {n} écoles figurent dans la liste ci-dessous.",
    ),
    "schools_table_all": (
        "All {n} schools (open the list)",
        "Alle {n} scholen (open de lijst)",
        "Les {n} écoles (ouvrir la liste)",
    ),
    "schools_table_note": (
        "Share: of indicator pupils, with the range in 95% of other draws.",
        "Aandeel: van indicatorleerlingen, met het bereik in 95% van andere lotingen.",
        "Part : des élèves à indicateur, avec l'intervalle de 95 % des autres tirages.",
    ),
    "schools_table_nearest": (
        "Nearest school: the share if every child went to the school nearest home, and how "
        "many children that would be.",
        "Dichtstbijzijnde school: het aandeel als elk kind naar de school het dichtst bij huis "
        "ging, en hoeveel kinderen dat zouden zijn.",
        "École la plus proche : la part si chaque enfant allait à l'école la plus proche de "
        "chez lui, et combien d'enfants cela ferait.",
    ),
    "schools_table_hood": (
        "Neighbourhood: the share among the children of the school's neighbourhood.",
        "Wijk: het aandeel bij de kinderen van de wijk van de school.",
        "Quartier : la part parmi les enfants du quartier de l'école.",
    ),
    "th_school": ("School", "School", "École"),
    "th_seats": ("Seats", "Plaatsen", "Places"),
    "th_assigned": ("Children", "Kinderen", "Enfants"),
    "th_flagged": ("Indicator pupils", "Indicator\u00adleerlingen", "Élèves à indicateur"),
    "th_share": ("Share", "Aandeel", "Part"),
    "th_range": ("95% of other draws", "95% van andere lotingen", "95 % des autres tirages"),
    "th_nearest": ("Nearest school", "Dichtstbij\u00adzijnde school", "École la plus proche"),
    "th_hood_share": ("Neighbourhood", "Wijk", "Quartier"),
    "alt_schools": (
        "Dot chart, one row per school, of the share of indicator pupils after the allocation: "
        "from {lo} ({lo_school}) to {hi} ({hi_school}); the city has {city}.",
        "Stippendiagram, één rij per school, van het aandeel indicatorleerlingen na de "
        "toewijzing: van {lo} ({lo_school}) tot {hi} ({hi_school}); de stad heeft {city}.",
        "Graphique à points, une ligne par école, de la part d'élèves à indicateur après "
        "l'attribution : de {lo} ({lo_school}) à {hi} ({hi_school}) ; la ville en compte {city}.",
    ),
    "no_coords": (
        "The round has no coordinates for the children and the schools, so the comparison "
        "with the nearest school and the map are left out.",
        "De ronde heeft geen coördinaten voor de kinderen en de scholen, dus ontbreken de "
        "vergelijking met de dichtstbijzijnde school en de kaart.",
        "Le tour n'a pas de coordonnées pour les enfants et les écoles : la comparaison avec "
        "l'école la plus proche et la carte sont omises.",
    ),
    # map
    "map_intro": (
        "Where the children live and how mixed the schools are after the allocation. Purple "
        "means more indicator pupils than the city as a whole ({city}), orange fewer, white "
        "about the same.",
        "Waar de kinderen wonen en hoe gemengd de scholen zijn na de toewijzing. Paars "
        "betekent meer indicatorleerlingen dan in de stad als geheel ({city}), oranje minder, "
        "wit ongeveer evenveel.",
        "Où vivent les enfants et quelle est la mixité des écoles après l'attribution. Violet : "
        "plus d'élèves à indicateur que dans l'ensemble de la ville ({city}) ; orange : moins ; "
        "blanc : à peu près autant.",
    ),
    "map_intro_plain": (
        "Where the children live and where the schools are.",
        "Waar de kinderen wonen en waar de scholen liggen.",
        "Où vivent les enfants et où se trouvent les écoles.",
    ),
    "map_caption_hoods": (
        "Areas: the neighbourhoods (the outline around 90% of their children's homes), "
        "coloured by their share of indicator pupils. Circles: the schools, sized by their "
        "seats and coloured by their share of indicator pupils after the allocation.",
        "Vlakken: de wijken (de omtrek rond 90% van de woningen van hun kinderen), gekleurd "
        "volgens hun aandeel indicatorleerlingen. Cirkels: de scholen, zo groot als hun aantal "
        "plaatsen en gekleurd volgens hun aandeel indicatorleerlingen na de toewijzing.",
        "Zones : les quartiers (le contour de 90 % des domiciles de leurs enfants), colorés "
        "selon leur part d'élèves à indicateur. Cercles : les écoles, de taille proportionnelle "
        "à leurs places et colorées selon leur part d'élèves à indicateur après l'attribution.",
    ),
    "map_caption_hex": (
        "Hexagons: where the children live, coloured by the share of indicator pupils (only "
        "hexagons with at least {k} children are shown, so that no child can be picked out). "
        "Circles: the schools, sized by their seats and coloured by their share of indicator "
        "pupils after the allocation.",
        "Zeshoeken: waar de kinderen wonen, gekleurd volgens het aandeel indicatorleerlingen "
        "(alleen zeshoeken met minstens {k} kinderen, zodat geen enkel kind herkenbaar is). "
        "Cirkels: de scholen, zo groot als hun aantal plaatsen en gekleurd volgens hun aandeel "
        "indicatorleerlingen na de toewijzing.",
        "Hexagones : où vivent les enfants, colorés selon la part d'élèves à indicateur "
        "(seulement les hexagones d'au moins {k} enfants, pour qu'aucun enfant ne soit "
        "reconnaissable). Cercles : les écoles, de taille proportionnelle à leurs places et "
        "colorées selon leur part d'élèves à indicateur après l'attribution.",
    ),
    "map_colourbar": (
        "Share of indicator pupils (white: the city, {city})",
        "Aandeel indicatorleerlingen (wit: de stad, {city})",
        "Part d'élèves à indicateur (blanc : la ville, {city})",
    ),
    "map_seats": ("{n} seats", "{n} plaatsen", "{n} places"),
    "alt_map": (
        "Map of {schools} schools{hoods}. After the allocation the schools have from {lo} to "
        "{hi} indicator pupils.",
        "Kaart van {schools} scholen{hoods}. Na de toewijzing hebben de scholen van {lo} tot "
        "{hi} indicatorleerlingen.",
        "Carte de {schools} écoles{hoods}. Après l'attribution, les écoles comptent de {lo} à "
        "{hi} d'élèves à indicateur.",
    ),
    "alt_map_hoods": (
        " and {k} neighbourhoods with {lo} to {hi} indicator pupils",
        " en {k} wijken met {lo} tot {hi} indicatorleerlingen",
        " et de {k} quartiers comptant de {lo} à {hi} d'élèves à indicateur",
    ),
    "alt_map_plain": (
        "Map of {schools} schools and the homes of the children.",
        "Kaart van {schools} scholen en de woningen van de kinderen.",
        "Carte de {schools} écoles et des domiciles des enfants.",
    ),
    # indices
    "seg_intro": (
        "A segregation index sums up in one number how unevenly indicator pupils and the "
        "other children are spread over the schools; children without a school are left out. "
        "Each index is 0 when every school has the city's mix. The benchmark “nearest school” "
        "shows how segregated the schools would be if every child went to the school nearest "
        "home: the segregation that comes from where families live.",
        "Een segregatie-index vat in één getal samen hoe ongelijk indicatorleerlingen en de "
        "andere kinderen over de scholen verdeeld zijn; kinderen zonder school tellen niet "
        "mee. Elke index is 0 als elke school de mix van de stad heeft. De maatstaf "
        "“dichtstbijzijnde school” toont hoe gescheiden de scholen zouden zijn als elk kind "
        "naar de school het dichtst bij huis ging: de segregatie die komt van waar gezinnen "
        "wonen.",
        "Un indice de ségrégation résume en un chiffre l'inégalité de la répartition des élèves "
        "à indicateur et des autres enfants entre les écoles ; les enfants sans école ne "
        "comptent pas. Chaque indice vaut 0 quand chaque école a la composition de la ville. "
        "La référence « école la plus proche » montre la ségrégation si chaque enfant allait à "
        "l'école la plus proche de chez lui : celle qui vient du lieu où vivent les familles.",
    ),
    "seg_caption": (
        "Dot: this allocation, with its range in 95% of other draws (bar). Square: if every "
        "child went to the nearest school.",
        "Stip: deze toewijzing, met het bereik in 95% van andere lotingen (balk). Vierkant: als "
        "elk kind naar de dichtstbijzijnde school ging.",
        "Point : cette attribution, avec son intervalle dans 95 % des autres tirages (barre). "
        "Carré : si chaque enfant allait à l'école la plus proche.",
    ),
    "seg_table": (
        "Segregation indices",
        "Segregatie-indices",
        "Indices de ségrégation",
    ),
    "seg_one_group": (
        "All children with a school belong to one group, so the segregation indices cannot be "
        "computed.",
        "Alle kinderen met een school behoren tot één groep, dus kunnen de segregatie-indices "
        "niet berekend worden.",
        "Tous les enfants ayant une école appartiennent à un seul groupe : les indices de "
        "ségrégation ne peuvent pas être calculés.",
    ),
    "th_index": ("Index", "Index", "Indice"),
    "th_value": ("This allocation", "Deze toewijzing", "Cette attribution"),
    "th_bench": ("Nearest school", "Dichtstbijzijnde school", "École la plus proche"),
    "idx_D": ("Dissimilarity (D)", "Dissimilariteit (D)", "Dissimilarité (D)"),
    "idx_D_help": (
        "The share of indicator pupils who would have to change school for every school to "
        "have the city's mix. 0 = fully mixed, 1 = fully separated.",
        "Het deel van de indicatorleerlingen dat van school zou moeten veranderen opdat elke "
        "school de mix van de stad heeft. 0 = volledig gemengd, 1 = volledig gescheiden.",
        "La part des élèves à indicateur qui devraient changer d'école pour que chaque école "
        "ait la composition de la ville. 0 = mixité complète, 1 = séparation complète.",
    ),
    "idx_H": ("Entropy index (H)", "Entropie-index (H)", "Indice d'entropie (H)"),
    "idx_H_help": (
        "How much less varied the average school is than the city (Theil). 0 = every school "
        "as varied as the city, 1 = every school has one group only.",
        "Hoeveel minder divers de gemiddelde school is dan de stad (Theil). 0 = elke school "
        "even divers als de stad, 1 = elke school heeft maar één groep.",
        "De combien l'école moyenne est moins diverse que la ville (Theil). 0 = chaque école "
        "aussi diverse que la ville, 1 = chaque école n'a qu'un seul groupe.",
    ),
    "idx_M": ("Mutual information (M)", "Wederzijdse informatie (M)", "Information mutuelle (M)"),
    "idx_M_help": (
        "How much a child's school tells about its group (natural logarithm). 0 = nothing; "
        "it splits into a part between and a part within neighbourhoods.",
        "Hoeveel de school van een kind vertelt over zijn groep (natuurlijke logaritme). "
        "0 = niets; het valt uiteen in een deel tussen en een deel binnen wijken.",
        "Ce que l'école d'un enfant révèle de son groupe (logarithme naturel). 0 = rien ; il "
        "se décompose en une part entre quartiers et une part au sein des quartiers.",
    ),
    "idx_isolation": (
        "Isolation of indicator pupils",
        "Isolement van indicatorleerlingen",
        "Isolement des élèves à indicateur",
    ),
    "idx_isolation_help": (
        "The share of indicator pupils in the school of the average indicator pupil. Without "
        "segregation it is the city's share, {city}.",
        "Het aandeel indicatorleerlingen in de school van de gemiddelde indicatorleerling. "
        "Zonder segregatie is dat het aandeel in de stad, {city}.",
        "La part d'élèves à indicateur dans l'école de l'élève à indicateur moyen. Sans "
        "ségrégation, c'est la part de la ville, {city}.",
    ),
    "idx_exposure": (
        "Contact of indicator pupils with other children",
        "Contact van indicatorleerlingen met andere kinderen",
        "Contact des élèves à indicateur avec les autres enfants",
    ),
    "idx_exposure_help": (
        "The share of other children in the school of the average indicator pupil (exposure). "
        "Without segregation: {other}.",
        "Het aandeel andere kinderen in de school van de gemiddelde indicatorleerling "
        "(blootstelling). Zonder segregatie: {other}.",
        "La part des autres enfants dans l'école de l'élève à indicateur moyen (exposition). "
        "Sans ségrégation : {other}.",
    ),
    "idx_exposure_other": (
        "Contact of other children with indicator pupils",
        "Contact van andere kinderen met indicatorleerlingen",
        "Contact des autres enfants avec les élèves à indicateur",
    ),
    "idx_exposure_other_help": (
        "The share of indicator pupils in the school of the average other child. Without "
        "segregation: {city}.",
        "Het aandeel indicatorleerlingen in de school van het gemiddelde andere kind. Zonder "
        "segregatie: {city}.",
        "La part d'élèves à indicateur dans l'école de l'autre enfant moyen. Sans "
        "ségrégation : {city}.",
    ),
    "alt_indices": (
        "Dot chart of the segregation indices of this allocation and of the nearest-school "
        "benchmark. {parts}",
        "Stippendiagram van de segregatie-indices van deze toewijzing en van de maatstaf "
        "dichtstbijzijnde school. {parts}",
        "Graphique à points des indices de ségrégation de cette attribution et de la référence "
        "école la plus proche. {parts}",
    ),
    "alt_index_part": (
        "{index}: {value} (nearest school {bench}).",
        "{index}: {value} (dichtstbijzijnde school {bench}).",
        "{index} : {value} (école la plus proche {bench}).",
    ),
    # decomposition
    "dec_intro": (
        "The index M splits exactly into two parts: segregation between neighbourhoods (the "
        "schools of one neighbourhood, taken together, differ from those of another) and "
        "within neighbourhoods (schools of the same neighbourhood differ from each other). The "
        "part between neighbourhoods follows mostly from where families live; the part within "
        "from which schools families choose and get.",
        "De index M valt precies uiteen in twee delen: segregatie tussen wijken (de scholen "
        "van een wijk samen verschillen van die van een andere wijk) en binnen wijken (scholen "
        "van dezelfde wijk verschillen van elkaar). Het deel tussen wijken volgt vooral uit "
        "waar gezinnen wonen; het deel binnen wijken uit welke scholen gezinnen kiezen en "
        "krijgen.",
        "L'indice M se décompose exactement en deux parts : la ségrégation entre quartiers "
        "(les écoles d'un quartier, prises ensemble, diffèrent de celles d'un autre) et au "
        "sein des quartiers (les écoles d'un même quartier diffèrent entre elles). La part "
        "entre quartiers vient surtout du lieu où vivent les familles ; la part au sein des "
        "quartiers, des écoles que les familles choisissent et obtiennent.",
    ),
    "dec_column": (
        "Each school counts in its neighbourhood as schools.csv gives it.",
        "Elke school telt mee in haar wijk zoals schools.csv die geeft.",
        "Chaque école compte dans son quartier tel que schools.csv l'indique.",
    ),
    "dec_nearest": (
        "Each school counts in the neighbourhood whose children live, on average, closest to it.",
        "Elke school telt mee in de wijk waarvan de kinderen er gemiddeld het dichtst bij wonen.",
        "Chaque école compte dans le quartier dont les enfants habitent, en moyenne, le plus "
        "près d'elle.",
    ),
    "dec_table": (
        "M between and within neighbourhoods",
        "M tussen en binnen wijken",
        "M entre quartiers et au sein des quartiers",
    ),
    "dec_caption": (
        "M of this allocation and of the nearest-school benchmark, split into the part "
        "between neighbourhoods and the part within them.",
        "M van deze toewijzing en van de maatstaf dichtstbijzijnde school, gesplitst in het "
        "deel tussen wijken en het deel binnen wijken.",
        "M de cette attribution et de la référence école la plus proche, décomposé en une "
        "part entre quartiers et une part au sein des quartiers.",
    ),
    "alt_dec": (
        "Bar chart: M of this allocation is {total}, of which {between} between neighbourhoods "
        "and {within} within them.",
        "Staafdiagram: M van deze toewijzing is {total}, waarvan {between} tussen wijken en "
        "{within} binnen wijken.",
        "Diagramme en barres : M de cette attribution vaut {total}, dont {between} entre "
        "quartiers et {within} au sein des quartiers.",
    ),
    "th_part": ("Part", "Deel", "Part"),
    "dec_between": ("Between neighbourhoods", "Tussen wijken", "Entre quartiers"),
    "dec_within": ("Within neighbourhoods", "Binnen wijken", "Au sein des quartiers"),
    "dec_total": ("Total (M)", "Totaal (M)", "Total (M)"),
    "dec_share_between": (
        "Share between neighbourhoods",
        "Aandeel tussen wijken",
        "Part entre quartiers",
    ),
    # pledge groups
    "pl_intro": (
        "Families who promised each other to choose a school together. A group holds when at "
        "least the needed number of its members get that school; otherwise their choice of "
        "the school is dropped and the allocation runs again without it.",
        "Gezinnen die elkaar beloofden samen een school te kiezen. Een groep slaagt als minstens "
        "het nodige aantal leden die school krijgt; anders vervalt hun keuze voor die school en "
        "loopt de toewijzing opnieuw zonder die keuze.",
        "Des familles qui se sont promis de choisir une école ensemble. Un groupe réussit si au "
        "moins le nombre requis de ses membres obtient cette école ; sinon, leur choix de cette "
        "école est retiré et l'attribution est refaite sans lui.",
    ),
    "pl_table": ("Pledge groups", "Samen-groepen", "Groupes solidaires"),
    "th_group": ("Group", "Groep", "Groupe"),
    "th_needed": ("Needed", "Nodig", "Requis"),
    "th_members": ("Members", "Leden", "Membres"),
    "th_got": ("Got the school", "Kregen de school", "Ont obtenu l'école"),
    "th_held": ("Held", "Geslaagd", "Réussi"),
    "th_held_draws": (
        "Held in other draws",
        "Geslaagd in andere lotingen",
        "Réussi dans les autres tirages",
    ),
    "yes": ("yes", "ja", "oui"),
    "no": ("no", "nee", "non"),
    "pl_failures": (
        "Why groups failed",
        "Waarom groepen niet slaagden",
        "Pourquoi des groupes ont échoué",
    ),
    "pl_failure": (
        "{group}: in pass {run} of the allocation only {n} of its members got {school}, and "
        "{threshold} were needed. Their choice of {school} was dropped and the allocation ran "
        "again; the table shows the last pass, in which they no longer applied there.",
        "{group}: in doorloop {run} van de toewijzing kregen maar {n} leden {school}, en er "
        "waren er {threshold} nodig. Hun keuze voor {school} verviel en de toewijzing liep "
        "opnieuw; de tabel toont de laatste doorloop, waarin ze zich daar niet meer "
        "aanmeldden.",
        "{group} : au passage {run} de l'attribution, seuls {n} membres ont obtenu {school}, "
        "et il en fallait {threshold}. Leur choix de {school} a été retiré et l'attribution "
        "refaite ; le tableau montre le dernier passage, où ils n'y postulaient plus.",
    ),
    # scenarios
    "sc_intro": (
        "Each variant is this round with other rules, allocated over many lottery draws by "
        "“samen scenarios” (file {file}). The table gives the mean over the draws and, "
        "below it, the range of 95% of the draws.",
        "Elke variant is deze ronde met andere regels, toegewezen over veel lotingen door "
        "“samen scenarios” (bestand {file}). De tabel geeft het gemiddelde over de lotingen "
        "en daaronder het bereik van 95% van de lotingen.",
        "Chaque variante est ce tour avec d'autres règles, attribué sur de nombreux tirages "
        "par « samen scenarios » (fichier {file}). Le tableau donne la moyenne sur les tirages "
        "et, en dessous, l'intervalle de 95 % des tirages.",
    ),
    "sc_round": (
        "The scenarios were computed for the round “{round}”{draws}.",
        "De scenario's zijn berekend voor de ronde „{round}”{draws}.",
        "Les scénarios ont été calculés pour le tour « {round} »{draws}.",
    ),
    "sc_draws": (
        ", {n} draws per variant",
        ", {n} lotingen per variant",
        ", {n} tirages par variante",
    ),
    "sc_variants": ("The variants", "De varianten", "Les variantes"),
    "sc_table": (
        "The variants side by side",
        "De varianten naast elkaar",
        "Les variantes côte à côte",
    ),
    "sc_caption": (
        "Dot: mean over the draws; bar: 95% of the draws; dashed line: the neighbourhood "
        "benchmark, where the file gives one.",
        "Stip: gemiddelde over de lotingen; balk: 95% van de lotingen; stippellijn: de "
        "maatstaf van de wijk, als het bestand die geeft.",
        "Point : moyenne sur les tirages ; barre : 95 % des tirages ; tirets : la référence "
        "quartier, si le fichier en donne une.",
    ),
    "alt_scenario": (
        "{metric} per variant: {parts}",
        "{metric} per variant: {parts}",
        "{metric} par variante : {parts}",
    ),
    "th_metric": ("Measure", "Maatstaf", "Mesure"),
    "th_benchmark": ("Neighbourhood benchmark", "Maatstaf wijk", "Référence quartier"),
    "m_first_choice": ("First choice", "Eerste keuze", "Premier choix"),
    "m_top3": (
        "One of the first three choices",
        "Een van de eerste drie keuzes",
        "Un des trois premiers choix",
    ),
    "m_unassigned": ("No school", "Geen school", "Aucune école"),
    "m_assigned": ("A school", "Een school", "Une école"),
    "m_distance_mean": (
        "Mean distance to school",
        "Gemiddelde afstand tot de school",
        "Distance moyenne à l'école",
    ),
    "m_distance_median": (
        "Median distance to school",
        "Mediane afstand tot de school",
        "Distance médiane à l'école",
    ),
    "m_distance_p90": (
        "Distance, 90th percentile",
        "Afstand, 90e percentiel",
        "Distance, 90e centile",
    ),
    "m_pledge_groups_held": (
        "Pledge groups that held",
        "Geslaagde samen-groepen",
        "Groupes solidaires réussis",
    ),
    "m_pledge_groups_held_share": (
        "Share of pledge groups that held",
        "Aandeel geslaagde samen-groepen",
        "Part de groupes solidaires réussis",
    ),
    "sc_schools": (
        "Share of indicator pupils per school, by variant",
        "Aandeel indicatorleerlingen per school, per variant",
        "Part d'élèves à indicateur par école, selon la variante",
    ),
    "sc_other_round": (
        "Careful: these scenarios were computed for the round “{other}”, not for this one.",
        "Let op: deze scenario's zijn berekend voor de ronde „{other}”, niet voor deze.",
        "Attention : ces scénarios ont été calculés pour le tour « {other} », pas pour celui-ci.",
    ),
    "sfx_indicator": ("indicator pupils", "indicatorleerlingen", "élèves à indicateur"),
    "sfx_other": ("other children", "andere kinderen", "autres enfants"),
    # method
    "me_alloc": (
        "The allocation: the rules of round.toml ({mechanism}, {tie}) with the published "
        "seed “{seed}”.",
        "De toewijzing: de regels van round.toml ({mechanism}, {tie}) met het gepubliceerde "
        "zaad „{seed}”.",
        "L'attribution : les règles de round.toml ({mechanism}, {tie}) avec la graine publiée "
        "« {seed} ».",
    ),
    "me_draws": (
        "Other draws: the same round allocated {n} times with the seeds “{first}” to "
        "“{last}”. A 95% range leaves out the 2.5% lowest and the 2.5% highest of these "
        "draws. Anyone can redo a draw by putting its seed in round.toml.",
        "Andere lotingen: dezelfde ronde {n} keer toegewezen met de zaden „{first}” tot "
        "„{last}”. Een bereik van 95% laat de 2,5% laagste en de 2,5% hoogste van die lotingen "
        "weg. Iedereen kan een loting overdoen door haar zaad in round.toml te zetten.",
        "Autres tirages : le même tour attribué {n} fois avec les graines « {first} » à "
        "« {last} ». Un intervalle de 95 % écarte les 2,5 % de tirages les plus bas et les "
        "2,5 % les plus hauts. Chacun peut refaire un tirage en mettant sa graine dans "
        "round.toml.",
    ),
    "me_nearest": (
        "Nearest school: each child counted at the school nearest home ({distance}), whatever "
        "its seats; {k} of {n} children have coordinates.",
        "Dichtstbijzijnde school: elk kind geteld in de school het dichtst bij huis "
        "({distance}), ongeacht het aantal plaatsen; {k} van de {n} kinderen hebben "
        "coördinaten.",
        "École la plus proche : chaque enfant compté dans l'école la plus proche de chez lui "
        "({distance}), quel que soit son nombre de places ; {k} enfants sur {n} ont des "
        "coordonnées.",
    ),
    "dist_euclidean": ("straight line", "in vogelvlucht", "à vol d'oiseau"),
    "dist_haversine": (
        "straight line over the earth's surface",
        "in vogelvlucht over het aardoppervlak",
        "à vol d'oiseau sur la surface terrestre",
    ),
    "me_hoods": (
        "Neighbourhoods: the column neighbourhood of the round's tables ({k} neighbourhoods).",
        "Wijken: de kolom neighbourhood van de tabellen van de ronde ({k} wijken).",
        "Quartiers : la colonne neighbourhood des tableaux du tour ({k} quartiers).",
    ),
    "me_indices": (
        "Segregation indices: indicator pupils against all other children, over the children "
        "with a school. The formulas are in docs/report.md.",
        "Segregatie-indices: indicatorleerlingen tegenover alle andere kinderen, over de "
        "kinderen met een school. De formules staan in docs/report.md.",
        "Indices de ségrégation : élèves à indicateur contre tous les autres enfants, sur les "
        "enfants ayant une école. Les formules sont dans docs/report.md.",
    ),
    "me_files": (
        "Input files and their fingerprints",
        "Invoerbestanden en hun vingerafdrukken",
        "Fichiers d'entrée et leurs empreintes",
    ),
    "me_files_note": (
        "A fingerprint is the start (16 hexadecimal digits) of the file's SHA-256: any change "
        "to a file changes it. summary.json of the results lists the full fingerprints.",
        "Een vingerafdruk is het begin (16 hexadecimale cijfers) van de SHA-256 van het "
        "bestand: elke wijziging aan een bestand verandert hem. summary.json van de resultaten "
        "geeft de volledige vingerafdrukken.",
        "Une empreinte est le début (16 chiffres hexadécimaux) du SHA-256 du fichier : toute "
        "modification du fichier la change. Le summary.json des résultats donne les empreintes "
        "complètes.",
    ),
    "th_file": ("File", "Bestand", "Fichier"),
    "th_fingerprint": ("Fingerprint", "Vingerafdruk", "Empreinte"),
    "me_version": (
        "Made with samen {version}, open-source software: every number can be checked.",
        "Gemaakt met samen {version}, opensourcesoftware: elk getal kan nagekeken worden.",
        "Établi avec samen {version}, logiciel libre : chaque chiffre peut être vérifié.",
    ),
    "missing": (EN_DASH, EN_DASH, EN_DASH),
}

_LANG_INDEX = {lang: i for i, lang in enumerate(LANGUAGES)}
NBSP, NNBSP = "\u00a0", "\u202f"


class Words:
    """The report's texts and number formats in one language."""

    def __init__(self, lang: str = "en"):
        check_lang(lang)
        self.lang = lang
        self._i = _LANG_INDEX[lang]

    def __call__(self, key: str, **values: object) -> str:
        text = WORDS[key][self._i]
        if values:
            text = text.format(**values)
        if self.lang == "fr":
            for mark in (":", ";", "?", "!", "»"):
                text = text.replace(" " + mark, NBSP + mark)
            text = text.replace("« ", "«" + NBSP)
        return text

    # numbers -------------------------------------------------------------------------
    def _sep(self, text: str) -> str:
        """Swap separators of an English-formatted number for the language's."""
        if self.lang == "en":
            return text
        thousands = "." if self.lang == "nl" else NNBSP
        return text.replace(",", "\x00").replace(".", ",").replace("\x00", thousands)

    def count(self, value: float) -> str:
        return self._sep(f"{round(value):,}")

    def num(self, value: float, digits: int = 3) -> str:
        if value is None or not math.isfinite(value):
            return WORDS["missing"][self._i]
        return self._sep(f"{value:,.{digits}f}")

    def pct(self, value: float, digits: int = 1) -> str:
        if value is None or not math.isfinite(value):
            return WORDS["missing"][self._i]
        text = self._sep(f"{100 * value:.{digits}f}")
        return text + (NNBSP + "%" if self.lang == "fr" else "%")

    def metres(self, value: float, km: bool = True) -> str:
        """``850 m``, ``1.5 km`` (``km``: from 1000 m on), ``1,235 m`` (not ``km``)."""
        if value is None or not math.isfinite(value):
            return WORDS["missing"][self._i]
        if km and abs(value) >= 1000:
            k = value / 1000
            return self._sep(f"{k:,.{0 if k == int(k) else 1}f}") + NBSP + "km"
        return self._sep(f"{value:,.0f}") + NBSP + "m"

    def range(self, lo: float, hi: float, kind: Callable[[float], str]) -> str:
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return WORDS["missing"][self._i]
        return f"{kind(lo)}{EN_DASH}{kind(hi)}"

    def ordinal(self, k: int) -> str:
        if self.lang == "nl":
            return f"{k}e"
        if self.lang == "fr":
            return "1er" if k == 1 else f"{k}e"
        suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
        return f"{k}{suffix}"

    def rank_label(self, kind: str, k: int) -> str:
        if kind == "none":
            return self("rank_none")
        if kind == "later":
            return self("rank_later", k=k).replace(f"{k}th", self.ordinal(k))
        return self.ordinal(k)


# --------------------------------------------------------------------------- metric names

_SHARE_METRICS = {"first_choice", "top3", "top_3", "unassigned", "assigned", "no_school"}
_INDEX_METRICS = {
    "D": "idx_D",
    "H": "idx_H",
    "M": "idx_M",
    "dissimilarity": "idx_D",
    "entropy": "idx_H",
    "mutual_information": "idx_M",
    "isolation": "idx_isolation",
    "exposure": "idx_exposure",
}
KEY_METRICS = (
    "first_choice",
    "first_choice[indicator]",
    "top3",
    "unassigned",
    "distance_mean",
    "D",
    "H",
    "M",
    "pledge_groups_held",
)


def _split_metric(name: str) -> tuple[str, str]:
    if name.endswith("]") and "[" in name:
        base, _, rest = name.partition("[")
        return base, rest[:-1]
    return name, ""


def _metric_kind(name: str) -> str:
    base, _ = _split_metric(name)
    if base in _SHARE_METRICS or base.endswith("_share") or base.startswith("share"):
        return "share"
    if base.startswith("distance"):
        return "metres"
    if base in _INDEX_METRICS or base in {"gini", "hutchens", "correlation_ratio"}:
        return "index"
    return "number"


def _metric_label(w: Words, name: str, info: Mapping[str, Mapping[str, str]] | None = None) -> str:
    base, group = _split_metric(name)
    key = _INDEX_METRICS.get(base, f"m_{base}")
    if key in WORDS:
        label = w(key)
    else:
        given = (info or {}).get(name, {}).get("label") or (info or {}).get(base, {}).get("label")
        if given:
            return given
        label = base.replace("_", " ")
    if group:
        if group == "indicator":
            label += f" ({w('sfx_indicator')})"
        elif group in ("other", "not:indicator", "non-indicator", "not_indicator"):
            label += f" ({w('sfx_other')})"
        else:
            label += f" ({group})"
    return label


def _metric_format(
    w: Words, name: str, info: Mapping[str, Mapping[str, str]] | None = None
) -> Callable[..., str]:
    unit = (info or {}).get(name, {}).get("unit")
    kind = unit if unit in ("share", "metres", "index") else _metric_kind(name)
    if kind == "share":
        return lambda v, *_: w.pct(v)
    if kind == "metres":
        return lambda v, *_: w.metres(v, km=False)
    if kind == "index":
        return lambda v, *_: w.num(v, 3)

    def generic(v: float, *_: object) -> str:
        if not math.isfinite(v):
            return w.num(v)
        a = abs(v)
        digits = 0 if a >= 100 or float(v).is_integer() else 1 if a >= 1 else 2
        return w.num(v, digits)

    return generic


# --------------------------------------------------------------------------- HTML

CSS = """
:root{--ink:#1d1d1f;--muted:#55555a;--line:#d9d9de;--accent:#5e3c99;--warm:#e66101;
--card:#f5f3fa;--bg:#ffffff}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);
font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:62rem;margin:0 auto;padding:1.2rem 1rem 3rem}
header.top{border-bottom:4px solid var(--accent);padding-bottom:.8rem;margin-bottom:1rem}
.kicker{text-transform:uppercase;letter-spacing:.06em;font-size:.8rem;color:var(--accent);
font-weight:700;margin:0}
h1{font-size:1.8rem;line-height:1.2;margin:.25rem 0 .4rem}
h2{font-size:1.35rem;line-height:1.25;margin:2.4rem 0 .6rem;padding-top:.6rem;
border-top:1px solid var(--line)}
h3{font-size:1.08rem;margin:1.6rem 0 .4rem}
p{margin:.5rem 0 .8rem}
.meta{color:var(--muted);margin:.2rem 0}
nav.toc{background:#fafafa;border:1px solid var(--line);border-radius:.5rem;padding:.5rem 1rem}
nav.toc h2{border:0;margin:.2rem 0;padding:0;font-size:1rem}
nav.toc ol{margin:.2rem 0 .4rem;padding-left:1.3rem;columns:2;column-gap:2rem}
nav.toc a{color:var(--accent)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(10.5rem,1fr));gap:.7rem;
margin:1rem 0}
.card{background:var(--card);border-radius:.5rem;padding:.65rem .85rem;
border-left:4px solid var(--accent)}
.card .value{display:block;font-size:1.65rem;font-weight:700;line-height:1.2}
.card .label{display:block;font-size:.92rem}
.card .range{display:block;font-size:.8rem;color:var(--muted);margin-top:.15rem}
ul.findings{padding-left:1.2rem}
ul.findings li{margin:.35rem 0}
.note{background:#fff7e0;border-left:4px solid #d89b00;padding:.55rem .8rem;margin:.8rem 0;
border-radius:.3rem}
.source{color:var(--muted);font-size:.95rem}
figure{margin:1rem 0 1.5rem}
figure img{display:block;width:100%;height:auto;max-width:100%;margin:0 auto}
figure.narrow img{max-width:40rem}
figcaption{font-size:.92rem;color:var(--muted);margin-top:.45rem}
.table-note{font-size:.85rem;color:var(--muted);margin:-.8rem 0 1.3rem}
details.all-schools{margin:.4rem 0 1.4rem}
details.all-schools summary{cursor:pointer;color:var(--accent);font-weight:600;padding:.3rem 0}
.multiples{display:grid;grid-template-columns:repeat(auto-fill,minmax(19rem,1fr));gap:1rem}
.multiples figure{margin:.2rem 0}
.table-wrap{overflow-x:auto;margin:.6rem 0 1.3rem;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:.92rem;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:.3rem 0 .4rem;caption-side:top}
th,td{padding:.38rem .55rem;border-bottom:1px solid var(--line);text-align:left;
vertical-align:top}
thead th{border-bottom:2px solid #8a8a90;background:#f7f7f9;font-weight:600;
vertical-align:bottom}
tbody th{font-weight:600;min-width:9rem}
tbody th .sub{max-width:34rem}
.num{text-align:right;white-space:nowrap}
.sub{display:block;font-size:.8rem;color:var(--muted);font-weight:400}
.yes{color:#1b7837;font-weight:600}.no{color:#b2182b;font-weight:600}
code{font-size:.88em;background:#f1f1f4;padding:0 .25em;border-radius:3px;word-break:break-all}
footer{margin-top:2.5rem;color:var(--muted);font-size:.85rem;border-top:1px solid var(--line);
padding-top:.6rem}
@media (max-width:40rem){
body{font-size:15px}main{padding:.8rem .7rem 2rem}h1{font-size:1.45rem}h2{font-size:1.2rem}
nav.toc ol{columns:1}th,td{padding:.3rem .35rem}.card .value{font-size:1.4rem}
}
@media print{
body{font-size:10.5pt;color:#000}main{max-width:none;padding:0}nav.toc{display:none}
h2{break-after:avoid;page-break-after:avoid;border-top:0}h3{break-after:avoid}
figure,tr,.card,.note{break-inside:avoid;page-break-inside:avoid}
.table-wrap{overflow:visible}a{color:inherit;text-decoration:none}
details.all-schools{display:none}
.card{border:1px solid #bbb;border-left:4px solid var(--accent)}
@page{margin:14mm}
}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _figure(uri: str, alt: str, caption: str, cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return (
        f'<figure{c}><img src="{uri}" alt="{_e(alt)}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _table(
    caption: str,
    head: Sequence[tuple[str, bool]],
    rows: Sequence[Sequence[str]],
    row_headers: bool = True,
    note: str = "",
) -> str:
    """A table: ``head`` = (label, numeric) per column; ``rows`` cells are HTML already.
    The first cell of a row is its header when ``row_headers``; ``note`` is a short
    explanation under the table (outside the part that scrolls on a phone)."""
    out = [
        f'<div class="table-wrap" role="region" aria-label="{_e(caption)}" tabindex="0">',
        f"<table><caption>{_e(caption)}</caption><thead><tr>",
    ]
    for label, numeric in head:
        cls = ' class="num"' if numeric else ""
        out.append(f'<th scope="col"{cls}>{_e(label)}</th>')
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>")
        for j, cell in enumerate(row):
            numeric = head[j][1] if j < len(head) else False
            cls = ' class="num"' if numeric else ""
            if j == 0 and row_headers:
                out.append(f'<th scope="row"{cls}>{cell}</th>')
            else:
                out.append(f"<td{cls}>{cell}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    if note:
        out.append(f'<p class="table-note">{_e(note)}</p>')
    return "".join(out)


def _card(value: str, label: str, note: str = "") -> str:
    extra = f'<span class="range">{_e(note)}</span>' if note else ""
    return (
        f'<div class="card"><span class="value">{_e(value)}</span>'
        f'<span class="label">{_e(label)}</span>{extra}</div>'
    )


def _sub(text: str) -> str:
    return f'<span class="sub">{_e(text)}</span>' if text else ""


def render_html(data: ReportData, lang: str = "en") -> str:
    """The report as one HTML document (a string), in ``lang`` (en, nl or fr)."""
    from samen.analytics import plots

    w = Words(lang)
    pct = w.pct
    city = data.city_share
    has_flag = data.flag is not None and city is not None
    mech = w(f"mech_{data.mechanism}") if f"mech_{data.mechanism}" in WORDS else data.mechanism
    tie = (
        w(f"tie_{data.tie_breaking}") if f"tie_{data.tie_breaking}" in WORDS else data.tie_breaking
    )
    sections: list[tuple[str, str, str]] = []  # (id, heading, html)

    def rng(s: Spread, kind: Callable[[float], str] = pct) -> str:
        return w.range(s.lo, s.hi, kind)

    def card_range(s: Spread, kind: Callable[[float], str] = pct) -> str:
        if not (math.isfinite(s.lo) and math.isfinite(s.hi)):
            return ""
        return w("card_range", lo=kind(s.lo), hi=kind(s.hi))

    # ------------------------------------------------------------------ at a glance
    alloc = data.allocation
    parts: list[str] = []
    cards = [
        _card(w.count(data.n_children), w("card_children")),
        _card(w.count(data.n_schools), w("card_schools")),
        _card(
            w.count(data.seats),
            w("card_seats"),
            w("card_seats_note", r=w.num(data.seats / data.n_children, 2))
            if data.n_children
            else "",
        ),
    ]
    if has_flag:
        cards.append(_card(pct(city or 0.0), w("card_flagged"), w.count(data.n_flagged)))
    cards += [
        _card(pct(data.first_choice.value), w("card_first"), card_range(data.first_choice)),
        _card(pct(data.top3.value), w("card_top3"), card_range(data.top3)),
        _card(
            pct(data.unassigned.value),
            w("card_none") + f" ({w.count(data.counts['unassigned'])})",
            card_range(data.unassigned),
        ),
    ]
    if data.groups and data.pledges_held is not None:
        held = sum(g.held for g in data.groups)
        cards.append(
            _card(
                w("k_of_n", k=w.count(held), n=w.count(len(data.groups))),
                w("card_pledges"),
                card_range(
                    data.pledges_held,
                    lambda v: w.num(v, 0 if float(v).is_integer() else 1),
                ),
            )
        )
    parts.append(f'<div class="cards">{"".join(cards)}</div>')
    src_key = f"src_{alloc.source}"
    src = w(src_key, folder=alloc.folder.name or str(alloc.folder))
    if alloc.source == "stale":
        parts.append(f'<p class="note" role="note">{_e(src)}</p>')
    else:
        parts.append(f'<p class="source">{_e(src)}</p>')
    parts.append(f"<p>{_e(w('draws_intro', n=w.count(data.draws)))}</p>")

    # findings
    findings = [
        w(
            "f_first",
            first=pct(data.first_choice.value),
            top3=pct(data.top3.value),
            none_n=w("n_children", n=w.count(data.counts["unassigned"])),
            none=pct(data.unassigned.value),
        )
    ]
    groups = data.rank_groups
    if "indicator" in groups:
        findings.append(
            w(
                "f_groups",
                a=pct(float(groups["indicator"]["shares"][0])),
                b=pct(float(groups["other"]["shares"][0])),
            )
        )
    shares = [(r.share.value, r.name) for r in data.schools if math.isfinite(r.share.value)]
    if has_flag and shares:
        lo_s, hi_s = min(shares), max(shares)
        findings.append(
            w(
                "f_spread",
                lo=pct(lo_s[0], 0),
                lo_school=lo_s[1],
                hi=pct(hi_s[0], 0),
                hi_school=hi_s[1],
                city=pct(city or 0.0, 0),
            )
        )
    if data.indices is not None:
        d = data.indices["D"]
        if data.bench_indices is not None and math.isfinite(data.bench_indices["D"]):
            b = data.bench_indices["D"]
            lo, hi = (d.lo, d.hi) if math.isfinite(d.lo) else (d.value, d.value)
            key = "f_seg_more" if b > hi else "f_seg_less" if b < lo else "f_seg_same"
            findings.append(w(key, d=w.num(d.value, 2), b=w.num(b, 2)))
        else:
            findings.append(w("f_seg_only", d=w.num(d.value, 2)))
    if data.groups:
        findings.append(
            w(
                "f_pledges",
                held=w.count(sum(g.held for g in data.groups)),
                total=w.count(len(data.groups)),
            )
        )
    if not has_flag:
        findings.append(w("f_noflag"))
    parts.append(f"<h3>{_e(w('sec_findings'))}</h3>")
    parts.append('<ul class="findings">' + "".join(f"<li>{_e(f)}</li>" for f in findings) + "</ul>")
    sections.append(("glance", w("sec_glance"), "".join(parts)))

    # ------------------------------------------------------------------ ranks
    group_keys = [k for k in ("indicator", "other", "all") if k in groups]
    colours = {
        "indicator": plots.INDICATOR_COLOUR,
        "other": plots.OTHER_COLOUR,
        "all": plots.ALL_COLOUR,
    }
    cat_labels = [w.rank_label(kind, k) for kind, k in data.rank_labels]
    series = [
        plots.Bars(
            label=w(f"grp_{key}") + f" ({w.count(groups[key]['n'])})",
            colour=colours[key],
            values=list(groups[key]["shares"]),
            lo=list(groups[key]["lo"]),
            hi=list(groups[key]["hi"]),
        )
        for key in group_keys
    ]
    fig = plots.rank_chart(cat_labels, series, ylabel=w("ranks_axis"), fmt_pct=pct)
    alt = w(
        "alt_ranks",
        parts=" ".join(
            w(
                "alt_ranks_part",
                group=w(f"grp_{key}"),
                first=pct(float(groups[key]["shares"][0])),
                none=pct(float(groups[key]["shares"][-1])),
            )
            for key in group_keys
        ),
    )
    parts = [f"<p>{_e(w('ranks_intro'))}</p>", _figure(plots.svg_uri(fig), alt, w("ranks_caption"))]
    head = [(w("th_choice"), False)] + [(w(f"grp_{key}"), True) for key in group_keys]
    rows = []
    for c, label in enumerate(cat_labels):
        row = [_e(label)]
        for key in group_keys:
            g = groups[key]
            row.append(
                f"{w.count(int(g['counts'][c]))} · {_e(pct(float(g['shares'][c])))}"
                + _sub("(" + w.range(float(g["lo"][c]), float(g["hi"][c]), pct) + ")")
            )
        rows.append(row)
    parts.append(_table(w("ranks_table"), head, rows, note=w("range_note")))
    sections.append(("ranks", w("sec_ranks"), "".join(parts)))

    # ------------------------------------------------------------------ schools
    if has_flag:
        parts = [f"<p>{_e(w('schools_intro', city=pct(city or 0.0)))}</p>"]
        coords = data.benchmark_children > 0
        if not coords:
            parts.append(f'<p class="note" role="note">{_e(w("no_coords"))}</p>')
        hood_vals = [r.hood_share for r in data.schools]
        has_hood = any(math.isfinite(v) for v in hood_vals)
        labels = {
            "allocation": w("lg_allocation"),
            "range": w("lg_range"),
            "nearest": w("lg_nearest"),
            "hood": w("lg_hood"),
            "city": w("lg_city") + f" ({pct(city or 0.0, 0)})",
            "xlabel": w("axis_share"),
            "xlabel_scatter": w("lg_nearest"),
            "ylabel_scatter": w("axis_after"),
        }
        fig = plots.school_chart(
            [r.name for r in data.schools],
            [r.share.value for r in data.schools],
            [r.share.lo for r in data.schools],
            [r.share.hi for r in data.schools],
            [r.nearest_share for r in data.schools] if coords else None,
            hood_vals if has_hood else None,
            city or 0.0,
            labels=labels,
            fmt_pct=pct,
        )
        if shares:
            lo_s, hi_s = min(shares), max(shares)
            alt = w(
                "alt_schools",
                lo=pct(lo_s[0], 0),
                lo_school=lo_s[1],
                hi=pct(hi_s[0], 0),
                hi_school=hi_s[1],
                city=pct(city or 0.0, 0),
            )
        else:
            alt = w("axis_share")
        scatter = len(data.schools) > 60 and coords
        if scatter:
            caption = w("schools_caption_scatter", city=pct(city or 0.0, 0))
        else:
            caption = " ".join(
                w(key, city=pct(city or 0.0, 0))
                for key, show in (
                    ("schools_caption", True),
                    ("schools_caption_nearest", coords),
                    ("schools_caption_hood", has_hood),
                    ("schools_caption_city", True),
                )
                if show
            )
        parts.append(_figure(plots.svg_uri(fig), alt, caption, "narrow" if scatter else ""))
        head = [
            (w("th_school"), False),
            (w("th_seats"), True),
            (w("th_assigned"), True),
            (w("th_flagged"), True),
            (w("th_share"), True),
        ]
        if coords:
            head.append((w("th_nearest"), True))
        if has_hood:
            head.append((w("th_hood_share"), True))
        rows = []
        order = sorted(
            range(len(data.schools)),
            key=lambda i: -data.schools[i].share.value
            if math.isfinite(data.schools[i].share.value)
            else math.inf,
        )
        for i in order:
            r = data.schools[i]
            row = [
                _e(r.name) + (_sub(r.school_id) if r.name != r.school_id else ""),
                w.count(r.capacity),
                w.count(r.assigned),
                w.count(r.flagged),
                _e(pct(r.share.value)) + _sub("(" + rng(r.share) + ")"),
            ]
            if coords:
                row.append(
                    _e(pct(r.nearest_share)) + _sub(w("n_children", n=w.count(r.nearest_children)))
                )
            if has_hood:
                row.append(_e(pct(r.hood_share)) + _sub(r.hood))
            rows.append(row)
        note = " ".join(
            w(key)
            for key, show in (
                ("schools_table_note", True),
                ("schools_table_nearest", coords),
                ("schools_table_hood", has_hood),
            )
            if show
        )
        if len(rows) > SCHOOL_ROWS:
            # A long list would bury the schools that matter: the most and the least
            # indicator-heavy schools here, every school in a part the reader can open.
            k = SCHOOL_ROWS // 2
            parts.append(
                _table(
                    w("schools_table_ends", k=k),
                    head,
                    rows[:k] + rows[-k:],
                    note=w("schools_table_ends_note", k=k, n=w.count(len(rows))) + " " + note,
                )
            )
            parts.append(
                f'<details class="all-schools"><summary>'
                f"{_e(w('schools_table_all', n=w.count(len(rows))))}</summary>"
                + _table(w("schools_table"), head, rows, note=note)
                + "</details>"
            )
        else:
            parts.append(_table(w("schools_table"), head, rows, note=note))
        sections.append(("schools", w("sec_schools"), "".join(parts)))

    # ------------------------------------------------------------------ map
    if data.map is not None:
        parts = []
        hoods = data.hoods
        hood_of_child = hoods.of_child if hoods is not None else None
        hood_share = hoods.share if hoods is not None and hood_of_child is not None else None
        school_share = np.array([r.share.value for r in data.schools]) if has_flag else None
        fig = plots.map_chart(
            school_xy=data.map["school_xy"],
            capacity=np.array([r.capacity for r in data.schools]),
            school_share=school_share,
            school_labels=[r.school_id for r in data.schools],
            child_xy=data.map["child_xy"],
            child_flag=data.map.get("flag"),
            hood_of_child=hood_of_child,
            hood_share=hood_share,
            hood_names=hoods.names if hoods is not None else None,
            city_share=city if has_flag else None,
            labels={
                "colourbar": w("map_colourbar", city=pct(city or 0.0, 0)),
                "seats": w("map_seats", n="{n}"),
            },
            fmt_pct=pct,
            fmt_metres=w.metres,
        )
        if has_flag and shares:
            hood_part = ""
            if hood_share is not None and np.isfinite(hood_share).any():
                hood_part = w(
                    "alt_map_hoods",
                    k=w.count(int(np.isfinite(hood_share).sum())),
                    lo=pct(float(np.nanmin(hood_share)), 0),
                    hi=pct(float(np.nanmax(hood_share)), 0),
                )
            alt = w(
                "alt_map",
                schools=w.count(data.n_schools),
                hoods=hood_part,
                lo=pct(min(shares)[0], 0),
                hi=pct(max(shares)[0], 0),
            )
            parts.append(f"<p>{_e(w('map_intro', city=pct(city or 0.0, 0)))}</p>")
        else:
            alt = w("alt_map_plain", schools=w.count(data.n_schools))
            parts.append(f"<p>{_e(w('map_intro_plain'))}</p>")
        caption = (
            w("map_caption_hoods")
            if hood_share is not None
            else w("map_caption_hex", k=w.count(10))
        )
        parts.append(_figure(plots.svg_uri(fig), alt, caption))
        sections.append(("map", w("sec_map"), "".join(parts)))

    # ------------------------------------------------------------------ indices
    if has_flag:
        parts = [f"<p>{_e(w('seg_intro'))}</p>"]
        if data.indices is None:
            parts.append(f'<p class="note" role="note">{_e(w("seg_one_group"))}</p>')
        else:
            bench = data.bench_indices
            rows_fig = []
            rows = []
            head = [
                (w("th_index"), False),
                (w("th_value"), True),
                (w("th_range"), True),
            ]
            if bench is not None:
                head.append((w("th_bench"), True))
            alt_parts = []
            for key, _src in INDEX_KEYS:
                s = data.indices[key]
                b = bench[key] if bench is not None else math.nan
                label = w(f"idx_{key}")
                rows_fig.append((label, s.value, s.lo, s.hi, b))
                helptext = w(
                    f"idx_{key}_help",
                    city=pct(city or 0.0),
                    other=pct(1 - (city or 0.0)),
                )
                row = [
                    _e(label) + _sub(helptext),
                    _e(w.num(s.value)),
                    _e(w.range(s.lo, s.hi, w.num)),
                ]
                if bench is not None:
                    row.append(_e(w.num(b)))
                rows.append(row)
                alt_parts.append(
                    w("alt_index_part", index=label, value=w.num(s.value), bench=w.num(b))
                )
            fig = plots.index_chart(
                rows_fig,
                labels={
                    "allocation": w("lg_allocation"),
                    "range": w("lg_range"),
                    "nearest": w("lg_nearest"),
                },
                fmt_num=lambda v, digits=2: w.num(v, digits),
            )
            parts.append(
                _figure(
                    plots.svg_uri(fig),
                    w("alt_indices", parts=" ".join(alt_parts)),
                    w("seg_caption"),
                )
            )
            parts.append(_table(w("seg_table"), head, rows))
            dec = data.decomposition
            if dec is not None and data.hoods is not None:
                parts.append(f'<h3 id="decomposition">{_e(w("sec_decomposition"))}</h3>')
                method = data.hoods.school_method
                parts.append(
                    f"<p>{_e(w('dec_intro'))} "
                    f"{_e(w('dec_column' if method == 'column' else 'dec_nearest'))}</p>"
                )
                bdec = data.bench_decomposition
                bars = [(w("lg_allocation"), dec["between"].value, dec["within"].value)]
                if bdec is not None:
                    bars.append((w("lg_nearest"), bdec["between"], bdec["within"]))
                fig = plots.decomposition_chart(
                    bars,
                    labels={
                        "between": w("dec_between"),
                        "within": w("dec_within"),
                        "xlabel": w("idx_M"),
                    },
                    fmt_num=lambda v, digits=3: w.num(v, digits),
                )
                parts.append(
                    _figure(
                        plots.svg_uri(fig),
                        w(
                            "alt_dec",
                            total=w.num(dec["total"].value),
                            between=w.num(dec["between"].value),
                            within=w.num(dec["within"].value),
                        ),
                        w("dec_caption"),
                    )
                )
                head = [(w("th_part"), False), (w("th_value"), True), (w("th_range"), True)]
                if bdec is not None:
                    head.append((w("th_bench"), True))
                rows = []
                for key in ("between", "within", "total"):
                    s = dec[key]
                    row = [
                        _e(w(f"dec_{key}")),
                        _e(w.num(s.value)),
                        _e(w.range(s.lo, s.hi, w.num)),
                    ]
                    if bdec is not None:
                        row.append(_e(w.num(bdec[key])))
                    rows.append(row)
                total = dec["total"].value
                row = [
                    _e(w("dec_share_between")),
                    _e(pct(dec["between"].value / total if total > 0 else math.nan, 0)),
                    "",
                ]
                if bdec is not None:
                    bt = bdec["total"]
                    row.append(_e(pct(bdec["between"] / bt if bt > 0 else math.nan, 0)))
                rows.append(row)
                parts.append(_table(w("dec_table"), head, rows))
        sections.append(("segregation", w("sec_segregation"), "".join(parts)))

    # ------------------------------------------------------------------ pledge groups
    if data.groups:
        parts = [f"<p>{_e(w('pl_intro'))}</p>"]
        names = data.school_names
        head = [
            (w("th_group"), False),
            (w("th_school"), False),
            (w("th_needed"), True),
            (w("th_members"), True),
            (w("th_got"), True),
            (w("th_held"), False),
            (w("th_held_draws"), True),
        ]
        rows = []
        for grp in data.groups:
            held_html = (
                f'<span class="yes">{_e(w("yes"))}</span>'
                if grp.held
                else f'<span class="no">{_e(w("no"))}</span>'
            )
            target_name = names.get(grp.target, grp.target)
            rows.append(
                [
                    _e(grp.group_id),
                    _e(target_name) + _sub(grp.target if target_name != grp.target else ""),
                    w.count(grp.threshold),
                    w.count(grp.members),
                    w.count(grp.assigned),
                    held_html,
                    _e(pct(grp.held_draws, 0)),
                ]
            )
        parts.append(_table(w("pl_table"), head, rows))
        if data.failures:
            parts.append(f"<h3>{_e(w('pl_failures'))}</h3><ul>")
            targets = {g.group_id: g.target for g in data.groups}
            for fl in data.failures:
                gid = str(fl.get("group_id", ""))
                target = targets.get(gid, "")
                parts.append(
                    "<li>"
                    + _e(
                        w(
                            "pl_failure",
                            group=gid,
                            run=fl.get("failed_in_run", "?"),
                            n=fl.get("assigned_to_target", "?"),
                            school=names.get(target, target),
                            threshold=fl.get("threshold", "?"),
                        )
                    )
                    + "</li>"
                )
            parts.append("</ul>")
        sections.append(("pledges", w("sec_pledges"), "".join(parts)))

    # ------------------------------------------------------------------ scenarios
    if data.scenarios is not None:
        sections.append(
            (
                "scenarios",
                w("sec_scenarios"),
                _scenarios_html(data.scenarios, w, data.round_name),
            )
        )

    # ------------------------------------------------------------------ method
    parts = ["<ul>"]
    parts.append(f"<li>{_e(w('me_alloc', mechanism=mech, tie=tie, seed=data.seed))}</li>")
    parts.append(
        "<li>"
        + _e(
            w(
                "me_draws",
                n=w.count(data.draws),
                first=f"{data.seed}|draw:1",
                last=f"{data.seed}|draw:{data.draws}",
            )
        )
        + "</li>"
    )
    if data.benchmark_children:
        parts.append(
            "<li>"
            + _e(
                w(
                    "me_nearest",
                    distance=w(
                        "dist_haversine" if data.distance == "haversine" else "dist_euclidean"
                    ),
                    k=w.count(data.benchmark_children),
                    n=w.count(data.n_children),
                )
            )
            + "</li>"
        )
    if data.hoods is not None:
        parts.append(f"<li>{_e(w('me_hoods', k=w.count(len(data.hoods.ids))))}</li>")
    if has_flag:
        parts.append(f"<li>{_e(w('me_indices'))}</li>")
    parts.append("</ul>")
    parts.append(
        _table(
            w("me_files"),
            [(w("th_file"), False), (w("th_fingerprint"), False)],
            [[_e(name), f"<code>{_e(sha[:16])}</code>"] for name, sha in data.inputs.items()],
            note=w("me_files_note"),
        )
    )
    sections.append(("method", w("sec_method"), "".join(parts)))

    # ------------------------------------------------------------------ page
    toc = "".join(f'<li><a href="#{sid}">{_e(title)}</a></li>' for sid, title, _ in sections)
    body = "".join(
        f'<section id="{sid}" aria-labelledby="h-{sid}">'
        f'<h2 id="h-{sid}">{_e(title)}</h2>{content}</section>'
        for sid, title, content in sections
    )
    title = w("title")
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="samen {_e(__version__)}">\n'
        f"<title>{_e(title)}: {_e(data.round_name)}</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        '<header class="top">'
        f'<p class="kicker">{_e(title)}</p>'
        f"<h1>{_e(data.round_name)}</h1>"
        f'<p class="meta">{_e(w("meta", mechanism=mech, tie=tie, seed=data.seed))}</p>'
        "</header>\n"
        f'<nav class="toc" aria-label="{_e(w("contents"))}"><h2>{_e(w("contents"))}</h2>'
        f"<ol>{toc}</ol></nav>\n"
        f"{body}\n"
        f"<footer>{_e(w('me_version', version=__version__))}</footer>\n"
        "</main>\n</body>\n</html>\n"
    )


def _scenarios_html(sc: Scenarios, w: Words, round_name: str = "") -> str:
    from samen.analytics import plots

    info = sc.metric_info
    parts = []
    if sc.name:
        parts.append(f"<h3>{_e(sc.name)}</h3>")
    if sc.description:
        parts.append(f"<p>{_e(sc.description)}</p>")
    parts.append(f"<p>{_e(w('sc_intro', file=sc.source))}</p>")
    if sc.round and round_name and sc.round != round_name:
        parts.append(f'<p class="note" role="note">{_e(w("sc_other_round", other=sc.round))}</p>')
    elif sc.round:
        draws = w("sc_draws", n=w.count(sc.draws)) if sc.draws else ""
        parts.append(f'<p class="source">{_e(w("sc_round", round=sc.round, draws=draws))}</p>')
    if any(v.description for v in sc.variants):
        parts.append(f"<h3>{_e(w('sc_variants'))}</h3><dl>")
        for v in sc.variants:
            parts.append(f"<dt><strong>{_e(v.name)}</strong></dt><dd>{_e(v.description)}</dd>")
        parts.append("</dl>")
    names = sc.metric_names
    has_bench = any(n in sc.benchmark for n in names)
    head = [(w("th_metric"), False)] + [(v.name, True) for v in sc.variants]
    if has_bench:
        head.append((w("th_benchmark"), True))
    rows = []
    for name in names:
        fmt = _metric_format(w, name, info)
        row = [_e(_metric_label(w, name, info)) + _sub(name)]
        for v in sc.variants:
            m = v.metrics.get(name)
            if m is None:
                row.append(_e(w("missing")))
                continue
            ranged = math.isfinite(m.lo) and math.isfinite(m.hi)
            row.append(_e(fmt(m.mean)) + (_sub(f"({w.range(m.lo, m.hi, fmt)})") if ranged else ""))
        if has_bench:
            b = sc.benchmark.get(name)
            row.append(_e(fmt(b)) if b is not None else _e(w("missing")))
        rows.append(row)
    parts.append(_table(w("sc_table"), head, rows, note=w("range_note")))

    key = [n for n in KEY_METRICS if n in names]
    if not key:
        key = names[:6]
    figs = []
    for name in key:
        fmt = _metric_format(w, name, info)
        present = [v for v in sc.variants if name in v.metrics]
        label = _metric_label(w, name, info)
        fig = plots.scenario_chart(
            None,
            [v.name for v in present],
            [v.metrics[name].mean for v in present],
            [v.metrics[name].lo for v in present],
            [v.metrics[name].hi for v in present],
            sc.benchmark.get(name),
            fmt=fmt,
            benchmark_label=w("th_benchmark"),
        )
        alt = w(
            "alt_scenario",
            metric=label,
            parts="; ".join(f"{v.name} {fmt(v.metrics[name].mean)}" for v in present),
        )
        figs.append(_figure(plots.svg_uri(fig), alt, label))
    parts.append(f'<div class="multiples">{"".join(figs)}</div>')
    parts.append(f'<p class="source">{_e(w("sc_caption"))}</p>')

    # per school, when the file has the shares and the schools line up
    k = len(sc.schools)
    with_shares = [
        v for v in sc.variants if v.school_share is not None and len(v.school_share) == k
    ]
    if 0 < k <= 100 and with_shares:
        bench = (
            sc.bench_school_share
            if sc.bench_school_share and len(sc.bench_school_share) == k
            else None
        )
        head = [(w("th_school"), False)] + [(v.name, True) for v in with_shares]
        if bench is not None:
            head.append((w("th_benchmark"), True))
        rows = []
        for i, (sid, name) in enumerate(sc.schools):
            row = [_e(name) + (_sub(sid) if name != sid else "")]
            for v in with_shares:
                m = v.school_share[i]  # type: ignore[index]
                ranged = math.isfinite(m.lo) and math.isfinite(m.hi)
                row.append(
                    _e(w.pct(m.mean)) + (_sub(f"({w.range(m.lo, m.hi, w.pct)})") if ranged else "")
                )
            if bench is not None:
                row.append(_e(w.pct(bench[i])))
            rows.append(row)
        parts.append(_table(w("sc_schools"), head, rows, note=w("range_note")))
    return "".join(parts)


# --------------------------------------------------------------------------- writing


def write_report(text: str, out: str | Path) -> Path:
    """Write the HTML ``text`` to ``out`` atomically: a temporary file in the same folder,
    flushed to disk, then renamed over ``out``. Refuses a folder as ``out``."""
    path = Path(out).absolute()
    if path.is_dir():
        raise ReportError(
            [Problem(str(out), None, None, "this is a folder; give a file name, like report.html")],
            "The command",
        )
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ReportError(
                    [
                        Problem(
                            str(parent),
                            None,
                            None,
                            f"this is a file, not a folder, so {out} cannot be written; choose "
                            "another --out",
                        )
                    ],
                    "The command",
                )
            break
    write_files({path.name: text.encode("utf-8")}, path.parent)
    return path


def make_report(
    round_dir: str | Path,
    out: str | Path | None = None,
    *,
    draws: int = DEFAULT_DRAWS,
    scenarios: str | Path | None = None,
    lang: str = "en",
    results: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Read the round, compute the report and write it (default: ``report.html`` in the round
    folder). Every input is checked before anything is computed or written; problems raise
    :class:`ReportError` or :class:`~samen.io.errors.RoundError`."""
    check_draws(draws)
    check_lang(lang)
    sc = load_scenarios(scenarios) if scenarios is not None else None
    rnd = read_round(round_dir)
    data = build_report(rnd, draws=draws, results=results, scenarios=sc, progress=progress)
    text = render_html(data, lang)
    return write_report(text, out if out is not None else rnd.path / "report.html")
