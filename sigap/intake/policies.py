"""Who may do what with reports, outreach operations and notifications.

Reports belong to a regency (the city that received them). Intake officers and supervisors of an
agency in that regency screen and triage them; an agency a report was referred to may read it.
The reporter's identity is a sensitive section (#6 point 5, #7 point 5), every read of it is
audited. Default holders: the intake roles that handle the report (intake officers and
supervisors of the report's regency). Anyone else who may see the report (the officer it is
assigned to, outreach staff, the agency it was referred to) needs a per-case grant on the case
the report opened (sigap.children.sections).
"""

from __future__ import annotations

from typing import Any

from sigap.accounts.models import CHILD_DATA_ROLES, AgencyType, Role, User
from sigap.children.sections import REPORTER_IDENTITY, has_section_grant
from sigap.core.access import policy
from sigap.intake.models import OutreachOperation, Report

TRIAGE_ROLES = (Role.INTAKE_OFFICER, Role.SUPERVISOR)
OUTREACH_ROLES = (Role.INTAKE_OFFICER, Role.CASE_WORKER, Role.SUPERVISOR)
# Partner officers of these agencies go on night outreach too (M1, M19).
OUTREACH_PARTNER_AGENCIES = (AgencyType.SATPOL_PP, AgencyType.DINSOS)


def regencies_with_role(user: User, *roles: str) -> set[str]:
    return {m.agency.regency_code for m in user.active_memberships if m.role in roles}


def _triages_regency(user: User, regency_code: str) -> bool:
    return regency_code in regencies_with_role(user, *TRIAGE_ROLES)


def outreach_regencies(user: User) -> set[str]:
    regencies = regencies_with_role(user, *OUTREACH_ROLES)
    regencies |= {
        m.agency.regency_code
        for m in user.active_memberships
        if m.role == Role.PARTNER_OFFICER and m.agency.type in OUTREACH_PARTNER_AGENCIES
    }
    return regencies


@policy("intake.queue")
def can_view_queue(user: User, obj: Any) -> bool:
    return bool(regencies_with_role(user, *TRIAGE_ROLES))


@policy("intake.view")
def can_view_report(user: User, obj: Any) -> bool:
    if obj is None:
        # Anyone who may see child data may be sent a report (assigned, referred, outreach);
        # the object check and report_get_for decide which.
        return user.sees_child_data
    if not isinstance(obj, Report):
        return False
    if _triages_regency(user, obj.regency_code):
        return True
    if obj.assigned_to_id == user.pk:
        return True
    if obj.outreach_id is not None and obj.regency_code in outreach_regencies(user):
        return True
    return obj.referred_to_id is not None and any(
        m.agency_id == obj.referred_to_id and m.role in CHILD_DATA_ROLES
        for m in user.active_memberships
    )


@policy("intake.view_reporter")
def can_view_reporter(user: User, obj: Any) -> bool:
    if obj is None:
        return bool(regencies_with_role(user, *TRIAGE_ROLES))
    if not isinstance(obj, Report):
        return False
    if _triages_regency(user, obj.regency_code):
        return True
    return (
        obj.case_id is not None
        and has_section_grant(user, REPORTER_IDENTITY, case_id=obj.case_id)
        and can_view_report(user, obj)
    )


@policy("intake.record")
def can_record_report(user: User, obj: Any) -> bool:
    return bool(regencies_with_role(user, *TRIAGE_ROLES))


@policy("intake.triage")
def can_triage_report(user: User, obj: Any) -> bool:
    if obj is None:
        return bool(regencies_with_role(user, *TRIAGE_ROLES))
    return isinstance(obj, Report) and _triages_regency(user, obj.regency_code)


@policy("intake.outreach")
def can_record_outreach(user: User, obj: Any) -> bool:
    regencies = outreach_regencies(user)
    if obj is None:
        return bool(regencies)
    return isinstance(obj, OutreachOperation) and obj.regency_code in regencies


@policy("intake.notifications")
def can_read_notifications(user: User, obj: Any) -> bool:
    return obj is None or getattr(obj, "recipient_id", None) == user.pk
