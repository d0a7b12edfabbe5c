"""``samen city`` and :mod:`samen.analytics.city`: the synthetic city keeps its promises, is
deterministic, is a round that ``samen allocate`` reads, and the command fails cleanly."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from samen.analytics.city import (
    ANTWERP,
    MECHELEN,
    NYC,
    City,
    CityConfig,
    ConfigError,
    FolderNotEmptyError,
    city_files,
    config_from_dict,
    config_toml,
    generate_city,
    load_config,
    write_city,
)
from samen.analytics.city.model import _put_first
from samen.cli import app
from samen.engine import allocate
from samen.io.results import summary
from samen.io.round import read_round

ENV = {"COLUMNS": "300", "NO_COLOR": "1"}


@pytest.fixture(scope="module")
def default_city() -> City:
    return generate_city(MECHELEN, 1)


@pytest.fixture(scope="module")
def pledge_city() -> City:
    return generate_city(config_from_dict({"pledges": {"uptake": 0.5}}), 3)


def invoke(*args: str):
    result = CliRunner().invoke(app, list(args), env=ENV)
    text = " ".join(result.output.split())
    return result, text


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# --------------------------------------------------------------------------- the model


def test_default_city_has_the_promised_sizes(default_city: City) -> None:
    c = default_city
    s = c.summary()
    assert s["children"] == 900 and s["inhabitants"] == 86_000
    assert s["schools"] == 25
    assert 10 <= s["neighbourhoods"] <= 12
    assert 1.05 <= s["seats"] / s["children"] <= 1.1
    assert s["neighbourhood_share_min"] < 0.10 and s["neighbourhood_share_max"] > 0.60
    assert c.hood_children.sum() == 900 and (c.hood_children > 0).all()
    # the neighbourhood shares are those of the children who live there
    for h in range(len(c.hood_ids)):
        assert c.indicator[c.hood == h].sum() == c.hood_indicator[h]
    assert 0.15 <= s["sibling"] / 900 <= 0.20
    assert 0.003 <= s["staff"] / 900 <= 0.02
    assert s["twin_pairs"] >= 3
    # the rules: the city's indicator share, rounded to 1%, and some distance schools
    assert s["indicator_seat_share"] == round(float(c.indicator.mean()), 2)
    assert 1 <= s["distance_schools"] < 25
    # the lists: 3 to 6 different schools, coordinates near the city
    lengths = np.diff(c.choice_ptr)
    assert lengths.min() >= 3 and lengths.max() <= 6
    for i in range(c.n_children):
        lst = c.choices_of(i)
        assert len(set(lst)) == len(lst)
    centre = np.array([MECHELEN.geography.origin_x, MECHELEN.geography.origin_y])
    assert np.hypot(*(c.xy - centre).T).max() < 3 * MECHELEN.geography.radius_m


def test_siblings_staff_and_twins(default_city: City) -> None:
    c = default_city
    first = c.choices[c.choice_ptr[:-1]]
    app, school, group = c.priority_applicant, c.priority_school, c.priority_group
    assert len(set(app.tolist())) == app.size  # one priority row per child at most
    for a, s in zip(app.tolist(), school.tolist(), strict=True):
        assert s in c.choices[c.choice_ptr[a] : c.choice_ptr[a + 1]]
    sib = group == 0
    assert (first[app[sib]] == school[sib]).mean() > 0.7  # usually the first choice
    staff = group == 1
    assert (first[app[staff]] == school[staff]).all()  # staff put their school first
    families: dict[str, list[int]] = {}
    for i, f in enumerate(c.family):
        if f:
            families.setdefault(f, []).append(i)
    assert families and all(len(v) == 2 for v in families.values())
    for a, b in families.values():
        assert c.choices_of(a) == c.choices_of(b)
        assert (c.xy[a] == c.xy[b]).all() and c.indicator[a] == c.indicator[b]


def test_avoiding_parents_list_fewer_high_indicator_schools(default_city: City) -> None:
    c = default_city
    comp = c.school_composition
    first = c.choices[c.choice_ptr[:-1]]
    avoid = c.avoiding
    other = ~c.indicator & ~c.avoiding
    assert comp[first[avoid]].mean() < comp[first[other]].mean()


def test_same_seed_same_bytes_other_seed_other_city(tmp_path: Path) -> None:
    a = city_files(generate_city(MECHELEN, 5))
    b = city_files(generate_city(MECHELEN, 5))
    assert a == b
    write_city(generate_city(MECHELEN, 5), tmp_path / "r")
    assert folder_bytes(tmp_path / "r") == a
    c = city_files(generate_city(MECHELEN, 6))
    assert c["applicants.csv"] != a["applicants.csv"]


def test_the_city_does_not_depend_on_the_block_size(monkeypatch: pytest.MonkeyPatch) -> None:
    import samen.analytics.city.model as city_module

    small = replace(MECHELEN, children=500)
    before = city_files(generate_city(small, 9))
    monkeypatch.setattr(city_module, "CHUNK_CELLS", 1000)
    assert city_files(generate_city(small, 9)) == before


def test_the_round_reads_and_allocates(default_city: City, tmp_path: Path) -> None:
    folder = write_city(default_city, tmp_path / "city")
    names = {p.name for p in folder.iterdir()}
    assert names == {
        "round.toml",
        "schools.csv",
        "applicants.csv",
        "priorities.csv",
        "seats.csv",
        "neighbourhoods.csv",
        "dwellings.csv",
        "households.csv",
        "homes.csv",
    }
    header = (folder / "schools.csv").read_text().splitlines()[0].split(",")
    assert header == ["school_id", "name", "capacity", "x", "y", "neighbourhood", "quality"]
    rnd = read_round(folder)
    inst = rnd.instance
    assert inst.n_applicants == 900 and inst.n_schools == 25
    assert list(inst.flag_names) == ["indicator"]
    assert list(inst.priority_groups) == ["sibling", "staff"]
    assert int(inst.capacity.sum()) == int(default_city.capacity.sum())
    assert np.array_equal(inst.choices, default_city.choices)
    result = allocate(inst)
    s = summary(rnd, result)
    assert s["first_choice"]["share"] > 0.6
    assert s["unassigned"] < 0.1 * 900


def test_pledge_groups_are_valid(pledge_city: City, tmp_path: Path) -> None:
    c = pledge_city
    assert c.group_ids
    members = np.flatnonzero(c.pledge >= 0)
    assert members.size >= len(c.group_ids) * c.group_threshold
    first = c.choices[c.choice_ptr[:-1]]
    assert (first[members] == c.group_target[c.pledge[members]]).all()  # the target first
    assert not c.indicator[members].any()
    assert (c.hood[members] == c.group_hood[c.pledge[members]]).all()
    for i in range(c.n_children):  # twins pledge together
        if c.family[i]:
            j = c.family.index(c.family[i])
            assert c.pledge[i] == c.pledge[j]
    folder = write_city(c, tmp_path / "p")
    groups = (folder / "groups.csv").read_text().splitlines()
    assert groups[0] == "group_id,target,threshold" and len(groups) == len(c.group_ids) + 1
    assert "pledge" in (folder / "applicants.csv").read_text().splitlines()[0].split(",")
    rnd = read_round(folder)
    assert len(rnd.instance.group_ids) == len(c.group_ids)
    result = allocate(rnd.instance)
    assert result.group_members.sum() == members.size


def test_put_first() -> None:
    top = np.array([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 0, 0]])
    lengths = np.array([4, 3, 2])
    _put_first(top, lengths, np.array([0, 1, 2]), np.array([2, 1, 9]))
    assert top[0].tolist() == [2, 0, 1, 3]  # moved to the front
    assert top[1, :3].tolist() == [1, 4, 5]  # inserted; the last one pushed off
    assert top[2, :2].tolist() == [9, 8]


def test_other_presets() -> None:
    a = generate_city(ANTWERP, 1).summary()
    assert a["children"] == 5_000 and a["schools"] == 120 and a["neighbourhoods"] > 30
    assert a["neighbourhood_share_min"] < 0.05 and a["neighbourhood_share_max"] > 0.8
    small_nyc = generate_city(replace(NYC, children=2_000), 1)
    assert len(small_nyc.school_ids) == 700
    assert np.diff(small_nyc.choice_ptr).max() == 12
    assert small_nyc.indicator_seat_share is None


# --------------------------------------------------------------------------- the config


def test_config_toml_round_trip(tmp_path: Path) -> None:
    for cfg in (MECHELEN, NYC, config_from_dict({"pledges": {"uptake": 0.2}})):
        path = tmp_path / "c.toml"
        path.write_text(config_toml(cfg), encoding="utf-8")
        assert load_config(path) == cfg
    path.write_text('preset = "antwerp"\nchildren = 1234\n', encoding="utf-8")
    assert load_config(path) == replace(ANTWERP, children=1234)


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("[preferences]\nb_distnce = 2\n", "preferences.b_distnce", "did you mean 'b_distance'"),
        ("colour = 1\n", "colour", "unknown key"),
        ('[schools]\ncount = "many"\n', "schools.count", "whole number"),
        (
            "[geography]\nindicator_share_min = 0.7\nindicator_share_max = 0.6\n",
            "geography.indicator_share_min",
            "more than",
        ),
        ("[preferences]\nlist_lengths = [3, 40]\n", "preferences.list_lengths", "impossible"),
        ("[rules]\nmechanism = 'boston'\n", "rules.mechanism", "unknown mechanism"),
        ('preset = "paris"\n', "preset", "unknown preset"),
    ],
)
def test_config_errors_name_the_file_and_key(
    tmp_path: Path, text: str, key: str, words: str
) -> None:
    path = tmp_path / "my-city.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert any(p.column == key and p.file == "my-city.toml" for p in info.value.problems)
    result, out = invoke("city", str(tmp_path / "out"), "--config", str(path))
    assert result.exit_code == 2
    assert "my-city.toml" in out and f"key {key}" in out and words in out
    assert "Traceback" not in out and isinstance(result.exception, SystemExit)
    assert not (tmp_path / "out").exists()


def test_generate_rejects_impossible_configs() -> None:
    with pytest.raises(ConfigError, match=r"schools\.seat_ratio"):
        generate_city(config_from_dict({"schools": {"seat_ratio": 0}}), 1)
    with pytest.raises(ConfigError, match="children"):
        generate_city(CityConfig(children=5), 1)


def test_cli_options_are_checked(tmp_path: Path) -> None:
    result, out = invoke("city", str(tmp_path / "a"), "--preset", "paris")
    assert result.exit_code == 2 and "unknown preset 'paris'" in out
    result, out = invoke("city", str(tmp_path / "a"), "--children", "5")
    assert result.exit_code == 2 and "key children" in out
    path = tmp_path / "c.toml"
    path.write_text('preset = "nyc"\n', encoding="utf-8")
    result, out = invoke("city", str(tmp_path / "a"), "--preset", "antwerp", "--config", str(path))
    assert result.exit_code == 2 and "key preset" in out
    assert not (tmp_path / "a").exists()


# --------------------------------------------------------------------------- writing


def test_cli_writes_atomically_and_refuses_a_full_folder(tmp_path: Path) -> None:
    out = tmp_path / "round"
    result, text = invoke("city", str(out), "--seed", "3", "--children", "400")
    assert result.exit_code == 0, text
    assert "400" in text and "samen allocate" in text
    written = folder_bytes(out)
    assert written == city_files(generate_city(replace(MECHELEN, children=400), 3))
    assert [p.name for p in tmp_path.iterdir()] == ["round"]  # no temporary folder left

    result, text = invoke("city", str(out), "--seed", "4", "--children", "400")
    assert result.exit_code == 2 and "not empty" in text and "--force" in text
    assert folder_bytes(out) == written

    result, text = invoke("city", str(out), "--seed", "4", "--children", "400", "--force")
    assert result.exit_code == 0
    assert folder_bytes(out) != written
    assert [p.name for p in tmp_path.iterdir()] == ["round"]

    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    result, text = invoke("city", str(other), "--force")
    assert result.exit_code == 2 and "not a round folder" in text
    assert [p.name for p in other.iterdir()] == ["keep.txt"]

    empty = tmp_path / "empty"
    empty.mkdir()
    result, _ = invoke("city", str(empty), "--children", "300")
    assert result.exit_code == 0 and (empty / "round.toml").is_file()


def test_write_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import samen.io.atomic as atomic_module  # where write_city's files are written

    c = generate_city(replace(MECHELEN, children=300), 1)
    calls = {"n": 0}
    real_fsync = atomic_module.os.fsync

    def failing_fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        real_fsync(fd)

    monkeypatch.setattr(atomic_module.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="disk full"):
        write_city(c, tmp_path / "r")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "round.toml").write_text("old")
    with pytest.raises(FolderNotEmptyError):
        write_city(c, tmp_path / "r")
    write_city(c, tmp_path / "r", force=True)
    assert (tmp_path / "r" / "round.toml").read_bytes() == city_files(c)["round.toml"]
