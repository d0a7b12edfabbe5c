"""Security headers, languages, the job queue, retention, settings and the command line."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.test import Client
from django.utils import timezone
from typer.testing import CliRunner

from samen.web.core import jobs
from samen.web.core.models import AuditEntry, Child, Job, Round, SignInCode
from samen.web.dburl import database_from_url
from samen.web.i18n import mo_bytes, parse_po

from .conftest import register_child, sign_in


def test_security_headers(small_round):
    r = Client().get("/")
    assert r["X-Frame-Options"] == "DENY"
    assert r["Referrer-Policy"] == "same-origin"
    assert r["X-Content-Type-Options"] == "nosniff"
    csp = r["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    c = sign_in(Client(), "p@samen.test")
    child = register_child(c, small_round)
    r = c.get(f"/children/{child.pk}/")
    assert "no-store" in r["Cache-Control"]
    # no inline script or style that the policy would block
    html = r.content.decode()
    assert "<script>" not in html and "style=" not in html and "<style" not in html


@pytest.mark.parametrize(
    ("lang", "text"),
    [("nl", "Inloggen"), ("en", "Sign in"), ("fr", "Se connecter")],
)
def test_pages_in_three_languages(db, lang, text):
    r = Client(headers={"accept-language": lang}).get("/signin/")
    assert r.status_code == 200
    html = r.content.decode()
    assert f'<html lang="{lang}">' in html
    assert text in html


def test_dutch_is_the_default_and_the_switcher_works(db):
    c = Client()
    assert '<html lang="nl">' in c.get("/").content.decode()
    r = c.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert r.status_code == 302
    assert '<html lang="fr">' in c.get("/").content.decode()


def test_result_explanation_is_translated(db):
    from django.utils import translation

    from samen.web.core.explain import pool_title

    pool = {"favours": "indicator", "order_by": "distance", "seats": 3}
    with translation.override("fr"):
        fr = pool_title(pool, {"indicator": "Q"})
    with translation.override("nl"):
        nl = pool_title(pool, {"indicator": "Q"})
    with translation.override("en"):
        en = pool_title(pool, {"indicator": "Q"})
    assert len({fr, nl, en}) == 3


def test_po_compiler_matches_gettext_format():
    text = (
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Hello"\nmsgstr "Hallo"\n\n'
        '#, fuzzy\nmsgid "Fuzzy"\nmsgstr "Vaag"\n\n'
        'msgctxt "menu"\nmsgid "File"\nmsgstr "Bestand"\n\n'
        'msgid "one"\nmsgid_plural "many"\nmsgstr[0] "een"\nmsgstr[1] "veel"\n\n'
        'msgid "Long"\nmsgstr ""\n"lang "\n"verhaal"\n'
    )
    messages = parse_po(text)
    assert messages[b"Hello"] == b"Hallo"
    assert b"Fuzzy" not in messages
    assert messages[b"menu\x04File"] == b"Bestand"
    assert messages[b"one\0many"] == b"een\0veel"
    assert messages[b"Long"] == b"lang verhaal"
    import gettext
    import io

    t = gettext.GNUTranslations(io.BytesIO(mo_bytes(messages)))
    assert t.gettext("Hello") == "Hallo"
    assert t.pgettext("menu", "File") == "Bestand"
    assert t.ngettext("one", "many", 5) == "veel"


def test_worker_claims_each_job_once_and_records_failures(small_round):
    from django.utils import translation

    with translation.override("en"):
        job = jobs.enqueue("allocate", small_round)  # the seed is not revealed: it must fail
    assert jobs.claim("w1").pk == job.pk
    assert jobs.claim("w2") is None
    job.refresh_from_db()
    assert job.status == Job.RUNNING and job.worker == "w1"
    jobs.run(job)
    job.refresh_from_db()
    assert job.status == Job.FAILED and "hold the draw first" in job.error
    # messages are in the language of whoever asked for the job (Dutch by default)
    with translation.override("nl"):
        dutch = jobs.enqueue("allocate", small_round)
    jobs.run(jobs.claim("w1"))
    dutch.refresh_from_db()
    assert "loting" in dutch.error
    assert AuditEntry.objects.filter(action="job.failed").exists()
    with pytest.raises(ValueError):
        jobs.enqueue("no-such-kind", small_round)


def test_worker_command_once(small_round):
    from django.core.management import call_command

    jobs.enqueue("allocate", small_round)
    call_command("samen_worker", "--once")
    assert Job.objects.get().status == Job.FAILED


def test_job_page_refreshes_while_waiting(small_round, office_client):
    # site.js asks for the page and reloads it when the status changes; no timed refresh of
    # the whole page (WCAG 2.2.1), and a link to look without the script
    job = jobs.enqueue("allocate", small_round)
    html = office_client.get(f"/office/jobs/{job.pk}/").content.decode()
    assert 'http-equiv="refresh"' not in html
    assert 'data-wait="queued"' in html and "samen/site.js" in html
    assert f'href="/office/jobs/{job.pk}/"' in html
    jobs.run(jobs.claim("w1"))
    html = office_client.get(f"/office/jobs/{job.pk}/").content.decode()
    assert "data-wait" not in html and f'href="/office/jobs/{job.pk}/"' not in html


def test_retention_purge(small_round):
    from django.core.management import call_command

    c = sign_in(Client(), "p@samen.test")
    register_child(c, small_round)
    SignInCode.objects.update(created_at=timezone.now() - dt.timedelta(days=2))
    call_command("samen_purge")
    assert Child.objects.count() == 1  # no retention date yet
    Round.objects.filter(pk=small_round.pk).update(
        retention_until=timezone.localdate() - dt.timedelta(days=1)
    )
    call_command("samen_purge")
    small_round.refresh_from_db()
    assert Child.objects.count() == 0
    assert small_round.purged_at is not None and small_round.status == Round.ARCHIVED
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="p@samen.test").exists()
    assert not SignInCode.objects.exists()
    assert AuditEntry.objects.filter(action="round.purge").exists()


def test_database_urls():
    pg = database_from_url("postgres://samen:p%40ss@db:5433/samen?sslmode=require")
    assert pg["ENGINE"] == "django.db.backends.postgresql"
    assert (pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"], pg["NAME"]) == (
        "samen",
        "p@ss",
        "db",
        "5433",
        "samen",
    )
    assert pg["OPTIONS"] == {
        "sslmode": "require",
        "server_side_binding": True,
        "prepare_threshold": 5,
    }
    off = database_from_url("postgres://db/samen?prepare_threshold=none&server_side_binding=0")
    assert off["OPTIONS"] == {"server_side_binding": False, "prepare_threshold": None}
    assert (
        database_from_url("postgres://db/samen?prepare_threshold=2")["OPTIONS"]["prepare_threshold"]
        == 2
    )
    assert database_from_url("sqlite:///data/x.sqlite3")["NAME"] == "data/x.sqlite3"
    assert database_from_url("sqlite:////abs/x.sqlite3")["NAME"] == "/abs/x.sqlite3"
    with pytest.raises(ValueError):
        database_from_url("mysql://x/y")


def test_sqlite_runs_in_wal_mode(db, tmp_path):
    from django.db import connection

    # the PostgreSQL pass (SAMEN_TEST_DATABASE_URL) has no SQLite; the check below uses a file
    expected = "postgresql" if os.environ.get("SAMEN_TEST_DATABASE_URL") else "sqlite"
    assert connection.vendor == expected
    from samen.web.core.apps import sqlite_wal

    class FakeConnection:
        vendor = "sqlite"

        def __init__(self, path):
            import sqlite3

            self.raw = sqlite3.connect(path)

        def cursor(self):
            import contextlib

            return contextlib.closing(self.raw.cursor())

    fake = FakeConnection(str(tmp_path / "x.sqlite3"))
    sqlite_wal(None, fake)
    assert fake.raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_command_line_has_the_web_commands():
    from samen.cli import app

    out = CliRunner().invoke(app, ["web", "--help"])
    assert out.exit_code == 0
    for command in ("serve", "worker", "migrate", "demo", "purge", "staff"):
        assert command in out.output


def test_chances_need_enough_registrations(small_round):
    # With one child registered the page explains why it shows no numbers (never made-up ones);
    # tests/web/test_analytics_hooks.py covers the numbers themselves.
    from samen.web.core.chances import admission_chances

    c = sign_in(Client(), "p@samen.test")
    child = register_child(c, small_round)
    result = admission_chances(child)
    assert result is None or getattr(result, "state", None) == "too-few"
