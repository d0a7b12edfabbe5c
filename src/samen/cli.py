"""The ``samen`` command: assembles the commands of :mod:`samen.commands` (one module each;
what they share is in :mod:`samen.commands.common`).

    samen allocate | verify | lottery | explain | city | distances | chances | scenarios | report | web
    samen --version

Exit codes: 0 done (``verify``: identical), 1 ``verify`` found differences, 2 an input has
problems; they are listed with file, row and column (or line and key) and what to fix.
"""

from __future__ import annotations

from typing import Annotated

import typer

from samen import __version__
from samen.commands import register_all
from samen.commands.common import EXIT_BAD_INPUT, EXIT_DIFFERENT

app = typer.Typer(
    name="samen",
    help=(
        "Fair, checkable school-seat allocation.\n\n"
        "A round is a folder with round.toml (the rules) and the tables: schools.csv and "
        "applicants.csv, and if needed seats.csv, priorities.csv, distances.csv and groups.csv "
        "(or one .xlsx file with these as sheets)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"samen {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            help="Show the version of samen and stop.",
        ),
    ] = False,
) -> None:
    """Fair, checkable school-seat allocation."""


register_all(app)

__all__ = ["EXIT_BAD_INPUT", "EXIT_DIFFERENT", "app"]

if __name__ == "__main__":  # pragma: no cover
    app()
