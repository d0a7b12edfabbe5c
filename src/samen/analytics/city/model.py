"""Generating a synthetic city (:func:`generate_city`): neighbourhoods, homes, schools, the
parents' lists by a conditional logit, families and pledge groups, in one random stream per
stage so that changing one stage leaves the others as they were."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from types import SimpleNamespace
from typing import Any

import numpy as np

from samen.analytics.city.config import MECHELEN, CityConfig, ConfigError, validate_config
from samen.engine.instance import PoolSpec
from samen.engine.pools import to_fraction
from samen.io.errors import Problem

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


def pool_share(pool: PoolSpec) -> Fraction:
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


def _hoods(cfg: CityConfig, seed: int, d: SimpleNamespace) -> None:
    """Stage 0, neighbourhoods: a sunflower spiral in the disc, deprivation peaking at a ring."""
    g = cfg.geography
    K, R = g.neighbourhoods, g.radius_m
    rng = _rng(seed, 0)
    k = np.arange(K)
    radius = R * np.sqrt(k / K)
    angle = k * _GOLDEN_ANGLE + rng.uniform(0.0, 2.0 * math.pi)
    local = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    local[1:] += rng.normal(size=(K - 1, 2)) * 0.15 * d.spacing
    rel = np.hypot(local[:, 0], local[:, 1]) / R
    score = -np.abs(rel - g.deprivation_peak) + g.deprivation_noise * rng.normal(size=K)
    rank = np.empty(K, dtype=np.int64)
    rank[np.argsort(-score, kind="stable")] = k
    lo, hi = g.indicator_share_min, g.indicator_share_max
    d.target_share = hi - (hi - lo) * rank / (K - 1) if K > 1 else np.full(K, (lo + hi) / 2)
    weight = np.exp(g.size_sd * rng.normal(size=K)) * (
        1.0 + g.density_gradient * (1.0 - np.clip(rel, 0.0, 1.0))
    )
    d.hood_children = 1 + _apportion(weight, cfg.children - K)
    width = max(len(str(K)), 2)
    d.hood_ids = [f"N{j + 1:0{width}d}" for j in range(K)]
    d.hood_names = [f"{g.label} {j + 1:0{width}d}" for j in range(K)]
    d.local = local


def _homes(cfg: CityConfig, seed: int, d: SimpleNamespace) -> None:
    """Stage 1, children: homes around their neighbourhood centre, exact indicator counts."""
    n, g = cfg.children, cfg.geography
    rng = _rng(seed, 1)
    d.hood = hood = rng.permutation(np.repeat(np.arange(g.neighbourhoods), d.hood_children))
    local_xy = d.local[hood] + rng.normal(size=(n, 2)) * g.spread * d.spacing
    d.xy_abs = np.rint(d.origin + local_xy).astype(np.int64)
    d.hood_indicator = np.floor(d.target_share * d.hood_children + 0.5).astype(np.int64)
    by_hood = np.lexsort((rng.random(n), hood))
    start = np.concatenate(([0], np.cumsum(d.hood_children)[:-1]))
    position = np.arange(n) - start[hood[by_hood]]
    d.indicator = indicator = np.zeros(n, dtype=bool)
    indicator[by_hood] = position < d.hood_indicator[hood[by_hood]]
    d.avoiding = ~indicator & (rng.random(n) < cfg.preferences.avoiding_share)


def _schools(cfg: CityConfig, seed: int, d: SimpleNamespace) -> None:
    """Stage 2, schools: in neighbourhoods by their children, quality with a central bonus."""
    sc, g = cfg.schools, cfg.geography
    n, m = cfg.children, sc.count
    rng = _rng(seed, 2)
    per_hood = _apportion(d.hood_children.astype(np.float64), m)
    d.school_hood = school_hood = np.repeat(np.arange(g.neighbourhoods), per_hood)
    d.s_local = d.local[school_hood] + rng.normal(size=(m, 2)) * 0.5 * g.spread * d.spacing
    d.school_xy = np.rint(d.origin + d.s_local).astype(np.int64)
    centre_dist = np.hypot(d.s_local[:, 0], d.s_local[:, 1])
    d.quality = sc.quality_sd * rng.normal(size=m) + sc.central_bonus * np.exp(
        -((centre_dist / (sc.central_radius * g.radius_m)) ** 2)
    )
    demand = d.hood_children[school_hood] / per_hood[school_hood]
    total_seats = round(sc.seat_ratio * n)
    cap_weight = demand * np.exp(sc.capacity_sd * rng.normal(size=m))
    floor = min(sc.min_capacity, total_seats // m)  # a soft floor: small cities get smaller
    d.capacity = floor + _apportion(cap_weight, total_seats - floor * m)
    n_distance = round(sc.distance_pool_share * m)
    d.distance_school = np.zeros(m, dtype=bool)
    d.distance_school[rng.choice(m, size=n_distance, replace=False)] = True
    swidth = max(len(str(m)), 2)
    d.school_ids = [f"S{j + 1:0{swidth}d}" for j in range(m)]
    d.school_names = []
    for j in range(m):
        h = int(school_hood[j])
        name = f"{sc.label} {d.hood_names[h]}"
        if per_hood[h] > 1:
            name += f" {_letters(j - int(np.searchsorted(school_hood, h)))}"
        d.school_names.append(name)


def _preferences(cfg: CityConfig, seed: int, d: SimpleNamespace) -> None:
    """Stages 3 and 4, preferences: conditional logit, each child's top ``k`` schools."""
    pr = cfg.preferences
    n, m = cfg.children, cfg.schools.count
    rng = _rng(seed, 3)
    lengths_rng = _rng(seed, 4)
    weights = np.asarray(pr.list_length_weights, dtype=np.float64)
    d.lengths = lengths_rng.choice(
        np.asarray(pr.list_lengths, dtype=np.int64), size=n, p=weights / weights.sum()
    )
    d.kmax = kmax = int(max(pr.list_lengths))
    d.hood_share = d.hood_indicator / d.hood_children
    composition = d.hood_share[d.school_hood]
    base_u = pr.b_quality * d.quality
    comp_u = pr.b_composition * composition
    per_m = np.where(d.indicator, pr.b_distance_indicator, pr.b_distance) / 1000.0
    sx, sy = d.s_local[:, 0], d.s_local[:, 1]
    home = d.xy_abs - d.origin  # the rounded homes, as written
    d.top = top = np.empty((n, kmax), dtype=np.int64)
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
        np.add(cost, comp_u[None, :], out=cost, where=d.avoiding[a:b, None])
        if kmax < m:
            part = np.argpartition(cost, kmax - 1, axis=1)[:, :kmax]
            vals = np.take_along_axis(cost, part, axis=1)
            top[a:b] = np.take_along_axis(part, np.argsort(vals, axis=1, kind="stable"), axis=1)
        else:
            top[a:b] = np.argsort(cost, axis=1, kind="stable")


def _twins(cfg: CityConfig, seed: int, d: SimpleNamespace) -> None:
    """Stage 5, twins: pairs of children in the same neighbourhood with the same type."""
    n = cfg.children
    rng = _rng(seed, 5)
    n_pairs = round(cfg.families.twin_share * n / 2)
    cell = d.hood * 4 + d.indicator * 2 + d.avoiding
    order = np.lexsort((rng.random(n), cell))
    first, second = order[0 : n - 1 : 2], order[1:n:2]
    same = cell[first] == cell[second]
    cand_a, cand_b = first[same], second[same]
    pick = np.sort(rng.choice(cand_a.size, size=min(n_pairs, cand_a.size), replace=False))
    lead = np.minimum(cand_a[pick], cand_b[pick])
    partner = np.maximum(cand_a[pick], cand_b[pick])
    by_lead = np.argsort(lead, kind="stable")
    lead, partner = lead[by_lead], partner[by_lead]
    d.xy_abs[partner] = d.xy_abs[lead]
    d.lengths[partner] = d.lengths[lead]
    d.top[partner] = d.top[lead]
    d.unit = np.arange(n)
    d.unit[partner] = lead
    d.family = [""] * n
    fwidth = max(len(str(len(lead))), 3)
    for j, (x, y) in enumerate(zip(lead.tolist(), partner.tolist(), strict=True)):
        d.family[x] = d.family[y] = f"F{j + 1:0{fwidth}d}"


def _siblings_and_staff(cfg: CityConfig, seed: int, d: SimpleNamespace) -> None:
    """Stage 6, siblings and staff children (decided per family: twins alike)."""
    fa, n, unit, lengths = cfg.families, cfg.children, d.unit, d.lengths
    rng = _rng(seed, 6)
    d.has_sibling = (rng.random(n) < fa.sibling_share)[unit]
    at_first = (rng.random(n) < fa.sibling_first_choice)[unit]
    other_rank = 1 + np.floor(rng.random(n) * np.maximum(lengths - 1, 1)).astype(np.int64)
    sib_rank = np.where(at_first | (lengths == 1), 0, np.minimum(other_rank, lengths - 1))[unit]
    d.sibling_school = d.top[np.arange(n), sib_rank]
    d.is_staff = (rng.random(n) < fa.staff_share)[unit] & ~d.has_sibling
    staff_p = d.capacity / d.capacity.sum() if d.capacity.sum() > 0 else None
    d.staff_school = rng.choice(cfg.schools.count, size=n, p=staff_p)[unit]
    d.staff_rows = np.flatnonzero(d.is_staff)
    _put_first(d.top, lengths, d.staff_rows, d.staff_school[d.staff_rows])


def _pledge_groups(cfg: CityConfig, seed: int, d: SimpleNamespace) -> None:
    """Stage 7, pledge groups: majority families choosing their neighbourhood school together."""
    pl, n = cfg.pledges, cfg.children
    rng = _rng(seed, 7)
    d.pledge = np.full(n, -1, dtype=np.int64)
    d.group_ids, d.group_target, d.group_hood = [], [], []
    if pl.uptake <= 0:
        return
    join = (rng.random(n) < pl.uptake)[d.unit]
    eligible = ~d.indicator & ~d.has_sibling & ~d.is_staff & join
    for h in range(cfg.geography.neighbourhoods):
        schools_here = np.flatnonzero(d.school_hood == h)
        if schools_here.size == 0 or d.hood_share[h] < pl.min_indicator_share:
            continue
        # the neighbourhood school majority families avoid most: its least popular one
        target = int(schools_here[np.argmin(d.quality[schools_here])])
        members = np.flatnonzero(eligible & (d.hood == h))
        if members.size < pl.threshold:
            continue
        d.pledge[members] = len(d.group_ids)
        d.group_ids.append(f"samen-{d.hood_ids[h]}")
        d.group_target.append(target)
        d.group_hood.append(h)
        _put_first(d.top, d.lengths, members, np.full(members.size, target))


def _seat_pools(
    cfg: CityConfig, indicator: np.ndarray
) -> tuple[list[PoolSpec], list[PoolSpec], Fraction | None]:
    """The default pools, the pools of the distance schools and the indicator seat share."""
    ru = cfg.rules
    q: Fraction | None = None
    d_share = Fraction(repr(cfg.schools.distance_seat_share))
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
    default_pools = [p for p in default_pools if pool_share(p) > 0] or default_pools[:1]
    distance_pools = [p for p in distance_pools if pool_share(p) > 0] or distance_pools[:1]
    return default_pools, distance_pools, q


def generate_city(config: CityConfig = MECHELEN, seed: int = 1) -> City:
    """Generate a synthetic city from ``config`` (see the module docstring for the model).

    Deterministic: the same config and seed give the same city (and :func:`write_city` the
    same bytes). Preferences follow McFadden's conditional logit with Gumbel noise; lists are
    each child's top ``k`` schools by utility. The rules are the Flemish double contingency
    unless ``config.rules.double_contingency`` is false. Raises :class:`ConfigError` for an
    impossible config and :class:`ValueError` for a negative seed. Each stage draws from its
    own random stream (:func:`_rng`), so changing one stage leaves the others as they were.
    """
    if seed < 0:
        raise ValueError(f"the seed must be 0 or more, not {seed}")
    problems = validate_config(config)
    if problems:
        raise ConfigError([Problem("config", None, k or None, m, keyed=True) for k, m in problems])
    g = config.geography
    n = config.children
    d = SimpleNamespace(
        origin=np.array([g.origin_x, g.origin_y]),
        spacing=g.radius_m * math.sqrt(math.pi / g.neighbourhoods),
    )
    for stage in (_hoods, _homes, _schools, _preferences, _twins, _siblings_and_staff):
        stage(config, seed, d)
    _pledge_groups(config, seed, d)

    # the lists and the priorities
    mask = np.arange(d.kmax)[None, :] < d.lengths[:, None]
    sib_rows = np.flatnonzero(d.has_sibling)
    prio_app = np.concatenate([sib_rows, d.staff_rows])
    prio_school = np.concatenate([d.sibling_school[sib_rows], d.staff_school[d.staff_rows]])
    prio_group = np.concatenate(
        [np.zeros(sib_rows.size, np.int8), np.ones(d.staff_rows.size, np.int8)]
    )
    o = np.argsort(prio_app, kind="stable")
    default_pools, distance_pools, q = _seat_pools(config, d.indicator)
    ru = config.rules
    awidth = max(len(str(n)), 4)
    return City(
        config=config,
        seed=seed,
        round_name=ru.round_name or f"{config.name}, synthetic round (seed {seed})",
        lottery_seed=ru.lottery_seed or f"{config.name} - samen city seed {seed}",
        hood_ids=d.hood_ids,
        hood_names=d.hood_names,
        hood_xy=np.rint(d.origin + d.local).astype(np.int64),
        hood_children=d.hood_children,
        hood_indicator=d.hood_indicator,
        school_ids=d.school_ids,
        school_names=d.school_names,
        school_xy=d.school_xy,
        school_hood=d.school_hood,
        capacity=d.capacity.astype(np.int64),
        quality=d.quality,
        applicant_ids=[f"C{i + 1:0{awidth}d}" for i in range(n)],
        xy=d.xy_abs,
        hood=d.hood,
        indicator=d.indicator,
        avoiding=d.avoiding,
        choice_ptr=np.concatenate(([0], np.cumsum(d.lengths))).astype(np.int64),
        choices=d.top[mask].astype(np.int32),
        family=d.family,
        priority_applicant=prio_app[o],
        priority_school=prio_school[o],
        priority_group=prio_group[o],
        pledge=d.pledge,
        group_ids=d.group_ids,
        group_target=np.array(d.group_target, dtype=np.int64),
        group_hood=np.array(d.group_hood, dtype=np.int64),
        group_threshold=config.pledges.threshold,
        default_pools=default_pools,
        distance_pools=distance_pools,
        distance_school=d.distance_school,
        indicator_seat_share=q,
    )
