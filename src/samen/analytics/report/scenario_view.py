"""The report's section on scenarios: the variants of ``samen scenarios`` side by side, a
small figure per key metric, and each school's share of indicator pupils per variant."""

from __future__ import annotations

from samen.analytics.report.render import Cell, Figure, Section, Table, figure, render, wide
from samen.analytics.report.scenario_file import Scenarios
from samen.analytics.report.words import KEY_METRICS, Words, metric_format, metric_label


def _figures(sc: Scenarios, w: Words, names: list[str]) -> list[Figure]:
    from samen.analytics import plots

    info = sc.metric_info
    key = [n for n in KEY_METRICS if n in names] or names[:6]
    figures = []
    for name in key:
        fmt = metric_format(w, name, info)
        present = [v for v in sc.variants if name in v.metrics]
        label = metric_label(w, name, info)
        fig = plots.scenario_chart(
            None,
            [v.name for v in present],
            [v.metrics[name].mean for v in present],
            [v.metrics[name].lo for v in present],
            [v.metrics[name].hi for v in present],
            sc.benchmark.get(name),
            fmt=fmt,
            benchmark_label=w("Nearest school"),
        )
        alt = w(
            "%(metric)s per variant: %(parts)s",
            metric=label,
            parts="; ".join(f"{v.name} {fmt(v.metrics[name].mean)}" for v in present),
        )
        figures.append(figure(fig, alt, label))
    return figures


def _schools_table(sc: Scenarios, w: Words) -> Table | None:
    """Each school's share of indicator pupils per variant, when the file has them for the
    same schools (and not too many to read)."""
    k = len(sc.schools)
    with_shares = [
        v for v in sc.variants if v.school_share is not None and len(v.school_share) == k
    ]
    if not (0 < k <= 100 and with_shares):
        return None
    bench = (
        sc.bench_school_share if sc.bench_school_share and len(sc.bench_school_share) == k else None
    )
    head = [(w("School"), False)] + [(v.name, True) for v in with_shares]
    if bench is not None:
        head.append((w("Nearest school"), True))
    rows = []
    for i, (sid, name) in enumerate(sc.schools):
        row = [Cell(name, sid if name != sid else "")]
        for v in with_shares:
            m = v.school_share[i]  # type: ignore[index]
            sub = f"({w.range(m.lo, m.hi, w.pct)})" if m.ranged else ""
            row.append(Cell(w.pct(m.mean), sub))
        if bench is not None:
            row.append(Cell(w.pct(bench[i])))
        rows.append(row)
    note = w("In brackets: the range in 95% of the other lottery draws.")
    return Table(
        w("Share of indicator pupils per school, by variant"),
        head,
        rows,
        note=note,
        wide=wide(len(head)),
    )


def scenarios_view(sc: Scenarios, w: Words, round_name: str = "") -> dict[str, object]:
    """The data of the scenarios template."""
    info = sc.metric_info
    names = sc.metric_names
    has_bench = any(n in sc.benchmark for n in names)
    head = [(w("Measure"), False)] + [(v.name, True) for v in sc.variants]
    if has_bench:
        head.append((w("Nearest school"), True))
    rows = []
    for name in names:
        fmt = metric_format(w, name, info)
        row = [Cell(metric_label(w, name, info), name)]
        for v in sc.variants:
            m = v.metrics.get(name)
            if m is None:
                row.append(Cell(w.num(None)))
            else:
                row.append(Cell(fmt(m.mean), f"({w.range(m.lo, m.hi, fmt)})" if m.ranged else ""))
        if has_bench:
            b = sc.benchmark.get(name)
            row.append(Cell(fmt(b) if b is not None else w.num(None)))
        rows.append(row)
    draws = ""
    if sc.draws:
        draws = w.n(
            ", %(n)s draw per variant", ", %(n)s draws per variant", sc.draws, n=w.count(sc.draws)
        )
    other = sc.round and round_name and sc.round != round_name
    return {
        "name": sc.name,
        "description": sc.description,
        "intro": w(
            "Each variant is this round with other rules, allocated over many lottery draws by "
            "“samen scenarios” (file %(file)s). The table gives the mean over the draws and, "
            "below it, the range of 95%% of the draws.",
            file=sc.source,
        ),
        "other_round": w(
            "Careful: these scenarios were computed for the round “%(other)s”, not for this one.",
            other=sc.round,
        )
        if other
        else "",
        "round": w(
            "The scenarios were computed for the round “%(round)s”%(draws)s.",
            round=sc.round,
            draws=draws,
        )
        if sc.round
        else "",
        "variants_title": w("The variants"),
        "variants": [(v.name, v.description) for v in sc.variants]
        if any(v.description for v in sc.variants)
        else [],
        "table": Table(
            w("The variants side by side"),
            head,
            rows,
            note=w("In brackets: the range in 95% of the other lottery draws."),
            wide=wide(len(head)),
        ),
        "figures": _figures(sc, w, names),
        "caption": w(
            "Dot: mean over the draws; bar: 95% of the draws; dashed line: every child at the "
            "nearest school, where the file gives it."
        ),
        "schools_table": _schools_table(sc, w),
    }


def scenarios_section(sc: Scenarios, w: Words, round_name: str = "") -> Section:
    """The scenarios as a section of the report."""
    view = scenarios_view(sc, w, round_name)
    return Section(
        "scenarios", w("Scenarios: what if the rules were different?"), "scenarios.html", view
    )


def scenarios_html(sc: Scenarios, w: Words, round_name: str = "") -> str:
    """The scenarios section's content alone (HTML)."""
    return render("scenarios.html", d=scenarios_view(sc, w, round_name))


__all__ = ["scenarios_html", "scenarios_section", "scenarios_view"]
