from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django_otp import user_has_device

from sigap.core.access import PUBLIC, get_rule

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
