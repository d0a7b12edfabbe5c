"""Problems with an input, collected and reported together: one model for every reader.

A :class:`Problem` names the file (or ``book.xlsx, sheet applicants``, or a command option
such as ``--draws``), the place in it and what to fix. The place is a row and a column in a
table (the row as a spreadsheet shows it: header = row 1, first data row = row 2), or a line
and a key in a TOML or JSON file. Every reader (round folders, results folders, city
configs, scenario specs, scenarios files) collects all the problems it finds
(:class:`Problems`, at most :data:`MAX_PER_FILE` per file, then one "... and N more" line)
and raises one :class:`InputError` at the end; the command line prints them all.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_PER_FILE = 50
MAX_PER_CHECK = 10
#: files whose places are lines and keys rather than rows and columns
KEYED_SUFFIXES: tuple[str, ...] = (".toml", ".json")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is and what to fix.

    ``row`` and ``column`` are a line and a key when ``keyed`` is true, which it is by
    default for TOML and JSON files.

    >>> str(Problem("applicants.csv", 3, "choices", "the list is empty"))
    'applicants.csv, row 3, column choices: the list is empty'
    >>> Problem("round.toml", 2, "seed", "the seed is empty").where()
    'round.toml, line 2, key seed'
    """

    file: str
    row: int | None
    column: str | None
    message: str
    keyed: bool | None = None

    @property
    def is_keyed(self) -> bool:
        if self.keyed is not None:
            return self.keyed
        return self.file.lower().endswith(KEYED_SUFFIXES)

    def where(self) -> str:
        """``applicants.csv, row 3, column choices``; for a keyed file such as round.toml,
        which has lines and keys rather than rows and columns, ``round.toml, line 3, key
        mechanism``."""
        keyed = self.is_keyed
        parts = [self.file]
        if self.row is not None:
            parts.append(f"{'line' if keyed else 'row'} {self.row}")
        if self.column:
            parts.append(f"{'key' if keyed else 'column'} {self.column}")
        return ", ".join(parts)

    def as_dict(self) -> dict[str, object]:
        """The problem as plain values (the platform shows and stores these)."""
        return {"file": self.file, "row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        return f"{self.where()}: {self.message}"


def count(n: int, one: str, many: str | None = None) -> str:
    """``1 problem``, ``2 problems``: a number with the right form of its noun.

    >>> count(1, "problem"), count(3, "file"), count(2, "child", "children")
    ('1 problem', '3 files', '2 children')
    """
    return f"{n} {one if n == 1 else (many or one + 's')}"


class InputError(ValueError):
    """An input cannot be used as it is; ``problems`` says why and where, ``what`` names the
    input (``"The round folder"``, ``"The spec groupwise.toml"``, ``"The command"``).

    Every reader raises a subclass, so a caller that only reports problems catches this.
    """

    #: ``what`` when none is given
    WHAT = "The input"

    def __init__(self, problems: Iterable[Problem], what: str | None = None):
        self.problems: list[Problem] = list(problems)
        self.what = what or self.WHAT
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"{self.what} has {count(len(self.problems), 'problem')}"
        return head + ":\n" + "\n".join(f"  {p}" for p in self.problems)


class RoundError(InputError):
    """The round folder cannot be used as it is; ``problems`` says why."""

    WHAT = "The round folder"


def suggest(word: str, options: Sequence[str], cutoff: float = 0.6) -> str:
    """`` (did you mean 'x'?)`` with the option closest to ``word``, or ``""``.

    >>> suggest("mechansim", ["mechanism", "seed"])
    " (did you mean 'mechanism'?)"
    """
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=cutoff)
    return f" (did you mean '{close[0]}'?)" if close else ""


class Problems:
    """Collects problems per file, at most :data:`MAX_PER_FILE` per file."""

    def __init__(self) -> None:
        self._by_file: dict[str, list[Problem]] = {}
        self._more: dict[str, int] = {}

    def append(self, problem: Problem) -> None:
        """Add a problem made elsewhere."""
        items = self._by_file.setdefault(problem.file, [])
        if len(items) < MAX_PER_FILE:
            items.append(problem)
        else:
            self._more[problem.file] = self._more.get(problem.file, 0) + 1

    def add(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.append(Problem(file, row, column, message))

    def rows(
        self,
        file: str,
        items: Iterable[tuple[int, str]],
        column: str | None,
        *,
        same: str = "the same problem",
    ) -> int:
        """Report one kind of problem for several rows, given as ``(row, message)`` pairs: the
        first :data:`MAX_PER_CHECK` one by one, the rest as one line saying how many more rows
        have ``same``. Returns how many rows there were."""
        n = 0
        extra: list[int] = []
        for row, message in items:
            n += 1
            if n <= MAX_PER_CHECK:
                self.add(file, row, column, message)
            else:
                extra.append(row)
        if extra:
            shown = ", ".join(str(r) for r in extra[:5]) + (", ..." if len(extra) > 5 else "")
            more = count(len(extra), "more row")
            verb = "has" if len(extra) == 1 else "have"
            self.add(file, None, column, f"{more} {verb} {same} (rows {shown})")
        return n

    def __bool__(self) -> bool:
        return bool(self._by_file)

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_file.values()) + sum(self._more.values())

    def has(self, file: str) -> bool:
        return file in self._by_file

    def all(self) -> list[Problem]:
        out: list[Problem] = []
        for file, items in self._by_file.items():
            out.extend(items)
            more = self._more.get(file, 0)
            if more:
                out.append(
                    Problem(file, None, None, f"... and {count(more, 'more problem')} in this file")
                )
        return out

    def raise_if_any(self, error: type[InputError] = RoundError, what: str | None = None) -> None:
        """Raise ``error`` with every problem collected, if there is one."""
        if self:
            raise error(self.all(), what)


__all__ = [
    "MAX_PER_CHECK",
    "MAX_PER_FILE",
    "InputError",
    "Problem",
    "Problems",
    "RoundError",
    "count",
    "suggest",
]
