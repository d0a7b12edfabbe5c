"""Worked examples of the allocation rules (``docs/allocation-rules.md``), computed by hand.

Every test builds a small round (3 to 8 children), works the rules out by hand in its
comments (the priority tuples and each step) and then checks that samen gives exactly that:
school, pool and, where they matter, seats, cut-offs, overflow and pledge groups.

Notation in the comments:

* ``L(x)`` is the single lottery number of ``x`` (section 3), written as its 16 hex digits;
  ``L(x, S)`` the number at school ``S`` under multiple tie-breaking. All examples use the
  seed ``SEED`` below; :func:`test_lottery_numbers_are_sha256` checks every number used here
  against ``hashlib``, so the comments can be checked with ``sha256sum`` too.
* A priority tuple (section 5) is written ``(group, unfavoured, order value, lottery, id)``;
  smaller is better, compared left to right. ``group`` is the index in ``priority_groups``
  of the child's strongest group at the school, or ``len(priority_groups)`` if it has none
  (so with no priority groups at all, every child has group 0).
* "the school's choice": the school fills its pools in precedence order; each pool takes,
  among the children not yet taken, the best by its priority, as many as it has seats.
  With lists of one school this is the whole allocation; with longer lists, deferred
  acceptance repeats it until nobody is rejected who has a school left to try.

The children's names are chosen to spread over the lottery; their numbers, best first:

    Emma   0b27..   Olivia 1c78..   Elise  2917..   Kobe   3032..   Noah   358b..
    Bram   3c7a..   Gust   5515..   Hanne  64e7..   Seppe  8c11..   Amira  9069..
    Lucas  90c8..   Jana   94f5..   Lotte  9f78..   Sara   a390..   Finn   a429..
    Daan   ad6c..   Tuur   be08..   Chloé  c733..   Mila   f18d..
"""

from __future__ import annotations

import hashlib

from samen.engine import PoolSpec, Priority, allocate, build_instance, largest_remainder
from samen.engine.instance import Instance, Result
from samen.engine.lottery import hex16, number

SEED = "kies je school 2027"

# The single lottery numbers used below (16 hex digits = the first 8 bytes of the SHA-256).
NUMBERS = {
    "Emma": "0b279bee310575d7",
    "Olivia": "1c784884904053ea",
    "Elise": "29179eab7dfb9fab",
    "Kobe": "3032ff3fb71df745",
    "Noah": "358bb94101833eef",
    "Bram": "3c7acf2c98d3a8b3",
    "Gust": "551573edaa2010b5",
    "Hanne": "64e7808f42264e8a",
    "Seppe": "8c11ffe56af2001e",
    "Amira": "906979eb50481898",
    "Lucas": "90c82688828065e4",
    "Jana": "94f59c8042c30144",
    "Lotte": "9f78276a699f8428",
    "Sara": "a390da050f35c141",
    "Finn": "a4290d14f395f7b4",
    "Daan": "ad6c3262a2696f02",
    "Tuur": "be08d6b783352150",
    "Chloé": "c7336843da559ad8",
    "Mila": "f18d5a3b8892fd13",
    # pledge groups use L("pledge:" + group id) at their target school
    "pledge:wijk-noord": "520dcdbb8d468b90",
    "pledge:wijk-zuid": "5081ac5da5ae1c39",
}
# Multiple tie-breaking: L(child, school), used in test_single_versus_multiple_tie_breaking.
NUMBERS_AT = {
    ("X", "Emma"): "b6a891186d6b36bf",
    ("Y", "Emma"): "016fe7c2a79c9a9b",
    ("X", "Mila"): "0a47f97e5e9e6e98",
    ("Y", "Mila"): "f7c4c858da3565e3",
}


def L(name: str) -> int:
    """The single lottery number of ``name`` (from the table, checked against hashlib)."""
    return int(NUMBERS[name], 16)


def where(inst: Instance, res: Result) -> dict[str, tuple[str, str] | None]:
    """Per child: (school, pool) or None when unassigned."""
    out: dict[str, tuple[str, str] | None] = {}
    for a, aid in enumerate(inst.applicant_ids):
        s, p = int(res.school[a]), int(res.pool[a])
        out[aid] = None if s < 0 else (inst.school_ids[s], inst.pool_names[p] if p >= 0 else "")
    return out


def pool_of(inst: Instance, school: str, pool: str) -> int:
    """The global index of pool ``pool`` of school ``school``."""
    s = list(inst.school_ids).index(school)
    for p in inst.pools_of(s):
        if inst.pool_names[p] == pool:
            return p
    raise KeyError((school, pool))


def seats_of(inst: Instance, school: str) -> dict[str, int]:
    s = list(inst.school_ids).index(school)
    return {inst.pool_names[p]: int(inst.pool_seats[p]) for p in inst.pools_of(s)}


def rank(inst: Instance, res: Result) -> dict[str, int]:
    return dict(zip(inst.applicant_ids, res.choice_rank.tolist(), strict=True))


def lottery_used(inst: Instance, res: Result) -> dict[str, str]:
    return {aid: hex16(int(v)) for aid, v in zip(inst.applicant_ids, res.lottery, strict=True)}


# ------------------------------------------------------------------------- the lottery


def test_lottery_numbers_are_sha256() -> None:
    # L(a) = first 8 bytes, big-endian, of SHA-256(seed + "|" + a), UTF-8 (section 3).
    # For example printf '%s' 'kies je school 2027|Emma' | sha256sum starts 0b279bee310575d7.
    for name, hex_digits in NUMBERS.items():
        digest = hashlib.sha256(f"{SEED}|{name}".encode()).hexdigest()
        assert digest[:16] == hex_digits
        assert number(SEED, name) == int(hex_digits, 16)
        assert hex16(number(SEED, name)) == hex_digits
    # Non-ASCII ids are hashed as UTF-8: "Chloé" ends in the two bytes c3 a9.
    assert hashlib.sha256(SEED.encode() + b"|Chlo\xc3\xa9").hexdigest()[:16] == NUMBERS["Chloé"]
    # L(a, s) = SHA-256(seed + "|" + s + "|" + a) under multiple tie-breaking.
    for (school, name), hex_digits in NUMBERS_AT.items():
        digest = hashlib.sha256(f"{SEED}|{school}|{name}".encode()).hexdigest()
        assert digest[:16] == hex_digits
        assert number(SEED, school, name) == int(hex_digits, 16)


def test_lottery_number_does_not_depend_on_who_else_applied() -> None:
    # Emma's number is L(Emma) = 0b279bee310575d7 alone or among others.
    alone = build_instance({"Emma": ["X"]}, {"X": 1}, seed=SEED)
    many = build_instance({"Mila": ["X"], "Emma": ["X"], "Noah": ["X"]}, {"X": 1}, seed=SEED)
    assert lottery_used(alone, allocate(alone))["Emma"] == NUMBERS["Emma"]
    res = allocate(many)
    assert lottery_used(many, res) == {n: NUMBERS[n] for n in ("Mila", "Emma", "Noah")}
    # one seat, three children, no priorities: the smallest number wins.
    # L(Emma) 0b27.. < L(Noah) 358b.. < L(Mila) f18d..
    assert L("Emma") < L("Noah") < L("Mila")
    assert where(many, res) == {"Mila": None, "Emma": ("X", "all"), "Noah": None}


def test_single_versus_multiple_tie_breaking() -> None:
    # Emma and Mila both list X > Y; X and Y have one seat each, one lottery pool.
    applicants = {"Emma": ["X", "Y"], "Mila": ["X", "Y"]}
    capacity = {"X": 1, "Y": 1}

    # Single tie-breaking: one number per child, used at every school.
    #   X: Emma (0, 0, 0b27.., 0b27.., "Emma") beats Mila (0, 0, f18d.., f18d.., "Mila").
    #   Mila, rejected, proposes to Y and is alone there.
    single = build_instance(applicants, capacity, seed=SEED, tie_breaking="single")
    res = allocate(single)
    assert where(single, res) == {"Emma": ("X", "all"), "Mila": ("Y", "all")}
    assert lottery_used(single, res) == {"Emma": NUMBERS["Emma"], "Mila": NUMBERS["Mila"]}

    # Multiple tie-breaking: a fresh number per school.
    #   X: L(Mila, X) = 0a47f97e5e9e6e98 < L(Emma, X) = b6a891186d6b36bf: Mila gets X.
    #   Emma goes to Y and uses L(Emma, Y) = 016fe7c2a79c9a9b there.
    multiple = build_instance(applicants, capacity, seed=SEED, tie_breaking="multiple")
    res = allocate(multiple)
    assert where(multiple, res) == {"Emma": ("Y", "all"), "Mila": ("X", "all")}
    # the lottery column is the number used at the assigned school
    assert lottery_used(multiple, res) == {
        "Emma": NUMBERS_AT["Y", "Emma"],
        "Mila": NUMBERS_AT["X", "Mila"],
    }


def test_equal_lottery_numbers_are_decided_by_applicant_id() -> None:
    # Members of one pledge group share L("pledge:wijk-noord") = 520dcdbb8d468b90 at the
    # target, so their tuples differ only in the id: "Finn" < "Gust" in byte order.
    #   Finn (0, 0, 520d.., 520d.., "Finn")  <  Gust (0, 0, 520d.., 520d.., "Gust")
    # Mila (0, 0, f18d.., f18d.., "Mila") is worst. Noord has 1 seat; threshold 1.
    inst = build_instance(
        {"Gust": ["Noord"], "Mila": ["Noord"], "Finn": ["Noord"]},
        {"Noord": 1},
        seed=SEED,
        pledges={"Gust": "wijk-noord", "Finn": "wijk-noord"},
        groups={"wijk-noord": ("Noord", 1)},
    )
    res = allocate(inst)
    assert where(inst, res) == {"Gust": None, "Mila": None, "Finn": ("Noord", "all")}
    assert res.pool_cutoff[0] == Priority(
        0, 0, L("pledge:wijk-noord"), L("pledge:wijk-noord"), "Finn"
    )
    assert lottery_used(inst, res)["Finn"] == NUMBERS["pledge:wijk-noord"]
    assert res.group_held.tolist() == [True] and res.group_assigned.tolist() == [1]


# ------------------------------------------- (a) Flemish double contingency, spill-over


def _contingency_round(pools: list[PoolSpec]) -> Instance:
    return build_instance(
        {
            "Kobe": ["X"],
            "Gust": ["X"],
            "Tuur": ["X"],
            "Olivia": ["Y"],
            "Hanne": ["Y"],
            "Daan": ["Y"],
            "Mila": ["Y"],
        },
        {"X": 2, "Y": 3},
        seed=SEED,
        pools={"X": pools, "Y": pools},
        flags={"indicator": {"Olivia": 1, "Hanne": 1, "Daan": 1}},
    )


def test_double_contingency_spill_over_both_ways() -> None:
    # Two schools, each with the pools of the rules' example, in this precedence order:
    #   "indicator" share 0.3, favours indicator, by lottery   (filled first)
    #   "other"     share 0.7, favours not:indicator, by lottery
    # Largest remainder (section 4):
    #   X, capacity 2: 0.3 x 2 = 0.6 and 0.7 x 2 = 1.4 -> floors 0 and 1, one seat left;
    #      remainders 0.6 > 0.4, so it goes to "indicator": indicator 1, other 1.
    #   Y, capacity 3: 0.9 and 2.1 -> floors 0 and 2, one seat left; remainders 0.9 > 0.1:
    #      indicator 1, other 2.
    contingency = [
        PoolSpec("indicator", share="0.3", favours="indicator"),
        PoolSpec("other", share="0.7", favours="not:indicator"),
    ]
    # X: only children without the indicator flag apply (Kobe, Gust, Tuur);
    # Y: indicator children (Olivia, Hanne, Daan) and one child without the flag (Mila).
    inst = _contingency_round(contingency)
    assert seats_of(inst, "X") == {"indicator": 1, "other": 1}
    assert seats_of(inst, "Y") == {"indicator": 1, "other": 2}

    # School X (no priority groups, so group = 0 for everyone):
    #   pool "indicator" (1 seat): nobody has the flag, everyone is unfavoured:
    #     Kobe (0, 1, 3032.., 3032.., "Kobe")
    #     Gust (0, 1, 5515.., 5515.., "Gust")
    #     Tuur (0, 1, be08.., be08.., "Tuur")
    #     -> Kobe takes the indicator seat: unused indicator seats go to other children.
    #   pool "other" (1 seat): Gust (0, 0, 5515..) beats Tuur (0, 0, be08..) -> Gust.
    #   Tuur is rejected (X was his only choice).
    #
    # School Y:
    #   pool "indicator" (1 seat): the flagged children are favoured (unfavoured = 0):
    #     Olivia (0, 0, 1c78..), Hanne (0, 0, 64e7..), Daan (0, 0, ad6c..), Mila (0, 1, f18d..)
    #     -> Olivia.
    #   pool "other" (2 seats), favours not:indicator, among Hanne, Daan, Mila:
    #     Mila (0, 0, f18d..)  <  Hanne (0, 1, 64e7..)  <  Daan (0, 1, ad6c..)
    #     -> Mila first, although her number is the worst of all (she is favoured here);
    #        the second "other" seat has no non-indicator child left and goes to Hanne:
    #        unused seats of the other contingent go to indicator children.
    #   Daan is rejected.
    res = allocate(inst)
    assert where(inst, res) == {
        "Kobe": ("X", "indicator"),
        "Gust": ("X", "other"),
        "Tuur": None,
        "Olivia": ("Y", "indicator"),
        "Hanne": ("Y", "other"),
        "Daan": None,
        "Mila": ("Y", "other"),
    }
    # Cut-offs: the worst tuple admitted to each full pool.
    assert res.pool_cutoff[pool_of(inst, "X", "indicator")] == Priority(
        0, 1, L("Kobe"), L("Kobe"), "Kobe"
    )
    assert res.pool_cutoff[pool_of(inst, "X", "other")] == Priority(
        0, 0, L("Gust"), L("Gust"), "Gust"
    )
    assert res.pool_cutoff[pool_of(inst, "Y", "indicator")] == Priority(
        0, 0, L("Olivia"), L("Olivia"), "Olivia"
    )
    assert res.pool_cutoff[pool_of(inst, "Y", "other")] == Priority(
        0, 1, L("Hanne"), L("Hanne"), "Hanne"
    )
    assert res.pool_overflow.tolist() == [0, 0, 0, 0]

    # Precedence order of the pools: with "other" first and "indicator" last (as in the
    # Mechelen example), Y's "other" pool (2 seats) takes Mila (0, 0, f18d..) and then the
    # best unfavoured child, Olivia (0, 1, 1c78..); "indicator" (1 seat) takes the best
    # indicator child left, Hanne (0, 0, 64e7..). Same children, but Olivia now counts in
    # "other" and Hanne in "indicator". At X, "other" (now first, 1 seat) takes Kobe, the
    # best number, and "indicator" takes Gust. (Largest remainder again gives the seat
    # left to the pool with the larger remainder, whatever its place: indicator 1.)
    inst2 = _contingency_round([contingency[1], contingency[0]])
    assert seats_of(inst2, "X") == {"other": 1, "indicator": 1}
    assert seats_of(inst2, "Y") == {"other": 2, "indicator": 1}
    res2 = allocate(inst2)
    assert where(inst2, res2) == {
        "Kobe": ("X", "other"),
        "Gust": ("X", "indicator"),
        "Tuur": None,
        "Olivia": ("Y", "other"),
        "Hanne": ("Y", "indicator"),
        "Daan": None,
        "Mila": ("Y", "other"),
    }


# ---------------------------------------------------- (b) 80% by distance, 20% by lottery


def test_eighty_percent_distance_twenty_percent_lottery() -> None:
    # School X has 4 seats: "distance" (share 0.8, by distance) then "lottery" (share 0.2).
    # Largest remainder: 0.8 x 4 = 3.2 and 0.2 x 4 = 0.8 -> floors 3 and 0, one seat left;
    # remainders 0.2 < 0.8, so it goes to "lottery": distance 3, lottery 1.
    # Y has one seat, by lottery. Lists, distances to X and numbers:
    #   Amira  X          250 m   9069..
    #   Gust   X          300 m   5515..
    #   Bram   X          400 m   3c7a..
    #   Chloé  X > Y      400 m   c733..
    #   Daan   X > Y      900 m   ad6c..
    #   Emma   X         2500 m   0b27..
    assert largest_remainder(["0.8", "0.2"], 4) == [3, 1]
    far = {"Amira": 250, "Gust": 300, "Bram": 400, "Chloé": 400, "Daan": 900, "Emma": 2500}
    inst = build_instance(
        {
            "Amira": ["X"],
            "Gust": ["X"],
            "Bram": ["X"],
            "Chloé": ["X", "Y"],
            "Daan": ["X", "Y"],
            "Emma": ["X"],
        },
        {"X": 4, "Y": 1},
        seed=SEED,
        pools={
            "X": [
                PoolSpec("distance", share="0.8", order_by="distance"),
                PoolSpec("lottery", share="0.2", order_by="lottery"),
            ]
        },
        distances={(a, "X"): float(d) for a, d in far.items()},
    )
    assert seats_of(inst, "X") == {"distance": 3, "lottery": 1}

    # X, pool "distance" (3 seats), tuples (0, 0, metres, lottery, id):
    #   Amira (0, 0, 250, 9069..)   Gust (0, 0, 300, 5515..)
    #   Bram  (0, 0, 400, 3c7a..)   Chloé (0, 0, 400, c733..)   <- same distance: the
    #   Daan  (0, 0, 900, ad6c..)   Emma (0, 0, 2500, 0b27..)      lottery decides, Bram first
    #   -> Amira, Gust, Bram.
    # X, pool "lottery" (1 seat), among Chloé, Daan, Emma, tuples (0, 0, lottery, lottery, id):
    #   Emma (0b27..) < Daan (ad6c..) < Chloé (c733..)  -> Emma, who lives farthest away.
    # Chloé and Daan are rejected by X and propose to Y (one seat, by lottery):
    #   Daan (ad6c..) < Chloé (c733..) -> Daan. Chloé has no school left.
    assert L("Bram") < L("Chloé") and L("Emma") < L("Daan") < L("Chloé")
    res = allocate(inst)
    assert where(inst, res) == {
        "Amira": ("X", "distance"),
        "Gust": ("X", "distance"),
        "Bram": ("X", "distance"),
        "Chloé": None,
        "Daan": ("Y", "all"),
        "Emma": ("X", "lottery"),
    }
    assert rank(inst, res) == {"Amira": 1, "Gust": 1, "Bram": 1, "Chloé": 0, "Daan": 2, "Emma": 1}
    # The distance pool's cut-off is Bram at 400 m (a child at 400 m with a number above
    # 3c7a.. was not admitted); the lottery pool's is Emma's number.
    assert res.pool_cutoff[pool_of(inst, "X", "distance")] == Priority(
        0, 0, 400.0, L("Bram"), "Bram"
    )
    assert res.pool_cutoff[pool_of(inst, "X", "lottery")] == Priority(
        0, 0, L("Emma"), L("Emma"), "Emma"
    )
    assert res.pool_cutoff[pool_of(inst, "Y", "all")] == Priority(
        0, 0, L("Daan"), L("Daan"), "Daan"
    )


# ------------------------------------------------ (c) pool precedence changes the outcome


def _one_distance_one_lottery_seat(first: str) -> Instance:
    pools = {
        "distance": PoolSpec("distance", seats=1, order_by="distance"),
        "lottery": PoolSpec("lottery", seats=1, order_by="lottery"),
    }
    second = "lottery" if first == "distance" else "distance"
    return build_instance(
        {"Emma": ["X"], "Noah": ["X"], "Seppe": ["X"]},
        {"X": 2},
        seed=SEED,
        pools={"X": [pools[first], pools[second]]},
        distances={("Emma", "X"): 300.0, ("Noah", "X"): 2000.0, ("Seppe", "X"): 800.0},
    )


def test_pool_precedence_changes_who_is_admitted() -> None:
    # X has 2 seats: one by distance, one by lottery. Three children:
    #   Emma   300 m  0b27..  (near, and the best number)
    #   Noah  2000 m  358b..
    #   Seppe  800 m  8c11..
    assert L("Emma") < L("Noah") < L("Seppe")

    # Distance seat first:
    #   "distance": Emma (0, 0, 300) < Seppe (0, 0, 800) < Noah (0, 0, 2000) -> Emma.
    #   "lottery" among Noah, Seppe: Noah (358b..) < Seppe (8c11..)        -> Noah.
    inst = _one_distance_one_lottery_seat("distance")
    res = allocate(inst)
    assert where(inst, res) == {
        "Emma": ("X", "distance"),
        "Noah": ("X", "lottery"),
        "Seppe": None,
    }

    # Lottery seat first:
    #   "lottery": Emma (0b27..) is the best number                        -> Emma.
    #   "distance" among Noah, Seppe: Seppe (800 m) < Noah (2000 m)        -> Seppe.
    # Same pools, same children, another child admitted: when the lottery seats come
    # first, the near children get two chances (Dur, Kominers, Pathak and Sonmez 2018).
    inst = _one_distance_one_lottery_seat("lottery")
    res = allocate(inst)
    assert where(inst, res) == {
        "Emma": ("X", "lottery"),
        "Noah": None,
        "Seppe": ("X", "distance"),
    }
    assert res.pool_cutoff[pool_of(inst, "X", "distance")] == Priority(
        0, 0, 800.0, L("Seppe"), "Seppe"
    )


# ------------------------------------------------------------ priority groups (section 5)


def test_sibling_and_staff_priority_beat_the_lottery() -> None:
    # priority_groups = ["sibling", "staff"]: sibling is group 0, staff 1, none 2.
    # X: 2 seats, one lottery pool. Y: 1 seat.
    #   Mila   X        sibling at X   f18d..   (0, 0, f18d.., f18d.., "Mila")
    #   Chloé  X        staff at X     c733..   (1, 0, c733.., c733.., "Chloé")
    #   Emma   X > Y    -              0b27..   (2, 0, 0b27.., 0b27.., "Emma")
    #   Olivia X > Y    -              1c78..   (2, 0, 1c78.., 1c78.., "Olivia")
    # X takes the two best tuples: Mila (group 0) and Chloé (group 1), although their
    # numbers are the worst. Emma and Olivia go to Y: Emma (0b27..) < Olivia (1c78..).
    inst = build_instance(
        {"Mila": ["X"], "Chloé": ["X"], "Emma": ["X", "Y"], "Olivia": ["X", "Y"]},
        {"X": 2, "Y": 1},
        seed=SEED,
        priority_groups=["sibling", "staff"],
        priorities={("Mila", "X"): "sibling", ("Chloé", "X"): "staff"},
    )
    res = allocate(inst)
    assert where(inst, res) == {
        "Mila": ("X", "all"),
        "Chloé": ("X", "all"),
        "Emma": ("Y", "all"),
        "Olivia": None,
    }
    # The cut-off of X is the worst tuple admitted: Chloé's, group 1 = staff.
    assert res.pool_cutoff[pool_of(inst, "X", "all")] == Priority(
        1, 0, L("Chloé"), L("Chloé"), "Chloé"
    )


def test_sibling_beats_the_indicator_flag_and_precedence_decides() -> None:
    # Double contingency at X (2 seats: "indicator" 1, "other" 1) with sibling priority.
    #   Mila   sibling at X, no indicator flag   f18d..
    #   Elise  indicator                         2917..
    #   Noah   no flag                           358b..
    # Indicator pool first (the rules' example order):
    #   "indicator": Mila (0, 1, f18d..) < Elise (2, 0, 2917..) < Noah (2, 1, 358b..)
    #       -> the group comes before the flag: Mila, without the flag, takes the
    #          indicator seat.
    #   "other" (favours not:indicator): Noah (2, 0, 358b..) < Elise (2, 1, 2917..) -> Noah.
    #   Elise, the only indicator child, has no seat although X has indicator seats.
    indicator = PoolSpec("indicator", seats=1, favours="indicator")
    other = PoolSpec("other", seats=1, favours="not:indicator")

    def round_with(pools: list[PoolSpec]) -> Instance:
        return build_instance(
            {"Mila": ["X"], "Elise": ["X"], "Noah": ["X"]},
            {"X": 2},
            seed=SEED,
            pools={"X": pools},
            flags={"indicator": {"Elise": 1}},
            priority_groups=["sibling", "staff"],
            priorities={("Mila", "X"): "sibling"},
        )

    inst = round_with([indicator, other])
    res = allocate(inst)
    assert where(inst, res) == {"Mila": ("X", "indicator"), "Elise": None, "Noah": ("X", "other")}
    assert res.pool_cutoff[pool_of(inst, "X", "indicator")] == Priority(
        0, 1, L("Mila"), L("Mila"), "Mila"
    )

    # Indicator pool last (as Mechelen does):
    #   "other": Mila (0, 0, f18d..) < Noah (2, 0, 358b..) < Elise (2, 1, ..) -> Mila.
    #   "indicator": Elise (2, 0, 2917..) < Noah (2, 1, 358b..)              -> Elise.
    # The sibling uses an "other" seat and the indicator seat goes to the indicator child.
    inst = round_with([other, indicator])
    res = allocate(inst)
    assert where(inst, res) == {"Mila": ("X", "other"), "Elise": ("X", "indicator"), "Noah": None}


# ------------------------------------------------------------- (d) twins: family blocks


def test_twins_take_both_seats_when_one_is_left() -> None:
    # X has 3 seats: "near" (2 seats, by distance) then "lottery" (1 seat).
    # Lotte and Lucas are twins (family "F", same list): one block. They share the number
    # of the member whose id sorts first in byte order: "Lotte" < "Lucas" ("o" < "u"), so
    # L(Lotte) = 9f78.. for both, although Lucas's own number 90c8.. is better.
    #   Amira  100 m  9069..
    #   Lotte  300 m  9f78..  } block, tuple = the best member's:
    #   Lucas  300 m  9f78..  }   (0, 0, 300, 9f78.., "Lotte")
    #   Bram   500 m  3c7a..
    #   Chloé  700 m  c733..
    # "near" (2 seats): Amira (100 m) takes one; the twins (300 m) come next and the pool
    #   has one seat left, so it takes the whole block: 3 children in 2 seats, overflow 1.
    # "lottery" (1 seat) among Bram and Chloé: Bram (3c7a..) < Chloé (c733..) -> Bram.
    # Chloé is rejected. X holds 4 children for 3 seats.
    inst = build_instance(
        {"Amira": ["X"], "Lotte": ["X"], "Lucas": ["X"], "Bram": ["X"], "Chloé": ["X"]},
        {"X": 3},
        seed=SEED,
        pools={"X": [PoolSpec("near", seats=2, order_by="distance"), PoolSpec("lottery", seats=1)]},
        distances={
            ("Amira", "X"): 100.0,
            ("Lotte", "X"): 300.0,
            ("Lucas", "X"): 300.0,
            ("Bram", "X"): 500.0,
            ("Chloé", "X"): 700.0,
        },
        families={"Lotte": "F", "Lucas": "F"},
    )
    assert L("Lucas") < L("Lotte")  # the block still uses Lotte's number
    res = allocate(inst)
    assert where(inst, res) == {
        "Amira": ("X", "near"),
        "Lotte": ("X", "near"),
        "Lucas": ("X", "near"),
        "Bram": ("X", "lottery"),
        "Chloé": None,
    }
    near, lottery = pool_of(inst, "X", "near"), pool_of(inst, "X", "lottery")
    assert res.pool_filled[near] == 3 and res.pool_overflow[near] == 1
    assert res.pool_filled[lottery] == 1 and res.pool_overflow[lottery] == 0
    assert res.school_filled.tolist() == [4]
    assert lottery_used(inst, res)["Lucas"] == lottery_used(inst, res)["Lotte"] == NUMBERS["Lotte"]
    # The cut-off of "near" is the block's tuple (its best member's, decision 3).
    assert res.pool_cutoff[near] == Priority(0, 0, 300.0, L("Lotte"), "Lotte")


def test_twins_are_passed_on_by_a_full_pool() -> None:
    # Y has 2 seats: "near" (1 seat, by distance) then "lottery" (1 seat); Z has 2 seats.
    # Sara and Tuur are twins listing Y > Z: one block with L(Sara) = a390.. ("Sara" < "Tuur").
    #   Noah   Y        200 m  358b..
    #   Sara   Y > Z    400 m  a390..  } block (0, 0, 400, a390.., "Sara") at "near"
    #   Tuur   Y > Z    400 m  a390..  }       (0, 0, a390.., a390.., "Sara") at "lottery"
    #   Emma   Y        900 m  0b27..
    # "near": Noah (200 m) takes its only seat; the pool has no seat left when the block
    #   comes, so it passes the block on, as it would a single child.
    # "lottery": Emma (0b27..) < the block (a390..) -> Emma; the pool is full: the block is
    #   rejected by Y as a whole, and both twins go to Z together (no overflow: 2 seats).
    inst = build_instance(
        {"Noah": ["Y"], "Sara": ["Y", "Z"], "Tuur": ["Y", "Z"], "Emma": ["Y"]},
        {"Y": 2, "Z": 2},
        seed=SEED,
        pools={"Y": [PoolSpec("near", seats=1, order_by="distance"), PoolSpec("lottery", seats=1)]},
        distances={
            ("Noah", "Y"): 200.0,
            ("Sara", "Y"): 400.0,
            ("Tuur", "Y"): 400.0,
            ("Emma", "Y"): 900.0,
        },
        families={"Sara": "F", "Tuur": "F"},
    )
    res = allocate(inst)
    assert where(inst, res) == {
        "Noah": ("Y", "near"),
        "Sara": ("Z", "all"),
        "Tuur": ("Z", "all"),
        "Emma": ("Y", "lottery"),
    }
    assert res.pool_overflow.tolist() == [0, 0, 0]
    assert res.pool_cutoff[pool_of(inst, "Y", "lottery")] == Priority(
        0, 0, L("Emma"), L("Emma"), "Emma"
    )
    # The twins fill Z's 2 seats exactly; its cut-off is the block's tuple, and both
    # twins use the block's number there.
    assert res.pool_cutoff[pool_of(inst, "Z", "all")] == Priority(
        0, 0, L("Sara"), L("Sara"), "Sara"
    )
    assert lottery_used(inst, res)["Tuur"] == NUMBERS["Sara"]


def test_family_with_different_lists_is_not_a_block() -> None:
    # Same family label, different lists: two single children with their own numbers.
    # X has 1 seat: Lucas (90c8..) beats Lotte (9f78..); a block would have had 2 children
    # in the seat (overflow 1).
    inst = build_instance(
        {"Lotte": ["X", "Y"], "Lucas": ["X"]},
        {"X": 1, "Y": 1},
        seed=SEED,
        families={"Lotte": "F", "Lucas": "F"},
    )
    res = allocate(inst)
    assert where(inst, res) == {"Lotte": ("Y", "all"), "Lucas": ("X", "all")}
    assert lottery_used(inst, res) == {"Lotte": NUMBERS["Lotte"], "Lucas": NUMBERS["Lucas"]}
    assert res.pool_overflow.tolist() == [0, 0]


# ------------------------------------------------- (e) pledge groups: failure and cascade

PLEDGE_LISTS = {
    "Emma": ["Noord", "Zuid", "Park"],
    "Finn": ["Noord", "Zuid", "Park"],
    "Mila": ["Noord", "Park"],
    "Jana": ["Zuid", "Park"],
    "Kobe": ["Zuid", "Park"],
}


def _pledge_round(thresholds: tuple[int, int] = (2, 2)) -> Instance:
    return build_instance(
        PLEDGE_LISTS,
        {"Noord": 1, "Zuid": 2, "Park": 5},
        seed=SEED,
        pledges={
            "Emma": "wijk-noord",
            "Finn": "wijk-noord",
            "Jana": "wijk-zuid",
            "Kobe": "wijk-zuid",
        },
        groups={"wijk-noord": ("Noord", thresholds[0]), "wijk-zuid": ("Zuid", thresholds[1])},
    )


def test_pledge_group_fails_and_the_cascade_fails_another() -> None:
    # Two pledge groups, threshold 2 each; every school has one lottery pool.
    #   wijk-noord: Emma, Finn, target Noord (1 seat)  L("pledge:wijk-noord") = 520d..
    #   wijk-zuid:  Jana, Kobe, target Zuid  (2 seats) L("pledge:wijk-zuid")  = 5081..
    #   Mila lists Noord > Park; Park has 5 seats.
    # At its target a member uses the group's number, elsewhere its own:
    #   Emma 0b27..  Finn a429..  Mila f18d..  Jana 94f5..  Kobe 3032..
    assert L("Emma") < L("pledge:wijk-zuid") < L("pledge:wijk-noord") < L("Finn") < L("Mila")
    #
    # Run 1 (full lists):
    #   Noord (1 seat): Emma (0, 0, 520d.., 520d.., "Emma"), Finn (0, 0, 520d.., 520d..,
    #     "Finn"), Mila (0, 0, f18d..): the members tie on the number, the id decides:
    #     Emma. Finn and Mila are rejected.
    #   Zuid (2 seats): Jana and Kobe (5081.., the group's number) beat Finn (a429.., his
    #     own number: Zuid is not his target). Finn goes on to Park, Mila too.
    #   -> wijk-noord: 1 member at Noord < 2: FAILS.  wijk-zuid: 2 at Zuid >= 2: holds.
    # Run 2 (Emma and Finn no longer list Noord):
    #   Noord: only Mila -> Mila (the seat Emma held is free).
    #   Zuid (2 seats): Emma (0b27.., her own number) < Jana (5081.., "Jana") <
    #     Kobe (5081.., "Kobe") < Finn (a429..) -> Emma and Jana. Kobe and Finn go to Park.
    #   -> wijk-zuid: 1 member at Zuid < 2: FAILS (the cascade).
    # Run 3 (Jana and Kobe no longer list Zuid):
    #   Zuid: Emma and Finn. Park: Jana and Kobe. Noord: Mila.
    #   No group fails that has not failed already: the loop stops; 3 runs.
    run1 = allocate(_pledge_round((0, 0)))  # thresholds 0: nobody fails, this is run 1
    inst = _pledge_round()
    sch = {a: inst.school_ids[s] for a, s in zip(inst.applicant_ids, run1.school, strict=True)}
    assert sch == {"Emma": "Noord", "Finn": "Park", "Mila": "Park", "Jana": "Zuid", "Kobe": "Zuid"}
    assert run1.runs == 1 and run1.group_assigned.tolist() == [1, 2]

    # Run 2: let wijk-noord fail but give wijk-zuid threshold 0, so the loop stops there.
    run2 = allocate(_pledge_round((2, 0)))
    sch = {a: inst.school_ids[s] for a, s in zip(inst.applicant_ids, run2.school, strict=True)}
    assert sch == {"Emma": "Zuid", "Finn": "Park", "Mila": "Noord", "Jana": "Zuid", "Kobe": "Park"}
    assert run2.runs == 2 and run2.group_assigned.tolist() == [0, 1]

    res = allocate(inst)
    assert res.runs == 3
    assert where(inst, res) == {
        "Emma": ("Zuid", "all"),
        "Finn": ("Zuid", "all"),
        "Mila": ("Noord", "all"),
        "Jana": ("Park", "all"),
        "Kobe": ("Park", "all"),
    }
    # choice_rank is the place on the list as submitted (decision 6).
    assert rank(inst, res) == {"Emma": 2, "Finn": 2, "Mila": 1, "Jana": 2, "Kobe": 2}
    assert res.group_members.tolist() == [2, 2]
    assert res.group_held.tolist() == [False, False]
    # members at the target in the last run: none (the targets were dropped)
    assert res.group_assigned.tolist() == [0, 0]
    # nobody is at a target school now, so everyone uses their own number
    assert lottery_used(inst, res) == {a: NUMBERS[a] for a in PLEDGE_LISTS}


def test_pledge_group_holds() -> None:
    # With threshold 1 both groups hold in run 1 (1 and 2 members at their targets):
    # one run, and the members at a target use the group's number.
    inst = _pledge_round((1, 1))
    res = allocate(inst)
    assert res.runs == 1
    assert res.group_held.tolist() == [True, True]
    assert res.group_assigned.tolist() == [1, 2]
    used = lottery_used(inst, res)
    assert used["Emma"] == NUMBERS["pledge:wijk-noord"]
    assert used["Jana"] == used["Kobe"] == NUMBERS["pledge:wijk-zuid"]
    assert used["Finn"] == NUMBERS["Finn"]  # at Park, not his target


# ------------------------------------------------------------------- (f) a `rank` pool


def test_rank_pool_favours_first_choices() -> None:
    # X has one seat in a pool ordered by rank (the place of X on the child's list as
    # submitted); Y has one seat by lottery.
    #   Olivia  Y > X   1c78..
    #   Emma    Y       0b27..
    #   Bram    X       3c7a..
    # Deferred acceptance:
    #   Y: Emma (0, 0, 0b27..) < Olivia (0, 0, 1c78..) -> Emma; Olivia proposes to X.
    #   X ("rank"): Bram (0, 0, 1, 3c7a.., "Bram") < Olivia (0, 0, 2, 1c78.., "Olivia"):
    #     Bram ranked X first; Olivia's better number does not help her. Olivia has
    #     no school.
    def round_with(order_by: str) -> Instance:
        return build_instance(
            {"Olivia": ["Y", "X"], "Emma": ["Y"], "Bram": ["X"]},
            {"X": 1, "Y": 1},
            seed=SEED,
            pools={"X": [PoolSpec("first-choice", share="1", order_by=order_by)]},
        )

    inst = round_with("rank")
    res = allocate(inst)
    assert where(inst, res) == {"Olivia": None, "Emma": ("Y", "all"), "Bram": ("X", "first-choice")}
    assert res.pool_cutoff[pool_of(inst, "X", "first-choice")] == Priority(
        0, 0, 1, L("Bram"), "Bram"
    )
    # By lottery instead, X would take Olivia (1c78..) over Bram (3c7a..).
    inst = round_with("lottery")
    res = allocate(inst)
    assert where(inst, res) == {
        "Olivia": ("X", "first-choice"),
        "Emma": ("Y", "all"),
        "Bram": None,
    }


def test_rank_is_the_place_as_submitted_after_a_pledge_target_is_dropped() -> None:
    # Decision 6: dropping a failed pledge target does not renumber the list.
    # Olivia lists T > X and pledges to group "g" (target T, threshold 2); she is its only
    # member, so the group fails in run 1 and T is dropped from her list.
    # Run 2: X (1 seat, by rank): Bram (0, 0, 1, 3c7a..) < Olivia (0, 0, 2, 1c78..): X is
    # still her 2nd choice as submitted. Renumbered (X her 1st) she would have won on the
    # number. She ends with no school; T stays empty.
    inst = build_instance(
        {"Olivia": ["T", "X"], "Bram": ["X"]},
        {"T": 1, "X": 1},
        seed=SEED,
        pools={"X": [PoolSpec("by-rank", seats=1, order_by="rank")]},
        pledges={"Olivia": "g"},
        groups={"g": ("T", 2)},
    )
    res = allocate(inst)
    assert res.runs == 2 and res.group_held.tolist() == [False]
    assert where(inst, res) == {"Olivia": None, "Bram": ("X", "by-rank")}
    assert res.school_filled.tolist() == [0, 1]


# ------------------------------------------- immediate acceptance vs deferred acceptance


def test_immediate_and_deferred_acceptance_differ() -> None:
    # X and Y have one seat each, one lottery pool.
    #   Emma    X > Y   0b27..
    #   Olivia  X > Y   1c78..
    #   Elise   Y       2917..
    applicants = {"Emma": ["X", "Y"], "Olivia": ["X", "Y"], "Elise": ["Y"]}
    assert L("Emma") < L("Olivia") < L("Elise")

    # Deferred acceptance: X holds Emma and rejects Olivia; Olivia proposes to Y, where
    # she beats Elise (1c78.. < 2917..); Elise is rejected and has no school left.
    da = build_instance(applicants, {"X": 1, "Y": 1}, seed=SEED)
    res = allocate(da)
    assert where(da, res) == {"Emma": ("X", "all"), "Olivia": ("Y", "all"), "Elise": None}

    # Immediate acceptance: step 1: X gets Emma and Olivia, takes Emma; Y gets Elise and
    # takes her, for good. Step 2: Olivia applies to Y, which is full. Olivia, who had
    # the better number at Y, has no school: she lost it by ranking X first.
    ia = build_instance(applicants, {"X": 1, "Y": 1}, seed=SEED, mechanism="immediate-acceptance")
    res = allocate(ia)
    assert where(ia, res) == {"Emma": ("X", "all"), "Olivia": None, "Elise": ("Y", "all")}
    # The cut-off of Y is Elise's tuple: admitted in step 1.
    assert res.pool_cutoff[pool_of(ia, "Y", "all")] == Priority(
        0, 0, L("Elise"), L("Elise"), "Elise"
    )

    # Under immediate acceptance, Olivia would have done better by ranking Y first.
    ia2 = build_instance(
        {**applicants, "Olivia": ["Y", "X"]},
        {"X": 1, "Y": 1},
        seed=SEED,
        mechanism="immediate-acceptance",
    )
    assert where(ia2, allocate(ia2))["Olivia"] == ("Y", "all")


# ----------------------------------------------------------------------- top trading cycles


def test_top_trading_cycles_by_hand() -> None:
    # Three schools with one seat each; priorities from groups [sibling, staff]:
    #   X: Amira (sibling, 0) > Chloé (staff, 1) > Bram (none, 2)
    #   Y: Bram (sibling, 0) > Amira (staff, 1)
    #   Z: Chloé (none)
    # Lists: Amira Y > X > Z;  Bram X > Y > Z;  Chloé X > Z.
    inst_args = dict(
        applicants={"Amira": ["Y", "X", "Z"], "Bram": ["X", "Y", "Z"], "Chloé": ["X", "Z"]},
        capacity={"X": 1, "Y": 1, "Z": 1},
        seed=SEED,
        priority_groups=["sibling", "staff"],
        priorities={
            ("Amira", "X"): "sibling",
            ("Chloé", "X"): "staff",
            ("Bram", "Y"): "sibling",
            ("Amira", "Y"): "staff",
        },
    )
    # TTC, round 1: each school points to its best child among those who listed it, each
    # child to its favourite school with a seat left:
    #   X -> Amira, Y -> Bram, Z -> Chloé;  Amira -> Y, Bram -> X, Chloé -> X.
    #   Cycle: Amira -> Y -> Bram -> X -> Amira: Amira gets Y, Bram gets X.
    # Round 2: only Chloé is left; X is full, so she points to Z, which points to her:
    #   Chloé gets Z.
    ttc = build_instance(**inst_args, mechanism="top-trading-cycles")
    res = allocate(ttc)
    assert where(ttc, res) == {"Amira": ("Y", "all"), "Bram": ("X", "all"), "Chloé": ("Z", "all")}
    assert rank(ttc, res) == {"Amira": 1, "Bram": 1, "Chloé": 2}
    # Bram's tuple at X is (2, 0, 3c7a.., 3c7a.., "Bram"): the cut-off of X.
    assert res.pool_cutoff[pool_of(ttc, "X", "all")] == Priority(2, 0, L("Bram"), L("Bram"), "Bram")

    # Deferred acceptance on the same round:
    #   Amira -> Y, Bram -> X, Chloé -> X: X keeps Chloé (staff, 1) over Bram (none, 2).
    #   Bram -> Y: Bram (sibling, 0) beats Amira (staff, 1); Amira -> X: Amira (sibling, 0)
    #   beats Chloé (staff, 1); Chloé -> Z.
    # Everyone has the 2nd choice: stable (Chloé cannot claim X: Amira has priority
    # there), but Amira and Bram would both rather swap, which is what TTC does.
    da = build_instance(**inst_args)
    res = allocate(da)
    assert where(da, res) == {"Amira": ("X", "all"), "Bram": ("Y", "all"), "Chloé": ("Z", "all")}
    assert rank(da, res) == {"Amira": 2, "Bram": 2, "Chloé": 2}
