"""Who may do what with cases.

Visibility now (the Referrals issue widens it): a case is seen by the members of its lead agency
who are on the case team, by the supervisors of the lead agency, and by the intake officer who
opened it. Analysts, administrators and everyone else see no case. The same rule exists twice,
once as a queryset filter (case_visibility_q, used by every selector) and once for one object
(case_access, used by the policies below); tests check that they agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from sigap.accounts.models import CHILD_DATA_ROLES, Role, User
from sigap.cases.extensions import extra_grant, extra_visibility_q
from sigap.cases.models import (
    WORKING_CASE_ROLES,
    Approval,
    ApprovalStatus,
    Case,
    CaseRole,
    CaseTeamMember,
)
from sigap.core.access import policy

# Agency roles that may open a case for their agency.
OPENING_ROLES = (Role.INTAKE_OFFICER, Role.CASE_WORKER, Role.SUPERVISOR)
# Agency roles a team member must hold at the lead agency for each case role.
AGENCY_ROLES_FOR_CASE_ROLE: dict[str, frozenset[str]] = {
    CaseRole.LEAD_WORKER: frozenset({Role.CASE_WORKER, Role.SUPERVISOR}),
    CaseRole.CO_WORKER: frozenset({Role.CASE_WORKER, Role.SUPERVISOR}),
    CaseRole.SUPERVISOR: frozenset({Role.SUPERVISOR}),
    CaseRole.PSYCHOLOGIST: frozenset({Role.PSYCHOLOGIST}),
    CaseRole.OUTREACH: frozenset(CHILD_DATA_ROLES),
    CaseRole.OTHER: frozenset(CHILD_DATA_ROLES),
}


def case_visibility_q(user: User) -> Q:
    """The cases `user` may see, as a filter over Case."""
    supervised = user.agency_ids_with_role(Role.SUPERVISOR)
    # The team and intake branches add nothing in an agency the user supervises; leaving them
    # out keeps the filter a plain index range there (bench/access.py).
    team_agencies = user.agency_ids_with_role(*CHILD_DATA_ROLES) - supervised
    intake_agencies = user.agency_ids_with_role(Role.INTAKE_OFFICER) - supervised
    q = Q(pk__in=[])
    if supervised:
        q |= Q(lead_agency_id__in=supervised)
    if team_agencies:
        my_cases = CaseTeamMember.objects.filter(user=user, ended_at__isnull=True).values("case_id")
        q |= Q(lead_agency_id__in=team_agencies, pk__in=my_cases)
    if intake_agencies:
        q |= Q(lead_agency_id__in=intake_agencies, created_by=user)
    # Later domains (referrals, break-the-glass) widen this through sigap.cases.extensions.
    return q | extra_visibility_q(user)


@dataclass(frozen=True)
class CaseAccess:
    can_view: bool
    can_work: bool  # edit, assess, plan, move along, request approvals
    can_note: bool
    can_manage_team: bool
    is_supervisor: bool
    team_role: str | None


def case_access(user: User, case: Case) -> CaseAccess:
    """What `user` may do with `case`; one query (the user's team row) unless the case came with
    its current team (selectors.case_get_for: `active_team`), cached on the case so a page
    asking several policies pays it once."""
    cache: dict[int, CaseAccess] = case.__dict__.setdefault("_sigap_access", {})
    if user.pk in cache:
        return cache[user.pk]
    roles = {m.role for m in user.active_memberships if m.agency_id == case.lead_agency_id}
    is_supervisor = Role.SUPERVISOR in roles
    team_role = None
    if roles & CHILD_DATA_ROLES:
        team_role = _team_role(user, case)
    on_team = team_role is not None
    opened_it = Role.INTAKE_OFFICER in roles and case.created_by_id == user.pk
    access = CaseAccess(
        can_view=is_supervisor or on_team or opened_it,
        can_work=is_supervisor or team_role in WORKING_CASE_ROLES,
        can_note=is_supervisor or on_team,
        can_manage_team=is_supervisor or team_role == CaseRole.LEAD_WORKER,
        is_supervisor=is_supervisor,
        team_role=team_role,
    )
    if not access.can_view:
        # Outside the built-in rule: a grant from a later domain (e.g. break-the-glass) may open
        # this one case, with the rights the grant carries and never team management.
        grant = extra_grant(user, case)
        if grant is not None:
            access = CaseAccess(
                can_view=True,
                can_work=grant.can_work,
                can_note=grant.can_note,
                can_manage_team=False,
                is_supervisor=False,
                team_role=None,
            )
    cache[user.pk] = access
    return access


def _team_role(user: User, case: Case) -> str | None:
    """The role of the user's oldest current row on the case team, or None: from the team the
    case was fetched with when it was, else one query (the same row either way)."""
    team = case.__dict__.get("active_team")
    if team is not None:
        return next((m.role for m in team if m.user_id == user.pk), None)
    return (
        CaseTeamMember.objects.filter(case=case, user=user, ended_at__isnull=True)
        .order_by("added_at")
        .values_list("role", flat=True)
        .first()
    )


def forget_access(case: Case) -> None:
    """Drop the cached access of `case`, and the team it was fetched with (after its team
    changed): the next policy check reads the team again."""
    case.__dict__.pop("_sigap_access", None)
    case.__dict__.pop("active_team", None)


@policy("case.list")
def can_list_cases(user: User, obj: Any) -> bool:
    return user.sees_child_data


@policy("case.view")
def can_view_case(user: User, obj: Any) -> bool:
    if obj is None:
        return user.sees_child_data
    return isinstance(obj, Case) and case_access(user, obj).can_view


@policy("case.open")
def can_open_case(user: User, obj: Any) -> bool:
    """obj None or a Child (already fetched through the child selectors, so visible)."""
    return bool(user.agency_ids_with_role(*OPENING_ROLES))


@policy("case.work")
def can_work_case(user: User, obj: Any) -> bool:
    if obj is None:
        return user.sees_child_data
    return isinstance(obj, Case) and case_access(user, obj).can_work


@policy("case.note")
def can_note_case(user: User, obj: Any) -> bool:
    if obj is None:
        return user.sees_child_data
    return isinstance(obj, Case) and case_access(user, obj).can_note


@policy("case.team")
def can_manage_case_team(user: User, obj: Any) -> bool:
    if obj is None:
        return user.sees_child_data
    return isinstance(obj, Case) and case_access(user, obj).can_manage_team


@policy("approval.queue")
def can_see_approval_queue(user: User, obj: Any) -> bool:
    return bool(user.agency_ids_with_role(Role.SUPERVISOR))


@policy("approval.decide")
def can_decide_approval(user: User, obj: Any) -> bool:
    """Only a supervisor of the lead agency decides, and never on their own request."""
    if obj is None:
        return bool(user.agency_ids_with_role(Role.SUPERVISOR))
    if not isinstance(obj, Approval):
        return False
    return (
        obj.status == ApprovalStatus.REQUESTED
        and obj.requested_by_id != user.pk
        and user.has_role(Role.SUPERVISOR, agency_id=obj.case.lead_agency_id)
    )
