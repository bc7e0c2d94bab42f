"""Reads of the care pathway, always scoped to the reader through the cases app's visibility rule
(sigap.cases.policies.case_visibility_q / case_get_for): a case the user may not see is a 404 here
too, and its care records are never listed.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from sigap.accounts.models import Agency, AgencyType, Role, User
from sigap.care import policies
from sigap.care.models import (
    INDICATORS,
    ArrangementKind,
    AttendanceFollowUp,
    CareArrangement,
    CareTask,
    Commitment,
    EducationRecord,
    EducationStatus,
    FamilyIntervention,
    LegalAction,
    NoteSchedule,
    ProgressNote,
    RecommendationStatus,
    RepeatExploitation,
    SchoolRecommendation,
)
from sigap.cases.models import Case, CaseRole, Stage
from sigap.cases.policies import case_visibility_q
from sigap.cases.selectors import case_get_for
from sigap.children.models import FamilyMember

__all__ = ["case_get_for"]


def visible_cases(user: User) -> QuerySet[Case]:
    return Case.objects.filter(case_visibility_q(user))


# --- shelter -----------------------------------------------------------------------------------------


def shelter_list_for(
    *, user: User, q: str = "", agency_id: int | None = None
) -> QuerySet[CareArrangement]:
    """Children in the shelter now, longest stay first, among the cases the user may see."""
    qs = CareArrangement.objects.filter(
        kind=ArrangementKind.SHELTER,
        ended_at__isnull=True,
        case__in=visible_cases(user).values("pk"),
    )
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    if q.strip():
        term = q.strip()
        qs = qs.filter(Q(child__full_name__icontains=term) | Q(case__number__iexact=term))
    return qs.select_related("child", "case", "agency").order_by("started_at", "pk")


def shelter_agencies_for(*, user: User) -> list[Agency]:
    """The shelters (UPTD PPA) where the user works."""
    ids = user.agency_ids_with_role(*policies.SHELTER_STAFF_ROLES, Role.AGENCY_ADMIN)
    return list(
        Agency.objects.filter(
            pk__in=sorted(ids), type=AgencyType.UPTD_PPA, is_active=True
        ).order_by("name")
    )


def stay_get_for(*, user: User, pk: int) -> CareArrangement:
    stay = (
        CareArrangement.objects.filter(pk=pk, case__in=visible_cases(user).values("pk"))
        .select_related("case", "case__lead_agency", "child", "agency")
        .first()
    )
    if stay is None:
        raise Http404
    return stay


# --- progress notes -------------------------------------------------------------------------------------


@dataclass
class NotesSection:
    notes: list[ProgressNote]  # newest first
    days_without_note: list[date]  # while in the shelter, oldest first
    chart: dict[str, Any]
    interval_days: int | None

    @property
    def chart_json(self) -> str:
        return json.dumps(self.chart)


def shelter_days_without_note(
    stays: list[CareArrangement], note_days: set[date], today: date
) -> list[date]:
    """Every day spent in the shelter (admission day to discharge day, or today) without a note."""
    missing: list[date] = []
    for stay in stays:
        if stay.kind != ArrangementKind.SHELTER:
            continue
        day = timezone.localtime(stay.started_at).date()
        end = timezone.localtime(stay.ended_at).date() if stay.ended_at else today
        while day <= end:
            if day not in note_days:
                missing.append(day)
            day += timedelta(days=1)
    return sorted(set(missing))


def chart_data(notes: list[ProgressNote]) -> dict[str, Any]:
    ordered = sorted(notes, key=lambda n: n.noted_on)
    return {
        "labels": [n.noted_on.isoformat() for n in ordered],
        "min": 1,
        "max": 5,
        "datasets": [
            {"key": key, "label": str(label), "data": [getattr(n, key) for n in ordered]}
            for key, label, _anchors in INDICATORS
        ],
    }


CHART_NOTES = 120  # about four months of daily notes on the chart; older ones stay in the list


def notes_section_for(*, case: Case, stays: list[CareArrangement] | None = None) -> NotesSection:
    """The sensitive section (the caller checked care.psych.view and audits the read)."""
    today = timezone.localdate()
    notes = list(
        ProgressNote.objects.filter(case=case).select_related("author").order_by("-noted_on", "-id")
    )
    if stays is None:
        stays = list(CareArrangement.objects.filter(case=case).order_by("started_at"))
    schedule = (
        NoteSchedule.objects.filter(case=case).values_list("interval_days", flat=True).first()
    )
    return NotesSection(
        notes=notes,
        days_without_note=shelter_days_without_note(stays, {n.noted_on for n in notes}, today),
        chart=chart_data(notes[:CHART_NOTES]),
        interval_days=schedule,
    )


def note_get_for(*, case: Case, pk: int) -> ProgressNote:
    note = ProgressNote.objects.filter(case=case, pk=pk).select_related("author").first()
    if note is None:
        raise Http404
    return note


def notes_for_api(*, case: Case) -> QuerySet[ProgressNote]:
    return ProgressNote.objects.filter(case=case).order_by("-noted_on", "-id")


# --- the care page of a case ------------------------------------------------------------------------------


@dataclass
class CareOverview:
    stays: list[CareArrangement]
    recommendations: list[SchoolRecommendation]
    education: list[EducationRecord]
    interventions: list[FamilyIntervention]
    commitments: list[Commitment]
    repeats: list[RepeatExploitation]
    legal: list[LegalAction]
    tasks: list[CareTask]
    family_members: list[FamilyMember]

    @property
    def current_stay(self) -> CareArrangement | None:
        return next((s for s in self.stays if s.ended_at is None), None)

    @property
    def open_recommendation(self) -> SchoolRecommendation | None:
        return next(
            (r for r in self.recommendations if r.status == RecommendationStatus.REQUESTED), None
        )

    @property
    def current_education(self) -> EducationRecord | None:
        return next((e for e in self.education if e.status == EducationStatus.ATTENDING), None)

    @property
    def approved_recommendation(self) -> SchoolRecommendation | None:
        return next(
            (r for r in self.recommendations if r.status == RecommendationStatus.APPROVED), None
        )


def care_overview_for(*, case: Case) -> CareOverview:
    """Every care section of a (visible) case in a constant number of queries."""
    return CareOverview(
        stays=list(
            CareArrangement.objects.filter(case=case)
            .select_related("agency", "started_by", "ended_by")
            .order_by("-started_at")
        ),
        recommendations=list(
            SchoolRecommendation.objects.filter(case=case).select_related(
                "requested_by", "decided_by"
            )
        ),
        education=list(
            EducationRecord.objects.filter(case=case)
            .select_related("school")
            .prefetch_related(
                Prefetch(
                    "follow_ups",
                    queryset=AttendanceFollowUp.objects.select_related("checked_by").order_by(
                        "-checked_on", "-id"
                    ),
                )
            )
        ),
        interventions=list(
            FamilyIntervention.objects.filter(case=case).select_related("recorded_by")
        ),
        commitments=list(Commitment.objects.filter(case=case).select_related("recorded_by")),
        repeats=list(RepeatExploitation.objects.filter(case=case).select_related("commitment")),
        legal=list(LegalAction.objects.filter(case=case).select_related("police_agency", "person")),
        tasks=list(CareTask.objects.filter(case=case).select_related("assignee", "done_by")),
        family_members=list(FamilyMember.objects.filter(child_id=case.child_id)),
    )


def _case_object(model: Any, *, user: User, pk: int, related: tuple[str, ...] = ()) -> Any:
    obj = (
        model.objects.filter(pk=pk, case__in=visible_cases(user).values("pk"))
        .select_related("case", "case__lead_agency", "case__child", *related)
        .first()
    )
    if obj is None:
        raise Http404
    return obj


def recommendation_get_for(*, user: User, pk: int) -> SchoolRecommendation:
    return _case_object(SchoolRecommendation, user=user, pk=pk, related=("requested_by",))


def education_get_for(*, user: User, pk: int) -> EducationRecord:
    return _case_object(EducationRecord, user=user, pk=pk, related=("school",))


def commitment_get_for(*, user: User, pk: int) -> Commitment:
    return _case_object(Commitment, user=user, pk=pk)


def legal_get_for(*, user: User, pk: int) -> LegalAction:
    return _case_object(LegalAction, user=user, pk=pk, related=("police_agency",))


def task_get_for(*, user: User, pk: int) -> CareTask:
    return _case_object(CareTask, user=user, pk=pk, related=("assignee",))


def case_get(*, user: User, case_id: uuid.UUID | str) -> Case:
    return case_get_for(user=user, case_id=case_id)


def schools() -> QuerySet[Agency]:
    return Agency.objects.filter(type=AgencyType.SCHOOL, is_active=True).order_by("name")


def police_units() -> QuerySet[Agency]:
    return Agency.objects.filter(type=AgencyType.POLICE_PPA, is_active=True).order_by("name")


def reassign_candidates(*, case: Case) -> QuerySet[User]:
    return (
        User.objects.filter(
            is_active=True,
            memberships__agency_id=case.lead_agency_id,
            memberships__role__in=[Role.CASE_WORKER, Role.SUPERVISOR],
            memberships__is_active=True,
        )
        .distinct()
        .order_by("full_name", "username")
    )


def open_cases_of_worker(*, supervisor: User, worker_id: int) -> QuerySet[Case]:
    """The open cases led by one worker, in the agencies the supervisor supervises."""
    from sigap.cases.models import CaseTeamMember

    supervised = sorted(supervisor.agency_ids_with_role(Role.SUPERVISOR))
    return (
        Case.objects.filter(lead_agency_id__in=supervised)
        .exclude(stage=Stage.CLOSURE)
        .filter(
            pk__in=CaseTeamMember.objects.filter(
                user_id=worker_id, role=CaseRole.LEAD_WORKER, ended_at__isnull=True
            ).values("case_id")
        )
        .select_related("child")
        .order_by("-opened_at")
    )
