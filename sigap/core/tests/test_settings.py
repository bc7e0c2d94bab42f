"""Settings from the environment, checked in a fresh interpreter (settings load once per process)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "SIGAP_VAR_DIR": str(tmp_path / "var"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _secret() -> str:
    return secrets.token_urlsafe(50)[:50]


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    return tmp_path


def test_production_without_secret_key_stops_with_a_clear_message(tmp):
    result = _run(tmp, "manage.py", "check", SIGAP_ENV="production", ALLOWED_HOSTS="a.example")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "50 random characters" in result.stderr


def test_production_without_allowed_hosts_stops(tmp):
    result = _run(tmp, "manage.py", "check", SIGAP_ENV="production", SECRET_KEY=_secret())
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_production_refuses_debug(tmp):
    result = _run(
        tmp,
        "manage.py",
        "check",
        SIGAP_ENV="production",
        SECRET_KEY=_secret(),
        ALLOWED_HOSTS="sigap.example.org",
        DEBUG="true",
    )
    assert result.returncode != 0
    assert "DEBUG must not be true" in result.stderr


def test_unknown_environment_is_refused(tmp):
    result = _run(tmp, "manage.py", "check", SIGAP_ENV="staging")
    assert result.returncode != 0
    assert "SIGAP_ENV must be development or production" in result.stderr


def test_check_deploy_passes_with_the_issue_command(tmp):
    """Exactly the variables of the issue: no EMAIL_HOST, no SIGAP_BASE_URL."""
    result = _run(
        tmp,
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SIGAP_ENV="production",
        SECRET_KEY=_secret(),
        ALLOWED_HOSTS="sigap.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sigap.I001" in result.stdout + result.stderr  # informs about the local mail relay


def test_check_deploy_passes_with_full_configuration(tmp):
    result = _run(
        tmp,
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SIGAP_ENV="production",
        SECRET_KEY=_secret(),
        ALLOWED_HOSTS="sigap.example.org",
        EMAIL_HOST="smtp.example.org",
        SIGAP_BASE_URL="https://sigap.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout + result.stderr


def test_check_deploy_warns_about_plain_http_links(tmp):
    result = _run(
        tmp,
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SIGAP_ENV="production",
        SECRET_KEY=_secret(),
        ALLOWED_HOSTS="sigap.example.org",
        SIGAP_BASE_URL="http://sigap.example.org",
    )
    assert result.returncode != 0
    assert "sigap.W002" in result.stderr


PRODUCTION_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
response = Client().get("/healthz", secure=True, headers={"host": "sigap.example.org"})
print(json.dumps({
    "status": response.status_code,
    "headers": dict(response.headers),
    "base_url": settings.SIGAP_BASE_URL,
    "email_backend": settings.EMAIL_BACKEND,
    "email_host": settings.EMAIL_HOST,
    "session_cookie": settings.SESSION_COOKIE_NAME,
    "secure_cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
    "require_2fa": settings.SIGAP_REQUIRE_2FA,
    "tasks": settings.TASKS["default"]["BACKEND"],
}))
"""


def test_production_sends_the_security_headers(tmp):
    result = _run(
        tmp,
        "-c",
        PRODUCTION_PROBE,
        DJANGO_SETTINGS_MODULE="sigap.settings",
        SIGAP_ENV="production",
        SECRET_KEY=_secret(),
        ALLOWED_HOSTS="sigap.example.org",
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    headers = {k.lower(): v for k, v in probe["headers"].items()}
    assert probe["status"] == 200
    assert headers["strict-transport-security"].startswith("max-age=31536000")
    assert "includeSubDomains" in headers["strict-transport-security"]
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert headers["referrer-policy"] == "same-origin"
    assert "camera=()" in headers["permissions-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert probe["base_url"] == "https://sigap.example.org"
    assert probe["email_backend"].endswith("smtp.EmailBackend")
    assert probe["email_host"] == "localhost"
    assert probe["session_cookie"] == "__Host-sessionid"
    assert probe["secure_cookies"] == [True, True]
    assert probe["require_2fa"] is True
    assert probe["tasks"] == "django_tasks_db.DatabaseBackend"


def test_production_redirects_plain_http(tmp):
    probe = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/healthz', headers={'host': 'sigap.example.org'})\n"
        "print(r.status_code, r.headers.get('Location'))\n"
    )
    result = _run(
        tmp,
        "-c",
        probe,
        DJANGO_SETTINGS_MODULE="sigap.settings",
        SIGAP_ENV="production",
        SECRET_KEY=_secret(),
        ALLOWED_HOSTS="sigap.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["301", "https://sigap.example.org/healthz"]


def test_development_needs_no_variables(tmp):
    probe = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "print(settings.SIGAP_ENV, settings.DEBUG, settings.SIGAP_HOME_REGENCY, "
        "settings.DATABASES['default']['ENGINE'], settings.SIGAP_REQUIRE_2FA)\n"
    )
    result = _run(tmp, "-c", probe, DJANGO_SETTINGS_MODULE="sigap.settings")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "development",
        "True",
        "64.71",
        "django.db.backends.sqlite3",
        "False",
    ]
    assert (tmp / "var" / "secret_key").stat().st_mode & 0o077 == 0


def test_bad_boolean_is_refused(tmp):
    result = _run(tmp, "manage.py", "check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr
