r"""Policy scenarios: variants of one round compared over many lottery draws.

A *scenario spec* (a TOML file, ``docs/scenarios.md``) names one round (a round folder, or a
synthetic city from :mod:`samen.analytics.city`) and a list of *variants*: the same children
and schools with other rules (mechanism, tie-breaking, seat pools, distance ordering) or
with pledge groups (majority families choosing their neighbourhood school together, as in
Mechelen). Every variant is allocated in the same ``N`` lottery draws and summarised by
first-choice and top-3 rates, unassigned children, home-school distance, the segregation of
the result (D, Theil's H, M) and the pledge groups that held, each with a 95% interval over
the draws; the *neighbourhood benchmark* (every child at its nearest school) is computed once.

A variant is a transformation of the engine's :class:`~samen.engine.instance.Instance`
(:func:`apply_variant`), never of the files, and is applied in this order: ``mechanism`` and
``tie_breaking``; ``pools`` (replace every school's pools); ``indicator_share``;
``distance_share``; ``pool_order``; ``pledges``.

Draws. Draw ``k`` of a variant uses the lottery seed :func:`~samen.analytics.draws.draw_seed`
``(R + "|scenarios:" + S, k)`` with ``R`` the round's seed and ``S`` the scenario seed, so
every variant sees the same lottery numbers in draw ``k`` (common random numbers: the
difference between two variants is not lottery noise) and a draw of the base round can be
recomputed with ``samen allocate`` by writing that seed into ``round.toml``.

Intervals (for every metric): ``lo``/``hi`` is the percentile interval of the per-draw values
(2.5th and 97.5th percentile, linear interpolation: Hyndman and Fan 1996 type 7, NumPy's
default): where 95% of draws fall, the lottery risk of one real round. ``mean_lo``/``mean_hi``
is the normal-approximation confidence interval of the mean over draws, ``mean +/- 1.96 sd /
sqrt(N)`` (sample sd): how precisely ``N`` draws pin down the expected value.

Segregation: :class:`~samen.analytics.indices.Dissimilarity` (Duncan and Duncan 1955),
:class:`~samen.analytics.indices.Entropy` (Theil's H; Theil and Finizza 1971) and
:class:`~samen.analytics.indices.MutualInformation` (M, natural logarithm; Theil 1971, Mora
and Ruiz-Castillo 2011) of the school x group table of the assigned children, the groups
being the children with and without the spec's ``flag`` (default ``indicator``).

Example::

    >>> interval([1.0, 2.0, 3.0, 4.0])["mean"], interval([1.0, 2.0, 3.0, 4.0])["lo"]
    (2.5, 1.075)
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import math
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from samen.analytics.draws import Draws, run_draws
from samen.analytics.indices import Dissimilarity, Entropy, MutualInformation
from samen.engine import distance
from samen.engine.instance import (
    MECHANISMS,
    ORDER_DISTANCE,
    ORDER_LOTTERY,
    ORDER_NAMES,
    TIE_BREAKINGS,
    Instance,
    PoolSpec,
)
from samen.engine.pools import (
    Pool,
    largest_remainder,
    parse_favours,
    pool_arrays,
    pools_of,
    to_fraction,
)
from samen.io.atomic import write_files
from samen.io.errors import InputError, Problem, Problems, suggest
from samen.io.round import Round, read_round
from samen.io.toml import Checker, TomlDoc, parse_toml, read_toml, type_text

__all__ = [
    "DEFAULT_DRAWS",
    "METRICS",
    "SCHEMA",
    "CitySpec",
    "PledgeSpec",
    "Spec",
    "SpecError",
    "Variant",
    "apply_variant",
    "check_round",
    "draw_metrics",
    "interval",
    "load_round",
    "load_spec",
    "neighbourhood_benchmark",
    "neighbourhood_schools",
    "parse_spec",
    "results_csv",
    "results_json",
    "run_scenarios",
    "scenario_seed",
    "variant_instances",
    "write_results",
]

#: the ``schema`` value of scenarios.json (docs/scenarios.md)
SCHEMA = "samen-scenarios/1"
DEFAULT_DRAWS = 100
MAX_DRAWS = 100_000
TARGETS: tuple[str, ...] = ("neighbourhood", "nearest")
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

TOP_KEYS: tuple[str, ...] = (
    "name",
    "description",
    "round",
    "city",
    "draws",
    "seed",
    "flag",
    "by_flags",
    "variant",
)
CITY_KEYS: tuple[str, ...] = ("preset", "seed", "children", "config")
VARIANT_KEYS: tuple[str, ...] = (
    "name",
    "description",
    "mechanism",
    "tie_breaking",
    "pools",
    "indicator_share",
    "distance_share",
    "pool_order",
    "pledges",
)
POOL_KEYS: tuple[str, ...] = ("name", "share", "favours", "order_by")
PLEDGE_KEYS: tuple[str, ...] = (
    "uptake",
    "threshold",
    "who",
    "target",
    "min_indicator_share",
    "exclude_priority",
)


# --------------------------------------------------------------------------- the spec


class SpecError(InputError):
    """The spec (or one of its variants, checked against the round) cannot be used;
    ``problems`` names the file, line and key of each problem and what to fix."""

    WHAT = "The spec"


@dataclass(frozen=True)
class PledgeSpec:
    """Pledge groups a variant adds (``[variant.pledges]``, docs/scenarios.md).

    Each child's *neighbourhood school* is the nearest school (by the round's distance)
    among the schools of its neighbourhood (``neighbourhood`` columns of applicants.csv and
    schools.csv), or the nearest school of the city when the round has no neighbourhoods or
    the child's neighbourhood has no school (``target = "nearest"``: always the nearest).
    Families matching ``who`` join with probability ``uptake``; the members of one
    neighbourhood school form one group, which is formed when it has ``threshold`` members.
    """

    uptake: float
    threshold: int = 10
    who: str = "not:indicator"
    target: str = "neighbourhood"
    min_indicator_share: float = 0.0
    exclude_priority: bool = True


@dataclass(frozen=True)
class Variant:
    """One variant of the round: what changes relative to the base round (None = as is)."""

    name: str
    description: str = ""
    mechanism: str | None = None
    tie_breaking: str | None = None
    pools: tuple[PoolSpec, ...] | None = None
    indicator_share: float | None = None
    distance_share: float | None = None
    pool_order: tuple[str, ...] | None = None
    pledges: PledgeSpec | None = None
    #: the spec file and the line of each key (``"pledges.uptake"``; ``""`` = the
    #: ``[[variant]]`` header), for the problems :func:`apply_variant` reports
    source: str = "spec"
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)

    def changes(self) -> dict[str, Any]:
        """The changes as the spec gives them (for scenarios.json)."""
        out: dict[str, Any] = {}
        for key in ("mechanism", "tie_breaking", "indicator_share", "distance_share"):
            v = getattr(self, key)
            if v is not None:
                out[key] = v
        if self.pools is not None:
            out["pools"] = [
                {
                    "name": p.name,
                    "share": float(to_fraction(p.share or 0)),
                    "favours": p.favours,
                    "order_by": p.order_by,
                }
                for p in self.pools
            ]
        if self.pool_order is not None:
            out["pool_order"] = list(self.pool_order)
        if self.pledges is not None:
            pl = self.pledges
            out["pledges"] = {
                "uptake": pl.uptake,
                "threshold": pl.threshold,
                "who": pl.who,
                "target": pl.target,
                "min_indicator_share": pl.min_indicator_share,
                "exclude_priority": pl.exclude_priority,
            }
        return out


@dataclass(frozen=True)
class CitySpec:
    """A synthetic city as the round (``[city]``): a preset, a seed, optionally a number
    of children and a city config file (docs/city.md)."""

    preset: str = "mechelen"
    seed: int = 1
    children: int | None = None
    config: Path | None = None


@dataclass(frozen=True)
class Spec:
    """A scenario spec: the round, the draws, the seed and the variants."""

    source: str
    name: str
    variants: tuple[Variant, ...]
    round: Path | None = None
    city: CitySpec | None = None
    description: str = ""
    draws: int = DEFAULT_DRAWS
    seed: int = 1
    flag: str = "indicator"
    by_flags: tuple[str, ...] = ("indicator",)
    #: ``round`` as the spec writes it (relative to the spec's folder)
    round_text: str = ""
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)

    def problem(self, key: str, message: str) -> Problem:
        """A problem with the top-level ``key`` of the spec."""
        return Problem(self.source, self.lines.get(key), key, message)


def _read_variant(r: Checker, data: Any, index: int, flag: str) -> Variant | None:
    vp = f"variant.{index}"
    v = r.table(data, vp)
    if v is None:
        return None
    r.unknown(v, VARIANT_KEYS, f"{vp}.")
    name = v.get("name")
    if not isinstance(name, str) or not name.strip():
        r.add(
            f"{vp}.name" if "name" in v else vp,
            f'variant {index} has no name; give it one (name = "group-wise choice"), the '
            "report shows it",
        )
        name = f"variant {index}"
    label = f"variant '{name}'"
    description = r.text(v, "description", f"{vp}.description", "")
    mechanism = r.choice(v, "mechanism", f"{vp}.mechanism", MECHANISMS)
    tie_breaking = r.choice(v, "tie_breaking", f"{vp}.tie_breaking", TIE_BREAKINGS)
    indicator_share = r.share(
        v, "indicator_share", f"{vp}.indicator_share", f"the share of seats favouring '{flag}'"
    )
    distance_share = r.share(
        v, "distance_share", f"{vp}.distance_share", "the share of seats ordered by distance"
    )

    pool_order: tuple[str, ...] | None = None
    if "pool_order" in v:
        po = v["pool_order"]
        if (
            not isinstance(po, list)
            or not po
            or not all(isinstance(x, str) and x.strip() for x in po)
        ):
            r.add(
                f"{vp}.pool_order",
                'pool_order must be a list of pool names, e.g. ["indicator", "other"]',
            )
        elif len(set(po)) != len(po):
            dup = next(x for x in po if po.count(x) > 1)
            r.add(f"{vp}.pool_order", f"pool_order names '{dup}' twice; name each pool once")
        else:
            pool_order = tuple(po)

    pools: tuple[PoolSpec, ...] | None = None
    if "pools" in v:
        raw = v["pools"]
        if not isinstance(raw, list) or not raw or not all(isinstance(x, dict) for x in raw):
            r.add(
                f"{vp}.pools",
                "pools must be one or more [[variant.pools]] tables with name, share, favours "
                "and order_by",
            )
        else:
            got: list[PoolSpec] = []
            total = Fraction(0)
            ok = True
            for j, p in enumerate(raw, start=1):
                pp = f"{vp}.pools.{j}"
                r.unknown(p, POOL_KEYS, f"{pp}.")
                pname = p.get("name")
                if not isinstance(pname, str) or not pname.strip():
                    r.add(f"{pp}.name" if "name" in p else pp, f"pool {j} of {label} needs a name")
                    ok = False
                    continue
                share = r.share(p, "share", f"{pp}.share", f"pool '{pname}'", required=True)
                favours = r.text(p, "favours", f"{pp}.favours", "")
                order_by = r.choice(p, "order_by", f"{pp}.order_by", ORDER_NAMES) or "lottery"
                if favours.startswith("not:") and not favours[4:]:
                    r.add(f"{pp}.favours", 'favours "not:" needs a flag name, e.g. "not:indicator"')
                    ok = False
                if share is None:
                    ok = False
                    continue
                total += to_fraction(share)
                got.append(PoolSpec(pname, share=share, favours=favours, order_by=order_by))
            names = [p.name for p in got]
            if len(set(names)) != len(names):
                r.add(f"{vp}.pools", f"the pools of {label} need different names")
                ok = False
            elif ok and total != 1:
                r.add(
                    f"{vp}.pools",
                    f"the shares of the pools of {label} add up to {float(total):g}; they must "
                    "add up to 1",
                )
                ok = False
            if ok:
                pools = tuple(got)

    pledges: PledgeSpec | None = None
    if "pledges" in v:
        pp = f"{vp}.pledges"
        p = r.table(v["pledges"], pp)
        if p is not None:
            r.unknown(p, PLEDGE_KEYS, f"{pp}.")
            uptake = r.share(
                p, "uptake", f"{pp}.uptake", "the share of families who join", required=True
            )
            threshold = r.integer(
                p, "threshold", f"{pp}.threshold", 10, 1, "members needed at the target"
            )
            who = r.text(p, "who", f"{pp}.who", f"not:{flag}")
            if who.startswith("not:") and not who[4:]:
                r.add(f"{pp}.who", 'who = "not:" needs a flag name, e.g. "not:indicator"')
            target = r.choice(p, "target", f"{pp}.target", TARGETS) or "neighbourhood"
            min_share = r.share(
                p,
                "min_indicator_share",
                f"{pp}.min_indicator_share",
                f"the least share of '{flag}' children around the school",
            )
            exclude = p.get("exclude_priority", True)
            if not isinstance(exclude, bool):
                r.add(
                    f"{pp}.exclude_priority",
                    f"exclude_priority must be true or false, not {type_text(exclude)}",
                )
                exclude = True
            if uptake is not None and threshold is not None:
                pledges = PledgeSpec(
                    uptake=uptake,
                    threshold=threshold,
                    who=who,
                    target=target,
                    min_indicator_share=min_share if min_share is not None else 0.0,
                    exclude_priority=exclude,
                )

    prefix = f"{vp}."
    all_lines = r.doc.lines
    lines = {k[len(prefix) :]: n for k, n in all_lines.items() if k.startswith(prefix)}
    if vp in all_lines:
        lines[""] = all_lines[vp]
    return Variant(
        name=name,
        description=description,
        mechanism=mechanism,
        tie_breaking=tie_breaking,
        pools=pools,
        indicator_share=indicator_share,
        distance_share=distance_share,
        pool_order=pool_order,
        pledges=pledges,
        source=r.source,
        lines=lines,
    )


def parse_spec(text: str, source: str = "spec.toml", base: str | Path = ".") -> Spec:
    """Read a scenario spec from TOML ``text``; ``source`` names it in problems and
    ``base`` is the folder that a relative ``round`` or ``city.config`` path starts from.

    Raises :class:`SpecError` listing every problem found (file, line, key, what to fix).

    >>> s = parse_spec('[city]\\npreset = "mechelen"\\n[[variant]]\\nname = "baseline"\\n')
    >>> s.draws, s.seed, [v.name for v in s.variants]
    (100, 1, ['baseline'])
    """
    problems = Problems()
    doc = parse_toml(text, source, problems)
    if doc is None:
        raise SpecError(problems.all())
    return _spec(doc, problems, Path(base))


def _spec(doc: TomlDoc, problems: Problems, base: Path) -> Spec:
    """The spec of a parsed TOML document (see :func:`parse_spec`)."""
    source = doc.source
    data = doc.data
    r = Checker(doc, problems)
    r.unknown(data, TOP_KEYS, "")
    name = r.text(data, "name", "name", "")
    description = r.text(data, "description", "description", "")
    draws = r.integer(data, "draws", "draws", DEFAULT_DRAWS, 1, "lottery draws per variant")
    if draws is not None and draws > MAX_DRAWS:
        r.add("draws", f"'draws' is {draws}; at most {MAX_DRAWS:,} draws per run")
    seed = r.integer(data, "seed", "seed", 1, 0, "the scenario seed")
    flag = r.text(data, "flag", "flag", "indicator").strip()
    if not flag:
        r.add("flag", 'flag must name a 0/1 column of applicants.csv, e.g. "indicator"')
        flag = "indicator"
    by_flags: tuple[str, ...] = (flag,)
    if "by_flags" in data:
        bf = data["by_flags"]
        if not isinstance(bf, list) or not all(isinstance(x, str) and x for x in bf):
            r.add("by_flags", 'by_flags must be a list of flag names, e.g. ["indicator"]')
        else:
            by_flags = tuple(dict.fromkeys(bf))

    round_path: Path | None = None
    round_text = ""
    city: CitySpec | None = None
    if "round" in data and "city" in data:
        r.add("city", "the spec gives both round and [city]; keep one of them")
    elif "round" in data:
        rp = data["round"]
        if not isinstance(rp, str) or not rp.strip():
            r.add("round", 'round must be the path of a round folder in double quotes, e.g. "../r"')
        else:
            round_path = base / rp
            round_text = rp
            if not round_path.is_dir():
                what = "a file" if round_path.exists() else "no folder"
                r.add(
                    "round",
                    f"there is {what} at '{rp}' (relative to the spec's folder); give the round "
                    "folder, the one that holds round.toml",
                )
                round_path = None
    elif "city" in data:
        c = r.table(data["city"], "city")
        if c is not None:
            from samen.analytics.city import PRESETS

            r.unknown(c, CITY_KEYS, "city.")
            preset = r.choice(c, "preset", "city.preset", tuple(PRESETS)) or "mechelen"
            cseed = r.integer(c, "seed", "city.seed", 1, 0, "the city's random seed")
            children = r.integer(c, "children", "city.children", None, 1, "children applying")
            config: Path | None = None
            if "config" in c:
                cp = c["config"]
                if not isinstance(cp, str) or not (base / cp).is_file():
                    r.add(
                        "city.config",
                        f"there is no city config file at {type_text(cp)} (relative to the "
                        "spec's folder); give the path of a TOML file (docs/city.md)",
                    )
                else:
                    config = base / cp
            city = CitySpec(preset=preset, seed=cseed or 0, children=children, config=config)
    else:
        r.add(
            "round",
            'the spec names no round; give round = "path/to/round-folder" (relative to the spec '
            "file) or a [city] table (preset, seed) for a synthetic city",
        )

    variants: list[Variant] = []
    raw = data.get("variant")
    if raw is None:
        r.add(
            "variant",
            "the spec has no [[variant]]; add at least one (a [[variant]] with only name = "
            '"baseline" is the round as it is)',
        )
    elif not isinstance(raw, list):
        r.add("variant", "write each variant as a [[variant]] table (double brackets)")
    else:
        for i, item in enumerate(raw, start=1):
            got = _read_variant(r, item, i, flag)
            if got is not None:
                variants.append(got)
        seen: dict[str, int] = {}
        for i, v in enumerate(variants, start=1):
            if v.name in seen:
                r.add(
                    f"variant.{i}.name",
                    f"two variants are called '{v.name}'; give each variant its own name",
                )
            seen.setdefault(v.name, i)
    if problems:
        raise SpecError(problems.all())
    return Spec(
        source=source,
        name=name,
        description=description,
        round=round_path,
        city=city,
        draws=draws or DEFAULT_DRAWS,
        seed=seed or 0,
        flag=flag,
        by_flags=by_flags,
        round_text=round_text,
        variants=tuple(variants),
        lines=doc.lines,
    )


def load_spec(path: str | Path) -> Spec:
    """Read the scenario spec at ``path`` (relative paths inside start from its folder)."""
    p = Path(path)
    problems = Problems()
    doc = read_toml(p, problems, source=str(p))
    if doc is None:
        raise SpecError(problems.all())
    return _spec(doc, problems, p.parent)


# --------------------------------------------------------------------------- the round


def load_round(spec: Spec) -> Round:
    """The spec's base round: the round folder (:func:`samen.io.round.read_round`, which
    raises :class:`~samen.io.errors.RoundError`), or the synthetic city generated from
    ``[city]`` and read back the same way (:class:`SpecError` for a bad city config)."""
    if spec.round is not None:
        return read_round(spec.round)
    if spec.city is None:
        raise SpecError([spec.problem("round", "the spec names no round")])
    from samen.analytics.city import (
        PRESETS,
        ConfigError,
        generate_city,
        load_config,
        validate_config,
        write_city,
    )

    c = spec.city
    try:
        cfg = load_config(c.config, c.preset) if c.config is not None else PRESETS[c.preset]
    except ConfigError as exc:
        raise SpecError(exc.problems) from None
    except ValueError as exc:
        raise SpecError([spec.problem("city.config", str(exc))]) from None
    if c.children is not None:
        cfg = replace(cfg, children=c.children)
    bad = validate_config(cfg)
    if bad:
        raise SpecError([spec.problem("city", f"{k}: {m}") for k, m in bad])
    city = generate_city(cfg, c.seed)
    with tempfile.TemporaryDirectory(prefix="samen-scenarios-") as tmp:
        folder = write_city(city, Path(tmp) / "city")
        return read_round(folder)


def _round_source(spec: Spec) -> str:
    if spec.city is not None:
        c = spec.city
        text = f"synthetic city: preset {c.preset}, seed {c.seed}"
        if c.children is not None:
            text += f", {c.children} children"
        if c.config is not None:
            text += f", config {c.config.name}"
        return text
    return f"round folder {spec.round_text or spec.round}"


def _flag_index(inst: Instance, name: str) -> int:
    try:
        return list(inst.flag_names).index(name)
    except ValueError:
        return -1


def _flag_text(inst: Instance) -> str:
    names = list(inst.flag_names)
    return "its flags are " + ", ".join(names) if names else "it has no flag columns"


def check_round(spec: Spec, rnd: Round) -> list[Problem]:
    """Problems of the spec's top-level keys with this round (``flag``, ``by_flags``)."""
    inst = rnd.instance
    out: list[Problem] = []
    if _flag_index(inst, spec.flag) < 0:
        out.append(
            spec.problem(
                "flag",
                f"applicants.csv has no flag column '{spec.flag}'"
                f"{suggest(spec.flag, list(inst.flag_names))}; {_flag_text(inst)}. flag names "
                "the 0/1 column whose groups the segregation indices compare",
            )
        )
    for f in spec.by_flags:
        if f != spec.flag and _flag_index(inst, f) < 0:
            out.append(
                spec.problem(
                    "by_flags",
                    f"applicants.csv has no flag column '{f}'{suggest(f, list(inst.flag_names))};"
                    f" {_flag_text(inst)}",
                )
            )
    return out


# --------------------------------------------------------------------------- distances


def _coordinates(rnd: Round) -> tuple[np.ndarray, np.ndarray]:
    """Children's and schools' coordinates, NaN where missing (all NaN without any)."""
    n, m = rnd.instance.n_applicants, rnd.instance.n_schools
    a = rnd.applicant_xy if rnd.applicant_xy is not None else np.full((n, 2), np.nan)
    s = rnd.school_xy if rnd.school_xy is not None else np.full((m, 2), np.nan)
    return a, s


def _nearest(rnd: Round, children: np.ndarray, schools: np.ndarray) -> np.ndarray:
    """For each child of ``children``, the nearest school among ``schools`` by the round's
    distance (:func:`samen.engine.distance.nearest`: ties to the earlier school); -1 for a
    child without coordinates or when no school has any."""
    a_xy, s_xy = _coordinates(rnd)
    out = np.full(children.size, -1, dtype=np.int64)
    if schools.size == 0 or children.size == 0:
        return out
    got = distance.nearest(rnd.settings.distance, a_xy[children], s_xy[schools])
    out[got >= 0] = schools[got[got >= 0]]
    return out


def neighbourhood_schools(rnd: Round, target: str = "neighbourhood") -> np.ndarray:
    """Each child's neighbourhood school (int64[n], -1 = none: no coordinates).

    ``target = "neighbourhood"``: the nearest school (by the round's distance) among the
    schools whose ``neighbourhood`` (schools.csv) is the child's (applicants.csv); the
    nearest school of the city when either table has no ``neighbourhood`` column, the
    child's is empty, or no school is in it. ``target = "nearest"``: the nearest school.
    """
    inst = rnd.instance
    n, m = inst.n_applicants, inst.n_schools
    everyone = np.arange(n)
    all_schools = np.arange(m)
    app_t, sch_t = rnd.tables.get("applicants"), rnd.tables.get("schools")
    if (
        target == "nearest"
        or app_t is None
        or sch_t is None
        or not app_t.has("neighbourhood")
        or not sch_t.has("neighbourhood")
    ):
        return _nearest(rnd, everyone, all_schools)
    a_hood = np.array(app_t.col("neighbourhood"), dtype=object)
    s_hood = np.array(sch_t.col("neighbourhood"), dtype=object)
    out = np.full(n, -1, dtype=np.int64)
    done = np.zeros(n, dtype=bool)
    for h in sorted(set(a_hood.tolist()) - {""}):
        here = np.flatnonzero(s_hood == h)
        if here.size == 0:
            continue
        kids = np.flatnonzero(a_hood == h)
        out[kids] = _nearest(rnd, kids, here)
        done[kids] = out[kids] >= 0
    rest = np.flatnonzero(~done)
    out[rest] = _nearest(rnd, rest, all_schools)
    return out


# --------------------------------------------------------------------------- variants


def _few(items: Sequence[str], k: int = 3) -> str:
    shown = ", ".join(items[:k])
    return shown + (f" and {len(items) - k} more" if len(items) > k else "")


def _set_indicator_share(
    inst: Instance, pools: list[list[Pool]], flag: int, q: Fraction
) -> list[str]:
    """At every school, the pools favouring ``flag`` get ``q`` of the seats together, the
    other pools ``1 - q``: the two sides by the largest remainder on ``[q, 1 - q]``, then
    each side among its pools in proportion to their seats (equal parts when the side had
    none), again by the largest remainder. Returns the schools lacking one of the sides."""
    bad: list[str] = []
    for s, ps in enumerate(pools):
        fav = [j for j, p in enumerate(ps) if p.flag == flag and not p.negate]
        rest = [j for j in range(len(ps)) if j not in fav]
        if not fav or not rest:
            bad.append(str(inst.school_ids[s]))
            continue
        side = largest_remainder([q, 1 - q], int(inst.capacity[s]))
        for members, total in ((fav, side[0]), (rest, side[1])):
            have = sum(ps[j].seats for j in members)
            weights = (
                [Fraction(ps[j].seats, have) for j in members]
                if have
                else [Fraction(1, len(members))] * len(members)
            )
            for j, k in zip(members, largest_remainder(weights, total), strict=True):
                ps[j].seats = k
    return bad


_SUFFIX = re.compile(r"-(distance|lottery|rank)$")


def _set_distance_share(pools: list[list[Pool]], d: Fraction) -> None:
    """Every school's pools, grouped by what they favour (in order of first appearance),
    become per group ``<name>-distance`` (share ``d`` of the group's seats, largest remainder)
    and ``<name>-lottery``, in that precedence; ``<name>`` is the group's first pool's name
    without a ``-distance``/``-lottery``/``-rank`` ending. A pool of share 0 is left out."""
    for s, ps in enumerate(pools):
        groups: dict[tuple[int, bool], list[Pool]] = {}
        for p in ps:
            groups.setdefault((p.flag, p.negate), []).append(p)
        new: list[Pool] = []
        used: set[str] = set()
        for (flag, negate), members in groups.items():
            total = sum(p.seats for p in members)
            base = _SUFFIX.sub("", members[0].name) or members[0].name
            while f"{base}-distance" in used or f"{base}-lottery" in used:
                base += "'"
            k_dist, k_lot = largest_remainder([d, 1 - d], total)
            if d > 0:
                new.append(Pool(f"{base}-distance", k_dist, flag, negate, ORDER_DISTANCE))
                used.add(f"{base}-distance")
            if d < 1:
                new.append(Pool(f"{base}-lottery", k_lot, flag, negate, ORDER_LOTTERY))
                used.add(f"{base}-lottery")
        pools[s] = new


def _order_key(name: str, order: Sequence[str]) -> int | None:
    for i, o in enumerate(order):
        if name == o or name.startswith(o + "-"):
            return i
    return None


def _family_leads(inst: Instance) -> list[str]:
    """The id each child's random draws use: its family's first id in byte order."""
    ids = [str(a) for a in inst.applicant_ids]
    lead: dict[int, str] = {}
    for i, f in enumerate(inst.family.tolist()):
        if f >= 0 and (f not in lead or ids[i] < lead[f]):
            lead[f] = ids[i]
    return [lead[f] if f >= 0 else ids[i] for i, f in enumerate(inst.family.tolist())]


def _uniform(seed: int, key: str) -> float:
    """A uniform number in [0, 1): the first 8 bytes of SHA-256(``seed|pledge|key``)."""
    digest = hashlib.sha256(f"{seed}|pledge|{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def _pledge_members(
    rnd: Round, pl: PledgeSpec, flag: int, who: tuple[int, bool] | None, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Who joins (bool[n]) and each child's neighbourhood school (int64[n])."""
    inst = rnd.instance
    n = inst.n_applicants
    target = neighbourhood_schools(rnd, pl.target)
    eligible = (target >= 0) & (inst.pledge < 0)
    if who is not None:
        col = inst.flags[:, who[0]].astype(bool)
        eligible &= ~col if who[1] else col
    if pl.exclude_priority:
        edge_app = np.repeat(np.arange(n), np.diff(inst.choice_ptr))
        prio = inst.priority < len(inst.priority_groups)
        elsewhere = prio & (inst.choices != target[edge_app])
        eligible[np.unique(edge_app[elsewhere])] = False
    # which neighbourhood schools get a group: enough flag children among those it serves
    m = inst.n_schools
    has = target >= 0
    served = np.bincount(target[has], minlength=m)
    flagged = np.bincount(target[has], weights=inst.flags[has, flag], minlength=m)
    share = np.divide(flagged, served, out=np.zeros(m), where=served > 0)
    eligible &= has & (share[np.maximum(target, 0)] >= pl.min_indicator_share)
    leads = _family_leads(inst)
    u = np.array([_uniform(seed, leads[i]) if eligible[i] else 1.0 for i in range(n)])
    return eligible & (u < pl.uptake), target


def _priority_at(rnd: Round, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Strongest priority group index of (child, school) pairs from priorities.csv."""
    t = rnd.tables.get("priorities")
    inst = rnd.instance
    if t is None or not pairs:
        return {}
    want = set(pairs)
    a_index = {str(a): i for i, a in enumerate(inst.applicant_ids)}
    s_index = {str(s): i for i, s in enumerate(inst.school_ids)}
    g_index = {str(g): i for i, g in enumerate(inst.priority_groups)}
    out: dict[tuple[int, int], int] = {}
    for a, s, g in zip(t.col("applicant_id"), t.col("school_id"), t.col("group"), strict=True):
        key = (a_index.get(a, -1), s_index.get(s, -1))
        if key in want and g in g_index:
            out[key] = min(out.get(key, len(g_index)), g_index[g])
    return out


def _distance_of(rnd: Round, apps: np.ndarray, schools: np.ndarray) -> np.ndarray:
    """Distance of (child, school) pairs as the round reader computes it: from coordinates,
    replaced by distances.csv where it has the pair; both rounded to the centimetre
    (:mod:`samen.engine.distance`)."""
    a_xy, s_xy = _coordinates(rnd)
    d = distance.metres(rnd.settings.distance, a_xy[apps], s_xy[schools])
    t = rnd.tables.get("distances")
    if t is not None and apps.size:
        inst = rnd.instance
        a_index = {str(a): i for i, a in enumerate(inst.applicant_ids)}
        s_index = {str(s): i for i, s in enumerate(inst.school_ids)}
        pos = {(int(a), int(s)): i for i, (a, s) in enumerate(zip(apps, schools, strict=True))}
        for a, s, v in zip(t.col("applicant_id"), t.col("school_id"), t.col("metres"), strict=True):
            i = pos.get((a_index.get(a, -1), s_index.get(s, -1)))
            if i is not None:
                with contextlib.suppress(ValueError):
                    given = float(v.replace(",", ".") if v.count(",") == 1 else v)
                    d[i] = float(distance.centimetres(given))
    return d


def _add_pledges(
    rnd: Round, inst: Instance, pl: PledgeSpec, flag: int, who: tuple[int, bool] | None, seed: int
) -> dict[str, Any]:
    """The instance fields that put the variant's pledge groups in (see :class:`PledgeSpec`)."""
    base = rnd.instance
    join, target = _pledge_members(rnd, pl, flag, who, seed)
    m = base.n_schools
    counts = np.bincount(target[join], minlength=m)
    formed = np.flatnonzero(counts >= pl.threshold)
    join &= np.isin(target, formed)
    if not join.any():
        return {}
    taken = set(map(str, base.group_ids))
    new_ids: list[str] = []
    for s in formed.tolist():
        gid = f"scenario-{base.school_ids[s]}"
        while gid in taken:
            gid += "'"
        taken.add(gid)
        new_ids.append(gid)
    g0 = len(base.group_ids)
    group_of_school = np.full(m, -1, dtype=np.int64)
    group_of_school[formed] = g0 + np.arange(formed.size)
    pledge = np.asarray(inst.pledge, dtype=np.int32).copy()
    pledge[join] = group_of_school[target[join]]

    # lists: each member's target goes first (moved there, or inserted when not listed)
    n = inst.n_applicants
    ptr = inst.choice_ptr
    lengths = np.diff(ptr)
    edge_app = np.repeat(np.arange(n), lengths)
    pos = np.arange(len(inst.choices)) - ptr[edge_app]
    t_edge = np.where(join[edge_app], target[edge_app], -1)
    is_t = inst.choices == t_edge
    t_pos = np.full(n, np.iinfo(np.int64).max)
    t_pos[edge_app[is_t]] = pos[is_t]
    new_pos = np.where(is_t, 0, np.where(join[edge_app] & (pos < t_pos[edge_app]), pos + 1, pos))
    insert = np.flatnonzero(join & (t_pos == np.iinfo(np.int64).max))
    ins_school = target[insert].astype(np.int32)
    prio_at = _priority_at(rnd, list(zip(insert.tolist(), ins_school.tolist(), strict=True)))
    none = len(inst.priority_groups)
    ins_prio = np.array(
        [
            prio_at.get((a, s), none)
            for a, s in zip(insert.tolist(), ins_school.tolist(), strict=True)
        ],
        dtype=np.int32,
    )
    ins_dist = _distance_of(rnd, insert, ins_school)

    all_app = np.concatenate([edge_app, insert])
    all_pos = np.concatenate([new_pos, np.zeros(insert.size, dtype=np.int64)])
    order = np.lexsort((all_pos, all_app))
    new_lengths = np.bincount(all_app, minlength=n)
    new_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(new_lengths, out=new_ptr[1:])
    return {
        "choice_ptr": new_ptr,
        "choices": np.concatenate([inst.choices, ins_school])[order].astype(np.int32),
        "priority": np.concatenate([inst.priority, ins_prio])[order].astype(np.int32),
        "distance": np.concatenate([inst.distance, ins_dist])[order].astype(np.float64),
        "pledge": pledge,
        "group_ids": [*inst.group_ids, *new_ids],
        "group_target": np.concatenate([inst.group_target, formed]).astype(np.int32),
        "group_threshold": np.concatenate(
            [inst.group_threshold, np.full(formed.size, pl.threshold)]
        ).astype(np.int64),
    }


def _parse_favours(inst: Instance, favours: str) -> tuple[int, bool] | None:
    """(flag index, negate) of ``favours``, (-1, False) for ``""``, None for an unknown flag."""
    return parse_favours(favours, list(inst.flag_names))


def apply_variant(
    rnd: Round, variant: Variant, *, seed: int = 1, flag: str = "indicator"
) -> Instance:
    """The engine instance of ``variant`` of the round ``rnd`` (a pure function: the
    round is not changed; the same arguments give the same instance).

    The changes apply in this order (docs/scenarios.md):

    1. ``mechanism``, ``tie_breaking``: replaced;
    2. ``pools``: every school's pools become these (shares to seats by the largest
       remainder, spec section 4);
    3. ``indicator_share = q``: at every school the pools favouring ``flag`` get ``q`` of the
       seats together and the others ``1 - q`` (largest remainder between the two sides,
       then within each side in proportion to the pools' seats);
    4. ``distance_share = d``: every school's pools, grouped by what they favour, become a
       ``-distance`` pool (``d`` of the group's seats) and a ``-lottery`` pool, in that order;
    5. ``pool_order``: each school's pools sorted by the first listed name that is the pool's
       name or its start before a ``-`` (``"indicator"`` also moves ``indicator-distance``);
    6. ``pledges``: pledge groups per neighbourhood school (:class:`PledgeSpec`). Whether a
       family joins is decided by ``U < uptake`` with ``U`` the first 8 bytes of
       SHA-256(``"<seed>|pledge|<id>"``) / 2^64 and ``<id>`` the family's first applicant id
       (byte order), so twins decide together and a higher uptake adds families.

    Raises :class:`SpecError` when the variant does not fit the round (an unknown flag or
    pool name, a school without pools favouring the flag, a distance pool without
    distances, pledges without coordinates), naming the spec's file, line and key.

    >>> from samen.engine.instance import build_instance
    >>> inst = build_instance({"a": ["X"]}, {"X": 1}, seed="s")
    >>> rnd = Round(path=Path("."), name="r", settings=None, instance=inst, inputs={})
    >>> apply_variant(rnd, Variant("ia", mechanism="immediate-acceptance")).mechanism
    'immediate-acceptance'
    """
    inst = rnd.instance
    problems: list[Problem] = []

    def bad(key: str, message: str) -> None:
        line = (
            TomlDoc({}, variant.source, variant.lines).line(key) if key else variant.lines.get("")
        )
        if line is None:
            line = variant.lines.get("")
        problems.append(
            Problem(variant.source, line, f"variant.{key}" if key else "variant", message)
        )

    label = f"variant '{variant.name}'"
    changes: dict[str, Any] = {}
    if variant.mechanism is not None:
        changes["mechanism"] = variant.mechanism
    if variant.tie_breaking is not None:
        changes["tie_breaking"] = variant.tie_breaking
    fi = _flag_index(inst, flag)

    pools = pools_of(inst)
    pools_changed = False
    if variant.pools is not None:
        specs: list[Pool] = []
        for j, p in enumerate(variant.pools, start=1):
            fav = _parse_favours(inst, p.favours)
            if fav is None:
                bad(
                    f"pools.{j}.favours",
                    f"pool '{p.name}' of {label} favours '{p.favours}', but applicants.csv has no "
                    f"such flag column; {_flag_text(inst)}",
                )
                fav = (-1, False)
            specs.append(Pool(p.name, 0, fav[0], fav[1], ORDER_NAMES.index(p.order_by)))
        shares = [to_fraction(p.share or 0) for p in variant.pools]
        for s in range(inst.n_schools):
            seats = largest_remainder(shares, int(inst.capacity[s]))
            pools[s] = [replace(sp, seats=k) for sp, k in zip(specs, seats, strict=True)]
        pools_changed = True
    if variant.indicator_share is not None:
        if fi < 0:
            bad(
                "indicator_share",
                f"applicants.csv has no flag column '{flag}' (the spec's flag); {_flag_text(inst)}",
            )
        else:
            lacking = _set_indicator_share(inst, pools, fi, to_fraction(variant.indicator_share))
            if lacking:
                bad(
                    "indicator_share",
                    f"{label} sets the share of seats favouring '{flag}', but school(s) "
                    f"{_few(lacking)} have no pool favouring '{flag}' or no other pool; give "
                    "the pools of every school with [[variant.pools]] (e.g. 'other' favouring "
                    f"'not:{flag}' and '{flag}' favouring '{flag}')",
                )
            pools_changed = True
    if variant.distance_share is not None:
        _set_distance_share(pools, to_fraction(variant.distance_share))
        pools_changed = True
    if variant.pool_order is not None:
        order = variant.pool_order
        unmatched: list[str] = []
        for s, ps in enumerate(pools):
            found = [_order_key(p.name, order) for p in ps]
            missing = [p.name for p, k in zip(ps, found, strict=True) if k is None]
            if missing:
                unmatched.extend(f"'{x}' of {inst.school_ids[s]}" for x in missing)
                continue
            keys = [k if k is not None else len(order) for k in found]
            pools[s] = [p for _, p in sorted(zip(keys, ps, strict=True), key=lambda t: t[0])]
        if unmatched:
            names = sorted({p.name for ps in pools for p in ps})
            bad(
                "pool_order",
                f"pool_order of {label} does not name the pool(s) {_few(unmatched)}; name every "
                "pool (a name also covers pools that start with it and a '-'); the pools are "
                + ", ".join(names),
            )
        pools_changed = True
    if pools_changed:
        changes.update(pool_arrays(pools))

    if variant.pledges is not None:
        pl = variant.pledges
        who: tuple[int, bool] | None = None
        if pl.who:
            who = _parse_favours(inst, pl.who)
            if who is None:
                bad(
                    "pledges.who",
                    f"who = '{pl.who}' names no flag column of applicants.csv; {_flag_text(inst)}"
                    f" (write a flag, 'not:' and a flag, or \"\" for every family)",
                )
        a_xy, s_xy = _coordinates(rnd)
        if np.isnan(a_xy).all() or np.isnan(s_xy).all():
            bad(
                "pledges",
                f"{label} has pledges, which go to each family's nearest (neighbourhood) school, "
                f"but the round has no {rnd.coordinates} coordinates of "
                + ("children" if np.isnan(a_xy).all() else "schools")
                + "; add them to the round",
            )
        if fi < 0:
            bad("pledges", f"applicants.csv has no flag column '{flag}'; {_flag_text(inst)}")
        if not problems:
            interim = inst.with_(**changes) if changes else inst
            changes.update(_add_pledges(rnd, interim, pl, fi, who, seed))

    if not problems and changes:
        out = inst.with_(**changes)
        missing_d = _missing_distances(out)
        if missing_d:
            key = next(
                k
                for k, v in (
                    ("distance_share", variant.distance_share),
                    ("pools", variant.pools),
                    ("pledges", variant.pledges),
                    ("", True),
                )
                if v is not None
            )
            bad(
                key,
                f"{label} orders seats by distance, but {len(missing_d)} child(ren) have no "
                f"distance to a school they list (the first: {_few(missing_d, 2)}); the round "
                f"needs {rnd.coordinates} of children and schools or distances.csv rows",
            )
    if problems:
        raise SpecError(problems)
    return inst.with_(**changes) if changes else inst


def _missing_distances(inst: Instance) -> list[str]:
    """Children who list a school that has a distance pool with seats, with no distance."""
    is_d = (np.asarray(inst.pool_order) == ORDER_DISTANCE) & (np.asarray(inst.pool_seats) > 0)
    if not is_d.any():
        return []
    m = inst.n_schools
    school_of_pool = np.repeat(np.arange(m), np.diff(inst.pool_ptr))
    needs = np.zeros(m, dtype=bool)
    needs[school_of_pool[is_d]] = True
    bad_edge = needs[inst.choices] & np.isnan(inst.distance)
    if not bad_edge.any():
        return []
    edge_app = np.repeat(np.arange(inst.n_applicants), np.diff(inst.choice_ptr))
    out: list[str] = []
    for e in np.flatnonzero(bad_edge).tolist():
        a = str(inst.applicant_ids[edge_app[e]])
        if not out or out[-1] != a:
            out.append(a)
    return out


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

    a_xy, s_xy = _coordinates(rnd)
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

    fi = _flag_index(base, flag)
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
        j = _flag_index(base, f)
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
    nearest = _nearest(rnd, np.arange(inst.n_applicants), np.arange(inst.n_schools))
    ok = nearest >= 0
    fi = _flag_index(inst, flag)
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
        "D": _num(d),
        "H": _num(h),
        "M": _num(mi),
        "indicator_share": [
            _num(c / t) if t > 0 else None for c, t in zip(counts[:, 0], total, strict=True)
        ],
    }


def _num(x: float | None, digits: int = 6) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), digits) + 0.0


def _rounded(summary: dict[str, Any], digits: int) -> dict[str, Any]:
    return {
        k: [_num(x, digits) for x in v] if k == "by_draw" else _num(v, digits)
        for k, v in summary.items()
    }


def _difference(values: np.ndarray, reference: np.ndarray, digits: int) -> dict[str, Any]:
    """``values - reference`` draw by draw (the same lottery numbers in both), summarised
    like :func:`interval` without ``by_draw``, plus the share of draws in which the value
    is below (``share_lower``) and above (``share_higher``) the reference."""
    diff = np.asarray(values, dtype=np.float64) - np.asarray(reference, dtype=np.float64)
    ok = np.isfinite(diff)
    out = _rounded(interval(diff), digits)
    del out["by_draw"]
    k = int(ok.sum())
    out["share_lower"] = _num(float((diff[ok] < 0).sum() / k)) if k else None
    out["share_higher"] = _num(float((diff[ok] > 0).sum() / k)) if k else None
    return out


def _metric_names(by_flags: Sequence[str]) -> list[str]:
    names = [k for k, _, _ in METRICS]
    for f in by_flags:
        for key in GROUP_METRICS:
            names.append(f"{key}[{f}]")
            names.append(f"{key}[not:{f}]")
    return names


def _metric_info(by_flags: Sequence[str]) -> dict[str, dict[str, str]]:
    info: dict[str, dict[str, str]] = {}
    base = {k: (u, lab) for k, u, lab in METRICS}
    for name in _metric_names(by_flags):
        key, _, group = name.partition("[")
        unit, label = base[key]
        if group:
            label = f"{label}, {group[:-1]}"
        info[name] = {"unit": unit, "label": label}
    return info


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
    fi = _flag_index(base, spec.flag)
    lottery_seed = scenario_seed(rnd, spec.seed)
    names = _metric_names(spec.by_flags)
    xy = rnd.school_xy
    schools = [
        {
            "school_id": str(sid),
            "name": nm,
            "capacity": int(base.capacity[s]),
            "x": _num(xy[s, 0], 7) if xy is not None else None,
            "y": _num(xy[s, 1], 7) if xy is not None else None,
        }
        for s, (sid, nm) in enumerate(zip(base.school_ids, rnd.school_names, strict=True))
    ]
    info = _metric_info(spec.by_flags)
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
            metrics[key] = None if values is None else _rounded(interval(values), digits)
            if vs_first is not None and first is not None:
                ref = first.get(key)
                vs_first[key] = (
                    None if values is None or ref is None else _difference(values, ref, digits)
                )
        if first is None:
            first = per_draw
        share = comp["indicator_share"]
        with np.errstate(all="ignore"):
            s_mean = [_num(float(np.nanmean(c))) if np.isfinite(c).any() else None for c in share.T]
            s_lo = [
                _num(float(np.nanpercentile(c, 2.5))) if np.isfinite(c).any() else None
                for c in share.T
            ]
            s_hi = [
                _num(float(np.nanpercentile(c, 97.5))) if np.isfinite(c).any() else None
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
                        "mean": [_num(float(x), 3) for x in comp["assigned"].mean(axis=0)]
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
            "source": _round_source(spec),
            "seed": str(base.seed),
            "children": base.n_applicants,
            "schools": base.n_schools,
            "seats": int(base.capacity.sum()),
            "mechanism": base.mechanism,
            "tie_breaking": base.tie_breaking,
            "distance": rnd.settings.distance,
            "flag": spec.flag,
            "flag_children": int(flags.sum()),
            "flag_share": _num(float(flags.mean())) if base.n_applicants else None,
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
        "metric_info": _metric_info(spec.by_flags),
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
    variant ``benchmark: nearest school``."""
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
                [v["name"], name, info[name]["unit"]]
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
