"""Generate the two example housing rounds (deterministic: same bytes every run).

    python examples/make_housing.py            # writes examples/housing-{mechelen,amsterdam}-2027/
    python examples/make_housing.py OUT_DIR    # both folders inside OUT_DIR

- ``housing-mechelen-2027``: a month of vacancies of a Flemish social housing company under
  the four pillars of the allocation rules in force since 1 January 2024 (standard
  allocation with local tie and registration order, accelerated allocation for urgent need,
  target groups set locally, social mix in a larger project) and a young-family offer in
  two neighbourhoods, after Mechelen's pilot;
- ``housing-amsterdam-2027``: a week of social rent adverts in a Dutch region: registration
  time, urgency, a lottery share of 15% (WoningNet Amsterdam region), homes for young people,
  and suitability (*passend toewijzen*: rooms for the household, rent for the income).

The dwellings, addresses and households are invented; only the rules are real. The README of
each folder explains the result with its numbers (checked by
``tests/test_housing_example_readme.py``).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np

from samen.housing.folder import render_housing
from samen.housing.model import (
    Dwelling,
    Household,
    HousingRules,
    LabelRule,
    Suitability,
    day_number,
)

HERE = Path(__file__).resolve().parent
FOLDERS = ("housing-mechelen-2027", "housing-amsterdam-2027")

# --------------------------------------------------------------------------- Mechelen

MECHELEN = HousingRules(
    name="Mechelen, social rent, vacancies of May 2027",
    seed="Woonpunt Mechelen - toewijzing mei 2027 - 3 mei 2027",
    priority_groups=("local_tie",),
    labels={
        # pillar 1: standard allocation, local tie first, then registration order
        "standard": LabelRule("standard", order_by="value:registered"),
        # pillar 2: accelerated allocation for urgent need, a fixed 20%
        "urgent": LabelRule("urgent", favours="urgent", priority_groups=(), max_share=0.2),
        # pillar 3: target groups set locally (seniors; and the young-family offer), at
        # most half of the homes together
        "senior": LabelRule("senior", favours="senior", priority_groups=(), max_share=0.25),
        "young": LabelRule("young", favours="young_family", priority_groups=(), max_share=0.25),
        # pillar 4: social mix in a larger project: half of the new homes go first to
        # households with an income from work
        "mix": LabelRule("mix", favours="work_income", priority_groups=(), max_share=0.25),
    },
    suitability=Suitability(
        rooms={1: (1, 2), 2: (1, 2), 3: (2, 3), 4: (2, 3), 5: (3, 4), 6: (4, 5)}
    ),
)

# id, neighbourhood, rooms, rent band, label, address
MECHELEN_DWELLINGS = [
    ("W01", "Binnenstad", 1, "social", "standard", "Bruul 12 bus 3"),
    ("W02", "Binnenstad", 2, "social", "standard", "Hoogstraat 40 bus 1"),
    ("W03", "Nekkerspoel", 3, "social", "standard", "Kolonel de Hemptinnelaan 8"),
    ("W04", "Ragheno", 2, "social", "standard", "Raghenoplein 5 bus 12"),
    ("W05", "Tervuursesteenweg", 3, "social", "standard", "Tervuursesteenweg 211"),
    ("W06", "Battel", 2, "social", "standard", "Battelsesteenweg 90"),
    ("W07", "Muizen", 4, "social", "standard", "Leuvensesteenweg 377"),
    ("W08", "Walem", 1, "social", "standard", "Walemstraat 19 bus 2"),
    ("W09", "Tervuursesteenweg", 2, "social", "urgent", "Kerkhofweg 4 bus 6"),
    ("W10", "Nekkerspoel", 1, "social", "urgent", "Nekkerspoelstraat 210 bus 1"),
    ("W11", "Binnenstad", 2, "social", "urgent", "Zandpoortvest 22 bus 4"),
    ("W12", "Ragheno", 3, "social", "urgent", "Colomalaan 31"),
    ("W13", "Muizen", 2, "social", "urgent", "Muizenhoekstraat 7"),
    ("W14", "Battel", 3, "social", "urgent", "Oude Baan 66"),
    ("W15", "Walem", 1, "social", "senior", "Pastoor Somerslaan 3 bus 1"),
    ("W16", "Battel", 2, "social", "senior", "Ter Heidelaan 12 bus 2"),
    ("W17", "Muizen", 1, "social", "senior", "Muizenvijverstraat 2 bus 5"),
    ("W18", "Nekkerspoel", 3, "budget", "young", "Oud Oefenplein 1"),
    ("W19", "Nekkerspoel", 3, "budget", "young", "Oud Oefenplein 3"),
    ("W20", "Nekkerspoel", 2, "budget", "young", "Oud Oefenplein 5"),
    ("W21", "Ragheno", 3, "budget", "young", "Ragheno-park 14"),
    ("W22", "Ragheno", 3, "budget", "young", "Ragheno-park 16"),
    ("W23", "Ragheno", 2, "budget", "young", "Ragheno-park 18"),
    ("W24", "Binnenstad", 2, "social", "mix", "Tinelsite, blok A bus 1"),
    ("W25", "Binnenstad", 3, "social", "mix", "Tinelsite, blok A bus 2"),
    ("W26", "Binnenstad", 1, "social", "mix", "Tinelsite, blok A bus 3"),
    ("W27", "Binnenstad", 2, "social", "standard", "Tinelsite, blok B bus 1"),
    ("W28", "Binnenstad", 3, "social", "standard", "Tinelsite, blok B bus 2"),
    ("W29", "Binnenstad", 1, "social", "standard", "Tinelsite, blok B bus 3"),
    ("W30", "Tervuursesteenweg", 2, "social", "standard", "Guido Gezellelaan 51"),
]
#: how much households like each neighbourhood (the young-family offer is what draws
#: young families to Nekkerspoel and Ragheno)
MECHELEN_APPEAL = {
    "Binnenstad": 1.0,
    "Nekkerspoel": -0.6,
    "Ragheno": -0.4,
    "Tervuursesteenweg": 0.0,
    "Battel": 0.4,
    "Muizen": 0.3,
    "Walem": 0.2,
}

# --------------------------------------------------------------------------- Amsterdam

AMSTERDAM = HousingRules(
    name="Amsterdam region, social rent, adverts of week 19 of 2027",
    seed="WoningNet regio Amsterdam - loting week 19 2027 - 10 mei 2027",
    lottery_share=0.15,
    rent_bands=("A", "B", "C", "D"),
    income_bands=("low_small", "low_large", "middle"),
    labels={
        "standard": LabelRule("standard", order_by="value:registered"),
        "urgent": LabelRule("urgent", favours="urgent"),
        "lottery": LabelRule("lottery", order_by="lottery"),
        "young": LabelRule("young", admits="young", order_by="value:registered"),
    },
    suitability=Suitability(
        rooms={1: (1, 2), 2: (1, 3), 3: (2, 4), 4: (3, 5), 6: (4, 6)},
        rent={
            "low_small": ("A", "B"),
            "low_large": ("A", "B", "C"),
            "middle": ("A", "B", "C", "D"),
        },
    ),
)

AMSTERDAM_HOODS = {
    "Centrum": 1.2,
    "Zuid": 1.0,
    "Oost": 0.7,
    "West": 0.8,
    "Noord": 0.0,
    "Nieuw-West": -0.2,
    "Zuidoost": -0.4,
}
# label -> how many dwellings (40 in all; 6 of 40 is the 15% lottery share)
AMSTERDAM_LABELS = {"standard": 25, "urgent": 4, "lottery": 6, "young": 5}


def _date(rng: np.random.Generator, first: dt.date, last: dt.date) -> int:
    return day_number(first) + int(rng.integers(0, (last - first).days + 1))


def _responses(
    rng: np.random.Generator,
    utility: np.ndarray,
    counts: np.ndarray,
    ids: list[str],
) -> list[tuple[str, ...]]:
    """Each household's ``counts[i]`` most liked dwellings (utility plus Gumbel taste)."""
    taste = utility + rng.gumbel(size=utility.shape)
    order = np.argsort(-taste, axis=1, kind="stable")
    return [tuple(ids[j] for j in order[i, : counts[i]]) for i in range(len(counts))]


def mechelen() -> tuple[HousingRules, list[Dwelling], list[Household]]:
    rng = np.random.default_rng(20270503)
    dwellings = [
        Dwelling(i, hood, rooms, band, label, address=addr)
        for i, hood, rooms, band, label, addr in MECHELEN_DWELLINGS
    ]
    n = 220
    size = rng.choice([1, 2, 3, 4, 5, 6], size=n, p=[0.38, 0.24, 0.16, 0.12, 0.07, 0.03])
    urgent = rng.random(n) < 0.08
    local = rng.random(n) < 0.65
    young = (size >= 2) & (size <= 5) & (rng.random(n) < 0.30)
    senior = (size <= 2) & ~young & (rng.random(n) < 0.25)
    work = rng.random(n) < 0.45
    hoods = list(MECHELEN_APPEAL)
    home = [hoods[int(k)] if local[i] else "" for i, k in enumerate(rng.integers(0, len(hoods), n))]
    registered = [_date(rng, dt.date(2019, 1, 7), dt.date(2027, 4, 28)) for _ in range(n)]
    suits = MECHELEN.suitability
    utility = np.zeros((n, len(dwellings)))
    for j, d in enumerate(dwellings):
        for i in range(n):
            u = MECHELEN_APPEAL[d.neighbourhood]
            span = suits.room_range(int(size[i]))
            if span is not None and not span[0] <= d.rooms <= span[1]:
                u -= 3.0  # most households respond only to what fits them
            if d.label == "young":
                u += 2.5 if young[i] else -1.0
            if d.label == "senior":
                u += 2.0 if senior[i] else -1.0
            if d.label == "urgent" and urgent[i]:
                u += 1.0
            utility[i, j] = u
    counts = rng.choice([1, 2, 3, 4, 5], size=n, p=[0.15, 0.2, 0.25, 0.2, 0.2])
    responses = _responses(rng, utility, counts, [d.id for d in dwellings])
    households = [
        Household(
            id=f"K{i + 1:04d}",
            responses=responses[i],
            registered=registered[i],
            size=int(size[i]),
            income_band="low" if not work[i] else "middle",
            flags={
                "local_tie": int(local[i]),
                "urgent": int(urgent[i]),
                "young_family": int(young[i]),
                "senior": int(senior[i]),
                "work_income": int(work[i]),
            },
            neighbourhood=home[i],
        )
        for i in range(n)
    ]
    return MECHELEN, dwellings, households


def amsterdam() -> tuple[HousingRules, list[Dwelling], list[Household]]:
    rng = np.random.default_rng(20270510)
    hoods = list(AMSTERDAM_HOODS)
    labels = [lab for lab, k in AMSTERDAM_LABELS.items() for _ in range(k)]
    labels = [labels[int(k)] for k in rng.permutation(len(labels))]
    dwellings = []
    for j, label in enumerate(labels):
        rooms = int(rng.choice([1, 2, 3, 4, 5], p=[0.2, 0.3, 0.3, 0.15, 0.05]))
        if label == "young":
            rooms = int(rng.choice([1, 2]))
        band = "ABCD"[min(3, max(0, rooms - 1 + int(rng.integers(-1, 2))))]
        dwellings.append(
            Dwelling(f"A{j + 1:02d}", hoods[int(rng.integers(0, len(hoods)))], rooms, band, label)
        )
    n = 480
    size = rng.choice([1, 2, 3, 4, 5, 6], size=n, p=[0.45, 0.25, 0.13, 0.1, 0.05, 0.02])
    low = rng.random(n) < 0.7
    income = np.where(~low, "middle", np.where(size <= 2, "low_small", "low_large"))
    urgent = rng.random(n) < 0.05
    young = (size <= 2) & (rng.random(n) < 0.35)
    registered = [
        _date(
            rng, dt.date(2003, 1, 6) if not young[i] else dt.date(2019, 1, 7), dt.date(2027, 5, 3)
        )
        for i in range(n)
    ]
    rules = AMSTERDAM
    utility = np.zeros((n, len(dwellings)))
    for j, d in enumerate(dwellings):
        for i in range(n):
            u = AMSTERDAM_HOODS[d.neighbourhood]
            h = Household("x", (), 0, int(size[i]), str(income[i]), {"young": int(young[i])})
            if not rules.suitability.fits(h, d):
                u -= 4.0  # a few respond all the same: they are left out, with a note
            if d.label == "young" and not young[i]:
                u -= 4.0
            utility[i, j] = u
    counts = rng.choice([1, 2], size=n, p=[0.35, 0.65])  # WoningNet: 2 responses at a time
    responses = _responses(rng, utility, counts, [d.id for d in dwellings])
    households = [
        Household(
            id=f"R{i + 1:04d}",
            responses=responses[i],
            registered=registered[i],
            size=int(size[i]),
            income_band=str(income[i]),
            flags={"urgent": int(urgent[i]), "young": int(young[i])},
        )
        for i in range(n)
    ]
    return rules, dwellings, households


HEADERS = {
    "housing-mechelen-2027": (
        "Mechelen-like example: a month of vacancies under the Flemish four pillars and a",
        "young-family offer in Nekkerspoel and Ragheno (docs/housing-rules.md).",
    ),
    "housing-amsterdam-2027": (
        "Amsterdam-like example: registration time, urgency, a 15% lottery share, homes for",
        "young people and passend toewijzen (docs/housing-rules.md).",
    ),
}


NOTES = {
    "housing-mechelen-2027": {
        "standard": ["Pillar 1, standard allocation: a local tie first, then registration order."],
        "urgent": ["Pillar 2, accelerated allocation for urgent need: a fixed 20% of the homes."],
        "senior": [
            "Pillar 3, target groups set locally (at most half of the homes together):",
            "seniors first.",
        ],
        "young": [
            "Pillar 3, and Mechelen's offer: young families first, in Nekkerspoel and Ragheno,",
            "at a rent below the market (rent band 'budget').",
        ],
        "mix": [
            "Pillar 4, social mix in a larger project (the Tinelsite): households with an",
            "income from work first, in half of the new homes.",
        ],
    },
    "housing-amsterdam-2027": {
        "standard": ["Registration time (inschrijfduur): the longest registered first."],
        "urgent": ["Urgency: households with an urgency declaration first."],
        "lottery": ["Lottery (loting): at most 15% of the homes (lottery_share)."],
        "young": ["Homes for young people (jongerenwoning): only they are admitted."],
    },
}


def generate() -> dict[str, dict[str, bytes]]:
    """The files of both example folders, by folder name."""
    out = {}
    for name, make in zip(FOLDERS, (mechelen, amsterdam), strict=True):
        rules, dwellings, households = make()
        out[name] = render_housing(
            rules, dwellings, households, header=HEADERS[name], notes=NOTES[name]
        )
    return out


def main(out: Path = HERE) -> None:
    for folder, files in generate().items():
        target = out / folder
        target.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (target / name).write_bytes(data)
            print(f"wrote {target / name}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
