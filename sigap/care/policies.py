"""Who may do what in the care pathway. Every object rule starts from the case rule of the cases
app (sigap.cases.policies.case_access): whoever may not see the case may not see its care either.

- care.view (Case): the care page of a case: whoever sees the case.
- care.shelter.list: the shelter list (rows are the stays of cases the user sees).
- care.shelter.admit (Case) / care.shelter.discharge (CareArrangement): who works the case
  (lead worker, co-worker, supervisor of the lead agency).
- care.capacity.manage (Agency): supervisors and agency administrators of the shelter's agency.
- care.psych.view (Case): the sensitive section: by default the psychologists and case workers
  on the lead agency's case team and the supervisors of the lead agency (#5); anyone else who
  sees the case (the intake officer who opened it, outreach and other team roles,
  break-the-glass) only with a per-case grant (#7, sigap.children.sections). Every read is
  audited (services).
- care.psych.write (Case): the psychologists on the case team.
- care.recommend (Case): a psychologist or case worker on the team.
- care.recommendation.decide (SchoolRecommendation): a supervisor of the lead agency, never on
  their own recommendation.
- care.education / care.legal (Case): who works the case.
- care.family (Case): who may add notes to the case (team members, supervisors): psychologists
  run parenting sessions and counselling.
- care.tasks: anyone with a child-data role. care.task.complete (CareTask): its assignee, or for
  a task of the supervisors, a supervisor of its agency.
- care.caseload / care.reassign (Case): supervisors (of the lead agency).
"""

from __future__ import annotations

from typing import Any

from sigap.accounts.models import Agency, Role, User
from sigap.care.models import (
    CareArrangement,
    CareTask,
    RecommendationStatus,
    SchoolRecommendation,
    TaskStatus,
)
from sigap.cases.models import Case, CaseRole, Stage
from sigap.cases.policies import case_access
from sigap.children.sections import PSYCH_NOTES, has_section_grant
from sigap.core.access import policy

PSYCH_SECTION_TEAM_ROLES = frozenset(
    {CaseRole.LEAD_WORKER, CaseRole.CO_WORKER, CaseRole.PSYCHOLOGIST}
)
RECOMMENDER_TEAM_ROLES = PSYCH_SECTION_TEAM_ROLES
SHELTER_STAFF_ROLES = (Role.CASE_WORKER, Role.SUPERVISOR, Role.PSYCHOLOGIST, Role.INTAKE_OFFICER)


def _case_of(obj: Any) -> Case | None:
    if isinstance(obj, Case):
        return obj
    case = getattr(obj, "case", None)
    return case if isinstance(case, Case) else None


def sees_psych_section(user: User, case: Case) -> bool:
    access = case_access(user, case)
    if not access.can_view:
        return False
    if access.is_supervisor or access.team_role in PSYCH_SECTION_TEAM_ROLES:
        return True
    return has_section_grant(user, PSYCH_NOTES, case_id=case.pk)


def writes_psych_notes(user: User, case: Case) -> bool:
    access = case_access(user, case)
    return (
        access.team_role == CaseRole.PSYCHOLOGIST
        and user.has_role(Role.PSYCHOLOGIST, agency_id=case.lead_agency_id)
        and case.stage != Stage.CLOSURE
    )


def works_case(user: User, case: Case) -> bool:
    return case_access(user, case).can_work and case.stage != Stage.CLOSURE


@policy("care.view")
def care_view(user: User, obj: Any) -> bool:
    if obj is None:
        return user.sees_child_data
    case = _case_of(obj)
    return case is not None and case_access(user, case).can_view


@policy("care.shelter.list")
def shelter_list(user: User, obj: Any) -> bool:
    return user.has_role(*SHELTER_STAFF_ROLES)


@policy("care.shelter.admit")
def shelter_admit(user: User, obj: Any) -> bool:
    if obj is None:
        return user.has_role(Role.CASE_WORKER, Role.SUPERVISOR)
    return isinstance(obj, Case) and works_case(user, obj)


@policy("care.shelter.discharge")
def shelter_discharge(user: User, obj: Any) -> bool:
    if obj is None:
        return user.has_role(Role.CASE_WORKER, Role.SUPERVISOR)
    return isinstance(obj, CareArrangement) and case_access(user, obj.case).can_work


@policy("care.capacity.manage")
def capacity_manage(user: User, obj: Any) -> bool:
    if obj is None:
        return user.has_role(Role.SUPERVISOR, Role.AGENCY_ADMIN)
    return isinstance(obj, Agency) and (
        user.has_role(Role.SUPERVISOR, agency_id=obj.pk)
        or user.has_role(Role.AGENCY_ADMIN, agency_id=obj.pk)
    )


@policy("care.psych.view")
def psych_view(user: User, obj: Any) -> bool:
    if obj is None:
        return user.has_role(Role.PSYCHOLOGIST, Role.CASE_WORKER, Role.SUPERVISOR)
    case = _case_of(obj)
    return case is not None and sees_psych_section(user, case)


@policy("care.psych.write")
def psych_write(user: User, obj: Any) -> bool:
    if obj is None:
        return user.has_role(Role.PSYCHOLOGIST)
    case = _case_of(obj)
    return case is not None and writes_psych_notes(user, case)


@policy("care.recommend")
def recommend(user: User, obj: Any) -> bool:
    if obj is None:
        return user.has_role(Role.PSYCHOLOGIST, Role.CASE_WORKER, Role.SUPERVISOR)
    return (
        isinstance(obj, Case)
        and obj.stage != Stage.CLOSURE
        and case_access(user, obj).team_role in RECOMMENDER_TEAM_ROLES
    )


@policy("care.recommendation.decide")
def recommendation_decide(user: User, obj: Any) -> bool:
    if obj is None:
        return user.has_role(Role.SUPERVISOR)
    return (
        isinstance(obj, SchoolRecommendation)
        and obj.status == RecommendationStatus.REQUESTED
        and obj.requested_by_id != user.pk
        and user.has_role(Role.SUPERVISOR, agency_id=obj.case.lead_agency_id)
    )


@policy("care.education")
def education(user: User, obj: Any) -> bool:
    if obj is None:
        return user.has_role(Role.CASE_WORKER, Role.SUPERVISOR)
    case = _case_of(obj)
    return case is not None and works_case(user, case)


@policy("care.family")
def family(user: User, obj: Any) -> bool:
    if obj is None:
        return user.has_role(Role.CASE_WORKER, Role.SUPERVISOR, Role.PSYCHOLOGIST)
    case = _case_of(obj)
    return case is not None and case_access(user, case).can_note and case.stage != Stage.CLOSURE


@policy("care.legal")
def legal(user: User, obj: Any) -> bool:
    if obj is None:
        return user.has_role(Role.CASE_WORKER, Role.SUPERVISOR)
    case = _case_of(obj)
    return case is not None and case_access(user, case).can_work


@policy("care.tasks")
def tasks(user: User, obj: Any) -> bool:
    return user.has_role(Role.CASE_WORKER, Role.SUPERVISOR, Role.PSYCHOLOGIST)


@policy("care.task.complete")
def task_complete(user: User, obj: Any) -> bool:
    if obj is None:
        return user.has_role(Role.CASE_WORKER, Role.SUPERVISOR, Role.PSYCHOLOGIST)
    if not isinstance(obj, CareTask) or obj.status != TaskStatus.OPEN:
        return False
    if obj.assignee_id is not None:
        return obj.assignee_id == user.pk
    return user.has_role(Role.SUPERVISOR, agency_id=obj.agency_id)


@policy("care.caseload")
def caseload(user: User, obj: Any) -> bool:
    return user.has_role(Role.SUPERVISOR)


@policy("care.reassign")
def reassign(user: User, obj: Any) -> bool:
    if obj is None:
        return user.has_role(Role.SUPERVISOR)
    return (
        isinstance(obj, Case)
        and obj.stage != Stage.CLOSURE
        and user.has_role(Role.SUPERVISOR, agency_id=obj.lead_agency_id)
    )
