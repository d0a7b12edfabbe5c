"""Cells of files meant for spreadsheets, made safe against formula injection.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some
programs, a tab or a carriage return) as a formula. A name such as ``=HYPERLINK(...)`` typed by
someone else would then run on the office's computer when it opens an export. OWASP's rule
(https://owasp.org/www-community/attacks/CSV_Injection): put a single quote before such a
cell, which makes the program show it as text.

Only exports meant for spreadsheets use this; the round folder itself is published exactly as
it was allocated.
"""

from __future__ import annotations

#: the first characters that make a spreadsheet read a cell as a formula (OWASP)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: str) -> bool:
    """True when a spreadsheet could read ``value`` as a formula.

    >>> looks_like_formula("=1+1"), looks_like_formula("Anna"), looks_like_formula("")
    (True, False, False)
    """
    return value.startswith(FORMULA_STARTS)


def neutralise(value: str) -> str:
    """``value`` with a ``'`` in front when it looks like a formula, else unchanged.

    >>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise("@SUM(A1)"), neutralise("Anna")
    ('\\'=HYPERLINK("http://x")', "'@SUM(A1)", 'Anna')
    """
    return "'" + value if looks_like_formula(value) else value
