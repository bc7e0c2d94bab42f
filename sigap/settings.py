"""Sigap settings: everything comes from the environment.

Development (the default) works with no variables at all: SQLite under var/, a secret key generated
once into var/, mail written to var/mail. Production (SIGAP_ENV=production) refuses to start without
SECRET_KEY and ALLOWED_HOSTS, and turns on every transport-security setting that
`manage.py check --deploy` looks for. See docs/configuration in README.md for the full table.
"""

from __future__ import annotations

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SIGAP_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = env_str(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


SIGAP_ENV = env_str("SIGAP_ENV", "development")
if SIGAP_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"SIGAP_ENV must be development or production, not {SIGAP_ENV!r}")
PRODUCTION = SIGAP_ENV == "production"
TESTING = env_bool("SIGAP_TESTING", "pytest" in sys.modules)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. In production Sigap needs a secret of at least 50 random "
            "characters, e.g. SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )
    # Development: one random key per checkout, kept out of git under var/.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# A separate key for the blind indexes of encrypted identifiers (NIK, family card), so that
# rotating SECRET_KEY (sessions, tokens) does not make existing records unsearchable.
FIELD_ENCRYPTION_KEY = env_str("FIELD_ENCRYPTION_KEY") or SECRET_KEY

DEBUG = env_bool("DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must not be true when SIGAP_ENV=production")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1]")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is not set (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Home regency (kabupaten/kota) of this deployment, Kemendagri code. 64.71 = Kota Balikpapan.
SIGAP_HOME_REGENCY = env_str("SIGAP_HOME_REGENCY", "64.71")
SIGAP_SITE_NAME = env_str("SIGAP_SITE_NAME", "Sigap")
# Two-factor authentication is enforced for every role that can see child data.
SIGAP_REQUIRE_2FA = env_bool("SIGAP_REQUIRE_2FA", PRODUCTION)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "sigap.core",
    "sigap.accounts",
    "sigap.geo",
    "sigap.children",
    "sigap.cases",
    "sigap.intake",
    "sigap.care",
    "sigap.referrals",
    "sigap.dedupe",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "sigap.core.middleware.RequestContextMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sigap.accounts.middleware.IdleTimeoutMiddleware",
    "sigap.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "sigap.core.middleware.AccessRuleMiddleware",
    "sigap.accounts.middleware.RequireTwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sigap.urls"
WSGI_APPLICATION = "sigap.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "sigap" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sigap.core.context_processors.sigap",
                "sigap.intake.context_processors.notifications",
            ],
        },
    },
]
# Django's own widget templates, built in Python for selects and inputs (same HTML, a fraction of
# the CPU; see sigap/core/renderers.py).
FORM_RENDERER = "sigap.core.renderers.FastFormRenderer"

DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'sigap.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so concurrent writers queue up
    # instead of failing with "database is locked" half-way; WAL lets readers go on meanwhile.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    if not TESTING:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3  # invitations use the same token: three days

# Idle timeout: the session expires after this many minutes without a request. Not
# SESSION_SAVE_EVERY_REQUEST: sigap.accounts.middleware.IdleTimeoutMiddleware pushes the expiry
# back at most once a minute, so a page does not write the session each time.
SESSION_COOKIE_AGE = env_int("SIGAP_IDLE_TIMEOUT_MINUTES", 30) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# django-axes: lock a username from one address after repeated failures.
AXES_FAILURE_LIMIT = env_int("SIGAP_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SIGAP_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

OTP_TOTP_ISSUER = SIGAP_SITE_NAME

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "sigap" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Makassar")  # WITA, Balikpapan
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "sigap" / "static"]
MEDIA_ROOT = VAR_DIR / "media"  # outside the web root: files are served by audited views only
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("SIGAP_MAX_BODY_BYTES", 2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Background work: django-tasks with its database backend; `manage.py db_worker` runs it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
if TESTING:
    # Tests run tasks at once, in the same transaction, and read mail from django.core.mail.outbox.
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Email
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Sigap <sigap@localhost>")
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
elif PRODUCTION:
    # No relay named: hand mail to the server's own MTA (localhost:25, the usual set-up behind a
    # reverse proxy). `check --deploy` notes it (sigap.I001) without failing the deployment.
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = "localhost"
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# Security headers. Development keeps them too (minus HTTPS-only ones) so problems show early.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SIGAP_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(self), payment=(), usb=()"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

NINJA_PAGINATION_MAX_LIMIT = 100

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "sigap.core.context.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Public address of this deployment, used in links sent by email. In production it defaults to
# https:// and the first ALLOWED_HOSTS name (a wildcard host cannot be a link, so then it must be set).
_first_host = next((h.lstrip(".") for h in ALLOWED_HOSTS if h.lstrip(".") and "*" not in h), "")
SIGAP_BASE_URL = env_str(
    "SIGAP_BASE_URL",
    f"https://{_first_host}" if PRODUCTION and _first_host else "http://127.0.0.1:8000",
)

# Public reports (/lapor/): abuse limits and response deadlines.
SIGAP_REPORT_RATE_LIMIT = env_int("SIGAP_REPORT_RATE_LIMIT", 10)  # reports per address per window
SIGAP_REPORT_RATE_WINDOW_SECONDS = env_int("SIGAP_REPORT_RATE_WINDOW_SECONDS", 3600)
SIGAP_REPORT_MIN_FILL_SECONDS = env_int("SIGAP_REPORT_MIN_FILL_SECONDS", 5)
SIGAP_REPORT_FORM_MAX_AGE_SECONDS = env_int("SIGAP_REPORT_FORM_MAX_AGE_SECONDS", 86400)
SIGAP_REPORT_MAX_PHOTOS = env_int("SIGAP_REPORT_MAX_PHOTOS", 5)
SIGAP_REPORT_MAX_PHOTO_BYTES = env_int("SIGAP_REPORT_MAX_PHOTO_BYTES", 10 * 1024 * 1024)
# Hours to respond to a report, by triage priority.
SIGAP_REPORT_RESPONSE_HOURS = {
    "urgent": env_int("SIGAP_REPORT_HOURS_URGENT", 1),
    "high": env_int("SIGAP_REPORT_HOURS_HIGH", 24),
    "normal": env_int("SIGAP_REPORT_HOURS_NORMAL", 72),
}

# Cases: how often an open case is reviewed (pemantauan dan evaluasi), in days.
SIGAP_CASE_REVIEW_INTERVAL_DAYS = env_int("SIGAP_CASE_REVIEW_INTERVAL_DAYS", 90)

# Referrals and access (issue 7).
SIGAP_BREAK_GLASS_HOURS = env_int("SIGAP_BREAK_GLASS_HOURS", 4)  # emergency access lasts this long
SIGAP_CHILD_CONSENT_AGE = env_int("SIGAP_CHILD_CONSENT_AGE", 12)  # from this age a child consents
SIGAP_REFERRAL_EXPIRY_DAYS = env_int("SIGAP_REFERRAL_EXPIRY_DAYS", 30)  # unanswered, after deadline
SIGAP_UNUSUAL_ACCESS_RECORDS = env_int("SIGAP_UNUSUAL_ACCESS_RECORDS", 30)  # records opened ...
SIGAP_UNUSUAL_ACCESS_MINUTES = env_int("SIGAP_UNUSUAL_ACCESS_MINUTES", 60)  # ... within minutes

# Periodic jobs (`manage.py run_scheduler`, started by `make run`; see docs/operations.md). Daily
# jobs run at a local time of day, HH:MM (checked when the scheduler starts).
SIGAP_SCHEDULER_INTERVAL_SECONDS = env_int("SIGAP_SCHEDULER_INTERVAL_SECONDS", 30)
SIGAP_DUPLICATES_AT = env_str("SIGAP_DUPLICATES_AT", "02:00")  # nightly duplicate-children search
SIGAP_CARE_REMINDERS_AT = env_str("SIGAP_CARE_REMINDERS_AT", "07:00")  # overdue care task emails
