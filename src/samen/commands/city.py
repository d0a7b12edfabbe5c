"""``samen city``: write a synthetic city as a round folder that ``samen allocate`` reads.

    samen city OUT_DIR [--preset mechelen|antwerp|nyc] [--config FILE.toml] [--seed N]
                       [--children N] [--osm] [--force]

The model and its parameters are in :mod:`samen.analytics.city` and ``docs/city.md``.
Exit code 2 when the config is not usable or the folder cannot be written; the problems name
the file and the key.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from samen.commands.common import EXIT_BAD_INPUT, key_table, need_extra, out, show_problems
from samen.io.errors import Problem

if TYPE_CHECKING:
    from rich.table import Table

    from samen.analytics.city import City, CityConfig
    from samen.io.errors import Problem

PRESET_NAMES = ("mechelen", "antwerp", "nyc")


def _fail(what: str, problems: list[Problem]) -> NoReturn:
    show_problems(what, problems)
    raise typer.Exit(EXIT_BAD_INPUT)


def _config(
    preset: str | None, config: Path | None, children: int | None
) -> tuple[CityConfig, str]:
    """The city config the options ask for, and where it comes from; stop with its problems."""
    from dataclasses import replace

    from samen.analytics.city import PRESETS, ConfigError, load_config, validate_config
    from samen.io.errors import Problem

    if preset is not None and preset not in PRESETS:
        _fail(
            "The command",
            [
                Problem(
                    "--preset",
                    None,
                    None,
                    f"unknown preset '{preset}'; choose one of " + ", ".join(PRESETS),
                )
            ],
        )
    source = f"preset {preset or 'mechelen'}"
    if config is not None:
        try:
            cfg = load_config(config, preset)
        except ConfigError as exc:
            _fail(f"The config {config.name}", exc.problems)
        source = config.name
    else:
        cfg = PRESETS[preset or "mechelen"]
    if children is not None:
        cfg = replace(cfg, children=children)
        source += f", --children {children}"
    bad = validate_config(cfg)
    if bad:
        _fail("The config", [Problem(source, None, k or None, m, keyed=True) for k, m in bad])
    return cfg, source


def _check_folder(folder: Path, force: bool) -> None:
    """Stop unless the folder is new, empty, or (with --force) a round folder."""
    from samen.io.errors import Problem

    if folder.exists() and not folder.is_dir():
        _fail("The command", [Problem(str(folder), None, None, "this is a file, not a folder")])
    if not (folder.is_dir() and any(folder.iterdir())):
        return
    if not force:
        message = "the folder is not empty; choose a new folder, or replace this one with --force"
        _fail("The command", [Problem(str(folder), None, None, message)])
    if not (folder / "round.toml").is_file():
        message = (
            "the folder is not empty and is not a round folder (no round.toml); --force replaces "
            "only round folders, so choose another folder"
        )
        _fail("The command", [Problem(str(folder), None, None, message)])


def _summary(c: City, cfg: CityConfig, seed: int) -> Table:
    from rich.markup import escape

    s = c.summary()
    table = key_table()
    table.add_row("City", f"{escape(cfg.name)}, {s['inhabitants']:,} inhabitants, seed {seed}")
    table.add_row(
        "Children", f"{s['children']:,} ({100 * s['indicator_share']:.1f}% indicator pupils)"
    )
    table.add_row(
        "Neighbourhoods",
        f"{s['neighbourhoods']} (indicator share {100 * s['neighbourhood_share_min']:.0f}% to "
        f"{100 * s['neighbourhood_share_max']:.0f}%)",
    )
    ratio = s["seats"] / s["children"]
    table.add_row("Schools", f"{s['schools']:,}, {s['seats']:,} seats ({ratio:.2f} per child)")
    table.add_row("Lists", f"{s['mean_list_length']:.1f} schools on average")
    table.add_row(
        "Priority",
        f"{s['sibling']:,} siblings, {s['staff']:,} staff children; {s['twin_pairs']:,} pairs "
        "of twins",
    )
    if s["indicator_seat_share"] is not None:
        rules = f"double contingency, {100 * s['indicator_seat_share']:g}% indicator seats"
    else:
        rules = "one lottery pool per school"
    if s["distance_schools"]:
        rules += f"; {s['distance_schools']} schools order seats by distance"
    table.add_row("Rules", rules)
    if s["pledge_groups"]:
        table.add_row("Pledge groups", f"{s['pledge_groups']} ({s['pledge_members']:,} children)")
    return table


def city(
    out_dir: Annotated[
        Path,
        typer.Argument(
            help="The round folder to write (new, or empty; see --force).",
            show_default=False,
        ),
    ],
    preset: Annotated[
        str | None,
        typer.Option(
            "--preset",
            "-p",
            help="The city to start from: mechelen (the default), antwerp or nyc.",
            show_default=False,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="A TOML file with parameters that replace the preset's (see docs/city.md).",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        int,
        typer.Option("--seed", "-s", min=0, help="The random seed: same seed, same files."),
    ] = 1,
    children: Annotated[
        int | None,
        typer.Option(
            "--children",
            "-n",
            min=1,
            help="Children applying (replaces the config's number).",
            show_default=False,
        ),
    ] = None,
    osm: Annotated[
        bool,
        typer.Option(
            "--osm",
            help="Also write the city's street grid as streets.osm (OpenStreetMap XML), for "
            "samen distances.",
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replace OUT_DIR if it is a round folder that already has files.",
        ),
    ] = False,
) -> None:
    """Write a synthetic city (schools, children, their lists, the rules) as a round folder,
    with its social housing (homes, tenants, the waiting list) for 'samen housing simulate'.

    Families rank schools by quality, distance and (some majority families) the share of
    indicator pupils; the rules are the Flemish double contingency. Allocate the round
    with 'samen allocate OUT_DIR'. The folder is written all at once, or not at all.
    """
    from rich.markup import escape

    from samen.analytics.city import ConfigError, generate_city, generate_housing, write_city
    from samen.io.errors import Problem

    if osm:
        need_extra("analytics", "city --osm", ("pyproj",))
    cfg, _source = _config(preset, config, children)
    folder = Path(out_dir)
    _check_folder(folder, force)
    started = time.perf_counter()
    c = generate_city(cfg, seed)
    stock = generate_housing(c)
    try:
        written = write_city(c, folder, force=force, streets=osm, housing=stock)
    except ConfigError as exc:
        _fail("The config", exc.problems)
    except OSError as exc:
        _fail("The command", [Problem(str(folder), None, None, str(exc))])
    seconds = time.perf_counter() - started
    table = _summary(c, cfg, seed)
    if stock is not None:
        h = stock.summary()
        table.add_row(
            "Housing",
            f"{h['social_homes']:,} social homes ({100 * h['social_share']:.1f}% of "
            f"{h['households']:,} homes, {100 * h['social_share_min']:.0f}% to "
            f"{100 * h['social_share_max']:.0f}% by neighbourhood) in {h['projects']:,} "
            f"projects; {h['waiting']:,} households on the waiting list",
        )
    table.add_row("Written", f"{escape(str(written))} in {seconds:.1f} s")
    if osm:
        table.add_row(
            "Streets",
            f"{escape(str(folder / 'streets.osm'))}; route distances: samen distances "
            f"{escape(str(folder))} --osm {escape(str(folder / 'streets.osm'))}",
        )
    table.add_row("Next", f"samen allocate {escape(str(folder))}")
    out().print(table)


def register(app: typer.Typer) -> None:
    """Add the ``city`` command to ``app``."""
    app.command()(city)
