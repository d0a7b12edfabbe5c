"""``samen allocate`` and ``samen verify``: allocate a round, and check published results.

    samen allocate ROUND_DIR [--out DIR]
    samen verify ROUND_DIR [--results DIR]

Exit codes: 0 done (``verify``: identical), 1 ``verify`` found differences, 2 the round
folder (or the results folder) has problems; they are listed with file, row and column.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from samen.commands.common import (
    EXIT_BAD_INPUT,
    EXIT_DIFFERENT,
    RoundDir,
    count,
    err,
    fail,
    fail_input,
    key_table,
    out,
    read_round_or_exit,
    show_os_error,
    warn_strategic,
)

if TYPE_CHECKING:
    from samen.io.round import Round

NOT_WRITTEN = "no results were written (an earlier results folder is left as it was)"


def allocate(
    round_dir: RoundDir,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Where to write the results (default: the folder 'results' inside the round "
            "folder). An earlier results folder there is replaced as a whole.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check the round folder, allocate the seats and write the results.

    The results are assignments.csv (one row per child), cutoffs.csv (per school and pool: the
    last child admitted), groups.csv (pledge groups, if any), waitlists.csv (with waitlists =
    true) and summary.json. If the round folder has problems, they are listed and nothing is
    written. A round that orders pools by rank or has first-choice-only priority gets a
    warning: those rules reward ranking strategically.
    """
    from rich.markup import escape

    from samen.engine.allocate import allocate as run
    from samen.engine.numba_start import start_numba_without_scipy
    from samen.io.errors import RoundError
    from samen.io.results import summary, write_results

    start_numba_without_scipy()
    rnd = _read_allocation_round(round_dir)
    warn_strategic(rnd.instance)
    result = run(rnd.instance)
    target = out_dir if out_dir is not None else rnd.path / "results"
    try:
        written = write_results(rnd, result, target)
    except RoundError as exc:
        fail_input(exc, NOT_WRITTEN, "The results folder")
    except OSError as exc:  # no permission, disk full, ...
        show_os_error(exc, "write", target, NOT_WRITTEN)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    s = summary(rnd, result)
    n = int(s["applicants"])  # type: ignore[call-overload]

    def pct(k: int) -> str:
        return f"{k:,} ({100 * k / n:.1f}%)" if n else str(k)

    table = key_table()
    table.add_row("Round", escape(rnd.name))
    table.add_row(
        "Mechanism", f"{rnd.instance.mechanism}, {rnd.instance.tie_breaking} tie-breaking"
    )
    table.add_row("Children", f"{n:,}")
    table.add_row("1st choice", pct(s["first_choice"]["count"]))  # type: ignore[index]
    table.add_row("Top 3 choices", pct(s["top3"]["count"]))  # type: ignore[index]
    table.add_row("No school", pct(int(s["unassigned"])))  # type: ignore[call-overload]
    groups = s["pledge_groups"]
    if groups["total"]:  # type: ignore[index]
        table.add_row("Pledge groups held", f"{groups['held']} of {groups['total']}")  # type: ignore[index]
    if s["overflow"]:
        table.add_row("Extra seats (multiple births)", str(s["overflow"]))
    if s["rules"] == 2:
        table.add_row("Rules", "version 2 (allocation rules section 10)")
    if result.waitlists is not None:
        table.add_row("Waiting lists", f"{len(result.waitlists):,} places (waitlists.csv)")
    table.add_row("Results", escape(str(written)))
    out().print(table)


def _read_allocation_round(round_dir: Path) -> Round:
    """The round folder read and checked, or its problems printed and exit 2; a housing round
    folder (its round.toml says ``kind = "housing"``) is refused as such. A housing folder
    is never a valid allocation round (``kind`` is no key of its rules), so it is looked for
    only when reading fails: a valid round does not import the housing modules."""
    from samen.io.errors import RoundError
    from samen.io.round import read_round

    try:
        return read_round(round_dir)
    except (RoundError, OSError):
        from samen.housing.folder import is_housing_folder

        if is_housing_folder(round_dir):
            fail("The folder", "it is a housing round; allocate it with 'samen housing allocate'")
    return read_round_or_exit(round_dir)  # reads it again to print its problems


def verify(
    round_dir: RoundDir,
    results: Annotated[
        Path | None,
        typer.Option(
            "--results",
            "-r",
            help="The results folder to check (default: the folder 'results' inside the round "
            "folder).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check published results: allocate the round again and compare, file by file.

    Says "identical" (exit code 0) when every file is the same, byte for byte; otherwise lists
    the differences (exit code 1), for assignments.csv the first children whose result differs.
    A housing round folder is checked too (its results and the allocation round in them).
    """
    from rich.markup import escape

    from samen.engine.allocate import allocate as run
    from samen.engine.numba_start import start_numba_without_scipy
    from samen.housing.folder import is_housing_folder
    from samen.io.results import compare_results, render_results

    start_numba_without_scipy()

    if is_housing_folder(round_dir):
        from samen.commands.housing import verify_housing

        verify_housing(round_dir, results)
        return
    rnd = read_round_or_exit(round_dir)
    folder = results if results is not None else rnd.path / "results"
    if not folder.is_dir():
        err().print(
            f"[bold red]There is no results folder at {escape(str(folder))}[/]; run "
            "'samen allocate' first, or give the folder with --results."
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    expected = render_results(rnd, run(rnd.instance))
    diffs = compare_results(expected, folder)
    con = out()
    if not diffs:
        con.print(
            f"[bold green]identical[/]: the results in {escape(str(folder))} are what this round "
            f"gives ({', '.join(expected)})."
        )
        return
    files = sorted({d.file for d in diffs})
    differ = f"{count(len(files), 'file')} {'differs' if len(files) == 1 else 'differ'}"
    con.print(
        f"[bold red]different[/]: {escape(str(folder))} is not what this round gives "
        f"({differ}: {', '.join(files)})."
    )
    for d in diffs:
        con.print(f"  [bold]{escape(d.file)}[/]: {escape(d.message)}", soft_wrap=True)
    raise typer.Exit(EXIT_DIFFERENT)


def register(app: typer.Typer) -> None:
    """Add ``allocate`` and ``verify`` to ``app``."""
    app.command()(allocate)
    app.command()(verify)
