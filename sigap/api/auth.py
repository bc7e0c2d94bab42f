from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django_otp import user_has_device
from ninja.security import APIKeyCookie, HttpBearer

from sigap.accounts.middleware import two_factor_pending
from sigap.accounts.services import api_token_authenticate
from sigap.api.problems import TwoFactorRequired


class BearerToken(HttpBearer):
    """Personal API tokens: `Authorization: Bearer sgp_…`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is None:
            return None
        # A token is a possession factor created from a signed-in page (itself behind 2FA where
        # 2FA is required); where 2FA is required, a user without an authenticator gets nothing.
        if settings.SIGAP_REQUIRE_2FA and user.sees_child_data and not user_has_device(user):
            return None
        user.is_verified = lambda: True  # type: ignore[attr-defined]
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser session, for htmx and the interactive docs (CSRF is checked on writes)."""

    param_name = "sessionid"

    def __init__(self) -> None:
        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if two_factor_pending(user):
            # Not "send a token" (401): the person is signed in and must finish 2FA (403).
            raise TwoFactorRequired
        return user
