"""The report's first sections: the round at a glance (key figures, where the allocation
comes from, the findings in short) and which choice the children got."""

from __future__ import annotations

import math
from collections.abc import Callable

from samen.analytics.report.model import ReportData, Spread
from samen.analytics.report.render import Cell, Section, Table, figure
from samen.analytics.report.words import GROUPS, N_, SOURCES, Words


def _cards(data: ReportData, w: Words) -> list[dict[str, str]]:
    pct = w.pct

    def card(value: str, label: str, note: str = "") -> dict[str, str]:
        return {"value": value, "label": label, "note": note}

    def spread(s: Spread, kind: Callable[[float], str] = pct) -> str:
        if not s.ranged:
            return ""
        return w("95%% of other draws: %(lo)s to %(hi)s", lo=kind(s.lo), hi=kind(s.hi))

    seats_note = ""
    if data.n_children:
        seats_note = w("%(r)s per child", r=w.num(data.seats / data.n_children, 2))
    cards = [
        card(w.count(data.n_children), w("Children")),
        card(w.count(data.n_schools), w("Schools")),
        card(w.count(data.seats), w("Seats"), seats_note),
    ]
    if data.flag is not None and data.city_share is not None:
        cards.append(card(pct(data.city_share), w("Indicator pupils"), w.count(data.n_flagged)))
    cards += [
        card(pct(data.first_choice.value), w("Got their first choice"), spread(data.first_choice)),
        card(pct(data.top3.value), w("Got one of their first three choices"), spread(data.top3)),
        card(
            pct(data.unassigned.value),
            w("Got no school") + f" ({w.count(data.counts['unassigned'])})",
            spread(data.unassigned),
        ),
    ]
    if data.groups and data.pledges_held is not None:
        held = sum(g.held for g in data.groups)
        cards.append(
            card(
                w("%(k)s of %(n)s", k=w.count(held), n=w.count(len(data.groups))),
                w("Pledge groups that held"),
                spread(data.pledges_held, lambda v: w.num(v, 0 if float(v).is_integer() else 1)),
            )
        )
    return cards


def _findings(data: ReportData, w: Words) -> list[str]:
    pct = w.pct
    none = data.counts["unassigned"]
    out = [
        w(
            "%(first)s of the children got their first choice and %(top3)s one of their first "
            "three choices. %(none_n)s (%(none)s) got no school.",
            first=pct(data.first_choice.value),
            top3=pct(data.top3.value),
            none_n=w.n("%(n)s child", "%(n)s children", none, n=w.count(none)),
            none=pct(data.unassigned.value),
        )
    ]
    groups = data.rank_groups
    if "indicator" in groups:
        out.append(
            w(
                "First choice: %(a)s of the indicator pupils and %(b)s of the other children.",
                a=pct(float(groups["indicator"]["shares"][0])),
                b=pct(float(groups["other"]["shares"][0])),
            )
        )
    shares = [(r.share.value, r.name) for r in data.schools if math.isfinite(r.share.value)]
    city = data.city_share
    if data.flag is not None and city is not None and shares:
        (lo, lo_school), (hi, hi_school) = min(shares), max(shares)
        out.append(
            w(
                "After the allocation the share of indicator pupils ranges from %(lo)s "
                "(%(lo_school)s) to %(hi)s (%(hi_school)s); the city as a whole has %(city)s.",
                lo=pct(lo, 0),
                lo_school=lo_school,
                hi=pct(hi, 0),
                hi_school=hi_school,
                city=pct(city, 0),
            )
        )
    if data.indices is not None:
        d = data.indices["D"]
        if data.bench_indices is not None and math.isfinite(data.bench_indices["D"]):
            b = data.bench_indices["D"]
            lo_d, hi_d = (d.lo, d.hi) if d.ranged else (d.value, d.value)
            if b > hi_d:
                text = N_(
                    "The schools are more mixed than if every child went to the nearest school: "
                    "dissimilarity %(d)s against %(b)s."
                )
            elif b < lo_d:
                text = N_(
                    "The schools are less mixed than if every child went to the nearest school: "
                    "dissimilarity %(d)s against %(b)s."
                )
            else:
                text = N_(
                    "The schools are about as mixed as if every child went to the nearest "
                    "school: dissimilarity %(d)s against %(b)s, a difference within the luck "
                    "of the draw."
                )
            out.append(w(text, d=w.num(d.value, 2), b=w.num(b, 2)))
        else:
            out.append(
                w(
                    "Dissimilarity between indicator pupils and the other children: %(d)s (0 = "
                    "every school has the city's mix).",
                    d=w.num(d.value, 2),
                )
            )
    if data.groups:
        out.append(
            w(
                "Pledge groups that held: %(held)s of %(total)s.",
                held=w.count(sum(g.held for g in data.groups)),
                total=w.count(len(data.groups)),
            )
        )
    if data.flag is None or city is None:
        out.append(
            w(
                "The round has no 0/1 column “indicator” in applicants.csv, so this report "
                "cannot show how mixed the schools are; it shows the choices children got."
            )
        )
    return out


def glance_section(data: ReportData, w: Words) -> Section:
    """Key figures, where the allocation comes from, and the findings in short."""
    alloc = data.allocation
    source = w(SOURCES[alloc.source], folder=alloc.folder.name or str(alloc.folder))
    if alloc.source == "missing":
        source = w(SOURCES["missing"])
    intro = w.n(
        "Everything in this report is the allocation of the published lottery, unless it says "
        "otherwise. Luck plays a part in a lottery, so the round was also allocated %(n)s more "
        "time with another lottery seed. A range marked “95%%” holds in 95 of every 100 of "
        "those draws: a number outside it would be surprising, a difference inside it can be "
        "luck.",
        "Everything in this report is the allocation of the published lottery, unless it says "
        "otherwise. Luck plays a part in a lottery, so the round was also allocated %(n)s more "
        "times with other lottery seeds. A range marked “95%%” holds in 95 of every 100 of "
        "those draws: a number outside it would be surprising, a difference inside it can be "
        "luck.",
        data.draws,
        n=w.count(data.draws),
    )
    view = {
        "cards": _cards(data, w),
        "source": source,
        "stale": alloc.source == "stale",
        "draws_intro": intro,
        "findings_title": w("In short"),
        "findings": _findings(data, w),
    }
    return Section("glance", w("The round at a glance"), "glance.html", view)


def ranks_section(data: ReportData, w: Words) -> Section:
    """The choice the children of each group got, with the range over the other draws."""
    from samen.analytics import plots

    pct = w.pct
    groups = data.rank_groups
    keys = [k for k in ("indicator", "other", "all") if k in groups]
    colours = {
        "indicator": plots.INDICATOR_COLOUR,
        "other": plots.OTHER_COLOUR,
        "all": plots.ALL_COLOUR,
    }
    labels = [w.rank_label(kind, k) for kind, k in data.rank_labels]
    series = [
        plots.Bars(
            label=w(GROUPS[key]) + f" ({w.count(groups[key]['n'])})",
            colour=colours[key],
            values=list(groups[key]["shares"]),
            lo=list(groups[key]["lo"]),
            hi=list(groups[key]["hi"]),
        )
        for key in keys
    ]
    fig = plots.rank_chart(
        labels, series, ylabel=w("Share of the children in the group"), fmt_pct=pct
    )
    parts = " ".join(
        w(
            "%(group)s: %(first)s first choice, %(none)s no school.",
            group=w(GROUPS[key]),
            first=pct(float(groups[key]["shares"][0])),
            none=pct(float(groups[key]["shares"][-1])),
        )
        for key in keys
    )
    alt = w("Bar chart of the choice the children got. %(parts)s", parts=parts)
    caption = w(
        "Share of the children of each group by the choice they got. Black lines: the range in "
        "95% of the other lottery draws."
    )
    rows = []
    for c, label in enumerate(labels):
        row = [Cell(label)]
        for key in keys:
            g = groups[key]
            text = f"{w.count(int(g['counts'][c]))} · {pct(float(g['shares'][c]))}"
            sub = "(" + w.range(float(g["lo"][c]), float(g["hi"][c]), pct) + ")"
            row.append(Cell(text, sub))
        rows.append(row)
    table = Table(
        w("Children by the choice they got"),
        [(w("Choice"), False)] + [(w(GROUPS[key]), True) for key in keys],
        rows,
        note=w("In brackets: the range in 95% of the other lottery draws."),
    )
    view = {
        "intro": w(
            "How many children got their first choice, their second, and so on, or no school at "
            "all. When one group of children gets its first choice much less often than another, "
            "the rules or the places of the seats may work against it."
        ),
        "figure": figure(fig, alt, caption),
        "table": table,
    }
    return Section("ranks", w("Which choice did the children get?"), "ranks.html", view)


__all__ = ["glance_section", "ranks_section"]
