"""Townhall settings, read from the environment.

Defaults serve a developer's machine: SQLite in WAL mode under ``var/``, the local
outbox, the local gazetteer. Production sets ``DJANGO_ENV=production`` and the
variables listed in docs/operations.md.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TOWNHALL_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

ENVIRONMENT = os.environ.get("DJANGO_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY must be set when DJANGO_ENV=production")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
SITE_URL = os.environ.get("SITE_URL", f"http://localhost:{os.environ.get('PORT', '8000')}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "townhall.core",
    "townhall.catalogue",
    "townhall.notifications",
    "townhall.cases",
    "townhall.journeys",
    "townhall.sharing",
    "townhall.insight",
    "townhall.opendata",
    "townhall.portfolio",
    "townhall.demo",
]

MIDDLEWARE = [
    "townhall.core.ops.request_id.RequestIdMiddleware",
    "townhall.core.ops.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "townhall.core.ops.security_headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "townhall.core.ops.nul_characters.NulCharacterRefusal",
    "townhall.core.ops.head.HeadAsGet",
    "townhall.core.ops.locale.PageLocaleMiddleware",  # Django's, for pages; the API runs in the default language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",  # here, where Django's own security checks look for it
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "townhall.core.ops.web_only.WebOnlyMiddleware",  # WEB_ONLY_MIDDLEWARE, for everything but /api/
    "townhall.core.ops.ratelimit.RateLimitMiddleware",
    "townhall.core.views.errors.TownhallErrorPages",
]
# What pages need and the JSON API does not (it authenticates API keys only): run in this order, in
# WebOnlyMiddleware's place, for every request outside /api/ (townhall/core/ops/web_only.py, ADR 0019).
WEB_ONLY_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "axes.middleware.AxesMiddleware",
]
# The admin and django-axes look for their middleware in MIDDLEWARE only; townhall.E001 checks
# WEB_ONLY_MIDDLEWARE for them instead.
SILENCED_SYSTEM_CHECKS = ["admin.E408", "admin.E409", "admin.E410", "axes.W002"]

ROOT_URLCONF = "townhall.urls"
WSGI_APPLICATION = "townhall.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "townhall" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "townhall.jinja2.environment",
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        # Django's admin still needs the Django template language.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'townhall.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "townhall.core.postgresql"  # Django's, with few-row inserts as VALUES
# PostgreSQL cancels a statement that runs longer than this (statement_timeout), so a runaway query cannot hold
# a web worker: the request gets the "service unavailable" answer instead. deploy/web.py sets 30000 for the web
# server; 0, the default elsewhere, sets no limit, for migrations and long batch commands.
DATABASE_STATEMENT_TIMEOUT_MS = os.environ.get("DATABASE_STATEMENT_TIMEOUT_MS") or "0"
if not DATABASE_STATEMENT_TIMEOUT_MS.isdigit():
    raise ImproperlyConfigured(
        f"DATABASE_STATEMENT_TIMEOUT_MS must be a whole number of milliseconds, not {DATABASE_STATEMENT_TIMEOUT_MS!r}"
    )
if DATABASES["default"]["ENGINE"] == "townhall.core.postgresql" and int(DATABASE_STATEMENT_TIMEOUT_MS):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT_MS}"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers and the worker carry on while one writer commits;
        # IMMEDIATE takes the write lock up front so transactions never deadlock on upgrade.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
OIDC_ENABLED = _env_bool("OIDC_ENABLED", False)
if OIDC_ENABLED:
    # Microsoft Entra ID and any other OpenID Connect provider: see docs/operations.md.
    AUTHENTICATION_BACKENDS.insert(1, "townhall.core.oidc.TownhallOIDCBackend")
    OIDC_RP_CLIENT_ID = os.environ["OIDC_RP_CLIENT_ID"]
    OIDC_RP_CLIENT_SECRET = os.environ["OIDC_RP_CLIENT_SECRET"]
    OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ["OIDC_OP_AUTHORIZATION_ENDPOINT"]
    OIDC_OP_TOKEN_ENDPOINT = os.environ["OIDC_OP_TOKEN_ENDPOINT"]
    OIDC_OP_USER_ENDPOINT = os.environ["OIDC_OP_USER_ENDPOINT"]
    OIDC_OP_JWKS_ENDPOINT = os.environ["OIDC_OP_JWKS_ENDPOINT"]
    OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_RP_SCOPES = "openid email profile"
LOGIN_URL = "core:sign-in"
LOGIN_REDIRECT_URL = "core:staff-home"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
OTP_TOTP_ISSUER = "Townhall"
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "townhall.core.views.auth.locked_out"
AXES_ENABLED = _env_bool("AXES_ENABLED", True)

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("cy", "Cymraeg")]
LOCALE_PATHS = [BASE_DIR / "townhall" / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files, documents ----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "townhall" / "static"]
MEDIA_ROOT = Path(os.environ.get("DOCUMENT_ROOT", VAR_DIR / "documents"))
# Documents on the file system by default; DOCUMENT_STORAGE=s3 keeps them in an S3-compatible object store
# (django-storages; credentials from the usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). Files are private:
# staff download them through the platform, which checks permission and audits every view.
DOCUMENT_STORAGE = os.environ.get("DOCUMENT_STORAGE", "filesystem")
if DOCUMENT_STORAGE == "s3":
    _documents: dict[str, Any] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("DOCUMENT_S3_BUCKET", "townhall-documents"),
            "endpoint_url": os.environ.get("DOCUMENT_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("DOCUMENT_S3_REGION") or None,
            "default_acl": "private",
            "file_overwrite": False,  # as on the file system: a name in use gets another
        },
    }
elif DOCUMENT_STORAGE == "filesystem":
    _documents = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:  # a storage class's dotted path
    _documents = {"BACKEND": DOCUMENT_STORAGE}
STORAGES = {
    "default": _documents,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DEFINITION_MAX_BYTES = int(os.environ.get("DEFINITION_MAX_BYTES", str(512 * 1024)))

# --- Journeys (townhall.journeys) -----------------------------------------------------
JOURNEY_RESUME_DAYS = int(os.environ.get("JOURNEY_RESUME_DAYS", "28"))  # save-and-return links last this long
GOVUK_PAY_API_KEY = os.environ.get("GOVUK_PAY_API_KEY", "")  # unset: the local payment server at /_local/pay/
GOVUK_PAY_URL = os.environ.get("GOVUK_PAY_URL", "https://publicapi.payments.service.gov.uk")
ADDRESS_LOOKUP = os.environ.get("ADDRESS_LOOKUP", "")  # a dotted AddressLookup class; unset: the local gazetteer

# --- Tasks ----------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "notifications"],
    }
}

# --- Notifications (outbox, senders, replies by email; see docs/operations.md) ---------
NOTIFICATIONS_DEFAULT_SENDER = os.environ.get("NOTIFICATIONS_DEFAULT_SENDER", "local")  # local | smtp
NOTIFICATIONS_REPLY_DOMAIN = os.environ.get("NOTIFICATIONS_REPLY_DOMAIN", "replies.townhall.localhost")
NOTIFICATIONS_SMS_QUIET_HOURS = tuple(os.environ.get("NOTIFICATIONS_SMS_QUIET_HOURS", "21:00-08:00").split("-", 1))
NOTIFICATIONS_LEASE_SECONDS = float(os.environ.get("NOTIFICATIONS_LEASE_SECONDS", "120"))
NOTIFICATIONS_MAX_ATTEMPTS = int(os.environ.get("NOTIFICATIONS_MAX_ATTEMPTS", "8"))
NOTIFICATIONS_BACKOFF_BASE_SECONDS = float(os.environ.get("NOTIFICATIONS_BACKOFF_BASE_SECONDS", "30"))
NOTIFICATIONS_BACKOFF_CAP_SECONDS = float(os.environ.get("NOTIFICATIONS_BACKOFF_CAP_SECONDS", "3600"))
NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS = float(os.environ.get("NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS", "10"))
NOTIFY_CALLBACK_TOKEN = os.environ.get("NOTIFY_CALLBACK_TOKEN", "")
NOTIFY_ALLOW_TEST_KEY = _env_bool("NOTIFY_ALLOW_TEST_KEY", False)
INBOUND_WEBHOOK_TOKEN = os.environ.get("INBOUND_WEBHOOK_TOKEN", "")
INBOUND_MAIL_HANDLER = os.environ.get("INBOUND_MAIL_HANDLER", "townhall.cases.inbound.handle_reply")
INBOUND_MAIL_MAX_BYTES = int(os.environ.get("INBOUND_MAIL_MAX_BYTES", str(10 * 1024 * 1024)))
INBOUND_ATTACHMENT_MAX_BYTES = int(os.environ.get("INBOUND_ATTACHMENT_MAX_BYTES", str(5 * 1024 * 1024)))
CLAMAV_SOCKET = os.environ.get("CLAMAV_SOCKET", "")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Townhall <no-reply@townhall.localhost>")

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Operations (townhall/core/ops; docs/operations.md) ----------------------------------
# Caches hold the rate-limit counters, so production needs one shared by every web process: Redis when
# REDIS_URL is set (advised: two round trips per count, nothing written to PostgreSQL; core/ops/cache.py), else the
# database cache (run `manage.py createcachetable`), unless CACHE_BACKEND names another.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    _CACHE_DEFAULT = ("townhall.core.ops.cache.RedisCache", REDIS_URL)
elif PRODUCTION:
    _CACHE_DEFAULT = ("django.core.cache.backends.db.DatabaseCache", "townhall_cache")
else:
    _CACHE_DEFAULT = ("django.core.cache.backends.locmem.LocMemCache", "townhall")
_CACHE_BACKEND = os.environ.get("CACHE_BACKEND", _CACHE_DEFAULT[0])
CACHES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": _CACHE_BACKEND, "LOCATION": os.environ.get("CACHE_LOCATION", _CACHE_DEFAULT[1])}
}
# Each web process's own memory, for lookups every request makes and few writes change (API keys, published
# definitions): kept LOCAL_CACHE_SECONDS, cleared at once in the process that changes them (core/local_cache.py).
LOCAL_CACHE_SECONDS = int(os.environ.get("LOCAL_CACHE_SECONDS", "5"))
CACHES["local"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "townhall-local",
    "TIMEOUT": LOCAL_CACHE_SECONDS,
    "OPTIONS": {"MAX_ENTRIES": 2000},
}
if _CACHE_BACKEND.endswith("RedisCache"):
    # Short timeouts: if Redis stops answering, rate-limited requests are refused (503) within a second or
    # two instead of hanging a web thread.
    CACHES["default"]["OPTIONS"] = {"socket_connect_timeout": 1, "socket_timeout": 1}
RATELIMIT_USE_CACHE = "default"
RATELIMIT_ENABLE = _env_bool("RATELIMIT_ENABLE", True)
RATELIMIT_RESIDENT_POST = os.environ.get("RATELIMIT_RESIDENT_POST", "60/m")  # per client address
RATELIMIT_API_IP = os.environ.get("RATELIMIT_API_IP", "300/m")  # per client address
RATELIMIT_API_KEY = os.environ.get("RATELIMIT_API_KEY", "600/m")  # per bearer token
RATELIMIT_EXEMPT_PATHS = ["/api/v1/notifications/notify-callback", "/api/v1/notifications/inbound-mail"]
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))  # proxies that append to X-Forwarded-For
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = os.environ.get("METRICS_ALLOWED_NETWORKS", "127.0.0.1/32,::1/128").split(",")
CSP_ENABLED = _env_bool("CSP_ENABLED", True)
CSP_REPORT_ONLY = _env_bool("CSP_REPORT_ONLY", False)
CSP_REPORT_URI = os.environ.get("CSP_REPORT_URI", "")
CSP_EXEMPT_PATHS = ["/api/v1/docs"]  # django-ninja's Swagger page loads its scripts from a CDN
CSP_FORM_ACTION_EXTRA = [
    o for o in os.environ.get("CSP_FORM_ACTION_EXTRA", "https://card.payments.service.gov.uk").split(",") if o
]
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]  # probes speak plain HTTP to the process
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "text")  # json | text
LOG_REQUESTS = _env_bool("LOG_REQUESTS", PRODUCTION)  # one log line per request (logger townhall.requests)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "townhall.core.ops.request_id.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "townhall.core.ops.jsonlog.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO").upper()},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
