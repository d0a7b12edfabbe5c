"""The distance rule (allocation rules section 2) has one implementation, and it is right.

Checked against formulas written out here with :mod:`math` (an independent reference), for
its rounding rule, its symmetry and its nearest-school ties; and every user of a distance
(the round reader, chances, scenarios, the report) gives the same number.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samen.engine import distance
from samen.engine.distance import EARTH_RADIUS_M

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "samen"


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


coordinate = st.floats(-50_000, 50_000, allow_nan=False)
latitude = st.floats(-89.0, 89.0, allow_nan=False)
longitude = st.floats(-179.0, 179.0, allow_nan=False)


def test_earth_radius_is_the_rules() -> None:
    assert EARTH_RADIUS_M == 6371008.8


@settings(max_examples=200, deadline=None)
@given(coordinate, coordinate, coordinate, coordinate)
def test_euclidean_is_the_straight_line_rounded_to_the_centimetre(
    x1: float, y1: float, x2: float, y2: float
) -> None:
    got = float(distance.metres("euclidean", np.array([x1, y1]), np.array([x2, y2])))
    assert got == pytest.approx(round(math.hypot(x1 - x2, y1 - y2), 2), abs=0.0100001)
    assert got == round(got, 2)
    back = float(distance.metres("euclidean", np.array([x2, y2]), np.array([x1, y1])))
    assert back == got  # symmetric, bit for bit


@settings(max_examples=200, deadline=None)
@given(latitude, longitude, latitude, longitude)
def test_haversine_is_the_great_circle_rounded_to_the_centimetre(
    lat1: float, lon1: float, lat2: float, lon2: float
) -> None:
    got = float(distance.metres("haversine", np.array([lat1, lon1]), np.array([lat2, lon2])))
    assert got == pytest.approx(haversine(lat1, lon1, lat2, lon2), abs=0.011)
    back = float(distance.metres("haversine", np.array([lat2, lon2]), np.array([lat1, lon1])))
    assert back == got


def test_the_rounding_rule() -> None:
    assert distance.centimetres(np.array([0.004, 0.005, 0.015, 1234.5678])).tolist() == [
        0.0,
        0.0,  # half to even, as NumPy rounds
        0.02,
        1234.57,
    ]
    assert str(float(distance.centimetres(-0.001))) == "0.0"  # never -0.0


def test_missing_coordinates_give_nan_and_unknown_kinds_an_error() -> None:
    d = distance.metres("euclidean", np.array([[np.nan, 0.0], [0.0, 0.0]]), np.array([1.0, 0.0]))
    assert math.isnan(d[0]) and d[1] == 1.0
    assert distance.between("euclidean", None, (0.0, 0.0)) is None
    with pytest.raises(ValueError, match="euclidean or haversine"):
        distance.metres("manhattan", np.zeros(2), np.zeros(2))


def test_nearest_ties_go_to_the_earlier_candidate() -> None:
    homes = np.array([[0.0, 0.0], [5.0, 0.0], [np.nan, 1.0], [10.0, 0.001]])
    schools = np.array([[-5.0, 0.0], [5.0, 0.0], [np.nan, np.nan], [15.0, 0.0]])
    # home 0: schools 0 and 1 tie at 5 m -> 0; home 3: 5 m from schools 1 and 3 (within half
    # a centimetre) -> the earlier one, 1
    assert distance.nearest("euclidean", homes, schools).tolist() == [0, 1, -1, 1]
    assert distance.nearest("euclidean", homes, schools[2:3]).tolist() == [-1, -1, -1, -1]
    small = distance.nearest("euclidean", homes, schools, chunk_cells=1)
    assert small.tolist() == [0, 1, -1, 1]


def test_every_user_gives_the_same_distance(tmp_path: Path) -> None:
    """The reader's distances, chances' what-if distance and the scenarios' distance of a
    pair are one number."""
    from roundfiles import copy_example
    from samen.analytics.chances import Coordinates
    from samen.analytics.scenarios.variants import distance_of
    from samen.io.round import read_round

    rnd = read_round(copy_example(tmp_path / "r"))
    inst = rnd.instance
    coords = Coordinates.of_round(rnd)
    assert coords is not None and rnd.applicant_xy is not None and rnd.school_xy is not None
    edge_app = np.repeat(np.arange(inst.n_applicants), np.diff(inst.choice_ptr))
    known = np.flatnonzero(~np.isnan(inst.distance))[:200]
    assert known.size
    for e in known.tolist():
        a, s = int(edge_app[e]), int(inst.choices[e])
        assert coords.distance(a, s) == inst.distance[e]
    pairs = distance_of(rnd, edge_app[known], inst.choices[known])
    assert pairs.tolist() == inst.distance[known].tolist()


def test_no_other_module_computes_a_distance() -> None:
    """The formulas live in samen.engine.distance only (plots draw, the city model weighs
    kilometres in its preferences, the synthetic street grid lays out its car-free centre and
    the housing map outlines neighbourhoods: none of them is the rule)."""
    formula = re.compile(r"np\.arcsin|math\.asin|np\.hypot\([^)]*-")
    allowed = {
        SRC / "engine" / "distance.py",
        SRC / "analytics" / "plots.py",
        SRC / "analytics" / "city" / "streets.py",
        SRC / "housing" / "metrics.py",
    }
    offenders = [
        str(p.relative_to(ROOT))
        for p in sorted(SRC.rglob("*.py"))
        if p not in allowed and formula.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
