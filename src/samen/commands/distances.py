"""``samen distances``: route distances from an OpenStreetMap extract, as distances.csv.

    samen distances ROUND_DIR --osm FILE [--mode walk|bike] [--out FILE] [--all-schools]
                    [--crs EPSG:NNNN] [--snap-limit METRES] [--force]

How the distances are made is in :mod:`samen.analytics.routes` and docs/distances.md. Exit
code 2 when the round, the map or an option has problems; they are listed with file, row
and column, and nothing is written.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Annotated

import typer

from samen.commands.common import (
    EXIT_BAD_INPUT,
    RoundDir,
    count,
    fail,
    fail_input,
    key_table,
    need_extra,
    out,
    show_os_error,
)

NOT_WRITTEN = "no distances were written (an earlier distances.csv is left as it was)"
#: the libraries of ``samen[analytics]`` this command imports
LIBRARIES = ("osmium", "scipy", "pyproj")


#: files of a round folder that --out may not replace, even with --force
INPUTS = (
    "round.toml",
    "schools.csv",
    "applicants.csv",
    "seats.csv",
    "priorities.csv",
    "groups.csv",
)


def _target(
    round_dir: Path, out_file: Path | None, force: bool, sheet: str | None, osm: Path
) -> Path:
    """Where distances.csv goes; stop when that would replace a file without --force, one
    of the round's other inputs or the map, or clash with a workbook's distances sheet."""
    from rich.markup import escape

    target = out_file if out_file is not None else round_dir / "distances.csv"
    in_round = target.parent.resolve() == round_dir.resolve()
    name = target.name.lower()
    if target.resolve() == osm.resolve() or (
        in_round and (name in INPUTS or name.endswith(".xlsx"))
    ):
        fail(
            "--out",
            f"{escape(str(target))} is an input of the round (or the map); write the "
            "distances to distances.csv or another new file",
            NOT_WRITTEN,
        )

    if target.is_dir():
        fail(
            "--out",
            f"{escape(str(target))} is a folder; give the name of the file to write",
            NOT_WRITTEN,
        )
    if target.exists() and not force:
        fail(
            str(target),
            "the file exists already; give another --out, or replace it with --force",
            NOT_WRITTEN,
        )
    if out_file is None and sheet is not None:
        fail(
            str(target),
            f"the round's workbook {sheet} has a sheet 'distances', and samen reads a table "
            "from one place only; remove that sheet, or write elsewhere with --out",
            NOT_WRITTEN,
        )
    return target


def distances(
    round_dir: RoundDir,
    osm: Annotated[
        Path,
        typer.Option(
            "--osm",
            help="The OpenStreetMap extract of the city: .osm (XML) or .osm.pbf.",
            show_default=False,
        ),
    ],
    mode: Annotated[str, typer.Option("--mode", "-m", help="walk (the default) or bike.")] = "walk",
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="The file to write (default: distances.csv in the round folder).",
            show_default=False,
        ),
    ] = None,
    all_schools: Annotated[
        bool,
        typer.Option(
            "--all-schools",
            help="Every child to every school, not only those it lists (on by itself when "
            "round.toml has a [[nearest]] rule).",
        ),
    ] = False,
    crs: Annotated[
        str | None,
        typer.Option(
            "--crs",
            help="The projection of x,y (like EPSG:31370) when round.toml does not name it.",
            show_default=False,
        ),
    ] = None,
    snap_limit: Annotated[
        float,
        typer.Option(
            "--snap-limit",
            min=1.0,
            max=5000.0,
            help="How far (metres) a home or school may be from the nearest usable street.",
        ),
    ] = 500.0,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
) -> None:
    """Compute the distance along the streets from every child's home to every school it
    lists, on foot or by bicycle, and write distances.csv.

    Homes and schools are put on the nearest street one may use; the distance is the
    shortest route between those points plus the straight pieces to them, rounded to the
    centimetre. Run 'samen allocate' afterwards: distances.csv gives the distances the rules
    use. If anything is wrong, the problems are listed and nothing is written.
    """
    from rich.markup import escape

    need_extra("analytics", "distances", LIBRARIES)
    from samen.analytics.osm import MODES
    from samen.analytics.routes import RouteError, route_distances
    from samen.io.atomic import write_files
    from samen.io.errors import RoundError
    from samen.io.places import read_places
    from samen.io.round import render_table

    if not math.isfinite(snap_limit):
        fail("--snap-limit", "give a number of metres from 1 to 5000", NOT_WRITTEN)
    if mode not in MODES:
        fail("--mode", f"unknown mode '{escape(mode)}'; choose walk or bike", NOT_WRITTEN)
    if not osm.is_file():
        what = "is a folder, not a file" if osm.is_dir() else "does not exist"
        fail(
            "--osm", f"{escape(str(osm))} {what}; give the map file (.osm or .osm.pbf)", NOT_WRITTEN
        )
    started = time.perf_counter()
    try:
        places = read_places(round_dir)
    except RoundError as exc:
        fail_input(exc, NOT_WRITTEN)
    except OSError as exc:
        show_os_error(exc, "read", round_dir, NOT_WRITTEN)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    target = _target(round_dir, out_file, force, places.distances_sheet, osm)
    everyone = all_schools or places.nearest is not None
    try:
        routes = route_distances(
            places, osm, mode, crs=crs, all_schools=everyone, snap_limit=snap_limit
        )
    except RouteError as exc:
        fail_input(exc, NOT_WRITTEN)
    except OSError as exc:
        show_os_error(exc, "read", osm, NOT_WRITTEN)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    data = render_table(
        ["applicant_id", "school_id", "metres"], routes.rows(places), formatted=True
    )
    try:
        write_files({target.name: data}, target.parent)
    except OSError as exc:
        show_os_error(exc, "write", target, NOT_WRITTEN)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    seconds = time.perf_counter() - started
    table = key_table()
    table.add_row("Round", escape(str(round_dir)))
    table.add_row(
        "Streets",
        f"{escape(osm.name)}: {routes.street_m / 1000:,.1f} km one may use "
        f"{'on foot' if mode == 'walk' else 'by bicycle'} ({count(routes.ways, 'way')})",
    )
    which = "every school" if everyone else "the schools on their lists"
    if places.nearest is not None and not all_schools:
        which += f" ({escape(places.nearest)} has a {escape('[[nearest]]')} rule)"
    n_children = len(places.applicants.ids)
    table.add_row("Distances", f"{len(routes.metres):,}: {n_children:,} children to {which}")
    if len(routes.metres):
        table.add_row(
            "Metres",
            f"median {float(_median(routes.metres)):,.0f}, longest {float(routes.metres.max()):,.0f}",
        )
    if len(routes.home_offset):
        table.add_row(
            "To the street",
            f"homes up to {float(routes.home_offset.max()):,.0f} m, schools up to "
            f"{float(routes.school_offset.max()):,.0f} m (straight, included)",
        )
    table.add_row("Written", f"{escape(str(target))} in {seconds:.1f} s")
    if out_file is None:
        table.add_row("Next", f"samen allocate {escape(str(round_dir))}")
    out().print(table)


def _median(values: object) -> float:
    import numpy as np

    return float(np.median(np.asarray(values)))


def register(app: typer.Typer) -> None:
    """Add the ``distances`` command to ``app``."""
    app.command()(distances)
