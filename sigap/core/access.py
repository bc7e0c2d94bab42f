"""One mechanism for "may this user do this action on this object".

Each domain registers its policies (one small function per action) with @policy in its own
policies.py; views and API operations declare the action they need with @rule / api_rule. Object
checks inside a view go through require(), which answers 404 instead of 403 when the object's
existence must not be revealed. Nothing here knows any domain.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

PUBLIC = "public"
AUTHENTICATED = "authenticated"

PolicyFn = Callable[[Any, Any], bool]
_policies: dict[str, PolicyFn] = {}

F = TypeVar("F", bound=Callable[..., Any])


def policy(action: str) -> Callable[[PolicyFn], PolicyFn]:
    """Register the function that decides `action`. It receives (user, obj); obj is None when
    the question is "may this user do this at all" (navigation, list pages)."""

    def register(fn: PolicyFn) -> PolicyFn:
        if action in _policies and _policies[action] is not fn:
            raise ImproperlyConfigured(f"Policy {action!r} is registered twice")
        _policies[action] = fn
        return fn

    return register


def registered_actions() -> list[str]:
    return sorted(_policies)


def can(user: Any, action: str, obj: Any = None) -> bool:
    if action == PUBLIC:
        return True
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if action == AUTHENTICATED:
        return True
    try:
        fn = _policies[action]
    except KeyError as exc:
        raise ImproperlyConfigured(f"No policy registered for {action!r}") from exc
    return bool(fn(user, obj))


def require(user: Any, action: str, obj: Any = None, *, conceal: bool = False) -> None:
    """Raise unless allowed: Http404 when `conceal` (the object must not be revealed)."""
    if not can(user, action, obj):
        if conceal:
            raise Http404
        raise PermissionDenied


def rule(action: str) -> Callable[[F], F]:
    """Declare and enforce the access rule of a view."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if action != PUBLIC and not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(request.user, action):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.sigap_rule = action  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def api_rule(action: str) -> Callable[[F], F]:
    """Declare and enforce the rule of a django-ninja operation (authentication is ninja's).

    Modules with ninja operations must not use `from __future__ import annotations`: ninja
    resolves the annotations of the wrapped function, which would then be bare strings."""

    def decorate(op: F) -> F:
        @functools.wraps(op)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not can(request.user, action):
                raise PermissionDenied
            return op(request, *args, **kwargs)

        wrapper.sigap_rule = action  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def get_rule(view: Callable[..., Any]) -> str | None:
    return getattr(view, "sigap_rule", None)
