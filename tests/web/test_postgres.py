"""What only PostgreSQL can show: the suite really runs on it when asked, and workers in
parallel never take the same job (``SELECT ... FOR UPDATE SKIP LOCKED``).

``make test`` runs ``tests/web`` twice, the second time with ``SAMEN_TEST_DATABASE_URL`` set to
the server that ``scripts/postgres.sh`` starts; the PostgreSQL-only tests skip on SQLite."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from samen.web.core import jobs
from samen.web.core.models import Job

ON_POSTGRES = bool(os.environ.get("SAMEN_TEST_DATABASE_URL"))
postgres_only = pytest.mark.skipif(
    not ON_POSTGRES, reason="PostgreSQL only (SAMEN_TEST_DATABASE_URL is not set)"
)


def test_the_database_is_the_one_asked_for(db: Any) -> None:
    assert connection.vendor == ("postgresql" if ON_POSTGRES else "sqlite")
    if ON_POSTGRES:
        assert connection.features.has_select_for_update_skip_locked


def _in_thread(fn: Callable[[], Any]) -> threading.Thread:
    """Run ``fn`` in a thread with its own database connection, closed at the end."""

    def target() -> None:
        try:
            fn()
        finally:
            connection.close()

    t = threading.Thread(target=target, daemon=True)
    t.start()
    return t


@postgres_only
def test_a_worker_skips_the_job_another_worker_holds(transactional_db: Any) -> None:
    from django.db import transaction

    first = Job.objects.create(kind="allocate")
    second = Job.objects.create(kind="allocate")
    locked = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with transaction.atomic():
            Job.objects.select_for_update().get(pk=first.pk)
            locked.set()
            release.wait(20)

    holder = _in_thread(hold)
    assert locked.wait(20)
    got: list[Job | None] = []
    claimer = _in_thread(lambda: got.append(jobs.claim("w2")))
    claimer.join(10)
    release.set()
    holder.join(20)
    assert not claimer.is_alive(), "claim() waited for the locked row instead of skipping it"
    assert got and got[0] is not None and got[0].pk == second.pk
    assert Job.objects.get(pk=second.pk).status == Job.RUNNING
    assert Job.objects.get(pk=first.pk).status == Job.QUEUED


@postgres_only
def test_workers_in_parallel_never_take_the_same_job(transactional_db: Any) -> None:
    ids = {Job.objects.create(kind="allocate").pk for _ in range(40)}
    taken: list[list[int]] = [[] for _ in range(4)]

    def worker(k: int) -> Callable[[], None]:
        def loop() -> None:
            while (job := jobs.claim(f"w{k}")) is not None:
                taken[k].append(job.pk)

        return loop

    threads = [_in_thread(worker(k)) for k in range(4)]
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    every = [pk for part in taken for pk in part]
    assert sorted(every) == sorted(ids), "a job was taken twice or not at all"
    assert set(Job.objects.values_list("status", flat=True)) == {Job.RUNNING}
