"""What every ``samen`` command shares: the exit codes, the consoles, reading a round folder
or stopping with its problems, the problem printer and the options several commands take.

Every command reports bad input the same way: one line that says what has how many problems
and that nothing was written, then one line per problem (file, row or line, column or key:
what to fix), and exit code :data:`EXIT_BAD_INPUT`. A problem is one line however long, so it
can be copied or searched for whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from samen.engine.instance import Instance
    from samen.io.errors import InputError, Problem
    from samen.io.round import Round

EXIT_OK = 0
#: ``samen verify`` found differences
EXIT_DIFFERENT = 1
#: an input (a folder, a file, an option) has problems; they are listed
EXIT_BAD_INPUT = 2

#: the round folder, the first argument of most commands
RoundDir = Annotated[
    Path,
    typer.Argument(help="The round folder: round.toml and the tables.", show_default=False),
]


def out() -> Console:
    """The console of results (stdout)."""
    from rich.console import Console

    return Console(highlight=False)


def err() -> Console:
    """The console of problems and progress (stderr). ``soft_wrap``: one problem is one line
    (the terminal wraps it), so it can be copied or searched for as a whole."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def progress_bar(label: str, console: Console) -> Progress:
    """A progress bar on ``console`` (stderr): ``label`` (Rich markup; ``{task.description}``
    for the task's own words), the bar and done/total; gone when done, and hidden when
    standard error is not a terminal (a log or a pipe gets no control codes)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def count(n: int, one: str, many: str | None = None) -> str:
    """``1 problem``, ``2 problems`` (:func:`samen.io.errors.count`)."""
    from samen.io.errors import count as _count

    return _count(n, one, many)


def show_problems(
    what: str, problems: Iterable[Problem], done: str = "nothing was written"
) -> None:
    """Print ``what`` has N problems, that ``done``, and each problem on its own line."""
    from rich.markup import escape

    items = list(problems)
    con = err()
    them = "these" if len(items) != 1 else "it"
    con.print(
        f"[bold red]{escape(what)} has {count(len(items), 'problem')}[/]; {done}. Fix {them} and "
        "run the command again:"
    )
    for p in items:
        con.print(f"  [bold]{escape(p.where())}[/]: {escape(p.message)}")


def fail_input(
    error: InputError, done: str = "nothing was written", what: str | None = None
) -> NoReturn:
    """Print the problems of ``error`` (:func:`show_problems`) and exit with
    :data:`EXIT_BAD_INPUT`."""
    show_problems(what or error.what, error.problems, done)
    raise typer.Exit(EXIT_BAD_INPUT)


def fail(what: str, message: str, done: str = "nothing was written") -> NoReturn:
    """One problem with a command option or a path, said in one line; exit
    :data:`EXIT_BAD_INPUT`."""
    from rich.markup import escape

    err().print(f"[bold red]{escape(what)}[/]: {message}; {done}.")
    raise typer.Exit(EXIT_BAD_INPUT)


def show_os_error(exc: OSError, doing: str, where: Path, done: str) -> None:
    """A file that cannot be read or written (no permission, locked, disk full...)."""
    from rich.markup import escape

    name = exc.filename if exc.filename is not None else where
    reason = exc.strerror or str(exc)
    hint = (
        " (is it open in another program? Close it and run the command again)"
        if doing == "read"
        else ""
    )
    err().print(f"[bold red]Cannot {doing} {escape(str(name))}[/]: {escape(reason)}{hint}; {done}.")


def read_round_or_exit(folder: Path, done: str = "nothing was allocated or written") -> Round:
    """The round folder read and checked, or its problems printed and exit
    :data:`EXIT_BAD_INPUT`."""
    from samen.io.errors import RoundError
    from samen.io.round import read_round

    try:
        return read_round(folder)
    except RoundError as exc:
        fail_input(exc, done)
    except OSError as exc:  # a file that cannot be read (no permission, locked, ...)
        show_os_error(exc, "read", folder, done)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def warn_strategic(instance: Instance) -> None:
    """Warn (on stderr; not an error) about each rule of the round that rewards ranking
    strategically (:mod:`samen.engine.incentives`)."""
    from rich.markup import escape

    from samen.engine.incentives import strategic_rules

    for rule in strategic_rules(instance):
        err().print(f"[bold yellow]Warning[/]: {escape(rule.message())}.")


def key_table() -> Table:
    """A two-column table of labels and values, for a command's summary."""
    from rich.table import Table

    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    return table


#: what each extra of ``pip install samen[...]`` brings that its commands import first
EXTRAS: dict[str, tuple[str, ...]] = {
    "analytics": ("matplotlib", "jinja2"),
    "web": ("django",),
}


def need_extra(extra: str, command: str, modules: tuple[str, ...] = ()) -> None:
    """Stop with a clear message (exit :data:`EXIT_BAD_INPUT`) when ``samen[extra]``, which
    ``command`` needs, is not installed (its first libraries, and ``modules`` of it that
    ``command`` imports)."""
    import importlib

    missing = []
    for module in (*EXTRAS[extra], *modules):
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
    if missing:
        from rich.markup import escape

        name = escape(f"samen[{extra}]")
        err().print(
            f"[bold red]samen {command} needs {name}[/], which is not installed (no "
            f"{', '.join(missing)}); install it with: pip install '{name}'"
        )
        raise typer.Exit(EXIT_BAD_INPUT)


def default_output(round_dir: Path, suffix: str) -> Path:
    """Where an analysis of a round goes without ``--out``: in the current folder, named
    after the round folder (``mechelen-2027-chances.csv``), so the round folder keeps only
    its inputs and results."""
    name = round_dir.resolve().name or "round"
    return Path.cwd() / f"{name}-{suffix}"


__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_DIFFERENT",
    "EXIT_OK",
    "EXTRAS",
    "RoundDir",
    "count",
    "default_output",
    "err",
    "fail",
    "fail_input",
    "key_table",
    "need_extra",
    "out",
    "read_round_or_exit",
    "show_os_error",
    "show_problems",
    "warn_strategic",
]
