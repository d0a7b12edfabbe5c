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
* **Housing**: the city's households, its social rental homes (more of them in the poorer
  neighbourhoods) with their tenants, and the waiting list (:mod:`samen.analytics.city.housing`),
  for ``samen housing simulate``.
* **Pledge groups** (optional): majority families of a neighbourhood who choose their
  neighbourhood school together, as in Mechelen's "school choice together" initiatives that
  helped mix its schools; the school goes first on their lists (spec section 7).

:func:`generate_city` builds a :class:`City` (arrays), :func:`write_city` writes it as a round
folder, atomically. Same config and seed give the same bytes.
"""

from __future__ import annotations

from samen.analytics.city.config import (
    ANTWERP,
    MECHELEN,
    NYC,
    PRESETS,
    CityConfig,
    ConfigError,
    FamiliesConfig,
    GeographyConfig,
    PledgesConfig,
    PreferencesConfig,
    RulesConfig,
    SchoolsConfig,
    config_from_dict,
    config_toml,
    load_config,
    validate_config,
)
from samen.analytics.city.files import city_files, city_settings, city_tables, write_city
from samen.analytics.city.housing import Housing, HousingConfig, generate_housing
from samen.analytics.city.model import PRIORITY_GROUPS, City, generate_city
from samen.io.round import FolderNotEmptyError

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
    "Housing",
    "HousingConfig",
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
    "generate_housing",
    "load_config",
    "validate_config",
    "write_city",
]
