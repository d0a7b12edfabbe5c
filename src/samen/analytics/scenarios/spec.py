"""The scenario spec (a TOML file, ``docs/scenarios.md``), read with every check: the round
(a folder or a synthetic city), the draws, the seed and the variants, each problem with the
file, the line and the key."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from samen.engine.instance import (
    MECHANISMS,
    ORDER_NAMES,
    TIE_BREAKINGS,
    PoolSpec,
)
from samen.engine.pools import (
    to_fraction,
)
from samen.io.errors import InputError, Problem, Problems
from samen.io.toml import Checker, TomlDoc, parse_toml, read_toml, type_text

if TYPE_CHECKING:
    from samen.analytics.city import City

DEFAULT_DRAWS = 100
MAX_DRAWS = 100_000
TARGETS: tuple[str, ...] = ("neighbourhood", "nearest")
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


def make_city(c: CitySpec, problem: Callable[[str, str], Problem], error: type[InputError]) -> City:
    """The synthetic city a spec's ``[city]`` names (its preset or config file, its children
    and seed); ``error`` (the spec's own error type) with every problem, each made by
    ``problem(key, message)``, when its config cannot be used."""
    from samen.analytics.city import (
        PRESETS,
        ConfigError,
        generate_city,
        load_config,
        validate_config,
    )

    try:
        cfg = load_config(c.config, c.preset) if c.config is not None else PRESETS[c.preset]
    except ConfigError as exc:
        raise error(exc.problems) from None
    except ValueError as exc:
        raise error([problem("city.config", str(exc))]) from None
    if c.children is not None:
        cfg = replace(cfg, children=c.children)
    bad = validate_config(cfg)
    if bad:
        raise error([problem("city", f"{k}: {m}") for k, m in bad])
    return generate_city(cfg, c.seed)


def read_city(r: Checker, c: Mapping[str, Any], base: Path) -> CitySpec:
    """A spec's ``[city]`` table (``c``; keys :data:`CITY_KEYS`, ``config`` relative to
    ``base``, the spec's folder): the synthetic city of a scenario or housing spec."""
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
    return CitySpec(preset=preset, seed=cseed or 0, children=children, config=config)


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
            city = read_city(r, c, base)
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
