"""Generate the example round ``examples/mechelen-2027/`` (deterministic: same bytes every run).

    python examples/make_mechelen.py            # writes examples/mechelen-2027/*.csv, round.toml
    python examples/make_mechelen.py OUT_DIR    # somewhere else

A small, Mechelen-like primary-school round under the Flemish registration decree in force
since school year 2023-24: 12 schools, 800 children in 10 neighbourhoods that differ in their
share of indicator pupils; no double contingency any more, but a reserve of 20% of the seats for
the under-represented groups that a school defines with the municipality (here indicator pupils
and pupils with a disability report), at the schools where those groups are under-represented;
three schools that order 80% of their seats by distance and 20% by lottery; sibling and staff
priority; two pairs of twins, each twin drawn and the better number counting for both; two
pledge groups; and waiting lists. The school names, addresses and children are invented; only
the rules are real.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

RNG_SEED = 20270315
N_CHILDREN = 800
OUT = Path(__file__).resolve().parent / "mechelen-2027"

# Grid origin: metres on a projected grid (positions invented, roughly Mechelen-sized).
X0, Y0 = 157_000, 189_000

# name, centre (dx, dy) in metres, spread (m), children, indicator share
NEIGHBOURHOODS = [
    ("Binnenstad", (0, 0), 650, 150, 0.32),
    ("Nekkerspoel", (1700, 600), 450, 95, 0.58),
    ("Ragheno", (1500, -1000), 450, 80, 0.50),
    ("Tervuursesteenweg", (-300, -1700), 450, 75, 0.40),
    ("Battel", (-2000, 2100), 500, 70, 0.15),
    ("Muizen", (3600, -1600), 550, 90, 0.20),
    ("Walem", (200, 4300), 500, 55, 0.10),
    ("Heffen", (-4100, 1800), 450, 45, 0.10),
    ("Leest", (-4600, -900), 500, 60, 0.08),
    ("Hombeek", (-3000, -100), 500, 80, 0.12),
]

# id, name, neighbourhood, offset from its centre (m), capacity, popularity, order by
# distance, reserve (a share of the seats for the under-represented groups, or 0)
SCHOOLS = [
    ("MB01", "Basisschool Sint-Rombout", "Binnenstad", (-200, 150), 75, 1.2, True, 0.2),
    ("MB02", "Stedelijke Basisschool Het Klokhuis", "Binnenstad", (350, -250), 75, 0.5, False, 0.2),
    ("MB03", "GO! Basisschool De Dijlevallei", "Binnenstad", (-450, -350), 70, 0.1, False, 0.2),
    ("MB04", "Vrije Basisschool Nekkerspoel", "Nekkerspoel", (0, 0), 85, -0.1, False, 0.0),
    ("MB05", "Basisschool De Regenboog", "Ragheno", (0, 0), 75, -0.2, False, 0.0),
    ("MB06", "GO! Basisschool De Vlindertuin", "Tervuursesteenweg", (0, 150), 50, 1.0, True, 0.2),
    ("MB07", "Vrije Basisschool Battel", "Battel", (0, 0), 70, 0.2, False, 0.2),
    ("MB08", "Gemeentelijke Basisschool Muizen", "Muizen", (0, 0), 85, 0.2, False, 0.2),
    ("MB09", "Vrije Basisschool Walem", "Walem", (0, 0), 60, 0.3, True, 0.2),
    ("MB10", "Gemeentelijke Basisschool Heffen", "Heffen", (0, 0), 45, 0.0, False, 0.2),
    ("MB11", "Vrije Basisschool Leest", "Leest", (0, 0), 65, 0.1, False, 0.2),
    ("MB12", "Basisschool De Linde Hombeek", "Hombeek", (0, 0), 80, 0.1, False, 0.2),
]

#: the under-represented groups the schools define with the municipality (a flag expression)
RESERVED_FOR = "indicator|disability"
#: the share of children with a disability report (the flag ``disability``)
DISABILITY_SHARE = 0.03

# The pools of a school that orders by distance and reserves 20%: 80% by distance and 20% by
# lottery, in the open seats and in the reserve alike (0.64 + 0.16 + 0.16 + 0.04 = 1). The
# reserve comes last in precedence (as in the default pools): the group's children compete for
# the open seats like everyone else, and the reserve is what they get on top of that; children
# with sibling or staff priority fill the open seats first.
DISTANCE_POOLS = [
    ("open-distance", "0.64", "", "distance"),
    ("open-lottery", "0.16", "", "lottery"),
    ("reserved-distance", "0.16", RESERVED_FOR, "distance"),
    ("reserved-lottery", "0.04", RESERVED_FOR, "lottery"),
]
#: the one pool of a school without a reserve (indicator pupils are no minority there)
OPEN_POOL = [("open", "1", "", "lottery")]

# Pledge groups: id, target, threshold, members, neighbourhood they come from.
PLEDGES = [
    ("kies-samen-nekkerspoel", "MB04", 10, 14, "Nekkerspoel"),
    ("kies-samen-vlindertuin", "MB06", 10, 12, "Binnenstad"),
]

# Where the first pair of twins lives, relative to Sint-Rombout (MB01), in metres: picked
# (by trying) so that the pair reaches MB01's distance pool when one seat is left there,
# which shows the multiple-birth rule (the block takes two seats; overflow 1).
TWIN_1_FROM_MB01 = (0, -464)

ROUND_TOML = f"""\
name = "Mechelen 2027, voorbeeldronde basisonderwijs (fictief)"
seed = "Mechelen 2027 - publieke loting 15 maart 2027"
mechanism = "deferred-acceptance"
tie_breaking = "single"
priority_groups = ["sibling", "staff"]
distance = "euclidean"
crs = "EPSG:31370"

# Twins are each drawn; the better number counts for both.
family_number = "best"
# Every family is told its place on the waiting list of each school it preferred.
waitlists = true

# The registration decree since 2023-24: no double contingency; a school may reserve up to
# 20% of its seats for under-represented groups it defines with the municipality (here
# indicator pupils and pupils with a disability report). The reserve comes last, so the
# group's children first compete for the open seats like everyone else, and children with
# priority fill the open seats. Schools listed in seats.csv split their seats by distance
# (MB01, MB06, MB09) or keep no reserve (MB04, MB05).
[[default_pools]]
name = "open"
share = 0.8
favours = ""
order_by = "lottery"

[[default_pools]]
name = "reserved"
share = 0.2
favours = "{RESERVED_FOR}"
order_by = "lottery"
"""


def lottery(seed: str, name: str) -> int:
    """The public lottery number of ``name`` (allocation rules, section 3)."""
    return int.from_bytes(hashlib.sha256(f"{seed}|{name}".encode()).digest()[:8], "big")


SEED = "Mechelen 2027 - publieke loting 15 maart 2027"


def generate() -> dict[str, str]:
    """The round's files as text, by file name."""
    rng = np.random.default_rng(RNG_SEED)
    hood_index = {h[0]: i for i, h in enumerate(NEIGHBOURHOODS)}

    # Children: a position around their neighbourhood's centre and the indicator flag.
    hood = np.repeat(np.arange(len(NEIGHBOURHOODS)), [h[3] for h in NEIGHBOURHOODS])
    assert hood.size == N_CHILDREN
    hood = rng.permutation(hood)  # applicants.csv is in order of registration, not of address
    centre = np.array([h[1] for h in NEIGHBOURHOODS], dtype=float)
    spread = np.array([h[2] for h in NEIGHBOURHOODS], dtype=float)
    xy = np.rint(centre[hood] + rng.normal(size=(N_CHILDREN, 2)) * spread[hood, None])
    indicator = rng.random(N_CHILDREN) < np.array([h[4] for h in NEIGHBOURHOODS])[hood]

    # Schools: position, capacity, popularity and the indicator share families perceive.
    m = len(SCHOOLS)
    s_xy = np.array([np.add(centre[hood_index[s[2]]], s[3]) for s in SCHOOLS])
    popularity = np.array([s[5] for s in SCHOOLS])
    s_share = np.array([NEIGHBOURHOODS[hood_index[s[2]]][4] for s in SCHOOLS])

    # Preferences: near and popular schools; majority families avoid high-indicator
    # schools a bit; taste (Gumbel noise) does the rest. Lists of 3 to 5 schools.
    dist_km = np.hypot(*(xy[:, None, :] - s_xy[None, :, :]).transpose(2, 0, 1)) / 1000.0
    utility = (
        -1.5 * dist_km
        + popularity[None, :]
        - 2.0 * (~indicator)[:, None] * s_share[None, :]
        + 0.7 * rng.gumbel(size=(N_CHILDREN, m))
    )
    ranking = np.argsort(-utility, axis=1, kind="stable")
    length = rng.choice([3, 4, 5], size=N_CHILDREN, p=[0.3, 0.4, 0.3])
    lists = [ranking[i, : length[i]].tolist() for i in range(N_CHILDREN)]

    # Sibling priority (about 14%): at the favourite school (80%) or the second one,
    # which the family then puts first.
    priority: dict[tuple[int, int], str] = {}
    has_sibling = rng.random(N_CHILDREN) < 0.14
    second = rng.random(N_CHILDREN) < 0.2
    for i in np.flatnonzero(has_sibling).tolist():
        s = lists[i][1] if second[i] else lists[i][0]
        lists[i].remove(s)
        lists[i].insert(0, s)
        priority[i, s] = "sibling"
    # Staff priority: 10 children of staff, at one of the 4 schools nearest home.
    free = np.flatnonzero(~has_sibling)
    for i in np.sort(rng.choice(free, size=10, replace=False)).tolist():
        s = int(np.argsort(dist_km[i], kind="stable")[rng.integers(0, 4)])
        if s in lists[i]:
            lists[i].remove(s)
        lists[i].insert(0, s)
        priority[i, s] = "staff"

    taken = {i for i, _ in priority}

    # Pledge groups: majority families near the target's neighbourhood who list the
    # target first. One target has room (Nekkerspoel); the other orders 80% by distance
    # and the group lives 1.5 to 2.5 km away.
    pledge = [""] * N_CHILDREN
    school_index = {s[0]: j for j, s in enumerate(SCHOOLS)}
    for gid, target, _threshold, size, home in PLEDGES:
        t = school_index[target]
        cand = [
            i
            for i in np.argsort(dist_km[:, t], kind="stable").tolist()
            if hood[i] == hood_index[home] and not indicator[i] and i not in taken and not pledge[i]
        ]
        if target == "MB06":  # the Binnenstad families on the south side, not the nearest
            cand = [i for i in cand if dist_km[i, t] >= 1.5]
        for i in cand[:size]:
            pledge[i] = gid
            rest = [s for s in lists[i] if s != t]
            lists[i] = [t, *rest[:4]]

    # Two pairs of twins: a child and the next one in the file share home, flags and list.
    # Pair 1 lives in the Binnenstad and wants Sint-Rombout (MB01) first; pair 2 in Muizen,
    # where the second twin drew the better number, which then counts for both.
    ids = [f"M{i + 1:04d}" for i in range(N_CHILDREN)]
    used = taken | {i for i in range(N_CHILDREN) if pledge[i]}
    twins = []
    for home, first, second_better in (("Binnenstad", "MB01", False), ("Muizen", "MB08", True)):
        i = next(
            i
            for i in range(N_CHILDREN - 1)
            if hood[i] == hood_index[home]
            and lists[i][0] == school_index[first]
            and not {i, i + 1} & used
            and (not second_better or lottery(SEED, ids[i + 1]) < lottery(SEED, ids[i]))
        )
        used |= {i, i + 1}
        twins.append(i)
    # Pair 1 lives TWIN_1_FROM_MB01 metres from Sint-Rombout: at the edge of its distance pool.
    xy[twins[0]] = s_xy[school_index["MB01"]] + np.array(TWIN_1_FROM_MB01)
    # Children with a disability report: drawn last, so that the draws above are those of
    # the round's earlier editions.
    disability = rng.random(N_CHILDREN) < DISABILITY_SHARE
    family = [""] * N_CHILDREN
    for k, i in enumerate(twins, start=1):
        hood[i + 1] = hood[i]
        xy[i + 1] = xy[i]
        indicator[i + 1] = indicator[i]
        disability[i + 1] = disability[i]
        lists[i + 1] = list(lists[i])
        family[i] = family[i + 1] = f"tweeling-{k}"

    sid = [s[0] for s in SCHOOLS]
    files: dict[str, str] = {"round.toml": ROUND_TOML}
    files["schools.csv"] = "school_id,name,capacity,x,y\n" + "".join(
        f"{s[0]},{s[1]},{s[4]},{int(X0 + s_xy[j, 0])},{int(Y0 + s_xy[j, 1])}\n"
        for j, s in enumerate(SCHOOLS)
    )
    files["applicants.csv"] = (
        "applicant_id,choices,x,y,indicator,disability,family,pledge\n"
        + "".join(
            f"{ids[i]},{';'.join(sid[s] for s in lists[i])},{int(X0 + xy[i, 0])},"
            f"{int(Y0 + xy[i, 1])},{int(indicator[i])},{int(disability[i])},{family[i]},"
            f"{pledge[i]}\n"
            for i in range(N_CHILDREN)
        )
    )
    files["seats.csv"] = "school_id,pool,share,favours,order_by\n" + "".join(
        f"{s[0]},{p},{share},{fav},{order}\n"
        for s in SCHOOLS
        if s[6] or not s[7]
        for p, share, fav, order in (DISTANCE_POOLS if s[6] else OPEN_POOL)
    )
    files["priorities.csv"] = "applicant_id,school_id,group\n" + "".join(
        f"{ids[i]},{sid[s]},{g}\n" for (i, s), g in sorted(priority.items())
    )
    files["groups.csv"] = "group_id,target,threshold\n" + "".join(
        f"{g},{t},{th}\n" for g, t, th, _, _ in PLEDGES
    )
    return files


def main(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, text in generate().items():
        (out / name).write_bytes(text.encode("utf-8"))
        print(f"wrote {out / name}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
