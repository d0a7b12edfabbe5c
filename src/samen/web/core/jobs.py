"""A small job queue in the database, worked off by ``samen web worker``.

Office actions that take long (allocating a large round; later admission chances and
reports) become a :class:`~samen.web.core.models.Job`; the worker claims the oldest waiting
job (``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers never take the
same job; on SQLite a conditional update does the same), runs its handler and stores the
outcome, which the office pages show.

Families' admission chances in big rounds are jobs too (kind ``chances``, queued by the
ranking page, :mod:`samen.web.core.chances`). They wait behind the office's jobs: the worker
takes the oldest office job first, and a chances job only when no office job waits. Their
outcome is not written to the audit log (a family's page view is no office action, and the
numbers are the family's own); a failure is logged.

The worker also sends the families' e-mail (:mod:`samen.web.core.mailer`): when no job waits,
and between jobs now and then, so e-mail never waits long behind a queue of jobs.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samen.web.core import audit
from samen.web.core.models import Job, Round

log = logging.getLogger("samen.worker")

Handler = Callable[[Job], dict[str, Any]]


class JobError(Exception):
    """A job cannot be done as it is: the message says why in plain words, ``problems``
    (file, row, column, message) list what to fix in its input."""

    def __init__(self, message: str, problems: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.problems = problems or []


#: the kind of the families' admission chances jobs (:mod:`samen.web.core.chances`)
CHANCES = "chances"
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that does jobs of ``kind``. Each module registers its own
    handlers, beside the code they run (:mod:`~samen.web.core.allocation`,
    :mod:`~samen.web.core.chances`, :mod:`~samen.web.core.reports`); the app imports them when
    Django starts (``CoreConfig.ready``)."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


def enqueue(
    kind: str, round: Round | None = None, params: dict[str, Any] | None = None, user: Any = None
) -> Job:
    """Queue a job; its messages will be in the language active now."""
    if kind not in HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    params = {"language": translation.get_language() or "nl", **(params or {})}
    return Job.objects.create(kind=kind, round=round, params=params, created_by=user)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(name: str | None = None) -> Job | None:
    """Take the oldest waiting job, or None when there is none."""
    name = name or worker_name()
    for _attempt in range(5):
        with transaction.atomic():
            job = None
            for office in (True, False):  # the office's jobs before the families' chances
                qs = Job.objects.filter(status=Job.QUEUED)
                qs = (qs.exclude if office else qs.filter)(kind=CHANCES).order_by("id")
                if connection.features.has_select_for_update_skip_locked:
                    qs = qs.select_for_update(skip_locked=True)
                job = qs.first()
                if job is not None:
                    break
            if job is None:
                return None
            taken = Job.objects.filter(pk=job.pk, status=Job.QUEUED).update(
                status=Job.RUNNING, started_at=timezone.now(), worker=name[:120]
            )
        if taken:
            job.refresh_from_db()
            return job
    return None


def run(job: Job) -> Job:
    """Do ``job`` and store its outcome (done with a result, or failed with the reason)."""
    fn = HANDLERS.get(job.kind)
    with translation.override(job.params.get("language", "nl")):
        _run(job, fn)
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "result", "finished_at"])
    if job.kind == CHANCES:
        if job.status == Job.FAILED:
            log.warning("chances job %s failed: %s", job.pk, job.error.splitlines()[:1])
        return job
    audit.record(
        None,
        f"job.{job.status}",
        round=job.round,
        target=f"job {job.pk} ({job.kind})",
        after={"status": job.status, "result": job.result, "error": job.error[:500]},
    )
    return job


def _run(job: Job, fn: Handler | None) -> None:
    try:
        if fn is None:
            raise JobError(
                _("This version of samen cannot do jobs of the kind “%(kind)s”.")
                % {"kind": job.kind}
            )
        result = fn(job)
    except JobError as exc:
        job.status = Job.FAILED
        job.error = str(exc)
        job.result = {"problems": exc.problems} if exc.problems else {}
    except Exception as exc:  # the worker must go on with the next job
        # the office reads the reason; the traceback is for whoever runs the worker (its log)
        log.exception("job %s failed", job.pk)
        job.status = Job.FAILED
        job.error = _(
            "The job stopped because of an unexpected error (%(error)s). The worker's log has "
            "the details; try again, and tell whoever runs samen if it happens again."
        ) % {"error": f"{type(exc).__name__}: {exc}"[:300]}
    else:
        job.status = Job.DONE
        job.result = result


def work(
    once: bool = False,
    poll: float = 2.0,
    max_jobs: int | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> int:
    """Work off jobs, and send the e-mail that is due (:class:`samen.web.core.mailer.Outbox`)
    when no job waits, or between jobs at most every ``poll`` seconds; with ``once`` stop when
    the queue is empty and no e-mail is due. Returns how many jobs ran."""
    from samen.web.core.mailer import Outbox

    done = 0
    name = worker_name()
    outbox = Outbox(name)
    while True:
        if should_stop is not None and should_stop():
            return done
        job = claim(name)
        if job is None:
            if outbox.tick():
                continue
            if once:
                return done
            time.sleep(poll)
            continue
        log.info("job %s (%s) started", job.pk, job.kind)
        run(job)
        log.info("job %s (%s) %s", job.pk, job.kind, job.status)
        done += 1
        if max_jobs is not None and done >= max_jobs:
            return done
        if time.monotonic() - outbox.last_tick >= poll:
            outbox.tick()  # e-mail goes on while a long queue of jobs is worked off


# --------------------------------------------------------------------------- the council report

#: the other lottery draws of the report's 95% ranges (``samen report --draws``)
REPORT_DRAWS = 100


def report_path(job: Job) -> Path:
    """Where the HTML file of a ``report`` job is kept: ``reports/`` in the data folder, which
    the worker and the web server share (as they share the secret key file)."""
    from django.conf import settings

    return Path(settings.DATA_DIR) / "reports" / f"report-{int(job.pk)}.html"


def report_draws() -> int:
    """``SAMEN_REPORT_DRAWS`` (a Django setting or an environment variable), default 100."""
    from django.conf import settings

    value = getattr(settings, "SAMEN_REPORT_DRAWS", None) or os.environ.get("SAMEN_REPORT_DRAWS")
    return int(value or REPORT_DRAWS)
