"""The session store: Django's database sessions, read with one plain statement.

Sessions stay in the database table (``django_session``) exactly as Django keeps them, so
signing out, ``flush()`` and the retention purge end a session on the server at once, on every
worker. Only the read differs: Django's store builds the same ``SELECT`` through the ORM on
every request, which cost more CPU than the statement itself; this one is built once. Writes
(sign-in, messages, sign-out) are Django's own, and a request that does not change its session
(such as a parent's new order of the list) does not write it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    _sql: dict[str, str] = {}

    def load(self) -> dict[str, Any]:
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        sql = self._sql.get(alias)
        if sql is None:
            qn = connection.ops.quote_name
            sql = (
                f"SELECT {qn('session_data')} FROM {qn(self.model._meta.db_table)} "
                f"WHERE {qn('session_key')} = %s AND {qn('expire_date')} > %s"
            )
            self._sql[alias] = sql
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            # unknown or expired: as Django's store, a new session if one is saved
            self._session_key = None
            return {}
        data: dict[str, Any] = self.decode(row[0])
        return data
