"""The app configuration: SQLite in WAL mode on every new connection."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_delete


def sqlite_wal(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Readers do not block the writer (the worker) and the other way round."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=wal")
            cursor.execute("PRAGMA synchronous=normal")
            cursor.execute("PRAGMA foreign_keys=on")


def forget_chances_jobs(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A deleted child (by its parent, with the account, or by the retention purge) leaves no
    chances job behind: those hold its id and its list."""
    from samen.web.core.chances import JOB_KIND
    from samen.web.core.models import Job

    Job.objects.filter(kind=JOB_KIND, params__child=instance.pk).delete()


class CoreConfig(AppConfig):
    name = "samen.web.core"
    label = "core"
    verbose_name = "samen"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # each module registers the job handlers it holds (samen.web.core.jobs.handler)
        from samen.web.core import (  # noqa: F401
            allocation,
            chances,
            maps,
            reports,
        )

        connection_created.connect(sqlite_wal, dispatch_uid="samen-sqlite-wal")
        post_delete.connect(
            forget_chances_jobs, sender="core.Child", dispatch_uid="samen-forget-chances-jobs"
        )
