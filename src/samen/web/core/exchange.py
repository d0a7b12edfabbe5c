"""The round in the database as a round folder (``docs/allocation-rules.md``), and back.

:func:`folder_data` collects what the allocation needs, :func:`render_folder` writes it as the
files of a round folder. That folder is pseudonymised: children appear only by their
``public_id`` (the id their lottery number is drawn for), families and pledge groups by
labels, homes only as distances to the schools whose seats go by distance, and only the 0/1
facts that some seat pool uses. It is both what the engine reads (through
:func:`samen.io.read_round`) and what the office publishes, so ``samen verify`` on the
published folder recomputes the published results by construction.

:func:`import_round` reads a checked :class:`samen.io.Round` into the database in one
transaction, without its seed (:mod:`samen.web.core.lifecycle`).
"""

from __future__ import annotations

import contextlib
import io
import zipfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from django.db import transaction
from django.utils.text import slugify

from samen.engine.instance import PoolSpec
from samen.io.atomic import write_files
from samen.io.results import metres
from samen.io.round import Round as FolderRound
from samen.io.round import Rows, render_round
from samen.io.settings import Settings
from samen.web.core import exchange_v2, geo
from samen.web.core.exchange_v2 import RulesV2
from samen.web.core.homes import distance_schools, home_point
from samen.web.core.models import (
    HOME_IMPORTED,
    Child,
    Choice,
    DistanceOverride,
    PledgeGroup,
    Pool,
    Priority,
    Question,
    Round,
    School,
)

#: questions samen knows the wording of, for flags an imported round folder uses
KNOWN_QUESTIONS: dict[str, dict[str, str]] = {
    "indicator": {
        "nl": "Krijgt het gezin een schooltoelage, of heeft de moeder geen diploma secundair "
        "onderwijs?",
        "en": "Does the family receive a school allowance, or does the mother have no secondary "
        "school diploma?",
        "fr": "La famille reçoit-elle une allocation scolaire, ou la mère n'a-t-elle pas de "
        "diplôme de l'enseignement secondaire ?",
    }
}


# --------------------------------------------------------------------------- export


@dataclass
class FolderChild:
    public_id: str
    choices: list[str]
    flags: dict[str, int]
    family: str = ""
    pledge: str = ""
    #: (school id, group) pairs
    priorities: list[tuple[str, str]] = field(default_factory=list)
    #: school id -> metres (only schools with a seat pool ordered by distance; every school
    #: when a [[nearest]] rule needs them, section 10.3)
    distances: dict[str, float] = field(default_factory=dict)
    child_pk: int | None = None
    #: the numbers pools order by (``value:COLUMN``, section 10.2): column -> number
    values: dict[str, float | None] = field(default_factory=dict)


@dataclass
class FolderSchool:
    code: str
    name: str
    capacity: int
    x: float | None
    y: float | None
    lat: float | None
    lon: float | None
    #: [{"name", "seats", "share", "favours", "order_by"}], empty = the default pools
    pools: list[dict[str, Any]]
    #: whom the school admits (section 10.5) and its category columns (10.3)
    admits: str = ""
    categories: dict[str, str] = field(default_factory=dict)


@dataclass
class FolderData:
    """A round as the tables of a round folder, before it is written."""

    name: str
    seed: str
    commitment: str
    mechanism: str
    tie_breaking: str
    distance: str
    priority_groups: list[str]
    default_pools: list[dict[str, Any]]
    schools: list[FolderSchool]
    children: list[FolderChild]
    flags: list[str]
    #: (group id, target, threshold)
    groups: list[tuple[str, str, int]]
    #: the rules of section 10 (:mod:`samen.web.core.exchange_v2`); the defaults are v1's
    rules: RulesV2 = field(default_factory=RulesV2)


def folder_data(rnd: Round, *, unverified_metres: float | None = None) -> FolderData:
    """The round's tables as the engine needs them (children without a list are left out).

    A home whose address is still to be checked has no distance (the allocation refuses such
    a round, ``samen.web.core.homes``); ``unverified_metres`` gives it that distance instead,
    for estimates that are never published (the live chances)."""
    schools = list(rnd.schools.prefetch_related("pools").order_by("seq", "id"))
    by_pk = {s.pk: s for s in schools}
    need_distance = distance_schools(rnd, schools)
    flags = rnd.used_flags()
    rules = exchange_v2.rules_of(rnd, schools)
    # a [[nearest]] rule needs every child's distance to every school (section 10.3)
    everywhere = [s.code for s in schools] if rules.nearest else []

    children = list(rnd.children.order_by("seq", "id"))
    lists: dict[int, list[str]] = {}
    for c in Choice.objects.filter(child__round=rnd).order_by("child_id", "rank"):
        lists.setdefault(c.child_id, []).append(by_pk[c.school_id].code)
    prios: dict[int, list[tuple[str, str]]] = {}
    for p in Priority.objects.filter(child__round=rnd).order_by("id"):
        prios.setdefault(p.child_id, []).append((by_pk[p.school_id].code, p.group))
    overrides: dict[tuple[int, str], float] = {
        (d.child_id, by_pk[d.school_id].code): d.metres
        for d in DistanceOverride.objects.filter(child__round=rnd)
    }
    groups = {g.pk: g for g in rnd.pledge_groups.select_related("target")}

    applying = [c for c in children if lists.get(c.pk)]
    # distances for (child, listed school with a distance pool), computed in one go
    pairs: list[tuple[int, str]] = []
    a1: list[float] = []
    a2: list[float] = []
    b1: list[float] = []
    b2: list[float] = []
    school_by_code = {s.code: s for s in schools}
    unverified: dict[int, dict[str, float]] = {}
    for i, c in enumerate(applying):
        home = home_point(c, rnd.distance)
        listed = lists[c.pk]
        for code in listed + [x for x in everywhere if x not in listed] if everywhere else listed:
            if code not in need_distance or (c.pk, code) in overrides:
                continue
            if not c.home_verified and unverified_metres is not None:
                unverified.setdefault(i, {})[code] = unverified_metres
                continue
            place = geo.point(school_by_code[code], rnd.distance)
            if home is None or place is None:
                continue
            pairs.append((i, code))
            a1.append(home[0])
            a2.append(home[1])
            b1.append(place[0])
            b2.append(place[1])
    computed = geo.distances(rnd.distance, a1, a2, b1, b2) if pairs else np.zeros(0)

    family_count: dict[str, int] = {}
    for c in applying:
        key = c.family_key()
        if key:
            family_count[key] = family_count.get(key, 0) + 1
    family_labels: dict[str, str] = {}
    out_children: list[FolderChild] = []
    for c in applying:
        key = c.family_key()
        label = ""
        if key and family_count[key] > 1:
            label = family_labels.setdefault(key, f"F{len(family_labels) + 1}")
        group = groups.get(c.pledge_group_id) if c.pledge_group_id else None
        listed = set(lists[c.pk])
        fc = FolderChild(
            public_id=c.public_id,
            choices=lists[c.pk],
            flags={f: 1 if c.flags.get(f) else 0 for f in flags},
            family=label,
            pledge=group.group_id if group is not None and group.target.code in listed else "",
            priorities=[(s, g) for s, g in prios.get(c.pk, []) if s in listed],
            distances={
                s: overrides[(c.pk, s)]
                for s in lists[c.pk] + everywhere
                if s in need_distance and (c.pk, s) in overrides
            },
            child_pk=c.pk,
            # an estimate (never published) counts a number still to be given as the last
            values=exchange_v2.child_values(
                c, rules.numbers, None if unverified_metres is None else exchange_v2.UNKNOWN
            ),
        )
        out_children.append(fc)
    for (i, code), d in zip(pairs, computed.tolist(), strict=True):
        out_children[i].distances[code] = d
    for i, far in unverified.items():
        out_children[i].distances.update(far)
    for fc in out_children:  # keep the list order (then the schools' order)
        order = fc.choices + [x for x in everywhere if x not in fc.choices]
        fc.distances = {s: fc.distances[s] for s in order if s in fc.distances}

    used_groups = {fc.pledge for fc in out_children if fc.pledge}
    return FolderData(
        name=rnd.name,
        seed=rnd.seed,
        commitment=rnd.seed_commitment,
        mechanism=rnd.mechanism,
        tie_breaking=rnd.tie_breaking,
        distance=rnd.distance,
        priority_groups=list(rnd.priority_groups),
        default_pools=list(rnd.default_pools),
        schools=[
            FolderSchool(
                code=s.code,
                name=s.name,
                capacity=s.capacity,
                x=s.x,
                y=s.y,
                lat=s.lat,
                lon=s.lon,
                pools=[
                    {
                        "name": p.name,
                        "seats": p.seats,
                        "share": p.share,
                        "favours": p.favours,
                        "order_by": p.order_by,
                    }
                    for p in s.pools.all()
                ],
                admits=s.admits,
                categories=dict(s.categories or {}),
            )
            for s in schools
        ],
        children=out_children,
        flags=flags,
        groups=[
            (g.group_id, g.target.code, g.threshold)
            for g in groups.values()
            if g.group_id in used_groups
        ],
        rules=rules,
    )


def render_folder(data: FolderData) -> dict[str, bytes]:
    """The files of the round folder, by name (written by samen.io's one writer of round
    folders, :func:`samen.io.round.render_round`)."""
    settings = Settings(
        name=data.name,
        seed=data.seed,
        mechanism=data.mechanism,
        tie_breaking=data.tie_breaking,
        priority_groups=tuple(data.priority_groups),
        distance=data.distance,
        default_pools=tuple(
            PoolSpec(
                p["name"],
                share=str(p["share"]),
                favours=p.get("favours", ""),
                order_by=p.get("order_by", "lottery"),
            )
            for p in data.default_pools
        ),
        **exchange_v2.settings_fields(data.rules),
    )
    seed_note = ""
    if not data.seed:
        seed_note = "the seed is revealed at the public draw" + (
            f"; its SHA-256 is {data.commitment}" if data.commitment else ""
        )
    return render_round(
        settings,
        _tables(data),
        seed_note=seed_note,
        pools=bool(data.default_pools),
    )


def _tables(data: FolderData) -> dict[str, Rows]:
    xy = "x,y" if data.distance == "euclidean" else "lat,lon"
    has_xy = any((s.x is not None if xy == "x,y" else s.lat is not None) for s in data.schools)
    extra_head, extra_cells = exchange_v2.school_columns(data)
    school_rows = []
    for s, extra in zip(data.schools, extra_cells, strict=True):
        row: list[object] = [s.code, s.name, s.capacity]
        if has_xy:
            row += [s.x, s.y] if xy == "x,y" else [s.lat, s.lon]
        school_rows.append(row + extra)
    tables: dict[str, Rows] = {
        "schools": (
            ["school_id", "name", "capacity"] + (xy.split(",") if has_xy else []) + extra_head,
            school_rows,
        )
    }
    seat_rows = [
        [
            s.code,
            p["name"],
            p["seats"],
            p["share"] if p["seats"] is None else "",
            p["favours"],
            p["order_by"],
        ]
        for s in data.schools
        for p in s.pools
    ]
    if seat_rows:
        tables["seats"] = (
            ["school_id", "pool", "seats", "share", "favours", "order_by"],
            seat_rows,
        )
    has_family = any(c.family for c in data.children)
    has_pledge = any(c.pledge for c in data.children)
    numbers = data.rules.numbers
    header = ["applicant_id", "choices", *data.flags, *numbers]
    header += ["family"] if has_family else []
    header += ["pledge"] if has_pledge else []
    app_rows: list[list[object]] = []
    for c in data.children:
        row = [c.public_id, c.choices, *(c.flags[f] for f in data.flags)]
        row += [exchange_v2.number_cell(c.values.get(n)) for n in numbers]
        row += [c.family] if has_family else []
        row += [c.pledge] if has_pledge else []
        app_rows.append(row)
    tables["applicants"] = (header, app_rows)
    prio_rows = [[c.public_id, s, g] for c in data.children for s, g in c.priorities]
    if prio_rows:
        tables["priorities"] = (["applicant_id", "school_id", "group"], prio_rows)
    dist_rows = [[c.public_id, s, metres(d)] for c in data.children for s, d in c.distances.items()]
    if dist_rows:
        tables["distances"] = (["applicant_id", "school_id", "metres"], dist_rows)
    if data.groups:
        tables["groups"] = (["group_id", "target", "threshold"], data.groups)
    return tables


def write_folder(files: dict[str, bytes], folder: Path) -> None:
    """Write ``files`` into ``folder`` (made if needed; a temporary folder the engine reads)."""
    write_files(files, folder)


def zip_bytes(files: dict[str, bytes], prefix: str = "") -> bytes:
    """A zip of ``files`` (names may contain ``/``), with a fixed timestamp so the same files
    always give the same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in files:
            info = zipfile.ZipInfo(prefix + name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, files[name])
    return buf.getvalue()


# --------------------------------------------------------------------------- import


def unique_slug(text: str) -> str:
    base = slugify(text)[:60] or "round"
    slug = base
    k = 2
    while Round.objects.filter(slug=slug).exists():
        slug = f"{base}-{k}"
        k += 1
    return slug


def _fraction_share(text: str) -> str:
    f = Fraction(text)
    d = f.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d == 1:
        return format(f.numerator / f.denominator, ".15g")
    return f"{f.numerator}/{f.denominator}"


def _float(v: float) -> float | None:
    return None if v is None or np.isnan(v) else float(v)


@transaction.atomic
def import_round(folder: FolderRound, *, slug: str | None = None) -> Round:
    """Create a round (being prepared) from a read and checked round folder, all or nothing.

    The seed in round.toml is not kept: whoever has the file knows it, so it could not be the
    seed of a public draw. The office publishes a fingerprint of its own before the
    registration closes (:func:`samen.web.core.lifecycle.import_round`, which calls this, keeps
    the imported seed's fingerprint in the audit entry).
    """
    s = folder.settings
    inst = folder.instance
    rnd = Round.objects.create(
        slug=slug or unique_slug(folder.name),
        name=folder.name,
        mechanism=s.mechanism,
        tie_breaking=s.tie_breaking,
        distance=s.distance,
        priority_groups=list(s.priority_groups),
        default_pools=[
            {
                "name": p.name,
                "share": _fraction_share(str(p.share)),
                "favours": exchange_v2.expression(p.favours),
                "order_by": exchange_v2.ordering(p.order_by),
            }
            for p in s.default_pools
        ],
        status=Round.DRAFT,
        **exchange_v2.round_fields(folder),
    )
    for k, flag in enumerate(inst.flag_names):
        known = KNOWN_QUESTIONS.get(flag, {})
        Question.objects.create(
            round=rnd,
            flag=flag,
            seq=k,
            text_nl=known.get("nl", flag),
            text_en=known.get("en", ""),
            text_fr=known.get("fr", ""),
        )

    st = folder.tables["schools"]
    names = st.col("name")
    school_objs = []
    for i, code in enumerate(inst.school_ids):
        obj = School(
            round=rnd,
            code=code,
            name=names[i],
            capacity=int(inst.capacity[i]),
            seq=i,
            **exchange_v2.school_fields(inst, i),
        )
        if folder.school_xy is not None:
            a, b = _float(folder.school_xy[i, 0]), _float(folder.school_xy[i, 1])
            if folder.coordinates == "x,y":
                obj.x, obj.y = a, b
            else:
                obj.lat, obj.lon = a, b
        for extra in ("x", "y", "lat", "lon"):  # the other kind of coordinates, if given
            if getattr(obj, extra) is None and st.has(extra):
                v = st.col(extra)[i]
                if v:
                    with contextlib.suppress(ValueError):
                        setattr(obj, extra, float(v.replace(",", ".")))
        school_objs.append(obj)
    School.objects.bulk_create(school_objs)
    schools = {s.code: s for s in rnd.schools.all()}

    seats = folder.tables.get("seats")
    if seats is not None:
        pools = []
        for i, code in enumerate(seats.col("school_id")):
            pools.append(
                Pool(
                    school=schools[code],
                    seq=i,
                    name=seats.col("pool")[i],
                    seats=int(seats.col("seats")[i]) if seats.col("seats")[i] else None,
                    share=_fraction_share(seats.col("share")[i].replace(",", "."))
                    if not seats.col("seats")[i]
                    else "",
                    favours=exchange_v2.expression(seats.col("favours")[i]),
                    order_by=exchange_v2.ordering(seats.col("order_by")[i]),
                )
            )
        Pool.objects.bulk_create(pools)

    groups: dict[str, PledgeGroup] = {}
    gt = folder.tables.get("groups")
    if gt is not None:
        for i, gid in enumerate(gt.col("group_id")):
            groups[gid] = PledgeGroup.objects.create(
                round=rnd,
                group_id=gid,
                name=gid,
                target=schools[gt.col("target")[i]],
                threshold=int(gt.col("threshold")[i]),
            )

    at = folder.tables["applicants"]
    family = at.col("family")
    pledge = at.col("pledge")
    xy = folder.applicant_xy
    children = []
    for a, aid in enumerate(inst.applicant_ids):
        c = Child(
            round=rnd,
            public_id=aid,
            seq=a,
            flags={f: int(inst.flags[a, j]) for j, f in enumerate(inst.flag_names)},
            values=exchange_v2.values_of(inst, a),
            family_label=family[a],
            pledge_group=groups.get(pledge[a]) if pledge[a] else None,
            home=HOME_IMPORTED,
        )
        if xy is not None:
            va, vb = _float(xy[a, 0]), _float(xy[a, 1])
            if folder.coordinates == "x,y":
                c.x, c.y = va, vb
            else:
                c.lat, c.lon = va, vb
        children.append(c)
    Child.objects.bulk_create(children, batch_size=2000)
    child_pk = dict(rnd.children.values_list("public_id", "pk"))
    code_pk = {code: s.pk for code, s in schools.items()}

    choices = []
    for a, aid in enumerate(inst.applicant_ids):
        for rank, si in enumerate(inst.choices_of(a).tolist(), start=1):
            choices.append(
                Choice(child_id=child_pk[aid], school_id=code_pk[inst.school_ids[si]], rank=rank)
            )
    Choice.objects.bulk_create(choices, batch_size=5000)

    _import_pairs(folder, child_pk, code_pk)
    return rnd


def _import_pairs(folder: FolderRound, child_pk: dict[str, int], code_pk: dict[str, int]) -> None:
    """The priorities and the distances given for (child, school) pairs."""
    pt = folder.tables.get("priorities")
    if pt is not None:
        seen: set[tuple[str, str, str]] = set()
        prios = []
        for aid, sid, g in zip(
            pt.col("applicant_id"), pt.col("school_id"), pt.col("group"), strict=True
        ):
            if (aid, sid, g) in seen:
                continue
            seen.add((aid, sid, g))
            prios.append(Priority(child_id=child_pk[aid], school_id=code_pk[sid], group=g))
        Priority.objects.bulk_create(prios, batch_size=5000)
    dt = folder.tables.get("distances")
    if dt is not None:
        seen_d: set[tuple[str, str]] = set()
        overrides = []
        for aid, sid, m in zip(
            dt.col("applicant_id"), dt.col("school_id"), dt.col("metres"), strict=True
        ):
            if (aid, sid) in seen_d or not m:
                continue
            seen_d.add((aid, sid))
            overrides.append(
                DistanceOverride(
                    child_id=child_pk[aid],
                    school_id=code_pk[sid],
                    metres=float(m.replace(",", ".")),
                )
            )
        DistanceOverride.objects.bulk_create(overrides, batch_size=5000)
