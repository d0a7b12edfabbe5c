"""Admission chances of big rounds as background jobs (:mod:`samen.web.core.chances`, kind
``chances`` in :mod:`samen.web.core.jobs`): with ``SAMEN_CHANCES_MAX_CHILDREN`` set low, a small
round counts as big."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from samen.web.core import jobs
from samen.web.core.chances import AdmissionChances
from samen.web.core.models import AuditEntry, Job, Round, School

from .conftest import register_child, sign_in
from .test_analytics_hooks import add_children, chances_of


@pytest.fixture(autouse=True)
def _big(settings: Any) -> None:
    settings.SAMEN_CHANCES_DRAWS = 20
    settings.SAMEN_CHANCES_MIN_CHILDREN = 20
    settings.SAMEN_CHANCES_MAX_CHILDREN = 10
    cache.clear()


def chances_jobs() -> Any:
    return Job.objects.filter(kind="chances")


def section(response: Any) -> str:
    html = response.content.decode()
    part = html[html.index('id="chances"') :]
    return part[: part.index("</section>")]


def work_off() -> int:
    done = 0
    while (job := jobs.claim("test")) is not None:
        jobs.run(job)
        done += 1
    return done


def test_a_big_round_queues_one_job_and_shows_its_numbers(small_round, settings) -> None:
    add_children(small_round, 26)
    parent = sign_in(Client(), "ouder@samen.test")
    child = register_child(parent, small_round, schools=("A", "D", "B"))

    r = parent.get(f"/children/{child.pk}/")
    c = chances_of(r)
    assert c is not None and c.pending and not c.schools and c.no_school is None
    assert c.job_status == Job.QUEUED
    part = section(r)
    assert "<table" not in part and "%" not in part
    assert "Stand: wacht." in part  # the page is in Dutch
    assert chances_jobs().count() == 1
    job = chances_jobs().get()
    assert job.round == small_round and job.created_by is None
    assert set(job.params) == {"child", "language", "codes"}
    assert job.params["child"] == child.pk and job.params["codes"] == ["A", "D", "B"]

    # a second view reuses the job
    assert chances_of(parent.get(f"/children/{child.pk}/")).pending
    assert chances_jobs().count() == 1

    # while the worker runs it, the page says so
    claimed = jobs.claim("test")
    assert claimed is not None and claimed.pk == job.pk
    c = chances_of(parent.get(f"/children/{child.pk}/"))
    assert c.pending and c.job_status == Job.RUNNING
    assert chances_jobs().count() == 1
    jobs.run(claimed)
    claimed.refresh_from_db()
    assert claimed.status == Job.DONE, claimed.error
    json.dumps(claimed.result)  # plain JSON
    assert not AuditEntry.objects.filter(target__contains="(chances)").exists()

    r = parent.get(f"/children/{child.pk}/")
    from_job = chances_of(r)
    assert from_job is not None and from_job.ready, from_job
    assert [s.school_code for s in from_job.schools] == ["A", "D", "B"]
    assert from_job.draws == 20
    assert "<table" in section(r)
    assert chances_jobs().count() == 1  # nothing new queued

    # the live path (a small round) gives exactly the same numbers for the same list
    settings.SAMEN_CHANCES_MAX_CHILDREN = 5000
    cache.clear()
    live = chances_of(parent.get(f"/children/{child.pk}/"))
    assert live is not None and live.ready
    assert live.schools == from_job.schools
    assert live.no_school == from_job.no_school
    assert live.draws == from_job.draws
    assert live.distance_unknown == from_job.distance_unknown
    assert chances_jobs().count() == 1


def test_a_changed_list_queues_a_new_job_and_hides_the_old_numbers(small_round) -> None:
    add_children(small_round, 26)
    parent = sign_in(Client(), "ouder@samen.test")
    child = register_child(parent, small_round, schools=("A", "B"))
    assert chances_of(parent.get(f"/children/{child.pk}/")).pending
    assert work_off() == 1
    assert chances_of(parent.get(f"/children/{child.pk}/")).ready
    old = chances_jobs().get()

    school_d = School.objects.get(round=small_round, code="D")
    assert parent.post(f"/children/{child.pk}/choices/add/", {"school": school_d.pk}).status_code
    r = parent.get(f"/children/{child.pk}/")
    c = chances_of(r)
    assert c.pending and not c.schools
    assert "<table" not in section(r)
    waiting = chances_jobs().filter(status=Job.QUEUED)
    assert waiting.count() == 1 and waiting.get().params["codes"] == ["A", "B", "D"]

    # another change while the job waits replaces its list: still one waiting job
    r = parent.post(f"/children/{child.pk}/choices/move/", {"school": "D", "direction": "up"})
    assert r.status_code == 302
    assert chances_of(parent.get(f"/children/{child.pk}/")).pending
    assert waiting.count() == 1 and waiting.get().params["codes"] == ["A", "D", "B"]

    assert work_off() == 1
    c = chances_of(parent.get(f"/children/{child.pk}/"))
    assert c.ready and [s.school_code for s in c.schools] == ["A", "D", "B"]
    # the worker removed the older job of this child
    assert not Job.objects.filter(pk=old.pk).exists()
    assert chances_jobs().count() == 1


def test_a_running_job_for_an_old_list_is_followed_by_one_waiting_job(small_round) -> None:
    add_children(small_round, 26)
    parent = sign_in(Client(), "ouder@samen.test")
    child = register_child(parent, small_round, schools=("A", "B"))
    assert chances_of(parent.get(f"/children/{child.pk}/")).pending
    running = jobs.claim("test")
    assert running is not None
    school_c = School.objects.get(round=small_round, code="C")
    assert parent.post(f"/children/{child.pk}/choices/add/", {"school": school_c.pk}).status_code
    for _ in range(2):
        assert chances_of(parent.get(f"/children/{child.pk}/")).pending
    assert chances_jobs().filter(status=Job.QUEUED).count() == 1
    jobs.run(running)  # the list changed: nothing computed, nothing shown
    running.refresh_from_db()
    assert running.status == Job.DONE and "p" not in running.result
    assert chances_of(parent.get(f"/children/{child.pk}/")).pending
    assert work_off() == 1
    c = chances_of(parent.get(f"/children/{child.pk}/"))
    assert c.ready and [s.school_code for s in c.schools] == ["A", "B", "C"]


def test_old_numbers_and_changed_details_are_not_shown(small_round, settings) -> None:
    add_children(small_round, 26)
    parent = sign_in(Client(), "ouder@samen.test")
    child = register_child(parent, small_round, schools=("A", "B"))
    parent.get(f"/children/{child.pk}/")
    work_off()
    assert chances_of(parent.get(f"/children/{child.pk}/")).ready
    settings.SAMEN_CHANCES_JOB_FRESH_SECONDS = 0  # every base is too old now
    assert chances_of(parent.get(f"/children/{child.pk}/")).pending
    assert chances_jobs().filter(status=Job.QUEUED).count() == 1
    settings.SAMEN_CHANCES_JOB_FRESH_SECONDS = 3600
    work_off()
    assert chances_of(parent.get(f"/children/{child.pk}/")).ready
    child.save()  # its details changed after the base was read
    assert chances_of(parent.get(f"/children/{child.pk}/")).pending


def test_a_failed_job_shows_the_failed_state(small_round, monkeypatch) -> None:
    import samen.web.core.chances as hook

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    add_children(small_round, 26)
    parent = sign_in(Client(), "ouder@samen.test")
    child = register_child(parent, small_round, schools=("A", "B"))
    parent.get(f"/children/{child.pk}/")
    monkeypatch.setattr(hook, "_compute", broken)
    work_off()
    assert chances_jobs().get().status == Job.FAILED
    r = parent.get(f"/children/{child.pk}/")
    c = chances_of(r)
    assert c.state == AdmissionChances.FAILED and not c.schools
    assert "<table" not in section(r)
    assert chances_jobs().count() == 1  # not retried at once


def test_another_parent_can_neither_see_nor_trigger_it(small_round) -> None:
    add_children(small_round, 26)
    first = sign_in(Client(), "ouder1@samen.test")
    theirs = register_child(first, small_round, first="Noor", schools=("A", "B"))
    second = sign_in(Client(), "ouder2@samen.test")
    assert second.get(f"/children/{theirs.pk}/").status_code == 404
    assert Client().get(f"/children/{theirs.pk}/").status_code == 302
    assert not chances_jobs().exists()
    assert chances_of(first.get(f"/children/{theirs.pk}/")).pending
    work_off()
    assert second.get(f"/children/{theirs.pk}/").status_code == 404
    mine = register_child(second, small_round, first="Lars", house="2", schools=("C", "D"))
    r = second.get(f"/children/{mine.pk}/")
    assert chances_of(r).pending  # its own job, not the other child's numbers
    assert "<table" not in section(r)
    assert chances_jobs().filter(params__child=mine.pk).count() == 1


def test_office_jobs_go_first_and_closed_rounds_compute_nothing(small_round) -> None:
    add_children(small_round, 26)
    parent = sign_in(Client(), "ouder@samen.test")
    child = register_child(parent, small_round, schools=("A", "B"))
    parent.get(f"/children/{child.pk}/")
    office = jobs.enqueue("report", small_round, params={"run": 0})
    first = jobs.claim("test")
    assert first is not None and first.pk == office.pk
    small_round.status = Round.CLOSED
    small_round.save(update_fields=["status"])
    chances = jobs.claim("test")
    assert chances is not None and chances.kind == "chances"
    jobs.run(chances)
    chances.refresh_from_db()
    assert chances.status == Job.DONE and "p" not in chances.result
    assert chances_of(parent.get(f"/children/{child.pk}/")) is None


def test_without_jobs_a_big_round_shows_no_chances(small_round, settings) -> None:
    settings.SAMEN_CHANCES_JOBS = 0
    add_children(small_round, 26)
    parent = sign_in(Client(), "ouder@samen.test")
    child = register_child(parent, small_round, schools=("A", "B"))
    c = chances_of(parent.get(f"/children/{child.pk}/"))
    assert c.state == AdmissionChances.TOO_LARGE
    assert not chances_jobs().exists()


def test_deleting_the_child_removes_its_jobs_and_the_office_does_not_list_them(
    small_round, office_client
) -> None:
    add_children(small_round, 26)
    parent = sign_in(Client(), "ouder@samen.test")
    child = register_child(parent, small_round, schools=("A", "D", "B"))
    assert chances_of(parent.get(f"/children/{child.pk}/")).pending
    assert chances_jobs().count() == 1
    # the office's job lists are for its own work, not the families' page views
    for url in ("/office/", f"/office/rounds/{small_round.slug}/"):
        r = office_client.get(url)
        assert r.status_code == 200
        assert not any(j.kind == "chances" for j in r.context["jobs"])
    r = parent.post(f"/children/{child.pk}/delete/", {"confirm": "yes"})
    assert r.status_code == 302
    assert not chances_jobs().exists()
