"""``samen report``: one self-contained HTML report of a round, for a city council.

    samen report ROUND_DIR [--out FILE.html] [--draws N] [--scenarios scenarios.json]
                           [--housing housing.json] [--lang en|nl|fr] [--results DIR]

Without ``--out`` the report is ``<round folder name>-report.html`` in the current folder (the
round folder keeps only its inputs and results).

What the report shows and how every number is computed: ``docs/report.md``; the code is in
:mod:`samen.analytics.report` and :mod:`samen.analytics.plots`. Exit code 2 when an input (the
round folder, its results, the scenarios file, an option) cannot be used; the problems name the
file, the row or key, and what to fix, and nothing is written.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from samen.commands.common import (
    EXIT_BAD_INPUT,
    RoundDir,
    default_output,
    err,
    fail_input,
    key_table,
    need_extra,
    out,
    progress_bar,
)

NOT_WRITTEN = "no report was written"
#: the --housing option (a housing.json of samen housing simulate)
HousingFile = Annotated[
    Path | None,
    typer.Option(
        "--housing",
        help="A housing.json written by 'samen housing simulate', shown as the report's "
        "housing part.",
        show_default=False,
    ),
]


def _summary(data: Any, draws: int, sc: Any, hs: Any) -> Any:
    """The lines the command prints about the report (before the file's own line)."""
    from rich.markup import escape

    table = key_table()
    table.add_row("Round", escape(data.round_name))
    source = {
        "results": f"read from {data.allocation.folder}",
        "missing": "allocated here (no results folder)",
        "incomplete": "allocated here (the results folder has no summary.json)",
        "stale": "allocated again: the results folder was made from other input files",
    }[data.allocation.source]
    table.add_row("Allocation", escape(source))
    table.add_row("Draws", f"{draws:,} other lottery draws")
    if sc is not None:
        table.add_row("Scenarios", f"{len(sc.variants)} variants from {escape(sc.source)}")
    if hs is not None:
        table.add_row("Housing", f"{len(hs.scenarios)} scenarios from {escape(hs.source)}")
    return table


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to ``app``."""

    @app.command()
    def report(
        round_dir: RoundDir,
        out_file: Annotated[
            Path | None,
            typer.Option(
                "--out",
                "-o",
                help="The HTML file to write (default: <round folder name>-report.html in the "
                "current folder).",
                show_default=False,
            ),
        ] = None,
        draws: Annotated[
            int,
            typer.Option(
                "--draws",
                "-d",
                help="Other lottery draws for the 95% ranges (seeds SEED|draw:1, ...).",
            ),
        ] = 100,
        scenarios: Annotated[
            Path | None,
            typer.Option(
                "--scenarios",
                "-s",
                help="A scenarios file written by 'samen scenarios', shown side by side.",
                show_default=False,
            ),
        ] = None,
        housing: HousingFile = None,
        lang: Annotated[
            str,
            typer.Option("--lang", "-l", help="The language of the report: en, nl or fr."),
        ] = "en",
        results: Annotated[
            Path | None,
            typer.Option(
                "--results",
                "-r",
                help="The results folder of the allocation (default: 'results' in the round "
                "folder). When it is missing or was made from other input files, the report "
                "allocates the round itself.",
                show_default=False,
            ),
        ] = None,
    ) -> None:
        """Write one HTML file about a round that a city council can read: choices received,
        how mixed each school is, a map, segregation indices with their range over other
        lottery draws, pledge groups, (with --scenarios) policy variants side by side and (with
        --housing) years of the city's social housing under several rule sets.

        The file holds everything (figures included) and opens offline, on a phone and in
        print. It is written all at once, or not at all.
        """
        need_extra("analytics", "report")
        from rich.markup import escape

        from samen.analytics.report import (
            ReportError,
            build_report,
            check_draws,
            check_lang,
            load_housing,
            load_scenarios,
            render_html,
            write_report,
        )
        from samen.io.errors import RoundError
        from samen.io.round import read_round

        con_err = err()

        def os_fail(exc: OSError, where: Path) -> NoReturn:
            name = exc.filename if exc.filename is not None else where
            con_err.print(
                f"[bold red]Cannot use {escape(str(name))}[/]: {escape(exc.strerror or str(exc))}; "
                f"{NOT_WRITTEN}."
            )
            raise typer.Exit(EXIT_BAD_INPUT)

        started = time.perf_counter()
        try:
            check_draws(draws)
            check_lang(lang)
            sc = load_scenarios(scenarios) if scenarios is not None else None
            hs = load_housing(housing) if housing is not None else None
        except ReportError as exc:
            fail_input(exc, NOT_WRITTEN)
        try:
            rnd = read_round(round_dir)
        except RoundError as exc:
            fail_input(exc, NOT_WRITTEN)
        except OSError as exc:
            os_fail(exc, round_dir)

        progress = progress_bar("[bold]Lottery draws", con_err)
        try:
            with progress:
                task = progress.add_task("draws", total=draws)
                data = build_report(
                    rnd,
                    draws=draws,
                    results=results,
                    scenarios=sc,
                    progress=lambda k: progress.update(task, completed=k),
                    housing=hs,
                )
            text = render_html(data, lang)
            target = out_file if out_file is not None else default_output(round_dir, "report.html")
            written = write_report(text, target)
        except ReportError as exc:
            fail_input(exc, NOT_WRITTEN)
        except OSError as exc:
            os_fail(exc, out_file if out_file is not None else round_dir)
        seconds = time.perf_counter() - started

        size = len(text.encode("utf-8"))
        table = _summary(data, draws, sc, hs)
        table.add_row(
            "Report", f"{escape(str(written))} ({size / 1e6:.1f} MB, {lang}) in {seconds:.1f} s"
        )
        out().print(table)
