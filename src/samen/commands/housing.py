"""``samen housing``: housing rounds (``docs/housing-rules.md``).

    samen housing allocate FOLDER [--out DIR]
    samen verify FOLDER [--results DIR]      # a housing folder too (verify_housing)

A housing round is a folder with round.toml (``kind = "housing"``: the labels' rules, the
suitability tables, the priority groups, the seed), dwellings.csv (the vacancies) and
households.csv (who responded to which, ranked). Other housing commands register themselves
on :data:`housing` from their own modules.

Exit codes: 0 done (``verify``: identical), 1 ``verify`` found differences, 2 the folder has
problems; they are listed with file, row and column.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from samen.commands.common import (
    EXIT_BAD_INPUT,
    EXIT_DIFFERENT,
    count,
    err,
    fail_input,
    key_table,
    out,
    show_os_error,
)

if TYPE_CHECKING:
    from samen.housing.folder import HousingRound

housing = typer.Typer(
    name="housing",
    help=(
        "Housing rounds: a period's vacancies (dwellings.csv), the households who responded "
        "(households.csv) and the labels' rules (round.toml), allocated by the allocation "
        "rules' engine and lottery."
    ),
    no_args_is_help=True,
    add_completion=False,
)

NOT_WRITTEN = "no results were written (an earlier results folder is left as it was)"

HousingDir = Annotated[
    Path,
    typer.Argument(
        help="The housing round folder: round.toml, dwellings.csv and households.csv.",
        show_default=False,
    ),
]


@housing.callback()
def _housing() -> None:
    """Housing rounds: allocate a period's vacancies by the labels' rules."""


def read_housing_or_exit(
    folder: Path, done: str = "nothing was allocated or written"
) -> HousingRound:
    """The housing round folder read and checked, or its problems printed and exit
    :data:`EXIT_BAD_INPUT`."""
    from samen.housing.folder import HousingError, read_housing

    try:
        return read_housing(folder)
    except HousingError as exc:
        fail_input(exc, done)
    except OSError as exc:
        show_os_error(exc, "read", folder, done)
        raise typer.Exit(EXIT_BAD_INPUT) from None


@housing.command("allocate")
def allocate(
    folder: HousingDir,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Where to write the results (default: the folder 'results' inside the housing "
            "round folder). An earlier results folder there is replaced as a whole.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check the housing round folder, allocate the dwellings and write the results.

    The results are assignments.csv (one row per household), responses.csv (what came of
    each response, with the household's place on each waiting list), cutoffs.csv (per
    dwelling), summary.json, and round/: the allocation round it was translated into, with
    its own results, which 'samen verify' checks like any round. If the folder has
    problems, they are listed and nothing is written.
    """
    from rich.markup import escape

    from samen.housing.allocate import allocate_folder
    from samen.housing.folder import HousingError
    from samen.housing.results import ResultsFolderError, write_folder

    hr = read_housing_or_exit(folder)
    try:
        _, files = allocate_folder(hr)
    except HousingError as exc:
        fail_input(exc, NOT_WRITTEN)
    target = out_dir if out_dir is not None else hr.path / "results"
    try:
        written = write_folder(files, target)
    except ResultsFolderError as exc:
        fail_input(exc, NOT_WRITTEN)
    except OSError as exc:
        show_os_error(exc, "write", target, NOT_WRITTEN)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    s = json.loads(files["summary.json"])
    n_h = int(s["households"])

    def pct(k: int) -> str:
        return f"{k:,} ({100 * k / n_h:.1f}%)" if n_h else str(k)

    table = key_table()
    table.add_row("Round", escape(hr.name))
    table.add_row("Mechanism", "deferred-acceptance (households propose)")
    table.add_row("Dwellings", f"{s['dwellings']:,}, {s['let']:,} let")
    table.add_row("Households", f"{n_h:,}")
    table.add_row("1st response", pct(s["first_response"]["count"]))
    table.add_row("No dwelling", pct(s["unassigned"]))
    table.add_row(
        "Unsuitable responses", f"{s['unsuitable_responses']:,} (left out; see responses.csv)"
    )
    table.add_row("Results", escape(str(written)))
    out().print(table)


def verify_housing(folder: Path, results: Path | None) -> None:
    """``samen verify`` on a housing round folder: allocate it again and compare every file
    of the results folder (the housing results, the translated round and its results)."""
    from rich.markup import escape

    from samen.housing.allocate import verify_folder
    from samen.housing.folder import HousingError

    hr = read_housing_or_exit(folder, "nothing was checked")
    target = results if results is not None else hr.path / "results"
    if not target.is_dir():
        err().print(
            f"[bold red]There is no results folder at {escape(str(target))}[/]; run "
            "'samen housing allocate' first, or give the folder with --results."
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        diffs = verify_folder(hr, target)
    except HousingError as exc:
        fail_input(exc, "nothing was checked")
    con = out()
    if not diffs:
        con.print(
            f"[bold green]identical[/]: the results in {escape(str(target))} are what this "
            "housing round gives (the housing results, the allocation round round/ and its "
            "results)."
        )
        return
    files = sorted({f for f, _ in diffs})
    differ = f"{count(len(files), 'file')} {'differs' if len(files) == 1 else 'differ'}"
    con.print(
        f"[bold red]different[/]: {escape(str(target))} is not what this housing round gives "
        f"({differ}: {', '.join(files)})."
    )
    for f, message in diffs:
        con.print(f"  [bold]{escape(f)}[/]: {escape(message)}", soft_wrap=True)
    raise typer.Exit(EXIT_DIFFERENT)


def register(app: typer.Typer) -> None:
    """Add ``samen housing`` to the ``samen`` command."""
    app.add_typer(housing, name="housing")
