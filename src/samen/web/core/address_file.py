"""Reading the office's address file (CSV: postcode, house_number, street, municipality,
x, y or lat, lon), a line at a time from the uploaded temporary file.

Every problem names its row (and column); nothing is kept unless the whole file is right.
Besides the required cells and numbers, a row is refused when a text is longer than the
database keeps, a number is not finite, or a text starts like a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any

from django.utils.translation import gettext as _

from samen.io.formulas import is_formula_text
from samen.web.core.models import Address

MAX_ERRORS = 20
TEXT_COLUMNS = ("postcode", "house_number", "street", "municipality")
NUMBER_COLUMNS = ("x", "y", "lat", "lon")


def _lines(upload: Any) -> io.TextIOWrapper:
    upload.seek(0)
    return io.TextIOWrapper(upload, encoding="utf-8-sig", errors="replace", newline="")


def _row_errors(k: int, row: dict[str, str]) -> list[str]:
    errors = []
    for column, value in row.items():
        if is_formula_text(value):
            errors.append(
                _(
                    "Row %(k)s, column %(column)s: “%(text)s” starts like a spreadsheet "
                    "formula; start it with a letter or a digit."
                )
                % {"k": k, "column": column, "text": value[:40]}
            )
    for column in TEXT_COLUMNS:
        limit = Address._meta.get_field(column).max_length
        if limit and len(row.get(column, "")) > limit:
            errors.append(
                _("Row %(k)s, column %(column)s: at most %(n)s characters.")
                % {"k": k, "column": column, "n": limit}
            )
    return errors


def read_addresses(upload: Any) -> tuple[list[Address], list[str]]:
    """The addresses of the uploaded CSV file, and the problems (at most
    :data:`MAX_ERRORS`); the addresses are only meant to be kept when there are none."""
    text = _lines(upload)
    first = text.readline()
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = [h.strip().lower() for h in next(csv.reader([first], delimiter=delimiter), [])]
    rows: list[Address] = []
    errors: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    try:
        for k, cells in enumerate(csv.reader(text, delimiter=delimiter), start=2):
            if len(errors) >= MAX_ERRORS:
                errors.append(_("... and more rows with problems."))
                break
            if not any(c.strip() for c in cells):
                continue
            row = {h: c.strip() for h, c in zip(header, cells, strict=False) if h}
            problems = _row_errors(k, row)
            try:
                pc, hn = Address.normalise(row.get("postcode", ""), row.get("house_number", ""))
                coords = {
                    c: float(row[c].replace(",", ".")) if row.get(c) else None
                    for c in NUMBER_COLUMNS
                }
                if not pc or not hn or not all(math.isfinite(v) for v in coords.values() if v):
                    raise ValueError
            except ValueError:
                problems.append(
                    _("Row %(k)s: postcode, house number and numbers needed.") % {"k": k}
                )
            if not problems and (pc, hn) in seen:
                problems.append(
                    _("Row %(k)s: this address is already in row %(first)s.")
                    % {"k": k, "first": seen[(pc, hn)]}
                )
            if problems:
                errors.extend(problems)
                continue
            seen[(pc, hn)] = k
            rows.append(
                Address(
                    postcode=pc,
                    house_number=hn,
                    street=row.get("street", ""),
                    municipality=row.get("municipality", ""),
                    **coords,
                )
            )
    except csv.Error as exc:
        errors.append(_("The file cannot be read as CSV (%(error)s).") % {"error": exc})
    return rows, errors
