"""The street map of a synthetic city (``samen city --osm``): a grid of streets as
OpenStreetMap XML, so that ``samen distances`` runs on any synthetic round.

The grid covers every home and school with a margin of one block. Streets run east-west and
north-south every :data:`BLOCK_M` metres, on lines counted from the city's origin (line
``k`` lies at ``origin + k x BLOCK_M``), so a home is never more than half a block from a
street:

* every :data:`MAIN_EVERY`-th line is a main road (``highway=secondary``, both ways);
* the other odd lines are one-way residential streets (``oneway=yes``), in turn along and
  against the axis; on every other one of them cyclists may ride both ways
  (``oneway:bicycle=no``, as on many Flemish and Dutch one-way streets); the grid's edges
  and the lines that cross the car-free centre are two-way, so that no one-way street
  leads a cyclist into a dead end;
* the even lines are residential streets both ways;
* within :data:`CAR_FREE_M` metres of the origin, the residential streets are a car-free
  centre (``highway=pedestrian``: walking only; small enough that every home is within
  the snap limit of a street a bicycle may take); the main roads cross it.

Coordinates are converted from the city's grid (``geography.crs``) to WGS84 degrees by
pyproj, and written with 7 decimals (about a centimetre), as OpenStreetMap stores them.
Same city, same bytes.
"""

from __future__ import annotations

import numpy as np

from samen.analytics.city.config import ConfigError
from samen.analytics.city.model import City
from samen.analytics.routes import arrays
from samen.io.errors import Problem

#: the side of a block, metres
BLOCK_M = 150.0
#: every this many lines is a main road
MAIN_EVERY = 8
#: the radius of the car-free centre, metres
CAR_FREE_M = 300.0
#: the file name in the round folder
STREETS_FILE = "streets.osm"


def _line_tags(k: int, two_way: bool) -> tuple[str, list[tuple[str, str]], bool]:
    """The highway value, the other tags of line ``k`` and whether its nodes run against
    the axis (a one-way street the other way). ``two_way``: no one-way street here (the
    grid's edge, and the streets that cross the car-free centre, where a one-way street
    would end in a street a bicycle may not take)."""
    if k % MAIN_EVERY == 0:
        return "secondary", [], False
    if k % 2 == 0 or two_way:
        return "residential", [], False
    tags = [("oneway", "yes")]
    if k % 4 == 3:
        tags.append(("oneway:bicycle", "no"))
    return "residential", tags, (k // 2) % 2 == 1


def _ways(
    ids: np.ndarray, car_free: np.ndarray, k: int, edge: bool, first_way: int
) -> tuple[list[str], int]:
    """The ways of one line: its nodes ``ids`` in axis order, split where it enters or
    leaves the car-free centre (``car_free[j]``: the segment from node j to j+1 is in it);
    ``edge``: the line is the grid's edge."""
    highway, tags, reverse = _line_tags(k, edge or bool(car_free.any()))
    out: list[str] = []
    way = first_way
    start = 0
    for j in range(1, len(ids)):
        last = j == len(ids) - 1
        if not last and car_free[j] == car_free[start]:
            continue
        run = ids[start : j + 1]
        kind = highway
        extra = tags
        if car_free[start] and highway != "secondary":
            kind, extra = "pedestrian", []
        elif reverse:
            run = run[::-1]
        refs = "".join(f'<nd ref="{n}"/>' for n in run.tolist())
        tag_text = f'<tag k="highway" v="{kind}"/>' + "".join(
            f'<tag k="{a}" v="{b}"/>' for a, b in extra
        )
        out.append(f'  <way id="{way}" version="1">{refs}{tag_text}</way>')
        way += 1
        start = j
    return out, way


def street_grid(city: City, block_m: float = BLOCK_M) -> bytes:
    """The city's street grid as OpenStreetMap XML (see the module docstring); raise
    :class:`ConfigError` when ``geography.crs`` is not a projection pyproj knows."""
    import pyproj

    g = city.config.geography
    try:
        to_degrees = pyproj.Transformer.from_crs(
            pyproj.CRS.from_user_input(g.crs), "EPSG:4326", always_xy=True
        )
    except pyproj.exceptions.CRSError:
        raise ConfigError(
            [
                Problem(
                    "config",
                    None,
                    "geography.crs",
                    f"'{g.crs}' is not a projection pyproj knows; give an EPSG code, like "
                    '"EPSG:31370"',
                    keyed=True,
                )
            ]
        ) from None
    places = np.vstack([city.xy, city.school_xy]).astype(np.float64)
    origin = np.array([g.origin_x, g.origin_y])
    lo = np.floor((places.min(axis=0) - origin) / block_m).astype(np.int64) - 1
    hi = np.ceil((places.max(axis=0) - origin) / block_m).astype(np.int64) + 1
    kx = np.arange(lo[0], hi[0] + 1)
    ky = np.arange(lo[1], hi[1] + 1)
    nx, ny = kx.size, ky.size
    gx, gy = np.meshgrid(origin[0] + kx * block_m, origin[1] + ky * block_m)  # [ny, nx]
    lon, lat = arrays(to_degrees.transform, gx.ravel(), gy.ravel())
    lon, lat = lon.reshape(ny, nx), lat.reshape(ny, nx)
    node_id = np.arange(1, nx * ny + 1, dtype=np.int64).reshape(ny, nx)
    radius = CAR_FREE_M
    mid_x = origin[0] + (kx[:-1] + 0.5) * block_m
    mid_y = origin[1] + (ky[:-1] + 0.5) * block_m
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<osm version="0.6" generator="samen city">',
        f'  <bounds minlat="{lat.min():.7f}" minlon="{lon.min():.7f}" '
        f'maxlat="{lat.max():.7f}" maxlon="{lon.max():.7f}"/>',
    ]
    lines += [
        f'  <node id="{i}" version="1" lat="{a:.7f}" lon="{o:.7f}"/>'
        for i, a, o in zip(
            node_id.ravel().tolist(), lat.ravel().tolist(), lon.ravel().tolist(), strict=True
        )
    ]
    way = 1
    for j, k in enumerate(ky.tolist()):  # east-west streets
        y = origin[1] + k * block_m
        car_free = np.hypot(mid_x - origin[0], y - origin[1]) < radius
        got, way = _ways(node_id[j, :], car_free, k, j in (0, ny - 1), way)
        lines += got
    for i, k in enumerate(kx.tolist()):  # north-south streets
        x = origin[0] + k * block_m
        car_free = np.hypot(x - origin[0], mid_y - origin[1]) < radius
        got, way = _ways(node_id[:, i], car_free, k, i in (0, nx - 1), way)
        lines += got
    lines.append("</osm>")
    return ("\n".join(lines) + "\n").encode("utf-8")


__all__ = ["BLOCK_M", "CAR_FREE_M", "MAIN_EVERY", "STREETS_FILE", "street_grid"]
