"""The figures quoted in the READMEs of ``examples/housing-mechelen-2027`` and
``examples/housing-amsterdam-2027`` are what samen computes, and the folders are what
``examples/make_housing.py`` generates.

Each check recomputes a figure from the folder (read and allocated as ``samen housing
allocate`` does) and looks for the sentence or table row of the README that quotes it, so a
change in the rules, the folder or the README that makes them disagree fails here. Line breaks
in the README do not matter; the words do.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from samen.engine.lottery import hex16, number
from samen.housing.allocate import allocate_folder
from samen.housing.folder import read_housing
from samen.housing.model import date_of

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


class Facts:
    """A folder, its results and helpers."""

    def __init__(self, name: str) -> None:
        self.folder = EXAMPLES / name
        self.hr = read_housing(self.folder)
        self.result, self.files = allocate_folder(self.hr)
        self.summary = json.loads(self.files["summary.json"])
        self.h = {h.id: h for h in self.hr.households}
        self.d = {d.id: d for d in self.hr.dwellings}
        self.responses = self.table("responses.csv")
        self.cutoffs = {r["dwelling_id"]: r for r in self.table("cutoffs.csv")}
        self.readme = " ".join((self.folder / "README.md").read_text(encoding="utf-8").split())

    def table(self, name: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(self.files[name].decode("utf-8"))))

    def holder(self, did: str) -> str:
        return self.cutoffs[did]["household_id"]

    def waiting(self, did: str) -> list[str]:
        rows = [r for r in self.responses if r["dwelling_id"] == did and r["outcome"] == "waiting"]
        return [r["household_id"] for r in sorted(rows, key=lambda r: int(r["position"]))]

    def date(self, hid: str) -> str:
        return date_of(self.h[hid].registered).isoformat()

    def says(self, *phrases: str) -> None:
        for phrase in phrases:
            assert " ".join(phrase.split()) in self.readme, f"README does not say: {phrase!r}"


@pytest.fixture(scope="module")
def mechelen() -> Facts:
    return Facts("housing-mechelen-2027")


@pytest.fixture(scope="module")
def amsterdam() -> Facts:
    return Facts("housing-amsterdam-2027")


def test_the_folders_are_what_the_generator_writes() -> None:
    spec = importlib.util.spec_from_file_location("make_housing", EXAMPLES / "make_housing.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    for folder, files in generator.generate().items():
        for name, data in files.items():
            assert (EXAMPLES / folder / name).read_bytes() == data, f"{folder}/{name}"


def _overall(f: Facts) -> None:
    s = f.summary
    assert s["let"] == s["dwellings"] and s["empty"] == 0
    f.says(
        f"| Dwellings | {s['dwellings']}, in {len(s['neighbourhoods'])} ",
        f"({s['responses']} responses) |",
        f"**All {s['dwellings']} dwellings are let",
        f"{s['unassigned']} households get none",
        f"{s['unsuitable_responses']} of the {s['responses']} responses did not fit the household",
        f"{s['households_without_suitable_response']} households had no response that fits them",
        f"| Lottery seed | `{s['seed']}` |",
    )


def test_mechelen_in_brief(mechelen: Facts) -> None:
    f = mechelen
    hh = f.hr.households
    flags = {k: sum(h.flag(k) for h in hh) for k in f.hr.flag_names}
    sizes = sorted({len(h.responses) for h in hh})
    f.says(
        f"| Households | {len(hh)}, each responding to {sizes[0]} to {sizes[-1]} dwellings",
        f"| Local tie | {flags['local_tie']} households",
        f"| Urgent need | {flags['urgent']} households |",
        f"| Young families | {flags['young_family']} households |",
        f"| Seniors | {flags['senior']} households |",
        f"| With an income from work | {flags['work_income']} households |",
    )
    _overall(f)
    labels = f.summary["labels"]
    assert labels["urgent"]["share_of_vacancies"] == labels["urgent"]["max_share"] == 0.2
    f.says(
        f"| `standard` | 1: standard allocation | {labels['standard']['dwellings']} |",
        f"| `urgent` | 2: accelerated allocation | {labels['urgent']['dwellings']} (20%, the maximum) |",
        f"| `senior` | 3: a target group set locally | {labels['senior']['dwellings']} |",
        f"| `young` | 3: the young-family offer | {labels['young']['dwellings']}, in Nekkerspoel and Ragheno |",
        f"| `mix` | 4: social mix in a larger project | {labels['mix']['dwellings']} of the 6 new homes",
    )
    targets = labels["senior"]["dwellings"] + labels["young"]["dwellings"]
    n = f.summary["dwellings"]
    f.says(f"The target groups hold {targets} of the {n} dwellings ({100 * targets // n}%)")
    young_hoods = {d.neighbourhood for d in f.hr.dwellings if d.label == "young"}
    assert young_hoods == {"Nekkerspoel", "Ragheno"}
    tinel = [d for d in f.hr.dwellings if d.address.startswith("Tinelsite")]
    assert len(tinel) == 6 and Counter(d.label for d in tinel) == {"mix": 3, "standard": 3}


def test_mechelen_ranks(mechelen: Facts) -> None:
    h = mechelen.summary["response_rank_histogram"]
    mechelen.says(
        f"{h[0]} households get the dwelling they wanted most, {h[1]} their second response, "
        f"{h[2]} their third, {h[3]} their fourth and {h[4]} their fifth"
    )


def test_mechelen_local_tie(mechelen: Facts) -> None:
    f = mechelen
    got = f.holder("W04")
    w = f.waiting("W04")
    assert f.h[got].flag("local_tie") and f.d["W04"].label == "standard"
    assert all(f.h[x].flag("local_tie") for x in w[:2]) and not f.h[w[2]].flag("local_tie")
    assert f.h[w[2]].registered < f.h[got].registered < f.h[w[0]].registered
    assert all(f.date(x).startswith("2026") for x in w[:2])
    f.says(
        f"W04 (2 bedrooms, Ragheno) went to {got}, registered on {f.date(got)} with a local tie",
        f"Its waiting list starts with {w[0]} and {w[1]}, who registered in 2026 and have a "
        "local tie",
        f"{w[2]}, registered on {f.date(w[2])} but without a local tie, is 3rd",
    )


def test_mechelen_urgent(mechelen: Facts) -> None:
    f = mechelen
    got = f.holder("W13")
    w = f.waiting("W13")
    earlier = [x for x in w if f.h[x].registered < f.h[got].registered]
    assert f.h[got].flag("urgent") and f.h[w[0]].flag("urgent") and not f.h[w[1]].flag("urgent")
    assert all(not f.h[x].flag("urgent") for x in earlier)
    f.says(
        f"W13 (Muizen) went to {got}, registered on {f.date(got)} with an urgency declaration, "
        f"although {len(earlier)} households on its waiting list registered earlier",
        f"The 1st on its waiting list is {w[0]}, also urgent (registered {f.date(w[0])})",
        f"the 2nd, {w[1]}, registered on {f.date(w[1])} without urgency",
    )


def test_mechelen_young_families(mechelen: Facts) -> None:
    f = mechelen
    to_young = [
        (r["household_id"], r["dwelling_id"])
        for r in f.responses
        if f.d[r["dwelling_id"]].label == "young"
    ]
    from_families = sum(1 for hid, _ in to_young if f.h[hid].flag("young_family"))
    holders = [f.holder(d.id) for d in f.hr.dwellings if d.label == "young"]
    assert all(f.h[x].flag("young_family") for x in holders)
    got = f.holder("W22")
    w = f.waiting("W22")
    k = next(i for i, x in enumerate(w) if not f.h[x].flag("young_family"))
    assert all(f.h[x].flag("young_family") for x in w[:k])
    recent = sum(f.date(x).startswith("2026") for x in w[:k])
    assert f.h[w[k]].registered < f.h[got].registered and not f.h[got].flag("local_tie")
    f.says(
        f"{from_families} of the {len(to_young)} responses to the six `young` dwellings came from "
        "young families, and all six went to young families",
        f"W22 (3 bedrooms, Ragheno) went to {got} (a young family of {f.h[got].size}, registered "
        f"{f.date(got)}, no local tie)",
        f"{w[k]}, registered earlier ({f.date(w[k])}) but not a young family, stands {k + 1}th "
        f"on its waiting list, behind {k} young families, {recent} of whom registered in 2026",
    )


def test_mechelen_seniors_mix_and_unsuitable(mechelen: Facts) -> None:
    f = mechelen
    for d in f.hr.dwellings:
        who = f.h[f.holder(d.id)]
        if d.label == "senior":
            assert who.flag("senior")
        if d.label == "mix":
            assert who.flag("work_income")
        if d.address.startswith("Tinelsite") and d.label == "standard":
            assert who.flag("local_tie")
    row = next(r for r in f.responses if r["household_id"] == "K0007")
    assert row["response_rank"] == "1" and row["outcome"] == "unsuitable"
    assert f.h["K0007"].size == 6 and f.d[row["dwelling_id"]].rooms == 1
    assert all(r["outcome"] == "unsuitable" for r in f.responses if r["household_id"] == "K0007")
    f.says(
        f"K0007, six people, put {row['dwelling_id']} (1 bedroom) first",
        f"`{row['note']}`",
    )


def test_amsterdam_in_brief(amsterdam: Facts) -> None:
    f = amsterdam
    hh = f.hr.households
    labels = f.summary["labels"]
    lottery = f.summary["lottery_share"]
    assert lottery["share"] == lottery["limit"] == 0.15
    first_year = min(f.date(h.id) for h in hh)[:4]
    f.says(
        f"| Households | {len(hh)}, each responding to 1 or 2 adverts",
        f"| Urgency declarations | {sum(h.flag('urgent') for h in hh)} households |",
        f"| Young people (18 to 27) | {sum(h.flag('young') for h in hh)} households |",
        f"| Registered since | {first_year} |",
        f"| `standard` | {labels['standard']['dwellings']} |",
        f"| `urgent` | {labels['urgent']['dwellings']} |",
        f"| `lottery` | {lottery['dwellings']} of {f.summary['dwellings']}: 15%",
        f"| `young` | {labels['young']['dwellings']} |",
    )
    _overall(f)
    h = f.summary["response_rank_histogram"]
    f.says(f"{h[0]} to a household's first response and {h[1]} to its second")


def test_amsterdam_registration_and_urgency(amsterdam: Facts) -> None:
    f = amsterdam
    a04 = f.cutoffs["A04"]
    assert f.d["A04"].label == "standard"
    f.says(
        f"A04 (2 rooms, Centrum, {a04['responses']} responses) went to {a04['household_id']}, "
        f"registered on {f.date(a04['household_id'])}"
    )
    got, w = f.holder("A01"), f.waiting("A01")
    earlier = [x for x in w if f.h[x].registered < f.h[got].registered]
    assert f.h[got].flag("urgent") and f.h[w[0]].flag("urgent") and not f.h[w[1]].flag("urgent")
    f.says(
        f"A01 (3 rooms, Centrum) went to {got}, registered on {f.date(got)} with an urgency "
        f"declaration, although {len(earlier)} households on its waiting list registered earlier",
        f"The 1st on its waiting list is {w[0]}, also urgent; the 2nd, {w[1]}, registered on "
        f"{f.date(w[1])} without one",
    )
    a26 = f.cutoffs["A26"]
    suitable = [
        r["household_id"]
        for r in f.responses
        if r["dwelling_id"] == "A26" and r["outcome"] != "unsuitable"
    ]
    assert not any(f.h[x].flag("urgent") for x in suitable)
    assert a26["cutoff_favoured"] == "0" and not f.h[a26["household_id"]].flag("urgent")
    f.says(
        f"so it went to {a26['household_id']} (registered {f.date(a26['household_id'])}, no "
        "urgency), and its `cutoffs.csv` line says `cutoff_favoured` 0"
    )


def test_amsterdam_lottery(amsterdam: Facts) -> None:
    f = amsterdam
    seed = f.hr.rules.seed
    got, w = f.holder("A35"), f.waiting("A35")
    wanted = [
        r["household_id"]
        for r in f.responses
        if r["dwelling_id"] == "A35" and r["outcome"] != "unsuitable"
    ]
    numbers = {x: number(seed, x) for x in wanted}
    assert min(numbers, key=numbers.__getitem__) == got
    assert f.cutoffs["A35"]["cutoff_lottery"] == hex16(numbers[got])
    assert f.date(w[0]).startswith("2005")
    f.says(
        f"A35 (West) went to {got}, registered only on {f.date(got)}, whose lottery number "
        f"`{hex16(numbers[got])}` was the smallest of the {len(wanted)} who wanted it",
        f"{w[0]}, registered in 2005, had `{hex16(numbers[w[0]])}` and is 1st on its waiting list",
    )


def test_amsterdam_young_and_passend(amsterdam: Facts) -> None:
    f = amsterdam
    for d in f.hr.dwellings:
        if d.label == "young":
            assert f.h[f.holder(d.id)].flag("young")
    r98 = next(r for r in f.responses if r["household_id"] == "R0098" and r["dwelling_id"] == "A07")
    assert r98["outcome"] == "unsuitable" and not f.h["R0098"].flag("young")
    r51 = next(r for r in f.responses if r["household_id"] == "R0051" and r["dwelling_id"] == "A26")
    h = f.h["R0051"]
    assert h.size == 3 and h.income_band == "low_large" and r51["outcome"] == "unsuitable"
    f.says(
        f"R0098 responded to A07 but is not young: the response was left out (`{r98['note']}`)",
        f"R0051, a low income household of three, responded to A26 (band D): `{r51['note']}`",
    )
