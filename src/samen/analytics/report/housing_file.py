"""The results file of ``samen housing simulate`` (``housing.json``, schema
``samen-housing/1``, ``docs/housing-simulation.md``) as the report reads it: strict about what
the housing section needs (the years, the neighbourhoods and, per scenario, the metrics per
year and at the end), each problem with its line or key and what to do; tolerant of keys it
does not know."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from samen.analytics.report.model import ReportError, json_problem, read_json
from samen.io.errors import Problem

SCHEMA_PREFIX = "samen-housing/"
REWRITE = "write the file again with 'samen housing simulate'"


def _num(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return math.nan
    f = float(v)
    return f if math.isfinite(f) else math.nan


def _int(v: Any) -> int:
    f = _num(v)
    return int(f) if math.isfinite(f) else 0


@dataclass(frozen=True)
class Band:
    """A number over the runs: the mean and the range of the central 95% of the runs."""

    mean: float
    lo: float = math.nan
    hi: float = math.nan

    @property
    def ranged(self) -> bool:
        return math.isfinite(self.lo) and math.isfinite(self.hi)


@dataclass(frozen=True)
class Series:
    """A metric per year (one value per year label; NaN where it does not apply)."""

    mean: list[float]
    lo: list[float]
    hi: list[float]

    def at(self, y: int) -> Band:
        return Band(self.mean[y], self.lo[y], self.hi[y])


@dataclass(frozen=True)
class Neighbourhood:
    id: str
    name: str
    outline: list[tuple[float, float]]
    deprivation: float
    homes: int
    social_homes: int
    watched: bool


@dataclass(frozen=True)
class HousingScenario:
    name: str
    description: str
    years: dict[str, Series]
    final: dict[str, Band]
    #: the difference to the first scenario, run by run: (mean, lo, hi, share lower)
    vs_first: dict[str, tuple[float, float, float, float]] | None
    #: scope ("tenants", "residents") -> group -> (mean, lo, hi)[year][neighbourhood]
    hoods: dict[str, dict[str, tuple[list[list[float]], ...]]] = field(default_factory=dict)


@dataclass(frozen=True)
class HousingResults:
    """housing.json, as far as the report uses it."""

    source: str
    name: str
    description: str
    city: dict[str, Any]
    year_labels: list[str]
    seeds: int
    group: str
    watch: list[str]
    neighbourhoods: list[Neighbourhood]
    scenarios: list[HousingScenario]
    metric_units: dict[str, str]


def _series(doc: Any, n: int) -> Series | None:
    if not isinstance(doc, dict) or not isinstance(doc.get("mean"), list):
        return None
    if len(doc["mean"]) != n:
        return None

    def col(key: str) -> list[float]:
        v = doc.get(key)
        return [_num(x) for x in v] if isinstance(v, list) and len(v) == n else [math.nan] * n

    return Series(col("mean"), col("lo"), col("hi"))


def _hoods(doc: Any, n_years: int, n_hoods: int) -> dict[str, dict[str, tuple[Any, ...]]]:
    out: dict[str, dict[str, tuple[Any, ...]]] = {}
    if not isinstance(doc, dict):
        return out
    for scope, groups in doc.items():
        if not isinstance(groups, dict):
            continue
        for g, v in groups.items():
            if not isinstance(v, dict):
                continue
            parts: list[list[list[float]] | None] = []
            for key in ("mean", "lo", "hi"):
                rows = v.get(key)
                if (
                    isinstance(rows, list)
                    and len(rows) == n_years
                    and all(isinstance(r, list) and len(r) == n_hoods for r in rows)
                ):
                    parts.append([[_num(x) for x in r] for r in rows])
                else:
                    parts.append(None)
            if all(p is not None for p in parts):
                out.setdefault(str(scope), {})[str(g)] = tuple(parts)
    return out


def parse_housing(doc: Any, source: str = "housing.json") -> HousingResults:
    """The housing results of a parsed JSON document; raises :class:`ReportError` naming
    the key of every problem."""
    what = f"The housing file {source}"

    def fail(key: str | None, message: str) -> ReportError:
        return ReportError([json_problem(source, None, key, message)], what)

    if not isinstance(doc, dict):
        raise fail(None, f"the file must hold one JSON object; {REWRITE}")
    schema = doc.get("schema")
    if not isinstance(schema, str) or not schema.startswith(SCHEMA_PREFIX):
        raise fail(
            "schema",
            f"this is not a file of 'samen housing simulate' (schema {schema!r}, not "
            f"'{SCHEMA_PREFIX}1'); give the housing.json it wrote (for scenarios.json use "
            "--scenarios)",
        )
    labels = doc.get("year_labels")
    if not isinstance(labels, list) or len(labels) < 2:
        raise fail("year_labels", f"the list of years is missing or too short; {REWRITE}")
    n = len(labels)
    problems: list[Problem] = []
    hoods: list[Neighbourhood] = []
    for i, h in enumerate(doc.get("neighbourhoods") or []):
        if not isinstance(h, dict) or not isinstance(h.get("neighbourhood_id"), str):
            problems.append(json_problem(source, None, f"neighbourhoods[{i}]", "a neighbourhood "
                                     f"needs a neighbourhood_id; {REWRITE}"))  # fmt: skip
            continue
        outline = [
            (_num(p[0]), _num(p[1]))
            for p in h.get("outline") or []
            if isinstance(p, list) and len(p) == 2
        ]
        hoods.append(
            Neighbourhood(
                id=h["neighbourhood_id"],
                name=str(h.get("name") or h["neighbourhood_id"]),
                outline=outline,
                deprivation=_num(h.get("deprivation")),
                homes=_int(h.get("homes")),
                social_homes=_int(h.get("social_homes")),
                watched=bool(h.get("watched")),
            )
        )
    if not hoods:
        problems.append(json_problem(source, None, "neighbourhoods", f"there are no neighbourhoods; "
                                 f"{REWRITE}"))  # fmt: skip
    scenarios: list[HousingScenario] = []
    raw = doc.get("scenarios")
    if not isinstance(raw, list) or not raw:
        problems.append(json_problem(source, None, "scenarios", f"there is no list of scenarios; "
                                 f"{REWRITE}"))  # fmt: skip
        raw = []
    for i, sc in enumerate(raw):
        key = f"scenarios[{i}]"
        if not isinstance(sc, dict):
            problems.append(json_problem(source, None, key, "each scenario must be a JSON object"))
            continue
        years = {
            str(k): s
            for k, v in (sc.get("years") or {}).items()
            if (s := _series(v, n)) is not None
        }
        if not years:
            problems.append(json_problem(source, None, f"{key}.years", f"the scenario has no "
                                     f"metric per year with {n} values; {REWRITE}"))  # fmt: skip
            continue
        final = {
            str(k): Band(_num(v.get("mean")), _num(v.get("lo")), _num(v.get("hi")))
            for k, v in (sc.get("final") or {}).items()
            if isinstance(v, dict)
        }
        vs = sc.get("vs_first")
        vs_first = None
        if isinstance(vs, dict):
            vs_first = {
                str(k): (
                    _num(v.get("mean")),
                    _num(v.get("lo")),
                    _num(v.get("hi")),
                    _num(v.get("share_lower")),
                )
                for k, v in vs.items()
                if isinstance(v, dict)
            }
        name = sc.get("name")
        scenarios.append(
            HousingScenario(
                name=name.strip() if isinstance(name, str) and name.strip() else f"{i + 1}",
                description=sc["description"] if isinstance(sc.get("description"), str) else "",
                years=years,
                final=final,
                vs_first=vs_first,
                hoods=_hoods(sc.get("neighbourhoods"), n, len(hoods)),
            )
        )
    if problems:
        raise ReportError(problems, what)
    info = doc["metric_info"] if isinstance(doc.get("metric_info"), dict) else {}
    units = {str(k): str(v.get("unit", "")) for k, v in info.items() if isinstance(v, dict)}
    watch = [str(x) for x in doc.get("watch") or [] if isinstance(x, str)]
    seeds = doc.get("seeds")
    return HousingResults(
        source=source,
        name=doc["name"] if isinstance(doc.get("name"), str) else "",
        description=doc["description"] if isinstance(doc.get("description"), str) else "",
        city=doc["city"] if isinstance(doc.get("city"), dict) else {},
        year_labels=[str(x) for x in labels],
        seeds=seeds if isinstance(seeds, int) and not isinstance(seeds, bool) else 0,
        group=str(doc.get("group") or "income_band:1"),
        watch=watch,
        neighbourhoods=hoods,
        scenarios=scenarios,
        metric_units=units,
    )


def load_housing(path: str | Path) -> HousingResults:
    """Read a housing.json (``samen housing simulate``); see :func:`parse_housing`."""
    p = Path(path)
    doc = read_json(
        p,
        f"The housing file {p.name}",
        "this is a folder; give the housing.json that 'samen housing simulate' wrote in it",
        REWRITE,
    )
    return parse_housing(doc, p.name)


__all__ = [
    "Band",
    "HousingResults",
    "HousingScenario",
    "Neighbourhood",
    "Series",
    "load_housing",
    "parse_housing",
]
