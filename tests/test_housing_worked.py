"""Worked examples of the housing rules (``docs/housing-rules.md``), computed by hand.

Each test builds a tiny round, says in its docstring who should get what and why, and checks
:func:`samen.housing.allocate.allocate_month` (dwellings, waiting positions, responses left
out). Lottery numbers are computed here with hashlib, independently of the engine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from samen.housing.allocate import allocate_month
from samen.housing.folder import HousingError, read_housing, render_housing
from samen.housing.model import (
    Dwelling,
    Household,
    HousingRules,
    LabelRule,
    Suitability,
    day_number,
)

SEED = "worked examples of the housing rules"


def reg(year: int, month: int = 1, day: int = 1) -> int:
    return day_number(dt.date(year, month, day))


def L(*parts: str) -> int:
    """The lottery number of allocation rules section 3, by hand."""
    data = "|".join([SEED, *parts]).encode("utf-8")
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "big")


def rules(*labels: LabelRule, **kw) -> HousingRules:
    return HousingRules(name="worked", seed=SEED, labels={x.name: x for x in labels}, **kw)


def dwelling(did: str, label: str = "standard", rooms: int = 2, band: str = "A", hood: str = "N"):
    return Dwelling(did, hood, rooms, band, label)


def household(
    hid: str, responses: str, registered: int, size: int = 1, income: str = "low", **flags
):
    return Household(hid, tuple(responses.split(";")), registered, size, income, flags)


STANDARD = LabelRule("standard", order_by="value:registered")


def test_registration_order() -> None:
    """One dwelling, three households: the earliest registration (B, 2019) gets it; A (2020)
    and C (2021) wait in that order."""
    r = allocate_month(
        rules(STANDARD),
        [dwelling("D1")],
        [
            household("A", "D1", reg(2020)),
            household("B", "D1", reg(2019, 5)),
            household("C", "D1", reg(2021)),
        ],
    )
    assert r.dwelling == {"A": None, "B": "D1", "C": None}
    assert r.positions == {"A": {"D1": 1}, "C": {"D1": 2}}


def test_local_tie_comes_before_registration() -> None:
    """Flemish standard allocation: a local tie first, then registration. A (2020, tie) beats
    B (2019, no tie); C (2021, tie) waits before B."""
    r = allocate_month(
        rules(STANDARD, priority_groups=("local_tie",)),
        [dwelling("D1")],
        [
            household("A", "D1", reg(2020), local_tie=1),
            household("B", "D1", reg(2019), local_tie=0),
            household("C", "D1", reg(2021), local_tie=1),
        ],
    )
    assert r.dwelling["A"] == "D1"
    assert r.positions == {"C": {"D1": 1}, "B": {"D1": 2}}


URGENT = LabelRule("urgent", favours="urgent", priority_groups=())


def test_urgent_need_first_and_the_local_tie_does_not_count_there() -> None:
    """An urgent dwelling favours urgency and counts no priority group: C (urgent, 2021) beats
    B (urgent, 2022) by registration, and both beat A (2019, local tie, not urgent). With the
    round's groups counting there (the label's default), A's local tie would come first."""
    hh = [
        household("A", "D1", reg(2019), urgent=0, local_tie=1),
        household("B", "D1", reg(2022), urgent=1, local_tie=0),
        household("C", "D1", reg(2021), urgent=1, local_tie=0),
    ]
    r = allocate_month(
        rules(URGENT, priority_groups=("local_tie",)), [dwelling("D1", "urgent")], hh
    )
    assert r.dwelling["C"] == "D1"
    assert r.positions == {"B": {"D1": 1}, "A": {"D1": 2}}
    counted = LabelRule("urgent", favours="urgent")
    r = allocate_month(
        rules(counted, priority_groups=("local_tie",)), [dwelling("D1", "urgent")], hh
    )
    assert r.dwelling["A"] == "D1"


def test_what_a_label_favours_does_not_shut_others_out() -> None:
    """Nobody urgent responded to the urgent dwelling: it goes by registration (B, 2018)."""
    r = allocate_month(
        rules(URGENT),
        [dwelling("D1", "urgent")],
        [household("A", "D1", reg(2020), urgent=0), household("B", "D1", reg(2018), urgent=0)],
    )
    assert r.dwelling["B"] == "D1"
    cut = r.engine.pool_cutoff[0]
    assert cut is not None and cut.unfavoured == 1


def test_rooms_must_fit_the_household() -> None:
    """A 3-room dwelling; a single person (1 to 2 rooms fit) registered first is left out with
    the reason; the family of 3 (2 to 3 rooms) gets it. A household of 7 uses the row of 6."""
    s = Suitability(rooms={1: (1, 2), 3: (2, 3), 6: (4, 6)})
    r = allocate_month(
        rules(STANDARD, suitability=s),
        [dwelling("D1", rooms=3), dwelling("D2", rooms=5)],
        [
            household("A", "D1", reg(2015), size=1),
            household("B", "D1", reg(2020), size=3),
            household("C", "D2;D1", reg(2010), size=7),
        ],
    )
    assert r.dwelling == {"A": None, "B": "D1", "C": "D2"}
    assert r.unsuitable == {
        "A": {"D1": "3 rooms for a household of 1 (1 to 2 rooms fit)"},
        "C": {"D1": "3 rooms for a household of 7 (4 to 6 rooms fit)"},
    }
    assert r.positions == {}


def test_rent_must_fit_the_income() -> None:
    """Passend toewijzen: band C does not fit a low income (A, B); the middle income gets it,
    though registered later. A household with no suitable response is not in the allocation
    round at all."""
    s = Suitability(rent={"low": ("A", "B"), "middle": ("A", "B", "C")})
    r = allocate_month(
        rules(STANDARD, suitability=s),
        [dwelling("D1", band="C")],
        [
            household("A", "D1", reg(2010), income="low"),
            household("B", "D1", reg(2020), income="middle"),
        ],
    )
    assert r.dwelling == {"A": None, "B": "D1"}
    assert r.unsuitable["A"] == {"D1": "rent band C for income band low (A, B fit)"}
    assert list(r.translation.instance.applicant_ids) == ["B"]


def test_a_label_that_admits_only_some() -> None:
    """A home for young people admits only them: the older household's response is left out
    and, when no young household responded, the dwelling stays empty."""
    young = LabelRule("young", admits="young")
    r = allocate_month(
        rules(young),
        [dwelling("D1", "young")],
        [household("A", "D1", reg(2005), young=0)],
    )
    assert r.dwelling == {"A": None}
    assert r.unsuitable == {"A": {"D1": "label young admits only households with young"}}
    r = allocate_month(
        rules(young),
        [dwelling("D1", "young")],
        [household("A", "D1", reg(2005), young=0), household("B", "D1", reg(2024), young=1)],
    )
    assert r.dwelling == {"A": None, "B": "D1"}


def test_a_lottery_dwelling_goes_to_the_smallest_number() -> None:
    """Registration does not count at a lottery dwelling: the household with the smallest
    SHA-256 number of 'seed|id' gets it, and the others wait in the order of their numbers."""
    lottery = LabelRule("lottery", order_by="lottery")
    ids = ["A", "B", "C", "D", "E"]
    r = allocate_month(
        rules(lottery),
        [dwelling("D1", "lottery")],
        [household(h, "D1", reg(2000 + k)) for k, h in enumerate(ids)],
    )
    order = sorted(ids, key=lambda h: L(h))
    assert r.dwelling[order[0]] == "D1"
    assert {h: r.positions[h]["D1"] for h in order[1:]} == {
        h: k for k, h in enumerate(order[1:], 1)
    }


def test_the_same_registration_day_is_decided_by_the_lottery() -> None:
    """Two households registered on the same day: the smaller lottery number comes first
    (item 4 of the priority tuple); under multiple tie-breaking the number is that of
    'seed|dwelling|household'."""
    hh = [household("A", "D1", reg(2020, 3, 3)), household("B", "D1", reg(2020, 3, 3))]
    r = allocate_month(rules(STANDARD), [dwelling("D1")], hh)
    assert r.dwelling["A" if L("A") < L("B") else "B"] == "D1"
    r = allocate_month(rules(STANDARD, tie_breaking="multiple"), [dwelling("D1")], hh)
    assert r.dwelling["A" if L("D1", "A") < L("D1", "B") else "B"] == "D1"


def test_points_larger_first_then_registration() -> None:
    """order_by most:points,value:registered: C (12 points, 2020) before B (12, 2022) before A
    (10, 2019)."""
    points = LabelRule("points", order_by="most:points,value:registered")
    hh = [
        Household("A", ("D1",), reg(2019), 1, "low", {}, values={"points": 10.0}),
        Household("B", ("D1",), reg(2022), 1, "low", {}, values={"points": 12.0}),
        Household("C", ("D1",), reg(2020), 1, "low", {}, values={"points": 12.0}),
    ]
    r = allocate_month(rules(points), [dwelling("D1", "points")], hh)
    assert r.dwelling["C"] == "D1"
    assert r.positions == {"B": {"D1": 1}, "A": {"D1": 2}}
    assert r.translation.instance.value_names == ["minus_points", "registered"]


def test_rank_counts_only_suitable_responses() -> None:
    """order_by rank,value:registered at D1. C (2010) gets D2; B (2015) ranked D2 first and
    D1 second. A (2020) put an unsuitable D0 first and D1 second: among its suitable responses
    D1 is first, so A comes before B at D1 and gets it; B waits."""
    rank = LabelRule("rank", order_by="rank,value:registered")
    s = Suitability(rooms={1: (1, 2)})
    r = allocate_month(
        rules(STANDARD, rank, suitability=s),
        [dwelling("D0", rooms=4), dwelling("D1", "rank"), dwelling("D2")],
        [
            household("A", "D0;D1", reg(2020)),
            household("B", "D2;D1", reg(2015)),
            household("C", "D2", reg(2010)),
        ],
    )
    assert r.dwelling == {"A": "D1", "B": None, "C": "D2"}
    assert r.positions == {"B": {"D2": 1, "D1": 1}}


def test_the_young_family_offer() -> None:
    """Mechelen's offer: young families first at the offer's dwelling in a poor neighbourhood.
    The young family (2024) beats the earlier household (2016); a standard dwelling next door
    still goes by registration."""
    young = LabelRule("young", favours="young_family", priority_groups=())
    r = allocate_month(
        rules(STANDARD, young, priority_groups=("local_tie",)),
        [dwelling("D1", "young", hood="Nekkerspoel"), dwelling("D2", hood="Nekkerspoel")],
        [
            household("A", "D1;D2", reg(2016), size=3, young_family=0, local_tie=1),
            household("B", "D1;D2", reg(2024), size=3, young_family=1, local_tie=0),
        ],
    )
    assert r.dwelling == {"A": "D2", "B": "D1"}
    assert r.positions == {"A": {"D1": 1}}


def test_waiting_lists_after_a_chain_of_rejections() -> None:
    """D2 is urgent. H1 (2018) ranks D2, D1; H2 (2020, urgent) ranks D2, D1; H3 (2019) ranks
    D1. D2 keeps H2 (urgent) and rejects H1, who takes D1 from H3 (earlier registration). H1
    waits first for D2, which it ranked above D1; H3 waits for D1; H2 has the dwelling it
    ranked first and waits for nothing."""
    r = allocate_month(
        rules(STANDARD, URGENT),
        [dwelling("D1"), dwelling("D2", "urgent")],
        [
            household("H1", "D2;D1", reg(2018), urgent=0),
            household("H2", "D2;D1", reg(2020), urgent=1),
            household("H3", "D1", reg(2019), urgent=0),
        ],
    )
    assert r.dwelling == {"H1": "D1", "H2": "D2", "H3": None}
    assert r.positions == {"H1": {"D2": 1}, "H3": {"D1": 1}}
    files = r.files()
    responses = files["responses.csv"].decode().splitlines()
    assert responses == [
        "household_id,response_rank,dwelling_id,label,outcome,position,note",
        "H1,1,D2,urgent,waiting,1,",
        "H1,2,D1,standard,assigned,,",
        "H2,1,D2,urgent,assigned,,",
        "H2,2,D1,standard,better,,",
        "H3,1,D1,standard,waiting,1,",
    ]


def test_the_strongest_priority_group_counts() -> None:
    """Groups ["local_tie", "work_income"], strongest first: A has both, B only work income,
    C none; the earliest registration (C) comes last."""
    r = allocate_month(
        rules(STANDARD, priority_groups=("local_tie", "work_income")),
        [dwelling("D1")],
        [
            household("A", "D1", reg(2022), local_tie=1, work_income=1),
            household("B", "D1", reg(2021), local_tie=0, work_income=1),
            household("C", "D1", reg(2010), local_tie=0, work_income=0),
        ],
    )
    assert r.dwelling["A"] == "D1"
    assert r.positions == {"B": {"D1": 1}, "C": {"D1": 2}}


@pytest.mark.parametrize(
    ("lottery", "total", "ok"), [(3, 20, True), (4, 20, False), (1, 7, True), (2, 7, False)]
)
def test_the_lottery_share_is_at_most_15_percent(
    tmp_path: Path, lottery: int, total: int, ok: bool
) -> None:
    """WoningNet's 15%: 3 of 20 is allowed, 4 of 20 is not; 1 of 7 (14.3%) is, 2 of 7 not."""
    lab = LabelRule("lottery", order_by="lottery")
    rr = rules(STANDARD, lab, lottery_share=0.15)
    ds = [dwelling(f"D{k}", "lottery" if k < lottery else "standard") for k in range(total)]
    hh = [household("H1", "D0", reg(2020))]
    for name, data in render_housing(rr, ds, hh).items():
        (tmp_path / name).write_bytes(data)
    if ok:
        assert read_housing(tmp_path).rules.lottery_share == 0.15
    else:
        with pytest.raises(HousingError, match=f"at most {lottery - 1} of {total}"):
            read_housing(tmp_path)


def test_a_flag_no_household_has_counts_as_0() -> None:
    """Code that builds households (a simulation, a platform) may leave out a flag nobody
    has: it counts as 0, as an empty flag column would."""
    r = allocate_month(
        rules(STANDARD, URGENT, priority_groups=("local_tie",)),
        [dwelling("D1", "urgent"), dwelling("D2")],
        [household("A", "D1;D2", reg(2020)), household("B", "D1;D2", reg(2019))],
    )
    assert r.dwelling == {"A": "D2", "B": "D1"}
    assert r.translation.instance.flag_names == ["local_tie", "urgent"]
