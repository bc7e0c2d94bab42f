"""Errors as application/problem+json (RFC 9457), the one error shape of the API."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
_TYPE_BASE = "https://sigap.readthedocs.io/problems/"  # documented in docs/api.md


class Conflict(Exception):
    """Raise from an API handler for a 409: the request conflicts with the record's state."""

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class TwoFactorRequired(Exception):
    """A signed-in session that must still pass two-step verification (SIGAP_REQUIRE_2FA)."""


def problem(
    request: HttpRequest,
    *,
    status: int,
    title: str,
    detail: str = "",
    type: str = "about:blank",
    **extra: Any,
) -> HttpResponse:
    body: dict[str, Any] = {"type": type, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["instance"] = request.path
    body.update(extra)
    response = JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
    request_id = getattr(request, "request_id", None)
    if request_id:
        response["X-Request-ID"] = request_id
    return response


def _field_name(loc: list[Any]) -> str:
    # ninja locations start with where the value came from ("body", "query", "path") and, for a
    # body, the name of the schema argument; the field is what follows.
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "form", "file"}:
        parts = parts[1:]
        if len(parts) > 1 and parts[0] in {"payload", "data", "body", "filters"}:
            parts = parts[1:]
    return ".".join(parts)


def validation_errors(exc: NinjaValidationError) -> list[dict[str, str]]:
    return [
        {"field": _field_name(list(err.get("loc", []))), "message": str(err.get("msg", ""))}
        for err in exc.errors
    ]


def install(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return problem(
            request,
            status=422,
            title=_("The request has invalid fields."),
            type=_TYPE_BASE + "validation",
            errors=validation_errors(exc),
        )

    @api.exception_handler(DjangoValidationError)
    def _service_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            errors = [
                {"field": field, "message": str(message)}
                for field, messages in exc.message_dict.items()
                for message in messages
            ]
        else:
            errors = [{"field": "", "message": str(m)} for m in exc.messages]
        return problem(
            request,
            status=422,
            title=_("The request has invalid fields."),
            type=_TYPE_BASE + "validation",
            errors=errors,
        )

    @api.exception_handler(Conflict)
    def _conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
        return problem(
            request,
            status=409,
            title=_("The request conflicts with the current state of the record."),
            detail=exc.detail,
            type=_TYPE_BASE + "conflict",
            **exc.extra,
        )

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = problem(
            request,
            status=401,
            title=_("Authentication required."),
            detail=_("Send a valid, unexpired API token as 'Authorization: Bearer <token>'."),
        )
        response["WWW-Authenticate"] = 'Bearer realm="sigap"'
        return response

    @api.exception_handler(TwoFactorRequired)
    def _two_factor(request: HttpRequest, exc: TwoFactorRequired) -> HttpResponse:
        url = reverse("accounts:two_factor")
        return problem(
            request,
            status=403,
            title=_("Two-step verification required."),
            detail=_("Finish two-step verification in the browser first: %(url)s") % {"url": url},
            type=_TYPE_BASE + "two-factor",
            two_factor_url=url,
        )

    @api.exception_handler(Throttled)
    def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        response = problem(request, status=429, title=_("Too many requests."))
        if exc.wait:
            response["Retry-After"] = str(int(exc.wait))
        return response

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        title = {400: _("The request could not be read.")}.get(exc.status_code, str(exc))
        detail = str(exc) if exc.status_code != 400 else _("Send a well-formed JSON body.")
        return problem(request, status=exc.status_code, title=title, detail=detail)

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(request, status=404, title=_("Not found."))

    @api.exception_handler(PermissionDenied)
    def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return problem(request, status=403, title=_("You may not do this."))

    @api.exception_handler(RequestDataTooBig)
    def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return problem(request, status=413, title=_("The request body is too large."))

    @api.exception_handler(SuspiciousOperation)
    def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        return problem(request, status=400, title=_("The request could not be read."))

    @api.exception_handler(Exception)
    def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("Unhandled API error", exc_info=exc)
        return problem(
            request,
            status=500,
            title=_("Something went wrong on our side."),
            detail=_("The error has been logged with the request id."),
        )
