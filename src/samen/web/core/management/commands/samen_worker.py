"""``samen web worker``: do the jobs in the job table (allocations, ...) and send the e-mail
to families that is due."""

from __future__ import annotations

import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from samen.web.core import jobs


class Command(BaseCommand):
    help = (
        "Work off the job queue (allocations) and send the e-mail that is due; runs until "
        "stopped, or with --once until nothing is left to do."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="Stop when the queue is empty and no e-mail is due.",
        )
        parser.add_argument("--poll", type=float, default=settings.SAMEN_WORKER_POLL)

    def handle(self, *args: Any, **options: Any) -> None:
        stop = {"now": False}

        def request_stop(signum: int, frame: Any) -> None:
            stop["now"] = True

        signal.signal(signal.SIGTERM, request_stop)
        self.stdout.write(f"samen worker {jobs.worker_name()} waiting for jobs")
        try:
            n = jobs.work(
                once=options["once"], poll=options["poll"], should_stop=lambda: stop["now"]
            )
        except KeyboardInterrupt:
            return
        self.stdout.write(f"{n} job(s) done")
