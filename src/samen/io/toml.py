"""Reading TOML with checks: one reader for ``round.toml``, city configs and scenario specs.

:func:`read_toml` and :func:`parse_toml` turn a file or a text into a :class:`TomlDoc` (the
parsed tables and the line of every key), or add one :class:`~samen.io.errors.Problem` that
says where the file stops being TOML and how to fix it. A :class:`Checker` reads values from
the document with the checks every reader needs (text, a choice, a whole number, a share,
a table, unknown keys with a suggestion) and reports each problem with the file, the line
and the key. Keys are dotted paths; elements of arrays of tables are numbered from 1
(``variant.2.pledges.uptake``), and a user sees them without the numbers.

>>> from samen.io.errors import Problems
>>> problems = Problems()
>>> doc = parse_toml('seed = "s"\\n[[pools]]\\nname = "a"\\nshare = 2\\n', "x.toml", problems)
>>> doc.line("pools.1.share"), doc.line("pools.1.favours"), doc.line("seed")
(4, 2, 1)
>>> Checker(doc, problems).share(doc.data["pools"][0], "share", "pools.1.share", "pool a")
>>> [str(p) for p in problems.all()]
["x.toml, line 4, key pools.share: 'share' is 2; it must be a share from 0 to 1 (pool a)"]
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from samen.io.errors import Problem, Problems, suggest

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]#]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*(\"?)([A-Za-z0-9_\-.]+)\1\s*=")
_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True)
class TomlDoc:
    """A parsed TOML file: its tables (``data``) and the line of every key and table header
    by dotted path (``lines``)."""

    data: dict[str, Any]
    source: str
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)

    def line(self, path: str) -> int | None:
        """The line of ``path``, or of its nearest enclosing key or table."""
        parts = path.split(".")
        while parts:
            got = self.lines.get(".".join(parts))
            if got is not None:
                return got
            parts.pop()
        return None


def key_lines(text: str) -> dict[str, int]:
    """The line (1-based) of every table header and key of a TOML text, by dotted path;
    elements of arrays of tables are numbered from 1. The first line wins."""
    out: dict[str, int] = {}
    counts: dict[str, int] = {}
    current: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        m = _HEADER.match(line)
        if m:
            parts = [p.strip().strip('"') for p in m.group(2).split(".")]
            is_array = m.group(1) == "[["
            path: list[str] = []
            for i, p in enumerate(parts):
                path.append(p)
                prefix = ".".join(path)
                if is_array and i == len(parts) - 1:
                    counts[prefix] = counts.get(prefix, 0) + 1
                    path.append(str(counts[prefix]))
                elif prefix in counts:
                    path.append(str(counts[prefix]))
            current = path
            out.setdefault(".".join(path), number)
            continue
        k = _KEY.match(line)
        if k:
            out.setdefault(".".join([*current, k.group(2)]), number)
    return out


def display(path: str) -> str:
    """The key as a user reads it: ``variant.2.pledges.uptake`` -> ``variant.pledges.uptake``."""
    return ".".join(p for p in path.split(".") if not p.isdigit())


def decode(data: bytes, source: str, problems: Problems) -> str | None:
    """The text of a TOML file (UTF-8, a BOM is accepted), or None with a problem that names
    the line of the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.add(source, line, None, "the file is not UTF-8 text; save it as UTF-8")
        return None


def parse_toml(text: str, source: str, problems: Problems) -> TomlDoc | None:
    """The parsed ``text``, or None with one problem: the line and column where it stops
    being TOML and the likely fix."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _AT.search(msg)
        row = int(m.group(1)) if m else None
        bare = _AT.sub("", msg)
        if m:
            bare += f" at column {m.group(2)}"
        hint = "check the quotes, '=' signs and brackets; text values go in double quotes"
        if "Illegal character '\\n'" in msg:
            hint = "a text value has no closing double quote; add it"
        lines = text.splitlines()
        if row is not None and row - 1 < len(lines) and ";" in lines[row - 1]:
            hint = "write each key on its own line (';' does not separate keys in TOML)"
        problems.add(source, row, None, f"this is not valid TOML ({bare}); {hint}")
        return None
    return TomlDoc(data, source, key_lines(text))


def read_toml(path: str | Path, problems: Problems, source: str | None = None) -> TomlDoc | None:
    """The TOML file at ``path`` (named ``source`` in problems, default its name), or None
    with a problem: no such file, a folder, not UTF-8, not TOML."""
    p = Path(path)
    name = source or p.name
    if p.is_dir():
        problems.add(str(p), None, None, "this is a folder, not a TOML file; give the file")
        return None
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        problems.add(str(p), None, None, "there is no such file; check the path")
        return None
    except OSError as exc:
        problems.add(str(p), None, None, f"the file cannot be read: {exc.strerror or exc}")
        return None
    text = decode(data, name, problems)
    return parse_toml(text, name, problems) if text is not None else None


def type_text(value: Any) -> str:
    """A TOML value as a user wrote it, for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


class Checker:
    """Reads values of a :class:`TomlDoc` with checks; each problem carries the file, the
    line of the key (or of its table) and the key as the user reads it."""

    def __init__(self, doc: TomlDoc, problems: Problems):
        self.doc = doc
        self.problems = problems

    @property
    def source(self) -> str:
        return self.doc.source

    def add(self, path: str, message: str, key: str | None = None) -> None:
        """A problem at the key ``path`` (shown as ``key``, default the path without
        array numbers)."""
        shown = display(path) if key is None else key
        self.problems.append(Problem(self.source, self.doc.line(path), shown or None, message))

    def unknown(self, table: Mapping[str, Any], allowed: Sequence[str], prefix: str) -> None:
        """A problem for every key of ``table`` (at ``prefix``) that is not ``allowed``."""
        where = f"[{display(prefix[:-1])}]" if prefix else "the top level"
        for key in table:
            if key not in allowed:
                self.add(
                    f"{prefix}{key}",
                    f"unknown key '{key}'{suggest(key, allowed)}; the keys of {where} are "
                    + ", ".join(allowed),
                )

    def text(self, table: Mapping[str, Any], key: str, path: str, default: str) -> str:
        v = table.get(key, default)
        if not isinstance(v, str):
            self.add(path, f"'{key}' must be text in double quotes, not {type_text(v)}")
            return default
        return v

    def choice(
        self, table: Mapping[str, Any], key: str, path: str, options: Sequence[str]
    ) -> str | None:
        if key not in table:
            return None
        v = table[key]
        if not isinstance(v, str) or v not in options:
            hint = suggest(v, options) if isinstance(v, str) else ""
            self.add(
                path,
                f"unknown {key} {type_text(v)}{hint}; write one of " + ", ".join(options),
            )
            return None
        return v

    def integer(
        self, table: Mapping[str, Any], key: str, path: str, default: int | None, lo: int, what: str
    ) -> int | None:
        if key not in table:
            return default
        v = table[key]
        if isinstance(v, float) and v.is_integer():
            self.add(
                path, f"'{key}' must be a whole number; write it without decimals, as {int(v)}"
            )
            return default
        if isinstance(v, bool) or not isinstance(v, int):
            self.add(path, f"'{key}' must be a whole number ({what}), not {type_text(v)}")
            return default
        if v < lo:
            self.add(path, f"'{key}' is {v}; it must be {lo} or more ({what})")
            return default
        return v

    def share(
        self, table: Mapping[str, Any], key: str, path: str, what: str, required: bool = False
    ) -> float | None:
        if key not in table:
            if required:
                self.add(path, f"'{key}' is missing; give {what}, a number from 0 to 1")
            return None
        v = table[key]
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            self.add(path, f"'{key}' must be a number from 0 to 1 ({what}), not {type_text(v)}")
            return None
        if not 0 <= v <= 1:
            hint = f"; for {v:g}% write {v / 100:g}" if 5 <= v <= 100 else ""
            self.add(path, f"'{key}' is {v:g}; it must be a share from 0 to 1 ({what}){hint}")
            return None
        return float(v)

    def table(self, value: Any, path: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.add(
                path, f"'{display(path)}' must be a table: write [{display(path)}] above its keys"
            )
            return None
        return value


__all__ = [
    "Checker",
    "TomlDoc",
    "decode",
    "display",
    "key_lines",
    "parse_toml",
    "read_toml",
    "type_text",
]
