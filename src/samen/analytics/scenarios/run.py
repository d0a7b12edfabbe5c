"""Running a scenario spec (:func:`run_scenarios`: every variant over the same draws) and
writing ``scenarios.json`` and ``scenarios.csv``."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from samen.analytics.draws import run_draws
from samen.analytics.scenarios.metrics import (
    difference,
    draw_metrics,
    interval,
    metric_info,
    metric_names,
    neighbourhood_benchmark,
    rounded,
    rounded_number,
)
from samen.analytics.scenarios.spec import Spec, SpecError
from samen.analytics.scenarios.variants import (
    apply_variant,
    check_round,
    flag_index,
    load_round,
    round_source,
)
from samen.engine.instance import (
    Instance,
)
from samen.io.atomic import write_files
from samen.io.cells import neutralise
from samen.io.round import Round

#: the ``schema`` value of scenarios.json (docs/scenarios.md)
SCHEMA = "samen-scenarios/1"


def variant_instances(spec: Spec, rnd: Round) -> list[Instance]:
    """The instance of every variant of ``spec`` (:func:`apply_variant` with the spec's seed
    and flag); raises one :class:`SpecError` with the problems of the spec's keys with this
    round (:func:`check_round`) and of every variant."""
    problems = check_round(spec, rnd)
    instances: list[Instance] = []
    if not problems:
        for v in spec.variants:
            try:
                instances.append(apply_variant(rnd, v, seed=spec.seed, flag=spec.flag))
            except SpecError as exc:
                problems.extend(exc.problems)
    if problems:
        raise SpecError(problems)
    return instances


def scenario_seed(rnd: Round, seed: int) -> str:
    """The lottery seed whose draws :func:`run_scenarios` uses: the round's seed and
    ``"|scenarios:<seed>"``; draw ``k`` has seed ``draw_seed(scenario_seed, k)``."""
    return f"{rnd.instance.seed}|scenarios:{seed}"


def run_scenarios(
    spec: Spec,
    rnd: Round | None = None,
    *,
    progress: Callable[[str, int], None] | None = None,
    instances: Sequence[Instance] | None = None,
) -> dict[str, Any]:
    """Run every variant of ``spec`` over ``spec.draws`` draws; return scenarios.json's
    content (docs/scenarios.md). ``progress(variant_name, draws_done)`` is called per draw.

    Checks every variant against the round before running any (:class:`SpecError`), unless
    ``instances`` (from :func:`variant_instances`) are given. Deterministic: the same spec, seed and round give the same numbers.
    """
    if rnd is None:
        rnd = load_round(spec)
    if instances is None:
        instances = variant_instances(spec, rnd)

    base = rnd.instance
    fi = flag_index(base, spec.flag)
    lottery_seed = scenario_seed(rnd, spec.seed)
    names = metric_names(spec.by_flags)
    xy = rnd.school_xy
    schools = [
        {
            "school_id": str(sid),
            "name": nm,
            "capacity": int(base.capacity[s]),
            "x": rounded_number(xy[s, 0], 7) if xy is not None else None,
            "y": rounded_number(xy[s, 1], 7) if xy is not None else None,
        }
        for s, (sid, nm) in enumerate(zip(base.school_ids, rnd.school_names, strict=True))
    ]
    info = metric_info(spec.by_flags)
    variants_out: list[dict[str, Any]] = []
    first: dict[str, np.ndarray | None] | None = None
    for v, inst in zip(spec.variants, instances, strict=True):
        cb = None
        if progress is not None:
            name = v.name

            def cb(k: int, _name: str = name) -> None:
                progress(_name, k)

        draws = run_draws(inst.with_(seed=lottery_seed), spec.draws, progress=cb)
        per_draw, comp = draw_metrics(rnd, inst, draws, flag=spec.flag, by_flags=spec.by_flags)
        metrics: dict[str, Any] = {}
        vs_first: dict[str, Any] | None = None if first is None else {}
        for key in names:
            values = per_draw.get(key)
            digits = 2 if info[key]["unit"] == "metres" else 6
            metrics[key] = None if values is None else rounded(interval(values), digits)
            if vs_first is not None and first is not None:
                ref = first.get(key)
                vs_first[key] = (
                    None if values is None or ref is None else difference(values, ref, digits)
                )
        if first is None:
            first = per_draw
        share = comp["indicator_share"]
        with np.errstate(all="ignore"):
            s_mean = [
                rounded_number(float(np.nanmean(c))) if np.isfinite(c).any() else None
                for c in share.T
            ]
            s_lo = [
                rounded_number(float(np.nanpercentile(c, 2.5))) if np.isfinite(c).any() else None
                for c in share.T
            ]
            s_hi = [
                rounded_number(float(np.nanpercentile(c, 97.5))) if np.isfinite(c).any() else None
                for c in share.T
            ]
        new_groups = len(inst.group_ids) - len(base.group_ids)
        variants_out.append(
            {
                "name": v.name,
                "description": v.description,
                "changes": v.changes(),
                "draws": spec.draws,
                "mechanism": inst.mechanism,
                "tie_breaking": inst.tie_breaking,
                "pledge_groups": len(inst.group_ids),
                "pledge_groups_added": new_groups,
                "pledge_members": int(np.count_nonzero(np.asarray(inst.pledge) >= 0)),
                "pledge_members_added": int(
                    np.count_nonzero(np.asarray(inst.pledge) >= len(base.group_ids))
                ),
                "metrics": metrics,
                "vs_first": vs_first,
                "schools": {
                    "indicator_share": {"mean": s_mean, "lo": s_lo, "hi": s_hi},
                    "assigned": {
                        "mean": [rounded_number(float(x), 3) for x in comp["assigned"].mean(axis=0)]
                    },
                },
            }
        )

    flags = base.flags[:, fi].astype(bool)
    return {
        "schema": SCHEMA,
        "name": spec.name,
        "description": spec.description,
        "spec": Path(spec.source).name,
        "round": {
            "name": rnd.name,
            "source": round_source(spec),
            "seed": str(base.seed),
            "children": base.n_applicants,
            "schools": base.n_schools,
            "seats": int(base.capacity.sum()),
            "mechanism": base.mechanism,
            "tie_breaking": base.tie_breaking,
            "distance": rnd.settings.distance,
            "flag": spec.flag,
            "flag_children": int(flags.sum()),
            "flag_share": rounded_number(float(flags.mean())) if base.n_applicants else None,
            "pledge_groups": len(base.group_ids),
        },
        "draws": spec.draws,
        "seed": spec.seed,
        "lottery_seed": lottery_seed,
        "lottery_seeds": f"draw k = 1..{spec.draws} uses the seed '{lottery_seed}|draw:k'",
        "interval": {
            "level": 0.95,
            "lo_hi": "2.5th and 97.5th percentile of the per-draw values (linear interpolation)",
            "mean_lo_hi": "mean +/- 1.96 * sd / sqrt(draws), the 95% interval of the mean",
        },
        "metric_info": metric_info(spec.by_flags),
        "schools": schools,
        "benchmark": neighbourhood_benchmark(rnd, spec.flag),
        "variants": variants_out,
    }


# --------------------------------------------------------------------------- output


_NUMBER_LIST = re.compile(
    r"\[\n\s*((?:(?:-?\d[\d.eE+-]*|null|true|false),\n\s*)*(?:-?\d[\d.eE+-]*|null|true|false))"
    r"\n\s*\]"
)


def results_json(results: Mapping[str, Any]) -> str:
    """scenarios.json's text: indented, lists of numbers on one line."""
    text = json.dumps(results, indent=2, ensure_ascii=False, allow_nan=False)
    return _NUMBER_LIST.sub(lambda m: "[" + re.sub(r",\n\s*", ", ", m.group(1)) + "]", text) + "\n"


CSV_HEADER = (
    "variant",
    "metric",
    "unit",
    "mean",
    "lo",
    "hi",
    "mean_lo",
    "mean_hi",
    "sd",
    "draws",
    "diff_mean",
    "diff_lo",
    "diff_hi",
    "diff_mean_lo",
    "diff_mean_hi",
    "share_lower",
)
_STATS = ("mean", "lo", "hi", "mean_lo", "mean_hi", "sd")
_DIFF = ("mean", "lo", "hi", "mean_lo", "mean_hi", "share_lower")


def results_csv(results: Mapping[str, Any]) -> str:
    """scenarios.csv: one row per variant and metric with the columns of
    :data:`CSV_HEADER` (``diff_*`` and ``share_lower``: the difference to the first
    variant, draw by draw; empty for the first), then the benchmark's D, H and M as
    variant ``benchmark: nearest school``. A variant's name (the spec's text) that a
    spreadsheet would run as a formula gets a ``'`` in front (:func:`samen.io.cells.
    neutralise`); numbers are written as they are."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_HEADER)
    info = results["metric_info"]

    def cell(x: Any) -> str:
        return "" if x is None else repr(x) if isinstance(x, float) else str(x)

    for v in results["variants"]:
        for name, s in v["metrics"].items():
            s = s or {}
            d = (v.get("vs_first") or {}).get(name) or {}
            w.writerow(
                [neutralise(str(v["name"])), name, info[name]["unit"]]
                + [cell(s.get(k)) for k in _STATS]
                + [v["draws"]]
                + [cell(d.get(k)) for k in _DIFF]
            )
    b = results["benchmark"]
    for name in ("D", "H", "M"):
        row = ["benchmark: nearest school", name, "index", cell(b.get(name))]
        w.writerow(row + [""] * (len(CSV_HEADER) - len(row)))
    return buf.getvalue()


def write_results(results: Mapping[str, Any], out_dir: str | Path) -> list[Path]:
    """Write scenarios.json and scenarios.csv into ``out_dir`` (created if needed). Each
    file is written to a temporary file in the folder and renamed into place once both
    are complete, so a reader never sees half a file; other files are left alone."""
    files = {"scenarios.json": results_json(results), "scenarios.csv": results_csv(results)}
    return write_files({k: v.encode("utf-8") for k, v in files.items()}, Path(out_dir))
