"""The social housing of a synthetic city (:mod:`samen.analytics.city.housing`): the sizes the
config promises, one household per home, a waiting list below the income limit, composition
that follows the neighbourhoods' deprivation, and a school part that does not change."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from samen.analytics.city import (
    MECHELEN,
    ConfigError,
    Housing,
    city_files,
    config_from_dict,
    generate_city,
    generate_housing,
    load_config,
)
from samen.analytics.city.housing import FLAGS, HOUSING_FILES, INCOME_BANDS, candidates
from samen.cli import app

ENV = {"COLUMNS": "300", "NO_COLOR": "1"}


@pytest.fixture(scope="module")
def housing() -> Housing:
    h = generate_housing(generate_city(MECHELEN, 1))
    assert h is not None
    return h


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_sizes_follow_the_config(housing: Housing) -> None:
    cfg = MECHELEN.housing
    homes = round(MECHELEN.inhabitants / cfg.household_size)
    assert int(housing.hood_households.sum()) == homes == 37_391
    assert housing.n_dwellings == round(cfg.social_share * homes) == 3_365
    assert housing.n_waiting == round(cfg.waiting_ratio * housing.n_dwellings)
    share = housing.hood_social / housing.hood_households
    assert share.max() <= cfg.max_neighbourhood_share
    # the private households by band add up to the private homes of each neighbourhood
    private = housing.hood_households - housing.hood_social
    assert np.array_equal(housing.private_band.sum(axis=1), private)
    assert np.array_equal(np.bincount(housing.dwelling_hood, minlength=11), housing.hood_social)


def test_social_housing_and_low_incomes_sit_in_poorer_neighbourhoods(housing: Housing) -> None:
    share = housing.hood_social / housing.hood_households
    dep = housing.deprivation
    # the share of social homes rises with deprivation (exactly, but for the cap)
    assert np.all(np.diff(share[np.argsort(dep)]) >= -1e-9)
    assert share[np.argmax(dep)] > 4 * share[np.argmin(dep)]
    tenants = housing.tenant
    low = np.bincount(
        housing.hood[tenants], weights=housing.band[tenants] == 0, minlength=len(dep)
    ) / np.maximum(np.bincount(housing.hood[tenants], minlength=len(dep)), 1)
    poor, rich = np.argsort(dep)[-3:], np.argsort(dep)[:3]
    assert low[poor].mean() > low[rich].mean() + 0.1
    private_low = housing.private_band[:, 0] / housing.private_band.sum(axis=1)
    assert np.corrcoef(dep, private_low)[0, 1] > 0.9


def test_income_bands_are_the_city_quarters(housing: Housing) -> None:
    counts = housing.private_band.sum(axis=0) + np.bincount(
        housing.band[housing.tenant], minlength=4
    )
    shares = counts / counts.sum()
    assert np.allclose(shares, 0.25, atol=0.01), shares


def test_one_household_per_home_and_a_waiting_list_below_the_income_limit(
    housing: Housing,
) -> None:
    t = housing.tenant
    assert np.array_equal(np.sort(housing.dwelling[t]), np.arange(housing.n_dwellings))
    assert np.all(housing.dwelling[~t] == -1)
    assert np.all(housing.hood[t] == housing.dwelling_hood[housing.dwelling[t]])
    w = ~t
    assert housing.band[w].max() < 3  # band 4 is above the income limit
    reg = housing.registered[w]
    assert np.all(reg < housing.start_day) and np.all(np.diff(reg) >= 0)
    years = (housing.start_day - reg).mean() / 365.25
    assert 2.6 < years < 3.4  # mean_wait_years = 3
    outside = (housing.hood[w] < 0).mean()
    assert abs(outside - MECHELEN.housing.outside_share) < 0.03
    # sizes fit the rooms of sitting tenants: nobody of 5 or more in one room
    assert not np.any((housing.rooms[housing.dwelling[t]] == 1) & (housing.size[t] >= 3))
    young = housing.flags[w, FLAGS.index("young_family")] == 1
    assert housing.size[w][young].min() >= 2


def test_work_income_follows_the_band() -> None:
    cfg = MECHELEN.housing
    rng = np.random.default_rng(5)
    c = candidates(cfg, rng, 20_000, np.array([0.1, 0.6]), 0.35, np.array([0.5, 0.5]),
                   np.array([-1.0, 0.0, 1.0]))  # fmt: skip
    work = c.flags[:, FLAGS.index("work_income")]
    for b in range(3):
        got = work[c.band == b].mean()
        assert abs(got - cfg.work_income[b]) < 0.03, (b, got)
    tie = c.flags[:, FLAGS.index("local_tie")]
    assert abs(tie[c.hood >= 0].mean() - cfg.local_tie_share) < 0.02
    assert abs(tie[c.hood < 0].mean() - cfg.outside_local_tie_share) < 0.02
    # candidates living in the poorer neighbourhood have lower incomes
    assert (c.band[c.hood == 1] == 0).mean() > (c.band[c.hood == 0] == 0).mean()


def test_files_and_the_unchanged_school_part() -> None:
    city = generate_city(replace(MECHELEN, children=400), 2)
    files = city_files(city)
    assert set(HOUSING_FILES) <= set(files)
    assert files == city_files(generate_city(replace(MECHELEN, children=400), 2))
    none = city_files(
        generate_city(config_from_dict({"children": 400, "housing": {"social_share": 0}}), 2)
    )
    # without housing: the same school files, byte for byte, and no housing files
    assert none == {k: v for k, v in files.items() if k not in HOUSING_FILES}
    other = city_files(
        generate_city(config_from_dict({"children": 400, "housing": {"social_share": 0.05}}), 2)
    )
    assert {k: v for k, v in other.items() if k not in HOUSING_FILES} == none
    d = rows(files["dwellings.csv"])
    h = rows(files["households.csv"])
    homes = rows(files["homes.csv"])
    assert {r["dwelling"] for r in h if r["status"] == "tenant"} == {r["dwelling_id"] for r in d}
    assert all(r["registered"] == "" for r in h if r["status"] == "tenant")
    dates = [r["registered"] for r in h if r["status"] == "waiting"]
    assert all(re.fullmatch(r"20\d\d-\d\d-\d\d", d) and d < "2027-01-01" for d in dates)
    assert {r["income_band"] for r in h} <= set(INCOME_BANDS)
    assert sum(int(r["social_homes"]) for r in homes) == len(d)
    assert {r["rent_band"] for r in d} <= {"A", "B", "C", "D"}


def test_housing_config_errors_name_the_key(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[housing]\nsocial_share = 9\nroom_weights = [1, 2]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    keys = {p.column for p in info.value.problems}
    assert {"housing.social_share", "housing.room_weights"} <= keys
    assert all(p.row in (2, 3) for p in info.value.problems)
    with pytest.raises(ConfigError, match=r"housing\.household_size"):
        config_from_dict({"housing": {"household_size": 0.5}})
    with pytest.raises(ConfigError, match="unknown key 'social_shar'"):
        config_from_dict({"housing": {"social_shar": 0.1}})


def test_cli_prints_the_housing(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["city", str(tmp_path / "c"), "--children", "300"], env=ENV)
    text = " ".join(result.output.split())
    assert result.exit_code == 0, text
    assert "3,365 social homes" in text and "3,365 households on the waiting list" in text
    assert (tmp_path / "c" / "households.csv").is_file()
