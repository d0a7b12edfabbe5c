"""The office's forms as a clerk uses them: staff roles changed and removed with their guard
rails (the Staff page and ``samen web staff``), the seat-pool editor's checks, and the round's
dates to the second (``tests/web/test_office_pages.py`` has the audit log, the languages and
the numbering of runs)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone, translation

from samen.web.core.models import AuditEntry, Pool, Round, School
from samen.web.core.roles import add_staff

from .conftest import sign_in

# --------------------------------------------------------------------------- staff


@pytest.fixture
def two_admins(office_client):
    add_staff("kim@stad.test", "office")
    kim = sign_in(Client(), "kim@stad.test")
    return office_client, kim


def _user(email: str):
    return get_user_model().objects.get(username=email)


def test_staff_page_lists_roles_and_schools_in_words(office_client, small_round):
    add_staff("viewer@samen.test", "school", ["A", "B"], round=small_round)
    html = office_client.get("/office/staff/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "school viewer" in html and "office admin" in html
    assert "A (Test 2027), B (Test 2027)" in html
    dutch = office_client.get("/office/staff/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "school (inkijk)" in dutch and "aanmeldpunt (beheer)" in dutch


def test_change_a_role_is_audited_and_ends_the_sessions(two_admins, small_round):
    office, kim = two_admins
    assert kim.get("/office/").status_code == 200
    pk = _user("kim@stad.test").pk
    r = office.post(
        f"/office/staff/{pk}/",
        {
            "action": "change",
            f"p{pk}-role": "school",
            f"p{pk}-schools": "A, B",
            f"p{pk}-round": small_round.pk,
        },
    )
    assert r.status_code == 302
    entry = AuditEntry.objects.get(action="staff.change")
    assert entry.before == {"role": "office", "schools": []}
    assert entry.after == {"role": "school", "schools": ["test-2027: A", "test-2027: B"]}
    assert entry.target == "kim@stad.test" and entry.actor_label == "office@samen.test"
    # Kim's session ended with the office role: signed out at the next request
    r = kim.get("/office/")
    assert r.status_code == 302 and r["Location"].startswith("/signin/")
    kim = sign_in(Client(), "kim@stad.test")
    assert kim.get("/office/").status_code == 403
    assert kim.get("/school/").status_code == 200
    # only the schools change: the sessions stay
    change = {
        "action": "change",
        f"p{pk}-role": "school",
        f"p{pk}-schools": "A",
        f"p{pk}-round": small_round.pk,
    }
    r = office.post(f"/office/staff/{pk}/", change)
    assert r.status_code == 302
    assert kim.get("/school/").status_code == 200
    assert set(_user("kim@stad.test").staff_schools.values_list("code", flat=True)) == {"A"}
    # nothing changed: no entry
    office.post(f"/office/staff/{pk}/", change)
    assert AuditEntry.objects.filter(action="staff.change").count() == 2


def test_remove_a_role_keeps_the_account_and_ends_the_sessions(two_admins, small_round):
    from .conftest import register_child

    office, kim = two_admins
    child = register_child(kim, small_round, first="Mila")
    pk = _user("kim@stad.test").pk
    r = office.post(f"/office/staff/{pk}/", {"action": "remove"})
    assert r.status_code == 302
    entry = AuditEntry.objects.get(action="staff.remove")
    assert entry.before == {"role": "office", "schools": []}
    assert entry.after == {"role": None, "schools": []}
    assert kim.get("/office/").status_code == 302  # signed out everywhere
    kim = sign_in(Client(), "kim@stad.test")  # a parent's account now, with the child
    assert kim.get("/office/").status_code == 403
    assert kim.get(f"/children/{child.pk}/").status_code == 200
    people = office.get("/office/staff/").context["people"]
    assert [p["member"].user.email for p in people] == ["office@samen.test"]
    # removing again: a clear 400
    r = office.post(f"/office/staff/{pk}/", {"action": "remove"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400 and "has no staff role" in r.content.decode()


def test_guard_rails(two_admins, small_round):
    office, kim = two_admins
    me = _user("office@samen.test").pk
    r = office.post(f"/office/staff/{me}/", {"action": "remove"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400
    assert "You cannot take away your own office role" in r.content.decode()
    r = office.post(
        f"/office/staff/{me}/",
        {
            "action": "change",
            f"p{me}-role": "school",
            f"p{me}-schools": "A",
            f"p{me}-round": small_round.pk,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 400 and "your own office role" in r.content.decode()
    # through the add form too
    r = office.post(
        "/office/staff/",
        {"email": "office@samen.test", "role": "school", "schools": "A", "round": small_round.pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 400
    assert "office admin" in str(_user("office@samen.test").groups.values_list("name", flat=True))
    # the last office admin: Kim removes the other admin, then nobody may remove Kim
    r = kim.post(f"/office/staff/{me}/", {"action": "remove"})
    assert r.status_code == 302
    with translation.override("en"), pytest.raises(CommandError, match="last office admin"):
        call_command("samen_staff", "kim@stad.test", "--remove")
    from samen.web.core import staff

    with pytest.raises(staff.StaffError):
        staff.set_role(None, "kim@stad.test", "school", ["A"], round=small_round)
    assert kim.get("/office/").status_code == 200
    assert not AuditEntry.objects.filter(action="staff.remove", target="kim@stad.test").exists()


def test_bad_staff_posts_are_4xx(office_client, small_round):
    add_staff("viewer@samen.test", "school", ["A"], round=small_round)
    pk = _user("viewer@samen.test").pk
    assert office_client.post("/office/staff/999999/", {"action": "remove"}).status_code == 404
    r = office_client.post(f"/office/staff/{pk}/", {"action": "bogus"})
    assert r.status_code == 400
    r = office_client.post(
        f"/office/staff/{pk}/",
        {"action": "change", f"p{pk}-role": "school", f"p{pk}-schools": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 400 and "needs at least one school id" in r.content.decode()
    r = office_client.post(f"/office/staff/{pk}/", {"action": "change", f"p{pk}-role": "king"})
    assert r.status_code == 400
    r = office_client.post("/office/staff/", {"email": "not an address", "role": "office"})
    assert r.status_code == 400
    assert office_client.get(f"/office/staff/{pk}/").status_code == 405
    # an unknown school id is saved but the clerk is warned
    r = office_client.post(
        "/office/staff/",
        {"email": "new@samen.test", "role": "school", "schools": "ZZ9", "round": small_round.pk},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "The round has no school with the id ZZ9" in r.content.decode()
    # school ids without their round: a clear 400
    r = office_client.post(
        "/office/staff/",
        {"email": "new2@samen.test", "role": "school", "schools": "A"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert (
        r.status_code == 400 and "Choose the round these school ids are for" in r.content.decode()
    )


def test_staff_command_line(small_round, capsys):
    call_command("samen_staff", "kim@stad.test", "--role", "office")
    call_command(
        "samen_staff",
        "viewer@samen.test",
        "--role",
        "school",
        "--school",
        "A",
        "--round",
        "test-2027",
    )
    viewer = sign_in(Client(), "viewer@samen.test")
    assert viewer.get("/school/").status_code == 200
    call_command("samen_staff", "viewer@samen.test", "--remove")
    assert viewer.get("/school/").status_code == 302
    entry = AuditEntry.objects.get(action="staff.remove")
    assert entry.actor_label == "system" and entry.after["by"] == "command line"
    assert entry.before == {"role": "school", "schools": ["test-2027: A"]}
    assert _user("viewer@samen.test").is_active
    with pytest.raises(CommandError):
        call_command("samen_staff", "viewer@samen.test", "--remove")
    with pytest.raises(CommandError):
        call_command("samen_staff", "nobody@samen.test", "--remove")
    with pytest.raises(CommandError):
        call_command("samen_staff", "x@samen.test", "--role", "school")
    with pytest.raises(CommandError):
        call_command("samen_staff", "x@samen.test")
    with pytest.raises(CommandError, match="--round"):
        call_command("samen_staff", "x@samen.test", "--role", "school", "--school", "A")
    with pytest.raises(CommandError, match="no round 'nope'"):
        call_command(
            "samen_staff", "x@samen.test", "--role", "school", "--school", "A", "--round", "nope"
        )


def test_samen_web_staff_remove(db, monkeypatch):
    from typer.testing import CliRunner

    from samen.cli import app
    from samen.commands import web

    seen = []
    monkeypatch.setattr(web, "_manage", lambda *args: seen.append(args))
    out = CliRunner().invoke(app, ["web", "staff", "kim@stad.test", "--remove"])
    assert out.exit_code == 0, out.output
    assert seen == [("samen_staff", "kim@stad.test", "--remove")]


# --------------------------------------------------------------------------- the seat pools


def _pool_post(school: School, *pools: dict[str, str], initial: int = 0, **extra) -> dict:
    data = {
        "code": school.code,
        "name": school.name,
        "capacity": school.capacity,
        "pools-TOTAL_FORMS": len(pools),
        "pools-INITIAL_FORMS": initial,
        "pools-MIN_NUM_FORMS": 0,
        "pools-MAX_NUM_FORMS": 1000,
        **extra,
    }
    for k, pool in enumerate(pools):
        for key, value in pool.items():
            data[f"pools-{k}-{key}"] = value
    return data


def test_pool_editor_has_labels_and_hints(small_round, office_client):
    r = office_client.get(
        f"/office/rounds/{small_round.slug}/schools/D/", HTTP_ACCEPT_LANGUAGE="en"
    )
    html = r.content.decode()
    assert r.status_code == 200
    for k in range(4):  # two pools and two empty ones
        for field in ("name", "seats", "share", "favours", "order_by"):
            assert f'<label for="id_pools-{k}-{field}"' in html, (k, field)
    assert "Pool 1: near" in html and "Pool 3 (new)" in html
    assert "0.3 or 3/10" in html and "not:flag" in html
    assert 'aria-describedby="id_pools-0-share_helptext"' in html
    assert '<table class="formset">' not in html


POOL_ERRORS = [
    ({"name": "a", "share": "abc"}, "share", "“abc” is not a share"),
    ({"name": "a", "share": "1.5"}, "share", "“1.5” is not a share"),
    ({"name": "a", "share": "1/0"}, "share", "“1/0” is not a share"),
    ({"name": "a", "share": "30%"}, "share", "is a percentage"),
    ({"name": "a", "seats": "10", "share": "0.5"}, "share", "not both"),
    ({"name": "a"}, "seats", "Give the number of seats, or a share."),
    ({"name": "a", "seats": "-1"}, "seats", "greater than or equal to 0"),
    ({"name": "a", "seats": "ten"}, "seats", "Enter a whole number."),
    ({"name": "a", "share": "1", "favours": "sibling"}, "favours", "no question with the flag"),
    ({"name": "a", "share": "1", "favours": "not:nope"}, "favours", "“nope”"),
    ({"name": "a", "share": "1", "order_by": "alphabet"}, "order_by", "is not an ordering"),
    ({"share": "1"}, "name", "This field is required."),
]


@pytest.mark.parametrize(("pool", "field", "message"), POOL_ERRORS)
def test_pool_field_errors_are_shown_never_500(small_round, office_client, pool, field, message):
    school = School.objects.get(round=small_round, code="A")
    data = _pool_post(school, {"order_by": "lottery", **pool})
    r = office_client.post(
        f"/office/rounds/{small_round.slug}/schools/A/", data, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert r.status_code == 200
    form = r.context["pools"].forms[0]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field]), form.errors[field]
    assert message.replace("“", "&ldquo;")[:10] in r.content.decode() or message[:10] in (
        r.content.decode()
    )
    assert not Pool.objects.filter(school=school).exists()


@pytest.mark.parametrize(
    ("pools", "message"),
    [
        (
            [{"name": "a", "seats": "1"}, {"name": "b", "share": "0.5"}],
            "not a mix",
        ),
        ([{"name": "a", "seats": "1"}, {"name": "b", "seats": "3"}], "4 seats together"),
        ([{"name": "a", "share": "0.3"}, {"name": "b", "share": "0.3"}], "add up to 0.6"),
    ],
)
def test_pools_are_checked_together(small_round, office_client, pools, message):
    school = School.objects.get(round=small_round, code="A")  # 2 seats
    data = _pool_post(school, *({"order_by": "lottery", **p} for p in pools))
    r = office_client.post(
        f"/office/rounds/{small_round.slug}/schools/A/", data, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert r.status_code == 200
    assert message in " ".join(r.context["pools"].non_form_errors())
    assert not Pool.objects.filter(school=school).exists()


def test_pool_names_unique_and_tampering_is_no_500(small_round, office_client):
    school = School.objects.get(round=small_round, code="A")
    url = f"/office/rounds/{small_round.slug}/schools/A/"
    data = _pool_post(
        school,
        {"name": "a", "seats": "1", "order_by": "lottery"},
        {"name": "a", "seats": "1", "order_by": "lottery"},
    )
    r = office_client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    assert "give each pool its own name" in " ".join(r.context["pools"].forms[1].errors["name"])
    # no management form, a pool of another school, nonsense counts
    other = Pool.objects.filter(school__code="D").first()
    for bad in (
        {"code": "A", "name": "x", "capacity": 2},
        _pool_post(school, {"id": str(other.pk), "name": "x", "seats": "2"}, initial=1),
        _pool_post(school, {"name": "a", "seats": "2"}, **{"pools-TOTAL_FORMS": "many"}),
    ):
        r = office_client.post(url, bad)
        assert r.status_code == 200, bad
    other.refresh_from_db()
    assert other.school.code == "D" and other.name == "near"


def test_good_pools_are_saved_and_normalised(small_round, office_client):
    school = School.objects.get(round=small_round, code="C")  # 3 seats
    data = _pool_post(
        school,
        {"name": "indicator", "share": "3/10", "favours": "indicator", "order_by": "lottery"},
        {"name": "other", "share": "0,7", "favours": "not: indicator", "order_by": "distance"},
    )
    r = office_client.post(f"/office/rounds/{small_round.slug}/schools/C/", data)
    assert r.status_code == 302, r.context["pools"].errors
    saved = [(p.name, p.share, p.favours, p.order_by) for p in school.pools.all()]
    assert saved == [
        ("indicator", "3/10", "indicator", "lottery"),
        ("other", "0.7", "not:indicator", "distance"),
    ]


# --------------------------------------------------------------------------- dates with seconds


def _form_values(html: str) -> dict[str, object]:
    """What a browser would send back for the round form as it is shown."""
    values: dict[str, object] = {}
    for tag in re.findall(r"<(?:input|textarea|select)[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) in ("csrfmiddlewaretoken", "language", "next"):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if kind and kind.group(1) == "checkbox":
            if "checked" in tag:
                values.setdefault(name.group(1), []).append(value.group(1) if value else "on")
            continue
        values[name.group(1)] = value.group(1).replace("&#x27;", "'") if value else ""
    for select in re.finditer(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select.group(2))
        values[select.group(1)] = chosen.group(1) if chosen else ""
    for area in re.finditer(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        values[area.group(1)] = area.group(2).strip("\n")
    return values


@pytest.mark.parametrize("lang", ["nl", "fr", "en"])
def test_an_imported_round_with_seconds_saves_unchanged(office_client, lang):
    from .test_allocation import upload_example

    assert upload_example(office_client).status_code == 302
    rnd = Round.objects.get()
    brussels = timezone.get_current_timezone()
    moments = {
        "registration_opens": dt.datetime(2027, 3, 1, 9, 0, 30, tzinfo=brussels),
        "registration_closes": dt.datetime(2027, 3, 15, 12, 0, 30, 123456, tzinfo=brussels),
        "draw_at": dt.datetime(2027, 3, 20, 10, 15, 59, tzinfo=dt.UTC),
        "results_at": None,
        "acceptance_deadline": dt.datetime(2027, 4, 30, 23, 59, 59, 999999, tzinfo=dt.UTC),
    }
    Round.objects.filter(pk=rnd.pk).update(**moments, retention_until=dt.date(2028, 6, 30))
    url = f"/office/rounds/{rnd.slug}/edit/"
    html = office_client.get(url, HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert 'value="2027-03-15T12:00:30"' in html and 'step="1"' in html
    assert 'type="date" name="retention_until" value="2028-06-30"' in html
    values = _form_values(html)
    assert values["registration_closes"] == "2027-03-15T12:00:30"
    r = office_client.post(url, values, HTTP_ACCEPT_LANGUAGE=lang)
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    rnd.refresh_from_db()
    for name, moment in moments.items():
        assert getattr(rnd, name) == moment, name
    assert rnd.retention_until == dt.date(2028, 6, 30)


@pytest.mark.parametrize(
    "typed",
    ["2027-03-15T12:00", "2027-03-15T12:00:30", "2027-03-15 12:00:30", "2027-03-15 12:00"],
)
def test_dates_with_or_without_seconds_are_accepted(small_round, office_client, typed):
    r = office_client.post(
        f"/office/rounds/{small_round.slug}/edit/",
        {
            "name": small_round.name,
            "mechanism": "deferred-acceptance",
            "tie_breaking": "single",
            "distance": "euclidean",
            "languages_text": ["nl"],
            "registration_closes": typed,
        },
    )
    assert r.status_code == 302, r.context["form"].errors
    small_round.refresh_from_db()
    local = timezone.localtime(small_round.registration_closes)
    assert (local.hour, local.minute, local.second) == (12, 0, 30 if typed.count(":") == 2 else 0)


def test_date_inputs_show_iso_values_in_every_language(small_round):
    """A browser's date input reads only ISO dates: in Dutch ("15-03-2027") it would show an
    empty field, and saving would clear the date (the parent's child form too)."""
    from .conftest import register_child

    parent = sign_in(Client(), "p@samen.test")
    child = register_child(parent, small_round)  # born 2024-03-01
    for lang in ("nl", "fr", "en"):
        html = parent.get(f"/children/{child.pk}/edit/", HTTP_ACCEPT_LANGUAGE=lang)
        assert 'type="date" name="birth_date" value="2024-03-01"' in html.content.decode()


def test_a_bad_date_is_a_field_error(small_round, office_client):
    r = office_client.post(
        f"/office/rounds/{small_round.slug}/edit/",
        {
            "name": "X",
            "mechanism": "deferred-acceptance",
            "tie_breaking": "single",
            "distance": "euclidean",
            "languages_text": ["nl"],
            "registration_closes": "2027-02-30T12:00",
        },
    )
    assert r.status_code == 200 and "registration_closes" in r.context["form"].errors
