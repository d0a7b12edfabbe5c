"""Results folders in both directions: what ``samen allocate`` writes, ``samen.io.read_results``
reads back to the same allocation; a results folder that does not fit its round is a list of
problems, each naming the file and the row."""

from __future__ import annotations

from pathlib import Path

import pytest

from roundfiles import copy_example
from samen.engine import allocate
from samen.io import read_groups, read_results, read_round, render_results, write_results
from samen.io.results import ResultsError


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory):
    rnd = read_round(copy_example(tmp_path_factory.mktemp("r") / "round"))
    result = allocate(rnd.instance)
    folder = write_results(rnd, result, rnd.path / "results")
    return rnd, result, folder


def test_written_results_read_back(example) -> None:
    rnd, result, folder = example
    got = read_results(rnd, folder)
    assert got.school.tolist() == result.school.tolist()
    assert got.choice_rank.tolist() == result.choice_rank.tolist()
    assert [g.group_id for g in got.groups] == list(rnd.instance.group_ids)
    assert [g.held for g in got.groups] == result.group_held.tolist()
    assert got.summary["applicants"] == rnd.instance.n_applicants
    assert [f["group_id"] for f in got.failures] == ["kies-samen-vlindertuin"]


def test_results_that_do_not_fit_are_listed(example, tmp_path: Path) -> None:
    rnd, result, _ = example
    files = render_results(rnd, result)
    lines = files["assignments.csv"].decode().splitlines()
    cells = lines[3].split(",")
    cells[2] = "99"  # choice_rank of the child on row 4: not a rank on its list
    lines[3] = ",".join(cells)
    bad = dict(files)
    bad["assignments.csv"] = ("\n".join(lines) + "\n").encode()
    bad["groups.csv"] = files["groups.csv"].replace(b"true", b"maybe")
    out = tmp_path / "results"
    out.mkdir()
    for name, data in bad.items():
        (out / name).write_bytes(data)
    with pytest.raises(ResultsError) as info:
        read_results(rnd, out)
    where = [p.where() for p in info.value.problems]
    assert any(w.startswith("results/assignments.csv, row 4") for w in where), where
    assert any(w.startswith("results/groups.csv, row 2") for w in where), where
    assert "The results folder has" in str(info.value)


def test_groups_alone() -> None:
    text = b"group_id,target,threshold,members,assigned_to_target,held\nG1,S1,3,4,3,true\n"
    (g,) = read_groups(text)
    assert (g.group_id, g.target, g.threshold, g.members, g.assigned, g.held) == (
        "G1",
        "S1",
        3,
        4,
        3,
        True,
    )
    with pytest.raises(ResultsError, match="the header has no column threshold"):
        read_groups(b"group_id,target\nG1,S1\n")
