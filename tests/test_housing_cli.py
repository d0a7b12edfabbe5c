"""``samen housing allocate`` and ``samen verify`` on housing rounds, through the command line;
and ``docs/housing-rules.md`` names only keys the reader knows."""

from __future__ import annotations

import json
import re
from pathlib import Path

from housingfiles import write_housing
from roundfiles import flat, no_traceback, run, tree
from samen.housing.results import HOUSING_FILES, ROUND_DIR
from samen.housing.settings import LABEL_KEYS, RULES_KEYS, SUITABILITY_KEYS

ROOT = Path(__file__).resolve().parents[1]


def test_allocate_writes_the_results_and_the_allocation_round(tmp_path: Path) -> None:
    folder = write_housing(tmp_path / "round")
    result = run("housing", "allocate", folder)
    no_traceback(result)
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert "Dwellings 4, 4 let" in out and "Households 4" in out
    assert "1st response 4 (100.0%)" in out and "Unsuitable responses 1" in out
    files = tree(folder / "results")
    assert set(HOUSING_FILES) <= set(files)
    round_files = {"round.toml", "schools.csv", "applicants.csv", "seats.csv", "priorities.csv"}
    assert {f"{ROUND_DIR}/{f}" for f in round_files} <= set(files)
    assert f"{ROUND_DIR}/results/waitlists.csv" in files
    summary = json.loads(files["summary.json"])
    assert summary["inputs"].keys() == {"round.toml", "dwellings.csv", "households.csv"}
    nested = json.loads(files[f"{ROUND_DIR}/results/summary.json"])
    assert nested["rules"] == 2 and nested["mechanism"] == "deferred-acceptance"
    # the same folder allocated again gives the same bytes (no timestamps), in place
    again = run("housing", "allocate", folder)
    assert again.exit_code == 0 and tree(folder / "results") == files


def test_verify_says_identical_then_different(tmp_path: Path) -> None:
    folder = write_housing(tmp_path / "round")
    assert run("housing", "allocate", folder).exit_code == 0
    result = run("verify", folder)
    assert result.exit_code == 0, result.output
    assert "identical" in flat(result.stdout)
    nested = run("verify", folder / "results" / ROUND_DIR)
    assert nested.exit_code == 0 and "identical" in flat(nested.stdout)

    # someone moves a household up a waiting list, and edits the allocation round
    responses = folder / "results" / "responses.csv"
    responses.write_text(responses.read_text().replace("H1,1,D1", "H1,1,D2"))
    seats = folder / "results" / ROUND_DIR / "seats.csv"
    seats.write_text(seats.read_text().replace("D2,urgent,1,urgent", "D2,urgent,1,"))
    (folder / "results" / "extra.csv").write_text("x\n")
    result = run("verify", folder)
    no_traceback(result)
    assert result.exit_code == 1
    out = flat(result.stdout)
    assert "different" in out and "3 files differ" in out
    assert "responses.csv: line 2 is 'H1,1,D2" in out
    assert "round/seats.csv" in out and "extra.csv: the round does not give this file" in out


def test_verify_without_results_or_with_a_changed_input(tmp_path: Path) -> None:
    folder = write_housing(tmp_path / "round")
    result = run("verify", folder)
    assert result.exit_code == 2
    assert "There is no results folder" in flat(result.stderr)
    assert "samen housing allocate" in flat(result.stderr)
    assert run("housing", "allocate", folder).exit_code == 0
    # the office changes a registration date after the allocation
    households = folder / "households.csv"
    households.write_text(households.read_text().replace("2018-06-30", "2017-06-30"))
    result = run("verify", folder)
    assert result.exit_code == 1
    assert "summary.json" in flat(result.stdout)  # the inputs' SHA-256 differ at least


def test_allocate_on_a_housing_folder_points_to_the_housing_command(tmp_path: Path) -> None:
    folder = write_housing(tmp_path / "round")
    result = run("allocate", folder)
    no_traceback(result)
    assert result.exit_code == 2
    assert "it is a housing round; allocate it with 'samen housing allocate'" in flat(result.stderr)
    assert not (folder / "results").exists()


def test_the_examples_allocate_and_verify(tmp_path: Path) -> None:
    for name in ("housing-mechelen-2027", "housing-amsterdam-2027"):
        out = tmp_path / name
        result = run("housing", "allocate", ROOT / "examples" / name, "--out", out)
        assert result.exit_code == 0, result.output
        result = run("verify", ROOT / "examples" / name, "--results", out)
        assert result.exit_code == 0, result.output


def test_every_round_toml_key_of_the_housing_rules_is_read() -> None:
    text = (ROOT / "docs" / "housing-rules.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```toml\n(.*?)```", text, flags=re.S)
    table = ""
    seen = 0
    for line in block.splitlines():
        line = line.split("#", 1)[0].strip()
        header = re.match(r"^\[(\w+)\.(\w+)\]$", line)
        if header:
            table = header.group(1)
            assert table in RULES_KEYS
            if table == "suitability":
                assert header.group(2) in SUITABILITY_KEYS
            continue
        for key in re.findall(r"^(\w+)\s*=", line):
            seen += 1
            if table == "labels":
                assert key in LABEL_KEYS, key
            elif table == "":
                assert key in RULES_KEYS, key
    assert seen >= 15


def test_housing_runs_without_the_extras(tmp_path: Path) -> None:
    """`pip install samen` is enough for housing rounds: no Django, Dask, matplotlib, Jinja2."""
    from test_install import run_without_extras

    example = ROOT / "examples" / "housing-amsterdam-2027"
    code = f"""
    from samen.cli import app

    def run(*args):
        try:
            app(list(args), standalone_mode=False)
        except SystemExit as exc:
            if exc.code:
                raise

    run("housing", "allocate", {str(example)!r}, "--out", "results")
    run("verify", {str(example)!r}, "--results", "results")
    """
    result = run_without_extras(code, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "identical" in result.stdout
