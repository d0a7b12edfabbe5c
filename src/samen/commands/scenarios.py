"""``samen scenarios``: compare variants of one round (rules, pools, pledge groups) over many
lottery draws.

    samen scenarios SPEC.toml [--out DIR] [--draws N] [--seed S]

The spec format, the metrics and scenarios.json are in ``docs/scenarios.md``; the work is
done by :mod:`samen.analytics.scenarios`. Exit code 2 when the spec, the round folder or the
output folder is not usable; the problems name the file, the line and the key, and nothing
is written.
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
    from samen.analytics.scenarios import Spec
    from samen.io.errors import Problem

NOT_RUN = "nothing was run or written"


def _fail(what: str, problems: list[Problem]) -> NoReturn:
    show_problems(what, problems, NOT_RUN)
    raise typer.Exit(EXIT_BAD_INPUT)


def _index(x: float) -> str:
    return f"{x:.3f}".removeprefix("0").replace("-0.", "-.")


def _cell(summary: dict[str, Any] | None, unit: str, groups: int = 0) -> str:
    """Mean over the draws and, below it, the 2.5-97.5 percentile interval (compact)."""
    if not summary or summary.get("mean") is None:
        return "-"
    mean, lo, hi = summary["mean"], summary["lo"], summary["hi"]
    if unit == "share":
        return f"{100 * mean:.1f}%\n[{100 * lo:.1f}-{100 * hi:.1f}]"
    if unit == "metres":
        return f"{mean:,.0f} m\n[{lo:.0f}-{hi:.0f}]"
    if unit == "count":
        return f"{mean:.1f} of {groups}\n[{lo:g}-{hi:g}]"
    return f"{mean:.3f}\n[{_index(lo)}-{_index(hi)}]"


def results_table(results: dict[str, Any]) -> Any:
    """The terminal table: one row per metric, one column per variant (the mean over the
    draws and the 2.5-97.5 percentile interval of the draws)."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    variants = results["variants"]
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 0, 0, 1))
    table.add_column("Metric", style="bold", min_width=12, max_width=16)
    for v in variants:
        table.add_column(escape(v["name"]), justify="right", min_width=11)
    any_groups = any(v["pledge_groups"] for v in variants)
    for name, info in results["metric_info"].items():
        if name == "pledge_groups_held_share" or (
            name.startswith("pledge_groups") and not any_groups
        ):
            continue
        row = [escape(info["label"].split(" (")[0])]
        for v in variants:
            row.append(_cell(v["metrics"].get(name), info["unit"], v["pledge_groups"]))
        table.add_row(*row)
    return table


def _options(
    spec: Spec, spec_file: Path, out_dir: Path | None, draws: int | None, seed: int | None
) -> tuple[Spec, Path]:
    """The spec with the command's --draws and --seed, and the output folder; stop with the
    options' problems."""
    from dataclasses import replace

    from samen.analytics.scenarios import MAX_DRAWS
    from samen.io.errors import Problem

    options: list[Problem] = []
    if draws is not None:
        if not 1 <= draws <= MAX_DRAWS:
            options.append(
                Problem(
                    "--draws",
                    None,
                    None,
                    f"{draws} draws; give a whole number from 1 to {MAX_DRAWS:,}",
                )
            )
        else:
            spec = replace(spec, draws=draws)
    if seed is not None:
        if seed < 0:
            options.append(Problem("--seed", None, None, f"{seed}; give 0 or more"))
        else:
            spec = replace(spec, seed=seed)
    target = out_dir if out_dir is not None else spec_file.parent / f"{spec_file.stem}-results"
    if target.exists() and not target.is_dir():
        options.append(
            Problem(str(target), None, None, "this is a file, not a folder; give --out a folder")
        )
    if options:
        _fail("The command", options)
    return spec, target


def _run(spec: Spec, spec_file: Path) -> dict[str, Any]:
    """The spec run, with a progress bar on standard error; stop with the round's or the
    variants' problems."""
    from rich.markup import escape

    from samen.analytics.scenarios import SpecError, load_round, run_scenarios, variant_instances
    from samen.io.errors import RoundError

    try:
        rnd = load_round(spec)
    except RoundError as exc:
        _fail(f"The round folder {spec.round}", exc.problems)
    except SpecError as exc:
        _fail(f"The spec {spec_file}", exc.problems)
    try:
        instances = variant_instances(spec, rnd)
    except SpecError as exc:
        _fail(f"The spec {spec_file}", exc.problems)
    con_err = err()
    with progress_bar("{task.description}", con_err) as bar:
        task = bar.add_task("draws", total=spec.draws * len(spec.variants))
        names = [v.name for v in spec.variants]

        def progress(name: str, k: int) -> None:
            bar.update(task, completed=names.index(name) * spec.draws + k, description=escape(name))

        return run_scenarios(spec, rnd, progress=progress, instances=instances)


def _print(
    results: dict[str, Any], spec: Spec, spec_file: Path, written: list[Path], seconds: float
) -> None:
    """What the run found, as a table and a few lines."""
    from rich.markup import escape

    con = out()
    r = results["round"]
    head = f"[bold]{escape(results['name'] or spec_file.stem)}[/]: "
    head += (
        f"{escape(r['name'])}, {r['children']:,} children "
        f"({100 * (r['flag_share'] or 0):.0f}% {escape(r['flag'])}), {r['schools']} schools; "
        f"{spec.draws} draws per variant, seed {spec.seed}"
    )
    con.print(head)
    con.print(results_table(results))
    b = results["benchmark"]
    if b.get("D") is not None:
        con.print(
            f"Nearest school (every child at its nearest school, capacities ignored): "
            f"D {b['D']:.3f}, H {b['H']:.3f}, M {b['M']:.3f}"
        )
    con.print(
        "Mean over the draws and [2.5-97.5 percentile of the draws]; the 95% interval of "
        "each mean (mean +/- 1.96 sd/sqrt(N)) is in scenarios.json. D: dissimilarity, H: "
        "Theil's entropy index (0 = every school has the city's mix), M: mutual information "
        "(nats). Ranks are on the lists as submitted in the round."
    )
    ref = results["variants"][0]["name"]
    for v in results["variants"][1:]:
        parts = []
        for key, label in (
            ("first_choice", "1st choice"),
            ("D", "D"),
            ("M", "M"),
        ):
            d = (v["vs_first"] or {}).get(key)
            if not d or d["mean"] is None:
                continue
            if key == "first_choice":
                text = f"{100 * d['mean']:+.1f} points [{100 * d['lo']:+.1f}, {100 * d['hi']:+.1f}]"
            else:
                text = f"{d['mean']:+.3f} [{d['lo']:+.3f}, {d['hi']:+.3f}]"
            low = 100 * (d["share_lower"] or 0)
            parts.append(f"{label} {text}, lower in {low:.0f}% of draws")
        if parts:
            con.print(f"{escape(v['name'])} vs {escape(ref)}, draw by draw: " + "; ".join(parts))
    for v in results["variants"]:
        if v["pledge_groups_added"]:
            k = v["pledge_groups_added"]
            con.print(
                f"{escape(v['name'])}: {k} pledge group{'s' if k != 1 else ''} added, with "
                f"{v['pledge_members_added']:,} children"
            )
    con.print(f"Written: {escape(', '.join(str(p) for p in written))} in {seconds:.1f} s")


def scenarios(
    spec_file: Annotated[
        Path,
        typer.Argument(
            help="The scenario spec (TOML): the round, the draws and the variants.",
            show_default=False,
        ),
    ],
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Where to write scenarios.json and scenarios.csv (default: the folder "
            "'<spec name>-results' next to the spec).",
            show_default=False,
        ),
    ] = None,
    draws: Annotated[
        int | None,
        typer.Option(
            "--draws",
            "-n",
            help="Lottery draws per variant (replaces the spec's 'draws').",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            "-s",
            help="The scenario seed (replaces the spec's 'seed'): it picks the lottery "
            "draws and the families who join pledge groups.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Compare variants of one round over many lottery draws.

    Each variant changes the rules (mechanism, tie-breaking, seat pools, distance
    ordering) or adds pledge groups (families choosing their neighbourhood school
    together). Per variant: first-choice and top-3 rates, children without a school,
    home-school distance, segregation (D, H, M) and pledge groups held, with 95%
    intervals over the draws. See docs/scenarios.md.
    """
    from samen.analytics.scenarios import SpecError, load_spec, write_results
    from samen.io.errors import Problem

    try:
        spec = load_spec(spec_file)
    except SpecError as exc:
        fail_input(exc, NOT_RUN, f"The spec {spec_file}")
    spec, target = _options(spec, spec_file, out_dir, draws, seed)
    started = time.perf_counter()
    results = _run(spec, spec_file)
    seconds = time.perf_counter() - started
    try:
        written = write_results(results, target)
    except OSError as exc:
        _fail("The command", [Problem(str(target), None, None, str(exc))])
    _print(results, spec, spec_file, written, seconds)


def register(app: typer.Typer) -> None:
    """Add the ``scenarios`` command to ``app``."""
    app.command()(scenarios)
