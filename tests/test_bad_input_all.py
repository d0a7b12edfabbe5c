"""Every problem of every file in one run: a file that cannot be used (missing, or with a bad
header) does not hide the problems of the others, in CSV folders and in workbooks; and a
missing column's hint points at the column of the header that looks like it."""

from __future__ import annotations

from pathlib import Path

import pytest

from roundfiles import APPLICANTS, SCHOOLS, SEATS, no_traceback, problem_lines, run, write_round
from test_bad_input import BOOK_TABLES, NO_CSV, write_book

SEATS_101 = SEATS.replace("S1,rest,0.5", "S1,rest,0.51")


def _problems(folder: Path) -> list[str]:
    result = run("allocate", folder)
    no_traceback(result)
    assert result.exit_code == 2, result.output
    assert not (folder / "results").exists()
    return problem_lines(result)


def _has(lines: list[str], where: str, words: str) -> bool:
    return any(line.startswith(where) and words in line for line in lines)


def test_header_typos_in_two_files_are_both_reported(tmp_path: Path) -> None:
    folder = write_round(
        tmp_path / "r",
        {
            "schools.csv": SCHOOLS.replace("capacity", "capacty"),
            "applicants.csv": APPLICANTS.replace("applicant_id", "aplicant_id"),
        },
    )
    lines = _problems(folder)
    assert _has(lines, "schools.csv, row 1, column capacity", "rename that column to 'capacity'")
    assert _has(lines, "applicants.csv, row 1, column applicant_id", "the header has 'aplicant_id'")


def test_a_missing_file_does_not_hide_the_others(tmp_path: Path) -> None:
    folder = write_round(
        tmp_path / "r",
        {
            "applicants.csv": None,
            "schools.csv": SCHOOLS.replace("capacity", "capacty"),
            "seats.csv": SEATS_101,
        },
    )
    lines = _problems(folder)
    assert _has(lines, "applicants.csv", "add it to the round folder")
    assert _has(lines, "schools.csv, row 1, column capacity", "'capacty'")
    assert _has(lines, "seats.csv, row 2, column share", "add up to 1.01")
    assert len(lines) == 3, lines  # nothing reported twice, nothing that follows from these


def test_round_toml_problems_and_table_problems_together(tmp_path: Path) -> None:
    folder = write_round(
        tmp_path / "r",
        {
            "round.toml": 'name = "x"\nseed = ""\n',
            "applicants.csv": APPLICANTS.replace("A5,S1,", "A5,S9,"),
        },
    )
    lines = _problems(folder)
    assert _has(lines, "round.toml, line 2, key seed", "the seed is empty")
    assert _has(lines, "applicants.csv, row 6, column choices", "'S9' is not in schools.csv")


def test_without_schools_the_lists_are_checked_but_not_their_schools(tmp_path: Path) -> None:
    folder = write_round(
        tmp_path / "r",
        {"schools.csv": None, "applicants.csv": APPLICANTS.replace("A5,S1,", "A5,S1;S1,")},
    )
    lines = _problems(folder)
    assert _has(lines, "schools.csv", "add it to the round folder")
    assert _has(lines, "applicants.csv, row 6, column choices", "listed more than once")
    assert not any("is not in schools.csv" in line for line in lines)


@pytest.mark.parametrize("missing", ["applicants", "schools"])
def test_workbook_sheets_are_all_checked(tmp_path: Path, missing: str) -> None:
    folder = write_round(tmp_path / "r", NO_CSV)
    sheets = {**BOOK_TABLES, "seats": SEATS_101}
    sheets.pop(missing)
    other = "schools" if missing == "applicants" else "applicants"
    bad_column = "capacity" if other == "schools" else "choices"
    sheets[other] = sheets[other].replace(bad_column, bad_column[:-1] + "x")
    write_book(folder / "round.xlsx", sheets)
    lines = _problems(folder)
    assert _has(lines, f"{missing}.csv", f"a sheet '{missing}' in round.xlsx")
    assert _has(lines, f"round.xlsx, sheet {other}, row 1, column {bad_column}", "rename")
    assert _has(lines, "round.xlsx, sheet seats, row 2, column share", "add up to 1.01")


def test_a_column_nothing_looks_like_is_to_be_added(tmp_path: Path) -> None:
    folder = write_round(tmp_path / "r", {"schools.csv": SCHOOLS.replace("capacity", "zzz")})
    lines = _problems(folder)
    assert _has(lines, "schools.csv, row 1, column capacity", "add it to the header row")
