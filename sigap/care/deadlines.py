"""Every deadline of a case as a task: plan actions and reviews (cases), psychologist notes due in
and after the shelter, attendance follow-ups, approvals waiting (case plans and closures from
cases, school-return recommendations from care) and tasks raised by rules (CareTask).

Most tasks are computed from the records they come from, so they never go stale: a note written
today removes today's "note due" at once. Each source is one query over a scope of cases (a
subquery, never a list of ids), so the cost is constant in the number of tasks.

Who a task is for: plan actions, reviews and attendance follow-ups go to the lead worker; notes to
the case's psychologists (the lead worker when there is none); approvals and rule-raised tasks
without an assignee to every supervisor of the lead agency, except whoever made the request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts.models import Role, User
from sigap.care.models import (
    DEFAULT_NOTE_INTERVAL_DAYS,
    ArrangementKind,
    CareArrangement,
    CareTask,
    EducationRecord,
    EducationStatus,
    NoteSchedule,
    ProgressNote,
    RecommendationStatus,
    SchoolRecommendation,
    TaskStatus,
)
from sigap.cases.models import (
    ActionStatus,
    Approval,
    ApprovalStatus,
    Case,
    CaseRole,
    CaseTeamMember,
    PlanAction,
    PlanStatus,
    Stage,
)
from sigap.cases.policies import case_visibility_q

APPROVAL_DAYS = 3  # a request should be decided within three days

KIND_LABELS = {
    "plan_action": gettext_lazy("Plan action"),
    "case_review": gettext_lazy("Case review"),
    "progress_note": gettext_lazy("Psychologist note"),
    "attendance": gettext_lazy("School attendance follow-up"),
    "approval": gettext_lazy("Approval waiting"),
    "school_recommendation": gettext_lazy("School return to approve"),
    "care_task": gettext_lazy("Task"),
}


@dataclass(frozen=True)
class Task:
    kind: str
    title: str
    due_on: date
    case_id: Any
    case_number: str
    child_name: str
    url: str
    assignees: frozenset[int] = field(default_factory=frozenset)
    supervisors_of: int | None = None  # an agency: every supervisor of it
    not_for: int | None = None  # who made the request (may not decide it)
    care_task_id: int | None = None

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    def is_for(self, user: User, supervised: set[int]) -> bool:
        if user.pk in self.assignees:
            return True
        return (
            self.supervisors_of is not None
            and self.supervisors_of in supervised
            and self.not_for != user.pk
        )

    def days_overdue(self, today: date) -> int:
        return max((today - self.due_on).days, 0)


def _url(name: str, fallback: str, **kwargs: Any) -> str:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return fallback


def case_url(case_id: Any) -> str:
    """The case page (cases), or the care page of the case while the cases pages are missing."""
    care = reverse("care:case", kwargs={"case_id": case_id})
    return _url("cases:case-detail", care, pk=case_id)


@dataclass
class _CaseInfo:
    number: str
    child_name: str
    agency_id: int
    next_review_on: date | None
    leads: set[int] = field(default_factory=set)
    psychologists: set[int] = field(default_factory=set)


def _case_infos(scope: QuerySet[Case]) -> dict[Any, _CaseInfo]:
    infos = {
        row["pk"]: _CaseInfo(
            row["number"], row["child__full_name"], row["lead_agency_id"], row["next_review_on"]
        )
        for row in scope.values(
            "pk", "number", "child__full_name", "lead_agency_id", "next_review_on"
        )
    }
    team = CaseTeamMember.objects.filter(
        case__in=scope.values("pk"),
        ended_at__isnull=True,
        role__in=[CaseRole.LEAD_WORKER, CaseRole.PSYCHOLOGIST],
    ).values_list("case_id", "user_id", "role")
    for case_id, user_id, role in team:
        info = infos.get(case_id)
        if info is not None:
            (info.leads if role == CaseRole.LEAD_WORKER else info.psychologists).add(user_id)
    return infos


def _task(info: _CaseInfo, case_id: Any, **kwargs: Any) -> Task:
    return Task(case_id=case_id, case_number=info.number, child_name=info.child_name, **kwargs)


def compute_tasks(scope: QuerySet[Case], *, today: date | None = None) -> list[Task]:
    """Every open task on the open cases of `scope`, earliest due first (so overdue first)."""
    today = today or timezone.localdate()
    scope = scope.exclude(stage=Stage.CLOSURE).order_by()
    ids = scope.values("pk")
    infos = _case_infos(scope)
    tasks: list[Task] = []
    row: Mapping[str, Any]

    # Plan actions of approved plans, and reviews (cases).
    for row in PlanAction.objects.filter(
        plan__case__in=ids,
        plan__status=PlanStatus.APPROVED,
        status__in=[ActionStatus.PLANNED, ActionStatus.IN_PROGRESS],
    ).values("description", "due_on", "plan__case_id"):
        info = infos.get(row["plan__case_id"])
        if info is not None:
            tasks.append(
                _task(
                    info,
                    row["plan__case_id"],
                    kind="plan_action",
                    title=row["description"],
                    due_on=row["due_on"],
                    url=case_url(row["plan__case_id"]),
                    assignees=frozenset(info.leads),
                )
            )
    for case_id, info in infos.items():
        if info.next_review_on is not None:
            tasks.append(
                _task(
                    info,
                    case_id,
                    kind="case_review",
                    title=_("Review the case"),
                    due_on=info.next_review_on,
                    url=case_url(case_id),
                    assignees=frozenset(info.leads),
                )
            )

    # Psychologist notes: daily in the shelter, then at the psychologist's interval.
    stays: dict[Any, list[tuple[date, date | None]]] = defaultdict(list)
    for row in CareArrangement.objects.filter(case__in=ids, kind=ArrangementKind.SHELTER).values(
        "case_id", "started_at", "ended_at"
    ):
        start = timezone.localtime(row["started_at"]).date()
        end = timezone.localtime(row["ended_at"]).date() if row["ended_at"] else None
        stays[row["case_id"]].append((start, end))
    last_note = dict(
        ProgressNote.objects.filter(case__in=ids)
        .values("case_id")
        .annotate(last=Max("noted_on"))
        .values_list("case_id", "last")
    )
    intervals = dict(
        NoteSchedule.objects.filter(case__in=ids).values_list("case_id", "interval_days")
    )
    for case_id, periods in stays.items():
        info = infos.get(case_id)
        if info is None:
            continue
        last = last_note.get(case_id)
        active = next((start for start, end in periods if end is None), None)
        if active is not None:
            due = max(last + timedelta(days=1), active) if last else active
            missing = (today - due).days + 1
            title = (
                _("Write the daily note (in the shelter): %(n)d day(s) without a note")
                % {"n": missing}
                if missing > 1
                else _("Write the daily note (in the shelter)")
            )
        else:
            interval = intervals.get(case_id, DEFAULT_NOTE_INTERVAL_DAYS)
            left = max(end for _start, end in periods if end is not None)
            due = max(last or left, left) + timedelta(days=interval)
            title = _("Write the progress note (every %(days)d days)") % {"days": interval}
        tasks.append(
            _task(
                info,
                case_id,
                kind="progress_note",
                title=title,
                due_on=due,
                url=reverse("care:notes", kwargs={"case_id": case_id}),
                assignees=frozenset(info.psychologists or info.leads),
            )
        )

    # Attendance follow-ups.
    for row in EducationRecord.objects.filter(
        case__in=ids, status=EducationStatus.ATTENDING, next_follow_up_on__isnull=False
    ).values("case_id", "next_follow_up_on", "school__name", "school_name"):
        info = infos.get(row["case_id"])
        if info is not None:
            tasks.append(
                _task(
                    info,
                    row["case_id"],
                    kind="attendance",
                    title=_("Check school attendance at %(school)s")
                    % {"school": row["school__name"] or row["school_name"]},
                    due_on=row["next_follow_up_on"],
                    url=reverse("care:case", kwargs={"case_id": row["case_id"]}) + "#education",
                    assignees=frozenset(info.leads),
                )
            )

    # Approvals waiting: case plans and closures (cases), school returns (care).
    for row in Approval.objects.filter(case__in=ids, status=ApprovalStatus.REQUESTED).values(
        "id", "kind", "requested_at", "requested_by_id", "case_id"
    ):
        info = infos.get(row["case_id"])
        if info is not None:
            label = Approval(kind=row["kind"]).get_kind_display()
            tasks.append(
                _task(
                    info,
                    row["case_id"],
                    kind="approval",
                    title=_("Decide: %(kind)s") % {"kind": label},
                    due_on=timezone.localtime(row["requested_at"]).date()
                    + timedelta(days=APPROVAL_DAYS),
                    url=_url(
                        "cases:approval-decide", case_url(row["case_id"]), approval_id=row["id"]
                    ),
                    supervisors_of=info.agency_id,
                    not_for=row["requested_by_id"],
                )
            )
    for row in SchoolRecommendation.objects.filter(
        case__in=ids, status=RecommendationStatus.REQUESTED
    ).values("pk", "requested_at", "requested_by_id", "case_id"):
        info = infos.get(row["case_id"])
        if info is not None:
            tasks.append(
                _task(
                    info,
                    row["case_id"],
                    kind="school_recommendation",
                    title=_("Decide: safe to return to school"),
                    due_on=timezone.localtime(row["requested_at"]).date()
                    + timedelta(days=APPROVAL_DAYS),
                    url=reverse("care:recommendation_decide", kwargs={"pk": row["pk"]}),
                    supervisors_of=info.agency_id,
                    not_for=row["requested_by_id"],
                )
            )

    # Tasks raised by rules.
    for row in CareTask.objects.filter(case__in=ids, status=TaskStatus.OPEN).values(
        "pk", "title", "due_on", "assignee_id", "agency_id", "case_id"
    ):
        info = infos.get(row["case_id"])
        if info is not None:
            tasks.append(
                _task(
                    info,
                    row["case_id"],
                    kind="care_task",
                    title=row["title"],
                    due_on=row["due_on"],
                    url=reverse("care:task_complete", kwargs={"pk": row["pk"]}),
                    assignees=frozenset({row["assignee_id"]})
                    if row["assignee_id"]
                    else frozenset(),
                    supervisors_of=None if row["assignee_id"] else row["agency_id"],
                    care_task_id=row["pk"],
                )
            )

    tasks.sort(key=lambda t: (t.due_on, t.case_number, t.kind))
    return tasks


def tasks_for(user: User, *, today: date | None = None) -> list[Task]:
    """The user's own tasks on the cases the user may see, overdue first."""
    cached: dict[date, list[Task]] = user.__dict__.setdefault("_care_tasks", {})
    today = today or timezone.localdate()
    if today not in cached:
        if not user.is_authenticated or not user.sees_child_data:
            cached[today] = []
        else:
            supervised = user.agency_ids_with_role(Role.SUPERVISOR)
            scope = Case.objects.filter(case_visibility_q(user)).filter(
                _cases_with_tasks_for(user, supervised)
            )
            cached[today] = [
                t for t in compute_tasks(scope, today=today) if t.is_for(user, supervised)
            ]
    return cached[today]


def _cases_with_tasks_for(user: User, supervised: set[int]) -> Q:
    """The only cases on which compute_tasks can give `user` a task (see Task.is_for): those where
    the user is on the team (lead worker and psychologist tasks) or is the assignee of a raised
    task, and, in supervised agencies, those with a decision waiting or an unassigned raised task.
    Without this, a supervisor's tasks were computed over every open case of the agency (10 s at
    123,000 cases, measured by bench/cases.py) only to keep the few meant for them."""
    q = Q(pk__in=CaseTeamMember.objects.filter(user=user, ended_at__isnull=True).values("case_id"))
    q |= Q(pk__in=CareTask.objects.filter(assignee=user, status=TaskStatus.OPEN).values("case_id"))
    if supervised:
        waiting = (
            Q(pk__in=Approval.objects.filter(status=ApprovalStatus.REQUESTED).values("case_id"))
            | Q(
                pk__in=SchoolRecommendation.objects.filter(
                    status=RecommendationStatus.REQUESTED
                ).values("case_id")
            )
            | Q(
                pk__in=CareTask.objects.filter(
                    status=TaskStatus.OPEN, assignee__isnull=True
                ).values("case_id")
            )
        )
        q |= Q(lead_agency_id__in=supervised) & waiting
    return q


def open_task_count(user: Any) -> int:
    """For the navigation badge: the user's tasks due today or overdue (0 for anyone without
    child data). Computed once per request (remembered on the user object)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    today = timezone.localdate()
    return sum(1 for t in tasks_for(user, today=today) if t.due_on <= today)


@dataclass
class WorkerLoad:
    user: User
    open_cases: int = 0
    tasks: int = 0
    overdue: int = 0


@dataclass
class Caseload:
    workers: list[WorkerLoad]
    supervisors_tasks: int
    supervisors_overdue: int
    cases_without_lead: int


def caseload_for(user: User, *, today: date | None = None) -> Caseload:
    """Open cases and tasks per worker of the agencies the user supervises."""
    today = today or timezone.localdate()
    supervised = sorted(user.agency_ids_with_role(Role.SUPERVISOR))
    scope = Case.objects.filter(lead_agency_id__in=supervised).exclude(stage=Stage.CLOSURE)
    tasks = compute_tasks(scope, today=today)
    leads = list(
        CaseTeamMember.objects.filter(
            case__in=scope.order_by().values("pk"),
            ended_at__isnull=True,
            role=CaseRole.LEAD_WORKER,
        ).values_list("case_id", "user_id")
    )
    workers_qs = (
        User.objects.filter(
            is_active=True,
            memberships__agency_id__in=supervised,
            memberships__is_active=True,
            memberships__role__in=[Role.CASE_WORKER, Role.PSYCHOLOGIST],
        )
        .distinct()
        .order_by("full_name", "username")
    )
    loads = {u.pk: WorkerLoad(user=u) for u in workers_qs}
    cases_with_lead = set()
    for case_id, user_id in leads:
        cases_with_lead.add(case_id)
        if user_id in loads:
            loads[user_id].open_cases += 1
    sup_tasks = sup_overdue = 0
    for t in tasks:
        for user_id in t.assignees:
            if user_id in loads:
                loads[user_id].tasks += 1
                loads[user_id].overdue += t.due_on < today
        if t.supervisors_of is not None:
            sup_tasks += 1
            sup_overdue += t.due_on < today
    total_open = scope.count()
    return Caseload(
        workers=sorted(loads.values(), key=lambda w: (-w.overdue, -w.open_cases, str(w.user))),
        supervisors_tasks=sup_tasks,
        supervisors_overdue=sup_overdue,
        cases_without_lead=total_open - len(cases_with_lead),
    )


def overdue_by_person(*, today: date | None = None) -> dict[int, int]:
    """For the reminder job: overdue tasks per person over all open cases, one pass per agency
    with open cases (supervisors' shared tasks count for each supervisor of the agency)."""
    from sigap.accounts.models import Membership

    today = today or timezone.localdate()
    counts: dict[int, int] = defaultdict(int)
    agencies = (
        Case.objects.exclude(stage=Stage.CLOSURE)
        .order_by()
        .values_list("lead_agency_id", flat=True)
        .distinct()
    )
    for agency_id in list(agencies):
        scope = Case.objects.filter(lead_agency_id=agency_id)
        supervisors = list(
            Membership.objects.filter(
                agency_id=agency_id, role=Role.SUPERVISOR, is_active=True, user__is_active=True
            ).values_list("user_id", flat=True)
        )
        for t in compute_tasks(scope, today=today):
            if t.due_on >= today:
                continue
            for user_id in t.assignees:
                counts[user_id] += 1
            if t.supervisors_of is not None:
                for user_id in supervisors:
                    if user_id != t.not_for:
                        counts[user_id] += 1
    return dict(counts)
