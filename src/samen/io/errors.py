"""Problems with a round folder, collected and reported together.

Every problem names the file (or ``book.xlsx, sheet applicants``), the row as a spreadsheet
shows it (header = row 1, first data row = row 2), the column and what to fix (for round.toml:
the line and the key). The readers collect all problems of a file (at most
:data:`MAX_PER_FILE`, then one "... and N more" line) and raise one :class:`RoundError` at
the end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

MAX_PER_FILE = 50
MAX_PER_CHECK = 10


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is and what to fix."""

    file: str
    row: int | None
    column: str | None
    message: str

    def where(self) -> str:
        """``applicants.csv, row 3, column choices``; for round.toml, which has lines and
        keys rather than rows and columns, ``round.toml, line 3, key mechanism``."""
        toml = self.file.lower().endswith(".toml")
        parts = [self.file]
        if self.row is not None:
            parts.append(f"{'line' if toml else 'row'} {self.row}")
        if self.column:
            parts.append(f"{'key' if toml else 'column'} {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.where()}: {self.message}"


class RoundError(Exception):
    """The round folder cannot be used as it is; ``problems`` says why."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        n = len(self.problems)
        head = "1 problem" if n == 1 else f"{n} problems"
        return f"{head} in the round folder:\n" + "\n".join(f"  {p}" for p in self.problems)


class Problems:
    """Collects problems per file, at most :data:`MAX_PER_FILE` per file."""

    def __init__(self) -> None:
        self._by_file: dict[str, list[Problem]] = {}
        self._more: dict[str, int] = {}

    def add(self, file: str, row: int | None, column: str | None, message: str) -> None:
        items = self._by_file.setdefault(file, [])
        if len(items) < MAX_PER_FILE:
            items.append(Problem(file, row, column, message))
        else:
            self._more[file] = self._more.get(file, 0) + 1

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
        count = 0
        extra: list[int] = []
        for row, message in items:
            count += 1
            if count <= MAX_PER_CHECK:
                self.add(file, row, column, message)
            else:
                extra.append(row)
        if extra:
            shown = ", ".join(str(r) for r in extra[:5]) + (", ..." if len(extra) > 5 else "")
            self.add(file, None, column, f"{len(extra)} more rows have {same} (rows {shown})")
        return count

    def __bool__(self) -> bool:
        return bool(self._by_file)

    def has(self, file: str) -> bool:
        return file in self._by_file

    def all(self) -> list[Problem]:
        out: list[Problem] = []
        for file, items in self._by_file.items():
            out.extend(items)
            more = self._more.get(file, 0)
            if more:
                out.append(Problem(file, None, None, f"... and {more} more problems in this file"))
        return out

    def raise_if_any(self) -> None:
        if self:
            raise RoundError(self.all())
