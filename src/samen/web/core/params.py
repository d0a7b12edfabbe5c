"""Numbers from requests: a form or query value that is not a whole number the database can
hold is no number at all (the view then answers 404 or shows a form error), never an error
deep in a query."""

from __future__ import annotations

#: the largest id any database column holds (a signed 64-bit integer)
MAX_ID = 2**63 - 1


def id_param(value: object) -> int | None:
    """``value`` as a positive id, or None when it is not one (text, a list, a negative or
    too large number).

    >>> id_param("12"), id_param("abc"), id_param("-1"), id_param("9" * 30), id_param(None)
    (12, None, None, None, None)
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
