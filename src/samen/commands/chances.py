"""``samen chances``: every child's admission chances over many public draws of a round.

    samen chances ROUND_DIR [ID...] [--draws N] [--applicant ID]... [--out FILE.csv]
                            [--scheduler ADDRESS] [--processes K]

Draw ``k`` uses the seed ``SEED|draw:k`` (``docs/chances.md``). Writes
``applicant_id, school_id, choice_rank, probability, lo, hi`` (a 95% Wilson interval) to
``--out``, by default ``<round folder name>-chances.csv`` in the current folder (the round
folder keeps only its inputs and results), and prints a table for each child named after the
round folder or with ``--applicant``. Exit code 2 when the round folder has problems, an option
is not usable or an applicant id is unknown; the message says what to fix.
"""

from __future__ import annotations

import difflib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from samen.commands.common import (
    EXIT_BAD_INPUT,
    RoundDir,
    default_output,
    err,
    key_table,
    out,
    read_round_or_exit,
)

if TYPE_CHECKING:
    from rich.table import Table

    from samen.analytics.chances import Chances
    from samen.engine.instance import Instance
    from samen.io.round import Round

DEFAULT_DRAWS = 1000
OUT_NAME = "chances.csv"


def _fail(message: str) -> NoReturn:
    err().print(f"[bold red]Cannot estimate chances[/]: {message}")
    raise typer.Exit(EXIT_BAD_INPUT)


def _check_options(draws: int, processes: int | None, scheduler: str | None) -> None:
    if draws < 1:
        _fail(
            f"--draws is {draws}; give the number of draws, at least 1 "
            f"(for example --draws {DEFAULT_DRAWS})."
        )
    if processes is not None and processes < 1:
        _fail(f"--processes is {processes}; give at least 1 (1 = no worker processes).")
    if scheduler is not None and not scheduler.strip():
        _fail("--scheduler is empty; give the address of a Dask scheduler, e.g. tcp://host:8786.")


def _wanted(rnd: Round, names: list[str]) -> list[int]:
    """The indices of the children named, or stop with the id meant when one is unknown."""
    from rich.markup import escape

    all_ids = list(rnd.instance.applicant_ids)
    index = {a: i for i, a in enumerate(all_ids)}
    wanted: list[int] = []
    for a in names:
        if a not in index:
            close = [i for i in all_ids if i.casefold() == a.casefold()][:1]
            close = close or difflib.get_close_matches(a, all_ids, n=1, cutoff=0.6)
            hint = f" (did you mean '{escape(close[0])}'?)" if close else ""
            source = escape(rnd.sources.get("applicants", "applicants.csv"))
            _fail(
                f"there is no applicant '{escape(a)}' in {source}{hint}; give an applicant_id of the round."
            )
        wanted.append(index[a])
    return wanted


def _target(round_dir: Path, out_file: Path | None) -> Path:
    from rich.markup import escape

    target = out_file if out_file is not None else default_output(round_dir, OUT_NAME)
    if target.is_dir():
        target = target / OUT_NAME
    if not target.parent.is_dir():
        _fail(
            f"the folder {escape(str(target.parent))} does not exist; create it or give another --out."
        )
    return target


def _estimate(inst: Instance, draws: int, processes: int | None, scheduler: str | None) -> Chances:
    """The draws, with a progress bar on standard error."""
    from rich.markup import escape
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.table import Column

    from samen.analytics.chances import chances as estimate

    progress = Progress(
        TextColumn("Draws"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}", table_column=Column(min_width=15)),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=err(),
        transient=False,
    )
    started = time.perf_counter()
    with progress:
        task = progress.add_task("draws", total=draws, rate="")

        def tick(done: int) -> None:
            seconds = time.perf_counter() - started
            rate = f"{done / seconds:,.0f} draws/s" if seconds > 0 else ""
            progress.update(task, completed=done, rate=rate)

        try:
            return estimate(inst, draws, processes=processes, scheduler=scheduler, progress=tick)
        except (OSError, ValueError) as exc:
            if scheduler is None:
                raise
            progress.stop()
            _fail(
                f"no Dask scheduler answered at {escape(scheduler)} ({escape(str(exc))}); "
                "check the address, or leave out --scheduler to use this computer."
            )
        except RuntimeError as exc:  # e.g. the distributed package is missing
            if scheduler is None:
                raise
            progress.stop()
            _fail(escape(str(exc)))


def _child_table(rnd: Round, result: Chances, k: int, draws: int) -> Table:
    """One child's chances at each school of its list, and of none."""
    from rich.markup import escape
    from rich.table import Table

    inst, names = rnd.instance, rnd.school_names
    row = result.child(k)
    table = Table(
        title=f"Chances of {escape(row.applicant_id)} ({draws:,} draws, 95% interval)",
        title_justify="left",
    )
    table.add_column("Rank", justify="right")
    table.add_column("School")
    table.add_column("Chance", justify="right")
    table.add_column("95% interval", justify="right")
    table.add_column("This or better", justify="right")
    p, lo, hi, cum = row.probability, row.lo, row.hi, row.cumulative
    for j, s in enumerate(row.schools.tolist()):
        sid = inst.school_ids[s]
        label = sid if names[s] == sid else f"{sid} {names[s]}"
        table.add_row(
            str(j + 1), escape(label), _pct(p[j]), f"{_pct(lo[j])} - {_pct(hi[j])}", _pct(cum[j])
        )
    ulo, uhi = row.unassigned_interval
    table.add_row(
        "",
        "[italic]no school on the list[/]",
        _pct(row.p_unassigned),
        f"{_pct(ulo)} - {_pct(uhi)}",
        "",
    )
    return table


def chances(
    round_dir: RoundDir,
    ids: Annotated[
        list[str] | None,
        typer.Argument(
            help="Applicant ids whose chances to print (the same as --applicant).",
            show_default=False,
        ),
    ] = None,
    draws: Annotated[
        int,
        typer.Option(
            "--draws",
            "-n",
            help="How many draws (the more, the narrower the intervals: 1,000 gives about "
            "+-3 percentage points).",
        ),
    ] = DEFAULT_DRAWS,
    applicant: Annotated[
        list[str] | None,
        typer.Option(
            "--applicant",
            "-a",
            help="An applicant id whose chances to print (repeat it, or list the ids after "
            "the round folder, for more children).",
            show_default=False,
        ),
    ] = None,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help=f"The CSV file to write (default: <round folder name>-{OUT_NAME} in the "
            "current folder).",
            show_default=False,
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Run the draws on a Dask cluster: the scheduler's address, e.g. "
            "tcp://10.0.0.5:8786 (its workers need samen installed).",
            show_default=False,
        ),
    ] = None,
    processes: Annotated[
        int | None,
        typer.Option(
            "--processes",
            "-p",
            help="Local worker processes (default 2; 1 runs the draws in this process).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Estimate every child's chance of a seat at each school on its list, and of none.

    The round is allocated again and again with the seeds 'SEED|draw:1', 'SEED|draw:2', ...
    (the published draw is not among them); the chance is the share of draws, with a 95%
    interval. Anyone can recompute a draw with 'samen allocate' after writing its seed
    into round.toml.
    """
    from rich.markup import escape

    from samen.analytics.draws import draw_seed

    _check_options(draws, processes, scheduler)
    rnd = read_round_or_exit(round_dir, "nothing was estimated or written")
    inst = rnd.instance
    wanted = _wanted(rnd, [*(applicant or []), *(ids or [])])
    target = _target(round_dir, out_file)
    started = time.perf_counter()
    result = _estimate(inst, draws, processes, scheduler)
    seconds = time.perf_counter() - started
    try:
        written = result.write_csv(target)
    except OSError as exc:
        _fail(
            f"cannot write {escape(str(target))}: {escape(exc.strerror or str(exc))}; nothing was written."
        )
    summary = key_table()
    summary.add_row("Round", escape(rnd.name))
    summary.add_row("Mechanism", f"{inst.mechanism}, {inst.tie_breaking} tie-breaking")
    summary.add_row("Children", f"{inst.n_applicants:,}")
    summary.add_row(
        "Draws",
        f"{draws:,}, seeds '{escape(draw_seed(inst.seed, 1))}' to "
        f"'{escape(draw_seed(inst.seed, draws))}'",
    )
    where = f"Dask at {escape(scheduler)}" if scheduler else "this computer"
    summary.add_row("Time", f"{seconds:.1f} s ({draws / seconds:,.0f} draws per second, {where})")
    summary.add_row("Written", escape(str(written)))
    con = out()
    con.print(summary)
    for k in wanted:
        con.print(_child_table(rnd, result, k, draws))


def _pct(x: float) -> str:
    return f"{100 * float(x):.1f}%"


def register(app: typer.Typer) -> None:
    """Add the ``chances`` command to ``app``."""
    app.command()(chances)
