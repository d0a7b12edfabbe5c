"""The platform's defences, tried as an outsider, a parent and a clerk would try them:
formulas in files and forms, upload sizes and workbook caps, sign-in limits that do not lock
the owner out, the office's second factor, staff sessions that end, school viewers kept to
their round, and the error pages in three languages."""

from __future__ import annotations

import io
import re
import time
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, RequestFactory, override_settings
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from samen.web import urls as samen_urls
from samen.web.core import staff_sessions, uploads
from samen.web.core.formulas import folder_problems
from samen.web.core.models import Address, AuditEntry, Round, School, SignInCode
from samen.web.core.roles import add_staff
from samen.web.core.signin import client_ip, requester_of
from samen.web.core.views import errors

from .conftest import code_from_mail, register_child, sign_in, totp_code

GOOD_TOML = 'name = "Klein"\nseed = "s"\n'
SCHOOLS = "school_id,name,capacity\nS1,Een,2\nS2,Twee,2\n"
APPLICANTS = "applicant_id,choices\na,S1;S2\nb,S2\nc,S1\nd,S2;S1\ne,S1\n"


def _import(client: Client, **files: str | bytes) -> object:
    ups = [
        SimpleUploadedFile(name, data.encode() if isinstance(data, str) else data)
        for name, data in files.items()
    ]
    return client.post("/office/rounds/import/", {"files": ups})


# --------------------------------------------------------------------------- formulas


def test_an_imported_formula_is_refused_with_file_row_and_column(office_client):
    schools = SCHOOLS.replace("S2,Twee", 'S2,"=HYPERLINK(""http://x"",""klik"")"')
    r = _import(
        office_client,
        **{"round.toml": GOOD_TOML, "schools.csv": schools, "applicants.csv": APPLICANTS},
    )
    assert r.status_code == 400
    html = r.content.decode()
    assert "<td>schools.csv</td><td>3</td><td>name</td>" in html
    assert "spreadsheet" in html
    assert not Round.objects.exists()


def test_a_negative_coordinate_is_a_number_not_a_formula(office_client):
    schools = "school_id,name,capacity,x,y\nS1,Een,2,-10.5,3\nS2,Twee,2,+4,-7\n"
    applicants = "applicant_id,choices,x,y\na,S1;S2,-1,-1\nb,S2,2,2\n"
    r = _import(
        office_client,
        **{"round.toml": GOOD_TOML, "schools.csv": schools, "applicants.csv": applicants},
    )
    assert r.status_code == 302, r.content.decode()[:3000]


def test_forms_refuse_names_that_start_like_formulas(small_round, office_client):
    slug = small_round.slug
    base = {"capacity": "2", "name": "Sint-Jozef"}
    r = office_client.post(f"/office/rounds/{slug}/schools/", {**base, "code": "-E"})
    assert r.status_code == 200 and "formule" in str(r.context["form"].errors["code"])
    r = office_client.post(f"/office/rounds/{slug}/schools/", {**base, "code": "E", "name": "=1+1"})
    assert r.status_code == 200 and r.context["form"].errors["name"]
    r = office_client.post(f"/office/rounds/{slug}/schools/", {**base, "code": "E"})
    assert (
        r.status_code == 302
        and School.objects.get(round=small_round, code="E").name == "Sint-Jozef"
    )
    form = {
        "name": "Ronde",
        "mechanism": "deferred-acceptance",
        "tie_breaking": "single",
        "distance": "euclidean",
        "languages_text": ["nl"],
        "priority_groups_text": "sibling, @staff",
    }
    r = office_client.post("/office/rounds/new/", form)
    assert r.status_code == 200 and r.context["form"].errors["priority_groups_text"]
    form.update(priority_groups_text="sibling", default_pools_text="+all, 1, , lottery")
    r = office_client.post("/office/rounds/new/", form)
    assert "Regel 1: “+all”" in str(r.context["form"].errors["default_pools_text"])


def test_the_address_file_flags_formulas_by_row_and_column(office_client):
    text = "postcode;house_number;street;x;y\n2800;1;Markt;1;2\n2800;2;=HYPERLINK(1);1;2\n"
    r = office_client.post(
        "/office/addresses/", {"file": SimpleUploadedFile("a.csv", text.encode())}
    )
    assert r.status_code == 400
    page = r.content.decode()
    assert "<td>3</td><td>street</td>" in page and "=HYPERLINK(1)" in page
    assert not Address.objects.exists()


def test_a_round_with_a_formula_saved_earlier_is_not_exported(small_round, office_client):
    School.objects.filter(round=small_round, code="B").update(name="@SUM(1+1)*cmd|' /C calc'!A0")
    r = office_client.get(f"/office/rounds/{small_round.slug}/export.zip")
    assert r.status_code == 409
    page = r.content.decode()
    assert "<td>schools.csv</td><td>3</td><td>name</td>" in page
    assert not AuditEntry.objects.filter(action="round.export").exists()
    School.objects.filter(round=small_round, code="B").update(name="School B")
    r = office_client.get(f"/office/rounds/{small_round.slug}/export.zip")
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"


def test_folder_problems_finds_every_formula_cell():
    files = {
        "round.toml": b'name = "=x"\n',  # not a table: its values are checked when read
        "schools.csv": b"school_id,name\nS1,-x\nS2,-3.5\n",
        "results/cutoffs.csv": b"school_id,pool\nS1,@p\n",
    }
    found = folder_problems(files)
    assert [(p["file"], p["row"], p["column"]) for p in found] == [
        ("results/cutoffs.csv", 2, "pool"),
        ("schools.csv", 2, "name"),
    ]


# --------------------------------------------------------------------------- uploads and caps


@override_settings(SAMEN_UPLOAD_MAX_BYTES=1024 * 1024)
def test_an_upload_over_the_limit_is_stopped_while_reading(office_client):
    big = SimpleUploadedFile("applicants.csv", b"x" * (3 * 1024 * 1024))
    r = office_client.post("/office/rounds/import/", {"files": [big]})
    assert r.status_code == 413
    assert "1 MB" in r.content.decode()
    assert (
        not Round.objects.exists() and not AuditEntry.objects.filter(action="round.import").exists()
    )
    # just under the limit, the form is read (and its problems shown)
    small = SimpleUploadedFile("applicants.csv", b"applicant_id,choices\n")
    assert office_client.post("/office/rounds/import/", {"files": [small]}).status_code == 400


@override_settings(SAMEN_UPLOAD_MAX_BYTES=1024 * 1024)
def test_a_body_announced_too_large_is_not_read():
    request = RequestFactory().post("/office/rounds/import/")
    handler = uploads.LimitedUploadHandler(request)
    post, files = handler.handle_raw_input(io.BytesIO(b""), {}, 50 * 1024 * 1024, b"b")
    assert uploads.too_large(request) and not post and not files


def test_uploads_go_to_temporary_files(office_client, monkeypatch, settings):
    assert settings.FILE_UPLOAD_HANDLERS == ["samen.web.core.uploads.LimitedUploadHandler"]
    seen = []
    real = uploads.save_uploads

    def spy(ups, folder):
        seen.extend(ups)
        return real(ups, folder)

    monkeypatch.setattr(uploads, "save_uploads", spy)
    _import(
        office_client,
        **{"round.toml": GOOD_TOML, "schools.csv": SCHOOLS, "applicants.csv": APPLICANTS},
    )
    assert seen and all(hasattr(up, "temporary_file_path") for up in seen)


@override_settings(SAMEN_UPLOAD_MAX_BYTES=1024 * 1024)
def test_a_zip_that_unpacks_past_the_limit_is_refused(office_client):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("round.toml", GOOD_TOML)
        zf.writestr("applicants.csv", b"a" * (3 * 1024 * 1024))
    assert len(buf.getvalue()) < 100_000
    r = office_client.post(
        "/office/rounds/import/", {"files": [SimpleUploadedFile("r.zip", buf.getvalue())]}
    )
    assert r.status_code == 400 and "1 MB" in r.content.decode()
    assert not Round.objects.exists()


def test_a_zip_of_thousands_of_files_is_refused(office_client):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for k in range(uploads.MAX_ZIP_MEMBERS + 1):
            zf.writestr(f"f{k}.csv", "")
    r = office_client.post(
        "/office/rounds/import/", {"files": [SimpleUploadedFile("r.zip", buf.getvalue())]}
    )
    assert r.status_code == 400 and str(uploads.MAX_ZIP_MEMBERS) in r.content.decode()


def test_workbook_caps_hold_on_the_platform(office_client, monkeypatch):
    import openpyxl

    monkeypatch.setenv("SAMEN_SHEET_MAX_ROWS", "4")
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, text in (("schools", SCHOOLS), ("applicants", APPLICANTS)):
        sheet = book.create_sheet(name)
        for line in text.splitlines():
            sheet.append(line.split(","))
    data = io.BytesIO()
    book.save(data)
    r = _import(office_client, **{"round.toml": GOOD_TOML, "round.xlsx": data.getvalue()})
    assert r.status_code == 400
    html = r.content.decode()
    assert "round.xlsx, sheet applicants" in html and "more than 4 rows" in html


# --------------------------------------------------------------------------- sign-in limits


def _codes_to(email: str) -> list[str]:
    return [re.search(r"\b(\d{6})\b", m.body).group(1) for m in mail.outbox if email in m.to]


def test_a_stranger_cannot_lock_the_owner_out_from_one_address(db):
    stranger = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        assert stranger.post("/signin/", {"email": "owner@samen.test"}).status_code == 302
    assert stranger.post("/signin/", {"email": "owner@samen.test"}).status_code == 429
    # the owner, elsewhere, still gets a code and signs in
    owner = Client(REMOTE_ADDR="198.51.100.20")
    assert owner.post("/signin/", {"email": "owner@samen.test"}).status_code == 302
    r = owner.post("/signin/code/", {"code": code_from_mail("owner@samen.test")})
    assert r.status_code == 302 and owner.get("/account/").status_code == 200


@override_settings(SAMEN_CODES_PER_EMAIL_HOUR=4, SAMEN_CODES_PER_REQUESTER_HOUR=2)
def test_the_address_ceiling_spares_a_browser_that_signed_in_before(db):
    owner = sign_in(Client(REMOTE_ADDR="198.51.100.20"), "owner@samen.test")
    for ip in ("203.0.113.1", "203.0.113.2"):
        stranger = Client(REMOTE_ADDR=ip)
        for _ in range(2):
            stranger.post("/signin/", {"email": "owner@samen.test"})
    assert SignInCode.objects.filter(email="owner@samen.test").count() == 4  # the ceiling
    # a new browser is held to the ceiling (a stranger with many addresses could be anyone)
    assert (
        Client(REMOTE_ADDR="192.0.2.9").post("/signin/", {"email": "owner@samen.test"}).status_code
        == 429
    )
    # another address's browser cookie does not help
    other = sign_in(Client(REMOTE_ADDR="192.0.2.10"), "other@samen.test")
    assert other.post("/signin/", {"email": "owner@samen.test"}).status_code == 429
    # the owner's own browser, on a new network, is not
    r = owner.post("/signin/", {"email": "owner@samen.test"}, REMOTE_ADDR="192.0.2.77")
    assert r.status_code == 302


def test_a_wrong_code_storm_does_not_burn_the_owners_code(db):
    owner = Client(REMOTE_ADDR="198.51.100.20")
    owner.post("/signin/", {"email": "owner@samen.test"})
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    attacker.post("/signin/", {"email": "owner@samen.test"})
    owners_code, attackers_code = _codes_to("owner@samen.test")
    wrong = "000000" if "000000" not in (owners_code, attackers_code) else "111111"
    for _ in range(20):
        assert attacker.post("/signin/code/", {"code": wrong}).status_code == 200
    # the attacker's session cannot use the owner's code either: a code works where it was asked
    assert attacker.post("/signin/code/", {"code": owners_code}).status_code == 200
    assert attacker.get("/account/").status_code == 302
    r = owner.post("/signin/code/", {"code": owners_code})
    assert r.status_code == 302 and owner.get("/account/").status_code == 200


@override_settings(SAMEN_CODES_PER_REQUESTER_HOUR=2)
def test_an_ipv6_network_counts_as_one_requester(db):
    for ip in ("2001:db8::1", "2001:db8::ffff"):
        assert Client(REMOTE_ADDR=ip).post("/signin/", {"email": "o@samen.test"}).status_code == 302
    assert (
        Client(REMOTE_ADDR="2001:db8::abcd").post("/signin/", {"email": "o@samen.test"}).status_code
        == 429
    )
    assert (
        Client(REMOTE_ADDR="2001:db8:0:1::1")
        .post("/signin/", {"email": "o@samen.test"})
        .status_code
        == 302
    )
    assert requester_of("::ffff:192.0.2.1") == "192.0.2.1"
    assert requester_of(None) == requester_of("not an ip") == "unknown"


@override_settings(SAMEN_TRUST_X_FORWARDED_FOR=True)
def test_a_forged_forwarded_header_is_no_address(db):
    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="1.2.3.4, <script>", REMOTE_ADDR="10.0.0.1"
    )
    assert client_ip(request) is None
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="x, 192.0.2.5", REMOTE_ADDR="10.0.0.1")
    assert client_ip(request) == "192.0.2.5"
    c = Client(HTTP_X_FORWARDED_FOR="garbage")
    assert c.post("/signin/", {"email": "p@samen.test"}).status_code == 302


# --------------------------------------------------------------------------- the second factor


def _email_step(client: Client, email: str) -> str:
    client.post("/signin/", {"email": email})
    r = client.post("/signin/code/", {"code": code_from_mail(email)})
    assert r.status_code == 302
    return r["Location"]


def _device(email: str, confirmed: bool | None = None) -> TOTPDevice:
    qs = TOTPDevice.objects.filter(user__username=email)
    if confirmed is not None:
        qs = qs.filter(confirmed=confirmed)
    return qs.get()


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0)
def test_an_office_admin_sets_up_the_app_and_needs_it_at_every_sign_in(db):
    add_staff("boss@samen.test", "office")
    c = Client()
    step = _email_step(c, "boss@samen.test")
    assert step.startswith("/signin/totp/setup/")
    # office pages wait for the second factor
    r = c.get("/office/")
    assert r.status_code == 302 and r["Location"].startswith(
        "/signin/totp/setup/?next=%2Foffice%2F"
    )
    me = get_user_model().objects.get(username="boss@samen.test")
    assert c.post(f"/office/staff/{me.pk}/totp-reset/").status_code == 403
    page = c.get(step)
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html and "style=" not in html
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/samen/site.js" defer>']
    device = _device("boss@samen.test", confirmed=False)
    key = re.search(r'<code class="key">([A-Z2-7 ]+)</code>', html).group(1)
    assert len(key.replace(" ", "")) == 32
    assert "otpauth://totp/" in html
    r = c.post(step, {"code": "123"})
    assert r.status_code == 400 and c.get("/office/").status_code == 302
    r = c.post(step, {"code": totp_code(device)})
    assert r.status_code == 302 and r["Location"] == "/"
    assert c.get("/office/").status_code == 200
    assert _device("boss@samen.test").confirmed
    assert AuditEntry.objects.filter(action="totp.setup", target="boss@samen.test").exists()
    # the next sign-in asks for a code, not a new set-up; a used code does not work again
    again = Client()
    step = _email_step(again, "boss@samen.test")
    assert step.startswith("/signin/totp/?")
    device.refresh_from_db()
    used = totp(
        device.bin_key,
        device.step,
        device.t0,
        device.digits,
        device.last_t - int(time.time() // 30),
    )
    assert again.post(step, {"code": f"{used:06d}"}).status_code == 400
    assert again.post(step, {"code": totp_code(device)}).status_code == 302
    assert again.get("/office/").status_code == 200
    # the set-up page shows no new key once the app is set up
    assert again.get("/signin/totp/setup/").status_code == 302


@override_settings(OTP_TOTP_THROTTLE_FACTOR=60)
def test_wrong_codes_slow_down_the_next_try(db):
    add_staff("boss@samen.test", "office")
    c = Client()
    step = _email_step(c, "boss@samen.test")
    c.get(step)
    device = _device("boss@samen.test")
    assert c.post(step, {"code": "000000"}).status_code in (400, 429)
    r = c.post(step, {"code": totp_code(device)})  # even the right code waits a minute
    assert r.status_code == 429 and re.search(r"Wacht [56]\d seconden", r.content.decode())


def test_school_viewers_and_parents_need_no_second_factor(small_round):
    add_staff("viewer@samen.test", "school", ["A"], round=small_round)
    viewer = Client()
    assert _email_step(viewer, "viewer@samen.test") == "/"
    assert viewer.get("/school/").status_code == 200
    parent = Client()
    assert _email_step(parent, "p@samen.test") == "/"
    assert parent.get("/signin/totp/").status_code == 302
    assert not TOTPDevice.objects.exists()


def test_another_office_admin_resets_a_lost_app(db, office_client):
    add_staff("boss@samen.test", "office")
    boss = sign_in(Client(), "boss@samen.test")
    assert boss.get("/office/").status_code == 200
    user = get_user_model().objects.get(username="boss@samen.test")
    r = office_client.post(f"/office/staff/{user.pk}/totp-reset/")
    assert r.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    entry = AuditEntry.objects.get(action="totp.reset")
    assert entry.target == "boss@samen.test" and entry.actor.username == "office@samen.test"
    # the session verified with the removed app is no longer verified: set the app up again
    r = boss.get("/office/")
    assert r.status_code == 302 and r["Location"].startswith("/signin/totp/setup/")
    # nobody resets their own app on the web page; parents and school viewers not at all
    me = get_user_model().objects.get(username="office@samen.test")
    office_client.post(f"/office/staff/{me.pk}/totp-reset/")
    assert TOTPDevice.objects.filter(user=me).exists()
    parent = sign_in(Client(), "p@samen.test")
    assert parent.post(f"/office/staff/{me.pk}/totp-reset/").status_code == 403
    assert TOTPDevice.objects.filter(user=me).exists()
    # the command line, for the last admin
    call_command("samen_staff", "office@samen.test", "--reset-totp", stdout=io.StringIO())
    assert not TOTPDevice.objects.filter(user=me).exists()
    assert AuditEntry.objects.filter(action="totp.reset", target="office@samen.test").exists()


# --------------------------------------------------------------------------- staff sessions


def _age(client: Client, key: str, seconds: int) -> None:
    session = client.session
    session[key] = int(time.time()) - seconds
    session.save()


@pytest.mark.parametrize(
    ("key", "seconds"),
    [(staff_sessions.SEEN, 31 * 60), (staff_sessions.SINCE, 13 * 3600)],
    ids=["idle", "old"],
)
def test_a_staff_session_ends_when_idle_or_old(office_client, key, seconds):
    assert office_client.session.get_expiry_age() <= 12 * 3600
    assert office_client.get("/office/").status_code == 200
    _age(office_client, key, seconds)
    r = office_client.get("/office/audit/", headers={"accept-language": "en"})
    assert r.status_code == 302 and r["Location"] == "/signin/?next=%2Foffice%2Faudit%2F"
    page = office_client.get("/signin/", headers={"accept-language": "en"}).content.decode()
    assert "You were signed out" in page
    assert office_client.get("/office/").status_code == 302


def test_a_staff_session_in_use_goes_on(office_client):
    _age(office_client, staff_sessions.SEEN, 29 * 60)
    assert office_client.get("/office/").status_code == 200
    assert time.time() - office_client.session[staff_sessions.SEEN] < 5


def test_parents_keep_two_weeks(small_round):
    parent = sign_in(Client(), "p@samen.test")
    session = parent.session
    assert staff_sessions.SEEN not in session
    assert session.get_expiry_age() == 14 * 24 * 3600
    # a role given during the session makes it a staff session at the first staff page
    add_staff("p@samen.test", "school", ["A"], round=small_round)
    assert parent.get("/school/").status_code == 200
    assert staff_sessions.SEEN in parent.session
    assert parent.session.get_expiry_age() <= 12 * 3600


# --------------------------------------------------------------------------- school viewers


def test_a_school_viewer_sees_only_the_rounds_it_is_linked_to(small_round):
    parent = sign_in(Client(), "p@samen.test")
    child = register_child(parent, small_round, first="Alice", schools=("A",))
    later = Round.objects.create(slug="later-2028", name="Later 2028", status=Round.OPEN)
    draft = Round.objects.create(slug="draft-2028", name="Draft 2028", status=Round.DRAFT)
    for rnd in (later, draft):
        School.objects.create(round=rnd, code="A", name="School A", capacity=2)
    add_staff("viewer@samen.test", "school", ["A"], round=small_round)
    viewer = sign_in(Client(), "viewer@samen.test")
    assert child.public_id in viewer.get(f"/school/{small_round.slug}/A/").content.decode()
    # the reported leak: a later round and a draft reuse the school id
    assert viewer.get("/school/later-2028/A/").status_code == 403
    assert viewer.get("/school/draft-2028/A/").status_code == 403
    home = viewer.get("/school/").content.decode()
    assert "later-2028" not in home and "draft-2028" not in home
    # a link to a draft shows nothing until the round opens
    add_staff("viewer@samen.test", "school", ["A"], round=draft)
    assert viewer.get("/school/draft-2028/A/").status_code == 403
    Round.objects.filter(pk=small_round.pk).update(status=Round.DRAFT)
    assert viewer.get(f"/school/{small_round.slug}/A/").status_code == 403
    with pytest.raises(ValueError):
        add_staff("viewer2@samen.test", "school", ["A"])


# --------------------------------------------------------------------------- error pages

HEADINGS = {
    400: "Something in the request is not right",
    403: "You may not open this page",
    404: "This page does not exist",
    413: "The files are too large",
    500: "Something went wrong on our side",
}


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", _boom), *samen_urls.urlpatterns]
handler500 = samen_urls.handler500


@pytest.mark.parametrize("lang", ["nl", "en", "fr"])
def test_error_pages_in_three_languages(db, lang, django_assert_num_queries):
    request = RequestFactory().get("/nope/")
    with translation.override(lang):
        rendered = {
            400: errors.bad_request(request),
            403: errors.permission_denied(request),
            404: errors.page_not_found(request),
            413: errors.render_error(413, limit_mb=200),
        }
        with django_assert_num_queries(0):  # no database for a 500
            rendered[500] = errors.server_error(request)
        for status, response in rendered.items():
            html = response.content.decode()
            heading = gettext(HEADINGS[status])
            if lang != "en":
                assert heading != HEADINGS[status], f"{status} is not translated into {lang}"
            assert response.status_code == status
            assert f'<html lang="{lang}">' in html and f"<h1>{heading}</h1>" in html
            assert 'href="/static/samen/samen.css"' in html
            assert "<script" not in html and "style=" not in html


@override_settings(ROOT_URLCONF=__name__)
def test_a_crash_shows_the_styled_page(db):
    c = Client(raise_request_exception=False)
    r = c.get("/boom/", headers={"accept-language": "fr"})
    assert r.status_code == 500
    assert 'href="/static/samen/samen.css"' in r.content.decode()
    with translation.override("fr"):
        assert gettext(HEADINGS[500]) in r.content.decode()
    r = c.get("/no/such/page/", headers={"accept-language": "en"})
    assert r.status_code == 404 and HEADINGS[404] in r.content.decode()


def test_a_refused_csrf_token_is_explained(db):
    r = Client(enforce_csrf_checks=True).post(
        "/signin/", {"email": "p@samen.test"}, headers={"accept-language": "en"}
    )
    assert r.status_code == 403
    assert "security code of this site" in r.content.decode()
