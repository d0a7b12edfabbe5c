"""Where a child lives, as the distance rules may use it.

A home comes from one of three places, never from a family typing coordinates:

- the city's **address list** (``Address``, imported by the office): the family types postcode,
  house number and box and confirms the street address found (``HOME_ADDRESS``);
- the **office**, which types coordinates with a reason, written to the audit log
  (``HOME_OFFICE``), or the **round folder** it imported (``HOME_IMPORTED``);
- nowhere yet: an address that is not in the list (a new street, a missing house number) is
  registered as *to be checked* (``HOME_CHECK``) and has no coordinates until the office links
  it to an address of the list or sets coordinates.

Distance rules never use a home to be checked (:func:`home_point`). The allocation is refused
while a child whose list has a school with seats by distance still has one
(:func:`blocking_children`): the rules (``docs/allocation-rules.md`` section 2) need a distance
for every such pair, and counting the child as farthest away would publish a made-up distance in
the round folder and cost the family its seat for a check the office has not done yet.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from samen.web.core import audit, geo
from samen.web.core.models import (
    HOME_ADDRESS,
    HOME_CHECK,
    HOME_OFFICE,
    Address,
    Child,
    DistanceOverride,
    Round,
    School,
)

#: the distance (metres) the live chances give a home to be checked: farther than any home
#: (an estimate only; the allocation itself is refused while such a home is left)
FARTHEST_METRES = 10_000_000.0


def coordinate_names(kind: str) -> tuple[str, str]:
    """The coordinates a round's distance uses: ``("x", "y")`` or ``("lat", "lon")``."""
    return ("x", "y") if kind == "euclidean" else ("lat", "lon")


def home_point(child: Child, kind: str) -> tuple[float, float] | None:
    """The home's coordinates for the distance rules; None while the address is to be
    checked (whatever coordinates the row holds)."""
    if not child.home_verified:
        return None
    return geo.point(child, kind)


def distance_to(child: Child, school: School, kind: str) -> float | None:
    """Metres from the child's (verified) home to ``school``, as the round folder computes
    them; None when either place is unknown."""
    p, q = home_point(child, kind), geo.point(school, kind)
    if p is None or q is None:
        return None
    return float(geo.distances(kind, [p[0]], [p[1]], [q[0]], [q[1]])[0])


def distance_schools(rnd: Round, schools: Sequence[School] | None = None) -> set[str]:
    """The codes of the round's schools with a seat pool ordered by distance (their own
    pools, or the round's default pools when they have none; ``distance`` alone or among
    several criteria, rules section 10.2); every school when the round has ``[[nearest]]``
    rules (10.3: they need every child's distance to every school)."""
    from samen.web.core.rules_v2 import has_distance

    if schools is None:
        schools = list(rnd.schools.prefetch_related("pools"))
    if rnd.nearest:
        return {s.code for s in schools}
    default = any(has_distance(p.get("order_by", "")) for p in rnd.default_pools)
    out: set[str] = set()
    for s in schools:
        pools = list(s.pools.all())
        if any(has_distance(p.order_by) for p in pools) or (not pools and default):
            out.add(s.code)
    return out


# --------------------------------------------------------------------------- finding addresses


def candidates(postcode: str, house_number: str, box: str, kind: str) -> list[Address]:
    """The addresses of the list a family may mean by ``postcode``, ``house_number`` and
    ``box`` (every box of the house number when no box is given), with the coordinates the
    round uses; at most 50."""
    pc, hn = Address.normalise(postcode, house_number)
    if not pc or not hn:
        return []
    a, b = coordinate_names(kind)
    qs = Address.objects.filter(postcode=pc, house_number=hn).filter(
        **{f"{a}__isnull": False, f"{b}__isnull": False}
    )
    bx = Address.normalise_box(box)
    if bx:
        qs = qs.filter(box=bx)
    return list(qs.order_by("box", "id")[:50])


# --------------------------------------------------------------------------- changing a home


def use_address(child: Child, address: Address) -> None:
    """Make ``address`` of the list the child's home (not saved)."""
    child.address = address
    child.home = HOME_ADDRESS
    child.home_reason = ""
    child.postcode, child.house_number, child.box = (
        address.postcode,
        address.house_number,
        address.box,
    )
    child.street = address.street
    child.x, child.y, child.lat, child.lon = address.x, address.y, address.lat, address.lon


def to_be_checked(child: Child, postcode: str, house_number: str, box: str, street: str) -> None:
    """Register an address that is not in the list; the office checks it (not saved)."""
    pc, hn = Address.normalise(postcode, house_number)
    child.address = None
    child.home = HOME_CHECK
    child.home_reason = ""
    child.postcode, child.house_number, child.box = pc, hn, Address.normalise_box(box)
    child.street = street.strip()
    child.x = child.y = child.lat = child.lon = None


def snapshot(child: Child) -> dict[str, Any]:
    """The home as the audit log keeps it."""
    return {
        "home": child.home,
        "address": child.address_id,
        "postcode": child.postcode,
        "house_number": child.house_number,
        "box": child.box,
        "street": child.street,
        "x": child.x,
        "y": child.y,
        "lat": child.lat,
        "lon": child.lon,
        "reason": child.home_reason,
    }


def _save(child: Child) -> None:
    child.save(
        update_fields=[
            "address",
            "home",
            "home_reason",
            "postcode",
            "house_number",
            "box",
            "street",
            "x",
            "y",
            "lat",
            "lon",
            "updated_at",
        ]
    )


@transaction.atomic
def office_links_address(request: HttpRequest, child: Child, address: Address) -> None:
    """The office links the child's home to an address of the list (audited)."""
    before = snapshot(child)
    use_address(child, address)
    _save(child)
    audit.record(
        request,
        "child.home-address",
        round=child.round,
        target=child.public_id,
        before=before,
        after=snapshot(child),
    )


class CoordinateError(ValueError):
    """Coordinates the office typed that cannot be a place."""


def check_coordinates(kind: str, first: float, second: float) -> None:
    """Refuse numbers that cannot be a place: not finite, or latitude/longitude out of range."""
    if not (math.isfinite(first) and math.isfinite(second)):
        raise CoordinateError("not finite")
    if kind != "euclidean" and not (-90 <= first <= 90 and -180 <= second <= 180):
        raise CoordinateError("out of range")


@transaction.atomic
def office_sets_coordinates(
    request: HttpRequest, child: Child, first: float, second: float, reason: str
) -> None:
    """The office types the home's coordinates (the round's kind) with a reason; the audit
    log keeps the home before and after, and the reason."""
    kind = child.round.distance
    check_coordinates(kind, first, second)
    before = snapshot(child)
    a, b = coordinate_names(kind)
    child.address = None
    child.home = HOME_OFFICE
    child.home_reason = reason.strip()
    child.x = child.y = child.lat = child.lon = None
    setattr(child, a, float(first))
    setattr(child, b, float(second))
    _save(child)
    audit.record(
        request,
        "child.home-coordinates",
        round=child.round,
        target=child.public_id,
        before=before,
        after={**snapshot(child), "reason": child.home_reason},
    )


# --------------------------------------------------------------------------- the office's checks


def to_check(rnd: Round) -> QuerySet[Child]:
    """The round's children whose address is still to be checked."""
    return rnd.children.filter(home=HOME_CHECK)


def blocking_children(rnd: Round) -> list[Child]:
    """Children with an address to be checked who list a school with seats by distance
    (without a distance the office gave for that pair): the allocation waits for them."""
    codes = distance_schools(rnd)
    if not codes:
        return []
    found = list(
        to_check(rnd)
        .filter(choices__school__code__in=codes)
        .distinct()
        .order_by("seq", "id")
        .prefetch_related("choices__school")
    )
    if not found:
        return []
    given: dict[int, set[str]] = {}
    for child_id, code in DistanceOverride.objects.filter(
        child__in=found, school__code__in=codes
    ).values_list("child_id", "school__code"):
        given.setdefault(child_id, set()).add(code)
    out = []
    for child in found:
        listed = {c.school.code for c in child.choices.all()} & codes
        if listed - given.get(child.pk, set()):
            out.append(child)
    return out


def ids_text(children: Iterable[Child], limit: int = 10) -> str:
    """``K-AAA, K-BBB, ...`` for a message."""
    ids = [c.public_id for c in children]
    text = ", ".join(ids[:limit])
    return text + (", ..." if len(ids) > limit else "")
