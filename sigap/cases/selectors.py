"""Reads of cases, always scoped to the reader (policies.case_visibility_q).

A case the user may not see is a 404 (Http404), never a 403, and never counted.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.db.models import Case as DbCase
from django.db.models import (
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.http import Http404
from django.utils import timezone

from sigap.accounts.models import Agency, Role, User
from sigap.cases.models import (
    Approval,
    ApprovalStatus,
    Assessment,
    Case,
    CaseCategory,
    CaseNote,
    CasePerson,
    CaseRole,
    CaseTeamMember,
    CategoryKind,
    Plan,
    PlanAction,
    RiskChange,
    Stage,
    StageChange,
)
from sigap.cases.policies import AGENCY_ROLES_FOR_CASE_ROLE, case_visibility_q
from sigap.children.models import Child
from sigap.children.selectors import child_ids_matching_name, child_ids_with_identity_number

# How many children a name search hands to the case list (best first). Beyond that the search
# is too broad to be useful: the page says so and asks for more of the name.
NAME_CANDIDATES = 1000
NUMBER_RE = re.compile(r"^SGP-\d{2,6}-\d{4}-\d{1,7}$", re.IGNORECASE)
NUMBER_PREFIX_RE = re.compile(r"^SGP-[\d-]*$", re.IGNORECASE)
OPEN = "open"  # the stage filter's "every stage but closure"


@dataclass(frozen=True)
class CaseFilters:
    q: str = ""
    stage: str = ""  # a Stage value, or "open"
    risk: str = ""
    category: str = ""  # an AMPK code
    violence: str = ""
    root_cause: str = ""
    worker: int | None = None  # a user on the team (any case role)
    kelurahan: str = ""  # a village code, or a district code (everything inside it)
    origin: str = ""  # "pendatang" or "local"
    opened_from: date | None = None
    opened_to: date | None = None
    review_due: bool = False


def _day_start(d: date, end: bool = False) -> datetime:
    return datetime.combine(
        d, time.max if end else time.min, tzinfo=timezone.get_current_timezone()
    )


def _has_code(kind: str, code: str) -> Exists:
    return Exists(CaseCategory.objects.filter(case=OuterRef("pk"), kind=kind, code=code))


def _search(qs: QuerySet[Case], q: str) -> QuerySet[Case]:
    """By case number (whole, prefix or bare sequence), NIK/KK (exact), or child name/alias with
    typo tolerance (the children app's ranked name index, searched among the children of the
    cases in `qs`, i.e. already scoped and filtered). Name matches come best first."""
    term = q.strip()
    if NUMBER_RE.match(term):
        return qs.filter(number=term.upper())
    if NUMBER_PREFIX_RE.match(term):
        return qs.filter(number__startswith=term.upper())
    if term.isdigit() and len(term) == 16:
        return qs.filter(child_id__in=child_ids_with_identity_number(term))
    if term.isdigit() and len(term) <= 7:
        return qs.filter(sequence=int(term))
    within = Child.objects.filter(pk__in=qs.order_by().values("child_id"))
    tiers = child_ids_matching_name(term, within=within, limit=NAME_CANDIDATES)
    if not tiers:
        return qs.none()
    ids = [pk for tier in tiers for pk in tier]
    relevance = DbCase(
        *(When(child_id__in=tier, then=Value(i)) for i, tier in enumerate(tiers)),
        default=Value(len(tiers)),
        output_field=IntegerField(),
    )
    return qs.filter(child_id__in=ids).alias(relevance=relevance)


def _filtered(qs: QuerySet[Case], f: CaseFilters) -> QuerySet[Case]:
    if f.stage == OPEN:
        qs = qs.exclude(stage=Stage.CLOSURE)
    elif f.stage:
        qs = qs.filter(stage=f.stage)
    if f.risk:
        qs = qs.filter(risk_level=f.risk)
    if f.category:
        qs = qs.filter(_has_code(CategoryKind.AMPK, f.category))
    if f.violence:
        qs = qs.filter(_has_code(CategoryKind.VIOLENCE, f.violence))
    if f.root_cause:
        qs = qs.filter(_has_code(CategoryKind.ROOT_CAUSE, f.root_cause))
    if f.worker:
        qs = qs.filter(
            pk__in=CaseTeamMember.objects.filter(user_id=f.worker, ended_at__isnull=True).values(
                "case_id"
            )
        )
    if f.kelurahan:
        # Region codes are the keys: a village code matches itself, a district code everything
        # inside it. As a subquery over children (the kelurahan foreign key's index) rather than an OR
        # across the joined tables, so PostgreSQL can hash the kelurahan's children once.
        if f.kelurahan.count(".") >= 3:
            children = Child.objects.filter(kelurahan_id=f.kelurahan)
        else:
            children = Child.objects.filter(kelurahan_id__startswith=f.kelurahan + ".")
        qs = qs.filter(child_id__in=children.values("pk"))
    home = settings.SIGAP_HOME_REGENCY
    local = Q(child__origin_region_id=home) | Q(child__origin_region__code__startswith=home + ".")
    if f.origin == "pendatang":
        qs = qs.filter(child__origin_region__isnull=False).exclude(local)
    elif f.origin == "local":
        qs = qs.filter(local)
    if f.opened_from:
        qs = qs.filter(opened_at__gte=_day_start(f.opened_from))
    if f.opened_to:
        qs = qs.filter(opened_at__lte=_day_start(f.opened_to, end=True))
    if f.review_due:
        qs = qs.exclude(stage=Stage.CLOSURE).filter(next_review_on__lte=timezone.localdate())
    return qs


def lead_workers_prefetch() -> Prefetch:
    return Prefetch(
        "team",
        queryset=CaseTeamMember.objects.filter(
            ended_at__isnull=True, role=CaseRole.LEAD_WORKER
        ).select_related("user"),
        to_attr="lead_members",
    )


def case_list_for(*, user: User, filters: CaseFilters | None = None) -> QuerySet[Case]:
    """The cases the user may see, filtered, newest first. Rows come with the child, its
    kelurahan, the lead agency, the category codes and the lead worker (constant queries)."""
    f = filters or CaseFilters()
    qs = _filtered(Case.objects.filter(case_visibility_q(user)), f)
    qs = qs.order_by("-opened_at", "-pk")
    if f.q.strip():
        # Last, so that a name is searched among the cases the other filters left; a name
        # search keeps its relevance order, newest first within a tier.
        qs = _search(qs, f.q)
        if "relevance" in qs.query.annotations:
            qs = qs.order_by("relevance", "-opened_at", "-pk")  # type: ignore[misc]  # an alias
    return qs.select_related("child", "child__kelurahan", "lead_agency").prefetch_related(
        "categories", lead_workers_prefetch()
    )


def active_team_prefetch() -> Prefetch:
    """The case's current team with its users, oldest first, as `case.active_team`: the case
    page's team section, the header's lead workers, and the user's own team role for the
    policies (sigap.cases.policies.case_access) all read it, so none queries the team again."""
    return Prefetch(
        "team",
        queryset=CaseTeamMember.objects.filter(ended_at__isnull=True)
        .select_related("user")
        .order_by("added_at"),
        to_attr="active_team",
    )


def case_get_for(*, user: User, case_id: uuid.UUID | str) -> Case:
    """One visible case with what its header shows (its current team, `active_team`, and of it
    the lead workers, `lead_members`), or Http404."""
    try:
        pk = uuid.UUID(str(case_id))
    except ValueError as exc:
        raise Http404 from exc
    case = (
        Case.objects.filter(case_visibility_q(user), pk=pk)
        .select_related(
            "child",
            "child__kelurahan",
            "child__origin_region",
            "lead_agency",
            "created_by",
        )
        .prefetch_related("categories", active_team_prefetch())
        .first()
    )
    if case is None:
        raise Http404
    # The lead workers, as lead_workers_prefetch() gives them to the list pages.
    team: list[CaseTeamMember] = case.active_team  # type: ignore[attr-defined]
    leads = [m for m in team if m.role == CaseRole.LEAD_WORKER]
    case.lead_members = leads  # type: ignore[attr-defined]
    return case


@dataclass
class CaseDetail:
    team: list[CaseTeamMember]
    assessments: list[Any]
    plans: list[Plan]
    notes: list[CaseNote]
    notes_more: bool
    approvals: list[Approval]
    people: list[CasePerson]
    risk_changes: list[Any]

    @property
    def current_plan(self) -> Plan | None:
        return self.plans[0] if self.plans else None

    @property
    def draft_assessment(self) -> Any:
        return next((a for a in self.assessments if a.status == "draft"), None)

    @property
    def open_approvals(self) -> list[Approval]:
        return [a for a in self.approvals if a.status == ApprovalStatus.REQUESTED]


NOTES_ON_PAGE = 30
# The newest notes loaded with a case page, as `case.recent_notes`: the page's notes section and
# its timeline (sigap.cases.timeline.notes) share them. The page shows at most this many timeline
# entries (views.TIMELINE_ON_PAGE), so no older note could appear in it.
NOTES_PREFETCHED = 100


def case_detail_for(*, case: Case) -> CaseDetail:
    """The sections of a case page (the case itself comes from case_get_for), in a constant
    number of queries. The related rows are prefetched onto `case`, so the timeline's built-in
    sources and the stage gates (models.unmet_gate) reuse them instead of querying again."""
    team = [] if "active_team" in case.__dict__ else [active_team_prefetch()]
    prefetch_related_objects(
        [case],
        *team,
        Prefetch(
            "assessments",
            queryset=Assessment.objects.select_related("created_by", "completed_by").order_by(
                "-created_at"
            ),
        ),
        Prefetch(
            "plans",
            queryset=Plan.objects.select_related("approved_by", "created_by")
            .prefetch_related(
                Prefetch(
                    "actions",
                    queryset=PlanAction.objects.select_related("responsible_agency").order_by(
                        "due_on", "pk"
                    ),
                )
            )
            .order_by("-created_at", "-pk"),
        ),
        Prefetch(
            "approvals",
            queryset=Approval.objects.select_related("requested_by", "decided_by", "plan"),
        ),
        Prefetch(
            "people", queryset=CasePerson.objects.select_related("person").order_by("added_at")
        ),
        Prefetch("risk_changes", queryset=RiskChange.objects.select_related("changed_by")),
        Prefetch("stage_changes", queryset=StageChange.objects.select_related("changed_by")),
    )
    notes = list(
        case.notes.select_related("author").order_by("-occurred_on", "-created_at")[
            : max(NOTES_ON_PAGE + 1, NOTES_PREFETCHED)
        ]
    )
    case.recent_notes = notes[:NOTES_PREFETCHED]  # type: ignore[attr-defined]
    return CaseDetail(
        team=case.active_team,  # type: ignore[attr-defined]
        assessments=list(case.assessments.all()),
        plans=list(case.plans.all()),
        notes=notes[:NOTES_ON_PAGE],
        notes_more=len(notes) > NOTES_ON_PAGE,
        approvals=list(case.approvals.all()),
        people=list(case.people.all()),
        risk_changes=list(case.risk_changes.all()),
    )


def case_notes_for(*, case: Case) -> QuerySet[CaseNote]:
    return case.notes.select_related("author").order_by("-occurred_on", "-created_at")


def note_get_for(*, case: Case, note_id: int) -> CaseNote:
    note = case.notes.filter(pk=note_id).first()
    if note is None:
        raise Http404
    return note


def assessment_get_for(*, case: Case, assessment_id: int) -> Any:
    assessment = case.assessments.filter(pk=assessment_id).first()
    if assessment is None:
        raise Http404
    return assessment


def plan_get_for(*, case: Case, plan_id: int) -> Plan:
    plan = case.plans.filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    return plan


def plan_action_get_for(*, case: Case, action_id: int) -> PlanAction:
    action = PlanAction.objects.filter(plan__case=case, pk=action_id).select_related("plan").first()
    if action is None:
        raise Http404
    return action


def team_member_get_for(*, case: Case, member_id: int) -> CaseTeamMember:
    member = (
        case.team.filter(pk=member_id, ended_at__isnull=True).select_related("user", "case").first()
    )
    if member is None:
        raise Http404
    return member


def case_person_get_for(*, case: Case, link_id: int) -> CasePerson:
    link = case.people.filter(pk=link_id).select_related("case", "person").first()
    if link is None:
        raise Http404
    return link


def team_candidates(*, case: Case, role: str | None = None) -> QuerySet[User]:
    """People who may join the team of `case` (in `role`, or in any role)."""
    roles = (
        AGENCY_ROLES_FOR_CASE_ROLE[role]
        if role
        else set().union(*AGENCY_ROLES_FOR_CASE_ROLE.values())
    )
    return (
        User.objects.filter(
            is_active=True,
            memberships__agency_id=case.lead_agency_id,
            memberships__role__in=sorted(roles),
            memberships__is_active=True,
        )
        .distinct()
        .order_by("full_name", "username")
    )


def workers_for(*, user: User) -> QuerySet[User]:
    """The people of the user's agencies who work cases (the list's worker filter)."""
    agencies = {m.agency_id for m in user.active_memberships}
    return (
        User.objects.filter(
            is_active=True,
            memberships__agency_id__in=sorted(agencies),
            memberships__role__in=[Role.CASE_WORKER, Role.SUPERVISOR, Role.PSYCHOLOGIST],
            memberships__is_active=True,
        )
        .distinct()
        .order_by("full_name", "username")
    )


def lead_agencies_for(*, user: User) -> QuerySet[Agency]:
    """The agencies for which the user may open cases."""
    from sigap.cases.policies import OPENING_ROLES

    return Agency.objects.filter(
        pk__in=sorted(user.agency_ids_with_role(*OPENING_ROLES)), is_active=True
    ).order_by("name")


def approval_queue_for(*, user: User, status: str = ApprovalStatus.REQUESTED) -> QuerySet[Approval]:
    """Requests for the agencies the user supervises, oldest first (decided: newest first)."""
    supervised = sorted(user.agency_ids_with_role(Role.SUPERVISOR))
    qs = Approval.objects.filter(case__lead_agency_id__in=supervised).select_related(
        "case", "case__child", "requested_by", "decided_by", "plan"
    )
    if status:
        qs = qs.filter(status=status)
    order = ["requested_at", "pk"] if status == ApprovalStatus.REQUESTED else ["-requested_at"]
    return qs.order_by(*order)


def waiting_approvals(user: User) -> int:
    """The nav badge of a supervisor: requests they may decide (not their own), capped at 99."""
    supervised = sorted(user.agency_ids_with_role(Role.SUPERVISOR))
    qs = Approval.objects.filter(
        status=ApprovalStatus.REQUESTED, case__lead_agency_id__in=supervised
    ).exclude(requested_by=user)
    return qs[:99].count()


def approval_get_for(*, user: User, approval_id: int) -> Approval:
    approval = approval_queue_for(user=user, status="").filter(pk=approval_id).first()
    if approval is None:
        raise Http404
    return approval


def cases_for_child(*, user: User, child: Any) -> list[Case]:
    return list(
        Case.objects.filter(case_visibility_q(user), child=child)
        .select_related("lead_agency")
        .prefetch_related(lead_workers_prefetch())
        .order_by("-opened_at")
    )


def case_links_for_person(*, user: User, person: Any) -> list[CasePerson]:
    """Every visible case linked to `person`, with its child: an organiser's network."""
    return list(
        CasePerson.objects.filter(
            person=person, case__in=Case.objects.filter(case_visibility_q(user))
        )
        .select_related("case", "case__child", "case__lead_agency")
        .order_by("-case__opened_at")
    )
