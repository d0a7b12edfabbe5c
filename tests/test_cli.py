"""The command line on the example round: what ``samen allocate`` writes (spec section 9),
``samen verify``, ``samen lottery`` and ``--version``.

These check the files of version 1 of the rules (four result files, a twin pair with the
number of its first member), so they run on the example round as it was under version 1
(``tests/data/v1``); ``tests/test_cli_v2.py`` and the example's own tests cover version 2."""

from __future__ import annotations

import csv
import errno
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from roundfiles import (
    EXAMPLE_V1,
    flat,
    no_traceback,
    run,
    tree,
    write_round,
)
from roundfiles import copy_example as copy_round
from samen import __version__

ASSIGNMENT_COLUMNS = ["applicant_id", "school_id", "choice_rank", "pool", "lottery"]
CUTOFF_COLUMNS = [
    "school_id",
    "pool",
    "seats",
    "filled",
    "overflow",
    "cutoff_group",
    "cutoff_favoured",
    "cutoff_order_by",
    "cutoff_value",
    "cutoff_lottery",
    "cutoff_applicant_id",
]
GROUP_COLUMNS = ["group_id", "target", "threshold", "members", "assigned_to_target", "held"]
HEX16 = re.compile(r"^[0-9a-f]{16}$")


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def header(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@pytest.fixture(scope="module")
def allocated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example round, allocated with the default results folder."""
    folder = copy_example(tmp_path_factory.mktemp("cli") / "mechelen")
    result = run("allocate", folder)
    assert result.exit_code == 0, result.output
    return folder


def copy_example(folder: Path) -> Path:
    """A copy of the v1 example round."""
    return copy_round(folder, EXAMPLE_V1)


def settings(folder: Path) -> dict[str, object]:
    import tomllib

    return tomllib.loads((folder / "round.toml").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- allocate


def test_allocate_writes_the_four_files_in_results(allocated: Path) -> None:
    results = allocated / "results"
    assert sorted(p.name for p in results.iterdir()) == [
        "assignments.csv",
        "cutoffs.csv",
        "groups.csv",
        "summary.json",
    ]
    assert header(results / "assignments.csv") == ASSIGNMENT_COLUMNS
    assert header(results / "cutoffs.csv") == CUTOFF_COLUMNS
    assert header(results / "groups.csv") == GROUP_COLUMNS
    for name in ("assignments.csv", "cutoffs.csv", "groups.csv"):
        data = (results / name).read_bytes()
        assert b"\r" not in data and not data.startswith(b"\xef\xbb\xbf")
        assert data.endswith(b"\n")
    # no temporary or old folders are left next to it
    assert sorted(p.name for p in allocated.iterdir() if p.name.startswith(".")) == []


def test_assignments_follow_applicants_csv(allocated: Path) -> None:
    applicants = read_csv(allocated / "applicants.csv")
    rows = read_csv(allocated / "results" / "assignments.csv")
    assert [r["applicant_id"] for r in rows] == [a["applicant_id"] for a in applicants]
    seed = str(settings(allocated)["seed"])
    groups = {g["group_id"]: g["target"] for g in read_csv(allocated / "groups.csv")}
    schools = {s["school_id"] for s in read_csv(allocated / "schools.csv")}
    unassigned = 0
    for a, r in zip(applicants, rows, strict=True):
        assert HEX16.match(r["lottery"]), r
        choices = a["choices"].split(";")
        if not r["school_id"]:
            unassigned += 1
            assert r["choice_rank"] == "" and r["pool"] == ""
        else:
            assert r["school_id"] in schools
            rank = int(r["choice_rank"])
            assert choices[rank - 1] == r["school_id"]
            assert r["pool"]
        # section 3: the single number, except at a pledge target and in a family block
        if a["family"]:
            continue
        target = groups.get(a["pledge"])
        if target is not None and r["school_id"] == target:
            assert r["lottery"] == sha(f"{seed}|pledge:{a['pledge']}")
        else:
            assert r["lottery"] == sha(f"{seed}|{a['applicant_id']}")
    assert unassigned > 0, "the example round has unassigned children"


def test_family_block_shares_the_lead_number(allocated: Path) -> None:
    applicants = read_csv(allocated / "applicants.csv")
    rows = {r["applicant_id"]: r for r in read_csv(allocated / "results" / "assignments.csv")}
    seed = str(settings(allocated)["seed"])
    families: dict[str, list[str]] = {}
    for a in applicants:
        if a["family"]:
            families.setdefault(a["family"], []).append(a["applicant_id"])
    assert families
    for members in families.values():
        lead = min(members, key=lambda i: i.encode("utf-8"))
        for m in members:
            assert rows[m]["lottery"] == sha(f"{seed}|{lead}")


def test_cutoffs_per_school_and_pool(allocated: Path) -> None:
    rows = read_csv(allocated / "results" / "cutoffs.csv")
    schools = [s["school_id"] for s in read_csv(allocated / "schools.csv")]
    assert list(dict.fromkeys(r["school_id"] for r in rows)) == schools
    seats_csv = read_csv(allocated / "seats.csv")
    mb01 = [r["pool"] for r in rows if r["school_id"] == "MB01"]
    assert mb01 == [s["pool"] for s in seats_csv if s["school_id"] == "MB01"]
    assigned = read_csv(allocated / "results" / "assignments.csv")
    capacity = {s["school_id"]: int(s["capacity"]) for s in read_csv(allocated / "schools.csv")}
    for sid in schools:
        pools = [r for r in rows if r["school_id"] == sid]
        assert sum(int(r["seats"]) for r in pools) == capacity[sid]
        filled = sum(int(r["filled"]) for r in pools)
        assert filled == sum(1 for a in assigned if a["school_id"] == sid)
    for r in rows:
        full = int(r["filled"]) >= int(r["seats"]) > 0
        cutoff = [r[c] for c in CUTOFF_COLUMNS[5:]]
        if full:
            assert all(cutoff[:3]) and r["cutoff_order_by"] in ("lottery", "distance", "rank")
            assert HEX16.match(r["cutoff_lottery"]) and r["cutoff_applicant_id"]
        else:
            assert cutoff == [""] * 6, r


def test_groups_csv(allocated: Path) -> None:
    rows = read_csv(allocated / "results" / "groups.csv")
    given = read_csv(allocated / "groups.csv")
    assert [(r["group_id"], r["target"], r["threshold"]) for r in rows] == [
        (g["group_id"], g["target"], g["threshold"]) for g in given
    ]
    assert {r["held"] for r in rows} == {"true", "false"}
    members = read_csv(allocated / "applicants.csv")
    for r in rows:
        assert int(r["members"]) == sum(1 for a in members if a["pledge"] == r["group_id"])
        held = int(r["assigned_to_target"]) >= int(r["threshold"])
        assert r["held"] == ("true" if held else "false")


def test_summary_json(allocated: Path) -> None:
    s = json.loads((allocated / "results" / "summary.json").read_text(encoding="utf-8"))
    rows = read_csv(allocated / "results" / "assignments.csv")
    ranks = [int(r["choice_rank"]) for r in rows if r["choice_rank"]]
    n = len(rows)
    assert s["applicants"] == n == 800
    assert s["assigned"] == len(ranks)
    assert s["unassigned"] == n - len(ranks) == sum(1 for r in rows if not r["school_id"])
    first = ranks.count(1)
    top3 = sum(1 for k in ranks if k <= 3)
    assert s["first_choice"] == {"count": first, "share": round(first / n, 6)}
    assert s["top3"] == {"count": top3, "share": round(top3 / n, 6)}
    hist = s["rank_histogram"]
    assert sum(hist) == len(ranks)
    assert hist == [ranks.count(k) for k in range(1, len(hist) + 1)]
    conf = settings(allocated)
    assert s["mechanism"] == conf["mechanism"] == "deferred-acceptance"
    assert s["tie_breaking"] == "single"
    assert s["seed"] == conf["seed"]
    assert s["samen_version"] == __version__
    inputs = sorted(p.name for p in allocated.iterdir() if p.suffix in (".csv", ".toml"))
    assert sorted(s["inputs"]) == inputs
    for name in inputs:
        assert s["inputs"][name] == hashlib.sha256((allocated / name).read_bytes()).hexdigest()
    groups = s["pledge_groups"]
    assert {k: groups[k] for k in ("total", "held", "failed")} == {
        "total": 2,
        "held": 1,
        "failed": 1,
    }
    # The failed group's count in the run where it failed (decision 12).
    assert groups["failures"] == [
        {
            "group_id": "kies-samen-vlindertuin",
            "failed_in_run": 1,
            "assigned_to_target": 5,
            "threshold": 10,
        }
    ]


def test_allocate_prints_a_summary(tmp_path: Path) -> None:
    folder = copy_example(tmp_path / "round")
    result = run("allocate", folder)
    assert result.exit_code == 0
    text = flat(result.stdout)
    assert "Children 800" in text and "1st choice" in text and "No school 3 (0.4%)" in text
    assert "Pledge groups held 1 of 2" in text


def test_allocate_is_reproducible_byte_for_byte(tmp_path: Path) -> None:
    """Twice, from two copies in different places: the same bytes in every file."""
    a = copy_example(tmp_path / "a")
    b = copy_example(tmp_path / "elsewhere" / "b")
    assert run("allocate", a).exit_code == 0
    first = tree(a / "results")
    assert run("allocate", a).exit_code == 0  # replaces the results folder
    assert tree(a / "results") == first
    assert run("allocate", b, "--out", tmp_path / "out-b").exit_code == 0
    assert tree(tmp_path / "out-b") == first
    assert len(first) == 4
    assert str(tmp_path).encode() not in first["summary.json"]


def test_out_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = copy_example(tmp_path / "round")
    out = tmp_path / "published" / "2027"
    result = run("allocate", folder, "--out", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "assignments.csv",
        "cutoffs.csv",
        "groups.csv",
        "summary.json",
    ]
    assert not (folder / "results").exists()
    # a relative --out is relative to where the command runs
    monkeypatch.chdir(tmp_path)
    assert run("allocate", "round", "-o", "rel").exit_code == 0
    assert tree(tmp_path / "rel") == tree(out)


def test_no_groups_csv_without_pledge_groups(tmp_path: Path) -> None:
    from roundfiles import APPLICANTS

    applicants = APPLICANTS.replace(",G1\n", ",\n")
    folder = write_round(tmp_path / "round", {"groups.csv": None, "applicants.csv": applicants})
    assert run("allocate", folder).exit_code == 0
    assert sorted(p.name for p in (folder / "results").iterdir()) == [
        "assignments.csv",
        "cutoffs.csv",
        "summary.json",
    ]


def test_out_folder_with_other_files_is_refused(tmp_path: Path) -> None:
    folder = copy_example(tmp_path / "round")
    out = tmp_path / "documents"
    out.mkdir()
    (out / "letter.docx").write_bytes(b"keep me")
    result = run("allocate", folder, "--out", out)
    no_traceback(result)
    assert result.exit_code == 2
    assert "samen did not write (letter.docx)" in flat(result.stderr)
    assert "no results were written" in result.stderr
    assert tree(out) == {"letter.docx": b"keep me"}


def test_out_that_cannot_be_written(tmp_path: Path) -> None:
    folder = copy_example(tmp_path / "round")
    (tmp_path / "a-file").write_text("x")
    result = run("allocate", folder, "--out", tmp_path / "a-file" / "sub" / "results")
    no_traceback(result)
    assert result.exit_code == 2
    err = flat(result.stderr)
    assert f"{tmp_path / 'a-file'}: this is a file, not a folder" in err
    assert "no results were written" in err
    assert result.stdout == ""
    out = tmp_path / "a-file"
    result = run("allocate", folder, "--out", out)
    assert result.exit_code == 2
    assert "this is a file, not a folder" in result.stderr
    assert out.read_text() == "x"


def test_disk_full_while_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure while writing: a plain message, and the earlier results stay as they were."""
    import samen.io.atomic

    folder = copy_example(tmp_path / "round")
    assert run("allocate", folder).exit_code == 0
    before = tree(folder)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(samen.io.atomic.os, "fsync", full)
    result = run("allocate", folder)
    no_traceback(result)
    assert result.exit_code == 2
    err = flat(result.stderr)
    assert "Cannot write" in err and "No space left on device" in err
    assert "an earlier results folder is left as it was" in err
    assert tree(folder) == before
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []


def test_results_folder_is_replaced_as_a_whole(tmp_path: Path) -> None:
    folder = copy_example(tmp_path / "round")
    assert run("allocate", folder).exit_code == 0
    first = tree(folder / "results")
    (folder / "results" / "groups.csv").unlink()
    (folder / "results" / "assignments.csv").write_text("old\n")
    assert run("allocate", folder).exit_code == 0
    assert tree(folder / "results") == first


# --------------------------------------------------------------------------- verify


def test_verify_identical(allocated: Path) -> None:
    result = run("verify", allocated)
    assert result.exit_code == 0, result.output
    assert flat(result.stdout).startswith("identical")


def test_verify_finds_a_tampered_assignment(tmp_path: Path) -> None:
    folder = copy_example(tmp_path / "round")
    assert run("allocate", folder).exit_code == 0
    path = folder / "results" / "assignments.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    cells = lines[1].split(",")  # M0001, assigned to its first choice
    assert cells[0] == "M0001" and cells[2] == "1"
    cells[1], cells[2] = "MB12", "2"
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    result = run("verify", folder)
    no_traceback(result)
    assert result.exit_code == 1, result.output
    out = flat(result.stdout)
    assert out.startswith("different")
    assert "1 file differs: assignments.csv" in out
    assert "assignments.csv: M0001: the results say school MB12 (choice 2" in out
    assert "recomputed: school MB11 (choice 1" in out


def test_verify_finds_tampered_summary_and_missing_file(tmp_path: Path) -> None:
    folder = copy_example(tmp_path / "round")
    assert run("allocate", folder).exit_code == 0
    summary = folder / "results" / "summary.json"
    data = json.loads(summary.read_text(encoding="utf-8"))
    data["unassigned"] = 0
    summary.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (folder / "results" / "groups.csv").unlink()
    result = run("verify", folder)
    assert result.exit_code == 1
    out = flat(result.stdout)
    assert "summary.json: unassigned: the results have 0, recomputed: 3" in out
    assert "groups.csv: the file is missing from the results folder" in out


def test_verify_after_the_input_changed(tmp_path: Path) -> None:
    """Results of another seed do not verify."""
    folder = copy_example(tmp_path / "round")
    assert run("allocate", folder).exit_code == 0
    toml = folder / "round.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("15 maart", "16 maart"), "utf-8")
    result = run("verify", folder)
    assert result.exit_code == 1
    assert "summary.json: seed:" in flat(result.stdout)


def test_verify_without_results(tmp_path: Path) -> None:
    folder = copy_example(tmp_path / "round")
    result = run("verify", folder)
    no_traceback(result)
    assert result.exit_code == 2
    err = flat(result.stderr)
    assert f"There is no results folder at {folder / 'results'}" in err
    assert "run 'samen allocate' first" in err
    assert not (folder / "results").exists()


def test_verify_results_option(tmp_path: Path) -> None:
    folder = copy_example(tmp_path / "round")
    assert run("allocate", folder, "--out", tmp_path / "pub").exit_code == 0
    assert run("verify", folder, "--results", tmp_path / "pub").exit_code == 0
    assert run("verify", folder).exit_code == 2


# --------------------------------------------------------------------------- lottery


SEEDS = [
    "announced before the draw",
    "Mechelen 2027 - publieke loting 15 maart 2027",
    'it\'s "quoted" $HOME `x` \\n',
    "zaad-ß-é",
]


def check_command(stdout: str) -> list[str]:
    return [line.split("check: ", 1)[1] for line in stdout.splitlines() if "check: " in line]


def test_lottery_known_value() -> None:
    result = run("lottery", "--seed", "announced before the draw", "A17")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["A17", "2e13e3fad620ae59", str(int("2e13e3fad620ae59", 16))]
    assert check_command(result.stdout) == [
        "printf '%s' 'announced before the draw|A17' | sha256sum"
    ]


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs sha256sum")
@pytest.mark.parametrize("seed", SEEDS)
def test_lottery_matches_sha256sum(seed: str) -> None:
    ids = ["A17", "M0001", "pledge:kies-samen"]
    result = run("lottery", "--seed", seed, *ids)
    assert result.exit_code == 0, result.output
    numbers = [line.split()[1] for line in result.stdout.splitlines() if not line[:1].isspace()]
    commands = check_command(result.stdout)
    assert len(numbers) == len(commands) == len(ids)
    for applicant, number, command in zip(ids, numbers, commands, strict=True):
        assert HEX16.match(number)
        # the real sha256sum on the exact bytes 'SEED|ID'
        direct = subprocess.run(
            ["sha256sum"], input=f"{seed}|{applicant}".encode(), capture_output=True, check=True
        )
        assert direct.stdout.decode()[:16] == number
        # and the printed command, run as printed
        shell = subprocess.run(["sh", "-c", command], capture_output=True, check=True)
        assert shell.stdout.decode()[:16] == number


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs sha256sum")
def test_lottery_per_school() -> None:
    result = run("lottery", "--seed", "s", "--school", "MB04", "M0002")
    assert result.exit_code == 0
    number = result.stdout.split()[1]
    assert check_command(result.stdout) == ["printf '%s' 's|MB04|M0002' | sha256sum"]
    direct = subprocess.run(["sha256sum"], input=b"s|MB04|M0002", capture_output=True, check=True)
    assert direct.stdout.decode()[:16] == number == sha("s|MB04|M0002")


def test_lottery_matches_the_allocation(allocated: Path) -> None:
    seed = str(settings(allocated)["seed"])
    rows = read_csv(allocated / "results" / "assignments.csv")
    unassigned = [r for r in rows if not r["school_id"]]
    result = run("lottery", "--seed", seed, *(r["applicant_id"] for r in unassigned))
    printed = [line.split()[1] for line in result.stdout.splitlines() if not line[:1].isspace()]
    assert printed == [r["lottery"] for r in unassigned]


# --------------------------------------------------------------------------- misc


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"samen {__version__}"


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in ("allocate", "verify", "lottery"):
        assert command in result.stdout


def test_errors_are_plain_text_not_markup(tmp_path: Path) -> None:
    """Cell values that look like console markup are shown as they are."""
    from roundfiles import APPLICANTS, replace_line

    folder = write_round(
        tmp_path / "round",
        {"applicants.csv": replace_line(APPLICANTS, 3, "A2,S2;[bold]S9[/bold],20,20,1,,")},
    )
    result = run("allocate", folder)
    assert result.exit_code == 2
    assert "the school '[bold]S9[/bold]' is not in schools.csv" in result.stderr


# --------------------------------------------------------------------------- explain, web demo


def test_explain_says_why_and_how_to_check(allocated: Path) -> None:
    result = run("explain", allocated, "M0001", "M0017")
    no_traceback(result)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("M0001: school ")
    assert "M0017:" in text
    assert "lottery number: printf '%s' " in text and "| sha256sum" in text
    result = run("explain", allocated, "M9999")
    assert result.exit_code == 2 and "there is no applicant 'M9999'" in flat(result.stderr)


def test_explain_matches_the_engine_records(allocated: Path) -> None:
    """A child that did not get its first choice: the command shows each pool of the schools
    above, with the cut-off and the child's own place, as samen.engine.explain says."""
    from samen.engine import allocate
    from samen.engine.explain import explain
    from samen.io.round import read_round

    rnd = read_round(allocated)
    result = allocate(rnd.instance)
    a = int(next(i for i, r in enumerate(result.choice_rank.tolist()) if r > 1))
    (record,) = explain(rnd.instance, result, [a])
    text = run("explain", allocated, rnd.instance.applicant_ids[a]).stdout
    for school in record.schools:
        assert f"{school.school}:" in text
        for pool in school.pools:
            assert f"pool '{pool.pool}'" in text
            if pool.cutoff is not None:
                assert pool.cutoff.lottery in text and pool.mine.lottery in text


def test_web_demo_lists_the_problems_of_a_bad_round(tmp_path: Path) -> None:
    folder = copy_example(tmp_path / "round")
    apps = folder / "applicants.csv"
    apps.write_text(apps.read_text(encoding="utf-8").replace("applicant_id", "aplicant_id", 1))
    data = tmp_path / "web"
    result = run("web", "demo", "--round", folder, "--data", data, "--no-serve")
    no_traceback(result)
    assert result.exit_code == 2
    text = flat(result.stderr)
    assert "The round folder has 1 problem; no demo was made. Fix it and run" in text
    assert "rename that column to 'applicant_id'" in text
    assert not data.exists()
