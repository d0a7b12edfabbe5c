"""Refusing text that a spreadsheet would run as a formula, in a round folder.

A round folder is an input to the allocation and is published as it is (``samen verify``
checks it byte for byte), so samen does not change such cells; it refuses them with a problem
naming the file, row and column (:mod:`samen.io.cells` has the rule). A plain number such as
``-3.5`` or ``+32`` is a number to a spreadsheet too, not a formula, and is accepted in every
column (coordinates west of Greenwich or south of the equator are negative).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from samen.io.cells import FORMULA_STARTS, looks_like_formula
from samen.io.errors import Problems
from samen.io.tables import Table

#: a number as a spreadsheet reads it: sign, digits, a decimal point or comma, an exponent
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")
#: a cell (after the separator that ``"\x00".join`` puts before every cell) that starts like
#: a formula: the fast test that lets a whole column through without a Python loop (a
#: pattern that starts with one character is searched for as fast as a substring)
_FORMULA_IN_JOINED = re.compile("\x00[" + re.escape("".join(FORMULA_STARTS)) + "]")


def is_formula_text(value: str) -> bool:
    """True when ``value`` starts like a formula and is not a plain number.

    >>> is_formula_text("=1+1"), is_formula_text("-3.5"), is_formula_text("-x"), is_formula_text("S1")
    (True, False, True, False)
    """
    return looks_like_formula(value) and _PLAIN_NUMBER.fullmatch(value) is None


def _shown(value: str) -> str:
    text = value.replace("\t", "\\t").replace("\r", "\\r").replace("\n", " ")
    return text if len(text) <= 40 else text[:37] + "..."


def message(value: str) -> str:
    """What to tell about a cell that starts like a formula."""
    return (
        f"'{_shown(value)}' starts with '{_shown(value[:1])}', which a spreadsheet program "
        "reads as the start of a formula; samen does not accept such text in a round (it is "
        "published as it is). Start it with a letter or a digit"
    )


def table_problems(table: Table, problems: Problems) -> int:
    """Report every header and data cell of ``table`` that :func:`is_formula_text`; returns
    how many there were."""
    found = 0
    for name in table.header:
        if is_formula_text(name):
            problems.add(table.source, table.header_row, name or None, message(name))
            found += 1
    for column, values in table.columns.items():
        if not _FORMULA_IN_JOINED.search("\x00" + "\x00".join(values)):
            continue  # the usual case: nothing in this column starts like a formula
        found += problems.rows(
            table.source,
            ((table.rows[i], message(v)) for i, v in enumerate(values) if v and is_formula_text(v)),
            column,
            same="text that starts like a formula",
        )
    return found


def settings_problems(
    values: Iterable[tuple[str, str, int | None]], source: str, problems: Problems
) -> int:
    """Report the ``(key, text, line)`` values of round.toml that :func:`is_formula_text`
    (priority group and pool names end up in the result files)."""
    found = 0
    for key, text, line in values:
        if is_formula_text(text):
            problems.add(source, line, key, message(text))
            found += 1
    return found
