"""Reading round folders and writing results (spec sections 1, 2 and 9).

* :func:`read_round` reads and checks a round folder into a :class:`Round` (its engine
  :class:`~samen.engine.instance.Instance` and what the writers need), or raises one
  :class:`RoundError` listing every problem with file, row, column and what to fix;
* :func:`write_results` writes ``assignments.csv``, ``cutoffs.csv``, ``groups.csv`` and
  ``summary.json`` all at once; :func:`render_results` gives their bytes;
* :func:`compare_results` compares a results folder with a fresh computation.
"""

from samen.io.errors import Problem, RoundError
from samen.io.results import (
    RESULT_FILES,
    Difference,
    compare_results,
    render_results,
    write_results,
)
from samen.io.round import Round, Settings, read_round

__all__ = [
    "RESULT_FILES",
    "Difference",
    "Problem",
    "Round",
    "RoundError",
    "Settings",
    "compare_results",
    "read_round",
    "render_results",
    "write_results",
]
