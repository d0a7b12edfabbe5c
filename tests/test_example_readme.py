"""The figures quoted in ``examples/mechelen-2027/README.md`` are what samen computes.

Each check below recomputes a figure from the round (with the engine, as ``samen allocate``
does) and looks for the sentence or table row of the README that quotes it, so a change in
the engine, the round files or the README that makes them disagree fails here. Whitespace
(line breaks) in the README does not matter; the words do.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from samen.engine import allocate
from samen.engine.lottery import hex16, number
from samen.io.results import metres, summary
from samen.io.round import read_round

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "examples" / "mechelen-2027"
README = FOLDER / "README.md"
GENERATOR = ROOT / "examples" / "make_mechelen.py"


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
        self.indicator = inst.flags[:, list(inst.flag_names).index("indicator")].astype(bool)

    def s(self, sid: str) -> int:
        return self.sids.index(sid)

    def a(self, aid: str) -> int:
        return self.ids.index(aid)

    def pool(self, sid: str, name: str) -> int:
        s = self.s(sid)
        return next(p for p in self.inst.pools_of(s) if self.inst.pool_names[p] == name)

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
    ind = int(facts.indicator.sum())
    spec = importlib.util.spec_from_file_location("make_mechelen", GENERATOR)
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    quoted(
        readme,
        f"| Schools | {inst.n_schools}, in {len(generator.NEIGHBOURHOODS)} neighbourhoods",
        f"| Seats | {int(inst.capacity.sum())} |",
        f"| Children | {n}, each ranking 3, 4 or 5 schools |",
        f"| Indicator pupils | {ind} children ({pct(ind, n)}) |",
        f"| Sibling priority | {kids['sibling']} children,",
        f"| Staff priority | {kids['staff']} children,",
        f"| Lottery seed | `{inst.seed}` |",
        f"| Method | {inst.mechanism.replace('-', ' ')} with one lottery number per child |",
    )
    assert inst.tie_breaking == "single"
    families = Counter(inst.family[inst.family >= 0].tolist())
    assert sorted(families.values()) == [2, 2]
    quoted(
        readme, f"| Twins | {len(families)} pairs |", f"| Pledge groups | {len(inst.group_ids)} ("
    )
    demand = np.bincount(facts.first, minlength=inst.n_schools)
    cap = inst.capacity
    mb01, mb06 = facts.s("MB01"), facts.s("MB06")
    quoted(
        readme,
        f"{demand[mb01]} children put Sint-Rombout ({cap[mb01]} seats) first and "
        f"{demand[mb06]} put De Vlindertuin ({cap[mb06]} seats) first",
    )


def test_pools_and_groups_described(facts: Facts, readme: str) -> None:
    inst = facts.inst
    mb02 = facts.s("MB02")
    seats = {inst.pool_names[p]: int(inst.pool_seats[p]) for p in inst.pools_of(mb02)}
    cap = int(inst.capacity[mb02])
    quoted(
        readme,
        f"Het Klokhuis has {cap} seats, 30% of {cap} is {0.3 * cap:.1f}, so it has "
        f"{seats['indicator']} indicator seats and {seats['other']} other seats",
    )
    mb01 = facts.s("MB01")
    seats = {inst.pool_names[p]: int(inst.pool_seats[p]) for p in inst.pools_of(mb01)}
    quoted(
        readme,
        f"Sint-Rombout's {int(inst.capacity[mb01])} seats, for example, are "
        f"{seats['other-distance']} other seats by distance, {seats['other-lottery']} other "
        f"seats by lottery, {seats['indicator-distance']} indicator seats by distance and "
        f"{seats['indicator-lottery']} indicator seats by lottery",
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
    quoted(
        readme,
        f"Children {n}",
        f"1st choice {first} ({pct(first, n)})",
        f"Top 3 choices {top3} ({pct(top3, n)})",
        f"No school {none} ({pct(none, n)})",
        f"Pledge groups held {s['pledge_groups']['held']} of {s['pledge_groups']['total']}",
        f"Extra seats (multiple births) {s['overflow']}",
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
    p = facts.pool("MB01", "other-distance")
    cut = res.pool_cutoff[p]
    assert cut is not None and cut.group == len(inst.priority_groups) and cut.unfavoured == 0
    quoted(
        readme,
        f"the pool `other-distance` of MB01: {int(inst.pool_seats[p])} seats, "
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
    assert not facts.indicator[others].any()
    farthest = max(facts.distance(a, mb01) for a in others)
    twin_ids = [facts.ids[a] for a in twins]
    assert twin_ids == ["M0011", "M0012"]
    assert facts.distance(twins[0], mb01) == cut.order_value == facts.distance(twins[1], mb01)
    assert prio + len(others) == int(inst.pool_seats[p]) - 1  # one seat left for the twins
    # "living closer than 612 m would have been enough" and "every child without the
    # indicator flag who wanted Sint-Rombout, did not get a school they liked better and had
    # a smaller number got a seat": no child without priority or flag who prefers MB01 to
    # its own result lives nearer than the distance cut-off or has a smaller number than
    # the lottery cut-off.
    lot_cut = res.pool_cutoff[facts.pool("MB01", "other-lottery")]
    for a in range(inst.n_applicants):
        lst = inst.choices_of(a).tolist()
        if mb01 not in lst or res.school[a] == mb01 or facts.indicator[a]:
            continue
        if facts.group_at(a, mb01) < 2:
            continue
        if 0 < int(res.choice_rank[a]) <= lst.index(mb01) + 1:
            continue  # placed at a school it ranked higher
        assert facts.distance(a, mb01) >= cut.order_value
        assert int(res.lottery[a]) > lot_cut.lottery
    ind_dist = res.pool_cutoff[facts.pool("MB01", "indicator-distance")]
    lot_pool = facts.pool("MB01", "other-lottery")
    lot = res.pool_cutoff[lot_pool]
    mb02_other = res.pool_cutoff[facts.pool("MB02", "other")]
    quoted(
        readme,
        f"first the {prio} children with priority got a seat: {groups[0]} siblings and "
        f"{groups[1]} children of staff",
        f"the {len(others)} nearest children without the indicator flag, up to "
        f"{metres(farthest)} m from the school",
        f"Then came the twins {twin_ids[0]} and {twin_ids[1]}, who live "
        f"{metres(cut.order_value)} m away. There was one seat left, so both were admitted: "
        f"{int(res.pool_filled[p])} children in {int(inst.pool_seats[p])} seats.",
        f"living closer than {metres(cut.order_value)} m would have been enough",
        f"indicator seats by distance reached {metres(ind_dist.order_value)} m",
        f"the {int(inst.pool_seats[lot_pool])} lottery seats (`other-lottery`); there the "
        f"cut-off is lottery number `{hex16(lot.lottery)}` (child {lot.applicant_id})",
        f"the last child admitted to the other seats had number `{hex16(mb02_other.lottery)}`",
    )


def test_indicator_seats(facts: Facts, readme: str) -> None:
    inst, res = facts.inst, facts.res
    # Muizen: indicator seats left over went to other children.
    mb08 = facts.s("MB08")
    p = facts.pool("MB08", "indicator")
    members = facts.in_pool(p)
    k = int(facts.indicator[members].sum())
    cut = res.pool_cutoff[p]
    assert cut is not None and cut.unfavoured == 1
    assert not facts.indicator[facts.a(cut.applicant_id)]
    # every indicator pupil who listed Muizen got it or a school they ranked higher
    for a in np.flatnonzero(facts.indicator).tolist():
        lst = inst.choices_of(a).tolist()
        if mb08 in lst:
            assert 0 < int(res.choice_rank[a]) <= lst.index(mb08) + 1
    quoted(
        readme,
        f"At Muizen (MB08) {k} indicator pupils got an indicator seat",
        f"The {int(inst.pool_seats[p]) - k} indicator seats left over went to other children, by "
        f"lottery; the last of them had number `{hex16(cut.lottery)}` (child {cut.applicant_id})",
    )
    # De Dijlevallei: other seats left over went to indicator pupils.
    mb03 = facts.s("MB03")
    other, ind = facts.pool("MB03", "other"), facts.pool("MB03", "indicator")
    in_other = facts.in_pool(other)
    j = int(facts.indicator[in_other].sum())
    in_ind = facts.in_pool(ind)
    assert facts.indicator[in_ind].all()
    assert res.pool_cutoff[other].unfavoured == 1 and res.pool_cutoff[ind] is None
    quoted(
        readme,
        f"only {len(in_other) - j} children without the indicator flag came for its "
        f"{int(inst.pool_seats[other])} other seats, so {j} indicator pupils got other seats; "
        f"then the indicator pool took the remaining {len(in_ind)} indicator pupils. "
        f"De Dijlevallei still has {int(inst.capacity[mb03] - res.school_filled[mb03])} empty "
        "seats",
    )


def test_twins(facts: Facts, readme: str) -> None:
    inst, res = facts.inst, facts.res
    a, b = facts.a("M0011"), facts.a("M0012")
    assert inst.family[a] == inst.family[b] >= 0
    assert facts.school_of(a) == facts.school_of(b) == "MB01"
    assert int(res.pool_overflow.sum()) == 1
    assert int(res.pool_overflow[facts.pool("MB01", "other-distance")]) == 1
    assert res.lottery[a] == res.lottery[b] == number(inst.seed, "M0011")
    quoted(
        readme,
        "**overflow 1** at MB01, the only extra seat in this round",
        f"Both use lottery number `{hex16(res.lottery[a])}`, that of M0011",
    )
    c, d = facts.a("M0038"), facts.a("M0039")
    assert inst.family[c] == inst.family[d] >= 0 and inst.family[c] != inst.family[a]
    assert facts.sids[int(inst.choices_of(c)[0])] == "MB08"
    shared = int(res.lottery[c])
    assert shared == int(res.lottery[d]) == number(inst.seed, "M0038")
    cut_other = res.pool_cutoff[facts.pool("MB08", "other")]
    cut_ind = res.pool_cutoff[facts.pool("MB08", "indicator")]
    assert not facts.indicator[c]
    assert shared > cut_other.lottery and shared > cut_ind.lottery  # too high for both pools
    assert facts.school_of(c) == facts.school_of(d) == "MB05"
    assert res.choice_rank[c] == res.choice_rank[d] == 2
    mb05 = facts.s("MB05")
    assert res.school_filled[mb05] < inst.capacity[mb05]
    quoted(
        readme,
        f"their shared number `{hex16(shared)}` was not good enough for Muizen, neither for the "
        f"other seats (cut-off `{hex16(cut_other.lottery)}`) nor for the left-over indicator "
        f"seats (cut-off `{hex16(cut_ind.lottery)}`)",
        "both got their second choice, De Regenboog (MB05), which had room",
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
    far = res.pool_cutoff[facts.pool("MB06", "other-distance")]
    assert min(dist) > far.order_value
    lot_pool = facts.pool("MB06", "other-lottery")
    in_lot = facts.in_pool(lot_pool, run1)
    pledge_number = number(inst.seed, "pledge:kies-samen-vlindertuin")
    got = [facts.ids[a] for a in in_lot.tolist() if inst.pledge[a] == vli]
    better = [a for a in in_lot.tolist() if run1.lottery[a] < pledge_number]
    assert all(inst.pledge[a] != vli for a in better)
    assert int(run1.group_assigned[vli]) == len(got) < int(inst.group_threshold[vli])
    # ties on the shared number: the smallest ids got the seats
    assert got == sorted(facts.ids[a] for a in members.tolist())[: len(got)]
    assert len(better) + len(got) == int(inst.pool_seats[lot_pool])
    quoted(
        readme,
        f"({demand} first choices for {int(inst.capacity[mb06])} seats)",
        f"The group lives {min(dist) / 1000:.1f} to {max(dist) / 1000:.1f} km away",
        f"south of the Binnenstad, {min(dist) / 1000:.1f} to {max(dist) / 1000:.1f} km away",
        f"the last child admitted to the other seats by distance lives "
        f"{metres(far.order_value)} m away",
        f"through the {int(inst.pool_seats[lot_pool])} other seats by lottery",
        f"Its shared number `{hex16(pledge_number)}` is very good: only {len(better)} children "
        "in that pool had a smaller one",
        f"That left {len(got)} seats for {len(members)} families with the same number",
        ", ".join(got[:-1]) + f" and {got[-1]} got them",
        f"In the first run {len(got)} members got De Vlindertuin, fewer than the threshold of "
        f"{int(inst.group_threshold[vli])}",
        f"**{res.runs} runs** in all",
    )

    # the second (final) run
    assert (res.choice_rank[members] == 2).all()
    where = Counter(facts.school_of(a) for a in members.tolist())
    assert where == {"MB01": 8, "MB02": 2, "MB03": 2}
    quoted(
        readme,
        f"the {len(members)} families all get their second choice: {where['MB01']} at "
        f"Sint-Rombout (MB01), {where['MB02']} at Het Klokhuis (MB02) and {where['MB03']} at "
        "De Dijlevallei (MB03)",
    )
    moved_up = [
        facts.ids[a]
        for a in facts.in_pool(lot_pool).tolist()
        if run1.school[a] != mb06 and inst.pledge[a] != vli
    ]
    assert len(moved_up) == len(got)
    for aid in moved_up:
        a = facts.a(aid)
        assert facts.first[a] == mb06 and run1.choice_rank[a] == 2 and res.choice_rank[a] == 1
    changed = int((run1.school != res.school).sum())
    none1, none2 = int((run1.school < 0).sum()), int((res.school < 0).sum())
    newly = [a for a in range(inst.n_applicants) if run1.school[a] < 0 <= res.school[a]]
    assert len(newly) == none1 - none2 == 1
    quoted(
        readme,
        f"the {len(got)} seats they held at De Vlindertuin go to {len(moved_up)} other children "
        f"who had put it first ({', '.join(moved_up[:-1])} and {moved_up[-1]}), who had been "
        "placed at their second choice",
        f"in all {changed} children have a different school than in the first run, and one child "
        f"who had no school in the first run now has one ({none2} without a school instead of "
        f"{none1})",
        f"kies-samen-nekkerspoel {int(res.group_members[nek])} members, "
        f"{int(res.group_assigned[nek])} at the school, held `true`",
        f"kies-samen-vlindertuin {int(res.group_members[vli])} members, "
        f"**{int(res.group_assigned[vli])}** at the school, held `false`",
        f"the {len(got)} of the first run are what made the group fail",
    )


def test_children_without_a_school(facts: Facts, readme: str) -> None:
    inst, res = facts.inst, facts.res
    none = np.flatnonzero(res.school < 0).tolist()
    ids = [facts.ids[a] for a in none]
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
                f = int(inst.pool_flag[p])
                unfav = 0 if f < 0 else int(bool(inst.flags[a, f]) == bool(inst.pool_negate[p]))
                if unfav != cut.unfavoured:
                    assert unfav > cut.unfavoured
                elif inst.pool_order[p] == 1:  # distance
                    assert facts.distance(a, s) > cut.order_value
                else:
                    assert int(res.lottery[a]) > cut.lottery
    for sid in ("MB03", "MB04", "MB05"):  # "schools with seats left (such as ...)"
        assert res.school_filled[facts.s(sid)] < inst.capacity[facts.s(sid)]
    quoted(
        readme,
        "Schools with seats left (such as De Dijlevallei, Nekkerspoel and De Regenboog)",
        f"{ids[0]}, {ids[1]} and {ids[2]} each listed only three schools, the same three, all "
        "full: Sint-Rombout, Het Klokhuis and De Vlindertuin",
        f"their lottery numbers (`{hex16(res.lottery[none[0]])}`, `{hex16(res.lottery[none[1]])}` "
        f"and `{hex16(res.lottery[none[2]])}`) were too high",
        f"### The {len(none)} children without a school",
    )
