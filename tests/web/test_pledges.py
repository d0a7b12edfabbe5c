"""Pledge groups: start, invite, join (the school goes first), counts only, leave."""

from __future__ import annotations

from django.test import Client

from samen.web.core.models import PledgeGroup, Round

from .conftest import register_child, sign_in


def _start(client, child, threshold=2):
    r = client.post(
        f"/children/{child.pk}/pledge/new/",
        {
            "name": "Onze straat",
            "target": child.round.schools.get(code="C").pk,
            "threshold": threshold,
        },
    )
    assert r.status_code == 302, r.content.decode()[:1000]
    return PledgeGroup.objects.get(name="Onze straat")


def test_start_join_and_counts_only(small_round):
    a = sign_in(Client(), "a@samen.test")
    alice = register_child(a, small_round, first="Alice", schools=("A", "B"))
    group = _start(a, alice, threshold=3)
    assert [s.code for s in alice.school_list()] == ["C", "A", "B"]
    assert len(group.token) >= 32

    b = sign_in(Client(), "b@samen.test")
    bram = register_child(b, small_round, first="Bram", schools=("B", "C"))
    page = b.get(f"/pledge/{group.token}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Alice" not in html and "a@samen.test" not in html and alice.public_id not in html
    r = b.post(f"/pledge/{group.token}/", {"child": bram.pk})
    assert r.status_code == 302
    bram.refresh_from_db()
    assert bram.pledge_group == group
    assert [s.code for s in bram.school_list()] == ["C", "B"]  # target first, no repeat

    # both families see the count, never who
    for client, child, other in ((a, alice, "Bram"), (b, bram, "Alice")):
        html = client.get(f"/children/{child.pk}/").content.decode()
        assert "2" in html and other not in html
        assert group.token in html  # the invitation link
    html = Client().get(f"/pledge/{group.token}/").content.decode()
    assert "Alice" not in html and "Bram" not in html


def test_a_family_cannot_join_with_someone_elses_child(small_round):
    a = sign_in(Client(), "a@samen.test")
    alice = register_child(a, small_round, first="Alice")
    group = _start(a, alice)
    b = sign_in(Client(), "b@samen.test")
    bram = register_child(b, small_round, first="Bram")
    r = b.post(f"/pledge/{group.token}/", {"child": alice.pk})
    assert r.status_code == 404
    assert bram.pledge_group is None


def test_unknown_token_is_404(small_round):
    assert Client().get("/pledge/not-a-token/").status_code == 404


def test_leave_and_removing_the_school_leaves(small_round):
    a = sign_in(Client(), "a@samen.test")
    alice = register_child(a, small_round, first="Alice", schools=("A",))
    group = _start(a, alice)
    a.post(f"/children/{alice.pk}/pledge/leave/")
    alice.refresh_from_db()
    assert alice.pledge_group is None
    assert [s.code for s in alice.school_list()] == ["C", "A"]  # stays, as an ordinary choice
    a.post(f"/pledge/{group.token}/", {"child": alice.pk})
    alice.refresh_from_db()
    assert alice.pledge_group == group
    a.post(f"/children/{alice.pk}/choices/remove/", {"school": "C"})
    alice.refresh_from_db()
    assert alice.pledge_group is None


def test_pledge_school_stays_first(small_round):
    a = sign_in(Client(), "a@samen.test")
    alice = register_child(a, small_round, first="Alice", schools=("A", "B"))
    _start(a, alice)
    a.post(f"/children/{alice.pk}/choices/move/", {"school": "A", "direction": "up"})
    a.post(f"/children/{alice.pk}/choices/order/", {"order": "A,B,C"})
    assert alice.school_list()[0].code == "C"


def test_threshold_rules(small_round):
    a = sign_in(Client(), "a@samen.test")
    alice = register_child(a, small_round, first="Alice")
    target = small_round.schools.get(code="C")
    for bad in (1, target.capacity + 1):
        r = a.post(
            f"/children/{alice.pk}/pledge/new/",
            {"name": "G", "target": target.pk, "threshold": bad},
        )
        assert r.status_code == 200
    assert not PledgeGroup.objects.exists()


def test_no_joining_or_leaving_after_registration_closes(small_round):
    a = sign_in(Client(), "a@samen.test")
    alice = register_child(a, small_round, first="Alice")
    group = _start(a, alice)
    b = sign_in(Client(), "b@samen.test")
    bram = register_child(b, small_round, first="Bram")
    Round.objects.filter(pk=small_round.pk).update(status=Round.CLOSED)
    b.post(f"/pledge/{group.token}/", {"child": bram.pk})
    a.post(f"/children/{alice.pk}/pledge/leave/")
    bram.refresh_from_db()
    alice.refresh_from_db()
    assert bram.pledge_group is None and alice.pledge_group == group
