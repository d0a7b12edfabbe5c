"""Small round folders that use the rules of version 2 (allocation rules section 10), one rule
or all of them, for the platform's tests: made here, so they do not depend on the examples."""

from __future__ import annotations

import random
from pathlib import Path

SEED = "v2 test seed"
SCHOOLS = ("S1", "S2", "S3", "S4", "S5")
DENOMINATION = ("public", "catholic", "public", "catholic", "public")
#: every rule of section 10, each one alone, and all together
RULES = ("expressions", "criteria", "nearest", "first_choice_only", "admits", "family", "all")


def files(rule: str = "all", n: int = 40, seed: int = 7) -> dict[str, str]:
    """The files of a round folder of ``n`` children that uses ``rule`` (one of
    :data:`RULES`), drawn from ``seed``."""
    rng = random.Random(seed)
    on = (lambda r: True) if rule == "all" else (lambda r: r == rule)
    toml = [
        'name = "Testronde v2"',
        f'seed = "{SEED}"',
        'mechanism = "deferred-acceptance"',
        'tie_breaking = "single"',
        'priority_groups = ["sibling", "nearby", "zone"]',
        'distance = "euclidean"',
        'crs = "EPSG:31370"',
    ]
    if on("family"):
        toml += ['family_number = "best"', "waitlists = true"]
    if on("first_choice_only"):
        toml += ['first_choice_only = ["zone"]']
    favours = "indicator|disability" if on("expressions") else "indicator"
    order = "rank,distance" if on("criteria") else "lottery"
    rest = "value:points,lottery" if on("criteria") else "distance"
    toml += [
        "",
        "[[default_pools]]",
        'name = "ind"',
        "share = 0.3",
        f'favours = "{favours}"',
        f'order_by = "{order}"',
        "",
        "[[default_pools]]",
        'name = "rest"',
        "share = 0.7",
        'favours = ""',
        f'order_by = "{rest}"',
    ]
    if on("nearest"):
        toml += [
            "",
            "[[nearest]]",
            'group = "nearby"',
            "count = 2",
            'category = "denomination"',
            "at_least = { public = 1, catholic = 1 }",
        ]
    school_head = "school_id,name,capacity,x,y" + (",denomination" if on("nearest") else "")
    school_head += ",admits" if on("admits") else ""
    schools = [school_head]
    for k, code in enumerate(SCHOOLS):
        row = f"{code},School {code},{rng.randint(4, 9)},{1000 * k},{500 * (k % 2)}"
        row += f",{DENOMINATION[k]}" if on("nearest") else ""
        row += (",advice_havo|advice_vwo" if code == "S5" else ",") if on("admits") else ""
        schools.append(row)
    head = "applicant_id,choices,x,y,indicator,disability"
    head += ",advice_havo,advice_vwo" if on("admits") else ""
    head += ",points" if on("criteria") else ""
    head += ",family"
    applicants = [head]
    priorities = ["applicant_id,school_id,group"]
    previous: tuple[int, int, list[str]] = (0, 0, [])
    for a in range(1, n + 1):
        aid = f"A{a:03d}"
        havo, vwo = rng.randint(0, 1), rng.randint(0, 1)
        allowed = [s for s in SCHOOLS if s != "S5" or havo or vwo or not on("admits")]
        choices = rng.sample(allowed, rng.randint(1, min(4, len(allowed))))
        if a % 7 == 2 and a > 2:  # the brother or sister of the child before: the same list
            havo, vwo, choices = previous
        previous = (havo, vwo, choices)
        row = [aid, ";".join(choices), str(rng.randint(0, 4000)), str(rng.randint(0, 1500))]
        row += [str(rng.randint(0, 1)), str(rng.randint(0, 1))]
        row += [str(havo), str(vwo)] if on("admits") else []
        row += [str(rng.choice([3, 2.5, -1, 0, 20270115]))] if on("criteria") else []
        row += [f"F{a // 2}" if a % 7 in (1, 2) else ""]
        applicants.append(",".join(f'"{c}"' if "," in c else c for c in row))
        if rng.random() < 0.3:
            priorities.append(f"{aid},{choices[0]},zone")
            if rng.random() < 0.5 and len(choices) > 1:  # zone counts only at the first choice
                priorities.append(f"{aid},{choices[1]},zone")
        if rng.random() < 0.1:
            priorities.append(f"{aid},{choices[-1]},sibling")
            priorities.append(f"{aid},{choices[-1]},zone")
    return {
        "round.toml": "\n".join(toml) + "\n",
        "schools.csv": "\n".join(schools) + "\n",
        "applicants.csv": "\n".join(applicants) + "\n",
        "priorities.csv": "\n".join(priorities) + "\n",
    }


def write(folder: Path, rule: str = "all", **kwargs: int) -> Path:
    """Write :func:`files` into ``folder`` (made) and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files(rule, **kwargs).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
