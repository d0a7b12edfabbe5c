"""``samen lottery``: a child's lottery number and the command anyone can run to check it.

samen lottery --seed SEED [--school SCHOOL_ID] ID...
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
) -> None:
    """Show the lottery number of a child, and the command anyone can run to check it.

    The number is the first 16 hex digits of the SHA-256 of 'SEED|ID' (or 'SEED|SCHOOL|ID');
    smaller numbers come first.
    """
    from samen.engine.explain import check_command
    from samen.engine.lottery import hex16, number

    for applicant in ids:
        parts = (school, applicant) if school is not None else (applicant,)
        value = number(seed, *parts)
        typer.echo(f"{applicant}  {hex16(value)}  {value}")
        typer.echo(f"    check: {check_command(seed, '|'.join(parts))}")


def register(app: typer.Typer) -> None:
    """Add ``lottery`` to ``app``."""
    app.command()(lottery)
