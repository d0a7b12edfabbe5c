"""Compiling the translations (.po to .mo) in pure Python, so a fresh machine needs no GNU
gettext. The logic follows Python's ``Tools/i18n/msgfmt.py``: fuzzy and untranslated entries
are left out; contexts and plural forms are kept.

``compile_all()`` runs before every ``samen web`` command and writes a .mo file only when its
bytes change.
"""

from __future__ import annotations

import ast
import struct
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def _unquote(line: str) -> str:
    # a .po string is a C string literal; Python's literal syntax reads it the same way
    return ast.literal_eval(line)


def parse_po(text: str) -> dict[bytes, bytes]:
    """The translations of a .po file as .mo keys and values (entries are separated by
    blank lines, as gettext and Django write them)."""
    messages: dict[bytes, bytes] = {}
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, str] = {}
        section = ""
        fuzzy = False
        for raw in block.splitlines():
            line = raw.strip()
            if not line:
                continue
            if line.startswith("#"):
                fuzzy = fuzzy or (line.startswith("#,") and "fuzzy" in line)
                continue
            if line.startswith('"'):
                if section:
                    fields[section] += _unquote(line)
                continue
            keyword, _, rest = line.partition(" ")
            section = keyword
            fields[section] = _unquote(rest.strip())
        if "msgid" not in fields or fuzzy:
            continue
        msgid = fields["msgid"]
        key = msgid if "msgctxt" not in fields else f"{fields['msgctxt']}\x04{msgid}"
        if "msgid_plural" in fields:
            forms = [fields[k] for k in sorted(f for f in fields if f.startswith("msgstr["))]
            if forms and all(forms):
                messages[(key + "\0" + fields["msgid_plural"]).encode()] = "\0".join(forms).encode()
        elif fields.get("msgstr"):
            messages[key.encode()] = fields["msgstr"].encode()
    return messages


def mo_bytes(messages: dict[bytes, bytes]) -> bytes:
    """A GNU .mo file (little-endian, no hash table) for ``messages``."""
    keys = sorted(messages)
    ids = b""
    strs = b""
    offsets = []
    for k in keys:
        offsets.append((len(ids), len(k), len(strs), len(messages[k])))
        ids += k + b"\0"
        strs += messages[k] + b"\0"
    n = len(keys)
    keystart = 7 * 4 + 16 * n
    valuestart = keystart + len(ids)
    koffsets: list[int] = []
    voffsets: list[int] = []
    for o1, l1, o2, l2 in offsets:
        koffsets += [l1, o1 + keystart]
        voffsets += [l2, o2 + valuestart]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, n, 7 * 4, 7 * 4 + n * 8, 0, 0)
    return (
        header
        + struct.pack(f"{len(koffsets)}i", *koffsets)
        + struct.pack(f"{len(voffsets)}i", *voffsets)
        + ids
        + strs
    )


def compile_po(po: Path) -> bool:
    """Write the .mo next to ``po``; True when it changed."""
    mo = po.with_suffix(".mo")
    data = mo_bytes(parse_po(po.read_text(encoding="utf-8")))
    if mo.is_file() and mo.read_bytes() == data:
        return False
    mo.write_bytes(data)
    return True


def compile_all(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Compile every .po under ``locale_dir``; returns the .mo files written."""
    written = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        try:
            if compile_po(po):
                written.append(po.with_suffix(".mo"))
        except OSError:  # a read-only installation keeps the .mo files it shipped with
            continue
    return written
