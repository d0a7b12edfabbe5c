"""The rules of version 2 (allocation rules section 10) on the platform: a round folder using
any of them imports and exports back to a folder that reads to the same rules and gives the
same allocation and waiting lists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from samen.engine.allocate import allocate
from samen.engine.instance import Instance
from samen.io.round import read_round
from samen.web.core import exchange, lifecycle
from samen.web.core.models import Round

from . import test_results, v2round

#: the fixture of six families placed and published (under its own name, ``allocated``)
allocated = test_results.allocated


def _export(rnd: Round, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    files = exchange.render_folder(exchange.folder_data(rnd))
    exchange.write_folder(files, folder)
    return folder


def _waiting(inst: Instance, result: Any) -> list[tuple[int, int, int, int]]:
    """The waiting lists (section 10.7) as (school, pool, position, child) rows."""
    w = result.waitlists
    if w is None:
        return []
    return [
        (int(s), int(p), int(k), int(a))
        for s, p, k, a in zip(w.school, w.pool, w.position, w.applicant, strict=True)
    ]


def _same_rules(a: Instance, b: Instance) -> None:
    assert list(a.school_ids) == list(b.school_ids)
    assert list(a.applicant_ids) == list(b.applicant_ids)
    assert a.choices.tolist() == b.choices.tolist()
    assert list(a.pool_names) == list(b.pool_names)
    assert a.pool_seats.tolist() == b.pool_seats.tolist()
    for name in ("expressions", "orderings", "value_names", "first_choice_only"):
        assert list(getattr(a, name)) == list(getattr(b, name)), name
    assert [x or "" for x in a.admits] == [x or "" for x in b.admits] or (
        not any(a.admits) and not any(b.admits)
    )
    assert list(a.nearest) == list(b.nearest)
    assert {k: list(v) for k, v in a.categories.items()} == {
        k: list(v) for k, v in b.categories.items()
    }
    assert (a.family_number, a.waitlists) == (b.family_number, b.waitlists)
    assert (a.values is None) == (b.values is None)
    if a.values is not None and b.values is not None:
        assert np.array_equal(a.values, b.values)
    assert a.priority.tolist() == b.priority.tolist()
    ra, rb = a.priority_rest, b.priority_rest
    assert (ra is None) == (rb is None)
    if ra is not None and rb is not None:
        assert ra.tolist() == rb.tolist()
    assert np.array_equal(a.group_at, b.group_at)


@pytest.mark.parametrize("rule", v2round.RULES)
def test_import_export_round_trip(db: Any, tmp_path: Path, rule: str) -> None:
    source = v2round.write(tmp_path / "in", rule)
    first = read_round(source)
    rnd = lifecycle.import_round(first)
    rnd.seed = first.settings.seed  # the export writes the seed of the round's draw
    again = read_round(_export(rnd, tmp_path / "out"))
    assert again.settings.crs == first.settings.crs == "EPSG:31370"
    a, b = first.instance, again.instance
    _same_rules(a, b)
    ra, rb = allocate(a), allocate(b)
    assert ra.school.tolist() == rb.school.tolist()
    assert ra.pool_cutoff == rb.pool_cutoff
    assert _waiting(a, ra) == _waiting(b, rb)
    assert (ra.waitlists is None) == (not a.waitlists)


# --------------------------------------------------------------------------- waiting lists


def _file_rows(run: Any) -> list[dict[str, str]]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(run.result_files["waitlists.csv"])))


WORDS = {
    "nl": "Nummer {position} van {of} op de wachtlijst van {school}",
    "en": "Number {position} of {of} on the waiting list of {school}",
    "fr": "Numéro {position} sur {of} sur la liste d\u2019attente de {school}",
}


@pytest.mark.parametrize("lang", ["nl", "en", "fr"])
def test_child_page_shows_the_positions_of_waitlists_csv(allocated: Any, lang: str) -> None:
    from django.utils.html import escape

    from samen.web.core.models import Placement

    families, run = allocated
    rows = _file_rows(run)
    assert rows, "a round made on the platform has waiting lists"
    length: dict[tuple[str, str], int] = {}
    for r in rows:
        length[(r["school_id"], r["pool"])] = length.get((r["school_id"], r["pool"]), 0) + 1
    shown = 0
    for client, child in families:
        mine = [r for r in rows if r["applicant_id"] == child.public_id]
        placement = Placement.objects.get(run=run, child=child)
        html = client.get(f"/children/{child.pk}/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
        if placement.choice_rank == 1:
            assert not mine
        for r in mine:
            school = child.round.schools.get(code=r["school_id"]).display_name
            text = WORDS[lang].format(
                position=r["position"], of=length[(r["school_id"], r["pool"])], school=school
            )
            assert escape(text) in html, text
            shown += 1
        # the positions read top to bottom in the order of the list
        placed = {p["school"] for p in placement.waiting}
        assert placed == {r["school_id"] for r in mine}
    assert shown


def test_positions_leave_the_page_after_declining(allocated: Any) -> None:
    from samen.web.core import positions
    from samen.web.core.models import Placement

    families, run = allocated
    waiting = [
        (c, child) for c, child in families if Placement.objects.get(run=run, child=child).waiting
    ]
    client, child = waiting[0]
    p = Placement.objects.get(run=run, child=child)
    assert positions.for_family(p)
    p.response = Placement.DECLINED
    p.save(update_fields=["response"])
    assert positions.for_family(p) == []
    html = client.get(f"/children/{child.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "on the waiting list of" not in html


def test_school_viewer_and_office_see_the_waiting_lists(allocated: Any, office_client: Any) -> None:
    from django.test import Client

    from samen.web.core.roles import add_staff

    from .conftest import sign_in

    families, run = allocated
    rnd = run.round
    add_staff("viewer@samen.test", "school", ["A"], round=rnd)
    viewer = sign_in(Client(), "viewer@samen.test")
    html = viewer.get(f"/school/{rnd.slug}/A/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    at_a = [r for r in _file_rows(run) if r["school_id"] == "A"]
    assert at_a and "Waiting lists" in html
    for r in at_a:
        assert f"<tr><td>{r['position']}</td><td>{r['applicant_id']}</td></tr>" in html
    # no names of waiting children on the school's page
    waiting_ids = {r["applicant_id"] for r in at_a}
    for _client, child in families:
        if child.public_id in waiting_ids:
            assert child.first_name not in html.split("waiting-title")[1]
    r = at_a[0]
    page = office_client.get(
        f"/office/rounds/{rnd.slug}/applicants/{r['applicant_id']}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert f"Number {r['position']} of " in page


# --------------------------------------------------------------------------- the office's forms


def _settings(office_client: Any, rnd: Round, lang: str = "en", **changes: Any) -> Any:
    """Post the round's settings form as shown, with ``changes``."""
    from .test_office_forms import _form_values

    url = f"/office/rounds/{rnd.slug}/edit/"
    values = _form_values(office_client.get(url, HTTP_ACCEPT_LANGUAGE=lang).content.decode())
    values.update(changes)
    return office_client.post(url, values, HTTP_ACCEPT_LANGUAGE=lang)


def test_round_settings_take_the_rules_of_version_2(small_round: Any, office_client: Any) -> None:
    from samen.web.core.models import AuditEntry

    small_round.priority_groups = ["sibling", "nearby", "zone"]
    small_round.save()
    r = _settings(
        office_client,
        small_round,
        family_number="best",
        first_choice_only_text="zone",
        nearest_text="nearby, 2\nzone, 3, denomination, public=1",
        numbers_text="points, punten, points, points",
        crs="EPSG:31370",
        default_pools_text="ind, 0.3, indicator | not:indicator, rank,distance\n"
        "rest, 0.7, , value:points,lottery",
    )
    assert r.status_code == 302, r.context["form"].errors
    small_round.refresh_from_db()
    assert small_round.family_number == "best"
    assert small_round.first_choice_only == ["zone"]
    assert small_round.nearest == [
        {"group": "nearby", "count": 2, "category": "", "at_least": []},
        {"group": "zone", "count": 3, "category": "denomination", "at_least": [["public", 1]]},
    ]
    assert small_round.numbers == [
        {"column": "points", "nl": "punten", "en": "points", "fr": "points"}
    ]
    assert small_round.crs == "EPSG:31370"
    assert small_round.default_pools[0]["favours"] == "indicator|not:indicator"
    assert small_round.default_pools[0]["order_by"] == "rank,distance"
    assert small_round.default_pools[1]["order_by"] == "value:points,lottery"
    entry = AuditEntry.objects.filter(action="round.edit").latest("id")
    assert entry.after["family_number"] == "best" and entry.before["family_number"] == "first"
    # the form shows them back as they were typed (normalised)
    html = office_client.get(f"/office/rounds/{small_round.slug}/edit/").content.decode()
    assert "zone, 3, denomination, public=1" in html and "points, punten, points, points" in html
    # the office is warned about rules that reward strategic ranking
    page = office_client.get(
        f"/office/rounds/{small_round.slug}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Pathak and Sönmez 2013" in page and "only at the first choice" in page


ROUND_ERRORS = [
    ({"nearest_text": "buurt, 2"}, "nearest_text", "not one of the round's priority groups"),
    ({"nearest_text": "sibling"}, "nearest_text", "number of nearest schools"),
    ({"nearest_text": "sibling, 0"}, "nearest_text", "number of nearest schools"),
    ({"nearest_text": "sibling, 2, , public=1"}, "nearest_text", "need the category column"),
    ({"nearest_text": "sibling, 2, kind, public"}, "nearest_text", "is not a minimum"),
    ({"nearest_text": "sibling, 2, admits"}, "nearest_text", "cannot be a category column"),
    ({"first_choice_only_text": "zone"}, "first_choice_only_text", "not one of the round's"),
    ({"numbers_text": "indicator"}, "numbers_text", "already a column of applicants.csv"),
    ({"numbers_text": "9lives"}, "numbers_text", "cannot be a column name"),
    ({"numbers_text": "p\np"}, "numbers_text", "given twice"),
    ({"family_number": "worst"}, "family_number", "Select a valid choice"),
    ({"crs": 'EPSG"1'}, "crs", "without quotes"),
    ({"default_pools_text": "a, 1, indicator|nope, lottery"}, "default_pools_text", "“nope”"),
    ({"default_pools_text": "a, 1, indicator|, lottery"}, "default_pools_text", "empty part"),
    ({"default_pools_text": "a, 1, , value:points"}, "default_pools_text", "value:points"),
    ({"default_pools_text": "a, 1, , rank,alphabet"}, "default_pools_text", "not an ordering"),
]


@pytest.mark.parametrize(("changes", "field", "words"), ROUND_ERRORS)
def test_round_settings_errors_are_field_errors(
    small_round: Any, office_client: Any, changes: dict[str, str], field: str, words: str
) -> None:
    before = Round.objects.filter(pk=small_round.pk).values().get()
    r = _settings(office_client, small_round, **changes)
    assert r.status_code == 200
    errors = r.context["form"].errors
    assert field in errors, errors
    assert words in " ".join(errors[field]), errors[field]
    assert Round.objects.filter(pk=small_round.pk).values().get() == before


def test_a_number_a_pool_orders_by_stays(small_round: Any, office_client: Any) -> None:
    from samen.web.core.models import Pool

    small_round.numbers = [{"column": "points"}]
    small_round.save()
    Pool.objects.filter(school__round=small_round, name="rest").update(order_by="value:points")
    r = _settings(office_client, small_round, numbers_text="")
    assert r.status_code == 200
    assert "D/rest" in " ".join(r.context["form"].errors["numbers_text"])
    small_round.refresh_from_db()
    assert small_round.numbers == [{"column": "points"}]


def test_school_form_admits_and_categories(small_round: Any, office_client: Any) -> None:
    from samen.web.core.models import School

    from .test_office_forms import _pool_post

    small_round.priority_groups = ["nearby"]
    small_round.nearest = [{"group": "nearby", "count": 2, "category": "kind", "at_least": []}]
    small_round.numbers = [{"column": "points"}]
    small_round.save()
    school = School.objects.get(round=small_round, code="A")
    url = f"/office/rounds/{small_round.slug}/schools/A/"
    pool = {"name": "all", "seats": "2", "order_by": "lottery"}
    bad = [
        ({"admits": "nope"}, "admits", "no question with the flag"),
        ({"admits": "points"}, "admits", "one of the round's numbers"),
        ({"categories_text": "colour=red"}, "categories_text", "reads the category"),
        ({"categories_text": "kind"}, "categories_text", "like denomination=public"),
        ({"categories_text": "kind=a\nkind=b"}, "categories_text", "given twice"),
    ]
    for extra, field, words in bad:
        r = office_client.post(url, _pool_post(school, pool, **extra), HTTP_ACCEPT_LANGUAGE="en")
        assert r.status_code == 200
        assert words in " ".join(r.context["form"].errors[field]), (extra, r.context["form"].errors)
    pool_bad = [
        ({"favours": "indicator|nope"}, "favours", "“nope”"),
        ({"order_by": "value:score"}, "order_by", "value:score"),
        ({"order_by": "rank,,lottery"}, "order_by", "not an ordering"),
    ]
    for extra, field, words in pool_bad:
        data = _pool_post(school, {**pool, **extra})
        r = office_client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
        assert r.status_code == 200
        errors = r.context["pools"].forms[0].errors
        assert words in " ".join(errors[field]), (extra, errors)
    data = _pool_post(
        school,
        {
            "name": "ind",
            "seats": "1",
            "favours": "indicator | not:indicator",
            "order_by": "rank, value:points",
        },
        {"name": "rest", "seats": "1", "favours": "", "order_by": "lottery"},
        admits="not: indicator",
        categories_text="kind = public",
    )
    r = office_client.post(url, data)
    assert r.status_code == 302, (r.context["form"].errors, r.context["pools"].errors)
    school.refresh_from_db()
    assert school.admits == "not:indicator" and school.categories == {"kind": "public"}
    assert [(p.favours, p.order_by) for p in school.pools.all()] == [
        ("indicator|not:indicator", "rank,value:points"),
        ("", "lottery"),
    ]


def test_the_rules_are_frozen_after_the_draw(small_round: Any, office_client: Any) -> None:
    office_client.post(f"/office/rounds/{small_round.slug}/status/", {"action": "close"})
    r = office_client.post(f"/office/rounds/{small_round.slug}/seed/reveal/", {"seed": "test seed"})
    assert r.status_code == 302
    small_round.refresh_from_db()
    assert small_round.seed
    before = (
        Round.objects.filter(pk=small_round.pk)
        .values("family_number", "waitlists", "first_choice_only", "nearest", "numbers", "crs")
        .get()
    )
    r = _settings(
        office_client,
        small_round,
        family_number="best",
        waitlists=[],
        first_choice_only_text="sibling",
        numbers_text="points",
        crs="EPSG:4326",
    )
    assert r.status_code in (302, 409)
    after = Round.objects.filter(pk=small_round.pk).values(*before).get()
    assert after == before
    r = office_client.post(
        f"/office/rounds/{small_round.slug}/schools/A/", {"code": "A", "admits": "indicator"}
    )
    assert r.status_code == 409
    assert not small_round.schools.get(code="A").admits


# --------------------------------------------------------------------------- admits, numbers


def _admitting_round(small_round: Any) -> Any:
    """School C admits only children with the indicator."""
    from samen.web.core.models import School

    c = School.objects.get(round=small_round, code="C")
    c.admits = "indicator"
    c.save()
    return c


def test_the_family_list_offers_only_schools_that_admit_the_child(
    small_round: Any, office_client: Any
) -> None:
    from django.test import Client

    from samen.web.core.models import Choice

    from .conftest import register_child, sign_in

    school_c = _admitting_round(small_round)
    parent = sign_in(Client(), "p@samen.test")
    child = register_child(parent, small_round, indicator="0", schools=("A",))
    for lang, words in (
        ("en", "Admits only children who answered yes to"),
        ("nl", "Neemt alleen kinderen op die antwoordden"),
        ("fr", "N&#x27;accepte que les enfants qui ont répondu"),
    ):
        html = parent.get(f"/children/{child.pk}/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
        select = html.split('<select name="school"')[1].split("</select>")[0]
        assert "School B" in select and "School C" not in select
        assert words in html, lang
    # the school's public page says whom it admits
    html = parent.get(f"/rounds/{small_round.slug}/schools/C/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Admits only children who answered yes to: Indicator?" in html.content.decode()
    # posting it anyway is refused, with the reason, and nothing is saved
    r = parent.post(f"/children/{child.pk}/choices/add/", {"school": school_c.pk}, follow=True)
    assert r.status_code == 200
    assert not Choice.objects.filter(child=child, school=school_c).exists()
    # a child with the indicator may add it
    other = register_child(parent, small_round, first="Mila", indicator="1", schools=("C",))
    assert Choice.objects.filter(child=other, school=school_c).exists()
    # changing the answers so that a listed school no longer admits it: a form error
    r = parent.post(
        f"/children/{other.pk}/edit/",
        {
            "first_name": "Mila",
            "last_name": "Test",
            "birth_date": "2024-03-01",
            "postcode": other.postcode,
            "house_number": other.house_number,
            "q_indicator": "0",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 200
    assert "with these answers the child cannot apply there" in r.content.decode()
    other.refresh_from_db()
    assert other.flags["indicator"] == 1


def test_an_office_change_of_admits_is_listed_and_stops_the_draw(
    small_round: Any, office_client: Any
) -> None:
    from django.test import Client

    from samen.web.core import v2checks

    from .conftest import register_child, sign_in

    parent = sign_in(Client(), "p@samen.test")
    child = register_child(parent, small_round, indicator="0", schools=("A", "C"))
    # the office changes C's rule after the child listed C: it is told at once
    from samen.web.core.models import School

    from .test_office_forms import _pool_post

    school_c = School.objects.get(round=small_round, code="C")
    r = office_client.post(
        f"/office/rounds/{small_round.slug}/schools/C/",
        _pool_post(school_c, admits="indicator"),
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert r.status_code == 200
    assert f"{child.public_id} lists School C (choice 2)" in r.content.decode()
    school_c.refresh_from_db()
    assert school_c.admits == "indicator"
    found = v2checks.blocking(small_round)
    assert len(found) == 1 and child.public_id in found[0]
    page = office_client.get(
        f"/office/rounds/{small_round.slug}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert f"{child.public_id} lists School C (choice 2)" in page
    office_client.post(f"/office/rounds/{small_round.slug}/status/", {"action": "close"})
    r = office_client.post(f"/office/rounds/{small_round.slug}/seed/reveal/", {"seed": "test seed"})
    assert r.status_code in (302, 409)
    small_round.refresh_from_db()
    assert small_round.seed == ""  # the draw waits


def test_the_office_gives_the_numbers_and_the_draw_waits_for_them(
    small_round: Any, office_client: Any
) -> None:
    from django.test import Client

    from samen.web.core.models import AuditEntry, Pool, School

    from .conftest import register_child, sign_in

    small_round.numbers = [{"column": "points", "nl": "punten", "en": "points", "fr": "points"}]
    small_round.save()
    d = School.objects.get(round=small_round, code="D")
    Pool.objects.filter(school=d, name="rest").update(order_by="value:points,lottery")
    parent = sign_in(Client(), "p@samen.test")
    child = register_child(parent, small_round, schools=("D",))
    # the family's form has no field for it
    html = parent.get(f"/children/{child.pk}/edit/").content.decode()
    assert "points" not in html
    url = f"/office/rounds/{small_round.slug}/applicants/{child.public_id}/"
    page = office_client.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "punten" in page and "value:points" in page
    for bad in ("abc", "1e400", "nan"):
        office_client.post(url, {"action": "set-value", "column": "points", "value": bad})
        child.refresh_from_db()
        assert child.values == {}, bad
    office_client.post(url, {"action": "set-value", "column": "nope", "value": "1"})
    child.refresh_from_db()
    assert child.values == {}
    # the live chances (an estimate) count a number still to be given as the last one
    from dataclasses import replace

    estimate = replace(exchange.folder_data(small_round, unverified_metres=9e3), seed="s")
    fc = next(c for c in estimate.children if c.public_id == child.public_id)
    assert fc.values == {"points": 1e15}
    assert exchange.folder_data(small_round).children[0].values == {"points": None}
    office_client.post(f"/office/rounds/{small_round.slug}/status/", {"action": "close"})
    office_client.post(f"/office/rounds/{small_round.slug}/seed/reveal/", {"seed": "test seed"})
    small_round.refresh_from_db()
    assert small_round.seed == ""  # a child with a list has no points yet
    r = office_client.post(url, {"action": "set-value", "column": "points", "value": "2,5"})
    assert r.status_code == 302
    child.refresh_from_db()
    assert child.values == {"points": 2.5}
    entry = AuditEntry.objects.filter(action="child.value").latest("id")
    assert entry.target == child.public_id and entry.after == {"points": 2.5}
    r = office_client.post(f"/office/rounds/{small_round.slug}/seed/reveal/", {"seed": "test seed"})
    small_round.refresh_from_db()
    assert small_round.seed == "test seed"
    # frozen now
    r = office_client.post(url, {"action": "set-value", "column": "points", "value": "1"})
    assert r.status_code == 409
    child.refresh_from_db()
    assert child.values == {"points": 2.5}
    # the round folder carries the number
    files = exchange.render_folder(exchange.folder_data(small_round))
    assert "points" in files["applicants.csv"].decode().splitlines()[0]


def test_the_demo_loads_a_v2_round_and_families_see_positions(db: Any, tmp_path: Path) -> None:
    from samen.web.core import allocation, demo, jobs, positions
    from samen.web.core.models import AllocationRun, Job, Placement

    folder = v2round.write(tmp_path / "v2", "all")
    d = demo.load(folder)
    rnd = d.round
    assert rnd.family_number == "best" and rnd.waitlists and rnd.nearest
    assert rnd.schools.get(code="S5").admits == "advice_havo|advice_vwo"
    lifecycle.close_registration(rnd)
    lifecycle.reveal_seed(rnd, d.seed)
    lifecycle.queue_allocation(rnd)
    assert jobs.work(once=True) == 1
    job = Job.objects.get(round=rnd, kind="allocate")
    assert job.status == Job.DONE, job.error
    run = AllocationRun.objects.get(round=rnd)
    assert "waitlists.csv" in run.result_files
    lifecycle.publish_run(run)
    rows = _file_rows(run)
    waiting = Placement.objects.filter(run=run).exclude(waiting=[])
    assert waiting.exists()
    for p in waiting:
        mine = [r for r in rows if r["applicant_id"] == p.child.public_id]
        assert [(w["school"], w["pool"], w["position"]) for w in p.waiting] == [
            (r["school_id"], r["pool"], int(r["position"])) for r in mine
        ]
    assert allocation.current_placements(rnd)
    _pages_render(d, run, waiting.first())
    # a waiting-list round after some families decline: the newest run's positions count
    declined = list(Placement.objects.filter(run=run, school__isnull=False)[:5])
    for p in declined:
        p.response = Placement.DECLINED
        p.save(update_fields=["response"])
    lifecycle.queue_waiting_list(rnd)
    assert jobs.work(once=True) == 1
    job = Job.objects.filter(round=rnd, kind="waiting").get()
    assert job.status == Job.DONE, job.error
    second = AllocationRun.objects.get(round=rnd, number=1)
    lifecycle.publish_run(second)
    current = allocation.current_placements(rnd)
    newest = [p for p in current.values() if p.run_id == second.pk and p.waiting]
    assert newest and all(positions.still_waiting(p) for p in newest)
    old = Placement.objects.filter(run=run).exclude(waiting=[]).first()
    assert old is not None and not positions.still_waiting(old)


def test_the_office_imports_and_exports_a_v2_folder(office_client: Any, tmp_path: Path) -> None:
    import io
    import zipfile

    from .test_allocation import upload_example

    folder = v2round.write(tmp_path / "v2", "all")
    r = upload_example(office_client, folder)
    assert r.status_code == 302
    rnd = Round.objects.get()
    assert rnd.children.count() == 40 and rnd.numbers == [{"column": "points"}]
    assert rnd.schools.get(code="S1").categories == {"denomination": "public"}
    zipped = office_client.get(f"/office/rounds/{rnd.slug}/export.zip")
    assert zipped.status_code == 200
    out = tmp_path / "out"
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as zf:
        zf.extractall(out)
    toml = next(out.rglob("round.toml"))
    text = toml.read_text()
    for line in ('family_number = "best"', 'first_choice_only = ["zone"]', "waitlists = true"):
        assert line in text, line
    assert "[[nearest]]" in text and 'crs = "EPSG:31370"' in text
    # before the draw the folder has no seed: give it the one of the source to read it
    toml.write_text(text.replace('seed = ""', f'seed = "{v2round.SEED}"'))
    again = read_round(toml.parent)
    first = read_round(folder)
    _same_rules(first.instance, again.instance)


def _pages_render(d: Any, run: Any, waiting: Any) -> None:
    """Every page that shows pools, cut-offs or positions of a v2 run renders, in 3 languages."""
    from django.test import Client

    from .conftest import sign_in

    rnd = run.round
    office = sign_in(Client(), d.office)
    viewer = sign_in(Client(), d.school)
    parents = [sign_in(Client(), e) for e in d.parents]
    for lang in ("nl", "en", "fr"):
        pages = [
            (Client(), f"/rounds/{rnd.slug}/results/"),
            (office, f"/office/runs/{run.pk}/"),
            (office, f"/office/rounds/{rnd.slug}/"),
            (office, f"/office/rounds/{rnd.slug}/applicants/{waiting.child.public_id}/"),
            (viewer, f"/school/{rnd.slug}/{d.school_code}/"),
        ]
        pages += [(Client(), f"/rounds/{rnd.slug}/schools/{s.code}/") for s in rnd.schools.all()]
        for parent, email in zip(parents, d.parents, strict=True):
            for child in rnd.children.filter(parent__email=email):
                pages.append((parent, f"/children/{child.pk}/"))
        for client, url in pages:
            r = client.get(url, HTTP_ACCEPT_LANGUAGE=lang)
            assert r.status_code == 200, (url, r.status_code)
    html = office.get(
        f"/office/rounds/{rnd.slug}/applicants/{waiting.child.public_id}/",
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    first = waiting.waiting[0]
    assert f"Number {first['position']} of {first['of']} on the waiting list of" in html


def _round_trip(folder: Path, out: Path) -> None:
    """Import ``folder``, export it again, and compare both as the engine reads them."""
    from django.db import transaction

    first = read_round(folder)
    with transaction.atomic():
        rnd = exchange.import_round(first)
        rnd.seed = first.settings.seed
        again = read_round(_export(rnd, out))
        transaction.set_rollback(True)
    a, b = first.instance, again.instance
    _same_rules(a, b)
    ra, rb = allocate(a), allocate(b)
    assert ra.school.tolist() == rb.school.tolist()
    assert ra.pool_cutoff == rb.pool_cutoff
    assert _waiting(a, ra) == _waiting(b, rb)


def test_the_test_round_of_the_rules_round_trips(db: Any, tmp_path: Path) -> None:
    """The round of ``tests/test_bad_input_v2.py`` that uses every rule of section 10."""
    from roundfiles import write_round
    from test_bad_input_v2 import V2

    _round_trip(write_round(tmp_path / "in", base=V2), tmp_path / "out")


def test_random_v2_rounds_round_trip(db: Any) -> None:
    """Random rounds with every rule of section 10 (distances.csv rows of pairs no child
    listed, several priority rows per pair, ties of distance on purpose), as
    ``tests/test_round_files_v2.py`` makes them."""
    import tempfile

    from hypothesis import HealthCheck, given, settings

    from conftest import rounds_v2
    from samen.io.round import instance_settings, instance_tables, render_round, write_round

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(rounds_v2())
    def check(spec: Any) -> None:
        inst = spec.build()
        files = render_round(instance_settings(inst, "random v2 round"), instance_tables(inst))
        with tempfile.TemporaryDirectory() as tmp:
            folder = write_round(Path(tmp) / "in", files)
            _round_trip(folder, Path(tmp) / "out")

    check()


def test_the_office_uploads_the_numbers_of_many_children(
    small_round: Any, office_client: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from samen.web.core.models import AuditEntry

    from .conftest import register_child, sign_in

    small_round.numbers = [{"column": "points"}, {"column": "date"}]
    small_round.save()
    parent = sign_in(Client(), "p@samen.test")
    a = register_child(parent, small_round, first="Ann", schools=("A",))
    b = register_child(parent, small_round, first="Bo", schools=("B",))
    url = f"/office/rounds/{small_round.slug}/numbers/"
    assert office_client.get(url).status_code == 200

    def upload(text: str) -> Any:
        f = SimpleUploadedFile("numbers.csv", text.encode("utf-8"), "text/csv")
        return office_client.post(url, {"file": f}, HTTP_ACCEPT_LANGUAGE="en")

    bad = [
        ("id,points\n", "applicant_id"),
        ("applicant_id,score\nX,1\n", "no number “score”"),
        (f"applicant_id,points\n{a.public_id},abc\n", "is not a number"),
        (f"applicant_id,points\nK-NOPE,1\n{a.public_id},2\n", "No child of the round"),
        (f"applicant_id,points\n{a.public_id},1\n{a.public_id},2\n", "second row"),
    ]
    for text, words in bad:
        r = upload(text)
        assert r.status_code == 400 and words in r.content.decode(), text
    assert not AuditEntry.objects.filter(action="child.values-import").exists()
    a.refresh_from_db()
    assert a.values == {}
    # semicolons, as a Flemish spreadsheet saves it; an empty cell keeps the number
    r = upload(f"\ufeffapplicant_id;points;date\n{a.public_id};2,5;20270115\n{b.public_id};;1\n")
    assert r.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.values == {"points": 2.5, "date": 20270115.0} and b.values == {"date": 1.0}
    entry = AuditEntry.objects.get(action="child.values-import")
    assert entry.after["children"] == 2
    # frozen after the draw
    small_round.seed = "test seed"
    small_round.save()
    r = upload(f"applicant_id,points\n{a.public_id},9\n")
    assert r.status_code == 409
    a.refresh_from_db()
    assert a.values["points"] == 2.5


def test_a_flag_no_question_asks_is_a_warning(small_round: Any, office_client: Any) -> None:
    from samen.web.core.models import School

    School.objects.filter(round=small_round, code="A").update(admits="advice_havo")
    page = office_client.get(
        f"/office/rounds/{small_round.slug}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "name advice_havo, which no question of the round asks" in page


def test_applying_together_never_shares_a_list_a_school_refuses(
    small_round: Any, office_client: Any
) -> None:
    from django.test import Client

    from samen.web.core.models import Address, Child

    from .conftest import register_child, sign_in

    _admitting_round(small_round)  # C admits only children with the indicator
    parent = sign_in(Client(), "p@samen.test")
    register_child(
        parent,
        small_round,
        first="Lien",
        indicator="1",
        schools=("C",),
        extra={"apply_together": "on"},
    )
    address = Address.objects.get(postcode="2800", house_number="1", box="")
    data = {
        "first_name": "Lars",
        "last_name": "Test",
        "birth_date": "2024-03-01",
        "postcode": "2800",
        "house_number": "1",
        "q_indicator": "0",
        "apply_together": "on",
        "address": str(address.pk),
    }
    r = parent.post(f"/rounds/{small_round.slug}/register/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    assert "School C is on the list, but with these answers" in r.content.decode()
    assert not Child.objects.filter(round=small_round, first_name="Lars").exists()


def test_a_pledge_group_only_for_a_school_that_admits_the_child(
    small_round: Any, office_client: Any
) -> None:
    from django.test import Client

    from samen.web.core.models import Choice, PledgeGroup

    from .conftest import register_child, sign_in

    school_c = _admitting_round(small_round)
    parent = sign_in(Client(), "p@samen.test")
    child = register_child(parent, small_round, indicator="0", schools=("A",))
    # the form to start a group does not offer C
    html = parent.get(f"/children/{child.pk}/pledge/new/").content.decode()
    select = html.split('name="target"')[1].split("</select>")[0]
    assert "School A" in select and "School C" not in select
    # joining another family's group for C is refused with the reason
    group = PledgeGroup.objects.create(
        round=small_round, group_id="G1", name="Straat", target=school_c, threshold=2
    )
    r = parent.post(
        f"/pledge/{group.token}/", {"child": child.pk}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert r.status_code == 200
    assert "cannot apply to School C" in r.content.decode()
    child.refresh_from_db()
    assert child.pledge_group_id is None
    assert not Choice.objects.filter(child=child, school=school_c).exists()


def test_a_round_made_on_the_platform_has_waiting_lists(small_round: Any) -> None:
    """Decision 35: a round made on the platform computes the waiting lists, and the folder it
    writes for the allocation says so."""
    assert small_round.waitlists
    files = exchange.render_folder(exchange.folder_data(small_round))
    assert "waitlists = true" in files["round.toml"].decode()
