"""Database settings from a URL (``SAMEN_DATABASE_URL`` or ``DATABASE_URL``).

Supported: ``postgres://`` / ``postgresql://`` (PostgreSQL, needs psycopg) and ``sqlite:///``
(a path; ``sqlite:////abs/path`` for an absolute one, ``sqlite://:memory:`` in memory).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

SQLITE_OPTIONS: dict[str, Any] = {
    # wait for a lock instead of failing at once (the worker and the web process share the file)
    "timeout": 20,
    # take the write lock when a transaction starts, so two writers never deadlock
    "transaction_mode": "IMMEDIATE",
}


def sqlite_database(path: str) -> dict[str, Any]:
    """Django settings for the SQLite database file ``path``."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": dict(SQLITE_OPTIONS),
        "ATOMIC_REQUESTS": False,
    }


def database_from_url(url: str) -> dict[str, Any]:
    """Django ``DATABASES['default']`` for ``url``.

    >>> database_from_url("postgres://u:p%40ss@db.example:5433/samen?sslmode=require")["OPTIONS"]
    {'sslmode': 'require'}
    >>> database_from_url("sqlite:///samen.sqlite3")["NAME"]
    'samen.sqlite3'
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        if parts.netloc == ":memory:" or parts.path in ("", "/:memory:"):
            return sqlite_database(":memory:")
        path = unquote(parts.path)
        # sqlite:///relative -> "/relative" -> "relative"; sqlite:////abs -> "//abs" -> "/abs"
        return sqlite_database(path[1:] if path.startswith("/") else path)
    if scheme in ("postgres", "postgresql", "pgsql"):
        options = dict(parse_qsl(parts.query))
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "OPTIONS": options,
            "CONN_MAX_AGE": 60,
            "ATOMIC_REQUESTS": False,
        }
    raise ValueError(
        f"unsupported database URL scheme '{scheme}'; use postgres://USER:PASSWORD@HOST:PORT/NAME "
        "or sqlite:///PATH"
    )
