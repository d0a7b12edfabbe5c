"""Bad input to ``samen housing allocate``, through the real command line: every problem names
the file (or workbook sheet), the row as a spreadsheet shows it (header = row 1) or the line of
round.toml, the column or key, and what to fix; the exit code is 2, there is no traceback and
nothing is written (an earlier results folder is left as it was).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from housingfiles import DWELLINGS, HOUSEHOLDS, ROUND_TOML, row, toml, write_housing
from roundfiles import flat, no_traceback, problem_lines, run, tree

OLD_RESULTS = {"assignments.csv": b"household_id\nold\n", "summary.json": b"{}\n"}


# (id, changes to the base folder, where the problem is (start of the line), what it says)
CASES = [
    # files
    ("no-round-toml", {"round.toml": None}, "round.toml:", "the folder has no round.toml"),
    ("no-dwellings", {"dwellings.csv": None}, "dwellings.csv:", "add it to the folder"),
    ("no-households", {"households.csv": None}, "households.csv:", "add it to the folder"),
    (
        "typo-file-name",
        {"housholds.csv": HOUSEHOLDS},
        "housholds.csv:",
        "did you mean households.csv?",
    ),
    (
        "not-utf8",
        {"households.csv": HOUSEHOLDS.replace("H1,", "H\xe9,").encode("cp1252")},
        "households.csv, row 2",
        "not UTF-8",
    ),
    # round.toml
    (
        "no-kind",
        {"round.toml": toml('kind = "housing"\n', "")},
        "round.toml, key kind",
        'starts with kind = "housing"',
    ),
    (
        "unknown-key",
        {"round.toml": toml("lottery_share = 0.25", "lotery_share = 0.25")},
        "round.toml, line 5, key lotery_share",
        "did you mean 'lottery_share'?",
    ),
    (
        "empty-seed",
        {"round.toml": toml('seed = "test seed of the housing round"', 'seed = ""')},
        "round.toml, line 3, key seed",
        "the seed announced before the draw",
    ),
    (
        "not-toml",
        {"round.toml": toml('name = "Testronde wonen"', "name = Testronde")},
        "round.toml, line 2",
        "not valid TOML",
    ),
    (
        "share-as-percent",
        {"round.toml": toml("lottery_share = 0.25", "lottery_share = 15")},
        "round.toml, line 5, key lottery_share",
        "for 15% write 0.15",
    ),
    (
        "no-labels",
        {
            "round.toml": ROUND_TOML.split("[labels.standard]")[0]
            + ROUND_TOML.split("priority_groups = []\n\n[labels.points]")[1]
            .split("[suitability.rooms]")[0]
            .replace('order_by = "most:points,value:registered"', "")
            + "[suitability.rooms]"
            + ROUND_TOML.split("[suitability.rooms]")[1]
        },
        "round.toml, key labels",
        "add a table [labels.NAME]",
    ),
    (
        "unknown-label-key",
        {
            "round.toml": toml(
                '[labels.lottery]\norder_by = "lottery"', '[labels.lottery]\norder = "lottery"'
            )
        },
        "round.toml, line 20, key labels.lottery.order",
        "did you mean 'order_by'?",
    ),
    (
        "distance",
        {"round.toml": toml('order_by = "lottery"', 'order_by = "distance"')},
        "round.toml, line 20, key labels.lottery.order_by",
        "'distance' does not apply to housing",
    ),
    (
        "unknown-criterion",
        {"round.toml": toml('order_by = "lottery"', 'order_by = "registration"')},
        "round.toml, line 20, key labels.lottery.order_by",
        "'registration' is not a criterion",
    ),
    (
        "value-without-column",
        {"round.toml": toml('order_by = "lottery"', 'order_by = "value:"')},
        "round.toml, line 20, key labels.lottery.order_by",
        "needs a column name",
    ),
    (
        "empty-term",
        {"round.toml": toml('favours = "urgent"', 'favours = "urgent|"')},
        "round.toml, line 14, key labels.urgent.favours",
        "a term is empty",
    ),
    (
        "label-group-not-in-round",
        {
            "round.toml": toml(
                "priority_groups = []\n\n[labels.points]",
                'priority_groups = ["sibling"]\n\n[labels.points]',
            )
        },
        "round.toml, line 21, key labels.lottery.priority_groups",
        "'sibling' is not one of the round's priority_groups (local_tie)",
    ),
    (
        "max-share-above-1",
        {"round.toml": toml("max_share = 0.25", "max_share = 1.5")},
        "round.toml, line 17, key labels.urgent.max_share",
        "it must be a share from 0 to 1",
    ),
    (
        "bad-label-name",
        {"round.toml": toml("[labels.points]", '[labels."my points"]')},
        "round.toml, line 23, key labels.my points",
        "is not a valid name",
    ),
    (
        "rooms-from-2",
        {"round.toml": toml("1 = [1, 2]\n3 = [2, 3]", "2 = [1, 2]\n3 = [2, 3]")},
        "round.toml, line 26, key suitability.rooms",
        "must start at household size 1",
    ),
    (
        "rooms-reversed",
        {"round.toml": toml("3 = [2, 3]", "3 = [3, 2]")},
        "round.toml, line 28, key suitability.rooms",
        "household size 3: [3, 2] is not [fewest, most] rooms",
    ),
    (
        "rent-unknown-income",
        {"round.toml": toml('high = ["B", "C"]', 'hihg = ["B", "C"]')},
        "round.toml, line 32, key suitability.rent.hihg",
        "did you mean 'high'?",
    ),
    (
        "rent-unknown-band",
        {"round.toml": toml('high = ["B", "C"]', 'high = ["B", "E"]')},
        "round.toml, line 32, key suitability.rent.high",
        "rent band 'E' is not one of the rent_bands (A, B, C)",
    ),
    (
        "rent-missing-income",
        {
            "round.toml": toml(
                'income_bands = ["low", "high"]', 'income_bands = ["low", "high", "mid"]'
            )
        },
        "round.toml, line 30, key suitability.rent",
        "income band mid has no row",
    ),
    # round.toml against households.csv
    (
        "favours-unknown-flag",
        {"round.toml": toml('favours = "urgent"', 'favours = "urgnt"')},
        "round.toml, line 14, key labels.urgent.favours",
        "'urgnt' is not a column of households.csv (did you mean 'urgent'?)",
    ),
    (
        "favours-a-number-column",
        {"round.toml": toml('favours = "urgent"', 'favours = "points"')},
        "round.toml, line 14, key labels.urgent.favours",
        "is a column of households.csv that is not a 0/1 flag",
    ),
    (
        "group-not-a-column",
        {"households.csv": HOUSEHOLDS.replace("local_tie", "localtie")},
        "round.toml, line 4, key priority_groups",
        "'local_tie' is not a 0/1 column of households.csv (did you mean 'localtie'?)",
    ),
    (
        "points-column-missing",
        {"households.csv": HOUSEHOLDS.replace("points", "score")},
        "round.toml, line 24, key labels.points.order_by",
        "orders by the column 'points', which households.csv does not have",
    ),
    # dwellings.csv
    (
        "dwelling-column-typo",
        {"dwellings.csv": DWELLINGS.replace("label", "lable")},
        "dwellings.csv, row 1, column label",
        "rename that column to 'label'",
    ),
    (
        "unknown-label",
        {"dwellings.csv": row(DWELLINGS, 3, "D2,North,3,B,urgnet")},
        "dwellings.csv, row 3, column label",
        "the label 'urgnet' is not in round.toml (did you mean 'urgent'?)",
    ),
    (
        "rooms-with-decimals",
        {"dwellings.csv": row(DWELLINGS, 2, "D1,North,2.0,A,standard")},
        "dwellings.csv, row 2, column rooms",
        "write it without decimals, as 2",
    ),
    (
        "rooms-zero",
        {"dwellings.csv": row(DWELLINGS, 2, "D1,North,0,A,standard")},
        "dwellings.csv, row 2, column rooms",
        "write a whole number of 1 or more",
    ),
    (
        "unknown-rent-band",
        {"dwellings.csv": row(DWELLINGS, 5, "D4,South,2,D,points")},
        "dwellings.csv, row 5, column rent_band",
        "the rent band 'D' is not one of round.toml's rent bands (A, B, C)",
    ),
    (
        "repeated-dwelling",
        {"dwellings.csv": row(DWELLINGS, 5, "D1,South,2,C,points")},
        "dwellings.csv, row 5, column dwelling_id",
        "appears more than once (first in row 2)",
    ),
    (
        "no-neighbourhood",
        {"dwellings.csv": row(DWELLINGS, 4, "D3,,1,B,lottery")},
        "dwellings.csv, row 4, column neighbourhood",
        "every dwelling is in one",
    ),
    (
        "formula",
        {"dwellings.csv": row(DWELLINGS, 4, 'D3,"=HYPERLINK(""x"")",1,B,lottery')},
        "dwellings.csv, row 4, column neighbourhood",
        "a spreadsheet program reads as the start of a formula",
    ),
    (
        "x-without-y",
        {
            "dwellings.csv": DWELLINGS.replace("label\n", "label,x\n").replace(
                "standard\n", "standard,5\n"
            )
        },
        "dwellings.csv, row 1, column y",
        "there is a column 'x' but no column 'y'",
    ),
    (
        "too-many-urgent",
        {"dwellings.csv": row(DWELLINGS, 2, "D1,North,2,A,urgent")},
        "dwellings.csv, column label",
        "2 dwellings of 4 (50.0%) have label urgent, more than round.toml allows "
        "(labels.urgent.max_share = 0.25, line 17): at most 1 of 4",
    ),
    (
        "too-much-lottery",
        {"dwellings.csv": row(DWELLINGS, 5, "D4,South,2,C,lottery")},
        "dwellings.csv, column label",
        "have the labels ordered by lottery (lottery), more than round.toml allows "
        "(lottery_share = 0.25, line 5)",
    ),
    # households.csv
    (
        "response-to-unknown",
        {"households.csv": row(HOUSEHOLDS, 3, "H2,D2;D9,15-03-2019,3,low,10,1,0")},
        "households.csv, row 3, column responses",
        "the dwelling 'D9' is not in dwellings.csv",
    ),
    (
        "responses-with-commas",
        {"households.csv": row(HOUSEHOLDS, 3, 'H2,"D2,D1",15-03-2019,3,low,10,1,0')},
        "households.csv, row 3, column responses",
        "separate the dwellings with ';', not ','",
    ),
    (
        "response-twice",
        {"households.csv": row(HOUSEHOLDS, 4, "H3,D3;D4;D3,2021-02-01,1,high,7,0,0")},
        "households.csv, row 4, column responses",
        "the dwelling 'D3' is listed more than once",
    ),
    (
        "no-responses",
        {"households.csv": row(HOUSEHOLDS, 5, "H4,,2018-06-30,2,high,7,0,1")},
        "households.csv, row 5, column responses",
        "the household responded to no dwelling",
    ),
    (
        "month-13",
        {"households.csv": row(HOUSEHOLDS, 2, "H1,D1;D2,2020-13-05,1,low,3,0,1")},
        "households.csv, row 2, column registered",
        "there is no day 5 in month 13 of 2020",
    ),
    (
        "february-31",
        {"households.csv": row(HOUSEHOLDS, 2, "H1,D1;D2,31-02-2024,1,low,3,0,1")},
        "households.csv, row 2, column registered",
        "'31-02-2024' is not a date",
    ),
    (
        "date-as-number",
        {"households.csv": row(HOUSEHOLDS, 2, "H1,D1;D2,45366,1,low,3,0,1")},
        "households.csv, row 2, column registered",
        "looks like a spreadsheet's number for a date",
    ),
    (
        "date-in-words",
        {"households.csv": row(HOUSEHOLDS, 2, "H1,D1;D2,5 januari 2020,1,low,3,0,1")},
        "households.csv, row 2, column registered",
        "write the date as year-month-day (2024-03-15) or day-month-year (15-03-2024)",
    ),
    (
        "size-in-words",
        {"households.csv": row(HOUSEHOLDS, 3, "H2,D2;D1,15-03-2019,three,low,10,1,0")},
        "households.csv, row 3, column size",
        "the household size is 'three'",
    ),
    (
        "unknown-income",
        {"households.csv": row(HOUSEHOLDS, 3, "H2,D2;D1,15-03-2019,3,lwo,10,1,0")},
        "households.csv, row 3, column income_band",
        "the income band 'lwo' is not one of round.toml's income bands (low, high) (did you mean 'low'?)",
    ),
    (
        "flag-maybe",
        {"households.csv": row(HOUSEHOLDS, 4, "H3,D3;D4,2021-02-01,1,high,7,maybe,0")},
        "households.csv, row 4, column urgent",
        "'maybe' is not a flag value; write 0 or 1",
    ),
    (
        "points-not-a-number",
        {"households.csv": row(HOUSEHOLDS, 4, "H3,D3;D4,2021-02-01,1,high,seven,0,0")},
        "households.csv, row 4, column points",
        "'seven' is not a valid number",
    ),
    (
        "points-empty",
        {"households.csv": row(HOUSEHOLDS, 4, "H3,D3;D4,2021-02-01,1,high,,0,0")},
        "households.csv, row 4, column points",
        "every household needs a number here",
    ),
    (
        "reserved-column",
        {
            "households.csv": HOUSEHOLDS.replace("local_tie\n", "local_tie,fits_x\n")
            .replace("0,1\n", "0,1,1\n")
            .replace("0,0\n", "0,0,0\n")
            .replace("1,0\n", "1,0,0\n")
        },
        "households.csv, row 1, column fits_x",
        "cannot be used: it starts with 'fits_' or 'minus_', which samen keeps",
    ),
    (
        "reserved-number-column",
        {
            "round.toml": toml(
                'order_by = "most:points,value:registered"', 'order_by = "most:minus_p"'
            ),
            "households.csv": HOUSEHOLDS.replace("points", "minus_p"),
        },
        "households.csv, row 1, column minus_p",
        "which samen keeps for the columns it adds",
    ),
    (
        "a-flag-called-family",
        {
            "households.csv": HOUSEHOLDS.replace("local_tie\n", "local_tie,family\n")
            .replace("0,1\n", "0,1,1\n")
            .replace("0,0\n", "0,0,0\n")
            .replace("1,0\n", "1,0,1\n")
        },
        "households.csv, row 1, column family",
        "the allocation rules read a column 'family' of applicants.csv as something else",
    ),
    (
        "repeated-household",
        {"households.csv": row(HOUSEHOLDS, 5, "H1,D4;D3,2018-06-30,2,high,7,0,1")},
        "households.csv, row 5, column household_id",
        "the household id 'H1' appears more than once",
    ),
    (
        "nothing-fits",
        {
            "households.csv": "household_id,responses,registered,size,income_band,points,urgent,"
            "local_tie\nH1,D2,2020-01-05,1,low,3,0,1\n"
        },
        "households.csv, column responses",
        "no household responded to a dwelling that fits it",
    ),
]


@pytest.mark.parametrize(
    ("changes", "where", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_reported_and_nothing_is_written(
    tmp_path: Path, changes: dict, where: str, words: str
) -> None:
    folder = write_housing(tmp_path / "round", changes)
    results = folder / "results"
    results.mkdir()
    for name, data in OLD_RESULTS.items():
        (results / name).write_bytes(data)
    before = tree(folder)
    result = run("housing", "allocate", folder)
    no_traceback(result)
    assert result.exit_code == 2, result.output
    lines = problem_lines(result) or [flat(result.stderr)]
    hits = [line for line in lines if line.startswith(where) and words in flat(line)]
    assert hits, f"no problem at {where!r} saying {words!r} in:\n" + "\n".join(lines)
    assert "nothing was" in flat(result.stderr) or "no results were written" in flat(result.stderr)
    assert tree(folder) == before


def test_every_problem_of_every_file_in_one_run(tmp_path: Path) -> None:
    folder = write_housing(
        tmp_path / "round",
        {
            "round.toml": toml('favours = "urgent"', 'favours = "urgnt"'),
            "dwellings.csv": row(DWELLINGS, 3, "D2,North,three,B,urgent"),
            "households.csv": row(HOUSEHOLDS, 2, "H1,D1;D9,2020-01-05,1,low,3,0,1"),
        },
    )
    result = run("housing", "allocate", folder)
    assert result.exit_code == 2
    lines = problem_lines(result)
    assert any(line.startswith("round.toml, line 14, key labels.urgent.favours") for line in lines)
    assert any(line.startswith("dwellings.csv, row 3, column rooms") for line in lines)
    assert any(line.startswith("households.csv, row 2, column responses") for line in lines)
    assert "has 3 problems" in flat(result.stderr)


def _book(path: Path, tables: dict[str, str]) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, text in tables.items():
        ws = wb.create_sheet(name)
        for line in text.splitlines():
            ws.append(line.split(","))
    wb.save(path)


def test_a_workbook_names_its_sheet(tmp_path: Path) -> None:
    folder = write_housing(tmp_path / "round", {"dwellings.csv": None, "households.csv": None})
    _book(
        folder / "woningen.xlsx",
        {
            "dwellings": DWELLINGS,
            "households": row(HOUSEHOLDS, 3, "H2,D2;D1,15-03-2019,three,low,10,1,0"),
        },
    )
    result = run("housing", "allocate", folder)
    assert result.exit_code == 2, result.output
    assert any(
        line.startswith("woningen.xlsx, sheet households, row 3, column size")
        for line in problem_lines(result)
    )


def test_a_good_workbook_is_allocated_as_the_csv_files(tmp_path: Path) -> None:
    csv_folder = write_housing(tmp_path / "csv")
    book_folder = write_housing(tmp_path / "book", {"dwellings.csv": None, "households.csv": None})
    _book(book_folder / "woningen.xlsx", {"dwellings": DWELLINGS, "households": HOUSEHOLDS})
    assert run("housing", "allocate", csv_folder).exit_code == 0
    assert run("housing", "allocate", book_folder).exit_code == 0
    a = (csv_folder / "results" / "assignments.csv").read_bytes()
    assert a == (book_folder / "results" / "assignments.csv").read_bytes()


def test_a_file_instead_of_a_folder(tmp_path: Path) -> None:
    folder = write_housing(tmp_path / "round")
    result = run("housing", "allocate", folder / "dwellings.csv")
    no_traceback(result)
    assert result.exit_code == 2
    assert "this is a file, not a folder" in flat(result.stderr)
    result = run("housing", "allocate", tmp_path / "nowhere")
    assert result.exit_code == 2 and "there is no folder here" in flat(result.stderr)


def test_results_never_replace_a_folder_of_other_files(tmp_path: Path) -> None:
    folder = write_housing(tmp_path / "round")
    other = tmp_path / "documents"
    other.mkdir()
    (other / "letter.docx").write_bytes(b"mine")
    result = run("housing", "allocate", folder, "--out", other)
    no_traceback(result)
    assert result.exit_code == 2
    assert "holds files that samen did not write (letter.docx)" in flat(result.stderr)
    assert tree(other) == {"letter.docx": b"mine"}
