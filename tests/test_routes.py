"""``samen distances``: route distances along an OpenStreetMap street network
(docs/distances.md), checked against distances computed by hand.

Most tests build this network as an ``.osm`` file next to (0°, 0°), where lengths on the
WGS84 ellipsoid are easy to write down: a thousandth of a degree east-west along the equator
is UX = a x pi / 180 / 1000 = 111.31949 m (a = 6,378,137 m, the equator's radius), and north-
south it is UY = a (1 - e^2) x pi / 180 / 1000 = 110.57427 m (e^2 = 0.00669438, the meridian's
radius of curvature at the equator). Within 0.002° of the equator both change by less than
1e-9. Coordinates below are (lon, lat) in thousandths of a degree::

    lat 1:  5 ---<--- 6 ---<--- 7 ---<--- 8     way 2: residential, oneway=yes (8 -> 5: westward)
            |         H                   |     way 5: motorway 2-6 (H: no walking, no cycling)
            | way 3:  H                   |     way 4: residential 4-8, both ways
            | footway H                   |
    lat 0:  1 ------- 2 ------- 3 ------- 4     way 1: residential 1-2-3-4, both ways
          lon 0       1         2         3
    and, not connected to the rest, way 6: residential 9 (10, 0) - 10 (11, 0).

Places: school S1 (0.5, 1.2) is 0.2 north of way 2 between 5 and 6; school S2 (2.5, -0.2) is
0.2 south of way 1 between 3 and 4; home A (1.5, -0.3) is 0.3 south of way 1 between 2 and 3;
home C (0.5, 1.15) is 0.15 north of way 2 between 5 and 6; home D (0.2, -0.9) is 0.9 south of
way 1 between 1 and 2. A route is written as its east-west and its north-south thousandths.
"""

from __future__ import annotations

import csv
import math
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from roundfiles import flat, no_traceback, problem_lines, run, tree
from samen.analytics.osm import read_streets, travel
from samen.analytics.routes import plane, snap

U_DEG = 0.001
A_WGS84 = 6_378_137.0
E2_WGS84 = 0.0066943799901413  # f (2 - f), f = 1 / 298.257223563
UX = A_WGS84 * math.pi / 180 * U_DEG  # 111.31949 m east-west
UY = A_WGS84 * (1 - E2_WGS84) * math.pi / 180 * U_DEG  # 110.57427 m north-south

NODES: dict[int, tuple[float, float]] = {
    1: (0, 0),
    2: (1, 0),
    3: (2, 0),
    4: (3, 0),
    5: (0, 1),
    6: (1, 1),
    7: (2, 1),
    8: (3, 1),
    9: (10, 0),
    10: (11, 0),
}
WAYS: list[tuple[int, list[int], dict[str, str]]] = [
    (1, [1, 2, 3, 4], {"highway": "residential"}),
    (2, [8, 7, 6, 5], {"highway": "residential", "oneway": "yes"}),
    (3, [1, 5], {"highway": "footway"}),
    (4, [4, 8], {"highway": "residential"}),
    (5, [2, 6], {"highway": "motorway"}),
    (6, [9, 10], {"highway": "residential"}),
]
SCHOOLS = {"S1": (0.5, 1.2), "S2": (2.5, -0.2), "S9": (10.5, 0.1)}
HOMES = {"A": (1.5, -0.3), "C": (0.5, 1.15), "D": (0.2, -0.9)}

ROUND_TOML = 'name = "Routes"\nseed = "s"\ndistance = "haversine"\n'
#: a round whose seats go by distance: the nearer child gets S1's one seat
BY_DISTANCE = ROUND_TOML + (
    '\n[[default_pools]]\nname = "all"\nshare = 1\nfavours = ""\norder_by = "distance"\n'
)


def osm_xml(
    ways: list[tuple[int, list[int], dict[str, str]]] = WAYS, lat0: float = 0.0, lon0: float = 0.0
) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for i, (x, y) in NODES.items():
        lines.append(f'<node id="{i}" lat="{lat0 + y * U_DEG:.7f}" lon="{lon0 + x * U_DEG:.7f}"/>')
    for w, refs, tags in ways:
        nds = "".join(f'<nd ref="{n}"/>' for n in refs)
        kv = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        lines.append(f'<way id="{w}">{nds}{kv}</way>')
    return "\n".join([*lines, "</osm>"]) + "\n"


def _ways_before_nodes() -> str:
    """The network as an .osm file that lists its ways before its nodes (not as exports do)."""
    lines = osm_xml().splitlines()
    nodes = [x for x in lines if x.startswith("<node")]
    ways = [x for x in lines if x.startswith("<way")]
    return "\n".join([*lines[:2], *ways, *nodes, "</osm>"]) + "\n"


def write_case(
    folder: Path,
    choices: dict[str, str],
    *,
    toml: str = ROUND_TOML,
    ways: list[tuple[int, list[int], dict[str, str]]] = WAYS,
    homes: dict[str, tuple[float, float]] = HOMES,
    capacity: int = 1,
) -> tuple[Path, Path]:
    """A round folder (lat,lon columns) of the children in ``choices`` and the network's map."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "round.toml").write_text(toml, encoding="utf-8")
    rows = [f"{s},{capacity},{y * U_DEG:.7f},{x * U_DEG:.7f}" for s, (x, y) in SCHOOLS.items()]
    (folder / "schools.csv").write_text("school_id,capacity,lat,lon\n" + "\n".join(rows) + "\n")
    rows = [
        f"{a},{c},{homes[a][1] * U_DEG:.7f},{homes[a][0] * U_DEG:.7f}" for a, c in choices.items()
    ]
    (folder / "applicants.csv").write_text(
        "applicant_id,choices,lat,lon\n" + "\n".join(rows) + "\n"
    )
    osm = folder.parent / "streets.osm"
    osm.write_text(osm_xml(ways), encoding="utf-8")
    return folder, osm


def distances_of(path: Path) -> dict[tuple[str, str], float]:
    with open(path, encoding="utf-8", newline="") as fh:
        return {(r["applicant_id"], r["school_id"]): float(r["metres"]) for r in csv.DictReader(fh)}


def cm(east: float, north: float) -> float:
    """A route of ``east`` thousandths of a degree east-west and ``north`` north-south, in
    metres rounded to the centimetre as the rules round."""
    return round(east * UX + north * UY, 2)


def ok(*args: str | Path) -> str:
    result = run("distances", *args)
    no_traceback(result)
    assert result.exit_code == 0, result.output + result.stderr
    return flat(result.output)


def refused(*args: str | Path) -> list[str]:
    result = run("distances", *args)
    no_traceback(result)
    assert result.exit_code == 2, result.output + result.stderr
    return [flat(p) for p in problem_lines(result)] or [flat(result.stderr)]


# --------------------------------------------------------------------------- hand-computed


def test_walking_uses_the_footway_and_ignores_one_way_streets(tmp_path: Path) -> None:
    rnd, osm = write_case(tmp_path / "r", {"A": "S1;S2", "C": "S2", "D": "S1"})
    ok(rnd, "--osm", osm)
    got = distances_of(rnd / "distances.csv")
    # A -> S1: north 0.3 (A to way 1), west 1.5 (to node 1), north 1 (the footway up to 5),
    # east 0.5 (along way 2, against its one-way direction: walking may), north 0.2 (to S1):
    # 2 east-west and 1.5 north-south = 222.639 + 165.861 = 388.500 m. The motorway 2-6 would
    # save 1 east-west: walking may not use it.
    assert got["A", "S1"] == cm(2, 1.5) == 388.5
    # A -> S2: 0.3 north, 1 east along way 1 (from lon 1.5 to 2.5), 0.2 south
    assert got["A", "S2"] == cm(1, 0.5) == 166.61
    # C -> S2: 0.15 + 1 (footway) + 0.2 north-south, 0.5 (to 5) + 2.5 (way 1 east to lon 2.5)
    # east-west; the other way round (east to 8, down to 4, west to 2.5) is as long
    assert got["C", "S2"] == cm(3, 1.35) == 483.23
    # D -> S1: 0.9 + 1 + 0.2 north, 0.2 west + 0.5 east
    assert got["D", "S1"] == cm(0.7, 2.1) == 310.13
    # the rows: children in the order of applicants.csv, each with its list in order
    assert list(got) == [("A", "S1"), ("A", "S2"), ("C", "S2"), ("D", "S1")]


def test_cycling_keeps_to_one_way_streets_and_off_footways(tmp_path: Path) -> None:
    rnd, osm = write_case(tmp_path / "r", {"A": "S1;S2"})
    ok(rnd, "--osm", osm, "--mode", "bike")
    got = distances_of(rnd / "distances.csv")
    # no footway, no motorway: A -> S1 = north 0.3, east 1.5 (to 4), north 1 (up to 8), west
    # 2.5 (along the one-way way 2, its own direction), north 0.2: 4 east-west and 1.5
    # north-south, where walking takes 2 and 1.5
    assert got["A", "S1"] == cm(4, 1.5) == 611.14
    assert got["A", "S2"] == cm(1, 0.5)


def test_a_contraflow_tag_lets_bicycles_ride_against_a_one_way_street(tmp_path: Path) -> None:
    one_way = {"A": "S1;S2", "C": "S2"}
    rnd, osm = write_case(tmp_path / "r", one_way)
    # C -> S2 by bicycle: C is on way 2 between 6 and 5; west leads to 5, where only the
    # footway goes on: no route.
    (problem,) = refused(rnd, "--osm", osm, "--mode", "bike")
    assert problem.startswith("applicants.csv, row 3, column lat,lon: there is no route by bicycle")
    assert "'C'" in problem and "'S2'" in problem
    assert not (rnd / "distances.csv").exists()
    contraflow = [
        (w, refs, {**tags, "oneway:bicycle": "no"} if w == 2 else tags) for w, refs, tags in WAYS
    ]
    rnd, osm = write_case(tmp_path / "r2", one_way, ways=contraflow)
    ok(rnd, "--osm", osm, "--mode", "bike")
    got = distances_of(rnd / "distances.csv")
    # with oneway:bicycle=no: north 0.15, east 2.5 (to 8), south 1 (to 4), west 0.5, south 0.2
    assert got["C", "S2"] == cm(3, 1.35)
    # and A still rides round by node 4: 4 east-west, 1.5 north-south
    assert got["A", "S1"] == cm(4, 1.5)


def test_a_home_is_snapped_onto_a_segment_not_to_a_node(tmp_path: Path) -> None:
    # A (1.5, -0.3) is 0.3 from way 1 at lon 1.5, but hypot(0.5, 0.3) = 0.58 from the nearest
    # node (2 or 3); snapped to node 2, A -> S1 would be about 0.58 + 1 + 1 + 0.5 + 0.2 = 3.28
    # thousandths of a degree, not 3.5.
    xy = plane(np.array([-0.3 * U_DEG]), np.array([1.5 * U_DEG]), 0.0, 0.0)
    a = plane(np.array([0.0, 0.0]), np.array([1 * U_DEG, 2 * U_DEG]), 0.0, 0.0)
    got = snap(xy, a[:1], a[1:], 500.0)
    assert got.segment.tolist() == [0]
    assert got.t[0] == pytest.approx(0.5, abs=1e-9)
    assert got.offset[0] == pytest.approx(0.3 * UY, abs=1e-6)
    rnd, osm = write_case(tmp_path / "r", {"A": "S1"})
    ok(rnd, "--osm", osm)
    assert distances_of(rnd / "distances.csv")["A", "S1"] == cm(2, 1.5)


def test_one_search_per_school_not_per_pair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scipy.sparse.csgraph as csgraph

    searched: list[int] = []
    real = csgraph.dijkstra

    def counting(graph, directed=True, indices=None, **kw):  # type: ignore[no-untyped-def]
        searched.extend(np.atleast_1d(indices).tolist())
        return real(graph, directed=directed, indices=indices, **kw)

    monkeypatch.setattr(csgraph, "dijkstra", counting)
    rnd, osm = write_case(tmp_path / "r", {"A": "S1;S2", "C": "S2;S1", "D": "S1;S2"})
    ok(rnd, "--osm", osm)
    assert len(searched) == len(set(searched)) == 2  # six pairs, two schools


@pytest.mark.parametrize(
    ("tags", "walk", "bike"),
    [
        ({"highway": "residential"}, (True, True), (True, True)),
        ({"highway": "residential", "oneway": "yes"}, (True, True), (True, False)),
        ({"highway": "residential", "oneway": "-1"}, (True, True), (False, True)),
        ({"highway": "residential", "junction": "roundabout"}, (True, True), (True, False)),
        (
            {"highway": "residential", "oneway": "yes", "cycleway": "opposite_lane"},
            (True, True),
            (True, True),
        ),
        ({"highway": "cycleway", "oneway:bicycle": "yes"}, (True, True), (True, False)),
        ({"highway": "footway"}, (True, True), (False, False)),
        ({"highway": "footway", "bicycle": "designated"}, (True, True), (True, True)),
        ({"highway": "pedestrian"}, (True, True), (False, False)),
        ({"highway": "steps"}, (True, True), (False, False)),
        ({"highway": "motorway"}, (False, False), (False, False)),
        ({"highway": "motorway", "foot": "yes"}, (False, False), (False, False)),
        ({"highway": "trunk"}, (False, False), (False, False)),
        ({"highway": "trunk", "foot": "yes", "bicycle": "yes"}, (True, True), (True, True)),
        ({"highway": "primary", "motorroad": "yes"}, (False, False), (False, False)),
        ({"highway": "service", "access": "private"}, (False, False), (False, False)),
        ({"highway": "service", "access": "no", "foot": "yes"}, (True, True), (False, False)),
        ({"highway": "primary", "bicycle": "use_sidepath"}, (True, True), (False, False)),
        ({"highway": "track", "vehicle": "no"}, (True, True), (False, False)),
        ({"highway": "construction"}, (False, False), (False, False)),
        ({"building": "yes"}, (False, False), (False, False)),
    ],
)
def test_which_ways_count_and_in_which_direction(
    tags: dict[str, str], walk: tuple[bool, bool], bike: tuple[bool, bool]
) -> None:
    assert travel(tags, "walk") == walk
    assert travel(tags, "bike") == bike


def test_a_pbf_extract_gives_the_same_distances(tmp_path: Path) -> None:
    import osmium

    rnd, osm = write_case(tmp_path / "r", {"A": "S1;S2", "D": "S1"})
    pbf = tmp_path / "streets.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(osm)):
            if obj.is_node():
                writer.add_node(obj)
            elif obj.is_way():
                writer.add_way(obj)
    ok(rnd, "--osm", osm, "--out", tmp_path / "from-xml.csv")
    ok(rnd, "--osm", pbf, "--out", tmp_path / "from-pbf.csv")
    assert (tmp_path / "from-pbf.csv").read_bytes() == (tmp_path / "from-xml.csv").read_bytes()
    streets = read_streets(pbf, "walk")
    assert streets.usable_ways == 5  # all but the motorway
    assert sorted(set(streets.way.tolist())) == [1, 2, 3, 4, 6]


def test_all_schools_by_flag_and_by_a_nearest_rule(tmp_path: Path) -> None:
    ways = [*WAYS[:5], (6, [4, 9, 10], {"highway": "residential"})]  # way 6 now joins node 4
    rnd, osm = write_case(tmp_path / "r", {"A": "S1", "D": "S2"}, ways=ways)
    ok(rnd, "--osm", osm, "--all-schools")
    got = distances_of(rnd / "distances.csv")
    assert list(got) == [(a, s) for a in ("A", "D") for s in ("S1", "S2", "S9")]
    # A -> S9: north 0.3, east 1.5 (to 4) + 7 (to 9) + 0.5 (to lon 10.5), north 0.1
    assert got["A", "S9"] == cm(9, 0.4)
    toml = ROUND_TOML + '\n[[nearest]]\ngroup = "near"\ncount = 2\n'
    rnd2, osm2 = write_case(tmp_path / "r2", {"A": "S1", "D": "S2"}, ways=ways, toml=toml)
    text = ok(rnd2, "--osm", osm2)
    assert "every school" in text and "[[nearest]]" in text
    assert (rnd2 / "distances.csv").read_bytes() == (rnd / "distances.csv").read_bytes()


# --------------------------------------------------------------------------- coordinates


@pytest.mark.parametrize(
    ("crs", "lat0", "lon0"),
    [("EPSG:31370", 51.03, 4.48), ("EPSG:28992", 52.37, 4.9), ("EPSG:32631", 0.0, 0.0)],
)
def test_x_y_in_a_projection_give_the_distances_of_lat_lon(
    tmp_path: Path, crs: str, lat0: float, lon0: float
) -> None:
    import pyproj

    to_xy = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    homes = {"A": "S1;S2", "C": "S2", "D": "S1"}

    def table(
        head: str, items: dict[str, tuple[float, float]], extra: dict[str, str]
    ) -> tuple[str, str]:
        ll, xy = [f"{head},lat,lon"], [f"{head},x,y"]
        for k, (x, y) in items.items():
            lat, lon = lat0 + y * U_DEG, lon0 + x * U_DEG
            e, n = to_xy.transform(lon, lat)
            ll.append(f"{k},{extra[k]},{lat:.7f},{lon:.7f}")
            xy.append(f"{k},{extra[k]},{e:.4f},{n:.4f}")
        return "\n".join(ll) + "\n", "\n".join(xy) + "\n"

    osm = tmp_path / "streets.osm"
    osm.write_text(osm_xml(lat0=lat0, lon0=lon0), encoding="utf-8")
    schools = table(
        "school_id,capacity", {"S1": SCHOOLS["S1"], "S2": SCHOOLS["S2"]}, {"S1": "1", "S2": "1"}
    )
    children = table("applicant_id,choices", {k: HOMES[k] for k in homes}, homes)
    folders = {}
    for k, name, toml in (
        (0, "ll", ROUND_TOML),
        (1, "xy", f'name = "x"\nseed = "s"\ncrs = "{crs}"\n'),
    ):
        f = tmp_path / name
        f.mkdir()
        (f / "round.toml").write_text(toml, encoding="utf-8")
        (f / "schools.csv").write_text(schools[k], encoding="utf-8")
        (f / "applicants.csv").write_text(children[k], encoding="utf-8")
        ok(f, "--osm", osm)
        folders[name] = distances_of(f / "distances.csv")
    assert folders["xy"].keys() == folders["ll"].keys()
    for pair, metres in folders["ll"].items():
        assert folders["xy"][pair] == pytest.approx(metres, abs=0.011)
    if lat0 == 0.0:
        assert folders["ll"]["A", "S1"] == cm(2, 1.5)
    # the projection given with --crs instead of in round.toml
    f = tmp_path / "xy"
    (f / "round.toml").write_text('name = "x"\nseed = "s"\n', encoding="utf-8")
    ok(f, "--osm", osm, "--crs", crs, "--force")
    assert distances_of(f / "distances.csv") == folders["xy"]


# --------------------------------------------------------------------------- bad input


def _nothing_written(folder: Path, before: dict[str, bytes]) -> None:
    assert tree(folder) == before


def test_a_home_too_far_from_any_street(tmp_path: Path) -> None:
    homes = {**HOMES, "E": (1.5, 7.0)}
    rnd, osm = write_case(tmp_path / "r", {"A": "S1", "E": "S1"}, homes=homes)
    before = tree(tmp_path)
    (problem,) = refused(rnd, "--osm", osm)
    # E is 6 thousandths of a degree = 663 m north of way 2, its nearest street
    assert problem.startswith(
        "applicants.csv, row 3, column lat,lon: the home of 'E' is more than 500 m"
    )
    _nothing_written(tmp_path, before)
    ok(rnd, "--osm", osm, "--snap-limit", "700")
    # E -> S1: south 6 (to way 2 at lon 1.5), west 1 (to lon 0.5), north 0.2
    assert distances_of(rnd / "distances.csv")["E", "S1"] == cm(1, 6.2)


def test_a_school_on_a_piece_of_street_not_connected_to_the_homes(tmp_path: Path) -> None:
    rnd, osm = write_case(tmp_path / "r", {"A": "S9;S1", "C": "S9", "D": "S2;S9"})
    before = tree(tmp_path)
    (problem,) = refused(rnd, "--osm", osm)
    assert problem.startswith(
        "schools.csv, row 4, column lat,lon: the school 'S9' cannot be reached on foot from 3 of "
        "the 3 homes that need it"
    )
    assert "way 6 of streets.osm" in problem
    _nothing_written(tmp_path, before)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"round.toml": ROUND_TOML + 'crs = "EPSG:999999"\n'},
            "round.toml, line 4, key crs: 'EPSG:999999' is not a projection samen knows",
        ),
        (
            {"round.toml": ROUND_TOML + 'crs = "EPSG:4326"\n'},
            "round.toml, line 4, key crs: 'EPSG:4326' (WGS 84) is not a projection in metres",
        ),
        (
            {"round.toml": ROUND_TOML + "crs = 31370\n"},
            "round.toml, line 4, key crs: crs must be the name of a projection",
        ),
        (
            {"schools.csv": "school_id,capacity,x,y\nS1,1,100,100\nS2,1,200,200\nS9,1,300,300\n"},
            "round.toml, key crs: the tables give x,y; name their projection in round.toml",
        ),
        (
            {"applicants.csv": "applicant_id,choices,lat,lon\nA,S1,,\n"},
            "applicants.csv, row 2, column lat,lon: child 'A' has no lat,lon",
        ),
        (
            {"applicants.csv": "applicant_id,choices,lat,lon\nA,S1;S7,0,0\n"},
            "applicants.csv, row 2, column choices: the school 'S7' is not in schools.csv",
        ),
        (
            {"applicants.csv": "applicant_id,choices,lat\nA,S1,0\n"},
            "applicants.csv, row 1, column lon: there is a column 'lat' but no column 'lon'",
        ),
        (
            {"applicants.csv": "applicant_id,choices\nA,S1\n"},
            "applicants.csv, row 1: the table has no coordinates",
        ),
        (
            {"streets.osm": "this is not a map"},
            "streets.osm: cannot read this file as OpenStreetMap data",
        ),
        ({"round.toml": None}, "round.toml: the folder has no round.toml"),
        (
            {"streets.osm": osm_xml([(5, [2, 6], {"highway": "motorway"})])},
            "streets.osm: the map has no street one may use on foot (1 way with a highway tag)",
        ),
        (
            {"streets.osm": _ways_before_nodes()},
            "streets.osm: the streets' nodes have no coordinates in this file",
        ),
    ],
)
def test_bad_input_is_refused_with_its_place_and_nothing_is_written(
    tmp_path: Path, change: dict[str, str | None], expected: str
) -> None:
    rnd, osm = write_case(tmp_path / "r", {"A": "S1"})
    for name, text in change.items():
        target = osm if name == "streets.osm" else rnd / name
        if text is None:
            target.unlink()
        else:
            target.write_text(text, encoding="utf-8")
    before = tree(tmp_path)
    problems = refused(rnd, "--osm", osm)
    assert any(p.startswith(expected) for p in problems), problems
    _nothing_written(tmp_path, before)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--osm", "{tmp}/missing.osm"], "--osm: {tmp}/missing.osm does not exist"),
        (["--osm", "{tmp}"], "is a folder, not a file"),
        (["--osm", "{tmp}/streets.txt"], "streets.txt: samen reads OpenStreetMap files ending in"),
        (["--osm", "{tmp}/streets.osm", "--mode", "car"], "--mode: unknown mode 'car'"),
        (
            ["--osm", "{tmp}/streets.osm", "--crs", "EPSG:31370"],
            "--crs is EPSG:31370 but round.toml",
        ),
        (
            ["--osm", "{tmp}/streets.osm", "--out", "{tmp}"],
            "is a folder; give the name of the file",
        ),
        (["--osm", "{tmp}/streets.osm", "--snap-limit", "nan"], "--snap-limit: give a number"),
    ],
)
def test_bad_options_are_refused(tmp_path: Path, args: list[str], expected: str) -> None:
    toml = ROUND_TOML + 'crs = "EPSG:28992"\n'
    rnd, osm = write_case(tmp_path / "r", {"A": "S1"}, toml=toml)
    (tmp_path / "streets.txt").write_text(osm.read_text(encoding="utf-8"), encoding="utf-8")
    before = tree(tmp_path)
    problems = refused(rnd, *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert any(expected.replace("{tmp}", str(tmp_path)) in p for p in problems), problems
    _nothing_written(tmp_path, before)


def test_an_existing_file_is_replaced_only_with_force(tmp_path: Path) -> None:
    rnd, osm = write_case(tmp_path / "r", {"A": "S1"})
    (rnd / "distances.csv").write_text("applicant_id,school_id,metres\nA,S1,12\n")
    before = tree(tmp_path)
    (problem,) = refused(rnd, "--osm", osm)
    assert "the file exists already" in problem and "--force" in problem
    _nothing_written(tmp_path, before)
    ok(rnd, "--osm", osm, "--force")
    assert distances_of(rnd / "distances.csv") == {("A", "S1"): cm(2, 1.5)}
    assert sorted(p.name for p in rnd.iterdir()) == [
        "applicants.csv",
        "distances.csv",
        "round.toml",
        "schools.csv",
    ]  # no temporary file left


def test_without_the_analytics_libraries_the_command_says_what_to_install(tmp_path: Path) -> None:
    rnd, osm = write_case(tmp_path / "r", {"A": "S1"})
    code = textwrap.dedent(
        f"""
        import importlib.abc, sys

        class NotInstalled(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name.split(".")[0] == "osmium":
                    raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
                return None

        sys.meta_path.insert(0, NotInstalled())
        from samen.cli import app
        app(["distances", {str(rnd)!r}, "--osm", {str(osm)!r}])
        """
    )
    env = {
        "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src"),
        "PATH": "/usr/bin:/bin",
        "COLUMNS": "200",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 2, result.stderr
    assert "pip install 'samen[analytics]'" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
    assert not (rnd / "distances.csv").exists()


# --------------------------------------------------------------------------- round trip


def test_samen_allocate_reads_the_distances(tmp_path: Path) -> None:
    # S1 has one seat, ordered by distance. In a straight line A is nearer (hypot(1, 1.5) =
    # 1.80 thousandths of a degree against D's hypot(0.3, 2.1) = 2.12); along the streets D is
    # (310.13 m against 388.50 m).
    rnd, osm = write_case(tmp_path / "r", {"A": "S1;S2", "D": "S1;S2"}, toml=BY_DISTANCE)
    straight = run("allocate", rnd, "--out", tmp_path / "straight")
    assert straight.exit_code == 0, straight.stderr
    assert _assigned(tmp_path / "straight") == {"A": "S1", "D": "S2"}
    ok(rnd, "--osm", osm)
    routed = run("allocate", rnd, "--out", tmp_path / "routed")
    assert routed.exit_code == 0, routed.stderr
    assert _assigned(tmp_path / "routed") == {"A": "S2", "D": "S1"}
    with open(tmp_path / "routed" / "cutoffs.csv", encoding="utf-8", newline="") as fh:
        cut = {r["school_id"]: r for r in csv.DictReader(fh)}
    assert float(cut["S1"]["cutoff_value"]) == cm(0.7, 2.1)


def _assigned(folder: Path) -> dict[str, str]:
    with open(folder / "assignments.csv", encoding="utf-8", newline="") as fh:
        return {r["applicant_id"]: r["school_id"] for r in csv.DictReader(fh)}


def test_a_synthetic_city_with_its_street_grid(tmp_path: Path) -> None:
    """``samen city --osm`` writes a street grid that ``samen distances`` runs on; every walk
    is at least the straight line (in Lambert 72 metres, whose scale differs from the ground's
    by less than 1 in 10,000 in Belgium; the datum shift moves both ends alike) and, on a grid
    of 150 m blocks, at most the way around the block: sqrt(2) x the straight line plus the
    pieces to the streets (75 m at most each, moving a point by as much) and one block."""
    city = tmp_path / "city"
    made = run("city", city, "--children", "300", "--osm")
    assert made.exit_code == 0, made.stderr
    again = run("city", tmp_path / "again", "--children", "300", "--osm")
    assert again.exit_code == 0
    assert (city / "streets.osm").read_bytes() == (tmp_path / "again" / "streets.osm").read_bytes()
    # the city's round.toml names its projection: no --crs needed
    assert 'crs = "EPSG:31370"\n' in (city / "round.toml").read_text(encoding="utf-8")
    assert "--crs" not in flat(made.stdout)
    ok(city, "--osm", city / "streets.osm")
    got = distances_of(city / "distances.csv")
    xy = {}
    for name in ("schools", "applicants"):
        with open(city / f"{name}.csv", encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                xy[r.get("school_id") or r["applicant_id"]] = (float(r["x"]), float(r["y"]))
    assert len(got) > 900
    for (a, s), metres in got.items():
        line = math.dist(xy[a], xy[s])
        assert line * 0.9999 - 0.01 <= metres <= math.sqrt(2) * (line + 150) + 300 + 150
    allocated = run("allocate", city)
    assert allocated.exit_code == 0, allocated.stderr
    bike = run(
        "distances",
        city,
        "--osm",
        city / "streets.osm",
        "--crs",
        "EPSG:31370",  # the same projection as round.toml's: allowed
        "--mode",
        "bike",
        "--out",
        tmp_path / "bike.csv",
    )
    assert bike.exit_code == 0, bike.stderr
    by_bike = distances_of(tmp_path / "bike.csv")
    assert by_bike.keys() == got.keys()
    assert any(by_bike[p] > got[p] for p in got)  # one-way streets and the car-free centre


def test_the_metres_are_written_as_the_result_files_write_them() -> None:
    from samen.analytics.routes import metres_text
    from samen.engine.distance import centimetres, text

    rng = np.random.default_rng(7)
    values = centimetres(
        np.concatenate([rng.uniform(0, 50_000, 20_000), rng.integers(0, 5_000, 200) / 10, [0.0]])
    )
    assert metres_text(values).tolist() == [text(v) for v in values.tolist()]


@pytest.mark.parametrize("name", ["applicants.csv", "round.toml", "Schools.csv", "book.xlsx"])
def test_the_output_never_replaces_an_input(tmp_path: Path, name: str) -> None:
    rnd, osm = write_case(tmp_path / "r", {"A": "S1"})
    before = tree(tmp_path)
    problems = refused(rnd, "--osm", osm, "--out", rnd / name, "--force")
    assert any("is an input of the round" in p for p in problems), problems
    problems = refused(rnd, "--osm", osm, "--out", osm, "--force")
    assert any("is an input of the round (or the map)" in p for p in problems), problems
    _nothing_written(tmp_path, before)


def test_nothing_to_compute_and_too_much_to_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rnd, osm = write_case(tmp_path / "r", {"A": "", "C": ""})
    (problem,) = refused(rnd, "--osm", osm)
    assert problem.startswith("applicants.csv, column choices: no child lists a school")
    (rnd / "applicants.csv").write_text("applicant_id,choices,lat,lon\n", encoding="utf-8")
    (problem,) = refused(rnd, "--osm", osm)
    assert problem.startswith("applicants.csv, row 2: there is a header row but no data rows")
    import samen.analytics.routes as routes

    monkeypatch.setattr(routes, "MAX_PAIRS", 5)
    rnd, osm = write_case(tmp_path / "r2", {"A": "S1", "D": "S2"})
    (problem,) = refused(rnd, "--osm", osm, "--all-schools")
    assert (
        "that is 6 distances (2 children x 3 schools), more than samen distances writes" in problem
    )
    assert not (rnd / "distances.csv").exists()


def test_a_round_given_as_a_workbook(tmp_path: Path) -> None:
    import openpyxl

    rnd, osm = write_case(tmp_path / "r", {"A": "S1;S2", "D": "S1"})
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name in ("schools", "applicants"):
        sheet = book.create_sheet(name)
        with open(rnd / f"{name}.csv", encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                sheet.append([float(c) if c[:1] in "-0123456789" else c for c in row])
        (rnd / f"{name}.csv").unlink()
    book.save(rnd / "round.xlsx")
    ok(rnd, "--osm", osm)
    assert distances_of(rnd / "distances.csv") == {
        ("A", "S1"): cm(2, 1.5),
        ("A", "S2"): cm(1, 0.5),
        ("D", "S1"): cm(0.7, 2.1),
    }
    # a workbook with a distances sheet: distances.csv beside it would give the table twice
    book.create_sheet("distances").append(["applicant_id", "school_id", "metres"])
    book.save(rnd / "round.xlsx")
    (rnd / "distances.csv").unlink()
    (problem,) = refused(rnd, "--osm", osm)
    assert "has a sheet 'distances'" in problem
    ok(rnd, "--osm", osm, "--out", tmp_path / "elsewhere.csv")


def test_a_home_at_a_crossing_may_leave_by_any_street_there(tmp_path: Path) -> None:
    # F stands on node 8, where the one-way way 2 starts and way 4 ends. Snapped to way 2 (the
    # first segment in the file at that distance, 0 m), at its start: by bicycle F may still
    # go down way 4: south 1 (to 4) + 0.2, west 0.5. Along way 2 alone it would be stuck at 5.
    homes = {**HOMES, "F": (3.0, 1.0)}
    rnd, osm = write_case(tmp_path / "r", {"F": "S2;S1"}, homes=homes)
    ok(rnd, "--osm", osm, "--mode", "bike")
    got = distances_of(rnd / "distances.csv")
    assert got["F", "S2"] == cm(0.5, 1.2)
    # F -> S1: west 2.5 along way 2, north 0.2
    assert got["F", "S1"] == cm(2.5, 0.2)


def test_a_city_whose_projection_is_unknown_gets_no_street_map(tmp_path: Path) -> None:
    config = tmp_path / "city.toml"
    config.write_text('[geography]\ncrs = "EPSG:999999"\n', encoding="utf-8")
    result = run("city", tmp_path / "c", "--config", config, "--children", "200", "--osm")
    no_traceback(result)
    assert result.exit_code == 2
    assert "geography.crs: 'EPSG:999999' is not a projection pyproj knows" in flat(result.stderr)
    assert not (tmp_path / "c").exists()
