"""The office: import with problems listed by file, row and column; export; the public draw;
settings, schools and questions; staff and addresses; the audit log."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from samen.io.round import read_round
from samen.web.core.models import (
    Address,
    AuditEntry,
    Child,
    Choice,
    Pool,
    Question,
    Round,
    School,
)

from .conftest import EXAMPLE, sign_in
from .test_allocation import upload_example


def _files(**named: str) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(name, text.encode()) for name, text in named.items()]


GOOD_TOML = 'name = "Klein"\nseed = "s"\n'


def test_import_shows_problems_with_file_row_and_column(office_client):
    files = _files(
        **{
            "round.toml": GOOD_TOML,
            "schools.csv": "school_id,capacity\nS1,2\nS2,many\n",
            "applicants.csv": "applicant_id,choices\na,S1;S9\nb,S2\n",
        }
    )
    r = office_client.post("/office/rounds/import/", {"files": files})
    assert r.status_code == 400
    html = r.content.decode()
    assert "<td>schools.csv</td><td>3</td><td>capacity</td>" in html
    assert "<td>applicants.csv</td><td>2</td><td>choices</td>" in html
    assert not Round.objects.exists()


def test_import_from_a_zip_and_export_round_trip(office_client, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in EXAMPLE.iterdir():
            if p.suffix in (".csv", ".toml"):
                zf.write(p, f"mechelen-2027/{p.name}")
        zf.writestr("mechelen-2027/results/assignments.csv", "ignored")
    r = office_client.post(
        "/office/rounds/import/", {"files": [SimpleUploadedFile("round.zip", buf.getvalue())]}
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    rnd = Round.objects.get()
    assert rnd.schools.count() == 12 and rnd.children.count() == 800
    assert rnd.pledge_groups.count() == 2
    assert Pool.objects.filter(school__round=rnd).count() == 14  # the lines of seats.csv
    assert {q.flag for q in rnd.questions.all()} == {"indicator", "disability"}
    entry = AuditEntry.objects.get(action="round.import")
    assert entry.after["children"] == 800 and entry.actor.email == "office@samen.test"
    # the export is a valid round folder with the same ids and lists
    data = office_client.get(f"/office/rounds/{rnd.slug}/export.zip").content
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(tmp_path)
    # the imported seed is not kept: the exported round.toml waits for the draw's seed
    toml = (tmp_path / "round.toml").read_text()
    assert 'seed = ""' in toml and "publieke loting" not in toml
    (tmp_path / "round.toml").write_text(toml.replace('seed = ""', 'seed = "after the draw"'))
    again = read_round(tmp_path)
    original = read_round(EXAMPLE)
    assert list(again.instance.applicant_ids) == list(original.instance.applicant_ids)
    assert again.instance.choices.tolist() == original.instance.choices.tolist()
    assert again.instance.pool_seats.tolist() == original.instance.pool_seats.tolist()


def test_import_is_one_transaction(office_client, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Choice.objects, "bulk_create", fail)
    client = office_client
    client.raise_request_exception = False
    r = upload_example(client)
    assert r.status_code == 500
    assert not Round.objects.exists() and not Child.objects.exists()
    assert not School.objects.exists()


def test_public_draw(small_round, office_client):
    slug = small_round.slug
    # a new commitment replaces the old one before registration closes; the seed is not kept
    r = office_client.post(f"/office/rounds/{slug}/seed/commit/", {"seed": "new secret seed"})
    assert r.status_code == 302
    small_round.refresh_from_db()
    assert small_round.seed_commitment == hashlib.sha256(b"new secret seed").hexdigest()
    assert small_round.seed == ""
    public = Client().get(f"/rounds/{slug}/draw/").content.decode()
    assert small_round.seed_commitment in public and "new secret seed" not in public
    # no reveal before registration closes
    office_client.post(f"/office/rounds/{slug}/seed/reveal/", {"seed": "new secret seed"})
    small_round.refresh_from_db()
    assert small_round.seed == ""
    office_client.post(f"/office/rounds/{slug}/status/", {"action": "close"})
    # no new commitment after it closes
    office_client.post(f"/office/rounds/{slug}/seed/commit/", {"seed": "other"})
    small_round.refresh_from_db()
    assert small_round.seed_commitment == hashlib.sha256(b"new secret seed").hexdigest()
    # a seed that does not match is refused
    office_client.post(f"/office/rounds/{slug}/seed/reveal/", {"seed": "new secret Seed"})
    small_round.refresh_from_db()
    assert small_round.seed == ""
    assert AuditEntry.objects.filter(action="seed.reveal-mismatch").exists()
    office_client.post(f"/office/rounds/{slug}/seed/reveal/", {"seed": "new secret seed"})
    small_round.refresh_from_db()
    assert small_round.seed == "new secret seed"
    public = Client().get(f"/rounds/{slug}/draw/").content.decode()
    assert "new secret seed" in public and "sha256sum" in public


def test_closing_needs_a_commitment(small_round, office_client):
    Round.objects.filter(pk=small_round.pk).update(seed_commitment="")
    office_client.post(f"/office/rounds/{small_round.slug}/status/", {"action": "close"})
    small_round.refresh_from_db()
    assert small_round.status == Round.OPEN


def test_allocation_needs_the_draw(small_round, office_client):
    office_client.post(f"/office/rounds/{small_round.slug}/status/", {"action": "close"})
    r = office_client.post(f"/office/rounds/{small_round.slug}/allocate/", {"kind": "allocate"})
    assert r.status_code == 409
    from samen.web.core.models import Job

    assert not Job.objects.exists()


def test_round_settings_are_audited(small_round, office_client):
    r = office_client.post(
        f"/office/rounds/{small_round.slug}/edit/",
        {
            "name": "Test 2027 (nieuw)",
            "mechanism": "deferred-acceptance",
            "tie_breaking": "multiple",
            "distance": "euclidean",
            "priority_groups_text": "sibling, staff",
            "default_pools_text": "all, 1, , lottery",
            "languages_text": ["nl", "fr"],
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    small_round.refresh_from_db()
    assert small_round.tie_breaking == "multiple"
    assert small_round.priority_groups == ["sibling", "staff"]
    assert small_round.default_pools == [
        {"name": "all", "share": "1", "favours": "", "order_by": "lottery"}
    ]
    entry = AuditEntry.objects.get(action="round.edit")
    assert entry.before["name"] == "Test 2027" and entry.after["name"] == "Test 2027 (nieuw)"
    assert entry.before["tie_breaking"] == "single" and entry.after["tie_breaking"] == "multiple"
    assert entry.actor.email == "office@samen.test"
    assert "round.edit" in office_client.get("/office/audit/").content.decode()


def test_bad_pool_shares_are_refused(small_round, office_client):
    r = office_client.post(
        f"/office/rounds/{small_round.slug}/edit/",
        {
            "name": "X",
            "mechanism": "deferred-acceptance",
            "tie_breaking": "single",
            "distance": "euclidean",
            "default_pools_text": "a, 0.5\nb, 0.2",
            "languages_text": ["nl"],
        },
    )
    assert r.status_code == 200
    small_round.refresh_from_db()
    assert small_round.name == "Test 2027"


def test_new_round_school_pools_and_questions(office_client):
    r = office_client.post(
        "/office/rounds/new/",
        {
            "name": "Gent 2028",
            "mechanism": "deferred-acceptance",
            "tie_breaking": "single",
            "distance": "euclidean",
            "languages_text": ["nl", "en", "fr"],
        },
    )
    assert r.status_code == 302
    rnd = Round.objects.get(name="Gent 2028")
    assert rnd.status == Round.DRAFT
    r = office_client.post(
        f"/office/rounds/{rnd.slug}/schools/",
        {"code": "G1", "name": "Basisschool G1", "capacity": 20},
    )
    assert r.status_code == 302
    school = School.objects.get(round=rnd, code="G1")
    form = {
        "code": "G1",
        "name": "Basisschool G1",
        "capacity": 20,
        "pools-TOTAL_FORMS": 2,
        "pools-INITIAL_FORMS": 0,
        "pools-MIN_NUM_FORMS": 0,
        "pools-MAX_NUM_FORMS": 1000,
        "pools-0-name": "near",
        "pools-0-seats": 12,
        "pools-0-order_by": "distance",
        "pools-1-name": "rest",
        "pools-1-seats": 8,
        "pools-1-order_by": "lottery",
    }
    r = office_client.post(f"/office/rounds/{rnd.slug}/schools/G1/", form)
    assert r.status_code == 302, r.content.decode()[:2000]
    assert [(p.name, p.seats, p.seq) for p in school.pools.all()] == [
        ("near", 12, 0),
        ("rest", 8, 1),
    ]
    question = {
        "questions-TOTAL_FORMS": 1,
        "questions-INITIAL_FORMS": 0,
        "questions-MIN_NUM_FORMS": 0,
        "questions-MAX_NUM_FORMS": 1000,
        "questions-0-flag": "indicator",
        "questions-0-text_nl": "Schooltoelage?",
        "questions-0-text_en": "School allowance?",
    }
    # the round is in three languages: the French text is missing
    r = office_client.post(f"/office/rounds/{rnd.slug}/questions/", question)
    assert r.status_code == 200 and not Question.objects.exists()
    question["questions-0-text_fr"] = "Allocation scolaire ?"
    r = office_client.post(f"/office/rounds/{rnd.slug}/questions/", question)
    assert r.status_code == 302
    assert Question.objects.get(round=rnd).text_nl == "Schooltoelage?"
    # open the registration: the round is now public
    office_client.post(f"/office/rounds/{rnd.slug}/status/", {"action": "open"})
    assert Client().get(f"/rounds/{rnd.slug}/").status_code == 200
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "round.create",
        "school.create",
        "school.edit",
        "questions.edit",
        "round.open",
    } <= actions


def test_draft_rounds_are_not_public(office_client):
    office_client.post(
        "/office/rounds/new/",
        {
            "name": "Geheim",
            "mechanism": "deferred-acceptance",
            "tie_breaking": "single",
            "distance": "euclidean",
            "languages_text": ["nl"],
        },
    )
    rnd = Round.objects.get()
    assert Client().get(f"/rounds/{rnd.slug}/").status_code == 404


def test_staff_and_addresses(small_round, office_client):
    data = {"email": "school@samen.test", "role": "school", "schools": "A, B"}
    r = office_client.post("/office/staff/", data)  # school ids belong to a round
    assert r.status_code == 400 and r.context["form"].errors["round"]
    r = office_client.post("/office/staff/", {**data, "round": small_round.pk})
    assert r.status_code == 302
    viewer = sign_in(Client(), "school@samen.test")
    assert viewer.get("/school/").status_code == 200
    assert viewer.get("/office/").status_code == 403
    csv_text = (
        "postcode;house_number;street;municipality;x;y\n2800;1;Markt;Mechelen;157000;189000\n"
    )
    r = office_client.post(
        "/office/addresses/", {"file": SimpleUploadedFile("a.csv", csv_text.encode())}
    )
    assert r.status_code == 302
    assert Address.objects.get().x == 157000.0
    assert AuditEntry.objects.filter(action="addresses.import").exists()
    r = office_client.post(
        "/office/addresses/",
        {"file": SimpleUploadedFile("a.csv", b"postcode,house_number,x,y\n,1,x,y\n")},
    )
    assert r.status_code == 400 and Address.objects.count() == 1


@pytest.mark.parametrize("action", ["archive", "bogus"])
def test_impossible_status_steps(small_round, office_client, action):
    office_client.post(f"/office/rounds/{small_round.slug}/status/", {"action": action})
    small_round.refresh_from_db()
    assert small_round.status == Round.OPEN


def test_office_can_set_a_priority(small_round, office_client):
    from .conftest import register_child

    c = sign_in(Client(), "p@samen.test")
    child = register_child(c, small_round)
    url = f"/office/rounds/{small_round.slug}/applicants/{child.public_id}/"
    assert office_client.get(url).status_code == 200
    office_client.post(url, {"action": "add-priority", "school": "A", "group": "sibling"})
    assert child.priorities.get().group == "sibling"
    assert AuditEntry.objects.filter(action="priority.add", target=child.public_id).exists()
    listing = office_client.get(f"/office/rounds/{small_round.slug}/applicants/?q=Noor")
    assert child.public_id in listing.content.decode()
