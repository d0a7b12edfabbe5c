"""The office pages as a clerk and an auditor use them: the audit log in words (filters, pages,
the CSV export), every office word in three languages, and one public numbering for allocation
runs (``tests/web/test_office_forms.py`` has staff management, the seat-pool editor and the
dates with seconds)."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from samen.io.cells import looks_like_formula, neutralise
from samen.web.core import audit, audit_words, jobs
from samen.web.core.audit_words import NOTHING, SEP
from samen.web.core.models import AuditEntry, Round
from samen.web.core.roles import add_staff

from .conftest import ROOT, sign_in
from .test_results import allocate_and_publish, allocated  # noqa: F401 (a fixture)

WEB = ROOT / "src" / "samen" / "web"
TEMPLATES = WEB / "core" / "templates" / "samen"


def _entry(action: str, **kw) -> AuditEntry:
    return audit.record(None, action, **kw)


# --------------------------------------------------------------------------- cells


def test_neutralise_follows_owasp():
    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert looks_like_formula(bad) and neutralise(bad) == "'" + bad
    for good in ("Anna", "", "1-2", " =x", "'=x"):
        assert not looks_like_formula(good) and neutralise(good) == good


# --------------------------------------------------------------------------- audit words


def _record_calls() -> list[tuple[str, ast.expr, str]]:
    """Every ``audit.record(request, ACTION, ...)`` in the platform's code: (file, ACTION)."""
    calls = []
    for path in sorted(WEB.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        # ``record`` imported by name from the audit module counts too
        bare = any(
            isinstance(node, ast.ImportFrom)
            and (node.module or "").endswith("core.audit")
            and any(alias.name == "record" for alias in node.names)
            for node in ast.walk(tree)
        )
        for node in ast.walk(tree):
            func = node.func if isinstance(node, ast.Call) else None
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "record"
                and isinstance(func.value, ast.Name)
                and func.value.id == "audit"
            ) or (bare and isinstance(func, ast.Name) and func.id == "record"):
                action = node.args[1] if len(node.args) > 1 else None
                assert action is not None, f"{path}: audit.record without an action"
                calls.append((f"{path.name}:{node.lineno}", action, source))
    return calls


def _expansions() -> dict[str, set[str]]:
    """The values of the action codes built with an f-string, from the code that builds them."""
    from samen.web.core import lifecycle
    from samen.web.core.models import Job

    return {
        "done.action or ACTIONS[step]": set(lifecycle.ACTIONS.values()),
        'ACTIONS["import"]': {lifecycle.ACTIONS["import"]},
        'exc.audit_action or f"{ACTIONS[step]}.refused"': {
            *(f"{a}.refused" for a in lifecycle.ACTIONS.values()),
            "seed.reveal-mismatch",
        },
        'f"job.enqueue.{kind}"': {f"job.enqueue.{k}" for k in jobs.HANDLERS if k != jobs.CHANCES},
        'f"job.{job.status}"': {f"job.{s}" for s in (Job.DONE, Job.FAILED)},
        "IMPORT_ACTION": {"addresses.import"},
    }


def test_every_action_code_in_the_code_has_words():
    codes: set[str] = set()
    expansions = _expansions()
    for where, action, source in _record_calls():
        if isinstance(action, ast.Constant) and isinstance(action.value, str):
            codes.add(action.value)
            continue
        text = ast.get_source_segment(source, action)
        assert text in expansions, (
            f"{where}: the action {text} is built at run time; add its values to this test "
            "(and its words to samen.web.core.audit_words)"
        )
        codes |= expansions[text]
    assert len(codes) > 25
    missing = sorted(c for c in codes if c not in audit_words.ACTIONS)
    assert not missing, f"action codes without words in audit_words.ACTIONS: {missing}"
    for code in codes:
        assert audit_words.kind_of(code) in audit_words.KINDS, code


def test_every_sentence_reads_in_every_language(db):
    def sentences() -> dict[str, str]:
        out = {}
        for code in audit_words.ACTIONS:
            entry = AuditEntry(action=code, target="job 7 (allocate)", after={"number": 2})
            out[code] = audit_words.sentence(entry)
            assert out[code] != code and "%(" not in out[code], (code, out[code])
        return out

    with translation.override("en"):
        english = sentences()
    for lang in ("nl", "fr"):
        with translation.override(lang):
            translated = sentences()
        same = [code for code in english if translated[code] == english[code]]
        assert not same, (lang, same)


def test_sentences_name_runs_jobs_and_targets(db):
    with translation.override("en"):
        publish = AuditEntry(action="run.publish", target="allocation", after={"number": 0})
        assert (
            audit_words.sentence(publish) == "Published the results of the allocation to families."
        )
        old = AuditEntry(action="run.download", target="run 2")  # written before the numbering
        assert "waiting-list round 2" in audit_words.sentence(old)
        done = AuditEntry(
            action="job.done",
            target="job 12 (waiting)",
            after={"status": "done", "result": {"run": 40, "number": 3}},
        )
        assert audit_words.sentence(done) == "The worker finished job 12: waiting-list round 3."
        report = AuditEntry(action="job.done", target="job 13 (report)", after={"result": {}})
        assert audit_words.sentence(report) == "The worker finished job 13: the council report."
        school = AuditEntry(action="school.edit", target="MB01")
        assert audit_words.sentence(school) == "Changed the school MB01 or its seat pools."
        unknown = AuditEntry(action="something.new", target="x")
        assert audit_words.sentence(unknown) == "something.new"
        assert audit_words.who(AuditEntry(actor_label="system")) == "system"
    with translation.override("nl"):
        assert audit_words.who(AuditEntry(actor_label="")) == "systeem"
        assert audit_words.sentence(publish) == (
            "Maakte de resultaten van de toewijzing bekend aan de gezinnen."
        )


def test_changes_as_a_short_diff():
    with translation.override("en"):
        school_before = {"code": "MB01", "name": "De Linde", "capacity": 24, "id": 3}
        assert audit_words.changes(
            {"school": school_before, "pools": []},
            {"school": {**school_before, "capacity": 26}, "pools": []},
        ) == [f"school{SEP}seats: 24 → 26"]
        pools_a = [
            {"id": 1, "name": "near", "seats": 12, "order_by": "distance", "seq": 0},
            {"id": 2, "name": "rest", "seats": 12, "order_by": "lottery", "seq": 1},
        ]
        pools_b = [
            {"id": 1, "name": "near", "seats": 10, "order_by": "distance", "seq": 0},
            {"id": 5, "name": "indicator", "seats": 2, "order_by": "lottery", "seq": 1},
        ]
        assert audit_words.changes({"pools": pools_a}, {"pools": pools_b}) == [
            f"seat pools{SEP}near{SEP}seats: 12 → 10",
            f"seat pools{SEP}rest: removed",
            f"seat pools{SEP}indicator: added",
        ]
        # lists and long texts summarised, dates in local time, secrets never shown
        lines = audit_words.changes(
            None,
            {
                "applicant_ids": [f"K-{k}" for k in range(37)],
                "priority_groups": ["sibling", "staff"],
                "description": "x" * 300,
                "seed": "the secret seed",
                "registration_closes": "2027-03-15T11:00:30+00:00",
                "retention_until": "2028-01-31",
            },
        )
        assert lines[0] == "children: 37 items"
        assert lines[1] == "priority groups: sibling, staff"
        assert lines[2].startswith("about the school: xxx") and lines[2].endswith("…")
        assert len(lines[2]) < 90
        assert lines[3] == "seed: (not shown)"
        assert lines[4] == "registration closes: 15 Mar 2027 12:00:30"  # Brussels, winter
        assert lines[5] == "keep personal data until: 31 Jan 2028"
        assert "the secret seed" not in " ".join(lines)
        # a removal reads "old → (nothing)"; many changes are counted
        assert audit_words.changes({"school": "A", "group": "sibling"}, None) == [
            f"school: A → {NOTHING}",
            f"group: sibling → {NOTHING}",
        ]
        many = audit_words.changes(
            {f"f{k}": k for k in range(20)}, {f"f{k}": -k for k in range(20)}
        )
        assert len(many) == audit_words.MAX_LINES and many[-1] == "and 12 more changes"
        assert audit_words.changes({"status": "open"}, {"status": "closed"}) == [
            "status: registration open → registration closed"
        ]
        assert audit_words.changes(None, None) == []


# --------------------------------------------------------------------------- the audit log page


def test_the_log_in_words_after_real_actions(small_round, office_client):
    office_client.post(
        f"/office/rounds/{small_round.slug}/schools/A/",
        {
            "code": "A",
            "name": "School A",
            "capacity": 3,
            "pools-TOTAL_FORMS": 0,
            "pools-INITIAL_FORMS": 0,
            "pools-MIN_NUM_FORMS": 0,
            "pools-MAX_NUM_FORMS": 1000,
        },
    )
    office_client.post(f"/office/rounds/{small_round.slug}/seed/commit/", {"seed": "geheim"})
    html = office_client.get("/office/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Changed the school A or its seat pools." in html
    assert f"school{SEP}seats: 2 → 3" in html
    assert "Published the fingerprint of a new seed." in html
    assert "geheim" not in html
    assert "office@samen.test" in html
    assert "school.edit" not in html.split("<table")[1]  # codes only in the filter's values
    dutch = office_client.get("/office/audit/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Wijzigde de school A of haar plaatsgroepen." in dutch


def _many_entries(rnd: Round, n: int) -> None:
    now = timezone.now()
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                at=now - dt.timedelta(minutes=k),
                actor_label="kim@stad.test" if k % 2 else "system",
                action="school.edit" if k % 3 else "round.open",
                round=rnd if k % 5 else None,
                target=f"S{k}",
                before={"capacity": k},
                after={"capacity": k + 1},
            )
            for k in range(n)
        ]
    )


def test_filters_pages_keep_them_and_the_cost_is_fixed(small_round, office_client):
    _many_entries(small_round, 400)
    query = f"round={small_round.slug}&person=kim%40stad.test&action=school.edit"
    r = office_client.get(f"/office/audit/?{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    expected = AuditEntry.objects.filter(
        round=small_round, actor_label="kim@stad.test", action="school.edit"
    )
    n = expected.count()
    assert 100 < n < 200
    html = r.content.decode()
    assert f"{n} entries." in html
    assert html.count("<tr>") == 50 + 1  # a page of 50 and the header
    # every page link keeps the filters
    links = re.findall(r'href="\?([^"]*page=\d+)"', html)
    assert links and all(query.replace("&", "&amp;") in link for link in links)
    last = (n + 49) // 50
    page = office_client.get(f"/office/audit/?{query}&page={last}").content.decode()
    assert page.count("<tr>") - 1 == n - 50 * (last - 1)
    # the kind of action, the system, and dates
    kind = office_client.get("/office/audit/?action=kind:round").context["page"]
    assert kind.paginator.count == AuditEntry.objects.filter(action__startswith="round.").count()
    system = office_client.get("/office/audit/?person=system").context["page"]
    assert system.paginator.count == AuditEntry.objects.filter(actor_label="system").count()
    today = timezone.localdate()
    r = office_client.get(f"/office/audit/?date_from={today}&date_to={today}")
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    assert r.context["page"].paginator.count == AuditEntry.objects.filter(at__gte=start).count()
    # the SQL statements of a page do not grow with the entries on it
    with CaptureQueriesContext(connection) as few:
        office_client.get(f"/office/audit/?{query}&page={last}")
    with CaptureQueriesContext(connection) as full:
        office_client.get(f"/office/audit/?{query}")
    assert len(full) == len(few) <= 8, [q["sql"] for q in full.captured_queries]


def test_bad_filters_are_a_clear_400(small_round, office_client):
    r = office_client.get("/office/audit/?date_from=31-02-2027", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400 and "Enter a valid date." in r.content.decode()
    r = office_client.get(
        "/office/audit/?date_from=2027-03-02&date_to=2027-03-01", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert r.status_code == 400 and "The end date is before the start date." in r.content.decode()
    for bad in ("action=nonsense", "round=no-such-round", "page=abc", "page=99999"):
        r = office_client.get(f"/office/audit/?{bad}")
        assert r.status_code in (200, 400), bad
    assert office_client.get("/office/audit/export.csv?action=nonsense").status_code == 400


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_filters_run_on_an_index(small_round):
    from samen.web.core.audit_log import AuditFilterForm, filtered

    for params, index in (
        ({"round": small_round.slug}, "audit_round_at"),
        ({"action": "kind:staff"}, "audit_action_at"),
        ({"action": "staff.add"}, "audit_action_at"),
        ({"person": "kim@stad.test"}, "audit_actor_at"),
    ):
        form = AuditFilterForm(params)
        assert form.is_valid(), form.errors
        sql, args = filtered(form).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", args)
            plan = " ".join(str(row) for row in cursor.fetchall())
        assert index in plan, (params, plan)


def test_csv_export_neutralises_formulas_and_is_audited(small_round, office_client):
    small_round.name = '=HYPERLINK("http://evil.test","click")'
    small_round.save()
    _entry("school.create", round=small_round, target="@SUM(A1)", after={"name": "-1+2"})
    _entry("staff.add", target="+31 6 12345678", after={"role": "office"})
    r = office_client.get(f"/office/audit/export.csv?round={small_round.slug}")
    assert r.status_code == 200 and r.streaming
    assert r["Content-Type"].startswith("text/csv")
    assert r["Content-Disposition"].startswith('attachment; filename="audit-log-')
    text = b"".join(r.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert len(header) == 10 and len(body) == 1  # only the round's entry
    for row in rows:
        for cell in row:
            assert not looks_like_formula(cell), (cell, row)
    assert body[0][4] == "'" + small_round.name
    assert body[0][5] == "'@SUM(A1)"
    # the export itself is in the log: who, which filters, how many entries
    entry = AuditEntry.objects.filter(action="audit.export").get()
    assert entry.actor_label == "office@samen.test"
    assert entry.after == {"filters": {"round": small_round.slug}, "entries": 1}
    everything = office_client.get("/office/audit/export.csv")
    lines = b"".join(everything.streaming_content).decode().splitlines()
    assert any(line.startswith("'+31 6") or ",'+31 6" in line for line in lines)
    assert AuditEntry.objects.filter(action="audit.export").count() == 2


def test_csv_export_of_many_entries_is_streamed_in_chunks(small_round, office_client):
    _many_entries(small_round, 2500)
    r = office_client.get("/office/audit/export.csv?action=kind:school")
    chunks = 0
    n = 0
    for chunk in r.streaming_content:
        chunks += 1
        n += chunk.count(b"\n")
    expected = AuditEntry.objects.filter(action__startswith="school.").count()
    assert n == expected + 1 and chunks == n  # one line at a time, never the whole file


def test_csv_export_reads_in_chunks_across_equal_times(small_round, office_client, monkeypatch):
    from samen.web.core import audit_log

    monkeypatch.setattr(audit_log, "CHUNK", 7)
    moment = timezone.now()
    AuditEntry.objects.bulk_create(
        [AuditEntry(at=moment, action="priority.add", target=f"K-{k}") for k in range(30)]
        + [AuditEntry(at=moment - dt.timedelta(seconds=k), action="priority.add") for k in range(5)]
    )
    r = office_client.get("/office/audit/export.csv?action=priority.add")
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode().lstrip("\ufeff"))))
    targets = [row[5] for row in rows[1:]]
    assert len(targets) == 35  # each entry once, none lost at a chunk's edge
    assert sorted(t for t in targets if t) == sorted(f"K-{k}" for k in range(30))


# --------------------------------------------------------------------------- three languages


FUNCS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}
#: the code behind the office's and schools' pages
OFFICE_PY = [
    "core/views/office.py",
    "core/views/school.py",
    "core/forms.py",
    "core/pool_forms.py",
    "core/audit_words.py",
    "core/audit_log.py",
    "core/staff.py",
    "core/run_names.py",
    "core/rule_words.py",
    "core/jobs.py",
    "core/allocation.py",
    "core/templatetags/samen_words.py",
    "core/rules_forms.py",
    "core/rules_v2.py",
    "core/v2checks.py",
    "core/pool_words.py",
    "core/positions.py",
    "core/admits.py",
    "core/numbers.py",
    "core/views/office_numbers.py",
]


def _office_templates() -> list[Path]:
    return sorted([*TEMPLATES.glob("office/*.html"), *TEMPLATES.glob("school/*.html")])


def _msgids_in_python(source: str) -> list[str | tuple[str, str]]:
    out: list[str | tuple[str, str]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        f = node.func
        name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", "")
        if name not in FUNCS:
            continue
        n = 2 if name.startswith("ngettext") else 1
        args = node.args[:n]
        if all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
            out.append((args[0].value, args[1].value) if n == 2 else args[0].value)
    return out


_QUOTED = r"u'((?:[^'\\]|\\.)*)'"


def _msgids_in_template(text: str) -> list[str | tuple[str, str]]:
    """The msgids of a template, found as makemessages finds them (Django's templatize)."""
    from django.utils.translation.template import templatize

    out: list[str | tuple[str, str]] = []
    pattern = r"\b(n?)gettext\(" + _QUOTED + r"(?:, " + _QUOTED + r")?"
    for m in re.finditer(pattern, templatize(text)):
        first = ast.literal_eval("'" + m.group(2) + "'")
        out.append((first, ast.literal_eval("'" + m.group(3) + "'")) if m.group(1) else first)
    return out


def _office_msgids() -> dict[str | tuple[str, str], str]:
    found: dict[str | tuple[str, str], str] = {}
    for path in _office_templates():
        for msgid in _msgids_in_template(path.read_text(encoding="utf-8")):
            found.setdefault(msgid, path.name)
    for rel in OFFICE_PY:
        for msgid in _msgids_in_python((WEB / rel).read_text(encoding="utf-8")):
            found.setdefault(msgid, rel)
    return found


def _catalog(lang: str) -> dict[bytes, bytes]:
    from samen.web.i18n import parse_po

    return parse_po((WEB / "locale" / lang / "LC_MESSAGES" / "django.po").read_text("utf-8"))


def test_every_office_msgid_is_translated_in_dutch_and_french():
    msgids = _office_msgids()
    assert len(msgids) > 300
    english = (WEB / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text("utf-8")
    for lang in ("nl", "fr"):
        catalog = _catalog(lang)
        missing = [
            (m, where)
            for m, where in msgids.items()
            if ("\0".join(m) if isinstance(m, tuple) else m).encode() not in catalog
        ]
        assert not missing, f"{lang}: {len(missing)} untranslated, e.g. {missing[:5]}"
    absent = [m for m in msgids if f'msgid "{m[0] if isinstance(m, tuple) else m}"' not in english]
    assert not absent, f"en: not in the English catalogue: {absent[:5]}"


def test_office_templates_have_no_words_outside_translate_tags():
    from django.template.base import Lexer, TokenType

    for path in _office_templates():
        parts = []
        depth = 0
        for token in Lexer(path.read_text(encoding="utf-8")).tokenize():
            if token.token_type == TokenType.BLOCK:
                word = token.contents.split()[0]
                depth += word in ("blocktranslate", "blocktrans")
                depth -= word in ("endblocktranslate", "endblocktrans")
            parts.append(
                token.contents if token.token_type == TokenType.TEXT and not depth else " "
            )
        html = "".join(parts)
        for attr in re.finditer(r'(aria-label|title|placeholder|alt)="([^"]*)"', html):
            assert not re.search(r"[A-Za-z]", attr.group(2)), (path.name, attr.group(0))
        text = re.sub(r"&[#\w]+;", " ", re.sub(r"<[^>]*>", " ", html))
        words = re.findall(r"[A-Za-z]{2,}", text)
        assert not words, f"{path.name}: words outside translate tags: {words[:10]}"


def test_office_messages_are_wrapped_for_translation():
    for rel in ("core/views/office.py", "core/views/school.py"):
        tree = ast.parse((WEB / rel).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "messages"
            ):
                text = node.args[1]
                assert not isinstance(text, ast.Constant | ast.JoinedStr), (rel, node.lineno)


def _office_urls(rnd: Round, run_pk: int, job_pk: int) -> list[str]:
    slug = rnd.slug
    return [
        "/office/",
        "/office/rounds/new/",
        "/office/rounds/import/",
        f"/office/rounds/{slug}/",
        f"/office/rounds/{slug}/edit/",
        f"/office/rounds/{slug}/schools/",
        f"/office/rounds/{slug}/schools/A/",
        f"/office/rounds/{slug}/questions/",
        f"/office/rounds/{slug}/applicants/",
        f"/office/runs/{run_pk}/",
        f"/office/jobs/{job_pk}/",
        "/office/audit/",
        "/office/addresses/",
        "/office/staff/",
    ]


def test_office_pages_render_fully_translated(published, office_client):
    families, run = published
    rnd = run.round
    child = families[0][1]
    job = run.job
    add_staff("viewer@samen.test", "school", ["A"], round=rnd)
    viewer = sign_in(Client(), "viewer@samen.test")
    english = {m[0] if isinstance(m, tuple) else m for m in _office_msgids()}
    # sentences of several words that a page shows unless it is translated
    sentences = sorted(
        (m for m in english if len(m.split()) >= 3 and "%(" not in m and "{" not in m), key=len
    )
    urls = [
        *_office_urls(rnd, run.pk, job.pk),
        f"/office/rounds/{rnd.slug}/applicants/{child.public_id}/",
    ]
    for lang in ("nl", "fr"):
        catalog = _catalog(lang)
        # words a translation keeps (a method's English name in brackets)
        untranslated_ok = {m for m in sentences if m in catalog.get(m.encode(), b"").decode()}
        pages = [(url, office_client) for url in urls]
        pages += [("/school/", viewer), (f"/school/{rnd.slug}/A/", viewer)]
        for url, client in pages:
            r = client.get(url, HTTP_ACCEPT_LANGUAGE=lang)
            assert r.status_code == 200, (lang, url, r.status_code)
            html = r.content.decode()
            assert f'<html lang="{lang}">' in html
            shown = [m for m in sentences if m in html and m not in untranslated_ok]
            assert not shown, (lang, url, shown[:5])


# --------------------------------------------------------------------------- run numbering


@pytest.fixture
def published(request):
    """Six families, allocated and published (``tests/web/test_results.py``)."""
    return request.getfixturevalue("allocated")


def test_run_names_in_three_languages():
    from samen.web.core import run_names

    expected = {
        "en": ("the allocation", "waiting-list round 2", "The allocation"),
        "nl": ("de toewijzing", "wachtlijstronde 2", "De toewijzing"),
        "fr": ("l'attribution", "tour de liste d'attente 2", "L'attribution"),
    }
    for lang, (main, second, title) in expected.items():
        with translation.override(lang):
            assert run_names.run_name(0) == main
            assert run_names.run_name(2) == second
            assert run_names.run_title(0) == title
    assert run_names.run_label(0) == "allocation"
    assert run_names.run_label(3) == "waiting-list round 3"
    assert run_names.number_from_label("run 4") == 4
    assert run_names.number_from_label("waiting-list round 4") == 4
    assert run_names.number_from_label("allocation") == 0
    assert run_names.number_from_label("job 4") is None
    assert run_names.run_file_stem("gent-2028", 0) == "gent-2028-allocation"
    assert run_names.run_file_stem("gent-2028", 1) == "gent-2028-waiting-list-1"


def test_one_numbering_everywhere(published, office_client):
    families, run = published
    rnd = run.round
    c, k = families[0]
    c.post(f"/children/{k.pk}/answer/", {"answer": "decline", "confirm": "yes"})
    waiting = allocate_and_publish(office_client, rnd, kind="waiting")
    assert waiting.number == 1
    en = {"HTTP_ACCEPT_LANGUAGE": "en"}
    # the office: the round's list of runs, the run pages, the job pages
    html = office_client.get(f"/office/rounds/{rnd.slug}/", **en).content.decode()
    assert "The allocation" in html and "Waiting-list round 1" in html
    assert "main round" not in html
    page = office_client.get(f"/office/runs/{waiting.pk}/", **en).content.decode()
    assert "<h1>Waiting-list round 1</h1>" in page
    job = office_client.get(f"/office/jobs/{waiting.job.pk}/", **en).content.decode()
    assert "See the results of waiting-list round 1" in job
    assert waiting.job.result["number"] == 1 and run.job.result["number"] == 0
    # file names
    r = office_client.get(f"/office/runs/{run.pk}/download.zip")
    assert f'filename="{rnd.slug}-allocation.zip"' in r["Content-Disposition"]
    r = office_client.get(f"/office/runs/{waiting.pk}/download.zip")
    assert f'filename="{rnd.slug}-waiting-list-1.zip"' in r["Content-Disposition"]
    # the audit log: targets by the public name, sentences in words
    targets = set(
        AuditEntry.objects.filter(action__in=["run.publish", "run.download"]).values_list(
            "target", flat=True
        )
    )
    assert targets == {"allocation", "waiting-list round 1"}
    log = office_client.get("/office/audit/?action=kind:run", **en).content.decode()
    assert "Published the results of waiting-list round 1 to families." in log
    assert "Published the results of the allocation to families." in log
    # the family: the page says which round the result is from; My data names it
    moved = [
        (client, child)
        for client, child in families
        if waiting.placements.filter(child=child).exists()
    ]
    client, child = moved[0]
    html = client.get(f"/children/{child.pk}/", **en).content.decode()
    assert "Waiting-list round 1" in html
    data = client.get("/account/export.json").json()
    assert {r["run"] for r in data["children"][0]["results"]} <= {
        "allocation",
        "waiting-list round 1",
    }
    # the waiting-list round's folder is named the same way
    assert "(waiting-list round 1)" in waiting.input_files["round.toml"]
