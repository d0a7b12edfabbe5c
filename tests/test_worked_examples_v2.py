"""Worked examples of the rules of version 2 (``docs/allocation-rules.md`` section 10),
computed by hand.

As in ``test_worked_examples.py``: every test builds a small round, works the rules out by
hand in its comments and checks that samen gives exactly that. The lottery numbers are those
of that file (seed ``kies je school 2027``, checked there against ``hashlib``), best first:

    Emma   0b27..   Olivia 1c78..   Elise  2917..   Kobe   3032..   Noah   358b..
    Bram   3c7a..   Daan   ad6c..   Tuur   be08..   Chloé  c733..   Mila   f18d..

A tuple is written ``(group, unfavoured, order value, lottery, id)``; with several criteria
the order value is the sequence of their values, as ``(1, 300.0)``.

Two examples show why samen warns about ``rank`` ordering and first-choice-only priority:
under deferred acceptance, which is otherwise strategy-proof, a child who lists its true
preferences gets a worse school than by listing them in another order (Pathak and Sonmez
2013; :mod:`samen.engine.incentives`).
"""

from __future__ import annotations

import hashlib

from samen.engine import PoolSpec, Priority, allocate, build_instance
from samen.engine.incentives import strategic_rules
from samen.engine.instance import Instance, Result, rules_version
from samen.engine.lottery import hex16, number
from samen.engine.nearest import NearestRule, nearest_sets
from test_worked_examples import SEED, L, pool_of, where

# Multiple tie-breaking, L(child, school) (section 3), for the family number of 10.6.
AT = {
    ("X", "Mila"): "0a47f97e5e9e6e98",
    ("X", "Tuur"): "faba87819f3ed0da",
    ("Y", "Mila"): "f7c4c858da3565e3",
    ("Y", "Tuur"): "91c71eb980025090",
    ("Y", "Chloé"): "d6dbc378497bdeda",
}


def test_numbers_at_schools_are_sha256() -> None:
    for (school, name), digits in AT.items():
        assert hashlib.sha256(f"{SEED}|{school}|{name}".encode()).hexdigest()[:16] == digits
        assert hex16(number(SEED, school, name)) == digits


def waiting(inst: Instance, res: Result) -> list[tuple[str, str, int, str]]:
    """The waiting lists as (school, pool, position, child) rows."""
    w = res.waitlists
    assert w is not None
    pools = [*inst.pool_names, ""]
    return [
        (inst.school_ids[s], pools[p], int(k), inst.applicant_ids[a])
        for s, p, k, a in zip(w.school, w.pool, w.position, w.applicant, strict=True)
    ]


# ------------------------------------------------------------------ 10.1 flag expressions


def test_a_pool_for_one_of_several_groups() -> None:
    # X has 6 seats: 2 for children with indicator OR disability (the decree of 2022: up to
    # 20% for locally defined groups; here as seats), 4 for everyone. Nine children list X.
    # Pool "under" (favours indicator|disability), tuples (0, unfavoured, L, L, id):
    #   Tuur (indicator)   (0, 0, be08, ...)     Mila (disability)  (0, 0, f18d, ...)
    #   everyone else has neither: unfavoured = 1, e.g. Emma (0, 1, 0b27, ...)
    # The two favoured children come first: under = Tuur, Mila.
    # Pool "other" (4 seats, favours nobody): the rest by lottery: Emma 0b27, Olivia 1c78,
    # Elise 2917, Kobe 3032. Out: Noah 358b, Bram 3c7a, Chloé c733.
    names = ["Emma", "Olivia", "Elise", "Kobe", "Noah", "Bram", "Chloé", "Mila", "Tuur"]
    inst = build_instance(
        {a: ["X"] for a in names},
        {"X": 6},
        seed=SEED,
        pools={
            "X": [
                PoolSpec("under", seats=2, favours="indicator | disability"),
                PoolSpec("other", seats=4),
            ]
        },
        flags={"indicator": {"Tuur": 1}, "disability": {"Mila": 1}},
        waitlists=True,
    )
    res = allocate(inst)
    got = where(inst, res)
    assert got["Tuur"] == ("X", "under") and got["Mila"] == ("X", "under")
    assert [a for a in names if got[a] == ("X", "other")] == ["Emma", "Olivia", "Elise", "Kobe"]
    assert got["Noah"] is None and got["Bram"] is None and got["Chloé"] is None
    # The cut-off of "under" is Mila's tuple: favoured (0), her number as item 3.
    assert res.pool_cutoff[pool_of(inst, "X", "under")] == Priority(
        0, 0, L("Mila"), L("Mila"), "Mila"
    )
    # Waiting lists: in "under" the three left are all unfavoured, so by lottery; the same
    # in "other" (it favours nobody).
    assert waiting(inst, res) == [
        ("X", "under", 1, "Noah"),
        ("X", "under", 2, "Bram"),
        ("X", "under", 3, "Chloé"),
        ("X", "other", 1, "Noah"),
        ("X", "other", 2, "Bram"),
        ("X", "other", 3, "Chloé"),
    ]
    assert inst.expressions == ["indicator|disability"]  # written without the spaces


# ------------------------------------------------------------ 10.2 several criteria


def test_choice_first_then_distance_then_lottery() -> None:
    # X has 2 seats ordered by "rank,distance"; Y has no seat, so Emma, who lists Y first,
    # comes to X as her second choice. Tuples at X (no groups: group 0, favoured 0):
    #   Olivia (0, 0, (1, 900.0), 1c78, ...)    Tuur (0, 0, (1, 300.0), be08, ...)
    #   Mila   (0, 0, (1, 300.0), f18d, ...)    Emma (0, 0, (2, 100.0), 0b27, ...)
    # Tuur and Mila tie on choice and distance: the lottery decides (be08 < f18d). The two
    # seats go to Tuur and Mila; Emma, nearest and with the best number, ranked X second.
    inst = build_instance(
        {"Emma": ["Y", "X"], "Olivia": ["X"], "Mila": ["X", "Y"], "Tuur": ["X"]},
        {"X": 2, "Y": 0},
        seed=SEED,
        pools={"X": [PoolSpec("all", seats=2, order_by="rank,distance")]},
        distances={("Emma", "X"): 100.0, ("Olivia", "X"): 900.0, ("Mila", "X"): 300.0,
                   ("Tuur", "X"): 300.0},
        waitlists=True,
    )  # fmt: skip
    res = allocate(inst)
    got = where(inst, res)
    assert got["Tuur"] == ("X", "all") and got["Mila"] == ("X", "all")
    assert got["Olivia"] is None and got["Emma"] is None
    cut = res.pool_cutoff[pool_of(inst, "X", "all")]
    assert cut == Priority(0, 0, (1, 300.0), L("Mila"), "Mila")
    # Waiting lists: X by the same tuples (Olivia before Emma: choice 1 before choice 2);
    # Y (0 seats, ordered by lottery) holds Emma (unassigned); Mila got X, above Y.
    assert waiting(inst, res) == [
        ("X", "all", 1, "Olivia"),
        ("X", "all", 2, "Emma"),
        ("Y", "all", 1, "Emma"),
    ]


def test_order_by_a_number_column() -> None:
    # X has 2 seats ordered by "value:registered", the day of registration as a number,
    # smaller first: Olivia and Mila registered on 20270103, Emma on 20270105, Tuur on
    # 20270110. Olivia and Mila tie on the value: the lottery decides (1c78 < f18d), and both
    # are in: 2 seats. Emma, with the best number, registered later.
    inst = build_instance(
        {a: ["X"] for a in ("Emma", "Olivia", "Mila", "Tuur")},
        {"X": 2},
        seed=SEED,
        pools={"X": [PoolSpec("all", seats=2, order_by="value:registered")]},
        values={"registered": {"Emma": 20270105, "Olivia": 20270103, "Mila": 20270103,
                               "Tuur": 20270110}},
    )  # fmt: skip
    res = allocate(inst)
    got = where(inst, res)
    assert [a for a in ("Emma", "Olivia", "Mila", "Tuur") if got[a]] == ["Olivia", "Mila"]
    cut = res.pool_cutoff[pool_of(inst, "X", "all")]
    assert cut == Priority(0, 0, 20270103.0, L("Mila"), "Mila")  # one criterion: one value


# ------------------------------------------------------- 10.3 priority at the nearest schools


def nearest_round(rules: list[NearestRule], **kw: object) -> Instance:
    """Four schools on the x axis: S10 at 100 and S9 at -100 (public), K1 at 300 and K2 at
    600 (catholic). Olivia lives at (0, 0): 100 m from S10 and S9 (a tie), 300 m from K1,
    600 m from K2. Mila lives at (500, 10): 400.12 m from S10, 600.08 m from S9, 200.25 m
    from K1 and 100.5 m from K2."""
    return build_instance(
        {"Olivia": ["K2", "S9"], "Mila": ["K2", "S10"]},
        {"S10": 1, "S9": 1, "K1": 1, "K2": 1},
        seed=SEED,
        priority_groups=["nearby"],
        nearest=rules,
        categories={"denomination": {"S10": "public", "S9": "public", "K1": "catholic",
                                     "K2": " catholic "}},
        homes={"Olivia": (0.0, 0.0), "Mila": (500.0, 10.0)},
        sites={"S10": (100.0, 0.0), "S9": (-100.0, 0.0), "K1": (300.0, 0.0), "K2": (600.0, 0.0)},
        **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def sets(inst: Instance) -> list[dict[str, list[str]]]:
    """Per rule, per child, the listed schools in N(a)."""
    out = []
    for member in nearest_sets(inst):
        out.append(
            {
                a: [inst.school_ids[s] for s, e in zip(inst.choices_of(i), range(
                    int(inst.choice_ptr[i]), int(inst.choice_ptr[i + 1])), strict=True) if member[e]]
                for i, a in enumerate(inst.applicant_ids)
            }
        )  # fmt: skip
    return out


def test_the_nearest_schools() -> None:
    # count = 2, no categories: Olivia's 2 nearest are S10 and S9 (both 100 m: a tie, and in
    # byte order "S10" < "S9", so S10 is first, but both are in); Mila's are K2 and K1.
    (only,) = sets(nearest_round([NearestRule("nearby", 2)]))
    assert only == {"Olivia": ["S9"], "Mila": ["K2"]}  # of the schools they listed
    # count = 1: the tie at 100 m goes to S10 (byte order), so Olivia has no priority at S9.
    (one,) = sets(nearest_round([NearestRule("nearby", 1)]))
    assert one == {"Olivia": [], "Mila": ["K2"]}
    # at_least {catholic: 1}, count 2: first the nearest catholic school (Olivia: K1 at 300;
    # Mila: K2 at 100.5), then the nearest not taken until 2 (Olivia: S10; Mila: K1). The
    # value " catholic " of K2 counts as "catholic" (compared without the spaces).
    rule = NearestRule("nearby", 2, "denomination", (("catholic", 1),))
    (cat,) = sets(nearest_round([rule]))
    assert cat == {"Olivia": [], "Mila": ["K2"]}
    # at_least {public: 2, catholic: 2}, count 2: the minimums add up to 4 > count, so N(a)
    # holds all four schools.
    rule = NearestRule("nearby", 2, "denomination", (("public", 2), ("catholic", 2)))
    (every,) = sets(nearest_round([rule]))
    assert every == {"Olivia": ["K2", "S9"], "Mila": ["K2", "S10"]}


def test_nearest_priority_beats_the_lottery() -> None:
    # count = 2: at K2 Mila is "nearby" (group 0), Olivia is not (group 1 = none). K2 has one
    # seat: (0, 0, f18d, ...) beats (1, 0, 1c78, ...), so Mila gets K2 with the worst number.
    # Olivia goes on to S9, where she is "nearby" too, alone.
    inst = nearest_round([NearestRule("nearby", 2)])
    res = allocate(inst)
    got = where(inst, res)
    assert got["Mila"] == ("K2", "all") and got["Olivia"] == ("S9", "all")
    assert res.pool_cutoff[pool_of(inst, "K2", "all")] == Priority(
        0, 0, L("Mila"), L("Mila"), "Mila"
    )


# ------------------------------------------------------ 10.4 priority at the first choice only


def first_choice_round(elise: list[str]) -> Instance:
    """X and Y have one seat each. Emma (sibling at X) lists X; Olivia lists Y; Elise, who
    prefers X to Y, has "zone" priority at Y, which counts only at a first choice."""
    return build_instance(
        {"Emma": ["X"], "Olivia": ["Y"], "Elise": elise},
        {"X": 1, "Y": 1},
        seed=SEED,
        priority_groups=["sibling", "zone"],
        priorities={("Emma", "X"): "sibling", ("Elise", "Y"): "zone"},
        first_choice_only=["zone"],
    )


def test_first_choice_only_rewards_strategic_ranking() -> None:
    # Truthful, Elise lists X, Y. At X Emma's sibling priority (group 0) beats Elise (group 2,
    # none). At Y, Elise's second choice, her zone priority does not count: (2, 0, 2917, ...)
    # against Olivia (2, 0, 1c78, ...): Olivia wins. Elise gets nothing.
    truthful = first_choice_round(["X", "Y"])
    res = allocate(truthful)
    assert where(truthful, res)["Elise"] is None and where(truthful, res)["Olivia"] == ("Y", "all")
    # Listing Y first (not her true order), her zone priority counts at Y: (1, 0, 2917, ...)
    # beats Olivia, and she gets Y, a school she wanted. Ranking strategically pays.
    lie = first_choice_round(["Y", "X"])
    assert where(lie, allocate(lie))["Elise"] == ("Y", "all")
    assert [w.rule for w in strategic_rules(truthful)] == ["first_choice_only"]


def test_rank_ordering_rewards_strategic_ranking() -> None:
    # X and Y have one seat each, ordered by rank. Emma lists X; Chloé lists Y; Elise prefers
    # X to Y. Truthful (X, Y): at X, Emma (0, 0, 1, 0b27) beats Elise (0, 0, 1, 2917); at Y,
    # Elise ranked it 2nd: (0, 0, 2, 2917) loses to Chloé (0, 0, 1, c733). Elise gets nothing.
    def rnd(elise: list[str]) -> Instance:
        return build_instance(
            {"Emma": ["X"], "Chloé": ["Y"], "Elise": elise},
            {"X": 1, "Y": 1},
            seed=SEED,
            default_pools=[PoolSpec("all", share="1", order_by="rank")],
        )

    truthful = rnd(["X", "Y"])
    assert where(truthful, allocate(truthful))["Elise"] is None
    # Listing Y first: (0, 0, 1, 2917) beats Chloé (0, 0, 1, c733). Elise gets Y.
    lie = rnd(["Y", "X"])
    assert where(lie, allocate(lie))["Elise"] == ("Y", "all")
    # Ordered by lottery instead, the truthful list already gets her Y (2917 < c733).
    fair = truthful.with_(pool_order=truthful.pool_order * 0)
    assert where(fair, allocate(fair))["Elise"] == ("Y", "all")
    assert [w.rule for w in strategic_rules(truthful)] == ["rank"]


# ------------------------------------------------------------------ 10.6 family number


def twins_round(family_number: str, tie_breaking: str = "single", **kw: object) -> Instance:
    """X and Y have one seat each; the twins Mila and Tuur list X, Y; Chloé lists Y, X."""
    return build_instance(
        {"Mila": ["X", "Y"], "Tuur": ["X", "Y"], "Chloé": ["Y", "X"]},
        {"X": 1, "Y": 1},
        seed=SEED,
        families={"Mila": "F", "Tuur": "F"},
        family_number=family_number,
        tie_breaking=tie_breaking,
        **kw,  # type: ignore[arg-type]
    )


def test_the_better_draw_takes_both_twins() -> None:
    # Single tie-breaking. "first": the block uses Mila's number (she sorts first), f18d.
    # "best": the smaller of f18d (Mila) and be08 (Tuur), be08. Chloé has c733.
    # first: X is wanted by the block alone: it takes the whole block (one seat, overflow 1).
    first = twins_round("first")
    res = allocate(first)
    assert where(first, res)["Mila"] == ("X", "all") and where(first, res)["Chloé"] == ("Y", "all")
    assert hex16(int(res.lottery[0])) == "f18d5a3b8892fd13" == hex16(int(res.lottery[1]))
    best = twins_round("best")
    res = allocate(best)
    assert hex16(int(res.lottery[0])) == "be08d6b783352150" == hex16(int(res.lottery[1]))


def test_best_number_at_each_school() -> None:
    # Multiple tie-breaking, "best": at each school the smaller of the twins' numbers there.
    # At X: Mila 0a47, Tuur faba -> 0a47 (also "first"'s). At Y: Mila f7c4, Tuur 91c7 -> 91c7
    # with "best", but f7c4 with "first". Chloé at Y: d6db.
    # X has no seat here, so everyone competes for Y's one seat:
    #   first: Chloé d6db < block f7c4: Chloé gets Y.   best: block 91c7 < d6db: the twins.
    for rule, winner in (("first", "Chloé"), ("best", "Mila")):
        inst = build_instance(
            {"Mila": ["X", "Y"], "Tuur": ["X", "Y"], "Chloé": ["Y", "X"]},
            {"X": 0, "Y": 1},
            seed=SEED,
            families={"Mila": "F", "Tuur": "F"},
            family_number=rule,
            tie_breaking="multiple",
        )
        got = where(inst, allocate(inst))
        assert got[winner] == ("Y", "all"), rule
    res = allocate(inst)  # best: both twins at Y, with the block's number there
    assert [hex16(int(v)) for v in res.lottery[:2]] == ["91c71eb980025090"] * 2


def test_serial_dictatorship_uses_the_best_single_number() -> None:
    # Serial dictatorship, "best": the twins go at be08, before Chloé (c733): Mila and Tuur
    # (ties in the number by id: Mila first) take X and Y; Chloé gets nothing.
    inst = twins_round("best", mechanism="serial-dictatorship")
    got = where(inst, allocate(inst))
    assert got["Mila"] == ("X", "") and got["Tuur"] == ("Y", "") and got["Chloé"] is None
    inst = twins_round("first", mechanism="serial-dictatorship")  # f18d: after Chloé
    got = where(inst, allocate(inst))
    assert got["Chloé"] == ("Y", "") and got["Mila"] == ("X", "") and got["Tuur"] is None


# ------------------------------------------------------------------ 10.7 waiting lists


def waitlist_round(mechanism: str) -> Instance:
    """X has one seat; Emma has sibling priority there; the twins Mila (no group) and Tuur
    (staff) list X; Chloé (no group) lists X."""
    return build_instance(
        {"Emma": ["X"], "Mila": ["X"], "Tuur": ["X"], "Chloé": ["X"]},
        {"X": 1},
        seed=SEED,
        priority_groups=["sibling", "staff"],
        priorities={("Emma", "X"): "sibling", ("Tuur", "X"): "staff"},
        families={"Mila": "F", "Tuur": "F"},
        mechanism=mechanism,
        waitlists=True,
    )


def test_waiting_lists_of_blocks_and_of_each_mechanism() -> None:
    # Emma (0, 0, 0b27, ...) takes the seat under every mechanism but serial dictatorship's
    # order is the lottery: Emma 0b27 first there too.
    # DA and IA: the block's tuple is its best member's, Tuur's (1, 0, f18d, f18d, Tuur), and
    # both twins stand with it, then by id: Mila 1, Tuur 2; Chloé (2, 0, c733, ...) 3. Alone,
    # Mila (2, 0, f18d) would come after Chloé.
    for mechanism in ("deferred-acceptance", "immediate-acceptance"):
        inst = waitlist_round(mechanism)
        assert waiting(inst, allocate(inst)) == [
            ("X", "all", 1, "Mila"),
            ("X", "all", 2, "Tuur"),
            ("X", "all", 3, "Chloé"),
        ], mechanism
    # TTC: blocks count as single children, each with its own tuple (and the shared number):
    # Tuur (1, ...), Chloé (2, 0, c733), Mila (2, 0, f18d).
    inst = waitlist_round("top-trading-cycles")
    assert waiting(inst, allocate(inst)) == [
        ("X", "all", 1, "Tuur"),
        ("X", "all", 2, "Chloé"),
        ("X", "all", 3, "Mila"),
    ]
    # Serial dictatorship: one list per school, no pool, by the single number (the block's,
    # f18d, for both twins) then id: Chloé c733, Mila, Tuur.
    inst = waitlist_round("serial-dictatorship")
    assert waiting(inst, allocate(inst)) == [
        ("X", "", 1, "Chloé"),
        ("X", "", 2, "Mila"),
        ("X", "", 3, "Tuur"),
    ]


# ------------------------------------------------------------------ 10.8 the version


def test_which_rounds_are_version_2() -> None:
    base = build_instance({"a": ["X"]}, {"X": 1})
    assert rules_version(base) == 1
    assert rules_version(base.with_(waitlists=True)) == 2
    assert rules_version(base.with_(family_number="best")) == 2
    assert rules_version(base.with_(first_choice_only=["zone"])) == 2
    assert rules_version(base.with_(admits=[""])) == 1  # an admits column, every cell empty
    assert rules_version(base.with_(admits=["havo"])) == 2
    assert rules_version(base.with_(nearest=[NearestRule("zone", 1)])) == 2
    for order_by, version in (("rank", 1), ("distance,lottery", 2), ("value:points", 2)):
        inst = build_instance({"a": ["X"]}, {"X": 1}, default_pools=[
            PoolSpec("all", share="1", order_by=order_by)], values={"points": {"a": 1.0}})  # fmt: skip
        assert rules_version(inst) == version, order_by
    for favours, version in (("f", 1), ("not:f", 1), ("f|g", 2)):
        inst = build_instance({"a": ["X"]}, {"X": 1}, flags={"f": {}, "g": {}}, default_pools=[
            PoolSpec("all", share="1", favours=favours)])  # fmt: skip
        assert rules_version(inst) == version, favours
