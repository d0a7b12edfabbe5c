"""Spreadsheet cells that a spreadsheet program would run as a formula (CSV/formula injection).

OWASP's rule: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
may be read as a formula by Excel, LibreOffice or Google Sheets, and a formula can fetch URLs or
run commands. :func:`neutralise` makes such a cell plain text by putting a ``'`` before it;
:func:`looks_like_formula` says whether a cell needs that.

>>> neutralise("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> neutralise("Sint-Jozef")
'Sint-Jozef'
>>> looks_like_formula("@SUM(A1)"), looks_like_formula("")
(True, False)
"""

from __future__ import annotations

#: the first characters that make a spreadsheet read a cell as a formula (OWASP)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: str) -> bool:
    """True when ``value`` starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return (OWASP's list for CSV injection)."""
    return value.startswith(FORMULA_STARTS)


def neutralise(value: str) -> str:
    """``value`` with a ``'`` in front when it :func:`looks_like_formula`, else unchanged:
    the cell a spreadsheet shows as text instead of running it."""
    return "'" + value if looks_like_formula(value) else value
