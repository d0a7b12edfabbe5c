"""The example round ``examples/amsterdam-po-2027/``: its files are what its generator and
``samen distances`` write, and every figure its README quotes is what samen computes.

The nearest schools of every child are computed here again, independently of the engine, from
``distances.csv`` by the words of section 10.3 of the rules, and compared with the priority the
engine gives. Whitespace (line breaks) in the README does not matter; the words do.
"""

from __future__ import annotations

import csv
import importlib.util
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from roundfiles import flat, run
from samen.engine import allocate
from samen.engine.distance import metres
from samen.engine.lottery import hex16
from samen.engine.nearest import nearest_sets
from samen.engine.pools import ORDER_CRITERIA
from samen.io.results import summary
from samen.io.round import read_round

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "examples" / "amsterdam-po-2027"
README = FOLDER / "README.md"
GENERATOR = ROOT / "examples" / "make_amsterdam.py"
KINDS = ("public", "denominational")


def rows(name: str, folder: Path = FOLDER) -> list[dict[str, str]]:
    with open(folder / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def ordinal(k: int) -> str:
    return f"{k}{'th' if 10 <= k % 100 < 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"


def pct(k: int, n: int) -> str:
    return f"{100 * k / n:.1f}%"


class Facts:
    """The round, its result, the distances on foot and as the crow flies, and the nearest
    schools computed from them."""

    def __init__(self) -> None:
        self.rnd = read_round(FOLDER)
        inst = self.inst = self.rnd.instance
        self.res = allocate(inst)
        self.summary = summary(self.rnd, self.res)
        self.ids = list(inst.applicant_ids)
        self.sids = list(inst.school_ids)
        n, m = inst.n_applicants, inst.n_schools
        index = {a: i for i, a in enumerate(self.ids)}
        self.walk = np.full((n, m), np.nan)
        for r in rows("distances.csv"):
            self.walk[index[r["applicant_id"]], self.sids.index(r["school_id"])] = float(
                r["metres"]
            )
        homes = np.array([[float(r["lat"]), float(r["lon"])] for r in rows("applicants.csv")])
        schools = np.array([[float(r["lat"]), float(r["lon"])] for r in rows("schools.csv")])
        self.crow = metres("haversine", homes[:, None, :], schools[None, :, :])
        self.kind = [r["denomination"] for r in rows("schools.csv")]
        self.near = [self.nearest(self.walk, a) for a in range(n)]

    def nearest(self, dist: np.ndarray, a: int, at_least: bool = True) -> list[int]:
        """N(a) of section 10.3: 8 schools, at least 2 of each kind, nearest first, ties by
        school id."""
        order = sorted(range(len(self.sids)), key=lambda s: (dist[a, s], self.sids[s]))
        chosen: list[int] = []
        if at_least:
            for kind in KINDS:
                chosen += [s for s in order if self.kind[s] == kind][:2]
        for s in order:
            if len(chosen) >= 8:
                break
            if s not in chosen:
                chosen.append(s)
        return chosen

    def a(self, aid: str) -> int:
        return self.ids.index(aid)

    def s(self, sid: str) -> int:
        return self.sids.index(sid)

    def group_at(self, a: int, s: int) -> str:
        """The child's priority group at school ``s`` as the rules give it."""
        pr = {(r["applicant_id"], r["school_id"]): r["group"] for r in self.priorities}
        lst = self.inst.choices_of(a).tolist()
        group = pr.get((self.ids[a], self.sids[s]))
        if group == "preschool" and lst[0] != s:
            group = None
        if group is None and s in self.near[a]:
            group = "nearby"
        return group or "none"

    @property
    def priorities(self) -> list[dict[str, str]]:
        return rows("priorities.csv")

    def wants(self, a: int, s: int, res=None) -> bool:
        res = res if res is not None else self.res
        lst = self.inst.choices_of(a).tolist()
        return s in lst and not 0 < int(res.choice_rank[a]) <= lst.index(s) + 1


@pytest.fixture(scope="module")
def facts() -> Facts:
    return Facts()


@pytest.fixture(scope="module")
def readme() -> str:
    return flat(README.read_text(encoding="utf-8"))


def quoted(readme: str, *phrases: str) -> None:
    for phrase in phrases:
        assert flat(phrase) in readme, f"README does not say: {phrase!r}"


def relist(tmp: Path, aid: str, choices: list[str]):
    """The result of the round with the list of ``aid`` replaced by ``choices``."""
    folder = shutil.copytree(FOLDER, tmp / "round", ignore=shutil.ignore_patterns("*.md"))
    table = rows("applicants.csv")
    with open(folder / "applicants.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(table[0]), lineterminator="\n")
        w.writeheader()
        for r in table:
            w.writerow({**r, "choices": ";".join(choices)} if r["applicant_id"] == aid else r)
    return allocate(read_round(folder).instance)


# --------------------------------------------------------------------------- the files


def test_files_are_what_the_generator_writes() -> None:
    spec = importlib.util.spec_from_file_location("make_amsterdam", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    files = module.generate()
    on_disk = sorted(p.name for p in FOLDER.iterdir() if p.suffix in (".csv", ".toml", ".osm"))
    assert sorted([*files, "distances.csv"]) == on_disk
    for name, text in files.items():
        assert (FOLDER / name).read_bytes() == text.encode("utf-8"), (
            f"{name} is stale: rerun the generator"
        )


def test_distances_are_what_samen_distances_computes(tmp_path: Path, readme: str) -> None:
    out = tmp_path / "distances.csv"
    result = run(
        "distances", FOLDER, "--osm", FOLDER / "streets.osm", "--mode", "walk", "--out", out
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (FOLDER / "distances.csv").read_bytes()
    quoted(
        readme,
        "samen distances examples/amsterdam-po-2027 --osm examples/amsterdam-po-2027/streets.osm "
        "--mode walk",
    )


def test_the_engine_gives_the_nearest_schools_computed_here(facts: Facts) -> None:
    inst = facts.inst
    (computed,) = nearest_sets(inst)
    for a in range(inst.n_applicants):
        lo, hi = int(inst.choice_ptr[a]), int(inst.choice_ptr[a + 1])
        for e in range(lo, hi):
            assert bool(computed[e]) == (int(inst.choices[e]) in facts.near[a])


# --------------------------------------------------------------------------- the README


def test_round_in_brief(facts: Facts, readme: str) -> None:
    inst = facts.inst
    n, m = inst.n_applicants, inst.n_schools
    kinds = Counter(facts.kind)
    lengths = np.diff(inst.choice_ptr)
    assert (lengths.min(), lengths.max()) == (3, 6)
    groups: dict[str, list[tuple[int, int]]] = {}
    for r in facts.priorities:
        groups.setdefault(r["group"], []).append(
            (facts.a(r["applicant_id"]), facts.s(r["school_id"]))
        )
    assert all(inst.choices_of(a)[0] == s for a, s in groups["sibling"] + groups["staff"])
    pre_first = sum(int(inst.choices_of(a)[0] == s) for a, s in groups["preschool"])
    assert len({a for a, _ in groups["preschool"]}) == len(groups["preschool"])
    rank_schools = [
        facts.sids[s] for s in range(m) if any(inst.pool_order[p] != 0 for p in inst.pools_of(s))
    ]
    assert inst.tie_breaking == "single" and inst.mechanism == "deferred-acceptance"
    assert list(inst.priority_groups) == ["sibling", "staff", "preschool", "nearby"]
    assert list(inst.first_choice_only) == ["preschool"] and inst.waitlists
    (rule,) = inst.nearest
    assert (rule.group, rule.count, rule.category) == ("nearby", 8, "denomination")
    assert dict(rule.at_least) == {"public": 2, "denominational": 2}
    assert all(len(s) == 8 for s in facts.near)
    quoted(
        readme,
        f"| Schools | {m}: {kinds['public']} public and {kinds['denominational']} denominational |",
        f"| Seats | {int(inst.capacity.sum()):,} |",
        f"| Children | {n:,}, each ranking 3 to 6 schools |",
        f"| Sibling priority | {len(groups['sibling'])} children, at their first choice |",
        f"| Staff priority | {len(groups['staff'])} children |",
        f"| Pre-school priority | {len(groups['preschool'])} children, of whom {pre_first} put "
        "that school first |",
        f"| Order by choice, then distance | {len(rank_schools)} schools: "
        + ", ".join(rank_schools[:-1])
        + f" and {rank_schools[-1]} |",
        f"| Lottery seed | `{inst.seed}` |",
    )
    toml = (FOLDER / "round.toml").read_text(encoding="utf-8")
    assert (
        '[[nearest]]\ngroup = "nearby"\ncount = 8\ncategory = "denomination"\n'
        "at_least = { public = 2, denominational = 2 }\n"
    ) in toml
    for s in rank_schools:
        assert {
            inst.orderings[int(inst.pool_order[p]) - ORDER_CRITERIA]
            for p in inst.pools_of(facts.s(s))
        } == {"rank,distance"}


def test_walking_is_not_the_straight_line(facts: Facts, readme: str) -> None:
    n = facts.inst.n_applicants
    crow = [facts.nearest(facts.crow, a) for a in range(n)]
    differ = sum(set(crow[a]) != set(facts.near[a]) for a in range(n))
    a, s = facts.a("A0579"), facts.s("AP02")
    assert s in crow[a] and s not in facts.near[a]
    pairs = int(np.isfinite(facts.walk).sum())
    assert pairs == n * facts.inst.n_schools
    quoted(
        readme,
        f"({n:,} x {facts.inst.n_schools} = {pairs:,} rows)",
        f"For {differ} of the {n:,} children the 8 nearest schools on foot are not the 8 "
        "nearest as the crow flies",
        f"Child A0579, for example, lives {facts.crow[a, s]:.1f} m from RKBS Sint-Nicolaas "
        f"(AP02) in a straight line",
        f"but the walk is {facts.walk[a, s]:.2f} m, over a bridge",
    )
    # at least 2 of each kind
    changed = [
        a for a in range(n) if set(facts.nearest(facts.walk, a, False)) != set(facts.near[a])
    ]
    a = facts.a("A0018")
    plain = facts.nearest(facts.walk, a, False)
    assert all(facts.kind[s] == "denominational" for s in plain)
    public = [
        s
        for s in sorted(range(facts.inst.n_schools), key=lambda s: facts.walk[a, s])
        if facts.kind[s] == "public"
    ][:2]
    out = [s for s in plain if s not in facts.near[a]]
    assert out == plain[6:] and set(facts.near[a]) == set(plain[:6]) | set(public)
    sid = facts.sids
    quoted(
        readme,
        f"For {len(changed)} children the 8 nearest schools on foot do not include 2 of each kind",
        f"(from {sid[plain[0]]} at {facts.walk[a, plain[0]]:.1f} m to {sid[plain[-1]]} at "
        f"{facts.walk[a, plain[-1]]:.1f} m); its nearest public schools are {sid[public[0]]} "
        f"({facts.walk[a, public[0]]:.2f} m) and {sid[public[1]]} ({facts.walk[a, public[1]]:.2f} m)",
        f"{sid[out[0]]} and {sid[out[1]]}, the 7th and 8th nearest, make way for them"
        if sid[out[0]] < sid[out[1]]
        else f"{sid[out[1]]} and {sid[out[0]]}, the 7th and 8th nearest, make way for them",
    )


def test_screen_output(facts: Facts, readme: str, tmp_path: Path) -> None:
    result = run("allocate", FOLDER, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    screen = flat(result.stdout)
    warnings = flat(result.stderr)
    s = facts.summary
    n = s["applicants"]
    first, top3, none = s["first_choice"]["count"], s["top3"]["count"], s["unassigned"]
    lines = [
        f"Round {s['name']}",
        f"Children {n:,}",
        f"1st choice {first} ({pct(first, n)})",
        f"Top 3 choices {top3:,} ({pct(top3, n)})",
        f"No school {none} ({pct(none, n)})",
        f"Rules version {s['rules']} (allocation rules section 10)",
        f"Waiting lists {len(facts.res.waitlists)} places (waitlists.csv)",
    ]
    for line in lines:
        assert flat(line) in screen
    quoted(readme, *lines)
    for start in (
        "Warning: pools ordered by rank (AP04/all, AP08/all, AP17/all, AP22/all) reward ranking "
        "strategically:",
        "Warning: the first-choice-only priority of preschool rewards ranking strategically:",
    ):
        assert start in warnings
        quoted(readme, start)
    hist = s["rank_histogram"]
    assert len(hist) == 6
    quoted(readme, "| children | " + " | ".join(str(v) for v in hist) + f" | {none} |")
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["assignments.csv", "cutoffs.csv", "summary.json", "waitlists.csv"]


def test_cutoffs(facts: Facts, readme: str) -> None:
    inst, res = facts.inst, facts.res
    s = facts.s("AP01")
    (p,) = inst.pools_of(s)
    cut = res.pool_cutoff[p]
    assert inst.priority_groups[cut.group] == "nearby"
    placed = np.flatnonzero(res.school == s).tolist()
    waiting = [a for a in range(inst.n_applicants) if facts.wants(a, s)]
    assert all(facts.group_at(a, s) != "none" for a in placed)
    assert all(facts.group_at(a, s) in ("nearby", "none") for a in waiting)
    assert all(
        int(res.lottery[a]) > cut.lottery for a in waiting if facts.group_at(a, s) == "nearby"
    )
    quoted(
        readme,
        f"OBS De Kraal (AP01) has {int(inst.capacity[s])} seats. Its cut-off in `cutoffs.csv` is "
        f"in the group `nearby` with lottery number `{hex16(cut.lottery)}` (child "
        f"{cut.applicant_id})",
    )
    s = facts.s("AP08")
    (p,) = inst.pools_of(s)
    cut = res.pool_cutoff[p]
    rank, dist = cut.order_value
    assert inst.priority_groups[cut.group] == "nearby" and rank == 1
    for a in np.flatnonzero(res.school == s).tolist():
        assert res.choice_rank[a] == 1
    quoted(
        readme,
        f"The Montessorischool De Pijp (AP08) has {int(inst.capacity[s])} seats. Its cut-off is "
        f"`{rank};{dist:.2f}`",
        f"nearest first, up to {dist:.2f} m on foot",
    )
    left = int((res.school_filled < inst.capacity).sum())
    none = np.flatnonzero(res.school < 0).tolist()
    for a in none:
        assert all(res.school_filled[s] >= inst.capacity[s] for s in inst.choices_of(a).tolist())
    quoted(
        readme,
        f"{left} schools have seats left; {len(none)} children get no school, because every "
        "school on their list is full",
    )


def test_strategic_ranking(facts: Facts, readme: str, tmp_path: Path) -> None:
    inst, res = facts.inst, facts.res
    # first-choice-only: A0790 lists AP02, then AP01 where it went to pre-school
    a, ap01, ap02 = facts.a("A0790"), facts.s("AP01"), facts.s("AP02")
    lst = [facts.sids[s] for s in inst.choices_of(a).tolist()]
    assert lst[:2] == ["AP02", "AP01"] and res.school[a] < 0
    assert {
        (r["school_id"], r["group"]) for r in facts.priorities if r["applicant_id"] == "A0790"
    } == {("AP01", "preschool")}
    assert res.school_filled[ap02] >= inst.capacity[ap02]
    other = relist(tmp_path / "a", "A0790", ["AP01", "AP02", *lst[2:]])
    assert int(other.school[a]) == ap01
    quoted(
        readme,
        "Child A0790 went to the pre-school of OBS De Kraal (AP01), but its family likes RKBS "
        "Sint-Nicolaas (AP02) better and listed AP02 first, AP01 second",
        "it got **no school** at all. Had the family put AP01 first, the child would have had "
        "the pre-school priority there and got AP01",
    )
    # choice first: A0088 lists AP15, then AP17 (rank,distance)
    a, ap17 = facts.a("A0088"), facts.s("AP17")
    lst = [facts.sids[s] for s in inst.choices_of(a).tolist()]
    ap15 = facts.s("AP15")
    assert lst[:2] == ["AP15", "AP17"] and facts.wants(a, ap15)
    assert res.school_filled[ap15] >= inst.capacity[ap15]
    w = res.waitlists
    (i,) = np.flatnonzero((w.applicant == a) & (w.school == ap17))
    got = int(res.school[a])
    other = relist(tmp_path / "b", "A0088", ["AP17", "AP15", *lst[2:]])
    assert int(other.school[a]) == ap17
    admitted = np.flatnonzero(res.school == ap17).tolist()
    assert all(res.choice_rank[b] == 1 for b in admitted)
    quoted(
        readme,
        f"Child A0088 lives {facts.walk[a, ap17]:.2f} m from Daltonschool Zuid (AP17) and listed "
        "it second, after OBS De Zuidster (AP15)",
        f"which is {ordinal(int(w.position[i]))} on AP17's waiting list. It got its "
        f"{ordinal(int(res.choice_rank[a]))} choice, PCBS De Lelie ({facts.sids[got]})",
    )


def test_waiting_lists(facts: Facts, readme: str) -> None:
    res = facts.res
    w = res.waitlists
    a = facts.a("A0790")

    def place(sid: str) -> int:
        (i,) = np.flatnonzero((w.applicant == a) & (w.school == facts.s(sid)))
        return int(w.position[i])

    quoted(
        readme,
        f"`waitlists.csv` has {len(w)} places, on the lists of {len(set(w.school.tolist()))} "
        "schools",
        f"Child A0790, without a school, is {ordinal(place('AP02'))} on the waiting list of AP02 "
        f"and {ordinal(place('AP01'))} on that of AP01",
    )


def test_the_street_map(facts: Facts, readme: str) -> None:
    """A grid of streets every 150 m, cut in two by a canal that 3 ways cross: every walk
    between a home and a school on either side of it crosses one of them."""
    import xml.etree.ElementTree as ET

    root = ET.parse(FOLDER / "streets.osm").getroot()
    lat = {n.get("id"): float(n.get("lat")) for n in root.iter("node")}
    rows_lat = sorted(set(lat.values()))
    gaps = np.diff(rows_lat) * np.pi / 180 * 6_371_008.8
    assert np.allclose(gaps, 150, atol=0.01)
    spec = importlib.util.spec_from_file_location("make_amsterdam", GENERATOR)
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    south, north = rows_lat[generator.CANAL_ROW], rows_lat[generator.CANAL_ROW + 1]
    crossing = 0
    for way in root.iter("way"):
        ys = [lat[nd.get("ref")] for nd in way.iter("nd")]
        crossing += int(min(ys) <= south and max(ys) >= north)
    assert crossing == len(generator.BRIDGES) == 3
    quoted(
        readme,
        f"| Street map | `streets.osm`: a grid of streets every {generator.BLOCK_M} m, cut in two "
        f"by a canal with {crossing} bridges |",
    )
