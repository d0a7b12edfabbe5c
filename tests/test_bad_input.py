"""Bad input through the real command line: every problem names the file (or workbook sheet),
the row as a spreadsheet shows it (header = row 1), the column and what to fix; the exit code
is 2, there is no traceback and nothing is written (an earlier results folder is left alone).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
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
from samen.io.errors import MAX_PER_CHECK, MAX_PER_FILE

OLD_RESULTS = {"assignments.csv": b"applicant_id\nold\n", "summary.json": b"{}\n"}

SEATS_AS_INTEGERS = """\
school_id,pool,seats,favours,order_by
S1,ind,1,indicator,lottery
S1,rest,1,not:indicator,distance
"""


def toml(old: str, new: str) -> str:
    assert old in ROUND_TOML
    return ROUND_TOML.replace(old, new)


# (id, changes to the base round, file, row, column, words that say what to fix)
# row/column None: not applicable (a missing file has no row).
CASES = [
    # missing required file
    ("no-schools", {"schools.csv": None}, "schools.csv", None, None, "add it to the round folder"),
    (
        "no-applicants",
        {"applicants.csv": None},
        "applicants.csv",
        None,
        None,
        "add it to the round folder",
    ),
    ("no-round-toml", {"round.toml": None}, "round.toml", None, None, "the folder has no round"),
    # missing required column
    (
        "no-capacity-column",
        {"schools.csv": SCHOOLS.replace("capacity", "seats")},
        "schools.csv",
        1,
        "capacity",
        "add it to the header row",
    ),
    (
        "no-choices-column",
        {"applicants.csv": APPLICANTS.replace("choices", "choice")},
        "applicants.csv",
        1,
        "choices",
        "the header has 'choice', which looks like it: rename that column to 'choices'",
    ),
    (
        "no-group-column",
        {"priorities.csv": PRIORITIES.replace("group", "groep")},
        "priorities.csv",
        1,
        "group",
        "rename that column to 'group'",
    ),
    (
        "no-threshold-column",
        {"groups.csv": GROUPS.replace("threshold", "drempel")},
        "groups.csv",
        1,
        "threshold",
        "add it to the header row",
    ),
    # empty file
    ("empty-file", {"applicants.csv": ""}, "applicants.csv", None, None, "needs a header row"),
    ("blank-lines-only", {"schools.csv": "\n \n\n"}, "schools.csv", None, None, "needs a header"),
    (
        "header-only",
        {"applicants.csv": APPLICANTS.splitlines()[0] + "\n"},
        "applicants.csv",
        2,
        None,
        "add one row per child",
    ),
    (
        "empty-optional-table",
        {"groups.csv": ""},
        "groups.csv",
        None,
        None,
        "needs a header row",
    ),
    # not UTF-8
    (
        "not-utf8",
        {"schools.csv": replace_line(SCHOOLS, 3, "S2,Sint-Gérard,2,1000,0").encode("cp1252")},
        "schools.csv",
        3,
        "name",
        "save the file again as 'CSV UTF-8'",
    ),
    (
        "utf16",
        {"schools.csv": SCHOOLS.encode("utf-16")},
        "schools.csv",
        None,
        None,
        "save it again as 'CSV UTF-8'",
    ),
    (
        "workbook-named-csv",
        {"schools.csv": b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00"},
        "schools.csv",
        None,
        None,
        "this is an Excel workbook, not a CSV file",
    ),
    (
        "tab-separated",
        {"schools.csv": SCHOOLS.replace(",", "\t")},
        "schools.csv",
        1,
        None,
        "separated by tabs; samen reads files separated by commas or semicolons",
    ),
    (
        "unclosed-quote",
        {"applicants.csv": replace_line(APPLICANTS, 3, 'A2,"S2;S1;S3,20,20,1,,')},
        "applicants.csv",
        3,
        "choices",
        "add the closing quote, or remove the opening one",
    ),
    # duplicate ids
    (
        "duplicate-applicant",
        {"applicants.csv": replace_line(APPLICANTS, 5, "A1,S3;S2,40,40,1,,")},
        "applicants.csv",
        5,
        "applicant_id",
        "needs its own id",
    ),
    (
        "duplicate-school",
        {"schools.csv": SCHOOLS + "S2,Nog eens twee,3,500,500\n"},
        "schools.csv",
        5,
        "school_id",
        "first in row 3",
    ),
    (
        "duplicate-group",
        {"groups.csv": GROUPS + "G1,S2,2\n"},
        "groups.csv",
        3,
        "group_id",
        "needs its own id",
    ),
    # ids with ';' or '|'
    (
        "applicant-id-semicolon",
        {"applicants.csv": replace_line(APPLICANTS, 3, '"A;2",S2;S1;S3,20,20,1,,')},
        "applicants.csv",
        3,
        "applicant_id",
        "may not contain",
    ),
    (
        "applicant-id-bar",
        {"applicants.csv": replace_line(APPLICANTS, 6, "A|5,S1,50,50,0,,")},
        "applicants.csv",
        6,
        "applicant_id",
        "may not contain",
    ),
    (
        "school-id-bar",
        {"schools.csv": SCHOOLS + "S|4,Vier,1,5,5\n"},
        "schools.csv",
        5,
        "school_id",
        "may not contain",
    ),
    # choices
    (
        "choice-not-a-school",
        {"applicants.csv": replace_line(APPLICANTS, 3, "A2,S2;S9;S3,20,20,1,,")},
        "applicants.csv",
        3,
        "choices",
        "'S9' is not in schools.csv; check the spelling",
    ),
    (
        "choices-with-commas",
        {"applicants.csv": replace_line(APPLICANTS, 3, 'A2,"S2,S1",20,20,1,,')},
        "applicants.csv",
        3,
        "choices",
        "separate the schools with ';'",
    ),
    (
        "repeated-choice",
        {"applicants.csv": replace_line(APPLICANTS, 4, "A3,S1;S3;S1,30,30,0,,G1")},
        "applicants.csv",
        4,
        "choices",
        "list each school once",
    ),
    (
        "empty-choices",
        {"applicants.csv": replace_line(APPLICANTS, 2, "A1,,10,10,0,,")},
        "applicants.csv",
        2,
        "choices",
        "give at least one school",
    ),
    (
        "only-separators",
        {"applicants.csv": replace_line(APPLICANTS, 2, 'A1," ; ",10,10,0,,')},
        "applicants.csv",
        2,
        "choices",
        "give at least one school",
    ),
    # capacity
    (
        "negative-capacity",
        {"schools.csv": replace_line(SCHOOLS, 4, "S3,Drie,-1,0,1000")},
        "schools.csv",
        4,
        "capacity",
        "it must be 0 or more",
    ),
    (
        "fractional-capacity",
        {"schools.csv": replace_line(SCHOOLS, 2, "S1,Een,2.5,0,0")},
        "schools.csv",
        2,
        "capacity",
        "write a whole number of seats",
    ),
    (
        "text-capacity",
        {"schools.csv": replace_line(SCHOOLS, 2, "S1,Een,twee,0,0")},
        "schools.csv",
        2,
        "capacity",
        "write a whole number of seats",
    ),
    (
        "empty-capacity",
        {"schools.csv": replace_line(SCHOOLS, 3, "S2,Twee,,1000,0")},
        "schools.csv",
        3,
        "capacity",
        "the capacity is empty",
    ),
    # Decision: a whole number written with decimals in a CSV file (12.0) is not read as a
    # whole number anywhere (capacity, seats, threshold); the message says how to write it.
    # (In a workbook, a number cell 12 is 12, whatever its display format.)
    (
        "capacity-with-decimals",
        {"schools.csv": replace_line(SCHOOLS, 3, "S2,Twee,2.0,1000,0")},
        "schools.csv",
        3,
        "capacity",
        "write it without decimals, as 2",
    ),
    # pools
    (
        "shares-not-1",
        {"seats.csv": replace_line(SEATS, 3, "S1,rest,0.4,not:indicator,distance")},
        "seats.csv",
        2,
        "share",
        "add up to 0.9; they must add up to exactly 1",
    ),
    (
        "share-as-percentage",
        {"seats.csv": replace_line(SEATS, 2, "S1,ind,50%,indicator,lottery")},
        "seats.csv",
        2,
        "share",
        "30% is 0.3",
    ),
    (
        "seats-not-capacity",
        {"seats.csv": replace_line(SEATS_AS_INTEGERS, 3, "S1,rest,3,not:indicator,distance")},
        "seats.csv",
        2,
        "seats",
        "add up to 4 but its capacity in schools.csv is 2",
    ),
    (
        "negative-seats",
        {"seats.csv": replace_line(SEATS_AS_INTEGERS, 3, "S1,rest,-1,not:indicator,distance")},
        "seats.csv",
        3,
        "seats",
        "write a whole number (0 or more)",
    ),
    (
        "seats-with-decimals",
        {"seats.csv": replace_line(SEATS_AS_INTEGERS, 2, "S1,ind,1.0,indicator,lottery")},
        "seats.csv",
        2,
        "seats",
        "write it without decimals, as 1",
    ),
    (
        "favours-unknown-flag",
        {"seats.csv": replace_line(SEATS, 2, "S1,ind,0.5,indicatr,lottery")},
        "seats.csv",
        2,
        "favours",
        "did you mean 'indicator'",
    ),
    (
        "favours-negated-unknown-flag",
        {"seats.csv": replace_line(SEATS, 3, "S1,rest,0.5,not:migrant,distance")},
        "seats.csv",
        3,
        "favours",
        "its 0/1 columns are: indicator",
    ),
    (
        "default-pool-favours-unknown-flag",
        {"round.toml": toml('favours = ""', 'favours = "kansarm"')},
        "round.toml",
        11,
        "favours",
        "its 0/1 columns are: indicator",
    ),
    (
        "unknown-order-by",
        {"seats.csv": replace_line(SEATS, 3, "S1,rest,0.5,not:indicator,afstand")},
        "seats.csv",
        3,
        "order_by",
        "write lottery, distance or rank",
    ),
    (
        "seats-unknown-school",
        {"seats.csv": SEATS + "S8,all,1,,lottery\n"},
        "seats.csv",
        4,
        "school_id",
        "'S8' is not in schools.csv",
    ),
    # flags
    (
        "flag-value-2",
        {"applicants.csv": replace_line(APPLICANTS, 3, "A2,S2;S1;S3,20,20,2,,")},
        "applicants.csv",
        3,
        "indicator",
        "write 0 or 1",
    ),
    (
        "flag-value-x",
        {"applicants.csv": replace_line(APPLICANTS, 4, "A3,S1;S3,30,30,x,,G1")},
        "applicants.csv",
        4,
        "indicator",
        "write 0 or 1",
    ),
    (
        "flag-value-empty",
        {"applicants.csv": replace_line(APPLICANTS, 4, "A3,S1;S3,30,30,,,G1")},
        "applicants.csv",
        4,
        "indicator",
        "the cell is empty; write 0 or 1",
    ),
    # priorities
    (
        "unknown-priority-group",
        {"priorities.csv": replace_line(PRIORITIES, 3, "A4,S2,staff")},
        "priorities.csv",
        3,
        "group",
        "not in priority_groups of round.toml",
    ),
    (
        "priority-unknown-applicant",
        {"priorities.csv": PRIORITIES + "A9,S1,sibling\n"},
        "priorities.csv",
        4,
        "applicant_id",
        "'A9' is not in applicants.csv",
    ),
    # pledges
    (
        "pledge-without-target",
        {"applicants.csv": replace_line(APPLICANTS, 4, "A3,S2;S3,30,30,0,,G1")},
        "applicants.csv",
        4,
        "pledge",
        "add the school to the choices, or clear the pledge",
    ),
    (
        "pledge-unknown-group",
        {"applicants.csv": replace_line(APPLICANTS, 4, "A3,S1;S3,30,30,0,,G2")},
        "applicants.csv",
        4,
        "pledge",
        "'G2' is not in groups.csv; check the group id",
    ),
    (
        "pledge-without-groups-file",
        {"groups.csv": None},
        "applicants.csv",
        4,
        "pledge",
        "the round has no groups.csv",
    ),
    (
        "threshold-0",
        {"groups.csv": replace_line(GROUPS, 2, "G1,S1,0")},
        "groups.csv",
        2,
        "threshold",
        "write a whole number of at least 1",
    ),
    (
        "threshold-negative",
        {"groups.csv": replace_line(GROUPS, 2, "G1,S1,-3")},
        "groups.csv",
        2,
        "threshold",
        "write a whole number of at least 1",
    ),
    (
        "threshold-fraction",
        {"groups.csv": replace_line(GROUPS, 2, "G1,S1,2.5")},
        "groups.csv",
        2,
        "threshold",
        "write a whole number of at least 1",
    ),
    (
        "group-target-unknown",
        {"groups.csv": replace_line(GROUPS, 2, "G1,S7,1")},
        "groups.csv",
        2,
        "target",
        "'S7' is not in schools.csv",
    ),
    # distance pools
    (
        "distance-pool-school-without-xy",
        {"schools.csv": replace_line(SCHOOLS, 2, "S1,Een,2,,")},
        "schools.csv",
        2,
        "x,y",
        "add the school's x,y, or the distances",
    ),
    (
        "distance-pool-child-without-xy",
        {"applicants.csv": replace_line(APPLICANTS, 6, "A5,S1,,,0,,")},
        "applicants.csv",
        6,
        "x,y",
        "add the child's x,y or a row in distances.csv",
    ),
    (
        "distance-pool-haversine-without-lat-lon",
        {"round.toml": toml('"euclidean"', '"haversine"')},
        "schools.csv",
        2,
        "lat,lon",
        'to use x,y, set distance = "euclidean"',
    ),
    (
        "distance-negative",
        {"distances.csv": "applicant_id,school_id,metres\nA1,S1,250\nA5,S1,-10\n"},
        "distances.csv",
        3,
        "metres",
        "write a number of at least 0",
    ),
    (
        "only-x-no-y",
        {"applicants.csv": replace_line(APPLICANTS, 3, "A2,S2;S1;S3,20,,1,,")},
        "applicants.csv",
        3,
        "x,y",
        "give both or neither",
    ),
    # round.toml
    (
        "unknown-mechanism",
        {"round.toml": toml('"deferred-acceptance"', '"boston"')},
        "round.toml",
        3,
        "mechanism",
        "choose one of deferred-acceptance, immediate-acceptance",
    ),
    (
        "unknown-tie-breaking",
        {"round.toml": toml('tie_breaking = "single"', 'tie_breaking = "singel"')},
        "round.toml",
        4,
        "tie_breaking",
        "did you mean 'single'",
    ),
    (
        "unknown-distance",
        {"round.toml": toml('"euclidean"', '"manhattan"')},
        "round.toml",
        6,
        "distance",
        "choose euclidean",
    ),
    (
        "toml-syntax",
        {"round.toml": toml('seed = "test seed"', 'seed = "test seed')},
        "round.toml",
        2,
        None,
        "a text value has no closing double quote; add it",
    ),
    (
        "toml-semicolons",
        {"round.toml": toml('name = "all"\nshare = 1.0', 'name = "all"; share = 1.0')},
        "round.toml",
        9,
        None,
        "write each key on its own line",
    ),
    (
        "toml-number-as-seed",
        {"round.toml": toml('seed = "test seed"', "seed = 2027")},
        "round.toml",
        2,
        "seed",
        'must be text in double quotes, like seed = "2027"',
    ),
    (
        "toml-missing-seed",
        {"round.toml": toml('seed = "test seed"\n', "")},
        "round.toml",
        None,
        "seed",
        "add a line seed =",
    ),
    (
        "toml-key-below-pools",
        {"round.toml": toml('seed = "test seed"\n', "") + 'seed = "test seed"\n'},
        "round.toml",
        12,
        "seed",
        "move the line seed = ... up, above the first [[default_pools]]",
    ),
    (
        "toml-unknown-key",
        {"round.toml": 'mechanisme = "x"\n' + ROUND_TOML},
        "round.toml",
        1,
        "mechanisme",
        "did you mean 'mechanism'",
    ),
    (
        "toml-shares-not-1",
        {"round.toml": toml("share = 1.0", "share = 0.9")},
        "round.toml",
        8,
        "default_pools",
        "add up to 0.9; they must add up to exactly 1",
    ),
    (
        "toml-priority-group-twice",
        {"round.toml": toml('["sibling"]', '["sibling", "sibling"]')},
        "round.toml",
        5,
        "priority_groups",
        "list each group once",
    ),
    (
        "toml-not-utf8",
        {"round.toml": toml("Testronde", "Testrónde").encode("cp1252")},
        "round.toml",
        1,
        None,
        "save it as UTF-8",
    ),
    # CSV structure
    (
        "row-too-long",
        {"applicants.csv": replace_line(APPLICANTS, 3, "A2,S2;S1;S3,20,20,1,,,extra")},
        "applicants.csv",
        3,
        None,
        "remove the extra cells or add a column name",
    ),
    (
        "duplicate-column",
        {"schools.csv": SCHOOLS.replace("name", "x", 1)},
        "schools.csv",
        1,
        "x",
        "appears twice in the header row; keep one",
    ),
    (
        "column-without-name",
        {"schools.csv": SCHOOLS.replace("school_id,name,", "school_id,,", 1)},
        "schools.csv",
        1,
        "B",
        "name it or delete the column",
    ),
]


def where(file: str, row: int | None, column: str | None) -> str:
    """How a problem's place is written: row and column, or for round.toml line and key."""
    toml = file.endswith(".toml")
    parts = [file]
    if row is not None:
        parts.append(f"{'line' if toml else 'row'} {row}")
    if column is not None:
        parts.append(f"{'key' if toml else 'column'} {column}")
    return ", ".join(parts) + ":"


def assert_problem(result, file: str, row: int | None, column: str | None, fix: str) -> str:
    """The run failed cleanly (exit 2, no traceback) and reported this problem; returns its
    line."""
    no_traceback(result)
    assert result.exit_code == 2, result.output
    assert "nothing was allocated or written" in result.stderr
    head = where(file, row, column)
    lines = problem_lines(result)
    found = [line for line in lines if line.startswith(head)]
    assert found, f"no problem at {head!r}:\n" + "\n".join(lines)
    assert any(fix in line for line in found), f"{fix!r} not in:\n" + "\n".join(found)
    return next(line for line in found if fix in line)


def with_old_results(folder: Path) -> dict[str, bytes]:
    results = folder / "results"
    results.mkdir()
    for name, data in OLD_RESULTS.items():
        (results / name).write_bytes(data)
    return tree(folder)


@pytest.mark.parametrize(
    ("changes", "file", "row", "column", "fix"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_bad_input(tmp_path: Path, changes, file, row, column, fix) -> None:
    folder = write_round(tmp_path / "round", changes)
    before = with_old_results(folder)
    result = run("allocate", folder)
    assert_problem(result, file, row, column, fix)
    assert tree(folder) == before, "the round folder or its results folder changed"
    out = tmp_path / "elsewhere" / "results"
    result = run("allocate", folder, "--out", out)
    assert_problem(result, file, row, column, fix)
    assert not out.exists() and not out.parent.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["round"], "a temporary folder is left"
    assert result.stdout == ""


@pytest.mark.parametrize(
    "groups", [pytest.param("", id="empty"), pytest.param("group_id,target\nG1,S1\n", id="column")]
)
def test_unusable_groups_file_is_reported_once(tmp_path: Path, groups: str) -> None:
    """When groups.csv cannot be used, the pledges that name its groups are not reported as
    well (the fix is in groups.csv)."""
    folder = write_round(tmp_path / "round", {"groups.csv": groups})
    result = run("allocate", folder)
    assert result.exit_code == 2
    assert [line.split(":")[0] for line in problem_lines(result)] == [
        "groups.csv" if not groups else "groups.csv, row 1, column threshold"
    ]


def test_base_round_is_valid(tmp_path: Path) -> None:
    """The round the cases break is fine as it is (so each case tests its one change)."""
    folder = write_round(tmp_path / "round")
    result = run("allocate", folder)
    assert result.exit_code == 0, result.output
    assert (folder / "results" / "assignments.csv").is_file()


@pytest.mark.parametrize(
    ("true", "false"),
    [("1", "0"), ("true", "false"), ("TRUE", "FALSE"), ("yes", "no"), ("Ja", "Nee"), ("ja", "0")],
)
def test_flag_words_are_accepted(tmp_path: Path, true: str, false: str) -> None:
    """true/false, yes/no and ja/nee (any case) mean 1/0: the results are those of 1/0."""
    reference = write_round(tmp_path / "ref")
    assert run("allocate", reference).exit_code == 0
    rows = csv_rows(APPLICANTS)
    for row in rows[1:]:
        row[4] = true if row[4] == "1" else false
    text = "\n".join(",".join(r) for r in rows) + "\n"
    folder = write_round(tmp_path / "words", {"applicants.csv": text})
    result = run("allocate", folder)
    assert result.exit_code == 0, result.output
    for name in ("assignments.csv", "cutoffs.csv"):
        assert (folder / "results" / name).read_bytes() == (
            reference / "results" / name
        ).read_bytes()


def test_several_problems_of_one_file_in_one_run(tmp_path: Path) -> None:
    applicants = """\
applicant_id,choices,x,y,indicator,family,pledge
A1,S1;S2,10,10,0,,
A1,S2;S1;S3,20,20,1,,
A3,S1;S9,30,30,0,,G1
A4,S3;S3,40,40,5,,
A5,,50,50,0,,G4
"""
    folder = write_round(
        tmp_path / "round",
        {
            "applicants.csv": applicants,
            "schools.csv": replace_line(SCHOOLS, 4, "S3,Drie,-1,0,1000"),
            "round.toml": toml('"single"', '"random"'),
        },
    )
    result = run("allocate", folder)
    expected = [
        ("applicants.csv", 3, "applicant_id", "needs its own id"),
        ("applicants.csv", 4, "choices", "'S9' is not in schools.csv"),
        ("applicants.csv", 5, "choices", "list each school once"),
        ("applicants.csv", 5, "indicator", "write 0 or 1"),
        ("applicants.csv", 6, "choices", "give at least one school"),
        ("applicants.csv", 6, "pledge", "'G4' is not in groups.csv"),
        ("schools.csv", 4, "capacity", "it must be 0 or more"),
        ("round.toml", 4, "tie_breaking", "choose single or multiple"),
    ]
    for file, row, column, fix in expected:
        assert_problem(result, file, row, column, fix)
    assert f"has {len(expected)} problems" in result.stderr
    assert len(problem_lines(result)) == len(expected)
    assert not (folder / "results").exists()


def test_thousands_of_bad_rows_are_capped(tmp_path: Path) -> None:
    """5,000 rows with four problems each: a short list, with how many more there are."""
    n = 5000
    bad_rows = "".join(f"B{i},S1;S9;S1,x{i},0,7,,G9\n" for i in range(n))
    folder = write_round(tmp_path / "round", {"applicants.csv": APPLICANTS + bad_rows})
    start = time.perf_counter()
    result = run("allocate", folder)
    elapsed = time.perf_counter() - start
    no_traceback(result)
    assert result.exit_code == 2
    lines = problem_lines(result)
    assert len(lines) <= MAX_PER_FILE + 1
    # each kind of problem: the first rows one by one, then one line with the count
    assert "applicants.csv, row 7, column choices: the school 'S9' is not in schools.csv" in (
        result.stderr
    )
    assert sum(line.startswith("applicants.csv, row ") for line in lines) >= MAX_PER_CHECK
    assert f"applicants.csv, column choices: {n - MAX_PER_CHECK} more rows have" in result.stderr
    assert lines[-1].startswith("applicants.csv: ... and ")
    assert lines[-1].endswith("more problems in this file")
    assert elapsed < 5, f"reporting took {elapsed:.1f} s"
    assert not (folder / "results").exists()


# --------------------------------------------------------------------------- workbooks


def write_book(path: Path, tables: dict[str, str]) -> Path:
    """The CSV texts as sheets of one workbook (numbers as numbers)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, text in tables.items():
        sheet = book.create_sheet(name)
        for row in csv_rows(text):
            sheet.append([int(c) if c.lstrip("-").isdigit() else (c or None) for c in row])
    book.save(path)
    return path


BOOK_TABLES = {
    "schools": SCHOOLS,
    "applicants": APPLICANTS,
    "seats": SEATS,
    "priorities": PRIORITIES,
    "groups": GROUPS,
}
NO_CSV = {f"{name}.csv": None for name in BOOK_TABLES}


@pytest.mark.parametrize(
    ("sheet", "text", "row", "column", "fix"),
    [
        pytest.param(
            "applicants",
            replace_line(APPLICANTS, 3, "A2,S2;S9,20,20,1,,"),
            3,
            "choices",
            "'S9' is not in round.xlsx, sheet schools",
            id="choice-not-a-school",
        ),
        pytest.param(
            "applicants",
            replace_line(APPLICANTS, 5, "A1,S3;S2,40,40,1,,"),
            5,
            "applicant_id",
            "first in row 2",
            id="duplicate-id",
        ),
        pytest.param(
            "schools",
            SCHOOLS.replace("capacity", "plaatsen"),
            1,
            "capacity",
            "add it to the header row",
            id="missing-column",
        ),
        pytest.param(
            "schools",
            replace_line(SCHOOLS, 3, "S2,Twee,-4,1000,0"),
            3,
            "capacity",
            "it must be 0 or more",
            id="negative-capacity",
        ),
        pytest.param(
            "seats",
            replace_line(SEATS, 2, "S1,ind,0.5,indicatr,lottery"),
            2,
            "favours",
            "did you mean 'indicator'",
            id="unknown-flag",
        ),
        pytest.param(
            "groups",
            replace_line(GROUPS, 2, "G1,S1,0"),
            2,
            "threshold",
            "at least 1",
            id="threshold-0",
        ),
    ],
)
def test_bad_input_in_a_workbook(tmp_path: Path, sheet, text, row, column, fix) -> None:
    folder = write_round(tmp_path / "round", NO_CSV)
    write_book(folder / "round.xlsx", {**BOOK_TABLES, sheet: text})
    before = with_old_results(folder)
    result = run("allocate", folder)
    assert_problem(result, f"round.xlsx, sheet {sheet}", row, column, fix)
    assert tree(folder) == before


def test_workbook_rows_count_blank_rows(tmp_path: Path) -> None:
    """Rows are numbered as the spreadsheet shows them, blank rows above and between too."""
    folder = write_round(tmp_path / "round", NO_CSV)
    path = write_book(folder / "round.xlsx", BOOK_TABLES)
    book = openpyxl.load_workbook(path)
    sheet = book["applicants"]
    sheet.insert_rows(1, 2)  # header now on row 3
    sheet.insert_rows(6)  # a blank row between A2 and A3
    sheet["B8"] = "S3;S8"  # A4 (row 5 before the insertions)
    book.save(path)
    result = run("allocate", folder)
    assert_problem(result, "round.xlsx, sheet applicants", 8, "choices", "'S8' is not in")


def test_damaged_workbook(tmp_path: Path) -> None:
    folder = write_round(tmp_path / "round", NO_CSV)
    (folder / "round.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    result = run("allocate", folder)
    assert_problem(result, "round.xlsx", None, None, "save it again as 'Excel Workbook (.xlsx)'")


def test_table_both_as_csv_and_sheet(tmp_path: Path) -> None:
    folder = write_round(tmp_path / "round")
    write_book(folder / "extra.xlsx", {"schools": SCHOOLS})
    result = run("allocate", folder)
    assert_problem(result, "extra.xlsx, sheet schools", None, None, "keep one")


def test_two_workbooks(tmp_path: Path) -> None:
    folder = write_round(tmp_path / "round", NO_CSV)
    write_book(folder / "a.xlsx", BOOK_TABLES)
    write_book(folder / "b.xlsx", BOOK_TABLES)
    result = run("allocate", folder)
    assert_problem(result, "round", None, None, "keep exactly one workbook")


# --------------------------------------------------------------------------- the folder


def test_folder_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-round"
    result = run("allocate", missing)
    assert_problem(result, str(missing), None, None, "there is no folder here; check the path")
    assert not missing.exists()


def test_file_instead_of_folder(tmp_path: Path) -> None:
    folder = write_round(tmp_path / "round")
    (tmp_path / "notes.txt").write_text("not a round\n")
    for path, fix in (
        (folder / "applicants.csv", "give the folder that holds it"),
        (tmp_path / "notes.txt", "give the round folder"),
    ):
        result = run("allocate", path)
        assert_problem(result, str(path), None, None, f"this is a file, not a folder; {fix}")
    assert not (folder / "results").exists()


def test_round_toml_as_argument_means_its_folder(tmp_path: Path) -> None:
    folder = write_round(tmp_path / "round")
    result = run("allocate", folder / "round.toml")
    assert result.exit_code == 0, result.output
    assert (folder / "results" / "assignments.csv").is_file()


def test_verify_reports_bad_input_too(tmp_path: Path) -> None:
    folder = write_round(tmp_path / "round")
    assert run("allocate", folder).exit_code == 0
    (folder / "schools.csv").write_text(replace_line(SCHOOLS, 2, "S1,Een,veel,0,0"))
    result = run("verify", folder)
    assert_problem(result, "schools.csv", 2, "capacity", "write a whole number")


def test_end_to_end_in_a_real_process(tmp_path: Path) -> None:
    """The installed command, as staff run it: plain message on stderr, exit 2, no traceback."""
    folder = write_round(
        tmp_path / "round",
        {
            "applicants.csv": replace_line(APPLICANTS, 3, "A2,S2;S9,20,20,1,,"),
            "groups.csv": replace_line(GROUPS, 2, "G1,S1,0"),
        },
    )
    before = with_old_results(folder)
    proc = subprocess.run(
        [sys.executable, "-m", "samen.cli", "allocate", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TERM")}
        | {"COLUMNS": "60"},
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stdout == ""
    lines = [line.strip() for line in proc.stderr.splitlines() if line.startswith("  ")]
    assert lines == [
        "applicants.csv, row 3, column choices: the school 'S9' is not in schools.csv; check "
        "the spelling or add the school",
        "groups.csv, row 2, column threshold: the threshold is '0'; write a whole number of at "
        "least 1",
    ]
    assert "\x1b[" not in proc.stderr, "colour codes when not on a terminal"
    assert tree(folder) == before


def test_file_that_cannot_be_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A table open and locked in another program, or without permission: a plain message."""
    folder = write_round(tmp_path / "round")
    read_bytes = Path.read_bytes

    def locked(self: Path) -> bytes:
        if self.name == "applicants.csv":
            raise PermissionError(13, "Permission denied", str(self))
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", locked)
    result = run("allocate", folder)
    no_traceback(result)
    assert result.exit_code == 2
    err = flat(result.stderr)
    assert f"Cannot read {folder / 'applicants.csv'}: Permission denied" in err
    assert "Close it and run the command again" in err
    assert not (folder / "results").exists()
