"""Personal API tokens: created on the profile page or by command, hashed, revocable, expiring."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from sigap.accounts import services
from sigap.accounts.models import ApiToken
from sigap.core.models import AuditEvent


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _assert_401(response) -> None:
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


def test_token_created_on_the_profile_is_shown_once_and_stored_hashed(client, case_worker):
    client.force_login(case_worker)
    response = client.post(
        reverse("accounts:token_create"), {"name": "laporan bulanan", "days": 30}
    )
    assert response.status_code == 200
    secret = response.context["new_secret"]
    assert secret.startswith("sgp_") and secret in response.content.decode()
    token = ApiToken.objects.get(user=case_worker)
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (token.prefix, token.key_hash, token.name)
    assert 29 <= (token.expires_at - timezone.now()).days <= 30
    assert AuditEvent.objects.filter(action="api_token.create", object_id=str(token.pk)).exists()
    assert secret not in str(AuditEvent.objects.get(action="api_token.create").summary)
    # Shown once: the profile lists the token by name and prefix only.
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert "laporan bulanan" in profile and token.prefix in profile
    assert secret not in profile
    # It works as a bearer token, without the session.
    client.logout()
    me = client.get("/api/v1/me", headers=_bearer(secret))
    assert me.status_code == 200 and me.json()["username"] == "pekerja"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_token_form_errors_are_shown_next_to_the_field(client, case_worker):
    client.force_login(case_worker)
    response = client.post(reverse("accounts:token_create"), {"name": "", "days": 1000})
    assert response.status_code == 422
    assert not ApiToken.objects.exists()


def test_revoked_token_gets_401(client, case_worker):
    token, secret = services.api_token_create(actor=case_worker, name="script")
    client.force_login(case_worker)
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="api_token.revoke").exists()
    client.logout()
    _assert_401(client.get("/api/v1/me", headers=_bearer(secret)))


def test_expired_token_gets_401(client, case_worker):
    token, secret = services.api_token_create(actor=case_worker, name="script", days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    _assert_401(client.get("/api/v1/me", headers=_bearer(secret)))


@pytest.mark.parametrize(
    "secret",
    ["", "nonsense", "sgp_", "sgp_abc", "sgp_000000000000_wrong", "Basic dXNlcjpwYXNz"],
)
def test_malformed_or_unknown_tokens_get_401(client, case_worker, secret):
    services.api_token_create(actor=case_worker, name="script")
    _assert_401(client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}))


def test_right_prefix_wrong_secret_gets_401(client, case_worker):
    _token, secret = services.api_token_create(actor=case_worker, name="script")
    _assert_401(client.get("/api/v1/me", headers=_bearer(secret[:-4] + "AAAA")))


def test_token_of_a_deactivated_user_gets_401(client, case_worker):
    _token, secret = services.api_token_create(actor=case_worker, name="script")
    case_worker.is_active = False
    case_worker.save(update_fields=["is_active"])
    _assert_401(client.get("/api/v1/me", headers=_bearer(secret)))


def test_cannot_revoke_someone_elses_token(client, case_worker, supervisor):
    token, _secret = services.api_token_create(actor=case_worker, name="script")
    client.force_login(supervisor)
    assert client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_lifetime_is_bounded(case_worker):
    from django.core.exceptions import ValidationError

    for days in (0, 366):
        with pytest.raises(ValidationError):
            services.api_token_create(actor=case_worker, name="x", days=days)
    with pytest.raises(ValidationError):
        services.api_token_create(actor=case_worker, name="   ")


def test_create_api_token_command_prints_the_token_alone_on_the_last_line(client, case_worker):
    out = io.StringIO()
    call_command("create_api_token", "pekerja", "--name", "integrasi SIMFONI", stdout=out)
    lines = out.getvalue().rstrip("\n").splitlines()
    secret = lines[-1]
    assert secret == secret.strip() and secret.startswith("sgp_") and " " not in secret
    assert ApiToken.objects.get(user=case_worker).name == "integrasi SIMFONI"
    response = client.get("/api/v1/me", headers=_bearer(secret))
    assert response.status_code == 200
    assert response.json()["username"] == "pekerja"


def test_create_api_token_command_refuses_unknown_or_inactive_users(case_worker):
    with pytest.raises(CommandError, match="No active user"):
        call_command("create_api_token", "nobody", "--name", "x", stdout=io.StringIO())
    case_worker.is_active = False
    case_worker.save(update_fields=["is_active"])
    with pytest.raises(CommandError, match="No active user"):
        call_command("create_api_token", "pekerja", "--name", "x", stdout=io.StringIO())


def test_create_api_token_command_checks_days(case_worker):
    with pytest.raises(CommandError, match="365"):
        call_command(
            "create_api_token", "pekerja", "--name", "x", "--days", "400", stdout=io.StringIO()
        )
