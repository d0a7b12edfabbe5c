"""Route distances along the street network: from every child's home to every school it
lists (or to every school), on foot or by bicycle (docs/distances.md, ``samen distances``).

How a distance is made:

1. **Coordinates.** Homes and schools come as ``lat,lon`` (WGS84 degrees) or as ``x,y`` in
   the projection that round.toml's ``crs`` names (for example ``EPSG:31370``, Belgian
   Lambert 72, or ``EPSG:28992``, the Dutch RD); pyproj converts ``x,y`` to degrees.
2. **The streets.** :func:`samen.analytics.osm.read_streets` reads the segments of the
   OpenStreetMap extract that may be used in the mode. A segment's length is its length on
   the ground: the geodesic between its two nodes on the WGS84 ellipsoid.
3. **Snapping.** Each home and school is put on the nearest point of a usable segment, not
   on the nearest node: nodes and places are laid on a plane (an azimuthal equidistant
   projection of the ellipsoid, centred on the round: within 20 km of the centre it
   stretches lengths by less than 2 mm per km), sample points every :data:`SAMPLE_M` metres
   along the segments near the round go into a KD-tree (SciPy's ``cKDTree``), and every
   segment with a sample point within the nearest sample's distance plus half the sample
   spacing is projected on exactly; the nearest projection wins (ties: the segment met first
   in the file). The straight piece from the place to that point is part of the distance,
   at both ends. A place farther than the snap limit (:data:`SNAP_LIMIT_M`) from every
   usable segment is a problem.
4. **Shortest paths.** One Dijkstra search per school (SciPy's
   ``scipy.sparse.csgraph.dijkstra``), on the reversed graph from the school's snapped point,
   gives the distance from every node to the school; a home's distance is then the best of
   leaving its segment at either end (in a direction the segment allows), or of riding along
   it when the school is on the same segment, plus the two straight pieces.
5. **Rounding.** Metres are rounded to the centimetre (:func:`samen.engine.distance.centimetres`,
   decision 16), as every distance the rules use.

A home with no route to a school (a part of the network that is not connected, a one-way
street that leads nowhere by bicycle) is a problem; so is a school that most of the homes
that need it cannot reach (then the school is named, once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from samen.analytics.osm import MODE_WORDS, MODES, MapError, Streets, read_streets
from samen.engine.distance import centimetres
from samen.io.errors import InputError, Problem, Problems, count
from samen.io.places import Places, PlaceTable
from samen.io.settings import ROUND_FILE

if TYPE_CHECKING:
    import pyproj

#: how far a home or school may be from the nearest usable way, metres (``--snap-limit``)
SNAP_LIMIT_M = 500.0
#: the spacing of the KD-tree's sample points along the segments, metres
SAMPLE_M = 20.0
#: Dijkstra searches run at once (their distance rows are held together)
CHUNK_CELLS = 16_000_000
#: the most distances one run writes (children x schools with ``all_schools``): 20 million
#: rows are about 500 MB of CSV
MAX_PAIRS = 20_000_000


class RouteError(InputError):
    """The round and the street map do not give route distances; ``problems`` says why."""

    WHAT = "The input"


@dataclass(frozen=True)
class Routes:
    """The distances of ``samen distances``: one per (child, school) pair, in the order of
    applicants.csv and, per child, of its list (or of schools.csv with ``all_schools``)."""

    applicant: np.ndarray  # int64[P], row index in the applicants table
    school: np.ndarray  # int64[P], row index in the schools table
    metres: np.ndarray  # float64[P], rounded to the centimetre
    mode: str
    all_schools: bool
    #: the street map: usable segments and their total length in metres
    segments: int
    street_m: float
    ways: int
    #: the straight pieces from homes and schools to their streets, metres
    home_offset: np.ndarray
    school_offset: np.ndarray

    def rows(self, places: Places) -> Iterator[tuple[str, str, str]]:
        """The rows of distances.csv (``applicant_id``, ``school_id``, ``metres``)."""
        aid = np.asarray(places.applicants.ids, dtype=object)[self.applicant]
        sid = np.asarray(places.schools.ids, dtype=object)[self.school]
        return zip(aid.tolist(), sid.tolist(), metres_text(self.metres).tolist(), strict=True)


#: the decimals of a whole number of centimetres, as :func:`samen.engine.distance.text` writes
#: them: "", ".01", ..., ".1", ...
_DECIMALS = np.array([""] + [f".{k:02d}".rstrip("0") for k in range(1, 100)])


def metres_text(values: np.ndarray) -> np.ndarray:
    """Distances of 0 m or more, rounded to the centimetre, as the result files write them
    (:func:`samen.engine.distance.text`: at most 2 decimals, no trailing zeros), for a whole
    array at once.

    >>> metres_text(np.array([120.5, 98.0, 0.0, 1234.57, 3.07])).tolist()
    ['120.5', '98', '0', '1234.57', '3.07']
    """
    cents = np.rint(np.asarray(values, dtype=np.float64) * 100).astype(np.int64)
    return np.char.add((cents // 100).astype(str), _DECIMALS[cents % 100])


# --------------------------------------------------------------------------- coordinates


def arrays(call: Callable[..., tuple[object, ...]], *columns: np.ndarray) -> list[np.ndarray]:
    """``call(*columns)`` of pyproj (a transformation or a geodesic) with every result as a
    float64 array. pyproj takes a one-element array for a single point (a NumPy deprecation
    that will become an error), so one element goes as two and comes back as one."""
    cols = [np.asarray(c, dtype=np.float64) for c in columns]
    n = cols[0].size if cols else 0
    if n == 1:
        cols = [np.repeat(c, 2) for c in cols]
    return [np.asarray(r, dtype=np.float64)[:n] for r in call(*cols)]


def resolve_crs(places: Places, option: str | None, problems: Problems) -> pyproj.CRS | None:
    """The projection of ``x,y``: ``--crs`` or round.toml's ``crs`` (they must agree when
    both are given), checked to be a projection in metres; None when neither names one or
    it is not usable (then a problem says why)."""
    import pyproj

    if option and places.crs and option.strip() != places.crs:
        problems.add(
            "--crs",
            None,
            None,
            f'--crs is {option} but round.toml says crs = "{places.crs}" (line '
            f"{places.crs_line}); give the projection once",
        )
        return None
    name = option.strip() if option else places.crs
    if name is None:
        return None
    where: tuple[str, int | None, str | None] = (
        ("--crs", None, None) if option else (ROUND_FILE, places.crs_line, "crs")
    )
    try:
        crs = pyproj.CRS.from_user_input(name)
    except pyproj.exceptions.CRSError:
        problems.append(
            Problem(
                *where,
                f"'{name}' is not a projection samen knows; write its EPSG code, like \"EPSG:31370\" "
                'for Belgian Lambert 72 or "EPSG:28992" for the Dutch RD',
            )
        )
        return None
    units = {a.unit_name for a in crs.axis_info}
    if not crs.is_projected or not units <= {"metre", "meter"}:
        problems.append(
            Problem(
                *where,
                f"'{name}' ({crs.name}) is not a projection in metres, so it cannot be the projection "
                "of x,y; name the projection of x,y, or give the coordinates as lat,lon columns",
            )
        )
        return None
    return crs


def lat_lon(
    table: PlaceTable, rows: np.ndarray, crs: pyproj.CRS | None, problems: Problems, what: str
) -> np.ndarray:
    """float64[k, 2] (lat, lon) of the rows ``rows`` of ``table``; NaN (and a problem) where a
    row has no coordinates or they cannot be converted."""
    out = np.full((len(table.ids), 2), np.nan)
    coords = table.coords[rows]
    missing = rows[~np.isfinite(coords).all(axis=1)]
    problems.rows(
        table.source,
        (
            (
                table.rows[i],
                f"{what} '{table.ids[i]}' has no {table.columns}; samen distances "
                f"needs every {what}'s place: fill them in",
            )
            for i in missing.tolist()
        ),
        table.columns,
        same=f"a {what} without coordinates",
    )
    ok = rows[np.isfinite(coords).all(axis=1)]
    if table.columns == "lat,lon":
        out[ok] = table.coords[ok]
        return out
    if crs is None:
        return out  # the missing crs is reported once, by the caller
    import pyproj

    tr = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = arrays(tr.transform, table.coords[ok, 0], table.coords[ok, 1])
    good = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    problems.rows(
        table.source,
        (
            (
                table.rows[i],
                f"x,y cannot be converted to degrees with crs {crs.to_string()}; "
                "check the coordinates and the crs in round.toml",
            )
            for i in ok[~good].tolist()
        ),
        "x,y",
        same="x,y that cannot be converted",
    )
    out[ok[good], 0] = lat[good]
    out[ok[good], 1] = lon[good]
    return out


def plane(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> np.ndarray:
    """float64[k, 2] metres (east, north) on the azimuthal equidistant projection of the WGS84
    ellipsoid centred on (``lat0``, ``lon0``), by pyproj: distances from the centre are
    exact geodesic distances, and lengths elsewhere are stretched by about (d / R)^2 / 6 at a
    distance d from it (less than 2 mm per km within 20 km).

    At the equator a thousandth of a degree is 111.3195 m east-west (the equator's radius,
    6,378,137 m) and 110.5743 m north-south (the meridian's radius of curvature there,
    6,378,137 x (1 - e^2) = 6,335,439 m):

    >>> plane(np.array([0.0, 0.001]), np.array([0.001, 0.0]), 0.0, 0.0).round(4).tolist()
    [[111.3195, 0.0], [0.0, 110.5743]]
    """
    import pyproj

    local = pyproj.CRS.from_proj4(
        f"+proj=aeqd +lat_0={lat0!r} +lon_0={lon0!r} +datum=WGS84 +units=m +no_defs"
    )
    to_plane = pyproj.Transformer.from_crs("EPSG:4326", local, always_xy=True)
    return np.column_stack(arrays(to_plane.transform, lon, lat))


# --------------------------------------------------------------------------- snapping


@dataclass(frozen=True)
class Snapped:
    """Where places meet the streets: the segment (-1: none within the limit), the fraction
    ``t`` along it (0 at ``a``, 1 at ``b``) and the straight distance to it, metres."""

    segment: np.ndarray  # int64[k]
    t: np.ndarray  # float64[k]
    offset: np.ndarray  # float64[k], inf where nothing is within the limit


def snap(
    points: np.ndarray, a_xy: np.ndarray, b_xy: np.ndarray, limit: float, sample: float = SAMPLE_M
) -> Snapped:
    """Each point (rows of ``points``, plane metres) on its nearest segment ``a_xy[s] ->
    b_xy[s]``, searching only within ``limit`` metres (see the module docstring, step 3).

    >>> s = snap(np.array([[5.0, 3.0], [50.0, 0.0]]), np.array([[0.0, 0.0]]),
    ...          np.array([[10.0, 0.0]]), 20.0)
    >>> s.segment.tolist(), s.t.tolist(), s.offset.tolist()
    ([0, -1], [0.5, 0.0], [3.0, inf])
    """
    from scipy.spatial import cKDTree

    k = len(points)
    seg = np.full(k, -1, dtype=np.int64)
    t_out = np.zeros(k)
    off = np.full(k, np.inf)
    if k == 0 or len(a_xy) == 0:
        return Snapped(seg, t_out, off)
    lo, hi = points.min(axis=0) - limit, points.max(axis=0) + limit
    near = np.flatnonzero(
        ((np.maximum(a_xy, b_xy) >= lo) & (np.minimum(a_xy, b_xy) <= hi)).all(axis=1)
    )
    if near.size == 0:
        return Snapped(seg, t_out, off)
    a, ab = a_xy[near], b_xy[near] - a_xy[near]
    length = np.hypot(ab[:, 0], ab[:, 1])
    pieces = np.maximum(np.ceil(length / sample), 1).astype(np.int64)
    owner = np.repeat(np.arange(near.size), pieces + 1)
    start = np.concatenate(([0], np.cumsum(pieces + 1)[:-1]))
    frac = (np.arange(owner.size) - start[owner]) / pieces[owner]
    samples = a[owner] + frac[:, None] * ab[owner]
    tree = cKDTree(samples)
    nearest, _ = tree.query(points)
    half = float((length / pieces).max()) / 2
    reach = nearest - half <= limit  # else no segment is within the limit
    who = np.flatnonzero(reach)
    if who.size == 0:
        return Snapped(seg, t_out, off)
    found = tree.query_ball_point(points[who], nearest[who] + half + 1e-6)
    sizes = np.fromiter((len(f) for f in found), dtype=np.int64, count=who.size)
    flat = np.fromiter((j for f in found for j in f), dtype=np.int64, count=int(sizes.sum()))
    pair = np.unique(np.repeat(who, sizes) * near.size + owner[flat])
    p, s = pair // near.size, pair % near.size
    d2 = (ab[s] ** 2).sum(axis=1)
    rel = points[p] - a[s]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(d2 > 0, (rel * ab[s]).sum(axis=1) / np.where(d2 > 0, d2, 1.0), 0.0)
    t = np.clip(t, 0.0, 1.0)
    gap = points[p] - (a[s] + t[:, None] * ab[s])
    dist = np.hypot(gap[:, 0], gap[:, 1])
    order = np.lexsort((s, dist, p))  # per point: nearest first, then the earlier segment
    best = order[np.concatenate(([True], p[order][1:] != p[order][:-1]))]
    win = dist[best] <= limit
    best = best[win]
    seg[p[best]] = near[s[best]]
    t_out[p[best]] = t[best]
    off[p[best]] = dist[best]
    return Snapped(seg, t_out, off)


# --------------------------------------------------------------------------- the graph


def _reversed_graph(
    streets: Streets, length: np.ndarray, school_snap: Snapped, schools: np.ndarray
) -> object:
    """The street graph with every edge reversed, plus one source node per school (numbered
    after the streets' nodes) with edges to the ends of its segment from which the school's
    point can be reached: a search from it gives each node's distance *to* the school."""
    from scipy.sparse import csr_matrix

    n, fw, bw = len(streets.lon), streets.forward, streets.backward
    rows = [streets.b[fw], streets.a[bw]]
    cols = [streets.a[fw], streets.b[bw]]
    weights = [length[fw], length[bw]]
    seg = school_snap.segment[schools]
    t = school_snap.t[schools]
    src = n + np.arange(schools.size)
    # reaching the school's point from a means going along the segment (or t == 0)
    from_a = fw[seg] | (t == 0)
    from_b = bw[seg] | (t == 1)
    rows += [src[from_a], src[from_b]]
    cols += [streets.a[seg[from_a]], streets.b[seg[from_b]]]
    weights += [t[from_a] * length[seg[from_a]], (1 - t[from_b]) * length[seg[from_b]]]
    r, c, w = (np.concatenate(x) for x in (rows, cols, weights))
    # parallel edges: keep the shortest (a sparse matrix would add them up)
    size = n + schools.size
    key = r * size + c
    order = np.lexsort((w, key))
    first = order[np.concatenate(([True], key[order][1:] != key[order][:-1]))]
    return csr_matrix((w[first], (r[first], c[first])), shape=(size, size))


def _to_school(
    dist: np.ndarray,
    streets: Streets,
    length: np.ndarray,
    home: Snapped,
    school: Snapped,
    homes: np.ndarray,
    s: int,
) -> np.ndarray:
    """Metres along the streets from the snapped points of ``homes`` to that of school ``s``,
    given ``dist``, every node's distance to the school (inf: no route)."""
    seg = home.segment[homes]
    t = home.t[homes]
    ln = length[seg]
    fw, bw = streets.forward[seg], streets.backward[seg]
    inf = np.full(homes.size, np.inf)
    via_a = np.where(bw | (t == 0), t * ln + dist[streets.a[seg]], inf)
    via_b = np.where(fw | (t == 1), (1 - t) * ln + dist[streets.b[seg]], inf)
    best = np.minimum(via_a, via_b)
    same = seg == school.segment[s]
    if same.any():
        ts = school.t[s]
        ahead = ts >= t
        ok = np.where(ahead, fw | (ts == t), bw)
        along = np.where(same & ok, np.abs(ts - t) * ln, inf)
        best = np.minimum(best, along)
    return best


def segment_lengths(streets: Streets) -> np.ndarray:
    """float64[S]: the length of each segment on the ground, metres: the geodesic between
    its two nodes on the WGS84 ellipsoid (pyproj's ``Geod``, Karney's algorithm)."""
    import pyproj

    geod = pyproj.Geod(ellps="WGS84")
    a, b = streets.a, streets.b
    return arrays(geod.inv, streets.lon[a], streets.lat[a], streets.lon[b], streets.lat[b])[2]


def along_streets(
    streets: Streets,
    length: np.ndarray,
    home: Snapped,
    school: Snapped,
    pair_home: np.ndarray,
    pair_school: np.ndarray,
) -> np.ndarray:
    """Metres from home to school along the streets for each pair, straight pieces
    included; inf where there is no route. One Dijkstra search per school, run
    ``CHUNK_CELLS // nodes`` at a time."""
    from scipy.sparse.csgraph import dijkstra

    schools = np.unique(pair_school)
    graph = _reversed_graph(streets, length, school, schools)
    n = len(streets.lon)
    out = np.full(pair_home.size, np.inf)
    by_school = np.argsort(pair_school, kind="stable")
    bounds = np.searchsorted(pair_school[by_school], schools, side="left").tolist()
    bounds.append(pair_home.size)
    step = max(1, CHUNK_CELLS // (n + schools.size))
    for lo in range(0, schools.size, step):
        chunk = np.arange(lo, min(lo + step, schools.size))
        dist = dijkstra(graph, directed=True, indices=n + chunk)
        for row, j in enumerate(chunk.tolist()):
            idx = by_school[bounds[j] : bounds[j + 1]]
            out[idx] = _to_school(
                dist[row], streets, length, home, school, pair_home[idx], int(schools[j])
            )
    out += home.offset[pair_home] + school.offset[pair_school]
    return out


# --------------------------------------------------------------------------- problems


def _snap_problems(
    table: PlaceTable,
    rows: np.ndarray,
    snapped: Snapped,
    what: str,
    mode: str,
    map_name: str,
    limit: float,
    problems: Problems,
) -> None:
    far = rows[snapped.segment[rows] < 0]
    problems.rows(
        table.source,
        (
            (
                table.rows[i],
                f"the {what} '{table.ids[i]}' is more than {limit:g} m from every street one may "
                f"use {MODE_WORDS[mode]} in {map_name}; check its {table.columns}, and that the map "
                "covers it (--snap-limit allows more)",
            )
            for i in far.tolist()
        ),
        table.columns,
        same=f"a {what} too far from the streets",
    )


def _route_problems(
    places: Places,
    streets: Streets,
    home: Snapped,
    school: Snapped,
    pair_home: np.ndarray,
    pair_school: np.ndarray,
    metres: np.ndarray,
    mode: str,
    map_name: str,
    problems: Problems,
) -> None:
    """A school that more than half of the homes that need it (two or more) cannot reach is
    named once; every other pair without a route is named at its child."""
    lost = ~np.isfinite(metres)
    if not lost.any():
        return
    sch, app = places.schools, places.applicants
    need = np.bincount(pair_school, minlength=len(sch.ids))
    miss = np.bincount(pair_school[lost], minlength=len(sch.ids))
    cut_off = (miss >= 2) & (2 * miss > need)
    for s in np.flatnonzero(cut_off).tolist():
        seg = int(school.segment[s])
        problems.add(
            sch.source,
            sch.rows[s],
            sch.columns,
            f"the school '{sch.ids[s]}' cannot be reached {MODE_WORDS[mode]} from {miss[s]} of the "
            f"{need[s]} homes that need it: its nearest street (way {streets.way[seg]} of "
            f"{map_name}, {school.offset[s]:.0f} m away) is on a part of the network that is not "
            "connected to theirs; check its coordinates, or the map",
        )
    rest = np.flatnonzero(lost & ~cut_off[pair_school])
    by_home: dict[int, list[str]] = {}
    for k in rest.tolist():
        by_home.setdefault(int(pair_home[k]), []).append(sch.ids[int(pair_school[k])])

    def message(h: int, ids: list[str]) -> str:
        named = ", ".join(f"'{i}'" for i in ids[:3]) + (
            f" and {len(ids) - 3} more" if len(ids) > 3 else ""
        )
        return (
            f"there is no route {MODE_WORDS[mode]} in {map_name} from the home of '{app.ids[h]}' "
            f"(on way {streets.way[home.segment[h]]}, {home.offset[h]:.0f} m away) to "
            f"{'school' if len(ids) == 1 else f'{len(ids)} schools:'} {named}; check the home's "
            "coordinates, or the map (a street that is not connected, or one-way streets that "
            "lead away)"
        )

    problems.rows(
        app.source,
        ((app.rows[h], message(h, ids)) for h, ids in by_home.items()),
        app.columns,
        same="a home without a route to a school",
    )


# --------------------------------------------------------------------------- the whole


def pairs_of(places: Places, all_schools: bool) -> tuple[np.ndarray, np.ndarray]:
    """(child, school) row indices of the distances to compute, in the order of the file:
    children as in applicants.csv, each with its list in order, or with every school in the
    order of schools.csv."""
    n, m = len(places.applicants.ids), len(places.schools.ids)
    if all_schools:
        return np.repeat(np.arange(n), m), np.tile(np.arange(m), n)
    return np.repeat(np.arange(n), np.diff(places.choice_ptr)), places.choices.copy()


def route_distances(
    places: Places,
    osm: Path,
    mode: str = "walk",
    *,
    crs: str | None = None,
    all_schools: bool = False,
    snap_limit: float = SNAP_LIMIT_M,
) -> Routes:
    """The distances of ``samen distances`` (see the module docstring); raise
    :class:`RouteError` with every problem (file, row, column, what to fix)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; use walk or bike")
    problems = Problems()
    pair_home, pair_school = pairs_of(places, all_schools)
    _check_size(places, pair_home.size, all_schools)
    homes, schools = np.unique(pair_home), np.unique(pair_school)
    uses_xy = any(
        t.columns == "x,y" and rows.size
        for t, rows in ((places.applicants, homes), (places.schools, schools))
    )
    proj = resolve_crs(places, crs, problems)
    if uses_xy and proj is None and not problems:
        problems.add(
            ROUND_FILE,
            None,
            "crs",
            'the tables give x,y; name their projection in round.toml, like crs = "EPSG:31370" '
            '(Belgian Lambert 72) or crs = "EPSG:28992" (Dutch RD), or give it with --crs',
        )
    home_ll = lat_lon(places.applicants, homes, proj, problems, "child")
    school_ll = lat_lon(places.schools, schools, proj, problems, "school")
    problems.raise_if_any(RouteError)
    try:
        streets = read_streets(osm, mode)
    except MapError as exc:
        raise RouteError(exc.problems) from None
    if streets.a.size == 0:
        raise RouteError(
            [
                Problem(
                    osm.name,
                    None,
                    None,
                    f"the map has no street one may use {MODE_WORDS[mode]} "
                    f"({count(streets.highways, 'way')} with a highway tag); is it an "
                    "OpenStreetMap extract of the round's city?",
                )
            ]
        )
    placed = np.vstack([home_ll[homes], school_ll[schools]])
    lat0 = float((placed[:, 0].min() + placed[:, 0].max()) / 2)
    lon0 = float((placed[:, 1].min() + placed[:, 1].max()) / 2)
    node_xy = plane(streets.lat, streets.lon, lat0, lon0)
    a_xy, b_xy = node_xy[streets.a], node_xy[streets.b]
    home_snap = _snap_all(home_ll, homes, a_xy, b_xy, lat0, lon0, snap_limit)
    school_snap = _snap_all(school_ll, schools, a_xy, b_xy, lat0, lon0, snap_limit)
    if not (home_snap.segment[homes] >= 0).any() and not (school_snap.segment[schools] >= 0).any():
        hint = " and that crs is the projection of x,y" if uses_xy else ""
        problems.add(
            osm.name,
            None,
            None,
            f"no home and no school is within {snap_limit:g} m of a street one may use "
            f"{MODE_WORDS[mode]} in this map; check that it is the map of the round's city{hint}",
        )
    _snap_problems(
        places.schools, schools, school_snap, "school", mode, osm.name, snap_limit, problems
    )
    _snap_problems(
        places.applicants, homes, home_snap, "home of", mode, osm.name, snap_limit, problems
    )
    problems.raise_if_any(RouteError)
    length = segment_lengths(streets)
    metres = along_streets(streets, length, home_snap, school_snap, pair_home, pair_school)
    _route_problems(
        places,
        streets,
        home_snap,
        school_snap,
        pair_home,
        pair_school,
        metres,
        mode,
        osm.name,
        problems,
    )
    problems.raise_if_any(RouteError)
    return Routes(
        applicant=pair_home,
        school=pair_school,
        metres=centimetres(metres),
        mode=mode,
        all_schools=all_schools,
        segments=int(streets.a.size),
        street_m=float(length.sum()),
        ways=streets.usable_ways,
        home_offset=home_snap.offset[homes],
        school_offset=school_snap.offset[schools],
    )


def _check_size(places: Places, pairs: int, all_schools: bool) -> None:
    """Stop when there is nothing to compute, or more than :data:`MAX_PAIRS` distances."""
    app = places.applicants
    if pairs == 0:
        raise RouteError(
            [
                Problem(
                    app.source,
                    None,
                    "choices",
                    "no child lists a school, so there is no distance to compute; fill in the "
                    "lists of choices",
                )
            ]
        )
    if pairs > MAX_PAIRS:
        size = (
            f"{len(app.ids):,} children x {len(places.schools.ids):,} schools"
            if all_schools
            else "the lists"
        )
        raise RouteError(
            [
                Problem(
                    app.source,
                    None,
                    None,
                    f"that is {pairs:,} distances ({size}), more than samen distances writes at "
                    f"once ({MAX_PAIRS:,}); split the children over several applicants files",
                )
            ]
        )


def _snap_all(
    ll: np.ndarray,
    rows: np.ndarray,
    a_xy: np.ndarray,
    b_xy: np.ndarray,
    lat0: float,
    lon0: float,
    limit: float,
) -> Snapped:
    """:func:`snap` of the places ``rows`` (lat, lon rows of ``ll``), as arrays over all rows
    of the table."""
    k = len(ll)
    seg, t, off = np.full(k, -1, dtype=np.int64), np.zeros(k), np.full(k, np.inf)
    xy = plane(ll[rows, 0], ll[rows, 1], lat0, lon0)
    got = snap(xy, a_xy, b_xy, limit)
    seg[rows], t[rows], off[rows] = got.segment, got.t, got.offset
    return Snapped(seg, t, off)


__all__ = [
    "CHUNK_CELLS",
    "MAX_PAIRS",
    "SAMPLE_M",
    "SNAP_LIMIT_M",
    "RouteError",
    "Routes",
    "Snapped",
    "along_streets",
    "arrays",
    "lat_lon",
    "metres_text",
    "pairs_of",
    "plane",
    "resolve_crs",
    "route_distances",
    "segment_lengths",
    "snap",
]
