"""The streets of an OpenStreetMap extract where a child may walk or cycle
(docs/distances.md): which ways count, in which direction, read with pyosmium.

:func:`travel` decides from a way's tags whether it may be used on foot (``walk``) or by
bicycle (``bike``) and in which directions; :func:`read_streets` reads an ``.osm`` (XML) or
``.osm.pbf`` file into :class:`Streets`: the usable segments (two consecutive nodes of a
usable way) as arrays.

The rules (also in docs/distances.md, which is what an office reads):

* **walk**: ``highway`` is one of :data:`WALK_HIGHWAYS`; or one of :data:`WALK_IF_ALLOWED`
  with ``foot`` = ``yes``, ``designated`` or ``permissive``. ``motorway`` and
  ``motorway_link`` never count, nor a way with ``motorroad=yes``. The access tag that
  decides is ``foot``, else ``access``: a value of :data:`DENIED` closes the way. Walking
  goes both ways along every way (one-way tags are for vehicles).
* **bike**: ``highway`` is one of :data:`BIKE_HIGHWAYS`; or one of :data:`BIKE_IF_ALLOWED`
  with ``bicycle`` = ``yes``, ``designated`` or ``permissive``; the access tag that decides
  is ``bicycle``, else ``vehicle``, else ``access``. One-way streets are one-way for bicycles
  too (``oneway=yes``, ``true`` or ``1``: along the way; ``-1`` or ``reverse``: against it; a
  roundabout, ``junction=roundabout`` or ``circular``, unless ``oneway=no``), except where
  cyclists may ride both ways: ``oneway:bicycle=no``, or a ``cycleway``, ``cycleway:left``,
  ``cycleway:right`` or ``cycleway:both`` tag whose value starts with ``opposite``.
  ``oneway:bicycle=yes`` or ``-1`` makes a way one-way for bicycles only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from samen.io.errors import InputError, Problem

#: the ways of travel
MODES: tuple[str, ...] = ("walk", "bike")
#: the words a user reads for each way of travel
MODE_WORDS: dict[str, str] = {"walk": "on foot", "bike": "by bicycle"}

#: roads and paths a person may cycle along unless an access tag closes them
BIKE_HIGHWAYS = frozenset(
    {
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "living_street",
        "service",
        "road",
        "track",
        "path",
        "cycleway",
    }
)
#: roads and paths a person may walk along unless an access tag closes them: the cycling ones
#: and the ways for people on foot
WALK_HIGHWAYS = BIKE_HIGHWAYS | {"pedestrian", "footway", "steps"}
#: ways that count for walking only with an explicit foot=yes, designated or permissive
WALK_IF_ALLOWED = frozenset({"trunk", "trunk_link", "bridleway"})
#: ways that count for cycling only with an explicit bicycle=yes, designated or permissive
BIKE_IF_ALLOWED = frozenset({"trunk", "trunk_link", "footway", "pedestrian", "steps", "bridleway"})
#: access values that close a way (the first value, when a tag lists several with ';')
DENIED = frozenset(
    {
        "no",
        "private",
        "agricultural",
        "forestry",
        "delivery",
        "military",
        "emergency",
        "use_sidepath",
    }
)
#: access values that open a way of WALK_IF_ALLOWED or BIKE_IF_ALLOWED
EXPLICIT = frozenset({"yes", "designated", "permissive"})
#: the file names pyosmium reads (it knows the format by the ending)
SUFFIXES: tuple[str, ...] = (".osm", ".osm.pbf", ".pbf", ".osm.gz", ".osm.bz2")

_YES = ("yes", "true", "1")
_NO = ("no", "false", "0")

Tags = Mapping[str, str]


def _first(value: str | None) -> str | None:
    return value.split(";", 1)[0].strip().lower() if value else None


def _access(tags: Tags, keys: tuple[str, ...]) -> str | None:
    """The value of the most specific access tag of ``keys`` that the way has."""
    for key in keys:
        v = _first(tags.get(key))
        if v:
            return v
    return None


def _may_use(
    tags: Tags,
    highway: str,
    usual: frozenset[str],
    if_allowed: frozenset[str],
    keys: tuple[str, ...],
) -> bool:
    if highway in if_allowed:
        return _first(tags.get(keys[0])) in EXPLICIT
    if highway not in usual or _first(tags.get("motorroad")) in _YES:
        return False
    return _access(tags, keys) not in DENIED


def _bike_directions(tags: Tags) -> tuple[bool, bool]:
    """(along the way, against it) for a bicycle, by the one-way tags."""
    own = _first(tags.get("oneway:bicycle"))
    if own in _NO:
        return True, True
    if own in _YES:
        return True, False
    if own == "-1":
        return False, True
    for key in ("cycleway", "cycleway:left", "cycleway:right", "cycleway:both"):
        if (_first(tags.get(key)) or "").startswith("opposite"):
            return True, True
    oneway = _first(tags.get("oneway"))
    if oneway in _YES:
        return True, False
    if oneway in ("-1", "reverse"):
        return False, True
    if oneway in _NO:
        return True, True
    if _first(tags.get("junction")) in ("roundabout", "circular"):
        return True, False
    return True, True


def travel(tags: Tags, mode: str) -> tuple[bool, bool]:
    """(along the way, against it): in which directions a way with ``tags`` may be used on
    foot (``mode="walk"``) or by bicycle (``"bike"``); (False, False) when it may not.

    >>> travel({"highway": "residential", "oneway": "yes"}, "walk")
    (True, True)
    >>> travel({"highway": "residential", "oneway": "yes"}, "bike")
    (True, False)
    >>> travel({"highway": "residential", "oneway": "yes", "oneway:bicycle": "no"}, "bike")
    (True, True)
    >>> travel({"highway": "motorway"}, "walk"), travel({"highway": "footway"}, "bike")
    ((False, False), (False, False))
    >>> travel({"highway": "service", "access": "private", "foot": "yes"}, "walk")
    (True, True)
    """
    highway = _first(tags.get("highway")) or ""
    if mode == "walk":
        ok = _may_use(tags, highway, WALK_HIGHWAYS, WALK_IF_ALLOWED, ("foot", "access"))
        return (True, True) if ok else (False, False)
    if mode != "bike":
        raise ValueError(f"unknown mode {mode!r}; use walk or bike")
    if not _may_use(
        tags, highway, BIKE_HIGHWAYS, BIKE_IF_ALLOWED, ("bicycle", "vehicle", "access")
    ):
        return False, False
    return _bike_directions(tags)


class MapError(InputError):
    """The street map cannot be used; ``problems`` says why."""

    WHAT = "The street map"


@dataclass(frozen=True)
class Streets:
    """The usable segments of a street map: nodes (lon, lat in WGS84 degrees) and segments
    ``a[k] -> b[k]`` (node indices, in the way's direction) with the directions they may be
    used in and the OSM id of their way."""

    lon: np.ndarray  # float64[N]
    lat: np.ndarray  # float64[N]
    a: np.ndarray  # int64[S]
    b: np.ndarray  # int64[S]
    forward: np.ndarray  # bool[S], a -> b allowed
    backward: np.ndarray  # bool[S], b -> a allowed
    way: np.ndarray  # int64[S], OSM way id
    #: ways in the file with a highway tag, and of those the ones usable in this mode
    highways: int
    usable_ways: int


def suffix_ok(path: Path) -> bool:
    """Whether the file name ends in one of :data:`SUFFIXES`."""
    name = path.name.lower()
    return any(name.endswith(s) for s in SUFFIXES)


@dataclass
class _Collected:
    """Every usable way's located nodes as flat lists (node id, lon, lat, chain) and per
    chain (way id, forward, backward); a chain is a run of consecutive nodes with a location
    (an extract cut at its border leaves ways with nodes it does not hold)."""

    ids: list[int] = field(default_factory=list)
    lons: list[float] = field(default_factory=list)
    lats: list[float] = field(default_factory=list)
    chain_of: list[int] = field(default_factory=list)
    chains: list[tuple[int, bool, bool]] = field(default_factory=list)
    #: ways with a highway tag; nodes of usable ways that the file does not place
    highways: int = 0
    unlocated: int = 0


def _collect(path: Path, mode: str) -> _Collected:
    """Read the usable ways of the file at ``path`` (:class:`_Collected`)."""
    import osmium

    got = _Collected()
    decide: Callable[[Tags, str], tuple[bool, bool]] = travel
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for obj in processor:
        if not isinstance(obj, osmium.osm.Way):
            continue
        got.highways += 1
        forward, backward = decide({t.k: t.v for t in obj.tags}, mode)
        if not (forward or backward):
            continue
        open_chain = False
        for n in obj.nodes:
            loc = n.location
            if not loc.valid():
                got.unlocated += 1
                open_chain = False
                continue
            if not open_chain:
                got.chains.append((obj.id, forward, backward))
                open_chain = True
            got.ids.append(n.ref)
            got.lons.append(loc.lon)
            got.lats.append(loc.lat)
            got.chain_of.append(len(got.chains) - 1)
    return got


def read_streets(path: Path, mode: str) -> Streets:
    """The segments of the map at ``path`` usable in ``mode`` (:func:`travel`); raise
    :class:`MapError` when the file cannot be read as OpenStreetMap data."""
    name = path.name
    if not suffix_ok(path):
        raise MapError(
            [
                Problem(
                    name,
                    None,
                    None,
                    "samen reads OpenStreetMap files ending in " + ", ".join(SUFFIXES) + "; "
                    "export the map in one of these formats (or rename it, if it is one)",
                )
            ]
        )
    try:
        got = _collect(path, mode)
    except (RuntimeError, ValueError, OSError) as exc:
        raise MapError(
            [
                Problem(
                    name,
                    None,
                    None,
                    f"cannot read this file as OpenStreetMap data ({exc}); export the map again "
                    "as .osm (XML) or .osm.pbf",
                )
            ]
        ) from None
    if got.unlocated and not got.ids:
        raise MapError(
            [
                Problem(
                    name,
                    None,
                    None,
                    "the streets' nodes have no coordinates in this file (a file must list its "
                    "nodes before its ways, as OpenStreetMap's exports do); sort it, for example "
                    "with 'osmium sort', or export it again",
                )
            ]
        )
    node_ref = np.asarray(got.ids, dtype=np.int64)
    chain = np.asarray(got.chain_of, dtype=np.int64)
    _, first, inverse = np.unique(node_ref, return_index=True, return_inverse=True)
    k = np.flatnonzero(chain[1:] == chain[:-1]) if chain.size > 1 else np.zeros(0, np.int64)
    a, b = inverse[k], inverse[k + 1]
    keep = a != b  # a node repeated in a way gives no segment
    k, a, b = k[keep], a[keep], b[keep]
    meta = np.asarray(got.chains, dtype=np.int64).reshape(-1, 3)
    seg_chain = chain[k]
    usable_ways = int(np.unique(meta[:, 0]).size) if len(meta) else 0
    return Streets(
        lon=np.asarray(got.lons, dtype=np.float64)[first],
        lat=np.asarray(got.lats, dtype=np.float64)[first],
        a=a.astype(np.int64),
        b=b.astype(np.int64),
        forward=meta[seg_chain, 1].astype(bool),
        backward=meta[seg_chain, 2].astype(bool),
        way=meta[seg_chain, 0],
        highways=got.highways,
        usable_ways=usable_ways,
    )


__all__ = [
    "BIKE_HIGHWAYS",
    "BIKE_IF_ALLOWED",
    "DENIED",
    "EXPLICIT",
    "MODES",
    "MODE_WORDS",
    "SUFFIXES",
    "WALK_HIGHWAYS",
    "WALK_IF_ALLOWED",
    "MapError",
    "Streets",
    "read_streets",
    "suffix_ok",
    "travel",
]
