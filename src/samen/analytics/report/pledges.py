"""The report's section on pledge groups: who held, how often they would hold in other
draws, and why the others failed."""

from __future__ import annotations

from samen.analytics.report.model import ReportData
from samen.analytics.report.render import Cell, Section, Table, wide
from samen.analytics.report.words import Words


def pledges_section(data: ReportData, w: Words) -> Section | None:
    """The pledge groups (none when the round has none)."""
    if not data.groups:
        return None
    names = data.school_names
    head = [
        (w("Group"), False),
        (w("School"), False),
        (w("Needed"), True),
        (w("Members"), True),
        (w("Got the school"), True),
        (w("Held"), False),
        (w("Held in other draws"), True),
    ]
    rows = []
    for g in data.groups:
        target = names.get(g.target, g.target)
        rows.append(
            [
                Cell(g.group_id),
                Cell(target, g.target if target != g.target else ""),
                Cell(w.count(g.threshold)),
                Cell(w.count(g.members)),
                Cell(w.count(g.assigned)),
                Cell(w("yes"), cls="yes") if g.held else Cell(w("no"), cls="no"),
                Cell(w.pct(g.held_draws, 0)),
            ]
        )
    targets = {g.group_id: g.target for g in data.groups}
    failures = []
    for fl in data.failures:
        gid = str(fl.get("group_id", ""))
        school = names.get(targets.get(gid, ""), targets.get(gid, ""))
        failures.append(
            w(
                "%(group)s: in pass %(run)s of the allocation only %(n)s of its members got "
                "%(school)s, and %(threshold)s were needed. Their choice of %(school)s was "
                "dropped and the allocation ran again; the table shows the last pass, in which "
                "they no longer applied there.",
                group=gid,
                run=fl.get("failed_in_run", "?"),
                n=fl.get("assigned_to_target", "?"),
                school=school,
                threshold=fl.get("threshold", "?"),
            )
        )
    view = {
        "intro": w(
            "Families who promised each other to choose a school together. A group holds when "
            "at least the needed number of its members get that school; otherwise their choice "
            "of the school is dropped and the allocation runs again without it."
        ),
        "table": Table(w("Pledge groups"), head, rows, wide=wide(len(head))),
        "failures_title": w("Why groups failed"),
        "failures": failures,
    }
    return Section("pledges", w("Pledge groups"), "pledges.html", view)


__all__ = ["pledges_section"]
