"""The refactoring evidence: samen computes today exactly what it computed before.

``tests/data/unchanged/`` holds outputs written by samen before its modules were reorganised
(one owner per rule): the result files of the example round under every mechanism and
tie-breaking, of two synthetic cities and of the tests' small rounds (SHA-256 of every file,
and the files themselves for two rounds), the explanations the platform stores for every
child, two scenario runs, a chances run and the numbers of the council report. Each test
recomputes one of them and compares bytes (or, for the report, numbers). "The example round"
is the example as it was under version 1 of the rules (the Flemish double contingency), kept
in ``tests/data/v1/`` with its scenario spec: ``examples/mechelen-2027`` follows today's law.

Since version 2 of the rules, ``summary.json`` says which version a round uses (section
10.8): a v1 round's summary is the v1 bytes plus the one line ``"rules": 1,`` (its place in
the sorted keys), and every other file is byte for byte what v1 wrote
(``docs/decisions.md``, decision 28). :func:`without_rules_line` checks that line and takes
it out before the comparison.

A synthetic city's round.toml now names the projection of its ``x,y`` (``crs``), which the
allocation does not use. The cities are compared as written before (without that line), and
:func:`test_city_crs_changes_only_the_round_toml_fingerprint` checks that the line changes
nothing but the fingerprint of round.toml in ``summary.json``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from roundfiles import BASE, EXAMPLE_V1, copy_example, write_round

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "unchanged"
#: the scenario spec of the v1 example round (its ``round`` is ``../mechelen-2027``)
SCENARIOS_V1 = ROOT / "tests" / "data" / "v1" / "scenarios"
MECHANISMS = (
    "deferred-acceptance",
    "immediate-acceptance",
    "top-trading-cycles",
    "serial-dictatorship",
)
TIES = ("single", "multiple")

HAVERSINE_APPLICANTS = """\
applicant_id,choices,lat,lon,indicator,family,pledge
A1,S1;S2,51.0,4.01,0,F,
A2,S2;S1;S3,51.01,4.0,1,,
A3,S1;S3,51.02,4.02,0,,G1
A4,S3;S2,51.0,4.03,1,F,
A5,S1,50.99,4.0,0,,
"""
HAVERSINE_SCHOOLS = """\
school_id,name,capacity,lat,lon
S1,Een,2,51.0,4.0
S2,Twee,2,51.005,4.01
S3,Drie,1,51.015,4.02
"""
HAVERSINE_DISTANCES = """\
applicant_id,school_id,metres
A2,S1,123.456
A5,S1,99.999
"""


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


RULES_LINE = b'  "rules": 1,\n'


def without_rules_line(summary: bytes) -> bytes:
    """A v1 round's summary.json without the line that says so; it must hold that line once,
    between "rank_histogram" and "runs" (sorted keys), and nothing else may differ."""
    assert summary.count(RULES_LINE) == 1, 'a v1 round\'s summary.json says "rules": 1'
    before, after = summary.split(RULES_LINE)
    assert after.startswith(b'  "runs": '), "the rules line is in its sorted place"
    return before + after


def example_variant(folder: Path, mechanism: str, tie: str) -> Path:
    """The v1 example round with another mechanism and tie-breaking."""
    copy_example(folder, EXAMPLE_V1)
    toml = folder / "round.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace('mechanism = "deferred-acceptance"', f'mechanism = "{mechanism}"')
    text = text.replace('tie_breaking = "single"', f'tie_breaking = "{tie}"')
    toml.write_text(text, encoding="utf-8")
    return folder


CRS_LINE = re.compile(r'^crs = "EPSG:[0-9]+"\n', re.MULTILINE)


def _city(folder: Path, name: str, crs: bool = False) -> Path:
    """The city round ``name``; without ``crs``, its round.toml as samen wrote it before it
    named the projection."""
    from samen.analytics.city import ANTWERP, MECHELEN, generate_city, write_city

    if name == "city-mechelen-pledges":
        cfg = replace(MECHELEN, pledges=replace(MECHELEN.pledges, uptake=0.4))
        written = write_city(generate_city(cfg, 1), folder)
    else:
        written = write_city(generate_city(replace(ANTWERP, children=3000), 2), folder)
    if not crs:
        toml = written / "round.toml"
        text, count = CRS_LINE.subn("", toml.read_text(encoding="utf-8"))
        assert count == 1, "the city's round.toml names its projection"
        toml.write_text(text, encoding="utf-8")
    return written


def _tests_round(folder: Path, name: str) -> Path:
    if name == "tests-base":
        return write_round(folder)
    toml = BASE["round.toml"].replace('"euclidean"', '"haversine"')
    return write_round(
        folder,
        {
            "round.toml": toml,
            "applicants.csv": HAVERSINE_APPLICANTS,
            "schools.csv": HAVERSINE_SCHOOLS,
            "distances.csv": HAVERSINE_DISTANCES,
        },
    )


def round_folder(tmp: Path, name: str) -> Path:
    """The round called ``name`` in ``results.json``, written into ``tmp``."""
    folder = tmp / name
    if name.startswith("example-"):
        for mechanism in MECHANISMS:
            for tie in TIES:
                if name == f"example-{mechanism}-{tie}":
                    return example_variant(folder, mechanism, tie)
    if name.startswith("city-"):
        return _city(folder, name)
    return _tests_round(folder, name)


ROUNDS = sorted(json.loads((DATA / "results.json").read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", ROUNDS)
def test_results_are_byte_identical(tmp_path: Path, name: str) -> None:
    from typer.testing import CliRunner

    from samen.cli import app

    expected: dict[str, str] = json.loads((DATA / "results.json").read_text())[name]
    folder = round_folder(tmp_path, name)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["allocate", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    written["summary.json"] = without_rules_line(written["summary.json"])
    got = {name: _sha(data) for name, data in written.items()}
    full = DATA / "results" / name
    if full.is_dir():  # a readable diff first, where the files are kept
        for p in sorted(full.iterdir()):
            assert written[p.name].decode("utf-8") == p.read_text(encoding="utf-8")
    assert got == expected


@pytest.mark.parametrize("name", ["city-antwerp", "city-mechelen-pledges"])
def test_city_crs_changes_only_the_round_toml_fingerprint(tmp_path: Path, name: str) -> None:
    from typer.testing import CliRunner

    from samen.cli import app

    written = {}
    for crs in (True, False):
        folder = _city(tmp_path / f"{name}-{crs}", name, crs=crs)
        out = tmp_path / f"out-{crs}"
        result = CliRunner().invoke(app, ["allocate", str(folder), "--out", str(out)])
        assert result.exit_code == 0, result.output
        written[crs] = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    assert written[True].keys() == written[False].keys()
    for file, data in written[True].items():
        if file != "summary.json":
            assert data == written[False][file], file
    lines = [written[crs]["summary.json"].decode().splitlines() for crs in (True, False)]
    assert len(lines[0]) == len(lines[1])
    differ = [(a, b) for a, b in zip(*lines, strict=True) if a != b]
    assert len(differ) == 1 and all(x.strip().startswith('"round.toml": ') for x in differ[0])


def _canonical(data: object) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8")


def explain_round(folder: Path) -> dict[str, Any]:
    """What the platform stores per child: the explanation and the lottery text."""
    from samen.engine import allocate
    from samen.engine.explain import explain
    from samen.io.round import read_round

    rnd = read_round(folder)
    result = allocate(rnd.instance)
    records = explain(rnd.instance, result)
    return {
        "explanations": [r.as_dict()["schools"] for r in records],
        "lottery_texts": [r.lottery_text for r in records],
    }


@pytest.mark.parametrize("mechanism", MECHANISMS)
@pytest.mark.parametrize("tie", TIES)
def test_explanations_unchanged(tmp_path: Path, mechanism: str, tie: str) -> None:
    expected = json.loads((DATA / "explain.json").read_text())[f"example-{mechanism}-{tie}"]
    got = explain_round(example_variant(tmp_path / "r", mechanism, tie))
    if mechanism == "deferred-acceptance" and tie == "single":
        full = json.loads(gzip.decompress((DATA / "explain-example.json.gz").read_bytes()))
        for a, (mine, theirs) in enumerate(
            zip(got["explanations"], full["explanations"], strict=True)
        ):
            assert mine == theirs, f"child {a}"
        assert got["lottery_texts"] == full["lottery_texts"]
    assert _sha(_canonical(got)) == expected


@pytest.mark.parametrize("spec_name", ["mechelen-2027", "groupwise"])
def test_scenarios_unchanged(spec_name: str) -> None:
    from samen.analytics.scenarios import load_round, load_spec, results_json, run_scenarios

    folder = SCENARIOS_V1 if spec_name == "mechelen-2027" else ROOT / "examples" / "scenarios"
    spec = load_spec(folder / f"{spec_name}.toml")
    spec = replace(spec, draws=4)
    got = results_json(run_scenarios(spec, load_round(spec)))
    assert got == (DATA / f"scenarios-{spec_name}.json").read_text(encoding="utf-8")


def test_chances_unchanged(tmp_path: Path) -> None:
    from samen.analytics.chances import chances
    from samen.io.round import read_round

    rnd = read_round(EXAMPLE_V1)
    written = chances(rnd.instance, 30, processes=1).write_csv(tmp_path / "chances.csv")
    expected = json.loads((DATA / "outputs.json").read_text())["chances-example.csv"]
    assert _sha(written.read_bytes()) == expected


def _num(x: Any) -> Any:
    if isinstance(x, float | np.floating):
        return None if math.isnan(float(x)) else float(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.ndarray):
        return [_num(v) for v in x.tolist()]
    if isinstance(x, list | tuple):
        return [_num(v) for v in x]
    if isinstance(x, dict):
        return {str(k): _num(v) for k, v in x.items()}
    return x


def _spread(s: Any) -> Any:
    return None if s is None else [_num(s.value), _num(s.lo), _num(s.hi)]


def report_numbers(data: Any) -> dict[str, Any]:
    """Every number the council report shows, as plain JSON values."""
    spreads: Callable[[Any], Any] = lambda d: (  # noqa: E731
        None if d is None else {k: _spread(v) for k, v in d.items()}
    )
    return {
        "first_choice": _spread(data.first_choice),
        "top3": _spread(data.top3),
        "unassigned": _spread(data.unassigned),
        "counts": _num(data.counts),
        "rank_labels": _num(data.rank_labels),
        "rank_groups": _num(data.rank_groups),
        "schools": [
            [
                r.school_id,
                r.name,
                r.capacity,
                r.assigned,
                r.flagged,
                _spread(r.share),
                r.nearest_children,
                _num(r.nearest_share),
                r.hood,
                _num(r.hood_share),
            ]
            for r in data.schools
        ],
        "indices": spreads(data.indices),
        "bench_indices": _num(data.bench_indices),
        "benchmark_children": data.benchmark_children,
        "decomposition": spreads(data.decomposition),
        "bench_decomposition": _num(data.bench_decomposition),
        "groups": [
            [g.group_id, g.target, g.threshold, g.members, g.assigned, g.held, _num(g.held_draws)]
            for g in data.groups
        ],
        "pledges_held": _spread(data.pledges_held),
        "city_share": _num(data.city_share),
        "n_flagged": data.n_flagged,
    }


def report_data(folder: Path) -> Any:
    from samen.analytics.report import build_report
    from samen.io.round import read_round

    return build_report(read_round(folder), draws=5)


@pytest.mark.parametrize("name", ["example", "city-mechelen-pledges"])
def test_report_numbers_unchanged(tmp_path: Path, name: str) -> None:
    if name == "example":
        folder = copy_example(tmp_path / "r", EXAMPLE_V1)
    else:
        folder = round_folder(tmp_path, name)
    got = json.loads(json.dumps(report_numbers(report_data(folder))))
    expected = json.loads((DATA / f"report-{name}.json").read_text(encoding="utf-8"))
    assert got == expected
