"""The distance between a home and a school (allocation rules, sections 2 and 5).

``round.toml`` says which distance a round uses:

* ``euclidean``: the straight line between ``x,y`` coordinates in projected metres,
  ``hypot(x1 - x2, y1 - y2)``;
* ``haversine``: the great-circle distance between ``lat,lon`` coordinates in WGS84 degrees
  on a sphere of radius :data:`EARTH_RADIUS_M` (6,371,008.8 m, the mean earth radius),
  ``2 R asin(sqrt(sin^2(dlat/2) + cos(lat1) cos(lat2) sin^2(dlon/2)))``.

The one rounding rule: every distance the rules use (computed here, or given in
``distances.csv``) is rounded to the centimetre (:func:`centimetres`), so that the number a
family reads in ``cutoffs.csv`` is the number that ordered it. This module is the only
implementation; the round reader, the analytics and the platform call it.

>>> metres("euclidean", np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]])).tolist()
[5.0]
>>> metres("haversine", np.array([[51.0, 4.01]]), np.array([[51.0, 4.0]])).tolist()
[699.77]
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: the radius of the sphere of the ``haversine`` distance, metres
EARTH_RADIUS_M = 6371008.8
#: the distances a round can use (``distance`` in round.toml)
KINDS: tuple[str, ...] = ("euclidean", "haversine")
#: the coordinate columns each distance reads, as the tables name them
COLUMNS: dict[str, tuple[str, str]] = {"euclidean": ("x", "y"), "haversine": ("lat", "lon")}
#: entries of a (points x candidates) distance table computed at once by :func:`nearest`
CHUNK_CELLS = 4_000_000


def label(kind: str) -> str:
    """The coordinates ``kind`` reads, as a reader writes them: ``x,y`` or ``lat,lon``."""
    return ",".join(COLUMNS[kind])


def _check(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown distance {kind!r}; use euclidean or haversine")


def exact(kind: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Unrounded metres between the points ``a[..., 0:2]`` and ``b[..., 0:2]`` (the shapes
    broadcast), NaN where a coordinate is missing. Symmetric, bit for bit."""
    _check(kind)
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    a1, a2, b1, b2 = a[..., 0], a[..., 1], b[..., 0], b[..., 1]
    if kind == "euclidean":
        return np.hypot(a1 - b1, a2 - b2)
    lat1, lon1, lat2, lon2 = (np.radians(v) for v in (a1, a2, b1, b2))
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def centimetres(values: np.ndarray | float) -> np.ndarray:
    """Metres rounded to the centimetre (half to even, as NumPy rounds), never ``-0.0``.

    >>> centimetres(np.array([123.456, 99.999, -0.001])).tolist()
    [123.46, 100.0, 0.0]
    """
    return np.round(np.asarray(values, dtype=np.float64), 2) + 0.0


def text(value: float) -> str:
    """Metres as the result files write them: at most 2 decimals, no trailing zeros.

    >>> text(120.5), text(98.0), text(-0.001)
    ('120.5', '98', '0')
    """
    out = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if out in ("-0", "") else out


def metres(kind: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The distance of the rules between ``a`` and ``b``: :func:`exact`, rounded to the
    centimetre; NaN where a coordinate is missing."""
    return centimetres(exact(kind, a, b))


def between(
    kind: str, a: tuple[float, float] | None, b: tuple[float, float] | None
) -> float | None:
    """The distance of the rules between two points given as pairs; None when either is
    missing.

    >>> between("euclidean", (0.0, 0.0), (0.0, 1234.5678))
    1234.57
    """
    if a is None or b is None:
        return None
    return float(metres(kind, np.array(a, dtype=np.float64), np.array(b, dtype=np.float64)))


@njit(cache=True, inline="always")
def estimate(hx, hy, sx, sy, haversine):
    """A quick distance between ``(hx, hy)`` and ``(sx, sy)`` for compiled loops: the formula
    of ``haversine`` or ``sqrt(dx*dx + dy*dy)``, not rounded. It differs from :func:`metres`
    by at most half a centimetre plus a few units in the last place
    (:func:`samen.engine.nearest.margin`), so it can only decide which distances are worth
    computing by :func:`metres`, never order anyone."""
    if haversine:
        la1 = np.radians(hx)
        la2 = np.radians(sx)
        h = (
            np.sin((la2 - la1) / 2) ** 2
            + np.cos(la1) * np.cos(la2) * np.sin((np.radians(sy) - np.radians(hy)) / 2) ** 2
        )
        return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(min(max(h, 0.0), 1.0)))
    dx = hx - sx
    dy = hy - sy
    return np.sqrt(dx * dx + dy * dy)


def nearest(
    kind: str, points: np.ndarray, candidates: np.ndarray, *, chunk_cells: int = CHUNK_CELLS
) -> np.ndarray:
    """For each point (rows of ``points``), the index of the nearest row of ``candidates`` by
    the distance of the rules (rounded, so two candidates within half a centimetre tie);
    ties go to the earlier candidate. -1 for a point without coordinates, or when no
    candidate has any. Computed in chunks of at most ``chunk_cells`` distances.

    >>> nearest("euclidean", np.array([[0.0, 0.0], [9.0, 1.0], [np.nan, 0.0]]),
    ...         np.array([[1.0, 0.0], [10.0, 0.0]])).tolist()
    [0, 1, -1]
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    candidates = np.asarray(candidates, dtype=np.float64).reshape(-1, 2)
    out = np.full(len(points), -1, dtype=np.int64)
    usable = np.flatnonzero(np.isfinite(candidates).all(axis=1))
    rows = np.flatnonzero(np.isfinite(points).all(axis=1))
    if usable.size == 0 or rows.size == 0:
        return out
    targets = candidates[usable][None, :, :]
    step = max(1, chunk_cells // usable.size)
    for start in range(0, rows.size, step):
        part = rows[start : start + step]
        d = metres(kind, points[part][:, None, :], targets)
        out[part] = usable[np.argmin(d, axis=1)]
    return out


__all__ = [
    "CHUNK_CELLS",
    "COLUMNS",
    "EARTH_RADIUS_M",
    "KINDS",
    "between",
    "centimetres",
    "estimate",
    "exact",
    "label",
    "metres",
    "nearest",
    "text",
]
