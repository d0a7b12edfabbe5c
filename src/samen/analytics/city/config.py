"""The city config (every parameter of a synthetic city, ``docs/city.md``): the dataclasses,
the presets (Mechelen-, Antwerp- and NYC-like), reading and checking a config file, writing
one back."""

from __future__ import annotations

import json
import math
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from samen.analytics.city.housing import HousingConfig, check_housing
from samen.engine.instance import MECHANISMS, TIE_BREAKINGS
from samen.io.errors import InputError, Problem, Problems, suggest
from samen.io.toml import read_toml

# --------------------------------------------------------------------------- the config


@dataclass(frozen=True)
class GeographyConfig:
    """Where the neighbourhoods are and how many indicator children they have."""

    #: centre of the city on a projected grid, metres (the default is Mechelen in Belgian
    #: Lambert 72, roughly)
    origin_x: float = 157_000.0
    origin_y: float = 189_000.0
    #: radius of the city (a disc), metres
    radius_m: float = 4_500.0
    #: number of neighbourhoods
    neighbourhoods: int = 11
    #: the lowest and highest neighbourhood share of indicator children (evenly spaced between)
    indicator_share_min: float = 0.07
    indicator_share_max: float = 0.65
    #: where deprivation peaks, as a fraction of the radius (0 = the centre, 1 = the edge)
    deprivation_peak: float = 0.35
    #: noise in the deprivation score (0 = shares follow the distance to the peak ring exactly)
    deprivation_noise: float = 0.15
    #: how much denser (in children) the centre is than the edge: weight 1 + gradient x (1 - r/R)
    density_gradient: float = 1.0
    #: spread of the neighbourhood sizes (sd of a log-normal factor)
    size_sd: float = 0.3
    #: sd of homes around their neighbourhood centre, as a fraction of the neighbourhood spacing
    spread: float = 0.35
    #: neighbourhood names are the label and a number: "Wijk 01"
    label: str = "Wijk"
    #: the projection of the grid (EPSG code), for the street map of ``samen city --osm``
    crs: str = "EPSG:31370"


@dataclass(frozen=True)
class SchoolsConfig:
    """How many schools, how big, how good, and which order seats by distance."""

    #: number of schools (admission units)
    count: int = 25
    #: total seats / children
    seat_ratio: float = 1.08
    #: spread of school sizes around local demand (sd of a log-normal factor)
    capacity_sd: float = 0.25
    #: smallest capacity of a school (lowered to seats / schools when there are fewer seats)
    min_capacity: int = 20
    #: sd of school quality (in utility units, before b_quality)
    quality_sd: float = 0.4
    #: extra quality at the city centre, fading with distance (popular central schools)
    central_bonus: float = 0.6
    #: how far the central bonus reaches, as a fraction of the radius (Gaussian fall-off)
    central_radius: float = 0.3
    #: share of schools that order seats by distance (seats.csv); the others use the defaults
    distance_pool_share: float = 0.2
    #: in those schools, the share of each contingent ordered by distance (the rest by lottery)
    distance_seat_share: float = 0.8
    #: school names are the label, the neighbourhood and a letter: "Basisschool Wijk 03 B"
    label: str = "Basisschool"


@dataclass(frozen=True)
class PreferencesConfig:
    """The random-utility model of the parents' lists (conditional logit, Gumbel noise of scale
    1: the weights are in units of that noise)."""

    #: weight of school quality
    b_quality: float = 1.0
    #: utility lost per km of distance, non-indicator families
    b_distance: float = 1.5
    #: utility lost per km of distance, indicator families
    b_distance_indicator: float = 2.0
    #: weight of the expected indicator share, for the avoiding parents only
    b_composition: float = 4.0
    #: share of non-indicator parents who avoid schools with many indicator pupils
    avoiding_share: float = 0.5
    #: lengths of the lists and how often each occurs (weights, normalised)
    list_lengths: tuple[int, ...] = (3, 4, 5, 6)
    list_length_weights: tuple[float, ...] = (0.3, 0.35, 0.2, 0.15)


@dataclass(frozen=True)
class FamiliesConfig:
    """Siblings, staff children and twins."""

    #: share of children with a sibling at one of their listed schools (group "sibling")
    sibling_share: float = 0.17
    #: of those, the share whose sibling is at their first choice (else another listed school)
    sibling_first_choice: float = 0.8
    #: share of children of staff (group "staff"); they put their parent's school first
    staff_share: float = 0.01
    #: share of children who are one of a pair of twins applying together (same family, list)
    twin_share: float = 0.03


@dataclass(frozen=True)
class RulesConfig:
    """What goes into round.toml and seats.csv."""

    #: round name in round.toml; empty: "<name>, synthetic round (seed N)"
    round_name: str = ""
    #: the public lottery seed; empty: "<name> - samen city seed N"
    lottery_seed: str = ""
    mechanism: str = "deferred-acceptance"
    tie_breaking: str = "single"
    #: Flemish double contingency: an "indicator" and an "other" pool; false: one pool "all"
    double_contingency: bool = True
    #: share of indicator seats; leave it out for the city's indicator share, rounded to 1%
    indicator_seat_share: float | None = None


@dataclass(frozen=True)
class PledgesConfig:
    """Pledge groups: majority families choosing their neighbourhood school together."""

    #: share of non-indicator families (without sibling or staff priority) in each eligible
    #: neighbourhood who join its pledge group; 0 = no pledge groups
    uptake: float = 0.0
    #: members needed at the target for the pledge to hold (spec section 7)
    threshold: int = 10
    #: only neighbourhoods with at least this indicator share have a pledge group
    min_indicator_share: float = 0.3


@dataclass(frozen=True)
class CityConfig:
    """Every parameter of a synthetic city. The defaults are a Mechelen-like city; the presets
    (:data:`PRESETS`) are instances. Load your own from TOML with :func:`load_config`."""

    name: str = "Mechelen-like city"
    #: inhabitants (for the record; the model uses ``children``)
    inhabitants: int = 86_000
    #: children entering school this year (rows of applicants.csv)
    children: int = 900
    geography: GeographyConfig = field(default_factory=GeographyConfig)
    schools: SchoolsConfig = field(default_factory=SchoolsConfig)
    preferences: PreferencesConfig = field(default_factory=PreferencesConfig)
    families: FamiliesConfig = field(default_factory=FamiliesConfig)
    rules: RulesConfig = field(default_factory=RulesConfig)
    pledges: PledgesConfig = field(default_factory=PledgesConfig)
    housing: HousingConfig = field(default_factory=HousingConfig)


MECHELEN = CityConfig()

ANTWERP = CityConfig(
    name="Antwerp-like city",
    inhabitants=530_000,
    children=5_000,
    geography=GeographyConfig(
        origin_x=152_500.0,
        origin_y=212_000.0,
        radius_m=9_000.0,
        neighbourhoods=42,
        indicator_share_min=0.04,
        indicator_share_max=0.85,
        deprivation_peak=0.3,
        deprivation_noise=0.2,
    ),
    schools=SchoolsConfig(count=120, seat_ratio=1.07),
    preferences=PreferencesConfig(
        b_distance=0.9,
        b_distance_indicator=1.2,
        list_lengths=(3, 4, 5, 6, 7, 8),
        list_length_weights=(0.2, 0.25, 0.2, 0.15, 0.1, 0.1),
    ),
    housing=HousingConfig(household_size=2.2, social_share=0.1, waiting_ratio=1.4),
)

NYC = CityConfig(
    name="NYC-like city",
    inhabitants=8_300_000,
    children=80_000,
    geography=GeographyConfig(
        origin_x=585_000.0,
        origin_y=4_510_000.0,
        radius_m=17_000.0,
        neighbourhoods=190,
        indicator_share_min=0.05,
        indicator_share_max=0.95,
        deprivation_peak=0.5,
        deprivation_noise=0.4,
        density_gradient=0.5,
        label="Area",
        crs="EPSG:32618",
    ),
    schools=SchoolsConfig(
        count=700,
        seat_ratio=1.1,
        capacity_sd=0.5,
        min_capacity=25,
        quality_sd=0.8,
        central_bonus=0.5,
        distance_pool_share=0.1,
        label="School",
    ),
    preferences=PreferencesConfig(
        b_quality=1.2,
        b_distance=0.25,
        b_distance_indicator=0.35,
        b_composition=2.0,
        avoiding_share=0.4,
        list_lengths=(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
        list_length_weights=(
            0.03,
            0.03,
            0.04,
            0.05,
            0.06,
            0.07,
            0.08,
            0.09,
            0.09,
            0.09,
            0.09,
            0.28,
        ),
    ),
    families=FamiliesConfig(sibling_share=0.05, staff_share=0.005),
    rules=RulesConfig(double_contingency=False),
    housing=HousingConfig(
        household_size=2.5, social_share=0.05, max_neighbourhood_share=0.6, waiting_ratio=1.5
    ),
)

#: the presets by name; ``mechelen`` is the default
PRESETS: dict[str, CityConfig] = {"mechelen": MECHELEN, "antwerp": ANTWERP, "nyc": NYC}


# --------------------------------------------------------------------------- config errors


class ConfigError(InputError):
    """The config cannot be used; ``problems`` says why (each names the file and the key)."""

    WHAT = "The config"


def _type_name(tp: Any) -> str:
    if tp is int:
        return "a whole number"
    if tp is float:
        return "a number"
    if tp is bool:
        return "true or false"
    if tp is str:
        return 'text in double quotes ("...")'
    origin = typing.get_origin(tp)
    if origin is tuple:
        return f"a list of {_type_name(typing.get_args(tp)[0]).removeprefix('a ')}s"
    return str(tp)


def _convert(value: Any, tp: Any) -> tuple[bool, Any]:
    """``value`` (from TOML) as type ``tp``, or (False, None)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _convert(value, args[0])
    if tp is bool:
        return (True, value) if isinstance(value, bool) else (False, None)
    if tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return (True, value) if ok else (False, None)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False, None
        if not math.isfinite(float(value)):
            return False, None
        return True, float(value)
    if tp is str:
        return (True, value) if isinstance(value, str) else (False, None)
    if origin is tuple:
        if not isinstance(value, list):
            return False, None
        item = typing.get_args(tp)[0]
        out = []
        for v in value:
            ok, c = _convert(v, item)
            if not ok:
                return False, None
            out.append(c)
        return True, tuple(out)
    return False, None


def _merge(base: Any, data: dict[str, Any], prefix: str, problems: list[tuple[str, str]]) -> Any:
    """``base`` (a config dataclass) with the values of ``data`` put in; problems collected as
    (dotted key, message)."""
    hints = typing.get_type_hints(type(base))
    names = [f.name for f in fields(base)]
    changes: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if key not in hints:
            where = f"[{prefix[:-1]}]" if prefix else "the top level"
            problems.append(
                (
                    dotted,
                    f"unknown key '{key}'{suggest(key, names)}; the keys of {where} are "
                    + ", ".join(names),
                )
            )
            continue
        current = getattr(base, key)
        if is_dataclass(current):
            if not isinstance(value, dict):
                problems.append(
                    (dotted, f"'{dotted}' must be a table: write [{dotted}] above its keys")
                )
                continue
            changes[key] = _merge(current, value, f"{dotted}.", problems)
            continue
        ok, converted = _convert(value, hints[key])
        if not ok:
            problems.append((dotted, f"'{dotted}' must be {_type_name(hints[key])}, not {value!r}"))
            continue
        changes[key] = converted
    return replace(base, **changes)


#: the largest city ``samen city`` makes (memory and time grow with children x schools)
MAX_CHILDREN = 1_000_000
MAX_SCHOOLS = 10_000


_Need = Callable[[bool, str, str], None]
_Share = Callable[[str, float], None]


def _check_geography(config: CityConfig, need: _Need, share: _Share) -> None:
    """The geography's keys."""
    g = config.geography
    need(g.radius_m > 0, "geography.radius_m", "'geography.radius_m' must be more than 0")
    need(g.neighbourhoods >= 1, "geography.neighbourhoods", "there must be 1 neighbourhood or more")
    share("geography.indicator_share_min", g.indicator_share_min)
    share("geography.indicator_share_max", g.indicator_share_max)
    need(
        g.indicator_share_min <= g.indicator_share_max,
        "geography.indicator_share_min",
        f"'geography.indicator_share_min' ({g.indicator_share_min:g}) is more than "
        f"'geography.indicator_share_max' ({g.indicator_share_max:g})",
    )
    need(
        g.deprivation_peak >= 0,
        "geography.deprivation_peak",
        f"'geography.deprivation_peak' is {g.deprivation_peak:g}; it must be 0 or more",
    )
    need(
        g.deprivation_noise >= 0,
        "geography.deprivation_noise",
        f"'geography.deprivation_noise' is {g.deprivation_noise:g}; it must be 0 or more",
    )
    need(
        g.density_gradient >= 0,
        "geography.density_gradient",
        f"'geography.density_gradient' is {g.density_gradient:g}; it must be 0 or more",
    )
    need(
        g.size_sd >= 0,
        "geography.size_sd",
        f"'geography.size_sd' is {g.size_sd:g}; it must be 0 or more",
    )
    need(
        g.spread > 0,
        "geography.spread",
        f"'geography.spread' is {g.spread:g}; it must be more than 0",
    )


def _check_schools(config: CityConfig, need: _Need, share: _Share) -> None:
    """The schools' keys."""
    s = config.schools
    need(
        s.count >= 1,
        "schools.count",
        f"'schools.count' is {s.count}; there must be 1 school or more",
    )
    need(s.seat_ratio > 0, "schools.seat_ratio", "'schools.seat_ratio' must be more than 0")
    need(
        s.capacity_sd >= 0,
        "schools.capacity_sd",
        f"'schools.capacity_sd' is {s.capacity_sd:g}; it must be 0 or more",
    )
    need(
        s.min_capacity >= 0,
        "schools.min_capacity",
        f"'schools.min_capacity' is {s.min_capacity:g}; it must be 0 or more",
    )
    need(
        s.quality_sd >= 0,
        "schools.quality_sd",
        f"'schools.quality_sd' is {s.quality_sd:g}; it must be 0 or more",
    )
    need(
        s.central_radius > 0,
        "schools.central_radius",
        f"'schools.central_radius' is {s.central_radius:g}; it must be more than 0",
    )
    share("schools.distance_pool_share", s.distance_pool_share)
    share("schools.distance_seat_share", s.distance_seat_share)


def _check_preferences(config: CityConfig, need: _Need, share: _Share) -> None:
    """The preferences' keys (list lengths and their weights)."""
    p, s = config.preferences, config.schools
    share("preferences.avoiding_share", p.avoiding_share)
    need(
        len(p.list_lengths) >= 1,
        "preferences.list_lengths",
        "'preferences.list_lengths' is empty; give at least one list length, like [3, 4, 5]",
    )
    for k in p.list_lengths:
        if not 1 <= k <= max(s.count, 1):
            need(
                False,
                "preferences.list_lengths",
                f"a list length of {k} is impossible with {s.count} schools; lengths go from 1 to "
                "the number of schools",
            )
            break
    need(
        len(set(p.list_lengths)) == len(p.list_lengths),
        "preferences.list_lengths",
        "a list length appears twice; give each length once",
    )
    need(
        len(p.list_length_weights) == len(p.list_lengths),
        "preferences.list_length_weights",
        f"there are {len(p.list_length_weights)} weights for {len(p.list_lengths)} list lengths; "
        "give one weight per length",
    )
    need(
        all(w >= 0 for w in p.list_length_weights) and sum(p.list_length_weights) > 0,
        "preferences.list_length_weights",
        "the weights must be 0 or more, and at least one more than 0",
    )


def _check_families_rules_pledges(config: CityConfig, need: _Need, share: _Share) -> None:
    """The families', the rules' and the pledge groups' keys."""
    g, s, f, r, pl = config.geography, config.schools, config.families, config.rules, config.pledges
    share("families.sibling_share", f.sibling_share)
    share("families.sibling_first_choice", f.sibling_first_choice)
    share("families.staff_share", f.staff_share)
    share("families.twin_share", f.twin_share)
    need(
        r.mechanism in MECHANISMS,
        "rules.mechanism",
        f"unknown mechanism '{r.mechanism}'{suggest(r.mechanism, list(MECHANISMS))}; choose one "
        "of " + ", ".join(MECHANISMS),
    )
    need(
        r.tie_breaking in TIE_BREAKINGS,
        "rules.tie_breaking",
        f"unknown tie_breaking '{r.tie_breaking}'; choose single or multiple",
    )
    if r.indicator_seat_share is not None:
        share("rules.indicator_seat_share", r.indicator_seat_share)
    for key, text in (("rules.round_name", r.round_name), ("rules.lottery_seed", r.lottery_seed)):
        need("\n" not in text, key, f"'{key}' must be one line")
    share("pledges.uptake", pl.uptake)
    need(pl.threshold >= 1, "pledges.threshold", "'pledges.threshold' must be 1 or more")
    share("pledges.min_indicator_share", pl.min_indicator_share)
    need(bool(g.crs.strip()), "geography.crs", "'geography.crs' is empty; give an EPSG code")
    for key, text in (("geography.label", g.label), ("schools.label", s.label)):
        need(
            ";" not in text and "|" not in text and "\n" not in text,
            key,
            f"'{key}' may not contain ';', '|' or a line break",
        )


def validate_config(config: CityConfig) -> list[tuple[str, str]]:
    """Impossible values in ``config``, as (dotted key, message); empty when it is usable."""
    out: list[tuple[str, str]] = []
    g, s = config.geography, config.schools

    def need(cond: bool, key: str, message: str) -> None:
        if not cond:
            out.append((key, message))

    def share(key: str, value: float) -> None:
        need(0.0 <= value <= 1.0, key, f"'{key}' is {value:g}; it must be a share from 0 to 1")

    need(bool(config.name.strip()), "name", "the name is empty; give the city a name")
    need("\n" not in config.name, "name", "the name must be one line")
    need(config.inhabitants >= 1, "inhabitants", "'inhabitants' must be at least 1")
    need(config.children >= 1, "children", f"'children' is {config.children}; it must be 1 or more")
    need(
        config.children <= MAX_CHILDREN,
        "children",
        f"'children' is {config.children:,}; samen city makes at most {MAX_CHILDREN:,}",
    )
    need(
        s.count <= MAX_SCHOOLS and g.neighbourhoods <= MAX_SCHOOLS,
        "schools.count" if s.count > MAX_SCHOOLS else "geography.neighbourhoods",
        f"samen city makes at most {MAX_SCHOOLS:,} schools and {MAX_SCHOOLS:,} neighbourhoods",
    )
    need(
        config.children >= g.neighbourhoods,
        "children",
        f"'children' is {config.children}, fewer than the {g.neighbourhoods} neighbourhoods; every "
        "neighbourhood needs at least one child",
    )
    for check in (_check_geography, _check_schools, _check_preferences):
        check(config, need, share)
    _check_families_rules_pledges(config, need, share)
    check_housing(config.housing, need, share)
    return out


def config_from_dict(
    data: dict[str, Any], base: CityConfig = MECHELEN, source: str = "config"
) -> CityConfig:
    """``base`` with the values of ``data`` (nested like the TOML file) put in, checked;
    raises :class:`ConfigError` naming ``source`` and the key of every problem."""
    raw: list[tuple[str, str]] = []
    config = _merge(base, data, "", raw)
    if not raw:
        raw = validate_config(config)
    if raw:
        raise ConfigError([Problem(source, None, k or None, m, keyed=True) for k, m in raw])
    return config


def load_config(path: str | Path, preset: str | None = None) -> CityConfig:
    """Read a city config from TOML: the values it gives replace those of a preset.

    The preset is the file's top-level ``preset = "antwerp"`` or the argument ``preset`` (one
    of :data:`PRESETS`; both may be given only when they agree), else ``mechelen``. Unknown
    keys, wrong types and impossible values raise :class:`ConfigError`, each problem with the
    file, the line and the dotted key.
    """
    p = Path(path)
    found = Problems()
    doc = read_toml(p, found)
    if doc is None:
        raise ConfigError(found.all())
    source = doc.source
    data = dict(doc.data)
    problems: list[Problem] = []
    if preset is not None and preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of " + ", ".join(PRESETS))
    chosen = preset
    if "preset" in data:
        named = data.pop("preset")
        line = doc.line("preset")
        if not isinstance(named, str) or named not in PRESETS:
            problems.append(
                Problem(
                    source,
                    line,
                    "preset",
                    f"unknown preset {named!r}; choose one of " + ", ".join(PRESETS),
                    keyed=True,
                )
            )
        elif preset is not None and named != preset:
            problems.append(
                Problem(
                    source,
                    line,
                    "preset",
                    f"the file says preset = '{named}' but '{preset}' was asked for (--preset); "
                    "give one of them",
                    keyed=True,
                )
            )
        else:
            chosen = named
    start = PRESETS[chosen or "mechelen"]
    try:
        config = config_from_dict(data, start, source)
    except ConfigError as exc:
        problems.extend(
            replace(q, row=doc.line(q.column) if q.column else None) for q in exc.problems
        )
        config = start
    if problems:
        raise ConfigError(problems)
    return config


def config_toml(config: CityConfig) -> str:
    """``config`` as TOML that :func:`load_config` reads back to the same config."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, tuple):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(v)

    top: list[str] = []
    sections: list[str] = []
    for f in fields(config):
        v = getattr(config, f.name)
        if is_dataclass(v):
            sections.append(f"\n[{f.name}]")
            for g in fields(v):
                w = getattr(v, g.name)
                if w is not None:
                    sections.append(f"{g.name} = {value(w)}")
        else:
            top.append(f"{f.name} = {value(v)}")
    return "\n".join(top + sections) + "\n"
