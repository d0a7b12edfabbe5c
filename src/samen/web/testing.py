"""Django set up for tests: the platform's settings with a test environment (a temporary data
folder, a fixed secret key, DEBUG off, no HTTPS redirect, no mail server) on SQLite, or on the
PostgreSQL server that ``SAMEN_TEST_DATABASE_URL`` names (pytest-django makes its own test
database there). Used by ``tests/web/conftest.py`` and by the doctest run over ``src/samen``."""

from __future__ import annotations

import os
import tempfile


def setup_django_for_tests() -> None:
    """Configure and start Django once (idempotent)."""
    if os.environ.get("SAMEN_TEST_SETUP") == "1":
        return
    os.environ["SAMEN_TEST_SETUP"] = "1"
    os.environ["DJANGO_SETTINGS_MODULE"] = "samen.web.settings"
    os.environ["SAMEN_DATA_DIR"] = tempfile.mkdtemp(prefix="samen-web-test-")
    os.environ["SAMEN_SECRET_KEY"] = "test-secret-key-not-for-production-0123456789abcdef"
    os.environ["SAMEN_DEBUG"] = "0"
    os.environ["SAMEN_HTTPS"] = "0"
    for name in ("SAMEN_DATABASE_URL", "DATABASE_URL", "SAMEN_EMAIL_HOST"):
        os.environ.pop(name, None)
    test_database = os.environ.get("SAMEN_TEST_DATABASE_URL", "")
    if test_database:
        os.environ["SAMEN_DATABASE_URL"] = test_database

    import django

    from samen.web.i18n import compile_all

    compile_all()
    django.setup()
