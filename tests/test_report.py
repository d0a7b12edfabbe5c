"""``samen report`` and :mod:`samen.analytics.report`: the HTML report is one self-contained
file with the promised sections and figures, its numbers are those of the results files, it
renders scenarios and three languages, and bad input stops with exit code 2 and no file.

Kept fast: few draws (10 or fewer), small rounds, shared module fixtures.
"""

from __future__ import annotations

import base64
import csv
import json
import re
import shutil
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from typer.testing import CliRunner

matplotlib.use("Agg")

from samen.analytics.city import config_from_dict, generate_city, write_city
from samen.analytics.report import (
    ReportData,
    ReportError,
    build_report,
    load_allocation,
    load_scenarios,
    nearest_school,
    parse_scenarios,
    render_html,
    write_report,
)
from samen.analytics.report.words import Words
from samen.cli import app
from samen.io.round import read_round

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "mechelen-2027"
ENV = {"COLUMNS": "300", "NO_COLOR": "1"}
DRAWS = 5

SECTIONS = ("glance", "ranks", "schools", "map", "segregation", "pledges", "method")


def invoke(*args: str):
    result = CliRunner().invoke(app, [str(a) for a in args], env=ENV)
    return result, " ".join(result.output.split())


def rows_of(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def images(html: str) -> list[tuple[str, str]]:
    """(alt, src) of every <img>."""
    return re.findall(r'<img src="([^"]*)" alt="([^"]*)"', html)


def assert_self_contained(html: str) -> None:
    assert html.startswith("<!DOCTYPE html>")
    # nothing is loaded from elsewhere: no external src/href, no script, no CSS import
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert not re.search(r"<script\b", html, re.I)
    assert not re.search(r"<link\b", html, re.I)
    assert "@import" not in html and "url(" not in html
    for src, alt in images(html):
        assert src.startswith("data:image/svg+xml;base64,")
        assert alt.strip(), "every figure has an alt text"
        svg = base64.b64decode(src.split(",", 1)[1])
        assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
        # the SVG itself references nothing outside (namespaces are not references)
        assert not re.search(rb"""(xlink:href|href|src)\s*=\s*["']https?:""", svg)
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert all(h.startswith("#") for h in hrefs), hrefs
    assert '<meta name="viewport"' in html and "@media print" in html


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def example_round(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example round, allocated with ``samen allocate`` (so results/ is fresh)."""
    folder = tmp_path_factory.mktemp("example") / "mechelen-2027"
    shutil.copytree(EXAMPLE, folder)
    result, text = invoke("allocate", folder)
    assert result.exit_code == 0, text
    return folder


@pytest.fixture(scope="module")
def example_report(example_round: Path) -> tuple[Path, str, str]:
    out = example_round.parent / "out" / "report.html"
    result, text = invoke("report", example_round, "--out", out, "--draws", DRAWS)
    assert result.exit_code == 0, text
    return out, out.read_text(encoding="utf-8"), text


@pytest.fixture(scope="module")
def example_data(example_round: Path) -> ReportData:
    return build_report(read_round(example_round), draws=3)


@pytest.fixture(scope="module")
def city_round(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic city with neighbourhoods and pledge groups."""
    config = config_from_dict({"children": 300, "pledges": {"uptake": 0.6, "threshold": 4}})
    folder = tmp_path_factory.mktemp("city") / "small-city"
    write_city(generate_city(config, 2), folder)
    return folder


@pytest.fixture(scope="module")
def city_data(city_round: Path) -> ReportData:
    return build_report(read_round(city_round), draws=DRAWS)


@pytest.fixture(scope="module")
def city_html(city_data: ReportData) -> str:
    return render_html(city_data, "en")


SCENARIOS = {
    "schema": "samen-scenarios/1",
    "name": "Indicator seats and pledge groups",
    "description": "What more indicator seats or pledge groups would do.",
    "round": {"name": "Mechelen 2027, voorbeeldronde basisonderwijs (fictief)", "seed": "s"},
    "draws": 20,
    "seed": 1,
    "metric_info": {
        "first_choice": {"unit": "share", "label": "1st choice"},
        "distance_mean": {"unit": "metres", "label": "Distance, mean"},
        "mystery": {"unit": "count", "label": "Mystery metric"},
    },
    "schools": [{"school_id": "MB01", "name": "Sint-Rombout"}, {"school_id": "MB02"}],
    "benchmark": {
        "description": "every child at its nearest school (capacities ignored)",
        "children": 800,
        "D": 0.403,
        "H": 0.164,
        "M": 0.096,
        "indicator_share": [0.276, None],
    },
    "variants": [
        {
            "name": "Rules of 2027",
            "description": "The round as it is.",
            "draws": 20,
            "metrics": {
                "first_choice": {"mean": 0.826, "lo": 0.816, "hi": 0.831, "by_draw": [0.82]},
                "first_choice[indicator]": {"mean": 0.81, "lo": 0.79, "hi": 0.82},
                "top3": {"mean": 0.982, "lo": 0.978, "hi": 0.991},
                "unassigned": {"mean": 0.004, "lo": 0.001, "hi": 0.008},
                "distance_mean": {"mean": 1234.5, "lo": 1200.0, "hi": 1260.25},
                "D": {"mean": 0.36, "lo": 0.355, "hi": 0.373},
                "M": {"by_draw": [0.07, 0.08, 0.09]},
                "pledge_groups_held": {"mean": 1.0, "lo": 1.0, "hi": 1.0},
                "mystery": 42,
                "broken": "not a number",
                "empty": None,
            },
            "schools": {
                "indicator_share": {"mean": [0.38, 0.31], "lo": [0.3, 0.2], "hi": [0.4, None]}
            },
        },
        {
            "name": "40% indicator seats",
            "metrics": {
                "first_choice": {"mean": 0.801, "lo": 0.79, "hi": 0.812},
                "D": {"mean": 0.29, "lo": 0.27, "hi": 0.31},
                "M": {"mean": 0.05, "lo": 0.045, "hi": 0.056},
            },
            "schools": {
                "indicator_share": {"mean": [0.35, 0.33], "lo": [0.3, 0.3], "hi": [0.4, 0.4]}
            },
        },
    ],
}


# --------------------------------------------------------------------------- the example round


def test_example_report_is_self_contained_with_every_section(
    example_report: tuple[Path, str, str],
) -> None:
    out, html, text = example_report
    assert_self_contained(html)
    for sid in SECTIONS:
        assert f'<section id="{sid}"' in html, sid
    assert "scenarios" not in re.findall(r'<section id="([^"]+)"', html)
    # figures: ranks, schools, map, indices (no neighbourhoods here: no decomposition)
    assert len(images(html)) == 4
    assert 'id="decomposition"' not in html
    assert "Report" in text and str(out.name) in text
    assert not list(out.parent.glob(".*tmp*")), "no temporary file is left"


def test_example_numbers_match_the_results_files(
    example_round: Path, example_report: tuple[Path, str, str], example_data: ReportData
) -> None:
    _, html, text = example_report
    results = example_round / "results"
    summary = json.loads((results / "summary.json").read_text(encoding="utf-8"))
    assert "read from" in text

    rnd = read_round(example_round)
    alloc = load_allocation(rnd)
    assert alloc.source == "results"
    assignments = rows_of(results / "assignments.csv")
    assert alloc.school.tolist() == [
        rnd.instance.school_ids.index(r["school_id"]) if r["school_id"] else -1 for r in assignments
    ]
    data = example_data
    assert data.allocation.source == "results"
    assert data.counts["first_choice"] == summary["first_choice"]["count"]
    assert data.counts["top3"] == summary["top3"]["count"]
    assert data.counts["unassigned"] == summary["unassigned"]
    assert data.first_choice.value == pytest.approx(summary["first_choice"]["share"], abs=1e-6)
    assert data.n_children == summary["applicants"] and data.seats == summary["seats"]
    hist = data.rank_groups["all"]["counts"]
    assert hist[:-1].tolist()[: len(summary["rank_histogram"])] == summary["rank_histogram"]

    # in the HTML: the cards and the per-school table agree with the files
    w = Words("en")
    assert f">{w.pct(summary['first_choice']['share'])}<" in html
    assert f">{w.pct(summary['top3']['share'])}<" in html
    assert f"{summary['applicants']:,}" in html and f"{summary['seats']:,}" in html
    per_school = {s: 0 for s in rnd.instance.school_ids}
    for r in assignments:
        if r["school_id"]:
            per_school[r["school_id"]] += 1
    assert {r.school_id: r.assigned for r in data.schools} == per_school

    # pledge groups: groups.csv and summary.json's failures
    groups = rows_of(results / "groups.csv")
    assert [(g.group_id, g.members, g.assigned, g.held) for g in data.groups] == [
        (g["group_id"], int(g["members"]), int(g["assigned_to_target"]), g["held"] == "true")
        for g in groups
    ]
    for g in groups:
        assert g["group_id"] in html
    failures = summary["pledge_groups"]["failures"]
    assert failures, "the example has a failed group"
    for fl in failures:
        assert f"only {fl['assigned_to_target']} of its members" in html


def test_example_indices_and_benchmark(example_round: Path, example_data: ReportData) -> None:
    from samen.analytics.indices import Dissimilarity

    rnd = read_round(example_round)
    data = example_data
    assert data.indices is not None and data.bench_indices is not None
    ind = rnd.instance.flags[:, list(rnd.instance.flag_names).index("indicator")]
    table = np.zeros((rnd.instance.n_schools, 2))
    for s, f in zip(data.allocation.school, ind, strict=True):
        if s >= 0:
            table[s, 1 - int(f)] += 1  # column 0: indicator
    assert data.indices["D"].value == pytest.approx(Dissimilarity(table, 0).statistic)
    d = data.indices["D"]
    assert d.lo <= d.hi and np.isfinite(d.lo)
    near = nearest_school(rnd.applicant_xy, rnd.school_xy)
    assert data.benchmark_children == rnd.instance.n_applicants == int((near >= 0).sum())
    assert sum(r.nearest_children for r in data.schools) == rnd.instance.n_applicants
    assert data.decomposition is None  # no neighbourhoods in the example


def test_stale_and_missing_results_are_recomputed(example_round: Path, tmp_path: Path) -> None:
    folder = tmp_path / "round"
    shutil.copytree(example_round, folder)
    fresh = load_allocation(read_round(folder))
    assert fresh.source == "results"
    toml = folder / "round.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    stale = load_allocation(read_round(folder))
    assert stale.source == "stale"
    assert stale.school.tolist() == fresh.school.tolist()  # a comment changes no seat
    shutil.rmtree(folder / "results")
    assert load_allocation(read_round(folder)).source == "missing"


def test_results_that_do_not_fit_the_round_exit_2(example_round: Path, tmp_path: Path) -> None:
    folder = tmp_path / "round"
    shutil.copytree(example_round, folder)
    path = folder / "results" / "assignments.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[3].split(",")
    cells[1] = "NOPE"
    lines[3] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "r.html"
    result, text = invoke("report", folder, "--out", out, "--draws", 1)
    assert result.exit_code == 2
    assert "The results folder has 1 problem" in text
    assert "results/assignments.csv, row 4, column school_id" in text
    assert "samen allocate" in text
    assert not out.exists()


# --------------------------------------------------------------------------- a generated city


def test_city_report_has_neighbourhoods_map_and_decomposition(
    city_data: ReportData, city_html: str
) -> None:
    assert_self_contained(city_html)
    for sid in SECTIONS:
        assert f'<section id="{sid}"' in city_html, sid
    assert 'id="decomposition"' in city_html
    assert len(images(city_html)) == 5  # ranks, schools, map, indices, decomposition
    hoods = city_data.hoods
    assert hoods is not None and hoods.school_method == "column"
    assert "Wijk 01" in city_html  # names from neighbourhoods.csv
    dec = city_data.decomposition
    assert dec is not None
    assert dec["between"].value + dec["within"].value == pytest.approx(dec["total"].value)
    assert dec["total"].value == pytest.approx(city_data.indices["M"].value)  # type: ignore[index]
    # every school has the share of its neighbourhood's children
    ids = list(hoods.ids)
    share = hoods.share
    for row, h in zip(city_data.schools, hoods.of_school, strict=True):  # type: ignore[arg-type]
        assert row.hood == hoods.names[h]
        assert row.hood_share == pytest.approx(share[ids.index(hoods.ids[h])])
    assert "indicator" in city_data.rank_groups and "other" in city_data.rank_groups
    for g in city_data.rank_groups.values():
        assert g["counts"].sum() == g["n"]
        assert np.all(g["lo"] <= g["hi"] + 1e-12)


def test_figures_are_deterministic() -> None:
    from samen.analytics import plots

    def figure() -> str:
        bars = plots.Bars("all", plots.ALL_COLOUR, [0.8, 0.2], [0.7, 0.1], [0.9, 0.3])
        return plots.svg_uri(
            plots.rank_chart(["1st", "2nd"], [bars], ylabel="share", fmt_pct=Words("en").pct)
        )

    assert figure() == figure()  # no date, fixed ids: the same report gives the same bytes


def test_languages(tmp_path: Path) -> None:
    folder = _small_round(tmp_path / "hoods", latlon=False, indicator=True, hoods=True)
    data = build_report(read_round(folder), draws=3)
    assert data.hoods is not None and data.decomposition is not None
    nl = render_html(data, "nl")
    assert '<html lang="nl">' in nl
    assert "De ronde in één oogopslag" in nl and "Tussen wijken" in nl
    assert "Welke keuze kregen de kinderen?" in nl and "Kaart" in nl
    assert re.search(r"\d+,\d%", nl)  # decimal comma
    assert "Share of indicator pupils" not in nl
    assert_self_contained(nl)


def test_every_text_has_three_languages_with_the_same_placeholders() -> None:
    """Every message of the report (context "report" of the platform's catalogues) has a
    Dutch and a French translation, with the same placeholders, that format."""
    from samen.i18n import LOCALE_DIR, parse_po

    catalogues = {
        lang: parse_po((LOCALE_DIR / lang / "LC_MESSAGES" / "django.po").read_text("utf-8"))
        for lang in ("nl", "fr")
    }
    keys = [k for k in catalogues["nl"] if k.startswith(b"report\x04")]
    assert len(keys) > 150
    assert sorted(keys) == sorted(k for k in catalogues["fr"] if k.startswith(b"report\x04"))
    placeholder = re.compile(r"%\((\w+)\)s")
    for key in keys:
        ids = key.decode().split("\x04", 1)[1].split("\0")
        for lang, cat in catalogues.items():
            texts = cat[key].decode().split("\0")
            assert all(texts), (lang, ids[0])
            for msgid, text in zip(ids * len(texts), texts, strict=False):
                names = set(placeholder.findall(msgid))
                assert set(placeholder.findall(text)) == names, (lang, msgid)
                if names:  # formats, so every other % is written %%
                    assert (text % dict.fromkeys(names, "x")).count("%(") == 0
                else:
                    assert "%%" not in text and "%%" not in msgid, msgid


def test_number_formats() -> None:
    en, nl, fr = Words("en"), Words("nl"), Words("fr")
    assert en.pct(0.8261) == "82.6%" and nl.pct(0.8261) == "82,6%"
    assert fr.pct(0.8261) == "82,6\u202f%"
    assert en.count(12345) == "12,345" and nl.count(12345) == "12.345"
    assert fr.count(12345) == "12\u202f345"
    assert en.metres(2000) == "2\u00a0km" and nl.metres(1500) == "1,5\u00a0km"
    assert en.num(float("nan")) == "\u2013"
    assert [en.ordinal(k) for k in (1, 2, 3, 4, 11, 21)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "21st",
    ]
    assert fr("Which choice did the children get?").endswith("\u00a0?")


# --------------------------------------------------------------------------- scenarios


def test_scenarios_render_every_variant(tmp_path: Path) -> None:
    path = tmp_path / "scenarios.json"
    path.write_text(json.dumps(SCENARIOS), encoding="utf-8")
    sc = load_scenarios(path)
    assert [v.name for v in sc.variants] == ["Rules of 2027", "40% indicator seats"]
    first = sc.variants[0].metrics
    assert "broken" not in first and "empty" not in first
    assert first["M"].mean == pytest.approx(0.08) and first["M"].lo < first["M"].hi
    assert first["mystery"].mean == 42
    assert sc.benchmark["D"] == 0.403 and "description" not in sc.benchmark

    # a small round keeps the test fast; the file names the example round, hence a warning
    folder = _small_round(tmp_path / "small", latlon=False, indicator=True)
    out = tmp_path / "with-scenarios.html"
    result, text = invoke(
        "report", folder, "--out", out, "--draws", 2, "--scenarios", path, "--lang", "en"
    )
    assert result.exit_code == 0, text
    html = out.read_text(encoding="utf-8")
    assert_self_contained(html)
    assert '<section id="scenarios"' in html
    section = html.split('<section id="scenarios"', 1)[1].split("</section>", 1)[0]
    for name in ("Rules of 2027", "40% indicator seats", "Indicator seats and pledge groups"):
        assert name in section
    assert "82.6%" in section and "80.1%" in section  # first choice of both variants
    assert "1,234\u00a0m" in section or "1.2\u00a0km" in section  # distance in metres
    assert "0.403" in section  # benchmark column
    assert "Mystery metric" in section  # label from metric_info
    assert "Sint-Rombout" in section  # per-school table
    # a dot-and-interval figure per key metric present: first_choice, first_choice[indicator],
    # top3, unassigned, distance_mean, D, M, pledge_groups_held
    assert len(images(section)) == 8
    assert "Careful: these scenarios were computed for the round" in section
    assert "2 variants from scenarios.json" in text


def test_scenarios_of_another_round_get_a_warning() -> None:
    from samen.analytics.report.scenario_view import scenarios_html

    doc = {"round": "Another round", "variants": [{"metrics": {"score": {"mean": 2.5}}}]}
    sc = parse_scenarios(doc, "scenarios.json")
    assert sc.variants[0].name == "Variant 1"
    html = scenarios_html(sc, Words("nl"), "This round")
    assert "niet voor deze" in html and "Another round" in html
    assert len(images(html)) == 1  # no key metric: the first metrics are drawn


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"variants": [\n  {"name": "a",}\n]}', "scenarios.json, line 2: this is not valid JSON"),
        ("[1, 2]", "one JSON object with a list 'variants'"),
        ('{"variants": []}', "key variants: the list of variants is empty"),
        ('{"variants": [1]}', "key variants[0]: each variant must be a JSON object"),
        ('{"variants": [{"name": "a", "metrics": {"x": "y"}}]}', "no variant has a metric"),
    ],
)
def test_unreadable_scenarios_exit_2_and_write_nothing(
    example_round: Path, tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "scenarios.json"
    path.write_text(content, encoding="utf-8")
    out = tmp_path / "r.html"
    result, text = invoke("report", example_round, "--out", out, "--scenarios", path)
    assert result.exit_code == 2, text
    assert "The scenarios file scenarios.json has" in text and "no report was written" in text
    assert expected in text
    assert "Traceback" not in text
    assert not out.exists()


# --------------------------------------------------------------------------- bad input


def test_bad_options_exit_2(example_round: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    for args, expected in (
        (("--draws", "0"), "--draws: the number of draws is 0"),
        (("--draws", "-3"), "--draws: the number of draws is -3"),
        (("--lang", "de"), "--lang: unknown language 'de'"),
        (("--scenarios", str(tmp_path / "nope.json")), "there is no file here"),
        (("--results", str(tmp_path / "nowhere")), "there is no results folder here"),
    ):
        result, text = invoke("report", example_round, "--out", out, *args)
        assert result.exit_code == 2, (args, text)
        assert expected in text, text
        assert "no report was written" in text
        assert not out.exists()


def test_round_folder_with_problems_exits_2(tmp_path: Path) -> None:
    folder = tmp_path / "round"
    shutil.copytree(EXAMPLE, folder)
    schools = folder / "schools.csv"
    lines = schools.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",75,", ",7.5,")
    schools.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result, text = invoke("report", folder, "--draws", 1)
    assert result.exit_code == 2, text
    assert "The round folder has" in text and "schools.csv, row 3, column capacity" in text
    assert "Traceback" not in text
    assert not (folder / "report.html").exists()
    result, text = invoke("report", tmp_path / "missing-folder", "--draws", 1)
    assert result.exit_code == 2 and "there is no folder here" in text


def test_write_report_is_atomic_and_refuses_a_folder(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "report.html"
    write_report("<!DOCTYPE html>old", target)
    write_report("<!DOCTYPE html>new", target)
    assert target.read_text(encoding="utf-8") == "<!DOCTYPE html>new"
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]
    with pytest.raises(ReportError, match="this is a folder"):
        write_report("x", tmp_path)


# --------------------------------------------------------------------------- other rounds

ROUND_TOML = """\
name = "{name}"
seed = "s"
distance = "{distance}"
"""


def _small_round(folder: Path, *, latlon: bool, indicator: bool, hoods: bool = False) -> Path:
    """4 schools on a square, 40 children around them; ``hoods``: a neighbourhood column
    (west and east) in both tables."""
    folder.mkdir()
    (folder / "round.toml").write_text(
        ROUND_TOML.format(name="Small", distance="haversine" if latlon else "euclidean"),
        encoding="utf-8",
    )
    rng = np.random.default_rng(5)
    cols = "lat,lon" if latlon else "x,y"
    centre = (51.03, 4.48) if latlon else (157000.0, 189000.0)
    step = 0.01 if latlon else 800.0
    schools = [f"school_id,capacity,{cols}" + (",neighbourhood" if hoods else "")]
    for i in range(4):
        row = f"S{i},12,{centre[0] + step * (i % 2)},{centre[1] + step * (i // 2)}"
        schools.append(row + (f",{'WE'[i // 2]}" if hoods else ""))
    (folder / "schools.csv").write_text("\n".join(schools) + "\n", encoding="utf-8")
    header = f"applicant_id,choices,{cols}" + (",indicator" if indicator else "")
    apps = [header + (",neighbourhood" if hoods else "")]
    for a in range(40):
        order = rng.permutation(4)[:3]
        u = rng.random()
        xy = (centre[0] + step * rng.random(), centre[1] + step * u)
        row = f"A{a:02d},{';'.join(f'S{k}' for k in order)},{xy[0]:.6f},{xy[1]:.6f}"
        if indicator:
            row += f",{int(rng.random() < 0.2 + 0.4 * u)}"
        if hoods:
            row += f",{'WE'[int(u > 0.5)]}"
        apps.append(row)
    (folder / "applicants.csv").write_text("\n".join(apps) + "\n", encoding="utf-8")
    return folder


def test_lat_lon_round(tmp_path: Path) -> None:
    folder = _small_round(tmp_path / "latlon", latlon=True, indicator=True)
    rnd = read_round(folder)
    assert rnd.coordinates == "lat,lon"
    data = build_report(rnd, draws=3)
    assert data.map is not None and data.benchmark_children == 40
    xy = data.map["school_xy"]
    # 0.01 degrees of longitude at 51 N is about 700 m, of latitude about 1112 m
    assert xy[2, 0] - xy[0, 0] == pytest.approx(700, abs=5)
    assert xy[1, 1] - xy[0, 1] == pytest.approx(1112, abs=5)
    html = render_html(data, "fr")
    assert_self_contained(html)
    assert '<html lang="fr">' in html and "Le tour en un coup d" in html
    assert re.search("\\d+,\\d\u202f%", html)  # decimal comma, narrow space before %
    assert '<section id="map"' in html and '<section id="segregation"' in html
    assert "pledges" not in re.findall(r'<section id="([^"]+)"', html)


def test_round_without_indicator_shows_choices_only(tmp_path: Path) -> None:
    folder = _small_round(tmp_path / "plain", latlon=False, indicator=False)
    data = build_report(read_round(folder), draws=2)
    assert data.flag is None and data.indices is None and list(data.rank_groups) == ["all"]
    html = render_html(data, "en")
    assert_self_contained(html)
    found = re.findall(r'<section id="([^"]+)"', html)
    assert found == ["glance", "ranks", "map", "method"]
    assert "no 0/1 column" in html


def test_nearest_school_lat_lon_and_missing() -> None:
    schools = np.array([[51.0, 4.0], [51.0, 4.1], [np.nan, np.nan]])
    kids = np.array([[51.0, 4.01], [51.0, 4.09], [np.nan, 4.0]])
    assert nearest_school(kids, schools, "lat,lon").tolist() == [0, 1, -1]


def test_many_schools_show_both_ends_and_the_whole_list_folded(tmp_path: Path) -> None:
    # 40 schools: more than a council reads in one table. The two ends of the list come
    # first (highest and lowest share), every school is still in a <details> part.
    config = config_from_dict({"children": 400, "schools": {"count": 40}})
    folder = tmp_path / "city40"
    write_city(generate_city(config, 3), folder)
    data = build_report(read_round(folder), draws=2)
    html = render_html(data, "en")
    assert_self_contained(html)
    section = html[html.index('id="h-schools"') : html.index('id="h-map"')]
    tables = re.findall(r"<table>.*?</table>", section, flags=re.S)
    assert len(tables) == 2
    short, full = (len(re.findall(r'<th scope="row"', t)) for t in tables)
    assert (short, full) == (30, len(data.schools)) and full == 40
    assert '<details class="all-schools"><summary>All 40 schools (open the list)' in section
    # the short table is the two ends of the full one, in the same order
    names = [re.findall(r'<th scope="row"[^>]*>(.*?)</th>', t) for t in tables]
    assert names[0] == names[1][:15] + names[1][-15:]
    assert "Les 15 écoles" in render_html(data, "fr")


def _report_msgids() -> list[tuple[str, str | None]]:
    """Every message id the report's code names: w("..."), w.n("...", "...") and N_("...")
    (with its plural, for w.n)."""
    import ast

    out: list[tuple[str, str | None]] = []
    for path in sorted((ROOT / "src" / "samen" / "analytics" / "report").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = ast.unparse(node.func)
            literal = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if name in ("w", "N_") and literal and isinstance(literal[0], str):
                out.append((literal[0], None))
            elif name == "w.n" and len(literal) >= 2:
                out.append((literal[0], literal[1]))
    return out


def test_every_word_of_the_report_is_in_the_catalogues() -> None:
    from samen.i18n import LOCALE_DIR, parse_po

    for lang in ("nl", "fr"):
        po = (LOCALE_DIR / lang / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
        catalogue = parse_po(po)
        for msgid, plural in _report_msgids():
            key = f"report\x04{msgid}" + (f"\0{plural}" if plural else "")
            assert key.encode() in catalogue, (lang, msgid)


def test_no_english_sentence_in_a_dutch_or_french_report(
    city_data: ReportData, tmp_path: Path
) -> None:
    path = tmp_path / "scenarios.json"
    path.write_text(json.dumps(SCENARIOS), encoding="utf-8")
    city_data.scenarios = load_scenarios(path)
    try:
        pages = {lang: render_html(city_data, lang) for lang in ("nl", "fr")}
    finally:
        city_data.scenarios = None
    english = [
        part
        for ids in _report_msgids()
        for msgid in ids
        if msgid
        for part in re.split(r"%\(\w+\)s", msgid)
        if len(part) >= 25 and "samen" not in part
    ]
    for lang, page in pages.items():
        text = re.sub(r"<[^>]+>", " ", page.replace("&#39;", "'"))
        left = [e for e in english if e in text]
        assert left == [], (lang, left[:3])
