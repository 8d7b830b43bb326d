"""Settings, all from the environment.

The defaults run on a laptop with nothing but Python: SQLite in ``var/``, jobs in a SQLite
Huey queue, in-process fan-out. ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and
Redis. ``BEIYANG_PROFILE=production`` turns on the deployment hardening that
``manage.py check --deploy`` asks for.
"""

from __future__ import annotations

import os

import dj_database_url
from django.utils.translation import gettext_lazy as _

from beiyang import paths


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


PACKAGE_DIR = paths.PACKAGE_DIR
BASE_DIR = paths.BASE_DIR
VAR_DIR = paths.var_dir()
VAR_DIR.mkdir(parents=True, exist_ok=True)

PROFILE = os.environ.get("BEIYANG_PROFILE", "development")
PRODUCTION = PROFILE == "production"

# Off unless asked for: a technical 404 lists every URL and a 500 shows locals.
DEBUG = env_bool("DEBUG", False)


def _local_secret_key() -> str:
    """A key generated into var/ on first start and kept there (owner-only), so a fresh
    checkout never serves with a key published in the source."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        import secrets

        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(64))
    return path.read_text().strip()


# Production takes its key from the environment only; `beiyang check --deploy` and the refusal
# to start (ops.checks) say when it is missing or short, beside every other setting at fault.
SECRET_KEY = os.environ.get("SECRET_KEY") or ("" if PRODUCTION else _local_secret_key())

# Django's test client calls itself "testserver": only the test settings allow it.
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    # django-ninja's own static Swagger UI: /api/v1/docs works offline (no CDN).
    "ninja",
    "huey.contrib.djhuey",
    "beiyang.core",
    "beiyang.accounts",
    "beiyang.companies",
    "beiyang.policies",
    "beiyang.notifications",
    "beiyang.events",
    "beiyang.vouchers",
    "beiyang.applications",
    "beiyang.matching",
    "beiyang.dashboard",
    "beiyang.agent",
    "beiyang.competitions",
    "beiyang.internships",
    "beiyang.service",
    "beiyang.wechat",
    "beiyang.web",
    "beiyang.ops",
]

MIDDLEWARE = [
    # Outermost: names the request for every log line and counts it for /metrics.
    "beiyang.ops.requestlog.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "beiyang.web.middleware.SecurityHeadersMiddleware",
    # Near the outside: sees the final 404/405 of an /api/ path, whoever made it.
    "beiyang.api.errors.ApiErrorShapeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Innermost, to time the view: see its docstring.
    "beiyang.web.middleware.ServerTimingMiddleware",
]

ROOT_URLCONF = "beiyang.urls"
CSRF_FAILURE_VIEW = "beiyang.api.errors.csrf_failure"
ASGI_APPLICATION = "beiyang.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "beiyang.web.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
# Under ASGI every request runs in a thread of its own and connections belong to threads, so
# persistent connections (CONN_MAX_AGE) keep nothing: PostgreSQL connections are pooled instead
# (Django's psycopg pool), and each request hands its own back (CONN_MAX_AGE 0). SQLite opens
# one a request.
CONN_MAX_AGE = 0
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["pool"] = {
            "min_size": 1,
            "max_size": int(os.environ.get("DATABASE_POOL_SIZE", "20")),
            # How long a request waits for a connection: with PostgreSQL gone, a few seconds
            # and an error page, not a hang.
            "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "5")),
        }
        # libpq's own bound on reaching the server (a host that does not answer).
        options.setdefault("connect_timeout", int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "3")))
        # With a pool, Django passes ``check=ConnectionPool.check_connection`` for this: a
        # connection whose backend died (restart, failover, pg_terminate_backend) is found out
        # when taken from the pool and replaced, not handed to a request.
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
        # Behind a pooler in transaction mode (PgBouncer's pool_mode=transaction) a named cursor
        # does not survive between statements: ``.iterator()`` then reads in one go instead.
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DATABASE_TRANSACTION_POOLING", False)
    DATABASES["default"].setdefault("TEST", {})
else:
    DATABASES = {
        "default": {
            # Django's own backend: the pooled, writer-queueing one this project had did not win
            # by 20% when measured side by side (docs/benchmarks.md, 2026-12-07).
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "beiyang.sqlite3",
            "CONN_MAX_AGE": CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                # Writers queue on the database lock at BEGIN instead of failing mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
            # A file, not :memory:, so that concurrency tests can open several connections.
            "TEST": {"NAME": str(VAR_DIR / "test.sqlite3")},
        }
    }
IS_SQLITE = "sqlite" in DATABASES["default"]["ENGINE"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, jobs ---------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# The proxies whose X-Forwarded-For / X-Forwarded-Proto uvicorn believes (comma-separated
# addresses or networks, as uvicorn's --forwarded-allow-ips). Behind a balancer on another
# machine, name it here: otherwise every request seems to come from the balancer, and the
# per-address limits (sign-in, SMS codes, the agent) count the whole town as one address.
FORWARDED_ALLOW_IPS = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "beiyang",
            # Short, so that a Redis that stops answering costs a request a second, not a hang:
            # the rate limits then count in the process (core.ratelimit).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "beiyang"}}

if env_bool("HUEY_IMMEDIATE", False):
    HUEY = {"name": "beiyang", "immediate": True}
elif REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "beiyang",
        "url": REDIS_URL,
        "immediate": False,
        # No job's return value is ever read: stored, they piled up in Redis for ever.
        "results": False,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "beiyang",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
        "results": False,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["beiyang.accounts.backends.PhonePasswordBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

# Repeated wrong passwords shut password login for a while: for one address and number after
# LOGIN_MAX_FAILURES, for the number from anywhere after LOGIN_MAX_FAILURES_PER_NUMBER
# (accounts.actions explains why two).
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
LOGIN_MAX_FAILURES_PER_NUMBER = int(os.environ.get("LOGIN_MAX_FAILURES_PER_NUMBER", "20"))
LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_SECONDS", "900"))


# Requests per client address: name → (requests, seconds), in the cache (core.ratelimit).
# Override any with RATE_LIMITS="login_ip=60/600,signup_ip=10/3600".
def _rates(text: str) -> dict[str, tuple[int, int]]:
    rates = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, rate = item.split("=")
        hits, seconds = rate.split("/")
        rates[name.strip()] = (int(hits), int(seconds))
    return rates


RATE_LIMITS = {
    "login_ip": (60, 600),
    "signup_ip": (10, 3600),
    "sms_code_ip": (20, 3600),
    **_rates(os.environ.get("RATE_LIMITS", "")),
}

# --- SMS ------------------------------------------------------------------------------------
# SMS_PROVIDER picks the gateway (accounts.sms): aliyun and tencent send registered templates
# through their clouds' SDKs; http posts free text to SMS_GATEWAY_URL; file (the default) writes
# to var/sms-outbox.log for a laptop and is refused in production (ops.checks).
SMS_PROVIDERS = {
    "aliyun": "beiyang.accounts.sms.AliyunSmsBackend",
    "tencent": "beiyang.accounts.sms.TencentSmsBackend",
    "http": "beiyang.accounts.sms.HttpSmsBackend",
    "file": "beiyang.accounts.sms.FileSmsBackend",
    "console": "beiyang.accounts.sms.ConsoleSmsBackend",
}
SMS_PROVIDER = (os.environ.get("SMS_PROVIDER") or "file").strip().lower()
SMS_BACKEND = os.environ.get("SMS_BACKEND") or SMS_PROVIDERS.get(SMS_PROVIDER, "")
SMS_ACCESS_KEY_ID = os.environ.get("SMS_ACCESS_KEY_ID", "")
SMS_ACCESS_KEY_SECRET = os.environ.get("SMS_ACCESS_KEY_SECRET", "")
# The registered signature without its brackets (签名, e.g. 北杨小镇), and the approved templates.
SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "")
SMS_TEMPLATE_CODE = os.environ.get("SMS_TEMPLATE_CODE", "")
SMS_NOTICE_TEMPLATE_CODE = os.environ.get("SMS_NOTICE_TEMPLATE_CODE", "")
SMS_SDK_APP_ID = os.environ.get("SMS_SDK_APP_ID", "")
SMS_REGION = os.environ.get("SMS_REGION", "ap-guangzhou")
# The cloud's API address; empty for the cloud's own. Tests point it at a local server.
SMS_ENDPOINT = os.environ.get("SMS_ENDPOINT", "")
SMS_TIMEOUT_SECONDS = float(os.environ.get("SMS_TIMEOUT_SECONDS", "5"))
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")
SMS_FILE_PATH = VAR_DIR / "sms-outbox.log"
SMS_CODE_TTL_SECONDS = int(os.environ.get("SMS_CODE_TTL_SECONDS", "300"))
SMS_CODE_RESEND_SECONDS = int(os.environ.get("SMS_CODE_RESEND_SECONDS", "60"))
SMS_CODE_DAILY_LIMIT = int(os.environ.get("SMS_CODE_DAILY_LIMIT", "10"))
SMS_CODE_MAX_ATTEMPTS = int(os.environ.get("SMS_CODE_MAX_ATTEMPTS", "5"))

# Email goes over SMTP once EMAIL_HOST is set (Django's own EMAIL_* names); without it, to files
# in var/mail, which the production profile refuses (ops.checks).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT") or "25")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
# A gateway that hangs must not hold a delivery past its lease (DELIVERY_LEASE_SECONDS): SMTP
# has no timeout of its own.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
# How long a worker may hold a claimed delivery before the sweep sends it again (the worker is
# presumed dead). Longer than any gateway's timeout.
DELIVERY_LEASE_SECONDS = int(os.environ.get("DELIVERY_LEASE_SECONDS", "120"))
# Gateway calls the job worker makes at once (threads: a call is almost all waiting). One
# worker then sends about DELIVERY_SENDERS / gateway latency deliveries a second.
DELIVERY_SENDERS = int(os.environ.get("DELIVERY_SENDERS", "32"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or "北杨人工智能创新小镇 <noreply@beiyang.example>"

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
# Uploads (documents, attachments, decks) on the local disk by default. With several app
# machines they go to an S3-compatible bucket (Aliyun OSS, Tencent COS, MinIO, AWS): every
# machine then reads what any of them stored. Files are never public: downloads still go
# through the app, which checks who may read them, and reads the object itself.
STORAGE_S3_BUCKET = os.environ.get("STORAGE_S3_BUCKET", "")
if STORAGE_S3_BUCKET:
    _uploads = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": STORAGE_S3_BUCKET,
            "endpoint_url": os.environ.get("STORAGE_S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("STORAGE_S3_ACCESS_KEY_ID", ""),
            "secret_key": os.environ.get("STORAGE_S3_SECRET_ACCESS_KEY", ""),
            "region_name": os.environ.get("STORAGE_S3_REGION") or None,
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
            # OSS and COS speak the virtual-hosted style; MinIO and local servers the path style.
            "addressing_style": os.environ.get("STORAGE_S3_ADDRESSING_STYLE", "auto"),
        },
    }
else:
    _uploads = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# Where ``beiyang backup --root … --offsite`` copies each backup: a bucket in another region
# or with another provider than the town's servers (its lifecycle rule keeps the retention).
BACKUP_S3_BUCKET = os.environ.get("BACKUP_S3_BUCKET", "")
BACKUP_S3_PREFIX = os.environ.get("BACKUP_S3_PREFIX", "beiyang")
BACKUP_S3_ENDPOINT_URL = os.environ.get("BACKUP_S3_ENDPOINT_URL", "")
BACKUP_S3_ACCESS_KEY_ID = os.environ.get("BACKUP_S3_ACCESS_KEY_ID", "")
BACKUP_S3_SECRET_ACCESS_KEY = os.environ.get("BACKUP_S3_SECRET_ACCESS_KEY", "")
BACKUP_S3_REGION = os.environ.get("BACKUP_S3_REGION", "")
STORAGES = {
    "default": _uploads,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# uvicorn serves /static/ itself unless a reverse proxy does it (set SERVE_STATIC=0 then).
SERVE_STATIC = env_bool("SERVE_STATIC", True)

# Request bodies beyond this are refused with 413 before any parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The cap is enforced while a multipart body streams in (beiyang/core/uploads.py); the ASGI
# server refuses a body over it before reading it (beiyang/web/body_limit.py).
FILE_UPLOAD_HANDLERS = [
    "beiyang.core.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Probes and the scraper talk to the app directly, over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^statusz$", r"^metrics$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# One line a request (``beiyang.access``, with its id) and the application's own; with
# ``LOG_FORMAT=json`` one JSON object a line. Django's request logger keeps to server errors:
# client errors are already in the access line, once.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "beiyang.ops.requestlog.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "beiyang.ops.requestlog.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "django.request": {"level": "ERROR"}},
}
# The job worker says it is alive this often; /readyz fails when it has not for this long.
WORKER_HEARTBEAT_SECONDS = float(os.environ.get("WORKER_HEARTBEAT_SECONDS", "10"))
WORKER_STALE_SECONDS = float(os.environ.get("WORKER_STALE_SECONDS", "60"))
# /metrics answers loopback, and anyone sending ``Authorization: Bearer $METRICS_TOKEN``.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# Where founders reach the town (https://…, no trailing slash): every absolute link (calendar
# files and feeds, email and SMS links) starts with it. Unset on a laptop, `beiyang run` sets it
# to the address it serves (PORT); the production profile refuses to start without an https one.
SITE_URL = (os.environ.get("SITE_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '8000')}").rstrip("/")
NOTIFY_WEBHOOK_URL = os.environ.get("NOTIFY_WEBHOOK_URL", "")
NOTIFY_WEBHOOK_SECRET = os.environ.get("NOTIFY_WEBHOOK_SECRET", "")
# Server processes `beiyang run` starts unless --workers says otherwise; more than one needs Redis.
WEB_WORKERS = int(os.environ.get("WEB_WORKERS") or "1")
# The town's WeChat Official Account (beiyang.wechat): off unless the first four are all set.
WECHAT_APP_ID = os.environ.get("WECHAT_APP_ID", "")
WECHAT_APP_SECRET = os.environ.get("WECHAT_APP_SECRET", "")
WECHAT_TOKEN = os.environ.get("WECHAT_TOKEN", "")
WECHAT_ENCODING_AES_KEY = os.environ.get("WECHAT_ENCODING_AES_KEY", "")
WECHAT_API_BASE = os.environ.get("WECHAT_API_BASE", "https://api.weixin.qq.com").rstrip("/")
# Menus, click texts, the welcome and the template per message kind: a file the operator edits.
WECHAT_CONFIG_FILE = os.environ.get("WECHAT_CONFIG_FILE", str(PACKAGE_DIR / "wechat" / "wechat.yaml"))
# Seconds between heartbeats on message streams (SSE); proxies drop idle streams after ~60 s.
STREAM_HEARTBEAT_SECONDS = float(os.environ.get("STREAM_HEARTBEAT_SECONDS", "15"))
# Message streams one user may hold open in one server process (tabs, devices); more is a 429.
STREAM_MAX_PER_USER = int(os.environ.get("STREAM_MAX_PER_USER", "5"))
# Bearer tokens stop working this many days after their issue (absolute, not sliding); 0: never.
TOKEN_LIFETIME_DAYS = float(os.environ.get("TOKEN_LIFETIME_DAYS", "30"))
# How long a server process may answer for a bearer token from memory (accounts.token_cache);
# 0 looks every call up in the database.
TOKEN_CACHE_SECONDS = float(os.environ.get("TOKEN_CACHE_SECONDS", "300"))
# Tokens' last-use stamps are written by a background thread once a second (accounts.actions);
# off, each request writes its own (the test settings, so that a test can look at once).
TOKEN_USE_WRITE_BEHIND = env_bool("TOKEN_USE_WRITE_BEHIND", True)

EVENTS_CHECKIN_OPENS_HOURS = 3

VOUCHERS_HOLD_SECONDS = int(os.environ.get("VOUCHERS_HOLD_SECONDS", "900"))

APPLICATION_MAX_UPLOAD_BYTES = int(os.environ.get("APPLICATION_MAX_UPLOAD_MB", "20")) * 1024 * 1024
# Files of one document type an application may hold (re-uploads included).
APPLICATION_MAX_DOCUMENTS_PER_TYPE = int(os.environ.get("APPLICATION_MAX_DOCUMENTS_PER_TYPE", "5"))
# Every file field is an upload surface with a quota per owner: (files kept, megabytes in all).
# core.uploads.check_room enforces them; a test walks every FileField and fails on one without.
UPLOAD_QUOTAS = {
    "service.ServiceMessage.file": (10, 30),  # per service request, founder and officer together
    "applications.Document.file": (30, 100),  # per application, every document type
    "competitions.Entry.deck": (1, 20),  # per entry: a new deck replaces the old one on disk
}

# --- Beiyang --------------------------------------------------------------------------------
POLICY_PACK_DIR = paths.POLICY_PACK_DIR
TOWN_NAME = "北杨人工智能创新小镇"
TOWN_NAME_EN = "Beiyang AI Innovation Town"
PORTAL_MESSAGE_TITLE = _("You have a message from the Beiyang AI Innovation Town")
