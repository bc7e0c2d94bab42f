"""The cases API: the same selectors, policies and services as the HTML pages.

A case the caller may not see is a 404; a stale `version` or a stage move that misses a gate is a
409 problem+json (`gate` names the unmet gate); invalid fields are a 422 with `errors`.
(No `from __future__ import annotations` here: ninja resolves the annotations at import.)
"""

import uuid
from datetime import date, datetime, time
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from sigap.accounts.models import Agency, User
from sigap.api.pagination import Page, PageParams, paginate_queryset
from sigap.api.problems import Conflict
from sigap.cases import selectors, services
from sigap.cases.models import (
    ASSESSMENT_DOMAINS,
    Approval,
    ApprovalKind,
    ApprovalStatus,
    Assessment,
    Case,
    CaseNote,
    Gate,
    Plan,
    Stage,
    TransitionError,
    unmet_gate,
)
from sigap.cases.sections import sexual_violence_details_hidden, without_details
from sigap.cases.selectors import CaseFilters
from sigap.cases.services import StaleVersion
from sigap.cases.timeline import case_timeline
from sigap.children.selectors import child_get_for, person_get_for
from sigap.core.access import api_rule, require
from sigap.core.search_audit import audit_search

router = Router(tags=["cases"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _case(request: HttpRequest, case_id: uuid.UUID, action: str = "case.view") -> Case:
    case = selectors.case_get_for(user=_user(request), case_id=case_id)
    require(_user(request), action, case)
    return case


def _stale(exc: StaleVersion) -> Conflict:
    return Conflict(str(exc), current_version=getattr(exc.current, "version", None))


# --- schemas ---------------------------------------------------------------------------------------


class CaseCreateIn(Schema):
    child_id: uuid.UUID
    lead_agency_id: int | None = Field(
        None, description="Defaults to the caller's agency when there is exactly one."
    )
    lead_worker_id: int | None = None
    summary: str = Field("", max_length=5000)
    risk_level: str = "medium"
    risk_reason: str = Field("", max_length=5000)
    ampk_categories: list[str] = Field(default_factory=list, description="AMPK codes a–o")
    violence_types: list[str] = Field(default_factory=list)
    root_causes: list[str] = Field(default_factory=list)
    pmks_category: str = ""


class CaseCreatedOut(Schema):
    id: uuid.UUID
    number: str


class CaseListFilters(PageParams):
    q: str = Field(
        "", max_length=100, description="Child's name or alias (typos allowed), case number or NIK."
    )
    stage: str = Field("", description="A stage, or `open` for every stage but closure.")
    risk: str = ""
    category: str = Field("", description="AMPK code")
    violence: str = ""
    root_cause: str = ""
    worker: int | None = None
    kelurahan: str = ""
    origin: Literal["", "pendatang", "local"] = ""
    opened_from: date | None = None
    opened_to: date | None = None
    review_due: bool = False


class CaseOut(Schema):
    id: uuid.UUID
    number: str
    child_id: uuid.UUID
    child_name: str
    lead_agency_id: int
    lead_worker: str | None
    stage: str
    risk_level: str
    ampk_categories: list[str]
    opened_at: datetime
    closed_at: datetime | None
    next_review_on: date | None
    version: int


class TeamMemberOut(Schema):
    id: int
    user_id: int
    name: str
    role: str


class CasePersonOut(Schema):
    id: int
    person_id: int
    name: str
    role: str
    notes: str


class NextStepOut(Schema):
    to: str
    gate: str | None


class CaseDetailOut(CaseOut):
    summary: str
    pmks_category: str
    violence_types: list[str]
    root_causes: list[str]
    root_cause_other: str
    risk_reason: str
    exploitation_activity: str
    exploitation_activity_other: str
    exploitation_hours_from: time | None
    exploitation_hours_until: time | None
    exploitation_places: str
    closure_reason: str
    review_interval_days: int
    team: list[TeamMemberOut]
    people: list[CasePersonOut]
    next_steps: list[NextStepOut]
    details_hidden: bool = Field(
        False,
        description="A case of sexual violence whose details (summary, risk reason, note texts) "
        "you may not see: they are empty. A supervisor of the lead agency can grant them.",
    )


class CaseUpdateIn(Schema):
    version: int
    summary: str | None = Field(None, max_length=5000)
    pmks_category: str | None = None
    ampk_categories: list[str] | None = None
    violence_types: list[str] | None = None
    root_causes: list[str] | None = None
    root_cause_other: str | None = Field(None, max_length=200)
    exploitation_activity: str | None = None
    exploitation_activity_other: str | None = Field(None, max_length=200)
    exploitation_hours_from: time | None = None
    exploitation_hours_until: time | None = None
    exploitation_places: str | None = Field(None, max_length=300)
    review_interval_days: int | None = None


class RiskIn(Schema):
    version: int
    risk_level: str
    reason: str = Field(max_length=5000)


class TransitionIn(Schema):
    to: str
    reason: str = Field(
        "", max_length=2000, description="Closure reason code for `closure`; why, for reopening."
    )
    version: int | None = None


class StageOut(Schema):
    id: uuid.UUID
    stage: str
    version: int
    closure_reason: str
    next_review_on: date | None


class NoteIn(Schema):
    kind: str
    occurred_on: date
    text: str = Field(max_length=20000)


class NoteUpdateIn(NoteIn):
    version: int


class NoteOut(Schema):
    id: int
    kind: str
    occurred_on: date
    text: str
    author: str
    version: int


class AssessmentIn(Schema):
    safety_score: int | None = None
    safety_notes: str = ""
    health_score: int | None = None
    health_notes: str = ""
    education_score: int | None = None
    education_notes: str = ""
    family_score: int | None = None
    family_notes: str = ""
    psychosocial_score: int | None = None
    psychosocial_notes: str = ""
    legal_score: int | None = None
    legal_notes: str = ""
    summary: str = ""
    complete: bool = Field(False, description="Complete it now (needs every score).")


class AssessmentUpdateIn(AssessmentIn):
    version: int


class AssessmentOut(Schema):
    id: int
    status: str
    scores: dict[str, int | None]
    total_score: int
    version: int
    completed_at: datetime | None


class PlanIn(Schema):
    goals: str = Field(max_length=5000)


class PlanUpdateIn(PlanIn):
    version: int


class ActionIn(Schema):
    description: str = Field("", max_length=300)
    responsible_agency_id: int | None = None
    responsible_person: str = Field("", max_length=150)
    due_on: date | None = None


class ActionStatusIn(Schema):
    version: int
    status: str


class ActionOut(Schema):
    id: int
    description: str
    responsible_agency_id: int
    responsible_person: str
    due_on: date
    status: str
    version: int


class PlanOut(Schema):
    id: int
    goals: str
    status: str
    version: int
    actions: list[ActionOut]


class PlanSubmitIn(Schema):
    version: int
    note: str = Field("", max_length=2000)


class ClosureRequestIn(Schema):
    reason: str
    note: str = Field("", max_length=2000)


class ApprovalOut(Schema):
    id: int
    case_id: uuid.UUID
    case_number: str
    kind: str
    status: str
    plan_id: int | None
    closure_reason: str
    request_note: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    comment: str


class ApprovalFilters(PageParams):
    status: Literal["requested", "approved", "rejected", ""] = "requested"


class DecisionIn(Schema):
    decision: Literal["approve", "reject"]
    comment: str = Field("", max_length=2000)


class TeamIn(Schema):
    user_id: int
    role: str


class PersonLinkIn(Schema):
    person_id: int
    role: str
    notes: str = Field("", max_length=500)


class TimelineOut(Schema):
    at: datetime
    kind: str
    title: str
    detail: str
    actor: str


# --- serialisers ----------------------------------------------------------------------------------


def _case_out(case: Case) -> dict[str, Any]:
    leads = getattr(case, "lead_members", [])
    return {
        "id": case.pk,
        "number": case.number,
        "child_id": case.child_id,
        "child_name": case.child.full_name,
        "lead_agency_id": case.lead_agency_id,
        "lead_worker": leads[0].user.display_name if leads else None,
        "stage": case.stage,
        "risk_level": case.risk_level,
        "ampk_categories": case.ampk_codes,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "next_review_on": case.next_review_on,
        "version": case.version,
    }


def _case_detail_out(case: Case) -> dict[str, Any]:
    detail = selectors.case_detail_for(case=case)
    out = _case_out(case)
    out.update(
        {
            f: getattr(case, f)
            for f in (
                "summary",
                "pmks_category",
                "root_cause_other",
                "risk_reason",
                "exploitation_activity",
                "exploitation_activity_other",
                "exploitation_hours_from",
                "exploitation_hours_until",
                "exploitation_places",
                "closure_reason",
                "review_interval_days",
            )
        }
    )
    out["violence_types"] = case.violence_types
    out["root_causes"] = case.root_causes
    out["team"] = [
        {"id": m.pk, "user_id": m.user_id, "name": m.user.display_name, "role": m.role}
        for m in detail.team
    ]
    out["people"] = [
        {
            "id": p.pk,
            "person_id": p.person_id,
            "name": p.person.full_name,
            "role": p.role,
            "notes": p.notes,
        }
        for p in detail.people
    ]
    out["next_steps"] = [
        {"to": s, "gate": _gate(case, s, detail)} for s in case.allowed_next_stages
    ]
    return out


def _gate(case: Case, target: str, detail: selectors.CaseDetail) -> str | None:
    if case.stage == Stage.CLOSURE:
        return None  # reopening needs only a reason, given with the move
    if target == Stage.CLOSURE:
        approved = any(
            a.kind == ApprovalKind.CLOSURE and a.status == ApprovalStatus.APPROVED and not a.used_at
            for a in detail.approvals
        )
        return None if approved else Gate.CLOSURE_APPROVAL
    return unmet_gate(case, target)


def _note_out(note: CaseNote) -> dict[str, Any]:
    return {
        "id": note.pk,
        "kind": note.kind,
        "occurred_on": note.occurred_on,
        "text": note.text,
        "author": note.author.display_name,
        "version": note.version,
    }


def _assessment_out(a: Assessment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "status": a.status,
        "scores": {key: getattr(a, f"{key}_score") for key, _l in ASSESSMENT_DOMAINS},
        "total_score": a.total_score,
        "version": a.version,
        "completed_at": a.completed_at,
    }


def _plan_out(plan: Plan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "goals": plan.goals,
        "status": plan.status,
        "version": plan.version,
        "actions": [
            {
                "id": a.pk,
                "description": a.description,
                "responsible_agency_id": a.responsible_agency_id,
                "responsible_person": a.responsible_person,
                "due_on": a.due_on,
                "status": a.status,
                "version": a.version,
            }
            for a in plan.actions.all()
        ],
    }


def _approval_out(a: Approval) -> dict[str, Any]:
    return {
        "id": a.pk,
        "case_id": a.case_id,
        "case_number": a.case.number,
        "kind": a.kind,
        "status": a.status,
        "plan_id": a.plan_id,
        "closure_reason": a.closure_reason,
        "request_note": a.request_note,
        "requested_by": a.requested_by.display_name,
        "requested_at": a.requested_at,
        "decided_by": a.decided_by.display_name if a.decided_by else None,
        "decided_at": a.decided_at,
        "comment": a.comment,
    }


# --- cases ----------------------------------------------------------------------------------------


@router.post("/cases", response={201: CaseCreatedOut}, summary="Open a case for a child")
@api_rule("case.open")
def case_create(request: HttpRequest, payload: CaseCreateIn) -> Status:
    user = _user(request)
    try:
        child = child_get_for(user=user, child_id=payload.child_id)
    except Http404 as exc:
        raise ValidationError({"child_id": _("No child with this id that you can see.")}) from exc
    agencies = list(selectors.lead_agencies_for(user=user))
    if payload.lead_agency_id is None:
        if len(agencies) != 1:
            raise ValidationError({"lead_agency_id": _("Choose the lead agency.")})
        agency = agencies[0]
    else:
        found = [a for a in agencies if a.pk == payload.lead_agency_id]
        if not found:
            raise ValidationError(
                {
                    "lead_agency_id": _(
                        "You can only open cases for an agency where you handle cases."
                    )
                }
            )
        agency = found[0]
    lead_worker = None
    if payload.lead_worker_id is not None:
        lead_worker = User.objects.filter(pk=payload.lead_worker_id).first()
        if lead_worker is None:
            raise ValidationError({"lead_worker_id": _("No such user.")})
    case = services.case_open(
        actor=user,
        child=child,
        lead_agency=agency,
        lead_worker=lead_worker,
        summary=payload.summary,
        risk_level=payload.risk_level,
        risk_reason=payload.risk_reason,
        ampk_categories=payload.ampk_categories,
        violence_types=payload.violence_types,
        root_causes=payload.root_causes,
        pmks_category=payload.pmks_category,
    )
    return Status(201, {"id": case.pk, "number": case.number})


@router.get("/cases", response=Page[CaseOut], summary="The cases you may see, filtered")
@api_rule("case.list")
def case_list(request: HttpRequest, filters: Query[CaseListFilters]) -> dict[str, Any]:
    data = filters.dict(exclude={"limit", "offset"})
    qs = selectors.case_list_for(user=_user(request), filters=CaseFilters(**data))
    page = paginate_queryset(qs, filters)
    audit_search(
        actor=_user(request), action="case.search", term=data.pop("q"), filters=data, via="api"
    )
    page["items"] = [_case_out(c) for c in page["items"]]
    return page


@router.get("/cases/{case_id}", response=CaseDetailOut, summary="One case (audited)")
@api_rule("case.view")
def case_get(request: HttpRequest, case_id: uuid.UUID) -> dict[str, Any]:
    case = _case(request, case_id)
    out = _case_detail_out(case)
    out["details_hidden"] = sexual_violence_details_hidden(_user(request), case)
    if out["details_hidden"]:
        out.update(summary="", risk_reason="")
    services.case_record_view(actor=_user(request), case=case, via="api")
    return out


@router.patch("/cases/{case_id}", response=CaseDetailOut, summary="Edit a case's details")
@api_rule("case.work")
def case_patch(request: HttpRequest, case_id: uuid.UUID, payload: CaseUpdateIn) -> dict[str, Any]:
    case = _case(request, case_id, "case.work")
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    try:
        services.case_update(actor=_user(request), case=case, version=version, **data)
    except StaleVersion as exc:
        raise _stale(exc) from exc
    return _case_detail_out(selectors.case_get_for(user=_user(request), case_id=case_id))


@router.post("/cases/{case_id}/risk", response=StageOut, summary="Change the risk level")
@api_rule("case.work")
def case_risk(request: HttpRequest, case_id: uuid.UUID, payload: RiskIn) -> Case:
    case = _case(request, case_id, "case.work")
    try:
        return services.case_change_risk(
            actor=_user(request),
            case=case,
            version=payload.version,
            risk_level=payload.risk_level,
            reason=payload.reason,
        )
    except StaleVersion as exc:
        raise _stale(exc) from exc


@router.post(
    "/cases/{case_id}/transitions",
    response=StageOut,
    summary="Move the case to another stage",
    description="409 with `gate` naming what is missing (completed_assessment, approved_plan, "
    "closure_reason, closure_approval, reopen_reason), or `gate: null` for a move the workflow "
    "does not allow.",
)
@api_rule("case.work")
def case_transition(request: HttpRequest, case_id: uuid.UUID, payload: TransitionIn) -> Case:
    case = _case(request, case_id, "case.work")
    try:
        return services.case_transition(
            actor=_user(request),
            case=case,
            to=payload.to,
            reason=payload.reason,
            version=payload.version,
        )
    except StaleVersion as exc:
        raise _stale(exc) from exc
    except TransitionError as exc:
        raise Conflict(
            exc.message, gate=exc.gate, current_stage=exc.current, target_stage=exc.target
        ) from exc


@router.get("/cases/{case_id}/timeline", response=list[TimelineOut], summary="The case timeline")
@api_rule("case.view")
def case_timeline_get(request: HttpRequest, case_id: uuid.UUID) -> list[Any]:
    case = _case(request, case_id)
    entries = case_timeline(case, limit=500)
    return (
        without_details(entries)
        if sexual_violence_details_hidden(_user(request), case)
        else entries
    )


# --- notes ------------------------------------------------------------------------------------------


@router.get("/cases/{case_id}/notes", response=Page[NoteOut], summary="Notes, newest first")
@api_rule("case.view")
def case_notes(
    request: HttpRequest, case_id: uuid.UUID, params: Query[PageParams]
) -> dict[str, Any]:
    case = _case(request, case_id)
    page = paginate_queryset(selectors.case_notes_for(case=case), params)
    page["items"] = [_note_out(n) for n in page["items"]]
    if sexual_violence_details_hidden(_user(request), case):
        for item in page["items"]:
            item["text"] = ""
    return page


@router.post("/cases/{case_id}/notes", response={201: NoteOut}, summary="Add a note")
@api_rule("case.note")
def case_note_create(request: HttpRequest, case_id: uuid.UUID, payload: NoteIn) -> Status:
    case = _case(request, case_id, "case.note")
    note = services.note_add(actor=_user(request), case=case, **payload.dict())
    return Status(201, _note_out(note))


@router.patch("/cases/{case_id}/notes/{note_id}", response=NoteOut, summary="Edit your note")
@api_rule("case.note")
def case_note_patch(
    request: HttpRequest, case_id: uuid.UUID, note_id: int, payload: NoteUpdateIn
) -> dict[str, Any]:
    case = _case(request, case_id, "case.note")
    note = selectors.note_get_for(case=case, note_id=note_id)
    data = payload.dict()
    try:
        note = services.note_update(actor=_user(request), note=note, **data)
    except StaleVersion as exc:
        raise _stale(exc) from exc
    return _note_out(note)


# --- assessments --------------------------------------------------------------------------------------


@router.get("/cases/{case_id}/assessments", response=list[AssessmentOut], summary="Assessments")
@api_rule("case.view")
def case_assessments(request: HttpRequest, case_id: uuid.UUID) -> list[dict[str, Any]]:
    case = _case(request, case_id)
    return [_assessment_out(a) for a in case.assessments.order_by("-created_at")]


@router.post(
    "/cases/{case_id}/assessments", response={201: AssessmentOut}, summary="Start an assessment"
)
@api_rule("case.work")
def case_assessment_create(
    request: HttpRequest, case_id: uuid.UUID, payload: AssessmentIn
) -> Status:
    case = _case(request, case_id, "case.work")
    data = payload.dict()
    complete = data.pop("complete")
    a = services.assessment_create(actor=_user(request), case=case, complete=complete, **data)
    return Status(201, _assessment_out(a))


@router.patch(
    "/cases/{case_id}/assessments/{assessment_id}",
    response=AssessmentOut,
    summary="Edit or complete a draft assessment",
)
@api_rule("case.work")
def case_assessment_patch(
    request: HttpRequest, case_id: uuid.UUID, assessment_id: int, payload: AssessmentUpdateIn
) -> dict[str, Any]:
    case = _case(request, case_id, "case.work")
    assessment = selectors.assessment_get_for(case=case, assessment_id=assessment_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    complete = data.pop("complete", False)
    try:
        a = services.assessment_update(
            actor=_user(request), assessment=assessment, version=version, complete=complete, **data
        )
    except StaleVersion as exc:
        raise _stale(exc) from exc
    return _assessment_out(a)


# --- plans ----------------------------------------------------------------------------------------------


@router.get("/cases/{case_id}/plans", response=list[PlanOut], summary="Case plans, newest first")
@api_rule("case.view")
def case_plans(request: HttpRequest, case_id: uuid.UUID) -> list[dict[str, Any]]:
    case = _case(request, case_id)
    return [_plan_out(p) for p in selectors.case_detail_for(case=case).plans]


@router.post("/cases/{case_id}/plans", response={201: PlanOut}, summary="Start a case plan")
@api_rule("case.work")
def case_plan_create(request: HttpRequest, case_id: uuid.UUID, payload: PlanIn) -> Status:
    case = _case(request, case_id, "case.work")
    plan = services.plan_create(actor=_user(request), case=case, goals=payload.goals)
    return Status(201, _plan_out(plan))


@router.patch("/cases/{case_id}/plans/{plan_id}", response=PlanOut, summary="Edit a draft plan")
@api_rule("case.work")
def case_plan_patch(
    request: HttpRequest, case_id: uuid.UUID, plan_id: int, payload: PlanUpdateIn
) -> dict[str, Any]:
    case = _case(request, case_id, "case.work")
    plan = selectors.plan_get_for(case=case, plan_id=plan_id)
    try:
        plan = services.plan_update(
            actor=_user(request), plan=plan, version=payload.version, goals=payload.goals
        )
    except StaleVersion as exc:
        raise _stale(exc) from exc
    return _plan_out(plan)


@router.post(
    "/cases/{case_id}/plans/{plan_id}/actions",
    response={201: ActionOut},
    summary="Add an action (each needs a responsible agency and person and a due date)",
)
@api_rule("case.work")
def case_plan_action_create(
    request: HttpRequest, case_id: uuid.UUID, plan_id: int, payload: ActionIn
) -> Status:
    case = _case(request, case_id, "case.work")
    plan = selectors.plan_get_for(case=case, plan_id=plan_id)
    agency = None
    if payload.responsible_agency_id is not None:
        agency = Agency.objects.filter(pk=payload.responsible_agency_id, is_active=True).first()
        if agency is None:
            raise ValidationError({"responsible_agency_id": _("No such active agency.")})
    action = services.plan_action_add(
        actor=_user(request),
        plan=plan,
        description=payload.description,
        responsible_agency=agency,
        responsible_person=payload.responsible_person,
        due_on=payload.due_on,
    )
    return Status(201, action)


@router.patch(
    "/cases/{case_id}/actions/{action_id}", response=ActionOut, summary="Update an action's status"
)
@api_rule("case.work")
def case_action_patch(
    request: HttpRequest, case_id: uuid.UUID, action_id: int, payload: ActionStatusIn
) -> Any:
    case = _case(request, case_id, "case.work")
    action = selectors.plan_action_get_for(case=case, action_id=action_id)
    try:
        return services.plan_action_set_status(
            actor=_user(request), action=action, version=payload.version, status=payload.status
        )
    except StaleVersion as exc:
        raise _stale(exc) from exc


@router.post(
    "/cases/{case_id}/plans/{plan_id}/submit",
    response={201: ApprovalOut},
    summary="Submit a plan for a supervisor's approval",
)
@api_rule("case.work")
def case_plan_submit(
    request: HttpRequest, case_id: uuid.UUID, plan_id: int, payload: PlanSubmitIn
) -> Status:
    case = _case(request, case_id, "case.work")
    plan = selectors.plan_get_for(case=case, plan_id=plan_id)
    try:
        approval = services.plan_submit(
            actor=_user(request), plan=plan, version=payload.version, note=payload.note
        )
    except StaleVersion as exc:
        raise _stale(exc) from exc
    return Status(201, _approval_out(approval))


# --- closure and approvals ---------------------------------------------------------------------------


@router.post(
    "/cases/{case_id}/closure-requests",
    response={201: ApprovalOut},
    summary="Ask a supervisor to approve closing the case with a reason",
)
@api_rule("case.work")
def case_closure_request(
    request: HttpRequest, case_id: uuid.UUID, payload: ClosureRequestIn
) -> Status:
    case = _case(request, case_id, "case.work")
    approval = services.closure_request(
        actor=_user(request), case=case, reason=payload.reason, note=payload.note
    )
    return Status(201, _approval_out(approval))


@router.get(
    "/approvals", response=Page[ApprovalOut], summary="Requests for the agencies you supervise"
)
@api_rule("approval.queue")
def approval_list(request: HttpRequest, filters: Query[ApprovalFilters]) -> dict[str, Any]:
    qs = selectors.approval_queue_for(user=_user(request), status=filters.status)
    page = paginate_queryset(qs, filters)
    page["items"] = [_approval_out(a) for a in page["items"]]
    return page


@router.post(
    "/approvals/{approval_id}/decision",
    response=ApprovalOut,
    summary="Approve or reject (supervisors of the lead agency; never your own request)",
)
@api_rule("approval.queue")
def approval_decision(
    request: HttpRequest, approval_id: int, payload: DecisionIn
) -> dict[str, Any]:
    user = _user(request)
    approval = selectors.approval_get_for(user=user, approval_id=approval_id)
    decided = services.approval_decide(
        actor=user,
        approval=approval,
        approve=payload.decision == "approve",
        comment=payload.comment,
    )
    return _approval_out(decided)


# --- team and people ------------------------------------------------------------------------------------


@router.post("/cases/{case_id}/team", response={201: TeamMemberOut}, summary="Add to the case team")
@api_rule("case.team")
def case_team_add(request: HttpRequest, case_id: uuid.UUID, payload: TeamIn) -> Status:
    case = _case(request, case_id, "case.team")
    member_user = User.objects.filter(pk=payload.user_id).first()
    if member_user is None:
        raise ValidationError({"user_id": _("No such user.")})
    member = services.team_member_add(
        actor=_user(request), case=case, user=member_user, role=payload.role
    )
    return Status(
        201,
        {
            "id": member.pk,
            "user_id": member.user_id,
            "name": member_user.display_name,
            "role": member.role,
        },
    )


@router.post(
    "/cases/{case_id}/people",
    response={201: CasePersonOut},
    summary="Link an alleged perpetrator or organiser",
)
@api_rule("case.work")
def case_person_link(request: HttpRequest, case_id: uuid.UUID, payload: PersonLinkIn) -> Status:
    user = _user(request)
    case = _case(request, case_id, "case.work")
    try:
        person = person_get_for(user=user, person_id=payload.person_id)
    except Http404 as exc:
        raise ValidationError({"person_id": _("No person with this id that you can see.")}) from exc
    link = services.case_person_link(
        actor=user, case=case, person=person, role=payload.role, notes=payload.notes
    )
    return Status(
        201,
        {
            "id": link.pk,
            "person_id": person.pk,
            "name": person.full_name,
            "role": link.role,
            "notes": link.notes,
        },
    )
