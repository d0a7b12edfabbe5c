"""Distances between homes and schools: the distance of the rules, from
:mod:`samen.engine.distance` (the round reader computes the same numbers), and how a page shows
one."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from samen.engine import distance


def distances(
    kind: str,
    a1: Sequence[float],
    a2: Sequence[float],
    b1: Sequence[float],
    b2: Sequence[float],
) -> np.ndarray:
    """Metres between points ``(a1, a2)`` and ``(b1, b2)`` (x,y or lat,lon), NaN where a
    coordinate is missing (:func:`samen.engine.distance.metres`)."""
    homes = np.column_stack([np.asarray(a1, dtype=np.float64), np.asarray(a2, dtype=np.float64)])
    places = np.column_stack([np.asarray(b1, dtype=np.float64), np.asarray(b2, dtype=np.float64)])
    return distance.metres(kind, homes, places)


def point(obj: object, kind: str) -> tuple[float, float] | None:
    """The coordinates of a school, child or address that the round's distance uses."""
    a, b = ("x", "y") if kind == "euclidean" else ("lat", "lon")
    va, vb = getattr(obj, a, None), getattr(obj, b, None)
    if va is None or vb is None:
        return None
    return float(va), float(vb)


def distance_between(kind: str, home: object, school: object) -> float | None:
    """The distance of the rules from a home to a school, None without coordinates."""
    return distance.between(kind, point(home, kind), point(school, kind))


def readable(metres: float | None) -> str:
    """``850 m`` or ``1.2 km``."""
    if metres is None:
        return ""
    if metres < 1000:
        return f"{round(metres):d} m"
    return f"{metres / 1000:.1f} km"
