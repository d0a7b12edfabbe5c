"""Homes from the city's address list only: the family's two steps, addresses to be checked,
the office's coordinates with a reason, the allocation rule, importing the list again without
moving anyone unnoticed; and the round's range of dates of birth with the office's exception."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from samen.web.core import addresses, allocation, chances, exchange, homes, jobs
from samen.web.core.models import (
    HOME_ADDRESS,
    HOME_CHECK,
    HOME_OFFICE,
    Address,
    AuditEntry,
    Child,
    Job,
    Round,
    School,
)

from .conftest import register_child, sign_in

EN = {"accept-language": "en"}
DETAILS = {
    "first_name": "Mila",
    "last_name": "Test",
    "birth_date": "2024-03-01",
    "q_indicator": "0",
}


def _add(client: Client, child: Child, *codes: str) -> None:
    for code in codes:
        school = School.objects.get(round=child.round, code=code)
        assert (
            client.post(f"/children/{child.pk}/choices/add/", {"school": school.pk}).status_code
            == 302
        )


def _unlisted(client: Client, rnd: Round, first: str = "Mila", house: str = "77") -> Child:
    """Register a child whose address is not in the list (the office checks it)."""
    data = {**DETAILS, "first_name": first, "postcode": "2800", "house_number": house}
    r = client.post(f"/rounds/{rnd.slug}/register/", data, headers=EN)
    assert r.status_code == 200
    assert "We cannot find this address" in r.content.decode()
    r = client.post(f"/rounds/{rnd.slug}/register/", {**data, "not_listed": "on"}, headers=EN)
    assert r.status_code == 200 and "Give the street" in r.content.decode()
    assert not Child.objects.filter(first_name=first).exists()
    r = client.post(
        f"/rounds/{rnd.slug}/register/", {**data, "not_listed": "on", "street": "Nieuwstraat"}
    )
    assert r.status_code == 302
    return Child.objects.get(round=rnd, first_name=first)


# --------------------------------------------------------------------------- the family's steps


def test_the_address_is_confirmed_before_it_is_used(small_round):
    c = sign_in(Client(), "parent@samen.test")
    data = {**DETAILS, "postcode": " 2800 ", "house_number": "3"}
    r = c.post(f"/rounds/{small_round.slug}/register/", data, headers=EN)
    html = r.content.decode()
    assert r.status_code == 200 and "Is this your address?" in html
    assert "Teststraat 3, 2800" in html
    assert not Child.objects.exists()
    address = Address.objects.get(house_number="3")
    r = c.post(f"/rounds/{small_round.slug}/register/", {**data, "address": address.pk})
    assert r.status_code == 302
    child = Child.objects.get()
    assert child.address == address and child.home == HOME_ADDRESS
    assert (child.x, child.y, child.postcode) == (300.0, 50.0, "2800")
    # an address id that is not the typed address's is refused (no picking another home)
    other = Address.objects.get(house_number="5")
    r = c.post(
        f"/rounds/{small_round.slug}/register/",
        {**data, "first_name": "Other", "address": other.pk},
    )
    assert r.status_code == 200 and not Child.objects.filter(first_name="Other").exists()


def test_boxes_are_chosen_from_the_list(small_round):
    for box in ("1", "2"):
        Address.objects.create(
            postcode="2800", house_number="9", box=box, street="Flatstraat", x=900.0, y=9.0
        )
    c = sign_in(Client(), "parent@samen.test")
    data = {**DETAILS, "postcode": "2800", "house_number": "9"}
    r = c.post(f"/rounds/{small_round.slug}/register/", data, headers=EN)
    html = r.content.decode()
    assert "Which one is your address?" in html and "Flatstraat 9 box 1" in html
    assert "Flatstraat 9 box 2" in html
    # typing the box finds that one only
    r = c.post(f"/rounds/{small_round.slug}/register/", {**data, "box": "2"}, headers=EN)
    assert "Flatstraat 9 box 1" not in r.content.decode()
    two = Address.objects.get(house_number="9", box="2")
    r = c.post(f"/rounds/{small_round.slug}/register/", {**data, "box": "2", "address": two.pk})
    assert r.status_code == 302
    assert Child.objects.get().box == "2"


def test_an_address_not_in_the_list_is_to_be_checked(small_round):
    c = sign_in(Client(), "parent@samen.test")
    child = _unlisted(c, small_round)
    assert child.home == HOME_CHECK and child.address is None
    assert (child.x, child.y, child.lat, child.lon) == (None, None, None, None)
    assert child.street == "Nieuwstraat"
    _add(c, child, "D")
    html = c.get(f"/children/{child.pk}/", headers=EN).content.decode()
    assert "The admission office is checking the address" in html
    assert "address to be checked" in html
    assert " m<" not in html and " km<" not in html  # no distance from an unchecked home
    # choosing "not in this list" among found addresses asks for the street too
    data = {**DETAILS, "first_name": "Kas", "postcode": "2800", "house_number": "2"}
    r = c.post(f"/rounds/{small_round.slug}/register/", {**data, "address": "none"}, headers=EN)
    assert r.status_code == 200 and "Give the street" in r.content.decode()
    r = c.post(
        f"/rounds/{small_round.slug}/register/", {**data, "address": "none", "street": "Achterweg"}
    )
    assert r.status_code == 302
    assert Child.objects.get(first_name="Kas").home == HOME_CHECK


def test_changing_other_details_keeps_the_home(small_round):
    c = sign_in(Client(), "parent@samen.test")
    child = _unlisted(c, small_round)
    data = {**DETAILS, "first_name": "Milan", "postcode": "2800", "house_number": "77"}
    r = c.post(f"/children/{child.pk}/edit/", {**data, "street": "Nieuwstraat"})
    assert r.status_code == 302
    child.refresh_from_db()
    assert child.first_name == "Milan" and child.home == HOME_CHECK


# --------------------------------------------------------------------------- the office


def _home_url(child: Child) -> str:
    return f"/office/rounds/{child.round.slug}/applicants/{child.public_id}/home/"


def test_office_sets_coordinates_only_with_a_reason(small_round, office_client):
    c = sign_in(Client(), "parent@samen.test")
    child = _unlisted(c, small_round)
    url = _home_url(child)
    r = office_client.post(
        url, {"action": "home-coordinates", "coords-first": "700", "coords-second": "60"}
    )
    assert r.status_code == 400
    child.refresh_from_db()
    assert child.home == HOME_CHECK and child.x is None
    r = office_client.post(
        url,
        {
            "action": "home-coordinates",
            "coords-first": "nan",
            "coords-second": "60",
            "coords-reason": "x",
        },
    )
    assert r.status_code == 400
    r = office_client.post(
        url,
        {
            "action": "home-coordinates",
            "coords-first": "700",
            "coords-second": "60",
            "coords-reason": "New building, checked on the spot",
        },
    )
    assert r.status_code == 302
    child.refresh_from_db()
    assert child.home == HOME_OFFICE and (child.x, child.y) == (700.0, 60.0)
    entry = AuditEntry.objects.get(action="child.home-coordinates")
    assert entry.target == child.public_id
    assert entry.before["home"] == HOME_CHECK and entry.before["x"] is None
    assert (
        entry.after["x"] == 700.0 and entry.after["reason"] == "New building, checked on the spot"
    )
    page = office_client.get(f"/office/rounds/{small_round.slug}/applicants/{child.public_id}/")
    assert "New building, checked on the spot" in page.content.decode()
    # the family sees no check any more, and a distance
    _add(c, child, "D")
    assert (
        "The admission office is checking"
        not in c.get(f"/children/{child.pk}/", headers=EN).content.decode()
    )


def test_office_links_an_address_of_the_list(small_round, office_client):
    c = sign_in(Client(), "parent@samen.test")
    child = _unlisted(c, small_round)
    url = _home_url(child)
    r = office_client.post(
        url, {"action": "home-address", "home-postcode": "2800", "home-house_number": "99"}
    )
    assert r.status_code == 400
    r = office_client.post(
        url, {"action": "home-address", "home-postcode": "2800", "home-house_number": "4"}
    )
    assert r.status_code == 302
    child.refresh_from_db()
    assert child.home == HOME_ADDRESS and child.address.house_number == "4" and child.x == 400.0
    entry = AuditEntry.objects.get(action="child.home-address")
    assert entry.before["home"] == HOME_CHECK and entry.after["address"] == child.address_id


def test_only_the_office_changes_homes(small_round, office_client):
    c = sign_in(Client(), "parent@samen.test")
    child = _unlisted(c, small_round)
    data = {
        "action": "home-coordinates",
        "coords-first": "1",
        "coords-second": "1",
        "coords-reason": "x",
    }
    assert c.post(_home_url(child), data).status_code == 403
    assert Client().post(_home_url(child), data).status_code == 302  # to the sign-in
    assert office_client.get(_home_url(child)).status_code == 405  # a GET changes nothing
    child.refresh_from_db()
    assert child.home == HOME_CHECK


def test_the_office_finds_the_addresses_to_check(small_round, office_client):
    c = sign_in(Client(), "parent@samen.test")
    register_child(c, small_round, first="Noor", schools=("A",))
    child = _unlisted(c, small_round)
    page = office_client.get(f"/office/rounds/{small_round.slug}/applicants/?home=check")
    html = page.content.decode()
    assert child.public_id in html and "Noor" not in html
    r = office_client.get(f"/office/rounds/{small_round.slug}/")
    assert r.context["n_to_check"] == 1 and r.context["n_blocking"] == 0
    _add(c, child, "D")
    r = office_client.get(f"/office/rounds/{small_round.slug}/")
    assert r.context["n_blocking"] == 1


# --------------------------------------------------------------------------- the allocation


def _close_and_draw(office_client, rnd: Round) -> None:
    office_client.post(f"/office/rounds/{rnd.slug}/status/", {"action": "close"})
    office_client.post(f"/office/rounds/{rnd.slug}/seed/reveal/", {"seed": "test seed"})
    rnd.refresh_from_db()
    assert rnd.seed == "test seed"


def test_the_draw_and_the_allocation_wait_for_homes_to_check(small_round, office_client):
    c = sign_in(Client(), "parent@samen.test")
    register_child(c, small_round, first="Noor", schools=("D", "A"))
    near = _unlisted(c, small_round, first="Mila")
    _add(c, near, "D", "B")
    lottery_only = _unlisted(c, small_round, first="Kas", house="78")
    _add(c, lottery_only, "A", "B")  # no school with seats by distance: never blocks
    office_client.post(f"/office/rounds/{small_round.slug}/status/", {"action": "close"})
    assert [ch.pk for ch in homes.blocking_children(small_round)] == [near.pk]
    # the draw freezes every home: it waits until the office checked them
    r = office_client.post(
        f"/office/rounds/{small_round.slug}/seed/reveal/", {"seed": "test seed"}, headers=EN
    )
    assert r.status_code == 409
    assert "still to be checked" in r.content.decode() and near.public_id in r.content.decode()
    small_round.refresh_from_db()
    assert small_round.seed == ""
    # the worker refuses too, were the seed set behind the platform's back
    Round.objects.filter(pk=small_round.pk).update(seed="test seed")
    small_round.refresh_from_db()
    with pytest.raises(allocation.AllocationError):
        allocation.run_main(small_round)
    Round.objects.filter(pk=small_round.pk).update(seed="")
    # the office resolves it; the draw and the allocation run, with the checked home's distance
    office_client.post(
        _home_url(near),
        {"action": "home-address", "home-postcode": "2800", "home-house_number": "5"},
    )
    _close_and_draw(office_client, small_round)
    # after the draw no home changes any more
    r = office_client.post(
        _home_url(lottery_only),
        {"action": "home-address", "home-postcode": "2800", "home-house_number": "4"},
    )
    assert r.status_code == 409
    lottery_only.refresh_from_db()
    assert lottery_only.home == "check"
    office_client.post(f"/office/rounds/{small_round.slug}/allocate/", {"kind": "allocate"})
    assert jobs.work(once=True) == 1
    job = Job.objects.get(kind="allocate")
    assert job.status == Job.DONE, job.error
    run = small_round.runs.get()
    assert f"{near.public_id},D,2500.5\n" in run.input_files["distances.csv"]
    assert lottery_only.public_id in run.input_files["applicants.csv"]
    assert lottery_only.public_id not in run.input_files["distances.csv"]


def test_distance_rules_never_use_an_unchecked_home(small_round):
    c = sign_in(Client(), "parent@samen.test")
    child = _unlisted(c, small_round)
    _add(c, child, "D")
    # coordinates left in the row (for example from before) are not used while it is checked
    Child.objects.filter(pk=child.pk).update(x=3000.0, y=0.0)
    data = exchange.folder_data(small_round)
    assert [fc.distances for fc in data.children] == [{}]
    far = exchange.folder_data(small_round, unverified_metres=homes.FARTHEST_METRES)
    assert far.children[0].distances == {"D": homes.FARTHEST_METRES}
    child.refresh_from_db()
    assert homes.distance_to(child, School.objects.get(code="D"), "euclidean") is None


def test_chances_count_an_unchecked_home_as_farthest(small_round, settings):
    settings.SAMEN_CHANCES_DRAWS = 20
    settings.SAMEN_CHANCES_MIN_CHILDREN = 2
    cache.clear()
    c = sign_in(Client(), "parent@samen.test")
    register_child(c, small_round, first="Noor", schools=("D", "A"))
    child = _unlisted(c, small_round)
    _add(c, child, "D", "A")
    found = chances.admission_chances(Child.objects.select_related("round").get(pk=child.pk))
    assert found is not None and found.ready, found
    assert found.distance_unknown


# --------------------------------------------------------------------------- importing the list

HEADER = "postcode;house_number;box;street;municipality;x;y\n"


def _import(office_client, text: str, encoding: str = "utf-8", **fields: str) -> Any:
    upload = SimpleUploadedFile("adressen.csv", text.encode(encoding))
    return office_client.post("/office/addresses/", {"file": upload, **fields}, headers=EN)


def test_importing_the_list_again_keeps_ids_and_reports_the_children(small_round, office_client):
    c = sign_in(Client(), "parent@samen.test")
    stays = register_child(c, small_round, first="Noor", house="1", schools=("D",))
    moves = register_child(c, small_round, first="Lou", house="2", schools=("D",))
    loses = register_child(c, small_round, first="Sam", house="3", schools=("D",))
    waits = _unlisted(c, small_round, first="Mila", house="6")
    ids = dict(Address.objects.values_list("house_number", "pk"))
    rows = [
        "2800;1;;Teststraat;;100;50",  # the same
        "2800;2;;Teststraat;;222;55",  # moved
        "2800;4;;Teststraat;;400;50",
        "2800;5;;Teststraat;;500;50",
        "2800;6;;Teststraat;;600;50",  # new: Mila's address
    ]  # number 3 is gone
    text = HEADER + "\n".join(rows) + "\n"
    # a child lives at number 3: the office says that the file is right before it unlinks
    r = _import(office_client, text)
    assert r.status_code == 400
    assert loses.public_id in r.content.decode() and "Nothing was imported" in r.content.decode()
    assert Address.objects.filter(house_number="3").exists()
    assert not Address.objects.filter(house_number="6").exists()
    r = _import(office_client, text, unlink="on")
    assert r.status_code == 302
    assert dict(
        Address.objects.filter(house_number__in=["1", "2", "4", "5"]).values_list(
            "house_number", "pk"
        )
    ) == {k: ids[k] for k in ("1", "2", "4", "5")}
    assert not Address.objects.filter(house_number="3").exists()
    for child in (stays, moves, loses, waits):
        child.refresh_from_db()
    assert (stays.x, stays.home) == (100.0, HOME_ADDRESS)
    assert (moves.x, moves.y, moves.home) == (222.0, 55.0, HOME_ADDRESS)
    assert loses.home == HOME_CHECK and loses.x is None and loses.address is None
    assert waits.home == HOME_ADDRESS and waits.x == 600.0
    report = AuditEntry.objects.get(action="addresses.import").after
    assert (report["added"], report["updated"], report["unchanged"], report["removed"]) == (
        1,
        1,
        3,
        1,
    )
    assert [m["child"] for m in report["moved"]] == [moves.public_id]
    assert report["moved"][0]["before"] == {"x": 200.0, "y": 50.0}
    assert [m["child"] for m in report["unlisted"]] == [loses.public_id]
    assert [m["child"] for m in report["found"]] == [waits.public_id]
    page = office_client.get("/office/addresses/", headers=EN).content.decode()
    for child in (moves, loses, waits):
        assert child.public_id in page
    assert "no longer in the list" in page


def test_a_file_with_problems_imports_nothing(small_round, office_client):
    before = list(Address.objects.order_by("pk").values_list("pk", "house_number", "x"))
    text = HEADER + "\n".join(
        [
            "2800;1;;Teststraat;Mechelen;100;50",
            ";2;;Teststraat;Mechelen;200;50",  # no postcode
            "2800;3;;Teststraat;Mechelen;abc;50",  # not a number
            "2800;4;;Teststraat;Mechelen;400;",  # half a pair
            "2800;1;;Teststraat;Mechelen;100;50",  # twice
            "2800;6;;Teststraat;Mechelen;;",  # no coordinates
        ]
    )
    r = _import(office_client, text)
    assert r.status_code == 400
    problems = [(p.row, p.column) for p in r.context["problems"]]
    assert problems == [(3, "postcode"), (4, "x"), (5, "y"), (6, "house_number"), (7, "x, y")]
    html = r.content.decode()
    assert "“abc” is not a number" in html and "as row 2" in html
    assert list(Address.objects.order_by("pk").values_list("pk", "house_number", "x")) == before
    assert not AuditEntry.objects.filter(action="addresses.import").exists()
    # a missing column, an empty file, another encoding: each says what to do
    r = _import(office_client, "postcode;x;y\n2800;1;2\n")
    assert r.status_code == 400 and "house_number is missing" in r.content.decode()
    assert _import(office_client, "").status_code == 400
    r = _import(office_client, HEADER + "2800;1;;Rue de l'Église;Malines;1;2\n", encoding="cp1252")
    assert r.status_code == 400 and "CSV UTF-8" in r.content.decode()
    assert Address.objects.count() == len(before)


def test_the_register_export_in_dutch_and_lat_lon(office_client):
    text = "Postcode,Huisnummer,Busnummer,Straatnaam,Gemeente,lat,lon\n2800,1,A,Markt,Mechelen,51.03,4.48\n"
    assert _import(office_client, text).status_code == 302
    a = Address.objects.get()
    assert (a.box, a.street, a.lat, a.lon, a.x) == ("A", "Markt", 51.03, 4.48, None)
    r = _import(office_client, "postcode,house_number,lat,lon\n2800,1,95,4\n")
    assert r.status_code == 400 and "between -90 and 90" in r.content.decode()


def test_reading_is_streamed_and_checked_without_the_database():
    import io

    reading = addresses.read(
        io.BytesIO(b'\xef\xbb\xbfpostcode,house_number,x,y\r\n2800,1,"1,5",2\r\n')
    )
    assert reading.problems == []
    assert reading.rows[("2800", "1", "")]["x"] == 1.5


# --------------------------------------------------------------------------- dates of birth


def test_the_round_admits_a_range_of_birth_dates(small_round, office_client):
    Round.objects.filter(pk=small_round.pk).update(
        born_from=dt.date(2021, 1, 1), born_until=dt.date(2021, 12, 31)
    )
    c = sign_in(Client(), "parent@samen.test")
    address = Address.objects.get(house_number="1")
    data = {**DETAILS, "postcode": "2800", "house_number": "1", "address": address.pk}
    for bad in ("0001-01-01", "2020-12-31", "2022-01-01"):
        r = c.post(f"/rounds/{small_round.slug}/register/", {**data, "birth_date": bad}, headers=EN)
        assert r.status_code == 200
        assert (
            "This round is for children born from 1 January 2021 to 31 December 2021"
            in r.content.decode()
        )
    assert not Child.objects.exists()
    r = c.post(f"/rounds/{small_round.slug}/register/", {**data, "birth_date": "2021-06-30"})
    assert r.status_code == 302
    child = Child.objects.get()
    # the office allows another date for this child, with a reason
    url = _home_url(child)
    r = office_client.post(url, {"action": "birth-date", "born-birth_date": "2022-02-02"})
    assert r.status_code == 400
    r = office_client.post(
        url,
        {"action": "birth-date", "born-birth_date": "2022-02-02", "born-reason": "Skips a year"},
    )
    assert r.status_code == 302
    child.refresh_from_db()
    assert child.birth_date == dt.date(2022, 2, 2) and child.birth_date_reason == "Skips a year"
    entry = AuditEntry.objects.get(action="child.birth-date")
    assert entry.before["birth_date"] == "2021-06-30" and entry.after["reason"] == "Skips a year"
    assert entry.after["in_range"] is False
    # the family changes other details and keeps the exception ...
    edit = {**DETAILS, "first_name": "Mira", "postcode": "2800", "house_number": "1"}
    r = c.post(f"/children/{child.pk}/edit/", {**edit, "birth_date": "2022-02-02"})
    assert r.status_code == 302
    child.refresh_from_db()
    assert child.first_name == "Mira" and child.birth_date_reason == "Skips a year"
    # ... but another date outside the range is refused again
    r = c.post(f"/children/{child.pk}/edit/", {**edit, "birth_date": "2022-03-03"})
    assert r.status_code == 200
    child.refresh_from_db()
    assert child.birth_date == dt.date(2022, 2, 2)


def test_the_range_is_set_on_the_round_settings(small_round, office_client):
    form = {
        "name": small_round.name,
        "mechanism": "deferred-acceptance",
        "tie_breaking": "single",
        "distance": "euclidean",
        "languages_text": ["nl", "en"],
        "born_from": "2021-12-31",
        "born_until": "2021-01-01",
    }
    url = f"/office/rounds/{small_round.slug}/edit/"
    r = office_client.post(url, form)
    assert r.status_code == 200
    r = office_client.post(url, {**form, "born_from": "2021-01-01", "born_until": "2021-12-31"})
    assert r.status_code == 302
    small_round.refresh_from_db()
    assert small_round.born_from == dt.date(2021, 1, 1)
    entry = AuditEntry.objects.filter(action="round.edit").latest("id")
    assert entry.after["born_until"] == "2021-12-31"
    # without a range, a date of birth far in the past is still a typing error
    Round.objects.filter(pk=small_round.pk).update(born_from=None, born_until=None)
    c = sign_in(Client(), "parent@samen.test")
    address = Address.objects.get(house_number="1")
    data = {**DETAILS, "postcode": "2800", "house_number": "1", "address": address.pk}
    r = c.post(
        f"/rounds/{small_round.slug}/register/", {**data, "birth_date": "0001-01-01"}, headers=EN
    )
    assert r.status_code == 200 and "Check the year" in r.content.decode()


def test_the_office_allows_a_date_before_the_child_is_registered(small_round, office_client):
    Round.objects.filter(pk=small_round.pk).update(
        born_from=dt.date(2021, 1, 1), born_until=dt.date(2021, 12, 31)
    )
    c = sign_in(Client(), "parent@samen.test")
    address = Address.objects.get(house_number="1")
    data = {
        **DETAILS,
        "postcode": "2800",
        "house_number": "1",
        "address": address.pk,
        "birth_date": "2022-02-02",
    }
    url = f"/rounds/{small_round.slug}/register/"
    assert c.post(url, data).status_code == 200  # refused: outside the range
    page = f"/office/rounds/{small_round.slug}/birth-dates/"
    assert c.get(page).status_code == 403
    r = office_client.post(
        page, {"action": "allow", "email": "PARENT@samen.test", "birth_date": "2022-02-02"}
    )
    assert r.status_code == 400  # a reason is required
    r = office_client.post(
        page,
        {
            "action": "allow",
            "email": "PARENT@samen.test",
            "birth_date": "2022-02-02",
            "reason": "Skips a year",
        },
    )
    assert r.status_code == 302
    assert AuditEntry.objects.get(action="birth-date.allow").target == "parent@samen.test"
    # another parent, or another date, is still refused
    other = sign_in(Client(), "other@samen.test")
    assert other.post(url, data).status_code == 200
    assert c.post(url, {**data, "birth_date": "2022-02-03"}).status_code == 200
    assert c.post(url, data).status_code == 302
    child = Child.objects.get(parent__email="parent@samen.test")
    assert child.birth_date_reason == "Skips a year"
    assert child.birth_allowance.reason == "Skips a year"
    # used once: a second child with the same date is refused
    assert c.post(url, {**data, "first_name": "Tweede"}).status_code == 200
    # the family can change other details and keep the date
    edit = {**data, "first_name": "Mira"}
    del edit["address"]
    assert c.post(f"/children/{child.pk}/edit/", edit).status_code == 302
    # an allowance nobody used can be withdrawn (audited); a used one cannot
    office_client.post(
        page,
        {"action": "allow", "email": "x@samen.test", "birth_date": "2020-05-05", "reason": "r"},
    )
    unused = small_round.birth_allowances.get(email="x@samen.test")
    used = child.birth_allowance
    assert office_client.post(page, {"action": "withdraw", "allowance": used.pk}).status_code == 404
    r = office_client.post(page, {"action": "withdraw", "allowance": unused.pk})
    assert r.status_code == 302
    assert not small_round.birth_allowances.filter(pk=unused.pk).exists()
    assert AuditEntry.objects.filter(action="birth-date.withdraw").exists()
    html = office_client.get(page, headers=EN).content.decode()
    assert child.public_id in html and "born from 1 January 2021 to 31 December 2021" in html


def test_allowances_are_in_my_data_and_purged_with_the_round(small_round, office_client):
    import json

    from samen.web.core import privacy

    office_client.post(
        f"/office/rounds/{small_round.slug}/birth-dates/",
        {"action": "allow", "email": "p@samen.test", "birth_date": "2020-05-05", "reason": "r"},
    )
    c = sign_in(Client(), "p@samen.test")
    data = json.loads(c.get("/account/export.json").content)
    assert data["dates_of_birth_allowed_by_the_office"][0]["reason"] == "r"
    privacy.purge_round(small_round)
    assert not small_round.birth_allowances.exists()
