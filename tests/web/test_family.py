"""Families: register a child, rank schools without JavaScript, change, export, delete."""

from __future__ import annotations

import json

from django.test import Client

from samen.web.core.models import Address, Child, Round

from .conftest import register_child, sign_in


def _codes(child: Child) -> list[str]:
    return [s.code for s in child.school_list()]


def test_register_looks_up_the_address(small_round):
    c = sign_in(Client(), "parent@samen.test")
    child = register_child(c, small_round, house="3", indicator="1")
    assert (child.x, child.y) == (300.0, 50.0)
    assert child.flags == {"indicator": 1}
    assert child.parent.email == "parent@samen.test"
    assert child.public_id.startswith("K-")


def test_unknown_address_is_an_error(small_round):
    c = sign_in(Client(), "parent@samen.test")
    r = c.post(
        f"/rounds/{small_round.slug}/register/",
        {
            "first_name": "A",
            "last_name": "B",
            "birth_date": "2024-01-01",
            "postcode": "9999",
            "house_number": "1",
            "q_indicator": "0",
        },
    )
    assert r.status_code == 200
    assert Child.objects.count() == 0


def test_a_family_cannot_type_coordinates(small_round):
    """The home comes from the address list: coordinates posted by a family are ignored."""
    c = sign_in(Client(), "parent@samen.test")
    base = {"first_name": "A", "last_name": "B", "birth_date": "2024-01-01", "q_indicator": "0"}
    r = c.post(f"/rounds/{small_round.slug}/register/", {**base, "x": "3000", "y": "0"})
    assert r.status_code == 200
    assert Child.objects.count() == 0
    # with an address, the posted coordinates (those of school D) are not used
    address = Address.objects.get(postcode="2800", house_number="1")
    data = {**base, "postcode": "2800", "house_number": "1", "x": "3000", "y": "0"}
    r = c.post(f"/rounds/{small_round.slug}/register/", {**data, "address": address.pk})
    assert r.status_code == 302
    child = Child.objects.get()
    assert (child.x, child.y) == (100.0, 50.0) and child.address == address


def test_rank_with_plain_forms(small_round):
    c = sign_in(Client(), "parent@samen.test")
    child = register_child(c, small_round, schools=("A", "B", "C"))
    assert _codes(child) == ["A", "B", "C"]
    c.post(f"/children/{child.pk}/choices/move/", {"school": "C", "direction": "up"})
    assert _codes(child) == ["A", "C", "B"]
    c.post(f"/children/{child.pk}/choices/move/", {"school": "A", "direction": "down"})
    assert _codes(child) == ["C", "A", "B"]
    c.post(f"/children/{child.pk}/choices/move/", {"school": "C", "direction": "up"})
    assert _codes(child) == ["C", "A", "B"]
    c.post(f"/children/{child.pk}/choices/remove/", {"school": "A"})
    assert _codes(child) == ["C", "B"]
    assert [ch.rank for ch in child.choices.all()] == [1, 2]
    # the drag-and-drop form sends the whole order
    c.post(f"/children/{child.pk}/choices/order/", {"order": "B,C"})
    assert _codes(child) == ["B", "C"]
    # an order that is not the same schools is refused
    c.post(f"/children/{child.pk}/choices/order/", {"order": "B,D"})
    assert _codes(child) == ["B", "C"]
    page = c.get(f"/children/{child.pk}/").content.decode()
    assert f'action="/children/{child.pk}/choices/move/"' in page
    assert "rank.js" in page


def test_ranking_page_shows_distance(small_round):
    c = sign_in(Client(), "parent@samen.test")
    child = register_child(c, small_round, house="1", schools=("B",))
    # home (100, 50), school B (1000, 0): 901 m
    assert "901 m" in c.get(f"/children/{child.pk}/").content.decode()
    assert "901 m" in c.get(f"/rounds/{small_round.slug}/schools/B/").content.decode()


def test_no_changes_after_registration_closes(small_round):
    c = sign_in(Client(), "parent@samen.test")
    child = register_child(c, small_round, schools=("A", "B"))
    Round.objects.filter(pk=small_round.pk).update(status=Round.CLOSED)
    c.post(f"/children/{child.pk}/choices/move/", {"school": "B", "direction": "up"})
    c.post(f"/children/{child.pk}/choices/remove/", {"school": "A"})
    assert _codes(child) == ["A", "B"]
    assert c.get(f"/children/{child.pk}/edit/").status_code == 302
    r = c.post(f"/children/{child.pk}/delete/", {"confirm": "yes"})
    assert Child.objects.filter(pk=child.pk).exists()
    assert r.status_code == 302


def test_edit_child(small_round):
    c = sign_in(Client(), "parent@samen.test")
    child = register_child(c, small_round)
    data = {
        "first_name": "Nora",
        "last_name": "Test",
        "birth_date": "2024-03-01",
        "postcode": "2800",
        "house_number": "1",
        "q_indicator": "1",
    }
    # the same address: nothing to confirm again
    assert c.post(f"/children/{child.pk}/edit/", data).status_code == 302
    child.refresh_from_db()
    assert child.first_name == "Nora" and child.x == 100.0 and child.flags["indicator"] == 1
    # a new address is confirmed first, and only then moves the home
    moved = {**data, "house_number": "2"}
    r = c.post(f"/children/{child.pk}/edit/", moved)
    assert r.status_code == 200 and "Teststraat 2" in r.content.decode()
    child.refresh_from_db()
    assert child.x == 100.0
    new = Address.objects.get(postcode="2800", house_number="2")
    r = c.post(f"/children/{child.pk}/edit/", {**moved, "address": new.pk})
    assert r.status_code == 302
    child.refresh_from_db()
    assert child.x == 200.0 and child.address == new


def test_export_and_delete_my_data(small_round):
    c = sign_in(Client(), "parent@samen.test")
    child = register_child(c, small_round, schools=("C", "A"))
    r = c.get("/account/export.json")
    assert r["Content-Type"] == "application/json"
    data = json.loads(r.content)
    assert data["email"] == "parent@samen.test"
    assert data["children"][0]["first_name"] == "Noor"
    assert data["children"][0]["schools"] == ["C", "A"]
    r = c.post(f"/children/{child.pk}/delete/", {"confirm": "yes"})
    assert r.status_code == 302
    assert not Child.objects.filter(pk=child.pk).exists()
    r = c.post("/account/delete/", {"confirm": "yes"})
    assert r.status_code == 302
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="parent@samen.test").exists()


def test_home_lists_my_children_only(small_round):
    a = sign_in(Client(), "a@samen.test")
    register_child(a, small_round, first="Alice")
    b = sign_in(Client(), "b@samen.test")
    register_child(b, small_round, first="Bram")
    page = a.get("/").content.decode()
    assert "Alice" in page and "Bram" not in page
