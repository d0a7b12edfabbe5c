"""``samen scenarios`` and :mod:`samen.analytics.scenarios`: variants transform the instance
as documented (checked by hand on a tiny round), the metrics and intervals are right, runs
are reproducible, bad input fails cleanly with file, line and key, and scenarios.json keeps
its schema."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from samen.analytics.scenarios import (
    PledgeSpec,
    SpecError,
    Variant,
    apply_variant,
    interval,
    load_round,
    load_spec,
    neighbourhood_benchmark,
    neighbourhood_schools,
    parse_spec,
    run_scenarios,
)
from samen.cli import app
from samen.engine.instance import PoolSpec
from samen.io.round import Round, read_round

ROOT = Path(__file__).resolve().parents[1]
ENV = {"COLUMNS": "200", "NO_COLOR": "1"}

# Three schools on a line (x in metres), two neighbourhoods. Hand-worked facts:
# neighbourhood school (nearest school of the child's neighbourhood):
#   A1 -> S1 (100 m), A2 -> S2 (100 m), A3 -> S2 (3000 m; S3 is nearer, 1000 m, but is in N2),
#   A4 -> S3, A5 and A6 (twins) -> S1, A7 (no neighbourhood) -> S1 (nearest of the city).
# A4 has sibling priority at S2, which is not its neighbourhood school.
TINY = {
    "round.toml": """\
name = "Tiny"
seed = "tiny seed"
mechanism = "deferred-acceptance"
tie_breaking = "single"
priority_groups = ["sibling"]
distance = "euclidean"

[[default_pools]]
name = "other"
share = 0.5
favours = "not:indicator"
order_by = "lottery"

[[default_pools]]
name = "indicator"
share = 0.5
favours = "indicator"
order_by = "lottery"
""",
    "schools.csv": """\
school_id,name,capacity,x,y,neighbourhood
S1,Een,4,0,0,N1
S2,Twee,4,1000,0,N1
S3,Drie,2,5000,0,N2
""",
    "applicants.csv": """\
applicant_id,choices,x,y,indicator,family,neighbourhood
A1,S2;S1,100,0,0,,N1
A2,S3,900,0,0,,N1
A3,S1;S3,4000,0,1,,N1
A4,S3;S2,5100,0,0,,N2
A5,S2,50,0,0,F1,N1
A6,S2,50,0,0,F1,N1
A7,S1,0,10,1,,
""",
    "priorities.csv": """\
applicant_id,school_id,group
A4,S2,sibling
""",
}


def write_folder(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Round:
    return read_round(write_folder(tmp_path_factory.mktemp("tiny") / "tiny", TINY))


def lists(inst) -> dict[str, list[str]]:
    sid = list(inst.school_ids)
    return {
        str(a): [sid[s] for s in inst.choices_of(i).tolist()]
        for i, a in enumerate(inst.applicant_ids)
    }


def pools(inst, school: int) -> list[tuple[str, int, str, str]]:
    out = []
    for k in inst.pools_of(school):
        f = int(inst.pool_flag[k])
        fav = "" if f < 0 else ("not:" if inst.pool_negate[k] else "") + inst.flag_names[f]
        order = ("lottery", "distance", "rank")[int(inst.pool_order[k])]
        out.append((inst.pool_names[k], int(inst.pool_seats[k]), fav, order))
    return out


def invoke(*args: str | Path):
    result = CliRunner().invoke(app, [str(a) for a in args], env=ENV)
    return result, " ".join(result.output.split())


# --------------------------------------------------------------------------- apply_variant


def test_neighbourhood_schools_by_hand(tiny: Round) -> None:
    sid = list(tiny.instance.school_ids)
    got = [sid[s] for s in neighbourhood_schools(tiny).tolist()]
    assert got == ["S1", "S2", "S2", "S3", "S1", "S1", "S1"]
    nearest = [sid[s] for s in neighbourhood_schools(tiny, "nearest").tolist()]
    assert nearest == ["S1", "S2", "S3", "S3", "S1", "S1", "S1"]


def test_rules_variants_by_hand(tiny: Round) -> None:
    base = tiny.instance
    assert pools(base, 0) == [
        ("other", 2, "not:indicator", "lottery"),
        ("indicator", 2, "indicator", "lottery"),
    ]
    inst = apply_variant(
        tiny, Variant("m", mechanism="immediate-acceptance", tie_breaking="multiple")
    )
    assert (inst.mechanism, inst.tie_breaking) == ("immediate-acceptance", "multiple")

    # 25% indicator seats: S1 (4 seats) 1 + 3; S3 (2 seats): quotas 0.5 and 1.5, the tie
    # goes to the earlier side, so 1 + 1
    inst = apply_variant(tiny, Variant("q", indicator_share=0.25))
    assert pools(inst, 0) == [
        ("other", 3, "not:indicator", "lottery"),
        ("indicator", 1, "indicator", "lottery"),
    ]
    assert [p[1] for p in pools(inst, 2)] == [1, 1]

    # half the seats by distance, then the indicator pools first
    inst = apply_variant(tiny, Variant("d", distance_share=0.5, pool_order=("indicator", "other")))
    assert pools(inst, 0) == [
        ("indicator-distance", 1, "indicator", "distance"),
        ("indicator-lottery", 1, "indicator", "lottery"),
        ("other-distance", 1, "not:indicator", "distance"),
        ("other-lottery", 1, "not:indicator", "lottery"),
    ]
    # S3: one seat per side, split 0.5/0.5 by the largest remainder: the distance pool gets it
    assert [p[1] for p in pools(inst, 2)] == [1, 0, 1, 0]

    inst = apply_variant(tiny, Variant("one", pools=(PoolSpec("all", share=1.0),)))
    assert [pools(inst, s) for s in range(3)] == [
        [("all", 4, "", "lottery")],
        [("all", 4, "", "lottery")],
        [("all", 2, "", "lottery")],
    ]
    # pure: the round's instance is unchanged
    assert pools(tiny.instance, 0)[0] == ("other", 2, "not:indicator", "lottery")
    assert lists(tiny.instance)["A2"] == ["S3"]


def test_pledge_variant_by_hand(tiny: Round) -> None:
    everyone = PledgeSpec(uptake=1.0, threshold=1, who="")
    inst = apply_variant(tiny, Variant("p", pledges=everyone))
    # A4 has priority at S2, not its neighbourhood school: it does not join
    assert lists(inst) == {
        "A1": ["S1", "S2"],  # moved to the front
        "A2": ["S2", "S3"],  # inserted
        "A3": ["S2", "S1", "S3"],
        "A4": ["S3", "S2"],
        "A5": ["S1", "S2"],
        "A6": ["S1", "S2"],
        "A7": ["S1"],
    }
    assert list(inst.group_ids) == ["scenario-S1", "scenario-S2"]
    assert inst.group_target.tolist() == [0, 1]
    assert inst.group_threshold.tolist() == [1, 1]
    assert inst.pledge.tolist() == [0, 1, 1, -1, 0, 0, 0]
    # the inserted entries carry their distance (from x,y) and no priority; moved ones keep theirs
    d = dict(
        zip(lists(inst)["A3"], inst.distance[inst.choice_ptr[2] : inst.choice_ptr[3]], strict=True)
    )
    assert d == {"S2": 3000.0, "S1": 4000.0, "S3": 1000.0}
    a4 = inst.priority[inst.choice_ptr[3] : inst.choice_ptr[4]].tolist()
    assert a4 == [1, 0]  # S3: none, S2: sibling

    # a group with fewer members than the threshold is not formed: S2 has 2
    inst = apply_variant(tiny, Variant("p3", pledges=PledgeSpec(1.0, threshold=3, who="")))
    assert list(inst.group_ids) == ["scenario-S1"]
    assert lists(inst)["A2"] == ["S3"]
    # only majority families; only neighbourhood schools with at least 40% indicator children
    inst = apply_variant(tiny, Variant("p4", pledges=PledgeSpec(1.0, 1, "not:indicator")))
    assert inst.pledge.tolist() == [0, 1, -1, -1, 0, 0, -1]
    inst = apply_variant(
        tiny, Variant("p5", pledges=PledgeSpec(1.0, 1, "", min_indicator_share=0.4))
    )
    assert list(inst.group_ids) == ["scenario-S2"]  # S1 serves 1 of 4, S2 1 of 2


def test_pledge_uptake_is_coupled_and_families_decide_together(tiny: Round) -> None:
    for seed in range(12):
        small = apply_variant(tiny, Variant("a", pledges=PledgeSpec(0.3, 1, "")), seed=seed)
        large = apply_variant(tiny, Variant("b", pledges=PledgeSpec(0.7, 1, "")), seed=seed)
        s, b = small.pledge >= 0, large.pledge >= 0
        assert not (s & ~b).any()  # a higher uptake only adds families
        assert s[4] == s[5] and b[4] == b[5]  # the twins A5 and A6
        again = apply_variant(tiny, Variant("b", pledges=PledgeSpec(0.7, 1, "")), seed=seed)
        assert again.pledge.tolist() == large.pledge.tolist()


def test_variant_problems_name_the_key(tiny: Round) -> None:
    with pytest.raises(SpecError) as exc:
        apply_variant(tiny, Variant("x", pool_order=("indicator",)))
    assert exc.value.problems[0].column == "variant.pool_order"
    assert "'other' of S1" in exc.value.problems[0].message
    one = apply_variant(tiny, Variant("one", pools=(PoolSpec("all", share=1.0),)))
    flat = Round(
        path=tiny.path,
        name=tiny.name,
        settings=tiny.settings,
        instance=one,
        inputs={},
        tables=tiny.tables,
        school_xy=tiny.school_xy,
        applicant_xy=tiny.applicant_xy,
    )
    with pytest.raises(SpecError, match="no pool favouring 'indicator'"):
        apply_variant(flat, Variant("q", indicator_share=0.3))
    with pytest.raises(SpecError, match="names no flag column"):
        apply_variant(tiny, Variant("w", pledges=PledgeSpec(0.5, who="not:indicatr")))


# --------------------------------------------------------------------------- metrics


def test_interval() -> None:
    s = interval([1.0, 2.0, 3.0, 4.0])
    assert s["mean"] == 2.5
    assert s["lo"] == pytest.approx(1.075) and s["hi"] == pytest.approx(3.925)
    assert s["mean_lo"] == pytest.approx(2.5 - 1.96 * np.std([1, 2, 3, 4], ddof=1) / 2)
    assert s["lo"] <= s["mean_lo"] <= s["mean"] <= s["mean_hi"] <= s["hi"]
    s = interval([0.3, float("nan"), 0.5])
    assert s["mean"] == pytest.approx(0.4) and s["by_draw"] == [0.3, None, 0.5]
    assert interval([7.0])["mean_lo"] == 7.0


def test_metrics_by_hand(tiny: Round) -> None:
    """Everyone pledges; every child gets the first school of its new list in every draw.
    Ranks count on the lists as submitted: A4 and A7 got their first choice, A1 its second,
    A2, A3, A5 and A6 a school they had not listed."""
    spec = parse_spec(
        """
        round = "tiny"
        draws = 4
        [[variant]]
        name = "everyone pledges"
        [variant.pledges]
        uptake = 1.0
        threshold = 1
        who = ""
        """,
        "t.toml",
        tiny.path.parent,
    )
    res = run_scenarios(spec, tiny)
    m = res["variants"][0]["metrics"]
    assert m["first_choice"]["by_draw"] == [round(2 / 7, 6)] * 4
    assert m["top3"]["mean"] == round(3 / 7, 6)
    assert m["unassigned"]["mean"] == 0.0
    assert m["first_choice[indicator]"]["mean"] == 0.5  # A7 yes, A3 no
    assert m["distance_mean"]["mean"] == round(3410 / 7, 2)
    # S1 = {A1, A5, A6, A7*}, S2 = {A2, A3*}, S3 = {A4}: D = (0.1 + 0.3 + 0.2) / 2
    assert m["D"]["mean"] == pytest.approx(0.3)
    assert m["pledge_groups_held"]["by_draw"] == [2.0] * 4
    assert m["pledge_groups_held_share"]["mean"] == 1.0
    comp = res["variants"][0]["schools"]["indicator_share"]["mean"]
    assert comp == [0.25, 0.5, 0.0]
    # nearest school: S1 = {A1, A5, A6, A7*}, S2 = {A2}, S3 = {A3*, A4}: D = (0.1+0.2+0.3)/2
    b = neighbourhood_benchmark(tiny)
    assert b["D"] == pytest.approx(0.3)
    assert b["indicator_share"] == [0.25, 0.0, 0.5]


# --------------------------------------------------------------------------- the command

SPEC = """\
name = "Small city"
draws = 4
seed = 3

[city]
preset = "mechelen"
seed = 2
children = 150

[[variant]]
name = "baseline"

[[variant]]
name = "group-wise"
description = "majority families pledge"
[variant.pledges]
uptake = 0.6
threshold = 2

[[variant]]
name = "distance"
distance_share = 0.8
pool_order = ["indicator", "other"]
"""


@pytest.fixture(scope="module")
def city_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("city")
    (folder / "small.toml").write_text(SPEC, encoding="utf-8")
    result, text = invoke("scenarios", folder / "small.toml")
    assert result.exit_code == 0, text
    return folder, text


def test_command_writes_json_and_csv(city_run: tuple[Path, str]) -> None:
    folder, text = city_run
    out = folder / "small-results"
    assert sorted(p.name for p in out.iterdir()) == ["scenarios.csv", "scenarios.json"]
    assert "group-wise" in text and "Nearest school" in text
    data = json.loads((out / "scenarios.json").read_text(encoding="utf-8"))
    assert data["schema"] == "samen-scenarios/1"
    assert data["draws"] == 4 and data["seed"] == 3
    assert data["round"]["children"] == 150
    m = data["round"]["schools"]
    assert len(data["schools"]) == m and set(data["schools"][0]) >= {"school_id", "name"}
    for key in ("D", "H", "M"):
        assert isinstance(data["benchmark"][key], float)
    assert [v["name"] for v in data["variants"]] == ["baseline", "group-wise", "distance"]
    for v in data["variants"]:
        assert set(v) >= {"name", "description", "draws", "metrics", "schools", "changes"}
        assert v["draws"] == 4
        for name in (
            "first_choice",
            "top3",
            "unassigned",
            "distance_mean",
            "distance_p90",
            "D",
            "H",
            "M",
            "pledge_groups_held",
            "first_choice[indicator]",
            "first_choice[not:indicator]",
            "top3[indicator]",
            "top3[not:indicator]",
        ):
            s = v["metrics"][name]
            assert set(s) == {"mean", "lo", "hi", "sd", "mean_lo", "mean_hi", "by_draw"}
            assert len(s["by_draw"]) == 4
            # the percentile interval and the interval of the mean both hold the mean
            assert s["lo"] <= s["mean"] <= s["hi"]
            assert s["mean_lo"] <= s["mean"] <= s["mean_hi"]
        comp = v["schools"]["indicator_share"]
        assert len(comp["mean"]) == len(comp["lo"]) == len(comp["hi"]) == m
    gw = data["variants"][1]
    assert gw["pledge_groups_added"] > 0 and gw["changes"]["pledges"]["uptake"] == 0.6
    assert data["variants"][0]["metrics"]["pledge_groups_held_share"] is None
    assert data["variants"][0]["vs_first"] is None
    d = data["variants"][2]["vs_first"]["D"]
    assert set(d) == {"mean", "lo", "hi", "sd", "mean_lo", "mean_hi", "share_lower", "share_higher"}
    ref, other = (data["variants"][i]["metrics"]["D"]["mean"] for i in (0, 2))
    assert d["mean"] == pytest.approx(other - ref, abs=2e-6)
    rows = (out / "scenarios.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("variant,metric,unit,mean,lo,hi,mean_lo,mean_hi,sd,draws,diff_mean,")
    assert any(r.startswith("group-wise,D,index,") for r in rows)


def test_same_spec_and_seed_same_numbers(city_run: tuple[Path, str], tmp_path: Path) -> None:
    folder, _ = city_run
    first = (folder / "small-results" / "scenarios.json").read_bytes()
    result, text = invoke("scenarios", folder / "small.toml", "--out", tmp_path / "again")
    assert result.exit_code == 0, text
    assert (tmp_path / "again" / "scenarios.json").read_bytes() == first
    result, text = invoke(
        "scenarios", folder / "small.toml", "--out", tmp_path / "s4", "--seed", "4"
    )
    assert result.exit_code == 0, text
    other = json.loads((tmp_path / "s4" / "scenarios.json").read_text(encoding="utf-8"))
    assert other["seed"] == 4
    before = json.loads(first)
    assert (
        other["variants"][0]["metrics"]["first_choice"]["by_draw"]
        != before["variants"][0]["metrics"]["first_choice"]["by_draw"]
    )


def test_the_example_specs_fit_their_rounds() -> None:
    spec = load_spec(ROOT / "examples" / "scenarios" / "groupwise.toml")
    assert spec.city is not None and spec.draws <= 200
    names = [v.name for v in spec.variants]
    assert names[:2] == ["baseline", "group-wise choice"]
    rnd = load_round(spec)
    gw = apply_variant(rnd, spec.variants[1], seed=spec.seed)
    assert len(gw.group_ids) > 0
    spec = load_spec(ROOT / "examples" / "scenarios" / "mechelen-2027.toml")
    assert spec.round is not None
    rnd = load_round(spec)
    for v in spec.variants:
        apply_variant(rnd, v, seed=spec.seed)


# --------------------------------------------------------------------------- bad input


def bad_spec(folder: Path, text: str) -> tuple[object, str]:
    write_folder(folder / "tiny", TINY)
    (folder / "s.toml").write_text(text, encoding="utf-8")
    result, out = invoke("scenarios", folder / "s.toml")
    assert result.exit_code == 2, out
    assert isinstance(result.exception, SystemExit)  # no traceback
    assert "Traceback" not in out
    assert not (folder / "s-results").exists()  # nothing written
    return result, out


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            'round = "tiny"\ndraw = 5\n[[variant]]\nname = "a"\n',
            "s.toml, line 2, key draw: unknown key 'draw' (did you mean 'draws'?)",
        ),
        (
            'round = "tiny"\n[[variant]]\nname = "a"\nindicator_shar = 0.3\n',
            "line 4, key variant.indicator_shar: unknown key 'indicator_shar' (did you mean "
            "'indicator_share'?)",
        ),
        (
            'round = "tiny"\n[[variant]]\nname = "a"\nindicator_share = 1.2\n',
            "line 4, key variant.indicator_share: 'indicator_share' is 1.2; it must be a share "
            "from 0 to 1",
        ),
        (
            'round = "tiny"\n[[variant]]\nname = "a"\ndistance_share = -0.1\n',
            "line 4, key variant.distance_share: 'distance_share' is -0.1",
        ),
        (
            'round = "tiny"\n[[variant]]\nname = "a"\n[variant.pledges]\nuptake = 0.5\n'
            "threshold = 0\n",
            "line 6, key variant.pledges.threshold: 'threshold' is 0; it must be 1 or more",
        ),
        (
            'round = "tiny"\n[[variant]]\nname = "a"\n[variant.pledges]\nuptake = 50\n',
            "line 5, key variant.pledges.uptake: 'uptake' is 50; it must be a share from 0 to 1 "
            "(the share of families who join); for 50% write 0.5",
        ),
        (
            'round = "tiny"\n[[variant]]\nname = "a"\nmechanism = "boston"\n',
            'line 4, key variant.mechanism: unknown mechanism "boston"; write one of '
            "deferred-acceptance",
        ),
        (
            'round = "tiny"\ndraws = 0\n[[variant]]\nname = "a"\n',
            "line 2, key draws: 'draws' is 0; it must be 1 or more",
        ),
        ('[[variant]]\nname = "a"\n', "key round: the spec names no round"),
        (
            'round = "elsewhere"\n[[variant]]\nname = "a"\n',
            "line 1, key round: there is no folder at 'elsewhere'",
        ),
        ('round = "tiny"\n', "key variant: the spec has no [[variant]]"),
        (
            'round = "tiny"\n[[variant]]\nname = "a"\n[[variant]]\nname = "a"\n',
            "line 5, key variant.name: two variants are called 'a'",
        ),
        (
            'round = "tiny"\nflag = "poor"\n[[variant]]\nname = "a"\n',
            "line 2, key flag: applicants.csv has no flag column 'poor'",
        ),
        (
            'round = "tiny"\n[[variant]]\nname = "a"\n[[variant]]\nname = "b"\n'
            'pool_order = ["other"]\n',
            "line 6, key variant.pool_order: pool_order of variant 'b' does not name",
        ),
        ('round = "tiny\n', "s.toml, line 1: this is not valid TOML"),
    ],
)
def test_bad_spec(tmp_path: Path, body: str, expected: str) -> None:
    _, out = bad_spec(tmp_path, body)
    assert expected in out


def test_bad_options_and_round(tmp_path: Path) -> None:
    write_folder(tmp_path / "tiny", TINY)
    (tmp_path / "s.toml").write_text('round = "tiny"\n[[variant]]\nname = "a"\n', "utf-8")
    result, out = invoke("scenarios", tmp_path / "s.toml", "--draws", "0")
    assert result.exit_code == 2 and "--draws: 0 draws; give a whole number from 1" in out
    assert not (tmp_path / "s-results").exists()
    broken = dict(TINY, **{"schools.csv": TINY["schools.csv"].replace("S3,Drie,2", "S3,Drie,-2")})
    write_folder(tmp_path / "tiny", broken)
    result, out = invoke("scenarios", tmp_path / "s.toml")
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert "round folder" in out and "schools.csv, row 4, column capacity" in out
    assert not (tmp_path / "s-results").exists()
    result, out = invoke("scenarios", tmp_path / "missing.toml")
    assert result.exit_code == 2 and "missing.toml: there is no such file" in out
