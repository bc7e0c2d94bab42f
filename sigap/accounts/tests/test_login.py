"""Signing in and out: audit events, django-axes lockout, deactivated accounts (idle timeout:
test_idle_timeout.py)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from sigap.accounts.tests.factories import TEST_PASSWORD, choose_language
from sigap.core.models import AuditEvent

LOGIN = reverse("accounts:login")


def _login(client, username: str, password: str = TEST_PASSWORD, lang: str = "", **data):
    if lang:
        choose_language(client, lang)
    return client.post(LOGIN, {"username": username, "password": password, **data})


def test_login_page_renders_for_anonymous(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert 'autocomplete="current-password"' in response.content.decode()


def test_login_success_writes_auth_login(client, case_worker):
    response = _login(client, "pekerja")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor_id == case_worker.pk
    assert event.ip == "127.0.0.1"
    assert event.request_id


def test_login_follows_a_safe_next_only(client, case_worker):
    profile = reverse("accounts:profile")
    assert _login(client, "pekerja", next=profile)["Location"] == profile
    client.logout()
    assert _login(client, "pekerja", next="https://evil.example/")["Location"] == reverse(
        "core:home"
    )


def test_login_failure_writes_auth_login_failed(client, case_worker):
    response = _login(client, "pekerja", "wrong-password", lang="en")
    assert response.status_code == 200
    assert "The username or password is not right" in response.content.decode()
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.actor_id is None
    assert event.actor_kind == "anonymous"
    assert event.summary == {"username": "pekerja"}  # never the password
    assert "wrong-password" not in str(event.summary)
    assert "_auth_user_id" not in client.session


def test_logout_writes_auth_logout_and_needs_post(client, case_worker):
    client.force_login(case_worker)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.logout", actor=case_worker).exists()
    assert client.get(reverse("core:home")).status_code == 302


def test_lockout_after_failure_limit_even_with_right_password(client, case_worker):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5
    for _ in range(limit - 1):
        assert _login(client, "pekerja", "wrong-password").status_code == 200
    locked = _login(client, "pekerja", "wrong-password")
    assert locked.status_code == 429
    # The right password does not help while the lock lasts.
    again = _login(client, "pekerja", TEST_PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.login").count() == 0
    body = again.content.decode()
    assert "Terlalu banyak" in body or "Too many failed sign-in attempts" in body


def test_locked_page_in_english_and_indonesian(client, case_worker):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "pekerja", "wrong-password")
    english = _login(client, "pekerja", lang="en")
    assert english.status_code == 429
    assert "Too many failed sign-in attempts" in english.content.decode()
    assert reverse("accounts:password_reset") in english.content.decode()
    indonesian = _login(client, "pekerja", lang="id")
    assert indonesian.status_code == 429
    assert '<html lang="id"' in indonesian.content.decode()


def test_lockout_is_per_username(client, case_worker, supervisor):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "pekerja", "wrong-password")
    assert _login(client, "supervisor").status_code == 302


def test_success_before_the_limit_resets_the_count(client, case_worker):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "pekerja", "wrong-password")
    assert _login(client, "pekerja").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "pekerja", "wrong-password")
    assert _login(client, "pekerja").status_code == 302


def test_deactivated_user_cannot_log_in_and_is_told_why(client, case_worker):
    case_worker.is_active = False
    case_worker.save(update_fields=["is_active"])
    response = _login(client, "pekerja", lang="en")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "This account has been deactivated" in response.content.decode()


def test_deactivated_user_with_wrong_password_learns_nothing(client, case_worker):
    case_worker.is_active = False
    case_worker.save(update_fields=["is_active"])
    response = _login(client, "pekerja", "wrong-password", lang="en")
    assert "deactivated" not in response.content.decode()
    assert "not right" in response.content.decode()


def test_deactivation_ends_an_open_session(client, case_worker):
    client.force_login(case_worker)
    assert client.get(reverse("core:home")).status_code == 200
    case_worker.is_active = False
    case_worker.save(update_fields=["is_active"])
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_authenticated_user_visiting_login_goes_home(client, case_worker):
    client.force_login(case_worker)
    response = client.get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")


@pytest.mark.parametrize("lang,word", [("id", "Masuk"), ("en", "Sign in")])
def test_language_switch(client, db, lang, word):
    response = client.post(reverse("set_language"), {"language": lang, "next": LOGIN}, follow=True)
    assert response.status_code == 200
    assert word in response.content.decode()
    assert f'<html lang="{lang}"' in response.content.decode()
