"""What ``samen housing simulate`` reports (``docs/housing-simulation.md``, "The numbers"):
per scenario and year the composition of the social tenants and of all households, city-wide,
in the followed neighbourhoods and per neighbourhood; the segregation between neighbourhoods
with samen's indices (:mod:`samen.analytics.indices`: D, isolation, Theil's H, M and its
decomposition between and within neighbourhoods); the flows (lettings, refusals, vacancies,
waiting times); each with its interval over the runs (:func:`samen.analytics.scenarios.
interval`), and ``housing.json``, ``housing.csv`` and ``housing-neighbourhoods.csv``.

*Residents* are all the households of a neighbourhood: its social tenants (simulated) and its
private households (``homes.csv`` of the city, held fixed: the simulation does not move
them), whose income bands and young families the city gives; their other flags are unknown,
so figures of residents are for income bands and young families only.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from samen.analytics.city import City
from samen.analytics.city.housing import FLAGS, INCOME_BANDS
from samen.analytics.geometry import convex_hull
from samen.analytics.indices import Dissimilarity, Isolation, MultiEntropy, MutualInformation
from samen.analytics.scenarios.metrics import difference, interval, rounded, rounded_number
from samen.analytics.scenarios.run import results_json
from samen.housing.simulate import FLOWS, Run, World
from samen.io.atomic import write_files
from samen.io.cells import neutralise

SCHEMA = "samen-housing/1"
#: the groups whose shares are reported: the income bands, then the flags
GROUPS: tuple[str, ...] = (*(f"income_band:{b}" for b in INCOME_BANDS), *FLAGS)
#: the groups known of private households too (``homes.csv``)
RESIDENT_GROUPS: tuple[str, ...] = (*(f"income_band:{b}" for b in INCOME_BANDS), "young_family")
GROUP_LABELS: dict[str, str] = {
    "income_band:1": "income band 1 (lowest quarter)",
    "income_band:2": "income band 2",
    "income_band:3": "income band 3",
    "income_band:4": "income band 4 (highest quarter)",
    "young_family": "young families",
    "urgent": "urgent need",
    "local_tie": "local tie",
    "work_income": "income from work",
}
#: (key, unit, label, kind) of the metrics; kind ``state`` is measured at the start and the
#: end of each year, ``flow`` over each year
BASE_METRICS: tuple[tuple[str, str, str, str], ...] = (
    ("D", "index", "D, tenants between neighbourhoods", "state"),
    ("isolation", "share", "Isolation, tenants", "state"),
    ("H", "index", "H (income bands), tenants", "state"),
    ("M", "index", "M (income bands), tenants", "state"),
    ("D_residents", "index", "D, all households between neighbourhoods", "state"),
    ("isolation_residents", "share", "Isolation, all households", "state"),
    ("H_residents", "index", "H (income bands), all households", "state"),
    ("M_residents", "index", "M (income bands), all households between neighbourhoods", "state"),
    ("M_tenure", "index", "M (income bands), neighbourhood and tenure", "state"),
    ("M_within", "index", "M within neighbourhoods (social against private)", "state"),
    ("waiting", "count", "Households on the waiting list", "state"),
    ("vacant", "count", "Vacant social homes", "state"),
    ("lettings", "count", "Lettings", "flow"),
    ("refusal_rate", "share", "Offers refused", "flow"),
    ("vacancy_months", "count", "Months homes stood vacant", "flow"),
    ("wait_years", "years", "Years on the list of new tenants", "flow"),
    ("lettings_outside", "share", "Lettings to households from outside the city", "flow"),
    ("struck_off", "count", "Households struck off after refusals", "flow"),
)


def metric_list(group: str) -> list[tuple[str, str, str, str]]:
    """Every metric (key, unit, label, kind): the base ones, then the shares per group."""
    out = list(BASE_METRICS)
    for g in GROUPS:
        out.append((f"tenants[{g}]", "share", f"Tenants: {GROUP_LABELS[g]}", "state"))
    for g in GROUPS:
        out.append(
            (
                f"watch[{g}]",
                "share",
                f"Followed neighbourhoods, tenants: {GROUP_LABELS[g]}",
                "state",
            )
        )
    for g in RESIDENT_GROUPS:
        out.append(
            (
                f"watch_residents[{g}]",
                "share",
                f"Followed neighbourhoods, all households: {GROUP_LABELS[g]}",
                "state",
            )
        )
    for g in GROUPS:
        out.append((f"lettings[{g}]", "share", f"Lettings: {GROUP_LABELS[g]}", "flow"))
    return out


def outlines(city: City, keep: float = 0.9) -> list[list[list[float]]]:
    """Each neighbourhood's outline for the map: the convex hull of the homes of its children
    nearest to their median centre (a share ``keep``), in metres, rounded to the metre."""
    out = []
    xy = city.xy.astype(np.float64)
    for h in range(len(city.hood_ids)):
        pts = xy[city.hood == h]
        if len(pts) >= 8:
            centre = np.median(pts, axis=0)
            d = np.hypot(*(pts - centre).T)
            pts = pts[d <= np.quantile(d, keep)]
        hull = convex_hull(pts) if len(pts) else np.zeros((0, 2))
        out.append([[float(round(x)), float(round(y))] for x, y in hull.tolist()])
    return out


# --------------------------------------------------------------------------- one run


def _safe(fn: Any, *args: Any) -> float:
    try:
        return float(fn(*args).statistic)
    except ValueError:  # a group with no household, or no household at all
        return math.nan


def _two(counts: np.ndarray, focus: np.ndarray) -> np.ndarray:
    """The neighbourhood x (focus, others) table."""
    total = counts.sum(axis=1)
    return np.column_stack([focus, total - focus]).astype(np.float64)


def _state_metrics(world: World, bands: np.ndarray, flags: np.ndarray) -> dict[str, float]:
    """The state metrics of one snapshot (tenants per neighbourhood by band and flag)."""
    h = world.housing
    group = world.spec.group
    private = h.private_band.astype(np.float64)
    residents = private + bands
    focus_t = _group_counts(group, bands, flags)
    out: dict[str, float] = {
        "D": _safe(Dissimilarity, _two(bands, focus_t), 0),
        "isolation": _safe(Isolation, _two(bands, focus_t), 0),
        "H": _safe(MultiEntropy, bands.astype(np.float64)),
        "M": _safe(MutualInformation, bands.astype(np.float64)),
        "H_residents": _safe(MultiEntropy, residents),
        "M_residents": _safe(MutualInformation, residents),
    }
    young = (h.private_young + flags[:, FLAGS.index("young_family")]).astype(np.float64)
    if group in RESIDENT_GROUPS:
        focus_r = young if group == "young_family" else _group_counts(group, residents, flags)
        out["D_residents"] = _safe(Dissimilarity, _two(residents, focus_r), 0)
        out["isolation_residents"] = _safe(Isolation, _two(residents, focus_r), 0)
    else:
        out["D_residents"] = out["isolation_residents"] = math.nan
    # M over (neighbourhood, tenure) cells = M between neighbourhoods (M_residents) + M
    # within them, between their social and private homes (Mora and Ruiz-Castillo 2011;
    # samen.analytics.indices.by_partition gives the same parts, tested)
    out["M_tenure"] = _safe(MutualInformation, np.vstack([bands, private]).astype(np.float64))
    out["M_within"] = out["M_tenure"] - out["M_residents"]
    tenants = bands.sum()
    w = world.watch
    for g in GROUPS:
        col = _group_counts(g, bands, flags)
        out[f"tenants[{g}]"] = float(col.sum() / tenants) if tenants else math.nan
        n = bands[w].sum()
        out[f"watch[{g}]"] = float(col[w].sum() / n) if n else math.nan
    for g in RESIDENT_GROUPS:
        n = residents[w].sum()
        col = young if g == "young_family" else _group_counts(g, residents, flags)
        out[f"watch_residents[{g}]"] = float(col[w].sum() / n) if n else math.nan
    return out


def _group_counts(group: str, bands: np.ndarray, flags: np.ndarray) -> np.ndarray:
    """Households of ``group`` per neighbourhood (a band column, or a flag's count)."""
    if group.startswith("income_band:"):
        return bands[:, INCOME_BANDS.index(group.split(":", 1)[1])].astype(np.float64)
    return flags[:, FLAGS.index(group)].astype(np.float64)


def _flow_metrics(flow: np.ndarray) -> dict[str, float]:
    """The flow metrics of one year (or of the whole period: the flows added up)."""
    f = dict(zip(FLOWS, flow.tolist(), strict=True))
    lettings = f["lettings"]

    def ratio(a: float, b: float) -> float:
        return a / b if b else math.nan

    out = {
        "lettings": lettings,
        "refusal_rate": ratio(f["refusals"], f["offers"]),
        "vacancy_months": f["vacancy_months"],
        "wait_years": ratio(f["wait_days"] / 365.25, lettings),
        "lettings_outside": ratio(f["lettings_outside"], lettings),
        "struck_off": f["struck_off"],
    }
    for g in GROUPS:
        out[f"lettings[{g}]"] = ratio(f[f"lettings[{g}]"], lettings)
    return out


def run_metrics(world: World, r: Run) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Every metric of one run: per year (``Y + 1`` values, the flows NaN at year 0) and over
    the whole period (the state at the end, the flows of all years)."""
    years = world.spec.years
    keys = [k for k, _, _, _ in metric_list(world.spec.group)]
    per_year = {k: np.full(years + 1, np.nan) for k in keys}
    for y in range(years + 1):
        for k, v in _state_metrics(world, r.tenants_band[y], r.tenants_flag[y]).items():
            per_year[k][y] = v
        per_year["waiting"][y] = r.waiting[y]
        per_year["vacant"][y] = r.vacant[y]
        if y >= 1:
            for k, v in _flow_metrics(r.flows[y - 1]).items():
                per_year[k][y] = v
    final = {k: float(v[-1]) for k, v in per_year.items()}
    final.update(_flow_metrics(r.flows.sum(axis=0)))
    return per_year, final


# --------------------------------------------------------------------------- summaries


def _digits(unit: str) -> int:
    return 2 if unit in ("count", "years") else 6


def _series(values: np.ndarray, digits: int) -> dict[str, list[float | None]]:
    """Per year over the runs (``values[run, year]``): mean, lo, hi, sd, mean_lo, mean_hi
    (as :func:`samen.analytics.scenarios.interval`, for all years at once when no value is
    undefined)."""
    keys = ("mean", "lo", "hi", "sd", "mean_lo", "mean_hi")
    out: dict[str, list[float | None]] = {k: [] for k in keys}
    n = values.shape[0]
    whole = np.isfinite(values).all(axis=0)
    stats: dict[str, np.ndarray] = {}
    if whole.any():
        v = values[:, whole]
        mean = v.mean(axis=0)
        sd = v.std(axis=0, ddof=1) if n > 1 else np.zeros(v.shape[1])
        half = 1.96 * sd / math.sqrt(n)
        lo, hi = np.percentile(v, [2.5, 97.5], axis=0)
        stats = {
            "mean": mean,
            "lo": lo,
            "hi": hi,
            "sd": sd,
            "mean_lo": mean - half,
            "mean_hi": mean + half,
        }
    col = np.cumsum(whole) - 1
    for y in range(values.shape[1]):
        if whole[y]:
            for k in keys:
                out[k].append(rounded_number(float(stats[k][col[y]]), digits))
        else:
            s = interval(values[:, y])
            for k in keys:
                out[k].append(rounded_number(s[k], digits))
    return out


def _hood_shares(runs: Sequence[Run], world: World, scope: str) -> dict[str, Any]:
    """Per group the share among a neighbourhood's tenants (or all its households), per
    year and neighbourhood: mean, lo and hi over the runs."""
    h = world.housing
    out: dict[str, Any] = {}
    groups = GROUPS if scope == "tenants" else RESIDENT_GROUPS
    for g in groups:
        shares = []
        for r in runs:
            bands = r.tenants_band.astype(np.float64)
            flags = r.tenants_flag.astype(np.float64)
            if scope == "residents":
                bands = bands + h.private_band[None]
                flags = flags.copy()
                flags[..., FLAGS.index("young_family")] += h.private_young[None]
            if g.startswith("income_band:"):
                col = bands[..., INCOME_BANDS.index(g.split(":", 1)[1])]
            else:
                col = flags[..., FLAGS.index(g)]
            with np.errstate(invalid="ignore", divide="ignore"):
                shares.append(col / bands.sum(axis=-1))
        a = np.array(shares)  # [runs, years + 1, K]; NaN: no tenant in the neighbourhood
        with np.errstate(all="ignore"):
            mean = np.nanmean(a, axis=0)
            if np.isfinite(a).all():
                lo, hi = np.percentile(a, [2.5, 97.5], axis=0)
            else:
                lo, hi = np.nanpercentile(a, [2.5, 97.5], axis=0)
        out[g] = {
            "mean": [[rounded_number(float(x), 4) for x in row] for row in mean],
            "lo": [[rounded_number(float(x), 4) for x in row] for row in lo],
            "hi": [[rounded_number(float(x), 4) for x in row] for row in hi],
        }
    return out


def summarise(world: World, runs: Sequence[Sequence[Run]], source: str) -> dict[str, Any]:
    """housing.json's content (``docs/housing-simulation.md``) from every run of every
    scenario (``runs[s][k - 1]``)."""
    spec, h = world.spec, world.housing
    metrics = metric_list(spec.group)
    info = {k: {"unit": u, "label": lab, "kind": kind} for k, u, lab, kind in metrics}
    scenarios_out = []
    first_final: dict[str, np.ndarray] | None = None
    for sa, sruns in zip(world.scenarios, runs, strict=True):
        computed = [run_metrics(world, r) for r in sruns]
        years_out: dict[str, Any] = {}
        final_out: dict[str, Any] = {}
        finals: dict[str, np.ndarray] = {}
        for key, unit, _, _ in metrics:
            d = _digits(unit)
            years_out[key] = _series(np.array([c[0][key] for c in computed]), d)
            finals[key] = np.array([c[1][key] for c in computed])
            final_out[key] = rounded(interval(finals[key]), d)
            final_out[key]["by_seed"] = final_out[key].pop("by_draw")
        vs_first = None
        if first_final is not None:
            vs_first = {
                key: difference(finals[key], first_final[key], _digits(unit))
                for key, unit, _, _ in metrics
            }
        else:
            first_final = finals
        sc = sa.scenario
        scenarios_out.append(
            {
                "name": sc.name,
                "description": sc.description,
                "rules": sc.changes(),
                "years": years_out,
                "final": final_out,
                "vs_first": vs_first,
                "neighbourhoods": {
                    "tenants": _hood_shares(sruns, world, "tenants"),
                    "residents": _hood_shares(sruns, world, "residents"),
                },
            }
        )
    year0 = h.config.year
    hoods = [
        {
            "neighbourhood_id": hid,
            "name": h.hood_names[k],
            "x": float(h.hood_xy[k, 0]),
            "y": float(h.hood_xy[k, 1]),
            "deprivation": rounded_number(float(h.deprivation[k]), 4),
            "homes": int(h.hood_households[k]),
            "social_homes": int(h.hood_social[k]),
            "watched": bool(k in set(world.watch.tolist())),
            "outline": world.outlines[k] if world.outlines else [],
        }
        for k, hid in enumerate(h.hood_ids)
    ]
    return {
        "schema": SCHEMA,
        "name": spec.name,
        "description": spec.description,
        "spec": Path(spec.source).name,
        "city": {
            "name": world.city_name,
            "source": source,
            "lottery_seed": world.lottery_seed,
            "households": int(h.hood_households.sum()),
            "social_homes": h.n_dwellings,
            "projects": len(h.project_ids),
            "waiting": h.n_waiting,
        },
        "start_year": year0,
        "years": spec.years,
        "year_labels": [f"{year0 + y}-01-01" for y in range(spec.years + 1)],
        "seeds": len(runs[0]) if runs else 0,
        "seed": spec.seed,
        "lottery_seeds": f"month M of run k uses the seed '{world.lottery_seed}|housing:"
        f"{spec.seed}|run:k|month:YYYY-MM'",
        "interval": {
            "level": 0.95,
            "lo_hi": "2.5th and 97.5th percentile of the per-run values (linear interpolation)",
            "mean_lo_hi": "mean +/- 1.96 * sd / sqrt(runs), the 95% interval of the mean",
        },
        "group": spec.group,
        "groups": {g: GROUP_LABELS[g] for g in GROUPS},
        "resident_groups": list(RESIDENT_GROUPS),
        "watch": [h.hood_ids[k] for k in world.watch.tolist()],
        "metric_info": info,
        "neighbourhoods": hoods,
        "scenarios": scenarios_out,
    }


# --------------------------------------------------------------------------- files

CSV_HEADER = (
    "scenario",
    "metric",
    "unit",
    "year",
    "mean",
    "lo",
    "hi",
    "mean_lo",
    "mean_hi",
    "sd",
    "runs",
    "diff_mean",
    "diff_lo",
    "diff_hi",
    "share_lower",
)
_STATS = ("mean", "lo", "hi", "mean_lo", "mean_hi", "sd")


def _cell(x: Any) -> str:
    return "" if x is None else repr(x) if isinstance(x, float) else str(x)


def results_csv(results: Mapping[str, Any]) -> str:
    """housing.csv: one row per scenario, metric and year (the year as a number, or
    ``period``: the state at the end and the flows of all years, with the difference to the
    first scenario run by run)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_HEADER)
    info = results["metric_info"]
    labels = results["year_labels"]
    for sc in results["scenarios"]:
        name = neutralise(str(sc["name"]))
        for key, series in sc["years"].items():
            unit = info[key]["unit"]
            for y, label in enumerate(labels):
                if series["mean"][y] is None and info[key]["kind"] == "flow" and y == 0:
                    continue
                row = [name, key, unit, label] + [_cell(series[k][y]) for k in _STATS]
                w.writerow(row + [results["seeds"]] + [""] * 4)
            f = sc["final"][key]
            d = (sc.get("vs_first") or {}).get(key) or {}
            w.writerow(
                [name, key, unit, "period"]
                + [_cell(f.get(k)) for k in _STATS]
                + [results["seeds"]]
                + [_cell(d.get(k)) for k in ("mean", "lo", "hi", "share_lower")]
            )
    return buf.getvalue()


def neighbourhoods_csv(results: Mapping[str, Any]) -> str:
    """housing-neighbourhoods.csv: one row per scenario, scope (tenants or all households),
    group, year and neighbourhood: the group's share there (mean, lo, hi over the runs)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["scenario", "scope", "group", "year", "neighbourhood_id", "mean", "lo", "hi"])
    ids = [n["neighbourhood_id"] for n in results["neighbourhoods"]]
    labels = results["year_labels"]
    for sc in results["scenarios"]:
        name = neutralise(str(sc["name"]))
        for scope, groups in sc["neighbourhoods"].items():
            scope_name = "tenants" if scope == "tenants" else "all households"
            for g, s in groups.items():
                for y, label in enumerate(labels):
                    for k, hid in enumerate(ids):
                        w.writerow(
                            [name, scope_name, g, label, hid]
                            + [_cell(s[q][y][k]) for q in ("mean", "lo", "hi")]
                        )
    return buf.getvalue()


#: the files :func:`write_results` writes
RESULT_FILES: tuple[str, ...] = ("housing.json", "housing.csv", "housing-neighbourhoods.csv")


def write_results(results: Mapping[str, Any], out_dir: str | Path) -> list[Path]:
    """Write housing.json, housing.csv and housing-neighbourhoods.csv into ``out_dir``
    (made if needed), each renamed into place once all are complete; other files there are
    left alone."""
    files = {
        "housing.json": results_json(results),
        "housing.csv": results_csv(results),
        "housing-neighbourhoods.csv": neighbourhoods_csv(results),
    }
    return write_files({k: v.encode("utf-8") for k, v in files.items()}, Path(out_dir))


__all__ = [
    "GROUPS",
    "GROUP_LABELS",
    "RESIDENT_GROUPS",
    "RESULT_FILES",
    "SCHEMA",
    "convex_hull",
    "metric_list",
    "neighbourhoods_csv",
    "outlines",
    "results_csv",
    "run_metrics",
    "summarise",
    "write_results",
]
