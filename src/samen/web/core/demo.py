"""Demo data: the example round, an address list, staff and two parents.

Everything here is made up. The round is ``examples/mechelen-2027`` with the registration
open, so the demo can walk through a whole round: families register and pledge, the office
closes the registration, holds the draw (the seed is printed), allocates, publishes and runs a
waiting-list round. Like every imported round it does not use the seed of its round.toml: the
demo publishes the fingerprint of a new random seed (:mod:`samen.web.core.lifecycle`).
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from samen.io.round import read_round
from samen.web.core import admits, audit, family, lifecycle, rules_v2
from samen.web.core.homes import use_address
from samen.web.core.models import Address, Child, PledgeGroup, Round, School
from samen.web.core.roles import add_staff
from samen.web.core.signin import user_for_email

OFFICE = "office@samen.test"
SCHOOL = "school@samen.test"
PARENTS = ("ouder1@samen.test", "ouder2@samen.test")


@dataclass(frozen=True)
class Demo:
    round: Round
    seed: str
    office: str
    school: str
    school_code: str
    parents: tuple[str, ...]
    address: tuple[str, str]


def _addresses(schools: list[School]) -> tuple[str, str]:
    """A made-up address list: 12 addresses on a street near each school."""
    rows = []
    for k, s in enumerate(schools):
        if s.x is None or s.y is None:
            continue
        for j in range(12):
            angle = 2 * math.pi * j / 12
            r = 250 + 100 * j
            rows.append(
                Address(
                    postcode="2800",
                    house_number=str(k * 20 + j + 1),
                    street="Voorbeeldstraat",
                    municipality="Mechelen",
                    x=round(s.x + r * math.cos(angle)),
                    y=round(s.y + r * math.sin(angle)),
                )
            )
    Address.objects.all().delete()
    Address.objects.bulk_create(rows)
    return ("2800", rows[0].house_number) if rows else ("2800", "1")


@transaction.atomic
def load(folder: Path) -> Demo:
    """Load the demo into an empty database."""
    rnd = lifecycle.import_round(read_round(folder))
    now = timezone.now()
    rnd.registration_opens = now - dt.timedelta(days=1)
    rnd.registration_closes = now + dt.timedelta(days=14)
    rnd.draw_at = now + dt.timedelta(days=15)
    rnd.results_at = now + dt.timedelta(days=20)
    rnd.acceptance_deadline = now + dt.timedelta(days=30)
    rnd.retention_until = (now + dt.timedelta(days=365)).date()
    rnd.save(
        update_fields=[
            "registration_opens",
            "registration_closes",
            "draw_at",
            "results_at",
            "acceptance_deadline",
            "retention_until",
        ]
    )
    # the draw as the office holds it: only the fingerprint is public until the office types
    # the seed (printed by the demo) at the draw
    seed = f"samen demo {now:%Y-%m-%d} {secrets.token_hex(6)}"
    lifecycle.commit_seed(rnd, seed)
    rnd = lifecycle.open_registration(rnd)
    schools = list(rnd.schools.all())
    address = _addresses(schools)

    add_staff(OFFICE, "office")
    code = schools[0].code
    add_staff(SCHOOL, "school", [code], round=rnd)
    by_code = {s.code: s for s in schools}
    numbers = rules_v2.number_columns(rnd.numbers)

    def child(
        email: str,
        first: str,
        last: str,
        born: dt.date,
        house: str,
        codes: list[str],
        indicator: int,
    ) -> Child:
        parent = user_for_email(email)
        c = Child(
            round=rnd,
            parent=parent,
            seq=family.next_seq(rnd),
            first_name=first,
            last_name=last,
            birth_date=born,
            flags={f: indicator for f in rnd.flags()},
            # made-up numbers for pools ordered by value: (the office gives them, 10.2)
            values={n: float(20270101 + family.next_seq(rnd)) for n in numbers},
        )
        use_address(c, Address.objects.get(postcode="2800", house_number=house, box=""))
        c.save()
        for s in codes:
            if admits.admits(by_code[s], c.flags):  # only schools that admit the child (10.5)
                family.add(c, by_code[s])
        return c

    def pick(*positions: int) -> list[str]:
        """School codes by position in the round (any round folder), without repeats."""
        codes = [schools[k % len(schools)].code for k in positions]
        return list(dict.fromkeys(codes))

    year = now.year - 3
    # the grade of the demo round: children born in one calendar year
    rnd.born_from, rnd.born_until = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rnd.save(update_fields=["born_from", "born_until"])
    houses = [a.house_number for a in Address.objects.order_by("id")]
    noor = child(
        PARENTS[0],
        "Noor",
        "Peeters",
        dt.date(year, 4, 12),
        "61" if "61" in houses else houses[-1],
        pick(1, 2, 0),
        0,
    )
    child(PARENTS[1], "Lucas", "Janssens", dt.date(year, 9, 3), houses[2], pick(0, 5, 1), 1)
    group = PledgeGroup.objects.filter(round=rnd).order_by("id").first()
    if group is not None:
        family.join(noor, group)
    audit.record(
        None, "demo.load", round=rnd, target=rnd.name, after={"children": rnd.children.count()}
    )
    return Demo(rnd, seed, OFFICE, SCHOOL, code, PARENTS, address)
