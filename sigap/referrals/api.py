"""The referrals API: the same selectors, policies and services as the pages.

A referral or case the caller may not know about is a 404; an action the caller may not take on a
visible referral is a 403; a refused rule (no consent, expired, not shared) is a 422 naming the
field. (No `from __future__ import annotations` here: ninja resolves the annotations at import.)
"""

import uuid
from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from sigap.accounts.models import Agency, User
from sigap.api.pagination import Page, PageParams, paginate_queryset
from sigap.api.problems import Conflict
from sigap.cases.selectors import case_get_for
from sigap.children.models import FamilyMember
from sigap.core.access import api_rule, require
from sigap.geo.models import Region
from sigap.referrals import selectors, services
from sigap.referrals.models import Kind, Referral, Section, SectionGrant
from sigap.referrals.pdf import transfer_summary_pdf
from sigap.referrals.policies import referral_access
from sigap.referrals.selectors import ReferralFilters

router = Router(tags=["referrals"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _referral(request: HttpRequest, referral_id: uuid.UUID, action: str = "") -> Referral:
    referral = selectors.referral_get_for(user=_user(request), referral_id=referral_id)
    if action:
        require(_user(request), action, referral)
    return referral


# --- schemas ---------------------------------------------------------------------------------------


class ReferralOut(Schema):
    id: uuid.UUID
    reference: str
    kind: str
    status: str
    case_id: uuid.UUID
    from_agency_id: int
    to_agency_id: int | None
    to_user_id: int | None
    to_region: str | None
    services: list[str]
    cyber_unit: bool
    sections: list[str]
    reason: str
    urgency: str
    sent_at: datetime | None
    respond_by: datetime | None
    is_overdue: bool
    consent_basis: str
    consent_withdrawn_at: datetime | None
    decline_reason: str
    outcome: str
    version: int


def _out(r: Referral) -> dict[str, Any]:
    return {
        "id": r.pk,
        "reference": r.reference,
        "kind": r.kind,
        "status": r.status,
        "case_id": r.case_id,
        "from_agency_id": r.from_agency_id,
        "to_agency_id": r.to_agency_id,
        "to_user_id": r.to_user_id,
        "to_region": r.to_region_id,
        "services": r.services,
        "cyber_unit": r.cyber_unit,
        "sections": r.sections,
        "reason": r.reason,
        "urgency": r.urgency,
        "sent_at": r.sent_at,
        "respond_by": r.respond_by,
        "is_overdue": r.is_overdue,
        "consent_basis": r.consent_basis,
        "consent_withdrawn_at": r.consent_withdrawn_at,
        "decline_reason": r.decline_reason,
        "outcome": r.outcome,
        "version": r.version,
    }


class ReferralListFilters(PageParams):
    box: Literal["", "in", "out"] = ""
    status: str = Field("", max_length=20)
    q: str = Field("", max_length=40)


class ReferralIn(Schema):
    case_id: uuid.UUID
    kind: Literal["referral", "transfer"] = "referral"
    to_agency_id: int | None = None
    to_user_id: int | None = None
    to_region: str | None = Field(None, max_length=13)
    external_recipient: str = Field("", max_length=200)
    services: list[str] = Field(default_factory=list)
    sections: list[str] = Field(default_factory=list)
    reason: str = Field(..., max_length=5000)
    urgency: str = "routine"
    consent_basis: str = ""
    child_view: str = ""
    guardian_id: int | None = None
    guardian_name: str = Field("", max_length=200)
    exception_ground: str = ""
    exception_note: str = Field("", max_length=5000)


class TransitionIn(Schema):
    to: Literal["accepted", "declined", "in_progress", "completed", "cancelled", "revoked"]
    reason: str = Field("", max_length=5000)
    outcome: str = Field("", max_length=5000)
    version: int | None = None


class ServiceRecordIn(Schema):
    service: str
    delivered_on: date
    provider: str = Field(..., max_length=200)
    outcome: str = Field(..., max_length=5000)


class ServiceRecordOut(Schema):
    id: int
    service: str
    delivered_on: date
    provider: str
    outcome: str


class NoteIn(Schema):
    text: str = Field(..., max_length=5000)


class NoteOut(Schema):
    id: int
    text: str
    created_at: datetime


class WithdrawIn(Schema):
    note: str = Field(..., max_length=2000)


class BreakGlassIn(Schema):
    case_id: uuid.UUID | None = None
    number: str = Field("", max_length=32)
    reason: str = Field("", max_length=2000)


class BreakGlassOut(Schema):
    id: int
    case_id: uuid.UUID
    expires_at: datetime


class AccessEventOut(Schema):
    occurred_at: datetime
    actor: str
    action: str
    agency_id: int | None
    object_type: str


def _resolve(payload: ReferralIn, case: Any) -> dict[str, Any]:
    """Turn ids into objects, refusing ids that do not exist (422 next to the field)."""
    data = payload.dict(exclude={"case_id", "kind", "to_agency_id", "to_user_id", "guardian_id"})
    errors: dict[str, str] = {}
    data["to_agency"] = None
    if payload.to_agency_id is not None:
        data["to_agency"] = Agency.objects.filter(pk=payload.to_agency_id).first()
        if data["to_agency"] is None:
            errors["to_agency_id"] = _("No agency with this id.")
    data["to_user"] = None
    if payload.to_user_id is not None:
        data["to_user"] = User.objects.filter(pk=payload.to_user_id).first()
        if data["to_user"] is None:
            errors["to_user_id"] = _("No person with this id.")
    data["to_region"] = None
    if payload.to_region:
        data["to_region"] = Region.objects.filter(pk=payload.to_region).first()
        if data["to_region"] is None:
            errors["to_region"] = _("No region with this code.")
    data["guardian"] = None
    if payload.guardian_id is not None:
        data["guardian"] = FamilyMember.objects.filter(
            pk=payload.guardian_id, child_id=case.child_id
        ).first()
        if data["guardian"] is None:
            errors["guardian_id"] = _("No family member of this child with this id.")
    if errors:
        raise ValidationError(errors)
    return data


# --- operations ---------------------------------------------------------------------------------


@router.get("/referrals", response=Page[ReferralOut], summary="The referrals you may see")
@api_rule("referral.list")
def referral_list(request: HttpRequest, filters: Query[ReferralListFilters]) -> dict[str, Any]:
    user = _user(request)
    f = ReferralFilters(box=filters.box, status=filters.status, q=filters.q)
    page = paginate_queryset(selectors.referral_list_for(user=user, filters=f), filters)
    if f.q:
        services.referral_record_search(actor=user, box=f.box, q=f.q, count=page["count"])
    page["items"] = [_out(r) for r in page["items"]]
    return page


@router.post("/referrals", response={201: ReferralOut}, summary="Draft a referral or transfer")
@api_rule("referral.create")
def referral_create(request: HttpRequest, payload: ReferralIn) -> tuple[int, dict[str, Any]]:
    user = _user(request)
    try:
        case = case_get_for(user=user, case_id=payload.case_id)
    except Http404 as exc:
        raise ValidationError({"case_id": _("No case with this id that you can see.")}) from exc
    require(user, "referral.create", case)
    kind = Kind.TRANSFER if payload.kind == "transfer" else Kind.REFERRAL
    referral = services.referral_create(actor=user, case=case, kind=kind, **_resolve(payload, case))
    return 201, _out(referral)


@router.get("/referrals/{referral_id}", response=ReferralOut, summary="One referral (audited)")
@api_rule("referral.view")
def referral_get(request: HttpRequest, referral_id: uuid.UUID) -> dict[str, Any]:
    referral = _referral(request, referral_id)
    services.referral_record_view(actor=_user(request), referral=referral, sections=[], via="api")
    return _out(referral)


@router.get(
    "/referrals/{referral_id}/sections/{section}",
    response=dict[str, Any],
    summary="One shared section (audited; 404 when not shared or no longer active)",
)
@api_rule("referral.view")
def referral_section_get(request: HttpRequest, referral_id: uuid.UUID, section: str) -> Any:
    user = _user(request)
    referral = _referral(request, referral_id)
    access = referral_access(user, referral)
    if section not in Section.values or not access.sees_sections or not referral.shares(section):
        services.referral_refuse_section(actor=user, referral=referral, section=section)
        raise Http404
    as_of = referral.closed_at if referral.kind == Kind.TRANSFER else None
    shared = selectors.shared_sections_for(referral=referral, as_of=as_of, viewer=user)
    payload = selectors.transfer_payload(referral=referral, shared=shared)
    services.referral_record_view(actor=user, referral=referral, sections=[section], via="api")
    keys = {
        Section.IDENTITY: ["child"],
        Section.SUMMARY: ["case"],
        Section.ASSESSMENT: ["assessment"],
        Section.PLAN: ["plan"],
        Section.NOTES: ["notes"],
        Section.FAMILY: ["family"],
        Section.PERPETRATORS: ["people"],
    }[Section(section)]
    return {"section": section, **{k: payload.get(k) for k in keys}}


@router.post("/referrals/{referral_id}/send", response=ReferralOut, summary="Send a draft")
@api_rule("referral.edit")
def referral_send_op(request: HttpRequest, referral_id: uuid.UUID) -> dict[str, Any]:
    referral = _referral(request, referral_id, "referral.edit")
    return _out(services.referral_send(actor=_user(request), referral=referral))


@router.post(
    "/referrals/{referral_id}/approve-exception",
    response=ReferralOut,
    summary="A supervisor approves sharing without consent",
)
@api_rule("referral.approve_exception")
def referral_exception_approve(request: HttpRequest, referral_id: uuid.UUID) -> dict[str, Any]:
    referral = _referral(request, referral_id, "referral.approve_exception")
    return _out(services.exception_approve(actor=_user(request), referral=referral))


_TRANSITION_RULES = {
    "accepted": "referral.respond",
    "declined": "referral.respond",
    "in_progress": "referral.work",
    "completed": "",  # receiver (work) or, for a transfer outside Sigap, the sender (hand over)
    "cancelled": "referral.cancel",
    "revoked": "referral.revoke",
}


@router.post(
    "/referrals/{referral_id}/transitions",
    response=ReferralOut,
    summary="Accept, decline, start, complete, cancel or revoke",
)
@api_rule("referral.view")
def referral_transition(
    request: HttpRequest, referral_id: uuid.UUID, payload: TransitionIn
) -> dict[str, Any]:
    user = _user(request)
    referral = _referral(request, referral_id, _TRANSITION_RULES[payload.to])
    try:
        if payload.to == "accepted":
            result = services.referral_accept(
                actor=user, referral=referral, version=payload.version
            )
        elif payload.to == "declined":
            result = services.referral_decline(
                actor=user, referral=referral, reason=payload.reason, version=payload.version
            )
        elif payload.to == "in_progress":
            result = services.referral_start(actor=user, referral=referral, version=payload.version)
        elif payload.to == "completed":
            access = referral_access(user, referral)
            if not (access.can_work or access.can_hand_over):
                raise PermissionDenied
            result = services.referral_complete(
                actor=user, referral=referral, outcome=payload.outcome, version=payload.version
            )
        elif payload.to == "cancelled":
            result = services.referral_cancel(actor=user, referral=referral, reason=payload.reason)
        else:
            result = services.referral_revoke(actor=user, referral=referral, reason=payload.reason)
    except services.StaleVersion as exc:
        raise Conflict(str(exc), current_version=exc.current.version) from exc
    return _out(result)


@router.post(
    "/referrals/{referral_id}/services",
    response={201: ServiceRecordOut},
    summary="Record a service delivered",
)
@api_rule("referral.work")
def referral_service_add(
    request: HttpRequest, referral_id: uuid.UUID, payload: ServiceRecordIn
) -> tuple[int, Any]:
    referral = _referral(request, referral_id, "referral.work")
    record = services.service_record_add(actor=_user(request), referral=referral, **payload.dict())
    return 201, record


@router.post(
    "/referrals/{referral_id}/notes", response={201: NoteOut}, summary="A note between agencies"
)
@api_rule("referral.note")
def referral_note_add(
    request: HttpRequest, referral_id: uuid.UUID, payload: NoteIn
) -> tuple[int, Any]:
    referral = _referral(request, referral_id, "referral.note")
    return 201, services.note_add(actor=_user(request), referral=referral, text=payload.text)


@router.post(
    "/referrals/{referral_id}/consent/withdraw",
    response=ReferralOut,
    summary="Consent withdrawn: sharing stops",
)
@api_rule("referral.withdraw_consent")
def referral_consent_withdraw(
    request: HttpRequest, referral_id: uuid.UUID, payload: WithdrawIn
) -> dict[str, Any]:
    referral = _referral(request, referral_id, "referral.withdraw_consent")
    return _out(
        services.consent_withdraw(actor=_user(request), referral=referral, note=payload.note)
    )


@router.get(
    "/referrals/{referral_id}/package",
    response=dict[str, Any],
    summary="Signed JSON package of a transfer (audited export)",
)
@api_rule("referral.export")
def referral_transfer_package(request: HttpRequest, referral_id: uuid.UUID) -> Any:
    user = _user(request)
    referral = _referral(request, referral_id, "referral.export")
    shared = selectors.shared_sections_for(referral=referral, as_of=referral.closed_at, viewer=user)
    package = services.package_sign(selectors.transfer_payload(referral=referral, shared=shared))
    services.referral_record_export(actor=user, referral=referral, export_format="json")
    return package


@router.get(
    "/referrals/{referral_id}/package.pdf",
    summary="Transfer summary as a PDF, signed package attached (audited export)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The PDF; the signed JSON package is attached inside it.",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
@api_rule("referral.export")
def referral_transfer_pdf(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    user = _user(request)
    referral = _referral(request, referral_id, "referral.export")
    shared = selectors.shared_sections_for(referral=referral, as_of=referral.closed_at, viewer=user)
    package = services.package_sign(selectors.transfer_payload(referral=referral, shared=shared))
    content = transfer_summary_pdf(referral=referral, shared=shared, package=package)
    services.referral_record_export(actor=user, referral=referral, export_format="pdf")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{referral.reference}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@router.get(
    "/cases/{case_id}/referrals", response=list[ReferralOut], summary="The referrals of a case"
)
@api_rule("referral.list")
def referral_list_for_case(request: HttpRequest, case_id: uuid.UUID) -> list[dict[str, Any]]:
    user = _user(request)
    case = case_get_for(user=user, case_id=case_id)
    return [_out(r) for r in selectors.referrals_for_case(user=user, case=case)]


@router.get(
    "/cases/{case_id}/access-log",
    response=Page[AccessEventOut],
    summary="Who accessed this case (owner and supervisors)",
)
@api_rule("access.case_log")
def referral_case_access_log(
    request: HttpRequest, case_id: uuid.UUID, params: Query[PageParams]
) -> dict[str, Any]:
    user = _user(request)
    case = case_get_for(user=user, case_id=case_id)
    require(user, "access.case_log", case)
    page = paginate_queryset(selectors.case_access_log_for(case=case), params)
    page["items"] = [
        {
            "occurred_at": e.occurred_at,
            "actor": e.actor_label,
            "action": e.action,
            "agency_id": e.agency_id,
            "object_type": e.object_type,
        }
        for e in page["items"]
    ]
    return page


@router.post(
    "/break-glass",
    response={201: BreakGlassOut},
    summary="Emergency access to a case, with a reason (4 hours; notified and reviewed)",
)
@api_rule("access.break_glass")
def referral_break_glass(request: HttpRequest, payload: BreakGlassIn) -> tuple[int, Any]:
    user = _user(request)
    case = None
    if payload.number:
        case = selectors.case_by_number_for_break_glass(user=user, number=payload.number)
    elif payload.case_id is not None:
        found = selectors.case_by_id_for_break_glass(user=user, case_id=payload.case_id)
        case = found
    if case is None:
        raise ValidationError({"number": _("No case with this number in your city.")})
    access = services.break_glass_open(actor=user, case=case, reason=payload.reason)
    return 201, {"id": access.pk, "case_id": access.case_id, "expires_at": access.expires_at}


# --- sensitive sections -----------------------------------------------------------------------------


class SectionGrantIn(Schema):
    user_id: int
    section: Literal["psych_notes", "sexual_violence", "reporter_identity", "identity_numbers"]
    reason: str = Field(max_length=2000)
    expires_at: datetime | None = None


class SectionRevokeIn(Schema):
    note: str = Field("", max_length=2000)


class SectionGrantOut(Schema):
    id: int
    case_id: uuid.UUID
    user_id: int
    user: str
    section: str
    reason: str
    granted_by: str
    granted_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    is_current: bool


def _grant_out(g: SectionGrant) -> dict[str, Any]:
    return {
        "id": g.pk,
        "case_id": g.case_id,
        "user_id": g.user_id,
        "user": g.user.display_name,
        "section": g.section,
        "reason": g.reason,
        "granted_by": g.granted_by.display_name,
        "granted_at": g.granted_at,
        "expires_at": g.expires_at,
        "revoked_at": g.revoked_at,
        "is_current": g.is_current,
    }


@router.get(
    "/cases/{case_id}/section-grants",
    response=list[SectionGrantOut],
    summary="Grants of sensitive sections on a case (owner and supervisors)",
)
@api_rule("section.grants")
def section_grant_list(request: HttpRequest, case_id: uuid.UUID) -> list[dict[str, Any]]:
    user = _user(request)
    case = case_get_for(user=user, case_id=case_id)
    require(user, "section.grants", case)
    return [_grant_out(g) for g in selectors.section_grants_for_case(case=case)]


@router.post(
    "/cases/{case_id}/section-grants",
    response={201: SectionGrantOut},
    summary="Grant a sensitive section of a case to a person (lead agency's supervisors)",
)
@api_rule("section.grant")
def section_grant_create(
    request: HttpRequest, case_id: uuid.UUID, payload: SectionGrantIn
) -> tuple[int, dict[str, Any]]:
    user = _user(request)
    case = case_get_for(user=user, case_id=case_id)
    require(user, "section.grant", case)
    grantee = User.objects.filter(pk=payload.user_id, is_active=True).first()
    if grantee is None:
        raise ValidationError({"user_id": _("No such user.")})
    grant = services.section_grant(
        actor=user,
        case=case,
        user=grantee,
        section=payload.section,
        reason=payload.reason,
        expires_at=payload.expires_at,
    )
    return 201, _grant_out(grant)


@router.post(
    "/section-grants/{grant_id}/revoke",
    response=SectionGrantOut,
    summary="Revoke a grant of a sensitive section (lead agency's supervisors)",
)
@api_rule("section.grant")
def section_grant_revoke_op(
    request: HttpRequest, grant_id: int, payload: SectionRevokeIn
) -> dict[str, Any]:
    user = _user(request)
    grant = selectors.section_grant_get_for(user=user, grant_id=grant_id)
    require(user, "section.grant", grant)
    return _grant_out(services.section_grant_revoke(actor=user, grant=grant, note=payload.note))


class IdentityNumbersOut(Schema):
    nik: str
    family_card_number: str


@router.get(
    "/referrals/{referral_id}/identity-numbers",
    response=IdentityNumbersOut,
    summary="The child's NIK and family card through a referral (grant holders; audited)",
)
@api_rule("referral.view")
def referral_identity_numbers_get(request: HttpRequest, referral_id: uuid.UUID) -> Any:
    numbers = services.referral_identity_numbers_read(
        actor=_user(request), referral=_referral(request, referral_id)
    )
    if numbers is None:
        raise Http404
    return numbers
