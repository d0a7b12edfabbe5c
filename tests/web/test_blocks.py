"""Twins and siblings who apply together share ONE list on the platform: every list action,
the drag-and-drop order, pledge groups, joining and leaving the block; the round folder gives
them one family and one list, and the engine keeps them together."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from samen.web.core import allocation, exchange, family, jobs
from samen.web.core.models import Child, Choice, Job, PledgeGroup, School

from .conftest import register_child, sign_in

TOGETHER = {"apply_together": "on"}
EN = {"accept-language": "en"}


def codes(child: Child) -> list[str]:
    return [c.school.code for c in Choice.objects.filter(child=child).order_by("rank")]


def group_of(child: Child) -> PledgeGroup | None:
    child.refresh_from_db()
    return child.pledge_group


@pytest.fixture
def twins(small_round):
    c = sign_in(Client(), "twins@samen.test")
    anna = register_child(c, small_round, first="Anna", schools=("A", "B"), extra=TOGETHER)
    # the second twin joins the block and takes its list; adding to it adds to both
    bert = register_child(c, small_round, first="Bert", schools=("C",), extra=TOGETHER)
    return c, anna, bert


def test_the_second_twin_takes_the_list_and_every_action_edits_both(twins):
    c, anna, bert = twins
    assert codes(anna) == codes(bert) == ["A", "B", "C"]
    c.post(f"/children/{bert.pk}/choices/move/", {"school": "C", "direction": "up"})
    assert codes(anna) == codes(bert) == ["A", "C", "B"]
    c.post(f"/children/{anna.pk}/choices/remove/", {"school": "A"})
    assert codes(anna) == codes(bert) == ["C", "B"]
    c.post(f"/children/{bert.pk}/choices/order/", {"order": "B,C"})
    assert codes(anna) == codes(bert) == ["B", "C"]
    for child in (anna, bert):
        assert [ch.rank for ch in Choice.objects.filter(child=child).order_by("rank")] == [1, 2]
    html = c.get(f"/children/{anna.pk}/", headers=EN).content.decode()
    assert "Anna applies together with Bert Test" in html and "share this list" in html


def test_the_order_endpoint_stays_at_four_statements_for_a_block(twins, small_round):
    from .test_fastpath import ORDER_STATEMENTS

    c, anna, bert = twins
    with CaptureQueriesContext(connection) as queries:
        r = c.post(f"/children/{anna.pk}/choices/order/", {"order": "C,B,A"})
    assert r.status_code == 302
    assert len(queries.captured_queries) <= ORDER_STATEMENTS
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(writes) == 1
    assert codes(anna) == codes(bert) == ["C", "B", "A"]
    # another family's child applying together in the same round is not touched
    other = sign_in(Client(), "other@samen.test")
    lou = register_child(other, small_round, first="Lou", schools=("A", "B"), extra=TOGETHER)
    assert family.set_order(anna.parent_id, anna.pk, ["A", "B", "C"]) == family.ORDERED
    assert codes(lou) == ["A", "B"] and codes(bert) == ["A", "B", "C"]
    assert family.set_order(anna.parent_id, lou.pk, ["B", "A"]) == family.NOT_FOUND


def test_lists_that_differ_from_before_are_made_equal_by_the_order(twins):
    _c, anna, bert = twins
    Choice.objects.filter(child=bert, school__code="C").delete()  # data from before
    assert family.set_order(anna.parent_id, anna.pk, ["C", "A", "B"]) == family.ORDERED
    assert codes(anna) == codes(bert) == ["C", "A", "B"]


def test_a_pledge_group_is_joined_and_left_by_the_block(twins, small_round):
    c, anna, bert = twins
    target = School.objects.get(round=small_round, code="D")
    r = c.post(
        f"/children/{anna.pk}/pledge/new/",
        {"name": "Samen naar D", "target": target.pk, "threshold": 2},
    )
    assert r.status_code == 302
    group = PledgeGroup.objects.get()
    assert group_of(anna) == group_of(bert) == group
    assert codes(anna) == codes(bert) == ["D", "A", "B", "C"]
    assert group.member_count() == 2
    r = c.post(f"/children/{bert.pk}/pledge/leave/", follow=True, headers=EN)
    assert "left the group together" in r.content.decode()
    assert group_of(anna) is None and group_of(bert) is None
    assert codes(anna) == codes(bert) == ["D", "A", "B", "C"]
    r = c.post(f"/pledge/{group.token}/", {"child": bert.pk}, follow=True, headers=EN)
    assert "joined the group together" in r.content.decode()
    assert group_of(anna) == group_of(bert) == group
    # the pledge's school stays first for both, whatever the order sent
    c.post(f"/children/{anna.pk}/choices/order/", {"order": "A,D,B,C"})
    assert codes(anna) == codes(bert) == ["D", "A", "B", "C"]
    # taking the school off the list leaves the group, for both
    c.post(f"/children/{anna.pk}/choices/remove/", {"school": "D"})
    assert group_of(anna) is None and group_of(bert) is None
    assert codes(bert) == ["A", "B", "C"]


def test_joining_with_a_list_of_its_own_asks_which_list_to_keep(small_round):
    c = sign_in(Client(), "parent@samen.test")
    anna = register_child(c, small_round, first="Anna", schools=("A", "B"), extra=TOGETHER)
    bert = register_child(c, small_round, first="Bert", house="2", schools=("C", "D"))
    assert codes(bert) == ["C", "D"] and codes(anna) == ["A", "B"]  # not together yet
    data = {
        "first_name": "Bert",
        "last_name": "Test",
        "birth_date": "2024-03-01",
        "postcode": "2800",
        "house_number": "2",
        "q_indicator": "0",
        "apply_together": "on",
    }
    r = c.post(f"/children/{bert.pk}/edit/", data, headers=EN)
    html = r.content.decode()
    assert r.status_code == 200 and "Which list do they keep?" in html
    assert "The list of Anna: School A; School B" in html
    assert "The list of Bert: School C; School D" in html
    bert.refresh_from_db()
    assert not bert.apply_together  # nothing saved before the choice
    # another family's list cannot be chosen
    other = sign_in(Client(), "other@samen.test")
    lou = register_child(other, small_round, first="Lou", schools=("D",), extra=TOGETHER)
    r = c.post(f"/children/{bert.pk}/edit/", {**data, "keep_list": str(lou.pk)})
    assert r.status_code == 200
    bert.refresh_from_db()
    assert not bert.apply_together and codes(bert) == ["C", "D"] and codes(lou) == ["D"]
    r = c.post(f"/children/{bert.pk}/edit/", {**data, "keep_list": str(bert.pk)})
    assert r.status_code == 302
    assert codes(anna) == codes(bert) == ["C", "D"]
    # leaving the block keeps a copy; from then on the lists are apart
    del data["apply_together"]
    assert c.post(f"/children/{bert.pk}/edit/", data).status_code == 302
    c.post(f"/children/{bert.pk}/choices/remove/", {"school": "C"})
    assert codes(bert) == ["D"] and codes(anna) == ["C", "D"]


def test_the_round_folder_gives_the_block_one_family_and_one_list(twins, small_round):
    c, anna, bert = twins
    loner = register_child(c, small_round, first="Cas", house="3", schools=("A",))
    data = exchange.folder_data(small_round)
    rows = {fc.public_id: fc for fc in data.children}
    a, b = rows[anna.public_id], rows[bert.public_id]
    assert a.family == b.family != "" and a.choices == b.choices and a.pledge == b.pledge
    assert rows[loner.public_id].family == ""
    files = exchange.render_folder(data)
    lines = files["applicants.csv"].decode().splitlines()
    assert f"{anna.public_id},A;B;C,0,{a.family}" in lines
    assert f"{bert.public_id},A;B;C,0,{a.family}" in lines


def _allocate(office_client, rnd):
    office_client.post(f"/office/rounds/{rnd.slug}/status/", {"action": "close"})
    office_client.post(f"/office/rounds/{rnd.slug}/seed/reveal/", {"seed": "test seed"})
    office_client.post(f"/office/rounds/{rnd.slug}/allocate/", {"kind": "allocate"})
    assert jobs.work(once=True) == 1
    job = Job.objects.get(kind="allocate")
    assert job.status == Job.DONE, job.error
    return rnd.runs.get()


def test_the_engine_keeps_the_twins_together(small_round, office_client):
    """A has 2 seats and B 2: five other children want A first; twins with one list are
    placed at the same school with one lottery number, whatever the draw."""
    for k in range(5):
        other = sign_in(Client(), f"p{k}@samen.test")
        register_child(other, small_round, first=f"Kind{k}", house=str(k + 1), schools=("A", "B"))
    c = sign_in(Client(), "twins@samen.test")
    anna = register_child(c, small_round, first="Anna", schools=("A", "B"), extra=TOGETHER)
    bert = register_child(c, small_round, first="Bert", schools=(), extra=TOGETHER)
    run = _allocate(office_client, small_round)
    a, b = (run.placements.get(child=k) for k in (anna, bert))
    assert a.school_id == b.school_id and a.lottery == b.lottery


def test_an_allocation_refuses_a_block_written_with_two_lists(twins, small_round, office_client):
    _c, anna, bert = twins
    Choice.objects.filter(child=bert, school__code="C").delete()  # data from before
    office_client.post(f"/office/rounds/{small_round.slug}/status/", {"action": "close"})
    office_client.post(f"/office/rounds/{small_round.slug}/seed/reveal/", {"seed": "test seed"})
    small_round.refresh_from_db()
    with pytest.raises(allocation.AllocationError) as err:
        allocation.run_main(small_round)
    assert anna.public_id in str(err.value) and bert.public_id in str(err.value)
