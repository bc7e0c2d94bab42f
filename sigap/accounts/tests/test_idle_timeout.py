"""The idle timeout: a session expires SESSION_COOKIE_AGE after its last request (to within a
minute), and is written at most once a minute rather than on every request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from sigap.accounts.middleware import SESSION_REFRESH_SECONDS

HOME = reverse("core:home")
LOGIN = reverse("accounts:login")
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
IDLE = timedelta(seconds=settings.SESSION_COOKIE_AGE)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    """timezone.now(), which the session backend (expiry, load) and the middleware both read."""
    c = Clock(T0)
    monkeypatch.setattr(timezone, "now", lambda: c.now)
    return c


def _expiry(client) -> datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_idle_timeout_is_configured():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert not getattr(settings, "SESSION_SAVE_EVERY_REQUEST", False)
    assert "sigap.accounts.middleware.IdleTimeoutMiddleware" in settings.MIDDLEWARE


def test_an_idle_session_expires(client, case_worker, clock):
    client.force_login(case_worker)
    clock.advance(seconds=IDLE.total_seconds() - 1)
    assert client.get(HOME).status_code == 200
    client.force_login(case_worker)  # a fresh session, idle from now on
    clock.advance(seconds=IDLE.total_seconds() + 1)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_activity_within_the_timeout_keeps_the_session_alive(client, case_worker, clock):
    client.force_login(case_worker)
    for _ in range(4):  # two hours in all, never idle for the whole timeout
        clock.advance(minutes=IDLE.total_seconds() / 60 * 0.9)
        assert client.get(HOME).status_code == 200
    clock.advance(seconds=IDLE.total_seconds() + 1)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_the_session_is_written_at_most_once_a_minute(client, case_worker, clock):
    client.force_login(case_worker)
    assert _expiry(client) == T0 + IDLE
    clock.advance(seconds=SESSION_REFRESH_SECONDS - 1)
    assert client.get(HOME).status_code == 200
    assert _expiry(client) == T0 + IDLE  # not written: the sign-in refreshed it under a minute ago
    clock.advance(seconds=1)
    assert client.get(HOME).status_code == 200
    assert _expiry(client) == T0 + timedelta(seconds=SESSION_REFRESH_SECONDS) + IDLE
    # The price: a request less than a minute after a refresh does not push the expiry back, so
    # the session may end up to a minute before the full timeout after the last request.
    clock.advance(seconds=SESSION_REFRESH_SECONDS - 1)
    assert client.get(HOME).status_code == 200
    clock.advance(seconds=IDLE.total_seconds() - SESSION_REFRESH_SECONDS + 2)
    assert client.get(HOME).status_code == 302


def test_signed_in_page_does_not_write_the_session(client, case_worker, clock):
    client.force_login(case_worker)
    before = Session.objects.get(session_key=client.session.session_key).session_data
    clock.advance(seconds=10)
    assert client.get(HOME).status_code == 200
    assert Session.objects.get(session_key=client.session.session_key).session_data == before


def test_sign_out_leaves_no_session_behind(client, case_worker, clock):
    client.force_login(case_worker)
    clock.advance(minutes=5)
    client.post(reverse("accounts:logout"))
    assert not Session.objects.exists()


def test_anonymous_visit_creates_no_session(client, db, clock):
    assert client.get(LOGIN).status_code == 200
    clock.advance(minutes=5)
    assert client.get(LOGIN).status_code == 200
    assert not Session.objects.exists()


def test_an_unknown_session_cookie_creates_no_session(client, db, clock):
    client.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32
    assert client.get(LOGIN).status_code == 200
    assert not Session.objects.exists()
