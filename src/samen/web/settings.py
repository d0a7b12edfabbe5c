"""Django settings for the samen platform, read from the environment.

Every setting has a safe default for development; production sets a few variables (see
``docs/platform.md``). ``DEBUG`` is off unless ``SAMEN_DEBUG=1``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from samen.i18n import LOCALE_DIR
from samen.web.dburl import database_from_url, sqlite_database

WEB_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    """``1``, ``true``, ``yes`` and ``on`` (any case) are true; unset is ``default``."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [v.strip() for v in value.split(",") if v.strip()]


DEBUG = env_bool("SAMEN_DEBUG")
_url = os.environ.get("SAMEN_DATABASE_URL") or os.environ.get("DATABASE_URL")


def _data_dir() -> Path:
    """The data folder, made if it does not exist yet (with or without a key file in it)."""
    path = Path(os.environ.get("SAMEN_DATA_DIR", "samen-data")).absolute()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        # a place nobody may write is fine as long as nothing is kept there yet
        if not _url or not os.environ.get("SAMEN_SECRET_KEY"):
            raise RuntimeError(
                f"cannot make the data folder {path} (SAMEN_DATA_DIR): {exc}"
            ) from exc
    return path


#: where the SQLite database, the secret key file, reports and uploads in progress live
DATA_DIR = _data_dir()


def _secret_key() -> str:
    key = os.environ.get("SAMEN_SECRET_KEY", "")
    if key:
        return key
    # no key given: one random key per data folder, kept in a file only its owner can read
    path = DATA_DIR / "secret_key"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("SAMEN_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("SAMEN_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "samen.web.core",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "samen.web.core.request_guard.RequestGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "samen.web.core.staff_sessions.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "samen.web.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "samen.web.urls"
WSGI_APPLICATION = "samen.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "samen.web.core.context.samen",
            ],
        },
    }
]

DATABASES = {
    "default": database_from_url(_url) if _url else sqlite_database(str(DATA_DIR / "samen.sqlite3"))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Nobody has a password: everyone signs in with a one-time code sent by e-mail.
# UserBackend is ModelBackend reading the user with one plain statement; ModelBackend stays
# listed so that sessions signed in before it keep working.
AUTHENTICATION_BACKENDS = [
    "samen.web.core.backends.UserBackend",
    "django.contrib.auth.backends.ModelBackend",
]
#: Django's database sessions, read with one plain statement (samen.web.core.sessions)
SESSION_ENGINE = "samen.web.core.sessions"
AUTH_PASSWORD_VALIDATORS: list[dict[str, str]] = []
LOGIN_URL = "signin"
LOGIN_REDIRECT_URL = "home"

# Languages: Dutch first, then English and French.
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [LOCALE_DIR]  # samen.i18n: one place names the catalogues' folder
USE_I18N = True
TIME_ZONE = os.environ.get("SAMEN_TIME_ZONE", "Europe/Brussels")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("SAMEN_STATIC_ROOT", str(DATA_DIR / "static")))
#: serve /static/ from the application itself (on in development; in production a web server
#: in front usually serves STATIC_ROOT after `samen web collectstatic`)
SAMEN_SERVE_STATIC = env_bool("SAMEN_SERVE_STATIC", DEBUG)

# E-mail: printed on the console in development, SMTP in production.
DEFAULT_FROM_EMAIL = os.environ.get("SAMEN_EMAIL_FROM", "samen <no-reply@localhost>")
if os.environ.get("SAMEN_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["SAMEN_EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("SAMEN_EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("SAMEN_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("SAMEN_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("SAMEN_EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env_bool("SAMEN_EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Security. Behind HTTPS (the default when DEBUG is off) cookies are secure and HSTS is sent.
HTTPS = env_bool("SAMEN_HTTPS", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 14 * 24 * 3600
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("SAMEN_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
if env_bool("SAMEN_BEHIND_PROXY"):
    # the proxy in front sets X-Forwarded-Proto and X-Forwarded-For
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SAMEN_TRUST_X_FORWARDED_FOR = env_bool("SAMEN_BEHIND_PROXY")
#: the Content-Security-Policy header: everything from this site, nothing inline
SAMEN_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)

# Uploads go to temporary files as they arrive (never into memory), and stop with a 413 once
# the request passes SAMEN_UPLOAD_MAX_MB (samen.web.core.uploads); form fields other than
# files may hold 2.5 MB together.
FILE_UPLOAD_HANDLERS = ["samen.web.core.uploads.LimitedUploadHandler"]
SAMEN_UPLOAD_MAX_BYTES = int(os.environ.get("SAMEN_UPLOAD_MAX_MB", "200")) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 20
CSRF_FAILURE_VIEW = "samen.web.core.views.errors.csrf_failure"

# Staff sessions (office and school roles) end after SAMEN_STAFF_IDLE_MINUTES without a request
# and SAMEN_STAFF_SESSION_HOURS after signing in (samen.web.core.staff_sessions); parents keep
# SESSION_COOKIE_AGE.
SAMEN_STAFF_IDLE_MINUTES = int(os.environ.get("SAMEN_STAFF_IDLE_MINUTES", "30"))
SAMEN_STAFF_SESSION_HOURS = int(os.environ.get("SAMEN_STAFF_SESSION_HOURS", "12"))
# Office admins confirm every sign-in with a TOTP code (django-otp, samen.web.core.second_factor)
OTP_TOTP_ISSUER = os.environ.get("SAMEN_SITE_NAME", "samen")

# Sign-in codes (see samen.web.core.signin).
SAMEN_CODE_MINUTES = int(os.environ.get("SAMEN_CODE_MINUTES", "10"))
SAMEN_CODE_ATTEMPTS = int(os.environ.get("SAMEN_CODE_ATTEMPTS", "5"))
#: codes for one address asked from one requester (an IPv4 address or an IPv6 /64)
SAMEN_CODES_PER_REQUESTER_HOUR = int(os.environ.get("SAMEN_CODES_PER_REQUESTER_HOUR", "3"))
#: codes one requester may ask for, all addresses together
SAMEN_CODES_PER_IP_HOUR = int(os.environ.get("SAMEN_CODES_PER_IP_HOUR", "30"))
#: codes for one address from browsers that never signed in as that address
SAMEN_CODES_PER_EMAIL_HOUR = int(os.environ.get("SAMEN_CODES_PER_EMAIL_HOUR", "10"))
#: the worker's pause between looks at the job table, in seconds
SAMEN_WORKER_POLL = float(os.environ.get("SAMEN_WORKER_POLL", "2"))
#: the public name of the platform, as families see it
SAMEN_SITE_NAME = os.environ.get("SAMEN_SITE_NAME", "samen")
#: the map of a round's schools: a tile URL such as https://tile.example.org/{z}/{x}/{y}.png
#: and its attribution (plain text); empty = no tiles (samen.web.core.maps). The tile server
#: is added to the CSP of the map page only, and only when set.
SAMEN_MAP_TILES = os.environ.get("SAMEN_MAP_TILES", "").strip()
SAMEN_MAP_ATTRIBUTION = os.environ.get("SAMEN_MAP_ATTRIBUTION", "").strip()

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SAMEN_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
