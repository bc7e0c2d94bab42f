"""The public report API: file a report and follow it by tracking code, no account needed.

POST takes JSON, or multipart/form-data with the same fields plus up to five `photos`. Both are
validated by the same form as the web page (sigap.intake.forms.PublicReportApiForm: the page's
PublicReportForm without a per-request copy of its fields), so the rules cannot drift apart; the
honeypot and fill-time guards of the page do not apply to API clients, the per-address limit does
(429 with Retry-After).
"""

import json
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field
from pydantic import ValidationError as PydanticValidationError

from sigap.core.access import PUBLIC, api_rule
from sigap.core.middleware import client_ip
from sigap.intake import ratelimit, services, tracking
from sigap.intake.forms import PublicReportApiForm
from sigap.intake.models import AgeGroup, Category, Channel, ReporterRelation

router = Router(tags=["intake"])


class PublicReportIn(Schema):
    category: Literal[tuple(Category.values)] = Field(  # type: ignore[valid-type]
        description="What was seen: " + ", ".join(f"`{c}`" for c in Category.values)
    )
    description: str = Field(max_length=5000, description="What happened, in the reporter's words.")
    landmark: str = Field(max_length=300, description="Street, junction, shop or landmark.")
    seen_at: datetime = Field(description="When it was seen (ISO 8601, with time zone).")
    children_count: int = Field(1, ge=1, le=99)
    age_group: Literal[tuple(AgeGroup.values)] = AgeGroup.UNKNOWN.value  # type: ignore[valid-type]
    immediate_danger: bool = False
    kelurahan: str = Field("", max_length=13, description="Kemendagri code of the kelurahan.")
    latitude: Decimal | None = Field(None, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, max_digits=9, decimal_places=6)
    anonymous: bool = Field(True, description="false to leave a contact (phone or email).")
    reporter_name: str = Field("", max_length=150)
    reporter_phone: str = Field("", max_length=40)
    reporter_email: str = Field("", max_length=254)
    reporter_relation: Literal[("", *ReporterRelation.values)] = ""  # type: ignore[valid-type]


class TrackingOut(Schema):
    tracking_code: str = Field(description="Show it to the reporter: K7QM-4XPA-9TZD.")


class StatusOut(Schema):
    status: str = Field(description="received, in_progress or handled")
    updated_at: datetime = Field(description="When the stage last changed.")


_REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": PublicReportIn.model_json_schema()},
        "multipart/form-data": {
            "schema": {
                "allOf": [
                    PublicReportIn.model_json_schema(),
                    {
                        "type": "object",
                        "properties": {
                            "photos": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                                "maxItems": 5,
                            }
                        },
                    },
                ]
            }
        },
    },
}


def _read_body(request: HttpRequest) -> dict[str, Any]:
    if request.content_type == "multipart/form-data":
        return {key: request.POST.get(key) for key in request.POST}
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise HttpError(400, "Send a well-formed JSON body.") from exc
    if not isinstance(data, dict):
        raise HttpError(400, "Send a JSON object.")
    return data


def _form_data(payload: PublicReportIn) -> dict[str, Any]:
    data = payload.model_dump()
    data["contact"] = "anonymous" if data.pop("anonymous") else "contact"
    data["kelurahan"] = data["kelurahan"] or ""
    return {key: value for key, value in data.items() if value is not None}


@router.post(
    "/public/reports",
    auth=None,
    response={201: TrackingOut},
    summary="File a public report (no account)",
    openapi_extra={"requestBody": _REQUEST_BODY},
)
@api_rule(PUBLIC)
def public_report_create(request: HttpRequest) -> Status[dict[str, str]]:
    try:
        payload = PublicReportIn.model_validate(_read_body(request))
    except PydanticValidationError as exc:
        errors = [dict(e) for e in exc.errors(include_url=False)]
        raise NinjaValidationError(errors) from exc
    form = PublicReportApiForm(_form_data(payload), request.FILES)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    key = ratelimit.address_key(client_ip(request))
    verdict = ratelimit.hit(key=key)
    if not verdict.allowed:
        raise Throttled(wait=verdict.retry_after)
    report = services.public_report_submit(
        details=form.details(),
        photos=form.cleaned_data["photos"],
        channel=Channel.API,
        submitter_hash=key,
    )
    return Status(201, {"tracking_code": tracking.display(report.tracking_code)})


@router.get(
    "/public/reports/{code}",
    auth=None,
    response=StatusOut,
    summary="The stage of a public report",
)
@api_rule(PUBLIC)
def public_report_status(request: HttpRequest, code: str) -> dict[str, Any]:
    normalized = tracking.normalize(code)
    if normalized is None:
        raise ValidationError(
            {"code": ["A tracking code has 12 letters and digits, e.g. K7QM-4XPA-9TZD."]}
        )
    report = services.public_status(code=normalized)
    if report is None:
        raise Http404
    return {"status": report.public_stage.value, "updated_at": report.stage_changed_at}
