"""``samen report``: one self-contained HTML file about a round, for a city council.

The report reads the round folder and its allocation (the ``results/`` folder when it was made
from the same input files, else the engine allocates the round with its published seed),
allocates the round again over ``draws`` other lottery seeds to show what is luck of the draw,
and writes one HTML file with the figures embedded as SVG: nothing is loaded from elsewhere,
so it opens offline, on a phone, and prints.

    >>> from samen.io.round import read_round                      # doctest: +SKIP
    >>> data = build_report(read_round("examples/mechelen-2027"), draws=100)  # doctest: +SKIP
    >>> write_report(render_html(data, lang="nl"), "verslag.html")  # doctest: +SKIP

The package: the numbers (:mod:`~samen.analytics.report.model`, computed by
:mod:`~samen.analytics.report.build`), the scenarios file
(:mod:`~samen.analytics.report.scenario_file`), the results of ``samen housing simulate``
(:mod:`~samen.analytics.report.housing_file`), the words and number formats of each language
(:mod:`~samen.analytics.report.words`, from the platform's gettext catalogues), the page
(:mod:`~samen.analytics.report.render` and the section modules, with the Jinja2 templates in
``templates/`` and the CSS in ``report.css``). :func:`make_report` does all the steps. What
each number means and how it is computed is in ``docs/report.md``. Problems with an input
raise :class:`ReportError` (or :class:`~samen.io.errors.RoundError` from the round reader),
naming the file, the row or key, and what to fix.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from samen.analytics.report.build import build_report, load_allocation, nearest_school
from samen.analytics.report.housing_file import HousingResults, load_housing, parse_housing
from samen.analytics.report.model import (
    DEFAULT_DRAWS,
    GROUP_FLAG,
    LANGUAGES,
    MAX_DRAWS,
    Allocation,
    ReportData,
    ReportError,
    SchoolRow,
    Spread,
    check_draws,
    check_lang,
)
from samen.analytics.report.render import render_html
from samen.analytics.report.scenario_file import (
    Metric,
    Scenarios,
    Variant,
    load_scenarios,
    parse_scenarios,
)
from samen.io.atomic import write_files
from samen.io.errors import Problem
from samen.io.round import read_round


def write_report(text: str, out: str | Path) -> Path:
    """Write the HTML ``text`` to ``out`` atomically: a temporary file in the same folder,
    flushed to disk, then renamed over ``out``. Refuses a folder as ``out``."""
    path = Path(out).absolute()
    if path.is_dir():
        raise ReportError(
            [Problem(str(out), None, None, "this is a folder; give a file name, like report.html")],
            "The command",
        )
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ReportError(
                    [
                        Problem(
                            str(parent),
                            None,
                            None,
                            f"this is a file, not a folder, so {out} cannot be written; choose "
                            "another --out",
                        )
                    ],
                    "The command",
                )
            break
    write_files({path.name: text.encode("utf-8")}, path.parent)
    return path


def make_report(
    round_dir: str | Path,
    out: str | Path | None = None,
    *,
    draws: int = DEFAULT_DRAWS,
    scenarios: str | Path | None = None,
    lang: str = "en",
    results: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    housing: str | Path | None = None,
) -> Path:
    """Read the round, compute the report and write it (default: ``report.html`` in the round
    folder). Every input is checked before anything is computed or written; problems raise
    :class:`ReportError` or :class:`~samen.io.errors.RoundError`."""
    check_draws(draws)
    check_lang(lang)
    sc = load_scenarios(scenarios) if scenarios is not None else None
    hs = load_housing(housing) if housing is not None else None
    rnd = read_round(round_dir)
    data = build_report(
        rnd, draws=draws, results=results, scenarios=sc, progress=progress, housing=hs
    )
    text = render_html(data, lang)
    return write_report(text, out if out is not None else rnd.path / "report.html")


__all__ = [
    "DEFAULT_DRAWS",
    "GROUP_FLAG",
    "LANGUAGES",
    "MAX_DRAWS",
    "Allocation",
    "HousingResults",
    "Metric",
    "ReportData",
    "ReportError",
    "Scenarios",
    "SchoolRow",
    "Spread",
    "Variant",
    "build_report",
    "check_draws",
    "check_lang",
    "load_allocation",
    "load_housing",
    "load_scenarios",
    "make_report",
    "nearest_school",
    "parse_housing",
    "parse_scenarios",
    "render_html",
    "write_report",
]
