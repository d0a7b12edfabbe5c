"""Round folders and results folders, both directions (spec sections 1, 2 and 9).

* :func:`read_round` reads and checks a round folder into a :class:`Round` (its engine
  :class:`~samen.engine.instance.Instance` and what the writers need), or raises one
  :class:`RoundError` listing every problem of every file with file, row, column and what to
  fix; :func:`render_round` and :func:`write_round` write one (all or nothing);
* :func:`write_results` writes ``assignments.csv``, ``cutoffs.csv``, ``groups.csv`` and
  ``summary.json`` all at once; :func:`render_results` gives their bytes;
  :func:`read_results` reads a results folder back, checked against its round;
* :func:`compare_results` compares a results folder with a fresh computation.

Every reader reports :class:`Problem` objects and raises an :class:`InputError`
(:mod:`samen.io.errors`); TOML is read by one checked reader (:mod:`samen.io.toml`).
"""

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
