"""The report's housing part: years of the city's social housing under several rule sets
(``samen housing simulate``, :mod:`samen.analytics.report.housing_file`): the neighbourhoods
coloured by their composition, the composition and the segregation over the years per
scenario with their ranges over the runs, the indices and the flows at the end, and each
neighbourhood. ``docs/report.md`` says what each number is."""

from __future__ import annotations

import math
from collections.abc import Callable

from samen.analytics.report.housing_file import Band, HousingResults
from samen.analytics.report.render import Cell, Figure, Section, Table, figure, render, wide
from samen.analytics.report.words import EN_DASH, N_, Words

#: the groups a simulation follows, as the report names them
GROUP_WORDS: dict[str, str] = {
    "income_band:1": N_("households in the lowest income band"),
    "income_band:2": N_("households in the second income band"),
    "income_band:3": N_("households in the third income band"),
    "income_band:4": N_("households in the highest income band"),
    "young_family": N_("young families"),
    "urgent": N_("households in urgent need"),
    "local_tie": N_("households with a local tie"),
    "work_income": N_("households with income from work"),
}
#: the rows of the table at the end of the period: (metric, label, format)
END_ROWS: tuple[tuple[str, str, str], ...] = (
    ("watch[{g}]", N_("Poorest neighbourhoods, social tenants: %(group)s"), "share"),
    ("watch[young_family]", N_("Poorest neighbourhoods, social tenants: young families"), "share"),
    ("watch[work_income]", N_("Poorest neighbourhoods, social tenants: income from work"), "share"),
    ("watch_residents[{g}]", N_("Poorest neighbourhoods, all households: %(group)s"), "share"),
    ("tenants[{g}]", N_("All social tenants: %(group)s"), "share"),
    ("D", N_("Dissimilarity (D) between neighbourhoods, social tenants"), "index"),
    ("isolation", N_("Isolation, social tenants"), "share"),
    ("H", N_("Entropy index (H) of the income bands, social tenants"), "index"),
    ("M", N_("Mutual information (M) of the income bands, social tenants"), "index"),
    ("D_residents", N_("Dissimilarity (D) between neighbourhoods, all households"), "index"),
    ("M_residents", N_("M between neighbourhoods, all households"), "index"),
    ("M_within", N_("M within neighbourhoods: social against private homes"), "index"),
    ("lettings", N_("Homes let over the period"), "count"),
    ("lettings[{g}]", N_("Share of the lettings to %(group)s"), "share"),
    ("refusal_rate", N_("Offers refused"), "share"),
    ("wait_years", N_("Years new tenants waited, mean"), "years"),
    ("vacancy_months", N_("Months homes stood empty, together"), "count"),
    ("waiting", N_("Households on the waiting list at the end"), "count"),
)
#: the figures over the years: (metric, label)
TRENDS: tuple[tuple[str, str], ...] = (
    ("watch[{g}]", N_("Poorest neighbourhoods: %(group)s among the social tenants")),
    ("watch[young_family]", N_("Poorest neighbourhoods: young families among the social tenants")),
    ("D", N_("Dissimilarity (D) between neighbourhoods, social tenants")),
    ("M_residents", N_("M between neighbourhoods, all households")),
)


def _fmt(w: Words, kind: str) -> Callable[[float], str]:
    if kind == "share":
        return lambda v: w.pct(v)
    if kind == "index":
        return lambda v: w.num(v, 3)
    if kind == "years":
        return lambda v: w.num(v, 1)
    return lambda v: w.count(v) if math.isfinite(v) else w.num(None)


def _cell(w: Words, b: Band | None, kind: str) -> Cell:
    if b is None or not math.isfinite(b.mean):
        return Cell(w.num(None))
    f = _fmt(w, kind)
    return Cell(f(b.mean), f"({w.range(b.lo, b.hi, f)})" if b.ranged else "")


def _year(label: str) -> str:
    """The year of a moment of housing.json (``2027-01-01`` -> ``2027``)."""
    return label[:4] if len(label) >= 4 and label[:4].isdigit() else label


def _group(w: Words, hr: HousingResults) -> str:
    return w(GROUP_WORDS.get(hr.group, hr.group))


def _end_table(hr: HousingResults, w: Words) -> Table:
    g = hr.group
    head = [(w("Measure"), False)] + [(s.name, True) for s in hr.scenarios]
    head.append((w("Start (%(year)s)", year=_year(hr.year_labels[0])), True))
    rows = []
    for key, label, kind in END_ROWS:
        k = key.format(g=g)
        if k not in hr.scenarios[0].years:
            continue
        row = [Cell(w(label, group=_group(w, hr)) if "%(group)s" in label else w(label))]
        row += [_cell(w, s.final.get(k), kind) for s in hr.scenarios]
        start = hr.scenarios[0].years[k].at(0)
        row.append(_cell(w, Band(start.mean), kind))
        rows.append(row)
    return Table(
        w("At the end of %(year)s, per scenario", year=int(_year(hr.year_labels[-1])) - 1)
        if _year(hr.year_labels[-1]).isdigit()
        else w("At the end of the period, per scenario"),
        head,
        rows,
        note=w(
            "Mean over the runs; in brackets the range of 95% of the runs. Counts and shares "
            "of lettings are over the whole period."
        ),
        wide=wide(len(head)),
    )


def _diff_table(hr: HousingResults, w: Words) -> Table | None:
    if len(hr.scenarios) < 2:
        return None
    g = hr.group
    cols = [
        (f"watch[{g}]", w("Poorest neighbourhoods: %(group)s", group=_group(w, hr)), "points"),
        ("D", w("Dissimilarity (D), social tenants"), "index"),
        ("M_residents", w("M between neighbourhoods, all households"), "index"),
    ]
    head = [(w("Scenario"), False)] + [(label, True) for _, label, _ in cols]
    rows = []
    for s in hr.scenarios[1:]:
        row = [Cell(s.name)]
        for key, _label, kind in cols:
            d = (s.vs_first or {}).get(key)
            if d is None or not math.isfinite(d[0]):
                row.append(Cell(w.num(None)))
                continue
            mean, lo, hi, lower = d
            if kind == "points":
                f = lambda v: w.num(100 * v, 1)  # noqa: E731
                text = w("%(diff)s points", diff=_signed(f(mean)))
            else:
                f = lambda v: w.num(v, 3)  # noqa: E731
                text = _signed(f(mean))
            sub = w(
                "(%(lo)s to %(hi)s; lower in %(share)s of the runs)",
                lo=_signed(f(lo)),
                hi=_signed(f(hi)),
                share=w.pct(lower, 0),
            )
            row.append(Cell(text, sub))
        rows.append(row)
    return Table(
        w("Each scenario against “%(first)s”, run by run", first=hr.scenarios[0].name),
        head,
        rows,
        note=w(
            "The runs of every scenario share their random draws (the same households "
            "register, with the same tastes and the same dice), so a difference is the rules' "
            "and not chance's; the range is that of 95% of the runs."
        ),
        wide=wide(len(head)),
    )


def _signed(text: str) -> str:
    """A difference with its sign: ``+0.012``; a negative number keeps its own."""
    return text if text.startswith("-") or text == EN_DASH else "+" + text


def _hood_table(hr: HousingResults, w: Words) -> Table | None:
    key = hr.group
    if not all("tenants" in s.hoods and key in s.hoods["tenants"] for s in hr.scenarios):
        return None
    head = [
        (w("Neighbourhood"), False),
        (w("Start (%(year)s)", year=_year(hr.year_labels[0])), True),
    ]
    head += [(s.name, True) for s in hr.scenarios]
    rows = []
    first = hr.scenarios[0].hoods["tenants"][key]
    for h, hood in enumerate(hr.neighbourhoods):
        sub = w("poorest") if hood.watched else ""
        row = [Cell(hood.name, sub), _cell(w, Band(first[0][0][h]), "share")]
        for s in hr.scenarios:
            mean, lo, hi = s.hoods["tenants"][key]
            row.append(_cell(w, Band(mean[-1][h], lo[-1][h], hi[-1][h]), "share"))
        rows.append(row)
    return Table(
        w("Share of %(group)s among the social tenants, per neighbourhood", group=_group(w, hr)),
        head,
        rows,
        note=w("At the end of the period: mean over the runs and the range of 95% of the runs."),
        wide=wide(len(head)),
    )


def _figures(hr: HousingResults, w: Words) -> tuple[Figure | None, list[Figure]]:
    from samen.analytics.report.housing_charts import hood_maps, trend_chart

    g = hr.group
    group = _group(w, hr)
    hoods = hr.neighbourhoods
    the_map = None
    if all("tenants" in s.hoods and g in s.hoods["tenants"] for s in hr.scenarios) and any(
        len(h.outline) >= 3 for h in hoods
    ):
        first = hr.scenarios[0].hoods["tenants"][g][0]
        panels = [(w("Start (%(year)s)", year=_year(hr.year_labels[0])), first[0])]
        panels += [(s.name, s.hoods["tenants"][g][0][-1]) for s in hr.scenarios]
        start = hr.scenarios[0].years.get(f"tenants[{g}]")
        city = start.mean[0] if start is not None else None
        fig = hood_maps(
            panels,
            [h.outline for h in hoods],
            [h.watched for h in hoods],
            city if city is not None and math.isfinite(city) else None,
            colourbar=w(
                "Share of %(group)s among the social tenants (white: all social tenants at the "
                "start)",
                group=group,
            ),
            fmt_pct=w.pct,
        )
        lo = min(float(min(p[1])) for p in panels)
        hi = max(float(max(p[1])) for p in panels)
        alt = w(
            "Maps of %(k)s neighbourhoods, at the start and at the end of each scenario: the "
            "share of %(group)s among the social tenants of a neighbourhood goes from %(lo)s to "
            "%(hi)s.",
            k=w.count(len(hoods)),
            group=group,
            lo=w.pct(lo, 0),
            hi=w.pct(hi, 0),
        )
        caption = w(
            "Each neighbourhood coloured by the share of %(group)s among its social tenants "
            "(mean over the runs), the share written on it: purple above the city's share at "
            "the start, orange below. A thick outline marks the poorest neighbourhoods.",
            group=group,
        )
        the_map = figure(fig, alt, caption)
    trends = []
    for key, label in TRENDS:
        k = key.format(g=g)
        if k not in hr.scenarios[0].years:
            continue
        kind = "share" if k.startswith("watch") else "index"
        fmt = _fmt(w, kind)
        text = w(label, group=group) if "%(group)s" in label else w(label)
        lines = [(s.name, s.years[k].mean, s.years[k].lo, s.years[k].hi) for s in hr.scenarios]
        fig = trend_chart([_year(y) for y in hr.year_labels], lines, fmt=fmt, ylabel="")
        alt = w(
            "%(metric)s from %(first)s to %(last)s: %(parts)s",
            metric=text,
            first=_year(hr.year_labels[0]),
            last=_year(hr.year_labels[-1]),
            parts="; ".join(
                f"{s.name} {fmt(s.years[k].mean[0])} → {fmt(s.years[k].mean[-1])}"
                for s in hr.scenarios
            ),
        )
        trends.append(figure(fig, alt, text))
    return the_map, trends


def housing_view(hr: HousingResults, w: Words) -> dict[str, object]:
    """The data of the housing template."""
    c = hr.city
    years = len(hr.year_labels) - 1
    the_map, trends = _figures(hr, w)
    watched = [h.name for h in hr.neighbourhoods if h.watched]
    return {
        "name": hr.name,
        "description": hr.description,
        "intro": w(
            "This part follows the city's social housing (%(homes)s social homes of %(all)s "
            "homes, %(waiting)s households on the waiting list) for %(years)s years under "
            "%(n)s sets of rules, each run %(runs)s times with other random draws by “samen "
            "housing simulate” (file %(file)s). Tenants leave, households register, every "
            "month the empty homes are allocated by the rules with the same engine and lottery "
            "as school places, and offers are accepted or refused.",
            homes=w.count(int(c.get("social_homes") or 0)),
            all=w.count(int(c.get("households") or 0)),
            waiting=w.count(int(c.get("waiting") or 0)),
            years=w.count(years),
            n=w.count(len(hr.scenarios)),
            runs=w.count(hr.seeds),
            file=hr.source,
        ),
        "watch": w(
            "The poorest neighbourhoods: %(names)s (the most indicator pupils).",
            names=", ".join(watched),
        )
        if watched
        else "",
        "scenarios_title": w("The scenarios"),
        "scenarios": [(s.name, s.description) for s in hr.scenarios],
        "map_title": w("Where the lowest incomes live"),
        "map": the_map,
        "trends_title": w("Over the years"),
        "trends": trends,
        "trends_caption": w(
            "Line: mean over the runs; light band: 95% of the runs. Each scenario has its own "
            "marker."
        ),
        "end_table": _end_table(hr, w),
        "diff_table": _diff_table(hr, w),
        "hood_table": _hood_table(hr, w),
        "caveat": w(
            "A simulation of an invented city with assumed behaviour: it shows what the rules "
            "can do and how sure that is, not what a real city will see. All households: the "
            "social tenants and the private households of a neighbourhood, whose incomes do "
            "not change in the simulation."
        ),
    }


def housing_section(hr: HousingResults, w: Words) -> Section:
    """The housing part as a section of the report."""
    return Section(
        "housing",
        w("Housing: what the allocation rules do to the neighbourhoods"),
        "housing.html",
        housing_view(hr, w),
    )


def housing_html(hr: HousingResults, w: Words) -> str:
    """The housing section's content alone (HTML)."""
    return render("housing.html", d=housing_view(hr, w))


__all__ = ["GROUP_WORDS", "housing_html", "housing_section", "housing_view"]
