from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django_otp import user_has_device

from sigap.core.access import PUBLIC, get_rule

# The session key holding when (epoch seconds) the session's expiry was last pushed back.
SESSION_REFRESHED_KEY = "_sigap_refreshed"
# The idle timeout slides at most once a minute: a session is written to the database only when
# its expiry is this many seconds old, not on every request.
SESSION_REFRESH_SECONDS = 60

# Rules of the pages a signed-in user must reach before completing two-factor set-up.
_TWO_FACTOR_EXEMPT = {PUBLIC, "account.two_factor"}


def two_factor_pending(user: Any) -> bool:
    """True while a signed-in user must still verify this session with a second factor: anyone
    who has set up an authenticator, and, with SIGAP_REQUIRE_2FA, every role that sees child
    data."""
    if not user.is_authenticated or user.is_verified():
        return False
    if settings.SIGAP_REQUIRE_2FA and user.sees_child_data:
        return True
    return user_has_device(user)


class RequireTwoFactorMiddleware:
    """A signed-in user who has an authenticator, or who must have one (SIGAP_REQUIRE_2FA and a
    role that sees child data), reaches no page but two-factor set-up/verification until this
    session is verified."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., HttpResponse], args: object, kw: object
    ) -> HttpResponse | None:
        rule = get_rule(view_func)
        if rule is None or rule in _TWO_FACTOR_EXEMPT:
            return None
        if not two_factor_pending(request.user):
            return None
        return redirect_to_login(
            request.get_full_path(), reverse("accounts:two_factor"), redirect_field_name="next"
        )


def mark_session_refreshed(session: Any) -> None:
    """Record that the session's expiry was just pushed back (setting the key marks the session
    modified, so SessionMiddleware saves it, which sets its expiry to now + SESSION_COOKIE_AGE)."""
    session[SESSION_REFRESHED_KEY] = int(timezone.now().timestamp())


class IdleTimeoutMiddleware:
    """The idle timeout (SESSION_COOKIE_AGE) without a session write on every request.

    Instead of SESSION_SAVE_EVERY_REQUEST, a session that is more than SESSION_REFRESH_SECONDS
    past its last refresh is marked modified, and SessionMiddleware saves it with a new expiry.
    A session therefore expires between SESSION_COOKIE_AGE minus a minute and SESSION_COOKIE_AGE
    after its last request. Sits after SessionMiddleware, so its response phase runs first; works
    after the view, so a sign-out (an emptied session) is not written back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response  # no cookie, or the view emptied it: nothing to keep alive
        refreshed = session.get(SESSION_REFRESHED_KEY)  # loads it if the view did not
        if session.is_empty():
            return response  # the cookie named no live session
        now = int(timezone.now().timestamp())
        if not isinstance(refreshed, int) or now - refreshed >= SESSION_REFRESH_SECONDS:
            session[SESSION_REFRESHED_KEY] = now
        return response
