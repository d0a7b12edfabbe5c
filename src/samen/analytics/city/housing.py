"""The social housing of a synthetic city: its homes, the households in them and the waiting
list (``docs/city.md``, "Housing").

A synthetic city (:func:`samen.analytics.city.generate_city`) has neighbourhoods that differ in
their share of indicator pupils; :func:`generate_housing` gives the same city its households
and its social rental homes, correlated with that share (the indicator share of a
neighbourhood's children is its *deprivation* ``d``, from 0 to 1):

* **Households**: ``inhabitants / household_size``, divided among the neighbourhoods in
  proportion to their children (largest remainder).
* **Social homes**: a share ``social_share`` of all homes. Neighbourhood ``h`` gets the share
  ``min(max_neighbourhood_share, c * exp(concentration * d_h))`` of its homes, with ``c`` such
  that the shares add up to the city's (then whole homes by the largest remainder): social
  housing sits where the poorer neighbourhoods are, as in Flemish and Dutch cities. Homes are
  grouped in projects (about ``project_size`` homes, uneven), each placed around the
  neighbourhood centre; a home has 1 to 4 rooms (``room_weights``) and a rent band ``A``
  (cheapest) to ``D`` that tends to grow with its rooms.
* **Income bands** ``1`` (lowest) to ``4`` are the quarters of the city's household incomes.
  A household's income is a latent score ``mu + logistic noise`` with ``mu`` = 0 for private
  households, ``tenant_income`` for social tenants and ``candidate_income`` for households on
  the waiting list, minus ``income_deprivation * (d_h - d_city)`` where it lives; the band
  limits are the quartiles of the city's scores (private households and tenants), computed
  exactly. Candidates above the social-housing income limit (band 4) cannot register: their
  score is drawn below it.
* **Flags** (0/1): ``young_family`` (a young household with children), ``urgent`` (urgent
  housing need), ``local_tie`` (lived in the city 5 of the last 10 years: Flemish standard
  allocation), ``work_income`` (income from work: ``work_income`` by income band).
* **Tenants**: every social home has one household, its size fitting the rooms (a table by
  rooms); **the waiting list**: ``waiting_ratio`` households per social home, registered a
  while ago (exponential, mean ``mean_wait_years``), living in the city (``outside_share``
  outside it) where private households are, more so in poorer neighbourhoods.

Everything is drawn from its own random streams, so the school part of the city is exactly
as before, and the same config and seed give the same homes and households.
:func:`candidates` draws new registrations by the same model (the simulation of
``samen housing simulate`` uses it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from samen.analytics.city.model import City

#: income bands, lowest first: the quarters of the city's household incomes
INCOME_BANDS: tuple[str, ...] = ("1", "2", "3", "4")
#: rent bands of social homes, cheapest first
RENT_BANDS: tuple[str, ...] = ("A", "B", "C", "D")
#: the households' 0/1 flags, in the order of the arrays and the files
FLAGS: tuple[str, ...] = ("young_family", "urgent", "local_tie", "work_income")
#: a household's status in households.csv
TENANT, WAITING = "tenant", "waiting"
#: household sizes 1..6 (6 = six or more); sizes of candidates without and with young children
SIZES = np.arange(1, 7)
CANDIDATE_SIZES = (0.5, 0.22, 0.12, 0.09, 0.05, 0.02)
YOUNG_SIZES = (0.0, 0.12, 0.35, 0.32, 0.14, 0.07)
#: sizes of sitting tenants by the rooms of their home (1 to 4)
TENANT_SIZES = (
    (0.8, 0.2, 0.0, 0.0, 0.0, 0.0),
    (0.45, 0.35, 0.15, 0.05, 0.0, 0.0),
    (0.2, 0.25, 0.25, 0.2, 0.08, 0.02),
    (0.05, 0.1, 0.2, 0.3, 0.23, 0.12),
)
#: spread (sd, metres) of homes around their project's centre
PROJECT_SPREAD_M = 25.0
#: the files of the housing part (besides the round's), by name
HOUSING_FILES: tuple[str, ...] = ("dwellings.csv", "households.csv", "homes.csv")
_DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class HousingConfig:
    """The social housing of a synthetic city (``[housing]`` of a city config)."""

    #: persons per household: the city has ``inhabitants / household_size`` households
    household_size: float = 2.3
    #: share of the city's homes that are social rental homes; 0 = no housing part
    social_share: float = 0.09
    #: how much more social housing a poorer neighbourhood has: exp(concentration x d)
    concentration: float = 4.0
    #: the largest share of a neighbourhood's homes that are social
    max_neighbourhood_share: float = 0.5
    #: homes per housing project, on average
    project_size: int = 40
    #: share of social homes with 1, 2, 3 and 4 rooms (weights, normalised)
    room_weights: tuple[float, ...] = (0.25, 0.35, 0.3, 0.1)
    #: households on the waiting list per social home
    waiting_ratio: float = 1.0
    #: mean time on the waiting list so far, years (exponential)
    mean_wait_years: float = 3.0
    #: share of the waiting list that lives outside the city
    outside_share: float = 0.2
    #: income score of social tenants and of candidates, against private households (logistic
    #: units: -2 puts the average tenant around the 12th percentile of the city)
    tenant_income: float = -2.2
    candidate_income: float = -1.8
    #: income score lost per unit of a neighbourhood's indicator share (the city's mean = 0)
    income_deprivation: float = 3.0
    #: share of young families among candidates, sitting tenants and private households
    young_family_share: float = 0.2
    tenant_young_family_share: float = 0.08
    private_young_family_share: float = 0.12
    #: share of candidates in urgent need
    urgent_share: float = 0.12
    #: share of candidates with a local tie, among those living in the city and outside it
    local_tie_share: float = 0.85
    outside_local_tie_share: float = 0.1
    #: share with income from work, by income band (1 to 4)
    work_income: tuple[float, ...] = (0.25, 0.55, 0.8, 0.9)
    #: the waiting list is as of 1 January of this year (registration dates are day numbers)
    year: int = 2027


_Need = Callable[[bool, str, str], None]
_Share = Callable[[str, float], None]


def check_housing(config: HousingConfig, need: _Need, share: _Share) -> None:
    """The housing keys of a city config (``need(ok, key, message)`` collects problems)."""
    h = config
    need(
        h.household_size >= 1,
        "housing.household_size",
        f"'housing.household_size' is {h.household_size:g}; a household has 1 person or more",
    )
    for key in (
        "social_share",
        "max_neighbourhood_share",
        "outside_share",
        "young_family_share",
        "tenant_young_family_share",
        "private_young_family_share",
        "urgent_share",
        "local_tie_share",
        "outside_local_tie_share",
    ):
        share(f"housing.{key}", getattr(h, key))
    need(
        h.social_share <= h.max_neighbourhood_share,
        "housing.social_share",
        f"'housing.social_share' ({h.social_share:g}) is more than "
        f"'housing.max_neighbourhood_share' ({h.max_neighbourhood_share:g}); no neighbourhood "
        "could hold that many social homes",
    )
    need(h.project_size >= 1, "housing.project_size", "'housing.project_size' must be 1 or more")
    need(
        len(h.room_weights) == 4
        and all(w >= 0 for w in h.room_weights)
        and sum(h.room_weights) > 0,
        "housing.room_weights",
        "give four weights (homes with 1, 2, 3 and 4 rooms), 0 or more, at least one more than 0",
    )
    need(
        len(h.work_income) == len(INCOME_BANDS) and all(0 <= w <= 1 for w in h.work_income),
        "housing.work_income",
        "give four shares from 0 to 1 (income bands 1 to 4), like [0.25, 0.55, 0.8, 0.9]",
    )
    for key in ("waiting_ratio", "concentration", "income_deprivation"):
        value = getattr(h, key)
        need(value >= 0, f"housing.{key}", f"'housing.{key}' is {value:g}; it must be 0 or more")
    need(
        h.mean_wait_years > 0,
        "housing.mean_wait_years",
        f"'housing.mean_wait_years' is {h.mean_wait_years:g}; it must be more than 0",
    )
    need(
        1900 <= h.year <= 2200,
        "housing.year",
        f"'housing.year' is {h.year}; give a year such as 2027",
    )


# --------------------------------------------------------------------------- the housing


@dataclass(eq=False)
class Housing:
    """The social housing of a city: arrays indexed by neighbourhood (``0..K-1``, as the
    city's), dwelling (``0..D-1``) and household (``0..N-1``: the tenants first, in the order
    of their homes, then the waiting list)."""

    config: HousingConfig
    seed: int
    hood_ids: list[str]
    hood_names: list[str]
    hood_xy: np.ndarray  # int64[K, 2]
    deprivation: np.ndarray  # float64[K], the indicator share of the neighbourhood's children
    city_deprivation: float  # the city's indicator share
    hood_households: np.ndarray  # int64[K], all homes (one household each)
    hood_social: np.ndarray  # int64[K], social homes
    private_band: np.ndarray  # int64[K, 4], private households per income band
    private_young: np.ndarray  # int64[K], private households that are young families
    candidate_weight: np.ndarray  # float64[K], where candidates in the city live (sums to 1)
    cutoffs: np.ndarray  # float64[3], income score limits of the bands
    start_day: int  # day number of 1 January of ``config.year``
    # dwellings
    dwelling_ids: list[str]
    dwelling_hood: np.ndarray  # int64[D]
    project: np.ndarray  # int64[D]
    project_ids: list[str]
    rooms: np.ndarray  # int64[D], 1..4
    rent_band: np.ndarray  # int8[D], index into RENT_BANDS
    dwelling_xy: np.ndarray  # int64[D, 2], absolute metres
    # households
    household_ids: list[str]
    tenant: np.ndarray  # bool[N]: a tenant (else on the waiting list)
    dwelling: np.ndarray  # int64[N], the tenant's home, -1 = none
    registered: np.ndarray  # int64[N], day number of registration; -1 for tenants
    size: np.ndarray  # int64[N]
    band: np.ndarray  # int8[N], index into INCOME_BANDS
    flags: np.ndarray  # uint8[N, len(FLAGS)]
    hood: np.ndarray  # int64[N], where it lives, -1 = outside the city

    @property
    def n_dwellings(self) -> int:
        return len(self.dwelling_ids)

    @property
    def n_waiting(self) -> int:
        return int(np.count_nonzero(~self.tenant))

    def summary(self) -> dict[str, object]:
        """The key figures (what ``samen city`` prints about housing)."""
        homes = int(self.hood_households.sum())
        waiting = ~self.tenant
        return {
            "households": homes,
            "social_homes": self.n_dwellings,
            "social_share": self.n_dwellings / homes if homes else 0.0,
            "social_share_min": float((self.hood_social / self.hood_households).min()),
            "social_share_max": float((self.hood_social / self.hood_households).max()),
            "projects": len(self.project_ids),
            "waiting": int(waiting.sum()),
            "waiting_band_1": float((self.band[waiting] == 0).mean()) if waiting.any() else 0.0,
            "tenant_band_1": float((self.band[self.tenant] == 0).mean())
            if self.tenant.any()
            else 0.0,
        }


def _rng(seed: int, stage: int) -> np.random.Generator:
    """The housing's own random streams (the city's stages are 0 to 7)."""
    return np.random.default_rng([seed, 100 + stage])


def _apportion(weights: np.ndarray, total: int) -> np.ndarray:
    """``total`` in whole numbers in proportion to ``weights`` (largest remainder, ties to
    the earlier)."""
    w = np.asarray(weights, dtype=np.float64)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(len(w), dtype=np.int64)
    quota = w / w.sum() * total
    base = np.floor(quota).astype(np.int64)
    left = int(total - base.sum())
    if left > 0:
        order = np.argsort(-(quota - base), kind="stable")
        base[order[:left]] += 1
    return base


def _logistic_cdf(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def _social_shares(cfg: HousingConfig, homes: np.ndarray, dep: np.ndarray) -> np.ndarray:
    """Each neighbourhood's share of social homes: ``min(cap, c exp(concentration d))`` with
    ``c`` found by bisection so that the city's share is ``social_share``."""
    target = cfg.social_share * homes.sum()
    raw = np.exp(cfg.concentration * (dep - dep.max()))  # <= 1, no overflow
    cap = cfg.max_neighbourhood_share
    lo, hi = 0.0, cap / max(float(raw.min()), 1e-300)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if (np.minimum(cap, mid * raw) * homes).sum() < target:
            lo = mid
        else:
            hi = mid
    return np.minimum(cap, hi * raw)


def _cutoffs(
    weights: list[tuple[np.ndarray, np.ndarray]],
) -> np.ndarray:
    """The quartiles of a mixture of logistic distributions: ``weights`` is a list of
    (counts, means) per neighbourhood; returns the three band limits."""
    total = sum(float(c.sum()) for c, _ in weights)

    def cdf(x: float) -> float:
        return sum(float((c * _logistic_cdf(x - mu)).sum()) for c, mu in weights) / total

    out = []
    for q in (0.25, 0.5, 0.75):
        lo, hi = -50.0, 50.0
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            if cdf(mid) < q:
                lo = mid
            else:
                hi = mid
        out.append(0.5 * (lo + hi))
    return np.array(out)


def _bands(score: np.ndarray, cutoffs: np.ndarray) -> np.ndarray:
    return np.searchsorted(cutoffs, score).astype(np.int8)


def _logistic(rng: np.random.Generator, n: int, top: np.ndarray | None = None) -> np.ndarray:
    """Standard logistic noise; with ``top``, drawn below ``top`` (inverse of the CDF)."""
    u = rng.random(n)
    if top is not None:
        u = u * _logistic_cdf(top)
    u = np.clip(u, 1e-12, 1 - 1e-12)
    return np.log(u / (1.0 - u))


def income_mean(cfg: HousingConfig, base: float, dep: np.ndarray, city_dep: float) -> np.ndarray:
    """The mean income score of households of a group (``base``) living where the
    deprivation is ``dep`` (the city's mean where ``dep`` is NaN: outside the city)."""
    d = np.where(np.isnan(dep), city_dep, dep)
    return base - cfg.income_deprivation * (d - city_dep)


@dataclass(frozen=True)
class Candidates:
    """New households on the waiting list (see :func:`candidates`)."""

    size: np.ndarray  # int64[n]
    band: np.ndarray  # int8[n]
    flags: np.ndarray  # uint8[n, len(FLAGS)]
    hood: np.ndarray  # int64[n], -1 = outside the city


def candidates(
    cfg: HousingConfig,
    rng: np.random.Generator,
    n: int,
    deprivation: np.ndarray,
    city_deprivation: float,
    candidate_weight: np.ndarray,
    cutoffs: np.ndarray,
) -> Candidates:
    """``n`` households registering for social housing, by the model of the module
    docstring: where they live (``outside_share`` outside the city, else by
    ``candidate_weight``), their income band (below band 4, the income limit), flags and
    size."""
    K = len(deprivation)
    outside = rng.random(n) < cfg.outside_share
    hood = rng.choice(K, size=n, p=candidate_weight) if n else np.zeros(0, dtype=np.int64)
    hood = np.where(outside, -1, hood).astype(np.int64)
    dep = np.where(hood >= 0, deprivation[np.maximum(hood, 0)], np.nan)
    mu = income_mean(cfg, cfg.candidate_income, dep, city_deprivation)
    band = _bands(mu + _logistic(rng, n, top=cutoffs[-1] - mu), cutoffs)
    young = rng.random(n) < cfg.young_family_share
    flags = np.zeros((n, len(FLAGS)), dtype=np.uint8)
    flags[:, 0] = young
    flags[:, 1] = rng.random(n) < cfg.urgent_share
    tie = np.where(outside, cfg.outside_local_tie_share, cfg.local_tie_share)
    flags[:, 2] = rng.random(n) < tie
    flags[:, 3] = rng.random(n) < np.asarray(cfg.work_income)[band]
    size_any = rng.choice(SIZES, size=n, p=np.asarray(CANDIDATE_SIZES))
    size_young = rng.choice(SIZES, size=n, p=np.asarray(YOUNG_SIZES))
    size = np.where(young, size_young, size_any).astype(np.int64)
    return Candidates(size=size, band=band, flags=flags, hood=hood)


def _dwellings(
    city: City, cfg: HousingConfig, social: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray, np.ndarray, np.ndarray]:
    """The social homes: neighbourhood, project, rooms, rent band, place."""
    g = city.config.geography
    K = len(social)
    spacing = g.radius_m * math.sqrt(math.pi / K)
    hood = np.repeat(np.arange(K), social)
    project = np.empty(len(hood), dtype=np.int64)
    centres: list[np.ndarray] = []
    start = 0
    for h in range(K):
        k = int(social[h])
        if k == 0:
            continue
        n_proj = max(1, round(k / cfg.project_size))
        share = rng.gamma(1.0, size=n_proj)
        sizes = 1 + _apportion(share, k - n_proj) if k >= n_proj else np.ones(k, dtype=np.int64)
        first = len(centres)
        for _ in range(len(sizes)):
            offset = rng.normal(size=2) * g.spread * spacing * 0.8
            centres.append(city.hood_xy[h] + offset)
        project[start : start + k] = first + np.repeat(np.arange(len(sizes)), sizes)
        start += k
    centre = np.array(centres).reshape(-1, 2)
    xy = np.rint(centre[project] + rng.normal(size=(len(hood), 2)) * PROJECT_SPREAD_M)
    weights = np.asarray(cfg.room_weights, dtype=np.float64)
    rooms = 1 + rng.choice(4, size=len(hood), p=weights / weights.sum())
    rent = np.clip(np.rint(0.5 * (rooms - 1) + 0.8 * rng.normal(size=len(hood))), 0, 3)
    rent = rent.astype(np.int8)
    width = max(len(str(len(centres))), 3)
    project_ids = [f"P{j + 1:0{width}d}" for j in range(len(centres))]
    return hood, project, project_ids, rooms.astype(np.int64), rent, xy.astype(np.int64)


def generate_housing(city: City) -> Housing | None:
    """The social housing of ``city`` by its ``config.housing`` (the module docstring), or
    None when ``social_share`` is 0. Deterministic in the city's config and seed; the city
    itself is not changed."""
    cfg = city.config.housing
    if cfg.social_share <= 0:
        return None
    dep = city.hood_share.astype(np.float64)
    K = len(dep)
    city_dep = float(city.hood_indicator.sum() / max(int(city.hood_children.sum()), 1))
    n_homes = max(K, round(city.config.inhabitants / cfg.household_size))
    homes = 1 + _apportion(city.hood_children.astype(np.float64), n_homes - K)
    share = _social_shares(cfg, homes, dep)
    social = np.minimum(_apportion(homes * share, round(cfg.social_share * n_homes)), homes)
    private = homes - social
    mu_private = income_mean(cfg, 0.0, dep, city_dep)
    mu_tenant = income_mean(cfg, cfg.tenant_income, dep, city_dep)
    cutoffs = _cutoffs([(private.astype(float), mu_private), (social.astype(float), mu_tenant)])
    probs = np.diff(
        np.column_stack(
            [
                np.zeros(K),
                _logistic_cdf(cutoffs[None, :] - mu_private[:, None]),
                np.ones(K),
            ]
        ),
        axis=1,
    )
    private_band = np.array(
        [_apportion(probs[h], int(private[h])) for h in range(K)], dtype=np.int64
    ).reshape(K, len(INCOME_BANDS))
    private_young = np.rint(private * cfg.private_young_family_share).astype(np.int64)

    d_hood, project, project_ids, rooms, rent, d_xy = _dwellings(
        city, cfg, social, _rng(city.seed, 0)
    )
    n_d = len(d_hood)

    # the tenants: one per home, sized to its rooms
    rng = _rng(city.seed, 1)
    mu = mu_tenant[d_hood]
    t_band = _bands(mu + _logistic(rng, n_d), cutoffs)
    t_size = np.empty(n_d, dtype=np.int64)
    for r in range(1, 5):
        at = np.flatnonzero(rooms == r)
        t_size[at] = rng.choice(SIZES, size=at.size, p=np.asarray(TENANT_SIZES[r - 1]))
    t_flags = np.zeros((n_d, len(FLAGS)), dtype=np.uint8)
    t_flags[:, 0] = (rng.random(n_d) < cfg.tenant_young_family_share) & (t_size >= 2)
    t_flags[:, 2] = 1
    t_flags[:, 3] = rng.random(n_d) < np.asarray(cfg.work_income)[t_band]

    # the waiting list
    weight = private * np.exp(cfg.concentration * (dep - dep.max()))
    weight = weight / weight.sum() if weight.sum() > 0 else np.full(K, 1.0 / K)
    n_w = round(cfg.waiting_ratio * n_d)
    rng = _rng(city.seed, 2)
    c = candidates(cfg, rng, n_w, dep, city_dep, weight, cutoffs)
    start_day = _day_number(cfg.year)
    waited = rng.exponential(cfg.mean_wait_years * _DAYS_PER_YEAR, size=n_w)
    registered = start_day - 1 - np.floor(waited).astype(np.int64)
    order = np.argsort(registered, kind="stable")  # the list in registration order

    n = n_d + n_w
    width = max(len(str(n)), 5)
    dwidth = max(len(str(n_d)), 4)
    return Housing(
        config=cfg,
        seed=city.seed,
        hood_ids=list(city.hood_ids),
        hood_names=list(city.hood_names),
        hood_xy=city.hood_xy,
        deprivation=dep,
        city_deprivation=city_dep,
        hood_households=homes,
        hood_social=social,
        private_band=private_band,
        private_young=private_young,
        candidate_weight=weight,
        cutoffs=cutoffs,
        start_day=start_day,
        dwelling_ids=[f"D{j + 1:0{dwidth}d}" for j in range(n_d)],
        dwelling_hood=d_hood,
        project=project,
        project_ids=project_ids,
        rooms=rooms,
        rent_band=rent,
        dwelling_xy=d_xy,
        household_ids=[f"H{j + 1:0{width}d}" for j in range(n)],
        tenant=np.concatenate([np.ones(n_d, dtype=bool), np.zeros(n_w, dtype=bool)]),
        dwelling=np.concatenate([np.arange(n_d), np.full(n_w, -1)]).astype(np.int64),
        registered=np.concatenate([np.full(n_d, -1), registered[order]]).astype(np.int64),
        size=np.concatenate([t_size, c.size[order]]),
        band=np.concatenate([t_band, c.band[order]]).astype(np.int8),
        flags=np.concatenate([t_flags, c.flags[order]]),
        hood=np.concatenate([d_hood, c.hood[order]]).astype(np.int64),
    )


def _date_text(day: int) -> str:
    """A day number as the housing rounds write a date: ``2024-03-15``."""
    import datetime as dt

    return (dt.date(1970, 1, 1) + dt.timedelta(days=day)).isoformat()


def _day_number(year: int) -> int:
    """Days from 1 January 1970 to 1 January of ``year`` (the housing rounds' day numbers)."""
    import datetime as dt

    return (dt.date(year, 1, 1) - dt.date(1970, 1, 1)).days


# --------------------------------------------------------------------------- files


def housing_files(housing: Housing) -> dict[str, bytes]:
    """``dwellings.csv`` (the social homes), ``households.csv`` (the tenants and the waiting
    list) and ``homes.csv`` (per neighbourhood: its homes, social homes and the private
    households by income band), as the bytes to write. They are not round tables: ``samen
    allocate`` ignores them."""
    from samen.io.round import render_table

    h = housing
    dwellings = render_table(
        ["dwelling_id", "neighbourhood", "project", "rooms", "rent_band", "label", "x", "y"],
        zip(
            h.dwelling_ids,
            [h.hood_ids[k] for k in h.dwelling_hood.tolist()],
            [h.project_ids[p] for p in h.project.tolist()],
            h.rooms.tolist(),
            [RENT_BANDS[b] for b in h.rent_band.tolist()],
            ["standard"] * h.n_dwellings,
            h.dwelling_xy[:, 0].tolist(),
            h.dwelling_xy[:, 1].tolist(),
            strict=True,
        ),
    )
    flags = h.flags.tolist()
    rows = []
    for i, hid in enumerate(h.household_ids):
        d = int(h.dwelling[i])
        k = int(h.hood[i])
        rows.append(
            [
                hid,
                TENANT if h.tenant[i] else WAITING,
                h.dwelling_ids[d] if d >= 0 else "",
                _date_text(int(h.registered[i])) if h.registered[i] >= 0 else "",
                int(h.size[i]),
                INCOME_BANDS[h.band[i]],
                *flags[i],
                h.hood_ids[k] if k >= 0 else "",
            ]
        )
    households = render_table(
        [
            "household_id",
            "status",
            "dwelling",
            "registered",
            "size",
            "income_band",
            *FLAGS,
            "neighbourhood",
        ],
        rows,
    )
    homes = render_table(
        [
            "neighbourhood_id",
            "homes",
            "social_homes",
            "private_homes",
            *(f"private_income_{b}" for b in INCOME_BANDS),
            "private_young_family",
        ],
        (
            [
                hid,
                int(h.hood_households[k]),
                int(h.hood_social[k]),
                int(h.hood_households[k] - h.hood_social[k]),
                *h.private_band[k].tolist(),
                int(h.private_young[k]),
            ]
            for k, hid in enumerate(h.hood_ids)
        ),
    )
    return {"dwellings.csv": dwellings, "households.csv": households, "homes.csv": homes}


__all__ = [
    "FLAGS",
    "HOUSING_FILES",
    "INCOME_BANDS",
    "RENT_BANDS",
    "TENANT",
    "WAITING",
    "Candidates",
    "Housing",
    "HousingConfig",
    "candidates",
    "check_housing",
    "generate_housing",
    "housing_files",
    "income_mean",
]
