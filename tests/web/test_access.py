"""Who may see what: a family only its own children, a school viewer only its school, the
office pages only the office; CSRF on every form."""

from __future__ import annotations

import pytest
from django.test import Client

from samen.web.core.models import Child
from samen.web.core.roles import add_staff

from .conftest import register_child, sign_in

CHILD_GETS = ("/children/{pk}/", "/children/{pk}/edit/", "/children/{pk}/pledge/new/")
CHILD_POSTS = (
    ("/children/{pk}/choices/add/", {"school": "1"}),
    ("/children/{pk}/choices/move/", {"school": "A", "direction": "up"}),
    ("/children/{pk}/choices/remove/", {"school": "A"}),
    ("/children/{pk}/choices/order/", {"order": "B,A"}),
    ("/children/{pk}/pledge/leave/", {}),
    ("/children/{pk}/answer/", {"answer": "decline", "confirm": "yes"}),
    ("/children/{pk}/delete/", {"confirm": "yes"}),
)
OFFICE_GETS = (
    "/office/",
    "/office/rounds/new/",
    "/office/rounds/import/",
    "/office/rounds/{slug}/",
    "/office/rounds/{slug}/edit/",
    "/office/rounds/{slug}/schools/",
    "/office/rounds/{slug}/schools/A/",
    "/office/rounds/{slug}/questions/",
    "/office/rounds/{slug}/applicants/",
    "/office/rounds/{slug}/birth-dates/",
    "/office/rounds/{slug}/export.zip",
    "/office/audit/",
    "/office/audit/export.csv",
    "/office/addresses/",
    "/office/staff/",
)
OFFICE_POSTS = (
    ("/office/rounds/{slug}/status/", {"action": "close"}),
    ("/office/rounds/{slug}/seed/commit/", {"seed": "x"}),
    ("/office/rounds/{slug}/seed/reveal/", {"seed": "x"}),
    ("/office/rounds/{slug}/allocate/", {"kind": "allocate"}),
    ("/office/rounds/{slug}/expire/", {}),
    ("/office/staff/", {"email": "me@samen.test", "role": "office"}),
    ("/office/staff/1/", {"action": "remove"}),
    ("/office/staff/1/", {"action": "change", "p1-role": "office"}),
)


@pytest.fixture
def family_a(small_round):
    c = sign_in(Client(), "a@samen.test")
    child = register_child(c, small_round, first="Alice", schools=("A", "B"))
    return c, child


def _clients(small_round):
    add_staff("viewer@samen.test", "school", ["A"], round=small_round)
    return {
        "other parent": sign_in(Client(), "b@samen.test"),
        "school viewer": sign_in(Client(), "viewer@samen.test"),
        "anonymous": Client(),
    }


def test_every_other_role_is_kept_from_a_familys_child(small_round, family_a):
    _, child = family_a
    before = [s.code for s in child.school_list()]
    for role, client in _clients(small_round).items():
        for url in CHILD_GETS:
            r = client.get(url.format(pk=child.pk))
            expected = (302,) if role == "anonymous" else (404,)
            assert r.status_code in expected, (role, url, r.status_code)
            if role == "anonymous":
                assert r["Location"].startswith("/signin/")
        for url, data in CHILD_POSTS:
            r = client.post(url.format(pk=child.pk), data)
            assert r.status_code in ((302,) if role == "anonymous" else (404,)), (role, url)
    child.refresh_from_db()
    assert Child.objects.filter(pk=child.pk).exists()
    assert [s.code for s in child.school_list()] == before


def test_office_too_cannot_act_as_a_family(small_round, family_a, office_client):
    _, child = family_a
    assert office_client.get(f"/children/{child.pk}/").status_code == 404
    r = office_client.post(f"/children/{child.pk}/delete/", {"confirm": "yes"})
    assert r.status_code == 404


def test_the_data_export_holds_only_my_children(small_round, family_a):
    other = sign_in(Client(), "b@samen.test")
    register_child(other, small_round, first="Bram")
    r = other.get("/account/export.json")
    assert b"Bram" in r.content
    assert b"Alice" not in r.content and b"a@samen.test" not in r.content


def test_office_pages_need_the_office_role(small_round, family_a):
    parent, _ = family_a
    clients = _clients(small_round)
    clients["parent"] = parent
    for role, client in clients.items():
        for url in OFFICE_GETS:
            r = client.get(url.format(slug=small_round.slug))
            assert r.status_code == (302 if role == "anonymous" else 403), (role, url)
        for url, data in OFFICE_POSTS:
            r = client.post(url.format(slug=small_round.slug), data)
            assert r.status_code == (302 if role == "anonymous" else 403), (role, url)


def test_office_can_open_every_office_page(small_round, office_client):
    for url in OFFICE_GETS:
        r = office_client.get(url.format(slug=small_round.slug))
        assert r.status_code == 200, url


def test_school_viewer_sees_only_its_school(small_round, family_a):
    _, child = family_a
    viewer = _clients(small_round)["school viewer"]
    assert viewer.get("/school/").status_code == 200
    r = viewer.get(f"/school/{small_round.slug}/A/")
    assert r.status_code == 200
    page = r.content.decode()
    assert child.public_id in page
    assert "Alice" not in page  # no names before the results are published
    assert viewer.get(f"/school/{small_round.slug}/B/").status_code == 403
    parent = sign_in(Client(), "c@samen.test")
    assert parent.get("/school/").status_code == 403
    assert parent.get(f"/school/{small_round.slug}/A/").status_code == 403


def test_csrf_is_enforced(small_round, family_a):
    _, child = family_a
    c = Client(enforce_csrf_checks=True)
    assert c.post("/signin/", {"email": "x@samen.test"}).status_code == 403
    # a signed-in family without the token
    from django.contrib.auth import get_user_model

    c.force_login(get_user_model().objects.get(username="a@samen.test"))
    for url, data in CHILD_POSTS:
        assert c.post(url.format(pk=child.pk), data).status_code == 403, url
    # with the token from the page, the same form works
    page = c.get(f"/children/{child.pk}/")
    token = page.cookies["csrftoken"].value
    r = c.post(
        f"/children/{child.pk}/choices/move/",
        {"school": "B", "direction": "up", "csrfmiddlewaretoken": token},
    )
    assert r.status_code == 302
    assert [s.code for s in child.school_list()] == ["B", "A"]


def test_every_form_carries_a_csrf_token(small_round, family_a, office_client):
    parent, child = family_a
    pages = [
        parent.get(f"/children/{child.pk}/"),
        parent.get("/account/"),
        office_client.get(f"/office/rounds/{small_round.slug}/"),
        office_client.get("/office/staff/"),
    ]
    for r in pages:
        html = r.content.decode()
        assert html.count('method="post"') == html.count("csrfmiddlewaretoken")
