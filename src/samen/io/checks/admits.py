"""Who a school admits (allocation rules section 10.5): the ``admits`` column of schools.csv,
a flag expression (section 10.1). A school with a non-empty expression admits only the
children who have it; a child whose list holds a school that does not admit it is a problem
of applicants.csv (its row, column ``choices``, naming the school and the expression)."""

from __future__ import annotations

import numpy as np

from samen.engine.expressions import holds, parse, split
from samen.io.checks.context import Context
from samen.io.checks.seats import expression_problem

COLUMN = "admits"


def check_admits(ctx: Context) -> list[str]:
    """Every school's ``admits`` expression as samen writes it (``""``: everyone), or ``[]``
    when schools.csv has no such column; every problem goes to ``ctx.problems``."""
    t = ctx.table("schools")
    if t is None or not t.has(COLUMN):
        return []
    texts: list[str] = []
    bad = False
    for i, v in enumerate(t.col(COLUMN)):
        msg = expression_problem(ctx, v)
        if msg:
            ctx.problems.add(t.source, t.rows[i], COLUMN, f"{msg} (whom the school admits)")
            bad = True
        texts.append("" if msg else "|".join(split(v)))
    lists, schools = ctx.lists, ctx.schools
    if bad or ctx.flag_names is None or lists is None or schools is None:
        return texts
    _check_lists(ctx, texts)
    return texts


def _check_lists(ctx: Context, texts: list[str]) -> None:
    """Every child lists only schools that admit it."""
    lists, schools = ctx.lists, ctx.schools
    assert lists is not None and schools is not None and ctx.flag_names is not None
    app = ctx.tables["applicants"]
    refused = np.zeros(lists.choices.size, dtype=bool)
    for text in sorted({x for x in texts if x}):
        has = holds(ctx.flags, parse(text, ctx.flag_names))
        at = np.isin(lists.choices, [s for s, x in enumerate(texts) if x == text])
        refused |= at & ~has[lists.edge_app]
    edges = np.flatnonzero(refused)
    sch = ctx.tables["schools"]
    names = [f for f in ctx.flag_names]
    ctx.problems.rows(
        app.source,
        (
            (
                app.rows[int(lists.edge_app[e])],
                f"the school '{schools.ids[s]}' admits only children with "
                f"{texts[s]} ({sch.source} row {sch.rows[s]}, column {COLUMN}), and this child "
                f"has {_what(ctx, int(lists.edge_app[e]), texts[s], names)}; take the school off "
                "the list, or correct the child's flags if they are wrong",
            )
            for e, s in zip(edges.tolist(), lists.choices[edges].tolist(), strict=True)
        ),
        "choices",
        same="a school that does not admit the child",
    )


def _what(ctx: Context, a: int, text: str, names: list[str]) -> str:
    """The child's flags that the expression reads, as a family would check them."""
    terms = parse(text, names)
    shown = [f"{names[f]} = {int(ctx.flags[a, f])}" for f in dict.fromkeys(f for f, _ in terms)]
    return ", ".join(shown)


__all__ = ["COLUMN", "check_admits"]
