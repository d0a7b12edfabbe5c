"""The public pages of a round: each school, the map of the schools, the published results
with their download, and the round's dates that follow what happened."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from html import unescape

import pytest
from django.core import checks
from django.test import Client, override_settings
from django.utils import formats, timezone

from samen.web.core import jobs
from samen.web.core.models import AllocationRun, Child, Job, PledgeGroup, Pool, Round, School

from .conftest import ROOT, register_child, sign_in

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def en() -> Client:
    return Client(**EN)


def text_of(html: str) -> str:
    """The page's text, tags removed and white space folded."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def close_and_draw(office_client, rnd) -> None:
    office_client.post(f"/office/rounds/{rnd.slug}/status/", {"action": "close"})
    r = office_client.post(f"/office/rounds/{rnd.slug}/seed/reveal/", {"seed": "test seed"})
    assert r.status_code == 302
    rnd.refresh_from_db()
    assert rnd.seed == "test seed"


def allocate(office_client, rnd, kind: str = "allocate") -> AllocationRun:
    r = office_client.post(f"/office/rounds/{rnd.slug}/allocate/", {"kind": kind})
    assert r.status_code == 302
    assert jobs.work(once=True) == 1
    job = Job.objects.order_by("-id").first()
    assert job.status == Job.DONE, job.error
    return AllocationRun.objects.get(pk=job.result["run"])


def publish(office_client, run) -> AllocationRun:
    assert office_client.post(f"/office/runs/{run.pk}/publish/").status_code == 302
    run.refresh_from_db()
    assert run.status == AllocationRun.PUBLISHED
    return run


@pytest.fixture
def families(small_round):
    """Six families want A, then B, then C (A and B have 2 seats each)."""
    out = []
    for k in range(6):
        c = sign_in(Client(**EN), f"p{k}@samen.test")
        child = register_child(
            c, small_round, first=f"Kind{k}", house=str(k % 5 + 1), schools=("A", "B", "C")
        )
        Child.objects.filter(pk=child.pk).update(last_name=f"Vermeulen{k}")
        child.refresh_from_db()
        out.append((c, child))
    return out


@pytest.fixture
def published(small_round, families, office_client):
    close_and_draw(office_client, small_round)
    return publish(office_client, allocate(office_client, small_round))


def cutoff_rows(run, code: str | None = None) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(run.result_files["cutoffs.csv"])))
    return [r for r in rows if code is None or r["school_id"] == code]


def table_rows(html: str) -> list[tuple[str, str, str]]:
    """(school, pool, the row's text) of every cut-off row (of the table, or of the list on
    a school page), in page order."""
    return [
        (m.group(2), m.group(3), text_of(m.group(4)))
        for m in re.finditer(
            r'<(tr|li) data-school="([^"]*)" data-pool="([^"]*)">(.*?)</\1>', html, re.S
        )
    ]


# --------------------------------------------------------------------------- the school page


def test_school_page_languages_pools_and_no_cutoffs_before_publication(
    small_round, families, office_client
):
    slug = small_round.slug
    r = office_client.post(
        f"/office/rounds/{slug}/schools/A/",
        {
            "code": "A",
            "name": "School A",
            "capacity": "2",
            "address": "Schoolstraat 1, 2800 Mechelen",
            "x": "0",
            "y": "0",
            "description": "A small school by the river.",
            "teaching_languages": "Nederlands",
            "office_languages": "nl, French; Arabisch, türkçe",
            "pools-TOTAL_FORMS": "0",
            "pools-INITIAL_FORMS": "0",
            "pools-MIN_NUM_FORMS": "0",
            "pools-MAX_NUM_FORMS": "1000",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    school = School.objects.get(round=small_round, code="A")
    assert school.teaching_languages == ["nl"]
    assert school.office_languages == ["nl", "fr", "ar", "tr"]
    # the office form shows them again as names
    form = office_client.get(f"/office/rounds/{slug}/schools/A/").content.decode()
    assert 'value="Nederlands, Frans, Arabisch, Turks"' in form

    html = en().get(f"/rounds/{slug}/schools/A/").content.decode()
    page = text_of(html)
    assert "Schoolstraat 1, 2800 Mechelen" in page and "A small school by the river." in page
    assert "Languages of instruction Dutch" in page
    assert 'French (<span lang="fr" dir="ltr">français</span>)' in html
    assert 'Arabic (<span lang="ar" dir="rtl">العربيّة</span>)' in html
    # the round's default pools in words: 2 seats split 70/30 by the largest remainder
    assert "1 seat first for children who answered no to: Indicator?, by lottery" in page
    assert "1 seat first for children who answered yes to: Indicator?, by lottery" in page
    assert "(70% of the seats)" in page and "(30% of the seats)" in page
    assert "If fewer of these children apply, the other children get these seats." in page
    assert "children with a priority at this school come first (strongest first: sibling)" in page
    assert "No results of a previous round have been published for this school yet." in page

    # allocated but not published: still no cut-offs
    close_and_draw(office_client, small_round)
    run = allocate(office_client, small_round)
    page = text_of(en().get(f"/rounds/{slug}/schools/A/").content.decode())
    assert "No results of a previous round have been published" in page
    assert cutoff_rows(run, "A")[0]["cutoff_lottery"] not in page


def test_unknown_languages_are_refused_with_their_names(small_round, office_client):
    slug = small_round.slug
    r = office_client.post(
        f"/office/rounds/{slug}/schools/",
        {
            "code": "E",
            "name": "School E",
            "capacity": "5",
            "teaching_languages": "Dutch, Klingon, Elvish",
        },
        **EN,
    )
    assert r.status_code == 200
    page = text_of(r.content.decode())
    assert "Unknown language: “Klingon”, “Elvish”." in page
    assert not School.objects.filter(round=small_round, code="E").exists()


def test_school_page_own_pools_by_distance(small_round):
    page = text_of(en().get(f"/rounds/{small_round.slug}/schools/D/").content.decode())
    assert "5 seats for everyone, by distance (nearest first)" in page
    assert "5 seats for everyone, by lottery" in page
    assert "If fewer of these children apply" not in page  # no pool favours anyone


def test_school_page_shows_the_cutoffs_of_the_published_round(published, families):
    rnd = published.round
    html = en().get(f"/rounds/{rnd.slug}/schools/A/").content.decode()
    page = text_of(html)
    assert "The results of this round, published on" in page
    rows = table_rows(html)
    expected = cutoff_rows(published, "A")
    assert [(s, p) for s, p, _ in rows] == [("A", r["pool"]) for r in expected]
    for (_, _, row), cut in zip(rows, expected, strict=True):
        assert cut["cutoff_order_by"] == "lottery"  # A filled both pools
        assert "Last child admitted: no priority, " in row
        assert f"lottery number {cut['cutoff_lottery']}" in row
        assert row.startswith(f"{cut['seats']} seat ") and f"Placed: {cut['filled']}" in row
    # C had 3 seats for 2 children: nobody was turned away
    page_c = text_of(en().get(f"/rounds/{rnd.slug}/schools/C/").content.decode())
    assert "everyone who applied got a seat" in page_c
    # the signed-in parent still sees the distance from home
    client, child = families[0]
    page = text_of(client.get(f"/rounds/{rnd.slug}/schools/A/").content.decode())
    assert f"{child.display_name}: 112 m (straight line)" in page  # (100, 50) to (0, 0)


def _next_round(slug: str, status: str, codes=("A",), days: int = 0) -> Round:
    rnd = Round.objects.create(
        slug=slug, name=slug.title(), status=status, priority_groups=[], default_pools=[]
    )
    Round.objects.filter(pk=rnd.pk).update(created_at=timezone.now() + dt.timedelta(days=days))
    for k, code in enumerate(codes):
        s = School.objects.create(round=rnd, code=code, name=f"School {code}", capacity=4, seq=k)
        Pool.objects.create(school=s, seq=0, name="all", seats=4, order_by="lottery")
    return rnd


def _fake_published_run(rnd: Round, code: str, lottery: str, when) -> AllocationRun:
    header = (
        "school_id,pool,seats,filled,overflow,cutoff_group,cutoff_favoured,cutoff_order_by,"
        "cutoff_value,cutoff_lottery,cutoff_applicant_id\n"
    )
    row = f"{code},all,4,4,0,none,1,lottery,{lottery},{lottery},K-X\n"
    return AllocationRun.objects.create(
        round=rnd,
        number=0,
        status=AllocationRun.PUBLISHED,
        mechanism="deferred-acceptance",
        input_files={
            "seats.csv": f"school_id,pool,seats,share,favours,order_by\n{code},all,4,,,lottery\n"
        },
        result_files={"cutoffs.csv": header + row},
        published_at=when,
    )


def test_next_rounds_show_the_last_published_round_never_a_draft(published):
    old = published.round
    a_cut = cutoff_rows(published, "A")[0]["cutoff_lottery"]
    new = _next_round("next-2028", Round.OPEN, codes=("A", "Z"))
    html = en().get(f"/rounds/{new.slug}/schools/A/").content.decode()
    page = text_of(html)
    assert f"From the previous round, {old.name}" in page and a_cut in page
    assert f'href="/rounds/{old.slug}/results/"' in html
    # a school id that no published round had: nothing
    page = text_of(en().get(f"/rounds/{new.slug}/schools/Z/").content.decode())
    assert "No results of a previous round have been published" in page
    # a draft round with a (newer) published run never counts, and its pages are not public
    draft = _next_round("secret-2028", Round.DRAFT)
    _fake_published_run(draft, "A", "00000000000000aa", timezone.now())
    page = text_of(en().get(f"/rounds/{new.slug}/schools/A/").content.decode())
    assert "00000000000000aa" not in page and a_cut in page
    assert en().get(f"/rounds/{draft.slug}/schools/A/").status_code == 404
    # an archived round published later is the most recent one
    later = _next_round("later-2027", Round.ARCHIVED)
    _fake_published_run(later, "A", "00000000000000bb", timezone.now() + dt.timedelta(hours=1))
    page = text_of(en().get(f"/rounds/{new.slug}/schools/A/").content.decode())
    assert "00000000000000bb" in page and a_cut not in page
    # ... but a published round shows its own results on its own school pages
    page = text_of(en().get(f"/rounds/{old.slug}/schools/A/").content.decode())
    assert a_cut in page and "00000000000000bb" not in page


# --------------------------------------------------------------------------- the map


def _geo(rnd: Round) -> None:
    for k, s in enumerate(rnd.schools.order_by("seq")):
        s.lat, s.lon = 51.02 + k / 100, 4.47 + k / 100
        s.address = f"Straat {k}"
        s.save()


def test_map_page_without_tiles_is_a_list_and_allows_no_other_host(small_round):
    r = en().get(f"/rounds/{small_round.slug}/map/")
    assert r.status_code == 200
    html = r.content.decode()
    for s in small_round.schools.all():
        assert f'href="/rounds/{small_round.slug}/schools/{s.code}/"' in html
    assert "/static/samen/vendor/leaflet/leaflet.js" in html
    assert "/static/samen/vendor/leaflet/leaflet.css" in html
    assert "/static/samen/map.js" in html
    assert 'data-src="/rounds/test-2027/map.json"' in html
    assert "<script>" not in html and "style=" not in html and "<style" not in html
    assert "to scale, on a plain background" in text_of(html)  # x,y only
    img = re.search(r"img-src ([^;]*)", r["Content-Security-Policy"]).group(1)
    assert img.split() == ["'self'", "data:"]
    # linked from the round page and the school pages
    assert "/rounds/test-2027/map/" in en().get("/rounds/test-2027/").content.decode()
    assert "/rounds/test-2027/map/" in en().get("/rounds/test-2027/schools/A/").content.decode()


TILES = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"


@override_settings(SAMEN_MAP_TILES=TILES, SAMEN_MAP_ATTRIBUTION="© Example <contributors>")
def test_map_tiles_are_allowed_by_the_csp_only_on_the_map_when_set(small_round):
    _geo(small_round)
    r = en().get(f"/rounds/{small_round.slug}/map/")
    img = re.search(r"img-src ([^;]*)", r["Content-Security-Policy"]).group(1)
    assert img.split() == ["'self'", "data:", "https://*.tiles.example.org"]
    assert "unsafe-inline" not in r["Content-Security-Policy"]
    assert "Map: © Example &lt;contributors&gt;" in r.content.decode()
    # other pages keep the site's policy
    other = en().get(f"/rounds/{small_round.slug}/")
    assert "tiles.example.org" not in other["Content-Security-Policy"]
    data = en().get(f"/rounds/{small_round.slug}/map.json").json()
    assert data["tiles"] == {"url": TILES, "attribution": "© Example &lt;contributors&gt;"}
    assert all(m.id != "samen.W001" for m in checks.run_checks())


@override_settings(SAMEN_MAP_TILES="https://evil.example.org/{z}/{x}/{y}.png; script-src *")
def test_a_bad_tile_url_is_refused(small_round):
    _geo(small_round)
    r = en().get(f"/rounds/{small_round.slug}/map/")
    assert r.status_code == 200
    assert "evil.example.org" not in r["Content-Security-Policy"]
    assert en().get(f"/rounds/{small_round.slug}/map.json").json()["tiles"] is None
    assert any(m.id == "samen.W001" for m in checks.run_checks())
    with override_settings(SAMEN_MAP_TILES="https://tiles.example.org/tile.png"):
        assert en().get(f"/rounds/{small_round.slug}/map.json").json()["tiles"] is None


@override_settings(SAMEN_MAP_TILES=TILES)
def test_map_json(small_round):
    slug = small_round.slug
    # x,y only: a plane scaled to the schools, and no tiles even when the site has them
    data = en().get(f"/rounds/{slug}/map.json").json()
    assert data["kind"] == "plane" and data["tiles"] is None
    assert [(s["code"], s["x"], s["y"]) for s in data["schools"]] == [
        ("A", 0.0, 0.0),
        ("B", 1000.0, 0.0),
        ("C", 2000.0, 0.0),
        ("D", 3000.0, 0.0),
    ]
    assert data["schools"][2]["url"] == f"/rounds/{slug}/schools/C/"
    assert data["schools"][2]["seats"] == "3 seats"
    # lat,lon: on the earth; a school without coordinates stays out of the map (it is listed)
    _geo(small_round)
    School.objects.filter(round=small_round, code="B").update(lat=None, lon=None)
    r = en().get(f"/rounds/{slug}/map.json")
    assert r["Content-Type"] == "application/json"
    data = r.json()
    assert data["kind"] == "geo" and data["tiles"]["url"] == TILES
    assert [s["code"] for s in data["schools"]] == ["A", "C", "D"]
    assert data["schools"][0] == {
        "code": "A",
        "name": "School A",
        "address": "Straat 0",
        "seats": "2 seats",
        "url": f"/rounds/{slug}/schools/A/",
        "lat": 51.02,
        "lon": 4.47,
    }
    assert "1 school has no place on the map yet" in text_of(
        en().get(f"/rounds/{slug}/map/").content.decode()
    )
    # a draft round has no map
    Round.objects.filter(pk=small_round.pk).update(status=Round.DRAFT)
    assert en().get(f"/rounds/{slug}/map.json").status_code == 404
    assert en().get(f"/rounds/{slug}/map/").status_code == 404


def test_vendored_leaflet_is_the_pinned_version():
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]["leaflet"]
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/leaflet"]["version"] == pinned
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), "pin an exact version"
    vendor = ROOT / "src/samen/web/core/static/samen/vendor/leaflet"
    js = (vendor / "leaflet.js").read_text(encoding="utf-8")
    assert re.search(r"Leaflet (\d+\.\d+\.\d+)", js).group(1) == pinned
    assert re.search(r'version="(\d+\.\d+\.\d+)"', js).group(1) == pinned
    assert ".leaflet-container" in (vendor / "leaflet.css").read_text(encoding="utf-8")
    assert "BSD 2-Clause License" in (vendor / "LICENSE").read_text(encoding="utf-8")
    for image in ("marker-icon.png", "marker-icon-2x.png", "marker-shadow.png", "layers.png"):
        assert (vendor / "images" / image).read_bytes().startswith(b"\x89PNG")


# --------------------------------------------------------------------------- the results page


def test_results_page_is_a_404_until_a_run_is_published(small_round, families, office_client):
    slug = small_round.slug
    assert en().get(f"/rounds/{slug}/results/").status_code == 404
    close_and_draw(office_client, small_round)
    run = allocate(office_client, small_round)
    assert en().get(f"/rounds/{slug}/results/").status_code == 404
    assert en().get(f"/rounds/{slug}/results/allocation.zip").status_code == 404
    assert "/results/" not in en().get(f"/rounds/{slug}/").content.decode()
    publish(office_client, run)
    assert en().get(f"/rounds/{slug}/results/").status_code == 200
    # a round put back to draft is not public at all
    Round.objects.filter(pk=small_round.pk).update(status=Round.DRAFT)
    assert en().get(f"/rounds/{slug}/results/").status_code == 404
    assert en().get(f"/rounds/{slug}/results/allocation.zip").status_code == 404


def test_results_page_cutoffs_download_and_verify(published, families, office_client, tmp_path):
    from typer.testing import CliRunner

    from samen.cli import app

    rnd = published.round
    r = en().get(f"/rounds/{rnd.slug}/results/")
    assert r.status_code == 200
    html = r.content.decode()
    page = text_of(html)
    # the cut-offs are those of cutoffs.csv, every school and pool, sorted by school name
    rows = table_rows(html)
    expected = cutoff_rows(published)
    assert sorted((s, p) for s, p, _ in rows) == sorted(
        (c["school_id"], c["pool"]) for c in expected
    )
    assert [s for s, _, _ in rows] == sorted(s for s, _, _ in rows)
    by_key = {(s, p): text for s, p, text in rows}
    for c in expected:
        row = by_key[(c["school_id"], c["pool"])]
        assert f"{c['seats']} {c['filled']}" in row
        if c["cutoff_order_by"]:
            assert f"lottery number {c['cutoff_lottery']}" in row
        else:
            assert "everyone who applied got a seat" in row
    # the seed, its fingerprint and how to check everything
    assert rnd.seed in page and rnd.seed_commitment in page
    assert (
        "unzip test-2027-allocation.zip -d test-2027-allocation samen verify test-2027-allocation"
        in page
    )
    assert "printf '%s' 'test seed' | sha256sum" in page
    # the download is the office's zip, byte for byte, and holds no names
    assert f'href="/rounds/{rnd.slug}/results/allocation.zip"' in html
    public = en().get(f"/rounds/{rnd.slug}/results/allocation.zip")
    assert public.status_code == 200 and public["Content-Type"] == "application/zip"
    assert 'filename="test-2027-allocation.zip"' in public["Content-Disposition"]
    office = office_client.get(f"/office/runs/{published.pk}/download.zip")
    assert public.content == office.content
    with zipfile.ZipFile(io.BytesIO(public.content)) as zf:
        names = set(zf.namelist())
        text = "\n".join(zf.read(n).decode("utf-8") for n in names)
        zf.extractall(tmp_path)
    assert {"round.toml", "schools.csv", "applicants.csv", "results/cutoffs.csv"} <= names
    for child in Child.objects.filter(round=rnd):
        assert child.first_name not in text
        assert child.last_name not in text
        assert child.public_id in text
        assert child.parent.email not in text
        assert child.birth_date.isoformat() not in text
    assert "Teststraat" not in text
    out = CliRunner().invoke(app, ["verify", str(tmp_path)])
    assert out.exit_code == 0 and "identical" in out.output, out.output
    # sorted the other way, and a bad sort key falls back to the default
    rows_desc = table_rows(en().get(f"/rounds/{rnd.slug}/results/?sort=-name").content.decode())
    assert [s for s, _, _ in rows_desc] == sorted((s for s, _, _ in rows), reverse=True)
    rows_bad = table_rows(en().get(f"/rounds/{rnd.slug}/results/?sort=x'--").content.decode())
    assert rows_bad == rows
    # linked from the round page and the draw page
    assert f"/rounds/{rnd.slug}/results/" in en().get(f"/rounds/{rnd.slug}/").content.decode()
    assert f"/rounds/{rnd.slug}/results/" in en().get(f"/rounds/{rnd.slug}/draw/").content.decode()


def test_pledge_group_names_stay_out_of_the_published_folder(small_round, office_client):
    c = sign_in(Client(), "noor@samen.test")
    child = register_child(c, small_round, first="Noor", schools=("A", "B"))
    target = School.objects.get(round=small_round, code="A")
    r = c.post(
        f"/children/{child.pk}/pledge/new/",
        {"name": "Noor en haar vriendjes", "target": target.pk, "threshold": "2"},
    )
    assert r.status_code == 302
    group = PledgeGroup.objects.get()
    assert re.fullmatch(r"G-[2-9A-HJ-NP-Z]{8}", group.group_id)
    close_and_draw(office_client, small_round)
    publish(office_client, allocate(office_client, small_round))
    data = en().get(f"/rounds/{small_round.slug}/results/allocation.zip").content
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        text = "\n".join(zf.read(n).decode("utf-8") for n in zf.namelist())
    assert group.group_id in text
    assert "Noor" not in text and "noor" not in text and "vriendjes" not in text


def test_waiting_list_rounds_get_a_section_each_newest_first(published, families, office_client):
    rnd = published.round
    c, k = families[0]
    c.post(f"/children/{k.pk}/answer/", {"answer": "decline", "confirm": "yes"})
    waiting = publish(office_client, allocate(office_client, rnd, kind="waiting"))
    html = en().get(f"/rounds/{rnd.slug}/results/").content.decode()
    first, second = html.index('id="run-1"'), html.index('id="run-0"')
    assert first < second
    assert "unzip test-2027-waiting-list-1.zip" in text_of(html)
    held = [text for s, p, text in table_rows(html[first:second])]
    assert len(held) == len(cutoff_rows(waiting))
    one = en().get(f"/rounds/{rnd.slug}/results/waiting-list-1.zip")
    assert one.content == office_client.get(f"/office/runs/{waiting.pk}/download.zip").content
    assert en().get(f"/rounds/{rnd.slug}/results/waiting-list-2.zip").status_code == 404


def test_office_dashboard_shows_the_cutoffs(small_round, families, office_client):
    close_and_draw(office_client, small_round)
    run = allocate(office_client, small_round)
    html = office_client.get(f"/office/runs/{run.pk}/", **EN).content.decode()
    rows = table_rows(html)
    assert sorted((s, p) for s, p, _ in rows) == sorted(
        (c["school_id"], c["pool"]) for c in cutoff_rows(run)
    )
    full = [c for c in cutoff_rows(run) if c["cutoff_order_by"]]
    assert full and all(c["cutoff_lottery"] in html for c in full)
    assert 'href="?sort=-name"' in html


# --------------------------------------------------------------------------- the round's dates


def _local(moment) -> tuple[str, str]:
    local = timezone.localtime(moment)
    return formats.date_format(local, "j F Y"), local.strftime("%H:%M")


def _steps(rnd: Round) -> dict[str, str]:
    html = en().get(f"/rounds/{rnd.slug}/").content.decode()
    return {
        m.group(2): f"{m.group(1)}: {text_of(m.group(3))}"
        for m in re.finditer(
            r'<li class="(done|planned)" data-step="([^"]+)">(.*?)</li>', html, re.S
        )
    }


def test_round_page_dates_follow_what_happened(small_round, families, office_client):
    from django.utils import translation

    rnd = small_round
    base = timezone.localtime(timezone.now()).replace(second=0, microsecond=0)
    draw = (base + dt.timedelta(days=12)).replace(hour=14, minute=30)
    results = (base + dt.timedelta(days=20)).replace(hour=0, minute=0)
    Round.objects.filter(pk=rnd.pk).update(draw_at=draw, results_at=results)
    rnd.refresh_from_db()
    with translation.override("en"):
        opens, closes, deadline = (
            _local(rnd.registration_opens),
            _local(rnd.registration_closes),
            _local(rnd.acceptance_deadline),
        )
        committed = _local(rnd.commitment_published_at)
        draw_day, res_day = _local(draw)[0], _local(results)[0]
    steps = _steps(rnd)
    assert steps["opens"] == f"done: ✓ Registration opened on {opens[0]} at {opens[1]}."
    assert steps["fingerprint"] == (
        f"done: ✓ The fingerprint of the seed was published on {committed[0]} at {committed[1]}."
    )
    assert steps["closes"] == f"planned: ○ Registration closes on {closes[0]} at {closes[1]}."
    assert steps["draw"] == f"planned: ○ Public draw on {draw_day} at 14:30."
    assert steps["results"] == f"planned: ○ Results on {res_day}."  # midnight: the day only
    assert steps["answers"] == f"planned: ○ Answer the offer before {deadline[0]} at {deadline[1]}."
    assert list(steps) == ["opens", "fingerprint", "closes", "draw", "results", "answers"]

    # closed early: the moment it closed
    office_client.post(f"/office/rounds/{rnd.slug}/status/", {"action": "close"})
    rnd.refresh_from_db()
    with translation.override("en"):
        closed = _local(rnd.registration_closes)
    steps = _steps(rnd)
    assert steps["closes"] == f"done: ✓ Registration closed on {closed[0]} at {closed[1]}."
    assert steps["draw"].startswith("planned: ")
    office_client.post(f"/office/rounds/{rnd.slug}/seed/reveal/", {"seed": "test seed"})
    rnd.refresh_from_db()
    with translation.override("en"):
        revealed = _local(rnd.seed_revealed_at)
    steps = _steps(rnd)
    assert steps["draw"] == (
        f"done: ✓ The draw was held on {revealed[0]} at {revealed[1]} (seed revealed)."
    )
    # allocated, under review: the results are still to come
    run = allocate(office_client, rnd)
    assert _steps(rnd)["results"] == f"planned: ○ Results on {res_day}."
    run = publish(office_client, run)
    with translation.override("en"):
        at = _local(run.published_at)
    steps = _steps(rnd)
    assert steps["results"] == f"done: ✓ Results published on {at[0]} at {at[1]}."
    # a waiting-list round, then the deadline passes
    c, k = families[0]
    c.post(f"/children/{k.pk}/answer/", {"answer": "decline", "confirm": "yes"})
    waiting = publish(office_client, allocate(office_client, rnd, kind="waiting"))
    past = timezone.now() - dt.timedelta(minutes=5)
    Round.objects.filter(pk=rnd.pk).update(acceptance_deadline=past)
    with translation.override("en"):
        w, gone = _local(waiting.published_at), _local(past)
    steps = _steps(rnd)
    assert steps["waiting-1"] == f"done: ✓ Waiting-list round 1 published on {w[0]} at {w[1]}."
    assert steps["answers"] == (
        f"done: ✓ The time to answer the offers ended on {gone[0]} at {gone[1]}."
    )
    assert list(steps)[-2:] == ["answers", "waiting-1"]  # by date


def test_round_dates_in_dutch_and_french(small_round):
    from django.utils import translation

    slug = small_round.slug
    for lang, opened, closes, map_title in (
        ("nl", "Het aanmelden opende op", "Het aanmelden sluit op", "Kaart van de scholen"),
        ("fr", "Les inscriptions ont ouvert le", "Les inscriptions ferment le", "Carte des écoles"),
    ):
        client = Client(HTTP_ACCEPT_LANGUAGE=lang)
        page = text_of(client.get(f"/rounds/{slug}/").content.decode())
        with translation.override(lang):
            day, time = _local(small_round.registration_opens)
        assert f"{opened} {day}" in page and time in page, page
        assert closes in page
        assert map_title in text_of(client.get(f"/rounds/{slug}/map/").content.decode())


def test_public_pages_send_no_inline_script_or_style(published):
    rnd = published.round
    for url in (
        f"/rounds/{rnd.slug}/",
        f"/rounds/{rnd.slug}/schools/A/",
        f"/rounds/{rnd.slug}/map/",
        f"/rounds/{rnd.slug}/results/",
    ):
        html = en().get(url).content.decode()
        assert "<script>" not in html and "style=" not in html and "<style" not in html, url


def test_results_and_cutoffs_outlive_the_retention_purge(published, office_client):
    from samen.web.core.privacy import purge_round

    rnd = published.round
    before = en().get(f"/rounds/{rnd.slug}/results/allocation.zip").content
    purge_round(rnd)
    rnd.refresh_from_db()
    assert rnd.status == Round.ARCHIVED and not rnd.children.exists()
    r = en().get(f"/rounds/{rnd.slug}/results/")
    assert r.status_code == 200
    assert len(table_rows(r.content.decode())) == len(cutoff_rows(published))
    assert en().get(f"/rounds/{rnd.slug}/results/allocation.zip").content == before
    # next year's round still shows them for the same school id
    new = _next_round("next-2028", Round.OPEN)
    page = text_of(en().get(f"/rounds/{new.slug}/schools/A/").content.decode())
    assert cutoff_rows(published, "A")[0]["cutoff_lottery"] in page
    assert f"From the previous round, {rnd.name}" in page


def test_serial_dictatorship_has_no_cutoffs_to_show(published):
    AllocationRun.objects.filter(pk=published.pk).update(mechanism="serial-dictatorship")
    page = text_of(en().get(f"/rounds/{published.round.slug}/results/").content.decode())
    assert "seat pools and priorities do not apply, so there are no cut-offs" in page
    assert table_rows(en().get(f"/rounds/{published.round.slug}/results/").content.decode()) == []


def test_the_map_settings_come_from_the_environment(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAMEN_", "DJANGO_"))}
    env.update(
        SAMEN_DATA_DIR=str(tmp_path),
        SAMEN_SECRET_KEY="k" * 50,
        DJANGO_SETTINGS_MODULE="samen.web.settings",
        SAMEN_MAP_TILES=" https://tiles.example.org/{z}/{x}/{y}.png ",
        SAMEN_MAP_ATTRIBUTION="© Example",
    )
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "from samen.web.core import maps; t = maps.tiles(); "
        "print(s.SAMEN_MAP_TILES, s.SAMEN_MAP_ATTRIBUTION, t.source, sep='|')"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == (
        "https://tiles.example.org/{z}/{x}/{y}.png|© Example|https://tiles.example.org"
    )
