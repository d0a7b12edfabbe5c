"""``samen housing simulate`` (:mod:`samen.housing.simulate`): the bookkeeping holds (households
are conserved, no home holds two households, turnover rates are reproduced within sampling
error), each month is the housing round that ``samen housing allocate`` would allocate (the
same dwelling for every household, with and without pruning), the same spec and seed give
the same numbers whatever the processes, and bad specs stop with exit code 2 and no file.

Kept fast: a small city (about 800 social homes), two or three years, a few runs.
"""

from __future__ import annotations

import json
import math
from dataclasses import fields, replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from samen.analytics.city import config_from_dict, generate_city, generate_housing
from samen.analytics.city.housing import FLAGS, INCOME_BANDS, RENT_BANDS
from samen.cli import app
from samen.engine.instance import Instance
from samen.housing import simulate as sim
from samen.housing.allocate import allocate_month
from samen.housing.metrics import run_metrics, summarise, write_results
from samen.housing.month import MonthRound
from samen.housing.spec import Behaviour, SimSpec, SpecError, load_spec, parse_spec
from samen.housing.translate import translate_arrays

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "housing" / "ten-years.toml"
ENV = {"COLUMNS": "300", "NO_COLOR": "1"}
SMALL = {"inhabitants": 20_000, "children": 300}


def small_world(spec: SimSpec, **changes: object) -> sim.World:
    city = generate_city(config_from_dict(SMALL), 1)
    housing = generate_housing(city)
    assert housing is not None
    return sim.build_world(replace(spec, **changes), city, housing)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def example() -> SimSpec:
    return load_spec(EXAMPLE)


@pytest.fixture(scope="module")
def world(example: SimSpec) -> sim.World:
    return small_world(example, years=3, seeds=2)


def invoke(*args: object):
    result = CliRunner().invoke(app, [str(a) for a in args], env=ENV)
    return result, " ".join(result.output.split())


# --------------------------------------------------------------------------- bookkeeping


@pytest.mark.parametrize("scenario", range(5))
def test_households_are_conserved_and_no_home_holds_two(world: sim.World, scenario: int) -> None:
    h = world.housing
    before = None
    for t, st, flow in sim.months(world, scenario, 1):
        f = dict(zip(sim.FLOWS, flow.tolist(), strict=True))
        tenants = np.flatnonzero(st.status == sim.TENANT)
        # every tenant in one home, every home with at most one household, and both agree
        assert np.unique(st.dwelling[tenants]).size == tenants.size
        occupied = np.flatnonzero(st.tenant_of >= 0)
        assert occupied.size == tenants.size
        assert np.array_equal(st.tenant_of[st.dwelling[tenants]], tenants)
        assert tenants.size + int((st.tenant_of < 0).sum()) == h.n_dwellings
        counts = np.bincount(st.status, minlength=6)
        if before is not None:
            change = counts - before
            # arrivals - departures = change, for the waiting list and for the tenants
            assert change[sim.WAITING] == (
                f["registrations"] - f["list_exits"] - f["struck_off"] - f["lettings"]
            )
            assert change[sim.TENANT] == f["lettings"] - f["departures"]
            assert change[sim.MOVED] == f["departures"]
            assert change[sim.LEFT_LIST] == f["list_exits"]
            assert change[sim.STRUCK_OFF] == f["struck_off"]
            assert f["offers"] == f["lettings"] + f["refusals"]
            assert sum(f[f"lettings[income_band:{b}]"] for b in INCOME_BANDS) == f["lettings"]
            assert counts.sum() == before.sum()  # nobody appears or vanishes
        before = counts
        if t >= 0:
            # a household that moved in lives in its home's neighbourhood
            assert np.all(st.hood[tenants] == h.dwelling_hood[st.dwelling[tenants]])
    assert t == world.months - 1


def test_the_yearly_record_adds_up(world: sim.World) -> None:
    r = sim.run(world, 1, 1)
    col = {k: i for i, k in enumerate(sim.FLOWS)}
    tenants = r.tenants_band.sum(axis=(1, 2))
    assert np.array_equal(tenants + r.vacant, np.full(4, world.housing.n_dwellings))
    for y in range(3):
        f = r.flows[y]
        assert tenants[y + 1] - tenants[y] == f[col["lettings"]] - f[col["departures"]]
        assert r.waiting[y + 1] - r.waiting[y] == (
            f[col["registrations"]]
            - f[col["list_exits"]]
            - f[col["struck_off"]]
            - f[col["lettings"]]
        )
    assert np.array_equal(r.tenants_band.sum(axis=2), r.tenants_band.sum(axis=2).astype(int))


def test_turnover_rates_are_reproduced_within_sampling_error(example: SimSpec) -> None:
    """Tenants of each type leave at the monthly hazard of their annual rate: the observed
    rate per tenant-month is within 3 standard errors (binomial) of it."""
    beh = Behaviour(
        turnover={"young_family": 0.3, "work_income": 0.12, "other": 0.06},
        leave_deprivation=0.0,
    )
    world = small_world(example, years=4, behaviour=beh)
    young, work = FLAGS.index("young_family"), FLAGS.index("work_income")
    at_risk = np.zeros(3)
    left = np.zeros(3)
    previous = None
    for t, st, _flow in sim.months(world, 0, 1):
        if previous is not None:
            tenants, kind = previous
            gone = st.status[tenants] == sim.MOVED
            for j in range(3):
                at_risk[j] += (kind == j).sum()
                left[j] += (gone & (kind == j)).sum()
        if t == world.months - 1:
            break
        tenants = np.flatnonzero(st.status == sim.TENANT)
        f = st.flags[tenants]
        kind = np.where(f[:, young] == 1, 0, np.where(f[:, work] == 1, 1, 2))
        previous = (tenants, kind)
    for j, annual in enumerate((0.3, 0.12, 0.06)):
        p = 1 - (1 - annual) ** (1 / 12)
        observed = left[j] / at_risk[j]
        se = math.sqrt(p * (1 - p) / at_risk[j])
        assert abs(observed - p) < 3 * se, (j, observed, p, at_risk[j])
        assert at_risk[j] > 1_000


def test_poorer_neighbourhoods_lose_their_better_off_tenants_sooner(example: SimSpec) -> None:
    beh = Behaviour(turnover={"other": 0.1}, leave_deprivation=3.0)
    world = small_world(example, years=2, behaviour=beh)
    h = world.housing
    stay = {}
    for _t, state, _flow in sim.months(world, 0, 1):
        st = state
    start = h.tenant
    moved = st.status[: start.size][start] == sim.MOVED
    dep = h.deprivation[h.dwelling_hood[h.dwelling[start]]]
    band = h.band[start]
    for b in (0, 2):
        poor = (dep > np.median(dep)) & (band == b)
        stay[b] = moved[poor].mean() - moved[~(dep > np.median(dep)) & (band == b)].mean()
    assert stay[2] > stay[0]  # the gap between poor and rich areas grows with the income band


# --------------------------------------------------------------------------- the months


def _capture(monkeypatch: pytest.MonkeyPatch) -> list[MonthRound]:
    seen: list[MonthRound] = []
    real = MonthRound.allocate

    def spy(self: MonthRound, prune: bool = True) -> np.ndarray:
        seen.append(self)
        return real(self, prune)

    monkeypatch.setattr(MonthRound, "allocate", spy)
    return seen


def test_each_month_is_the_housing_round_allocate_month_allocates(
    world: sim.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The month built from arrays gives every household the dwelling that
    samen.housing.allocate.allocate_month gives on the same month as Dwelling and Household
    objects (the translation of docs/housing-rules.md), with and without pruning."""
    h = world.housing
    seen = _capture(monkeypatch)
    for s in range(len(world.scenarios)):
        sim.run(world, s, 2)
    monkeypatch.undo()
    assert len(seen) == 5 * world.months
    checked = 0
    labels_seen = set()
    ids = {d: i for i, d in enumerate(h.dwelling_ids)}
    for month in seen[::7]:
        d = [ids[x] for x in month.dwelling_ids]
        rules, dwellings, households = month.objects([h.hood_ids[h.dwelling_hood[x]] for x in d])
        got = allocate_month(rules, dwellings, households, positions=False)
        mine = month.allocate(prune=True)
        assert np.array_equal(mine, month.allocate(prune=False))
        expected = [got.dwelling[x] for x in month.household_ids]
        assert [month.dwelling_ids[v] if v >= 0 else None for v in mine] == expected
        labels_seen.update(dw.label for dw in dwellings)
        checked += 1
    assert checked > 20
    assert {"standard", "urgent", "young", "lottery", "designated"} <= labels_seen


def _same_instance(a: Instance, b: Instance) -> list[str]:
    """The fields in which two engine instances differ (NaN equal to NaN)."""
    differ = []
    for f in fields(Instance):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            same = (
                isinstance(x, np.ndarray)
                and isinstance(y, np.ndarray)
                and x.dtype == y.dtype
                and x.shape == y.shape
                and np.array_equal(x, y, equal_nan=x.dtype.kind == "f")
            )
        else:
            same = (list(x) == list(y)) if isinstance(x, list | tuple) else x == y
        if not same:
            differ.append(f.name)
    return differ


def test_a_month_and_allocate_month_build_the_same_instance(
    world: sim.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one translation (samen.housing.translate.translate_arrays): the engine instance
    of a simulated month is, array for array, the instance that allocate_month builds from
    the same month as Dwelling and Household objects, including the suitability that the
    translation adds (admits and fits_ flags)."""
    h = world.housing
    seen = _capture(monkeypatch)
    for s in range(len(world.scenarios)):
        sim.run(world, s, 1)
    monkeypatch.undo()
    ids = {d: i for i, d in enumerate(h.dwelling_ids)}
    restricted = 0
    for month in seen[::5]:
        d = [ids[x] for x in month.dwelling_ids]
        objects = month.objects([h.hood_ids[h.dwelling_hood[x]] for x in d])
        mine = translate_arrays(month, waitlists=False).instance
        theirs = allocate_month(*objects, positions=False).translation.instance
        assert _same_instance(mine, theirs) == [], month.seed
        restricted += any(mine.admits)
    assert restricted > 10  # the suitability tables restrict the dwellings


def test_pruning_keeps_the_result_on_hard_months(
    monkeypatch: pytest.MonkeyPatch, example: SimSpec
) -> None:
    """Many households, few vacancies, ties on the registration day and lottery labels:
    pruning leaves every result as it was."""
    world = small_world(example, years=1, behaviour=Behaviour(active=0.9, max_responses=5))
    seen = _capture(monkeypatch)
    for s in range(len(world.scenarios)):
        sim.run(world, s, 1)
    monkeypatch.undo()
    rng = np.random.default_rng(3)
    for month in seen:
        same_day = replace(month, registered=rng.integers(0, 3, len(month.registered)))
        for m in (month, same_day):
            assert np.array_equal(m.allocate(prune=True), m.allocate(prune=False))
            kept, _at = m.pruned()
            assert len(kept.choices) <= len(m.choices)


@pytest.mark.parametrize("scenario", range(5))
def test_pruning_on_random_months(world: sim.World, scenario: int) -> None:
    """Random months (random lists, flags, registration days with many ties, labels of the
    scenario): the pruned month, the whole month and allocate_month agree."""
    sa = world.scenarios[scenario]
    rng = np.random.default_rng(scenario)
    n_labels = len(sa.compiled.labels)
    unfit = 0
    for trial in range(40):
        v = int(rng.integers(1, 12))
        n = int(rng.integers(1, 60))
        # any list: responses that do not fit (rooms, rent band, admits) are left out
        lists = [rng.permutation(v)[: rng.integers(0, min(v, 4) + 1)].tolist() for _ in range(n)]
        month = MonthRound(
            compiled=sa.compiled,
            seed=f"random month {trial}",
            dwelling_ids=[f"D{j}" for j in range(v)],
            label=rng.integers(0, n_labels, v),
            rooms=rng.integers(1, 5, v),
            rent_band=rng.integers(0, len(RENT_BANDS), v),
            household_ids=[f"H{i:03d}" for i in range(n)],
            flags=(rng.random((n, len(FLAGS))) < 0.4).astype(np.uint8),
            registered=rng.integers(0, 4, n),
            size=rng.integers(1, 7, n),
            income_band=rng.integers(0, len(INCOME_BANDS), n),
            choice_ptr=np.concatenate(([0], np.cumsum([len(x) for x in lists]))),
            choices=np.array([j for x in lists for j in x], dtype=np.int32),
        )
        whole = month.allocate(prune=False)
        assert np.array_equal(month.allocate(prune=True), whole), trial
        unfit += int((~month.fitting).sum())
        rules, dwellings, households = month.objects(["N1"] * v)
        got = allocate_month(rules, dwellings, households, positions=False)
        assert [got.dwelling[f"H{i:03d}"] for i in range(n)] == [
            f"D{x}" if x >= 0 else None for x in whole.tolist()
        ]
    assert unfit > 20  # the months have responses that the translation leaves out


def test_vacancy_labels_respect_shares_and_caps(
    world: sim.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _capture(monkeypatch)
    sim.run(world, 3, 1)  # the lottery share
    monkeypatch.undo()
    sa = world.scenarios[3]
    lottery = sa.compiled.labels.index("lottery")
    for month in seen:
        n = len(month.dwelling_ids)
        k = int((month.label == lottery).sum())
        assert Fraction(k, n) <= Fraction("0.15")  # as samen housing allocate checks it
        # the rule asks for 15% rounded at random; the cap of the round is 15% rounded down
        assert k == int(Fraction("0.15") * n)
    # the Mechelen offer: half of the vacancies of the two poorest neighbourhoods, on average
    seen = _capture(monkeypatch)
    sim.run(world, 2, 1)
    monkeypatch.undo()
    young = world.scenarios[2].compiled.labels.index("young")
    h = world.housing
    ids = {d: i for i, d in enumerate(h.dwelling_ids)}
    poor = set(world.watch.tolist())
    in_scope = hits = 0
    for month in seen:
        d = np.array([ids[x] for x in month.dwelling_ids])
        scope = np.isin(h.dwelling_hood[d], list(poor))
        in_scope += scope.sum()
        hits += (month.label[scope] == young).sum()
        assert not (month.label[~scope] == young).any()
    assert abs(hits / in_scope - 0.5) < 0.1


def test_uniform_is_common_across_scenarios(world: sim.World) -> None:
    a = sim.run(world, 0, 1)
    b = sim.run(world, 4, 1)
    col = sim.FLOWS.index("registrations")
    assert np.array_equal(a.flows[:, col], b.flows[:, col])  # the same households register
    assert not np.array_equal(sim.run(world, 0, 2).flows[:, col], a.flows[:, col])
    u = sim.uniform(5, 1, np.arange(1000), 3)
    assert 0.45 < u.mean() < 0.55 and abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.1


# --------------------------------------------------------------------------- results


def test_same_spec_and_seed_same_numbers_whatever_the_processes(
    example: SimSpec, tmp_path: Path
) -> None:
    world = small_world(example, years=2, seeds=3)
    one = summarise(world, sim.run_all(world, processes=1), "test")
    two = summarise(world, sim.run_all(world, processes=2), "test")
    assert json.dumps(one) == json.dumps(two)
    again = small_world(example, years=2, seeds=3)
    assert json.dumps(summarise(again, sim.run_all(again, processes=1), "test")) == json.dumps(one)
    paths = write_results(one, tmp_path / "out")
    assert sorted(p.name for p in paths) == [
        "housing-neighbourhoods.csv",
        "housing.csv",
        "housing.json",
    ]
    doc = json.loads((tmp_path / "out" / "housing.json").read_text(encoding="utf-8"))
    assert doc["schema"] == "samen-housing/1" and doc["seeds"] == 3
    first = doc["scenarios"][0]
    assert first["vs_first"] is None and doc["scenarios"][1]["vs_first"]["D"]["mean"] is not None
    assert len(first["years"]["D"]["mean"]) == 3 and first["years"]["lettings"]["mean"][0] is None
    assert len(first["final"]["D"]["by_seed"]) == 3
    shares = first["neighbourhoods"]["tenants"]["income_band:1"]["mean"]
    assert len(shares) == 3 and len(shares[0]) == len(doc["neighbourhoods"])
    assert all(len(n["outline"]) >= 3 for n in doc["neighbourhoods"])


def test_indices_and_the_decomposition_of_m(world: sim.World) -> None:
    from samen.analytics.indices import by_partition

    r = sim.run(world, 0, 1)
    per_year, final = run_metrics(world, r)
    h = world.housing
    bands = r.tenants_band[-1]
    cells = np.vstack([bands, h.private_band]).astype(float)
    dec = by_partition(cells, list(range(len(h.hood_ids))) * 2)
    assert final["M_tenure"] == pytest.approx(dec.total, abs=1e-12)
    assert final["M_within"] == pytest.approx(dec.within, abs=1e-12)
    assert final["M_residents"] == pytest.approx(dec.between, abs=1e-12)
    low = bands[:, 0] / bands.sum(axis=1)
    w = world.watch
    assert final["watch[income_band:1]"] == pytest.approx(bands[w, 0].sum() / bands[w].sum())
    assert 0 < final["D"] < 1 and final["isolation"] > low.min()
    assert per_year["waiting"][0] == h.n_waiting


# --------------------------------------------------------------------------- bad specs

GOOD = """\
[city]
preset = "mechelen"
[rules.suitability.rooms]
1 = [1, 2]
[[scenario]]
name = "order"
[scenario.rules.labels.standard]
order_by = "value:registered"
"""


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            GOOD.replace("[city]", "yeers = 3\n[city]"),
            "line 1, key yeers: unknown key 'yeers' (did you mean 'years'?)",
        ),
        (
            GOOD + '[[scenario.vacancies]]\nlabel = "urgnt"\nshare = 0.2\n',
            "line 10, key scenario.vacancies.label: 'urgnt' is not a label",
        ),
        (
            GOOD + '[[scenario.vacancies]]\nlabel = "standard"\nshare = 20\n',
            "line 11, key scenario.vacancies.share: 'share' is 20; it must be a share from 0 to 1",
        ),
        (
            GOOD.replace('order_by = "value:registered"', 'favours = "yung_family"'),
            "line 8, key scenario.rules.labels.standard.favours: 'yung_family' is not a flag",
        ),
        (
            GOOD.replace('order_by = "value:registered"', 'order_by = "value:points"'),
            "key scenario.rules.labels.standard.order_by: 'value:points': the simulated households",
        ),
        (
            GOOD.replace("1 = [1, 2]", "1 = [3, 2]"),
            "line 4, key rules.suitability.rooms: household size 1",
        ),
        ("seeds = 0\n" + GOOD, "line 1, key seeds: 'seeds' is 0; it must be 1 or more"),
        (
            GOOD.replace("[[scenario]]", "[behaviour]\nactive = 1.5\n[[scenario]]"),
            "line 6, key behaviour.active: 'active' is 1.5",
        ),
        (
            GOOD.replace("[[scenario]]", "[behaviour]\nturnover = { young = 0.1 }\n[[scenario]]"),
            "key behaviour.turnover.young: 'young' is not a household type",
        ),
        (GOOD.replace('name = "order"\n', ""), "key scenario: scenario 1 has no name"),
    ],
)
def test_spec_problems_name_the_line_and_key(text: str, where: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(text, "spec.toml")
    found = [str(p) for p in info.value.problems]
    assert any(where in p for p in found), found


def test_the_default_label_cannot_be_capped() -> None:
    text = GOOD.replace('order_by = "value:registered"', 'order_by = "lottery"')
    text = text.replace("[city]", "[rules]\nlottery_share = 0.15\n[city]")
    with pytest.raises(SpecError, match="lottery_share could not hold"):
        parse_spec(text, "spec.toml")


def test_cli_runs_writes_and_refuses_bad_input(tmp_path: Path) -> None:
    spec = tmp_path / "sim.toml"
    config = tmp_path / "small.toml"
    config.write_text("inhabitants = 20000\nchildren = 300\n", encoding="utf-8")
    text = GOOD.replace('preset = "mechelen"', 'config = "small.toml"').replace(
        "[city]", "years = 1\nseeds = 2\n[city]"
    )
    spec.write_text(text, encoding="utf-8")
    result, out = invoke("housing", "simulate", spec, "--out", tmp_path / "out", "--processes", 1)
    assert result.exit_code == 0, out
    assert (tmp_path / "out" / "housing.json").is_file() and "Written" in out
    assert "order" in out and "Lowest incomes" in out

    bad = tmp_path / "bad.toml"
    bad.write_text(
        text + '[[scenario.vacancies]]\nlabel = "standard"\nshare = 0.5\nwhere = ["N99"]\n',
        encoding="utf-8",
    )
    result, out = invoke("housing", "simulate", bad, "--out", tmp_path / "nothing")
    assert result.exit_code == 2
    assert "bad.toml, line 14, key scenario.vacancies.where: 'N99' is not a neighbourhood" in out
    assert "nothing was run or written" in out and "Traceback" not in out
    assert not (tmp_path / "nothing").exists()

    result, out = invoke("housing", "simulate", spec, "--seeds", 0, "--out", tmp_path / "n2")
    assert result.exit_code == 2 and "--seeds" in out and not (tmp_path / "n2").exists()
    result, out = invoke("housing", "simulate", tmp_path / "missing.toml")
    assert result.exit_code == 2 and "there is no such file" in out
    (tmp_path / "file").write_text("x")
    result, out = invoke("housing", "simulate", spec, "--out", tmp_path / "file")
    assert result.exit_code == 2 and "not a folder" in out


# --------------------------------------------------------------------------- the report


@pytest.fixture(scope="module")
def housing_json(tmp_path_factory: pytest.TempPathFactory, example: SimSpec) -> Path:
    world = small_world(example, years=2, seeds=3)
    folder = tmp_path_factory.mktemp("housing")
    write_results(summarise(world, sim.run_all(world, processes=1), "test"), folder)
    return folder / "housing.json"


@pytest.fixture(scope="module")
def city_round(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from samen.analytics.city import write_city

    folder = tmp_path_factory.mktemp("city") / "small-city"
    write_city(generate_city(config_from_dict(SMALL), 1), folder)
    return folder


def test_the_report_has_a_housing_part_offline_in_three_languages(
    housing_json: Path, city_round: Path, tmp_path: Path
) -> None:
    import re

    from test_report import _report_msgids, assert_self_contained, images

    pages = {}
    for lang in ("en", "nl", "fr"):
        out = tmp_path / f"report-{lang}.html"
        result, text = invoke(
            "report",
            city_round,
            "--draws",
            2,
            "--housing",
            housing_json,
            "--lang",
            lang,
            "--out",
            out,
        )
        assert result.exit_code == 0, text
        assert "Housing" in text and "5 scenarios" in text
        html = out.read_text(encoding="utf-8")
        assert_self_contained(html)
        section = html[html.index('<section id="housing"') : html.index('<section id="method"')]
        # the map of the start and the five scenarios, and four figures over the years
        assert len(images(section)) == 5
        assert all(name in section for name in ("Registration order", "Mechelen offer"))
        assert section.count("<table>") == 3
        pages[lang] = section
    assert "Housing: what the allocation rules do to the neighbourhoods" in pages["en"]
    assert "Wonen: wat de toewijzingsregels met de wijken doen" in pages["nl"]
    assert "Logement\u00a0: ce que les règles d&#39;attribution font aux quartiers" in pages["fr"]
    assert re.search(r"\d+,\d%", pages["nl"]) and re.search(r"\d+,\d\u202f%", pages["fr"])
    english = [
        part
        for ids in _report_msgids()
        for msgid in ids
        if msgid
        for part in re.split(r"%\(\w+\)s", msgid)
        if len(part) >= 25 and "samen" not in part
    ]
    for lang in ("nl", "fr"):
        text = re.sub(r"<[^>]+>", " ", pages[lang].replace("&#39;", "'"))
        assert [e for e in english if e in text] == [], lang


def test_a_bad_housing_file_stops_the_report(city_round: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    cases = {
        "not.json": ("{ nope", "not.json, line 1: this is not valid JSON"),
        "scenarios.json": (
            '{"schema": "samen-scenarios/1", "variants": []}',
            "key schema: this is not a file of 'samen housing simulate'",
        ),
        "empty.json": (
            '{"schema": "samen-housing/1", "year_labels": ["2027", "2028"], '
            '"neighbourhoods": [], "scenarios": []}',
            "key neighbourhoods: there are no neighbourhoods",
        ),
    }
    for name, (content, words) in cases.items():
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        result, text = invoke("report", city_round, "--housing", path, "--out", out)
        assert result.exit_code == 2, text
        assert words in text and "no report was written" in text, text
        assert not out.exists()
    result, text = invoke("report", city_round, "--housing", tmp_path / "none.json", "--out", out)
    assert result.exit_code == 2 and "there is no file here" in text


def test_a_month_written_as_a_housing_round_allocates_the_same(
    world: sim.World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A month of the Mechelen-offer scenario written as a housing round folder: ``samen
    housing allocate`` gives every household the dwelling the simulation gave it."""
    import csv

    from samen.housing.folder import render_housing

    h = world.housing
    seen = _capture(monkeypatch)
    sim.run(world, 2, 1)
    monkeypatch.undo()
    month = max(seen, key=lambda m: (len(m.dwelling_ids), len(set(m.label.tolist()))))
    ids = {d: i for i, d in enumerate(h.dwelling_ids)}
    d = [ids[x] for x in month.dwelling_ids]
    rules, dwellings, households = month.objects([h.hood_ids[h.dwelling_hood[x]] for x in d])
    folder = tmp_path / "month"
    folder.mkdir()
    for name, data in render_housing(rules, dwellings, households).items():
        (folder / name).write_bytes(data)
    result, text = invoke("housing", "allocate", folder, "--out", tmp_path / "results")
    assert result.exit_code == 0, text
    with open(tmp_path / "results" / "assignments.csv", encoding="utf-8") as fh:
        got = {r["household_id"]: r["dwelling_id"] for r in csv.DictReader(fh)}
    mine = month.allocate()
    assert got == {
        hid: (month.dwelling_ids[v] if v >= 0 else "")
        for hid, v in zip(month.household_ids, mine.tolist(), strict=True)
    }
    assert sum(1 for v in got.values() if v) >= 3 and len({dw.label for dw in dwellings}) >= 2


def test_a_city_without_social_housing_or_with_a_bad_config_stops(tmp_path: Path) -> None:
    (tmp_path / "none.toml").write_text("[housing]\nsocial_share = 0\n", encoding="utf-8")
    (tmp_path / "bad.toml").write_text("[housing]\nsocial_share = 2\n", encoding="utf-8")
    for config, words in (
        ("none.toml", "key city: the city has no social housing"),
        ("bad.toml", "bad.toml, line 2, key housing.social_share: 'housing.social_share' is 2"),
    ):
        spec = tmp_path / f"spec-{config}"
        spec.write_text(GOOD.replace('preset = "mechelen"', f'config = "{config}"'), "utf-8")
        result, text = invoke("housing", "simulate", spec, "--out", tmp_path / "out")
        assert result.exit_code == 2, text
        assert words in text and "nothing was run or written" in text
        assert not (tmp_path / "out").exists()


def _doc_table(path: Path, heading: str) -> dict[str, str]:
    """The ``key | default`` rows of the table under ``heading`` in a Markdown document."""
    import re

    text = path.read_text(encoding="utf-8")
    part = text[text.index(heading) :]
    rows = {}
    for line in part.splitlines()[1:]:
        if line.startswith("#"):
            break
        m = re.match(r"\| `(\w+)` \| (`[^|]*`|[-\d.]+) \|", line)
        if m:
            rows[m.group(1)] = m.group(2).strip("`")
    return rows


def test_the_documented_defaults_are_the_code_s() -> None:
    from dataclasses import fields

    from samen.analytics.city.housing import HousingConfig

    beh = Behaviour()
    rows = _doc_table(ROOT / "docs" / "housing-simulation.md", "### `[behaviour]`")
    assert set(rows) == {f.name for f in fields(Behaviour)}
    for name, text in rows.items():
        value = getattr(beh, name)
        if name == "turnover":
            assert text == "{" + ", ".join(f"{k} = {v:g}" for k, v in value.items()) + "}"
        elif isinstance(value, tuple):
            assert text == "[" + ", ".join(f"{v!r}" for v in value) + "]", name
        else:
            assert float(text) == value, name
    cfg = HousingConfig()
    rows = _doc_table(ROOT / "docs" / "city.md", "`[housing]`:")
    assert set(rows) == {f.name for f in fields(HousingConfig)}
    for name, text in rows.items():
        value = getattr(cfg, name)
        if isinstance(value, tuple):
            assert text == "[" + ", ".join(f"{v!r}" for v in value) + "]", name
        else:
            assert float(text) == value, name
