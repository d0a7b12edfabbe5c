"""``samen lottery``: a child's lottery number and the command anyone can run to check it.

samen lottery --seed SEED [--school SCHOOL_ID] [--family first|best] ID...

With ``--family`` the ids are the members of one family block, and the block's number is
shown too: the number of the member whose id sorts first (``first``, section 3), or the
smallest of the members' numbers (``best``, ``family_number = "best"``, section 10.6).
"""

from __future__ import annotations

from typing import Annotated

import typer


def lottery(
    ids: Annotated[
        list[str],
        typer.Argument(
            help="One or more applicant ids (for a pledge group: pledge:GROUP_ID).",
            show_default=False,
        ),
    ],
    seed: Annotated[
        str,
        typer.Option(
            "--seed", "-s", help="The lottery seed of the round, as announced.", show_default=False
        ),
    ],
    school: Annotated[
        str | None,
        typer.Option(
            "--school",
            help="A school id, for rounds with multiple tie-breaking (a number per school).",
            show_default=False,
        ),
    ] = None,
    family: Annotated[
        str | None,
        typer.Option(
            "--family",
            help="The ids are one family block: also show the block's number, that of the "
            "member whose id sorts first ('first') or the smallest of theirs ('best', as a "
            'round with family_number = "best" uses).',
            show_default=False,
        ),
    ] = None,
) -> None:
    """Show the lottery number of a child, and the command anyone can run to check it.

    The number is the first 16 hex digits of the SHA-256 of 'SEED|ID' (or 'SEED|SCHOOL|ID');
    smaller numbers come first.
    """
    from samen.commands.common import fail
    from samen.engine.explain import check_command
    from samen.engine.instance import FAMILY_NUMBERS
    from samen.engine.lottery import hex16, number

    if family is not None and family not in FAMILY_NUMBERS:
        fail("The command", f"--family is '{family}'; write first or best", "nothing was shown")
    numbers: dict[str, int] = {}
    for applicant in ids:
        parts = (school, applicant) if school is not None else (applicant,)
        value = number(seed, *parts)
        numbers[applicant] = value
        typer.echo(f"{applicant}  {hex16(value)}  {value}")
        typer.echo(f"    check: {check_command(seed, '|'.join(parts))}")
    if family is not None:
        # section 3: the member whose id sorts first (byte order); 10.6: the smallest number
        who = min(ids) if family == "first" else min(ids, key=lambda a: (numbers[a], a))
        typer.echo(
            f"block (family_number = {family}): {hex16(numbers[who])}  {numbers[who]}, "
            f"the number of {who}"
        )


def register(app: typer.Typer) -> None:
    """Add ``lottery`` to ``app``."""
    app.command()(lottery)
