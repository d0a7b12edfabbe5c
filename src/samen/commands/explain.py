"""``samen explain``: why a child got the school it got, and how to check its lottery number.

    samen explain ROUND_DIR ID...

The round is allocated again (as ``samen verify`` does) and explained by
:mod:`samen.engine.explain`, the same records the platform shows families: for every school
above the one the child got, each seat pool's cut-off (the last child admitted) and the
child's own place in that pool's order; with waiting lists (section 10.7) the child's place on
each. Exit code 2 when the round folder has problems or an id is not in it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from samen.commands.common import RoundDir, fail, out, read_round_or_exit

if TYPE_CHECKING:
    from samen.engine.explain import Explanation, PoolLine, Standing
    from samen.engine.instance import Instance, Result


def _standing(s: Standing, order_by: str, favours: str) -> str:
    parts = [f"priority group {s.group}" if s.group else "no priority group"]
    if favours:
        parts.append(
            "one of those the seats are for" if s.favoured else "not one of those the seats are for"
        )
    if order_by == "distance":
        parts.append(f"{s.value} m")
    elif order_by == "rank":
        parts.append(f"choice {s.value}")
    elif order_by != "lottery":  # criteria of section 10.2: their values, in order
        parts.append(f"{order_by} {s.value}")
    parts.append(f"lottery {s.lottery}")
    return ", ".join(parts)


def _pool(line: PoolLine) -> list[str]:
    who = f"for '{line.favours}'" if line.favours else "for everyone"
    head = f"pool '{line.pool}': {line.seats} seats {who}, by {line.order_by}, {line.filled} taken"
    if line.cutoff is None:
        return [head + "; not full, so not what kept the child out"]
    verdict = "came after it" if line.after else "came before it (the seats went earlier)"
    return [
        head,
        f"  last admitted: {_standing(line.cutoff, line.order_by, line.favours)}",
        f"  this child:    {_standing(line.mine, line.order_by, line.favours)}: {verdict}",
    ]


def _lines(e: Explanation, got: str, seed: str) -> list[str]:
    from samen.engine.explain import check_command

    lines = [f"{e.applicant_id}: {got}"]
    for rank, school in enumerate(e.schools, start=1):
        if school.dropped:
            lines.append(f"  choice {rank}, {school.school}: dropped (the pledge group failed)")
            continue
        lines.append(f"  choice {rank}, {school.school}:")
        lines += [f"    {text}" for p in school.pools for text in _pool(p)]
    if e.lottery_text:
        lines.append(f"  lottery number: {check_command(seed, e.lottery_text)}")
    return lines


def _waiting(inst: Instance, result: Result, a: int) -> list[str]:
    """The child's places on the waiting lists (section 10.7), one line."""
    w = result.waitlists
    if w is None:
        return []
    rows = [i for i in (w.applicant == a).nonzero()[0].tolist()]
    if not rows:
        return ["  waiting lists: none (it got the first school on its list)"]
    places = []
    for i in rows:
        school = inst.school_ids[int(w.school[i])]
        pool = int(w.pool[i])
        where = f"{school}, pool '{inst.pool_names[pool]}'" if pool >= 0 else school
        places.append(f"{where}: {int(w.position[i])}")
    return ["  waiting lists: " + "; ".join(places)]


def explain(
    round_dir: RoundDir,
    ids: Annotated[
        list[str],
        typer.Argument(help="One or more applicant ids of the round.", show_default=False),
    ],
) -> None:
    """Say why each child got the school it got: for every school it ranked higher, whether
    its seats were all taken and where the child stood against the last child admitted; and
    the command that shows its lottery number."""
    import difflib

    from rich.markup import escape

    from samen.engine.allocate import allocate
    from samen.engine.explain import explain as explain_records
    from samen.engine.priority import prepare

    rnd = read_round_or_exit(round_dir, "nothing was explained")
    inst = rnd.instance
    index = {a: i for i, a in enumerate(inst.applicant_ids)}
    wanted = []
    for a in ids:
        if a not in index:
            close = difflib.get_close_matches(a, list(index), n=1, cutoff=0.6)
            hint = f" (did you mean '{escape(close[0])}'?)" if close else ""
            source = escape(rnd.sources.get("applicants", "applicants.csv"))
            fail(
                "The command",
                f"there is no applicant '{escape(a)}' in {source}{hint}",
                "nothing was explained",
            )
        wanted.append(index[a])
    prep = prepare(inst)
    result = allocate(inst, prep)
    con = out()
    names = rnd.school_names
    for k, e in zip(wanted, explain_records(inst, result, wanted, prepared=prep), strict=True):
        s = int(result.school[k])
        if s >= 0:
            pool = inst.pool_names[int(result.pool[k])] if result.pool[k] >= 0 else ""
            got = f"school {inst.school_ids[s]} ({names[s]}), choice {int(result.choice_rank[k])}"
            got += f", pool '{pool}'" if pool else ""
        else:
            got = "no school on the list"
        for line in [*_lines(e, got, inst.seed), *_waiting(inst, result, k)]:
            con.print(escape(line), soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``explain`` to ``app``."""
    app.command()(explain)
