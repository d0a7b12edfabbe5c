"""The platform's translations: the catalogues of :mod:`samen.i18n` (one set for the platform
and the council report), compiled from .po to .mo in pure Python, so a fresh machine needs no
GNU gettext.

``compile_all()`` runs before every ``samen web`` command and writes a .mo file only when its
bytes change.
"""

from __future__ import annotations

from samen.i18n import LOCALE_DIR, compile_all, compile_po, mo_bytes, parse_po

__all__ = ["LOCALE_DIR", "compile_all", "compile_po", "mo_bytes", "parse_po"]
