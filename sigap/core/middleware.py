from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils import translation
from django.utils.cache import patch_vary_headers

from sigap.core import context

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip(request: HttpRequest) -> str | None:
    # Behind the reverse proxy documented in docs/operations.md, REMOTE_ADDR is set from
    # X-Forwarded-For by the proxy configuration itself; never trust the header here.
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Gives every request an id (kept from X-Request-ID when well-formed) and its address,
    for logs and audit events; echoes the id and the Permissions-Policy header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        ctx = context.RequestContext(ip=client_ip(request))
        if _REQUEST_ID_RE.match(incoming):
            ctx = context.RequestContext(request_id=incoming, ip=ctx.ip)
        token = context.activate(ctx)
        request.request_id = ctx.request_id  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
        finally:
            context.deactivate(token)
        response["X-Request-ID"] = ctx.request_id
        response.setdefault("Permissions-Policy", settings.SIGAP_PERMISSIONS_POLICY)
        return response


class AccessRuleMiddleware:
    """Fail closed: a view without a declared access rule is never served.

    Views declare their rule with @rule(...) from sigap.core.access; the route-walk test makes sure
    every URL pattern has one. Django's admin enforces its own staff check (see sigap.urls).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        args: object,
        kwargs: object,
    ) -> HttpResponse | None:
        if getattr(view_func, "sigap_rule", None) is not None:
            return None
        module = getattr(view_func, "__module__", "") or ""
        if module.startswith(("django.contrib.admin", "django.contrib.staticfiles", "ninja")):
            return None
        if settings.DEBUG:
            raise ImproperlyConfigured(
                f"View {module}.{view_func.__name__} declares no access rule"
            )
        return HttpResponseForbidden()


class LanguageMiddleware:
    """Bahasa Indonesia unless the person chose another language with the switch (the language
    cookie). The browser's Accept-Language is ignored on purpose: many phones in Indonesia are set
    to English, and the people Sigap serves work in Indonesian."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        available = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response
