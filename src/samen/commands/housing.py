"""``samen housing``: housing rounds (``docs/housing-rules.md``).

    samen housing allocate FOLDER [--out DIR]

A housing round is a folder with round.toml (``kind = "housing"``: the labels' rules, the
suitability tables, the priority groups, the seed), dwellings.csv (the vacancies) and
households.csv (who responded to which, ranked). Other housing commands register themselves
on :data:`housing` from their own modules.

Exit codes: 0 done, 2 the folder has problems; they are listed with file, row and column.
"""

from __future__ import annotations

import typer

housing = typer.Typer(
    name="housing",
    help=(
        "Housing rounds: a period's vacancies (dwellings.csv), the households who responded "
        "(households.csv) and the labels' rules (round.toml), allocated by the allocation "
        "rules' engine and lottery."
    ),
    no_args_is_help=True,
    add_completion=False,
)


@housing.callback()
def _housing() -> None:
    """Housing rounds: allocate a period's vacancies by the labels' rules."""


def register(app: typer.Typer) -> None:
    """Add ``samen housing`` to the ``samen`` command."""
    app.add_typer(housing, name="housing")
