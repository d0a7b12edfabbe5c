"""The checks of a housing round's tables (``docs/housing-rules.md`` section 1): every cell of
dwellings.csv and households.csv, and what they must agree on with round.toml. Each problem
names the file, the row as a spreadsheet shows it, the column and what to fix; all problems
of all files are collected in one pass (:class:`samen.io.errors.Problems`).

:func:`check_dwellings` and :func:`check_households` turn the rows into the model's
:class:`~samen.housing.model.Dwelling` and :class:`~samen.housing.model.Household`;
:func:`check_rules_against_tables` checks the rules' flags, priority groups, value columns,
bands and label shares against them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import chain

import numpy as np

from samen.engine.expressions import split, term_flag
from samen.housing.model import Dwelling, Household, HousingRules, day_number
from samen.housing.settings import MOST, NAME, NAME_RULE, REGISTERED, criterion_column
from samen.io.cells import check_ids, int_cell, numbers, whole_number_fix
from samen.io.checks.applicants import APPLICANT_COLUMNS, FLAG_VALUES
from samen.io.checks.context import half_pair, lookalike, missing_column
from samen.io.errors import Problem, Problems, count, suggest
from samen.io.tables import Table

#: the line of a key of round.toml (``TomlDoc.line``)
LineOf = Callable[[str], int | None]

DWELLING_COLUMNS: tuple[str, ...] = ("dwelling_id", "neighbourhood", "rooms", "rent_band", "label")
#: optional columns of dwellings.csv: a text shown with the dwelling, and its location
DWELLING_OPTIONAL: tuple[str, ...] = ("address", "x", "y", "lat", "lon")
HOUSEHOLD_COLUMNS: tuple[str, ...] = (
    "household_id",
    "responses",
    "registered",
    "size",
    "income_band",
)
#: optional text column of households.csv: where the household lives now
HOUSEHOLD_TEXT: tuple[str, ...] = ("neighbourhood",)
#: prefixes of the columns the translation adds to applicants.csv (samen.housing.translate)
RESERVED_PREFIXES: tuple[str, ...] = ("fits_", "minus_")

_SPLIT = re.compile(r"\s*;\s*")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00)?)?$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_YMD_SLASH = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
DATE_FIX = "write the date as year-month-day (2024-03-15) or day-month-year (15-03-2024)"


def parse_date(text: str) -> dt.date | str:
    """A registration date as written in a cell, or what is wrong with it.

    ISO dates (``2024-03-15``, also with a time of midnight, as a workbook gives a date
    cell) and day-first dates (``15-03-2024``, ``15/3/2024``, ``15.03.2024``, as Belgian and
    Dutch spreadsheets write them) are read.

    >>> parse_date("2024-03-15"), parse_date("15/3/2024"), parse_date("2024-03-15T00:00:00")
    (datetime.date(2024, 3, 15), datetime.date(2024, 3, 15), datetime.date(2024, 3, 15))
    >>> parse_date("31-02-2024")
    "'31-02-2024' is not a date (there is no day 31 in month 2 of 2024); write the date as year-month-day (2024-03-15) or day-month-year (15-03-2024)"
    """
    t = text.strip()
    if not t:
        return f"the registration date is empty; {DATE_FIX}"
    m = _ISO.match(t) or _YMD_SLASH.match(t)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _DMY.match(t)
        if m is None:
            if t.isdigit() and 20000 <= int(t) <= 80000:
                return (
                    f"'{t}' looks like a spreadsheet's number for a date, not a date; format "
                    f"the column as a date in the spreadsheet, or {DATE_FIX}"
                )
            return f"'{t}' is not a date; {DATE_FIX}"
        d, mo, y = (int(g) for g in m.groups())
    try:
        return dt.date(y, mo, d)
    except ValueError:
        return f"'{t}' is not a date (there is no day {d} in month {mo} of {y}); {DATE_FIX}"


@dataclass
class Checked:
    """What the checks of the tables give: the model's rows and what the rules are checked
    against (``None`` parts: the table could not be used; its problems are reported)."""

    dwellings: list[Dwelling] | None = None
    dwelling_rows: list[int] = field(default_factory=list)
    households: list[Household] | None = None
    household_rows: list[int] = field(default_factory=list)
    flag_names: tuple[str, ...] = ()
    value_names: tuple[str, ...] = ()
    coordinates: str = ""


def _require(t: Table, columns: Sequence[str], problems: Problems) -> bool:
    ok = True
    for c in columns:
        if not t.has(c):
            problems.add(t.source, t.header_row, c, missing_column(c, t))
            ok = False
    return ok


def _names(t: Table, column: str, what: str, problems: Problems) -> list[str]:
    """A column of names (bands, labels): not empty, of letters, digits and ``_``."""
    values = t.col(column)
    bad = [(i, v) for i, v in enumerate(values) if not NAME.match(v)]
    problems.rows(
        t.source,
        (
            (
                t.rows[i],
                f"the {what} is empty; every row needs one"
                if not v
                else f"the {what} '{v}' is not a valid name; use {NAME_RULE}",
            )
            for i, v in bad
        ),
        column,
        same=f"a {what} that is empty or not a valid name",
    )
    return values


def _whole(t: Table, column: str, what: str, lo: int, problems: Problems) -> list[int]:
    out = []
    for i, v in enumerate(t.col(column)):
        k = int_cell(v)
        if k is None or k < lo:
            shown = "empty" if not v else f"'{v}'"
            fix = whole_number_fix(v, f"write a whole number of {lo} or more")
            problems.add(t.source, t.rows[i], column, f"the {what} is {shown}; {fix}")
            k = lo
        out.append(k)
    return out


def _coordinates(t: Table, problems: Problems) -> tuple[list[tuple[float, float] | None], str]:
    """The dwellings' locations (x,y in metres or lat,lon in degrees), if given."""
    for a, b, lo_a, hi_a, lo_b, hi_b, what in (
        ("x", "y", None, None, None, None, "coordinate in metres"),
        ("lat", "lon", -90.0, 90.0, -180.0, 180.0, "coordinate in degrees"),
    ):
        if not t.has(a) and not t.has(b):
            continue
        if half_pair(t, a, b, problems):
            return [None] * len(t), ""
        va = numbers(t, a, problems, what, lo_a, hi_a).tolist()
        vb = numbers(t, b, problems, what, lo_b, hi_b).tolist()
        out: list[tuple[float, float] | None] = []
        for i, (x, y) in enumerate(zip(va, vb, strict=True)):
            if (x == x) != (y == y):  # one of the two is NaN
                problems.add(
                    t.source, t.rows[i], f"{a},{b}", f"only one of {a} and {b} is filled in"
                )
            out.append((x, y) if x == x and y == y else None)
        return out, f"{a},{b}"
    return [None] * len(t), ""


def check_dwellings(t: Table, rules: HousingRules | None, problems: Problems, c: Checked) -> None:
    """Every check of dwellings.csv; the dwellings in ``c`` when its columns are there."""
    if not _require(t, DWELLING_COLUMNS, problems):
        return
    check_ids(t, "dwelling_id", problems, "dwelling")
    hoods = t.col("neighbourhood")
    problems.rows(
        t.source,
        (
            (t.rows[i], "the neighbourhood is empty; every dwelling is in one")
            for i, v in enumerate(hoods)
            if not v
        ),
        "neighbourhood",
        same="an empty neighbourhood",
    )
    rooms = _whole(t, "rooms", "number of rooms", 1, problems)
    bands = _names(t, "rent_band", "rent band", problems)
    labels = _names(t, "label", "label", problems)
    if rules is not None:
        known = list(rules.labels)
        problems.rows(
            t.source,
            (
                (
                    t.rows[i],
                    f"the label '{v}' is not in round.toml{suggest(v, known)}; the labels are "
                    f"{', '.join(known)}: use one of them, or add [labels.{v}] to round.toml",
                )
                for i, v in enumerate(labels)
                if v and NAME.match(v) and v not in rules.labels
            ),
            "label",
            same="a label that is not in round.toml",
        )
        allowed = _rent_bands(rules)
        if allowed is not None:
            problems.rows(
                t.source,
                (
                    (
                        t.rows[i],
                        f"the rent band '{v}' is not one of round.toml's rent bands "
                        f"({', '.join(allowed)}){suggest(v, allowed)}",
                    )
                    for i, v in enumerate(bands)
                    if v and NAME.match(v) and v not in allowed
                ),
                "rent_band",
                same="a rent band that is not in round.toml",
            )
    xy, c.coordinates = _coordinates(t, problems)
    address = t.col("address")
    first = [p[0] if p is not None else None for p in xy]
    second = [p[1] if p is not None else None for p in xy]
    c.dwellings = [
        Dwelling(
            id=did,
            neighbourhood=hoods[i],
            rooms=rooms[i],
            rent_band=bands[i],
            label=labels[i],
            x=first[i],
            y=second[i],
            address=address[i],
        )
        for i, did in enumerate(t.col("dwelling_id"))
    ]
    c.dwelling_rows = list(t.rows)


def _rent_bands(rules: HousingRules) -> list[str] | None:
    """The rent bands a dwelling may have: round.toml's list, or else those of the rent
    table; ``None`` when neither says (any band)."""
    if rules.rent_bands:
        return list(rules.rent_bands)
    if rules.suitability.rent:
        return sorted({b for fit in rules.suitability.rent.values() for b in fit})
    return None


def _income_bands(rules: HousingRules) -> list[str] | None:
    if rules.income_bands:
        return list(rules.income_bands)
    if rules.suitability.rent:
        return list(rules.suitability.rent)
    return None


def value_columns(rules: HousingRules | None) -> list[str]:
    """The households.csv columns that the labels order by, besides ``registered``."""
    if rules is None:
        return []
    out: list[str] = []
    for label in rules.labels.values():
        for crit in label.order_by.split(","):
            col = criterion_column(crit)
            if col is not None and col != REGISTERED and col not in out:
                out.append(col)
    return out


def _responses(
    t: Table, dwelling_ids: set[str] | None, problems: Problems, source: str = "dwellings.csv"
) -> list[tuple[str, ...]]:
    """The responses of every household (split at ``;``, spaces removed); empty lists,
    dwellings listed twice and dwellings not in dwellings.csv are problems. Vectorised: a
    month of a large city has a million responses."""
    cells = t.col("responses")
    joined = "\x1f".join(cells)
    if " " in joined or "\t" in joined or ";;" in joined or ";\x1f" in joined or joined[-1:] == ";":
        lists = [tuple(x for x in _SPLIT.split(c.strip()) if x) if c else () for c in cells]
    else:  # the usual case: "D1;D2;D3" (cells are stripped already)
        lists = [tuple(c.split(";")) if c else () for c in cells]
    counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    items = list(chain.from_iterable(lists))
    app = np.repeat(np.arange(len(lists), dtype=np.int64), counts)
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(x, len(index)) for x in items), np.int64, len(items))
    names = list(index)
    key = app * max(len(names), 1) + codes
    order = np.argsort(key, kind="stable")
    dup = order[1:][key[order][1:] == key[order][:-1]]
    repeated = sorted({(int(app[e]), items[e]) for e in dup.tolist()})
    unknown = []
    if dwelling_ids is not None:
        bad_names = np.array([x not in dwelling_ids for x in names], dtype=bool)
        if bad_names.any():
            seen: set[tuple[int, str]] = set()
            for e in np.flatnonzero(bad_names[codes]).tolist():
                pair = (int(app[e]), items[e])
                if pair not in seen:
                    seen.add(pair)
                    unknown.append(pair)
    empty = np.flatnonzero(counts == 0).tolist()
    problems.rows(
        t.source,
        (
            (
                t.rows[i],
                "the household responded to no dwelling; give the dwellings it responded to, "
                "most wanted first, separated by ';' (or remove the row: it has no part in "
                "this round)",
            )
            for i in empty
        ),
        "responses",
        same="no responses",
    )
    problems.rows(
        t.source,
        (
            (t.rows[i], f"the dwelling '{x}' is listed more than once; list each dwelling once")
            for i, x in repeated
        ),
        "responses",
        same="a dwelling listed twice",
    )
    problems.rows(
        t.source,
        (
            (
                t.rows[i],
                f"the dwelling '{x}' is not in {source}; "
                + (
                    "separate the dwellings with ';', not ',' (like D1;D2;D3)"
                    if "," in x
                    else "check the spelling, or remove it from the responses"
                ),
            )
            for i, x in unknown
        ),
        "responses",
        same=f"a response to a dwelling that is not in {source}",
    )
    return [tuple(dict.fromkeys(x)) for x in lists] if repeated else lists


def _registered(t: Table, problems: Problems) -> list[int]:
    dates: dict[str, dt.date | str] = {}
    out: list[int] = []
    bad: list[tuple[int, str]] = []
    for i, v in enumerate(t.col("registered")):
        got = dates.get(v)
        if got is None:
            got = dates[v] = parse_date(v)
        if isinstance(got, str):
            bad.append((t.rows[i], got))
            out.append(0)
        else:
            out.append(day_number(got))
    problems.rows(t.source, bad, "registered", same="a registration date that cannot be read")
    return out


#: columns of the allocation round's applicants.csv that mean something else there (a
#: flag called ``family`` would make families of the households that have it)
RESERVED_NAMES: tuple[str, ...] = tuple(c for c in APPLICANT_COLUMNS if c != "neighbourhood")


def is_reserved(name: str) -> bool:
    """Whether a households.csv column may not be a flag or a number column."""
    return name.startswith(RESERVED_PREFIXES) or name in RESERVED_NAMES


def _reserved(t: Table, name: str, problems: Problems) -> None:
    if name in RESERVED_NAMES:
        why = f"the allocation rules read a column '{name}' of applicants.csv as something else"
    else:
        why = (
            "it starts with "
            + " or ".join(f"'{p}'" for p in RESERVED_PREFIXES)
            + ", which samen keeps for the columns it adds to the allocation round"
        )
    problems.add(
        t.source, t.header_row, name, f"the column name '{name}' cannot be used: {why}; rename it"
    )


def _flags(t: Table, names: list[str], problems: Problems) -> list[dict[str, int]]:
    n = len(t)
    out: list[dict[str, int]] = [{} for _ in range(n)]
    for name in names:
        if is_reserved(name):
            _reserved(t, name, problems)
            continue
        col = t.col(name)
        bad = [(i, v) for i, v in enumerate(col) if v.lower() not in FLAG_VALUES]
        problems.rows(
            t.source,
            (
                (
                    t.rows[i],
                    "the cell is empty; write 0 or 1"
                    if not v
                    else f"'{v}' is not a flag value; write 0 or 1 (every column besides "
                    f"{', '.join(HOUSEHOLD_COLUMNS + HOUSEHOLD_TEXT)} and the columns the labels "
                    f"order by is a 0/1 flag: remove the column '{name}' if it is not one)",
                )
                for i, v in bad
            ),
            name,
            same="a value that is not 0 or 1",
        )
        for i, v in enumerate(col):
            out[i][name] = FLAG_VALUES.get(v.lower(), 0)
    return out


def check_households(
    t: Table,
    rules: HousingRules | None,
    dwelling_ids: set[str] | None,
    problems: Problems,
    c: Checked,
    value_names: Sequence[str] | None = None,
    dwellings_source: str = "dwellings.csv",
) -> None:
    """Every check of households.csv; the households in ``c`` when its columns are there.
    ``value_names`` are the number columns the labels order by (default: those of
    ``rules``; given from round.toml's text when its rules cannot be read)."""
    if not _require(t, HOUSEHOLD_COLUMNS, problems):
        return
    check_ids(t, "household_id", problems, "household")
    responses = _responses(t, dwelling_ids, problems, dwellings_source)
    registered = _registered(t, problems)
    sizes = _whole(t, "size", "household size", 1, problems)
    incomes = _names(t, "income_band", "income band", problems)
    allowed = _income_bands(rules) if rules is not None else None
    if allowed is not None:
        problems.rows(
            t.source,
            (
                (
                    t.rows[i],
                    f"the income band '{v}' is not one of round.toml's income bands "
                    f"({', '.join(allowed)}){suggest(v, allowed)}",
                )
                for i, v in enumerate(incomes)
                if v and NAME.match(v) and v not in allowed
            ),
            "income_band",
            same="an income band that is not in round.toml",
        )
    value_names = list(value_names if value_names is not None else value_columns(rules))
    value_names = [v for v in value_names if v != REGISTERED]
    typos = {lookalike(col, t) for col in HOUSEHOLD_COLUMNS if not t.has(col)}
    flag_names = [
        col
        for col in t.header
        if col not in HOUSEHOLD_COLUMNS + HOUSEHOLD_TEXT
        and col not in value_names
        and col not in typos
    ]
    flags = _flags(t, flag_names, problems)
    values: dict[str, list[float]] = {}
    for name in value_names:
        if t.has(name) and is_reserved(name):
            _reserved(t, name, problems)
        elif t.has(name):
            arr = numbers(t, name, problems, "number")
            values[name] = arr.tolist()
            empty = [i for i, v in enumerate(t.col(name)) if not v]
            problems.rows(
                t.source,
                (
                    (
                        t.rows[i],
                        "the cell is empty; the labels order by this column, so every "
                        "household needs a number here",
                    )
                    for i in empty
                ),
                name,
                same="an empty number",
            )
    hoods = t.col("neighbourhood")
    c.households = [
        Household(
            id=hid,
            responses=responses[i],
            registered=registered[i],
            size=sizes[i],
            income_band=incomes[i],
            flags=flags[i],
            neighbourhood=hoods[i],
            values={k: v[i] for k, v in values.items()},
        )
        for i, hid in enumerate(t.col("household_id"))
    ]
    c.household_rows = list(t.rows)
    c.flag_names = tuple(n for n in flag_names if not is_reserved(n))
    c.value_names = tuple(n for n in value_names if t.has(n) and not is_reserved(n))


def _expression_problems(
    rules: HousingRules, flags: Sequence[str], columns: Sequence[str], line: LineOf
) -> list[Problem]:
    out: list[Problem] = []
    for name, label in rules.labels.items():
        for key, text in (("favours", label.favours), ("admits", label.admits)):
            for term in split(text):
                flag, _ = term_flag(term)
                if flag in flags:
                    continue
                why = (
                    "is a column of households.csv that is not a 0/1 flag"
                    if flag in columns
                    else "is not a column of households.csv"
                )
                out.append(
                    Problem(
                        "round.toml",
                        line(f"labels.{name}.{key}"),
                        f"labels.{name}.{key}",
                        f"'{flag}' {why}{suggest(flag, flags)}; the flags are "
                        + (", ".join(flags) or "none")
                        + f": add a 0/1 column '{flag}' to households.csv, or change {key}",
                    )
                )
    return out


def check_rules_against_tables(
    rules: HousingRules,
    c: Checked,
    household_columns: Sequence[str] | None,
    line: LineOf,
    problems: Problems,
    dwellings_source: str = "dwellings.csv",
) -> None:
    """The rules' flags, priority groups and value columns are columns of households.csv;
    no label holds more than its ``max_share`` of the vacancies, nor the lottery labels
    together more than ``lottery_share``."""
    get_line = line
    if household_columns is not None and c.households is not None:
        for p in _expression_problems(rules, c.flag_names, household_columns, get_line):
            problems.append(p)
        for g in rules.priority_groups:
            if g not in c.flag_names:
                problems.add(
                    "round.toml",
                    get_line("priority_groups"),
                    "priority_groups",
                    f"the priority group '{g}' is not a 0/1 column of households.csv"
                    f"{suggest(g, c.flag_names)}; add the column (1 = the household is in the "
                    "group), or remove the group",
                )
        for name, label in rules.labels.items():
            for crit in label.order_by.split(","):
                col = criterion_column(crit)
                if col is None or col == REGISTERED or col in household_columns:
                    continue
                problems.add(
                    "round.toml",
                    get_line(f"labels.{name}.order_by"),
                    f"labels.{name}.order_by",
                    f"'{crit}' orders by the column '{col}', which households.csv does not "
                    f"have{suggest(col, household_columns)}; add the column (a number for "
                    "every household)"
                    + (", or order by value:registered" if crit.startswith(MOST) else ""),
                )
    if c.dwellings:
        _shares(rules, c.dwellings, get_line, problems, dwellings_source)


def _shares(
    rules: HousingRules,
    dwellings: Sequence[Dwelling],
    line: LineOf,
    problems: Problems,
    source: str,
) -> None:
    n = len(dwellings)
    per_label: dict[str, int] = {}
    for d in dwellings:
        per_label[d.label] = per_label.get(d.label, 0) + 1
    checks = [
        (f"labels.{name}.max_share", label.max_share, per_label.get(name, 0), f"label {name}")
        for name, label in rules.labels.items()
        if label.max_share is not None
    ]
    if rules.lottery_share is not None:
        lottery = [name for name, label in rules.labels.items() if label.by_lottery]
        k = sum(per_label.get(name, 0) for name in lottery)
        what = "the labels ordered by lottery (" + (", ".join(lottery) or "none") + ")"
        checks.append(("lottery_share", rules.lottery_share, k, what))
    for key, share, k, what in checks:
        limit = Fraction(repr(share))
        if Fraction(k, n) > limit:
            most = int(limit * n)
            problems.add(
                source,
                None,
                "label",
                f"{count(k, 'dwelling')} of {n} ({100 * k / n:.1f}%) {'has' if k == 1 else 'have'} "
                f"{what}, more than "
                f"round.toml allows ({key} = {share:g}, line {line(key)}): at most {most} of "
                f"{n}; give the others another label",
            )


__all__ = [
    "DATE_FIX",
    "DWELLING_COLUMNS",
    "DWELLING_OPTIONAL",
    "HOUSEHOLD_COLUMNS",
    "HOUSEHOLD_TEXT",
    "RESERVED_NAMES",
    "RESERVED_PREFIXES",
    "Checked",
    "check_dwellings",
    "check_households",
    "check_rules_against_tables",
    "is_reserved",
    "parse_date",
    "value_columns",
]
