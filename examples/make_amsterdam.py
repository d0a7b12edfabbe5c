"""Generate the example round ``examples/amsterdam-po-2027/`` (deterministic: same bytes every run).

    python examples/make_amsterdam.py            # writes examples/amsterdam-po-2027/
    python examples/make_amsterdam.py OUT_DIR    # somewhere else

A synthetic, Amsterdam-like round for the first year of primary school: 30 schools and 1,200
children on a small street network (``streets.osm``, OpenStreetMap XML) that a canal cuts in
two, crossed by three bridges. Every child has priority at its 8 nearest schools by walking
distance, with at least 2 public and 2 denominational schools among them (a ``[[nearest]]``
rule); siblings and children of staff come first; a child who went to a school's own
pre-school has priority there only when it puts that school first; four schools order by
choice first, then walking distance, then lottery; every family is told its waiting-list
places. The school names, homes and children are invented; the street network is a drawing,
not Amsterdam's.

Everything but ``distances.csv`` is written from a fixed random seed, in plain Python and
NumPy. ``distances.csv`` is what ``samen distances --mode walk`` computes from the round and
``streets.osm``; the script runs that command last (it needs samen's ``analytics`` extra).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

RNG_SEED = 20270401
N_CHILDREN = 1200
OUT = Path(__file__).resolve().parent / "amsterdam-po-2027"
SEED = "Amsterdam PO 2027 - loting 10 april 2027"

#: the centre of the map, WGS84 degrees; places are laid out in metres east and north of it
LAT0, LON0 = 52.3600, 4.8800
#: the mean earth radius the map's degrees are computed with (a sphere: a drawing, not a survey)
EARTH_M = 6_371_008.8
#: the street grid: a street every BLOCK_M metres, NX x NY blocks, the canal between street
#: rows CANAL_ROW and CANAL_ROW + 1, crossed by bridges on the columns in BRIDGES
BLOCK_M = 150
NX, NY = 32, 26
CANAL_ROW = 14
BRIDGES = (5, 16, 27)
#: every this many lines is a main road
MAIN_EVERY = 8

# Neighbourhoods: name, centre (metres east, north of the grid's south-west corner), spread,
# children. The canal runs at y = 2175 m (between rows 14 and 15).
NEIGHBOURHOODS = [
    ("Oud-West", (1200, 3000), 450, 170),
    ("De Pijp", (2600, 3100), 450, 160),
    ("Oost", (4000, 3000), 450, 150),
    ("Noordrand", (2400, 3700), 500, 90),
    ("Zuid", (1200, 1300), 450, 170),
    ("Rivierenbuurt", (2600, 1200), 450, 160),
    ("Watergraafsmeer", (4000, 1300), 450, 150),
    ("Buitenveldert", (2400, 500), 500, 150),
]

# id, name, denomination (public or denominational), neighbourhood, offset (m), capacity,
# popularity, order (lottery, or rank,distance: choice first, then distance, then lottery)
SCHOOLS = [
    ("AP01", "OBS De Kraal", "public", "Oud-West", (-300, 150), 45, 0.6, "lottery"),
    ("AP02", "RKBS Sint-Nicolaas", "denominational", "Oud-West", (250, -200), 40, 0.2, "lottery"),
    ("AP03", "PCBS De Fontein", "denominational", "Oud-West", (0, 400), 35, -0.1, "lottery"),
    ("AP04", "OBS Het Vondeltje", "public", "Oud-West", (450, 300), 45, 0.9, "rank,distance"),
    ("AP05", "OBS De Pijp", "public", "De Pijp", (-200, -200), 50, 0.3, "lottery"),
    ("AP06", "RKBS De Catamaran", "denominational", "De Pijp", (300, 250), 40, 0.1, "lottery"),
    ("AP07", "PCBS Het Anker", "denominational", "De Pijp", (100, -450), 35, 0.0, "lottery"),
    (
        "AP08",
        "Montessorischool De Pijp",
        "public",
        "De Pijp",
        (350, -100),
        40,
        1.0,
        "rank,distance",
    ),
    ("AP09", "PCBS Oostpoort", "denominational", "Oost", (-250, 0), 50, 0.0, "lottery"),
    ("AP10", "RKBS De Zeven Sterren", "denominational", "Oost", (200, 300), 45, 0.2, "lottery"),
    (
        "AP11",
        "Islamitische Basisschool Al Noor",
        "denominational",
        "Oost",
        (300, -350),
        40,
        0.1,
        "lottery",
    ),
    ("AP12", "PCBS De Wereldboom", "denominational", "Oost", (-100, 450), 35, -0.2, "lottery"),
    ("AP13", "OBS Het Noorderlicht", "public", "Noordrand", (-300, 100), 40, 0.0, "lottery"),
    ("AP14", "RKBS De Regenboog", "denominational", "Noordrand", (300, -50), 35, -0.1, "lottery"),
    ("AP15", "OBS De Zuidster", "public", "Zuid", (-250, 200), 45, 0.4, "lottery"),
    ("AP16", "RKBS Sint-Agnes", "denominational", "Zuid", (250, -150), 40, 0.2, "lottery"),
    ("AP17", "Daltonschool Zuid", "public", "Zuid", (100, 400), 40, 1.1, "rank,distance"),
    ("AP18", "PCBS De Lelie", "denominational", "Zuid", (-150, -400), 35, -0.1, "lottery"),
    ("AP19", "OBS De Rivieren", "public", "Rivierenbuurt", (-250, -100), 50, 0.3, "lottery"),
    ("AP20", "RKBS Sint-Jozef", "denominational", "Rivierenbuurt", (250, 250), 40, 0.1, "lottery"),
    ("AP21", "PCBS De Ark", "denominational", "Rivierenbuurt", (0, -400), 35, 0.0, "lottery"),
    (
        "AP22",
        "Jenaplanschool De Amstel",
        "public",
        "Rivierenbuurt",
        (400, -50),
        40,
        0.9,
        "rank,distance",
    ),
    ("AP23", "RKBS De Meer", "denominational", "Watergraafsmeer", (-200, 150), 50, 0.2, "lottery"),
    (
        "AP24",
        "RKBS De Brede Weg",
        "denominational",
        "Watergraafsmeer",
        (300, -200),
        45,
        0.1,
        "lottery",
    ),
    ("AP25", "PCBS Het Kompas", "denominational", "Watergraafsmeer", (0, 450), 35, -0.1, "lottery"),
    (
        "AP26",
        "Islamitische Basisschool El Amien",
        "denominational",
        "Watergraafsmeer",
        (-350, -350),
        35,
        0.0,
        "lottery",
    ),
    (
        "AP27",
        "RKBS Buitenveldert",
        "denominational",
        "Buitenveldert",
        (-300, 100),
        50,
        0.1,
        "lottery",
    ),
    ("AP28", "RKBS De Mijlpaal", "denominational", "Buitenveldert", (300, 150), 40, 0.0, "lottery"),
    (
        "AP29",
        "PCBS De Kinderboom",
        "denominational",
        "Buitenveldert",
        (0, -300),
        35,
        -0.2,
        "lottery",
    ),
    (
        "AP30",
        "PCBS De Zuidas",
        "denominational",
        "Buitenveldert",
        (450, -150),
        40,
        0.5,
        "lottery",
    ),
]

#: the share of children who went to a school's own pre-school (priority at that school when
#: it is their first choice), and of those, the share whose family puts another school first
PRESCHOOL_SHARE = 0.15
PRESCHOOL_NOT_FIRST = 0.25

ROUND_TOML = f"""\
name = "Amsterdam 2027, groep 1 (fictief)"
seed = "{SEED}"
mechanism = "deferred-acceptance"
tie_breaking = "single"
# Strongest first: siblings, children of staff, the school's own pre-school (at the first
# choice only), then the 8 nearest schools by walking distance.
priority_groups = ["sibling", "staff", "preschool", "nearby"]
first_choice_only = ["preschool"]
# Homes and schools in WGS84 degrees; the walking distances are in distances.csv
# (samen distances . --osm streets.osm --mode walk), which override the straight line.
distance = "haversine"
waitlists = true

# Priority at the 8 nearest schools by walking distance, with at least 2 public and 2
# denominational schools among them.
[[nearest]]
group = "nearby"
count = 8
category = "denomination"
at_least = {{ public = 2, denominational = 2 }}

# Schools that seats.csv does not list: one pool, by lottery within each priority group.
[[default_pools]]
name = "all"
share = 1.0
favours = ""
order_by = "lottery"
"""


def to_degrees(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Metres east and north of the map's centre to WGS84 degrees (on a sphere: the map is a
    drawing, so this only has to be the same on every computer)."""
    lat = LAT0 + np.degrees(y / EARTH_M)
    lon = LON0 + np.degrees(x / (EARTH_M * math.cos(math.radians(LAT0))))
    return lat, lon


def grid_xy(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Metres from the grid's south-west corner to metres from the map's centre."""
    return x - NX * BLOCK_M / 2, y - NY * BLOCK_M / 2


def streets_osm() -> str:
    """The street network as OpenStreetMap XML: a street on every grid line; the north-south
    streets stop at the canal, except on the bridge columns."""
    ids = {}
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="samen">']
    for j in range(NY + 1):
        for i in range(NX + 1):
            ids[i, j] = len(ids) + 1
            lat, lon = to_degrees(*grid_xy(np.array(i * BLOCK_M), np.array(j * BLOCK_M)))
            lines.append(
                f'  <node id="{ids[i, j]}" lat="{float(lat):.7f}" lon="{float(lon):.7f}"/>'
            )
    way = 0

    def add(nodes: list[int], highway: str, name: str) -> None:
        nonlocal way
        way += 1
        lines.append(f'  <way id="{way}">')
        lines.extend(f'    <nd ref="{n}"/>' for n in nodes)
        lines.append(f'    <tag k="highway" v="{highway}"/>')
        lines.append(f'    <tag k="name" v="{name}"/>')
        lines.append("  </way>")

    for j in range(NY + 1):
        kind = "secondary" if j % MAIN_EVERY == 0 else "residential"
        name = (
            "Kade Noord" if j == CANAL_ROW + 1 else "Kade Zuid" if j == CANAL_ROW else f"Straat {j}"
        )
        add([ids[i, j] for i in range(NX + 1)], kind, name)
    for i in range(NX + 1):
        kind = "secondary" if i % MAIN_EVERY == 0 else "residential"
        if i in BRIDGES:
            add([ids[i, j] for j in range(NY + 1)], kind, f"Brugstraat {i}")
        else:
            add([ids[i, j] for j in range(CANAL_ROW + 1)], kind, f"Laan {i} Zuid")
            add([ids[i, j] for j in range(CANAL_ROW + 1, NY + 1)], kind, f"Laan {i} Noord")
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


def generate() -> dict[str, str]:
    """The round's files as text, by file name (all but distances.csv)."""
    rng = np.random.default_rng(RNG_SEED)
    hood_index = {h[0]: k for k, h in enumerate(NEIGHBOURHOODS)}
    width, height = NX * BLOCK_M, NY * BLOCK_M
    canal_y = (CANAL_ROW + 0.5) * BLOCK_M

    # Homes around their neighbourhood's centre, inside the map and off the canal's water.
    hood = rng.permutation(
        np.repeat(np.arange(len(NEIGHBOURHOODS)), [h[3] for h in NEIGHBOURHOODS])
    )
    assert hood.size == N_CHILDREN
    centre = np.array([h[1] for h in NEIGHBOURHOODS], dtype=float)
    spread = np.array([h[2] for h in NEIGHBOURHOODS], dtype=float)
    xy = np.rint(centre[hood] + rng.normal(size=(N_CHILDREN, 2)) * spread[hood, None])
    xy[:, 0] = np.clip(xy[:, 0], 20, width - 20)
    xy[:, 1] = np.clip(xy[:, 1], 20, height - 20)
    on_canal = np.abs(xy[:, 1] - canal_y) < 40
    north = centre[hood, 1] > canal_y
    xy[on_canal, 1] = np.where(north[on_canal], canal_y + 40, canal_y - 40)

    m = len(SCHOOLS)
    s_xy = np.array([np.add(centre[hood_index[s[3]]], s[4]) for s in SCHOOLS], dtype=float)
    popularity = np.array([s[6] for s in SCHOOLS])

    # Preferences: families know how far a school is as the crow flies, and that the canal is
    # in the way (a detour to the nearest bridge); taste (Gumbel noise) does the rest.
    def detour(hx: np.ndarray, hy: np.ndarray) -> np.ndarray:
        d = np.hypot(hx[:, None] - s_xy[None, :, 0], hy[:, None] - s_xy[None, :, 1])
        across = (hy[:, None] > canal_y) != (s_xy[None, :, 1] > canal_y)
        bridge_x = np.array(BRIDGES, dtype=float) * BLOCK_M
        via = np.min(
            np.abs(hx[:, None, None] - bridge_x[None, None, :])
            + np.abs(s_xy[None, :, 0, None] - bridge_x[None, None, :]),
            axis=2,
        )
        return np.where(across, np.maximum(d, via + np.abs(hy[:, None] - s_xy[None, :, 1])), d)

    km = detour(xy[:, 0], xy[:, 1]) / 1000.0
    utility = -2.0 * km + popularity[None, :] + 0.6 * rng.gumbel(size=(N_CHILDREN, m))
    ranking = np.argsort(-utility, axis=1, kind="stable")
    length = rng.choice([3, 4, 5, 6], size=N_CHILDREN, p=[0.15, 0.3, 0.3, 0.25])
    lists = [ranking[i, : length[i]].tolist() for i in range(N_CHILDREN)]

    # Siblings (about 12%): at the favourite school, which stays first.
    priority: dict[tuple[int, int], str] = {}
    for i in np.flatnonzero(rng.random(N_CHILDREN) < 0.12).tolist():
        priority[i, lists[i][0]] = "sibling"
    # Staff: 8 children of staff, at their first choice.
    free = [i for i in range(N_CHILDREN) if (i, lists[i][0]) not in priority]
    for i in sorted(rng.choice(free, size=8, replace=False).tolist()):
        priority[i, lists[i][0]] = "staff"
    # Pre-school: a child who went to the pre-school of one of its three nearest schools. Most
    # families put that school first; some put a school they like better first, and then the
    # pre-school priority does not count.
    taken = {i for i, _ in priority}
    nearest3 = np.argsort(km, axis=1, kind="stable")[:, :3]
    went = rng.random(N_CHILDREN) < PRESCHOOL_SHARE
    pick = rng.integers(0, 3, size=N_CHILDREN)
    not_first = rng.random(N_CHILDREN) < PRESCHOOL_NOT_FIRST
    for i in np.flatnonzero(went).tolist():
        if i in taken:
            continue
        s = int(nearest3[i, pick[i]])
        if s in lists[i]:
            lists[i].remove(s)
        lists[i].insert(1 if not_first[i] and len(lists[i]) > 1 else 0, s)
        lists[i] = lists[i][: max(length[i], 3)]
        priority[i, s] = "preschool"

    ids = [f"A{i + 1:04d}" for i in range(N_CHILDREN)]
    sid = [s[0] for s in SCHOOLS]
    lat, lon = to_degrees(*grid_xy(xy[:, 0], xy[:, 1]))
    s_lat, s_lon = to_degrees(*grid_xy(s_xy[:, 0], s_xy[:, 1]))
    files: dict[str, str] = {"round.toml": ROUND_TOML}
    files["schools.csv"] = "school_id,name,capacity,denomination,lat,lon\n" + "".join(
        f"{s[0]},{s[1]},{s[5]},{s[2]},{s_lat[j]:.7f},{s_lon[j]:.7f}\n"
        for j, s in enumerate(SCHOOLS)
    )
    files["applicants.csv"] = "applicant_id,choices,lat,lon\n" + "".join(
        f"{ids[i]},{';'.join(sid[s] for s in lists[i])},{lat[i]:.7f},{lon[i]:.7f}\n"
        for i in range(N_CHILDREN)
    )
    files["seats.csv"] = "school_id,pool,share,favours,order_by\n" + "".join(
        f'{s[0]},all,1,,"{s[7]}"\n' for s in SCHOOLS if s[7] != "lottery"
    )
    files["priorities.csv"] = "applicant_id,school_id,group\n" + "".join(
        f"{ids[i]},{sid[s]},{g}\n" for (i, s), g in sorted(priority.items())
    )
    files["streets.osm"] = streets_osm()
    return files


def main(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, text in generate().items():
        (out / name).write_bytes(text.encode("utf-8"))
        print(f"wrote {out / name}")
    # distances.csv: the walking distances samen computes from the map (docs/distances.md)
    from samen.cli import app

    args = ["distances", str(out), "--osm", str(out / "streets.osm"), "--mode", "walk"]
    app([*args, "--force"], standalone_mode=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
