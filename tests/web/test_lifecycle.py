"""The round's life cycle, rule by rule (``samen.web.core.lifecycle``): an import keeps no seed,
the registration never opens again once the seed is public, nothing the allocation reads
changes after the draw (office edits, every family path, the fast list path), the worker
allocates only with the committed seed, voiding a draw stays public, archiving needs its
confirmation page, and every step is in the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.test import Client
from django.utils import timezone

from samen.io.round import read_round
from samen.web.core import family, jobs, lifecycle
from samen.web.core.models import (
    AllocationRun,
    AuditEntry,
    Child,
    Choice,
    Job,
    PledgeGroup,
    Priority,
    Question,
    Round,
    School,
)

from .conftest import EXAMPLE, register_child, sign_in
from .test_allocation import upload_example

SEED = "test seed"  # the small round's committed seed (conftest)


def fp(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


def step(client: Client, rnd: Round, action: str) -> int:
    return client.post(f"/office/rounds/{rnd.slug}/status/", {"action": action}).status_code


def draw(client: Client, rnd: Round, seed: str = SEED) -> None:
    """Close the registration and reveal the seed."""
    assert step(client, rnd, "close") == 302
    r = client.post(f"/office/rounds/{rnd.slug}/seed/reveal/", {"seed": seed})
    assert r.status_code == 302, r.content.decode()[:2000]
    rnd.refresh_from_db()
    assert rnd.seed == seed


def allocate(client: Client, rnd: Round) -> AllocationRun:
    r = client.post(f"/office/rounds/{rnd.slug}/allocate/", {"kind": "allocate"})
    assert r.status_code == 302
    assert jobs.work(once=True) == 1
    job = Job.objects.order_by("-id").first()
    assert job.status == Job.DONE, job.error
    return AllocationRun.objects.get(pk=job.result["run"])


def actions() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


# --------------------------------------------------------------------------- import


def test_an_import_keeps_no_seed(office_client):
    r = upload_example(office_client)
    assert r.status_code == 302
    rnd = Round.objects.get()
    assert rnd.status == Round.DRAFT
    assert (rnd.seed, rnd.seed_commitment, rnd.seed_revealed_at) == ("", "", None)
    assert not rnd.commitments.exists()
    imported = read_round(EXAMPLE).instance.seed
    entry = AuditEntry.objects.get(action="round.import", round=rnd)
    assert entry.after["imported_seed_fingerprint"] == fp(imported)
    assert imported not in str(entry.after)  # the fingerprint only, never the seed
    # nothing to draw or allocate with: the office must publish a fingerprint first
    assert step(office_client, rnd, "open") == 302
    r = office_client.post(
        f"/office/rounds/{rnd.slug}/status/", {"action": "close"}, headers={"accept-language": "en"}
    )
    assert r.status_code == 409
    assert (
        "Publish the fingerprint of the seed before the registration closes" in r.content.decode()
    )
    rnd.refresh_from_db()
    assert rnd.status == Round.OPEN
    public = Client().get(f"/rounds/{rnd.slug}/draw/").content.decode()
    assert imported not in public
    # nor can the seed of round.toml be committed: whoever has the file knows it
    r = office_client.post(
        f"/office/rounds/{rnd.slug}/seed/commit/",
        {"seed": imported},
        headers={"accept-language": "en"},
    )
    assert r.status_code == 409 and "seed of the imported round.toml" in r.content.decode()
    rnd.refresh_from_db()
    assert rnd.seed_commitment == "" and rnd.seed == ""


def test_the_import_page_says_the_seed_is_not_used(office_client):
    html = office_client.get("/office/rounds/import/", headers={"accept-language": "en"})
    assert "The seed in round.toml is not used" in html.content.decode()


# --------------------------------------------------------------------------- registration


def test_the_registration_never_reopens_once_the_seed_is_public(small_round, office_client):
    parent = sign_in(Client(), "p@samen.test")
    child = register_child(parent, small_round)
    draw(office_client, small_round)
    page = office_client.get(f"/office/rounds/{small_round.slug}/").content.decode()
    assert 'value="open"' not in page
    # moving the closing date (the way it was done before) does not help
    form = {
        "name": small_round.name,
        "mechanism": small_round.mechanism,
        "tie_breaking": small_round.tie_breaking,
        "distance": small_round.distance,
        "priority_groups_text": "sibling",
        "default_pools_text": "other, 0.7, not:indicator, lottery\nindicator, 0.3, indicator, lottery",
        "languages_text": ["nl", "en", "fr"],
        "registration_closes": (timezone.now() + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
    }
    assert office_client.post(f"/office/rounds/{small_round.slug}/edit/", form).status_code == 302
    r = office_client.post(
        f"/office/rounds/{small_round.slug}/status/",
        {"action": "open"},
        headers={"accept-language": "en"},
    )
    assert r.status_code == 409
    assert "can never open again" in r.content.decode()
    small_round.refresh_from_db()
    assert small_round.status == Round.CLOSED and small_round.seed == SEED
    refused = AuditEntry.objects.get(action="round.open.refused")
    assert refused.actor.email == "office@samen.test" and refused.before["seed_revealed"]
    with pytest.raises(lifecycle.LifecycleError):
        lifecycle.open_registration(small_round)
    # and the family cannot register, change the list or delete the child
    r = parent.post(f"/children/{child.pk}/choices/order/", {"order": "B,A"})
    assert [c.school.code for c in child.choices.order_by("rank")] == ["A", "B"]
    assert parent.post(f"/children/{child.pk}/delete/").status_code == 302
    assert Child.objects.filter(pk=child.pk).exists()


def test_reopening_before_the_draw_needs_a_later_closing_date(small_round, office_client):
    assert step(office_client, small_round, "close") == 302
    small_round.refresh_from_db()
    assert small_round.registration_closes <= timezone.now()
    r = office_client.post(
        f"/office/rounds/{small_round.slug}/status/",
        {"action": "open"},
        headers={"accept-language": "en"},
    )
    assert r.status_code == 409 and "closing date" in r.content.decode()
    Round.objects.filter(pk=small_round.pk).update(
        registration_closes=timezone.now() + dt.timedelta(days=1)
    )
    assert step(office_client, small_round, "open") == 302
    assert step(office_client, small_round, "bogus") == 400


# --------------------------------------------------------------------------- the draw


def test_the_fingerprint_rules(small_round, office_client):
    slug = small_round.slug
    url = f"/office/rounds/{slug}/seed/commit/"
    en = {"accept-language": "en"}
    r = office_client.post(url, {"seed": "short"}, headers=en)
    assert r.status_code == 409 and "fewer than 12 characters" in r.content.decode()
    assert office_client.post(url, {"seed": "a new long seed 1"}).status_code == 302
    assert office_client.post(url, {"seed": "a new long seed 1"}).status_code == 409  # the same
    assert office_client.post(url, {"seed": "a new long seed 2"}).status_code == 302
    assert office_client.post(url, {"seed": ""}).status_code == 400
    small_round.refresh_from_db()
    history = lifecycle.history(small_round)
    assert [h.state for h in history] == ["replaced", "replaced", "current"]
    assert history[-1].fingerprint == fp("a new long seed 2")
    assert step(office_client, small_round, "close") == 302
    # after the close the fingerprint can no longer be replaced
    r = office_client.post(url, {"seed": "a new long seed 3"}, headers=en)
    assert r.status_code == 409 and "can no longer be replaced" in r.content.decode()
    small_round.refresh_from_db()
    assert small_round.seed_commitment == fp("a new long seed 2")
    assert AuditEntry.objects.filter(action="seed.commit.refused").count() == 3


def test_the_seed_is_revealed_once_and_only_the_committed_one(small_round, office_client):
    reveal = f"/office/rounds/{small_round.slug}/seed/reveal/"
    assert office_client.post(reveal, {"seed": SEED}).status_code == 409  # still open
    assert step(office_client, small_round, "close") == 302
    assert office_client.post(reveal, {"seed": "test seeD"}).status_code == 409
    mismatch = AuditEntry.objects.get(action="seed.reveal-mismatch")
    assert "test seeD" not in str(mismatch.after) and mismatch.round == small_round
    assert office_client.post(reveal, {"seed": SEED}).status_code == 302
    assert office_client.post(reveal, {"seed": SEED}).status_code == 409  # once
    small_round.refresh_from_db()
    assert small_round.seed == SEED and small_round.seed_revealed_at is not None
    [entry] = lifecycle.history(small_round)
    assert entry.state == "revealed" and entry.seed == SEED
    assert actions().count("seed.reveal") == 1


def test_voiding_a_draw_stays_on_the_public_page(small_round, office_client):
    parent = sign_in(Client(), "p@samen.test")
    register_child(parent, small_round)
    draw(office_client, small_round)
    run = allocate(office_client, small_round)
    url = f"/office/rounds/{small_round.slug}/seed/commit/"
    new = "the second draw seed"
    # a reason and the confirmation are needed
    assert office_client.post(url, {"seed": new, "confirm": "on"}).status_code == 400
    assert (
        office_client.post(url, {"seed": new, "reason": "School A has 3 seats"}).status_code == 400
    )
    # the voided seed can never be committed again
    r = office_client.post(url, {"seed": SEED, "reason": "again", "confirm": "on"})
    assert r.status_code == 409
    r = office_client.post(url, {"seed": new, "reason": "School A has 3 seats", "confirm": "on"})
    assert r.status_code == 302
    small_round.refresh_from_db()
    run.refresh_from_db()
    assert small_round.status == Round.CLOSED and small_round.seed == ""
    assert small_round.seed_commitment == fp(new)
    assert run.status == AllocationRun.DISCARDED
    voided, current = lifecycle.history(small_round)
    assert voided.state == "voided" and voided.seed == SEED and voided.fingerprint == fp(SEED)
    assert voided.reason == "School A has 3 seats" and voided.ended_at is not None
    assert current.state == "current" and current.fingerprint == fp(new)
    public = Client().get(f"/rounds/{small_round.slug}/draw/").content.decode()
    for text in (SEED, fp(SEED), fp(new), "School A has 3 seats"):
        assert text in public
    assert new not in public
    entry = AuditEntry.objects.get(action="seed.void")
    assert entry.after["voided_seed"] == SEED and entry.after["discarded_runs"] == [run.pk]
    # the inputs can be corrected now, then the draw is held again with the new seed
    assert not lifecycle.inputs_frozen(small_round)
    assert office_client.post(f"/office/runs/{run.pk}/publish/").status_code == 409
    r = office_client.post(f"/office/rounds/{small_round.slug}/seed/reveal/", {"seed": new})
    assert r.status_code == 302
    second = allocate(office_client, small_round)
    assert second.seed_commitment == fp(new)
    assert office_client.post(f"/office/runs/{second.pk}/publish/").status_code == 302
    # after publication a draw can no longer be voided
    r = office_client.post(url, {"seed": "a third seed 2027", "reason": "x", "confirm": "on"})
    assert r.status_code == 409
    small_round.refresh_from_db()
    assert small_round.status == Round.PUBLISHED and small_round.seed == new


# --------------------------------------------------------------------------- frozen inputs


def test_priorities_cannot_change_after_the_draw(small_round, office_client):
    parent = sign_in(Client(), "p@samen.test")
    child = register_child(parent, small_round)
    url = f"/office/rounds/{small_round.slug}/applicants/{child.public_id}/"
    assert step(office_client, small_round, "close") == 302
    # between the close and the draw the office still checks and sets priorities
    office_client.post(url, {"action": "add-priority", "school": "A", "group": "sibling"})
    prio = Priority.objects.get(child=child)
    r = office_client.post(f"/office/rounds/{small_round.slug}/seed/reveal/", {"seed": SEED})
    assert r.status_code == 302
    r = office_client.post(url, {"action": "add-priority", "school": "B", "group": "sibling"})
    assert r.status_code == 409
    r = office_client.post(url, {"action": "remove-priority", "priority": prio.pk})
    assert r.status_code == 409
    assert list(Priority.objects.filter(child=child)) == [prio]
    assert AuditEntry.objects.filter(action="inputs.edit.refused").count() == 2
    page = office_client.get(url).content.decode()
    assert 'value="add-priority"' not in page and 'value="remove-priority"' not in page


def test_schools_questions_and_rules_cannot_change_after_the_draw(small_round, office_client):
    draw(office_client, small_round)
    slug = small_round.slug
    r = office_client.post(f"/office/rounds/{slug}/schools/", {"code": "E", "capacity": 5})
    assert r.status_code == 409 and not School.objects.filter(code="E").exists()
    form = {
        "code": "Z",
        "name": "School Z",
        "capacity": 99,
        "pools-TOTAL_FORMS": 0,
        "pools-INITIAL_FORMS": 0,
        "pools-MIN_NUM_FORMS": 0,
        "pools-MAX_NUM_FORMS": 1000,
    }
    assert office_client.post(f"/office/rounds/{slug}/schools/A/", form).status_code == 409
    a = School.objects.get(round=small_round, code="A")
    assert (a.capacity, a.name) == (2, "School A")
    page = office_client.get(f"/office/rounds/{slug}/schools/A/").content.decode()
    assert "disabled" in page and 'type="submit" class="primary"' not in page
    questions = {
        "questions-TOTAL_FORMS": 1,
        "questions-INITIAL_FORMS": 0,
        "questions-MIN_NUM_FORMS": 0,
        "questions-MAX_NUM_FORMS": 1000,
        "questions-0-flag": "sibling_here",
        "questions-0-text_nl": "Broer of zus?",
    }
    assert office_client.post(f"/office/rounds/{slug}/questions/", questions).status_code == 409
    assert list(Question.objects.values_list("flag", flat=True)) == ["indicator"]
    # the rules are read-only; the dates, languages and retention stay editable
    deadline = timezone.localtime(timezone.now() + dt.timedelta(days=40))
    r = office_client.post(
        f"/office/rounds/{slug}/edit/",
        {
            "name": "Renamed",
            "mechanism": "immediate-acceptance",
            "tie_breaking": "multiple",
            "distance": "haversine",
            "priority_groups_text": "staff",
            "default_pools_text": "all, 1, , lottery",
            "languages_text": ["nl", "fr"],
            "acceptance_deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert r.status_code == 302
    small_round.refresh_from_db()
    assert small_round.name == "Test 2027" and small_round.mechanism == "deferred-acceptance"
    assert small_round.tie_breaking == "single" and small_round.distance == "euclidean"
    assert small_round.priority_groups == ["sibling"] and len(small_round.default_pools) == 2
    assert small_round.languages == ["nl", "fr"]
    assert timezone.localtime(small_round.acceptance_deadline).strftime(
        "%Y-%m-%dT%H:%M"
    ) == deadline.strftime("%Y-%m-%dT%H:%M")
    assert small_round.seed == SEED and small_round.status == Round.CLOSED


def test_a_settings_edit_never_undoes_the_draw(small_round, office_client):
    """The settings form saves its own fields only: a form opened before the draw and sent
    after it leaves the seed and the status alone."""
    assert step(office_client, small_round, "close") == 302
    from samen.web.core.forms import RoundForm

    stale = Round.objects.get(pk=small_round.pk)  # what a page opened now would hold
    r = office_client.post(f"/office/rounds/{small_round.slug}/seed/reveal/", {"seed": SEED})
    assert r.status_code == 302
    form = RoundForm(instance=stale)
    assert form.instance.seed == ""
    r = office_client.post(
        f"/office/rounds/{small_round.slug}/edit/",
        {
            "name": stale.name,
            "mechanism": stale.mechanism,
            "tie_breaking": stale.tie_breaking,
            "distance": stale.distance,
            "languages_text": ["nl"],
        },
    )
    assert r.status_code == 302
    small_round.refresh_from_db()
    assert small_round.seed == SEED and small_round.status == Round.CLOSED


def test_every_family_path_refuses_once_the_seed_is_public(small_round, office_client):
    """Even a round left open with a public seed (the state the life cycle never makes, e.g.
    data written before it): every way a family changes what the allocation reads refuses."""
    parent = sign_in(Client(), "p@samen.test")
    child = register_child(parent, small_round, schools=("A", "B", "C"))
    group = PledgeGroup.objects.create(
        round=small_round, group_id="g", name="G", target=School.objects.get(code="D"), threshold=2
    )
    Round.objects.filter(pk=small_round.pk).update(seed=SEED)  # open, and the seed public
    small_round.refresh_from_db()
    assert lifecycle.inputs_frozen(small_round) and not lifecycle.families_may_change(small_round)

    def lists() -> list[tuple[int, str, int]]:
        return sorted(Choice.objects.values_list("child_id", "school__code", "rank"))

    before = (lists(), Child.objects.count(), list(Child.objects.values()))
    d = School.objects.get(code="D")
    posts = [
        (
            f"/rounds/{small_round.slug}/register/",
            {
                "first_name": "X",
                "last_name": "Y",
                "birth_date": "2024-01-01",
                "postcode": "2800",
                "house_number": "2",
                "q_indicator": "1",
            },
        ),
        (
            f"/children/{child.pk}/edit/",
            {
                "first_name": "Other",
                "last_name": "Name",
                "birth_date": "2024-01-01",
                "postcode": "2800",
                "house_number": "3",
                "q_indicator": "1",
            },
        ),
        (f"/children/{child.pk}/choices/add/", {"school": d.pk}),
        (f"/children/{child.pk}/choices/move/", {"school": "C", "direction": "up"}),
        (f"/children/{child.pk}/choices/remove/", {"school": "A"}),
        (f"/children/{child.pk}/choices/order/", {"order": "C,B,A"}),
        (f"/children/{child.pk}/pledge/new/", {"name": "N", "target": d.pk, "threshold": 2}),
        (f"/pledge/{group.token}/", {"child": child.pk}),
        (f"/children/{child.pk}/pledge/leave/", {}),
        (f"/children/{child.pk}/delete/", {"confirm": "yes"}),
        ("/account/delete/", {"confirm": "yes"}),
    ]
    for url, data in posts:
        r = parent.post(url, data)
        assert r.status_code in (200, 302), (url, r.status_code)
    assert (lists(), Child.objects.count(), list(Child.objects.values())) == before
    assert not PledgeGroup.objects.exclude(pk=group.pk).exists()
    # and the services themselves, whatever calls them
    for call in (
        lambda: family.add(child, d),
        lambda: family.move(child, School.objects.get(code="C"), -1),
        lambda: family.remove(child, School.objects.get(code="A")),
        lambda: family.join(child, group),
        lambda: family.leave(child),
    ):
        with pytest.raises(lifecycle.RegistrationClosed):
            call()
    assert lists() == before[0]


def test_the_fast_list_path_refuses_after_the_draw_in_four_statements(small_round):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .test_fastpath import ORDER_STATEMENTS, _browser, _codes

    c, child, token = _browser(small_round)
    Round.objects.filter(pk=small_round.pk).update(seed=SEED)  # open, and the seed public
    with CaptureQueriesContext(connection) as queries:
        r = c.post(
            f"/children/{child.pk}/choices/order/",
            {"order": "C,A,B", "csrfmiddlewaretoken": token},
        )
    assert r.status_code == 302
    assert _codes(child) == ["A", "B", "C"]
    # the user and the one SELECT of the fast path; the rest only keeps the message for the
    # page (the session), as for any closed registration
    statements = [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" not in q["sql"] and "SAVEPOINT" not in q["sql"]
    ]
    assert len(statements) <= ORDER_STATEMENTS - 2, statements
    assert not any("core_choice" in s and not s.startswith("SELECT") for s in statements)
    assert family.set_order(child.parent_id, child.pk, ["C", "A", "B"]) == family.CLOSED
    # the UPDATE itself checks the round: a list read while the registration was open is not
    # written once it has closed
    Round.objects.filter(pk=small_round.pk).update(seed="", status=Round.CLOSED)
    choices = list(Choice.objects.filter(child=child).order_by("rank"))
    wrote = family._write_ranks(
        [child.pk], [(choices[0].pk, 3), (choices[2].pk, 1)], open_round=small_round.pk
    )
    assert wrote is False and _codes(child) == ["A", "B", "C"]
    Round.objects.filter(pk=small_round.pk).update(status=Round.OPEN)
    assert family.set_order(child.parent_id, child.pk, ["C", "A", "B"]) == family.ORDERED
    assert _codes(child) == ["C", "A", "B"]


# --------------------------------------------------------------------------- the worker


def test_the_worker_refuses_a_seed_that_does_not_match(small_round, office_client):
    parent = sign_in(Client(), "p@samen.test")
    register_child(parent, small_round)
    draw(office_client, small_round)
    r = office_client.post(
        f"/office/rounds/{small_round.slug}/allocate/",
        {"kind": "allocate"},
        headers={"accept-language": "en"},
    )
    assert r.status_code == 302
    # someone changes the seed in the database behind the life cycle's back
    Round.objects.filter(pk=small_round.pk).update(seed="a different seed")
    assert jobs.work(once=True) == 1
    job = Job.objects.get()
    assert job.status == Job.FAILED and "does not match the fingerprint" in job.error
    assert not AllocationRun.objects.exists()


def test_the_worker_refuses_when_the_draw_changed_meanwhile(small_round, office_client):
    parent = sign_in(Client(), "p@samen.test")
    register_child(parent, small_round)
    draw(office_client, small_round)
    r = office_client.post(
        f"/office/rounds/{small_round.slug}/allocate/",
        {"kind": "allocate"},
        headers={"accept-language": "en"},
    )
    assert r.status_code == 302
    # a second allocation cannot be queued while one waits
    r = office_client.post(f"/office/rounds/{small_round.slug}/allocate/", {"kind": "allocate"})
    assert r.status_code == 409 and Job.objects.count() == 1
    lifecycle.commit_seed(small_round, "the new draw seed", reason="wrong capacity")
    assert jobs.work(once=True) == 1
    job = Job.objects.get()
    assert job.status == Job.FAILED and "hold the draw first" in job.error
    assert not AllocationRun.objects.exists()
    # storing checks again, with the round locked: a run of another seed is never kept
    small_round.refresh_from_db()
    with pytest.raises(lifecycle.LifecycleError):
        lifecycle.store_run(small_round, fp(SEED), 0, lambda r: pytest.fail("stored"))


def test_a_run_keeps_the_fingerprint_it_used(small_round, office_client):
    parent = sign_in(Client(), "p@samen.test")
    register_child(parent, small_round)
    draw(office_client, small_round)
    run = allocate(office_client, small_round)
    assert run.seed_commitment == fp(SEED)
    assert f'seed = "{SEED}"' in run.input_files["round.toml"]
    small_round.refresh_from_db()
    assert small_round.status == Round.ALLOCATED
    # a run under review with another fingerprint is never published
    AllocationRun.objects.filter(pk=run.pk).update(seed_commitment=fp("other"))
    assert office_client.post(f"/office/runs/{run.pk}/publish/").status_code == 409
    run.refresh_from_db()
    assert run.status == AllocationRun.COMPUTED


# --------------------------------------------------------------------------- archiving


def test_archiving_needs_the_confirmation_page(small_round, office_client):
    parent = sign_in(Client(), "p@samen.test")
    register_child(parent, small_round)
    slug = small_round.slug
    page = office_client.get(f"/office/rounds/{slug}/archive/", headers={"accept-language": "en"})
    assert page.status_code == 200 and "Only a round whose registration is closed" in (
        page.content.decode()
    )
    assert (
        office_client.post(f"/office/rounds/{slug}/archive/", {"confirm": "on"}).status_code == 409
    )
    draw(office_client, small_round)
    run = allocate(office_client, small_round)
    assert office_client.post(f"/office/runs/{run.pk}/publish/").status_code == 302
    # the status form's archive button only leads to the confirmation page
    r = office_client.post(f"/office/rounds/{slug}/status/", {"action": "archive"})
    assert r.status_code == 302 and r["Location"] == f"/office/rounds/{slug}/archive/"
    small_round.refresh_from_db()
    assert small_round.status == Round.PUBLISHED
    page = office_client.get(r["Location"], headers={"accept-language": "en"}).content.decode()
    assert "can no longer accept or decline" in page and "cannot be undone" in page
    assert 'name="confirm"' in page
    # without the box ticked nothing happens
    r = office_client.post(f"/office/rounds/{slug}/archive/", {})
    assert r.status_code == 400
    small_round.refresh_from_db()
    assert small_round.status == Round.PUBLISHED
    assert AuditEntry.objects.filter(action="round.archive.refused").count() == 2
    r = office_client.post(f"/office/rounds/{slug}/archive/", {"confirm": "on"})
    assert r.status_code == 302
    small_round.refresh_from_db()
    assert small_round.status == Round.ARCHIVED
    entry = AuditEntry.objects.get(action="round.archive")
    assert entry.before["status"] == Round.PUBLISHED and entry.after["status"] == Round.ARCHIVED
    # archived: out of the public list, no answers, no more steps
    assert small_round.name not in Client().get("/").content.decode()
    assert not small_round.answers_are_open()
    assert lifecycle.allowed(small_round) == set()
    page = office_client.get(f"/office/rounds/{slug}/archive/", headers={"accept-language": "en"})
    assert "The round is archived." in page.content.decode() and 'name="confirm"' not in (
        page.content.decode()
    )
    assert (
        office_client.post(f"/office/rounds/{slug}/archive/", {"confirm": "on"}).status_code == 409
    )


def test_every_step_is_audited_once_with_before_and_after(small_round, office_client):
    parent = sign_in(Client(), "p@samen.test")
    register_child(parent, small_round)
    assert (
        office_client.post(
            f"/office/rounds/{small_round.slug}/seed/commit/", {"seed": "a fresh seed 2027"}
        ).status_code
        == 302
    )
    draw(office_client, small_round, "a fresh seed 2027")
    run = allocate(office_client, small_round)
    office_client.post(f"/office/runs/{run.pk}/publish/")
    steps = [
        a
        for a in actions()
        if (not a.startswith("job.") or a.startswith("job.enqueue")) and not a.startswith("totp.")
    ]
    assert steps == [
        "seed.commit",
        "round.close",
        "seed.reveal",
        "job.enqueue.allocate",
        "run.publish",
    ]
    assert actions().count("job.done") == 1
    reveal = AuditEntry.objects.get(action="seed.reveal")
    assert reveal.before["seed_revealed"] is False and reveal.after["seed_revealed"] is True
    assert reveal.after["seed"] == "a fresh seed 2027"
    assert reveal.actor.email == "office@samen.test" and reveal.after["note"]
    publish = AuditEntry.objects.get(action="run.publish")
    assert publish.after["run_seed_commitment"] == fp("a fresh seed 2027")


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_the_life_cycle_speaks_the_three_languages(small_round, office_client, lang):
    from django.utils import translation

    with translation.override("en"):
        english = [lifecycle.frozen_message(), *lifecycle.archive_consequences(small_round)]
    with translation.override(lang):
        assert lifecycle.frozen_message() not in english
        for text in lifecycle.archive_consequences(small_round):
            assert text not in english
    draw(office_client, small_round)
    headers = {"accept-language": lang}
    r = office_client.post(
        f"/office/rounds/{small_round.slug}/status/", {"action": "open"}, headers=headers
    )
    assert r.status_code == 409
    assert "can never open again" not in r.content.decode()
    assert {"nl": "nooit meer", "fr": "plus jamais"}[lang] in r.content.decode()
    page = Client().get(f"/rounds/{small_round.slug}/draw/", headers=headers).content.decode()
    assert {"nl": "Vingerafdruk", "fr": "Empreinte"}[lang] in page


def test_the_demo_publishes_a_fingerprint_of_a_new_seed(db):
    from samen.web.core import demo

    d = demo.load(EXAMPLE)
    rnd = d.round
    rnd.refresh_from_db()
    assert rnd.status == Round.OPEN and rnd.seed == ""
    assert d.seed != read_round(EXAMPLE).instance.seed and len(d.seed) >= lifecycle.MIN_SEED_LENGTH
    assert rnd.seed_commitment == fp(d.seed)
    assert [h.state for h in lifecycle.history(rnd)] == ["current"]
    assert actions()[:3] == ["round.import", "seed.commit", "round.open"]
    # the office holds the draw with the printed seed
    lifecycle.close_registration(rnd)
    lifecycle.reveal_seed(rnd, d.seed)
    rnd.refresh_from_db()
    assert rnd.seed == d.seed and lifecycle.inputs_frozen(rnd)
