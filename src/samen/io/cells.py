"""Cells: reading the cells of a round's tables (numbers, whole numbers, shares and ids, each
bad cell reported with its row and column and what to write instead; allocation rules
section 1), and writing cells of files meant for spreadsheets safely.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some
programs, a tab or a carriage return) as a formula. A name such as ``=HYPERLINK(...)`` typed by
someone else would then run on the office's computer when it opens an export. OWASP's rule
(https://owasp.org/www-community/attacks/CSV_Injection): put a single quote before such a
cell, which makes the program show it as text (:func:`neutralise`). Only exports meant for
spreadsheets use this; the round folder itself is published exactly as it was allocated
(:mod:`samen.io.formulas` refuses such text in it).

>>> parse_number("51,05"), parse_fraction("0.3"), int_cell("12.0"), fraction_text(Fraction(101, 100))
(51.05, Fraction(3, 10), None, '1.01')
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

import numpy as np

from samen.io.errors import Problems
from samen.io.tables import Table

INT = re.compile(r"^[+-]?\d+$")


def parse_number(text: str) -> float | None:
    """A number as written in a cell; a decimal comma (``51,05``) is read as a point."""
    t = text.strip()
    if "," in t and "." not in t and t.count(",") == 1:
        t = t.replace(",", ".")
    try:
        v = float(t)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def parse_fraction(text: str) -> Fraction | None:
    t = text.strip()
    if "," in t and "." not in t and t.count(",") == 1:
        t = t.replace(",", ".")
    try:
        return Fraction(t)
    except (ValueError, ZeroDivisionError):
        return None


def int_cell(text: str) -> int | None:
    return int(text) if INT.match(text) else None


def whole_number_fix(text: str, fix: str) -> str:
    """What to write instead of ``text`` where a whole number is needed: ``fix``, or for a
    whole number written with decimals (``12.0``, as a spreadsheet may export it) the number
    without them. Such cells are not read as whole numbers, so a count is never rounded."""
    x = parse_number(text)
    if x is None or not x.is_integer() or INT.match(text):
        return fix
    return f"write it without decimals, as {int(x)}"


def fraction_text(f: Fraction) -> str:
    """A fraction as a decimal when it is one (``0.9``), else as ``2/3``."""
    d = f.denominator
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d != 1:
        return f"{f.numerator}/{f.denominator}"
    digits = max(twos, fives)
    scaled = abs(f.numerator * 10**digits // f.denominator)
    sign = "-" if f < 0 else ""
    if digits == 0:
        return f"{sign}{scaled}"
    whole, frac = divmod(scaled, 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}"


def numbers(
    table: Table,
    column: str,
    problems: Problems,
    what: str,
    lo: float | None = None,
    hi: float | None = None,
) -> np.ndarray:
    """A numeric column as float64, NaN where the cell is empty; bad cells are reported (and
    read as NaN)."""
    values = table.col(column)
    n = len(values)
    arr: np.ndarray | None = None
    if "," not in "".join(values):
        try:
            arr = np.array([v if v else "nan" for v in values], dtype=np.float64)
        except ValueError:
            arr = None
    if arr is None:
        arr = np.full(n, np.nan)
        for i, v in enumerate(values):
            if v:
                x = parse_number(v)
                arr[i] = np.inf if x is None else x
    given = np.fromiter(map(bool, values), dtype=bool, count=n)
    bad = given & ~np.isfinite(arr)
    if lo is not None:
        bad |= given & (arr < lo)
    if hi is not None:
        bad |= given & (arr > hi)
    if bad.any():
        if lo is not None and hi is not None:
            rng = f" from {lo:g} to {hi:g}"
        elif lo is not None:
            rng = f" of at least {lo:g}"
        else:
            rng = ""
        problems.rows(
            table.source,
            (
                (table.rows[i], f"'{values[i]}' is not a valid {what}; write a number{rng}")
                for i in np.flatnonzero(bad)
            ),
            column,
            same=f"a value that is not a valid {what}",
        )
        arr[bad] = np.nan
    arr[~given] = np.nan
    return arr + 0.0  # no -0.0


def check_ids(table: Table, column: str, problems: Problems, what: str) -> dict[str, int]:
    """Index of the ids in ``column`` (first occurrence); empty ids, ids with ``;`` or ``|``
    and repeated ids are reported."""
    values = table.col(column)
    rows = table.rows
    index = dict(zip(values, range(len(values)), strict=True))
    if len(index) == len(values) and "" not in index:
        joined = "\x00".join(values)
        if ";" not in joined and "|" not in joined:
            return index  # the usual case, without a Python loop
    index = {}
    bad: list[int] = []
    dups: list[int] = []
    for i, v in enumerate(values):
        if not v or ";" in v or "|" in v:
            bad.append(i)
            continue
        if index.setdefault(v, i) != i:
            dups.append(i)
    if bad:
        problems.rows(
            table.source,
            (
                (
                    rows[i],
                    f"the {what} id is empty; every row needs an id"
                    if not values[i]
                    else f"the {what} id '{values[i]}' contains ';' or '|'; ids may not contain these",
                )
                for i in bad
            ),
            column,
            same="an empty id or one with ';' or '|'",
        )
    if dups:
        problems.rows(
            table.source,
            (
                (
                    rows[i],
                    f"the {what} id '{values[i]}' appears more than once (first in row "
                    f"{rows[index[values[i]]]}); every {what} needs its own id",
                )
                for i in dups
            ),
            column,
            same="a repeated id",
        )
    return index


#: the first characters that make a spreadsheet read a cell as a formula (OWASP)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: str) -> bool:
    """True when a spreadsheet could read ``value`` as a formula.

    >>> looks_like_formula("=1+1"), looks_like_formula("Anna"), looks_like_formula("")
    (True, False, False)
    """
    return value.startswith(FORMULA_STARTS)


def neutralise(value: str) -> str:
    """``value`` with a ``'`` in front when it looks like a formula, else unchanged.

    >>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise("@SUM(A1)"), neutralise("Anna")
    ('\\'=HYPERLINK("http://x")', "'@SUM(A1)", 'Anna')
    """
    return "'" + value if looks_like_formula(value) else value


__all__ = [
    "FORMULA_STARTS",
    "check_ids",
    "fraction_text",
    "int_cell",
    "looks_like_formula",
    "neutralise",
    "numbers",
    "parse_fraction",
    "parse_number",
    "whole_number_fix",
]
