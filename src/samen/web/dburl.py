"""Database settings from a URL (``SAMEN_DATABASE_URL`` or ``DATABASE_URL``).

Supported: ``postgres://`` / ``postgresql://`` (PostgreSQL, needs psycopg) and ``sqlite:///``
(a path; ``sqlite:////abs/path`` for an absolute one, ``sqlite://:memory:`` in memory).

On PostgreSQL, parameters are bound by the server and a statement run
``prepare_threshold`` times (5) on a connection is prepared there: PostgreSQL then parses and
plans it once per connection instead of at every request (it took more than half of the
database's CPU for a list submission). Behind a connection pooler in transaction mode that
does not keep prepared statements (PgBouncer before 1.21), add ``?prepare_threshold=none`` to
the URL; ``?server_side_binding=false`` goes back to psycopg's client-side binding.
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


#: PostgreSQL options unless the URL sets them (see the module's text)
POSTGRES_OPTIONS: dict[str, Any] = {"server_side_binding": True, "prepare_threshold": 5}


def _postgres_options(query: str) -> dict[str, Any]:
    options: dict[str, Any] = dict(POSTGRES_OPTIONS)
    for name, value in parse_qsl(query):
        if name == "server_side_binding":
            options[name] = value.strip().lower() in ("1", "true", "yes", "on")
        elif name == "prepare_threshold":
            options[name] = None if value.strip().lower() in ("", "none", "off") else int(value)
        else:
            options[name] = value
    return options


def database_from_url(url: str) -> dict[str, Any]:
    """Django ``DATABASES['default']`` for ``url``.

    >>> database_from_url("postgres://u:p%40ss@db.example:5433/samen?sslmode=require")["OPTIONS"]
    {'server_side_binding': True, 'prepare_threshold': 5, 'sslmode': 'require'}
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
        options = _postgres_options(parts.query)
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
