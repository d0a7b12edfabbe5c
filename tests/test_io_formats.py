"""The forms a round's tables may come in (spec section 1) give the same allocation: comma or
semicolon separated CSV, with a BOM, CRLF line endings, quoted fields, trailing empty rows and
columns; the sheets of one workbook; some tables as CSV and others as sheets. And distances
on lat/lon (haversine)."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import openpyxl
import pytest

from roundfiles import (
    APPLICANTS,
    BASE,
    EXAMPLE,
    SCHOOLS,
    copy_example,
    problem_lines,
    replace_line,
    run,
    tree,
    write_round,
)
from samen.io.round import EARTH_RADIUS_M, read_round

TABLES = ("schools", "applicants", "seats", "priorities", "groups")
NUMERIC = {"capacity", "x", "y", "lat", "lon", "share", "seats", "threshold", "metres"}
NUMERIC_FLAGS = {"indicator"}


def example_tables() -> dict[str, list[list[str]]]:
    """The example round's tables as rows of cells (header first)."""
    out = {}
    for name in TABLES:
        with open(EXAMPLE / f"{name}.csv", encoding="utf-8", newline="") as fh:
            out[name] = list(csv.reader(fh))
    return out


def to_csv(rows: list[list[str]], **kw) -> str:
    buf = io.StringIO()
    csv.writer(buf, **{"lineterminator": "\n", **kw}).writerows(rows)
    return buf.getvalue()


def allocate(folder: Path) -> dict[str, bytes]:
    out = folder.parent / f"{folder.name}-results"
    result = run("allocate", folder, "--out", out)
    assert result.exit_code == 0, result.output
    return tree(out)


def without_inputs(files: dict[str, bytes]) -> dict[str, object]:
    """The results, with summary.json's input hashes left out (the files differ in form)."""
    out: dict[str, object] = dict(files)
    summary = json.loads(files["summary.json"])
    summary.pop("inputs")
    out["summary.json"] = summary
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The example round's results, from its comma-separated files."""
    folder = copy_example(tmp_path_factory.mktemp("formats") / "csv")
    return without_inputs(allocate(folder))


def rewrite_example(folder: Path, make) -> Path:
    """A copy of the example round with each table ``name`` rewritten as ``make(name, rows)``
    (str or bytes; ``None`` leaves the file out)."""
    copy_example(folder)
    for name, rows in example_tables().items():
        content = make(name, rows)
        path = folder / f"{name}.csv"
        if content is None:
            path.unlink()
        else:
            path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return folder


def decimal_comma(rows: list[list[str]]) -> list[list[str]]:
    return [[c.replace(".", ",") if c.replace(".", "").isdigit() else c for c in r] for r in rows]


FORMS = {
    "semicolon": lambda name, rows: to_csv(rows, delimiter=";"),
    # Excel in a Dutch or French locale: ';' and decimal commas (share 0,56)
    "semicolon-decimal-comma": lambda name, rows: to_csv(decimal_comma(rows), delimiter=";"),
    "bom": lambda name, rows: "\ufeff" + to_csv(rows),
    "bom-semicolon-crlf": lambda name, rows: "\ufeff"
    + to_csv(rows, delimiter=";").replace("\n", "\r\n"),
    "crlf": lambda name, rows: to_csv(rows, lineterminator="\r\n"),
    "all-quoted": lambda name, rows: to_csv(rows, quoting=csv.QUOTE_ALL),
    "all-quoted-semicolon": lambda name, rows: to_csv(rows, quoting=csv.QUOTE_ALL, delimiter=";"),
    "trailing-empty-rows-and-columns": lambda name, rows: to_csv([[*r, "", ""] for r in rows])
    + ",,,,\n\n \n",
    # Excel's separator line: not a row (Excel does not show it)
    "sep-line": lambda name, rows: "sep=;\r\n" + to_csv(rows, delimiter=";"),
    "spaces-around-cells": lambda name, rows: to_csv(
        [[f" {c} " if c else c for c in r] for r in rows]
    ).replace(";", " ; "),
}


@pytest.mark.parametrize("form", FORMS)
def test_csv_forms_give_the_same_allocation(tmp_path: Path, reference, form: str) -> None:
    folder = rewrite_example(tmp_path / form, FORMS[form])
    assert without_inputs(allocate(folder)) == reference


def test_semicolon_file_is_detected_from_the_header(tmp_path: Path) -> None:
    """A comma inside a cell does not make a semicolon file comma separated."""
    text = 'school_id;name;capacity;x;y\nS1;"Een, de eerste";2;0;0\nS2;Twee;2;1000;0\n'
    text += "S3;Drie;1;0;1000\n"
    folder = write_round(tmp_path / "round", {"schools.csv": text})
    rnd = read_round(folder)
    assert rnd.school_names == ["Een, de eerste", "Twee", "Drie"]
    assert rnd.instance.capacity.tolist() == [2, 2, 1]


def test_quoted_fields_with_newlines_keep_spreadsheet_rows(tmp_path: Path) -> None:
    """A cell with a line break is one spreadsheet row: later rows keep their numbers."""
    schools = (
        'school_id,name,capacity,x,y\nS1,"Een\nmet twee regels",2,0,0\nS2,"Twee ""B""",2,1000,0\n'
    )
    schools += "S3,Drie,zeven,0,1000\n"
    folder = write_round(tmp_path / "round", {"schools.csv": schools})
    result = run("allocate", folder)
    assert result.exit_code == 2
    assert problem_lines(result)[0].startswith("schools.csv, row 4, column capacity:")


def test_rows_after_a_sep_line_are_numbered_as_excel_shows_them(tmp_path: Path) -> None:
    text = "sep=;\n" + SCHOOLS.replace(",", ";").replace("S3;Drie;1", "S3;Drie;een")
    folder = write_round(tmp_path / "round", {"schools.csv": text})
    result = run("allocate", folder)
    assert [line.split(":")[0] for line in problem_lines(result)] == [
        "schools.csv, row 4, column capacity"
    ]


def test_blank_rows_inside_a_table_count_as_rows(tmp_path: Path) -> None:
    applicants = APPLICANTS.replace("\nA3,", "\n\n,,,,,,\nA3,").replace("A4,S3;S2", "A4,S3;S8")
    folder = write_round(tmp_path / "round", {"applicants.csv": applicants})
    result = run("allocate", folder)
    assert result.exit_code == 2
    assert [line.split(":")[0] for line in problem_lines(result)] == [
        "applicants.csv, row 7, column choices"
    ]


def test_single_column_and_trailing_separator_in_choices(tmp_path: Path) -> None:
    """'S1;S2;' (a trailing separator) is the list S1, S2."""
    applicants = replace_line(APPLICANTS, 2, "A1,S1;S2;,10,10,0,,")
    a = write_round(tmp_path / "a")
    b = write_round(tmp_path / "b", {"applicants.csv": applicants})
    assert allocate(a)["assignments.csv"] == allocate(b)["assignments.csv"]


# --------------------------------------------------------------------------- workbooks


def cell(column: str, value: str, as_number: bool = True) -> object:
    if not value:
        return None
    if as_number and (column in NUMERIC or column in NUMERIC_FLAGS):
        number = float(value)
        return int(number) if number.is_integer() else number
    return value


def write_book(path: Path, tables: dict[str, list[list[str]]], **names: str) -> Path:
    """The tables as sheets (``names`` may rename a sheet), numbers as number cells."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in tables.items():
        sheet = book.create_sheet(names.get(name, name))
        head = rows[0]
        sheet.append(head)
        for row in rows[1:]:
            sheet.append([cell(c, v) for c, v in zip(head, row, strict=True)])
    book.save(path)
    return path


def test_workbook_gives_the_same_allocation(tmp_path: Path, reference) -> None:
    folder = rewrite_example(tmp_path / "xlsx", lambda name, rows: None)
    # sheet names are matched without regard to case
    write_book(folder / "mechelen.xlsx", example_tables(), applicants="Applicants")
    files = allocate(folder)
    assert without_inputs(files) == reference
    inputs = json.loads(files["summary.json"])["inputs"]
    assert sorted(inputs) == ["mechelen.xlsx", "round.toml"]


def test_mixed_csv_and_workbook(tmp_path: Path, reference) -> None:
    """Some tables as CSV files, the others as sheets of one workbook."""
    in_book = ("applicants", "priorities", "groups")
    folder = rewrite_example(
        tmp_path / "mixed", lambda name, rows: None if name in in_book else to_csv(rows)
    )
    tables = example_tables()
    write_book(folder / "aanmeldingen.xlsx", {n: tables[n] for n in in_book})
    files = allocate(folder)
    assert without_inputs(files) == reference
    inputs = json.loads(files["summary.json"])["inputs"]
    assert sorted(inputs) == [
        "aanmeldingen.xlsx",
        "round.toml",
        "schools.csv",
        "seats.csv",
    ]
    rnd = read_round(folder)
    assert rnd.sources["applicants"] == "aanmeldingen.xlsx, sheet applicants"
    assert rnd.sources["schools"] == "schools.csv"


def test_workbook_cells_as_excel_stores_them(tmp_path: Path, reference) -> None:
    """Excel stores every number as a float: 75.0 is a capacity of 75, and a share computed
    as =1-0.7 (0.30000000000000004) is 0.3, as Excel shows it. Ids typed as numbers (101) are
    the text 101, and TRUE/FALSE flags are 1/0."""
    folder = rewrite_example(tmp_path / "xlsx", lambda name, rows: None)
    path = write_book(folder / "round.xlsx", example_tables())
    book = openpyxl.load_workbook(path)
    schools = book["schools"]
    for (capacity,) in schools.iter_rows(min_row=2, min_col=3, max_col=3):
        capacity.value = float(capacity.value)
    seats = book["seats"]
    shares = [c for (c,) in seats.iter_rows(min_row=2, min_col=3, max_col=3)]
    assert shares[0].value == 0.64 and shares[1].value == 0.16
    shares[1].value = (1 - 0.2) - 0.64  # 0.16 with a float error
    assert shares[1].value != 0.16
    flags = book["applicants"]
    head = [c.value for c in flags[1]]
    col = head.index("indicator") + 1
    for (flag,) in flags.iter_rows(min_row=2, min_col=col, max_col=col):
        flag.value = bool(flag.value)
    book.save(path)
    assert without_inputs(allocate(folder)) == reference


def test_workbook_ids_typed_as_numbers(tmp_path: Path) -> None:
    book_tables = {
        "schools": [["school_id", "capacity"], ["101", "1"], ["102", "1"]],
        "applicants": [["applicant_id", "choices"], ["7", "101;102"], ["8", "101"]],
    }
    folder = write_round(tmp_path / "round", {f"{n}.csv": None for n in TABLES})
    path = write_book(folder / "round.xlsx", book_tables)
    book = openpyxl.load_workbook(path)
    for name in ("schools", "applicants"):
        for (c,) in book[name].iter_rows(min_row=2, max_col=1):
            c.value = int(c.value)
    book.save(path)
    rnd = read_round(folder)
    assert list(rnd.instance.school_ids) == ["101", "102"]
    assert list(rnd.instance.applicant_ids) == ["7", "8"]


def test_workbook_trailing_empty_rows_and_columns(tmp_path: Path, reference) -> None:
    folder = rewrite_example(tmp_path / "xlsx", lambda name, rows: None)
    path = write_book(folder / "round.xlsx", example_tables())
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        sheet.cell(row=sheet.max_row + 5, column=sheet.max_column + 3, value="  ")
    book.save(path)
    assert without_inputs(allocate(folder)) == reference


# --------------------------------------------------------------------------- distances


HAVERSINE_TOML = BASE["round.toml"].replace('"euclidean"', '"haversine"')
LATLON_SCHOOLS = """\
school_id,name,capacity,lat,lon
S1,Een,1,51.0,4.0
S2,Twee,5,0.0,0.0
"""
LATLON_APPLICANTS = """\
applicant_id,choices,lat,lon,indicator
A1,S1;S2,51.01,4.0,0
A2,S1;S2,51.0,4.01,0
A3,S2,0.0,1.0,0
"""
LATLON_SEATS = """\
school_id,pool,seats,order_by
S1,near,1,distance
S2,near,5,distance
"""


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def latlon_round(folder: Path, **changes) -> Path:
    files = {
        "round.toml": HAVERSINE_TOML,
        "schools.csv": LATLON_SCHOOLS,
        "applicants.csv": LATLON_APPLICANTS,
        "seats.csv": LATLON_SEATS,
        "priorities.csv": None,
        "groups.csv": None,
    }
    files.update(changes)
    return write_round(folder, files)


def distances(folder: Path) -> dict[tuple[str, str], float]:
    inst = read_round(folder).instance
    out = {}
    for a, aid in enumerate(inst.applicant_ids):
        for e in range(int(inst.choice_ptr[a]), int(inst.choice_ptr[a + 1])):
            out[(aid, inst.school_ids[int(inst.choices[e])])] = float(inst.distance[e])
    return out


def test_haversine_distance(tmp_path: Path) -> None:
    d = distances(latlon_round(tmp_path / "round"))
    assert EARTH_RADIUS_M == 6371008.8
    # along a meridian, 0.01 degree is R * 0.01 * pi / 180 = 1111.9508 m (by hand)
    assert d[("A1", "S1")] == 1111.95
    # one degree along the equator: R * pi / 180 = 111195.0797 m
    assert d[("A3", "S2")] == 111195.08
    # along the parallel at 51 degrees: less than cos(51) * 1111.95 = 699.77 m by a hair
    assert d[("A2", "S1")] == round(haversine(51.0, 4.01, 51.0, 4.0), 2) == 699.77
    assert d[("A1", "S2")] == round(haversine(51.01, 4.0, 0.0, 0.0), 2)
    assert 5.6e6 < d[("A1", "S2")] < 5.8e6  # Mechelen to (0, 0): some 5,700 km


def test_haversine_decides_the_distance_pool(tmp_path: Path) -> None:
    folder = latlon_round(tmp_path / "round")
    files = allocate(folder)
    rows = list(csv.DictReader(io.StringIO(files["assignments.csv"].decode())))
    assert [(r["applicant_id"], r["school_id"]) for r in rows] == [
        ("A1", "S2"),
        ("A2", "S1"),  # 699.77 m beats 1111.95 m
        ("A3", "S2"),
    ]
    cutoffs = list(csv.DictReader(io.StringIO(files["cutoffs.csv"].decode())))
    s1 = next(c for c in cutoffs if c["school_id"] == "S1")
    assert (s1["cutoff_order_by"], s1["cutoff_value"], s1["cutoff_applicant_id"]) == (
        "distance",
        "699.77",
        "A2",
    )


def test_lat_lon_with_decimal_commas_in_a_semicolon_file(tmp_path: Path) -> None:
    a = latlon_round(tmp_path / "a")
    semicolon = {
        "schools.csv": "school_id;name;capacity;lat;lon\nS1;Een;1;51,0;4,0\nS2;Twee;5;0;0\n",
        "applicants.csv": """\
applicant_id;choices;lat;lon;indicator
A1;"S1;S2";51,01;4,0;0
A2;"S1;S2";51,0;4,01;0
A3;S2;0;1;0
""",
    }
    b = latlon_round(tmp_path / "b", **semicolon)
    assert distances(a) == distances(b)


def test_distances_csv_overrides_the_computed_distance(tmp_path: Path) -> None:
    folder = latlon_round(
        tmp_path / "round",
        **{"distances.csv": "applicant_id,school_id,metres\nA1,S1,250.5\n"},
    )
    d = distances(folder)
    assert d[("A1", "S1")] == 250.5
    assert d[("A2", "S1")] == 699.77
    rows = allocate(folder)["assignments.csv"].decode().splitlines()
    assert rows[1].startswith("A1,S1,1,near,")


def test_lat_lon_out_of_range(tmp_path: Path) -> None:
    folder = latlon_round(
        tmp_path / "round",
        **{"schools.csv": LATLON_SCHOOLS.replace("51.0,4.0", "451.0,4.0")},
    )
    result = run("allocate", folder)
    assert result.exit_code == 2
    line = problem_lines(result)[0]
    assert line.startswith("schools.csv, row 2, column lat: '451.0' is not a valid coordinate")
    assert "from -90 to 90" in line
