"""samen's words in Dutch, English and French: one set of gettext catalogues for everything
a person reads (the platform's pages, the council report), read without Django.

The catalogues are the ``.po`` files under :data:`LOCALE_DIR` (``<lang>/LC_MESSAGES/
django.po``): translators edit them, and the platform's Django reads the ``.mo`` files
:func:`compile_all` writes beside them. :func:`translation` reads a ``.po`` file directly
(compiled in memory, so a report never depends on a stale ``.mo``), or the ``.mo`` when an
installation ships no ``.po``. English is the language of the message ids; its catalogue
only holds the few texts that read better otherwise.

The compiler follows Python's ``Tools/i18n/msgfmt.py``: fuzzy and untranslated entries are
left out; contexts (``msgctxt``) and plural forms are kept.

>>> t = translation("nl")
>>> isinstance(t.gettext("Close the registration before allocating."), str)
True
"""

from __future__ import annotations

import ast
import gettext as _gettext
import io
import struct
from functools import cache
from pathlib import Path

#: where the catalogues are: the one place that names the folder
LOCALE_DIR = Path(__file__).resolve().parent / "web" / "locale"
#: the catalogue's domain (the file name without suffix)
DOMAIN = "django"
#: the languages samen speaks, Dutch first (the default)
LANGUAGES: tuple[str, ...] = ("nl", "en", "fr")


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


@cache
def translation(lang: str, locale_dir: Path = LOCALE_DIR) -> _gettext.GNUTranslations:
    """The catalogue of ``lang`` (one of :data:`LANGUAGES`), read once per process."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; samen speaks {', '.join(LANGUAGES)}")
    folder = locale_dir / lang / "LC_MESSAGES"
    po = folder / f"{DOMAIN}.po"
    if po.is_file():
        data = mo_bytes(parse_po(po.read_text(encoding="utf-8")))
    else:
        data = (folder / f"{DOMAIN}.mo").read_bytes()
    return _gettext.GNUTranslations(io.BytesIO(data))


__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "compile_all",
    "compile_po",
    "mo_bytes",
    "parse_po",
    "translation",
]
