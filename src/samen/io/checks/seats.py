"""Seat pools (allocation rules section 4): seats.csv and the default pools of round.toml.

Every row of seats.csv is checked on its own (name, seats or share, favours, order_by; with
the flag expressions and ordering criteria of sections 10.1 and 10.2), then
every school's rows together (one form, shares adding up to 1, seats adding up to the
capacity); the shares become seats by the largest-remainder method
(:func:`samen.engine.pools.largest_remainder`)."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from samen.engine import criteria
from samen.engine.expressions import OR, split, term_flag
from samen.engine.pools import (
    COMPOUND,
    ORDER_CRITERIA,
    ORDER_NAMES,
    Pool,
    PoolArrays,
    largest_remainder,
    pool_arrays,
)
from samen.io.cells import fraction_text, int_cell, parse_fraction, whole_number_fix
from samen.io.checks.context import Context
from samen.io.errors import suggest
from samen.io.settings import ROUND_FILE
from samen.io.tables import Table


def expression_problem(ctx: Context, text: str) -> str | None:
    """What is wrong with a flag expression (sections 4 and 10.1: terms joined by ``|``, each
    a flag or ``not:`` + a flag), or None; flags are not checked when applicants.csv cannot
    be read (its problems are reported)."""
    flags = ctx.flag_names
    terms = split(text)
    whole = f" in '{text.strip()}'" if len(terms) > 1 else ""
    for term in terms:
        name, _ = term_flag(term)
        if not term:
            return f"'{text.strip()}' has an empty term; write flag names between the '|'"
        if not name:
            return f"'not:' needs a flag name after it, like not:indicator{whole}"
        if flags is not None and name not in flags:
            have = ", ".join(flags) if flags else "none"
            kind = (
                "a number column (an order_by reads it), not a 0/1 flag"
                if name in ctx.value_names
                else f"not a column of {ctx.source('applicants')}{suggest(name, flags)}"
            )
            return f"'{name}'{whole} is {kind}; its 0/1 columns are: {have}"
    return None


def favours_problem(ctx: Context, favours: str) -> tuple[int, bool, str | None]:
    """(flag index, negate, problem or None) for a ``favours`` value; :data:`COMPOUND` for an
    expression of several terms (section 10.1)."""
    msg = expression_problem(ctx, favours)
    terms = split(favours)
    if msg is not None or not terms or ctx.flag_names is None:
        return -1, False, msg
    if OR in favours:
        return COMPOUND, False, None
    name, neg = term_flag(terms[0])
    return ctx.flag_names.index(name), neg, None


def pool_of(name: str, seats: int, favours: str, fidx: int, neg: bool, order_by: str) -> Pool:
    """A checked pool: an expression of several terms and criteria other than one v1
    ordering keep their text, as samen writes them (``a|not:b``, ``rank,distance``)."""
    order = criteria.order_of(order_by)
    expression = "|".join(split(favours)) if fidx == COMPOUND else ""
    ordering = criteria.text_of(criteria.parse(order_by)) if order == ORDER_CRITERIA else ""
    return Pool(name, seats, fidx, neg, order, expression, ordering)


def check_pools(ctx: Context) -> PoolArrays | None:
    """The instance's pool arrays (:func:`samen.engine.pools.pool_arrays`), or None when the
    schools or their capacities are not known."""
    p = ctx.problems
    schools = ctx.schools
    m = len(schools.ids) if schools is not None else 0
    listed: list[list[Pool] | None] = [None] * m
    t = ctx.table("seats")
    if t is not None and ctx.require(t, ("school_id", "pool")):
        if not t.has("seats") and not t.has("share"):
            p.add(t.source, t.header_row, "seats", "add a column 'seats' or a column 'share'")
        else:
            _seats_table(ctx, t, listed)
    defaults: list[tuple[Fraction, Pool]] = []
    lines = ctx.s.favours_lines
    for k, spec in enumerate(ctx.s.default_pools):
        fidx, neg, msg = favours_problem(ctx, spec.favours)
        if msg:
            p.add(
                ROUND_FILE,
                lines[k] if k < len(lines) else None,
                "favours",
                f"in default pool '{spec.name}': {msg}",
            )
        pool = pool_of(spec.name, 0, spec.favours, fidx, neg, spec.order_by)
        defaults.append((Fraction(str(spec.share)), pool))
    if schools is None or schools.capacity is None:
        return None
    capacity = schools.capacity
    seats_for: dict[int, list[int]] = {}
    school_pools: list[list[Pool]] = []
    for s in range(m):
        got = listed[s]
        if got is None:
            cap = int(capacity[s])
            if cap not in seats_for:
                seats_for[cap] = largest_remainder([d[0] for d in defaults], cap)
            got = [
                replace(pool, seats=k)
                for (_, pool), k in zip(defaults, seats_for[cap], strict=True)
            ]
        school_pools.append(got)
    return pool_arrays(school_pools)


def _seats_table(ctx: Context, t: Table, listed: list[list[Pool] | None]) -> None:
    """Check seats.csv; the pools of every school it gives go to ``listed``."""
    p = ctx.problems
    schools = ctx.schools
    sid = t.col("school_id")
    by_school: dict[str, list[int]] = {}
    for i, s in enumerate(sid):
        if not s:
            p.add(t.source, t.rows[i], "school_id", "the school id is empty; fill it in")
        elif schools is not None and s not in schools.index:
            p.add(
                t.source,
                t.rows[i],
                "school_id",
                f"the school '{s}' is not in {ctx.source('schools')}; check the spelling or add "
                "the school",
            )
        else:
            by_school.setdefault(s, []).append(i)
    for sname, idx in by_school.items():
        pools = _school_pools(ctx, t, sname, idx)
        if pools is not None and schools is not None:
            listed[schools.index[sname]] = pools


def _school_pools(ctx: Context, t: Table, sname: str, idx: list[int]) -> list[Pool] | None:
    """The rows ``idx`` of seats.csv (one school's pools) checked; None when they cannot be
    used (each problem reported)."""
    p = ctx.problems
    pool = t.col("pool")
    seats_c, share_c = t.col("seats"), t.col("share")
    fav_c, order_c = t.col("favours"), t.col("order_by")
    pools: list[Pool] = []
    forms: set[str] = set()
    shares: list[Fraction] = []
    ints: list[int] = []
    seen: dict[str, int] = {}
    ok = True
    for i in idx:
        r = t.rows[i]
        name = pool[i]
        if not name:
            p.add(t.source, r, "pool", "the pool has no name; name it, like 'indicator' or 'other'")
            ok = False
        elif name in seen:
            p.add(
                t.source,
                r,
                "pool",
                f"school '{sname}' has two pools named '{name}' (also row {seen[name]}); "
                "give each pool its own name",
            )
            ok = False
        else:
            seen[name] = r
        sv, sh = seats_c[i], share_c[i]
        if sv and sh:
            p.add(t.source, r, "seats", "give the pool's seats or its share, not both")
            ok = False
        elif not sv and not sh:
            p.add(
                t.source,
                r,
                "share" if t.has("share") else "seats",
                "the pool's seats or share is empty; fill it in",
            )
            ok = False
        elif sv:
            forms.add("seats")
            k = int_cell(sv)
            if k is None or k < 0:
                p.add(
                    t.source,
                    r,
                    "seats",
                    f"'{sv}' is not a number of seats; "
                    + whole_number_fix(sv, "write a whole number (0 or more)"),
                )
                ok = False
            else:
                ints.append(k)
        else:
            forms.add("share")
            f = parse_fraction(sh)
            if sh.endswith("%"):
                p.add(
                    t.source,
                    r,
                    "share",
                    f"'{sh}' is a percentage; write the share as a number from 0 to 1 (30% is 0.3)",
                )
                ok = False
            elif f is None or not (0 <= f <= 1):
                p.add(
                    t.source,
                    r,
                    "share",
                    f"'{sh}' is not a share; write a number from 0 to 1, like 0.3",
                )
                ok = False
            else:
                shares.append(f)
        fidx, neg, msg = favours_problem(ctx, fav_c[i])
        if msg:
            p.add(t.source, r, "favours", msg)
            ok = False
        ob = order_c[i] or "lottery"
        try:
            criteria.parse(ob)
        except criteria.CriteriaError as exc:
            hint = ""
            if "," not in ob:
                hint = suggest(ob.lower(), [*ORDER_NAMES, "value:"])
            p.add(
                t.source,
                r,
                "order_by",
                f"'{order_c[i]}' is not an ordering{hint} ({exc.problem}); write lottery, "
                "distance or rank, value:COLUMN (a number column of applicants.csv), or "
                "several joined by ',' like rank,distance",
            )
            ok = False
            ob = "lottery"
        pools.append(pool_of(name, 0, fav_c[i], fidx, neg, ob))
    first = t.rows[idx[0]]
    if len(forms) > 1:
        p.add(
            t.source,
            first,
            "seats",
            f"school '{sname}' gives some pools as seats and others as shares; use one form for "
            "all its pools",
        )
        return None
    if not ok:
        return None
    return _seats(ctx, t, sname, first, pools, "share" in forms, shares, ints)


def _seats(
    ctx: Context,
    t: Table,
    sname: str,
    first: int,
    pools: list[Pool],
    as_shares: bool,
    shares: list[Fraction],
    ints: list[int],
) -> list[Pool] | None:
    """The seats of one school's pools: shares adding up to 1 by the largest remainder, or
    whole seats adding up to the capacity (not checked when the capacity is not known)."""
    p = ctx.problems
    schools = ctx.schools
    cap: int | None = None
    if schools is not None and schools.capacity is not None:
        cap = int(schools.capacity[schools.index[sname]])
    if as_shares:
        total = sum(shares, Fraction(0))
        if total != 1:
            p.add(
                t.source,
                first,
                "share",
                f"the shares of school '{sname}' add up to {fraction_text(total)}; they must add "
                "up to exactly 1",
            )
            return None
        if cap is None:
            return None
        counts = largest_remainder(shares, cap)
    else:
        if cap is None:
            return None
        if sum(ints) != cap:
            p.add(
                t.source,
                first,
                "seats",
                f"the seats of school '{sname}' add up to {sum(ints)} but its capacity in "
                f"{ctx.source('schools')} is {cap}; they must be equal",
            )
            return None
        counts = ints
    for q, k in zip(pools, counts, strict=True):
        q.seats = int(k)
    return pools


__all__ = ["check_pools", "expression_problem", "favours_problem", "pool_of"]
