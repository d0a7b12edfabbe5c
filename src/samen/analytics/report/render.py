"""The report as one HTML page: :func:`render_html` turns :class:`ReportData` into the view
of each section (words in the report's language, numbers in its format, figures as SVG data)
and renders the templates in ``templates/`` with Jinja2, which escapes every text
(autoescaping). The CSS is ``report.css``, inlined, so the page is one self-contained file
that opens offline.

The sections are built by :mod:`~samen.analytics.report.choices` (the round at a glance, the
choices children got), :mod:`~samen.analytics.report.mixing` (schools, map, segregation),
:mod:`~samen.analytics.report.pledges`, :mod:`~samen.analytics.report.scenario_view` and
:mod:`~samen.analytics.report.housing_view`;
this module holds the page, the method section and the building blocks they share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from samen import __version__
from samen.analytics.report.model import ReportData
from samen.analytics.report.words import DISTANCES, MECHANISMS, TIE_BREAKINGS, Words

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Cell:
    """A table cell: its text, a smaller line under it (``sub``), a class that colours the
    text (``yes``/``no``, always with a word) or ``code`` for a fingerprint."""

    text: str
    sub: str = ""
    cls: str = ""
    code: bool = False


@dataclass(frozen=True)
class Table:
    """A table: ``head`` = (label, numeric) per column; the first cell of a row is its header
    when ``row_headers``; ``note`` is a short explanation under it; ``wide`` tables use more
    than the text column on a large screen."""

    caption: str
    head: list[tuple[str, bool]]
    rows: list[list[Cell]]
    row_headers: bool = True
    note: str = ""
    wide: bool = False


@dataclass(frozen=True)
class Figure:
    """A figure: an SVG data URI, its alternative text and its caption."""

    uri: str
    alt: str
    caption: str
    cls: str = ""


@dataclass(frozen=True)
class Section:
    """One section of the page: its anchor, its heading, its template and the template's data."""

    id: str
    title: str
    template: str
    data: dict[str, Any] = field(default_factory=dict)


def figure(fig: Any, alt: str, caption: str, cls: str = "") -> Figure:
    """A matplotlib figure as a :class:`Figure` (closed once drawn)."""
    from samen.analytics import plots

    return Figure(plots.svg_uri(fig), alt, caption, cls)


def wide(columns: int) -> bool:
    """Whether a table of ``columns`` columns is wide (needs more than the text column)."""
    return columns > 5


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


@cache
def _css() -> str:
    return (HERE / "report.css").read_text(encoding="utf-8")


def render(template: str, **context: Any) -> str:
    """A template of ``templates/`` rendered with ``context``."""
    return _environment().get_template(template).render(**context)


def names(data: ReportData, w: Words) -> tuple[str, str]:
    """The mechanism and the tie-breaking in words."""
    mech = w(MECHANISMS[data.mechanism]) if data.mechanism in MECHANISMS else data.mechanism
    tie = (
        w(TIE_BREAKINGS[data.tie_breaking])
        if data.tie_breaking in TIE_BREAKINGS
        else data.tie_breaking
    )
    return mech, tie


def method_section(data: ReportData, w: Words) -> Section:
    """How the report was made: the allocation, the draws, the benchmark, the files."""
    mech, tie = names(data, w)
    items = [
        w(
            "The allocation: the rules of round.toml (%(mechanism)s, %(tie)s) with the "
            "published seed “%(seed)s”.",
            mechanism=mech,
            tie=tie,
            seed=data.seed,
        ),
        w(
            "Other draws (%(n)s): the same round allocated with the seeds “%(first)s” to "
            "“%(last)s”. A 95%% range leaves out the 2.5%% lowest and the 2.5%% highest of "
            "these draws. Anyone can redo a draw by putting its seed in round.toml.",
            n=w.count(data.draws),
            first=f"{data.seed}|draw:1",
            last=f"{data.seed}|draw:{data.draws}",
        ),
    ]
    if data.benchmark_children:
        items.append(
            w(
                "Nearest school: each child counted at the school nearest home (%(distance)s), "
                "whatever its seats; children with coordinates: %(k)s of %(n)s.",
                distance=w(DISTANCES.get(data.distance, DISTANCES["euclidean"])),
                k=w.count(data.benchmark_children),
                n=w.count(data.n_children),
            )
        )
    if data.hoods is not None:
        k = len(data.hoods.ids)
        items.append(
            w.n(
                "Neighbourhoods: the column neighbourhood of the round's tables (%(k)s "
                "neighbourhood).",
                "Neighbourhoods: the column neighbourhood of the round's tables (%(k)s "
                "neighbourhoods).",
                k,
                k=w.count(k),
            )
        )
    if data.flag is not None and data.city_share is not None:
        items.append(
            w(
                "Segregation indices: indicator pupils against all other children, over the "
                "children with a school. The formulas are in docs/report.md."
            )
        )
    files = Table(
        w("Input files and their fingerprints"),
        [(w("File"), False), (w("Fingerprint"), False)],
        [[Cell(name), Cell(sha[:16], code=True)] for name, sha in data.inputs.items()],
        note=w(
            "A fingerprint is the start (16 hexadecimal digits) of the file's SHA-256: any "
            "change to a file changes it. summary.json of the results lists the full "
            "fingerprints."
        ),
    )
    return Section(
        "method", w("How this report was made"), "method.html", {"points": items, "files": files}
    )


def render_html(data: ReportData, lang: str = "en") -> str:
    """The report as one HTML document (a string), in ``lang`` (en, nl or fr)."""
    from samen.analytics.report.choices import glance_section, ranks_section
    from samen.analytics.report.mixing import map_section, schools_section, segregation_section
    from samen.analytics.report.pledges import pledges_section
    from samen.analytics.report.scenario_view import scenarios_section

    w = Words(lang)
    sections = [glance_section(data, w), ranks_section(data, w)]
    sections += [s for s in (schools_section(data, w), map_section(data, w)) if s]
    sections += [s for s in (segregation_section(data, w), pledges_section(data, w)) if s]
    if data.scenarios is not None:
        sections.append(scenarios_section(data.scenarios, w, data.round_name))
    if data.housing is not None:
        from samen.analytics.report.housing_view import housing_section

        sections.append(housing_section(data.housing, w))
    sections.append(method_section(data, w))
    mech, tie = names(data, w)
    return render(
        "report.html",
        lang=lang,
        version=__version__,
        title=w("Report on the registration round"),
        round_name=data.round_name,
        meta=w(
            "Allocation: %(mechanism)s, %(tie)s. Lottery seed: “%(seed)s”.",
            mechanism=mech,
            tie=tie,
            seed=data.seed,
        ),
        contents=w("Contents"),
        sections=sections,
        footer=w(
            "Made with samen %(version)s, open-source software: every number can be checked.",
            version=__version__,
        ),
        css=Markup(_css()),  # samen's own file, inlined as it is
    )


__all__ = [
    "Cell",
    "Figure",
    "Section",
    "Table",
    "figure",
    "method_section",
    "render",
    "render_html",
]
