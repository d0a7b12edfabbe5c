"""Years of a city's social housing under a rule set: ``samen housing simulate``
(``docs/housing-simulation.md``).

A *run* takes the city's social homes, their tenants and the waiting list
(:func:`samen.analytics.city.generate_housing`) and lives through ``years`` x 12 months. Each
month, in this order:

1. **Tenants leave** with a monthly hazard from the annual turnover of their type
   (``Behaviour.turnover``), higher for better-off tenants of poorer neighbourhoods
   (``leave_deprivation``); their home becomes vacant.
2. **Candidates leave the list** (``list_exit``) and **new households register**
   (``registrations`` per social home per year; drawn by the city's own model,
   :func:`samen.analytics.city.housing.candidates`).
3. **The vacancies get labels** by the scenario's vacancy rules (``[[scenario.vacancies]]``),
   within the rules' ``max_share`` and ``lottery_share`` (as ``samen housing allocate``
   checks them); the others get the default label.
4. **Households respond**: a share ``active`` of the waiting list looks this month; each
   ranks the vacancies that fit it (the suitability tables, the label's ``admits``) by a
   random utility (a poorer neighbourhood costs ``respond_deprivation`` times its choosiness,
   its own neighbourhood adds ``respond_own``, a favourable offer its ``attraction``, plus
   Gumbel noise) and responds to its best ``max_responses`` above ``respond_outside``.
5. **The month is allocated** by the scenario's rules with the engine's deferred acceptance
   and lottery (:mod:`samen.housing.month`: the one translation of a housing round, on the
   month pruned); the seed of the month is
   ``<city seed>|housing:<seed>|run:<k>|month:<YYYY-MM>``.
6. **Offers are accepted or refused**: with probability ``logistic(accept_base -
   accept_deprivation x choosiness x deprivation + acceptance of an offer)``. A refused home
   stays vacant and comes back next month; a household that refused ``max_refusals`` times
   leaves the list.

Every random number of a run comes from a counter-based generator keyed by the run, the
stream, the household or home and the month (:func:`uniform`), and new registrations from a
stream of the run alone: the scenarios of one run see the same households arrive, the same
tastes and the same dice (common random numbers), so their differences are the rules', not
chance's. The same spec and seed give the same numbers, whatever the number of processes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np
from numba import njit

from samen.analytics.city import City, Housing
from samen.analytics.city.housing import FLAGS, INCOME_BANDS, RENT_BANDS, candidates
from samen.engine.expressions import holds
from samen.engine.expressions import parse as parse_expression
from samen.housing.month import MonthRound
from samen.housing.spec import Scenario, SimSpec, SpecError, where_hoods
from samen.housing.translate import CompiledRules
from samen.io.errors import suggest

# household status
FUTURE, WAITING, TENANT, MOVED, LEFT_LIST, STRUCK_OFF = 0, 1, 2, 3, 4, 5
# random streams of a run (uniform)
S_LEAVE, S_EXIT, S_ACTIVE, S_TASTE, S_ACCEPT, S_ORDER, S_ROUND = 1, 2, 3, 4, 5, 6, 7
#: the flows counted per year (``Run.flows``), in this order
FLOWS: tuple[str, ...] = (
    "registrations",
    "list_exits",
    "struck_off",
    "departures",
    "responses",
    "offers",
    "refusals",
    "lettings",
    "vacancy_months",
    "wait_days",
    *(f"lettings[income_band:{b}]" for b in INCOME_BANDS),
    *(f"lettings[{f}]" for f in FLAGS),
    "lettings_outside",
)
DEFAULT_PROCESSES = 2
_COL = {name: i for i, name in enumerate(FLOWS)}

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser (Steele, Lea and Flood 2014): a bijection of 64-bit words whose
    outputs look independent for consecutive inputs."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


def run_key(seed: int, k: int) -> int:
    """The 64-bit key of run ``k`` of a simulation with seed ``seed``."""
    digest = hashlib.sha256(f"samen housing|{seed}|{k}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def uniform(key: int, stream: int, *parts: np.ndarray | int) -> np.ndarray:
    """Uniform numbers in (0, 1), one per element of the broadcast ``parts`` (household or
    home indices, months): a hash of the run's key, the stream and the parts, so a number
    does not depend on what else is drawn (common random numbers across scenarios).

    >>> a = uniform(7, 1, np.arange(3), 5)
    >>> a.shape, bool(((a > 0) & (a < 1)).all()), bool((uniform(7, 1, np.arange(3), 5) == a).all())
    ((3,), True, True)
    """
    with np.errstate(over="ignore"):
        x = _mix(np.asarray(np.uint64(key) ^ (np.uint64(stream) * _GOLDEN)))
        for p in parts:
            x = _mix(x ^ ((np.asarray(p).astype(np.uint64) + np.uint64(1)) * _GOLDEN))
    return ((x >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def month_day(year: int, month: int) -> int:
    """The day number (days since 1 January 1970) of the first day of month ``month`` (0 =
    January of ``year``)."""
    y, m = divmod(month, 12)
    return (dt.date(year + y, m + 1, 1) - dt.date(1970, 1, 1)).days


# --------------------------------------------------------------------------- the world


@dataclass(frozen=True, eq=False)
class ScenarioArrays:
    """What a scenario needs each month, computed once: its rules compiled for the city's
    flags and bands (the labels' pools, ``admits`` and the rent table), whether each label
    orders by lottery, the vacancy rules' scopes, the rooms table as a lookup and the
    offers."""

    scenario: Scenario
    compiled: CompiledRules
    default: int  # label index
    rule_label: list[int]
    rule_share: list[float]
    rule_scope: list[np.ndarray]  # bool[D]: the homes a rule applies to
    label_cap: list[Fraction | None]  # max_share per label
    lottery_labels: np.ndarray  # bool[L]
    lottery_cap: Fraction | None
    rooms_ok: np.ndarray  # bool[7, 5]: household size (6 = 6 or more) x rooms
    offers: list[tuple[int, Any, float, float]]  # (label, parsed who, attraction, acceptance)


@dataclass(frozen=True, eq=False)
class World:
    """What every run starts from: the spec, the city's housing and each scenario's
    arrays."""

    spec: SimSpec
    city_name: str
    lottery_seed: str
    housing: Housing
    project_size: np.ndarray  # int64[D], homes in the home's project
    watch: np.ndarray  # int64[], the neighbourhoods followed in the headline figures
    scenarios: list[ScenarioArrays]
    outlines: list[list[list[float]]] = field(default_factory=list)

    @property
    def months(self) -> int:
        return 12 * self.spec.years

    @cached_property
    def weight(self) -> np.ndarray:
        """``float64[band, neighbourhood]``: ``exp(-respond_deprivation x choosiness x
        deprivation)``, the neighbourhood's factor in a response's utility."""
        beh = self.spec.behaviour
        c = np.asarray(beh.choosiness, dtype=np.float64)
        return np.exp(-beh.respond_deprivation * c[:, None] * self.housing.deprivation[None, :])


def _scenario_arrays(sc: Scenario, h: Housing, project_size: np.ndarray) -> ScenarioArrays:
    rules = sc.rules
    compiled = CompiledRules(rules, FLAGS, RENT_BANDS, INCOME_BANDS)
    labels = compiled.labels
    rooms_ok = np.ones((7, 5), dtype=bool)
    lo, hi = compiled.room_bounds(np.arange(1, 7))
    rooms = np.arange(5)
    rooms_ok[1:] = (lo[:, None] <= rooms) & (rooms <= hi[:, None])
    scopes = []
    for v in sc.vacancies:
        hoods = where_hoods(v.where, h.hood_ids, h.deprivation.tolist())
        scopes.append(np.isin(h.dwelling_hood, hoods) & (project_size >= v.min_project))
    return ScenarioArrays(
        scenario=sc,
        compiled=compiled,
        default=labels.index(sc.default_label),
        rule_label=[labels.index(v.label) for v in sc.vacancies],
        rule_share=[v.share for v in sc.vacancies],
        rule_scope=scopes,
        label_cap=[
            None if rules.labels[n].max_share is None else Fraction(repr(rules.labels[n].max_share))
            for n in labels
        ],
        lottery_labels=np.array([rules.labels[n].by_lottery for n in labels], dtype=bool),
        lottery_cap=None if rules.lottery_share is None else Fraction(repr(rules.lottery_share)),
        rooms_ok=rooms_ok,
        offers=[
            (labels.index(o.label), parse_expression(o.who, FLAGS), o.attraction, o.acceptance)
            for o in sc.offers
        ],
    )


def city_source(spec: SimSpec) -> str:
    """Where the spec's city comes from, in words (housing.json's ``city.source``)."""
    c = spec.city
    text = f"synthetic city: preset {c.preset}, seed {c.seed}"
    if c.children is not None:
        text += f", {c.children} children"
    if c.config is not None:
        text += f", config {c.config.name}"
    return text


def load_world(spec: SimSpec) -> World:
    """The :class:`World` of ``spec``: its synthetic city generated (``[city]``, as ``samen
    city`` makes it) with its social housing, and the scenarios checked against it (the
    neighbourhoods the vacancy rules name); raises :class:`SpecError` with every problem."""
    from samen.analytics.city import generate_housing
    from samen.analytics.scenarios.spec import make_city

    city = make_city(spec.city, spec.problem, SpecError)
    housing = generate_housing(city)
    if housing is None:
        raise SpecError(
            [
                spec.problem(
                    "city",
                    "the city has no social housing ('housing.social_share' is 0 in its config); "
                    "give it a share of social homes, like 0.09",
                )
            ]
        )
    problems = []
    for i, sc in enumerate(spec.scenarios, start=1):
        for j, v in enumerate(sc.vacancies, start=1):
            key = f"scenario.{i}.vacancies.{j}.where"
            if isinstance(v.where, str):
                m = v.where.split(":")
                if len(m) == 2 and int(m[1]) > len(housing.hood_ids):
                    problems.append(
                        spec.problem(
                            key,
                            f"'{v.where}': the city has {len(housing.hood_ids)} neighbourhoods; "
                            f"give at most {len(housing.hood_ids)}",
                        )
                    )
                continue
            for hid in v.where:
                if hid not in housing.hood_ids:
                    problems.append(
                        spec.problem(
                            key,
                            f"'{hid}' is not a neighbourhood of the city"
                            f"{suggest(hid, housing.hood_ids)}; its neighbourhoods are "
                            f"{housing.hood_ids[0]} to {housing.hood_ids[-1]}",
                        )
                    )
    if problems:
        raise SpecError(problems)
    return build_world(spec, city, housing)


def build_world(spec: SimSpec, city: City, housing: Housing, watch: str = "poorest:2") -> World:
    """The :class:`World` of ``spec`` on ``city`` and its ``housing``."""
    sizes = np.bincount(housing.project, minlength=len(housing.project_ids))
    project_size = sizes[housing.project]
    hoods = where_hoods(watch, housing.hood_ids, housing.deprivation.tolist())
    from samen.housing.metrics import outlines

    return World(
        spec=spec,
        city_name=city.config.name,
        lottery_seed=city.lottery_seed,
        housing=housing,
        project_size=project_size,
        watch=np.array(hoods, dtype=np.int64),
        scenarios=[_scenario_arrays(sc, housing, project_size) for sc in spec.scenarios],
        outlines=outlines(city),
    )


# --------------------------------------------------------------------------- one run


@dataclass(eq=False)
class Run:
    """The record of one run of one scenario: snapshots at the start and at the end of each
    year (``Y + 1``), flows per year (``Y``)."""

    scenario: int
    k: int
    tenants_band: np.ndarray  # int64[Y+1, K, 4]
    tenants_flag: np.ndarray  # int64[Y+1, K, len(FLAGS)]
    waiting: np.ndarray  # int64[Y+1]
    flows: np.ndarray  # float64[Y, len(FLOWS)]
    vacant: np.ndarray  # int64[Y+1], homes vacant at the snapshot


@dataclass(eq=False)
class RunState:
    """The households and homes of a run as the months change them, as arrays (household
    ``i``: the city's tenants and waiting list first, then the registrations of the run;
    ``status`` one of ``FUTURE``, ``WAITING``, ``TENANT``, ``MOVED``, ``LEFT_LIST``,
    ``STRUCK_OFF``; ``tenant_of[d]`` the household in home ``d``, -1 = vacant)."""

    ids: np.ndarray  # object[N], the household ids
    status: np.ndarray
    arrival: np.ndarray  # month of registration, -1 = before the start
    registered: np.ndarray
    size: np.ndarray
    band: np.ndarray
    flags: np.ndarray
    hood: np.ndarray
    dwelling: np.ndarray
    refusals: np.ndarray
    tenant_of: np.ndarray  # int64[D]
    rate: np.ndarray  # float64[N], annual turnover by type (before the neighbourhood)
    p_leave: np.ndarray  # float64[N], a tenant's monthly probability of leaving its home
    choosiness: np.ndarray  # float64[N]
    admits: np.ndarray  # bool[N, L]
    attraction_exp: np.ndarray  # float64[N, L], exp of the offers' attraction
    acceptance: np.ndarray  # float64[N, L]
    favoured: np.ndarray  # bool[N, L], the household has what the label favours


def _arrivals(world: World, k: int) -> tuple[np.ndarray, Any]:
    """The registrations of run ``k``: the month of each and their households."""
    h = world.housing
    spec = world.spec
    rng = np.random.default_rng([spec.seed, k, 11])
    per_month = spec.behaviour.registrations * h.n_dwellings / 12.0
    counts = rng.poisson(per_month, size=world.months)
    month = np.repeat(np.arange(world.months), counts)
    c = candidates(
        h.config,
        rng,
        int(counts.sum()),
        h.deprivation,
        h.city_deprivation,
        h.candidate_weight,
        h.cutoffs,
    )
    days = np.array([month_day(h.config.year, t) for t in range(world.months + 1)])
    length = (days[1:] - days[:-1])[month]
    registered = days[:-1][month] + np.floor(rng.random(month.size) * length).astype(np.int64)
    return month, (c, registered)


def start_state(world: World, sa: ScenarioArrays, k: int) -> RunState:
    """The state of run ``k`` before its first month."""
    h = world.housing
    beh = world.spec.behaviour
    month, (c, reg) = _arrivals(world, k)
    n0, n1 = len(h.household_ids), month.size
    width = max(len(h.household_ids[0]) - 1 if n0 else 5, len(str(n0 + n1)))
    ids = list(h.household_ids) + [f"H{n0 + j + 1:0{width}d}" for j in range(n1)]
    status = np.concatenate([np.where(h.tenant, TENANT, WAITING), np.full(n1, FUTURE)])
    flags = np.concatenate([h.flags, c.flags]).astype(np.uint8)
    band = np.concatenate([h.band, c.band]).astype(np.int64)
    types = [t for t in beh.turnover if t != "other"]
    rate = np.full(n0 + n1, beh.turnover.get("other", 0.0))
    for t in reversed(types):  # the first type listed wins
        rate[flags[:, FLAGS.index(t)] == 1] = beh.turnover[t]
    compiled = sa.compiled
    n_labels = len(compiled.labels)
    admits = np.column_stack([holds(flags, e) for e in compiled.admits]).reshape(-1, n_labels)
    attraction = np.zeros((n0 + n1, n_labels))
    acceptance = np.zeros((n0 + n1, n_labels))
    for label, who, attract, accept in sa.offers:
        has = holds(flags, who)
        attraction[has, label] += attract
        acceptance[has, label] += accept
    tenant_of = np.full(h.n_dwellings, -1, dtype=np.int64)
    tenant_of[h.dwelling[h.tenant]] = np.flatnonzero(h.tenant)
    st = RunState(
        ids=np.array(ids, dtype=object),
        status=status.astype(np.int8),
        arrival=np.concatenate([np.full(n0, -1), month]),
        registered=np.concatenate([h.registered, reg]).astype(np.int64),
        size=np.minimum(np.concatenate([h.size, c.size]), 6).astype(np.int64),
        band=band,
        flags=flags,
        hood=np.concatenate([h.hood, c.hood]).astype(np.int64),
        dwelling=np.concatenate([h.dwelling, np.full(n1, -1)]).astype(np.int64),
        refusals=np.zeros(n0 + n1, dtype=np.int64),
        tenant_of=tenant_of,
        rate=rate,
        p_leave=np.zeros(n0 + n1),
        choosiness=np.asarray(beh.choosiness, dtype=np.float64)[band],
        admits=admits,
        attraction_exp=np.exp(attraction),
        acceptance=acceptance,
        favoured=np.column_stack([holds(flags, e) for e in compiled.favours]).reshape(-1, n_labels),
    )
    tenants = np.flatnonzero(st.status == TENANT)
    st.p_leave[tenants] = _leave_probability(world, st, tenants)
    return st


def _monthly(annual: np.ndarray | float) -> np.ndarray:
    """The monthly probability of an annual rate (constant hazard)."""
    return 1.0 - np.power(1.0 - np.minimum(annual, 0.999), 1.0 / 12.0)


def _leave_probability(world: World, st: RunState, who: np.ndarray) -> np.ndarray:
    """The monthly probability that tenants ``who`` leave (in their present home)."""
    beh = world.spec.behaviour
    h = world.housing
    dep = h.deprivation[h.dwelling_hood[st.dwelling[who]]]
    return _monthly(st.rate[who] * (1.0 + beh.leave_deprivation * dep * st.band[who] / 3.0))


@njit(cache=True)
def _below(key, stream, t, idx, p):  # pragma: no cover - compiled
    """``uniform(key, stream, t, idx) < p``, compiled (the draws that decide who leaves and
    who looks this month: thousands a month)."""
    golden = np.uint64(0x9E3779B97F4A7C15)
    x = _mix_one(np.uint64(key) ^ (np.uint64(stream) * golden))
    x = _mix_one(x ^ ((np.uint64(t) + np.uint64(1)) * golden))
    out = np.empty(idx.size, dtype=np.bool_)
    for i in range(idx.size):
        z = _mix_one(x ^ ((np.uint64(idx[i]) + np.uint64(1)) * golden))
        out[i] = (np.float64(z >> np.uint64(11)) + 0.5) * 2.0**-53 < p[i]
    return out


def _labels(sa: ScenarioArrays, vac: np.ndarray, key: int, t: int) -> np.ndarray:
    """The label of each vacancy (indices into the scenario's labels): the vacancy rules in
    order, each taking the share of the vacancies in its scope (rounded at random: the
    expected share is exact), within ``max_share`` and ``lottery_share``; the default label
    for the rest."""
    n = vac.size
    label = np.full(n, -1, dtype=np.int64)
    order = np.argsort(uniform(key, S_ORDER, t, vac), kind="stable")
    counts = np.zeros(len(sa.compiled.labels), dtype=np.int64)
    lottery_used = 0
    for j, (lab, share, scope) in enumerate(
        zip(sa.rule_label, sa.rule_share, sa.rule_scope, strict=True)
    ):
        in_scope = scope[vac]
        want = share * int(in_scope.sum())
        take = math.floor(want)
        if uniform(key, S_ROUND, j, t)[()] < want - take:
            take += 1
        cap = sa.label_cap[lab]
        if cap is not None:
            take = min(take, int(cap * n) - int(counts[lab]))
        if sa.lottery_labels[lab] and sa.lottery_cap is not None:
            take = min(take, int(sa.lottery_cap * n) - lottery_used)
        free = order[(label[order] < 0) & in_scope[order]]
        chosen = free[: max(take, 0)]
        label[chosen] = lab
        counts[lab] += chosen.size
        if sa.lottery_labels[lab]:
            lottery_used += chosen.size
    label[label < 0] = sa.default
    return label


@njit(cache=True)
def _mix_one(x: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@njit(cache=True)
def _respond_kernel(  # pragma: no cover - compiled
    key,
    stream,
    t,
    act,
    vac,
    label,
    fits_rooms,
    fits_rent,
    admits,
    size,
    band,
    hood,
    weight,
    attraction,
    d_rooms,
    d_rent,
    d_hood,
    own,
    outside,
    kmax,
):
    """The responses of the households ``act`` to the vacancies ``vac`` (see
    :func:`_responses`): per household its best ``kmax`` fitting vacancies whose utility
    beats the outside option. A utility ``u + G`` with Gumbel noise ``G = -log(E)``, ``E =
    -log(p)`` standard exponential and ``p`` drawn as :func:`uniform` ``(key, stream, h, t,
    d)``, ranks as ``exp(u) / E`` (one logarithm instead of two): ``weight[band, hood]``,
    ``attraction[h, label]`` and ``own`` are the factors ``exp(...)`` of the parts of ``u``,
    ``outside`` is ``exp(respond_outside)``."""
    golden = np.uint64(0x9E3779B97F4A7C15)
    n, v = act.size, vac.size
    base = _mix_one(np.uint64(key) ^ (np.uint64(stream) * golden))
    count = np.zeros(n, dtype=np.int64)
    best = np.empty((n, kmax), dtype=np.int64)
    value = np.empty(kmax, dtype=np.float64)
    for i in range(n):
        h = act[i]
        x = _mix_one(base ^ ((np.uint64(h) + np.uint64(1)) * golden))
        tt = _mix_one(x ^ ((np.uint64(t) + np.uint64(1)) * golden))
        b = band[h]
        c = 0
        for j in range(v):
            lab = label[j]
            if not (fits_rooms[size[h], d_rooms[j]] and fits_rent[b, d_rent[j]]):
                continue
            if not admits[h, lab]:
                continue
            dh = d_hood[j]
            u = weight[b, dh] * attraction[h, lab]
            if hood[h] == dh:
                u *= own
            z = _mix_one(tt ^ ((np.uint64(vac[j]) + np.uint64(1)) * golden))
            p = (np.float64(z >> np.uint64(11)) + 0.5) * 2.0**-53
            u /= -np.log(p)
            if u <= outside:
                continue
            # insert into the household's best kmax, best first (ties: the earlier vacancy)
            pos = c
            while pos > 0 and value[pos - 1] < u:
                pos -= 1
            if pos >= kmax:
                continue
            last = min(c, kmax - 1)
            for q in range(last, pos, -1):
                value[q] = value[q - 1]
                best[i, q] = best[i, q - 1]
            value[pos] = u
            best[i, pos] = j
            if c < kmax:
                c += 1
        count[i] = c
    return count, best


def _responses(
    world: World,
    sa: ScenarioArrays,
    st: RunState,
    vac: np.ndarray,
    label: np.ndarray,
    key: int,
    t: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who responds to which vacancies this month: the active households (a share
    ``active`` of the waiting list) rank the vacancies that fit them (suitability, the
    label's ``admits``) by utility (the module docstring) and respond to their best
    ``max_responses`` above ``respond_outside``. Returns the responding households and
    their responses as CSR lists of vacancy positions, best first."""
    h = world.housing
    beh = world.spec.behaviour
    waiting = np.flatnonzero(st.status == WAITING)
    act = waiting[_below(np.uint64(key), S_ACTIVE, t, waiting, np.full(waiting.size, beh.active))]
    if act.size == 0 or vac.size == 0:
        return act[:0], np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32)
    count, best = _respond_kernel(
        np.uint64(key),
        S_TASTE,
        t,
        act,
        vac,
        label,
        sa.rooms_ok,
        sa.compiled.rent_fits,
        st.admits,
        st.size,
        st.band,
        st.hood,
        world.weight,
        st.attraction_exp,
        h.rooms[vac],
        h.rent_band[vac].astype(np.int64),
        h.dwelling_hood[vac],
        math.exp(beh.respond_own),
        math.exp(beh.respond_outside),
        min(beh.max_responses, vac.size),
    )
    has = count > 0
    cols = np.arange(best.shape[1])[None, :] < count[:, None]
    ptr = np.concatenate(([0], np.cumsum(count[has]))).astype(np.int64)
    return act[has], ptr, best[cols].astype(np.int32)


def _month(
    world: World, sa: ScenarioArrays, st: RunState, key: int, k: int, t: int, flow: np.ndarray
) -> None:
    """One month of a run (the module docstring), its flows added to ``flow``."""
    h = world.housing
    beh = world.spec.behaviour
    col = _COL
    # 1. tenants leave
    tenants = np.flatnonzero(st.status == TENANT)
    leave = tenants[_below(np.uint64(key), S_LEAVE, t, tenants, st.p_leave[tenants])]
    st.status[leave] = MOVED
    st.tenant_of[st.dwelling[leave]] = -1
    flow[col["departures"]] += leave.size
    # 2. candidates leave the list, new ones register
    waiting = np.flatnonzero(st.status == WAITING)
    p_exit = np.full(waiting.size, float(_monthly(beh.list_exit)))
    gone = waiting[_below(np.uint64(key), S_EXIT, t, waiting, p_exit)]
    st.status[gone] = LEFT_LIST
    flow[col["list_exits"]] += gone.size
    new = np.flatnonzero(st.arrival == t)
    st.status[new] = WAITING
    flow[col["registrations"]] += new.size
    # 3. the vacancies and their labels; 4. the responses
    vac = np.flatnonzero(st.tenant_of < 0)
    label = _labels(sa, vac, key, t)
    who, ptr, choices = _responses(world, sa, st, vac, label, key, t)
    flow[col["responses"]] += choices.size
    # 5. the allocation
    month = MonthRound(
        compiled=sa.compiled,
        seed=month_seed(world, k, t),
        dwelling_ids=[h.dwelling_ids[d] for d in vac.tolist()],
        label=label,
        rooms=h.rooms[vac],
        rent_band=h.rent_band[vac].astype(np.int64),
        household_ids=st.ids[who],
        flags=st.flags[who],
        registered=st.registered[who],
        size=st.size[who],
        income_band=st.band[who],
        choice_ptr=ptr,
        choices=choices,
        favoured=st.favoured[who],
    )
    got = month.allocate()
    # 6. offers accepted or refused
    hit = got >= 0
    hh, dd = who[hit], vac[got[hit]]
    lab = label[got[hit]]
    d_dep = h.deprivation[h.dwelling_hood[dd]]
    logit = beh.accept_base - beh.accept_deprivation * st.choosiness[hh] * d_dep
    logit += st.acceptance[hh, lab]
    accept = uniform(key, S_ACCEPT, t, hh, dd) < _logistic(logit)
    flow[col["offers"]] += hh.size
    flow[col["refusals"]] += int((~accept).sum())
    a_h, a_d = hh[accept], dd[accept]
    st.status[a_h] = TENANT
    st.dwelling[a_h] = a_d
    st.tenant_of[a_d] = a_h
    st.p_leave[a_h] = _leave_probability(world, st, a_h)
    flow[col["lettings"]] += a_h.size
    flow[col["wait_days"]] += float((month_day(h.config.year, t) - st.registered[a_h]).sum())
    flow[col["lettings_outside"]] += int((st.hood[a_h] < 0).sum())
    st.hood[a_h] = h.dwelling_hood[a_d]
    first = col["lettings[income_band:1]"]
    flow[first : first + len(INCOME_BANDS)] += np.bincount(
        st.band[a_h], minlength=len(INCOME_BANDS)
    )
    first = col[f"lettings[{FLAGS[0]}]"]
    flow[first : first + len(FLAGS)] += st.flags[a_h].sum(axis=0)
    r_h = hh[~accept]
    st.refusals[r_h] += 1
    out = r_h[st.refusals[r_h] >= beh.max_refusals]
    st.status[out] = STRUCK_OFF
    flow[col["struck_off"]] += out.size
    flow[col["vacancy_months"]] += int((st.tenant_of < 0).sum())


def month_seed(world: World, k: int, t: int) -> str:
    """The lottery seed of month ``t`` of run ``k`` (allocation rules section 3)."""
    y, m = divmod(t, 12)
    year = world.housing.config.year + y
    return f"{world.lottery_seed}|housing:{world.spec.seed}|run:{k}|month:{year}-{m + 1:02d}"


def _snapshot(world: World, st: RunState) -> tuple[np.ndarray, np.ndarray, int, int]:
    h = world.housing
    K = len(h.hood_ids)
    t = st.status == TENANT
    hood = h.dwelling_hood[st.dwelling[t]]
    band = np.zeros((K, len(INCOME_BANDS)), dtype=np.int64)
    np.add.at(band, (hood, st.band[t]), 1)
    flags = np.zeros((K, len(FLAGS)), dtype=np.int64)
    np.add.at(flags, hood, st.flags[t].astype(np.int64))
    return band, flags, int((st.status == WAITING).sum()), int((st.tenant_of < 0).sum())


def months(world: World, scenario: int, k: int) -> Iterator[tuple[int, RunState, np.ndarray]]:
    """The months of run ``k`` (1-based) of scenario ``scenario`` (an index of
    ``world.scenarios``): yields ``(t, state, flow)`` first for the start (``t = -1``) and
    then after each month ``t = 0, 1, ...``, with the flows of that month (``FLOWS``)."""
    sa = world.scenarios[scenario]
    st = start_state(world, sa, k)
    key = run_key(world.spec.seed, k)
    yield -1, st, np.zeros(len(FLOWS))
    for t in range(world.months):
        flow = np.zeros(len(FLOWS))
        _month(world, sa, st, key, k, t, flow)
        yield t, st, flow


def run(world: World, scenario: int, k: int) -> Run:
    """Run ``k`` (1-based) of scenario ``scenario`` (an index of ``world.scenarios``):
    snapshots at the start and at the end of each year, flows per year."""
    years = world.spec.years
    K = len(world.housing.hood_ids)
    tb = np.zeros((years + 1, K, len(INCOME_BANDS)), dtype=np.int64)
    tf = np.zeros((years + 1, K, len(FLAGS)), dtype=np.int64)
    waiting = np.zeros(years + 1, dtype=np.int64)
    vacant = np.zeros(years + 1, dtype=np.int64)
    flows = np.zeros((years, len(FLOWS)), dtype=np.float64)
    for t, st, flow in months(world, scenario, k):
        if t >= 0:
            flows[t // 12] += flow
        if t % 12 == 11 or t < 0:
            y = t // 12 + 1
            tb[y], tf[y], waiting[y], vacant[y] = _snapshot(world, st)
    return Run(scenario, k, tb, tf, waiting, flows, vacant)


# --------------------------------------------------------------------------- many runs

_WORLD: World | None = None


def _init_worker(world: World) -> None:
    global _WORLD
    _WORLD = world


def _worker(tasks: Sequence[tuple[int, int]]) -> list[Run]:
    assert _WORLD is not None
    return [run(_WORLD, s, k) for s, k in tasks]


def run_all(
    world: World,
    seeds: int | None = None,
    *,
    processes: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[list[Run]]:
    """Every scenario over runs ``1..seeds`` (default the spec's): ``out[s][k - 1]``.

    ``processes`` worker processes (default two, at most the machine's cores) share the
    runs; with one, or a single run, they run here. ``progress(done, total)`` is called as
    runs finish. The numbers do not depend on ``processes``.
    """
    n = seeds if seeds is not None else world.spec.seeds
    tasks = [(s, k) for k in range(1, n + 1) for s in range(len(world.scenarios))]
    out: list[list[Run | None]] = [[None] * n for _ in world.scenarios]
    workers = processes or min(DEFAULT_PROCESSES, os.cpu_count() or 1)
    done = 0

    def keep(r: Run) -> None:
        nonlocal done
        out[r.scenario][r.k - 1] = r
        done += 1
        if progress is not None:
            progress(done, len(tasks))

    # the first run here: it loads the engine's compiled kernels, which forked workers inherit
    keep(run(world, *tasks[0]))
    rest = tasks[1:]
    if workers <= 1 or not rest:
        for s, k in rest:
            keep(run(world, s, k))
    else:
        chunks = [rest[i : i + 2] for i in range(0, len(rest), 2)]
        with ProcessPoolExecutor(
            max_workers=min(workers, len(chunks)), initializer=_init_worker, initargs=(world,)
        ) as pool:
            futures = [pool.submit(_worker, c) for c in chunks]
            try:
                for fut in as_completed(futures):
                    for r in fut.result():
                        keep(r)
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
    return [[r for r in runs if r is not None] for runs in out]


def with_seeds(spec: SimSpec, seeds: int | None) -> SimSpec:
    """``spec`` with another number of runs per scenario (``--seeds``)."""
    return spec if seeds is None else replace(spec, seeds=seeds)


__all__ = [
    "FLOWS",
    "LEFT_LIST",
    "MOVED",
    "STRUCK_OFF",
    "TENANT",
    "WAITING",
    "Run",
    "RunState",
    "World",
    "build_world",
    "city_source",
    "load_world",
    "month_day",
    "month_seed",
    "months",
    "run",
    "run_all",
    "run_key",
    "start_state",
    "uniform",
    "with_seeds",
]
