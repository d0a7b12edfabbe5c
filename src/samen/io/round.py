"""Reading and checking a round folder (spec sections 1 and 2) into an engine :class:`Instance`.

:func:`read_round` reads ``round.toml`` and the tables (CSV files, or the sheets of exactly
one ``.xlsx`` file), checks everything the rules and ``docs/decisions.md`` ("Input") require,
and raises one :class:`~samen.io.errors.RoundError` listing every problem found, each with
its file, row, column and what to fix. The arrays of the instance are built with NumPy, so a
round of 80,000 children with 12 choices each reads in well under a second.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import re
import tomllib
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import repeat
from pathlib import Path

import numpy as np

from samen.engine import distance
from samen.engine.distance import EARTH_RADIUS_M
from samen.engine.instance import (
    MECHANISMS,
    ORDER_DISTANCE,
    ORDER_NAMES,
    TIE_BREAKINGS,
    Instance,
    PoolSpec,
)
from samen.engine.pools import Pool, largest_remainder, pool_arrays
from samen.io.errors import Problem, Problems, RoundError
from samen.io.tables import Table, read_csv, read_xlsx

ROUND_FILE = "round.toml"
TABLES: tuple[str, ...] = ("schools", "applicants", "seats", "priorities", "distances", "groups")
REQUIRED_TABLES: tuple[str, ...] = ("schools", "applicants")
DISTANCE_KINDS: tuple[str, ...] = distance.KINDS

#: The columns of applicants.csv that are not 0/1 flags.
APPLICANT_COLUMNS: tuple[str, ...] = (
    "applicant_id",
    "choices",
    "x",
    "y",
    "lat",
    "lon",
    "family",
    "pledge",
    "neighbourhood",
)
FLAG_VALUES: dict[str, int] = {
    "0": 0,
    "1": 1,
    "false": 0,
    "true": 1,
    "no": 0,
    "yes": 1,
    "nee": 0,
    "ja": 1,
}
ROUND_KEYS: tuple[str, ...] = (
    "name",
    "seed",
    "mechanism",
    "tie_breaking",
    "priority_groups",
    "distance",
    "default_pools",
)
POOL_KEYS: tuple[str, ...] = ("name", "share", "seats", "favours", "order_by")

_INT = re.compile(r"^[+-]?\d+$")
_SEP_SPACE = re.compile(r"\s*;\s*")


@dataclass(frozen=True)
class Settings:
    """The rules of a round as ``round.toml`` gives them (spec section 2)."""

    name: str
    seed: str
    mechanism: str = "deferred-acceptance"
    tie_breaking: str = "single"
    priority_groups: tuple[str, ...] = ()
    distance: str = "euclidean"
    default_pools: tuple[PoolSpec, ...] = (PoolSpec("all", share="1"),)
    #: line of round.toml where each default pool's ``favours`` is set (or its
    #: [[default_pools]] line), for problems found once the tables are read
    favours_lines: tuple[int | None, ...] = field(default=(), compare=False)


@dataclass(eq=False)
class Round:
    """A read and checked round folder: the engine's instance plus what the writers need."""

    path: Path
    name: str
    settings: Settings
    instance: Instance
    inputs: dict[str, str]  # file name -> SHA-256 hex of its bytes
    sources: dict[str, str] = field(default_factory=dict)  # table -> "applicants.csv", ...
    applicant_rows: list[int] = field(default_factory=list)  # spreadsheet row of each child
    #: the tables as read (columns of stripped strings), for the analytics' extra columns
    #: such as a neighbourhood; keys "schools", "applicants", ...
    tables: dict[str, Table] = field(default_factory=dict)
    #: coordinates the round's distance uses ("x,y" in metres or "lat,lon" in degrees),
    #: float64[m, 2] and float64[n, 2], NaN where missing; None when the tables have none
    coordinates: str = "x,y"
    school_xy: np.ndarray | None = None
    applicant_xy: np.ndarray | None = None

    @property
    def school_names(self) -> list[str]:
        """The ``name`` column of schools.csv, or the school ids where it is empty."""
        t = self.tables.get("schools")
        ids = list(self.instance.school_ids)
        if t is None or not t.has("name"):
            return ids
        return [n or i for n, i in zip(t.col("name"), ids, strict=True)]


# --------------------------------------------------------------------------- helpers


def _key_line(text: str, key: str, occurrence: int = 0) -> int | None:
    """The line (1-based) where ``key`` is set or the ``occurrence``-th table header is."""
    pattern = re.compile(rf"^\s*(\[\[\s*{re.escape(key)}\s*\]\]|\"?{re.escape(key)}\"?\s*=)")
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            if seen == occurrence:
                return number
            seen += 1
    return None


def _pool_key_line(text: str, pool: int, key: str) -> int | None:
    """The line (1-based) where ``key`` is set inside the ``pool``-th [[default_pools]]."""
    start = _key_line(text, "default_pools", pool)
    if start is None:
        return None
    pattern = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
    lines = text.splitlines()
    for number in range(start + 1, len(lines) + 1):
        line = lines[number - 1]
        if line.lstrip().startswith("["):
            break
        if pattern.match(line):
            return number
    return start


def _suggest(word: str, options: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _parse_number(text: str) -> float | None:
    """A number as written in a cell; a decimal comma (``51,05``) is read as a point."""
    t = text.strip()
    if "," in t and "." not in t and t.count(",") == 1:
        t = t.replace(",", ".")
    try:
        v = float(t)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _parse_fraction(text: str) -> Fraction | None:
    t = text.strip()
    if "," in t and "." not in t and t.count(",") == 1:
        t = t.replace(",", ".")
    try:
        return Fraction(t)
    except (ValueError, ZeroDivisionError):
        return None


def _int_cell(text: str) -> int | None:
    return int(text) if _INT.match(text) else None


def _whole_number_fix(text: str, fix: str) -> str:
    """What to write instead of ``text`` where a whole number is needed: ``fix``, or for a
    whole number written with decimals (``12.0``, as a spreadsheet may export it) the number
    without them. Such cells are not read as whole numbers, so a count is never rounded."""
    x = _parse_number(text)
    if x is None or not x.is_integer() or _INT.match(text):
        return fix
    return f"write it without decimals, as {int(x)}"


def _fraction_text(f: Fraction) -> str:
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


def _numbers(
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
    if not any("," in v for v in values):
        try:
            arr = np.array([v if v else "nan" for v in values], dtype=np.float64)
        except ValueError:
            arr = None
    if arr is None:
        arr = np.full(n, np.nan)
        for i, v in enumerate(values):
            if v:
                x = _parse_number(v)
                arr[i] = np.inf if x is None else x
    given = np.fromiter((bool(v) for v in values), dtype=bool, count=n)
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


def _check_ids(table: Table, column: str, problems: Problems, what: str) -> dict[str, int]:
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


# --------------------------------------------------------------------------- round.toml


def _read_settings(text: str, source: str, problems: Problems) -> Settings | None:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        row = int(m.group(1)) if m else None
        bare = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        if m:
            bare += f" at column {m.group(2)}"
        hint = "check the quotes, '=' signs and brackets; text values go in double quotes"
        if "Illegal character '\\n'" in msg:
            hint = "a text value has no closing double quote; add it"
        if row is not None:
            line = text.splitlines()[row - 1] if row - 1 < len(text.splitlines()) else ""
            if ";" in line:
                hint = "write each key on its own line (';' does not separate keys in TOML)"
        problems.add(source, row, None, f"this is not valid TOML ({bare}); {hint}")
        return None

    ok = True

    def bad(key: str, message: str, occurrence: int = 0, line_key: str | None = None) -> None:
        nonlocal ok
        ok = False
        problems.add(source, _key_line(text, line_key or key, occurrence), key, message)

    misplaced: set[str] = set()  # round keys written below a [[default_pools]] line
    if isinstance(doc.get("default_pools"), list):
        for pool in doc["default_pools"]:
            if isinstance(pool, dict):
                misplaced.update(k for k in pool if k in ROUND_KEYS and k != "name")

    for key in doc:
        if key not in ROUND_KEYS:
            bad(
                key,
                f"unknown key '{key}'{_suggest(key, ROUND_KEYS)}; the keys are "
                + ", ".join(ROUND_KEYS),
            )

    def text_key(key: str, required: bool, default: str = "") -> str:
        if key not in doc:
            if required and key not in misplaced:
                nonlocal ok
                ok = False
                problems.add(source, None, key, f"'{key}' is missing; add a line {key} = \"...\"")
            return default
        v = doc[key]
        if not isinstance(v, str):
            bad(key, f"'{key}' must be text in double quotes, like {key} = \"{v}\"")
            return default
        return v

    name = text_key("name", True)
    seed = text_key("seed", True)
    if "seed" in doc and isinstance(doc["seed"], str) and not seed.strip():
        bad("seed", "the seed is empty; write the seed announced before the draw")
    mechanism = text_key("mechanism", False, "deferred-acceptance")
    if mechanism not in MECHANISMS:
        bad(
            "mechanism",
            f"unknown mechanism '{mechanism}'{_suggest(mechanism, MECHANISMS)}; choose one of "
            + ", ".join(MECHANISMS),
        )
    tie = text_key("tie_breaking", False, "single")
    if tie not in TIE_BREAKINGS:
        bad(
            "tie_breaking",
            f"unknown tie_breaking '{tie}'{_suggest(tie, TIE_BREAKINGS)}; choose single or multiple",
        )
    distance = text_key("distance", False, "euclidean")
    if distance not in DISTANCE_KINDS:
        bad(
            "distance",
            f"unknown distance '{distance}'{_suggest(distance, DISTANCE_KINDS)}; choose euclidean "
            "(x,y in metres) or haversine (lat,lon in degrees)",
        )

    groups_raw = doc.get("priority_groups", [])
    groups: list[str] = []
    if not isinstance(groups_raw, list) or not all(isinstance(g, str) for g in groups_raw):
        bad("priority_groups", 'priority_groups must be a list of names, like ["sibling", "staff"]')
    else:
        for g in groups_raw:
            if not g.strip() or ";" in g or "|" in g:
                bad(
                    "priority_groups",
                    f"'{g}' is not a valid group name (empty, or with ';' or '|')",
                )
            elif g in groups:
                bad("priority_groups", f"the group '{g}' is listed twice; list each group once")
            else:
                groups.append(g)

    pools: list[PoolSpec] = []
    raw_pools = doc.get("default_pools", None)
    if raw_pools is not None:
        if (
            not isinstance(raw_pools, list)
            or not raw_pools
            or not all(isinstance(p, dict) for p in raw_pools)
        ):
            bad("default_pools", "default_pools must be one or more [[default_pools]] tables")
        else:
            names: set[str] = set()
            total = Fraction(0)
            shares_ok = True
            for k, p in enumerate(raw_pools):

                def pbad(message: str, _k: int = k) -> None:
                    bad("default_pools", message, _k, "default_pools")

                for key in p:
                    if key in ROUND_KEYS and key != "name":
                        ok = False
                        problems.add(
                            source,
                            _pool_key_line(text, k, key),
                            key,
                            f"'{key}' is written below a [[default_pools]] line, so it counts as "
                            f"part of pool {k + 1}; move the line {key} = ... up, above the first "
                            "[[default_pools]]",
                        )
                    elif key not in POOL_KEYS:
                        pbad(
                            f"unknown key '{key}'{_suggest(key, POOL_KEYS)} in pool {k + 1}; the keys "
                            "are name, share, favours, order_by"
                        )
                pname = p.get("name", "")
                if not isinstance(pname, str) or not pname.strip():
                    pbad(f'pool {k + 1} needs a name, like name = "all"')
                    pname = f"pool{k + 1}"
                elif pname in names:
                    pbad(f"two default pools are named '{pname}'; give each pool its own name")
                names.add(pname)
                if "seats" in p:
                    pbad(
                        f"default pool '{pname}' gives seats; default pools apply to schools of "
                        "any size, so give a share (0 to 1) instead"
                    )
                share = p.get("share")
                frac: Fraction | None = None
                if isinstance(share, bool) or share is None:
                    frac = None
                elif isinstance(share, int | float):
                    frac = (
                        Fraction(repr(float(share)))
                        if isinstance(share, float)
                        else Fraction(share)
                    )
                elif isinstance(share, str):
                    frac = _parse_fraction(share)
                if frac is None or not (0 <= frac <= 1):
                    pbad(f"default pool '{pname}' needs a share between 0 and 1, like share = 0.3")
                    shares_ok = False
                else:
                    total += frac
                favours = p.get("favours", "")
                if not isinstance(favours, str):
                    pbad(
                        f'favours of default pool \'{pname}\' must be text: "", a flag or "not:flag"'
                    )
                    favours = ""
                order_by = p.get("order_by", "lottery")
                if order_by not in ORDER_NAMES:
                    pbad(
                        f"order_by of default pool '{pname}' must be lottery, distance or rank, "
                        f"not '{order_by}'"
                    )
                    order_by = "lottery"
                pools.append(
                    PoolSpec(
                        str(pname),
                        share=str(frac) if frac is not None else "0",
                        favours=favours.strip(),
                        order_by=str(order_by),
                    )
                )
            if shares_ok and total != 1:
                bad(
                    "default_pools",
                    f"the shares of the default pools add up to {_fraction_text(total)}; they must "
                    "add up to exactly 1",
                    0,
                )
    if not ok:
        return None
    return Settings(
        name=name,
        seed=seed,
        mechanism=mechanism,
        tie_breaking=tie,
        priority_groups=tuple(groups),
        distance=distance,
        default_pools=tuple(pools) if pools else (PoolSpec("all", share="1"),),
        favours_lines=tuple(_pool_key_line(text, k, "favours") for k in range(len(pools))),
    )


# --------------------------------------------------------------------------- files


def _find_files(folder: Path, problems: Problems) -> tuple[dict[str, Path], Path | None]:
    """The CSV file of each table, and the workbook (if any)."""
    csvs: dict[str, Path] = {}
    books: list[Path] = []
    for p in sorted(folder.iterdir()):
        if not p.is_file() or p.name.startswith(("~$", ".")):
            continue
        lower = p.name.lower()
        if lower.endswith(".xlsx"):
            books.append(p)
        elif lower.endswith(".csv"):
            stem = lower[: -len(".csv")]
            if stem in TABLES:
                if stem in csvs:
                    problems.add(
                        p.name,
                        None,
                        None,
                        f"both {csvs[stem].name} and {p.name} are in the folder; keep one",
                    )
                csvs[stem] = p
            else:
                close = difflib.get_close_matches(stem, TABLES, n=1, cutoff=0.75)
                if close:
                    problems.add(
                        p.name,
                        None,
                        None,
                        f"samen does not know this file; did you mean {close[0]}.csv? Rename it, "
                        "or move it out of the round folder",
                    )
        elif lower != ROUND_FILE and difflib.get_close_matches(
            lower, [ROUND_FILE], n=1, cutoff=0.8
        ):
            problems.add(p.name, None, None, f"did you mean {ROUND_FILE}? Rename the file")
    if len(books) > 1:
        problems.add(
            folder.name or str(folder),
            None,
            None,
            "the folder has more than one .xlsx file ("
            + ", ".join(b.name for b in books)
            + "); keep exactly one workbook, or use CSV files",
        )
        return csvs, None
    return csvs, (books[0] if books else None)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_round(path: str | Path) -> Round:
    """Read and check the round folder at ``path``; raise :class:`RoundError` listing every
    problem found."""
    folder = Path(path)
    if folder.is_file() and folder.name.lower() == ROUND_FILE:
        folder = folder.parent
    if folder.is_file():
        hint = (
            f"give the folder that holds it (and {ROUND_FILE}), not the file itself"
            if folder.suffix.lower() in (".csv", ".xlsx", ".toml")
            else f"give the round folder, the one that holds {ROUND_FILE} and the tables"
        )
        raise RoundError(
            [Problem(str(folder), None, None, f"this is a file, not a folder; {hint}")]
        )
    if not folder.is_dir():
        raise RoundError(
            [
                Problem(
                    str(folder),
                    None,
                    None,
                    "there is no folder here; check the path (its spelling, and the folder you "
                    "run the command from)",
                )
            ]
        )
    problems = Problems()
    inputs: dict[str, str] = {}

    toml_path = folder / ROUND_FILE
    settings: Settings | None = None
    if not toml_path.is_file():
        problems.add(
            ROUND_FILE, None, None, "the folder has no round.toml; it holds the rules of the round"
        )
    else:
        data = toml_path.read_bytes()
        inputs[ROUND_FILE] = _sha256(data)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            problems.add(
                ROUND_FILE,
                data[: exc.start].count(b"\n") + 1,
                None,
                "the file is not UTF-8 text; save it as UTF-8",
            )
        else:
            settings = _read_settings(text, ROUND_FILE, problems)

    csvs, book = _find_files(folder, problems)
    tables: dict[str, Table] = {}
    for name, p in csvs.items():
        data = p.read_bytes()
        inputs[p.name] = _sha256(data)
        t = read_csv(data, name, p.name, problems)
        if t is not None:
            tables[name] = t
    found: set[str] = set(csvs)  # tables given as a file or sheet (readable or not)
    if book is not None:
        data = book.read_bytes()
        inputs[book.name] = _sha256(data)
        got = read_xlsx(data, book.name, TABLES, problems)
        if got is None:
            found.update(REQUIRED_TABLES)  # cannot open the workbook: reported already
        else:
            sheets, names = got
            for s in names:
                key = s.strip().lower()
                if key in TABLES:
                    found.add(key)
                    continue
                close = difflib.get_close_matches(key, TABLES, n=1, cutoff=0.75)
                if close:
                    problems.add(
                        f"{book.name}, sheet {s}",
                        None,
                        None,
                        f"samen does not know this sheet; did you mean '{close[0]}'? Rename it",
                    )
            for name, t in sheets.items():
                if name in csvs:
                    problems.add(
                        t.source,
                        None,
                        None,
                        f"the {name} table is given twice, as {csvs[name].name} and as a sheet of "
                        f"{book.name}; keep one",
                    )
                else:
                    tables[name] = t
    for name in REQUIRED_TABLES:
        if name not in found:
            where = (
                f"{name}.csv" if book is None else f"{name}.csv or a sheet '{name}' in {book.name}"
            )
            problems.add(
                f"{name}.csv",
                None,
                None,
                f"the round has no {where}; it is required, add it to the round folder",
            )
        t = tables.get(name)
        if t is not None and len(t) == 0:
            per = "school" if name == "schools" else "child"
            problems.add(
                t.source,
                t.header_row + 1,
                None,
                f"there is a header row but no data rows; add one row per {per}",
            )
    if any(name not in tables or len(tables[name]) == 0 for name in REQUIRED_TABLES):
        problems.raise_if_any()
    builder = _Builder(settings, tables, problems, found)
    instance = builder.build()
    problems.raise_if_any()
    assert instance is not None and settings is not None
    return Round(
        path=folder,
        name=settings.name,
        settings=settings,
        instance=instance,
        inputs=dict(sorted(inputs.items())),
        sources={k: t.source for k, t in tables.items()},
        applicant_rows=list(tables["applicants"].rows),
        tables=tables,
        coordinates=builder.school_xy[2],
        school_xy=_stack(builder.school_xy),
        applicant_xy=_stack(builder.app_xy),
    )


def _stack(xy: tuple[np.ndarray | None, np.ndarray | None, str]) -> np.ndarray | None:
    if xy[0] is None or xy[1] is None:
        return None
    return np.column_stack([xy[0], xy[1]]).astype(np.float64)


# --------------------------------------------------------------------------- tables


class _Builder:
    """Checks the tables against each other and builds the instance arrays."""

    def __init__(
        self,
        settings: Settings | None,
        tables: dict[str, Table],
        problems: Problems,
        given: set[str] | None = None,
    ):
        self.settings = settings
        self.s = settings or Settings(name="", seed="")
        self.tables = tables
        self.problems = problems
        #: the tables the round gives as a file or sheet, readable or not
        self.given = set(tables) if given is None else given

    def require(self, table: Table, columns: tuple[str, ...]) -> bool:
        ok = True
        for c in columns:
            if not table.has(c):
                self.problems.add(
                    table.source,
                    table.header_row,
                    c,
                    f"the column '{c}' is missing{_suggest(c, table.header)}; add it to the header row",
                )
                ok = False
        return ok

    # ---------------------------------------------------------------- schools
    def schools(self) -> bool:
        t = self.tables["schools"]
        p = self.problems
        if not self.require(t, ("school_id", "capacity")):
            return False
        self.school_index = _check_ids(t, "school_id", p, "school")
        self.school_ids = t.col("school_id")
        capacity = np.zeros(len(t), dtype=np.int64)
        for i, v in enumerate(t.col("capacity")):
            c = _int_cell(v)
            if c is None:
                what = "empty" if not v else f"'{v}'"
                p.add(
                    t.source,
                    t.rows[i],
                    "capacity",
                    f"the capacity is {what}; "
                    + _whole_number_fix(v, "write a whole number of seats (0 or more)"),
                )
            elif c < 0:
                p.add(t.source, t.rows[i], "capacity", f"the capacity is {c}; it must be 0 or more")
            else:
                capacity[i] = c
        self.capacity = capacity
        self.school_xy = self.coordinates(t)
        return True

    # ---------------------------------------------------------------- coordinates
    def coordinates(self, t: Table) -> tuple[np.ndarray | None, np.ndarray | None, str]:
        """The coordinates the round's distance uses, NaN where missing, and their label
        (``x,y`` or ``lat,lon``). Every coordinate column present is checked."""
        p = self.problems
        out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        pairs: tuple[
            tuple[str, str, float | None, float | None, float | None, float | None, str], ...
        ] = (
            ("x", "y", None, None, None, None, "coordinate in metres"),
            ("lat", "lon", -90.0, 90.0, -180.0, 180.0, "coordinate in degrees"),
        )
        for a, b, lo_a, hi_a, lo_b, hi_b, what in pairs:
            if not t.has(a) and not t.has(b):
                continue
            if t.has(a) != t.has(b):
                have, lack = (a, b) if t.has(a) else (b, a)
                p.add(
                    t.source,
                    t.header_row,
                    lack,
                    f"there is a column '{have}' but no column '{lack}'; add it, or remove '{have}'",
                )
                continue
            va = _numbers(t, a, p, what, lo_a, hi_a)
            vb = _numbers(t, b, p, what, lo_b, hi_b)
            ca, cb = t.col(a), t.col(b)
            half = [i for i in range(len(t)) if bool(ca[i]) != bool(cb[i])]
            if half:
                p.rows(
                    t.source,
                    (
                        (t.rows[i], f"only one of {a} and {b} is filled in; give both or neither")
                        for i in half
                    ),
                    f"{a},{b}",
                    same="only one coordinate",
                )
                va[half] = np.nan
                vb[half] = np.nan
            out[a] = (va, vb)
        key, label = ("x", "x,y") if self.s.distance == "euclidean" else ("lat", "lat,lon")
        got = out.get(key)
        if got is None:
            return None, None, label
        return got[0], got[1], label

    # ---------------------------------------------------------------- applicants
    def applicants(self) -> bool:
        t = self.tables["applicants"]
        p = self.problems
        if not self.require(t, ("applicant_id", "choices")):
            return False
        n = len(t)
        self.n = n
        self.app_index = _check_ids(t, "applicant_id", p, "applicant")
        self.app_ids = t.col("applicant_id")
        schools_src = self.tables["schools"].source

        # choices: all lists split in one go, school ids looked up in one pass
        raw = t.col("choices")
        sep = "\x1f"
        big = sep.join(raw)
        if " " in big or "\t" in big or "\n" in big or "\r" in big:
            big = _SEP_SPACE.sub(";", big)
        counts = (
            np.fromiter(map(str.count, big.split(sep), repeat(";")), dtype=np.int64, count=n) + 1
        )
        items = big.replace(sep, ";").split(";")
        lookup: dict[str, int] = dict(self.school_index)
        lookup[""] = -2  # an empty entry (a trailing ';') is skipped
        try:
            codes = np.fromiter(map(lookup.__getitem__, items), dtype=np.int64, count=len(items))
        except KeyError:  # some choice is not a school
            codes = np.fromiter(
                (lookup.get(x, -1) for x in items), dtype=np.int64, count=len(items)
            )
        item_app = np.repeat(np.arange(n, dtype=np.int64), counts)
        unknown = np.flatnonzero(codes == -1)
        if unknown.size:
            p.rows(
                t.source,
                (
                    (
                        t.rows[int(item_app[k])],
                        f"the school '{items[k]}' is not in {schools_src}; "
                        + (
                            "separate the schools with ';', not ',' (like S1;S2;S3)"
                            if "," in items[k]
                            and all(x.strip() in lookup for x in items[k].split(","))
                            else "check the spelling or add the school"
                        ),
                    )
                    for k in unknown
                ),
                "choices",
                same="a choice that is not a school",
            )
        keep = codes >= 0
        edge_app = item_app[keep]
        choices = codes[keep].astype(np.int32)
        per_app = np.bincount(edge_app, minlength=n).astype(np.int64)
        listed = np.bincount(item_app[codes != -2], minlength=n)
        empty = np.flatnonzero(listed == 0)
        if empty.size:
            p.rows(
                t.source,
                (
                    (t.rows[i], "the list of choices is empty; give at least one school")
                    for i in empty
                ),
                "choices",
                same="an empty list of choices",
            )
        m = max(len(self.school_ids), 1)
        edge_key = edge_app * m + choices
        order = np.argsort(edge_key, kind="stable")
        sorted_key = edge_key[order]
        rep = np.flatnonzero(sorted_key[1:] == sorted_key[:-1])
        if rep.size:
            rep_edges = order[rep + 1]
            first: dict[int, int] = {}
            for e in rep_edges.tolist():
                first.setdefault(int(edge_app[e]), int(choices[e]))
            p.rows(
                t.source,
                (
                    (
                        t.rows[a],
                        f"the school '{self.school_ids[s]}' is listed more than once; list each school once",
                    )
                    for a, s in sorted(first.items())
                ),
                "choices",
                same="a school listed twice",
            )
        self.edge_app = edge_app
        self.edge_order = order
        self.edge_sorted_key = sorted_key
        self.choices = choices
        self.choice_ptr = np.concatenate(([0], np.cumsum(per_app))).astype(np.int64)

        # 0/1 flags: every other column
        flag_names = [c for c in t.header if c not in APPLICANT_COLUMNS]
        flags = np.zeros((n, len(flag_names)), dtype=np.uint8)
        for j, name in enumerate(flag_names):
            col = t.col(name)
            lut: dict[str, int] = {}
            bad_values: set[str] = set()
            for u in set(col):
                v = FLAG_VALUES.get(u.lower())
                if v is None:
                    bad_values.add(u)
                else:
                    lut[u] = v
            if bad_values:
                others = ", ".join(APPLICANT_COLUMNS)
                p.rows(
                    t.source,
                    (
                        (
                            t.rows[i],
                            "the cell is empty; write 0 or 1"
                            if not v
                            else f"'{v}' is not a flag value; write 0 or 1 (every column besides "
                            f"{others} is a 0/1 flag: remove the column '{name}' if it is not one)",
                        )
                        for i, v in enumerate(col)
                        if v in bad_values
                    ),
                    name,
                    same="a value that is not 0 or 1",
                )
            if not bad_values:
                flags[:, j] = np.fromiter(map(lut.__getitem__, col), dtype=np.uint8, count=n)
        self.flags = flags
        self.flag_names = flag_names

        labels: dict[str, int] = {}
        self.family = np.fromiter(
            (labels.setdefault(v, len(labels)) if v else -1 for v in t.col("family")),
            dtype=np.int64,
            count=n,
        )
        self.app_xy = self.coordinates(t)
        return True

    # ---------------------------------------------------------------- pools
    def _favours(self, favours: str) -> tuple[int, bool, str | None]:
        """(flag index, negate, problem or None) for a ``favours`` cell."""
        neg = favours.startswith("not:")
        name = favours[4:].strip() if neg else favours
        if not name:
            if neg:
                return -1, False, "'not:' needs a flag name after it, like not:indicator"
            return -1, False, None
        if name not in self.flag_names:
            have = ", ".join(self.flag_names) if self.flag_names else "none"
            return (
                -1,
                False,
                f"'{name}' is not a column of {self.tables['applicants'].source}"
                f"{_suggest(name, self.flag_names)}; its 0/1 columns are: {have}",
            )
        return self.flag_names.index(name), neg, None

    def pools(self) -> None:
        p = self.problems
        m = len(self.school_ids)
        listed: list[list[Pool] | None] = [None] * m
        t = self.tables.get("seats")
        if t is not None and self.require(t, ("school_id", "pool")):
            if not t.has("seats") and not t.has("share"):
                p.add(t.source, t.header_row, "seats", "add a column 'seats' or a column 'share'")
            else:
                self._seats_table(t, listed)
        defaults: list[tuple[str, Fraction, int, bool, int]] = []
        lines = self.s.favours_lines
        for k, spec in enumerate(self.s.default_pools):
            fidx, neg, msg = self._favours(spec.favours)
            if msg:
                p.add(
                    ROUND_FILE,
                    lines[k] if k < len(lines) else None,
                    "favours",
                    f"in default pool '{spec.name}': {msg}",
                )
            defaults.append(
                (spec.name, Fraction(str(spec.share)), fidx, neg, ORDER_NAMES.index(spec.order_by))
            )
        seats_for: dict[int, list[int]] = {}
        school_pools: list[list[Pool]] = []
        for s in range(m):
            got = listed[s]
            if got is None:
                cap = int(self.capacity[s])
                if cap not in seats_for:
                    seats_for[cap] = largest_remainder([d[1] for d in defaults], cap)
                got = [
                    Pool(name, k, fidx, neg, order)
                    for (name, _, fidx, neg, order), k in zip(defaults, seats_for[cap], strict=True)
                ]
            school_pools.append(got)
        arrays = pool_arrays(school_pools)
        self.pool_names = arrays["pool_names"]
        self.pool_seats = arrays["pool_seats"]
        self.pool_flag = arrays["pool_flag"]
        self.pool_negate = arrays["pool_negate"]
        self.pool_order = arrays["pool_order"]
        self.pool_ptr = arrays["pool_ptr"]

    def _seats_table(self, t: Table, listed: list[list[Pool] | None]) -> None:
        p = self.problems
        sid, pool = t.col("school_id"), t.col("pool")
        seats_c, share_c = t.col("seats"), t.col("share")
        fav_c, order_c = t.col("favours"), t.col("order_by")
        schools_src = self.tables["schools"].source
        by_school: dict[int, list[int]] = {}
        for i, s in enumerate(sid):
            si = self.school_index.get(s)
            if si is None:
                p.add(
                    t.source,
                    t.rows[i],
                    "school_id",
                    f"the school '{s}' is not in {schools_src}; check the spelling or add the "
                    "school"
                    if s
                    else "the school id is empty; fill it in",
                )
            else:
                by_school.setdefault(si, []).append(i)
        for si, idx in by_school.items():
            sname = self.school_ids[si]
            cap = int(self.capacity[si])
            pools: list[Pool] = []
            forms: set[str] = set()
            shares: list[Fraction] = []
            ints: list[int] = []
            seen: dict[str, int] = {}
            ok = True
            for i in idx:
                r = t.rows[i]
                name = pool[i]
                if not name:
                    p.add(
                        t.source,
                        r,
                        "pool",
                        "the pool has no name; name it, like 'indicator' or 'other'",
                    )
                    ok = False
                elif name in seen:
                    p.add(
                        t.source,
                        r,
                        "pool",
                        f"school '{sname}' has two pools named '{name}' (also row {seen[name]}); "
                        "give each pool its own name",
                    )
                    ok = False
                else:
                    seen[name] = r
                sv, sh = seats_c[i], share_c[i]
                if sv and sh:
                    p.add(t.source, r, "seats", "give the pool's seats or its share, not both")
                    ok = False
                elif not sv and not sh:
                    p.add(
                        t.source,
                        r,
                        "share" if t.has("share") else "seats",
                        "the pool's seats or share is empty; fill it in",
                    )
                    ok = False
                elif sv:
                    forms.add("seats")
                    k = _int_cell(sv)
                    if k is None or k < 0:
                        p.add(
                            t.source,
                            r,
                            "seats",
                            f"'{sv}' is not a number of seats; "
                            + _whole_number_fix(sv, "write a whole number (0 or more)"),
                        )
                        ok = False
                    else:
                        ints.append(k)
                else:
                    forms.add("share")
                    f = _parse_fraction(sh)
                    if sh.endswith("%"):
                        p.add(
                            t.source,
                            r,
                            "share",
                            f"'{sh}' is a percentage; write the share as a number from 0 to 1 (30% is 0.3)",
                        )
                        ok = False
                    elif f is None or not (0 <= f <= 1):
                        p.add(
                            t.source,
                            r,
                            "share",
                            f"'{sh}' is not a share; write a number from 0 to 1, like 0.3",
                        )
                        ok = False
                    else:
                        shares.append(f)
                fidx, neg, msg = self._favours(fav_c[i])
                if msg:
                    p.add(t.source, r, "favours", msg)
                    ok = False
                ob = order_c[i].lower() or "lottery"
                if ob not in ORDER_NAMES:
                    p.add(
                        t.source,
                        r,
                        "order_by",
                        f"'{order_c[i]}' is not an ordering{_suggest(ob, ORDER_NAMES)}; write lottery, "
                        "distance or rank",
                    )
                    ok = False
                    ob = "lottery"
                pools.append(Pool(name, 0, fidx, neg, ORDER_NAMES.index(ob)))
            first = t.rows[idx[0]]
            if len(forms) > 1:
                p.add(
                    t.source,
                    first,
                    "seats",
                    f"school '{sname}' gives some pools as seats and others as shares; use one form "
                    "for all its pools",
                )
                continue
            if not ok:
                continue
            if "share" in forms:
                total = sum(shares, Fraction(0))
                if total != 1:
                    p.add(
                        t.source,
                        first,
                        "share",
                        f"the shares of school '{sname}' add up to {_fraction_text(total)}; they must "
                        "add up to exactly 1",
                    )
                    continue
                counts = largest_remainder(shares, cap)
            else:
                if sum(ints) != cap:
                    p.add(
                        t.source,
                        first,
                        "seats",
                        f"the seats of school '{sname}' add up to {sum(ints)} but its capacity in "
                        f"{schools_src} is {cap}; they must be equal",
                    )
                    continue
                counts = ints
            for q, k in zip(pools, counts, strict=True):
                q.seats = int(k)
            listed[si] = pools

    # ---------------------------------------------------------------- (applicant, school) pairs
    def _edges_of(self, t: Table) -> tuple[np.ndarray, np.ndarray]:
        """For each row of a pair table: the edge (or -1) and whether the school is on the
        child's list. Unknown ids are reported; pairs not on the list are ignored."""
        p = self.problems
        a_col, s_col = t.col("applicant_id"), t.col("school_id")
        ai = np.fromiter((self.app_index.get(v, -1) for v in a_col), dtype=np.int64, count=len(t))
        si = np.fromiter(
            (self.school_index.get(v, -1) for v in s_col), dtype=np.int64, count=len(t)
        )
        apps_src, schools_src = self.tables["applicants"].source, self.tables["schools"].source
        p.rows(
            t.source,
            (
                (
                    t.rows[i],
                    f"the applicant '{a_col[i]}' is not in {apps_src}; check the id, or remove "
                    "the row",
                )
                for i in np.flatnonzero(ai < 0)
            ),
            "applicant_id",
            same="an applicant id that is not in the applicants table",
        )
        p.rows(
            t.source,
            (
                (
                    t.rows[i],
                    f"the school '{s_col[i]}' is not in {schools_src}; check the id, or remove "
                    "the row",
                )
                for i in np.flatnonzero(si < 0)
            ),
            "school_id",
            same="a school id that is not in the schools table",
        )
        valid = (ai >= 0) & (si >= 0)
        key = ai * max(len(self.school_ids), 1) + si
        size = self.edge_sorted_key.size
        if size == 0:
            return np.full(len(t), -1, dtype=np.int64), np.zeros(len(t), dtype=bool)
        pos = np.minimum(np.searchsorted(self.edge_sorted_key, key), size - 1)
        found = valid & (self.edge_sorted_key[pos] == key)
        edge = np.where(found, self.edge_order[pos], -1)
        return edge, found

    def priorities(self) -> np.ndarray:
        n_groups = len(self.s.priority_groups)
        prio = np.full(self.choices.size, n_groups, dtype=np.int32)
        t = self.tables.get("priorities")
        if t is None or not self.require(t, ("applicant_id", "school_id", "group")):
            return prio
        gidx = {g: i for i, g in enumerate(self.s.priority_groups)}
        g_col = t.col("group")
        gi = np.fromiter((gidx.get(v, -1) for v in g_col), dtype=np.int64, count=len(t))
        if self.settings is not None:  # else round.toml's problems are reported already
            known = ", ".join(self.s.priority_groups) or "none (priority_groups is empty)"
            self.problems.rows(
                t.source,
                (
                    (
                        t.rows[i],
                        f"the group '{g_col[i]}' is not in priority_groups of {ROUND_FILE}"
                        f"{_suggest(g_col[i], self.s.priority_groups)}; the groups are: {known}",
                    )
                    for i in np.flatnonzero(gi < 0)
                ),
                "group",
                same="a group that is not in round.toml",
            )
        edge, found = self._edges_of(t)
        use = found & (gi >= 0)
        np.minimum.at(prio, edge[use], gi[use].astype(np.int32))
        return prio

    def distances(self) -> np.ndarray:
        n_e = self.choices.size
        dist = np.full(n_e, np.nan)
        ax, ay, _ = self.app_xy
        sx, sy, _ = self.school_xy
        if ax is not None and ay is not None and sx is not None and sy is not None and n_e:
            homes = np.stack([ax[self.edge_app], ay[self.edge_app]], axis=-1)
            places = np.stack([sx[self.choices], sy[self.choices]], axis=-1)
            dist = distance.metres(self.s.distance, homes, places)
        t = self.tables.get("distances")
        if t is None or not self.require(t, ("applicant_id", "school_id", "metres")):
            return dist
        metres = _numbers(t, "metres", self.problems, "distance in metres", 0.0, None)
        self.problems.rows(
            t.source,
            (
                (t.rows[i], "the distance is empty; write the metres")
                for i, v in enumerate(t.col("metres"))
                if not v
            ),
            "metres",
            same="an empty distance",
        )
        edge, found = self._edges_of(t)
        use = np.flatnonzero(found & ~np.isnan(metres))
        e_use = edge[use]
        v_use = distance.centimetres(metres[use])
        if e_use.size > 1:
            o = np.argsort(e_use, kind="stable")
            se, sv = e_use[o], v_use[o]
            clash = np.flatnonzero((se[1:] == se[:-1]) & (sv[1:] != sv[:-1]))
            self.problems.rows(
                t.source,
                (
                    (
                        t.rows[int(use[o[k + 1]])],
                        f"row {t.rows[int(use[o[k]])]} gives another distance for the same child "
                        "and school; keep one",
                    )
                    for k in clash
                ),
                "metres",
                same="a pair given twice with different distances",
            )
        dist[e_use] = v_use
        return dist

    def check_distance_pools(self, dist: np.ndarray) -> None:
        """Every child listing a school with a distance pool needs a distance there."""
        is_dist = self.pool_order == ORDER_DISTANCE
        if not is_dist.any():
            return
        m = len(self.school_ids)
        school_of_pool = np.repeat(np.arange(m), np.diff(self.pool_ptr))
        needs = np.zeros(m, dtype=bool)
        needs[school_of_pool[is_dist]] = True
        missing = needs[self.choices] & np.isnan(dist)
        if not missing.any():
            return
        pool_name: dict[int, str] = {}
        for k in np.flatnonzero(is_dist):
            pool_name.setdefault(int(school_of_pool[k]), self.pool_names[k])
        sx, _, label = self.school_xy
        sch, app = self.tables["schools"], self.tables["applicants"]
        other, other_col, setting = (
            ("lat,lon", "lat", "haversine") if label == "x,y" else ("x,y", "x", "euclidean")
        )
        hint = ""
        if app.has(other_col) or sch.has(other_col):
            hint = (
                f' (round.toml says distance = "{self.s.distance}", which uses {label}; to use '
                f'{other}, set distance = "{setting}")'
            )
        no_xy = np.isnan(sx) if sx is not None else np.ones(m, dtype=bool)
        # a school without coordinates: report it once, in the schools table
        by_school = missing & no_xy[self.choices]
        if by_school.any():
            edges = np.flatnonzero(by_school)
            cnt = np.bincount(self.choices[edges], minlength=m)
            first_edge: dict[int, int] = {}
            for e in edges.tolist():
                first_edge.setdefault(int(self.choices[e]), e)
            for s in sorted(first_edge):
                a = int(self.edge_app[first_edge[s]])
                self.problems.add(
                    sch.source,
                    sch.rows[s],
                    label,
                    f"school '{self.school_ids[s]}' has pool '{pool_name[s]}' ordered by distance "
                    f"but no {label}{hint}, and {cnt[s]} children listing it have no row in "
                    f"distances.csv (the first: {app.source} row {app.rows[a]}); add the school's "
                    f"{label}, or the distances",
                )
        rest = np.flatnonzero(missing & ~no_xy[self.choices])
        if rest.size:
            first_school: dict[int, int] = {}
            for e in rest.tolist():
                first_school.setdefault(int(self.edge_app[e]), int(self.choices[e]))
            self.problems.rows(
                app.source,
                (
                    (
                        app.rows[a],
                        f"child '{self.app_ids[a]}' lists school '{self.school_ids[s]}', whose pool "
                        f"'{pool_name[s]}' is ordered by distance, but the child has no {label}{hint} "
                        f"and distances.csv has no row for this pair; add the child's {label} or a "
                        "row in distances.csv",
                    )
                    for a, s in sorted(first_school.items())
                ),
                label,
                same="no coordinates for a distance pool",
            )

    # ---------------------------------------------------------------- pledge groups
    def groups(self) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
        p = self.problems
        app = self.tables["applicants"]
        t = self.tables.get("groups")
        gids: list[str] = []
        target = np.zeros(0, dtype=np.int32)
        threshold = np.zeros(0, dtype=np.int64)
        g_index: dict[str, int] = {}
        have_groups = t is not None and self.require(t, ("group_id", "target", "threshold"))
        if t is not None and have_groups:
            g_index = _check_ids(t, "group_id", p, "group")
            gids = t.col("group_id")
            target = np.full(len(t), -1, dtype=np.int32)
            threshold = np.ones(len(t), dtype=np.int64)
            schools_src = self.tables["schools"].source
            for i, (tg, th) in enumerate(zip(t.col("target"), t.col("threshold"), strict=True)):
                r = t.rows[i]
                si = self.school_index.get(tg)
                if si is None:
                    p.add(
                        t.source,
                        r,
                        "target",
                        f"the target '{tg}' is not in {schools_src}; check the spelling"
                        if tg
                        else "the target school is empty; fill in a school id",
                    )
                else:
                    target[i] = si
                k = _int_cell(th)
                if k is None or k < 1:
                    p.add(
                        t.source,
                        r,
                        "threshold",
                        f"the threshold is {f'{th!r}' if th else 'empty'}; "
                        + _whole_number_fix(th, "write a whole number of at least 1"),
                    )
                else:
                    threshold[i] = k
        pledge = np.full(self.n, -1, dtype=np.int32)
        pledge_col = app.col("pledge")
        # when groups.csv is there but cannot be used, its problems are reported already
        if any(pledge_col) and (have_groups or "groups" not in self.given):
            unknown: list[int] = []
            no_target: list[int] = []
            for a, v in enumerate(pledge_col):
                if not v:
                    continue
                gi = g_index.get(v)
                if gi is None:
                    unknown.append(a)
                    continue
                pledge[a] = gi
                tg = int(target[gi])
                if (
                    tg >= 0
                    and not (self.choices[self.choice_ptr[a] : self.choice_ptr[a + 1]] == tg).any()
                ):
                    no_target.append(a)
            where = t.source if t is not None else "groups.csv (the round has no groups.csv)"
            p.rows(
                app.source,
                (
                    (
                        app.rows[a],
                        f"the pledge group '{pledge_col[a]}' is not in {where}; check the group id",
                    )
                    for a in unknown
                ),
                "pledge",
                same="a pledge group that is not in groups.csv",
            )
            p.rows(
                app.source,
                (
                    (
                        app.rows[a],
                        f"the child pledges to group '{pledge_col[a]}' but does not list its target "
                        f"school '{self.school_ids[int(target[pledge[a]])]}'; add the school to the "
                        "choices, or clear the pledge",
                    )
                    for a in no_target
                ),
                "pledge",
                same="a pledge without the target on the list",
            )
        return list(gids), np.maximum(target, 0).astype(np.int32), threshold, pledge

    # ---------------------------------------------------------------- all
    def build(self) -> Instance | None:
        if not self.schools() or not self.applicants():
            return None
        self.pools()
        prio = self.priorities()
        dist = self.distances()
        self.check_distance_pools(dist)
        gids, target, threshold, pledge = self.groups()
        if self.problems or self.settings is None:
            return None
        s = self.settings
        return Instance(
            applicant_ids=self.app_ids,
            school_ids=self.school_ids,
            capacity=self.capacity,
            choice_ptr=self.choice_ptr,
            choices=self.choices,
            pool_ptr=self.pool_ptr,
            pool_names=self.pool_names,
            pool_seats=self.pool_seats,
            pool_flag=self.pool_flag,
            pool_negate=self.pool_negate,
            pool_order=self.pool_order,
            flags=self.flags,
            flag_names=self.flag_names,
            priority=prio,
            priority_groups=list(s.priority_groups),
            distance=dist,
            family=self.family,
            pledge=pledge,
            group_ids=gids,
            group_target=target,
            group_threshold=threshold,
            seed=s.seed,
            tie_breaking=s.tie_breaking,
            mechanism=s.mechanism,
        )


__all__ = ["EARTH_RADIUS_M", "Round", "RoundError", "Settings", "read_round"]
