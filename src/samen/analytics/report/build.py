"""The report's numbers (:func:`build_report`): the published allocation
(:func:`load_allocation`, the results folder read by :func:`samen.io.read_results`, or the
round allocated again when there is none), the same round over ``draws`` other lottery seeds
(:func:`samen.analytics.draws.run_draws`), the nearest-school benchmark, neighbourhoods,
segregation indices and pledge groups. ``docs/report.md`` says how each is computed."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from samen.analytics.report.housing_file import HousingResults
from samen.analytics.report.model import (
    DEFAULT_DRAWS,
    GROUP_FLAG,
    INDEX_KEYS,
    RANGE_PERCENTILES,
    Allocation,
    GroupRow,
    Hoods,
    ReportData,
    ReportError,
    SchoolRow,
    Spread,
    check_draws,
)
from samen.analytics.report.scenario_file import Scenarios
from samen.engine import distance
from samen.engine.distance import EARTH_RADIUS_M
from samen.io.errors import Problem
from samen.io.results import ResultsError, parse_results
from samen.io.round import Round


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


def _choices(
    rank: np.ndarray, d_rank: np.ndarray, longest: int, f: np.ndarray | None, n_flagged: int
) -> dict[str, Any]:
    """Shares of first choice, top 3 and no school (with their spread over the draws), and
    the children of each group by the choice they got."""
    n = rank.size

    def share_spread(pub: np.ndarray, per_draw: np.ndarray) -> Spread:
        return Spread.of(float(pub.mean()) if pub.size else 0.0, per_draw.mean(axis=1))

    out: dict[str, Any] = {
        "first_choice": share_spread(rank == 1, d_rank == 1),
        "top3": share_spread((rank >= 1) & (rank <= 3), (d_rank >= 1) & (d_rank <= 3)),
        "unassigned": share_spread(rank == 0, d_rank == 0),
        "counts": {
            "first_choice": int((rank == 1).sum()),
            "top3": int(((rank >= 1) & (rank <= 3)).sum()),
            "unassigned": int((rank == 0).sum()),
            "assigned": int((rank > 0).sum()),
        },
    }
    rank_labels, column = _rank_categories(max(longest, 1))
    k = len(rank_labels)
    col_pub, col_draw = column(rank), column(d_rank)
    masks: dict[str, np.ndarray] = {}
    if f is not None and 0 < n_flagged < n:
        masks = {"indicator": f == 1, "other": f == 0}
    masks["all"] = np.ones(n, dtype=bool)
    groups: dict[str, dict[str, Any]] = {}
    for key, mask in masks.items():
        size = int(mask.sum())
        cnt = np.bincount(col_pub[mask], minlength=k)
        per_draw = np.stack([(col_draw[:, mask] == c).sum(axis=1) for c in range(k)], axis=1)
        share = cnt / max(size, 1)
        dshare = per_draw / max(size, 1)
        lo, hi = np.percentile(dshare, RANGE_PERCENTILES, axis=0)
        groups[key] = {"n": size, "counts": cnt, "shares": share, "lo": lo, "hi": hi}
    out["rank_labels"] = rank_labels
    out["rank_groups"] = groups
    return out


def _draw_tables(d_school: np.ndarray, f: np.ndarray | None, m: int) -> tuple[np.ndarray, ...]:
    """Children and flagged children per draw and school (-1 = none): two int arrays [D, m]."""
    D = d_school.shape[0]
    ok = d_school >= 0
    flat = (np.arange(D)[:, None] * m + d_school)[ok]
    d_total = np.bincount(flat, minlength=D * m).reshape(D, m)
    if f is None:
        return d_total, np.zeros((D, m), dtype=np.int64)
    fw = np.broadcast_to(f, d_school.shape)[ok]
    d_flagged = np.bincount(flat, weights=fw, minlength=D * m).reshape(D, m).astype(np.int64)
    return d_total, d_flagged


def _school_rows(
    rnd: Round,
    f: np.ndarray | None,
    tables: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    bench: tuple[np.ndarray, np.ndarray, bool],
    hoods: Hoods | None,
) -> list[SchoolRow]:
    """One row per school: this allocation (with its spread), the nearest-school benchmark
    and the children of its neighbourhood."""
    inst = rnd.instance
    total, flagged, d_total, d_flagged = tables
    b_total, b_flagged, coords = bench
    hood_share = hoods.share if hoods is not None else None
    names = rnd.school_names
    with np.errstate(invalid="ignore", divide="ignore"):
        d_share = np.where(d_total > 0, d_flagged / np.maximum(d_total, 1), np.nan)
    rows: list[SchoolRow] = []
    for s in range(inst.n_schools):
        s_share = flagged[s] / total[s] if total[s] and f is not None else math.nan
        h = int(hoods.of_school[s]) if hoods is not None and hoods.of_school is not None else -1
        hood, in_hood = "", math.nan
        if hoods is not None and h >= 0:
            hood = hoods.names[h]
            if hood_share is not None and f is not None and hoods.of_child is not None:
                in_hood = float(hood_share[h])
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
                hood=hood,
                hood_share=in_hood,
            )
        )
    return rows


def _segregation(
    tables: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    bench: tuple[np.ndarray, np.ndarray, bool],
    hoods: Hoods | None,
    f: np.ndarray | None,
) -> dict[str, Any]:
    """The indices of this allocation (with their spread) and of the benchmark, and the
    decomposition of M between and within neighbourhoods."""
    total, flagged, d_total, d_flagged = tables
    b_total, b_flagged, coords = bench
    out: dict[str, Any] = {
        "indices": None,
        "bench_indices": None,
        "index_note": None,
        "decomposition": None,
        "bench_decomposition": None,
    }
    if f is None:
        out["index_note"] = "no_flag"
        return out
    if not 0 < int(flagged.sum()) < int(total.sum()):
        out["index_note"] = "one_group"
        return out
    D = d_total.shape[0]
    pub = _indices(total, flagged)
    per = [_indices(d_total[d], d_flagged[d]) for d in range(D)]
    out["indices"] = {key: Spread.of(pub[key], [p[key] for p in per]) for key, _ in INDEX_KEYS}
    if coords and 0 < int(b_flagged.sum()) < int(b_total.sum()):
        out["bench_indices"] = _indices(b_total, b_flagged)
    if hoods is not None and hoods.of_school is not None:
        labels = [int(h) if h >= 0 else -1 - s for s, h in enumerate(hoods.of_school)]
        pub_dec = _decompose(total, flagged, labels)
        per_dec = [_decompose(d_total[d], d_flagged[d], labels) for d in range(D)]
        out["decomposition"] = {
            key: Spread.of(pub_dec[key], [p[key] for p in per_dec])
            for key in ("total", "between", "within")
        }
        if out["bench_indices"] is not None:
            out["bench_decomposition"] = _decompose(b_total, b_flagged, labels)
    return out


def build_report(
    rnd: Round,
    *,
    draws: int = DEFAULT_DRAWS,
    results: str | Path | None = None,
    allocation: Allocation | None = None,
    scenarios: Scenarios | None = None,
    flag: str = GROUP_FLAG,
    progress: Callable[[int], None] | None = None,
    housing: HousingResults | None = None,
) -> ReportData:
    """Compute every number of the report of ``rnd``.

    ``allocation`` defaults to :func:`load_allocation` (``results``); ``draws`` other lottery
    draws (:func:`samen.analytics.draws.run_draws`, seeds ``SEED|draw:1`` ...) give the 95%
    ranges; ``progress(k)`` is called after each draw. ``flag`` is the 0/1 column of
    applicants.csv whose children the report follows; ``housing`` the results of ``samen
    housing simulate``, shown in a part of their own."""
    from samen.analytics.draws import run_draws

    check_draws(draws)
    inst = rnd.instance
    alloc = allocation if allocation is not None else load_allocation(rnd, results)
    n, m = inst.n_applicants, inst.n_schools
    f = _flag(rnd, flag)
    n_flagged = int(f.sum()) if f is not None else 0
    sim = run_draws(inst, draws, progress=progress)
    rank = alloc.choice_rank.astype(np.int64)
    longest = int(np.diff(inst.choice_ptr).max()) if n else 1
    choices = _choices(rank, sim.choice_rank.astype(np.int64), longest, f, n_flagged)

    total, flagged = _per_school(alloc.school.astype(np.int64), f, m)
    d_total, d_flagged = _draw_tables(sim.school.astype(np.int64), f, m)
    tables = (total, flagged, d_total, d_flagged)
    a_xy, s_xy = rnd.applicant_xy, rnd.school_xy
    near = np.full(n, -1, dtype=np.int64)
    if a_xy is not None and s_xy is not None:
        near = nearest_school(a_xy, s_xy, rnd.coordinates)
    coords = bool((near >= 0).any())
    b_total, b_flagged = _per_school(near, f, m)
    child_m = school_m = None
    if coords and a_xy is not None and s_xy is not None:
        child_m, school_m = _to_metres(rnd.coordinates, a_xy, s_xy)
    hoods = _hoods(rnd, f, child_m, school_m)
    bench = (b_total, b_flagged, coords)

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
    map_data = None
    if child_m is not None and school_m is not None:
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
        city_share=n_flagged / n if f is not None and n else None,
        **choices,
        schools=_school_rows(rnd, f, tables, bench, hoods),
        **_segregation(tables, bench, hoods, f),
        benchmark_children=int((near >= 0).sum()) if coords else 0,
        hoods=hoods,
        map=map_data,
        groups=groups,
        failures=list(alloc.failures),
        pledges_held=pledges_held,
        scenarios=scenarios,
        school_names=dict(zip(inst.school_ids, rnd.school_names, strict=True)),
        housing=housing,
    )


__all__ = ["build_report", "load_allocation", "nearest_school"]
