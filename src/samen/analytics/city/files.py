"""A city as a round folder: its round.toml, tables and ``neighbourhoods.csv``, written by
samen's one writer of round folders (:func:`samen.io.round.render_round`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from samen.analytics.city.housing import Housing, generate_housing, housing_files
from samen.analytics.city.model import PRIORITY_GROUPS, City, pool_share
from samen.io.cells import fraction_text
from samen.io.round import (
    Rows,
    render_round,
    render_table,
    write_round,
)
from samen.io.settings import Settings

# --------------------------------------------------------------------------- writing


def city_settings(city: City) -> Settings:
    """round.toml of the city: its rules (the Flemish double contingency, or one pool), and
    the projection of its ``x,y`` (``geography.crs``), so that ``samen distances`` needs no
    ``--crs`` (the allocation does not use it)."""
    cfg = city.config
    return Settings(
        name=city.round_name,
        seed=city.lottery_seed,
        mechanism=cfg.rules.mechanism,
        tie_breaking=cfg.rules.tie_breaking,
        priority_groups=PRIORITY_GROUPS,
        distance="euclidean",
        default_pools=tuple(city.default_pools),
        crs=cfg.geography.crs,
    )


def _notes(city: City) -> list[str]:
    notes: list[str] = []
    if city.indicator_seat_share is not None:
        pct = fraction_text(city.indicator_seat_share * 100)
        notes += [
            f"Flemish double contingency: {pct}% of each school's seats favour indicator pupils.",
            "The indicator pool comes last, so children with sibling or staff priority fill the",
            "other pool first and do not use up the indicator seats.",
        ]
    if city.distance_school.any():
        notes.append("Schools listed in seats.csv order most of their seats by distance.")
    return notes


def city_tables(city: City, neighbourhood_column: bool = True) -> dict[str, Rows]:
    """The round's tables (see :func:`city_files`)."""
    sid = city.school_ids
    tables: dict[str, Rows] = {
        "schools": (
            ["school_id", "name", "capacity", "x", "y", "neighbourhood", "quality"],
            zip(
                sid,
                city.school_names,
                city.capacity.tolist(),
                city.school_xy[:, 0].tolist(),
                city.school_xy[:, 1].tolist(),
                [city.hood_ids[h] for h in city.school_hood.tolist()],
                [f"{v + 0.0:.3f}" for v in np.round(city.quality, 3).tolist()],
                strict=True,
            ),
        )
    }
    has_pledges = bool(city.group_ids)
    header = ["applicant_id", "choices", "x", "y", "indicator", "family"]
    header += ["pledge"] if has_pledges else []
    header += ["neighbourhood"] if neighbourhood_column else []
    ptr = city.choice_ptr.tolist()
    ch = city.choices.tolist()
    ind = city.indicator.astype(np.int8).tolist()
    hood = city.hood.tolist()
    pledge = city.pledge.tolist()
    rows: list[list[object]] = []
    for i, (aid, (x, y)) in enumerate(zip(city.applicant_ids, city.xy.tolist(), strict=True)):
        row: list[object] = [aid, [sid[s] for s in ch[ptr[i] : ptr[i + 1]]], x, y, ind[i]]
        row.append(city.family[i])
        if has_pledges:
            row.append(city.group_ids[pledge[i]] if pledge[i] >= 0 else "")
        if neighbourhood_column:
            row.append(city.hood_ids[hood[i]])
        rows.append(row)
    tables["applicants"] = (header, rows)
    tables["priorities"] = (
        ["applicant_id", "school_id", "group"],
        zip(
            [city.applicant_ids[a] for a in city.priority_applicant.tolist()],
            [sid[s] for s in city.priority_school.tolist()],
            [PRIORITY_GROUPS[g] for g in city.priority_group.tolist()],
            strict=True,
        ),
    )
    if city.distance_school.any():
        tables["seats"] = (
            ["school_id", "pool", "share", "favours", "order_by"],
            [
                [sid[s], p.name, pool_share(p), p.favours, p.order_by]
                for s in np.flatnonzero(city.distance_school).tolist()
                for p in city.distance_pools
            ],
        )
    if has_pledges:
        tables["groups"] = (
            ["group_id", "target", "threshold"],
            [
                [g, sid[t], city.group_threshold]
                for g, t in zip(city.group_ids, city.group_target.tolist(), strict=True)
            ],
        )
    return tables


def city_files(
    city: City,
    neighbourhood_column: bool = True,
    streets: bool = False,
    housing: Housing | None = None,
) -> dict[str, bytes]:
    """The round folder's files, by name, as the bytes to write.

    ``round.toml``, ``schools.csv`` (with the extra columns ``neighbourhood`` and
    ``quality``), ``applicants.csv``, ``priorities.csv``, ``neighbourhoods.csv`` (one row per
    neighbourhood; ``samen allocate`` ignores the file), ``seats.csv`` when some schools order
    by distance and ``groups.csv`` when there are pledge groups. ``neighbourhood_column``: write
    the child's neighbourhood as a column of applicants.csv. ``streets``: add the street map
    ``streets.osm`` (:func:`samen.analytics.city.streets.street_grid`). The city's social
    housing (``housing``, default :func:`~samen.analytics.city.housing.generate_housing`) adds
    ``dwellings.csv``, ``households.csv`` and ``homes.csv``, which ``samen allocate`` ignores.
    Written by :func:`samen.io.round.render_round`, the one writer of round folders.
    """
    hoods = render_table(
        ["neighbourhood_id", "name", "x", "y", "children", "indicator_children", "indicator_share"],
        zip(
            city.hood_ids,
            city.hood_names,
            city.hood_xy[:, 0].tolist(),
            city.hood_xy[:, 1].tolist(),
            city.hood_children.tolist(),
            city.hood_indicator.tolist(),
            [f"{s:.3f}" for s in city.hood_share.tolist()],
            strict=True,
        ),
    )
    extra = {"neighbourhoods.csv": hoods}
    stock = housing if housing is not None else generate_housing(city)
    if stock is not None:
        extra.update(housing_files(stock))
    if streets:
        from samen.analytics.city.streets import STREETS_FILE, street_grid

        extra[STREETS_FILE] = street_grid(city)
    return render_round(
        city_settings(city),
        city_tables(city, neighbourhood_column),
        header=[
            f"{city.config.name}, made by samen city with seed {city.seed}: the city, its schools "
            "and",
            "its children are invented; only the rules are real.",
        ],
        notes=_notes(city),
        extra=extra,
    )


def write_city(
    city: City,
    folder: str | Path,
    *,
    force: bool = False,
    neighbourhood_column: bool = True,
    streets: bool = False,
    housing: Housing | None = None,
) -> Path:
    """Write ``city`` as the round folder ``folder``, all or nothing
    (:func:`samen.io.round.write_round`): a folder with files is replaced only with
    ``force=True``, and only when it is a round folder. ``streets``: with its street map
    (``streets.osm``); ``housing``: the city's social housing, if already generated. Returns
    the folder's path."""
    files = city_files(city, neighbourhood_column, streets, housing)
    return write_round(folder, files, replace=force)
