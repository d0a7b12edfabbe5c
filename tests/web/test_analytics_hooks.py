"""The analytics in the platform: live admission chances on the ranking page
(:mod:`samen.web.core.chances`) and the council report on the office's run dashboard (a job of
kind ``report``)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from samen.web.core import jobs
from samen.web.core.chances import AdmissionChances, in_words, interval_text
from samen.web.core.models import HOME_IMPORTED, AuditEntry, Child, Choice, Job, Round, School
from samen.web.core.roles import add_staff
from samen.web.core.views.office import REPORT_CSP

from .conftest import register_child, sign_in


@pytest.fixture(autouse=True)
def _fast(settings: Any) -> None:
    settings.SAMEN_CHANCES_DRAWS = 60
    settings.SAMEN_CHANCES_MIN_CHILDREN = 20
    settings.SAMEN_REPORT_DRAWS = 5
    cache.clear()


def add_children(rnd: Round, n: int, seed: int = 7) -> list[Child]:
    """``n`` children of other families, with lists over the round's schools."""
    rng = random.Random(seed)
    schools = list(School.objects.filter(round=rnd).order_by("seq"))
    out = []
    for k in range(n):
        child = Child.objects.create(
            round=rnd,
            first_name=f"Other{k}",
            last_name="Family",
            seq=1000 + k,
            x=rng.uniform(0, 3000),
            y=rng.uniform(0, 500),
            home=HOME_IMPORTED,  # as if the office had imported them
            flags={"indicator": int(rng.random() < 0.3)},
        )
        listed = rng.sample(schools, rng.randint(1, 3))
        Choice.objects.bulk_create(
            Choice(child=child, school=s, rank=r) for r, s in enumerate(listed, start=1)
        )
        out.append(child)
    return out


def chances_of(response: Any) -> AdmissionChances | None:
    assert response.status_code == 200
    return response.context["chances"]


def test_words_and_interval() -> None:
    with translation.override("en"):
        assert in_words(0.7, 0.62, 0.77) == "about 7 in 10"
        assert in_words(0.0, 0.0, 0.012) == "less than 1 in 20"
        assert in_words(1.0, 0.988, 1.0) == "more than 19 in 20"
        assert in_words(0.03, 0.01, 0.08) == "less than 1 in 10"
        assert in_words(0.96, 0.93, 0.98) == "more than 9 in 10"
        assert interval_text(0.62, 0.7301) == "62% to 74%"
    with translation.override("nl"):
        assert in_words(0.7, 0.62, 0.77) == "ongeveer 7 op 10"
    with translation.override("fr"):
        assert in_words(0.7, 0.62, 0.77) == "environ 7 sur 10"


def test_chances_shown_on_an_open_round_with_enough_children(small_round, monkeypatch) -> None:
    import samen.analytics.chances as analytics

    calls = []
    real = analytics.what_if

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(analytics, "what_if", counting)
    add_children(small_round, 24)
    parent = sign_in(Client(), "ouder@samen.test")
    child = register_child(parent, small_round, schools=("A", "D", "B"))

    r = parent.get(f"/children/{child.pk}/")
    c = chances_of(r)
    assert c is not None and c.ready, c
    assert [s.school_code for s in c.schools] == ["A", "D", "B"]
    assert c.draws == 60
    total = c.no_school.probability
    for s in c.schools:
        for e in (s.seat, s.this_or_better):
            assert 0.0 <= e.lo <= e.probability <= e.hi <= 1.0
        total += s.seat.probability
    assert total == pytest.approx(1.0)
    assert c.schools[-1].this_or_better.probability == pytest.approx(1.0 - c.no_school.probability)
    assert calls and calls[0]["processes"] == 1
    html = r.content.decode()
    assert 'id="chances"' in html
    with translation.override("nl"):  # the page is in Dutch (the default language)
        for s in c.schools:
            assert s.seat.words in html
            assert s.seat.interval in html
        assert c.no_school.interval in html
    assert "95%" in html
    assert "Geen school op de lijst" in html
    # nothing of other families on the page
    for other in Child.objects.exclude(pk=child.pk):
        assert other.public_id not in html
        assert other.first_name not in html

    # reloading is cheap: cached per list; a changed list is computed again, at once
    parent.get(f"/children/{child.pk}/")
    assert len(calls) == 1
    school_b = School.objects.get(round=small_round, code="B")
    r = parent.post(
        f"/children/{child.pk}/choices/move/", {"school": school_b.code, "direction": "up"}
    )
    assert r.status_code == 302
    c2 = chances_of(parent.get(f"/children/{child.pk}/"))
    assert len(calls) == 2
    assert [s.school_code for s in c2.schools] == ["A", "B", "D"]


def test_an_edited_list_gives_what_a_fresh_round_gives(small_round, monkeypatch) -> None:
    """A school added after the round was read (D: seats by distance) gets the child's
    distance as the round folder computes it: the same numbers as reading the round again."""
    import samen.web.core.chances as hook

    builds = []
    real = hook._build_base
    monkeypatch.setattr(hook, "_build_base", lambda rnd: builds.append(rnd) or real(rnd))
    add_children(small_round, 24)
    parent = sign_in(Client(), "ouder@samen.test")
    child = register_child(parent, small_round, schools=("A", "B"))
    assert chances_of(parent.get(f"/children/{child.pk}/")).ready
    school_d = School.objects.get(round=small_round, code="D")
    assert parent.post(f"/children/{child.pk}/choices/add/", {"school": school_d.pk}).status_code
    edited = chances_of(parent.get(f"/children/{child.pk}/"))
    assert [s.school_code for s in edited.schools] == ["A", "B", "D"]
    assert len(builds) == 1  # the list went into the round read before, with what_if
    cache.clear()
    fresh = chances_of(parent.get(f"/children/{child.pk}/"))
    assert len(builds) == 2
    assert edited.schools == fresh.schools and edited.no_school == fresh.no_school
    assert not edited.distance_unknown


def test_no_numbers_with_too_few_children(small_round) -> None:
    add_children(small_round, 5)
    parent = sign_in(Client(), "ouder@samen.test")
    child = register_child(parent, small_round, schools=("A", "B"))
    r = parent.get(f"/children/{child.pk}/")
    c = chances_of(r)
    assert c is not None and c.state == AdmissionChances.TOO_FEW and not c.schools
    html = r.content.decode()
    section = html[html.index('id="chances"') :]
    section = section[: section.index("</section>")]
    assert "20" in section and "<table" not in section and "%" not in section


def test_no_chances_when_the_registration_is_closed_or_the_round_too_large(
    small_round, settings
) -> None:
    add_children(small_round, 24)
    parent = sign_in(Client(), "ouder@samen.test")
    child = register_child(parent, small_round, schools=("A", "B"))
    settings.SAMEN_CHANCES_MAX_CHILDREN = 10
    settings.SAMEN_CHANCES_JOBS = 0  # with jobs: tests/web/test_chances_jobs.py
    c = chances_of(parent.get(f"/children/{child.pk}/"))
    assert c is not None and c.state == AdmissionChances.TOO_LARGE and not c.schools
    small_round.status = Round.CLOSED
    small_round.save(update_fields=["status"])
    r = parent.get(f"/children/{child.pk}/")
    assert chances_of(r) is None
    assert 'id="chances"' not in r.content.decode()


def test_a_parent_gets_no_chances_of_another_familys_child(small_round) -> None:
    add_children(small_round, 24)
    first = sign_in(Client(), "ouder1@samen.test")
    theirs = register_child(first, small_round, first="Noor", schools=("A", "B"))
    second = sign_in(Client(), "ouder2@samen.test")
    mine = register_child(second, small_round, first="Lars", house="2", schools=("C", "D"))
    assert second.get(f"/children/{theirs.pk}/").status_code == 404
    assert Client().get(f"/children/{theirs.pk}/").status_code == 302  # sign in first
    r = second.get(f"/children/{mine.pk}/")
    c = chances_of(r)
    assert c is not None and c.ready
    assert [s.school_code for s in c.schools] == ["C", "D"]
    html = r.content.decode()
    assert theirs.public_id not in html and "Noor" not in html


def _allocated_run(rnd: Round) -> Any:
    from samen.web.core.allocation import run_main

    rnd.status = Round.CLOSED
    rnd.seed = "test seed"
    rnd.save(update_fields=["status", "seed"])
    return run_main(rnd)


def test_the_council_report_as_a_job(small_round, office_client) -> None:
    add_children(small_round, 30)
    run = _allocated_run(small_round)
    url = f"/office/runs/{run.pk}/report/"
    page = office_client.get(f"/office/runs/{run.pk}/")
    assert page.status_code == 200 and page.context["report"]["done"] is None
    assert office_client.get(url).status_code == 404  # not made yet

    r = office_client.post(url)
    assert r.status_code == 302
    job = Job.objects.get(kind="report")
    assert r["Location"] == f"/office/jobs/{job.pk}/"
    assert job.params["run"] == run.pk
    assert office_client.post(url)["Location"] == r["Location"]  # one at a time
    assert Job.objects.filter(kind="report").count() == 1
    assert jobs.work(once=True) == 1
    job.refresh_from_db()
    assert job.status == Job.DONE, job.error
    assert job.result["run"] == run.pk and job.result["language"] == "nl"
    assert jobs.report_path(job).is_file()

    page = office_client.get(f"/office/runs/{run.pk}/")
    assert page.context["report"]["done"] == job
    assert f'href="{url}"' in page.content.decode()

    r = office_client.get(url)
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/html")
    assert r["Content-Disposition"].startswith("inline")
    assert r["Content-Security-Policy"] == REPORT_CSP
    body = b"".join(r.streaming_content).decode()
    assert body.lstrip().lower().startswith("<!doctype html")
    assert "<script" not in body.lower()
    assert AuditEntry.objects.filter(action="job.enqueue.report").exists()

    # made again: the dashboard opens the new one, the old file is gone
    office_client.post(url)
    assert jobs.work(once=True) == 1
    again = Job.objects.filter(kind="report").latest("id")
    assert again.status == Job.DONE, again.error
    assert office_client.get(f"/office/runs/{run.pk}/").context["report"]["done"] == again
    assert jobs.report_path(again).is_file() and not jobs.report_path(job).exists()
    assert office_client.get(url).status_code == 200
    assert AuditEntry.objects.filter(action="run.report").exists()

    # nobody but the office: parents and school viewers get a 403, visitors the sign-in page
    add_staff("viewer@samen.test", "school", ["A"], round=small_round)
    viewer = sign_in(Client(), "viewer@samen.test")
    parent = sign_in(Client(), "ouder@samen.test")
    for client in (viewer, parent):
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
        assert client.get(f"/office/runs/{run.pk}/").status_code == 403
    assert Client().get(url).status_code == 302
    assert Job.objects.filter(kind="report").count() == 2


def test_a_failed_report_is_shown(small_round, office_client) -> None:
    add_children(small_round, 22)
    run = _allocated_run(small_round)
    run.input_files = {}
    run.save(update_fields=["input_files"])
    office_client.post(f"/office/runs/{run.pk}/report/")
    assert jobs.work(once=True) == 1
    job = Job.objects.get(kind="report")
    assert job.status == Job.FAILED
    page = office_client.get(f"/office/runs/{run.pk}/")
    assert page.context["report"]["done"] is None
    assert f"/office/jobs/{job.pk}/" in page.content.decode()
    assert office_client.get(f"/office/runs/{run.pk}/report/").status_code == 404
