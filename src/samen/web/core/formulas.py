"""Text that a spreadsheet would run as a formula, on the platform (:mod:`samen.io.formulas`
has the rule).

The round folder is an input to the allocation and is published as it is, so what the office
types into it is refused instead of changed: :func:`no_formula` is the validator of every
form field that ends up in the folder (school ids and names, seat pools, priority groups,
questions' flags). :func:`folder_problems` checks a folder before it is downloaded, for data
that was saved before this check existed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from samen.io.formulas import is_formula_text


def no_formula(value: object) -> None:
    """A form validator: refuse text that starts like a formula (a plain number is fine)."""
    text = str(value or "").strip()
    if is_formula_text(text):
        raise ValidationError(
            _(
                "“%(text)s” starts with “%(char)s”, which spreadsheet programs read as a "
                "formula. Start it with a letter or a digit."
            ),
            code="formula",
            params={"text": text[:40], "char": text[:1]},
        )


def folder_problems(files: Mapping[str, bytes]) -> list[dict[str, object]]:
    """Every cell of the folder's CSV files that starts like a formula, as
    ``{"file", "row", "column", "value"}`` (row 1 is the header)."""
    found: list[dict[str, object]] = []
    for name, data in sorted(files.items()):
        if not name.lower().endswith(".csv"):
            continue
        rows = csv.reader(io.StringIO(data.decode("utf-8-sig", errors="replace"), newline=""))
        header: list[str] = []
        for number, row in enumerate(rows, start=1):
            if number == 1:
                header = row
            for j, cell in enumerate(row):
                if is_formula_text(cell.strip()):
                    column = header[j] if j < len(header) else str(j + 1)
                    found.append({"file": name, "row": number, "column": column, "value": cell})
    return found
