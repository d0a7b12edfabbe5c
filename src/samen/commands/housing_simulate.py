"""``samen housing simulate``: years of a city's social housing under several rule sets, side
by side.

    samen housing simulate SPEC.toml [--out DIR] [--seeds N] [--processes N]

The spec, the model and the numbers are in ``docs/housing-simulation.md``; the work is done
by :mod:`samen.housing.simulate` and :mod:`samen.housing.metrics`. Exit code 2 when the spec,
its city or the output folder is not usable; the problems name the file, the line and the
key, and nothing is run or written. The command adds itself to ``samen housing``
(:data:`samen.commands.housing.housing`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from samen.commands.common import (
    EXIT_BAD_INPUT,
    err,
    fail_input,
    out,
    progress_bar,
    show_problems,
)

if TYPE_CHECKING:
    from samen.housing.spec import SimSpec
    from samen.io.errors import Problem

NOT_RUN = "nothing was run or written"
#: the rows of the terminal table: (metric, label)
TABLE_ROWS: tuple[tuple[str, str], ...] = (
    ("watch[income_band:1]", "Lowest incomes, poorest areas"),
    ("watch[young_family]", "Young families, poorest areas"),
    ("watch[work_income]", "Work income, poorest areas"),
    ("watch_residents[income_band:1]", "Lowest incomes, all homes there"),
    ("D", "D, tenants"),
    ("M", "M, tenants"),
    ("M_residents", "M, all households"),
    ("lettings[income_band:1]", "Lettings, lowest incomes"),
    ("refusal_rate", "Offers refused"),
    ("wait_years", "Years on the list"),
    ("lettings", "Lettings"),
)


def _fail(what: str, problems: list[Problem]) -> NoReturn:
    show_problems(what, problems, NOT_RUN)
    raise typer.Exit(EXIT_BAD_INPUT)


def _cell(s: dict[str, Any] | None, unit: str) -> str:
    """The mean over the runs and, below it, the 2.5-97.5 percentile interval."""
    if not s or s.get("mean") is None:
        return "-"
    mean, lo, hi = s["mean"], s["lo"], s["hi"]
    if unit == "share":
        return f"{100 * mean:.1f}%\n[{100 * lo:.1f}-{100 * hi:.1f}]"
    if unit in ("count", "years"):
        digits = 1 if unit == "years" else 0
        return f"{mean:,.{digits}f}\n[{lo:,.{digits}f}-{hi:,.{digits}f}]"
    return f"{mean:.3f}\n[{lo:.3f}-{hi:.3f}]"


def results_table(results: dict[str, Any]) -> Any:
    """The terminal table: one row per headline figure at the end of the period, one column
    per scenario (the mean over the runs and the 2.5-97.5 percentile interval)."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 0, 0, 1))
    table.add_column("End of the period", style="bold", min_width=14, max_width=22)
    for sc in results["scenarios"]:
        table.add_column(escape(sc["name"]), justify="right", min_width=11)
    start = results["scenarios"][0]["years"] if results["scenarios"] else {}
    table.add_column(f"Start ({results['year_labels'][0][:4]})", justify="right", min_width=9)
    info = results["metric_info"]
    for key, label in TABLE_ROWS:
        unit = info[key]["unit"]
        row = [label] + [_cell(sc["final"].get(key), unit) for sc in results["scenarios"]]
        first = start.get(key, {}).get("mean", [None])[0]
        row.append(
            "-"
            if first is None
            else _cell({"mean": first, "lo": first, "hi": first}, unit).split("\n")[0]
        )
        table.add_row(*row)
    return table


def _options(
    spec: SimSpec,
    spec_file: Path,
    out_dir: Path | None,
    seeds: int | None,
    processes: int | None,
) -> tuple[SimSpec, Path]:
    """The spec with --seeds, and the output folder; stop with the options' problems."""
    from dataclasses import replace

    from samen.housing.spec import MAX_SEEDS
    from samen.io.errors import Problem

    problems: list[Problem] = []
    if seeds is not None:
        if not 1 <= seeds <= MAX_SEEDS:
            problems.append(
                Problem(
                    "--seeds",
                    None,
                    None,
                    f"{seeds} runs; give a whole number from 1 to {MAX_SEEDS:,}",
                )
            )
        else:
            spec = replace(spec, seeds=seeds)
    if processes is not None and not 1 <= processes <= 64:
        problems.append(
            Problem("--processes", None, None, f"{processes}; give a number from 1 to 64")
        )
    target = out_dir if out_dir is not None else spec_file.parent / f"{spec_file.stem}-results"
    if target.exists() and not target.is_dir():
        problems.append(
            Problem(str(target), None, None, "this is a file, not a folder; give --out a folder")
        )
    if problems:
        _fail("The command", problems)
    return spec, target


def _run(spec: SimSpec, spec_file: Path, processes: int | None) -> dict[str, Any]:
    """The simulation, with a progress bar on standard error; stop with the city's or the
    scenarios' problems."""

    from samen.housing.metrics import summarise
    from samen.housing.simulate import city_source, load_world, run_all
    from samen.housing.spec import SpecError

    try:
        world = load_world(spec)
    except SpecError as exc:
        _fail(f"The spec {spec_file}", exc.problems)
    con_err = err()
    with progress_bar("Runs", con_err) as bar:
        task = bar.add_task("runs", total=spec.seeds * len(spec.scenarios))
        runs = run_all(
            world,
            processes=processes,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    return summarise(world, runs, city_source(spec))


def _print(results: dict[str, Any], spec_file: Path, written: list[Path], seconds: float) -> None:
    from rich.markup import escape

    con = out()
    c = results["city"]
    years = [int(y[:4]) for y in results["year_labels"]]
    con.print(
        f"[bold]{escape(results['name'] or spec_file.stem)}[/]: {escape(c['name'])}, "
        f"{c['social_homes']:,} social homes of {c['households']:,}, {c['waiting']:,} "
        f"households waiting; {years[0]} to {years[-1] - 1}, {results['seeds']} runs per "
        f"scenario, seed {results['seed']}"
    )
    con.print(results_table(results))
    con.print(
        f"Mean over the runs and [2.5-97.5 percentile of the runs] at the end of "
        f"{years[-1] - 1} (flows: over the whole period). Poorest areas: the "
        f"neighbourhoods {', '.join(results['watch'])}. D: dissimilarity of the lowest "
        "income band, M: mutual information of the income bands (nats), between "
        "neighbourhoods. Every year, every neighbourhood and the 95% interval of each mean "
        "are in housing.json."
    )
    ref = results["scenarios"][0]["name"] if results["scenarios"] else ""
    for sc in results["scenarios"][1:]:
        parts = []
        for key, label in (
            ("watch[income_band:1]", "lowest incomes in the poorest areas"),
            ("D", "D"),
            ("M", "M"),
        ):
            d = (sc["vs_first"] or {}).get(key)
            if not d or d["mean"] is None:
                continue
            if key.startswith("watch"):
                text = f"{100 * d['mean']:+.1f} points [{100 * d['lo']:+.1f}, {100 * d['hi']:+.1f}]"
            else:
                text = f"{d['mean']:+.3f} [{d['lo']:+.3f}, {d['hi']:+.3f}]"
            parts.append(f"{label} {text}, lower in {100 * (d['share_lower'] or 0):.0f}% of runs")
        if parts:
            con.print(f"{escape(sc['name'])} vs {escape(ref)}, run by run: " + "; ".join(parts))
    con.print(f"Written: {escape(', '.join(str(p) for p in written))} in {seconds:.1f} s")


def simulate(
    spec_file: Annotated[
        Path,
        typer.Argument(
            help="The simulation spec (TOML): the city, the years, the behaviour and the "
            "scenarios.",
            show_default=False,
        ),
    ],
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Where to write housing.json, housing.csv and housing-neighbourhoods.csv "
            "(default: the folder '<spec name>-results' next to the spec).",
            show_default=False,
        ),
    ] = None,
    seeds: Annotated[
        int | None,
        typer.Option(
            "--seeds",
            "-n",
            help="Runs per scenario (replaces the spec's 'seeds').",
            show_default=False,
        ),
    ] = None,
    processes: Annotated[
        int | None,
        typer.Option(
            "--processes",
            "-p",
            help="Worker processes (default: 2, at most the machine's cores); the numbers do "
            "not depend on it.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Simulate years of a city's social housing under several rule sets, side by side.

    Tenants leave, households register, each month's vacancies are allocated by the
    scenario's rules (the engine and lottery of 'samen housing allocate'), offers are
    accepted or refused. Per scenario and year: the composition of each neighbourhood and
    the segregation between them (D, isolation, H, M), with 95% intervals over the runs.
    See docs/housing-simulation.md.
    """
    from samen.housing.metrics import write_results
    from samen.housing.spec import SpecError, load_spec
    from samen.io.errors import Problem

    try:
        spec = load_spec(spec_file)
    except SpecError as exc:
        fail_input(exc, NOT_RUN, f"The spec {spec_file}")
    spec, target = _options(spec, spec_file, out_dir, seeds, processes)
    started = time.perf_counter()
    results = _run(spec, spec_file, processes)
    seconds = time.perf_counter() - started
    try:
        written = write_results(results, target)
    except OSError as exc:
        _fail("The command", [Problem(str(target), None, None, str(exc))])
    _print(results, spec_file, written, seconds)


def register(app: typer.Typer) -> None:
    """Add ``simulate`` to ``samen housing`` (the sub-app of :mod:`samen.commands.housing`,
    which ``app`` has)."""
    from samen.commands.housing import housing

    del app
    housing.command("simulate")(simulate)
