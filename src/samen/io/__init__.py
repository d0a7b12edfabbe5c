"""Round folders and results folders, both directions (spec sections 1, 2 and 9).

* :func:`read_round` reads and checks a round folder into a :class:`Round` (its engine
  :class:`~samen.engine.instance.Instance` and what the writers need), or raises one
  :class:`RoundError` listing every problem of every file with file, row, column and what to
  fix; :func:`render_round` and :func:`write_round` write one (all or nothing);
* :func:`write_results` writes ``assignments.csv``, ``cutoffs.csv``, ``groups.csv``,
  ``waitlists.csv`` (rules section 10.7) and ``summary.json`` all at once; :func:`render_results` gives their bytes;
  :func:`read_results` reads a results folder back, checked against its round;
* :func:`compare_results` compares a results folder with a fresh computation.

Every reader reports :class:`Problem` objects and raises an :class:`InputError`
(:mod:`samen.io.errors`); TOML is read by one checked reader (:mod:`samen.io.toml`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from samen.io.errors import InputError, Problem, RoundError
    from samen.io.results import (
        RESULT_FILES,
        Difference,
        Results,
        ResultsError,
        compare_results,
        parse_results,
        read_groups,
        read_results,
        render_results,
        write_results,
    )
    from samen.io.round import Round, read_round, render_round, render_table, write_round
    from samen.io.settings import Settings

#: where each name of the package lives; imported when first used, so that importing one
#: light module (``samen.io.errors``) does not load the engine
_WHERE = {
    "InputError": "samen.io.errors",
    "Problem": "samen.io.errors",
    "RoundError": "samen.io.errors",
    "Settings": "samen.io.settings",
    "Round": "samen.io.round",
    "read_round": "samen.io.round",
    "render_round": "samen.io.round",
    "render_table": "samen.io.round",
    "write_round": "samen.io.round",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name, "samen.io.results" if name in __all__ else None)
    if module is None:
        raise AttributeError(f"module 'samen.io' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "RESULT_FILES",
    "Difference",
    "InputError",
    "Problem",
    "Results",
    "ResultsError",
    "Round",
    "RoundError",
    "Settings",
    "compare_results",
    "parse_results",
    "read_groups",
    "read_results",
    "read_round",
    "render_results",
    "render_round",
    "render_table",
    "write_results",
    "write_round",
]
