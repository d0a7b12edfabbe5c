"""The command line with the rules of section 10: ``samen allocate`` writes waitlists.csv and
says "rules": 2, warns (without failing) about rules that reward ranking strategically;
``samen verify`` compares the waiting lists too; ``samen explain`` shows the criteria's
values and the child's places on the waiting lists; ``samen lottery --family`` shows a
block's number under either family_number rule."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from roundfiles import flat, no_traceback, run, write_round
from test_bad_input_v2 import V2, V2_SEATS, toml

SEED = "kies je school 2027"


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_allocate_writes_waitlists_and_warns(tmp_path: Path) -> None:
    folder = write_round(tmp_path / "r", base=V2)
    result = run("allocate", folder)
    no_traceback(result)
    assert result.exit_code == 0, result.output
    warnings = flat(result.stderr)
    assert "Warning: pools ordered by rank (S1/ind)" in warnings
    assert "Warning: the first-choice-only priority of zone" in warnings
    assert warnings.count("Pathak and Sonmez 2013") == 2
    out = folder / "results"
    assert sorted(p.name for p in out.iterdir()) == [
        "assignments.csv",
        "cutoffs.csv",
        "groups.csv",
        "summary.json",
        "waitlists.csv",
    ]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rules"] == 2
    waiting = rows(out / "waitlists.csv")
    assert waiting and all(r["position"].isdigit() for r in waiting)
    assert "Waiting lists" in result.stdout and "version 2" in result.stdout
    cut = {(r["school_id"], r["pool"]): r for r in rows(out / "cutoffs.csv")}
    # the cut-off of a pool ordered by criteria: each value, joined by ';' (decision 25)
    assert cut[("S1", "ind")]["cutoff_order_by"] == "rank,distance"
    assert cut[("S1", "ind")]["cutoff_value"] == "1;14.14"  # A1: choice 1, 14.14 m
    assert cut[("S1", "rest")]["seats"] == "0" and cut[("S1", "rest")]["cutoff_value"] == ""


def test_no_warning_without_those_rules(tmp_path: Path) -> None:
    seats = V2_SEATS.replace('"rank,distance"', '"distance,value:points"')
    folder = write_round(
        tmp_path / "r",
        {"seats.csv": seats, "round.toml": toml('first_choice_only = ["zone"]\n', "")},
        base=V2,
    )
    result = run("allocate", folder)
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.stderr


def test_verify_compares_the_waiting_lists(tmp_path: Path) -> None:
    folder = write_round(tmp_path / "r", base=V2)
    assert run("allocate", folder).exit_code == 0
    assert run("verify", folder).exit_code == 0
    wl = folder / "results" / "waitlists.csv"
    lines = wl.read_text().splitlines()
    lines[1], lines[2] = lines[2], lines[1]  # two children swapped on a list
    wl.write_text("\n".join(lines) + "\n")
    result = run("verify", folder)
    assert result.exit_code == 1
    assert "waitlists.csv: line 2: the results have" in flat(result.stdout)
    wl.unlink()
    result = run("verify", folder)
    assert result.exit_code == 1 and "waitlists.csv: the file is missing" in flat(result.stdout)


def test_verify_refuses_waitlists_a_round_does_not_ask_for(tmp_path: Path) -> None:
    folder = write_round(tmp_path / "r", {"round.toml": toml("waitlists = true\n", "")}, base=V2)
    assert run("allocate", folder).exit_code == 0
    (folder / "results" / "waitlists.csv").write_text("school_id,pool,position,applicant_id\n")
    result = run("verify", folder)
    assert result.exit_code == 1
    assert "does not ask for waiting lists" in flat(result.stdout)


def test_explain_shows_criteria_and_waiting_lists(tmp_path: Path) -> None:
    folder = write_round(tmp_path / "r", base=V2)
    assert run("allocate", folder).exit_code == 0
    waiting = rows(folder / "results" / "waitlists.csv")
    child = waiting[0]["applicant_id"]
    result = run("explain", folder, child)
    no_traceback(result)
    assert result.exit_code == 0, result.output
    text = flat(result.stdout)
    mine = [r for r in waiting if r["applicant_id"] == child]
    for r in mine:
        where = f"{r['school_id']}, pool '{r['pool']}': {r['position']}"
        assert where in text
    assert "rank,distance" in text or "value:points" in text


def test_lottery_family_numbers() -> None:
    # Emma 0b27.. and Mila f18d..: Emma sorts first and drew the smaller number; Mila, Elise
    # (2917..): Elise sorts first, but the best number is still Elise's
    best = run("lottery", "--seed", SEED, "--family", "best", "Mila", "Emma")
    assert "block (family_number = best): 0b279bee310575d7" in best.stdout
    first = run("lottery", "--seed", SEED, "--family", "first", "Mila", "Tuur")
    # first: Mila sorts before Tuur (M < T); best: Mila f18d.. > Tuur be08..
    assert "block (family_number = first): f18d5a3b8892fd13" in first.stdout
    best = run("lottery", "--seed", SEED, "--family", "best", "Mila", "Tuur")
    assert "block (family_number = best): be08d6b783352150" in best.stdout
    bad = run("lottery", "--seed", SEED, "--family", "beste", "Mila")
    assert bad.exit_code == 2 and "write first or best" in bad.stderr


def test_waitlists_csv_is_what_the_csv_module_writes(tmp_path: Path) -> None:
    """waitlists.csv is written row by row without the csv module (it can be long): ids
    with commas, quotes and non-ASCII letters come out as the csv module writes them."""
    from samen.engine import build_instance
    from samen.io.results import WAITLIST_COLUMNS, waitlists_csv
    from samen.io.round import Round, render_table

    ids = ["a,b", 'c"d', "é", "plain", 'e,"f"']
    inst = build_instance(
        {a: ["S,1", 'S"2'] for a in ids}, {"S,1": 1, 'S"2': 0}, seed="s", waitlists=True
    )
    from samen.engine import allocate

    res = allocate(inst)
    rnd = Round(tmp_path, "r", None, inst, {})  # type: ignore[arg-type]
    w = res.waitlists
    assert w is not None and len(w) > 4
    rows = [
        [inst.school_ids[s], inst.pool_names[p], str(k), inst.applicant_ids[a]]
        for s, p, k, a in zip(w.school, w.pool, w.position, w.applicant, strict=True)
    ]
    assert waitlists_csv(rnd, res) == render_table(WAITLIST_COLUMNS, rows)
