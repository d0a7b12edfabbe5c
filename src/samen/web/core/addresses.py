"""Importing the city's address list (a CSV export of the address register).

The file is read as a stream, row by row; every problem names its row and column and says what
to fix, and nothing is imported unless every row is right. An import is an *upsert*: an address
is the same address when its postcode, house number and box are the same, so it keeps its id
(and the children whose home it is stay linked to it). Addresses whose coordinates changed
move those children's homes with them; addresses that are no longer in the file are removed,
and the children who lived there get an address *to be checked* (``samen.web.core.homes``),
without coordinates, until the office resolves it. Children whose address was to be checked
and is in the list now are linked to it. :func:`apply` says who moved, lost or found their
address, and the office's page shows it.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samen.io.formulas import is_formula_text
from samen.web.core import homes, lifecycle
from samen.web.core.models import HOME_ADDRESS, HOME_CHECK, Address, Child

#: column name in the file -> field; Dutch names of the Flemish address register are accepted
COLUMNS: dict[str, str] = {
    "postcode": "postcode",
    "house_number": "house_number",
    "huisnummer": "house_number",
    "box": "box",
    "bus": "box",
    "busnummer": "box",
    "street": "street",
    "straat": "street",
    "straatnaam": "street",
    "municipality": "municipality",
    "gemeente": "municipality",
    "gemeentenaam": "municipality",
    "x": "x",
    "y": "y",
    "lat": "lat",
    "lon": "lon",
}
LENGTHS = {"postcode": 12, "house_number": 12, "box": 12, "street": 200, "municipality": 120}
#: problems listed at most (the count says how many more there are)
MAX_PROBLEMS = 200


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str
    message: str


@dataclass
class Reading:
    """The rows of a file that is right, or its problems."""

    rows: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0

    def problem(self, row: int | None, column: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(row, column, message))
        else:
            self.more_problems += 1


def _number(text: str) -> float:
    value = float(text.replace(",", "."))
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _lines(stream: IO[bytes]) -> Iterator[str]:
    return io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")  # type: ignore[arg-type]


def read(stream: IO[bytes]) -> Reading:
    """Read and check an address file (UTF-8 CSV, comma or semicolon separated, one header
    row: postcode, house_number, box, street, municipality, x, y or lat, lon)."""
    out = Reading()
    text = _lines(stream)
    row_no = 1
    try:
        header = text.readline()
        if not header.strip():
            out.problem(None, "", _("The file is empty. Export the address list as CSV."))
            return out
        delimiter = ";" if header.count(";") > header.count(",") else ","
        names = [n.strip().lower() for n in next(csv.reader([header], delimiter=delimiter))]
        fields = [COLUMNS.get(n, "") for n in names]
        for required in ("postcode", "house_number"):
            if required not in fields:
                out.problem(
                    1,
                    required,
                    _(
                        "The column %(column)s is missing. The first row must name the "
                        "columns: postcode, house_number, box, street, municipality, x, y (or "
                        "lat, lon)."
                    )
                    % {"column": required},
                )
        pairs = [p for p in (("x", "y"), ("lat", "lon")) if p[0] in fields and p[1] in fields]
        if not pairs:
            out.problem(
                1,
                "x, y",
                _("There are no coordinate columns: add x and y (metres) or lat and lon."),
            )
        if out.problems:
            return out
        seen: dict[tuple[str, str, str], int] = {}
        for row_no, values in enumerate(csv.reader(text, delimiter=delimiter), start=2):
            if not any(v.strip() for v in values):
                continue
            _row(out, row_no, dict(zip(fields, values, strict=False)), pairs, seen)
    except UnicodeDecodeError:
        out.problem(
            row_no + 1,
            "",
            _(
                "This row is not UTF-8 text. Save the file as “CSV UTF-8” (in Excel: Save "
                "as, CSV UTF-8) and import it again."
            ),
        )
    except csv.Error as exc:
        out.problem(row_no + 1, "", _("This row cannot be read as CSV: %(e)s") % {"e": exc})
    return out


def _row(
    out: Reading,
    k: int,
    raw: dict[str, str],
    pairs: list[tuple[str, str]],
    seen: dict[tuple[str, str, str], int],
) -> None:
    row = {name: (raw.get(name) or "").strip() for name in LENGTHS}
    before = len(out.problems) + out.more_problems
    pc, hn = Address.normalise(row["postcode"], row["house_number"])
    box = Address.normalise_box(row["box"])
    if not pc:
        out.problem(k, "postcode", _("The postcode is empty; write the postcode."))
    if not hn:
        out.problem(k, "house_number", _("The house number is empty; write the house number."))
    for name, limit in LENGTHS.items():
        if len(row[name]) > limit:
            out.problem(
                k, name, _("Too long: at most %(n)s characters; shorten it.") % {"n": limit}
            )
        elif is_formula_text(row[name]):
            out.problem(
                k,
                name,
                _(
                    "“%(value)s” starts like a spreadsheet formula (=, +, -, @); the address "
                    "list does not take such text. Start it with a letter or a digit."
                )
                % {"value": row[name][:40]},
            )
    coords: dict[str, float | None] = {"x": None, "y": None, "lat": None, "lon": None}
    complete = False
    for a, b in pairs:
        va, vb = (raw.get(a) or "").strip(), (raw.get(b) or "").strip()
        if not va and not vb:
            continue
        if not va or not vb:
            missing = a if not va else b
            out.problem(
                k,
                missing,
                _("%(column)s is empty while %(other)s is given; give both or neither.")
                % {"column": missing, "other": b if missing == a else a},
            )
            continue
        ok = True
        for name, text in ((a, va), (b, vb)):
            try:
                coords[name] = _number(text)
            except ValueError:
                ok = False
                out.problem(
                    k,
                    name,
                    _("“%(value)s” is not a number; write it with digits, like 157034.5.")
                    % {"value": text},
                )
        if ok and a == "lat":
            lat, lon = coords["lat"], coords["lon"]
            assert lat is not None and lon is not None
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                ok = False
                out.problem(
                    k,
                    "lat, lon",
                    _("Latitude must lie between -90 and 90 and longitude between -180 and 180."),
                )
        complete = complete or ok
    if not complete and len(out.problems) + out.more_problems == before:
        out.problem(
            k,
            " / ".join(f"{a}, {b}" for a, b in pairs),
            _("The address has no coordinates; fill in the columns %(columns)s.")
            % {"columns": " / ".join(f"{a}, {b}" for a, b in pairs)},
        )
    key = (pc, hn, box)
    if pc and hn:
        if key in seen:
            out.problem(
                k,
                "house_number",
                _(
                    "The same address (postcode, house number and box) as row %(row)s; keep "
                    "one of the two rows."
                )
                % {"row": seen[key]},
            )
        else:
            seen[key] = k
    if len(out.problems) + out.more_problems == before:
        out.rows[key] = {
            "street": row["street"],
            "municipality": row["municipality"],
            **coords,
        }


# --------------------------------------------------------------------------- the upsert

FIELDS = ("street", "municipality", "x", "y", "lat", "lon")
COORDS = ("x", "y", "lat", "lon")


def _child(child: Child, **extra: Any) -> dict[str, Any]:
    return {
        "round": child.round.slug,
        "round_name": child.round.name,
        "child": child.public_id,
        "name": child.display_name,
        **extra,
    }


class WouldUnlink(Exception):
    """The file leaves out addresses that children live at, and the office did not say that
    this is what it wants (a truncated export would otherwise unlink many homes at once)."""

    def __init__(self, children: list[dict[str, Any]]):
        super().__init__(f"{len(children)} children would lose their address")
        self.children = children


@transaction.atomic
def apply(reading: Reading, *, allow_unlink: bool = False) -> dict[str, Any]:
    """Make the address list the rows of ``reading`` (checked, without problems), keeping the
    ids of addresses that stay; move, unlink or link children's homes with them. Returns the
    counts and the children concerned (for the audit log and the office's page). Raises
    :class:`WouldUnlink`, before changing anything, when children live at addresses the file
    leaves out and ``allow_unlink`` is false."""
    assert not reading.problems
    now = timezone.now()
    existing = {(a.postcode, a.house_number, a.box): a for a in Address.objects.all().iterator()}
    new_rows: list[Address] = []
    changed: list[Address] = []
    moved_ids: set[int] = set()
    unchanged = 0
    for key, values in reading.rows.items():
        old = existing.get(key)
        if old is None:
            new_rows.append(Address(postcode=key[0], house_number=key[1], box=key[2], **values))
            continue
        if all(getattr(old, f) == values[f] for f in FIELDS):
            unchanged += 1
            continue
        if any(getattr(old, f) != values[f] for f in COORDS):
            moved_ids.add(old.pk)
        for f in FIELDS:
            setattr(old, f, values[f])
        changed.append(old)
    gone = [a.pk for key, a in existing.items() if key not in reading.rows]
    if gone and not allow_unlink:
        gone_set = set(gone)
        linked = (
            Child.objects.filter(address__isnull=False)
            .exclude(lifecycle.frozen_rounds())
            .select_related("round")
        )
        losing = [
            _child(child, address=_address_text(child))
            for child in linked
            if child.address_id in gone_set
        ]
        if losing:
            raise WouldUnlink(losing)

    moved: list[dict[str, Any]] = []
    unlisted: list[dict[str, Any]] = []
    by_pk = {a.pk: a for a in changed}
    gone_ids = set(gone)
    if moved_ids or gone_ids:
        # a round whose draw is held keeps every home as it was at the draw (the copied
        # coordinates): only the homes of rounds still open to changes follow the list
        linked = (
            Child.objects.filter(address__isnull=False)
            .exclude(lifecycle.frozen_rounds())
            .select_related("round")
        )
        for child in list(linked):
            before = _coords(child)
            if child.address_id in gone_ids:
                text = _address_text(child)
                homes.to_be_checked(
                    child, child.postcode, child.house_number, child.box, child.street
                )
                unlisted.append(_child(child, before=before, address=text))
            elif child.address_id in moved_ids and child.home == HOME_ADDRESS:
                homes.use_address(child, by_pk[child.address_id])
                moved.append(_child(child, before=before, after=_coords(child)))
            else:
                continue
            child.updated_at = now
            child.save()
    for start in range(0, len(gone), 5000):
        Address.objects.filter(pk__in=gone[start : start + 5000]).delete()
    Address.objects.bulk_update(changed, FIELDS, batch_size=2000)
    Address.objects.bulk_create(new_rows, batch_size=5000)

    found = []
    waiting = (
        Child.objects.filter(home=HOME_CHECK)
        .exclude(postcode="")
        .exclude(lifecycle.frozen_rounds())
        .select_related("round")
    )
    for child in waiting:
        key = (child.postcode, child.house_number, child.box)
        if key not in reading.rows:
            continue
        address = Address.objects.get(postcode=key[0], house_number=key[1], box=key[2])
        a, b = homes.coordinate_names(child.round.distance)
        if getattr(address, a) is None or getattr(address, b) is None:
            continue
        homes.use_address(child, address)
        child.updated_at = now
        child.save()
        found.append(_child(child, address=address.one_line))
    return {
        "addresses": len(reading.rows),
        "added": len(new_rows),
        "updated": len(changed),
        "unchanged": unchanged,
        "removed": len(gone),
        "moved": moved,
        "unlisted": unlisted,
        "found": found,
    }


def _coords(child: Child) -> dict[str, float]:
    return {k: getattr(child, k) for k in COORDS if getattr(child, k) is not None}


def _address_text(child: Child) -> str:
    number = child.house_number + (f" {_('box')} {child.box}" if child.box else "")
    return f"{child.street} {number}, {child.postcode}".strip()
