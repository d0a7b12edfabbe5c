"""Bad input of the rules of section 10 through the real command line, as in
``test_bad_input``: every problem names the file, the row (or round.toml's line), the column
(or key) and what to fix; exit code 2, no traceback, nothing written.

``V2`` is a valid round that uses every rule of section 10 (flag expressions in ``favours``
and ``admits``, ordering criteria with a ``value:`` column, a ``[[nearest]]`` rule with a
category and minimums, a first-choice-only group, the best family number, waiting lists);
each case breaks one thing in it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from roundfiles import (
    GROUPS,
    PRIORITIES,
    no_traceback,
    problem_lines,
    replace_line,
    run,
    write_round,
)
from test_bad_input import assert_problem, tree, with_old_results

V2_TOML = """\
name = "Testronde v2"
seed = "test seed"
mechanism = "deferred-acceptance"
tie_breaking = "single"
priority_groups = ["sibling", "nearby", "zone"]
distance = "euclidean"
family_number = "best"
first_choice_only = ["zone"]
waitlists = true

[[default_pools]]
name = "all"
share = 1.0
favours = ""
order_by = "lottery"

[[nearest]]
group = "nearby"
count = 2
category = "denomination"
at_least = { public = 1 }
"""

V2_SCHOOLS = """\
school_id,name,capacity,x,y,denomination,admits
S1,Een,1,0,0,public,
S2,Twee,1,1000,0,catholic,
S3,Drie,1,0,1000,public,advice_havo|advice_vwo
"""

V2_APPLICANTS = """\
applicant_id,choices,x,y,indicator,disability,advice_havo,advice_vwo,points,family,pledge
A1,S1;S2,10,10,0,0,0,0,3,,
A2,S2;S1;S3,20,20,1,0,1,0,2.5,,
A3,S1;S3,30,30,0,1,0,1,"1,5",,G1
A4,S3;S2,40,40,1,0,1,0,-2,,
A5,S1,50,50,0,0,0,0,0,,
"""

V2_SEATS = """\
school_id,pool,share,favours,order_by
S1,ind,0.5,indicator|disability,"rank,distance"
S1,rest,0.5,not:indicator,value:points
"""

V2: dict[str, str] = {
    "round.toml": V2_TOML,
    "schools.csv": V2_SCHOOLS,
    "applicants.csv": V2_APPLICANTS,
    "seats.csv": V2_SEATS,
    "priorities.csv": PRIORITIES + "A2,S1,zone\n",
    "groups.csv": GROUPS,
}


def line_of(text: str, start: str) -> int:
    """The line (1-based) of ``text`` that starts with ``start`` (the only one)."""
    (found,) = [i for i, line in enumerate(text.splitlines(), 1) if line.startswith(start)]
    return found


def toml(old: str, new: str) -> str:
    assert old in V2_TOML, old
    return V2_TOML.replace(old, new)


NEAREST = line_of(V2_TOML, "[[nearest]]")
END = len(V2_TOML.splitlines()) + 1  # a line added at the end
# (id, changes to V2, file, row or line, column or key, words that say what to fix)
CASES = [
    # 10.1 flag expressions
    (
        "favours-expression-unknown-flag",
        {"seats.csv": replace_line(V2_SEATS, 2, 'S1,ind,0.5,indicator|disabilty,"rank,distance"')},
        "seats.csv",
        2,
        "favours",
        "did you mean 'disability'",
    ),
    (
        "favours-expression-empty-term",
        {"seats.csv": replace_line(V2_SEATS, 2, 'S1,ind,0.5,indicator|,"rank,distance"')},
        "seats.csv",
        2,
        "favours",
        "has an empty term",
    ),
    (
        "favours-expression-not-without-flag",
        {"seats.csv": replace_line(V2_SEATS, 2, 'S1,ind,0.5,indicator|not:,"rank,distance"')},
        "seats.csv",
        2,
        "favours",
        "'not:' needs a flag name after it",
    ),
    (
        "favours-number-column",
        {"seats.csv": replace_line(V2_SEATS, 2, 'S1,ind,0.5,indicator|points,"rank,distance"')},
        "seats.csv",
        2,
        "favours",
        "is a number column (an order_by reads it), not a 0/1 flag",
    ),
    (
        "default-pool-expression-unknown-flag",
        {"round.toml": toml('favours = ""', 'favours = "indicator|kansarm"')},
        "round.toml",
        line_of(V2_TOML, 'favours = ""'),
        "favours",
        "'kansarm' in 'indicator|kansarm' is not a column of applicants.csv",
    ),
    # 10.2 ordering criteria
    (
        "order-by-unknown-criterion",
        {"seats.csv": replace_line(V2_SEATS, 2, 'S1,ind,0.5,indicator,"rank,afstand"')},
        "seats.csv",
        2,
        "order_by",
        "'afstand' is not a criterion",
    ),
    (
        "order-by-empty-criterion",
        {"seats.csv": replace_line(V2_SEATS, 2, 'S1,ind,0.5,indicator,"rank,,distance"')},
        "seats.csv",
        2,
        "order_by",
        "a criterion is empty",
    ),
    (
        "order-by-value-without-column",
        {"seats.csv": replace_line(V2_SEATS, 3, "S1,rest,0.5,not:indicator,value:")},
        "seats.csv",
        3,
        "order_by",
        "'value:' needs a column name after it",
    ),
    (
        "order-by-value-missing-column",
        {"seats.csv": replace_line(V2_SEATS, 3, "S1,rest,0.5,not:indicator,value:punten")},
        "seats.csv",
        3,
        "order_by",
        "'punten', which is not in applicants.csv; add the column",
    ),
    (
        "order-by-value-reserved-column",
        {"seats.csv": replace_line(V2_SEATS, 3, "S1,rest,0.5,not:indicator,value:family")},
        "seats.csv",
        3,
        "order_by",
        "which samen reads for another rule",
    ),
    (
        "value-not-a-number",
        {"applicants.csv": replace_line(V2_APPLICANTS, 3, "A2,S2;S1;S3,20,20,1,0,1,0,veel,,")},
        "applicants.csv",
        3,
        "points",
        "'veel' is not a number; write a number, with . or , as the decimal mark",
    ),
    (
        "value-empty",
        {"applicants.csv": replace_line(V2_APPLICANTS, 6, "A5,S1,50,50,0,0,0,0,,,")},
        "applicants.csv",
        6,
        "points",
        "the cell is empty; order_by value:points needs a number for every child",
    ),
    (
        "default-pool-order-by-bad",
        {"round.toml": toml('order_by = "lottery"', 'order_by = "rank;distance"')},
        "round.toml",
        line_of(V2_TOML, "[[default_pools]]"),
        "default_pools",
        "write lottery, distance, rank or value:COLUMN",
    ),
    (
        "default-pool-value-missing-column",
        {"round.toml": toml('order_by = "lottery"', 'order_by = "value:score"')},
        "round.toml",
        line_of(V2_TOML, 'order_by = "lottery"'),
        "order_by",
        "'score', which is not in applicants.csv",
    ),
    # 10.3 nearest
    (
        "nearest-group-not-a-priority-group",
        {"round.toml": toml('group = "nearby"', 'group = "dichtbij"')},
        "round.toml",
        line_of(V2_TOML, "group = "),
        "nearest.group",
        "'dichtbij' is not in priority_groups",
    ),
    (
        "nearest-without-group",
        {"round.toml": toml('group = "nearby"\n', "")},
        "round.toml",
        NEAREST,
        "nearest",
        "needs a group",
    ),
    (
        "nearest-without-count",
        {"round.toml": toml("count = 2\n", "")},
        "round.toml",
        NEAREST,
        "nearest.count",
        "'count' is missing",
    ),
    (
        "nearest-count-fraction",
        {"round.toml": toml("count = 2", "count = 2.5")},
        "round.toml",
        line_of(V2_TOML, "count = "),
        "nearest.count",
        "must be a whole number",
    ),
    (
        "nearest-count-text",
        {"round.toml": toml("count = 2", 'count = "8"')},
        "round.toml",
        line_of(V2_TOML, "count = "),
        "nearest.count",
        "must be a whole number",
    ),
    (
        "nearest-count-zero",
        {"round.toml": toml("count = 2", "count = 0")},
        "round.toml",
        line_of(V2_TOML, "count = "),
        "nearest.count",
        "it must be 1 or more",
    ),
    (
        "nearest-at-least-without-category",
        {"round.toml": toml('category = "denomination"\n', "")},
        "round.toml",
        line_of(V2_TOML, "at_least") - 1,
        "nearest.at_least",
        "at_least needs a category",
    ),
    (
        "nearest-at-least-unknown-category-value",
        {"round.toml": toml("public = 1", "public = 1, protestant = 1")},
        "round.toml",
        line_of(V2_TOML, "at_least"),
        "nearest.at_least",
        "no school in schools.csv has denomination 'protestant'",
    ),
    (
        "nearest-at-least-not-a-number",
        {"round.toml": toml("public = 1", 'public = "1"')},
        "round.toml",
        line_of(V2_TOML, "at_least"),
        "nearest.at_least",
        "write a whole number of schools",
    ),
    (
        "nearest-category-not-a-column",
        {"round.toml": toml('"denomination"', '"net"')},
        "round.toml",
        line_of(V2_TOML, "category"),
        "nearest.category",
        "the category 'net' is not a column of schools.csv",
    ),
    (
        "nearest-unknown-key",
        {"round.toml": V2_TOML + "counts = 3\n"},
        "round.toml",
        END,
        "nearest",
        "unknown key 'counts' (did you mean 'count'?)",
    ),
    (
        "nearest-key-below",
        {"round.toml": toml("waitlists = true\n", "") + "waitlists = true\n"},
        "round.toml",
        END - 1,
        "waitlists",
        "written below a [[nearest]] line",
    ),
    (
        "nearest-not-tables",
        {
            "round.toml": toml("waitlists = true", "waitlists = true\nnearest = 5").split(
                "[[nearest]]"
            )[0]
        },
        "round.toml",
        line_of(V2_TOML, "waitlists") + 1,
        "nearest",
        "one or more [[nearest]] tables",
    ),
    (
        "nearest-school-without-coordinates",
        {"schools.csv": replace_line(V2_SCHOOLS, 3, "S2,Twee,1,,,catholic,")},
        "schools.csv",
        3,
        "x,y",
        f"the [[nearest]] rule (round.toml line {NEAREST}) needs the distance from every child to every school",
    ),
    (
        "nearest-child-without-coordinates",
        {"applicants.csv": replace_line(V2_APPLICANTS, 6, "A5,S1,,,0,0,0,0,0,,")},
        "applicants.csv",
        6,
        "x,y",
        "distances.csv does not give its distance to every school (3 of 3 missing",
    ),
    (
        "nearest-distances-clash",
        {"distances.csv": "applicant_id,school_id,metres\nA5,S3,100\nA5,S3,120\n"},
        "distances.csv",
        3,
        "metres",
        "gives another distance for the same child and school",
    ),
    # 10.4 first choice only
    (
        "first-choice-only-unknown-group",
        {"round.toml": toml('["zone"]', '["zon"]')},
        "round.toml",
        line_of(V2_TOML, "first_choice_only"),
        "first_choice_only",
        "did you mean 'zone'",
    ),
    (
        "first-choice-only-not-a-list",
        {"round.toml": toml('["zone"]', '"zone"')},
        "round.toml",
        line_of(V2_TOML, "first_choice_only"),
        "first_choice_only",
        "must be a list of priority group names",
    ),
    # 10.5 admits
    (
        "admits-unknown-flag",
        {
            "schools.csv": replace_line(
                V2_SCHOOLS, 4, "S3,Drie,1,0,1000,public,advice_havo|advice_vw"
            )
        },
        "schools.csv",
        4,
        "admits",
        "did you mean 'advice_vwo'",
    ),
    (
        "admits-refuses-a-child",
        {"applicants.csv": replace_line(V2_APPLICANTS, 2, "A1,S1;S3,10,10,0,0,0,0,3,,")},
        "applicants.csv",
        2,
        "choices",
        "the school 'S3' admits only children with advice_havo|advice_vwo (schools.csv row 4, column admits)",
    ),
    # 10.6 family number, 10.7 waiting lists, crs
    (
        "family-number-unknown",
        {"round.toml": toml('"best"', '"beste"')},
        "round.toml",
        line_of(V2_TOML, "family_number"),
        "family_number",
        "did you mean 'best'",
    ),
    (
        "waitlists-not-a-boolean",
        {"round.toml": toml("waitlists = true", 'waitlists = "yes"')},
        "round.toml",
        line_of(V2_TOML, "waitlists"),
        "waitlists",
        "waitlists must be true or false",
    ),
    (
        "crs-not-text",
        {"round.toml": toml('distance = "euclidean"', 'distance = "euclidean"\ncrs = 31370')},
        "round.toml",
        line_of(V2_TOML, "distance") + 1,
        "crs",
        "crs must be text",
    ),
]


@pytest.mark.parametrize(
    ("changes", "file", "row", "column", "fix"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_bad_input_v2(tmp_path: Path, changes, file, row, column, fix) -> None:
    folder = write_round(tmp_path / "round", changes, base=V2)
    before = with_old_results(folder)
    result = run("allocate", folder)
    assert_problem(result, file, row, column, fix)
    assert tree(folder) == before, "the round folder or its results folder changed"


def test_v2_base_round_is_valid(tmp_path: Path) -> None:
    """The round the cases break is fine as it is, uses the rules of section 10 (summary.json
    says "rules": 2) and writes its waiting lists."""
    folder = write_round(tmp_path / "round", base=V2)
    result = run("allocate", folder)
    no_traceback(result)
    assert result.exit_code == 0, result.output
    out = folder / "results"
    assert json.loads((out / "summary.json").read_text())["rules"] == 2
    header = (out / "waitlists.csv").read_text().splitlines()[0]
    assert header == "school_id,pool,position,applicant_id"


def test_every_v2_problem_of_the_round_in_one_run(tmp_path: Path) -> None:
    """Problems of several section 10 rules in several files, all in one run."""
    folder = write_round(
        tmp_path / "round",
        {
            "round.toml": toml('"best"', '"beste"').replace('group = "nearby"', 'group = "x"'),
            "seats.csv": replace_line(V2_SEATS, 3, "S1,rest,0.5,not:indicator,value:punten"),
            "schools.csv": replace_line(V2_SCHOOLS, 4, "S3,Drie,1,0,1000,public,advice"),
        },
        base=V2,
    )
    result = run("allocate", folder)
    assert result.exit_code == 2
    lines = problem_lines(result)
    assert any(line.startswith("round.toml") and "family_number" in line for line in lines)
    assert any(
        line.startswith("round.toml") and "'x' is not in priority_groups" in line for line in lines
    )
    assert any(line.startswith("seats.csv, row 3, column order_by") for line in lines)
    assert any(line.startswith("schools.csv, row 4, column admits") for line in lines)
