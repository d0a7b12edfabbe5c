"""How mixed the schools are: each school against its benchmarks (every child at the nearest
school, the children of its neighbourhood), the map, and the segregation indices with the
part of M between and within neighbourhoods."""

from __future__ import annotations

import math

import numpy as np

from samen.analytics.report.model import INDEX_KEYS, SCHOOL_ROWS, ReportData
from samen.analytics.report.render import Cell, Section, Table, figure
from samen.analytics.report.words import INDICES, N_, PARTS, Words

#: the benchmark of every comparison: each child at the school nearest home
NEAREST = N_("Every child at the nearest school")


def _shares(data: ReportData) -> list[tuple[float, str]]:
    return [(r.share.value, r.name) for r in data.schools if math.isfinite(r.share.value)]


def _schools_figure(data: ReportData, w: Words, city: float, coords: bool, has_hood: bool):
    from samen.analytics import plots

    pct = w.pct
    labels = {
        "allocation": w("This allocation"),
        "range": w("95% of other draws"),
        "nearest": w(NEAREST),
        "hood": w("Children of the neighbourhood"),
        "city": w("Whole city") + f" ({pct(city, 0)})",
        "xlabel": w("Share of indicator pupils"),
        "xlabel_scatter": w(NEAREST),
        "ylabel_scatter": w("After this allocation"),
    }
    fig = plots.school_chart(
        [r.name for r in data.schools],
        [r.share.value for r in data.schools],
        [r.share.lo for r in data.schools],
        [r.share.hi for r in data.schools],
        [r.nearest_share for r in data.schools] if coords else None,
        [r.hood_share for r in data.schools] if has_hood else None,
        city,
        labels=labels,
        fmt_pct=pct,
    )
    shares = _shares(data)
    alt = w("Share of indicator pupils")
    if shares:
        (lo, lo_school), (hi, hi_school) = min(shares), max(shares)
        alt = w(
            "Dot chart, one row per school, of the share of indicator pupils after the "
            "allocation: from %(lo)s (%(lo_school)s) to %(hi)s (%(hi_school)s); the city has "
            "%(city)s.",
            lo=pct(lo, 0),
            lo_school=lo_school,
            hi=pct(hi, 0),
            hi_school=hi_school,
            city=pct(city, 0),
        )
    scatter = len(data.schools) > 60 and coords
    if scatter:
        caption = w(
            "One dot per school: the share of indicator pupils after this allocation (up) "
            "against the share if every child went to the nearest school (across). Dots below "
            "the diagonal: the allocation mixes that school more than its surroundings. Dashed "
            "line: the whole city (%(city)s).",
            city=pct(city, 0),
        )
    else:
        parts = [
            w("Filled dot: share after this allocation; bar: its range in 95% of other draws.")
        ]
        if coords:
            parts.append(w("Open circle: if every child went to the nearest school."))
        if has_hood:
            parts.append(w("Diamond: the children living in the school's neighbourhood."))
        parts.append(w("Dashed line: the whole city (%(city)s).", city=pct(city, 0)))
        caption = " ".join(parts)
    return figure(fig, alt, caption, "narrow" if scatter else "")


def schools_section(data: ReportData, w: Words) -> Section | None:
    """Each school's share of indicator pupils against its benchmarks (none without a
    flag)."""
    city = data.city_share
    if data.flag is None or city is None:
        return None
    pct = w.pct
    coords = data.benchmark_children > 0
    has_hood = any(math.isfinite(r.hood_share) for r in data.schools)
    head = [
        (w("School"), False),
        (w("Seats"), True),
        (w("Children"), True),
        (w("Indicator pupils"), True),
        (w("Share"), True),
    ]
    if coords:
        head.append((w("Nearest school"), True))
    if has_hood:
        head.append((w("Children of the neighbourhood"), True))
    order = sorted(
        range(len(data.schools)),
        key=lambda i: -data.schools[i].share.value
        if math.isfinite(data.schools[i].share.value)
        else math.inf,
    )
    rows = []
    for i in order:
        r = data.schools[i]
        row = [
            Cell(r.name, r.school_id if r.name != r.school_id else ""),
            Cell(w.count(r.capacity)),
            Cell(w.count(r.assigned)),
            Cell(w.count(r.flagged)),
            Cell(pct(r.share.value), "(" + w.range(r.share.lo, r.share.hi, pct) + ")"),
        ]
        if coords:
            n = r.nearest_children
            row.append(
                Cell(pct(r.nearest_share), w.n("%(n)s child", "%(n)s children", n, n=w.count(n)))
            )
        if has_hood:
            row.append(Cell(pct(r.hood_share), r.hood))
        rows.append(row)
    notes = [w("Share: of indicator pupils, with the range in 95% of other draws.")]
    if coords:
        notes.append(
            w(
                "Nearest school: the share if every child went to the school nearest home, and "
                "how many children that would be."
            )
        )
    if has_hood:
        notes.append(
            w(
                "Children of the neighbourhood: the share among the children who live in the "
                "school's neighbourhood."
            )
        )
    note = " ".join(notes)
    view: dict[str, object] = {
        "intro": w(
            "The share of indicator pupils in each school after the allocation, compared with "
            "two benchmarks: the school as it would be if every child went to the school nearest "
            "home, and the neighbourhood the school stands in. The city as a whole has %(city)s "
            "indicator pupils; a school far above or below that is not mixed.",
            city=pct(city),
        ),
        "no_coords": ""
        if coords
        else w(
            "The round has no coordinates for the children and the schools, so the comparison "
            "with the nearest school and the map are left out."
        ),
        "figure": _schools_figure(data, w, city, coords, has_hood),
        "all_table": None,
    }
    if len(rows) > SCHOOL_ROWS:
        # A long list would bury the schools that matter: the most and the least
        # indicator-heavy schools here, every school in a part the reader can open.
        k = SCHOOL_ROWS // 2
        ends = w(
            "The first %(k)s rows are the schools with the highest share, the last %(k)s those "
            "with the lowest; all %(n)s schools are in the list below.",
            k=k,
            n=w.count(len(rows)),
        )
        caption = w(
            "The %(k)s schools with the highest share of indicator pupils, and the %(k)s with "
            "the lowest",
            k=k,
        )
        view["table"] = Table(caption, head, rows[:k] + rows[-k:], note=f"{ends} {note}")
        view["all_label"] = w("All %(n)s schools (open the list)", n=w.count(len(rows)))
        view["all_table"] = Table(w("Schools after the allocation"), head, rows, note=note)
    else:
        view["table"] = Table(w("Schools after the allocation"), head, rows, note=note)
    return Section("schools", w("How mixed is each school?"), "schools.html", view)


def map_section(data: ReportData, w: Words) -> Section | None:
    """Where the children live and how mixed the schools are (none without coordinates)."""
    from samen.analytics import plots

    if data.map is None:
        return None
    pct = w.pct
    city = data.city_share
    has_flag = data.flag is not None and city is not None
    hoods = data.hoods
    hood_of_child = hoods.of_child if hoods is not None else None
    hood_share = hoods.share if hoods is not None and hood_of_child is not None else None
    fig = plots.map_chart(
        school_xy=data.map["school_xy"],
        capacity=np.array([r.capacity for r in data.schools]),
        school_share=np.array([r.share.value for r in data.schools]) if has_flag else None,
        school_labels=[r.school_id for r in data.schools],
        child_xy=data.map["child_xy"],
        child_flag=data.map.get("flag"),
        hood_of_child=hood_of_child,
        hood_share=hood_share,
        hood_names=hoods.names if hoods is not None else None,
        city_share=city if has_flag else None,
        labels={
            "colourbar": w(
                "Share of indicator pupils (white: the city, %(city)s)", city=pct(city or 0.0, 0)
            ),
            "seats": w("%(n)s seats", n="{n}"),
        },
        fmt_pct=pct,
        fmt_metres=w.metres,
    )
    shares = _shares(data)
    m = data.n_schools
    if has_flag and shares:
        hood_part = ""
        if hood_share is not None and np.isfinite(hood_share).any():
            k = int(np.isfinite(hood_share).sum())
            hood_part = w.n(
                " and %(k)s neighbourhood with %(lo)s to %(hi)s indicator pupils",
                " and %(k)s neighbourhoods with %(lo)s to %(hi)s indicator pupils",
                k,
                k=w.count(k),
                lo=pct(float(np.nanmin(hood_share)), 0),
                hi=pct(float(np.nanmax(hood_share)), 0),
            )
        alt = w.n(
            "Map of %(schools)s school%(hoods)s. After the allocation the schools have from "
            "%(lo)s to %(hi)s indicator pupils.",
            "Map of %(schools)s schools%(hoods)s. After the allocation the schools have from "
            "%(lo)s to %(hi)s indicator pupils.",
            m,
            schools=w.count(m),
            hoods=hood_part,
            lo=pct(min(shares)[0], 0),
            hi=pct(max(shares)[0], 0),
        )
        intro = w(
            "Where the children live and how mixed the schools are after the allocation. Purple "
            "means more indicator pupils than the city as a whole (%(city)s), orange fewer, "
            "white about the same.",
            city=pct(city or 0.0, 0),
        )
    else:
        alt = w.n(
            "Map of %(schools)s school and the homes of the children.",
            "Map of %(schools)s schools and the homes of the children.",
            m,
            schools=w.count(m),
        )
        intro = w("Where the children live and where the schools are.")
    if hood_share is not None:
        caption = w(
            "Areas: the neighbourhoods (the outline around 90% of their children's homes), "
            "coloured by their share of indicator pupils. Circles: the schools, sized by their "
            "seats and coloured by their share of indicator pupils after the allocation."
        )
    else:
        caption = w(
            "Hexagons: where the children live, coloured by the share of indicator pupils (only "
            "hexagons with at least %(k)s children are shown, so that no child can be picked "
            "out). Circles: the schools, sized by their seats and coloured by their share of "
            "indicator pupils after the allocation.",
            k=w.count(10),
        )
    view = {"intro": intro, "figure": figure(fig, alt, caption)}
    return Section(
        "map", w("Map: where children live, how mixed the schools are"), "map.html", view
    )


def _decomposition(data: ReportData, w: Words) -> dict[str, object] | None:
    from samen.analytics import plots

    dec, hoods = data.decomposition, data.hoods
    if dec is None or hoods is None:
        return None
    pct = w.pct
    method = (
        w("Each school counts in its neighbourhood as schools.csv gives it.")
        if hoods.school_method == "column"
        else w(
            "Each school counts in the neighbourhood whose children live, on average, closest to it."
        )
    )
    intro = w(
        "The index M splits exactly into two parts: segregation between neighbourhoods (the "
        "schools of one neighbourhood, taken together, differ from those of another) and within "
        "neighbourhoods (schools of the same neighbourhood differ from each other). The part "
        "between neighbourhoods follows mostly from where families live; the part within from "
        "which schools families choose and get."
    )
    bdec = data.bench_decomposition
    bars = [(w("This allocation"), dec["between"].value, dec["within"].value)]
    if bdec is not None:
        bars.append((w(NEAREST), bdec["between"], bdec["within"]))
    fig = plots.decomposition_chart(
        bars,
        labels={
            "between": w(PARTS["between"]),
            "within": w(PARTS["within"]),
            "xlabel": w(INDICES["M"][0]),
        },
        fmt_num=lambda v, digits=3: w.num(v, digits),
    )
    alt = w(
        "Bar chart: M of this allocation is %(total)s, of which %(between)s between "
        "neighbourhoods and %(within)s within them.",
        total=w.num(dec["total"].value),
        between=w.num(dec["between"].value),
        within=w.num(dec["within"].value),
    )
    caption = w(
        "M of this allocation and of the nearest-school benchmark, split into the part between "
        "neighbourhoods and the part within them."
    )
    head = [(w("Part"), False), (w("This allocation"), True), (w("95% of other draws"), True)]
    if bdec is not None:
        head.append((w("Nearest school"), True))
    rows = []
    for key in ("between", "within", "total"):
        s = dec[key]
        row = [Cell(w(PARTS[key])), Cell(w.num(s.value)), Cell(w.range(s.lo, s.hi, w.num))]
        if bdec is not None:
            row.append(Cell(w.num(bdec[key])))
        rows.append(row)
    total = dec["total"].value
    row = [
        Cell(w("Share between neighbourhoods")),
        Cell(pct(dec["between"].value / total if total > 0 else math.nan, 0)),
        Cell(""),
    ]
    if bdec is not None:
        bt = bdec["total"]
        row.append(Cell(pct(bdec["between"] / bt if bt > 0 else math.nan, 0)))
    rows.append(row)
    return {
        "title": w("Between and within neighbourhoods"),
        "intro": f"{intro} {method}",
        "figure": figure(fig, alt, caption),
        "table": Table(w("M between and within neighbourhoods"), head, rows),
    }


def segregation_section(data: ReportData, w: Words) -> Section | None:
    """The segregation indices of this allocation, their spread and the benchmark."""
    from samen.analytics import plots

    city = data.city_share
    if data.flag is None or city is None:
        return None
    pct = w.pct
    view: dict[str, object] = {
        "intro": w(
            "A segregation index sums up in one number how unevenly indicator pupils and the "
            "other children are spread over the schools; children without a school are left "
            "out. Each index is 0 when every school has the city's mix. The benchmark “nearest "
            "school” shows how segregated the schools would be if every child went to the "
            "school nearest home: the segregation that comes from where families live."
        ),
        "one_group": "",
    }
    if data.indices is None:
        view["one_group"] = w(
            "All children with a school belong to one group, so the segregation indices cannot "
            "be computed."
        )
        return Section(
            "segregation", w("How segregated are the schools?"), "segregation.html", view
        )
    bench = data.bench_indices
    head = [(w("Index"), False), (w("This allocation"), True), (w("95% of other draws"), True)]
    if bench is not None:
        head.append((w("Nearest school"), True))
    rows, points, alt_parts = [], [], []
    for key, _src in INDEX_KEYS:
        s = data.indices[key]
        b = bench[key] if bench is not None else math.nan
        label = w(INDICES[key][0])
        points.append((label, s.value, s.lo, s.hi, b))
        helptext = w(INDICES[key][1], city=pct(city), other=pct(1 - city))
        row = [Cell(label, helptext), Cell(w.num(s.value)), Cell(w.range(s.lo, s.hi, w.num))]
        if bench is not None:
            row.append(Cell(w.num(b)))
        rows.append(row)
        alt_parts.append(
            w(
                "%(index)s: %(value)s (nearest school %(bench)s).",
                index=label,
                value=w.num(s.value),
                bench=w.num(b),
            )
        )
    fig = plots.index_chart(
        points,
        labels={
            "allocation": w("This allocation"),
            "range": w("95% of other draws"),
            "nearest": w(NEAREST),
        },
        fmt_num=lambda v, digits=2: w.num(v, digits),
    )
    alt = w(
        "Dot chart of the segregation indices of this allocation and of the nearest-school "
        "benchmark. %(parts)s",
        parts=" ".join(alt_parts),
    )
    caption = w(
        "Dot: this allocation, with its range in 95% of other draws (bar). Square: if every "
        "child went to the nearest school."
    )
    view["figure"] = figure(fig, alt, caption)
    view["table"] = Table(w("Segregation indices"), head, rows)
    view["dec"] = _decomposition(data, w)
    return Section("segregation", w("How segregated are the schools?"), "segregation.html", view)


__all__ = ["map_section", "schools_section", "segregation_section"]
