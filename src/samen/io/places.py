"""Where the homes and the schools of a round are, for ``samen distances`` (docs/distances.md):
a tolerant reading of a round folder.

:func:`read_places` reads only what route distances need: from ``round.toml`` the keys
``crs`` (the projection of ``x,y``), ``distance`` (which pair of coordinate columns the round
uses) and whether it has a ``[[nearest]]`` table (a rule that needs the distance from every
home to every school); from ``schools.csv`` and ``applicants.csv`` (or the sheets of one
``.xlsx`` file) the ids, the lists of choices and the coordinates. Every other key and
column is left to ``samen allocate``, which checks the whole round; so a round whose
round.toml has keys this version of the reader does not know yet still gets its distances.

Every problem names the file, the row (or line) and the column (or key) and what to fix;
:func:`read_places` raises one :class:`~samen.io.errors.RoundError` with all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from samen.io.cells import check_ids, numbers
from samen.io.checks.context import half_pair, missing_column
from samen.io.errors import Problem, Problems, RoundError
from samen.io.settings import ROUND_FILE
from samen.io.tables import Table, read_csv, read_xlsx
from samen.io.toml import TomlDoc, read_toml
from samen.io.workbook import Caps

#: the tables :func:`read_places` reads
PLACE_TABLES: tuple[str, ...] = ("schools", "applicants")
#: the coordinate pairs, with the range of each coordinate (None: any number)
PAIRS: dict[str, tuple[str, str, float | None, float | None]] = {
    "x,y": ("x", "y", None, None),
    "lat,lon": ("lat", "lon", -90.0, 90.0),
}
_SEP_SPACE = re.compile(r"\s*;\s*")  # as the round reader splits a list


@dataclass(frozen=True)
class PlaceTable:
    """The places of one table: ids, spreadsheet rows and coordinates (NaN where a row has
    none), in the table's order."""

    source: str
    ids: list[str]
    rows: list[int]
    #: which coordinate columns: ``"x,y"`` (metres of the round's ``crs``) or ``"lat,lon"``
    columns: str
    #: float64[k, 2]: (x, y) or (lat, lon)
    coords: np.ndarray


@dataclass(frozen=True)
class Places:
    """The homes and schools of a round, its lists and what round.toml says about them."""

    folder: Path
    schools: PlaceTable
    applicants: PlaceTable
    #: the lists: school indices of child ``a`` are ``choices[choice_ptr[a]:choice_ptr[a+1]]``,
    #: each school once, in the order of the list
    choice_ptr: np.ndarray
    choices: np.ndarray
    #: ``crs`` of round.toml (None when it names none) and its line
    crs: str | None = None
    crs_line: int | None = None
    #: where round.toml has a ``[[nearest]]`` rule (``"round.toml, line 12"``), else None
    nearest: str | None = None
    #: the workbook of the round, when it is one that already has a sheet ``distances``
    distances_sheet: str | None = None


def _round_toml(folder: Path, problems: Problems) -> TomlDoc | None:
    path = folder / ROUND_FILE
    if not path.is_file():
        problems.add(
            ROUND_FILE,
            None,
            None,
            "the folder has no round.toml; give the round folder (the one with round.toml, "
            "schools.csv and applicants.csv)",
        )
        return None
    return read_toml(path, problems, ROUND_FILE)


def _tables(folder: Path, problems: Problems, caps: Caps) -> tuple[dict[str, Table], str | None]:
    """schools and applicants, as CSV files (named in any case, as the round reader reads
    them) or sheets of the one workbook; and the workbook's name when it has a ``distances``
    sheet."""
    tables: dict[str, Table] = {}
    given: set[str] = set()
    files = sorted(
        p for p in folder.iterdir() if p.is_file() and not p.name.startswith(("~$", "."))
    )
    books = [p for p in files if p.suffix.lower() == ".xlsx"]
    for path in files:
        name = path.name.lower().removesuffix(".csv")
        if name in PLACE_TABLES and path.name.lower().endswith(".csv"):
            given.add(name)
            t = read_csv(path.read_bytes(), name, path.name, problems)
            if t is not None:
                tables[name] = t
    distances_sheet = None
    if len(books) == 1:
        book = books[0]
        got = read_xlsx(book.read_bytes(), book.name, (*PLACE_TABLES, "distances"), problems, caps)
        given.update(PLACE_TABLES if got is None else ())  # cannot open it: reported already
        for name, t in (got[0] if got is not None else {}).items():
            if name == "distances":
                distances_sheet = book.name
            elif name in given:
                problems.add(
                    t.source,
                    None,
                    None,
                    f"the {name} table is given twice, as a CSV file and as a sheet of "
                    f"{book.name}; keep one",
                )
            else:
                given.add(name)
                tables[name] = t
    elif len(books) > 1:
        problems.add(
            str(folder),
            None,
            None,
            "the folder has more than one .xlsx file ("
            + ", ".join(b.name for b in books)
            + "); keep exactly one workbook, or use CSV files",
        )
    for name in PLACE_TABLES:
        if name not in given:
            problems.add(
                f"{name}.csv",
                None,
                None,
                f"the round has no {name}.csv (nor a sheet '{name}'); add it to the round folder",
            )
        elif name in tables and len(tables[name]) == 0:
            t = tables[name]
            per = "school" if name == "schools" else "child"
            problems.add(
                t.source,
                t.header_row + 1,
                None,
                f"there is a header row but no data rows; add one row per {per}",
            )
    return tables, distances_sheet


def _pick_columns(t: Table, preferred: str, problems: Problems) -> str | None:
    """The coordinate pair of ``t``: the one the round's ``distance`` uses when the table has
    it, else the other; None (with a problem) when it has neither, or half a pair."""
    order = [preferred, *(k for k in PAIRS if k != preferred)]
    for key in order:
        a, b, _, _ = PAIRS[key]
        if t.has(a) and t.has(b):
            return key
    for key in order:
        a, b, _, _ = PAIRS[key]
        if half_pair(t, a, b, problems):
            return None
    problems.add(
        t.source,
        t.header_row,
        None,
        "the table has no coordinates; add the columns lat,lon (WGS84 degrees), or x,y (metres) "
        'with the projection named in round.toml (crs = "EPSG:31370" for Belgian Lambert 72, '
        '"EPSG:28992" for the Dutch RD)',
    )
    return None


def _coordinates(t: Table, columns: str, problems: Problems) -> np.ndarray:
    a, b, lo, hi = PAIRS[columns]
    what = "coordinate in degrees" if columns == "lat,lon" else "coordinate in metres"
    first = numbers(t, a, problems, what, lo, hi)
    if columns == "lat,lon":
        second = numbers(t, b, problems, what, -180.0, 180.0)
    else:
        second = numbers(t, b, problems, what)
    return np.column_stack([first, second])


def _place_table(
    t: Table, id_column: str, what: str, preferred: str, problems: Problems
) -> PlaceTable | None:
    if not t.has(id_column):
        problems.add(t.source, t.header_row, id_column, missing_column(id_column, t))
        return None
    check_ids(t, id_column, problems, what)
    columns = _pick_columns(t, preferred, problems)
    if columns is None:
        return None
    coords = _coordinates(t, columns, problems)
    return PlaceTable(t.source, t.col(id_column), list(t.rows), columns, coords)


def _lists(
    t: Table, schools: dict[str, int], source: str, problems: Problems
) -> tuple[np.ndarray, np.ndarray]:
    """The lists of choices as school indices (each school once per list, in list order);
    a school that is not in the schools table is a problem."""
    ptr = [0]
    out: list[int] = []
    unknown: list[tuple[int, str]] = []
    for row, raw in zip(t.rows, t.col("choices"), strict=True):
        seen: set[int] = set()
        for item in _SEP_SPACE.sub(";", raw).split(";"):
            if not item:
                continue
            s = schools.get(item)
            if s is None:
                unknown.append((row, item))
            elif s not in seen:
                seen.add(s)
                out.append(s)
        ptr.append(len(out))
    problems.rows(
        t.source,
        (
            (
                row,
                f"the school '{item}' is not in {source}; check the spelling or add the school",
            )
            for row, item in unknown
        ),
        "choices",
        same="a choice that is not a school",
    )
    return np.asarray(ptr, dtype=np.int64), np.asarray(out, dtype=np.int64)


def read_places(path: str | Path, caps: Caps | None = None) -> Places:
    """The homes, schools and lists of the round folder at ``path`` (see the module
    docstring); raise :class:`RoundError` listing every problem found."""
    folder = Path(path)
    if not folder.is_dir():
        what = "this is a file, not a folder" if folder.exists() else "there is no folder here"
        raise RoundError(
            [Problem(str(folder), None, None, f"{what}; give the round folder (with round.toml)")]
        )
    problems = Problems()
    doc = _round_toml(folder, problems)
    data = doc.data if doc is not None else {}
    crs = data.get("crs")
    crs_line = doc.line("crs") if doc is not None else None
    if crs is not None and (not isinstance(crs, str) or not crs.strip()):
        problems.add(
            ROUND_FILE,
            crs_line,
            "crs",
            'crs must be the name of a projection in double quotes, like crs = "EPSG:31370"',
        )
        crs = None
    preferred = "lat,lon" if data.get("distance") == "haversine" else "x,y"
    nearest = None
    if data.get("nearest"):
        line = doc.line("nearest.1") if doc is not None else None
        nearest = f"{ROUND_FILE}, line {line}" if line else ROUND_FILE
    tables, distances_sheet = _tables(folder, problems, caps or Caps.from_env())
    schools = applicants = None
    if "schools" in tables:
        schools = _place_table(tables["schools"], "school_id", "school", preferred, problems)
    if "applicants" in tables:
        t = tables["applicants"]
        applicants = _place_table(t, "applicant_id", "applicant", preferred, problems)
        if not t.has("choices"):
            problems.add(t.source, t.header_row, "choices", missing_column("choices", t))
            applicants = None
    problems.raise_if_any()
    assert schools is not None and applicants is not None
    index = {s: i for i, s in reversed(list(enumerate(schools.ids)))}
    ptr, choices = _lists(tables["applicants"], index, schools.source, problems)
    problems.raise_if_any()
    return Places(
        folder=folder,
        schools=schools,
        applicants=applicants,
        choice_ptr=ptr,
        choices=choices,
        crs=crs.strip() if isinstance(crs, str) else None,
        crs_line=crs_line,
        nearest=nearest,
        distances_sheet=distances_sheet,
    )


__all__ = ["PAIRS", "PLACE_TABLES", "PlaceTable", "Places", "read_places"]
