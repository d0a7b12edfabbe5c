"""A variant as a transformation of the round's engine instance (:func:`apply_variant`): other
rules, other seat pools, distance ordering, and pledge groups of families who choose their
neighbourhood school together; and the base round itself (:func:`load_round`)."""

from __future__ import annotations

import contextlib
import hashlib
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from samen.analytics.scenarios.spec import PledgeSpec, Spec, SpecError, Variant, make_city
from samen.engine import distance
from samen.engine.instance import (
    ORDER_DISTANCE,
    ORDER_LOTTERY,
    ORDER_NAMES,
    Instance,
)
from samen.engine.pools import (
    COMPOUND,
    Pool,
    PoolArrays,
    canonical_favours,
    largest_remainder,
    parse_favours,
    pool_arrays,
    pools_of,
    to_fraction,
)
from samen.io.errors import Problem, suggest
from samen.io.round import Round, read_round
from samen.io.toml import TomlDoc

# --------------------------------------------------------------------------- the round


def load_round(spec: Spec) -> Round:
    """The spec's base round: the round folder (:func:`samen.io.round.read_round`, which
    raises :class:`~samen.io.errors.RoundError`), or the synthetic city generated from
    ``[city]`` and read back the same way (:class:`SpecError` for a bad city config)."""
    if spec.round is not None:
        return read_round(spec.round)
    if spec.city is None:
        raise SpecError([spec.problem("round", "the spec names no round")])
    from samen.analytics.city import write_city

    city = make_city(spec.city, spec.problem, SpecError)
    with tempfile.TemporaryDirectory(prefix="samen-scenarios-") as tmp:
        folder = write_city(city, Path(tmp) / "city")
        return read_round(folder)


def round_source(spec: Spec) -> str:
    if spec.city is not None:
        c = spec.city
        text = f"synthetic city: preset {c.preset}, seed {c.seed}"
        if c.children is not None:
            text += f", {c.children} children"
        if c.config is not None:
            text += f", config {c.config.name}"
        return text
    return f"round folder {spec.round_text or spec.round}"


def flag_index(inst: Instance, name: str) -> int:
    try:
        return list(inst.flag_names).index(name)
    except ValueError:
        return -1


def flag_text(inst: Instance) -> str:
    names = list(inst.flag_names)
    return "its flags are " + ", ".join(names) if names else "it has no flag columns"


def check_round(spec: Spec, rnd: Round) -> list[Problem]:
    """Problems of the spec's top-level keys with this round (``flag``, ``by_flags``)."""
    inst = rnd.instance
    out: list[Problem] = []
    if flag_index(inst, spec.flag) < 0:
        out.append(
            spec.problem(
                "flag",
                f"applicants.csv has no flag column '{spec.flag}'"
                f"{suggest(spec.flag, list(inst.flag_names))}; {flag_text(inst)}. flag names "
                "the 0/1 column whose groups the segregation indices compare",
            )
        )
    for f in spec.by_flags:
        if f != spec.flag and flag_index(inst, f) < 0:
            out.append(
                spec.problem(
                    "by_flags",
                    f"applicants.csv has no flag column '{f}'{suggest(f, list(inst.flag_names))};"
                    f" {flag_text(inst)}",
                )
            )
    return out


# --------------------------------------------------------------------------- distances


def coordinates(rnd: Round) -> tuple[np.ndarray, np.ndarray]:
    """Children's and schools' coordinates, NaN where missing (all NaN without any)."""
    n, m = rnd.instance.n_applicants, rnd.instance.n_schools
    a = rnd.applicant_xy if rnd.applicant_xy is not None else np.full((n, 2), np.nan)
    s = rnd.school_xy if rnd.school_xy is not None else np.full((m, 2), np.nan)
    return a, s


def nearest_schools(rnd: Round, children: np.ndarray, schools: np.ndarray) -> np.ndarray:
    """For each child of ``children``, the nearest school among ``schools`` by the round's
    distance (:func:`samen.engine.distance.nearest`: ties to the earlier school); -1 for a
    child without coordinates or when no school has any."""
    a_xy, s_xy = coordinates(rnd)
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
        return nearest_schools(rnd, everyone, all_schools)
    a_hood = np.array(app_t.col("neighbourhood"), dtype=object)
    s_hood = np.array(sch_t.col("neighbourhood"), dtype=object)
    out = np.full(n, -1, dtype=np.int64)
    done = np.zeros(n, dtype=bool)
    for h in sorted(set(a_hood.tolist()) - {""}):
        here = np.flatnonzero(s_hood == h)
        if here.size == 0:
            continue
        kids = np.flatnonzero(a_hood == h)
        out[kids] = nearest_schools(rnd, kids, here)
        done[kids] = out[kids] >= 0
    rest = np.flatnonzero(~done)
    out[rest] = nearest_schools(rnd, rest, all_schools)
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
        groups: dict[tuple[int, bool, str], list[Pool]] = {}
        for p in ps:  # an expression of several terms (section 10.1) is its own group
            groups.setdefault((p.flag, p.negate, p.expression), []).append(p)
        new: list[Pool] = []
        used: set[str] = set()
        for (flag, negate, expression), members in groups.items():
            total = sum(p.seats for p in members)
            base = _SUFFIX.sub("", members[0].name) or members[0].name
            while f"{base}-distance" in used or f"{base}-lottery" in used:
                base += "'"
            k_dist, k_lot = largest_remainder([d, 1 - d], total)
            if d > 0:
                new.append(
                    Pool(f"{base}-distance", k_dist, flag, negate, ORDER_DISTANCE, expression)
                )
                used.add(f"{base}-distance")
            if d < 1:
                new.append(Pool(f"{base}-lottery", k_lot, flag, negate, ORDER_LOTTERY, expression))
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


def _priority_at(
    rnd: Round, pairs: list[tuple[int, int]], skip: Sequence[str] = ()
) -> dict[tuple[int, int], int]:
    """Strongest priority group index of (child, school) pairs from priorities.csv, leaving
    out the groups ``skip`` (the first-choice-only groups, for ``priority_rest``)."""
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
        if key in want and g in g_index and g not in skip:
            out[key] = min(out.get(key, len(g_index)), g_index[g])
    return out


def distance_of(rnd: Round, apps: np.ndarray, schools: np.ndarray) -> np.ndarray:
    """Distance of (child, school) pairs as the round reader computes it: from coordinates,
    replaced by distances.csv where it has the pair; both rounded to the centimetre
    (:mod:`samen.engine.distance`)."""
    a_xy, s_xy = coordinates(rnd)
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
    ins_dist = distance_of(rnd, insert, ins_school)
    rest: dict[str, np.ndarray] = {}
    if inst.priority_rest is not None:  # section 10.4: the strongest row not first-choice only
        pairs = list(zip(insert.tolist(), ins_school.tolist(), strict=True))
        rest_at = _priority_at(rnd, pairs, inst.first_choice_only)
        ins_rest = np.array([rest_at.get(k, none) for k in pairs], dtype=np.int32)
        rest["priority_rest"] = np.concatenate([inst.priority_rest, ins_rest])

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
        **{k: v[order].astype(np.int32) for k, v in rest.items()},
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
    bad = _problem_adder(variant, problems)
    changes: dict[str, Any] = {}
    if variant.mechanism is not None:
        changes["mechanism"] = variant.mechanism
    if variant.tie_breaking is not None:
        changes["tie_breaking"] = variant.tie_breaking
    fi = flag_index(inst, flag)
    arrays = _pool_changes(inst, variant, flag, fi, bad)
    if arrays is not None:
        changes.update(arrays)
    if variant.pledges is not None:
        who = _pledge_checks(rnd, variant, flag, fi, bad)
        if not problems:
            interim = inst.with_(**changes) if changes else inst
            changes.update(_add_pledges(rnd, interim, variant.pledges, fi, who, seed))
    if not problems and changes:
        _check_distances(rnd, inst.with_(**changes), variant, bad)
    if problems:
        raise SpecError(problems)
    return inst.with_(**changes) if changes else inst


Bad = Callable[[str, str], None]


def _problem_adder(variant: Variant, problems: list[Problem]) -> Bad:
    """A function that adds a problem at a key of the variant (its line in the spec)."""

    def bad(key: str, message: str) -> None:
        line = (
            TomlDoc({}, variant.source, variant.lines).line(key) if key else variant.lines.get("")
        )
        if line is None:
            line = variant.lines.get("")
        problems.append(
            Problem(variant.source, line, f"variant.{key}" if key else "variant", message)
        )

    return bad


def _pool_changes(
    inst: Instance, variant: Variant, flag: str, fi: int, bad: Bad
) -> PoolArrays | None:
    """Steps 2 to 5 of :func:`apply_variant`: the new pool arrays, or None when the variant
    keeps the round's pools."""
    label = f"variant '{variant.name}'"
    pools = pools_of(inst)
    changed = False
    if variant.pools is not None:
        specs: list[Pool] = []
        for j, p in enumerate(variant.pools, start=1):
            fav = _parse_favours(inst, p.favours)
            if fav is None:
                bad(
                    f"pools.{j}.favours",
                    f"pool '{p.name}' of {label} favours '{p.favours}', but applicants.csv has no "
                    f"such flag column; {flag_text(inst)}",
                )
                fav = (-1, False)
            expression = (
                canonical_favours(p.favours, list(inst.flag_names)) if fav[0] == COMPOUND else ""
            )
            specs.append(Pool(p.name, 0, fav[0], fav[1], ORDER_NAMES.index(p.order_by), expression))
        shares = [to_fraction(p.share or 0) for p in variant.pools]
        for s in range(inst.n_schools):
            seats = largest_remainder(shares, int(inst.capacity[s]))
            pools[s] = [replace(sp, seats=k) for sp, k in zip(specs, seats, strict=True)]
        changed = True
    if variant.indicator_share is not None:
        if fi < 0:
            bad(
                "indicator_share",
                f"applicants.csv has no flag column '{flag}' (the spec's flag); {flag_text(inst)}",
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
            changed = True
    if variant.distance_share is not None:
        _set_distance_share(pools, to_fraction(variant.distance_share))
        changed = True
    if variant.pool_order is not None:
        _order_pools(inst, pools, variant.pool_order, bad, label)
        changed = True
    return pool_arrays(pools) if changed else None


def _order_pools(
    inst: Instance, pools: list[list[Pool]], order: Sequence[str], bad: Bad, label: str
) -> None:
    """Step 5: each school's pools sorted by the first name of ``order`` that matches."""
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


def _pledge_checks(
    rnd: Round, variant: Variant, flag: str, fi: int, bad: Bad
) -> tuple[int, bool] | None:
    """What step 6 needs of the round (a flag for ``who``, coordinates); the flag of
    ``who``."""
    inst = rnd.instance
    pl = variant.pledges
    assert pl is not None
    label = f"variant '{variant.name}'"
    who: tuple[int, bool] | None = None
    if pl.who:
        who = _parse_favours(inst, pl.who)
        if who is None:
            bad(
                "pledges.who",
                f"who = '{pl.who}' names no flag column of applicants.csv; {flag_text(inst)}"
                f" (write a flag, 'not:' and a flag, or \"\" for every family)",
            )
    a_xy, s_xy = coordinates(rnd)
    if np.isnan(a_xy).all() or np.isnan(s_xy).all():
        bad(
            "pledges",
            f"{label} has pledges, which go to each family's nearest (neighbourhood) school, "
            f"but the round has no {rnd.coordinates} coordinates of "
            + ("children" if np.isnan(a_xy).all() else "schools")
            + "; add them to the round",
        )
    if fi < 0:
        bad("pledges", f"applicants.csv has no flag column '{flag}'; {flag_text(inst)}")
    return who


def _check_distances(rnd: Round, out: Instance, variant: Variant, bad: Bad) -> None:
    """Every child listing a school with a distance pool has a distance there."""
    missing_d = _missing_distances(out)
    if not missing_d:
        return
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
        f"variant '{variant.name}' orders seats by distance, but {len(missing_d)} child(ren) "
        f"have no distance to a school they list (the first: {_few(missing_d, 2)}); the round "
        f"needs {rnd.coordinates} of children and schools or distances.csv rows",
    )


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
