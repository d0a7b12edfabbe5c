"""The figures quoted in ``examples/mechelen-2027/README.md`` are what samen computes.

Each check below recomputes a figure from the round (with the engine, as ``samen allocate``
does) and looks for the sentence or table row of the README that quotes it, so a change in
the engine, the round files or the README that makes them disagree fails here. Whitespace
(line breaks) in the README does not matter; the words do.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from samen.engine import allocate
from samen.engine.expressions import holds, parse
from samen.engine.lottery import hex16, number
from samen.io.results import metres, summary
from samen.io.round import read_round

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "examples" / "mechelen-2027"
README = FOLDER / "README.md"
GENERATOR = ROOT / "examples" / "make_mechelen.py"
#: the under-represented groups the schools reserve seats for (round.toml)
RESERVED_FOR = "indicator|disability"


class Facts:
    """The round, its result, the first run of the pledge loop and helpers."""

    def __init__(self) -> None:
        self.rnd = read_round(FOLDER)
        inst = self.inst = self.rnd.instance
        self.res = allocate(inst)
        # The first run of the pledge loop: with thresholds 0 no group can fail.
        self.run1 = allocate(inst.with_(group_threshold=np.zeros_like(inst.group_threshold)))
        self.summary = summary(self.rnd, self.res)
        self.ids = list(inst.applicant_ids)
        self.sids = list(inst.school_ids)
        self.names = self.rnd.school_names
        self.first = inst.choices[inst.choice_ptr[:-1]]
        names = list(inst.flag_names)
        self.indicator = inst.flags[:, names.index("indicator")].astype(bool)
        self.disability = inst.flags[:, names.index("disability")].astype(bool)
        #: the children of the groups the reserve is for
        self.group = holds(inst.flags, parse(RESERVED_FOR, names))

    def s(self, sid: str) -> int:
        return self.sids.index(sid)

    def a(self, aid: str) -> int:
        return self.ids.index(aid)

    def pool(self, sid: str, name: str) -> int:
        s = self.s(sid)
        return next(p for p in self.inst.pools_of(s) if self.inst.pool_names[p] == name)

    def seats(self, sid: str) -> dict[str, int]:
        inst = self.inst
        return {inst.pool_names[p]: int(inst.pool_seats[p]) for p in inst.pools_of(self.s(sid))}

    def favoured(self, p: int) -> np.ndarray:
        """bool[n]: the children who have what pool ``p`` favours."""
        f = int(self.inst.pool_flag[p])
        if f == -1:
            return np.ones(self.inst.n_applicants, dtype=bool)
        assert f <= -2, "the round's pools favour nobody or an expression"
        expression = self.inst.expressions[-2 - f]
        return holds(self.inst.flags, parse(expression, list(self.inst.flag_names)))

    def edge(self, a: int, s: int) -> int:
        return int(self.inst.choice_ptr[a]) + self.inst.choices_of(a).tolist().index(s)

    def group_at(self, a: int, s: int) -> int:
        return int(self.inst.priority[self.edge(a, s)])

    def distance(self, a: int, s: int) -> float:
        return float(self.inst.distance[self.edge(a, s)])

    def school_of(self, a: int, res=None) -> str | None:
        s = int((res if res is not None else self.res).school[a])
        return self.sids[s] if s >= 0 else None

    def in_pool(self, p: int, res=None) -> np.ndarray:
        return np.flatnonzero((res if res is not None else self.res).pool == p)

    def wants(self, a: int, s: int, res=None) -> bool:
        """Whether child ``a`` listed ``s`` and did not get ``s`` or a school it ranked
        higher."""
        res = res if res is not None else self.res
        lst = self.inst.choices_of(a).tolist()
        return s in lst and not 0 < int(res.choice_rank[a]) <= lst.index(s) + 1


@pytest.fixture(scope="module")
def facts() -> Facts:
    return Facts()


@pytest.fixture(scope="module")
def readme() -> str:
    return " ".join(README.read_text(encoding="utf-8").split())


def quoted(readme: str, *phrases: str) -> None:
    for phrase in phrases:
        assert " ".join(phrase.split()) in readme, f"README does not say: {phrase!r}"


def pct(k: int, n: int) -> str:
    return f"{100 * k / n:.1f}%"


def ordinal(k: int) -> str:
    return f"{k}{'th' if 10 <= k % 100 < 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"


def test_round_in_brief(facts: Facts, readme: str) -> None:
    inst = facts.inst
    n = inst.n_applicants
    lengths = sorted(set(np.diff(inst.choice_ptr).tolist()))
    assert lengths == [3, 4, 5]
    edge_child = np.repeat(np.arange(n), np.diff(inst.choice_ptr))
    kids = {
        g: len(set(edge_child[inst.priority == i].tolist()))
        for i, g in enumerate(inst.priority_groups)
    }
    ind, dis = int(facts.indicator.sum()), int(facts.disability.sum())
    both = int((facts.indicator & facts.disability).sum())
    reserving = [
        sid
        for sid in facts.sids
        if any(inst.pool_names[p].startswith("reserved") for p in inst.pools_of(facts.s(sid)))
    ]
    spec = importlib.util.spec_from_file_location("make_mechelen", GENERATOR)
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert generator.RESERVED_FOR == RESERVED_FOR
    # "the two neighbourhoods where about half of the children are indicator pupils"
    share = {h[0]: h[4] for h in generator.NEIGHBOURHOODS}
    assert share["Nekkerspoel"] >= 0.5 and share["Ragheno"] >= 0.5
    assert sorted(share.values())[-3] < 0.45
    home = {s[0]: s[2] for s in generator.SCHOOLS}
    assert (home["MB04"], home["MB05"]) == ("Nekkerspoel", "Ragheno")
    quoted(
        readme,
        f"| Schools | {inst.n_schools}, in {len(generator.NEIGHBOURHOODS)} neighbourhoods",
        f"| Seats | {int(inst.capacity.sum())} |",
        f"| Children | {n}, each ranking 3, 4 or 5 schools |",
        f"| Indicator pupils | {ind} children ({pct(ind, n)}) |",
        f"| Disability report | {dis} children ({pct(dis, n)}), of whom {both} are also "
        "indicator pupils |",
        f"| Reserved seats | 20% at {len(reserving)} schools, for indicator pupils and pupils "
        f"with a disability report ({int(facts.group.sum())} children) |",
        f"| Sibling priority | {kids['sibling']} children,",
        f"| Staff priority | {kids['staff']} children,",
        f"| Lottery seed | `{inst.seed}` |",
        f"| Method | {inst.mechanism.replace('-', ' ')} with one lottery number per child |",
    )
    assert inst.tie_breaking == "single"
    assert inst.family_number == "best" and inst.waitlists
    families = Counter(inst.family[inst.family >= 0].tolist())
    assert sorted(families.values()) == [2, 2]
    quoted(
        readme,
        f"| Twins | {len(families)} pairs, each twin drawn, the better number counting for both |",
        f"| Pledge groups | {len(inst.group_ids)} (",
        "| Waiting lists | yes:",
    )
    demand = np.bincount(facts.first, minlength=inst.n_schools)
    cap = inst.capacity
    mb01, mb06 = facts.s("MB01"), facts.s("MB06")
    quoted(
        readme,
        f"{demand[mb01]} children put Sint-Rombout ({cap[mb01]} seats) first and "
        f"{demand[mb06]} put De Vlindertuin ({cap[mb06]} seats) first",
    )


def test_pools_described(facts: Facts, readme: str) -> None:
    inst = facts.inst
    # 20% reserved for the group, after the open seats, at every school but MB04 and MB05
    reserving = []
    for sid in facts.sids:
        pools = list(inst.pools_of(facts.s(sid)))
        names = [inst.pool_names[p] for p in pools]
        reserved = [p for p in pools if inst.pool_names[p].startswith("reserved")]
        if not reserved:
            assert names == ["open"] and facts.favoured(pools[0]).all()
            continue
        reserving.append(sid)
        assert names[-len(reserved) :] == [inst.pool_names[p] for p in reserved]
        for p in pools:
            expected = facts.group if p in reserved else np.ones_like(facts.group)
            assert (facts.favoured(p) == expected).all()
        share = Fraction(int(inst.pool_seats[reserved].sum()), int(inst.capacity[facts.s(sid)]))
        assert abs(share - Fraction(1, 5)) < Fraction(1, 50)
    assert len(reserving) == 10 and set(facts.sids) - set(reserving) == {"MB04", "MB05"}
    quoted(
        readme,
        f"Here {len(reserving)} of the {inst.n_schools} schools reserve 20% for indicator "
        "pupils and for pupils with a disability report",
        f'a pool `reserved` with `share = 0.2` and `favours = "{RESERVED_FOR}"`',
        "Nekkerspoel (MB04) and De Regenboog (MB05), in the two neighbourhoods where about half "
        "of the children are indicator pupils, reserve nothing",
    )
    toml = (FOLDER / "round.toml").read_text(encoding="utf-8")
    assert f'share = 0.2\nfavours = "{RESERVED_FOR}"' in toml
    cap = int(inst.capacity[facts.s("MB02")])
    seats = facts.seats("MB02")
    quoted(
        readme,
        f"Het Klokhuis has {cap} seats, 20% of {cap} is {0.2 * cap:.1f}, so it has "
        f"{seats['reserved']} reserved seats and {seats['open']} open seats",
    )
    seats = facts.seats("MB01")
    quoted(
        readme,
        f"Sint-Rombout's {int(inst.capacity[facts.s('MB01')])} seats, for example, are "
        f"{seats['open-distance']} open seats by distance, {seats['open-lottery']} open seats "
        f"by lottery, {seats['reserved-distance']} reserved seats by distance and "
        f"{seats['reserved-lottery']} reserved seats by lottery",
    )
    cap = int(inst.capacity[facts.s("MB09")])
    seats = facts.seats("MB09")
    exact = [cap * Fraction(x) for x in ("0.64", "0.16", "0.16", "0.04")]
    floors = [int(x) for x in exact]
    assert list(seats.values()) != floors
    quoted(
        readme,
        f"At Walem ({cap} seats) the shares do not come out whole ("
        + ", ".join(f"{float(x):.1f}" for x in exact[:-1])
        + f" and {float(exact[-1]):.1f} seats)",
        f"({' + '.join(map(str, floors))} = {sum(floors)}) and the {cap - sum(floors)} seats "
        f"left go to the pools with the largest remainders, so Walem has "
        + ", ".join(map(str, list(seats.values())[:-1]))
        + f" and {list(seats.values())[-1]} seats",
    )
    for g, gid in enumerate(inst.group_ids):
        t = int(inst.group_target[g])
        quoted(
            readme,
            f"| {gid} | {facts.sids[t]} {facts.names[t]} | {int(facts.res.group_members[g])} "
            f"| {int(inst.group_threshold[g])} |",
        )


def test_screen_output_and_overall(facts: Facts, readme: str) -> None:
    s = facts.summary
    n = s["applicants"]
    first, top3, none = s["first_choice"]["count"], s["top3"]["count"], s["unassigned"]
    assert s["rules"] == 2 and facts.res.waitlists is not None
    quoted(
        readme,
        f"Round {s['name']}",
        f"Children {n}",
        f"1st choice {first} ({pct(first, n)})",
        f"Top 3 choices {top3} ({pct(top3, n)})",
        f"No school {none} ({pct(none, n)})",
        f"Pledge groups held {s['pledge_groups']['held']} of {s['pledge_groups']['total']}",
        f"Extra seats (multiple births) {s['overflow']}",
        f"Rules version {s['rules']} (allocation rules section 10)",
        f"Waiting lists {len(facts.res.waitlists)} places (waitlists.csv)",
        f"{first} of the {n} children ({pct(first, n)}) get their first choice",
        f"{top3} ({pct(top3, n)}) one of their first three, and {none} children get no school",
        "| children | " + " | ".join(str(v) for v in s["rank_histogram"]) + f" | {none} |",
    )
    assert len(s["rank_histogram"]) == 5
    # the lottery example
    value = number(facts.inst.seed, "M0011")
    quoted(readme, f"M0011 {hex16(value)} {value}")


def test_priority_children_all_placed(facts: Facts, readme: str) -> None:
    inst = facts.inst
    placed = Counter()
    total = Counter()
    for a in range(inst.n_applicants):
        for e in range(*inst.choice_ptr[a : a + 2]):
            if inst.priority[e] < len(inst.priority_groups):
                g = inst.priority_groups[int(inst.priority[e])]
                total[g] += 1
                placed[g] += int(facts.res.school[a] == inst.choices[e])
    assert placed == total
    quoted(
        readme,
        f"All {total['sibling']} children with sibling priority and all {total['staff']} with "
        "staff priority got the school where they had that priority",
    )


def test_school_table(facts: Facts, readme: str) -> None:
    inst, res = facts.inst, facts.res
    for s, sid in enumerate(facts.sids):
        placed = res.school == s
        row = (
            f"| {sid} | {facts.names[s]} | {int(inst.capacity[s])} | "
            f"{int((facts.first == s).sum())} | {int(placed.sum())} | "
            f"{int((placed & (res.choice_rank == 1)).sum())} | "
            f"{max(int(inst.capacity[s]) - int(placed.sum()), 0)} |"
        )
        quoted(readme, row)
    mb01 = facts.s("MB01")
    quoted(
        readme,
        f"Sint-Rombout has {int(res.school_filled[mb01])} children for "
        f"{int(inst.capacity[mb01])} seats",
    )


def test_cutoff_explained(facts: Facts, readme: str) -> None:
    inst, res = facts.inst, facts.res
    mb01 = facts.s("MB01")
    p = facts.pool("MB01", "open-distance")
    cut = res.pool_cutoff[p]
    assert cut is not None and cut.group == len(inst.priority_groups) and cut.unfavoured == 0
    quoted(
        readme,
        f"the pool `open-distance` of MB01: {int(inst.pool_seats[p])} seats, "
        f"{int(res.pool_filled[p])} filled, overflow {int(res.pool_overflow[p])}, and the last "
        f"child admitted is {cut.applicant_id} at {metres(cut.order_value)} m, without priority",
    )
    members = facts.in_pool(p)
    groups = Counter(facts.group_at(a, mb01) for a in members.tolist())
    prio = groups[0] + groups[1]
    # every child with priority at MB01 is in this pool
    assert all(
        int(res.pool[a]) == p
        for a in range(inst.n_applicants)
        if mb01 in inst.choices_of(a).tolist() and facts.group_at(a, mb01) < 2
    )
    twins = [a for a in members.tolist() if inst.family[a] >= 0]
    others = [a for a in members.tolist() if facts.group_at(a, mb01) == 2 and a not in twins]
    farthest = max(facts.distance(a, mb01) for a in others)
    twin_ids = [facts.ids[a] for a in twins]
    assert twin_ids == ["M0011", "M0012"]
    assert facts.distance(twins[0], mb01) == cut.order_value == facts.distance(twins[1], mb01)
    assert prio + len(others) == int(inst.pool_seats[p]) - 1  # one seat left for the twins
    # "living closer than 464 m would have been enough" and "every child who wanted
    # Sint-Rombout, did not get a school they liked better and had a smaller number got a
    # seat": no child without priority who prefers MB01 to its own result lives nearer than
    # the distance cut-off or has a smaller number than the lottery cut-off.
    lot_pool = facts.pool("MB01", "open-lottery")
    lot = res.pool_cutoff[lot_pool]
    for a in range(inst.n_applicants):
        if facts.wants(a, mb01) and facts.group_at(a, mb01) == 2:
            assert facts.distance(a, mb01) >= cut.order_value
            assert int(res.lottery[a]) > lot.lottery
    reserved = res.pool_cutoff[facts.pool("MB01", "reserved-distance")]
    assert reserved.unfavoured == 0 and reserved.order_value > cut.order_value
    mb02_open = res.pool_cutoff[facts.pool("MB02", "open")]
    quoted(
        readme,
        f"first the {prio} children with priority got a seat: {groups[0]} siblings and "
        f"{groups[1]} children of staff",
        f"the {len(others)} nearest children, up to {metres(farthest)} m from the school "
        f"({int(facts.group[others].sum())} of them from the reserved groups",
        f"Then came the twins {twin_ids[0]} and {twin_ids[1]}, who live "
        f"{metres(cut.order_value)} m away. There was one seat left, so both were admitted: "
        f"{int(res.pool_filled[p])} children in {int(inst.pool_seats[p])} seats.",
        f"living closer than {metres(cut.order_value)} m would have been enough",
        f"reached much farther, to {metres(reserved.order_value)} m (child "
        f"{reserved.applicant_id})",
        f"the {int(inst.pool_seats[lot_pool])} open lottery seats (`open-lottery`); there the "
        f"cut-off is lottery number `{hex16(lot.lottery)}` (child {lot.applicant_id})",
        f"the last child admitted to the open seats had number `{hex16(mb02_open.lottery)}`",
    )


def test_reserve_at_work(facts: Facts, readme: str) -> None:
    inst, res = facts.inst, facts.res
    # Het Klokhuis: the group in the open seats, and the whole reserve on top
    op, rp = facts.pool("MB02", "open"), facts.pool("MB02", "reserved")
    in_open, in_res = facts.in_pool(op), facts.in_pool(rp)
    assert facts.group[in_res].all() and len(in_res) == int(inst.pool_seats[rp])
    placed = np.flatnonzero(res.school == facts.s("MB02"))
    quoted(
        readme,
        f"{int(facts.group[in_open].sum())} children of the group got one of its "
        f"{int(inst.pool_seats[op])} open seats, and the {int(inst.pool_seats[rp])} reserved "
        f"seats all went to the group, on top of them: {int(facts.group[placed].sum())} of its "
        f"{len(placed)} children are indicator pupils or have a disability report",
    )
    # Muizen: every group child who wanted Muizen got it; the rest of the reserve to others
    mb08 = facts.s("MB08")
    rp = facts.pool("MB08", "reserved")
    in_res = facts.in_pool(rp)
    k = int(facts.group[in_res].sum())
    cut = res.pool_cutoff[rp]
    assert cut is not None and cut.unfavoured == 1
    assert not facts.group[facts.a(cut.applicant_id)]
    assert not any(facts.wants(a, mb08) for a in np.flatnonzero(facts.group).tolist())
    quoted(
        readme,
        f"the reserve took all {k} children of the group who wanted Muizen and had no open "
        f"seat; its other {int(inst.pool_seats[rp]) - k} reserved seats went to other children, "
        f"by lottery, the last of them with number `{hex16(cut.lottery)}` (child "
        f"{cut.applicant_id})",
    )
    with open(ROOT / "examples" / "mechelen-2027" / "round.toml", encoding="utf-8") as fh:
        assert "waitlists = true" in fh.read()
    # Walem, Leest, Hombeek: seats left, everyone who applied got in, reserve not full
    taken = {}
    for sid, name in (("MB09", "reserved-distance"), ("MB11", "reserved"), ("MB12", "reserved")):
        s = facts.s(sid)
        assert res.school_filled[s] < inst.capacity[s]
        assert not any(facts.wants(a, s) for a in range(inst.n_applicants))
        p = facts.pool(sid, name)
        assert res.pool_filled[p] < inst.pool_seats[p]
        taken[sid] = (int(res.pool_filled[p]), int(inst.pool_seats[p]))
    quoted(
        readme,
        f"({taken['MB09'][0]} of Walem's {taken['MB09'][1]} reserved seats by distance, "
        f"{taken['MB11'][0]} of Leest's {taken['MB11'][1]} and {taken['MB12'][0]} of Hombeek's "
        f"{taken['MB12'][1]} reserved seats are taken)",
    )


def test_twins(facts: Facts, readme: str) -> None:
    inst, res = facts.inst, facts.res
    a, b = facts.a("M0011"), facts.a("M0012")
    assert inst.family[a] == inst.family[b] >= 0
    assert facts.school_of(a) == facts.school_of(b) == "MB01"
    assert int(res.pool_overflow.sum()) == 1
    assert int(res.pool_overflow[facts.pool("MB01", "open-distance")]) == 1
    quoted(readme, "**overflow 1** at MB01, the only extra seat in this round")
    # pair 2: the better number (the second twin's) counts for both
    c, d = facts.a("M0038"), facts.a("M0039")
    assert inst.family[c] == inst.family[d] >= 0 and inst.family[c] != inst.family[a]
    assert facts.sids[int(inst.choices_of(c)[0])] == "MB08"
    own_c, own_d = number(inst.seed, "M0038"), number(inst.seed, "M0039")
    assert own_d < own_c and int(res.lottery[c]) == int(res.lottery[d]) == own_d
    assert facts.school_of(c) == facts.school_of(d) == "MB08" and res.choice_rank[c] == 1
    cut_open = res.pool_cutoff[facts.pool("MB08", "open")]
    cut_res = res.pool_cutoff[facts.pool("MB08", "reserved")]
    assert not facts.group[c] and own_d < cut_open.lottery
    assert own_c > cut_open.lottery and own_c > cut_res.lottery
    # the rule before 2023: the first id's number, and both to their second choice
    old = allocate(inst.with_(family_number="first"))
    assert int(old.lottery[c]) == int(old.lottery[d]) == own_c
    assert facts.school_of(c, old) == facts.school_of(d, old) == "MB05"
    assert old.choice_rank[c] == old.choice_rank[d] == 2
    quoted(
        readme,
        f"M0038 drew `{hex16(own_c)}`, M0039 drew `{hex16(own_d)}`. The better number, M0039's, "
        f"counts for both: it is below the cut-off of Muizen's open seats "
        f"(`{hex16(cut_open.lottery)}`), so both got their first choice",
        f"too high for the open seats and for the reserve (cut-off `{hex16(cut_res.lottery)}`): "
        "both would have got their second choice, De Regenboog (MB05)",
    )


def test_pledge_groups(facts: Facts, readme: str) -> None:
    inst, res, run1 = facts.inst, facts.res, facts.run1
    gids = list(inst.group_ids)
    nek, vli = gids.index("kies-samen-nekkerspoel"), gids.index("kies-samen-vlindertuin")
    assert res.group_held.tolist() == [True, False] and res.runs == 2 and run1.runs == 1
    mb04, mb06 = facts.s("MB04"), facts.s("MB06")
    quoted(
        readme,
        f"All {int(res.group_members[nek])} families got Nekkerspoel (MB04), which had seats "
        f"left ({int(res.school_filled[mb04])} children for {int(inst.capacity[mb04])} seats); "
        f"{int(res.group_assigned[nek])} is at least the threshold of "
        f"{int(inst.group_threshold[nek])}",
    )
    assert res.group_assigned[nek] == res.group_members[nek]

    members = np.flatnonzero(inst.pledge == vli)
    dist = [facts.distance(a, mb06) for a in members.tolist()]
    demand = int((facts.first == mb06).sum())
    far = res.pool_cutoff[facts.pool("MB06", "open-distance")]
    assert min(dist) > far.order_value
    assert min(dist) > run1.pool_cutoff[facts.pool("MB06", "open-distance")].order_value
    lot_pool = facts.pool("MB06", "open-lottery")
    in_lot = facts.in_pool(lot_pool, run1)
    pledge_number = number(inst.seed, "pledge:kies-samen-vlindertuin")
    got = [facts.ids[a] for a in in_lot.tolist() if inst.pledge[a] == vli]
    better = [a for a in in_lot.tolist() if run1.lottery[a] < pledge_number]
    assert all(inst.pledge[a] != vli for a in better)
    assert len(better) + len(got) == int(inst.pool_seats[lot_pool])
    # ties on the shared number: the smallest ids got the seats
    order = sorted(facts.ids[a] for a in members.tolist())
    assert got == order[: len(got)]
    # one more member in the reserve's lottery seats (the next id)
    res_lot = facts.pool("MB06", "reserved-lottery")
    extra = [facts.ids[a] for a in facts.in_pool(res_lot, run1).tolist() if inst.pledge[a] == vli]
    assert extra == [facts.ids[a] for a in members.tolist() if facts.group[a]]
    total = int(run1.group_assigned[vli])
    assert total == len(got) + len(extra) < int(inst.group_threshold[vli])
    assert facts.summary["pledge_groups"]["failures"][0]["assigned_to_target"] == total
    quoted(
        readme,
        f"({demand} first choices for {int(inst.capacity[mb06])} seats)",
        f"The group lives {min(dist) / 1000:.1f} to {max(dist) / 1000:.1f} km away",
        f"south of the Binnenstad, {min(dist) / 1000:.1f} to {max(dist) / 1000:.1f} km away",
        f"the last child admitted to the open seats by distance lives "
        f"{metres(far.order_value)} m away",
        f"through the {int(inst.pool_seats[lot_pool])} open seats by lottery",
        f"Its shared number `{hex16(pledge_number)}` is very good: only {len(better)} children "
        "in that pool had a smaller one",
        f"That left {len(got)} seats for {len(members)} families with the same number",
        ", ".join(got[:-1]) + f" and {got[-1]} got them",
        f"One more family, {extra[0]}, whose child has a disability report, got one of the "
        f"{int(inst.pool_seats[res_lot])} reserved seats by lottery, with the group's number",
        f"In the first run {total} members got De Vlindertuin, fewer than the threshold of "
        f"{int(inst.group_threshold[vli])}",
        f"**{res.runs} runs** in all",
    )

    # the second (final) run
    where = Counter(facts.school_of(a) for a in members.tolist())
    assert set(where) == {"MB01", "MB02", "MB03"} and (res.choice_rank[members] > 1).all()
    quoted(
        readme,
        f"the {len(members)} families get a school further down their list: {where['MB01']} at "
        f"Sint-Rombout (MB01), {where['MB02']} at Het Klokhuis (MB02) and {where['MB03']} at "
        "De Dijlevallei (MB03)",
    )
    moved_up = [
        facts.ids[a]
        for a in np.flatnonzero(res.school == mb06).tolist()
        if run1.school[a] != mb06 and inst.pledge[a] != vli
    ]
    assert len(moved_up) == total
    for aid in moved_up:
        a = facts.a(aid)
        assert mb06 in inst.choices_of(a).tolist()
        assert res.choice_rank[a] == run1.choice_rank[a] - 1
    changed = int((run1.school != res.school).sum())
    assert (run1.school < 0).sum() == (res.school < 0).sum()
    quoted(
        readme,
        f"the {total} seats they held at De Vlindertuin go to {len(moved_up)} other children "
        f"who had it on their list ({', '.join(moved_up[:-1])} and {moved_up[-1]}), who each "
        "move up one place on their list",
        f"in all {changed} children have a different school than in the first run.",
        f"kies-samen-nekkerspoel {int(res.group_members[nek])} members, "
        f"{int(res.group_assigned[nek])} at the school, held `true`",
        f"kies-samen-vlindertuin {int(res.group_members[vli])} members, "
        f"**{int(res.group_assigned[vli])}** at the school, held `false`",
        f"the {total} of the first run are what made the group fail",
    )


def test_children_without_a_school(facts: Facts, readme: str) -> None:
    inst, res = facts.inst, facts.res
    none = np.flatnonzero(res.school < 0).tolist()
    ids = [facts.ids[a] for a in none]
    assert len(none) == 2
    lists = {frozenset(facts.sids[s] for s in inst.choices_of(a).tolist()) for a in none}
    assert lists == {frozenset({"MB01", "MB02", "MB06"})}
    for sid in ("MB01", "MB02", "MB06"):
        s = facts.s(sid)
        assert res.school_filled[s] >= inst.capacity[s]
    # too far for every distance pool, too high a number for every lottery pool
    for a in none:
        for s in inst.choices_of(a).tolist():
            for p in inst.pools_of(s):
                cut = res.pool_cutoff[p]
                assert cut is not None
                unfav = 0 if facts.favoured(p)[a] else 1
                if unfav != cut.unfavoured:
                    assert unfav > cut.unfavoured
                elif inst.pool_order[p] == 1:  # distance
                    assert facts.distance(a, s) > cut.order_value
                else:
                    assert int(res.lottery[a]) > cut.lottery
    for sid in ("MB04", "MB05", "MB09"):  # "schools with seats left (such as ...)"
        assert res.school_filled[facts.s(sid)] < inst.capacity[facts.s(sid)]
    quoted(
        readme,
        "Schools with seats left (such as Nekkerspoel, De Regenboog and Walem)",
        f"{ids[0]} and {ids[1]} each listed only three schools, the same three, all full: "
        "Sint-Rombout, Het Klokhuis and De Vlindertuin",
        f"their lottery numbers (`{hex16(res.lottery[none[0]])}` and "
        f"`{hex16(res.lottery[none[1]])}`) were too high",
        f"### The {len(none)} children without a school",
    )


def test_waiting_lists(facts: Facts, readme: str) -> None:
    inst, res = facts.inst, facts.res
    w = res.waitlists
    assert w is not None
    schools = sorted(set(w.school.tolist()))
    quoted(
        readme,
        f"`waitlists.csv` has {len(w)} places, on the lists of {len(schools)} schools",
    )
    # every row is a child who wants that school (section 10.7), and nobody else: the
    # members of the failed pledge group no longer list its target in the last run
    rows = set(zip(w.school.tolist(), w.applicant.tolist(), strict=True))
    dropped = {
        (int(inst.group_target[g]), a)
        for a, g in enumerate(inst.pledge.tolist())
        if g >= 0 and not res.group_held[g]
    }
    expected = {
        (s, a)
        for a in range(inst.n_applicants)
        for s in inst.choices_of(a).tolist()
        if facts.wants(a, s)
    } - dropped
    assert len(dropped) == 12
    assert rows == expected

    def place(aid: str, sid: str, pool: str) -> int:
        a, p = facts.a(aid), facts.pool(sid, pool)
        (i,) = np.flatnonzero((w.applicant == a) & (w.pool == p))
        return int(w.position[i])

    m68 = {
        "open": place("M0468", "MB02", "open"),
        "reserved": place("M0468", "MB02", "reserved"),
        "MB06": place("M0468", "MB06", "open-distance"),
        "MB01": place("M0468", "MB01", "open-lottery"),
    }
    # the place it is told at Het Klokhuis is its best one there
    assert m68["open"] < m68["reserved"]
    m28 = {"MB02": place("M0428", "MB02", "open"), "MB06": place("M0428", "MB06", "open-distance")}
    a28, a68, mb06 = facts.a("M0428"), facts.a("M0468"), facts.s("MB06")
    assert res.lottery[a28] > res.lottery[a68] and m28["MB02"] > m68["open"]
    assert facts.distance(a28, mb06) < facts.distance(a68, mb06) and m28["MB06"] < m68["MB06"]
    quoted(
        readme,
        f"M0468, without a school, is {ordinal(m68['open'])} on the list of Het Klokhuis's open "
        f"seats (and {ordinal(m68['reserved'])} on its reserved seats), {ordinal(m68['MB06'])} "
        f"on De Vlindertuin's open seats by distance and {ordinal(m68['MB01'])} on "
        "Sint-Rombout's open seats by lottery",
        f'"you are {ordinal(m68["open"])} on the waiting list of Het Klokhuis"',
        f"M0428, has a worse number: {ordinal(m28['MB02'])} at Het Klokhuis, but "
        f"{ordinal(m28['MB06'])} on De Vlindertuin's open seats by distance, since it lives "
        "nearer",
    )
