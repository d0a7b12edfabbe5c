"""Housing round folders, both directions (``docs/housing-rules.md`` section 1):
:func:`read_housing` reads and checks one into a :class:`HousingRound`, or raises one
:class:`HousingError` listing every problem of every file (file, row, column, what to fix);
:func:`render_housing` gives the files of one (the examples and the simulation write rounds
with it).

A housing round folder holds ``round.toml`` (with ``kind = "housing"``: the rules,
:mod:`samen.housing.settings`), ``dwellings.csv`` and ``households.csv``
(:mod:`samen.housing.checks`), or the two tables as sheets of one ``.xlsx`` file. Tables are
read as the allocation rules' tables are (:mod:`samen.io.tables`: UTF-8 CSV, comma or
semicolon, a workbook within its caps), and text a spreadsheet would run as a formula is
refused (:mod:`samen.io.formulas`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from samen.housing.checks import (
    Checked,
    check_dwellings,
    check_households,
    check_rules_against_tables,
)
from samen.housing.model import Dwelling, Household, HousingRules, date_of
from samen.housing.settings import (
    ROUND_FILE,
    is_housing,
    read_rules,
    render_rules,
    value_columns_of,
)
from samen.io import formulas
from samen.io.errors import InputError, Problem, Problems
from samen.io.round import find_files, render_table, sha256_hex
from samen.io.tables import Table, read_csv, read_xlsx
from samen.io.toml import TomlDoc, decode, parse_toml
from samen.io.workbook import Caps

TABLES: tuple[str, ...] = ("dwellings", "households")


class HousingError(InputError):
    """The housing round folder cannot be used as it is; ``problems`` says why."""

    WHAT = "The housing round folder"


@dataclass(eq=False)
class HousingRound:
    """A read and checked housing round folder."""

    path: Path
    rules: HousingRules
    dwellings: list[Dwelling]
    households: list[Household]
    #: file name -> SHA-256 hex of its bytes
    inputs: dict[str, str] = field(default_factory=dict)
    #: table -> how problems name it ("dwellings.csv" or "book.xlsx, sheet dwellings")
    sources: dict[str, str] = field(default_factory=dict)
    dwelling_rows: list[int] = field(default_factory=list)
    household_rows: list[int] = field(default_factory=list)
    #: the 0/1 columns of households.csv, and the number columns the labels order by
    flag_names: tuple[str, ...] = ()
    value_names: tuple[str, ...] = ()
    #: "x,y", "lat,lon" or "" (dwellings.csv has no location)
    coordinates: str = ""

    @property
    def name(self) -> str:
        return self.rules.name


def is_housing_folder(path: str | Path) -> bool:
    """Whether ``path`` is a folder whose round.toml says ``kind = "housing"`` (a round.toml
    that cannot be read is not: its reader will say why)."""
    folder = Path(path)
    if folder.is_file() and folder.name.lower() == ROUND_FILE:
        folder = folder.parent
    toml = folder / ROUND_FILE
    try:
        text = toml.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return False
    doc = parse_toml(text, ROUND_FILE, Problems())
    return doc is not None and is_housing(doc.data)


def _read_toml(folder: Path, problems: Problems, inputs: dict[str, str]) -> TomlDoc | None:
    path = folder / ROUND_FILE
    if not path.is_file():
        problems.add(
            ROUND_FILE,
            None,
            None,
            "the folder has no round.toml; it holds the rules of the housing round "
            '(kind = "housing", the labels, the suitability tables, the seed)',
        )
        return None
    data = path.read_bytes()
    inputs[ROUND_FILE] = sha256_hex(data)
    text = decode(data, ROUND_FILE, problems)
    return parse_toml(text, ROUND_FILE, problems) if text is not None else None


def _read_tables(
    folder: Path, problems: Problems, inputs: dict[str, str], caps: Caps
) -> dict[str, Table]:
    csvs, book = find_files(folder, problems, TABLES, where="the folder", round_file=None)
    tables: dict[str, Table] = {}
    for name, p in csvs.items():
        data = p.read_bytes()
        inputs[p.name] = sha256_hex(data)
        t = read_csv(data, name, p.name, problems)
        if t is not None:
            tables[name] = t
    book_ok = True
    if book is not None:
        data = book.read_bytes()
        inputs[book.name] = sha256_hex(data)
        got = read_xlsx(data, book.name, TABLES, problems, caps)
        book_ok = got is not None
        for name, t in (got[0] if got is not None else {}).items():
            if name in csvs:
                problems.add(
                    t.source,
                    None,
                    None,
                    f"the {name} table is given twice, as "
                    f"{csvs[name].name} and as a sheet of {book.name}; keep one",
                )
            else:
                tables[name] = t
    for name in TABLES:
        t = tables.get(name)
        if t is None and name not in csvs and book_ok:
            where = f"{name}.csv" + (f" or a sheet '{name}' in {book.name}" if book else "")
            what = "the vacancies" if name == "dwellings" else "the households who responded"
            problems.add(
                f"{name}.csv",
                None,
                None,
                f"the round has no {where}; it is required ({what}), add it to the folder",
            )
        elif t is not None and len(t) == 0:
            per = "dwelling" if name == "dwellings" else "household"
            problems.add(
                t.source,
                t.header_row + 1,
                None,
                f"there is a header row but no data rows; add one row per {per}",
            )
    for t in tables.values():
        formulas.table_problems(t, problems)
    return tables


def _folder(path: str | Path) -> Path:
    folder = Path(path)
    if folder.is_file() and folder.name.lower() == ROUND_FILE:
        folder = folder.parent
    if folder.is_file():
        raise HousingError(
            [
                Problem(
                    str(folder),
                    None,
                    None,
                    "this is a file, not a folder; give the housing "
                    "round folder, the one that holds round.toml and the tables",
                )
            ]
        )
    if not folder.is_dir():
        raise HousingError(
            [
                Problem(
                    str(folder),
                    None,
                    None,
                    "there is no folder here; check the path (its "
                    "spelling, and the folder you run the command from)",
                )
            ]
        )
    return folder


def read_housing(path: str | Path, caps: Caps | None = None) -> HousingRound:
    """Read and check the housing round folder at ``path``; raise :class:`HousingError`
    listing every problem of every file. ``caps`` limits a workbook (default
    :meth:`Caps.from_env`)."""
    folder = _folder(path)
    caps = caps if caps is not None else Caps.from_env()
    problems = Problems()
    inputs: dict[str, str] = {}
    doc = _read_toml(folder, problems, inputs)
    rules = read_rules(doc, problems) if doc is not None else None
    tables = _read_tables(folder, problems, inputs, caps)
    c = Checked()
    if "dwellings" in tables:
        check_dwellings(tables["dwellings"], rules, problems, c)
    ids = {d.id for d in c.dwellings} if c.dwellings is not None else None
    if "households" in tables:
        numbers = value_columns_of(doc.data) if rules is None and doc is not None else None
        source = tables["dwellings"].source if "dwellings" in tables else "dwellings.csv"
        check_households(tables["households"], rules, ids, problems, c, numbers, source)
    if rules is not None and doc is not None:
        h = tables.get("households")
        check_rules_against_tables(
            rules,
            c,
            h.header if h is not None else None,
            doc.line,
            problems,
            tables["dwellings"].source if "dwellings" in tables else "dwellings.csv",
        )
    problems.raise_if_any(HousingError)
    assert rules is not None and c.dwellings is not None and c.households is not None
    return HousingRound(
        path=folder,
        rules=rules,
        dwellings=c.dwellings,
        households=c.households,
        inputs=dict(sorted(inputs.items())),
        sources={k: t.source for k, t in tables.items()},
        dwelling_rows=c.dwelling_rows,
        household_rows=c.household_rows,
        flag_names=c.flag_names,
        value_names=c.value_names,
        coordinates=c.coordinates,
    )


# --------------------------------------------------------------------------- writing


def _number(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def render_housing(
    rules: HousingRules,
    dwellings: Sequence[Dwelling],
    households: Sequence[Household],
    *,
    header: Sequence[str] = (),
    notes: Mapping[str, Sequence[str]] | None = None,
    coordinates: str = "x,y",
) -> dict[str, bytes]:
    """The files of a housing round folder (round.toml, dwellings.csv, households.csv), by
    name; :func:`read_housing` reads them back to the same rules and rows. The flag columns
    are the union of the households' flags, in order of first appearance; ``header``
    comment lines go first in round.toml, ``notes[label]`` above each label."""
    located = any(d.x is not None for d in dwellings)
    has_address = any(d.address for d in dwellings)
    xy = coordinates.split(",") if located else []
    d_head = ["dwelling_id", "neighbourhood", "rooms", "rent_band", "label"]
    d_head += (["address"] if has_address else []) + xy
    d_rows = [
        [d.id, d.neighbourhood, str(d.rooms), d.rent_band, d.label]
        + ([d.address] if has_address else [])
        + (
            ["" if d.x is None else _number(d.x), "" if d.y is None else _number(d.y)]
            if located
            else []
        )
        for d in dwellings
    ]
    flags = list(dict.fromkeys(f for h in households for f in h.flags))
    values = list(dict.fromkeys(v for h in households for v in h.values))
    has_hood = any(h.neighbourhood for h in households)
    h_head = ["household_id", "responses", "registered", "size", "income_band"]
    h_head += (["neighbourhood"] if has_hood else []) + values + flags
    h_rows = [
        [
            h.id,
            ";".join(h.responses),
            date_of(h.registered).isoformat(),
            str(h.size),
            h.income_band,
            *([h.neighbourhood] if has_hood else []),
            *(_number(h.values[v]) for v in values),
            *(str(h.flag(f)) for f in flags),
        ]
        for h in households
    ]
    return {
        ROUND_FILE: render_rules(rules, header=header, notes=notes).encode("utf-8"),
        "dwellings.csv": render_table(d_head, d_rows, formatted=True),
        "households.csv": render_table(h_head, h_rows, formatted=True),
    }


__all__ = [
    "TABLES",
    "HousingError",
    "HousingRound",
    "is_housing_folder",
    "read_housing",
    "render_housing",
]
