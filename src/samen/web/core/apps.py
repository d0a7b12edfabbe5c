"""The app configuration: SQLite in WAL mode on every new connection."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created


def sqlite_wal(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Readers do not block the writer (the worker) and the other way round."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=wal")
            cursor.execute("PRAGMA synchronous=normal")
            cursor.execute("PRAGMA foreign_keys=on")


class CoreConfig(AppConfig):
    name = "samen.web.core"
    label = "core"
    verbose_name = "samen"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        connection_created.connect(sqlite_wal, dispatch_uid="samen-sqlite-wal")
