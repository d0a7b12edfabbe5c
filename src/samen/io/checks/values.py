"""The number columns of applicants.csv that pools order by (allocation rules section 10.2:
``value:COLUMN``, smaller first). Such a column must hold a number, with ``.`` or ``,`` as
the decimal mark, in every row; it is not a 0/1 flag."""

from __future__ import annotations

import numpy as np

from samen.engine import criteria
from samen.io.cells import parse_number
from samen.io.checks.context import Context
from samen.io.errors import suggest
from samen.io.settings import ROUND_FILE
from samen.io.tables import Table

#: where a value column is named: (file, row or line, column or key)
Place = tuple[str, int | None, str]


def value_places(ctx: Context) -> dict[str, Place]:
    """Every column a ``value:`` criterion names (in the default pools of round.toml, then in
    seats.csv), with where it is first named. Orderings that cannot be read are left out
    (their problems are reported by the pool checks)."""
    out: dict[str, Place] = {}
    for k, spec in enumerate(ctx.s.default_pools):
        try:
            crit = criteria.parse(spec.order_by)
        except criteria.CriteriaError:
            continue
        for c in criteria.value_columns(crit):
            out.setdefault(
                c, (ROUND_FILE, ctx.s.line(f"default_pools.{k + 1}.order_by"), "order_by")
            )
    t = ctx.table("seats")
    if t is not None and t.has("order_by"):
        for i, text in enumerate(t.col("order_by")):
            if criteria.VALUE not in text.lower():
                continue
            try:
                crit = criteria.parse(text)
            except criteria.CriteriaError:
                continue
            for c in criteria.value_columns(crit):
                out.setdefault(c, (t.source, t.rows[i], "order_by"))
    return out


def _column(ctx: Context, t: Table, name: str) -> np.ndarray:
    """The numbers of one value column; empty and non-number cells are reported."""
    col = t.col(name)
    n = len(col)
    arr: np.ndarray | None = None
    if not any("," in v or not v for v in col):
        try:
            arr = np.array(col, dtype=np.float64)
        except ValueError:
            arr = None
    if arr is None:
        arr = np.array([np.nan if (x := parse_number(v)) is None else x for v in col])
    bad = np.flatnonzero(~np.isfinite(arr))
    ctx.problems.rows(
        t.source,
        (
            (
                t.rows[i],
                f"the cell is empty; order_by value:{name} needs a number for every child"
                if not col[i]
                else f"'{col[i]}' is not a number; write a number, with . or , as the decimal "
                f"mark (order_by value:{name} reads this column)",
            )
            for i in bad
        ),
        name,
        same="a value that is not a number",
    )
    arr[bad] = np.nan
    return arr.reshape(n) + 0.0


def check_values(ctx: Context, t: Table, reserved: tuple[str, ...]) -> None:
    """Read the value columns of applicants.csv into ``ctx.values``; a column that is missing
    or that samen reads as something else is a problem where the criterion names it."""
    places = value_places(ctx)
    ctx.value_names = list(places)
    values = np.full((len(t), len(places)), np.nan)
    for j, (name, (source, row, key)) in enumerate(places.items()):
        if name in reserved:
            ctx.problems.add(
                source,
                row,
                key,
                f"value:{name} orders by the column '{name}', which samen reads for another "
                "rule (section 1); order by a column of numbers of its own",
            )
        elif not t.has(name):
            ctx.problems.add(
                source,
                row,
                key,
                f"value:{name} orders by the column '{name}', which is not in {t.source}"
                f"{suggest(name, t.header)}; add the column (a number for every child) or "
                "correct the name",
            )
        else:
            values[:, j] = _column(ctx, t, name)
    ctx.values = values


__all__ = ["Place", "check_values", "value_places"]
