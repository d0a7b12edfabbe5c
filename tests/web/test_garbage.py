"""Garbage to every URL of the platform, as every role: never a 5xx.

The URLs come from ``samen.web.urls.urlpatterns``, so a new URL is swept automatically; it must
also say which form fields it reads (:data:`FIELDS`), or :func:`test_every_url_says_what_it_
reads` fails. For each role (anonymous, parent, school viewer, office admin with the second
factor) and each URL: garbage in every path parameter, garbage query strings, and POSTs with
garbage in every field the URL reads (non-numbers, huge and overflowing numbers, negative
numbers, bad dates, huge strings, unicode, NUL bytes, lists for scalars, missing fields), as
multipart and as url-encoded forms, and bad files where a URL takes files. Every request runs in
a transaction that is rolled back, so each one meets the same data. The client skips the CSRF
check for the garbage; :func:`test_every_post_needs_the_csrf_token` checks the token is asked.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver
from django.utils import timezone

from samen.web.core import jobs
from samen.web.core.models import (
    AllocationRun,
    Child,
    Job,
    PledgeGroup,
    Priority,
    Question,
    Round,
    School,
)
from samen.web.core.roles import add_staff

from .conftest import register_child, sign_in

#: the form fields (and query parameters) each URL reads; a new URL must be added here
FIELDS: dict[str, tuple[str, ...]] = {
    "home": (),
    "favicon": (),
    "set_language": ("language", "next"),
    "signin": ("email", "next"),
    "signin_code": ("code",),
    "signout": (),
    "signin_totp": ("code", "next"),
    "signin_totp_setup": ("code", "next"),
    "round": (),
    "draw": (),
    "school": (),
    "child_new": (
        "first_name",
        "last_name",
        "birth_date",
        "postcode",
        "house_number",
        "box",
        "address",
        "not_listed",
        "street",
        "keep_list",
        "apply_together",
        "q_indicator",
    ),
    "child": (),
    "child_edit": (
        "first_name",
        "last_name",
        "birth_date",
        "postcode",
        "house_number",
        "box",
        "address",
        "not_listed",
        "street",
        "keep_list",
        "apply_together",
        "q_indicator",
    ),
    "child_delete": ("confirm",),
    "choice_add": ("school",),
    "choice_move": ("school", "direction"),
    "choice_remove": ("school",),
    "choice_order": ("order",),
    "pledge_new": ("name", "target", "threshold"),
    "pledge_leave": (),
    "respond": ("answer", "confirm"),
    "pledge_invite": ("child",),
    "account": (),
    "account_export": (),
    "account_delete": ("confirm",),
    "school_home": (),
    "school_applicants": (),
    "office": (),
    "office_round_new": (
        "name",
        "mechanism",
        "tie_breaking",
        "distance",
        "registration_opens",
        "registration_closes",
        "draw_at",
        "results_at",
        "acceptance_deadline",
        "retention_until",
        "priority_groups_text",
        "default_pools_text",
        "languages_text",
        "family_number",
        "waitlists",
        "first_choice_only_text",
        "nearest_text",
        "numbers_text",
        "crs",
    ),
    "office_import": ("files",),
    "office_round": (),
    "office_round_edit": (
        "name",
        "mechanism",
        "tie_breaking",
        "distance",
        "registration_opens",
        "registration_closes",
        "draw_at",
        "results_at",
        "acceptance_deadline",
        "retention_until",
        "priority_groups_text",
        "default_pools_text",
        "languages_text",
        "family_number",
        "waitlists",
        "first_choice_only_text",
        "nearest_text",
        "numbers_text",
        "crs",
    ),
    "office_round_status": ("action",),
    "office_seed_commit": ("seed", "reason", "confirm"),
    "office_seed_reveal": ("seed",),
    "office_allocate": ("kind",),
    "office_expire": (),
    "office_export": (),
    "office_schools": (
        "code",
        "name",
        "capacity",
        "address",
        "x",
        "y",
        "lat",
        "lon",
        "description",
        "admits",
        "categories_text",
    ),
    "office_school": (
        "code",
        "name",
        "capacity",
        "address",
        "x",
        "y",
        "lat",
        "lon",
        "description",
        "admits",
        "categories_text",
        "pools-TOTAL_FORMS",
        "pools-INITIAL_FORMS",
        "pools-MIN_NUM_FORMS",
        "pools-MAX_NUM_FORMS",
        "pools-0-name",
        "pools-0-seats",
        "pools-0-share",
        "pools-0-favours",
        "pools-0-order_by",
        "pools-0-id",
        "pools-0-DELETE",
    ),
    "office_questions": (
        "questions-TOTAL_FORMS",
        "questions-INITIAL_FORMS",
        "questions-MIN_NUM_FORMS",
        "questions-MAX_NUM_FORMS",
        "questions-0-flag",
        "questions-0-text_nl",
        "questions-0-text_en",
        "questions-0-text_fr",
        "questions-0-id",
        "questions-0-DELETE",
    ),
    "office_applicants": ("school", "q", "page"),
    "office_numbers": ("file",),
    "office_applicant": ("action", "school", "group", "priority", "column", "value"),
    "office_job": (),
    "office_run": (),
    "office_run_publish": (),
    "office_run_download": (),
    "office_run_report": (),
    "office_audit": ("round", "person", "action", "date_from", "date_to", "page"),
    "office_addresses": ("file",),
    "office_staff": ("email", "role", "schools", "round"),
    "office_staff_member": (
        "action",
        *(f"p{n}-{f}" for n in range(1, 4) for f in ("role", "schools", "round")),
    ),
    "office_applicant_home": (
        "action",
        "postcode",
        "house_number",
        "box",
        "address",
        "first",
        "second",
        "reason",
        "birth_date",
    ),
    "office_birth_dates": ("action", "email", "birth_date", "reason", "allowance"),
    "office_audit_export": ("round", "person", "action", "date_from", "date_to"),
    "office_notifications": ("round", "page"),
    "office_notifications_retry": ("round", "id"),
    "round_map": (),
    "round_map_json": (),
    "round_results": ("sort",),
    "round_results_download": (),
    "office_staff_totp_reset": (),
    "office_round_archive": ("confirm",),
}

#: what every field gets in turn
GARBAGE: tuple[str, ...] = (
    "abc",
    "-1",
    "0",
    "99999999999999999999999999",
    "9223372036854775808",
    "-9223372036854775809",
    "1e308",
    "nan",
    "-inf",
    "2024-02-30",
    "0000-00-00",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "x" * 20_000,
    "é€😀\u202e\ufeff\u0301",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "=cmd|' /C calc'!A0",
    "\x00",
    "a\x00b",
    "\r\n\t",
)
#: path parameters by converter
PATH_GARBAGE = {
    "int": ("0", "99999999999999999999999999", "9223372036854775808", "2147483648"),
    "slug": ("x" * 300, "nope", "-"),
    "str": ("nope", "%00", "%FF%FE", quote("é€😀"), "x" * 3000, "..", quote("<b>")),
}
QUERY_GARBAGE = ("abc", "-1", "99999999999999999999", "\x00", "é€😀", "x" * 5000)
QUERY_NAMES = ("page", "school", "q", "round", "next", "language", "kind")


def bad_files() -> list[tuple[str, bytes]]:
    """Files that are not what they say, or worse."""
    traversal = io.BytesIO()
    with zipfile.ZipFile(traversal, "w") as zf:
        zf.writestr("../../evil.csv", "x")
        zf.writestr("round.toml", 'name = "x"\nseed = "y"\n')
        zf.writestr("/etc/applicants.csv", "applicant_id,choices\n")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("round.toml", b"\0" * (4 * 2**20))
    return [
        ("round.zip", b"not a zip at all"),
        ("round.zip", b"PK\x03\x04" + b"\xff" * 100),
        ("round.zip", traversal.getvalue()),
        ("round.zip", bomb.getvalue()),
        ("round.xlsx", b"PK\x03\x04 not a workbook"),
        ("round.toml", b"name = \x00\xff\xfe"),
        ("applicants.csv", b"\xff\xfe\x00a\x00b"),
        ("addresses.csv", b'postcode,house_number,x,y\n"2800,1\n'),
        ("addresses.csv", b"postcode,house_number,x,y\n2800,1,nan,inf,extra,cells\n2800,1,1,1\n"),
        ("addresses.csv", b"postcode;house_number;x;y\n=1+1;1;1;1\n2800;\x00;1;1\n"),
        ("a" * 300 + ".csv", b"x"),
    ]


#: file names only a hand-made request carries (Django's test files refuse them)
RAW_NAMES = ("..", "", "../../round.toml", "x\x00.csv", "C:\\temp\\round.toml", "é€😀.csv")


def raw_multipart(field: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = "samen-garbage-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@dataclass
class World:
    """The data every sweep meets: an open round with a family's child, a pledge group and a
    priority; a published round with a run; a finished job; the office user."""

    values: dict[str, str]
    clients: dict[str, Client]


def _make_round(slug: str) -> Round:
    now = timezone.now()
    rnd = Round.objects.create(
        slug=slug,
        name=slug,
        status=Round.OPEN,
        priority_groups=["sibling"],
        seed_commitment=hashlib.sha256(b"test seed").hexdigest(),
        commitment_published_at=now,
        registration_opens=now - dt.timedelta(days=1),
        registration_closes=now + dt.timedelta(days=10),
        acceptance_deadline=now + dt.timedelta(days=30),
    )
    Question.objects.create(round=rnd, flag="indicator", text_nl="Indicator?")
    for k, code in enumerate(("A", "B")):
        School.objects.create(
            round=rnd, code=code, name=f"School {code}", capacity=2, x=1000.0 * k, y=0.0, seq=k
        )
    return rnd


@pytest.fixture
def world(small_round, office_client) -> World:
    parent = sign_in(Client(), "a@samen.test")
    child = register_child(parent, small_round, first="Alice", schools=("A", "B"))
    target = School.objects.get(round=small_round, code="D")
    r = parent.post(
        f"/children/{child.pk}/pledge/new/", {"name": "Samen", "target": target.pk, "threshold": 2}
    )
    assert r.status_code == 302
    group = PledgeGroup.objects.get()
    school_a = School.objects.get(round=small_round, code="A")
    priority = Priority.objects.create(child=child, school=school_a, group="sibling")

    done = _make_round("done-2027")
    register_child(parent, done, first="Bo", schools=("A",))
    office_client.post(f"/office/rounds/{done.slug}/status/", {"action": "close"})
    office_client.post(f"/office/rounds/{done.slug}/seed/reveal/", {"seed": "test seed"})
    office_client.post(f"/office/rounds/{done.slug}/allocate/", {"kind": "allocate"})
    assert jobs.work(once=True) == 1
    job = Job.objects.get()
    run = AllocationRun.objects.get(pk=job.result["run"])
    assert office_client.post(f"/office/runs/{run.pk}/publish/").status_code == 302

    add_staff("viewer@samen.test", "school", ["A"], round=small_round)
    add_staff("viewer@samen.test", "school", ["A"], round=done)
    viewer = sign_in(Client(), "viewer@samen.test")
    from django.contrib.auth import get_user_model

    office_user = get_user_model().objects.get(username="office@samen.test")
    values = {
        "slug": small_round.slug,
        "code": "A",
        "pk": str(child.pk),
        "token": group.token,
        "public_id": child.public_id,
        "job": str(job.pk),
        "run": str(run.pk),
        "user": str(office_user.pk),
        "priority": str(priority.pk),
        "stem": "allocation",
    }
    clients = {
        "anonymous": Client(),
        "parent": parent,
        "school viewer": viewer,
        "office": office_client,
    }
    for c in clients.values():
        c.raise_request_exception = False
    return World(values, clients)


def routes() -> list[tuple[str, str]]:
    """(name, route) of every URL pattern, nested ones included; unnamed ones by route."""
    from samen.web.urls import urlpatterns

    out: list[tuple[str, str]] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                out.append((p.name or route, route))

    walk(urlpatterns, "")
    return out


_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _fill(route: str, world: World, garbage: tuple[str, str] | None = None) -> str:
    """The route with valid values, or with ``garbage = (parameter, value)`` in one place."""

    def value(m: re.Match[str]) -> str:
        name = m.group(2)
        if garbage is not None and garbage[0] == name:
            return garbage[1]
        return {
            "pk": world.values["run"] if "runs/" in route else world.values["pk"],
        }.get(name) or _valid(name, route, world)

    return "/" + _PARAM.sub(value, route).lstrip("^").rstrip("$")


def _valid(name: str, route: str, world: World) -> str:
    if name == "pk":
        if route.startswith("office/jobs/"):
            return world.values["job"]
        if route.startswith("office/staff/"):
            return world.values["user"]
    return world.values.get(name, "x")


def _payloads(fields: tuple[str, ...]) -> list[list[tuple[str, str]]]:
    payloads: list[list[tuple[str, str]]] = [[]]  # everything missing
    for g in GARBAGE:
        payloads.append([(f, g) for f in fields])
    payloads.append([(f, v) for f in fields for v in ("1", "abc")])  # lists for scalars
    return payloads


def _requests(name: str, route: str, world: World) -> list[tuple[str, str, Any]]:
    """(method, path, data) of every garbage request for one URL."""
    fields = FIELDS[name]
    path = _fill(route, world)
    out: list[tuple[str, str, Any]] = []
    for g in QUERY_GARBAGE:
        query = urlencode([(n, g) for n in (*QUERY_NAMES, *fields)])
        out.append(("GET", f"{path}?{query}", None))
    for k, payload in enumerate(_payloads(fields)):
        encoding = "multipart" if k % 2 else "urlencoded"
        out.append(("POST " + encoding, path, payload))
    file_fields = [f for f in fields if f in ("files", "file")]
    for field in file_fields:
        for filename, content in bad_files():
            out.append(("POST files", path, {field: SimpleUploadedFile(filename, content)}))
        out.append(("POST files", path, {field: "not a file"}))
        for filename in RAW_NAMES:
            out.append(("POST raw", path, raw_multipart(field, filename, b"school_id\n")))
        out.append(
            (
                "POST raw",
                path,
                (b"--broken\r\nnot a multipart body", "multipart/form-data; boundary=broken"),
            )
        )
        out.append(("POST raw", path, (b"x", "multipart/form-data")))
    for param_conv, param in _PARAM.findall(route):
        for g in PATH_GARBAGE.get(param_conv or "str", PATH_GARBAGE["str"]):
            bad = _fill(route, world, (param, g))
            out.append(("GET", bad, None))
            out.append(("POST urlencoded", bad, [(f, "1") for f in fields]))
    return out


#: pages each role opens, to show the sweep was signed in as that role
OWN_PAGES = {
    "anonymous": ("home", "signin"),
    "parent": ("child", "child_edit", "account", "pledge_invite"),
    "school viewer": ("school_home", "school_applicants"),
    "office": ("office", "office_round", "office_school", "office_run", "office_applicant"),
}


class _Rollback(Exception):
    pass


def _send(client: Client, method: str, path: str, data: Any) -> Any:
    """One request in a transaction that is rolled back, with the client's cookies as they
    were before (a sign-out must not sign the rest of the sweep out)."""
    saved = client.cookies
    client.cookies = copy.deepcopy(saved)
    try:
        return _send_once(client, method, path, data)
    finally:
        client.cookies = saved


def _send_once(client: Client, method: str, path: str, data: Any) -> Any:
    response = None
    with contextlib.suppress(_Rollback), transaction.atomic():
        if method == "GET":
            response = client.get(path)
        elif method == "POST urlencoded":
            body = urlencode(data or [])
            response = client.post(path, body, content_type="application/x-www-form-urlencoded")
        elif method == "POST multipart":
            merged: dict[str, list[str]] = {}
            for key, value in data or []:
                merged.setdefault(key, []).append(value)
            response = client.post(path, merged)
        elif method == "POST raw":
            body, content_type = data
            response = client.post(path, body, content_type=content_type)
        else:
            response = client.post(path, data)
        raise _Rollback  # every request meets the same data
    return response


def _describe(method: str, path: str, data: Any) -> str:
    shown = repr(data)[:120] if data else ""
    return f"{method} {path[:120]!s} {shown}"


@pytest.mark.parametrize("role", ["anonymous", "parent", "school viewer", "office"])
def test_garbage_never_gives_a_5xx(world: World, role: str) -> None:
    client = world.clients[role]
    failures = []
    answered: dict[str, bool] = {}
    for name, route in routes():
        for method, path, data in _requests(name, route, world):
            r = _send(client, method, path, data)
            answered[name] = answered.get(name, False) or r.status_code == 200
            if r.status_code >= 500:
                exc = getattr(r, "exc_info", None)
                why = repr(exc[1])[:300] if exc else ""
                failures.append(f"{r.status_code} {_describe(method, path, data)} {why}")
    assert not failures, f"{len(failures)} requests gave a 5xx:\n" + "\n".join(failures[:40])
    # the sweep reached the views: the role's own pages answered
    for name in OWN_PAGES[role]:
        assert answered[name], f"{role}: {name} never answered 200 (signed out?)"
    # the sweep changed nothing: the family's child is as it was
    assert Child.objects.filter(first_name="Alice").count() == 1


def test_every_url_says_what_it_reads() -> None:
    names = [name for name, _ in routes()]
    missing = sorted(set(names) - set(FIELDS))
    assert not missing, f"add these URLs to FIELDS in {__name__} (the fields they read): {missing}"
    assert len(names) == len(set(names)), "two URLs share a name"


def test_nul_bytes_are_refused_before_any_view(world: World) -> None:
    office = world.clients["office"]
    slug = world.values["slug"]
    for path in (
        f"/office/rounds/{slug}/schools/A%00/",
        f"/rounds/{slug}/schools/%00/",
        "/pledge/%00/",
    ):
        assert office.get(path).status_code == 400, path
    assert office.get(f"/office/rounds/{slug}/applicants/?q=a%00").status_code == 400
    r = office.post(f"/office/rounds/{slug}/seed/commit/", {"seed": "a\x00b"})
    assert r.status_code == 400
    c = Client()
    c.cookies["sessionid"] = "abc\x00def"
    assert c.get("/").status_code == 400
    assert "<h1>" in office.get("/pledge/%00/").content.decode()


def test_the_reported_500s_are_4xx(world: World) -> None:
    parent = world.clients["parent"]
    office = world.clients["office"]
    token, slug, public_id = world.values["token"], world.values["slug"], world.values["public_id"]
    assert parent.post(f"/pledge/{token}/", {"child": "abc"}).status_code == 404
    r = office.post(
        f"/office/rounds/{slug}/applicants/{public_id}/",
        {"action": "remove-priority", "priority": "abc"},
    )
    assert r.status_code == 404
    assert Priority.objects.filter(pk=world.values["priority"]).exists()
    assert parent.get("/children/99999999999999999999999999/").status_code == 404


def test_every_post_needs_the_csrf_token(world: World) -> None:
    """The garbage client skips the CSRF check; a browser's does not: every URL refuses a
    POST without the token, whoever sends it."""
    from django.contrib.auth import get_user_model

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(get_user_model().objects.get(username="a@samen.test"))
    anonymous = Client(enforce_csrf_checks=True)
    for name, route in routes():
        path = _fill(route, world)
        for client in (strict, anonymous):
            data = {f: "1" for f in FIELDS[name]}
            r = client.post(path, data)
            assert r.status_code == 403, (name, path, r.status_code)
