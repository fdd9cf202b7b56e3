"""Django settings for GreenLoop, read from the environment.

Defaults run on a laptop: SQLite and the lake under ``GREENLOOP_DATA_DIR``
(``./greenloop-data``), a secret key generated once into that folder, DEBUG off.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url

from greenloop.lib.env import BadSetting, envbool, envint, envlist, envstr

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(envstr("GREENLOOP_DATA_DIR", "./greenloop-data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    given = envstr("SECRET_KEY") or envstr("GREENLOOP_SECRET_KEY")
    if given:
        return given
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        # Written once with owner-only permissions; later processes share it.
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("DEBUG", False)
DEMO_MODE = envbool("GREENLOOP_DEMO", False)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "greenloop.audit",
    "greenloop.org",
    "greenloop.cases",
    "greenloop.monitoring",
    "greenloop.quality",
    "greenloop.complaints",
    # django-simple-captcha (the public report form), without its translations
    "greenloop.complaints.captcha_app.CaptchaConfig",
    "greenloop.jobs",
    "greenloop.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "greenloop.org.middleware.AdminOnlyForSystemAdministrators",
    "greenloop.audit.middleware.AuditRequestContext",
    # Axes must come last so it sees the final authentication outcome.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "greenloop.urls"
WSGI_APPLICATION = "greenloop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "greenloop.web.context.greenloop",
            ],
        },
    }
]

_default_db = f"sqlite:///{DATA_DIR / 'greenloop.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(envstr("DATABASE_URL", _default_db), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets the web process read while the gateway writes; IMMEDIATE avoids
    # lock upgrades failing mid-transaction under concurrent writers.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after a working day of inactivity and when the browser closes.
SESSION_COOKIE_AGE = envint("GREENLOOP_SESSION_SECONDS", 8 * 3600)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = envbool("GREENLOOP_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# django-axes: lock an account+address after repeated failures.
AXES_FAILURE_LIMIT = envint("GREENLOOP_LOGIN_FAILURES", 5)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"


def _xstatic_dirs() -> list[tuple[str, str] | str]:
    import xstatic.pkg.leaflet as leaflet

    return [("leaflet", leaflet.BASE_DIR), str(PACKAGE_DIR / "static")]


STATICFILES_DIRS = _xstatic_dirs()

# Uploads: anything bigger than this is refused before it is parsed.
GREENLOOP_MAX_UPLOAD_BYTES = envint("GREENLOOP_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Cases: a yellow card when the deadline is this many days away or less.
GREENLOOP_YELLOW_CARD_DAYS = envint("GREENLOOP_YELLOW_CARD_DAYS", 3)

# The HJ 212 gateway (greenloop gateway / greenloop serve).
GREENLOOP_GATEWAY = {
    "host": envstr("GREENLOOP_GATEWAY_HOST", "127.0.0.1"),
    "port": envint("GREENLOOP_GATEWAY_PORT", 9212),
    "onboarding": envbool("GREENLOOP_GATEWAY_ONBOARDING", False),
}
# A device is offline after this many expected intervals without data.
GREENLOOP_MONITORING_MISSED_INTERVALS = envint("GREENLOOP_MONITORING_MISSED_INTERVALS", 3)

# --- The lake mover (greenloop worker; docs/lake.md, "The mover") ---
# The Parquet lake; the same place `greenloop evaluate` reads by default.
GREENLOOP_LAKE_DIR = DATA_DIR / "lake"
# Inbox packets stay this long after they were received (live pages read the
# last 24-48 h from the inbox); data packets also wait for their Beijing day
# to end before they move.
GREENLOOP_INBOX_RETENTION_HOURS = envint("GREENLOOP_INBOX_RETENTION_HOURS", 48)
# Packets read from the inbox per batch: bounds the mover's memory.
GREENLOOP_MOVER_BATCH_SIZE = envint("GREENLOOP_MOVER_BATCH_SIZE", 5000)
# Days of job run history kept (greenloop worker, job jobs.prune_runs).
GREENLOOP_JOB_RUNS_KEEP_DAYS = envint("GREENLOOP_JOB_RUNS_KEEP_DAYS", 90)
# --- end of the lake mover ---


# --- Air quality jobs and hotspot grids (docs/air-water.md, decision 0015) ---
# A micro-station is "hot" in an hour when its PM2.5 or PM10 is above its
# district's mean by more than this share (0.3 = 30 %) ...
def _hotspot_share() -> float:
    raw = envstr("GREENLOOP_HOTSPOT_SHARE", "0.3")
    try:
        share = float(raw)
    except ValueError:
        share = -1.0
    if not 0 < share < 10:
        raise BadSetting(f"GREENLOOP_HOTSPOT_SHARE must be a share such as 0.3, not {raw!r}")
    return share


GREENLOOP_HOTSPOT_SHARE = _hotspot_share()
# ... for this many consecutive hours; as many cool hours close the alert.
GREENLOOP_HOTSPOT_HOURS = envint("GREENLOOP_HOTSPOT_HOURS", 3)
# Deadline of a hotspot case, in days from the alert.
GREENLOOP_HOTSPOT_DUE_DAYS = envint("GREENLOOP_HOTSPOT_DUE_DAYS", 7)
# Account that registers and assigns monitoring-alert cases; empty: the
# longest-standing city-level dispatcher.
GREENLOOP_ALERT_USER = envstr("GREENLOOP_ALERT_USER", "")
# --- end of air quality jobs ---

# Map tiles: empty means boundaries on a plain background (closed intranets).
GREENLOOP_TILE_URL = envstr("GREENLOOP_TILE_URL", "")
GREENLOOP_TILE_ATTRIBUTION = envstr("GREENLOOP_TILE_ATTRIBUTION", "")

RATELIMIT_VIEW = "greenloop.web.views.ratelimited"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("GREENLOOP_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Attachments storage and robot webhook links (issue 3, items 3 and 4) ---
# GREENLOOP_STORAGE=filesystem (default: MEDIA_ROOT, under the data dir) or
# s3 with GREENLOOP_S3_BUCKET/ENDPOINT_URL/ACCESS_KEY/SECRET_KEY/REGION; s3
# needs the "storage" extra. See greenloop/lib/storage.py, docs/notifications.md.
import os  # noqa: E402

from greenloop.lib.storage import storages_from_env  # noqa: E402

STORAGES = storages_from_env(os.environ, STORAGES)
# Links in webhook messages start with this (scheme, host, port; no path).
GREENLOOP_BASE_URL = envstr("GREENLOOP_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# --- end of attachments storage and webhook links ---

# --- Petitions and public reports (complaints app, issue 4) ---
# Photos per public report, and the largest photo accepted (bytes).
GREENLOOP_COMPLAINT_MAX_PHOTOS = envint("GREENLOOP_COMPLAINT_MAX_PHOTOS", 3)
GREENLOOP_COMPLAINT_MAX_PHOTO_BYTES = envint("GREENLOOP_COMPLAINT_MAX_PHOTO_BYTES", 8 * 1024 * 1024)
# Per client address (django-ratelimit; "N/s|m|h|d").
GREENLOOP_COMPLAINT_REPORT_RATE = envstr("GREENLOOP_COMPLAINT_REPORT_RATE", "5/h")
GREENLOOP_COMPLAINT_TRACK_RATE = envstr("GREENLOOP_COMPLAINT_TRACK_RATE", "20/h")
CAPTCHA_IMAGE_SIZE = (120, 40)
CAPTCHA_LENGTH = 4
CAPTCHA_TIMEOUT = 10  # minutes
# --- end of complaints ---
