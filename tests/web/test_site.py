"""The site's icon, and the data folder that `samen web migrate` makes."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from .conftest import sign_in


def test_favicon(db):
    r = Client().get("/favicon.ico")
    assert r.status_code == 200
    assert r["Content-Type"] == "image/svg+xml"
    assert r.content.startswith(b"<svg") and b"</svg>" in r.content
    assert "max-age=86400" in r["Cache-Control"]
    assert Client().head("/favicon.ico").status_code == 200
    assert Client().post("/favicon.ico").status_code == 405
    # every page names it, so browsers do not look elsewhere
    assert (
        '<link rel="icon" href="/favicon.ico" type="image/svg+xml">'
        in Client().get("/").content.decode()
    )
    # cached also for signed-in parents (it holds nothing personal), without a look at the
    # session or the user
    c = sign_in(Client(), "p@samen.test")
    with CaptureQueriesContext(connection) as queries:
        r = c.get("/favicon.ico")
    assert r.status_code == 200 and "no-store" not in r["Cache-Control"]
    assert queries.captured_queries == []


def _migrate(tmp_path, **env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAMEN_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.update(env_extra)
    run = "import sys; from samen.cli import app; sys.argv = ['samen', 'web', 'migrate']; app()"
    return subprocess.run(
        [sys.executable, "-c", run], env=env, cwd=tmp_path, capture_output=True, text=True
    )


def test_migrate_makes_the_data_folder_with_a_key_given(tmp_path):
    data = tmp_path / "not" / "yet" / "here"
    out = _migrate(tmp_path, SAMEN_DATA_DIR=str(data), SAMEN_SECRET_KEY="k" * 50)
    assert out.returncode == 0, out.stderr[-2000:]
    assert (data / "samen.sqlite3").is_file()
    assert not (data / "secret_key").exists()  # the key came from the environment


def test_migrate_makes_the_data_folder_and_the_key_file(tmp_path):
    data = tmp_path / "fresh"
    out = _migrate(tmp_path, SAMEN_DATA_DIR=str(data))
    assert out.returncode == 0, out.stderr[-2000:]
    assert (data / "samen.sqlite3").is_file()
    key = data / "secret_key"
    assert key.is_file() and stat.S_IMODE(key.stat().st_mode) == 0o600
