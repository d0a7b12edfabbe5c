"""Reading the tables of a round folder: CSV files or the sheets of one ``.xlsx`` file.

A :class:`Table` is columnar: every cell is a string with the whitespace around it removed,
empty when the cell is empty. Rows keep the number a spreadsheet shows (header = row 1,
first data row = row 2, blank rows counted), so problems can point at them.

CSV (spec section 1): UTF-8 with or without a BOM, comma or semicolon separated (whichever
occurs more often in the header line, outside quotes, or as an Excel ``sep=;`` first line
says; that line is not a row, as in Excel), one header row. Files that are UTF-16, tab
separated, a workbook with a .csv name or have an unclosed quote are reported as such. XLSX: read with
openpyxl in read-only mode; integer-valued numbers are integers (a cell ``101`` is ``"101"``,
not ``"101.0"``), other numbers have at most 15 significant digits (as Excel shows them),
TRUE/FALSE cells are ``"1"``/``"0"``.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

from samen.io.errors import Problems
from samen.io.workbook import Caps, check_workbook, columns_message, rows_message

_QUOTED = re.compile(r'"[^"]*"')
_SEP_LINE = re.compile(r"^\s*sep=(.)\s*$", re.IGNORECASE)
_SEPARATOR_FIX = (
    "samen reads files separated by commas or semicolons; save the file as "
    "'CSV UTF-8 (comma delimited)'"
)


@dataclass
class Table:
    """One table of a round: header, columns of stripped strings and their row numbers."""

    name: str  # "applicants"
    source: str  # "applicants.csv" or "book.xlsx, sheet applicants"
    header: list[str]
    columns: dict[str, list[str]]
    rows: list[int]  # spreadsheet row number of each data row
    header_row: int = 1
    extra: dict[str, object] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)

    def has(self, column: str) -> bool:
        return column in self.columns

    def col(self, column: str) -> list[str]:
        """The column's cells (``""`` for every row when the column is absent)."""
        values = self.columns.get(column)
        return values if values is not None else [""] * len(self.rows)


def detect_delimiter(line: str) -> str:
    """``;`` when the header line has more semicolons than commas (outside quotes), else ``,``."""
    bare = _QUOTED.sub("", line)
    return ";" if bare.count(";") > bare.count(",") else ","


def _utf8(data: bytes, source: str, problems: Problems) -> str | None:
    if data.startswith(b"PK\x03\x04"):
        problems.add(
            source,
            None,
            None,
            "this is an Excel workbook, not a CSV file; in Excel, save it with Save As, "
            "'CSV UTF-8 (comma delimited)'",
        )
        return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:200].count(0) * 3 > len(data[:200]):
        problems.add(
            source,
            None,
            None,
            "the file is saved as UTF-16 ('Unicode Text'); save it again as 'CSV UTF-8' "
            "(in Excel: Save As, 'CSV UTF-8 (comma delimited)')",
        )
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row, column, cell = _bad_byte_cell(data, exc.start)
        shown = f" ('{cell}')" if cell else ""
        problems.add(
            source,
            row,
            column,
            f"the file is not UTF-8 text: this cell{shown} is the first with a character "
            "saved in another encoding; save the file again as 'CSV UTF-8' "
            "(in Excel: Save As, 'CSV UTF-8 (comma delimited)')",
        )
        return None


def _bad_byte_cell(data: bytes, pos: int) -> tuple[int, str | None, str]:
    """Row (1-based), column name (or letter) and text of the cell holding byte ``pos`` of a
    CSV file that is not UTF-8; the text as Windows-1252, which is what such files usually
    are."""
    start = data.rfind(b"\n", 0, pos) + 1
    end = data.find(b"\n", pos)
    end = len(data) if end < 0 else end
    row = data.count(b"\n", 0, pos) + 1
    line = data[start:end].decode("cp1252", errors="replace").rstrip("\r")
    head_end = data.find(b"\n")
    header_line = (
        data[: head_end if head_end >= 0 else len(data)]
        .decode("utf-8-sig", errors="replace")
        .rstrip("\r")
    )
    delimiter = detect_delimiter(header_line)
    before = data[start:pos].decode("cp1252", errors="replace")
    bare = _QUOTED.sub("", before)
    if '"' in bare:  # the cell is quoted and not closed yet
        bare = bare[: bare.index('"')]
    index = bare.count(delimiter)
    try:
        cells = next(csv.reader([line], delimiter=delimiter))
        names = next(csv.reader([header_line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        cells, names = [], []
    cell = cells[index].strip() if index < len(cells) else ""
    name = names[index].strip() if row > 1 and index < len(names) else ""
    return row, name or _column_letter(index), cell


def read_csv(data: bytes, name: str, source: str, problems: Problems) -> Table | None:
    """Parse one CSV file; problems go to ``problems`` and the result is ``None`` if the file
    cannot be read at all."""
    text = _utf8(data, source, problems)
    if text is None:
        return None
    if not text.strip():
        problems.add(source, None, None, "this table is empty; it needs a header row and data rows")
        return None
    first, at_top = _first_line(text)
    sep_line = _SEP_LINE.match(first)
    if sep_line and at_top:
        # Excel's 'sep=;' first line names the separator; Excel does not show it as a row
        delimiter = sep_line.group(1)
        text = text.split("\n", 1)[1] if "\n" in text else ""
        if not text.strip():
            problems.add(
                source, None, None, "this table is empty; it needs a header row and data rows"
            )
            return None
        first, _ = _first_line(text)
    else:
        delimiter = detect_delimiter(first)
    if delimiter not in ",;":
        problems.add(source, None, None, _SEPARATOR_FIX)
        return None
    if "\t" in first and "," not in first and ";" not in first:
        problems.add(source, 1, None, "the columns are separated by tabs; " + _SEPARATOR_FIX)
        return None
    records: list[list[str]]
    if '"' not in text:
        # Without quotes a CSV row is its line split at the delimiter (what csv.reader does,
        # only faster).
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        table = _build_regular(lines, text, name, source, delimiter)
        if table is not None:
            return table
        records = [line.split(delimiter) for line in lines]
    else:
        records = []
        try:
            records.extend(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            problems.add(source, len(records) + 1, None, f"cannot read this row as CSV ({exc})")
            return None
        if records and text.count('"') % 2 and any("\n" in c for c in records[-1]):
            # an opening quote that is never closed: the rest of the file is one cell
            index = next(j for j, c in enumerate(records[-1]) if "\n" in c)
            head = next((r for r in records if any(c.strip() for c in r)), [])
            column = head[index].strip() if index < len(head) else ""
            problems.add(
                source,
                len(records),
                column or _column_letter(index),
                'a double quote (") opens this cell but is never closed, so the rest of the file '
                "is read as part of it; add the closing quote, or remove the opening one",
            )
            return None
    return _build(records, name, source, problems, delimiter)


def _first_line(text: str) -> tuple[str, bool]:
    """The first line of ``text`` that is not blank (as ``str.splitlines`` splits it), and
    whether it is the very first line; only the start of a long text is split.

    >>> _first_line("\\n  \\na;b\\nc"), _first_line("a\\r\\nb")
    (('a;b', False), ('a', True))
    """
    size = 4096
    while True:
        whole = size >= len(text)
        lines = text[:size].splitlines()
        complete = lines if whole else lines[:-1]  # the chunk's last line may go on
        for k, line in enumerate(complete):
            if line.strip():
                return line, k == 0
        if whole:
            raise ValueError("the text is blank")
        size *= 16


def _build_regular(
    lines: list[str], text: str, name: str, source: str, delimiter: str
) -> Table | None:
    """The table of an unquoted CSV text (split into ``lines``) in the usual case, without a
    Python step per row: a header of distinct names on the first line, then rows with as many
    cells as it has, no blank row. ``None`` otherwise, and :func:`_build` reads the lines
    one by one and says what is wrong (the result is the same table where both apply)."""
    header = [c.strip() for c in lines[0].split(delimiter)]
    if not all(header) or len(set(header)) != len(header):
        return None
    ends_with_newline = lines[-1] == ""
    body = lines[1:-1] if ends_with_newline else lines[1:]
    width = len(header)
    if not body or "" in body:
        return None
    if list(map(str.count, body, repeat(delimiter))).count(width - 1) != len(body):
        return None
    cells = text[len(lines[0]) + 1 : -1 if ends_with_newline else None]
    flat = cells.replace("\n", delimiter).split(delimiter)
    columns: dict[str, list[str]] = {}
    for j, col in enumerate(header):
        columns[col] = list(map(str.strip, flat[j::width]))
    if all("" in values for values in columns.values()):
        return None  # perhaps a row of empty cells (a blank row): read row by row
    return Table(
        name=name,
        source=source,
        header=header,
        columns=columns,
        rows=list(range(2, len(body) + 2)),
    )


def _build(
    records: list[list[str]],
    name: str,
    source: str,
    problems: Problems,
    delimiter: str = "",
) -> Table | None:
    """A :class:`Table` from raw records (cells not yet stripped); record ``i`` is
    spreadsheet row ``i + 1``."""
    h = 0
    while h < len(records) and not any(c.strip() for c in records[h]):
        h += 1
    if h == len(records):
        problems.add(source, None, None, "this table is empty; it needs a header row and data rows")
        return None
    header = [c.strip() for c in records[h]]
    header_row = h + 1
    while header and not header[-1]:
        header.pop()
    width = len(header)
    ok = True
    seen: set[str] = set()
    for j, col in enumerate(header):
        if not col:
            problems.add(
                source,
                header_row,
                _column_letter(j),
                "this column has no name in the header row; name it or delete the column",
            )
            ok = False
        elif col in seen:
            problems.add(
                source,
                header_row,
                col,
                f"the column '{col}' appears twice in the header row; keep one",
            )
            ok = False
        seen.add(col)
    if not ok:
        return None

    quote_hint = (
        " (the file is separated by ';', so a cell holding ';', like a list of choices, must be "
        'in double quotes: "S1;S2")'
        if delimiter == ";"
        else ""
    )
    rows: list[int] = []
    data: list[list[str]] = []
    for number, record in enumerate(records[h + 1 :], start=h + 2):
        if len(record) != width:
            if len(record) > width:
                if any(c.strip() for c in record[width:]):
                    problems.add(
                        source,
                        number,
                        None,
                        f"this row has {len(record)} cells but the header has {width} "
                        f"column{'s' if width != 1 else ''}; "
                        "remove the extra cells or add a column name" + quote_hint,
                    )
                    continue
                record = record[:width]
            else:
                record = record + [""] * (width - len(record))
        if not any(record):
            continue
        rows.append(number)
        data.append(record)
    columns: dict[str, list[str]] = {}
    stripped = False
    for col, values in zip(header, zip(*data, strict=True) if data else [()] * width, strict=True):
        clean = [v.strip() for v in values]
        if clean != list(values):
            stripped = True
        columns[col] = clean
    if stripped:  # rows of spaces only are blank rows too
        blank = [i for i, cells in enumerate(zip(*columns.values(), strict=True)) if not any(cells)]
        if blank:
            keep = sorted(set(range(len(rows))) - set(blank))
            rows = [rows[i] for i in keep]
            columns = {c: [v[i] for i in keep] for c, v in columns.items()}
    return Table(
        name=name, source=source, header=header, columns=columns, rows=rows, header_row=header_row
    )


def _column_letter(j: int) -> str:
    """Spreadsheet letter of the 0-based column ``j`` (0 -> A, 26 -> AA)."""
    out = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV export would show."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # 15 significant digits, as Excel shows the number and writes it to CSV: a share
        # computed as =1-0.7 is 0.3, not 0.30000000000000004
        return f"{value:.15g}"
    if isinstance(value, _dt.datetime | _dt.date | _dt.time):
        return value.isoformat()
    return str(value).strip()


def read_xlsx(
    data: bytes,
    file_name: str,
    wanted: tuple[str, ...],
    problems: Problems,
    caps: Caps | None = None,
) -> tuple[dict[str, Table], list[str]] | None:
    """The sheets named in ``wanted`` (matched without regard to case) of one workbook.

    Returns the tables and the names of all sheets, or ``None`` when the file cannot be
    opened or holds more than ``caps`` allow (:mod:`samen.io.workbook`: checked before a
    sheet is parsed, and again while parsing)."""
    import openpyxl  # imported here: only rounds given as a workbook pay for it

    caps = caps if caps is not None else Caps.from_env()
    if not check_workbook(data, file_name, wanted, caps, problems):
        return None
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or wrong file
        problems.add(
            file_name,
            None,
            None,
            "cannot open this file as an Excel workbook; open it in Excel (or LibreOffice) and "
            f"save it again as 'Excel Workbook (.xlsx)' (the error was: {exc})",
        )
        return None
    try:
        tables: dict[str, Table] = {}
        names = list(book.sheetnames)
        for sheet_name in names:
            key = sheet_name.strip().lower()
            if key not in wanted:
                continue
            source = f"{file_name}, sheet {sheet_name}"
            if key in tables:
                problems.add(
                    source, None, None, f"the workbook has two sheets named '{key}'; keep one"
                )
                continue
            ws = book[sheet_name]
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()
            records = _sheet_records(ws, source, caps, problems)
            if records is None:
                continue
            table = _build(records, key, source, problems)
            if table is not None:
                tables[key] = table
        return tables, names
    finally:
        book.close()


def _sheet_records(ws: Any, source: str, caps: Caps, problems: Problems) -> list[list[str]] | None:
    """The cells of a sheet as text, row by row; ``None`` (with a problem) as soon as the
    sheet has more rows than ``caps.rows`` or something right of ``caps.columns``. Empty cells
    right of the caps (formatting) are left out."""
    records: list[list[str]] = []
    for values in ws.iter_rows(min_row=1, values_only=True):
        if len(records) >= caps.rows:
            problems.add(source, None, None, rows_message(caps))
            return None
        if len(values) > caps.columns:
            extra = [j for j, v in enumerate(values) if j >= caps.columns and cell_text(v)]
            if extra:
                letter = _column_letter(extra[0])
                problems.add(source, len(records) + 1, letter, columns_message(caps, letter))
                return None
            values = values[: caps.columns]
        records.append([cell_text(v) for v in values])
    return records
