"""What cannot be undone takes a second step that names the consequence: declining a seat,
deleting a child, deleting an account. A GET never changes anything; accepting stays one tap."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client

from samen.web.core.models import Child, Placement

from .conftest import register_child, sign_in
from .test_results import allocated  # noqa: F401  (the fixture)

EN = {"accept-language": "en"}


def _placement(child, run) -> Placement:
    return Placement.objects.get(run=run, child=child)


def test_declining_a_seat_needs_the_second_step(allocated):  # noqa: F811
    families, run = allocated
    client, child = families[0]
    school = _placement(child, run).school.display_name
    page = client.get(f"/children/{child.pk}/", headers=EN).content.decode()
    assert f'href="/children/{child.pk}/answer/"' in page  # decline: to the confirmation
    # the confirmation page says what is lost, and changes nothing
    r = client.get(f"/children/{child.pk}/answer/", headers=EN)
    html = r.content.decode()
    assert r.status_code == 200
    assert f"The seat at {school} goes to another child. You cannot take it back." in html
    assert "no school offer" in html
    assert 'name="confirm" value="yes"' in html
    assert _placement(child, run).response == Placement.PENDING
    # a decline posted without the confirmation shows the same page, and changes nothing
    r = client.post(f"/children/{child.pk}/answer/", {"answer": "decline"}, headers=EN)
    assert r.status_code == 200 and "You cannot take it back" in r.content.decode()
    assert _placement(child, run).response == Placement.PENDING
    r = client.post(f"/children/{child.pk}/answer/", {"answer": "decline", "confirm": "no"})
    assert _placement(child, run).response == Placement.PENDING
    r = client.post(f"/children/{child.pk}/answer/", {"answer": "decline", "confirm": "yes"})
    assert r.status_code == 302
    assert _placement(child, run).response == Placement.DECLINED
    # the confirmation page of an answered offer does not offer it again
    r = client.get(f"/children/{child.pk}/answer/")
    assert r.status_code == 302


def test_accepting_is_one_tap(allocated):  # noqa: F811
    families, run = allocated
    client, child = families[1]
    r = client.post(f"/children/{child.pk}/answer/", {"answer": "accept"})
    assert r.status_code == 302
    assert _placement(child, run).response == Placement.ACCEPTED


def test_another_family_cannot_reach_the_confirmation(allocated):  # noqa: F811
    families, _run = allocated
    (_, k0), (c1, _) = families[0], families[1]
    assert c1.get(f"/children/{k0.pk}/answer/").status_code == 404
    assert c1.get(f"/children/{k0.pk}/delete/").status_code == 404


def test_deleting_a_child_needs_the_second_step(small_round):
    c = sign_in(Client(), "parent@samen.test")
    child = register_child(c, small_round, schools=("A", "B", "C"))
    page = c.get(f"/children/{child.pk}/").content.decode()
    assert f'href="/children/{child.pk}/delete/"' in page
    r = c.get(f"/children/{child.pk}/delete/", headers=EN)
    html = r.content.decode()
    assert r.status_code == 200
    assert "All data of Noor is deleted" in html and "list of 3 schools" in html
    assert "You cannot undo this" in html
    r = c.post(f"/children/{child.pk}/delete/", {}, headers=EN)
    assert r.status_code == 200 and Child.objects.filter(pk=child.pk).exists()
    r = c.post(f"/children/{child.pk}/delete/", {"confirm": "yes"})
    assert r.status_code == 302 and not Child.objects.filter(pk=child.pk).exists()


def test_deleting_a_twin_says_the_other_keeps_the_list(small_round):
    c = sign_in(Client(), "parent@samen.test")
    together = {"apply_together": "on"}
    anna = register_child(c, small_round, first="Anna", extra=together)
    register_child(c, small_round, first="Bert", extra=together)
    html = c.get(f"/children/{anna.pk}/delete/", headers=EN).content.decode()
    assert "The list stays the same for Bert." in html


def test_deleting_the_account_needs_the_second_step(small_round):
    c = sign_in(Client(), "parent@samen.test")
    register_child(c, small_round, first="Noor")
    register_child(c, small_round, first="Lucas", house="2")
    users = get_user_model().objects
    assert 'href="/account/delete/"' in c.get("/account/").content.decode()
    r = c.get("/account/delete/", headers=EN)
    html = r.content.decode()
    assert r.status_code == 200 and "parent@samen.test" in html
    assert "Noor, Lucas" in html and "You cannot undo this" in html
    assert c.post("/account/delete/", {}).status_code == 200
    assert users.filter(email="parent@samen.test").exists() and Child.objects.count() == 2
    r = c.post("/account/delete/", {"confirm": "yes"})
    assert r.status_code == 302
    assert not users.filter(email="parent@samen.test").exists() and Child.objects.count() == 0
