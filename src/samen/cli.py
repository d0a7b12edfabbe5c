"""The ``samen`` command: allocate a round, verify published results, check a lottery number.

    samen allocate ROUND_DIR [--out DIR]
    samen verify ROUND_DIR [--results DIR]
    samen lottery --seed SEED [--school SCHOOL_ID] ID...
    samen --version

Exit codes: 0 done (``verify``: identical), 1 ``verify`` found differences, 2 the round folder
(or the results folder) has problems; they are listed with file, row and column.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from samen import __version__

if TYPE_CHECKING:
    from samen.engine.instance import Result
    from samen.io.errors import RoundError
    from samen.io.round import Round

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

EXIT_DIFFERENT = 1
EXIT_BAD_INPUT = 2


def _out() -> Console:
    return Console(highlight=False)


def _err() -> Console:
    # soft_wrap: one problem is one line (the terminal wraps it), so it can be copied or
    # searched for as a whole
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _show_problems(error: RoundError, what: str = "The round folder") -> None:
    con = _err()
    n = len(error.problems)
    done = (
        "nothing was allocated or written"
        if what == "The round folder"
        else "no results were written"
    )
    con.print(
        f"[bold red]{escape(what)} has {n} problem{'s' if n != 1 else ''}[/]; "
        f"{done}. Fix {'these' if n != 1 else 'it'} and run the command again:"
    )
    for p in error.problems:
        con.print(f"  [bold]{escape(p.where())}[/]: {escape(p.message)}")


def _read(round_dir: Path) -> Round:
    from samen.io.errors import RoundError
    from samen.io.round import read_round

    try:
        return read_round(round_dir)
    except RoundError as exc:
        _show_problems(exc)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except OSError as exc:  # a file that cannot be read (no permission, locked, ...)
        _show_os_error(exc, "read", round_dir)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _show_os_error(exc: OSError, doing: str, where: Path) -> None:
    name = exc.filename if exc.filename is not None else where
    reason = exc.strerror or str(exc)
    if doing == "read":
        tail = " (is it open in another program? Close it and run the command again); nothing "
        tail += "was allocated or written."
    else:
        tail = "; no results were written (an earlier results folder is left as it was)."
    _err().print(f"[bold red]Cannot {doing} {escape(str(name))}[/]: {escape(reason)}{tail}")


def _run(rnd: Round) -> Result:
    from samen.engine.allocate import allocate as engine_allocate

    return engine_allocate(rnd.instance)


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


@app.command()
def allocate(
    round_dir: Annotated[
        Path,
        typer.Argument(help="The round folder: round.toml and the tables.", show_default=False),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Where to write the results (default: the folder 'results' inside the round folder). "
            "An earlier results folder there is replaced as a whole.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check the round folder, allocate the seats and write the results.

    The results are assignments.csv (one row per child), cutoffs.csv (per school and pool: the
    last child admitted), groups.csv (pledge groups, if any) and summary.json. If the round
    folder has problems, they are listed and nothing is written.
    """
    from samen.io.errors import RoundError
    from samen.io.results import summary, write_results

    rnd = _read(round_dir)
    result = _run(rnd)
    target = out if out is not None else rnd.path / "results"
    try:
        written = write_results(rnd, result, target)
    except RoundError as exc:
        _show_problems(exc, "The results folder")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except OSError as exc:  # no permission, disk full, ...
        _show_os_error(exc, "write", target)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    s = summary(rnd, result)
    n = int(s["applicants"])  # type: ignore[call-overload]

    def pct(k: int) -> str:
        return f"{k:,} ({100 * k / n:.1f}%)" if n else str(k)

    first = s["first_choice"]["count"]  # type: ignore[index]
    top3 = s["top3"]["count"]  # type: ignore[index]
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Round", escape(rnd.name))
    table.add_row(
        "Mechanism", f"{rnd.instance.mechanism}, {rnd.instance.tie_breaking} tie-breaking"
    )
    table.add_row("Children", f"{n:,}")
    table.add_row("1st choice", pct(first))
    table.add_row("Top 3 choices", pct(top3))
    table.add_row("No school", pct(int(s["unassigned"])))  # type: ignore[call-overload]
    groups = s["pledge_groups"]
    if groups["total"]:  # type: ignore[index]
        table.add_row("Pledge groups held", f"{groups['held']} of {groups['total']}")  # type: ignore[index]
    if s["overflow"]:
        table.add_row("Extra seats (multiple births)", str(s["overflow"]))
    table.add_row("Results", escape(str(written)))
    _out().print(table)


@app.command()
def verify(
    round_dir: Annotated[
        Path,
        typer.Argument(help="The round folder: round.toml and the tables.", show_default=False),
    ],
    results: Annotated[
        Path | None,
        typer.Option(
            "--results",
            "-r",
            help="The results folder to check (default: the folder 'results' inside the round folder).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check published results: allocate the round again and compare, file by file.

    Says "identical" (exit code 0) when every file is the same, byte for byte; otherwise lists
    the differences (exit code 1), for assignments.csv the first children whose result differs.
    """
    from samen.io.results import compare_results, render_results

    rnd = _read(round_dir)
    folder = results if results is not None else rnd.path / "results"
    if not folder.is_dir():
        _err().print(
            f"[bold red]There is no results folder at {escape(str(folder))}[/]; run "
            "'samen allocate' first, or give the folder with --results."
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    expected = render_results(rnd, _run(rnd))
    diffs = compare_results(expected, folder)
    con = _out()
    if not diffs:
        con.print(
            f"[bold green]identical[/]: the results in {escape(str(folder))} are what this round "
            f"gives ({', '.join(expected)})."
        )
        return
    files = sorted({d.file for d in diffs})
    con.print(
        f"[bold red]different[/]: {escape(str(folder))} is not what this round gives "
        f"({len(files)} file{'s' if len(files) != 1 else ''} differ: {', '.join(files)})."
    )
    for d in diffs:
        con.print(f"  [bold]{escape(d.file)}[/]: {escape(d.message)}", soft_wrap=True)
    raise typer.Exit(EXIT_DIFFERENT)


@app.command()
def lottery(
    ids: Annotated[
        list[str],
        typer.Argument(
            help="One or more applicant ids (for a pledge group: pledge:GROUP_ID).",
            show_default=False,
        ),
    ],
    seed: Annotated[
        str,
        typer.Option(
            "--seed", "-s", help="The lottery seed of the round, as announced.", show_default=False
        ),
    ],
    school: Annotated[
        str | None,
        typer.Option(
            "--school",
            help="A school id, for rounds with multiple tie-breaking (a number per school).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Show the lottery number of a child, and the command anyone can run to check it.

    The number is the first 16 hex digits of the SHA-256 of 'SEED|ID' (or 'SEED|SCHOOL|ID');
    smaller numbers come first.
    """
    from samen.engine.lottery import hex16, number

    for applicant in ids:
        parts = (school, applicant) if school is not None else (applicant,)
        value = number(seed, *parts)
        text = "|".join((seed, *parts))
        typer.echo(f"{applicant}  {hex16(value)}  {value}")
        typer.echo(f"    check: printf '%s' {shlex.quote(text)} | sha256sum")


def _register_commands() -> None:
    from samen.commands import register_all

    register_all(app)


_register_commands()

if __name__ == "__main__":  # pragma: no cover
    app()
