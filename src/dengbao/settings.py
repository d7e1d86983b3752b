"""Django settings, read from the environment.

One settings module for every deployment: the embedded default (SQLite under
``var/``, in-process scheduler) needs no variable at all; a larger install sets
``DATABASE_URL``, ``REDIS_URL``, ``DENGBAO_SECRET_KEY`` and ``ALLOWED_HOSTS``.
See docs/deploy.md for every variable.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _template_limits_from_env(environ):
    from dengbao.core.documents.isolation import RenderLimits

    return RenderLimits.from_env(environ)


def _zip_limits_from_env(environ):
    from dengbao.core.ziplimits import ZipLimits

    return ZipLimits.from_env(environ)


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Where dengbao keeps its state on one machine: the SQLite database, the secret
# key, uploaded files and backups. Defaults to ./var next to where it is started.
VAR_DIR = Path(os.environ.get("DENGBAO_VAR_DIR", Path.cwd() / "var")).resolve()
MEDIA_ROOT = Path(os.environ.get("DENGBAO_MEDIA_ROOT", VAR_DIR / "media")).resolve()
STATIC_ROOT = Path(os.environ.get("DENGBAO_STATIC_ROOT", VAR_DIR / "static")).resolve()


def _secret_key() -> str:
    key = os.environ.get("DENGBAO_SECRET_KEY", "").strip()
    if key:
        return key
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # O_EXCL: two processes starting at once must not write two different keys.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
# Behind a reverse proxy, the header that carries the client's address (e.g. HTTP_X_FORWARDED_FOR);
# empty: REMOTE_ADDR. Used by the audit log and the login lockout.
DENGBAO_TRUSTED_PROXY_HEADER = os.environ.get("DENGBAO_TRUSTED_PROXY_HEADER", "").strip()
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    "dengbao.accounts",
    "dengbao.audit",
    "dengbao.catalogue",
    "dengbao.systems",
    "dengbao.reports",
    "dengbao.assessments",
    "dengbao.engagements",
    "dengbao.scanning",
    "dengbao.monitoring",
    "dengbao.collection",
    "dengbao.web",
    "dengbao.inbox",
]

MIDDLEWARE = [
    "dengbao.web.headers.SecurityHeadersMiddleware",  # CSP, no-store, Permissions-Policy on every answer
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dengbao.web.middleware.UploadLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dengbao.web.middleware.LanguageMiddleware",  # after authentication: a user's stored language
    "django_otp.middleware.OTPMiddleware",
    "dengbao.accounts.sessions.SessionTrackingMiddleware",
    "dengbao.audit.middleware.RequestContextMiddleware",
    "dengbao.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "dengbao.urls"
WSGI_APPLICATION = "dengbao.wsgi.application"

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
                "dengbao.web.context.navigation",
            ],
            "builtins": ["dengbao.web.templatetags.terms"],  # {{ value|term }} everywhere
        },
    },
]

# --- Database -------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'dengbao.sqlite3'}",
        conn_max_age=env_int("DENGBAO_DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE avoids
    # "database is locked" on upgrade from read to write inside a transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (Redis when configured) ----------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "dengbao",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts, passwords, sessions ----------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Argon2 with at most DENGBAO_PASSWORD_HASH_CONCURRENCY hashes at once (~100 MB each): a burst of
# anonymous sign-ins cannot exhaust memory (accounts/hashers.py). Hashes are Django's "argon2".
DENGBAO_PASSWORD_HASH_CONCURRENCY = env_int("DENGBAO_PASSWORD_HASH_CONCURRENCY", 2)
PASSWORD_HASHERS = [
    "dengbao.accounts.hashers.BoundedArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "dengbao.accounts.validators.PolicyValidator",
        "OPTIONS": {"min_length": env_int("DENGBAO_PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Lock an account after this many failed attempts, for this many minutes.
DENGBAO_LOCKOUT_ATTEMPTS = env_int("DENGBAO_LOCKOUT_ATTEMPTS", 5)
DENGBAO_LOCKOUT_MINUTES = env_int("DENGBAO_LOCKOUT_MINUTES", 15)

# Idle timeout: the session expires this long after the last request.
SESSION_COOKIE_AGE = env_int("DENGBAO_SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
OTP_TOTP_ISSUER = "dengbao"

# HTTPS-only items depend on the reverse proxy that terminates TLS (docs/deploy.md).
SECURE_HTTPS = env_bool("DENGBAO_HTTPS", False)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
# The language choice outlives the browser session (a year); signed-in users also keep it on their account.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = SECURE_HTTPS
SECURE_HSTS_SECONDS = 31536000 if SECURE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = False
# Preloading HSTS is for public sites on public names; an intranet platform behind a
# hospital's proxy must not ask browsers to hard-code it, so W021 is a decision, not a gap.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
if SECURE_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Uploads --------------------------------------------------------------
DENGBAO_MAX_UPLOAD_MB = env_int("DENGBAO_MAX_UPLOAD_MB", 50)
DENGBAO_MAX_UPLOAD_BYTES = DENGBAO_MAX_UPLOAD_MB * 1024 * 1024
# An agency's own collection rules (YAML), layered over the built-in ones: same id replaces, new ids add.
DENGBAO_COLLECT_RULES = os.environ.get("DENGBAO_COLLECT_RULES", "")
# Before signing in a request body may be this big at most (enforced while reading: web/body_limit.py)
DENGBAO_MAX_ANON_BODY_MB = env_int("DENGBAO_MAX_ANON_BODY_MB", 1)
DENGBAO_MAX_ANON_BODY_BYTES = DENGBAO_MAX_ANON_BODY_MB * 1024 * 1024
# Every uploaded zip (.xlsx, .docx) before it is opened: DENGBAO_ZIP_MAX_TOTAL_MB / _MAX_MEMBERS /
# _MAX_RATIO / _RATIO_FLOOR_KB (core/ziplimits.py)
DENGBAO_ZIP_LIMITS = _zip_limits_from_env(os.environ)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640
MEDIA_URL = "/media/"

# --- Organisations' Word templates: limits of one render in its child process -----
# DENGBAO_TEMPLATE_CPU_SECONDS / _WALL_SECONDS / _MEMORY_MB / _OUTPUT_MB (docs/guide/documents.md)
DENGBAO_TEMPLATE_LIMITS = _template_limits_from_env(os.environ)

# --- Audit chain key and restore bounds (docs/guide/audit-and-backup.md) ------
# The key of the audit chain's HMAC links lives outside the database; created 0600 at first use.
DENGBAO_AUDIT_KEY_FILE = Path(os.environ.get("DENGBAO_AUDIT_KEY_FILE", VAR_DIR / "audit.key")).resolve()
# A restore refuses an archive that would unpack to more than this, expands more than this
# ratio over its compressed size, or would leave less than this free on the disk.
DENGBAO_RESTORE_MAX_MB = env_int("DENGBAO_RESTORE_MAX_MB", 20 * 1024)
DENGBAO_RESTORE_MAX_RATIO = env_int("DENGBAO_RESTORE_MAX_RATIO", 200)
DENGBAO_RESTORE_KEEP_FREE_MB = env_int("DENGBAO_RESTORE_KEEP_FREE_MB", 512)

# --- Internationalisation: zh-Hans first, English available ---------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("DENGBAO_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files (vendored, served by WhiteNoise; no CDN) -----------------
STATIC_URL = "/static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if env_bool("DENGBAO_TESTING", False):
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = DEBUG or env_bool("DENGBAO_TESTING", False)

# --- Background work --------------------------------------------------------
DENGBAO_SCHEDULER = env_bool("DENGBAO_SCHEDULER", True)
# Run dispatched background work at once, in the caller's thread (tests; debugging a job).
DENGBAO_TASKS_INLINE = env_bool("DENGBAO_TASKS_INLINE", False)
# Zone workers: with Redis (REDIS_URL, or a separate DENGBAO_CELERY_BROKER) work addressed to a
# network zone goes to that zone's queue, run by `dengbao worker --zone NAME`; work without a zone,
# and all work when there is no Redis, stays in this process.
DENGBAO_CELERY_BROKER = os.environ.get("DENGBAO_CELERY_BROKER", "").strip() or REDIS_URL
# The monitor zones this server checks itself (comma-separated). Unset: only the zones that reach
# no private address (``public``); a zone that does (``intranet``) is checked by
# `dengbao worker --zone NAME` inside its network, unless the system administrator lists it here.
if os.environ.get("DENGBAO_MONITOR_LOCAL_ZONES") is not None:
    DENGBAO_MONITOR_LOCAL_ZONES = [
        z.strip() for z in os.environ["DENGBAO_MONITOR_LOCAL_ZONES"].split(",") if z.strip()
    ]
# Addresses every outbound request (monitors, alert channels) may reach although they are loopback,
# link-local, unspecified or cloud metadata addresses, which are otherwise refused in every zone
# (comma-separated addresses or networks, e.g. "127.0.0.1/32"). Empty in production; the test suite
# lists its loopback servers here.
DENGBAO_OUTBOUND_ALLOW_ADDRESSES = [
    a.strip() for a in os.environ.get("DENGBAO_OUTBOUND_ALLOW_ADDRESSES", "").split(",") if a.strip()
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DENGBAO_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}
