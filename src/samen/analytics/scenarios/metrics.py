"""What a variant's draws give: per draw the first-choice and top-3 rates, children without a
school, distances, segregation (D, H, M) and pledge groups held (:func:`draw_metrics`), each
summarised by :func:`interval`; and the nearest-school benchmark, computed once."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from samen.analytics.draws import Draws
from samen.analytics.indices import Dissimilarity, Entropy, MutualInformation
from samen.analytics.scenarios.variants import coordinates, flag_index, nearest_schools
from samen.engine import distance
from samen.engine.instance import (
    Instance,
)
from samen.io.round import Round

#: (key, unit, label) of the per-draw metrics; ``{g}`` marks a metric given per group as
#: ``name[flag]`` and ``name[not:flag]`` besides the overall value
METRICS: tuple[tuple[str, str, str], ...] = (
    ("first_choice", "share", "1st choice"),
    ("top3", "share", "Top 3"),
    ("unassigned", "share", "No school"),
    ("distance_mean", "metres", "Distance, mean"),
    ("distance_p90", "metres", "Distance, 90th pct"),
    ("D", "index", "D (dissimilarity)"),
    ("H", "index", "H (Theil entropy index)"),
    ("M", "index", "M (mutual information)"),
    ("pledge_groups_held", "count", "Pledge groups held"),
    ("pledge_groups_held_share", "share", "Pledge groups held, share"),
)
#: metrics also reported per group (children with and without each flag of ``by_flags``)
GROUP_METRICS: tuple[str, ...] = ("first_choice", "top3", "unassigned", "distance_mean")


# --------------------------------------------------------------------------- metrics


def interval(values: Sequence[float] | np.ndarray) -> dict[str, Any]:
    """Summary of per-draw values: ``mean``, ``lo``/``hi`` (2.5th and 97.5th percentile of
    the values, linear interpolation), ``sd`` (sample sd), ``mean_lo``/``mean_hi`` (mean
    +/- 1.96 sd / sqrt(N), the normal-approximation 95% interval of the mean) and
    ``by_draw``. NaN values (an index undefined in that draw) are left out of the
    statistics and are None in ``by_draw``; all None when no value is finite.

    >>> s = interval([1.0, 2.0, 3.0, 4.0])
    >>> s["mean"], s["lo"], s["hi"], round(s["mean_lo"], 4), round(s["mean_hi"], 4)
    (2.5, 1.075, 3.925, 1.2348, 3.7652)
    """
    v = np.asarray(values, dtype=np.float64)
    ok = v[np.isfinite(v)]
    by_draw = [float(x) if math.isfinite(x) else None for x in v.tolist()]
    if ok.size == 0:
        return dict.fromkeys(("mean", "lo", "hi", "sd", "mean_lo", "mean_hi"), None) | {
            "by_draw": by_draw
        }
    mean = float(ok.mean())
    sd = float(ok.std(ddof=1)) if ok.size > 1 else 0.0
    half = 1.96 * sd / math.sqrt(ok.size)
    lo, hi = np.percentile(ok, [2.5, 97.5])
    return {
        "mean": mean,
        "lo": float(lo),
        "hi": float(hi),
        "sd": sd,
        "mean_lo": mean - half,
        "mean_hi": mean + half,
        "by_draw": by_draw,
    }


def _segregation(counts: np.ndarray) -> tuple[float, float, float]:
    """D, H and M of one school x (flag, others) table; NaN where undefined."""
    try:
        return (
            Dissimilarity(counts, group=0).statistic,
            Entropy(counts, group=0).statistic,
            MutualInformation(counts).statistic,
        )
    except ValueError:  # a group without pupils
        return (math.nan, math.nan, math.nan)


def _base_rank(base: Instance, school: np.ndarray) -> np.ndarray:
    """Position (1-based) of ``school[d, a]`` on child ``a``'s list in the base round; 0 when
    unassigned or not on that list."""
    m = base.n_schools
    n = base.n_applicants
    lengths = np.diff(base.choice_ptr)
    edge_app = np.repeat(np.arange(n, dtype=np.int64), lengths)
    keys = edge_app * m + base.choices
    rank = np.arange(len(base.choices)) - base.choice_ptr[edge_app] + 1
    order = np.argsort(keys, kind="stable")
    skeys, srank = keys[order], rank[order]
    want = np.arange(n, dtype=np.int64)[None, :] * m + school
    pos = np.searchsorted(skeys, want)
    pos = np.minimum(pos, max(len(skeys) - 1, 0))
    hit = (school >= 0) & (skeys[pos] == want) if len(skeys) else np.zeros_like(school, bool)
    return np.where(hit, srank[pos] if len(skeys) else 0, 0)


def draw_metrics(
    rnd: Round,
    variant_instance: Instance,
    draws: Draws,
    *,
    flag: str = "indicator",
    by_flags: Sequence[str] = ("indicator",),
) -> tuple[dict[str, np.ndarray | None], dict[str, np.ndarray]]:
    """The per-draw metrics of a variant (name -> float64[D], None when it does not apply)
    and per school and draw the flag's share of the assigned children and their number
    (``{"indicator_share": [D, m], "assigned": [D, m]}``).

    Ranks are those of the *base* round's lists (the families' preferences), so a pledge
    member placed at a target it had not listed counts as neither first choice nor top 3.
    Distances are from coordinates, unrounded (:func:`samen.engine.distance.exact`: a mean
    of centimetre-rounded distances would carry their rounding), of assigned children with
    coordinates.
    """
    base = rnd.instance
    school = draws.school
    n_d, n = school.shape
    m = base.n_schools
    assigned = school >= 0
    rank = _base_rank(base, school)
    out: dict[str, np.ndarray | None] = {}

    def rates(mask: np.ndarray | None, suffix: str) -> None:
        sel = np.ones(n, bool) if mask is None else mask
        k = int(sel.sum())
        for key, values in (
            ("first_choice", rank == 1),
            ("top3", (rank >= 1) & (rank <= 3)),
            ("unassigned", ~assigned),
        ):
            out[key + suffix] = values[:, sel].mean(axis=1) if k else None

    rates(None, "")

    a_xy, s_xy = coordinates(rnd)
    has_xy = ~np.isnan(a_xy).any(axis=1)
    dist = np.full((n_d, n), np.nan)
    if has_xy.any() and not np.isnan(s_xy).all():
        step = max(1, 4_000_000 // max(n, 1))
        for i in range(0, n_d, step):
            sch = school[i : i + step]
            d = distance.exact(rnd.settings.distance, a_xy[None, :, :], s_xy[np.maximum(sch, 0)])
            dist[i : i + step] = np.where(sch >= 0, d, np.nan)
    if np.isfinite(dist).any():
        with np.errstate(all="ignore"):
            out["distance_mean"] = np.array(
                [np.nanmean(row) if np.isfinite(row).any() else np.nan for row in dist]
            )
            out["distance_p90"] = np.array(
                [np.nanpercentile(row, 90) if np.isfinite(row).any() else np.nan for row in dist]
            )
    else:
        out["distance_mean"] = out["distance_p90"] = None

    fi = flag_index(base, flag)
    g = base.flags[:, fi].astype(np.int64)
    col = np.where(assigned, 1 - g[None, :], 0)
    flat = (np.arange(n_d)[:, None] * m + np.maximum(school, 0)) * 2 + col
    counts = np.bincount(flat[assigned], minlength=n_d * m * 2).reshape(n_d, m, 2).astype(float)
    seg = np.array([_segregation(counts[i]) for i in range(n_d)]).reshape(n_d, 3)
    out["D"], out["H"], out["M"] = (
        seg[:, 0],
        seg[:, 1],
        seg[:, 2],
    )

    n_groups = draws.group_held.shape[1]
    held = draws.group_held.sum(axis=1).astype(np.float64)
    out["pledge_groups_held"] = held
    out["pledge_groups_held_share"] = held / n_groups if n_groups else None

    for f in by_flags:
        j = flag_index(base, f)
        col_f = base.flags[:, j].astype(bool)
        for mask, suffix in ((col_f, f"[{f}]"), (~col_f, f"[not:{f}]")):
            rates(mask, suffix)
            if out["distance_mean"] is not None and mask.any():
                with np.errstate(all="ignore"):
                    part = dist[:, mask]
                    out["distance_mean" + suffix] = np.array(
                        [np.nanmean(r) if np.isfinite(r).any() else np.nan for r in part]
                    )
            else:
                out["distance_mean" + suffix] = None

    total = counts.sum(axis=2)
    with np.errstate(all="ignore"):
        share = np.where(total > 0, counts[:, :, 0] / np.maximum(total, 1), np.nan)
    return out, {"indicator_share": share, "assigned": total}


def neighbourhood_benchmark(rnd: Round, flag: str = "indicator") -> dict[str, Any]:
    """Every child at its nearest school (by the round's distance; capacities ignored):
    D, H and M of that school x group table and the flag's share per school. The segregation
    that the city's geography alone would give. None values without coordinates."""
    inst = rnd.instance
    nearest = nearest_schools(rnd, np.arange(inst.n_applicants), np.arange(inst.n_schools))
    ok = nearest >= 0
    fi = flag_index(inst, flag)
    out: dict[str, Any] = {
        "description": "every child at its nearest school (capacities ignored)",
        "children": int(ok.sum()),
    }
    if not ok.any() or fi < 0:
        return out | {
            "D": None,
            "H": None,
            "M": None,
            "indicator_share": [None] * inst.n_schools,
        }
    g = inst.flags[ok, fi].astype(np.int64)
    counts = np.zeros((inst.n_schools, 2))
    np.add.at(counts, (nearest[ok], 1 - g), 1.0)
    d, h, mi = _segregation(counts)
    total = counts.sum(axis=1)
    return out | {
        "D": rounded_number(d),
        "H": rounded_number(h),
        "M": rounded_number(mi),
        "indicator_share": [
            rounded_number(c / t) if t > 0 else None
            for c, t in zip(counts[:, 0], total, strict=True)
        ],
    }


def rounded_number(x: float | None, digits: int = 6) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), digits) + 0.0


def rounded(summary: dict[str, Any], digits: int) -> dict[str, Any]:
    return {
        k: [rounded_number(x, digits) for x in v] if k == "by_draw" else rounded_number(v, digits)
        for k, v in summary.items()
    }


def difference(values: np.ndarray, reference: np.ndarray, digits: int) -> dict[str, Any]:
    """``values - reference`` draw by draw (the same lottery numbers in both), summarised
    like :func:`interval` without ``by_draw``, plus the share of draws in which the value
    is below (``share_lower``) and above (``share_higher``) the reference."""
    diff = np.asarray(values, dtype=np.float64) - np.asarray(reference, dtype=np.float64)
    ok = np.isfinite(diff)
    out = rounded(interval(diff), digits)
    del out["by_draw"]
    k = int(ok.sum())
    out["share_lower"] = rounded_number(float((diff[ok] < 0).sum() / k)) if k else None
    out["share_higher"] = rounded_number(float((diff[ok] > 0).sum() / k)) if k else None
    return out


def metric_names(by_flags: Sequence[str]) -> list[str]:
    names = [k for k, _, _ in METRICS]
    for f in by_flags:
        for key in GROUP_METRICS:
            names.append(f"{key}[{f}]")
            names.append(f"{key}[not:{f}]")
    return names


def metric_info(by_flags: Sequence[str]) -> dict[str, dict[str, str]]:
    info: dict[str, dict[str, str]] = {}
    base = {k: (u, lab) for k, u, lab in METRICS}
    for name in metric_names(by_flags):
        key, _, group = name.partition("[")
        unit, label = base[key]
        if group:
            label = f"{label}, {group[:-1]}"
        info[name] = {"unit": unit, "label": label}
    return info
