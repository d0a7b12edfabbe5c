"""Synthetic cities: a round folder that ``samen allocate`` reads, from one documented config.

Cities that want mixed schools ask what their rules would do before they adopt them: how many
children get their first choice, how mixed the schools become, what pledge groups change. Real
application data is private, so samen generates cities that look like the real ones in the
numbers that matter: neighbourhoods that differ strongly in their share of indicator pupils
(disadvantaged children, as the Flemish "indicatorleerlingen"), schools of uneven popularity,
families that weigh quality, distance and, some of them, a school's social composition.

The model (every parameter is a field of :class:`CityConfig`; ``docs/city.md`` lists them):

* **Neighbourhoods** lie on a sunflower spiral inside a disc (the city), each with a share of
  indicator children. The shares are evenly spaced between ``indicator_share_min`` and
  ``indicator_share_max`` and given out by a deprivation score that peaks at a ring around the
  old centre (the nineteenth-century belt of a Flemish city) plus noise. Each neighbourhood has
  exactly ``round(share x children)`` indicator children, so the promised range holds.
* **Schools** are placed in neighbourhoods in proportion to their children. Quality is normal
  noise plus a bonus near the centre (popular central schools, under pressure); capacities
  follow local demand and add up to ``seat_ratio x children``.
* **Preferences** follow a random-utility model, McFadden's conditional logit (McFadden 1974,
  "Conditional logit analysis of qualitative choice behavior"): the utility of school ``s`` for
  child ``i`` is ``b_quality * quality_s - b_distance * km(i, s) - b_composition * share_s *
  avoids_i + e_is`` with ``e_is`` standard Gumbel (extreme value type I) noise, ``share_s`` the
  indicator share of the school's neighbourhood (what parents expect the school to be) and
  ``avoids_i`` 1 for the share ``avoiding_share`` of non-indicator parents who avoid schools
  with many indicator pupils (Mechelen's "witte vlucht" before 2009). Indicator families have
  their own distance weight. Each child lists its top ``k`` schools (``k`` drawn from
  ``list_lengths``), which is what a rank-ordered logit implies.
* **Families**: siblings (priority group ``sibling``, usually at the first choice), staff
  children (``staff``, the school put first), twins applying together (same ``family``,
  identical lists: spec section 6).
* **Rules**: Flemish double contingency (the "dubbele contingentering" of the Flemish decree on
  school registrations): an ``indicator`` pool that favours indicator pupils with the city's
  share of the seats and an ``other`` pool for the rest, both by lottery; a share of the
  schools order most seats by distance (``seats.csv``).
* **Pledge groups** (optional): majority families of a neighbourhood who choose their
  neighbourhood school together, as in Mechelen's "school choice together" initiatives that
  helped mix its schools; the school goes first on their lists (spec section 7).

:func:`generate_city` builds a :class:`City` (arrays), :func:`write_city` writes it as a round
folder, atomically. Same config and seed give the same bytes.
"""

from __future__ import annotations

import json
import math
import types
import typing
from dataclasses import dataclass, field, fields, is_dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from samen.engine.instance import MECHANISMS, TIE_BREAKINGS, PoolSpec
from samen.engine.pools import to_fraction
from samen.io.cells import fraction_text
from samen.io.errors import InputError, Problem, Problems, suggest
from samen.io.round import (
    FolderNotEmptyError,
    Rows,
    render_round,
    render_table,
    write_round,
)
from samen.io.settings import Settings
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


def validate_config(config: CityConfig) -> list[tuple[str, str]]:
    """Impossible values in ``config``, as (dotted key, message); empty when it is usable."""
    out: list[tuple[str, str]] = []
    g, s, p = config.geography, config.schools, config.preferences
    f, r, pl = config.families, config.rules, config.pledges

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
    share("preferences.avoiding_share", p.avoiding_share)
    need(
        len(p.list_lengths) >= 1,
        "preferences.list_lengths",
        "'preferences.list_lengths' is empty; give at least one list length, like [3, 4, 5]",
    )
    for k in p.list_lengths:
        if not 1 <= k <= max(s.count, 1):
            out.append(
                (
                    "preferences.list_lengths",
                    f"a list length of {k} is impossible with {s.count} schools; lengths go "
                    f"from 1 to the number of schools",
                )
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
    for key, text in (("geography.label", g.label), ("schools.label", s.label)):
        need(
            ";" not in text and "|" not in text and "\n" not in text,
            key,
            f"'{key}' may not contain ';', '|' or a line break",
        )
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


# --------------------------------------------------------------------------- the city

#: priority groups, strongest first (round.toml's priority_groups)
PRIORITY_GROUPS: tuple[str, ...] = ("sibling", "staff")
#: entries of the utility matrix computed at once (rows x schools); the noise is drawn row
#: after row from one stream, so the city does not depend on the block size
CHUNK_CELLS = 4_000_000
_GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))


@dataclass(eq=False)
class City:
    """A generated city: arrays indexed like the round's tables (applicants ``0..n-1``,
    schools ``0..m-1``, neighbourhoods ``0..K-1``)."""

    config: CityConfig
    seed: int
    round_name: str
    lottery_seed: str
    # neighbourhoods
    hood_ids: list[str]
    hood_names: list[str]
    hood_xy: np.ndarray  # float64[K, 2], absolute metres
    hood_children: np.ndarray  # int64[K]
    hood_indicator: np.ndarray  # int64[K], indicator children
    # schools
    school_ids: list[str]
    school_names: list[str]
    school_xy: np.ndarray  # int64[m, 2], absolute metres
    school_hood: np.ndarray  # int64[m]
    capacity: np.ndarray  # int64[m]
    quality: np.ndarray  # float64[m]
    # applicants
    applicant_ids: list[str]
    xy: np.ndarray  # int64[n, 2], absolute metres
    hood: np.ndarray  # int64[n]
    indicator: np.ndarray  # bool[n]
    avoiding: np.ndarray  # bool[n], parents who avoid schools with many indicator pupils
    choice_ptr: np.ndarray  # int64[n+1]
    choices: np.ndarray  # int32[E], school index
    family: list[str]  # "" = none
    # priorities: one row per (child, school, group)
    priority_applicant: np.ndarray  # int64[R]
    priority_school: np.ndarray  # int64[R]
    priority_group: np.ndarray  # int8[R], index into PRIORITY_GROUPS
    # pledge groups
    pledge: np.ndarray  # int64[n], group index, -1 = none
    group_ids: list[str]
    group_target: np.ndarray  # int64[G], school index
    group_hood: np.ndarray  # int64[G]
    group_threshold: int
    # seat pools
    default_pools: list[PoolSpec]  # shares as Fractions
    distance_pools: list[PoolSpec]
    distance_school: np.ndarray  # bool[m], schools whose seats.csv rows are distance_pools
    indicator_seat_share: Fraction | None  # None without double contingency

    @property
    def n_children(self) -> int:
        return len(self.applicant_ids)

    @property
    def hood_share(self) -> np.ndarray:
        """The share of indicator children of each neighbourhood (realised)."""
        return self.hood_indicator / np.maximum(self.hood_children, 1)

    @property
    def school_composition(self) -> np.ndarray:
        """The indicator share parents expect of each school: that of its neighbourhood."""
        return self.hood_share[self.school_hood]

    def choices_of(self, i: int) -> list[str]:
        """The school ids on child ``i``'s list, in order."""
        ptr = self.choice_ptr
        return [self.school_ids[s] for s in self.choices[ptr[i] : ptr[i + 1]].tolist()]

    def summary(self) -> dict[str, Any]:
        """The key figures (what ``samen city`` prints)."""
        n = self.n_children
        lengths = np.diff(self.choice_ptr)
        groups = np.bincount(self.priority_group, minlength=len(PRIORITY_GROUPS))
        share = self.hood_share
        return {
            "name": self.config.name,
            "seed": self.seed,
            "inhabitants": self.config.inhabitants,
            "children": n,
            "indicator_share": float(self.indicator.mean()) if n else 0.0,
            "neighbourhoods": len(self.hood_ids),
            "neighbourhood_share_min": float(share.min()),
            "neighbourhood_share_max": float(share.max()),
            "schools": len(self.school_ids),
            "seats": int(self.capacity.sum()),
            "mean_list_length": float(lengths.mean()) if n else 0.0,
            "sibling": int(groups[0]),
            "staff": int(groups[1]),
            "twin_pairs": len({f for f in self.family if f}),
            "pledge_groups": len(self.group_ids),
            "pledge_members": int(np.count_nonzero(self.pledge >= 0)),
            "distance_schools": int(np.count_nonzero(self.distance_school)),
            "indicator_seat_share": (
                float(self.indicator_seat_share) if self.indicator_seat_share is not None else None
            ),
        }


def _share(pool: PoolSpec) -> Fraction:
    return to_fraction(pool.share if pool.share is not None else 0)


def _apportion(weights: np.ndarray, total: int) -> np.ndarray:
    """``total`` split in whole numbers in proportion to ``weights`` (largest remainder; ties
    to the earlier)."""
    w = np.asarray(weights, dtype=np.float64)
    quota = w / w.sum() * total
    base = np.floor(quota).astype(np.int64)
    left = int(total - base.sum())
    if left > 0:
        order = np.argsort(-(quota - base), kind="stable")
        base[order[:left]] += 1
    return base


def _letters(k: int) -> str:
    """A, B, ..., Z, AA, AB, ... for k = 0, 1, ..."""
    out = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        out = chr(65 + r) + out
    return out


def _put_first(top: np.ndarray, lengths: np.ndarray, rows: np.ndarray, target: np.ndarray) -> None:
    """Move (or insert) school ``target[j]`` to the front of the list of child ``rows[j]``,
    in place; the list keeps its length (an inserted school pushes the last one off)."""
    if rows.size == 0:
        return
    old = top[rows]
    ln = lengths[rows]
    kmax = old.shape[1]
    cols = np.arange(kmax)
    hit = (old == target[:, None]) & (cols[None, :] < ln[:, None])
    pos = np.where(hit.any(axis=1), hit.argmax(axis=1), ln - 1)
    new = old.copy()
    shift = cols[None, 1:] <= pos[:, None]
    new[:, 1:] = np.where(shift, old[:, :-1], old[:, 1:])
    new[:, 0] = target
    top[rows] = new


def _rng(seed: int, stage: int) -> np.random.Generator:
    """One random stream per stage, so changing (say) the twins does not move the homes."""
    return np.random.default_rng([seed, stage])


def generate_city(config: CityConfig = MECHELEN, seed: int = 1) -> City:
    """Generate a synthetic city from ``config`` (see the module docstring for the model).

    Deterministic: the same config and seed give the same city (and :func:`write_city` the
    same bytes). Preferences follow McFadden's conditional logit with Gumbel noise; lists are
    each child's top ``k`` schools by utility. The rules are the Flemish double contingency
    unless ``config.rules.double_contingency`` is false. Raises :class:`ConfigError` for an
    impossible config and :class:`ValueError` for a negative seed.
    """
    if seed < 0:
        raise ValueError(f"the seed must be 0 or more, not {seed}")
    problems = validate_config(config)
    if problems:
        raise ConfigError([Problem("config", None, k or None, m, keyed=True) for k, m in problems])
    g, sc, pr = config.geography, config.schools, config.preferences
    fa, ru, pl = config.families, config.rules, config.pledges
    n, m, K = config.children, sc.count, g.neighbourhoods
    R = g.radius_m
    origin = np.array([g.origin_x, g.origin_y])
    spacing = R * math.sqrt(math.pi / K)

    # ---- neighbourhoods: a sunflower spiral in the disc, deprivation peaking at a ring
    rng = _rng(seed, 0)
    k = np.arange(K)
    radius = R * np.sqrt(k / K)
    angle = k * _GOLDEN_ANGLE + rng.uniform(0.0, 2.0 * math.pi)
    local = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    local[1:] += rng.normal(size=(K - 1, 2)) * 0.15 * spacing
    rel = np.hypot(local[:, 0], local[:, 1]) / R
    score = -np.abs(rel - g.deprivation_peak) + g.deprivation_noise * rng.normal(size=K)
    rank = np.empty(K, dtype=np.int64)
    rank[np.argsort(-score, kind="stable")] = k
    lo, hi = g.indicator_share_min, g.indicator_share_max
    target_share = hi - (hi - lo) * rank / (K - 1) if K > 1 else np.full(K, (lo + hi) / 2)
    weight = np.exp(g.size_sd * rng.normal(size=K)) * (
        1.0 + g.density_gradient * (1.0 - np.clip(rel, 0.0, 1.0))
    )
    hood_children = 1 + _apportion(weight, n - K)
    width = len(str(K))
    hood_ids = [f"N{j + 1:0{max(width, 2)}d}" for j in range(K)]
    hood_names = [f"{g.label} {j + 1:0{max(width, 2)}d}" for j in range(K)]

    # ---- children: homes around their neighbourhood centre, exact indicator counts
    rng = _rng(seed, 1)
    hood = rng.permutation(np.repeat(k, hood_children))  # registration order, not address
    local_xy = local[hood] + rng.normal(size=(n, 2)) * g.spread * spacing
    xy_abs = np.rint(origin + local_xy).astype(np.int64)
    hood_indicator = np.floor(target_share * hood_children + 0.5).astype(np.int64)
    by_hood = np.lexsort((rng.random(n), hood))
    start = np.concatenate(([0], np.cumsum(hood_children)[:-1]))
    position = np.arange(n) - start[hood[by_hood]]
    indicator = np.zeros(n, dtype=bool)
    indicator[by_hood] = position < hood_indicator[hood[by_hood]]
    avoiding = ~indicator & (rng.random(n) < pr.avoiding_share)

    # ---- schools: in neighbourhoods by their children, quality with a central bonus
    rng = _rng(seed, 2)
    per_hood = _apportion(hood_children.astype(np.float64), m)
    school_hood = np.repeat(k, per_hood)
    s_local = local[school_hood] + rng.normal(size=(m, 2)) * 0.5 * g.spread * spacing
    school_xy = np.rint(origin + s_local).astype(np.int64)
    centre_dist = np.hypot(s_local[:, 0], s_local[:, 1])
    quality = sc.quality_sd * rng.normal(size=m) + sc.central_bonus * np.exp(
        -((centre_dist / (sc.central_radius * R)) ** 2)
    )
    demand = hood_children[school_hood] / per_hood[school_hood]
    total_seats = round(sc.seat_ratio * n)
    cap_weight = demand * np.exp(sc.capacity_sd * rng.normal(size=m))
    floor = min(sc.min_capacity, total_seats // m)  # a soft floor: small cities get smaller
    capacity = floor + _apportion(cap_weight, total_seats - floor * m)
    n_distance = round(sc.distance_pool_share * m)
    distance_school = np.zeros(m, dtype=bool)
    distance_school[rng.choice(m, size=n_distance, replace=False)] = True
    swidth = max(len(str(m)), 2)
    school_ids = [f"S{j + 1:0{swidth}d}" for j in range(m)]
    school_names = []
    for j in range(m):
        h = int(school_hood[j])
        name = f"{sc.label} {hood_names[h]}"
        if per_hood[h] > 1:
            name += f" {_letters(j - int(np.searchsorted(school_hood, h)))}"
        school_names.append(name)

    # ---- preferences: conditional logit, each child's top k schools
    rng = _rng(seed, 3)
    lengths_rng = _rng(seed, 4)
    weights = np.asarray(pr.list_length_weights, dtype=np.float64)
    lengths = lengths_rng.choice(
        np.asarray(pr.list_lengths, dtype=np.int64), size=n, p=weights / weights.sum()
    )
    kmax = int(max(pr.list_lengths))
    hood_share = hood_indicator / hood_children
    composition = hood_share[school_hood]
    base_u = pr.b_quality * quality
    comp_u = pr.b_composition * composition
    per_m = np.where(indicator, pr.b_distance_indicator, pr.b_distance) / 1000.0
    sx, sy = s_local[:, 0], s_local[:, 1]
    home = xy_abs - origin  # the rounded homes, as written
    top = np.empty((n, kmax), dtype=np.int64)
    rows = max(1, CHUNK_CELLS // m)
    for a in range(0, n, rows):
        b = min(a + rows, n)
        # cost = -utility. Standard Gumbel noise is -log of a standard exponential (faster
        # than rng.gumbel), so the noise part of the cost is log(E).
        cost = rng.standard_exponential(size=(b - a, m))
        np.log(cost, out=cost)
        cost -= base_u[None, :]
        dx = home[a:b, 0, None] - sx[None, :]
        dy = home[a:b, 1, None] - sy[None, :]
        dx *= dx
        dy *= dy
        dx += dy
        np.sqrt(dx, out=dx)  # metres
        dx *= per_m[a:b, None]
        cost += dx
        np.add(cost, comp_u[None, :], out=cost, where=avoiding[a:b, None])
        if kmax < m:
            part = np.argpartition(cost, kmax - 1, axis=1)[:, :kmax]
            vals = np.take_along_axis(cost, part, axis=1)
            top[a:b] = np.take_along_axis(part, np.argsort(vals, axis=1, kind="stable"), axis=1)
        else:
            top[a:b] = np.argsort(cost, axis=1, kind="stable")

    # ---- twins: pairs of children in the same neighbourhood with the same type
    rng = _rng(seed, 5)
    n_pairs = round(fa.twin_share * n / 2)
    cell = hood * 4 + indicator * 2 + avoiding
    order = np.lexsort((rng.random(n), cell))
    first, second = order[0 : n - 1 : 2], order[1:n:2]
    same = cell[first] == cell[second]
    cand_a, cand_b = first[same], second[same]
    pick = np.sort(rng.choice(cand_a.size, size=min(n_pairs, cand_a.size), replace=False))
    lead = np.minimum(cand_a[pick], cand_b[pick])
    partner = np.maximum(cand_a[pick], cand_b[pick])
    by_lead = np.argsort(lead, kind="stable")
    lead, partner = lead[by_lead], partner[by_lead]
    xy_abs[partner] = xy_abs[lead]
    lengths[partner] = lengths[lead]
    top[partner] = top[lead]
    unit = np.arange(n)
    unit[partner] = lead
    family = [""] * n
    fwidth = max(len(str(len(lead))), 3)
    for j, (x, y) in enumerate(zip(lead.tolist(), partner.tolist(), strict=True)):
        family[x] = family[y] = f"F{j + 1:0{fwidth}d}"

    # ---- siblings and staff children (decided per family: twins alike)
    rng = _rng(seed, 6)
    has_sibling = (rng.random(n) < fa.sibling_share)[unit]
    at_first = (rng.random(n) < fa.sibling_first_choice)[unit]
    other_rank = 1 + np.floor(rng.random(n) * np.maximum(lengths - 1, 1)).astype(np.int64)
    sib_rank = np.where(at_first | (lengths == 1), 0, np.minimum(other_rank, lengths - 1))[unit]
    sibling_school = top[np.arange(n), sib_rank]
    is_staff = (rng.random(n) < fa.staff_share)[unit] & ~has_sibling
    staff_p = capacity / capacity.sum() if capacity.sum() > 0 else None
    staff_school = rng.choice(m, size=n, p=staff_p)[unit]
    staff_rows = np.flatnonzero(is_staff)
    _put_first(top, lengths, staff_rows, staff_school[staff_rows])

    # ---- pledge groups: majority families choosing their neighbourhood school together
    rng = _rng(seed, 7)
    pledge = np.full(n, -1, dtype=np.int64)
    group_ids: list[str] = []
    group_target: list[int] = []
    group_hood: list[int] = []
    if pl.uptake > 0:
        join = (rng.random(n) < pl.uptake)[unit]
        eligible = ~indicator & ~has_sibling & ~is_staff & join
        for h in range(K):
            schools_here = np.flatnonzero(school_hood == h)
            if schools_here.size == 0 or hood_share[h] < pl.min_indicator_share:
                continue
            # the neighbourhood school majority families avoid most: its least popular one
            target = int(schools_here[np.argmin(quality[schools_here])])
            members = np.flatnonzero(eligible & (hood == h))
            if members.size < pl.threshold:
                continue
            pledge[members] = len(group_ids)
            group_ids.append(f"samen-{hood_ids[h]}")
            group_target.append(target)
            group_hood.append(h)
            _put_first(top, lengths, members, np.full(members.size, target))

    # ---- the lists, the priorities
    mask = np.arange(kmax)[None, :] < lengths[:, None]
    choices = top[mask].astype(np.int32)
    choice_ptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    sib_rows = np.flatnonzero(has_sibling)
    prio_app = np.concatenate([sib_rows, staff_rows])
    prio_school = np.concatenate([sibling_school[sib_rows], staff_school[staff_rows]])
    prio_group = np.concatenate(
        [np.zeros(sib_rows.size, np.int8), np.ones(staff_rows.size, np.int8)]
    )
    o = np.argsort(prio_app, kind="stable")
    prio_app, prio_school, prio_group = prio_app[o], prio_school[o], prio_group[o]

    # ---- seat pools
    q: Fraction | None = None
    d_share = Fraction(repr(sc.distance_seat_share))
    if ru.double_contingency:
        if ru.indicator_seat_share is None:
            q = Fraction(round(100 * float(indicator.mean())), 100)
        else:
            q = Fraction(repr(ru.indicator_seat_share))
        default_pools = [
            PoolSpec("other", share=1 - q, favours="not:indicator", order_by="lottery"),
            PoolSpec("indicator", share=q, favours="indicator", order_by="lottery"),
        ]
        distance_pools = [
            PoolSpec(
                "other-distance",
                share=(1 - q) * d_share,
                favours="not:indicator",
                order_by="distance",
            ),
            PoolSpec(
                "other-lottery",
                share=(1 - q) * (1 - d_share),
                favours="not:indicator",
                order_by="lottery",
            ),
            PoolSpec(
                "indicator-distance", share=q * d_share, favours="indicator", order_by="distance"
            ),
            PoolSpec(
                "indicator-lottery",
                share=q * (1 - d_share),
                favours="indicator",
                order_by="lottery",
            ),
        ]
    else:
        default_pools = [PoolSpec("all", share=Fraction(1), favours="", order_by="lottery")]
        distance_pools = [
            PoolSpec("distance", share=d_share, favours="", order_by="distance"),
            PoolSpec("lottery", share=1 - d_share, favours="", order_by="lottery"),
        ]
    default_pools = [p for p in default_pools if _share(p) > 0] or default_pools[:1]
    distance_pools = [p for p in distance_pools if _share(p) > 0] or distance_pools[:1]

    awidth = max(len(str(n)), 4)
    return City(
        config=config,
        seed=seed,
        round_name=ru.round_name or f"{config.name}, synthetic round (seed {seed})",
        lottery_seed=ru.lottery_seed or f"{config.name} - samen city seed {seed}",
        hood_ids=hood_ids,
        hood_names=hood_names,
        hood_xy=np.rint(origin + local).astype(np.int64),
        hood_children=hood_children,
        hood_indicator=hood_indicator,
        school_ids=school_ids,
        school_names=school_names,
        school_xy=school_xy,
        school_hood=school_hood,
        capacity=capacity.astype(np.int64),
        quality=quality,
        applicant_ids=[f"C{i + 1:0{awidth}d}" for i in range(n)],
        xy=xy_abs,
        hood=hood,
        indicator=indicator,
        avoiding=avoiding,
        choice_ptr=choice_ptr,
        choices=choices,
        family=family,
        priority_applicant=prio_app,
        priority_school=prio_school,
        priority_group=prio_group,
        pledge=pledge,
        group_ids=group_ids,
        group_target=np.array(group_target, dtype=np.int64),
        group_hood=np.array(group_hood, dtype=np.int64),
        group_threshold=pl.threshold,
        default_pools=default_pools,
        distance_pools=distance_pools,
        distance_school=distance_school,
        indicator_seat_share=q,
    )


# --------------------------------------------------------------------------- writing


def city_settings(city: City) -> Settings:
    """round.toml of the city: its rules (the Flemish double contingency, or one pool)."""
    cfg = city.config
    return Settings(
        name=city.round_name,
        seed=city.lottery_seed,
        mechanism=cfg.rules.mechanism,
        tie_breaking=cfg.rules.tie_breaking,
        priority_groups=PRIORITY_GROUPS,
        distance="euclidean",
        default_pools=tuple(city.default_pools),
    )


def _notes(city: City) -> list[str]:
    notes: list[str] = []
    if city.indicator_seat_share is not None:
        pct = fraction_text(city.indicator_seat_share * 100)
        notes += [
            f"Flemish double contingency: {pct}% of each school's seats favour indicator pupils.",
            "The indicator pool comes last, so children with sibling or staff priority fill the",
            "other pool first and do not use up the indicator seats.",
        ]
    if city.distance_school.any():
        notes.append("Schools listed in seats.csv order most of their seats by distance.")
    return notes


def city_tables(city: City, neighbourhood_column: bool = True) -> dict[str, Rows]:
    """The round's tables (see :func:`city_files`)."""
    sid = city.school_ids
    tables: dict[str, Rows] = {
        "schools": (
            ["school_id", "name", "capacity", "x", "y", "neighbourhood", "quality"],
            zip(
                sid,
                city.school_names,
                city.capacity.tolist(),
                city.school_xy[:, 0].tolist(),
                city.school_xy[:, 1].tolist(),
                [city.hood_ids[h] for h in city.school_hood.tolist()],
                [f"{v + 0.0:.3f}" for v in np.round(city.quality, 3).tolist()],
                strict=True,
            ),
        )
    }
    has_pledges = bool(city.group_ids)
    header = ["applicant_id", "choices", "x", "y", "indicator", "family"]
    header += ["pledge"] if has_pledges else []
    header += ["neighbourhood"] if neighbourhood_column else []
    ptr = city.choice_ptr.tolist()
    ch = city.choices.tolist()
    ind = city.indicator.astype(np.int8).tolist()
    hood = city.hood.tolist()
    pledge = city.pledge.tolist()
    rows: list[list[object]] = []
    for i, (aid, (x, y)) in enumerate(zip(city.applicant_ids, city.xy.tolist(), strict=True)):
        row: list[object] = [aid, [sid[s] for s in ch[ptr[i] : ptr[i + 1]]], x, y, ind[i]]
        row.append(city.family[i])
        if has_pledges:
            row.append(city.group_ids[pledge[i]] if pledge[i] >= 0 else "")
        if neighbourhood_column:
            row.append(city.hood_ids[hood[i]])
        rows.append(row)
    tables["applicants"] = (header, rows)
    tables["priorities"] = (
        ["applicant_id", "school_id", "group"],
        zip(
            [city.applicant_ids[a] for a in city.priority_applicant.tolist()],
            [sid[s] for s in city.priority_school.tolist()],
            [PRIORITY_GROUPS[g] for g in city.priority_group.tolist()],
            strict=True,
        ),
    )
    if city.distance_school.any():
        tables["seats"] = (
            ["school_id", "pool", "share", "favours", "order_by"],
            [
                [sid[s], p.name, _share(p), p.favours, p.order_by]
                for s in np.flatnonzero(city.distance_school).tolist()
                for p in city.distance_pools
            ],
        )
    if has_pledges:
        tables["groups"] = (
            ["group_id", "target", "threshold"],
            [
                [g, sid[t], city.group_threshold]
                for g, t in zip(city.group_ids, city.group_target.tolist(), strict=True)
            ],
        )
    return tables


def city_files(city: City, neighbourhood_column: bool = True) -> dict[str, bytes]:
    """The round folder's files, by name, as the bytes to write.

    ``round.toml``, ``schools.csv`` (with the extra columns ``neighbourhood`` and
    ``quality``), ``applicants.csv``, ``priorities.csv``, ``neighbourhoods.csv`` (one row per
    neighbourhood; ``samen allocate`` ignores the file), ``seats.csv`` when some schools order
    by distance and ``groups.csv`` when there are pledge groups. ``neighbourhood_column``: write
    the child's neighbourhood as a column of applicants.csv. Written by
    :func:`samen.io.round.render_round`, the one writer of round folders.
    """
    hoods = render_table(
        ["neighbourhood_id", "name", "x", "y", "children", "indicator_children", "indicator_share"],
        zip(
            city.hood_ids,
            city.hood_names,
            city.hood_xy[:, 0].tolist(),
            city.hood_xy[:, 1].tolist(),
            city.hood_children.tolist(),
            city.hood_indicator.tolist(),
            [f"{s:.3f}" for s in city.hood_share.tolist()],
            strict=True,
        ),
    )
    return render_round(
        city_settings(city),
        city_tables(city, neighbourhood_column),
        header=[
            f"{city.config.name}, made by samen city with seed {city.seed}: the city, its schools "
            "and",
            "its children are invented; only the rules are real.",
        ],
        notes=_notes(city),
        extra={"neighbourhoods.csv": hoods},
    )


def write_city(
    city: City, folder: str | Path, *, force: bool = False, neighbourhood_column: bool = True
) -> Path:
    """Write ``city`` as the round folder ``folder``, all or nothing
    (:func:`samen.io.round.write_round`): a folder with files is replaced only with
    ``force=True``, and only when it is a round folder. Returns the folder's path."""
    return write_round(folder, city_files(city, neighbourhood_column), replace=force)


__all__ = [
    "ANTWERP",
    "MECHELEN",
    "NYC",
    "PRESETS",
    "PRIORITY_GROUPS",
    "City",
    "CityConfig",
    "ConfigError",
    "FamiliesConfig",
    "FolderNotEmptyError",
    "GeographyConfig",
    "PledgesConfig",
    "PreferencesConfig",
    "RulesConfig",
    "SchoolsConfig",
    "city_files",
    "city_settings",
    "city_tables",
    "config_from_dict",
    "config_toml",
    "generate_city",
    "load_config",
    "validate_config",
    "write_city",
]
