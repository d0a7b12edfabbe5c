"""Workbooks that hold more than samen reads, and text that a spreadsheet would run as a
formula, through the real command line: ``samen allocate`` stops with exit code 2 and a problem
naming the file (or sheet), row and column, before anything is parsed or written."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from roundfiles import (
    APPLICANTS,
    GROUPS,
    PRIORITIES,
    ROUND_TOML,
    SCHOOLS,
    SEATS,
    csv_rows,
    flat,
    no_traceback,
    problem_lines,
    replace_line,
    run,
    tree,
    write_round,
)
from samen.io.cells import looks_like_formula, neutralise
from samen.io.errors import Problems
from samen.io.formulas import is_formula_text
from samen.io.tables import read_xlsx
from samen.io.workbook import Caps, check_workbook

BOOK = {
    "schools": SCHOOLS,
    "applicants": APPLICANTS,
    "seats": SEATS,
    "priorities": PRIORITIES,
    "groups": GROUPS,
}
NO_CSV = {
    f"{name}.csv": None for name in ("schools", "applicants", "seats", "priorities", "groups")
}
ONLY_TOML = {**NO_CSV, "round.toml": ROUND_TOML.split("\n[[default_pools]]")[0] + "\n"}


def assert_refused(result, head: str, fix: str) -> None:
    """Exit 2, no traceback, and a problem starting with ``head`` that contains ``fix``."""
    no_traceback(result)
    assert result.exit_code == 2, result.output
    lines = [flat(line) for line in problem_lines(result)]
    found = [line for line in lines if line.startswith(head)]
    assert found, f"no problem at {head!r}:\n" + "\n".join(lines)
    assert any(fix in line for line in found), f"{fix!r} not in:\n" + "\n".join(found)


# --------------------------------------------------------------------------- a raw workbook


def _cell(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def _letter(j: int) -> str:
    out = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def _sheet_rows(text: str) -> list[str]:
    rows = []
    for i, cells in enumerate(csv_rows(text), start=1):
        xml = "".join(_cell(f"{_letter(j)}{i}", c) for j, c in enumerate(cells) if c)
        rows.append(f'<row r="{i}">{xml}</row>')
    return rows


def raw_book(path: Path, sheets: dict[str, list[str] | object]) -> Path:
    """An .xlsx written as raw XML, a sheet's rows given as ``<row>`` texts or as an iterator
    of them (streamed into the zip: a million rows without building them in memory)."""
    names = list(sheets)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{k}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for k in range(1, len(names) + 1)
        )
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>",
        )
        zf.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http:'
            '//schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        sheet_xml = "".join(
            f'<sheet name="{n}" sheetId="{k}" r:id="rId{k}"/>' for k, n in enumerate(names, 1)
        )
        zf.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.'
            'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats'
            f'.org/officeDocument/2006/relationships"><sheets>{sheet_xml}</sheets></workbook>',
        )
        rels = "".join(
            f'<Relationship Id="rId{k}" Type="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/relationships/worksheet" Target="worksheets/sheet{k}.xml"/>'
            for k in range(1, len(names) + 1)
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
        )
        for k, name in enumerate(names, 1):
            with zf.open(f"xl/worksheets/sheet{k}.xml", "w") as fh:
                fh.write(
                    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                    b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                )
                block: list[str] = []
                for row in sheets[name]:  # type: ignore[attr-defined]
                    block.append(row)
                    if len(block) == 10_000:
                        fh.write("".join(block).encode())
                        block = []
                fh.write("".join(block).encode())
                fh.write(b"</sheetData></worksheet>")
    return path


def sheets(**changes: object) -> dict[str, object]:
    """Every table of the base round as a raw sheet, with ``changes``."""
    return {**{name: _sheet_rows(text) for name, text in BOOK.items()}, **changes}


def million_rows():
    yield '<row r="1">' + _cell("A1", "applicant_id") + _cell("B1", "choices") + "</row>"
    for i in range(2, 1_000_001):
        yield f'<row r="{i}">{_cell(f"A{i}", f"A{i}")}{_cell(f"B{i}", "S1")}</row>'


@pytest.fixture
def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl must not open the workbook: the caps refuse it before."""

    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


# --------------------------------------------------------------------------- caps


def test_a_million_rows_are_refused_before_parsing(tmp_path: Path, no_parsing) -> None:
    folder = write_round(tmp_path / "round", ONLY_TOML)
    book = raw_book(folder / "round.xlsx", sheets(applicants=million_rows()))
    assert book.stat().st_size < 30 * 2**20
    before = tree(folder)
    result = run("allocate", folder)
    assert_refused(result, "round.xlsx, sheet applicants:", "more than 200,000 rows")
    assert "SAMEN_SHEET_MAX_ROWS" in flat(result.stderr)
    assert tree(folder) == before


def test_one_far_row_counts_as_all_rows_above_it(tmp_path: Path, no_parsing) -> None:
    """A single row numbered 1,000,000 would make the reader produce a million empty rows."""
    folder = write_round(tmp_path / "round", ONLY_TOML)
    rows = [*_sheet_rows(APPLICANTS), '<row r="1000000">' + _cell("A1000000", "x") + "</row>"]
    raw_book(folder / "round.xlsx", sheets(applicants=rows))
    assert_refused(run("allocate", folder), "round.xlsx, sheet applicants:", "200,000 rows")


def test_the_row_cap_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = write_round(tmp_path / "round", ONLY_TOML)
    raw_book(
        folder / "round.xlsx",
        sheets(),
    )
    assert run("allocate", folder, "--out", tmp_path / "out").exit_code == 0
    monkeypatch.setenv("SAMEN_SHEET_MAX_ROWS", "4")  # applicants has 6 rows with the header
    result = run("allocate", folder, "--out", tmp_path / "out2")
    assert_refused(result, "round.xlsx, sheet applicants:", "more than 4 rows")
    assert not (tmp_path / "out2").exists()
    # an unusable value is the default, not a crash
    monkeypatch.setenv("SAMEN_SHEET_MAX_ROWS", "many")
    assert run("allocate", folder, "--out", tmp_path / "out3").exit_code == 0


def test_sheets_samen_does_not_read_are_not_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMEN_SHEET_MAX_ROWS", "10")
    folder = write_round(tmp_path / "round", ONLY_TOML)
    notes = [f'<row r="{i}">{_cell(f"A{i}", "note")}</row>' for i in range(1, 100)]
    raw_book(folder / "round.xlsx", sheets(notes=notes))
    result = run("allocate", folder)
    no_traceback(result)
    assert result.exit_code == 0, result.output


def test_too_many_cells_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_parsing
) -> None:
    """Rows full of empty formatted cells cost as much to parse as text."""
    monkeypatch.setenv("SAMEN_SHEET_MAX_ROWS", "100")
    monkeypatch.setenv("SAMEN_SHEET_MAX_COLUMNS", "5")
    folder = write_round(tmp_path / "round", ONLY_TOML)
    wide = [
        f'<row r="{i}">' + "".join(f'<c r="{_letter(j)}{i}" s="1"/>' for j in range(60)) + "</row>"
        for i in range(1, 20)
    ]
    raw_book(folder / "round.xlsx", sheets(applicants=wide))
    assert_refused(run("allocate", folder), "round.xlsx, sheet applicants:", "more than 500 cells")


def test_text_right_of_the_columns_is_refused_with_its_place(tmp_path: Path) -> None:
    folder = write_round(tmp_path / "round", ONLY_TOML)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, text in BOOK.items():
        sheet = book.create_sheet(name)
        for row in csv_rows(text):
            sheet.append(row)
    book["applicants"]["BA4"] = "stray note"  # column 53, row 4
    book["schools"]["BZ2"] = None  # formatting far right is fine
    book["schools"]["BZ2"].number_format = "0.00"
    book.save(folder / "round.xlsx")
    assert_refused(
        run("allocate", folder), "round.xlsx, sheet applicants, row 4, column BA:", "50 columns"
    )


def test_the_parser_stops_at_the_cap_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A workbook whose XML the quick count cannot see is still stopped while parsing."""
    path = raw_book(tmp_path / "book.xlsx", {"applicants": _sheet_rows(APPLICANTS)})
    monkeypatch.setattr("samen.io.tables.check_workbook", lambda *a, **k: True)
    problems = Problems()
    got = read_xlsx(path.read_bytes(), "book.xlsx", ("applicants",), problems, Caps(rows=3))
    assert got is not None and "applicants" not in got[0]
    [problem] = problems.all()
    assert problem.file == "book.xlsx, sheet applicants" and "more than 3 rows" in problem.message


def test_a_zip_bomb_is_refused_by_its_unpacked_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_parsing
) -> None:
    monkeypatch.setenv("SAMEN_WORKBOOK_MAX_MB", "1")
    folder = write_round(tmp_path / "round", ONLY_TOML)
    path = raw_book(
        folder / "round.xlsx",
        sheets(),
    )
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/padding.bin", b"\0" * (3 * 2**20))
    assert path.stat().st_size < 100_000
    assert_refused(run("allocate", folder), "round.xlsx:", "unpacks to 3 MB, more than the 1 MB")


def test_damaged_zip_parts_are_left_to_the_reader(tmp_path: Path) -> None:
    problems = Problems()
    assert check_workbook(b"PK\x03\x04 not a zip", "x.xlsx", ("schools",), Caps(), problems)
    assert not problems


# --------------------------------------------------------------------------- formulas


def test_neutralise_follows_owasp() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert looks_like_formula(start + "1")
        assert neutralise(start + "SUM(A1)") == "'" + start + "SUM(A1)"
    for text in ("", "Sint-Jozef", "1-2", " =1", "'=1", "K-7KQ2M9XTPA"):
        assert not looks_like_formula(text)
        assert neutralise(text) == text
    assert (
        not is_formula_text("-3.5") and not is_formula_text("+32") and not is_formula_text("-1,5e3")
    )
    assert is_formula_text("-inf") and is_formula_text("+32 15 00 00 00") and is_formula_text("@x")


FORMULA_CASES = [
    pytest.param(
        {
            "schools.csv": replace_line(
                SCHOOLS, 3, 'S2,"=HYPERLINK(""http://x"",""klik"")",2,1000,0'
            )
        },
        "schools.csv, row 3, column name:",
        "starts with '='",
        id="school-name",
    ),
    pytest.param(
        {"schools.csv": SCHOOLS.replace("S3", "@S3")},
        "schools.csv, row 4, column school_id:",
        "starts with '@'",
        id="school-id",
    ),
    pytest.param(
        {"applicants.csv": replace_line(APPLICANTS, 2, "+A1,S1;S2,10,10,0,,")},
        "applicants.csv, row 2, column applicant_id:",
        "starts with '+'",
        id="applicant-id",
    ),
    pytest.param(
        {"seats.csv": SEATS.replace("rest", "-rest")},
        "seats.csv, row 3, column pool:",
        "starts with '-'",
        id="pool-name",
    ),
    pytest.param(
        {"priorities.csv": PRIORITIES.replace("group\n", "=group\n")},
        "priorities.csv, row 1, column =group:",
        "starts with '='",
        id="header",
    ),
    pytest.param(
        {"groups.csv": GROUPS.replace("G1,S1", "G1,-S1")},
        "groups.csv, row 2, column target:",
        "starts with '-'",
        id="group-target",
    ),
    pytest.param(
        {"round.toml": ROUND_TOML.replace('["sibling"]', '["sibling", "-cmd"]')},
        "round.toml, line 5, key priority_groups:",
        "starts with '-'",
        id="toml-group",
    ),
    pytest.param(
        {"round.toml": ROUND_TOML.replace('name = "all"', 'name = "@all"')},
        "round.toml, line 9, key name:",
        "starts with '@'",
        id="toml-pool",
    ),
]


@pytest.mark.parametrize(("changes", "head", "fix"), FORMULA_CASES)
def test_formulas_are_refused_with_their_place(tmp_path: Path, changes, head, fix) -> None:
    folder = write_round(tmp_path / "round", changes)
    before = tree(folder)
    result = run("allocate", folder)
    assert_refused(result, head, fix)
    assert "spreadsheet" in flat(result.stderr)
    assert tree(folder) == before


def test_formulas_in_a_workbook_are_refused(tmp_path: Path) -> None:
    folder = write_round(tmp_path / "round", ONLY_TOML)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, text in BOOK.items():
        sheet = book.create_sheet(name)
        for row in csv_rows(text):
            sheet.append([int(c) if c.lstrip("-").isdigit() else (c or None) for c in row])
    book["schools"]["B2"].value = "=cmd|' /C calc'!A0"
    book["schools"]["B2"].data_type = "s"  # text, as a CSV import into Excel would keep it
    book.save(folder / "round.xlsx")
    assert_refused(
        run("allocate", folder), "round.xlsx, sheet schools, row 2, column name:", "starts with '='"
    )


def test_negative_numbers_are_numbers_not_formulas(tmp_path: Path) -> None:
    schools = SCHOOLS.replace("S2,Twee,2,1000,0", "S2,Twee,2,-1000,-0.5")
    applicants = APPLICANTS.replace("A1,S1;S2,10,10", "A1,S1;S2,-10,+10")
    folder = write_round(tmp_path / "round", {"schools.csv": schools, "applicants.csv": applicants})
    result = run("allocate", folder)
    no_traceback(result)
    assert result.exit_code == 0, result.output
    for path in (folder / "results").glob("*.csv"):
        for line in path.read_text().splitlines():
            assert not any(is_formula_text(cell) for cell in line.split(",")), (path.name, line)


def test_scenarios_csv_neutralises_variant_names_and_keeps_numbers() -> None:
    """scenarios.csv is meant for spreadsheets only: text gets the ', numbers stay numbers."""
    import csv
    import io

    from samen.analytics.scenarios import results_csv

    results = {
        "metric_info": {"D": {"unit": "index"}},
        "variants": [
            {"name": "=HYPERLINK(1)", "metrics": {"D": {"mean": -0.5}}, "draws": 3},
            {"name": "current", "metrics": {"D": {"mean": 0.25}}, "draws": 3},
        ],
        "benchmark": {"D": 0.1, "H": 0.2, "M": 0.3},
    }
    rows = list(csv.reader(io.StringIO(results_csv(results))))
    assert rows[1][0] == "'=HYPERLINK(1)" and rows[1][3] == "-0.5"
    assert rows[2][0] == "current"
