"""The scenarios file that ``samen scenarios`` writes (``scenarios.json``), as the report reads
it: tolerant of what it does not know, strict about what it needs (a list of variants with
metrics), every problem with the line and the key."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from samen.analytics.report.model import RANGE_PERCENTILES, ReportError, json_problem, read_json
from samen.io.errors import Problem


@dataclass(frozen=True)
class Metric:
    """One metric of a scenario variant: the mean over its draws and the 95% range."""

    mean: float
    lo: float = math.nan
    hi: float = math.nan

    @property
    def ranged(self) -> bool:
        return math.isfinite(self.lo) and math.isfinite(self.hi)


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
                json_problem(
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
                json_problem(
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
                json_problem(
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
            json_problem(
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
    doc = read_json(
        p,
        f"The scenarios file {p.name}",
        "this is a folder; give the scenarios file (a .json file written by 'samen scenarios')",
        "write the file again with 'samen scenarios', or fix the commas, quotes and brackets",
    )
    return parse_scenarios(doc, p.name)


__all__ = ["Metric", "Scenarios", "Variant", "load_scenarios", "parse_scenarios"]
