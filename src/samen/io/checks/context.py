"""What the checks of one round folder share: the settings, the tables, the problems found so
far and what each check learned that a later one needs (the school ids, the lists...).

A table that is missing or cannot be used leaves its part ``None``; later checks then skip
only what needs that part, so one run still reports every other problem (spec section 1:
bad input never half-runs, and every problem is listed).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np

from samen.io.errors import Problems
from samen.io.settings import Settings
from samen.io.tables import Table

#: coordinates of a table: first and second coordinate (NaN where missing), and their label
Coordinates = tuple[np.ndarray | None, np.ndarray | None, str]


@dataclass
class Schools:
    """schools.csv as checked."""

    ids: list[str]
    index: dict[str, int]
    capacity: np.ndarray | None  # int64[m]; None without a usable capacity column


@dataclass
class Lists:
    """The choices of applicants.csv as checked: one *edge* per (child, listed school)."""

    choices: np.ndarray  # int32[E], school index
    choice_ptr: np.ndarray  # int64[n+1]
    edge_app: np.ndarray  # int64[E], the child of each edge
    edge_order: np.ndarray  # argsort of the (child, school) key
    edge_sorted_key: np.ndarray  # the sorted (child, school) keys


@dataclass
class Context:
    """The state of one check of a round folder (see the module docstring)."""

    settings: Settings | None
    tables: dict[str, Table]
    problems: Problems
    #: the tables the round gives as a file or sheet, readable or not
    given: set[str]
    schools: Schools | None = None
    school_xy: Coordinates = (None, None, "x,y")
    #: applicant ids and their index (None without a usable applicant_id column)
    app_ids: list[str] | None = None
    app_index: dict[str, int] | None = None
    lists: Lists | None = None
    flags: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.uint8))
    flag_names: list[str] | None = None  # None without a readable applicants table
    family: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    app_xy: Coordinates = (None, None, "x,y")
    #: the number columns of applicants.csv that ``value:`` criteria read (section 10.2),
    #: and their numbers (float64[n, V], NaN where a cell is not a number)
    value_names: list[str] = field(default_factory=list)
    values: np.ndarray | None = None

    @property
    def s(self) -> Settings:
        """The settings, or the defaults when round.toml could not be read (its problems
        are reported already)."""
        return self.settings or Settings(name="", seed="")

    def table(self, name: str) -> Table | None:
        return self.tables.get(name)

    def source(self, name: str) -> str:
        """How problems name a table: its file or sheet, else ``<name>.csv``."""
        t = self.tables.get(name)
        return t.source if t is not None else f"{name}.csv"

    def require(self, table: Table, columns: tuple[str, ...]) -> bool:
        """Whether ``table`` has every one of ``columns``; each missing one is a problem that
        names a column of the header that looks like it, when there is one."""
        ok = True
        for c in columns:
            if not table.has(c):
                self.problems.add(table.source, table.header_row, c, missing_column(c, table))
                ok = False
        return ok


def lookalike(column: str, table: Table) -> str | None:
    """The column of ``table``'s header that looks like the missing ``column`` (a typo), if
    one does."""
    close = difflib.get_close_matches(column, table.header, n=1, cutoff=0.6)
    return close[0] if close and close[0] != column else None


def missing_column(column: str, table: Table) -> str:
    """What to say about a missing column: which column of the header looks like it (a typo)
    and should be renamed, or else that it must be added.

    >>> t = Table("applicants", "applicants.csv", ["aplicant_id", "choices"], {}, [])
    >>> missing_column("applicant_id", t)
    "the column 'applicant_id' is missing; the header has 'aplicant_id', which looks like it: rename that column to 'applicant_id'"
    """
    close = lookalike(column, table)
    if close is not None:
        return (
            f"the column '{column}' is missing; the header has '{close}', which looks like "
            f"it: rename that column to '{column}'"
        )
    return f"the column '{column}' is missing; add it to the header row"


def half_pair(table: Table, a: str, b: str, problems: Problems) -> bool:
    """Whether ``table`` has one column of the coordinate pair ``a``, ``b`` but not the other;
    if so, that is a problem at its header row, added to ``problems``."""
    if table.has(a) == table.has(b):
        return False
    have, lack = (a, b) if table.has(a) else (b, a)
    problems.add(
        table.source,
        table.header_row,
        lack,
        f"there is a column '{have}' but no column '{lack}'; add it, or remove '{have}'",
    )
    return True


__all__ = [
    "Context",
    "Coordinates",
    "Lists",
    "Schools",
    "half_pair",
    "lookalike",
    "missing_column",
]
