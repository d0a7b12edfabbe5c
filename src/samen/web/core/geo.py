"""Distances between homes and schools, computed exactly as ``samen.io.read_round`` does
(``np.hypot`` on x,y in metres, or the haversine on lat,lon), rounded to centimetres."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from samen.io.round import EARTH_RADIUS_M


def distances(
    kind: str,
    a1: Sequence[float],
    a2: Sequence[float],
    b1: Sequence[float],
    b2: Sequence[float],
) -> np.ndarray:
    """Metres between points ``(a1, a2)`` and ``(b1, b2)`` (x,y or lat,lon), NaN where a
    coordinate is missing."""
    x1, y1, x2, y2 = (np.asarray(v, dtype=np.float64) for v in (a1, a2, b1, b2))
    if kind == "euclidean":
        d = np.hypot(x1 - x2, y1 - y2)
    else:
        lat1, lon1, lat2, lon2 = (np.radians(v) for v in (x1, y1, x2, y2))
        h = (
            np.sin((lat2 - lat1) / 2) ** 2
            + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
        )
        d = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return np.round(d, 2) + 0.0


def point(obj: object, kind: str) -> tuple[float, float] | None:
    """The coordinates of a school, child or address that the round's distance uses."""
    a, b = ("x", "y") if kind == "euclidean" else ("lat", "lon")
    va, vb = getattr(obj, a, None), getattr(obj, b, None)
    if va is None or vb is None:
        return None
    return float(va), float(vb)


def distance_between(kind: str, home: object, school: object) -> float | None:
    p, q = point(home, kind), point(school, kind)
    if p is None or q is None:
        return None
    return float(distances(kind, [p[0]], [p[1]], [q[0]], [q[1]])[0])


def readable(metres: float | None) -> str:
    """``850 m`` or ``1.2 km``."""
    if metres is None:
        return ""
    if metres < 1000:
        return f"{round(metres):d} m"
    return f"{metres / 1000:.1f} km"
