"""Limits on what a workbook may hold, checked before openpyxl parses it.

A small ``.xlsx`` can hold a million rows (a 572 KB file took 79 seconds to read) or unpack to
gigabytes (a zip bomb). :func:`check_workbook` refuses such a file in well under a second,
before a sheet is parsed: it reads the zip's directory (the uncompressed sizes, which also
bound what the zip reader will ever unpack) and streams through the XML of each sheet samen
reads, counting rows and cells without building them. While parsing, :func:`samen.io.tables.
read_xlsx` stops at the same caps, so a file that hides its size is refused all the same.

The caps (:class:`Caps`) come from the environment, the same for ``samen allocate`` and the
platform: ``SAMEN_SHEET_MAX_ROWS`` (200,000), ``SAMEN_SHEET_MAX_COLUMNS`` (50) and
``SAMEN_WORKBOOK_MAX_MB`` (512, the unpacked size of the whole workbook).
"""

from __future__ import annotations

import io
import os
import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from xml.etree import ElementTree

from samen.io.errors import Problems

SHEET_MAX_ROWS = 200_000
SHEET_MAX_COLUMNS = 50
WORKBOOK_MAX_MB = 512
#: a workbook's own parts (the sheet list) are small; a bigger one is not read for names
_PART_MAX_BYTES = 8 * 2**20
_CHUNK = 2**20

#: a row or cell element, with or without a namespace prefix (``<row ...>``, ``<x:c>``)
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row(?=[\s>/])([^>]*)>")
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c(?=[\s>/])")
_ROW_NUMBER = re.compile(rb"""\br\s*=\s*["'](\d+)["']""")


def _env_int(env: Mapping[str, str], name: str, default: int) -> int:
    """A positive whole number from the environment; anything else is the default."""
    try:
        value = int(env.get(name, "").strip())
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass(frozen=True)
class Caps:
    """The most a workbook may hold: rows and columns of a sheet, unpacked bytes in all."""

    rows: int = SHEET_MAX_ROWS
    columns: int = SHEET_MAX_COLUMNS
    unpacked_bytes: int = WORKBOOK_MAX_MB * 2**20

    @property
    def cells(self) -> int:
        return self.rows * self.columns

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Caps:
        """The caps the environment sets (``SAMEN_SHEET_MAX_ROWS``, ``SAMEN_SHEET_MAX_COLUMNS``,
        ``SAMEN_WORKBOOK_MAX_MB``); a missing or invalid value is the default."""
        env = os.environ if env is None else env
        return cls(
            rows=_env_int(env, "SAMEN_SHEET_MAX_ROWS", SHEET_MAX_ROWS),
            columns=_env_int(env, "SAMEN_SHEET_MAX_COLUMNS", SHEET_MAX_COLUMNS),
            unpacked_bytes=_env_int(env, "SAMEN_WORKBOOK_MAX_MB", WORKBOOK_MAX_MB) * 2**20,
        )


def rows_message(caps: Caps) -> str:
    return (
        f"this sheet has more than {caps.rows:,} rows, the most samen reads from a sheet "
        "(SAMEN_SHEET_MAX_ROWS); keep only the table on the sheet (delete the rows below it), "
        "or give the table as a CSV file"
    )


def cells_message(caps: Caps) -> str:
    return (
        f"this sheet has more than {caps.cells:,} cells ({caps.rows:,} rows of "
        f"{caps.columns} columns, SAMEN_SHEET_MAX_ROWS and SAMEN_SHEET_MAX_COLUMNS); delete the "
        "empty formatted cells right of and below the table, or give the table as a CSV file"
    )


def columns_message(caps: Caps, column: str) -> str:
    return (
        f"this sheet has something in column {column}, right of the {caps.columns} columns "
        "samen reads from a sheet (SAMEN_SHEET_MAX_COLUMNS); delete what is there, or give the "
        "table as a CSV file"
    )


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _part(zf: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _PART_MAX_BYTES:
        return None
    return zf.read(info)


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip member with its XML, from ``xl/workbook.xml`` and its
    relationships; empty when the workbook does not say (openpyxl then reports the file)."""
    book, rels = _part(zf, "xl/workbook.xml"), _part(zf, "xl/_rels/workbook.xml.rels")
    if book is None or rels is None:
        return {}
    try:
        targets = {
            el.get("Id", ""): el.get("Target", "")
            for el in ElementTree.fromstring(rels).iter()
            if _local(el.tag) == "Relationship"
        }
        out: dict[str, str] = {}
        for el in ElementTree.fromstring(book).iter():
            if _local(el.tag) != "sheet":
                continue
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), "")
            target = targets.get(rid, "")
            if not target:
                continue
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            out[el.get("name", "")] = str(PurePosixPath(path))
        return out
    except ElementTree.ParseError:
        return {}


def _scan(zf: zipfile.ZipFile, info: zipfile.ZipInfo, caps: Caps) -> str:
    """Stream through one sheet's XML: ``"rows"`` or ``"cells"`` when it holds more than the
    caps allow, else ``""``. Stops as soon as a cap is passed."""
    rows = cells = last = 0
    tail = b""
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            buf = tail + chunk
            if chunk:
                # keep an element that may go on in the next chunk for then
                cut = buf.rfind(b"<")
                cut = cut if cut >= 0 and len(buf) - cut < 4096 else len(buf)
                buf, tail = buf[:cut], buf[cut:]
            else:
                tail = b""
            found = _ROW.findall(buf)
            rows += len(found)
            if found:
                number = _ROW_NUMBER.search(found[-1])
                if number:
                    last = max(last, int(number.group(1)))
            cells += len(_CELL.findall(buf))
            if rows > caps.rows or last > caps.rows:
                return "rows"
            if cells > caps.cells:
                return "cells"
            if not chunk:
                return ""


def check_workbook(
    data: bytes, file_name: str, wanted: tuple[str, ...], caps: Caps, problems: Problems
) -> bool:
    """False (with a problem naming the file or sheet and the cap) when the workbook unpacks
    to more than ``caps.unpacked_bytes`` or a sheet in ``wanted`` (matched without regard to
    case) holds more rows or cells than the caps allow. A file that is not a readable zip
    passes: opening it reports what is wrong."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return True
    with zf:
        unpacked = sum(i.file_size for i in zf.infolist())
        if unpacked > caps.unpacked_bytes:
            problems.add(
                file_name,
                None,
                None,
                f"the workbook unpacks to {unpacked / 2**20:,.0f} MB, more than the "
                f"{caps.unpacked_bytes // 2**20:,} MB samen opens (SAMEN_WORKBOOK_MAX_MB); save "
                "only the round's sheets in a new workbook, or give the tables as CSV files",
            )
            return False
        ok = True
        for name, part in sheet_parts(zf).items():
            if name.strip().lower() not in wanted:
                continue  # openpyxl never parses a sheet samen does not ask for
            try:
                too_big = _scan(zf, zf.getinfo(part), caps)
            except (KeyError, zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
                continue  # a damaged part: opening the workbook reports it
            if too_big:
                source = f"{file_name}, sheet {name}"
                message = rows_message(caps) if too_big == "rows" else cells_message(caps)
                problems.add(source, None, None, message)
                ok = False
        return ok
