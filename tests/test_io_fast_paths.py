"""The round reader's and writer's fast paths give what their plain paths give: an unquoted
CSV text in the usual shape is read without a Python step per row
(``samen.io.tables._build_regular``), the lists of choices are looked up in NumPy
(``samen.io.checks.applicants._school_codes``), and assignments.csv is joined as text."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest

from roundfiles import APPLICANTS, PRIORITIES, write_round
from samen.engine.allocate import allocate
from samen.io import tables
from samen.io.checks.applicants import _school_codes
from samen.io.errors import Problems
from samen.io.results import ASSIGNMENT_COLUMNS, assignments_csv
from samen.io.round import read_round

CELLS = ["", " ", "a", " b ", "S1;S2", "x y", "\t", "é"]
HEADERS = [["id", "c", "d"], ["id", "", "d"], ["id", "id", "d"], [" id ", "c ", "d"]]


def _row_by_row(text: str, delimiter: str) -> tuple[tables.Table | None, Problems]:
    problems = Problems()
    records = [line.split(delimiter) for line in text.split("\n")]
    return tables._build(records, "t", "t.csv", problems, delimiter), problems


def _shape(t: tables.Table | None) -> object:
    return None if t is None else (t.header, t.columns, t.rows, t.header_row)


@pytest.mark.parametrize("seed", range(4))
def test_regular_text_reads_as_row_by_row(seed: int) -> None:
    rng = random.Random(seed)
    fast = 0
    for _ in range(3000):
        width = rng.randint(1, 3)
        delimiter = rng.choice(",;")
        header = rng.choice(HEADERS)[:width]
        rows = []
        for _ in range(rng.randint(0, 4)):
            k = width if rng.random() < 0.8 else rng.randint(0, width + 1)
            rows.append(delimiter.join(rng.choice(CELLS).replace(delimiter, "") for _ in range(k)))
        text = "\n".join([delimiter.join(header), *rows]) + rng.choice(["", "\n", "\n\n"])
        got = tables._build_regular(text.split("\n"), text, "t", "t.csv", delimiter)
        expected, problems = _row_by_row(text, delimiter)
        if got is not None:
            fast += 1
            assert not problems, text
            assert _shape(got) == _shape(expected), text
    assert fast > 200  # the fast path was taken often enough to mean something


def test_read_csv_takes_the_fast_path_and_numbers_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    def row_by_row(*args: object, **kwargs: object) -> None:
        raise AssertionError("read row by row")

    monkeypatch.setattr(tables, "_build", row_by_row)
    data = b"applicant_id;choices\nC1; S1 \nC2;S2\n"
    t = tables.read_csv(data, "applicants", "applicants.csv", Problems())
    assert t is not None
    assert t.columns == {"applicant_id": ["C1", "C2"], "choices": ["S1", "S2"]}
    assert t.rows == [2, 3]


def test_assignments_are_what_the_csv_module_writes(tmp_path: Path) -> None:
    """assignments.csv is joined as text; a child id, school id or pool name holding a comma,
    a quote or a line break is quoted as the csv module quotes it."""
    applicants = APPLICANTS.replace("A1,", '"A,1",').replace("A2,", '"A""2",')
    applicants = applicants.replace("A3,", '"A\n3",')
    priorities = PRIORITIES.replace("A1,", '"A,1",')
    folder = write_round(
        tmp_path / "r", {"applicants.csv": applicants, "priorities.csv": priorities}
    )
    rnd = read_round(folder)
    assert rnd.instance.applicant_ids[:3] == ["A,1", 'A"2', "A\n3"]
    result = allocate(rnd.instance)
    inst = rnd.instance
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerow(ASSIGNMENT_COLUMNS)
    for a, aid in enumerate(inst.applicant_ids):
        s, p = int(result.school[a]), int(result.pool[a])
        rank = int(result.choice_rank[a])
        writer.writerow(
            [
                aid,
                inst.school_ids[s] if s >= 0 else "",
                str(rank) if rank > 0 else "",
                inst.pool_names[p] if p >= 0 else "",
                f"{int(result.lottery[a]):016x}",
            ]
        )
    assert assignments_csv(rnd, result) == expected.getvalue().encode("utf-8")
    assert b'"A,1",' in assignments_csv(rnd, result)


@pytest.mark.parametrize("seed", range(4))
def test_school_codes_are_the_dictionary_lookup(seed: int) -> None:
    """The lists of choices are looked up in NumPy as a dictionary would: school ids of 1 to 8
    bytes (UTF-8 too), names that are no school, empty names, names longer than 8 bytes."""
    rng = random.Random(seed)
    alphabet = ["S", "1", "2", "é", "x", " ", "0"]
    for _ in range(300):
        ids = list(
            dict.fromkeys(
                "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 7)))
                for _ in range(rng.randint(1, 30))
            )
        )
        index = {s: i for i, s in enumerate(ids) if len(s.encode()) <= 8}
        pool = [*ids, "", "S", "Sé", "S1S1S1S1S", "x" * 8, "x" * 9, "?"]
        names = [rng.choice(pool) for _ in range(rng.randint(1, 60))]
        got = _school_codes(";".join(names), len(names), index)
        if got is None:
            continue
        expected = [-2 if not x else index.get(x, -1) for x in names]
        assert got.tolist() == expected, (names, index)


def test_school_codes_leave_long_ids_to_the_dictionary() -> None:
    assert _school_codes("S1;ABCDEFGHI", 2, {"S1": 0, "ABCDEFGHI": 1}) is None
    assert _school_codes("S1;A\x00", 2, {"S1": 0}) is None


def test_a_list_ending_with_a_separator_next_to_spaced_lists(tmp_path: Path) -> None:
    """A list of choices may end with ';' (an empty entry, skipped) in a file where another
    list has spaces around its ';': the spaces go cell by cell, never joining two lists."""
    applicants = APPLICANTS.replace("A1,S1;S2,", "A1,S1;S2;,").replace(
        "A2,S2;S1;S3,", "A2,S2 ; S1;S3,"
    )
    rnd = read_round(write_round(tmp_path / "r", {"applicants.csv": applicants}))
    inst = rnd.instance
    lists = [
        [inst.school_ids[s] for s in inst.choices[inst.choice_ptr[a] : inst.choice_ptr[a + 1]]]
        for a in range(len(inst.applicant_ids))
    ]
    assert lists[:2] == [["S1", "S2"], ["S2", "S1", "S3"]]
