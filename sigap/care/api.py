"""The care pathway API: the same selectors, policies and services as the HTML pages.

A case the caller may not see is a 404; an action the caller may not take on a visible case is a
403; invalid fields are a 422 with `errors`; a stale `version` is a 409.
(No `from __future__ import annotations` here: ninja resolves the annotations at import.)
"""

import uuid
from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from sigap.accounts.models import Agency, AgencyType, User
from sigap.api.pagination import Page, PageParams, paginate_queryset
from sigap.api.problems import Conflict
from sigap.care import deadlines, selectors, services
from sigap.care.models import (
    CareArrangement,
    CareTask,
    Commitment,
    EducationRecord,
    FamilyIntervention,
    LegalAction,
    ProgressNote,
    SchoolRecommendation,
)
from sigap.cases.models import Case
from sigap.cases.services import StaleVersion
from sigap.children.models import FamilyMember
from sigap.core.access import api_rule, require
from sigap.core.search_audit import audit_search

router = Router(tags=["care"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _case(request: HttpRequest, case_id: uuid.UUID, action: str) -> Case:
    case = selectors.case_get(user=_user(request), case_id=case_id)
    require(_user(request), action, case)
    return case


def _stale(exc: StaleVersion) -> Conflict:
    return Conflict(str(exc), current_version=getattr(exc.current, "version", None))


def _agency(agency_id: int | None, type: str, field: str) -> Agency | None:
    if agency_id is None:
        return None
    agency = Agency.objects.filter(pk=agency_id, type=type, is_active=True).first()
    if agency is None:
        raise ValidationError({field: _("No such agency of the right type.")})
    return agency


def _family_member(case: Case, member_id: int | None) -> FamilyMember | None:
    if member_id is None:
        return None
    member = FamilyMember.objects.filter(pk=member_id, child_id=case.child_id).first()
    if member is None:
        raise ValidationError({"family_member_id": _("Choose a family member of this child.")})
    return member


# --- schemas ------------------------------------------------------------------------------------


class AdmissionIn(Schema):
    reason: str = Field(max_length=5000)
    brought_by: str = Field(max_length=200)
    admitted_at: datetime | None = Field(None, description="Defaults to now; not in the future.")
    belongings: str = Field("", max_length=5000)
    age_group: Literal["", "0-5", "6-12", "13-17"] = Field(
        "", description="Only when the child's age is not known."
    )
    override_reason: str = Field(
        "", max_length=2000, description="A supervisor admitting over capacity says why."
    )


class DischargeIn(Schema):
    version: int
    reason: str = Field(max_length=5000)
    destination: str = Field(max_length=200)
    discharged_at: datetime | None = Field(None, description="Defaults to now.")


class StayOut(Schema):
    id: int
    kind: str
    status: str
    case_id: uuid.UUID
    case_number: str
    child_id: uuid.UUID
    child_name: str
    agency_id: int
    admitted_at: datetime
    discharged_at: datetime | None
    days: int
    sex: str
    age_group: str
    reason: str
    brought_by: str
    belongings: str
    destination: str
    over_capacity: bool
    version: int


class ShelterFilters(PageParams):
    q: str = Field("", max_length=100, description="Child's name or case number")


class NoteIn(Schema):
    noted_on: date
    mood: int = Field(description="1 (most worrying) to 5 (best)")
    behaviour: int
    sleep: int
    appetite: int
    social: int
    trauma: int = Field(description="Trauma signs: 1 severe, 5 none")
    narrative: str = Field(max_length=20000)


class NoteUpdateIn(Schema):
    version: int
    mood: int
    behaviour: int
    sleep: int
    appetite: int
    social: int
    trauma: int
    narrative: str = Field(max_length=20000)


class NoteOut(Schema):
    id: int
    noted_on: date
    mood: int
    behaviour: int
    sleep: int
    appetite: int
    social: int
    trauma: int
    narrative: str
    author: str
    version: int


class NotesPage(Page[NoteOut]):
    days_without_note: list[date]


class RecommendationIn(Schema):
    grounds: str = Field(max_length=5000)


class RecommendationOut(Schema):
    id: int
    case_id: uuid.UUID
    status: str
    grounds: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    comment: str


class DecisionIn(Schema):
    decision: Literal["approve", "reject"]
    comment: str = Field("", max_length=2000)


class EducationIn(Schema):
    school_id: int | None = Field(None, description="An agency of type SCHOOL")
    school_name: str = Field("", max_length=200, description="When the school is not listed")
    grade: str = Field(max_length=30)
    started_on: date
    follow_up_interval_days: int = Field(14, ge=7, le=90)


class EducationOut(Schema):
    id: int
    case_id: uuid.UUID
    school_id: int | None
    school: str
    grade: str
    started_on: date
    status: str
    next_follow_up_on: date | None
    follow_up_interval_days: int
    version: int


class FollowUpIn(Schema):
    checked_on: date
    attendance: Literal["regular", "irregular", "absent", "dropped_out"]
    notes: str = Field("", max_length=5000)


class InterventionIn(Schema):
    kind: Literal["parenting", "counselling", "home_visit"]
    occurred_on: date
    participants: str = Field(max_length=300)
    topic: str = Field(max_length=300)
    attended: bool = True
    outcome: str = Field("", max_length=5000)
    facilitator: str = Field("", max_length=150)
    family_member_id: int | None = None


class InterventionOut(Schema):
    id: int
    kind: str
    occurred_on: date
    participants: str
    topic: str
    attended: bool
    outcome: str
    facilitator: str


class CommitmentIn(Schema):
    signed_by: str = Field(max_length=200)
    signed_on: date
    terms: str = Field(max_length=5000)
    review_on: date | None = None
    family_member_id: int | None = None


class CommitmentStatusIn(Schema):
    version: int
    status: Literal["kept", "broken"]
    note: str = Field("", max_length=2000)


class CommitmentOut(Schema):
    id: int
    signed_by: str
    signed_on: date
    terms: str
    review_on: date | None
    status: str
    status_note: str
    version: int


class RepeatIn(Schema):
    occurred_on: date
    description: str = Field(max_length=5000)


class RepeatOut(Schema):
    id: int
    occurred_on: date
    commitment_id: int | None
    risk_from: str
    risk_to: str


class LegalIn(Schema):
    target: Literal["parent", "relative", "organiser", "other"]
    target_name: str = Field(max_length=200)
    allegation: str = Field(max_length=5000)
    police_agency_id: int | None = None
    reported_on: date | None = None
    police_case_number: str = Field("", max_length=80)


class LegalUpdateIn(Schema):
    version: int
    status: str
    police_agency_id: int | None = None
    reported_on: date | None = None
    police_case_number: str = Field("", max_length=80)
    outcome: str = Field("", max_length=5000)


class LegalOut(Schema):
    id: int
    target: str
    target_name: str
    allegation: str
    status: str
    police_agency_id: int | None
    reported_on: date | None
    police_case_number: str
    outcome: str
    version: int


class FamilyOut(Schema):
    interventions: list[InterventionOut]
    commitments: list[CommitmentOut]
    legal_actions: list[LegalOut]


class TaskOut(Schema):
    kind: str
    title: str
    due_on: date
    overdue: bool
    case_id: uuid.UUID
    case_number: str
    child_name: str
    url: str
    task_id: int | None


class TaskFilters(PageParams):
    overdue: bool = Field(False, description="Only overdue tasks")


class TaskDoneIn(Schema):
    note: str = Field("", max_length=2000)


# --- serialisers ----------------------------------------------------------------------------------


def _stay_out(s: CareArrangement) -> dict[str, Any]:
    return {
        "id": s.pk,
        "kind": s.kind,
        "status": s.status,
        "case_id": s.case_id,
        "case_number": s.case.number,
        "child_id": s.child_id,
        "child_name": s.child.full_name,
        "agency_id": s.agency_id,
        "admitted_at": s.started_at,
        "discharged_at": s.ended_at,
        "days": s.days_of_stay(timezone.localdate()),
        "sex": s.sex,
        "age_group": s.age_group,
        "reason": s.reason,
        "brought_by": s.brought_by,
        "belongings": s.belongings,
        "destination": s.destination,
        "over_capacity": bool(s.capacity_override_reason),
        "version": s.version,
    }


def _note_out(n: ProgressNote) -> dict[str, Any]:
    return {
        "id": n.pk,
        "noted_on": n.noted_on,
        "mood": n.mood,
        "behaviour": n.behaviour,
        "sleep": n.sleep,
        "appetite": n.appetite,
        "social": n.social,
        "trauma": n.trauma,
        "narrative": n.narrative,
        "author": n.author.display_name,
        "version": n.version,
    }


def _rec_out(r: SchoolRecommendation) -> dict[str, Any]:
    return {
        "id": r.pk,
        "case_id": r.case_id,
        "status": r.status,
        "grounds": r.grounds,
        "requested_by": r.requested_by.display_name,
        "requested_at": r.requested_at,
        "decided_by": r.decided_by.display_name if r.decided_by else None,
        "decided_at": r.decided_at,
        "comment": r.comment,
    }


def _education_out(e: EducationRecord) -> dict[str, Any]:
    return {
        "id": e.pk,
        "case_id": e.case_id,
        "school_id": e.school_id,
        "school": e.school_label,
        "grade": e.grade,
        "started_on": e.started_on,
        "status": e.status,
        "next_follow_up_on": e.next_follow_up_on,
        "follow_up_interval_days": e.follow_up_interval_days,
        "version": e.version,
    }


def _intervention_out(i: FamilyIntervention) -> dict[str, Any]:
    return {
        f: getattr(i, f)
        for f in (
            "kind",
            "occurred_on",
            "participants",
            "topic",
            "attended",
            "outcome",
            "facilitator",
        )
    } | {"id": i.pk}


def _commitment_out(c: Commitment) -> dict[str, Any]:
    return {
        f: getattr(c, f)
        for f in (
            "signed_by",
            "signed_on",
            "terms",
            "review_on",
            "status",
            "status_note",
            "version",
        )
    } | {"id": c.pk}


def _legal_out(a: LegalAction) -> dict[str, Any]:
    return {
        f: getattr(a, f)
        for f in (
            "target",
            "target_name",
            "allegation",
            "status",
            "police_agency_id",
            "reported_on",
            "police_case_number",
            "outcome",
            "version",
        )
    } | {"id": a.pk}


# --- shelter ---------------------------------------------------------------------------------------


@router.get(
    "/shelter-stays",
    response=Page[StayOut],
    summary="Children in the shelter now (of the cases you may see), longest stay first",
)
@api_rule("care.shelter.list")
def shelter_list(request: HttpRequest, filters: Query[ShelterFilters]) -> dict[str, Any]:
    qs = selectors.shelter_list_for(user=_user(request), q=filters.q)
    page = paginate_queryset(qs, filters)
    audit_search(
        actor=_user(request), action="care.shelter.search", term=filters.q, filters={}, via="api"
    )
    page["items"] = [_stay_out(s) for s in page["items"]]
    return page


@router.post(
    "/cases/{case_id}/shelter-admissions",
    response={201: StayOut},
    summary="Admit the child to the shelter",
    description="422 when the child is staying somewhere already, or when the shelter is full "
    "for the child's sex and age group (a supervisor may admit over capacity with "
    "`override_reason`).",
)
@api_rule("care.shelter.admit")
def shelter_admit(
    request: HttpRequest, case_id: uuid.UUID, payload: AdmissionIn
) -> tuple[int, dict[str, Any]]:
    case = _case(request, case_id, "care.shelter.admit")
    stay = services.shelter_admit(actor=_user(request), case=case, **payload.dict())
    return 201, _stay_out(stay)


@router.post(
    "/shelter-stays/{stay_id}/discharge", response=StayOut, summary="Discharge from the shelter"
)
@api_rule("care.shelter.discharge")
def shelter_discharge(request: HttpRequest, stay_id: int, payload: DischargeIn) -> dict[str, Any]:
    user = _user(request)
    stay = selectors.stay_get_for(user=user, pk=stay_id)
    require(user, "care.shelter.discharge", stay)
    try:
        done = services.shelter_discharge(actor=user, stay=stay, **payload.dict())
    except StaleVersion as exc:
        raise _stale(exc) from exc
    return _stay_out(selectors.stay_get_for(user=user, pk=done.pk))


# --- progress notes ---------------------------------------------------------------------------------


@router.get(
    "/cases/{case_id}/progress-notes",
    response=NotesPage,
    summary="Psychologist progress notes, newest first (sensitive; every read audited)",
)
@api_rule("care.psych.view")
def notes_list(
    request: HttpRequest, case_id: uuid.UUID, params: Query[PageParams]
) -> dict[str, Any]:
    user = _user(request)
    case = _case(request, case_id, "care.psych.view")
    section = selectors.notes_section_for(case=case)
    page = paginate_queryset(section.notes, params)
    page["items"] = [_note_out(n) for n in page["items"]]
    page["days_without_note"] = section.days_without_note
    services.progress_notes_record_view(actor=user, case=case, via="api")
    return page


@router.post(
    "/cases/{case_id}/progress-notes",
    response={201: NoteOut},
    summary="Add a progress note (the case's psychologists)",
    description="422 for a date in the future, a second note for the same day, or an indicator "
    "outside 1–5.",
)
@api_rule("care.psych.write")
def note_create(
    request: HttpRequest, case_id: uuid.UUID, payload: NoteIn
) -> tuple[int, dict[str, Any]]:
    case = _case(request, case_id, "care.psych.write")
    note = services.progress_note_add(actor=_user(request), case=case, **payload.dict())
    return 201, _note_out(note)


@router.patch(
    "/cases/{case_id}/progress-notes/{note_id}", response=NoteOut, summary="Correct your note"
)
@api_rule("care.psych.write")
def note_patch(
    request: HttpRequest, case_id: uuid.UUID, note_id: int, payload: NoteUpdateIn
) -> dict[str, Any]:
    case = _case(request, case_id, "care.psych.write")
    note = selectors.note_get_for(case=case, pk=note_id)
    try:
        note = services.progress_note_update(actor=_user(request), note=note, **payload.dict())
    except StaleVersion as exc:
        raise _stale(exc) from exc
    return _note_out(note)


# --- school ----------------------------------------------------------------------------------------


@router.post(
    "/cases/{case_id}/school-recommendations",
    response={201: RecommendationOut},
    summary="Recommend that the child is safe to return to school",
)
@api_rule("care.recommend")
def recommendation_create(
    request: HttpRequest, case_id: uuid.UUID, payload: RecommendationIn
) -> tuple[int, dict[str, Any]]:
    case = _case(request, case_id, "care.recommend")
    rec = services.recommendation_request(actor=_user(request), case=case, grounds=payload.grounds)
    return 201, _rec_out(rec)


@router.get(
    "/cases/{case_id}/school-recommendations",
    response=list[RecommendationOut],
    summary="School-return recommendations of a case",
)
@api_rule("care.view")
def recommendation_list(request: HttpRequest, case_id: uuid.UUID) -> list[dict[str, Any]]:
    case = _case(request, case_id, "care.view")
    return [_rec_out(r) for r in selectors.care_overview_for(case=case).recommendations]


@router.post(
    "/school-recommendations/{rec_id}/decision",
    response=RecommendationOut,
    summary="Approve or reject (a supervisor of the lead agency; never your own)",
)
@api_rule("care.recommendation.decide")
def recommendation_decision(
    request: HttpRequest, rec_id: int, payload: DecisionIn
) -> dict[str, Any]:
    user = _user(request)
    rec = selectors.recommendation_get_for(user=user, pk=rec_id)
    done = services.recommendation_decide(
        actor=user,
        recommendation=rec,
        approve=payload.decision == "approve",
        comment=payload.comment,
    )
    return _rec_out(done)


@router.post(
    "/cases/{case_id}/education-records",
    response={201: EducationOut},
    summary="Open the child's education record (needs an approved recommendation)",
)
@api_rule("care.education")
def education_create(
    request: HttpRequest, case_id: uuid.UUID, payload: EducationIn
) -> tuple[int, dict[str, Any]]:
    case = _case(request, case_id, "care.education")
    school = _agency(payload.school_id, AgencyType.SCHOOL, "school_id")
    record = services.education_open(
        actor=_user(request),
        case=case,
        school=school,
        school_name=payload.school_name,
        grade=payload.grade,
        started_on=payload.started_on,
        follow_up_interval_days=payload.follow_up_interval_days,
    )
    return 201, _education_out(record)


@router.get(
    "/cases/{case_id}/education-records",
    response=list[EducationOut],
    summary="Education records of a case",
)
@api_rule("care.view")
def education_list(request: HttpRequest, case_id: uuid.UUID) -> list[dict[str, Any]]:
    case = _case(request, case_id, "care.view")
    return [_education_out(e) for e in selectors.care_overview_for(case=case).education]


@router.post(
    "/education-records/{record_id}/follow-ups",
    response={201: EducationOut},
    summary="Record school attendance (dropping out raises a task)",
)
@api_rule("care.education")
def follow_up_create(
    request: HttpRequest, record_id: int, payload: FollowUpIn
) -> tuple[int, dict[str, Any]]:
    user = _user(request)
    record = selectors.education_get_for(user=user, pk=record_id)
    require(user, "care.education", record.case)
    services.follow_up_add(actor=user, record=record, **payload.dict())
    return 201, _education_out(selectors.education_get_for(user=user, pk=record_id))


# --- parents and family ------------------------------------------------------------------------------


@router.get(
    "/cases/{case_id}/family",
    response=FamilyOut,
    summary="Sessions, visits, commitments and legal actions of a case",
)
@api_rule("care.view")
def family_get(request: HttpRequest, case_id: uuid.UUID) -> dict[str, Any]:
    case = _case(request, case_id, "care.view")
    o = selectors.care_overview_for(case=case)
    return {
        "interventions": [_intervention_out(i) for i in o.interventions],
        "commitments": [_commitment_out(c) for c in o.commitments],
        "legal_actions": [_legal_out(a) for a in o.legal],
    }


@router.post(
    "/cases/{case_id}/family-interventions",
    response={201: InterventionOut},
    summary="Record a parenting session, counselling or home visit",
)
@api_rule("care.family")
def intervention_create(
    request: HttpRequest, case_id: uuid.UUID, payload: InterventionIn
) -> tuple[int, dict[str, Any]]:
    case = _case(request, case_id, "care.family")
    data = payload.dict()
    member = _family_member(case, data.pop("family_member_id"))
    item = services.family_intervention_add(
        actor=_user(request), case=case, family_member=member, **data
    )
    return 201, _intervention_out(item)


@router.post(
    "/cases/{case_id}/commitments",
    response={201: CommitmentOut},
    summary="Record a written commitment (surat pernyataan)",
)
@api_rule("care.family")
def commitment_create(
    request: HttpRequest, case_id: uuid.UUID, payload: CommitmentIn
) -> tuple[int, dict[str, Any]]:
    case = _case(request, case_id, "care.family")
    data = payload.dict()
    member = _family_member(case, data.pop("family_member_id"))
    item = services.commitment_add(actor=_user(request), case=case, family_member=member, **data)
    return 201, _commitment_out(item)


@router.post(
    "/commitments/{commitment_id}/status",
    response=CommitmentOut,
    summary="Record whether the commitment was kept",
)
@api_rule("care.family")
def commitment_status(
    request: HttpRequest, commitment_id: int, payload: CommitmentStatusIn
) -> dict[str, Any]:
    user = _user(request)
    commitment = selectors.commitment_get_for(user=user, pk=commitment_id)
    require(user, "care.family", commitment.case)
    try:
        item = services.commitment_set_status(actor=user, commitment=commitment, **payload.dict())
    except StaleVersion as exc:
        raise _stale(exc) from exc
    return _commitment_out(item)


@router.post(
    "/cases/{case_id}/repeat-exploitations",
    response={201: RepeatOut},
    summary="Record that the child was exploited again",
    description="After a written commitment: the commitment is broken, the case's risk level "
    "goes up one step and the supervisors get a task.",
)
@api_rule("care.family")
def repeat_create(
    request: HttpRequest, case_id: uuid.UUID, payload: RepeatIn
) -> tuple[int, dict[str, Any]]:
    case = _case(request, case_id, "care.family")
    item = services.repeat_exploitation_record(actor=_user(request), case=case, **payload.dict())
    return 201, {
        "id": item.pk,
        "occurred_on": item.occurred_on,
        "commitment_id": item.commitment_id,
        "risk_from": item.risk_from,
        "risk_to": item.risk_to,
    }


@router.post(
    "/cases/{case_id}/legal-actions",
    response={201: LegalOut},
    summary="Record legal action against a parent or organiser",
)
@api_rule("care.legal")
def legal_create(
    request: HttpRequest, case_id: uuid.UUID, payload: LegalIn
) -> tuple[int, dict[str, Any]]:
    case = _case(request, case_id, "care.legal")
    data = payload.dict()
    police = _agency(data.pop("police_agency_id"), AgencyType.POLICE_PPA, "police_agency_id")
    item = services.legal_action_add(actor=_user(request), case=case, police_agency=police, **data)
    return 201, _legal_out(item)


@router.patch(
    "/legal-actions/{action_id}", response=LegalOut, summary="Update a legal action's status"
)
@api_rule("care.legal")
def legal_patch(request: HttpRequest, action_id: int, payload: LegalUpdateIn) -> dict[str, Any]:
    user = _user(request)
    action = selectors.legal_get_for(user=user, pk=action_id)
    require(user, "care.legal", action.case)
    data = payload.dict()
    police = _agency(data.pop("police_agency_id"), AgencyType.POLICE_PPA, "police_agency_id")
    try:
        item = services.legal_action_update(actor=user, action=action, police_agency=police, **data)
    except StaleVersion as exc:
        raise _stale(exc) from exc
    return _legal_out(item)


# --- tasks -------------------------------------------------------------------------------------------------


@router.get("/tasks", response=Page[TaskOut], summary="My tasks, overdue first")
@api_rule("care.tasks")
def task_list(request: HttpRequest, filters: Query[TaskFilters]) -> dict[str, Any]:
    today = timezone.localdate()
    tasks = deadlines.tasks_for(_user(request), today=today)
    if filters.overdue:
        tasks = [t for t in tasks if t.due_on < today]
    page = paginate_queryset(tasks, filters)
    page["items"] = [
        {
            "kind": t.kind,
            "title": t.title,
            "due_on": t.due_on,
            "overdue": t.due_on < today,
            "case_id": t.case_id,
            "case_number": t.case_number,
            "child_name": t.child_name,
            "url": t.url,
            "task_id": t.care_task_id,
        }
        for t in page["items"]
    ]
    return page


@router.post("/tasks/{task_id}/done", response=TaskOut, summary="Mark a raised task as done")
@api_rule("care.task.complete")
def task_done(request: HttpRequest, task_id: int, payload: TaskDoneIn) -> dict[str, Any]:
    user = _user(request)
    task: CareTask = selectors.task_get_for(user=user, pk=task_id)
    require(user, "care.task.complete", task)
    done = services.task_complete(actor=user, task=task, note=payload.note)
    return {
        "kind": "care_task",
        "title": done.title,
        "due_on": done.due_on,
        "overdue": False,
        "case_id": done.case_id,
        "case_number": done.case.number,
        "child_name": done.case.child.full_name,
        "url": "",
        "task_id": done.pk,
    }
