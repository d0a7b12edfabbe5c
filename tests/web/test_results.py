"""After the allocation: results with the reason and the lottery check, accept or decline,
and waiting-list rounds that never take a seat away."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.test import Client
from django.utils import timezone

from samen.web.core import jobs
from samen.web.core.models import AllocationRun, AuditEntry, Job, Placement, Round

from .conftest import register_child, sign_in


def allocate_and_publish(office_client, rnd, kind="allocate"):
    r = office_client.post(f"/office/rounds/{rnd.slug}/allocate/", {"kind": kind})
    assert r.status_code == 302
    assert jobs.work(once=True) == 1
    job = Job.objects.order_by("-id").first()
    assert job.status == Job.DONE, job.error
    run = AllocationRun.objects.get(pk=job.result["run"])
    r = office_client.post(f"/office/runs/{run.pk}/publish/")
    assert r.status_code == 302
    run.refresh_from_db()
    assert run.status == AllocationRun.PUBLISHED
    return run


@pytest.fixture
def allocated(small_round, office_client):
    """Six families want A, then B, then C (A and B have 2 seats each)."""
    families = []
    for k in range(6):
        c = sign_in(Client(), f"p{k}@samen.test")
        child = register_child(
            c, small_round, first=f"Kind{k}", house=str(k % 5 + 1), schools=("A", "B", "C")
        )
        families.append((c, child))
    slug = small_round.slug
    office_client.post(f"/office/rounds/{slug}/status/", {"action": "close"})
    r = office_client.post(f"/office/rounds/{slug}/seed/reveal/", {"seed": "test seed"})
    assert r.status_code == 302
    small_round.refresh_from_db()
    assert small_round.seed == "test seed"
    run = allocate_and_publish(office_client, small_round)
    return families, run


def _placement(child, run):
    return Placement.objects.get(run=run, child=child)


def test_result_page_explains_and_shows_the_lottery_check(allocated):
    families, run = allocated
    places = {child.pk: _placement(child, run) for _, child in families}
    counts = {}
    for p in places.values():
        counts[p.school.code] = counts.get(p.school.code, 0) + 1
    assert counts == {"A": 2, "B": 2, "C": 2}
    for client, child in families:
        p = places[child.pk]
        html = client.get(f"/children/{child.pk}/").content.decode()
        assert p.school.display_name in html
        # the lottery number is the start of SHA-256 of "SEED|ID"
        digest = hashlib.sha256(f"test seed|{child.public_id}".encode()).hexdigest()
        assert p.lottery == digest[:16]
        assert f"printf &#x27;%s&#x27; &#x27;test seed|{child.public_id}&#x27; | sha256sum" in html
        if p.choice_rank > 1:
            # why not A: every pool of A filled, the last child admitted came before
            assert p.explain[0]["school"] == "A"
            assert all(pool["cutoff"] is not None for pool in p.explain[0]["pools"])
            assert any(pool["after"] for pool in p.explain[0]["pools"])
            assert p.lottery in html


def test_accept_and_decline(allocated):
    families, run = allocated
    (c0, k0), (c1, k1) = families[0], families[1]
    c0.post(f"/children/{k0.pk}/answer/", {"answer": "accept"})
    c1.post(f"/children/{k1.pk}/answer/", {"answer": "decline", "confirm": "yes"})
    assert _placement(k0, run).response == Placement.ACCEPTED
    assert _placement(k1, run).response == Placement.DECLINED
    # an answer is final
    c0.post(f"/children/{k0.pk}/answer/", {"answer": "decline", "confirm": "yes"})
    assert _placement(k0, run).response == Placement.ACCEPTED
    # after the deadline nobody can answer
    Round.objects.filter(pk=run.round_id).update(
        acceptance_deadline=timezone.now() - dt.timedelta(minutes=1)
    )
    c2, k2 = families[2]
    c2.post(f"/children/{k2.pk}/answer/", {"answer": "accept"})
    assert _placement(k2, run).response == Placement.PENDING


def test_waiting_list_round_keeps_every_seat_and_moves_children_up(allocated, office_client):
    families, run = allocated
    places = {child.pk: _placement(child, run) for _, child in families}
    at_a = [k for _, k in families if places[k.pk].school.code == "A"]
    at_c = [k for _, k in families if places[k.pk].school.code == "C"]
    by_child = dict((k.pk, c) for c, k in families)
    # one child at A declines; everybody else accepts (or does not answer)
    decliner = at_a[0]
    by_child[decliner.pk].post(
        f"/children/{decliner.pk}/answer/", {"answer": "decline", "confirm": "yes"}
    )
    for _, k in families[:3]:
        if k.pk != decliner.pk:
            by_child[k.pk].post(f"/children/{k.pk}/answer/", {"answer": "accept"})
    waiting = allocate_and_publish(office_client, run.round, kind="waiting")
    assert waiting.number == 1
    new = {p.child_id: p for p in waiting.placements.select_related("school")}
    assert decliner.pk not in new
    for _, k in families:
        if k.pk == decliner.pk:
            continue
        old = places[k.pk]
        assert new[k.pk].school is not None, "a held seat was lost"
        assert new[k.pk].choice_rank <= old.choice_rank, "a child moved down"
        if new[k.pk].school_id == old.school_id:
            assert new[k.pk].response == old.response or old.response == Placement.PENDING
    # the free seat at A went to someone further down, and a seat at B to a child from C
    assert sum(1 for p in new.values() if p.school.code == "A") == 2
    assert any(new[k.pk].choice_rank < places[k.pk].choice_rank for k in at_c)
    # the family sees the new offer and can answer it
    moved = [
        k for _, k in families if k.pk in new and new[k.pk].school_id != places[k.pk].school_id
    ]
    assert moved
    k = moved[0]
    html = by_child[k.pk].get(f"/children/{k.pk}/").content.decode()
    assert new[k.pk].school.display_name in html
    assert AuditEntry.objects.filter(action="job.enqueue.waiting").exists()


def test_waiting_list_round_from_the_round_folder_is_verifiable(allocated, office_client, tmp_path):
    import io
    import zipfile

    from typer.testing import CliRunner

    from samen.cli import app

    families, run = allocated
    c, k = families[0]
    c.post(f"/children/{k.pk}/answer/", {"answer": "decline", "confirm": "yes"})
    waiting = allocate_and_publish(office_client, run.round, kind="waiting")
    assert "held-seat" in waiting.input_files["round.toml"]
    data = office_client.get(f"/office/runs/{waiting.pk}/download.zip").content
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(tmp_path)
    out = CliRunner().invoke(app, ["verify", str(tmp_path)])
    assert out.exit_code == 0, out.output


def test_expire_offers_after_the_deadline(allocated, office_client):
    _, run = allocated
    rnd = run.round
    r = office_client.post(f"/office/rounds/{rnd.slug}/expire/")
    assert Placement.objects.filter(response=Placement.EXPIRED).count() == 0  # too early
    Round.objects.filter(pk=rnd.pk).update(
        acceptance_deadline=timezone.now() - dt.timedelta(minutes=1)
    )
    r = office_client.post(f"/office/rounds/{rnd.slug}/expire/")
    assert r.status_code == 302
    assert Placement.objects.filter(run=run, response=Placement.EXPIRED).count() == 6
    assert AuditEntry.objects.filter(action="offers.expire").exists()


def test_results_stay_hidden_until_published(small_round, office_client):
    c = sign_in(Client(), "p@samen.test")
    child = register_child(c, small_round)
    slug = small_round.slug
    office_client.post(f"/office/rounds/{slug}/status/", {"action": "close"})
    office_client.post(f"/office/rounds/{slug}/seed/reveal/", {"seed": "test seed"})
    office_client.post(f"/office/rounds/{slug}/allocate/", {"kind": "allocate"})
    jobs.work(once=True)
    run = AllocationRun.objects.get()
    assert run.status == AllocationRun.COMPUTED
    html = c.get(f"/children/{child.pk}/").content.decode()
    assert run.placements.get().lottery not in html


def test_other_families_cannot_see_or_answer_results(allocated):
    families, run = allocated
    (_, k0), (c1, _) = families[0], families[1]
    assert c1.get(f"/children/{k0.pk}/").status_code == 404
    assert (
        c1.post(f"/children/{k0.pk}/answer/", {"answer": "decline", "confirm": "yes"}).status_code
        == 404
    )
    assert _placement(k0, run).response == Placement.PENDING
    html = c1.get("/").content.decode()
    assert k0.first_name not in html
    # the school viewer sees names only of children placed at its school, after publication
    from samen.web.core.roles import add_staff

    add_staff("viewer@samen.test", "school", ["A"], round=run.round)
    viewer = sign_in(Client(), "viewer@samen.test")
    page = viewer.get(f"/school/{run.round.slug}/A/").content.decode()
    for _, k in families:
        placed_at_a = _placement(k, run).school.code == "A"
        assert (k.first_name in page) == placed_at_a


def test_twins_apply_together_and_share_a_number(small_round, office_client):
    c = sign_in(Client(), "twins@samen.test")
    slug = small_round.slug
    together = {"apply_together": "on"}
    kids = [
        register_child(c, small_round, first=name, house="2", extra=together)
        for name in ("Anna", "Bert")
    ]
    office_client.post(f"/office/rounds/{slug}/status/", {"action": "close"})
    office_client.post(f"/office/rounds/{slug}/seed/reveal/", {"seed": "test seed"})
    run = allocate_and_publish(office_client, small_round)
    assert "F1" in run.input_files["applicants.csv"]
    a, b = (_placement(k, run) for k in kids)
    assert a.school_id == b.school_id and a.lottery == b.lottery
    lead = min(kids, key=lambda k: k.public_id.encode())
    other = kids[1] if lead is kids[0] else kids[0]
    html = c.get(f"/children/{other.pk}/").content.decode()
    assert lead.public_id in html  # the check command uses the shared number's id
